/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The heap: malloc, so that AddressSanitizer and LeakSanitizer watch every
 * device entry. An allocation fails while la_kshim_alloc_fail is set (the
 * fuzzer defines it and toggles it). kfree_sensitive wipes what it frees,
 * as the kernel's does.
 */
#ifndef _KSHIM_LINUX_SLAB_H
#define _KSHIM_LINUX_SLAB_H

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

#include <linux/kernel.h>

typedef unsigned int gfp_t;

#define GFP_KERNEL	0x1u
#define GFP_ATOMIC	0x2u

extern int la_kshim_alloc_fail;

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return la_kshim_alloc_fail ? NULL : calloc(1, size);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	if (la_kshim_alloc_fail || (size && n > SIZE_MAX / size))
		return NULL;
	return malloc(n * size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

static inline void kfree_sensitive(const void *p)
{
	if (!p)
		return;
	memzero_explicit((void *)p, malloc_usable_size((void *)p));
	free((void *)p);
}

#endif /* _KSHIM_LINUX_SLAB_H */
