/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the few kernel headers kmod/gateway.c includes,
 * so that gateway_fuzz builds the file unchanged (tests/fuzz/kshim).
 * Only what gateway.c uses, with the kernel's semantics where they matter
 * to it; anything the kernel would WARN or BUG about aborts, so that the
 * fuzzer reports it.
 */
#ifndef _KSHIM_LINUX_KERNEL_H
#define _KSHIM_LINUX_KERNEL_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "kcompat.h"	/* u8 ... u64, div_u64, min, max, ARRAY_SIZE */

#define __read_mostly

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))

/* What the kernel would WARN or BUG about: a bug the fuzzer reports. */
static inline void __attribute__((noreturn))
la_kshim_bug(const char *what, const char *file, int line)
{
	fprintf(stderr, "gateway_fuzz: kernel shim: %s at %s:%d\n", what, file,
		line);
	abort();
}

#define WARN_ON_ONCE(cond) ({						\
	bool __kshim_warn = !!(cond);					\
	if (__kshim_warn)						\
		la_kshim_bug("WARN_ON_ONCE(" #cond ")", __FILE__, __LINE__); \
	__kshim_warn;							\
})
#define WARN_ON(cond) WARN_ON_ONCE(cond)

#endif /* _KSHIM_LINUX_KERNEL_H */
