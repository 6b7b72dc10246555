// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the device's state machine (la_device.c) with the protocol's
 * vectors: the HELLO (with its CTR) and CONFIRM it sends, the ACK that
 * authenticates it and the session it hands over only then; its resends
 * and backoff of HELLO and of CONFIRM, giving up and starting over with
 * the next CTR and a new Rd; lost, forged and foreign KEYs and ACKs; CTR
 * kept through save_ctr() or refused when spent; re-authentication at nine
 * tenths of every LIFE, with the clock wrapping.
 */
#include <string.h>

#include <kunit/test.h>

#include "la_device.h"
#include "test_vectors.h"

struct la_tdev {
	struct la_device d;
	struct la_vec v;
	int nsent, nrandom, nsessions, nsaves;
	int save_fails;			/* save_ctr() fails while set */
	int sent_at_save;		/* nsent when save_ctr() was called */
	u32 saved;
	u32 flash;			/* la_td_save_block()'s CTR on "flash" */
	int flash_writes;
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

static int la_td_save_ctr(void *arg, u32 ctr)
{
	la_td.nsaves++;
	la_td.sent_at_save = la_td.nsent;
	if (la_td.save_fails)
		return -1;
	la_td.saved = ctr;
	return 0;
}

/* The block reservation la_device.h describes: a flash write per 16. */
static int la_td_save_block(void *arg, u32 ctr)
{
	if (ctr > la_td.flash) {
		la_td.flash = ctr + 15;
		la_td.flash_writes++;
	}
	return 0;
}

static void la_td_established(void *arg, const struct la_grant *g)
{
	la_td.nsessions++;
	la_td.grant = *g;
}

static const struct la_device_ops la_td_ops = {
	.send = la_td_send,
	.random = la_td_random,
	.save_ctr = la_td_save_ctr,
	.established = la_td_established,
};

/* The vectors' HELLO carries CTR 7: the device used 6 last. */
static int la_td_init(u32 ctr, const struct la_device_ops *ops)
{
	memset(&la_td.d, 0, sizeof(la_td.d));
	return la_device_init(&la_td.d, la_td.v.idd, la_td.v.kd, ctr, ops,
			      NULL);
}

static int la_device_test_init(struct kunit *test)
{
	memset(&la_td, 0, sizeof(la_td));
	if (la_vec_load(&la_td.v))
		return -1;
	return la_td_init(LA_CTR - 1, &la_td_ops);
}

static const u8 *la_td_msg(u8 type)
{
	return la_vec_msg(&la_td.v, type);
}

static int la_td_rx(u8 type, u32 now)
{
	return la_device_rx(&la_td.d, la_td_msg(type), la_msg_len(type), now);
}

static bool la_td_zero(const void *p, size_t n)
{
	const u8 *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/* The last message sent is a HELLO with this CTR. */
static void la_td_expect_hello(struct kunit *test, u32 ctr)
{
	const struct la_hello *h = (const struct la_hello *)la_td.sent;

	KUNIT_EXPECT_EQ(test, la_td.sent_len, LITEAUTH_HELLO_LEN);
	KUNIT_EXPECT_EQ(test, h->type, LITEAUTH_MSG_HELLO);
	KUNIT_EXPECT_EQ(test, la_get_be32(h->ctr), ctr);
	KUNIT_EXPECT_EQ(test, la_hello_verify(la_td.sent, la_td.sent_len,
					      la_td.v.keys[LA_K_HELLO]), 0);
}

static void la_test_device_exchange(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, la_device_start(&la_td.d, 0), 0);
	KUNIT_ASSERT_EQ(test, la_td.sent_len, LITEAUTH_HELLO_LEN);
	la_expect_bytes(test, la_td.sent, la_td_msg(LITEAUTH_MSG_HELLO),
			LITEAUTH_HELLO_LEN, "HELLO");
	/* CTR 7 was kept before the HELLO that carries it went out. */
	KUNIT_EXPECT_EQ(test, la_td.nsaves, 1);
	KUNIT_EXPECT_EQ(test, la_td.saved, LA_CTR);
	KUNIT_EXPECT_EQ(test, la_td.sent_at_save, 0);
	KUNIT_EXPECT_EQ(test, la_td.d.ctr, LA_CTR);

	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_KEY, 100), 0);
	KUNIT_ASSERT_EQ(test, la_td.sent_len, LITEAUTH_CONFIRM_LEN);
	la_expect_bytes(test, la_td.sent, la_td_msg(LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CONFIRM_LEN, "CONFIRM");
	/* CONFIRM is not enough: no session until ACK verifies. */
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_WAIT_ACK);
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 0);

	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_ACK, 200), 0);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 1);
	la_expect_bytes(test, la_td.grant.sk, la_td.v.sk, LA_KEY_LEN, "SK");
	KUNIT_EXPECT_EQ(test, la_td.grant.sid, LA_SID);
	KUNIT_EXPECT_EQ(test, la_td.grant.life, LA_LIFE);
	/* SK, K_ack and the rest of the handshake are wiped. */
	KUNIT_EXPECT_TRUE(test, la_td_zero(&la_td.d.hs, sizeof(la_td.d.hs)));

	/* One KEY and one ACK only: again, they are ignored, nothing sent. */
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_KEY, 300), LA_ERR_TYPE);
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_ACK, 300), LA_ERR_TYPE);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 2);
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 1);
	KUNIT_EXPECT_EQ(test, la_td.d.keys_ignored, 1);
	KUNIT_EXPECT_EQ(test, la_td.d.acks_ignored, 1);
	KUNIT_EXPECT_EQ(test, la_td.d.hellos, 1);
}

static void la_test_device_resend(struct kunit *test)
{
	u32 t[] = { 999, 1000, 2999, 3000, 6999, 7000, 14999 };
	int sent[] = { 1, 2, 2, 3, 3, 4, 4 };
	size_t i;

	la_device_start(&la_td.d, 0);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		KUNIT_EXPECT_EQ(test, la_device_tick(&la_td.d, t[i]), 0);
		KUNIT_EXPECT_EQ_MSG(test, la_td.nsent, sent[i], "at %u ms",
				    t[i]);
		la_expect_bytes(test, la_td.sent, la_td_msg(LITEAUTH_MSG_HELLO),
				LITEAUTH_HELLO_LEN, "the same HELLO");
	}
	KUNIT_EXPECT_EQ(test, la_td.d.retransmits, 3);
	KUNIT_EXPECT_EQ(test, la_td.nsaves, 1);
	/* After the last wait, the next CTR (kept first) and a new Rd: a new
	 * HELLO, and the old KEY no longer opens.
	 */
	KUNIT_EXPECT_EQ(test, la_device_tick(&la_td.d, 15000), 0);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 5);
	KUNIT_EXPECT_EQ(test, la_td.d.hellos, 2);
	KUNIT_EXPECT_EQ(test, la_td.nsaves, 2);
	KUNIT_EXPECT_EQ(test, la_td.saved, LA_CTR + 1);
	KUNIT_EXPECT_EQ(test, la_td.sent_at_save, 4);
	la_td_expect_hello(test, LA_CTR + 1);
	KUNIT_EXPECT_TRUE(test, memcmp(((struct la_hello *)la_td.sent)->rd,
				       la_td.v.rd, LA_NONCE_LEN));
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_KEY, 15100), LA_ERR_AUTH);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_WAIT_KEY);
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 0);
}

static void la_test_device_ignores(struct kunit *test)
{
	u8 m[LITEAUTH_KEY_LEN];

	/* Before start: nothing expected. */
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_KEY, 0), LA_ERR_TYPE);
	la_device_start(&la_td.d, 0);
	/* Another device's KEY, a truncated one, a forged one, a HELLO. */
	memcpy(m, la_td_msg(LITEAUTH_MSG_KEY), sizeof(m));
	m[9] ^= 1;
	KUNIT_EXPECT_NE(test, la_device_rx(&la_td.d, m, sizeof(m), 1), 0);
	KUNIT_EXPECT_NE(test, la_device_rx(&la_td.d, m, sizeof(m) - 1, 1), 0);
	m[9] ^= 1;
	m[sizeof(m) - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, la_device_rx(&la_td.d, m, sizeof(m), 1),
			LA_ERR_AUTH);
	KUNIT_EXPECT_NE(test, la_td_rx(LITEAUTH_MSG_HELLO, 1), 0);
	/* Nothing at all, and two bytes. */
	KUNIT_EXPECT_NE(test, la_device_rx(&la_td.d, m, 0, 1), 0);
	KUNIT_EXPECT_NE(test, la_device_rx(&la_td.d, m, 2, 1), 0);
	KUNIT_EXPECT_EQ(test, la_td.d.keys_ignored, 1 + 4 + 2);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 1);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_WAIT_KEY);
	/* The genuine KEY, late (after a resend), still works. */
	la_device_tick(&la_td.d, 1000);
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_KEY, 1500), 0);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_WAIT_ACK);
}

static void la_test_device_confirm_resend(struct kunit *test)
{
	u32 t[] = { 1099, 1100, 3099, 3100, 7099, 7100, 15099 };
	int sent[] = { 2, 3, 3, 4, 4, 5, 5 };
	size_t i;

	la_device_start(&la_td.d, 0);
	KUNIT_ASSERT_EQ(test, la_td_rx(LITEAUTH_MSG_KEY, 100), 0);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		KUNIT_EXPECT_EQ(test, la_device_tick(&la_td.d, t[i]), 0);
		KUNIT_EXPECT_EQ_MSG(test, la_td.nsent, sent[i], "at %u ms",
				    t[i]);
		la_expect_bytes(test, la_td.sent,
				la_td_msg(LITEAUTH_MSG_CONFIRM),
				LITEAUTH_CONFIRM_LEN, "the same CONFIRM");
	}
	KUNIT_EXPECT_EQ(test, la_td.d.confirm_retransmits, 3);
	KUNIT_EXPECT_EQ(test, la_td.d.retransmits, 0);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_WAIT_ACK);
	/* 8 s after the fourth CONFIRM: a new handshake, CTR + 1, the grant
	 * wiped; the ACK for the old one is now ignored.
	 */
	KUNIT_EXPECT_EQ(test, la_device_tick(&la_td.d, 15100), 0);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 6);
	la_td_expect_hello(test, LA_CTR + 1);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_WAIT_KEY);
	KUNIT_EXPECT_EQ(test, la_td.d.ack_timeouts, 1);
	KUNIT_EXPECT_EQ(test, la_td.d.hellos, 2);
	KUNIT_EXPECT_TRUE(test, la_td_zero(&la_td.d.hs.grant,
					   sizeof(la_td.d.hs.grant)));
	KUNIT_EXPECT_TRUE(test, la_td_zero(la_td.d.hs.k_ack,
					   sizeof(la_td.d.hs.k_ack)));
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_ACK, 15200), LA_ERR_TYPE);
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 0);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 6);
}

static void la_test_device_ack_ignored(struct kunit *test)
{
	struct la_ack a;
	u8 other[LA_ID_LEN];

	/* An ACK before any handshake, and before KEY. */
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_ACK, 0), LA_ERR_TYPE);
	la_device_start(&la_td.d, 0);
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_ACK, 10), LA_ERR_TYPE);
	KUNIT_ASSERT_EQ(test, la_td_rx(LITEAUTH_MSG_KEY, 100), 0);

	/* A bad tag. */
	memcpy(&a, la_td_msg(LITEAUTH_MSG_ACK), sizeof(a));
	a.tag[0] ^= 1;
	KUNIT_EXPECT_EQ(test, la_device_rx(&la_td.d, (u8 *)&a, sizeof(a), 200),
			LA_ERR_AUTH);
	/* A good tag, for another device under the same K_ack. */
	memcpy(other, la_td.v.idd, LA_ID_LEN);
	other[7] ^= 1;
	KUNIT_ASSERT_EQ(test, la_ack_build(&a, LITEAUTH_SUITE_AES128,
					   la_td.v.keys[LA_K_ACK], other,
					   la_td.v.rd, la_td.v.rs), 0);
	KUNIT_EXPECT_EQ(test, la_device_rx(&la_td.d, (u8 *)&a, sizeof(a), 200),
			LA_ERR_TYPE);
	/* Truncated; and CONFIRM, of the same layout, reflected back. */
	KUNIT_EXPECT_NE(test, la_device_rx(&la_td.d, la_td_msg(LITEAUTH_MSG_ACK),
					   LITEAUTH_ACK_LEN - 1, 200), 0);
	KUNIT_EXPECT_NE(test, la_td_rx(LITEAUTH_MSG_CONFIRM, 200), 0);
	/* The KEY again: ignored, no second CONFIRM. */
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_KEY, 200), LA_ERR_TYPE);
	KUNIT_EXPECT_EQ(test, la_td.d.acks_ignored, 2 + 3);
	KUNIT_EXPECT_EQ(test, la_td.d.keys_ignored, 2);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 2);
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 0);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_WAIT_ACK);

	/* None of it delayed the resend, and the genuine ACK still works. */
	la_device_tick(&la_td.d, 1100);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 3);
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_ACK, 1200), 0);
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 1);
}

static void la_test_device_restart(struct kunit *test)
{
	/* start() in WAIT_ACK drops the handshake: its ACK no longer counts. */
	la_device_start(&la_td.d, 0);
	KUNIT_ASSERT_EQ(test, la_td_rx(LITEAUTH_MSG_KEY, 100), 0);
	KUNIT_EXPECT_EQ(test, la_device_start(&la_td.d, 200), 0);
	la_td_expect_hello(test, LA_CTR + 1);
	KUNIT_EXPECT_EQ(test, la_td_rx(LITEAUTH_MSG_ACK, 300), LA_ERR_TYPE);
	KUNIT_EXPECT_EQ(test, la_td.nsessions, 0);
}

/* HELLO resent at 1, 3 and 7 s; what the tick at 15 s, the new start,
 * returns.
 */
static int la_td_give_up(void)
{
	la_device_tick(&la_td.d, 1000);
	la_device_tick(&la_td.d, 3000);
	la_device_tick(&la_td.d, 7000);
	return la_device_tick(&la_td.d, 15000);
}

static void la_test_device_save_ctr(struct kunit *test)
{
	static const struct la_device_ops no_save = {
		.send = la_td_send,
		.random = la_td_random,
		.established = la_td_established,
	};

	/* The firmware cannot keep CTR 7: no HELLO, and 7 is not used. */
	la_td.save_fails = 1;
	KUNIT_EXPECT_EQ(test, la_device_start(&la_td.d, 0), LA_DEVICE_ESAVE);
	KUNIT_EXPECT_EQ(test, la_td.nsaves, 1);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 0);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_IDLE);
	KUNIT_EXPECT_EQ(test, la_td.d.ctr, LA_CTR - 1);
	KUNIT_EXPECT_EQ(test, la_device_tick(&la_td.d, 20000), 0);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 0);
	/* Once it can, CTR 7 goes out: the vectors' HELLO. */
	la_td.save_fails = 0;
	KUNIT_EXPECT_EQ(test, la_device_start(&la_td.d, 0), 0);
	la_expect_bytes(test, la_td.sent, la_td_msg(LITEAUTH_MSG_HELLO),
			LITEAUTH_HELLO_LEN, "HELLO");

	/* A new handshake from tick() that cannot keep its CTR: IDLE. */
	la_td.save_fails = 1;
	KUNIT_EXPECT_EQ(test, la_td_give_up(), LA_DEVICE_ESAVE);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 4);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_IDLE);
	KUNIT_EXPECT_TRUE(test, la_td_zero(&la_td.d.hs, sizeof(la_td.d.hs)));

	/* No save_ctr() (a simulator): CTR still counts up. */
	KUNIT_ASSERT_EQ(test, la_td_init(41, &no_save), 0);
	KUNIT_EXPECT_EQ(test, la_device_start(&la_td.d, 0), 0);
	la_td_expect_hello(test, 42);
}

static void la_test_device_ctr_spent(struct kunit *test)
{
	/* The last CTR, 0xffffffff, can be used once. */
	KUNIT_ASSERT_EQ(test, la_td_init(0xfffffffeu, &la_td_ops), 0);
	KUNIT_EXPECT_EQ(test, la_device_start(&la_td.d, 0), 0);
	la_td_expect_hello(test, 0xffffffffu);
	/* Then no new handshake: neither when HELLO goes unanswered... */
	KUNIT_EXPECT_EQ(test, la_td_give_up(), LA_DEVICE_ECTR);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 4);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_IDLE);
	/* ...nor when asked, and save_ctr() is not even asked. */
	KUNIT_EXPECT_EQ(test, la_device_start(&la_td.d, 20000), LA_DEVICE_ECTR);
	KUNIT_ASSERT_EQ(test, la_td_init(0xffffffffu, &la_td_ops), 0);
	KUNIT_EXPECT_EQ(test, la_device_start(&la_td.d, 20000), LA_DEVICE_ECTR);
	KUNIT_EXPECT_EQ(test, la_td.nsent, 4);
	KUNIT_EXPECT_EQ(test, la_td.nsaves, 1);
}

static void la_test_device_ctr_blocks(struct kunit *test)
{
	static const struct la_device_ops block = {
		.send = la_td_send,
		.random = la_td_random,
		.save_ctr = la_td_save_block,
		.established = la_td_established,
	};
	u32 used = 0;
	int i;

	KUNIT_ASSERT_EQ(test, la_td_init(la_td.flash, &block), 0);
	for (i = 0; i < 20; i++) {
		KUNIT_ASSERT_EQ(test, la_device_start(&la_td.d, 0), 0);
		used = la_get_be32(((struct la_hello *)la_td.sent)->ctr);
	}
	KUNIT_EXPECT_EQ(test, used, 20);
	KUNIT_EXPECT_EQ(test, la_td.flash_writes, 2);
	KUNIT_EXPECT_EQ(test, la_td.flash, 32);
	/* A reset: the device goes on from what flash holds, above every CTR
	 * it used, having skipped at most 15.
	 */
	KUNIT_ASSERT_EQ(test, la_td_init(la_td.flash, &block), 0);
	KUNIT_ASSERT_EQ(test, la_device_start(&la_td.d, 0), 0);
	la_td_expect_hello(test, 33);
	KUNIT_EXPECT_LE(test, 33 - used - 1, 15);
}

/*
 * Re-authentication at 9/10 of @life minutes after KEY came, on a clock
 * that wraps during the handshake, ticked every @step ms, then 1 ms before
 * and at the deadline.
 */
static void la_td_reauth(struct kunit *test, u16 life, u32 step)
{
	const u32 t0 = 0xfffff800u, t_key = t0 + 100;
	const u32 wait = life * 54000u, end = t_key + wait;
	struct la_grant g = la_td.v.grant;
	struct la_key key;
	u64 t;

	KUNIT_ASSERT_EQ(test, la_td_init(LA_CTR - 1, &la_td_ops), 0);
	la_td.nsent = la_td.nrandom = la_td.nsessions = 0;
	g.life = life;
	KUNIT_ASSERT_EQ(test, la_key_build(&key, LITEAUTH_SUITE_AES128,
					   la_td.v.keys[LA_K_KEY], la_td.v.idd,
					   la_td.v.rd, la_td.v.rs, &g), 0);
	KUNIT_ASSERT_EQ(test, la_device_start(&la_td.d, t0), 0);
	KUNIT_ASSERT_EQ(test, la_device_rx(&la_td.d, (u8 *)&key, sizeof(key),
					   t_key), 0);
	la_device_tick(&la_td.d, t_key + 1000);		/* a CONFIRM resent */
	/* ACK after the clock wrapped, 2.9 s after KEY. */
	KUNIT_ASSERT_EQ(test, la_td_rx(LITEAUTH_MSG_ACK, t_key + 2900), 0);
	KUNIT_ASSERT_EQ(test, la_td.grant.life, life);
	KUNIT_ASSERT_EQ(test, la_td.nsent, 3);

	for (t = 3000; t < wait - 1; t += step) {
		KUNIT_EXPECT_EQ(test, la_device_tick(&la_td.d, t_key + (u32)t),
				0);
		KUNIT_ASSERT_EQ_MSG(test, la_td.nsent, 3,
				    "LIFE %u: HELLO %u ms after KEY, %u early",
				    life, (u32)t, wait - (u32)t);
	}
	la_device_tick(&la_td.d, end - 1);
	KUNIT_EXPECT_EQ_MSG(test, la_td.nsent, 3, "LIFE %u, 1 ms early", life);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_ESTABLISHED);
	la_device_tick(&la_td.d, end);
	KUNIT_EXPECT_EQ_MSG(test, la_td.nsent, 4, "LIFE %u, on time", life);
	KUNIT_EXPECT_EQ(test, la_td.d.state, LA_DEVICE_WAIT_KEY);
	la_td_expect_hello(test, LA_CTR + 1);
}

static void la_test_device_reauth(struct kunit *test)
{
	static const u16 lives[] = { 1, LA_LIFE, 39769, 65535 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lives); i++) {
		/* About a hundred ticks over the life; and as few as
		 * la_device_tick() allows, one every 2^31 - 1 ms.
		 */
		la_td_reauth(test, lives[i], lives[i] * 540u + 7);
		la_td_reauth(test, lives[i], 0x7fffffffu);
	}
}

static struct kunit_case la_device_cases[] = {
	KUNIT_CASE(la_test_device_exchange),
	KUNIT_CASE(la_test_device_resend),
	KUNIT_CASE(la_test_device_ignores),
	KUNIT_CASE(la_test_device_confirm_resend),
	KUNIT_CASE(la_test_device_ack_ignored),
	KUNIT_CASE(la_test_device_restart),
	KUNIT_CASE(la_test_device_save_ctr),
	KUNIT_CASE(la_test_device_ctr_spent),
	KUNIT_CASE(la_test_device_ctr_blocks),
	KUNIT_CASE(la_test_device_reauth),
	{}
};

static struct kunit_suite la_device_suite = {
	.name = "liteauth_device",
	.init = la_device_test_init,
	.test_cases = la_device_cases,
};

kunit_test_suite(la_device_suite);
