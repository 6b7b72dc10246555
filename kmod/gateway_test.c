// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the gateway (gateway.c), driven through its own entry
 * points with the protocol's test vectors: a radio and a daemon that
 * record what the gateway sends, a clock the test sets, and a "CSPRNG"
 * that returns the vectors' Rg.
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
	memcpy(buf, la_tgw(gw)->v.rg, len);
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

/* The whole gateway exchange of protocol.rst, byte for byte. */
static void la_test_gw_exchange(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_session_info si;
	u64 cursor = 0;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, t->nup, 1);
	KUNIT_EXPECT_EQ(test, t->up_len, LITEAUTH_GW_HELLO_LEN);
	la_expect_bytes(test, t->up, la_t_msg(t, LITEAUTH_MSG_GW_HELLO),
			LITEAUTH_GW_HELLO_LEN, "relayed GW_HELLO");

	KUNIT_ASSERT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY), 0);
	KUNIT_ASSERT_EQ(test, t->nradio, 1);
	KUNIT_EXPECT_EQ(test, t->radio_len, LITEAUTH_KEY_LEN);
	la_expect_bytes(test, t->radio, la_t_msg(t, LITEAUTH_MSG_KEY),
			LITEAUTH_KEY_LEN, "KEY sent to the device");
	KUNIT_EXPECT_EQ(test, t->radio_to.short_addr, la_t_dev_addr.short_addr);
	KUNIT_EXPECT_EQ(test, t->radio_to.ifindex, la_t_dev_addr.ifindex);

	t->now += NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	KUNIT_ASSERT_EQ(test, t->nup, 2);
	KUNIT_EXPECT_EQ(test, t->up_len, LITEAUTH_GW_CONFIRM_LEN);
	la_expect_bytes(test, t->up, la_t_msg(t, LITEAUTH_MSG_GW_CONFIRM),
			LITEAUTH_GW_CONFIRM_LEN, "relayed GW_CONFIRM");

	KUNIT_ASSERT_EQ(test, t->nev, 1);
	KUNIT_EXPECT_EQ(test, t->ev[0].type, LITEAUTH_EVENT_SESSION_UP);
	KUNIT_EXPECT_EQ(test, t->ev[0].sid, LA_SID);

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
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_UP_GW_CONFIRM), 1);
}

/* Repeats get the very same answers; second answers are refused. */
static void la_test_gw_retransmit(struct kunit *test)
{
	struct la_tgw *t = test->priv;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	memset(t->up, 0, sizeof(t->up));
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_EXPECT_EQ(test, t->nup, 2);
	la_expect_bytes(test, t->up, la_t_msg(t, LITEAUTH_MSG_GW_HELLO),
			LITEAUTH_GW_HELLO_LEN, "GW_HELLO resent");
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_UP_GW_HELLO_RESEND),
			1);

	KUNIT_ASSERT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY), 0);
	KUNIT_EXPECT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY),
			-EALREADY);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_DUPLICATE), 1);

	memset(t->radio, 0, sizeof(t->radio));
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_EXPECT_EQ(test, t->nradio, 2);
	la_expect_bytes(test, t->radio, la_t_msg(t, LITEAUTH_MSG_KEY),
			LITEAUTH_KEY_LEN, "KEY resent");
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_TX_KEY_RESEND), 1);

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CNT_DROP_DUPLICATE);
	KUNIT_EXPECT_EQ(test, t->nup, 3);	/* one GW_CONFIRM only */
}

/* A CONFIRM that fails T3 is counted and never reaches the daemon. */
static void la_test_gw_bad_confirm(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	u8 c[LITEAUTH_CONFIRM_LEN];
	struct la_session_info si;
	u64 cursor = 0;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY), 0);
	memcpy(c, la_t_msg(t, LITEAUTH_MSG_CONFIRM), sizeof(c));
	c[sizeof(c) - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, la_gw_rx_radio(&t->gw, &la_t_dev_addr, c,
					     sizeof(c)),
			LITEAUTH_CNT_DROP_AUTH);
	KUNIT_EXPECT_EQ(test, t->nup, 1);
	KUNIT_EXPECT_EQ(test, t->nev, 0);
	KUNIT_EXPECT_EQ(test, la_gw_walk(&t->gw, &cursor, la_t_fill, &si), 0);
	KUNIT_EXPECT_EQ(test, si.state, LITEAUTH_STATE_WAIT_CONFIRM);
	KUNIT_EXPECT_EQ(test, si.rx_drop, 1);
	/* The right CONFIRM still completes the handshake. */
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
}

static void la_test_gw_reject(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	u8 m[LITEAUTH_GW_REJECT_LEN];

	/* No handshake for it yet: refused. */
	KUNIT_EXPECT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_REJECT),
			-ENOENT);
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);

	memcpy(m, la_t_msg(t, LITEAUTH_MSG_GW_REJECT), sizeof(m));
	m[sizeof(m) - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, la_gw_rx_daemon(&t->gw, m, sizeof(m), NULL),
			-EBADMSG);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_AUTH), 1);

	KUNIT_ASSERT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_REJECT), 0);
	KUNIT_ASSERT_EQ(test, t->nev, 1);
	KUNIT_EXPECT_EQ(test, t->ev[0].type, LITEAUTH_EVENT_REJECT);
	KUNIT_EXPECT_EQ(test, t->ev[0].reason, LITEAUTH_REJECT_UNKNOWN_DEVICE);
	/* The handshake is gone: its GW_KEY finds nothing. */
	KUNIT_EXPECT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY), -ENOENT);
	/* And the refused device has no credit left for a new try. */
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO),
			LITEAUTH_CNT_DROP_RATE_DEVICE);
}

static void la_test_gw_expiry(struct kunit *test)
{
	struct la_tgw *t = test->priv;

	/* A handshake lives 30 s. */
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	t->now += (LA_PENDING_TIMEOUT_MS - 1) * NSEC_PER_MSEC;
	la_gw_gc(&t->gw);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_PENDING_EXPIRED), 0);
	t->now += NSEC_PER_MSEC;
	la_gw_gc(&t->gw);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_PENDING_EXPIRED), 1);
	KUNIT_EXPECT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY), -ENOENT);

	/* A session lives LIFE minutes; then it goes down as expired. */
	t->now += 60 * NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY), 0);
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
	/* With nothing left and its bucket full again, the entry is freed. */
	t->now += 3600 * NSEC_PER_SEC;
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

static void la_test_gw_limits(struct kunit *test)
{
	struct la_limits l = {
		.devices_max = 4,
		.rate_device = 60,
		.burst_device = 2,
		.rate_iface = 60 * 100,
		.burst_iface = 10,
		.pending_timeout_ms = LA_PENDING_TIMEOUT_MS,
	};
	struct la_tgw *t = test->priv;
	u32 i;

	la_gw_set_limits(&t->gw, &l);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, la_t_hello_from(t, i), 0);
	KUNIT_EXPECT_EQ(test, la_t_hello_from(t, 4),
			LITEAUTH_CNT_DROP_TABLE_FULL);
	KUNIT_EXPECT_EQ(test, t->gw.ndevices, 4);

	/* Device 0 has used 1 of its burst of 2. */
	KUNIT_EXPECT_EQ(test, la_t_hello_from(t, 0), 0);
	KUNIT_EXPECT_EQ(test, la_t_hello_from(t, 0),
			LITEAUTH_CNT_DROP_RATE_DEVICE);
	KUNIT_EXPECT_EQ(test, la_t_hello_from(t, 0),
			LITEAUTH_CNT_DROP_RATE_DEVICE);
	/* One event per episode of limiting, not per frame. */
	KUNIT_EXPECT_EQ(test, t->nev, 1);
	KUNIT_EXPECT_EQ(test, t->ev[0].type, LITEAUTH_EVENT_RATE_LIMITED);

	/* 8 frames so far on the interface, a burst of 10. */
	KUNIT_EXPECT_EQ(test, la_t_hello_from(t, 1), 0);
	KUNIT_EXPECT_EQ(test, la_t_hello_from(t, 2), 0);
	KUNIT_EXPECT_EQ(test, la_t_hello_from(t, 3),
			LITEAUTH_CNT_DROP_RATE_IFACE);
	t->now += NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, la_t_hello_from(t, 3), 0);
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
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_GW_KEY),
			LITEAUTH_CNT_DROP_TYPE);
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CNT_DROP_NO_HANDSHAKE);

	/* From the daemon: only GW_KEY and GW_REJECT, for us, for a
	 * handshake we have, sealed with our key.
	 */
	KUNIT_EXPECT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_HELLO),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY),
			-ENOENT);
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	memcpy(m, la_t_msg(t, LITEAUTH_MSG_GW_KEY), LITEAUTH_GW_KEY_LEN);
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
	/* The genuine GW_KEY still works after all that. */
	KUNIT_EXPECT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY), 0);
	KUNIT_EXPECT_EQ(test, t->nradio, 1);
}

static void la_test_gw_no_daemon_no_identity(struct kunit *test)
{
	struct la_tgw *t = test->priv;
	struct la_gw *gw;

	/* The daemon is away: counted; the device's retry gets through
	 * once it is back, with the same GW_HELLO.
	 */
	t->up_err = -ENOTCONN;
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_EXPECT_EQ(test, la_t_count(t, LITEAUTH_CNT_DROP_NO_DAEMON), 1);
	t->up_err = 0;
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	la_expect_bytes(test, t->up, la_t_msg(t, LITEAUTH_MSG_GW_HELLO),
			LITEAUTH_GW_HELLO_LEN, "GW_HELLO after the daemon came");

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

static void la_test_gw_revoke(struct kunit *test)
{
	struct la_tgw *t = test->priv;

	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY), 0);
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);

	KUNIT_EXPECT_EQ(test, la_gw_revoke(&t->gw, t->v.idg), 0);
	KUNIT_EXPECT_EQ(test, la_gw_revoke(&t->gw, t->v.idd), 1);
	KUNIT_ASSERT_EQ(test, t->nev, 2);
	KUNIT_EXPECT_EQ(test, t->ev[1].type, LITEAUTH_EVENT_SESSION_DOWN);
	KUNIT_EXPECT_EQ(test, t->ev[1].reason, LITEAUTH_DOWN_REVOKED);
	KUNIT_EXPECT_EQ(test, la_gw_revoke(&t->gw, NULL), 0);
	/* Its CONFIRM replayed now finds no handshake. */
	KUNIT_EXPECT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM),
			LITEAUTH_CNT_DROP_NO_HANDSHAKE);

	/* A new session replaces the live one, and goes when its interface
	 * goes.
	 */
	t->now += 10 * NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY), 0);
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
	t->now += 10 * NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_HELLO), 0);
	KUNIT_ASSERT_EQ(test, la_t_daemon_rx(t, LITEAUTH_MSG_GW_KEY), 0);
	KUNIT_ASSERT_EQ(test, la_t_radio_rx(t, LITEAUTH_MSG_CONFIRM), 0);
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
	KUNIT_CASE(la_test_gw_reject),
	KUNIT_CASE(la_test_gw_expiry),
	KUNIT_CASE(la_test_gw_limits),
	KUNIT_CASE(la_test_gw_bad_input),
	KUNIT_CASE(la_test_gw_no_daemon_no_identity),
	KUNIT_CASE(la_test_gw_revoke),
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
