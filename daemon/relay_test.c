// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the relay role (relay.c) with the protocol's vectors and a
 * clock the test moves: forwarding both ways, resending the same GW_HELLO
 * with backoff, failing over to the next upstream, giving up.
 */
#include <string.h>

#include <kunit/test.h>

#include "relay.h"
#include "test_vectors.h"

#define NS 1000000000ULL

struct la_trelay {
	struct la_relay r;
	struct la_vec v;
	u64 now;
	int up[4], down;
	u8 last_up[LITEAUTH_MSG_MAX_LEN], last_down[LITEAUTH_MSG_MAX_LEN];
};

static struct la_trelay la_tr;

static u64 la_tr_now(void *arg)
{
	return la_tr.now;
}

static int la_tr_up(void *arg, unsigned int upstream, const void *msg,
		    size_t len)
{
	la_tr.up[upstream]++;
	memcpy(la_tr.last_up, msg, len);
	return 0;
}

static int la_tr_down(void *arg, const void *msg, size_t len)
{
	la_tr.down++;
	memcpy(la_tr.last_down, msg, len);
	return 0;
}

static const struct la_relay_ops la_tr_ops = {
	.now = la_tr_now,
	.send_up = la_tr_up,
	.send_down = la_tr_down,
};

static int la_relay_test_init(struct kunit *test)
{
	memset(&la_tr, 0, sizeof(la_tr));
	la_tr.now = 100 * NS;
	la_relay_init(&la_tr.r, 2, &la_tr_ops, NULL);
	return la_vec_load(&la_tr.v);
}

static void la_tr_module(u8 type)
{
	la_relay_from_module(&la_tr.r, la_vec_msg(&la_tr.v, type),
			     la_msg_len(type));
}

static void la_tr_upstream(unsigned int up, u8 type)
{
	la_relay_from_upstream(&la_tr.r, up, la_vec_msg(&la_tr.v, type),
			       la_msg_len(type));
}

/* The vectors' @type, for device @n (the relay reads IDd, not tags). */
static void la_tr_dev(u8 *m, u8 type, u8 n)
{
	u8 *idd;

	memcpy(m, la_vec_msg(&la_tr.v, type), la_msg_len(type));
	switch (type) {
	case LITEAUTH_MSG_GW_HELLO:
		idd = ((struct la_gw_hello *)m)->hello.idd;
		break;
	case LITEAUTH_MSG_GW_KEY:
		idd = ((struct la_gw_key *)m)->key.idd;
		break;
	case LITEAUTH_MSG_GW_CONFIRM:
		idd = ((struct la_gw_confirm *)m)->confirm.idd;
		break;
	default:
		idd = ((struct la_gw_reject *)m)->idd;
		break;
	}
	idd[6] = 0xd0;
	idd[7] = n;
}

static void la_tr_module_dev(u8 type, u8 n)
{
	u8 m[LITEAUTH_MSG_MAX_LEN];

	la_tr_dev(m, type, n);
	la_relay_from_module(&la_tr.r, m, la_msg_len(type));
}

static void la_tr_upstream_dev(unsigned int up, u8 type, u8 n)
{
	u8 m[LITEAUTH_MSG_MAX_LEN];

	la_tr_dev(m, type, n);
	la_relay_from_upstream(&la_tr.r, up, m, la_msg_len(type));
}

static void la_tr_tick(u64 seconds)
{
	la_tr.now += seconds * NS;
	la_relay_tick(&la_tr.r);
}

static void la_test_relay_both_ways(struct kunit *test)
{
	la_tr_module(LITEAUTH_MSG_GW_HELLO);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 1);
	la_expect_bytes(test, la_tr.last_up,
			la_vec_msg(&la_tr.v, LITEAUTH_MSG_GW_HELLO),
			LITEAUTH_GW_HELLO_LEN, "GW_HELLO upstream");
	la_tr_upstream(0, LITEAUTH_MSG_GW_KEY);
	KUNIT_EXPECT_EQ(test, la_tr.down, 1);
	la_expect_bytes(test, la_tr.last_down,
			la_vec_msg(&la_tr.v, LITEAUTH_MSG_GW_KEY),
			LITEAUTH_GW_KEY_LEN, "GW_KEY down");
	/* Answered: nothing more is sent, a late duplicate is dropped. */
	la_tr_tick(5);
	KUNIT_EXPECT_EQ(test, la_tr.up[0] + la_tr.up[1], 1);
	la_tr_upstream(0, LITEAUTH_MSG_GW_KEY);
	KUNIT_EXPECT_EQ(test, la_tr.down, 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DROP], 1);

	/* GW_CONFIRM goes up once; the server does not answer it. */
	la_tr_module(LITEAUTH_MSG_GW_CONFIRM);
	la_tr_tick(5);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 2);
	/* A GW_REJECT answers a GW_HELLO as well as a GW_KEY does. */
	la_tr_module(LITEAUTH_MSG_GW_HELLO);
	la_tr_upstream(0, LITEAUTH_MSG_GW_REJECT);
	KUNIT_EXPECT_EQ(test, la_tr.down, 2);
}

static void la_test_relay_resend_failover(struct kunit *test)
{
	la_tr_module(LITEAUTH_MSG_GW_HELLO);
	la_tr_tick(1);				/* 1 s: second send */
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 2);
	la_expect_bytes(test, la_tr.last_up,
			la_vec_msg(&la_tr.v, LITEAUTH_MSG_GW_HELLO),
			LITEAUTH_GW_HELLO_LEN, "the very same GW_HELLO");
	la_tr_tick(1);				/* not yet: 2 s backoff */
	KUNIT_EXPECT_EQ(test, la_tr.up[0] + la_tr.up[1], 2);
	la_tr_tick(1);				/* two unanswered: fail over */
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_FAILOVER], 1);
	la_tr_upstream(1, LITEAUTH_MSG_GW_KEY);
	KUNIT_EXPECT_EQ(test, la_tr.down, 1);
	/* The next handshake goes to the server that answered. */
	la_tr_module(LITEAUTH_MSG_GW_HELLO);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 2);
}

static void la_test_relay_give_up(struct kunit *test)
{
	int i;

	la_tr_module(LITEAUTH_MSG_GW_HELLO);
	for (i = 0; i < 40; i++)
		la_tr_tick(1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_GAVE_UP], 1);
	KUNIT_EXPECT_GE(test, la_tr.r.counters[LA_RELAY_RESENT], 4);
	KUNIT_EXPECT_LE(test, la_tr.r.counters[LA_RELAY_RESENT], 8);
	/* Nothing to answer any more. */
	la_tr_upstream(0, LITEAUTH_MSG_GW_KEY);
	KUNIT_EXPECT_EQ(test, la_tr.down, 0);

	/* What the relay never forwards. */
	la_tr_module(LITEAUTH_MSG_GW_KEY);
	la_tr_module(LITEAUTH_MSG_HELLO);
	la_relay_from_module(&la_tr.r, "\x34", 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DROP], 4);
}

/*
 * A GW_CONFIRM goes to the upstream that answered its device's GW_HELLO,
 * not to the one that answered last, for the handshake timeout.
 */
static void la_test_relay_confirm_follows(struct kunit *test)
{
	/* Device 1: answered by upstream 0. */
	la_tr_module_dev(LITEAUTH_MSG_GW_HELLO, 1);
	la_tr_upstream_dev(0, LITEAUTH_MSG_GW_KEY, 1);
	/* Device 2: upstream 0 is silent, upstream 1 answers. */
	la_tr_module_dev(LITEAUTH_MSG_GW_HELLO, 2);
	la_tr_tick(1);
	la_tr_tick(2);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 3);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 1);
	la_tr_upstream_dev(1, LITEAUTH_MSG_GW_KEY, 2);
	KUNIT_EXPECT_EQ(test, la_tr.down, 2);

	la_tr_module_dev(LITEAUTH_MSG_GW_CONFIRM, 1);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 4);
	la_tr_module_dev(LITEAUTH_MSG_GW_CONFIRM, 2);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 2);
	/* Device 1's next handshake stays with its server too. */
	la_tr_module_dev(LITEAUTH_MSG_GW_HELLO, 1);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 5);
	la_tr_upstream_dev(0, LITEAUTH_MSG_GW_KEY, 1);

	/* A device with nothing in flight: the one that answered last. */
	la_tr_module_dev(LITEAUTH_MSG_GW_CONFIRM, 3);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 6);
	/* Refused: nothing follows, nothing is remembered. */
	la_tr_module_dev(LITEAUTH_MSG_GW_HELLO, 4);
	la_tr_upstream_dev(0, LITEAUTH_MSG_GW_REJECT, 4);
	KUNIT_EXPECT_EQ(test, la_tr.down, 4);
	la_tr_upstream_dev(0, LITEAUTH_MSG_GW_REJECT, 4);
	KUNIT_EXPECT_EQ(test, la_tr.down, 4);

	/* After the handshake timeout, device 2 is forgotten. */
	la_tr_tick(31);
	la_tr_module_dev(LITEAUTH_MSG_GW_CONFIRM, 2);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 2);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 8);
}

/* When the table is full, answered handshakes go last. */
static void la_test_relay_full(struct kunit *test)
{
	int i;

	la_tr_module_dev(LITEAUTH_MSG_GW_HELLO, 0);
	la_tr_upstream_dev(1, LITEAUTH_MSG_GW_KEY, 0);	/* by upstream 1 */
	for (i = 1; i < LA_RELAY_PENDING_MAX + 5; i++) {
		u8 m[LITEAUTH_GW_HELLO_LEN];

		la_tr_dev(m, LITEAUTH_MSG_GW_HELLO, 0);
		((struct la_gw_hello *)m)->hello.idd[6] = 0xe0 + (i >> 8);
		((struct la_gw_hello *)m)->hello.idd[7] = i;
		la_tr.now += 1000;
		la_relay_from_module(&la_tr.r, m, sizeof(m));
	}
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_GAVE_UP], 5);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_EVICTED], 0);
	/* All went to upstream 1, which answered last; now it does not. */
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 1);
	la_tr_upstream_dev(0, LITEAUTH_MSG_GW_REJECT, 9);	/* unmatched */
	la_tr.r.current = 0;
	la_tr_module_dev(LITEAUTH_MSG_GW_CONFIRM, 0);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 1);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], LA_RELAY_PENDING_MAX + 5);

	/* Only answered ones left: the oldest of them goes. */
	for (i = 0; i < LA_RELAY_PENDING_MAX; i++)
		la_tr.r.pending[i].answered = true;
	la_tr_module_dev(LITEAUTH_MSG_GW_HELLO, 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_EVICTED], 1);
	la_tr_module_dev(LITEAUTH_MSG_GW_CONFIRM, 0);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 3);	/* forgotten: current */
}

static struct kunit_case la_relay_cases[] = {
	KUNIT_CASE(la_test_relay_both_ways),
	KUNIT_CASE(la_test_relay_resend_failover),
	KUNIT_CASE(la_test_relay_give_up),
	KUNIT_CASE(la_test_relay_confirm_follows),
	KUNIT_CASE(la_test_relay_full),
	{}
};

static struct kunit_suite la_relay_suite = {
	.name = "liteauth_relay",
	.init = la_relay_test_init,
	.test_cases = la_relay_cases,
};

kunit_test_suite(la_relay_suite);
