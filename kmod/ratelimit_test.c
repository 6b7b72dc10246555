// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the token buckets (ratelimit.c), on a synthetic clock.
 */
#ifdef __KERNEL__
#include <linux/time64.h>
#endif
#include <kunit/test.h>

#include "ratelimit.h"

#define SEC NSEC_PER_SEC
#define T0 (1000 * SEC)		/* an arbitrary start of time */

/* Count how many events a bucket lets through at one instant. */
static unsigned int la_take_all(struct la_bucket *b, u64 now, u32 rate,
				u32 burst)
{
	unsigned int n = 0;

	while (n < 1000 && la_bucket_take(b, now, rate, burst))
		n++;
	return n;
}

static void la_test_burst(struct kunit *test)
{
	struct la_bucket b;

	la_bucket_init(&b, T0, 60, 5);
	KUNIT_EXPECT_TRUE(test, la_bucket_full(&b, T0, 60, 5));
	KUNIT_EXPECT_EQ(test, la_bucket_tokens(&b, T0, 60, 5), 5);
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0, 60, 5), 5);
	KUNIT_EXPECT_FALSE(test, la_bucket_full(&b, T0, 60, 5));
	KUNIT_EXPECT_EQ(test, la_bucket_tokens(&b, T0, 60, 5), 0);
	KUNIT_EXPECT_EQ(test, la_bucket_tokens(&b, T0 + SEC, 60, 5), 1);
	KUNIT_EXPECT_EQ(test, la_bucket_tokens(&b, T0 + 60 * SEC, 60, 5), 5);
	KUNIT_EXPECT_EQ(test, la_bucket_tokens(&b, T0, 0, 7), 7);
}

static void la_test_refill(struct kunit *test)
{
	struct la_bucket b;

	la_bucket_init(&b, T0, 60, 5);		/* one a second */
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0, 60, 5), 5);
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0 + SEC / 2, 60, 5), 0);
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0 + SEC, 60, 5), 1);
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0 + 3 * SEC, 60, 5), 2);
	/* Credit never exceeds the burst, however long the bucket rests. */
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0 + 3600 * SEC, 60, 5), 5);
	KUNIT_EXPECT_TRUE(test, la_bucket_full(&b, T0 + 3605 * SEC, 60, 5));
}

static void la_test_sustained(struct kunit *test)
{
	struct la_bucket b;
	unsigned int n = 0, i;

	/* 30 a minute, offered 10 a second for a minute: the burst plus 30. */
	la_bucket_init(&b, T0, 30, 5);
	for (i = 0; i < 600; i++)
		n += la_bucket_take(&b, T0 + i * (SEC / 10), 30, 5);
	KUNIT_EXPECT_GE(test, n, 5 + 29);
	KUNIT_EXPECT_LE(test, n, 5 + 30);
}

static void la_test_unlimited_and_clock(struct kunit *test)
{
	struct la_bucket b;

	la_bucket_init(&b, T0, 0, 5);
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0, 0, 5), 1000);
	KUNIT_EXPECT_TRUE(test, la_bucket_full(&b, T0, 0, 5));

	/* A clock that steps back earns no credit and breaks nothing. */
	la_bucket_init(&b, T0, 60, 1);
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0, 60, 1), 1);
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0 - 10 * SEC, 60, 1), 0);
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0 + SEC, 60, 1), 1);

	/* A burst of 0 behaves as a burst of 1. */
	la_bucket_init(&b, T0, 60, 0);
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0, 60, 0), 1);

	/* A burst so large that a minute times it wraps a u64 (it made the
	 * bucket refuse everything, for ever) counts as LA_BURST_MAX.
	 */
	la_bucket_init(&b, T0, 1, 307445735);
	KUNIT_EXPECT_TRUE(test, la_bucket_take(&b, T0, 1, 307445735));
	la_bucket_init(&b, T0, 1, 0xffffffffU);
	KUNIT_EXPECT_EQ(test, la_take_all(&b, T0, 1, 0xffffffffU), 1000);
	KUNIT_EXPECT_FALSE(test, la_bucket_full(&b, T0, 1, 0xffffffffU));
}

static struct kunit_case la_ratelimit_cases[] = {
	KUNIT_CASE(la_test_burst),
	KUNIT_CASE(la_test_refill),
	KUNIT_CASE(la_test_sustained),
	KUNIT_CASE(la_test_unlimited_and_clock),
	{}
};

static struct kunit_suite la_ratelimit_suite = {
	.name = "liteauth_ratelimit",
	.test_cases = la_ratelimit_cases,
};

kunit_test_suite(la_ratelimit_suite);
