/* SPDX-License-Identifier: GPL-2.0 */
/*
 * siphash: a keyed hash, deliberately poor. It folds the bytes and the key
 * (FNV-1a) and keeps one bit, so that every device table the fuzzer makes
 * has entries sharing a chain: la_gw_walk's cursor then skips within one,
 * and hash_del unlinks from the middle of one.
 */
#ifndef _KSHIM_LINUX_SIPHASH_H
#define _KSHIM_LINUX_SIPHASH_H

#include <linux/kernel.h>

typedef struct {
	u64 key[2];
} siphash_key_t;

static inline u64 siphash(const void *data, size_t len,
			  const siphash_key_t *key)
{
	const u8 *p = data;
	u64 h = 0xcbf29ce484222325ULL ^ key->key[0];
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (h ^ key->key[1]) & 1;
}

#endif /* _KSHIM_LINUX_SIPHASH_H */
