/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the protocol core (kmod/proto.c) takes from the kernel, for builds
 * outside it: userspace programs and, later, device firmware. It needs
 * nothing beyond freestanding C headers and <string.h>.
 */
#ifndef _LITEAUTH_KCOMPAT_H
#define _LITEAUTH_KCOMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_MSEC	1000000ULL

static inline u64 div64_u64(u64 dividend, u64 divisor)
{
	return dividend / divisor;
}

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

#ifndef min
#define min(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) ((a) > (b) ? (a) : (b))
#endif
#ifndef clamp
#define clamp(v, lo, hi) min(max(v, lo), hi)
#endif

#ifndef __packed
#define __packed __attribute__((__packed__))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* A memset the compiler may not drop because the buffer dies after it. */
static inline void memzero_explicit(void *s, size_t n)
{
	memset(s, 0, n);
	__asm__ __volatile__("" : : "r"(s) : "memory");
}

/* Nonzero if the buffers differ, in time that depends only on @n. */
static inline int crypto_memneq(const void *a, const void *b, size_t n)
{
	const volatile u8 *x = (const volatile u8 *)a;
	const volatile u8 *y = (const volatile u8 *)b;
	u8 d = 0;

	while (n--)
		d |= *x++ ^ *y++;
	return d != 0;
}

#endif /* _LITEAUTH_KCOMPAT_H */
