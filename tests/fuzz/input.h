/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzers' input: their bytes, read as far as they go (then zeros).
 * Included after the headers that give u8 and u16.
 */
#ifndef _LITEAUTH_FUZZ_INPUT_H
#define _LITEAUTH_FUZZ_INPUT_H

#include <stddef.h>

struct in {
	const u8 *p;
	size_t n;
};

static inline u8 take(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline u16 take16(struct in *in)
{
	u16 hi = take(in);

	return hi << 8 | take(in);
}

static inline void takev(struct in *in, void *out, size_t n)
{
	u8 *o = out;

	while (n--)
		*o++ = take(in);
}

#endif /* _LITEAUTH_FUZZ_INPUT_H */
