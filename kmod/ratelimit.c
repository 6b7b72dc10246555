// SPDX-License-Identifier: GPL-2.0
/*
 * Token buckets for the rate limits of the gateway and of the server
 * (ratelimit.h); built into the module and into userspace.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/time64.h>
#else
#include "kcompat.h"
#endif

#include "ratelimit.h"

static u64 la_interval(u32 rate)
{
	return div_u64(60ULL * NSEC_PER_SEC, rate);
}

/* What a full bucket holds: @burst intervals, @burst in 1..LA_BURST_MAX. */
static u64 la_size(u32 rate, u32 burst)
{
	return la_interval(rate) * clamp(burst, 1U, LA_BURST_MAX);
}

static u64 la_credit(const struct la_bucket *b, u64 now, u32 rate, u32 burst)
{
	u64 max = la_size(rate, burst);
	u64 credit = b->credit + (now > b->stamp ? now - b->stamp : 0);

	return min(credit, max);
}

void la_bucket_init(struct la_bucket *b, u64 now, u32 rate, u32 burst)
{
	b->stamp = now;
	b->credit = rate ? la_size(rate, burst) : 0;
}

bool la_bucket_take(struct la_bucket *b, u64 now, u32 rate, u32 burst)
{
	u64 credit;

	if (!rate)
		return true;
	credit = la_credit(b, now, rate, burst);
	b->stamp = max(now, b->stamp);
	if (credit < la_interval(rate)) {
		b->credit = credit;
		return false;
	}
	b->credit = credit - la_interval(rate);
	return true;
}

u32 la_bucket_tokens(const struct la_bucket *b, u64 now, u32 rate, u32 burst)
{
	if (!rate)
		return burst;
	/* At most LA_BURST_MAX: la_credit is at most la_size. */
	return div64_u64(la_credit(b, now, rate, burst), la_interval(rate));
}

bool la_bucket_full(const struct la_bucket *b, u64 now, u32 rate, u32 burst)
{
	return !rate ||
	       la_credit(b, now, rate, burst) >= la_size(rate, burst);
}
