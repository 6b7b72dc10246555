// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the device's state machine (la_device.c) with the protocol's
 * vectors: the HELLO and CONFIRM it sends, the session it hands over, its
 * resends and backoff, starting over with a new Rd, lost and foreign
 * KEYs, re-authentication before the session ends.
 */
#include <string.h>

#include <kunit/test.h>

#include "la_device.h"
#include "test_vectors.h"

struct la_tdev {
	struct la_device d;
	struct la_vec v;
	int nsent, nrandom, nsessions;
	u8 sent[LITEAUTH_MSG_MAX_LEN];
	size_t sent_len;
	struct la_grant grant;
};

static struct la_tdev la_td;

static void la_td_send(void *arg, const u8 *msg, size_t len)
{
	la_td.nsent++;
	memcpy(la_td.sent, msg, len);
	la_td.sent_len = len;
}

/* The vectors' Rd first; then other Rds. */
static void la_td_random(void *arg, u8 *buf, size_t len)
{
	memcpy(buf, la_td.v.rd, len);
	buf[0] ^= (u8)la_td.nrandom++;
}

static void la_td_established(void *arg, const struct la_grant *g)
{
	la_td.nsessions++;
	la_td.grant = *g;
}

static const struct la_device_ops la_td_ops = {
	.send = la_td_send,
	.random = la_td_random,
	.established = la_td_established,
};

static int la_device_test_init(struct kunit *test)
{
	memset(&la_td, 0, sizeof(la_td));
	if (la_vec_load(&la_td.v))
		return -1;
	return la_device_init(&la_td.d, la_td.v.idd, la_td.v.kd, &la_td_ops,
			      NULL);
}

static void la_td_key(struct kunit *test, int want, u32 now)
{
	KUNIT_EXPECT_EQ(test, la_device_rx(&la_td.d,
					   la_vec_msg(&la_td.v, LITEAUTH_MSG_KEY),
					   LITEAUTH_KEY_LEN, now), want);
}

static void la_test_device_exchange(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, la_device_start(&la_td.d, 0), 0);
	KUNIT_ASSERT_EQ(test, la_td.sent_len, LITEAUTH_HELLO_LEN);
	la_expect_bytes(test, la_td.sent, la_vec_msg(&la_td.v, LITEAUTH_MSG_HELLO),
			LITEAUTH_HELLO_LEN, "HELLO");
	la_td_key(test, 0, 100);
	KUNIT_ASSERT_EQ(test, la_td.sent_len, LITEAUTH_CONFIRM_LEN);
	la_expect_bytes(test, la_td.sent,
			la_vec_msg(&la_td.v, LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CONFIRM_LEN, "CONFIRM");
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 1);
	la_expect_bytes(test, la_td.grant.sk, la_td.v.sk, LA_KEY_LEN, "SK");
	KUNIT_EXPECT_EQ(test, la_td.grant.sid, LA_SID);
	KUNIT_EXPECT_EQ(test, la_td.grant.life, LA_LIFE);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_ESTABLISHED);

	/* One KEY only: the same again is ignored, nothing is sent. */
	la_td_key(test, LA_ERR_TYPE, 200);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 2);
}

static void la_test_device_resend(struct kunit *test)
{
	u32 t[] = { 999, 1000, 2999, 3000, 6999, 7000, 14999 };
	int sent[] = { 1, 2, 2, 3, 3, 4, 4 };
	size_t i;

	la_device_start(&la_td.d, 0);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		la_device_tick(&la_td.d, t[i]);
		KUNIT_EXPECT_EQ_MSG(test, la_td.nsent, sent[i], "at %u ms",
				    t[i]);
		la_expect_bytes(test, la_td.sent,
				la_vec_msg(&la_td.v, LITEAUTH_MSG_HELLO),
				LITEAUTH_HELLO_LEN, "the same HELLO");
	}
	KUNIT_EXPECT_EQ(test, la_td.d.retransmits, 3);
	/* After the last wait, a new Rd: a new HELLO, and the old KEY no
	 * longer opens.
	 */
	la_device_tick(&la_td.d, 15000);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 5);
	KUNIT_EXPECT_EQ(test, la_td.d.hellos, 2);
	KUNIT_EXPECT_TRUE(test, memcmp(la_td.sent,
				       la_vec_msg(&la_td.v, LITEAUTH_MSG_HELLO),
				       LITEAUTH_HELLO_LEN));
	la_td_key(test, LA_ERR_AUTH, 15100);
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 0);
}

static void la_test_device_ignores(struct kunit *test)
{
	u8 m[LITEAUTH_KEY_LEN];

	/* Before start: nothing expected. */
	la_td_key(test, LA_ERR_TYPE, 0);
	la_device_start(&la_td.d, 0);
	/* Another device's KEY, a truncated one, a forged one, a HELLO. */
	memcpy(m, la_vec_msg(&la_td.v, LITEAUTH_MSG_KEY), sizeof(m));
	m[9] ^= 1;
	KUNIT_EXPECT_NE(test, la_device_rx(&la_td.d, m, sizeof(m), 1), 0);
	KUNIT_EXPECT_NE(test, la_device_rx(&la_td.d, m, sizeof(m) - 1, 1), 0);
	m[9] ^= 1;
	m[sizeof(m) - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, la_device_rx(&la_td.d, m, sizeof(m), 1),
			LA_ERR_AUTH);
	KUNIT_EXPECT_NE(test, la_device_rx(&la_td.d,
					   la_vec_msg(&la_td.v, LITEAUTH_MSG_HELLO),
					   LITEAUTH_HELLO_LEN, 1), 0);
	KUNIT_EXPECT_EQ(test, la_td.d.keys_ignored, 4 + 1);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 1);
	/* The genuine KEY, late (after a resend), still works. */
	la_device_tick(&la_td.d, 1000);
	la_td_key(test, 0, 1500);
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 1);
}

static void la_test_device_reauth(struct kunit *test)
{
	u32 end = LA_LIFE * 60000u / 10 * 9;

	la_device_start(&la_td.d, 0);
	la_td_key(test, 0, 0);
	la_device_tick(&la_td.d, end - 1);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 2);
	la_device_tick(&la_td.d, end);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 3);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_WAIT_KEY);
	KUNIT_EXPECT_EQ(test, la_td.sent[0], LITEAUTH_MSG_HELLO);
}

static struct kunit_case la_device_cases[] = {
	KUNIT_CASE(la_test_device_exchange),
	KUNIT_CASE(la_test_device_resend),
	KUNIT_CASE(la_test_device_ignores),
	KUNIT_CASE(la_test_device_reauth),
	{}
};

static struct kunit_suite la_device_suite = {
	.name = "liteauth_device",
	.init = la_device_test_init,
	.test_cases = la_device_cases,
};

kunit_test_suite(la_device_suite);
