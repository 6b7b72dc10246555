// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the gateway (gateway.c), driven through its own entry
 * points with the protocol's test vectors: a radio and a daemon that
 * record what the gateway sends, a clock the test sets, and a "CSPRNG"
 * that returns a fixed pattern. The test plays the server too: it answers
 * the GW_HELLO the gateway made (whose Rg and CTX are the gateway's own)
 * with the vectors' KEY and grant, so KEY and ACK on the radio are the
 * vectors' bytes.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/time64.h>

#include "crypto.h"
#include "gateway.h"
#include "test_vectors.h"

#define T0 (100 * NSEC_PER_SEC)

struct la_tgw {
	struct la_gw gw;
	struct la_vec v;
	u64 now;
	int up_err;			/* what relay_up returns */
	int nradio, nup, nev;
	struct la_addr radio_to;
	u8 radio[LITEAUTH_MSG_MAX_LEN];
	size_t radio_len;
	u8 up[LITEAUTH_MSG_MAX_LEN];
	size_t up_len;
	struct la_gw_hello gwh;		/* the last GW_HELLO relayed */
	struct la_event ev[8];
};

static struct la_tgw *la_tgw(struct la_gw *gw)
{
	return gw->priv;
}

static int la_t_radio_tx(struct la_gw *gw, const struct la_addr *to,
			 const void *msg, size_t len)
{
	struct la_tgw *t = la_tgw(gw);

	t->nradio++;
	t->radio_to = *to;
	memcpy(t->radio, msg, len);
	t->radio_len = len;
	return 0;
}

static int la_t_relay_up(struct la_gw *gw, const void *msg, size_t len)
{
	struct la_tgw *t = la_tgw(gw);

	if (t->up_err)
		return t->up_err;
	t->nup++;
	memcpy(t->up, msg, len);
	t->up_len = len;
	if (len == sizeof(t->gwh))
		memcpy(&t->gwh, msg, len);
	return 0;
}

static void la_t_event(struct la_gw *gw, const struct la_event *ev)
{
	struct la_tgw *t = la_tgw(gw);

	if (t->nev < ARRAY_SIZE(t->ev))
		t->ev[t->nev] = *ev;
	t->nev++;
}

static u64 la_t_now(struct la_gw *gw)
{
	return la_tgw(gw)->now;
}

static void la_t_random(struct la_gw *gw, void *buf, size_t len)
{
	memset(buf, 0x5c, len);
}

static const struct la_gw_ops la_t_ops = {
	.radio_tx = la_t_radio_tx,
	.relay_up = la_t_relay_up,
	.event = la_t_event,
	.now = la_t_now,
	.random = la_t_random,
};

static const struct la_addr la_t_dev_addr = {
	.ifindex = 7,
	.mode = LITEAUTH_ADDR_SHORT,
	.pan_id = 0xabcd,
	.short_addr = 0x0102,
};

static int la_gw_test_init(struct kunit *test)
{
	struct la_tgw *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	if (la_vec_load(&t->v))
		return -EINVAL;
	t->now = T0;
	la_gw_init(&t->gw, &la_t_ops, t);
	if (la_gw_set_identity(&t->gw, t->v.idg, t->v.kg))
		return -EIO;
	test->priv = t;
	return 0;
}

static void la_gw_test_exit(struct kunit *test)
{
	struct la_tgw *t = test->priv;

	la_gw_destroy(&t->gw);
}

static int la_gw_suite_init(struct kunit_suite *suite)
{
	return la_crypto_init();
}

static void la_gw_suite_exit(struct kunit_suite *suite)
{
	la_crypto_exit();
}

static const u8 *la_t_msg(struct la_tgw *t, u8 type)
{
	return la_vec_msg(&t->v, type);
}

static int la_t_radio_rx(struct la_tgw *t, u8 type)
{
	return la_gw_rx_radio(&t->gw, &la_t_dev_addr, la_t_msg(t, type),
			      la_msg_len(type));
}

static int la_t_daemon_rx(struct la_tgw *t, u8 type)
{
	return la_gw_rx_daemon(&t->gw, la_t_msg(t, type), la_msg_len(type),
			       NULL);
}

static u64 la_t_count(struct la_tgw *t, enum liteauth_counter c)
{
	return la_gw_counter(&t->gw, c);
}

/* A dump of one entry: what la_gw_walk() shows. */
static int la_t_fill(void *arg, const struct la_session_info *si)
{
	*(struct la_session_info *)arg = *si;
	return 0;
}

/* HELLO of the vectors' device, with @ctr and @rd (NULL: the vectors'). */
static int la_t_hello(struct la_tgw *t, u32 ctr, const u8 *rd,
		      const struct la_addr *from)
{
	struct la_hello h;

	if (la_hello_build(&h, LITEAUTH_SUITE_AES128,
			   t->v.keys[LA_K_HELLO], t->v.idd, ctr,
			   rd ? rd : t->v.rd))
		return -1;
	return la_gw_rx_radio(&t->gw, from ? from : &la_t_dev_addr, &h,
			      sizeof(h));
}

/*
 * The server's GW_KEY for @gwh: the KEY for its HELLO's Rd with the
 * vectors' Rs and grant (so, for the vectors' Rd, the vectors' KEY).
 */
static void la_t_gw_key(struct la_tgw *t, const struct la_gw_hello *gwh,
			struct la_gw_key *m)
{
	u8 k[LA_KEY_LEN];
	struct la_echo echo;
	struct la_key key;

	la_echo_of(&echo, gwh);
	memset(m, 0, sizeof(*m));
	if (la_derive(LITEAUTH_SUITE_AES128, LA_K_KEY, t->v.kd,
		      gwh->hello.idd, gwh->hello.rd, t->v.rs, k) ||
	    la_key_build(&key, LITEAUTH_SUITE_AES128, k, gwh->hello.idd,
			 gwh->hello.rd, t->v.rs, &t->v.grant) ||
	    la_derive(LITEAUTH_SUITE_AES128, LA_KG_KEY, t->v.kg, t->v.idg,
		      gwh->rg, t->v.rs, k) ||
	    la_gw_key_build(m, LITEAUTH_SUITE_AES128, k, t->v.idg, &echo, &key,
			    &t->v.grant))
		m->type = 0;	/* makes the test fail loudly */
}

static int la_t_send(struct la_tgw *t, const void *m, size_t len)
{
	return la_gw_rx_daemon(&t->gw, m, len, NULL);
}

/* Answers the last GW_HELLO with its GW_KEY. */
static int la_t_answer(struct la_tgw *t)
{
	struct la_gw_key m;

	la_t_gw_key(t, &t->gwh, &m);
	return la_t_send(t, &m, sizeof(m));
}

/* The server's GW_REJECT for @gwh. */
static void la_t_gw_reject(struct la_tgw *t, const struct la_gw_hello *gwh,
			   u8 reason, struct la_gw_reject *m)
{
	u8 k[LA_KEY_LEN];
	struct la_echo echo;

	la_echo_of(&echo, gwh);
	memset(m, 0, sizeof(*m));
	if (la_derive(LITEAUTH_SUITE_AES128, LA_KG_REJECT, t->v.kg, t->v.idg,
		      gwh->rg, NULL, k) ||
	    la_gw_reject_build(m, LITEAUTH_SUITE_AES128, k, t->v.idg, &echo,
			       gwh->hello.idd, reason))
		m->type = 0;
}

/* The device's CONFIRM for its handshake with @rd (and the vectors' Rs). */
static int la_t_confirm(struct la_tgw *t, const u8 *rd)
{
	struct la_confirm c;
	u8 k[LA_KEY_LEN];

	if (la_derive(LITEAUTH_SUITE_AES128, LA_K_CONF, t->v.sk, t->v.idd, rd,
		      t->v.rs, k) ||
	    la_confirm_build(&c, LITEAUTH_SUITE_AES128, k, t->v.idd, rd,
			     t->v.rs))
		return -1;
	return la_gw_rx_radio(&t->gw, &la_t_dev_addr, &c, sizeof(c));
}

/* The vectors' HELLO, its GW_KEY, its CONFIRM: a session, at CTR 7. */
static void la_t_session(struct kunit *test, struct la_tgw *t)
{
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
}

/* The whole gateway exchange of protocol.rst. */
static void la_test_gw_exchange(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_gw_confirm *gwc = (struct la_gw_confirm *)t->up;
	struct la_session_info si;
	u8 k[LA_KEY_LEN];
	u64 cursor = 0;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, t->nup, 1);
	KUNIT_EXPECT_EQ(test, t->up_len, LITEAUTH_GW_HELLO_LEN);
	/* GW_HELLO: the HELLO as it came, under Kg_hello, with a context. */
	KUNIT_EXPECT_EQ(test, la_gw_hello_verify(t->up, t->up_len,
						 t->v.keys[LA_KG_HELLO]),
			LA_OK);
	la_expect_bytes(test, (const u8 *)&t->gwh.hello,
			la_t_msg(t, LITEAUTH_MSG_HELLO), LITEAUTH_HELLO_LEN,
			"the HELLO inside GW_HELLO");
	la_expect_bytes(test, t->gwh.idg, t->v.idg, LA_ID_LEN, "IDg");
	/* No state for it: the gateway keeps nothing it cannot verify. */
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 0);
	KUNIT_EXPECT_EQ(test, la_gw_walk(&t->gw, &cursor, la_t_fill, &si), 0);

	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	KUNIT_ASSERT_EQ(test, t->nradio, 1);
	KUNIT_EXPECT_EQ(test, t->radio_len, LITEAUTH_KEY_LEN);
	la_expect_bytes(test, t->radio, la_t_msg(t, LITEAUTH_MSG_KEY),
			LITEAUTH_KEY_LEN, "KEY sent to the device");
	/* ... to the address the HELLO came from, which CTX carried. */
	KUNIT_EXPECT_EQ(test, t->radio_to.mode, la_t_dev_addr.mode);
	KUNIT_EXPECT_EQ(test, t->radio_to.short_addr, la_t_dev_addr.short_addr);
	KUNIT_EXPECT_EQ(test, t->radio_to.pan_id, la_t_dev_addr.pan_id);
	KUNIT_EXPECT_EQ(test, t->radio_to.ifindex, la_t_dev_addr.ifindex);
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 1);

	t->now += NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	KUNIT_ASSERT_EQ(test, t->nradio, 2);
	KUNIT_EXPECT_EQ(test, t->radio_len, LITEAUTH_ACK_LEN);
	la_expect_bytes(test, t->radio, la_t_msg(t, LITEAUTH_MSG_ACK),
			LITEAUTH_ACK_LEN, "ACK sent to the device");
	KUNIT_ASSERT_EQ(test, t->nup, 2);
	KUNIT_EXPECT_EQ(test, t->up_len, LITEAUTH_GW_CONFIRM_LEN);
	/* GW_CONFIRM: under Kg_conf of the gateway's Rg and the server's Rs,
	 * with the SID and the device's CONFIRM as it came.
	 */
	KUNIT_ASSERT_EQ(test, la_derive(LITEAUTH_SUITE_AES128, LA_KG_CONF,
					t->v.kg, t->v.idg, t->gwh.rg, t->v.rs,
					k), LA_OK);
	KUNIT_EXPECT_EQ(test, la_gw_confirm_verify(t->up, t->up_len, k),
			LA_OK);
	la_expect_bytes(test, gwc->rg, t->gwh.rg, LA_NONCE_LEN, "Rg");
	la_expect_bytes(test, gwc->rs, t->v.rs, LA_NONCE_LEN, "Rs");
	KUNIT_EXPECT_EQ(test, la_get_be16(gwc->sid), LA_SID);
	la_expect_bytes(test, (const u8 *)&gwc->confirm,
			la_t_msg(t, LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CONFIRM_LEN, "CONFIRM inside GW_CONFIRM");

	KUNIT_ASSERT_EQ(test, t->nev, 1);
	KUNIT_EXPECT_EQ(test, t->ev[0].type, LITEAUTH_EVENT_SESSION_UP);
	KUNIT_EXPECT_EQ(test, t->ev[0].sid, LA_SID);

	cursor = 0;
	KUNIT_EXPECT_EQ(test, la_gw_walk(&t->gw, &cursor, la_t_fill, &si), 0);
	KUNIT_EXPECT_EQ(test, si.state, LITEAUTH_STATE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, si.sid, LA_SID);
	KUNIT_EXPECT_EQ(test, si.expires_ms, (u64)LA_LIFE * 60 * 1000);
	KUNIT_EXPECT_EQ(test, si.rx_ok, 1);

	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_RX_HELLO), 1);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_UP_GW_HELLO), 1);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DOWN_GW_KEY), 1);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_TX_KEY), 1);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_RX_CONFIRM), 1);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_TX_ACK), 1);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_UP_GW_CONFIRM), 1);
}

/* Repeats get the same answers, at most every half second. */
static void la_test_gw_retransmit(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_gw_hello first;
	struct la_gw_key m;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	first = t->gwh;
	/* Resent within the second: the very same GW_HELLO (same CTX). */
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	la_expect_bytes(test, (const u8 *)&t->gwh, (const u8 *)&first,
			sizeof(first), "GW_HELLO resent in the same second");
	/* Later: a new Rg and CTX; an answer to either one is good. */
	t->now += 2 * NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_EXPECT_EQ(test, t->nup, 3);
	KUNIT_EXPECT_TRUE(test, memcmp(t->gwh.rg, first.rg, LA_NONCE_LEN));
	la_t_gw_key(t, &first, &m);
	KUNIT_ASSERT_EQ(test, la_t_send(t, &m, sizeof(m)), 0);
	/* The answer to the later copy is a duplicate. */
	KUNIT_EXPECT_EQ(test, la_t_answer(t), -EALREADY);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_DUPLICATE), 1);

	/* The HELLO again: its KEY again, once per half second. */
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO),
			LITEAUTH_CNT_DROP_DUPLICATE);
	t->now += LA_RESEND_MIN_MS * NSEC_PER_MSEC;
	memset(t->radio, 0, sizeof(t->radio));
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_EXPECT_EQ(test, t->nradio, 2);
	la_expect_bytes(test, t->radio, la_t_msg(t, LITEAUTH_MSG_KEY),
			LITEAUTH_KEY_LEN, "KEY resent");
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_TX_KEY_RESEND), 1);
	KUNIT_EXPECT_EQ(test, t->nup, 3);	/* nothing more relayed */

	/* The CONFIRM again: its ACK again, once per half second, and no
	 * second GW_CONFIRM.
	 */
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	KUNIT_EXPECT_EQ(test, t->nup, 4);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CNT_DROP_DUPLICATE);
	t->now += LA_RESEND_MIN_MS * NSEC_PER_MSEC;
	memset(t->radio, 0, sizeof(t->radio));
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	la_expect_bytes(test, t->radio, la_t_msg(t, LITEAUTH_MSG_ACK),
			LITEAUTH_ACK_LEN, "ACK resent");
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_TX_ACK_RESEND), 1);
	KUNIT_EXPECT_EQ(test, t->nup, 4);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_RX_CONFIRM), 1);
}

/* A CONFIRM that fails T3 is counted and never reaches the daemon. */
static void la_test_gw_bad_confirm(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	u8 c[LITEAUTH_CONFIRM_LEN];
	struct la_session_info si;
	u64 cursor = 0;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	memcpy(c, la_t_msg(t, LITEAUTH_MSG_CONFIRM), sizeof(c));
	c[sizeof(c) - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, la_gw_rx_radio(&t->gw, &la_t_dev_addr, c,
					     sizeof(c)),
			LITEAUTH_CNT_DROP_AUTH);
	KUNIT_EXPECT_EQ(test, t->nup, 1);
	KUNIT_EXPECT_EQ(test, t->nradio, 1);	/* the KEY, no ACK */
	KUNIT_EXPECT_EQ(test, t->nev, 0);
	KUNIT_EXPECT_EQ(test, la_gw_walk(&t->gw, &cursor, la_t_fill, &si), 0);
	KUNIT_EXPECT_EQ(test, si.state, LITEAUTH_STATE_WAIT_CONFIRM);
	KUNIT_EXPECT_EQ(test, si.rx_drop, 1);
	/* The right CONFIRM still completes the handshake. */
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
}

/*
 * Forged CONFIRMs naming a device whose handshake waits spend no budget:
 * with room for one frame a minute on the interface, 50 of them are
 * dropped as unauthentic, and the device's own CONFIRM still gets its ACK.
 */
static void la_test_gw_confirm_flood(struct kunit *test)
{
	struct la_limits l = {
		.devices_max = LA_DEVICES_MAX,
		.rate_device = 60,
		.burst_device = 5,
		.rate_iface = 1,
		.burst_iface = 1,
		.pending_timeout_ms = LA_PENDING_TIMEOUT_MS,
		.rate_unknown = 60 * 100,
		.burst_unknown = 100,
	};
	struct la_tgw *t = test->priv;
	u8 c[LITEAUTH_CONFIRM_LEN];
	int i;

	la_gw_set_limits(&t->gw, &l);
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	for (i = 0; i < 50; i++) {
		memcpy(c, la_t_msg(t, LITEAUTH_MSG_CONFIRM), sizeof(c));
		c[sizeof(c) - 1 - i % 4] ^= 1 + i;
		KUNIT_EXPECT_EQ(test, la_gw_rx_radio(&t->gw, &la_t_dev_addr,
						     c, sizeof(c)),
				LITEAUTH_CNT_DROP_AUTH);
	}
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_RATE_IFACE), 0);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_RX_CONFIRM), 1);
}

/*
 * The attack of issue 11.1: a HELLO with the victim's IDd and a new CTR
 * and Rd (anyone can forge one: only the server can check it) while the
 * victim waits for its CONFIRM, and again once it has its session. The
 * forged HELLO is relayed, the server refuses it, and nothing of the
 * victim's changes: its CONFIRM is accepted, its session stays.
 */
static void la_test_gw_forged_hello(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_session_info si;
	struct la_gw_reject rej;
	struct la_hello h;
	u64 cursor = 0;
	u32 i;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	for (i = 0; i < 100; i++) {
		memcpy(&h, la_t_msg(t, LITEAUTH_MSG_HELLO), sizeof(h));
		la_put_be32(h.ctr, LA_CTR + 1 + i);
		h.rd[0] ^= i + 1;
		KUNIT_ASSERT_EQ(test, la_gw_rx_radio(&t->gw, &la_t_dev_addr,
						     &h, sizeof(h)), 0);
		/* The server says "bad device MAC": nothing changes. */
		la_t_gw_reject(t, &t->gwh, LITEAUTH_REJECT_BAD_DEVICE_MAC,
			       &rej);
		KUNIT_ASSERT_EQ(test, la_t_send(t, &rej, sizeof(rej)), 0);
	}
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_UP_GW_HELLO), 101);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DOWN_GW_REJECT), 100);
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 1);
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_TX_ACK), 1);

	/* And against the session. */
	for (i = 0; i < 100; i++) {
		memcpy(&h, la_t_msg(t, LITEAUTH_MSG_HELLO), sizeof(h));
		la_put_be32(h.ctr, 1000 + i);
		KUNIT_ASSERT_EQ(test, la_gw_rx_radio(&t->gw, &la_t_dev_addr,
						     &h, sizeof(h)), 0);
	}
	KUNIT_EXPECT_EQ(test, la_gw_walk(&t->gw, &cursor, la_t_fill, &si), 0);
	KUNIT_EXPECT_EQ(test, si.state, LITEAUTH_STATE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, si.sid, LA_SID);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_SESSION_REPLACED), 0);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_RATE_DEVICE), 0);
}

/*
 * Replays: a HELLO whose CTR the server vouched for is stale from then
 * on, dropped at once and relayed no more; so is an older one, and a
 * GW_KEY for a CTR at or below the last one.
 */
static void la_test_gw_stale(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_gw_hello old;
	struct la_gw_key m;
	u8 rd[LA_NONCE_LEN];

	memcpy(rd, t->v.rd, sizeof(rd));
	rd[7] ^= 0x55;
	KUNIT_ASSERT_EQ(test, la_t_hello(t, LA_CTR - 2, rd, NULL), 0);
	old = t->gwh;
	la_t_session(test, t);
	KUNIT_EXPECT_EQ(test, t->nup, 3);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO),
			LITEAUTH_CNT_DROP_STALE);
	KUNIT_EXPECT_EQ(test, la_t_hello(t, LA_CTR - 1, NULL, NULL),
			LITEAUTH_CNT_DROP_STALE);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_STALE), 2);
	KUNIT_EXPECT_EQ(test, t->nup, 3);
	/* The server's late answer to the older HELLO is stale too. */
	la_t_gw_key(t, &old, &m);
	KUNIT_EXPECT_EQ(test, la_t_send(t, &m, sizeof(m)), -ESTALE);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_SESSION_REPLACED), 0);
	/* A fresher CTR goes to the server. */
	KUNIT_EXPECT_EQ(test, la_t_hello(t, LA_CTR + 1, rd, NULL), 0);
	KUNIT_EXPECT_EQ(test, t->nup, 4);
}

/*
 * A GW_KEY or GW_REJECT is accepted only for a GW_HELLO this gateway
 * made, with the context it gave, within the handshake timeout; another
 * gateway instance (the module reloaded) cannot be answered.
 */
static void la_test_gw_echo(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_gw_hello gwh;
	struct la_gw_reject rej;
	struct la_gw_key m;
	struct la_gw *other;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	gwh = t->gwh;
	gwh.rg[0] ^= 1;
	la_t_gw_key(t, &gwh, &m);
	KUNIT_EXPECT_EQ(test, la_t_send(t, &m, sizeof(m)), -EBADMSG);
	gwh = t->gwh;
	gwh.ctx[15] ^= 1;		/* send the KEY elsewhere */
	la_t_gw_key(t, &gwh, &m);
	KUNIT_EXPECT_EQ(test, la_t_send(t, &m, sizeof(m)), -EBADMSG);
	gwh = t->gwh;
	gwh.hello.rd[0] ^= 1;
	la_t_gw_key(t, &gwh, &m);
	KUNIT_EXPECT_EQ(test, la_t_send(t, &m, sizeof(m)), -EBADMSG);
	la_t_gw_reject(t, &gwh, LITEAUTH_REJECT_UNKNOWN_DEVICE, &rej);
	KUNIT_EXPECT_EQ(test, la_t_send(t, &rej, sizeof(rej)), -EBADMSG);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_AUTH), 4);
	KUNIT_EXPECT_EQ(test, t->nradio, 0);
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 0);

	/* Another gateway with the same identity made this GW_HELLO. */
	other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);
	la_gw_init(other, &la_t_ops, t);
	KUNIT_ASSERT_EQ(test, la_gw_set_identity(other, t->v.idg, t->v.kg), 0);
	other->cookie_key[0] ^= 1;
	la_t_gw_key(t, &t->gwh, &m);
	KUNIT_EXPECT_EQ(test, la_gw_rx_daemon(other, &m, sizeof(m), NULL),
			-EBADMSG);
	la_gw_destroy(other);

	/* Late: one second of grace past the timeout, then refused. */
	t->now += (LA_PENDING_TIMEOUT_MS + 2000) * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, la_t_answer(t), -ETIMEDOUT);
	la_t_gw_reject(t, &t->gwh, LITEAUTH_REJECT_UNKNOWN_DEVICE, &rej);
	KUNIT_EXPECT_EQ(test, la_t_send(t, &rej, sizeof(rej)), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_LATE), 2);
	t->now -= 3000 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, la_t_answer(t), 0);
	KUNIT_EXPECT_EQ(test, t->nradio, 1);
}

/*
 * A GW_KEY for a fresher CTR replaces the handshake waiting for CONFIRM
 * (the server vouched that the device started over); the session stays
 * until the new CONFIRM.
 */
static void la_test_gw_fresher(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_session_info si;
	u8 rd[LA_NONCE_LEN];
	u64 cursor = 0;

	memset(rd, 0x66, sizeof(rd));
	KUNIT_ASSERT_EQ(test, la_t_hello(t, LA_CTR - 1, rd, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	KUNIT_ASSERT_EQ(test, la_t_confirm(t, rd), 0);
	memset(rd, 0x77, sizeof(rd));
	t->now += NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_hello(t, LA_CTR + 1, rd, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	KUNIT_ASSERT_EQ(test, la_t_hello(t, LA_CTR + 2, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	/* The CONFIRM of CTR 8's handshake is for a handshake now gone. */
	KUNIT_EXPECT_EQ(test, la_t_confirm(t, rd), LITEAUTH_CNT_DROP_AUTH);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DOWN_GW_KEY), 3);
	KUNIT_EXPECT_EQ(test, la_gw_walk(&t->gw, &cursor, la_t_fill, &si), 0);
	KUNIT_EXPECT_EQ(test, si.state, LITEAUTH_STATE_ESTABLISHED);
	/* The vectors' CONFIRM is for Rd and Rs of CTR 9's handshake. */
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_SESSION_REPLACED), 1);
}

/* The server refused a HELLO: counted and told, nothing else. */
static void la_test_gw_reject(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_gw_reject m;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	la_t_gw_reject(t, &t->gwh, LITEAUTH_REJECT_UNKNOWN_DEVICE, &m);
	m.tag[0] ^= 1;
	KUNIT_EXPECT_EQ(test, la_t_send(t, &m, sizeof(m)), -EBADMSG);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_AUTH), 1);
	KUNIT_EXPECT_EQ(test, t->nev, 0);

	m.tag[0] ^= 1;
	KUNIT_ASSERT_EQ(test, la_t_send(t, &m, sizeof(m)), 0);
	KUNIT_ASSERT_EQ(test, t->nev, 1);
	KUNIT_EXPECT_EQ(test, t->ev[0].type, LITEAUTH_EVENT_REJECT);
	KUNIT_EXPECT_EQ(test, t->ev[0].reason, LITEAUTH_REJECT_UNKNOWN_DEVICE);
	la_expect_bytes(test, t->ev[0].idd, t->v.idd, LA_ID_LEN, "event IDd");
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 0);
	/* The device is not punished: its next try is relayed, and a
	 * GW_KEY for the same HELLO is still good (a later server answer).
	 */
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_EXPECT_EQ(test, la_t_answer(t), 0);
	KUNIT_EXPECT_EQ(test, t->nradio, 1);
}

static void la_test_gw_expiry(struct kunit *test)
{
	struct la_tgw *t = test->priv;

	/* A handshake waits 30 s for its CONFIRM. */
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	t->now += (LA_PENDING_TIMEOUT_MS - 1) * NSEC_PER_MSEC;
	la_gw_gc(&t->gw);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_PENDING_EXPIRED), 0);
	t->now += NSEC_PER_MSEC;
	la_gw_gc(&t->gw);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_PENDING_EXPIRED), 1);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CNT_DROP_NO_HANDSHAKE);

	/* A session lives LIFE minutes; then it goes down as expired. */
	t->now += 60 * NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_hello(t, LA_CTR + 1, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	t->now += (u64)LA_LIFE * 60 * NSEC_PER_SEC - 1;
	la_gw_gc(&t->gw);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_SESSION_EXPIRED), 0);
	t->now += 1;
	la_gw_gc(&t->gw);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_SESSION_EXPIRED), 1);
	KUNIT_ASSERT_EQ(test, t->nev, 2);
	KUNIT_EXPECT_EQ(test, t->ev[1].type, LITEAUTH_EVENT_SESSION_DOWN);
	KUNIT_EXPECT_EQ(test, t->ev[1].reason, LITEAUTH_DOWN_EXPIRED);
	/* A known device stays known for a while after, then goes. */
	t->now += ((u64)LA_KNOWN_KEEP_MS - 1) * NSEC_PER_MSEC;
	la_gw_gc(&t->gw);
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 1);
	t->now += NSEC_PER_MSEC;
	la_gw_gc(&t->gw);
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 0);
}

/* HELLO from device number @i: any tag will do, only the server checks. */
static int la_t_hello_from(struct la_tgw *t, u32 i)
{
	struct la_hello h;

	memcpy(&h, la_t_msg(t, LITEAUTH_MSG_HELLO), sizeof(h));
	h.idd[4] = i >> 24;
	h.idd[5] = i >> 16;
	h.idd[6] = i >> 8;
	h.idd[7] = i;
	return la_gw_rx_radio(&t->gw, &la_t_dev_addr, &h, sizeof(h));
}

/*
 * A flood of HELLOs with made-up IDs makes no state at all, and spends
 * only the budget of unknown devices: a device the gateway knows still
 * gets through, on a budget of its own.
 */
static void la_test_gw_flood(struct kunit *test)
{
	struct la_limits l = {
		.devices_max = LA_DEVICES_MAX,
		.rate_device = 60,
		.burst_device = 5,
		.rate_iface = 60 * 10,
		.burst_iface = 10,
		.pending_timeout_ms = LA_PENDING_TIMEOUT_MS,
		.rate_unknown = 60 * 100,
		.burst_unknown = 100,
	};
	struct la_tgw *t = test->priv;
	u32 i, passed = 0;

	la_gw_set_limits(&t->gw, &l);
	la_t_session(test, t);
	t->now += 60 * NSEC_PER_SEC;		/* every bucket full again */
	for (i = 1; i <= 10000; i++)
		passed += la_t_hello_from(t, i) == 0;
	KUNIT_EXPECT_EQ(test, passed, 100);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_RATE_UNKNOWN),
			10000 - 100);
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 1);
	/* The known device: its next handshake is relayed and completes. */
	KUNIT_ASSERT_EQ(test, la_t_hello(t, LA_CTR + 1, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_RATE_IFACE), 0);
	/* The budget of known devices is one of its own: HELLOs naming
	 * them spend that (here set far below its default, which no radio
	 * can empty).
	 */
	for (i = 0; i < 20; i++)
		la_t_hello(t, LA_CTR + 2 + i, NULL, NULL);
	KUNIT_EXPECT_GT(test, la_t_count(t, LITEAUTH_CNT_DROP_RATE_IFACE), 0);
	t->now += 60 * NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, la_t_hello_from(t, 1), 0);
}

/* Devices the server vouched for, as many as devices-max; a burst of
 * handshakes per device.
 */
static void la_test_gw_limits(struct kunit *test)
{
	struct la_limits l = {
		.devices_max = 1,
		.rate_device = 60,
		.burst_device = 2,
		.rate_iface = 60 * 100,
		.burst_iface = 100,
		.pending_timeout_ms = LA_PENDING_TIMEOUT_MS,
		.rate_unknown = 60 * 100,
		.burst_unknown = 100,
	};
	struct la_tgw *t = test->priv;
	u32 ctr = LA_CTR;

	la_gw_set_limits(&t->gw, &l);
	KUNIT_ASSERT_EQ(test, la_t_hello(t, ctr++, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	KUNIT_ASSERT_EQ(test, la_t_hello(t, ctr++, NULL, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	/* Device 0 has used its burst of 2. */
	KUNIT_ASSERT_EQ(test, la_t_hello(t, ctr++, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, la_t_answer(t), -EBUSY);
	KUNIT_ASSERT_EQ(test, la_t_hello(t, ctr++, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, la_t_answer(t), -EBUSY);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_RATE_DEVICE), 2);
	/* One event per episode of limiting, not per frame. */
	KUNIT_EXPECT_EQ(test, t->nev, 1);
	KUNIT_EXPECT_EQ(test, t->ev[0].type, LITEAUTH_EVENT_RATE_LIMITED);
	t->now += NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_hello(t, ctr++, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, la_t_answer(t), 0);

	/* Another device: no room. */
	KUNIT_ASSERT_EQ(test, la_t_hello_from(t, 5), 0);
	KUNIT_EXPECT_EQ(test, la_t_answer(t), -ENOSPC);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_TABLE_FULL), 1);
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 1);
}

/* What arrives malformed, unexpected or unauthentic changes nothing. */
static void la_test_gw_bad_input(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	u8 m[LITEAUTH_MSG_MAX_LEN];

	/* Frames from the air: wrong size, a type the air must not carry. */
	KUNIT_EXPECT_EQ(test, la_gw_rx_radio(&t->gw, &la_t_dev_addr,
					     la_t_msg(t, LITEAUTH_MSG_HELLO),
					     LITEAUTH_HELLO_LEN - 1),
			LITEAUTH_CNT_DROP_SIZE);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_KEY),
			LITEAUTH_CNT_DROP_TYPE);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_ACK),
			LITEAUTH_CNT_DROP_TYPE);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_GW_KEY),
			LITEAUTH_CNT_DROP_TYPE);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CNT_DROP_NO_HANDSHAKE);

	/* From the daemon: only GW_KEY and GW_REJECT, for us, answering a
	 * GW_HELLO we made, sealed with our key.
	 */
	KUNIT_EXPECT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_HELLO),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY),
			-EBADMSG);	/* the vectors' Rg is not ours */
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	la_t_gw_key(t, &t->gwh, (struct la_gw_key *)m);
	m[2] ^= 1;				/* IDg */
	KUNIT_EXPECT_EQ(test, la_gw_rx_daemon(&t->gw, m, LITEAUTH_GW_KEY_LEN,
					      NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_NOT_OURS), 1);
	m[2] ^= 1;
	m[LITEAUTH_GW_KEY_LEN - 1] ^= 1;	/* the seal's tag */
	KUNIT_EXPECT_EQ(test, la_gw_rx_daemon(&t->gw, m, LITEAUTH_GW_KEY_LEN,
					      NULL), -EBADMSG);
	KUNIT_EXPECT_EQ(test, la_gw_rx_daemon(&t->gw, m, 7, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->nradio, 0);
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 0);
	/* The genuine GW_KEY still works after all that. */
	KUNIT_EXPECT_EQ(test, la_t_answer(t), 0);
	KUNIT_EXPECT_EQ(test, t->nradio, 1);
}

static void la_test_gw_no_daemon_no_identity(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_gw *gw;

	/* The daemon is away: counted; the device's retry gets through
	 * once it is back.
	 */
	t->up_err = -ENOTCONN;
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_NO_DAEMON), 1);
	t->up_err = 0;
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_EXPECT_EQ(test, t->nup, 1);
	KUNIT_EXPECT_EQ(test, la_t_answer(t), 0);

	/* A gateway without its ID and key relays nothing. */
	gw = kunit_kzalloc(test, sizeof(*gw), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gw);
	la_gw_init(gw, &la_t_ops, t);
	KUNIT_EXPECT_EQ(test, la_gw_rx_radio(gw, &la_t_dev_addr,
					     la_t_msg(t, LITEAUTH_MSG_HELLO),
					     LITEAUTH_HELLO_LEN),
			LITEAUTH_CNT_DROP_NO_IDENTITY);
	KUNIT_EXPECT_EQ(test, la_gw_rx_daemon(gw,
					      la_t_msg(t, LITEAUTH_MSG_GW_KEY),
					      LITEAUTH_GW_KEY_LEN, NULL),
			-ENOKEY);
	la_gw_destroy(gw);
}

/*
 * The daemon could not take the GW_CONFIRM (its socket full, or it was
 * restarting): the device still gets its ACK, and the report is offered
 * again until the daemon takes it, once; a report never taken is counted
 * lost at the handshake timeout, and so is one of a session replaced or
 * revoked.
 */
static void la_test_gw_report_retry(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_gw_confirm sent;
	u8 rd[LA_NONCE_LEN];
	int n;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	t->up_err = -ENOBUFS;
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	KUNIT_EXPECT_EQ(test, t->radio_len, LITEAUTH_ACK_LEN);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_TX), 1);
	KUNIT_EXPECT_EQ(test, t->gw.reports_due, 1);
	KUNIT_EXPECT_EQ(test, t->nup, 1);

	/* Still full: kept, not counted again. */
	KUNIT_EXPECT_EQ(test, la_gw_send_reports(&t->gw), 1);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_TX), 1);

	t->up_err = 0;
	t->now += NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, la_gw_send_reports(&t->gw), 0);
	KUNIT_ASSERT_EQ(test, t->nup, 2);
	KUNIT_ASSERT_EQ(test, t->up_len, LITEAUTH_GW_CONFIRM_LEN);
	memcpy(&sent, t->up, sizeof(sent));
	la_expect_bytes(test, (const u8 *)&sent.confirm,
			la_t_msg(t, LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CONFIRM_LEN, "CONFIRM inside the resent report");
	KUNIT_EXPECT_EQ(test, la_get_be16(sent.sid), LA_SID);
	KUNIT_EXPECT_EQ(test,
			la_t_count(t, LITEAUTH_CNT_UP_GW_CONFIRM_RESEND), 1);
	/* Once taken, never again. */
	KUNIT_EXPECT_EQ(test, la_gw_send_reports(&t->gw), 0);
	KUNIT_EXPECT_EQ(test, t->nup, 2);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_UP_GW_CONFIRM_LOST),
			0);

	/* A newer session whose report is not taken before the timeout. */
	memset(rd, 0x77, sizeof(rd));
	t->now += NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_hello(t, 8, rd, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	t->up_err = -ENOTCONN;
	KUNIT_ASSERT_EQ(test, la_t_confirm(t, rd), 0);
	KUNIT_EXPECT_EQ(test, t->gw.reports_due, 1);
	t->now += (u64)LA_PENDING_TIMEOUT_MS * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, la_gw_send_reports(&t->gw), 0);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_UP_GW_CONFIRM_LOST),
			1);
	KUNIT_EXPECT_EQ(test, t->gw.reports_due, 0);

	/* One replaced before the daemon took it is lost, and counted. */
	t->up_err = 0;
	memset(rd, 0x78, sizeof(rd));
	KUNIT_ASSERT_EQ(test, la_t_hello(t, 9, rd, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	t->up_err = -ENOBUFS;
	KUNIT_ASSERT_EQ(test, la_t_confirm(t, rd), 0);
	KUNIT_EXPECT_EQ(test, t->gw.reports_due, 1);
	memset(rd, 0x79, sizeof(rd));
	t->up_err = 0;
	t->now += NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_hello(t, 10, rd, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	KUNIT_ASSERT_EQ(test, la_t_confirm(t, rd), 0);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_UP_GW_CONFIRM_LOST),
			2);
	KUNIT_EXPECT_EQ(test, t->gw.reports_due, 0);
	KUNIT_EXPECT_EQ(test, la_gw_send_reports(&t->gw), 0);

	/* A session revoked before its report went: the server never hears
	 * of a session the gateway no longer holds.
	 */
	memset(rd, 0x7a, sizeof(rd));
	t->now += NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_hello(t, 11, rd, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	t->up_err = -ENOBUFS;
	KUNIT_ASSERT_EQ(test, la_t_confirm(t, rd), 0);
	KUNIT_EXPECT_EQ(test, t->gw.reports_due, 1);
	KUNIT_EXPECT_EQ(test, la_gw_revoke(&t->gw, t->v.idd), 1);
	KUNIT_EXPECT_EQ(test, t->gw.reports_due, 0);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_UP_GW_CONFIRM_LOST),
			3);
	t->up_err = 0;
	n = t->nup;
	KUNIT_EXPECT_EQ(test, la_gw_send_reports(&t->gw), 0);
	KUNIT_EXPECT_EQ(test, t->nup, n);
}

/*
 * A clock reading older than the state it meets (read before another
 * CPU's handshake took the lock, say): a handshake just begun neither
 * expires nor shows an age of centuries, and completes.
 */
static void la_test_gw_clock_behind(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_session_info si;
	u64 cursor = 0;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	t->now += NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);	/* started: T0 + 1 s */
	t->now -= NSEC_PER_MSEC;
	la_gw_gc(&t->gw);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_PENDING_EXPIRED), 0);
	KUNIT_EXPECT_EQ(test, la_gw_walk(&t->gw, &cursor, la_t_fill, &si), 0);
	KUNIT_EXPECT_EQ(test, si.state, LITEAUTH_STATE_WAIT_CONFIRM);
	KUNIT_EXPECT_EQ(test, si.age_ms, 0);
	/* The KEY's resend is still held back, not sent at once. */
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO),
			LITEAUTH_CNT_DROP_DUPLICATE);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	cursor = 0;
	t->now -= NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, la_gw_walk(&t->gw, &cursor, la_t_fill, &si), 0);
	KUNIT_EXPECT_EQ(test, si.state, LITEAUTH_STATE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, si.age_ms, 0);
}

static void la_test_gw_revoke(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	u8 rd[LA_NONCE_LEN];

	la_t_session(test, t);
	KUNIT_EXPECT_EQ(test, la_gw_revoke(&t->gw, t->v.idg), 0);
	KUNIT_EXPECT_EQ(test, la_gw_revoke(&t->gw, t->v.idd), 1);
	KUNIT_ASSERT_EQ(test, t->nev, 2);
	KUNIT_EXPECT_EQ(test, t->ev[1].type, LITEAUTH_EVENT_SESSION_DOWN);
	KUNIT_EXPECT_EQ(test, t->ev[1].reason, LITEAUTH_DOWN_REVOKED);
	KUNIT_EXPECT_EQ(test, la_gw_revoke(&t->gw, NULL), 0);
	/* Its CONFIRM replayed now finds no handshake, nor an ACK. */
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CNT_DROP_NO_HANDSHAKE);
	/* Its HELLO replayed is still stale: revocation keeps the CTR. */
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO),
			LITEAUTH_CNT_DROP_STALE);

	/* A new session replaces the live one, and goes when its interface
	 * goes.
	 */
	memset(rd, 0x88, sizeof(rd));
	t->now += 10 * NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_hello(t, LA_CTR + 1, rd, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	KUNIT_ASSERT_EQ(test, la_t_confirm(t, rd), 0);
	rd[0] ^= 1;
	t->now += 10 * NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_hello(t, LA_CTR + 2, rd, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_t_answer(t), 0);
	KUNIT_ASSERT_EQ(test, la_t_confirm(t, rd), 0);
	KUNIT_ASSERT_EQ(test, t->nev, 5);
	KUNIT_EXPECT_EQ(test, t->ev[3].type, LITEAUTH_EVENT_SESSION_DOWN);
	KUNIT_EXPECT_EQ(test, t->ev[3].reason, LITEAUTH_DOWN_REPLACED);
	KUNIT_EXPECT_EQ(test, t->ev[4].type, LITEAUTH_EVENT_SESSION_UP);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_SESSION_REPLACED), 1);
	la_gw_iface_gone(&t->gw, la_t_dev_addr.ifindex);
	KUNIT_ASSERT_EQ(test, t->nev, 6);
	KUNIT_EXPECT_EQ(test, t->ev[5].reason, LITEAUTH_DOWN_UNBOUND);
}

static struct kunit_case la_gateway_cases[] = {
	KUNIT_CASE(la_test_gw_exchange),
	KUNIT_CASE(la_test_gw_retransmit),
	KUNIT_CASE(la_test_gw_bad_confirm),
	KUNIT_CASE(la_test_gw_confirm_flood),
	KUNIT_CASE(la_test_gw_forged_hello),
	KUNIT_CASE(la_test_gw_stale),
	KUNIT_CASE(la_test_gw_echo),
	KUNIT_CASE(la_test_gw_fresher),
	KUNIT_CASE(la_test_gw_reject),
	KUNIT_CASE(la_test_gw_expiry),
	KUNIT_CASE(la_test_gw_flood),
	KUNIT_CASE(la_test_gw_limits),
	KUNIT_CASE(la_test_gw_bad_input),
	KUNIT_CASE(la_test_gw_no_daemon_no_identity),
	KUNIT_CASE(la_test_gw_clock_behind),
	KUNIT_CASE(la_test_gw_revoke),
	KUNIT_CASE(la_test_gw_report_retry),
	{}
};

static struct kunit_suite la_gateway_suite = {
	.name = "liteauth_gateway",
	.suite_init = la_gw_suite_init,
	.suite_exit = la_gw_suite_exit,
	.init = la_gw_test_init,
	.exit = la_gw_test_exit,
	.test_cases = la_gateway_cases,
};

kunit_test_suite(la_gateway_suite);
