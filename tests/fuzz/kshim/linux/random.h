/* SPDX-License-Identifier: GPL-2.0 */
/*
 * get_random_once: fixed bytes, the same in every run, so that every
 * input the fuzzer finds replays the same way.
 */
#ifndef _KSHIM_LINUX_RANDOM_H
#define _KSHIM_LINUX_RANDOM_H

#include <linux/kernel.h>

static inline void la_kshim_random_bytes(void *buf, size_t len)
{
	u8 *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (u8)(0x3c + 7 * i);
}

#define get_random_once(buf, nbytes) do {				\
	static bool __kshim_done;					\
	if (!__kshim_done) {						\
		__kshim_done = true;					\
		la_kshim_random_bytes(buf, nbytes);			\
	}								\
} while (0)

#endif /* _KSHIM_LINUX_RANDOM_H */
