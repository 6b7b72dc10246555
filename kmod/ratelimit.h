/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A token bucket: @rate events per minute sustained, @burst at once. The
 * bucket holds time rather than tokens: each event costs one interval
 * (a minute / rate) and the bucket refills with the time that passes, up to
 * @burst intervals. The caller serializes access to a bucket.
 */
#ifndef _LITEAUTH_RATELIMIT_H
#define _LITEAUTH_RATELIMIT_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "kcompat.h"
#endif

/*
 * A larger burst counts as this one: a minute times it still fits in a
 * u64 (2^36 ns * 2^24 < 2^60), and nobody needs more.
 */
#define LA_BURST_MAX	(1U << 24)

struct la_bucket {
	u64 stamp;	/* ns of the last refill */
	u64 credit;	/* ns of credit, at most burst intervals */
};

/* A new bucket starts full, as of @now. */
void la_bucket_init(struct la_bucket *b, u64 now, u32 rate, u32 burst);

/*
 * Takes one event's cost if there is credit for it. A @rate of 0 means no
 * limit. @now must not go backwards (a monotonic clock in ns).
 */
bool la_bucket_take(struct la_bucket *b, u64 now, u32 rate, u32 burst);

/*
 * The events the bucket would let through at @now, taking nothing
 * (@burst, with no limit): for a status, not for a decision.
 */
u32 la_bucket_tokens(const struct la_bucket *b, u64 now, u32 rate, u32 burst);

/* Whether the bucket has refilled completely, so forgetting it is free. */
bool la_bucket_full(const struct la_bucket *b, u64 now, u32 rate, u32 burst);

#endif /* _LITEAUTH_RATELIMIT_H */
