// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the relay role (relay.c) with the protocol's vectors and a
 * clock the test moves: forwarding both ways, resending the same GW_HELLO
 * with backoff, failing over to the next upstream, giving up; answers
 * matched to the GW_HELLO they echo, never to a device (forged HELLOs
 * with a victim's IDd, forged answers); the table under a flood; forged
 * answers to nothing in flight within their budget.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

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
	int logs, log_prio;
	char log[512];		/* the last line */
	char logs_all[2048];	/* every line, up to its size */
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

static void __attribute__((format(printf, 3, 4)))
la_tr_log(void *arg, int prio, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	la_tr.logs++;
	la_tr.log_prio = prio;
	va_start(ap, fmt);
	vsnprintf(la_tr.log, sizeof(la_tr.log), fmt, ap);
	va_end(ap);
	n = strlen(la_tr.logs_all);
	snprintf(la_tr.logs_all + n, sizeof(la_tr.logs_all) - n, "%s\n",
		 la_tr.log);
}

static const struct la_relay_ops la_tr_ops = {
	.now = la_tr_now,
	.send_up = la_tr_up,
	.send_down = la_tr_down,
	.log = la_tr_log,
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

/* The vectors' @type, for device @n (the relay reads no tag). */
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

/*
 * A GW_HELLO for device @n as the module makes it for a HELLO of its own:
 * variant @x of the vectors' (0: the vectors' CTR, Rd and T1) with its own
 * Rg and CTX (@x and @t: other HELLOs, or other times).
 */
static void la_tr_hello(u8 *m, u8 n, u8 x, u8 t)
{
	struct la_gw_hello *h = (struct la_gw_hello *)m;

	la_tr_dev(m, LITEAUTH_MSG_GW_HELLO, n);
	h->hello.ctr[2] = x;
	h->hello.rd[0] ^= x;
	h->hello.tag[0] ^= x;
	h->rg[0] ^= x;
	h->rg[1] ^= t;
	h->ctx[19] ^= t;
	h->tag[0] ^= x ^ t;
}

/* GW_KEY (from a server whose Rs starts with @rs) or GW_REJECT for @h. */
static void la_tr_answer(u8 *m, u8 type, const u8 *hello, u8 rs)
{
	const struct la_gw_hello *h = (const struct la_gw_hello *)hello;
	struct la_gw_key *k = (struct la_gw_key *)m;
	struct la_gw_reject *j = (struct la_gw_reject *)m;

	memcpy(m, la_vec_msg(&la_tr.v, type), la_msg_len(type));
	if (type == LITEAUTH_MSG_GW_KEY) {
		la_echo_of(&k->echo, h);
		memcpy(k->key.idd, h->hello.idd, LA_ID_LEN);
		k->rs[0] ^= rs;
		k->key.rs[0] ^= rs;
	} else {
		la_echo_of(&j->echo, h);
		memcpy(j->idd, h->hello.idd, LA_ID_LEN);
	}
}

static void la_tr_answer_from(unsigned int up, u8 type, const u8 *hello,
			      u8 rs)
{
	u8 m[LITEAUTH_MSG_MAX_LEN];

	la_tr_answer(m, type, hello, rs);
	la_relay_from_upstream(&la_tr.r, up, m, la_msg_len(type));
}

/*
 * The module's GW_CONFIRM after it took the GW_KEY (Rs starting with @rs)
 * for @hello goes to upstream @up alone, though the other one answered
 * last.
 */
static void la_tr_expect_confirm(struct kunit *test, const u8 *hello, u8 rs,
				 unsigned int up)
{
	const struct la_gw_hello *h = (const struct la_gw_hello *)hello;
	u8 m[LITEAUTH_GW_CONFIRM_LEN];
	struct la_gw_confirm *c = (struct la_gw_confirm *)m;
	int was[2] = { la_tr.up[0], la_tr.up[1] };

	memcpy(m, la_vec_msg(&la_tr.v, LITEAUTH_MSG_GW_CONFIRM), sizeof(m));
	memcpy(c->rg, h->rg, LA_NONCE_LEN);
	c->rs[0] ^= rs;
	memcpy(c->confirm.idd, h->hello.idd, LA_ID_LEN);
	la_tr.r.current = !up;
	la_relay_from_module(&la_tr.r, m, sizeof(m));
	KUNIT_EXPECT_EQ(test, la_tr.up[up], was[up] + 1);
	KUNIT_EXPECT_EQ(test, la_tr.up[!up], was[!up]);
	la_expect_bytes(test, la_tr.last_up, m, sizeof(m), "GW_CONFIRM up");
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
	/* Answered: nothing more is sent. A late duplicate goes down too
	 * (the module refuses a second GW_KEY), counted as one.
	 */
	la_tr_tick(5);
	KUNIT_EXPECT_EQ(test, la_tr.up[0] + la_tr.up[1], 1);
	la_tr_upstream(0, LITEAUTH_MSG_GW_KEY);
	KUNIT_EXPECT_EQ(test, la_tr.down, 2);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DUPLICATE], 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DROP], 0);

	/* GW_CONFIRM goes up once; the server does not answer it. */
	la_tr_module(LITEAUTH_MSG_GW_CONFIRM);
	la_tr_tick(5);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 2);
	/* A GW_REJECT answers a GW_HELLO as well as a GW_KEY does. */
	la_tr_module_dev(LITEAUTH_MSG_GW_HELLO, 2);
	la_tr_upstream_dev(0, LITEAUTH_MSG_GW_REJECT, 2);
	KUNIT_EXPECT_EQ(test, la_tr.down, 3);
	la_tr_tick(1);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 3);		/* not resent */
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 0);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DOWN], 3);
	KUNIT_EXPECT_EQ(test, la_tr.logs, 0);
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
	/* The same HELLO again goes to the server that answered. */
	la_tr_module(LITEAUTH_MSG_GW_HELLO);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 2);
}

static void la_test_relay_give_up(struct kunit *test)
{
	u8 m[LITEAUTH_MSG_MAX_LEN];
	int i;

	la_tr_module(LITEAUTH_MSG_GW_HELLO);
	for (i = 0; i < 40; i++)
		la_tr_tick(1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_GAVE_UP], 1);
	KUNIT_EXPECT_GE(test, la_tr.r.counters[LA_RELAY_RESENT], 4);
	KUNIT_EXPECT_LE(test, la_tr.r.counters[LA_RELAY_RESENT], 8);
	/* The operator is told, once. */
	KUNIT_EXPECT_EQ(test, la_tr.logs, 1);
	KUNIT_EXPECT_EQ(test, la_tr.log_prio, LOG_WARNING);
	KUNIT_EXPECT_TRUE(test, strstr(la_tr.log, "1 GW_HELLO(s) unanswered"));
	/* Nothing in flight any more: a late answer goes down for the module
	 * to refuse (it is older than its handshake timeout), and nothing
	 * here changes.
	 */
	la_tr_upstream(0, LITEAUTH_MSG_GW_KEY);
	KUNIT_EXPECT_EQ(test, la_tr.down, 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 1);
	la_tr_tick(1);
	KUNIT_EXPECT_EQ(test, la_tr.logs, 1);		/* within the minute */
	la_tr_tick(60);
	KUNIT_EXPECT_EQ(test, la_tr.logs, 2);
	KUNIT_EXPECT_EQ(test, la_tr.log_prio, LOG_NOTICE);
	KUNIT_EXPECT_TRUE(test, strstr(la_tr.log, "1 answer(s) from upstream"));

	/* What the relay never forwards, either way. */
	la_tr_module(LITEAUTH_MSG_GW_KEY);
	la_tr_module(LITEAUTH_MSG_HELLO);
	la_relay_from_module(&la_tr.r, "\x34", 1);
	la_tr_upstream(0, LITEAUTH_MSG_GW_HELLO);
	la_tr_upstream(0, LITEAUTH_MSG_KEY);
	la_tr_upstream(2, LITEAUTH_MSG_GW_KEY);		/* no such upstream */
	la_relay_from_upstream(&la_tr.r, 0,
			       la_vec_msg(&la_tr.v, LITEAUTH_MSG_GW_KEY),
			       LITEAUTH_GW_KEY_LEN - 1);
	memcpy(m, la_vec_msg(&la_tr.v, LITEAUTH_MSG_GW_REJECT),
	       LITEAUTH_GW_REJECT_LEN);
	m[1] = 0x11;					/* version 1 */
	la_relay_from_upstream(&la_tr.r, 0, m, LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DROP], 8);
	KUNIT_EXPECT_EQ(test, la_tr.down, 1);
	KUNIT_EXPECT_EQ(test, la_tr.up[0] + la_tr.up[1],
			1 + (int)la_tr.r.counters[LA_RELAY_RESENT]);
}

/*
 * A GW_CONFIRM goes to the upstream that answered its device's GW_HELLO,
 * not to the one that answered last, for the handshake timeout.
 */
static void la_test_relay_confirm_follows(struct kunit *test)
{
	u8 next[LITEAUTH_GW_HELLO_LEN];

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
	/* Device 1's next handshake (a new CTR and Rd) stays with its
	 * server too; answered there, 0 is the server that answered last.
	 */
	la_tr_hello(next, 1, 0x21, 3);
	la_relay_from_module(&la_tr.r, next, sizeof(next));
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 5);
	la_tr_answer_from(0, LITEAUTH_MSG_GW_KEY, next, 0);
	KUNIT_EXPECT_EQ(test, la_tr.down, 3);

	/* A device the table does not hold: every upstream. */
	la_tr_module_dev(LITEAUTH_MSG_GW_CONFIRM, 3);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 6);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 3);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_CONFIRM_ALL], 1);
	/* Refused: nothing follows, nothing is resent; a second answer
	 * is a duplicate, down all the same.
	 */
	la_tr_module_dev(LITEAUTH_MSG_GW_HELLO, 4);
	la_tr_upstream_dev(0, LITEAUTH_MSG_GW_REJECT, 4);
	KUNIT_EXPECT_EQ(test, la_tr.down, 4);
	la_tr_upstream_dev(0, LITEAUTH_MSG_GW_REJECT, 4);
	KUNIT_EXPECT_EQ(test, la_tr.down, 5);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DUPLICATE], 1);

	/* After the handshake timeout, device 2 is forgotten. */
	la_tr_tick(31);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 7);
	la_tr_module_dev(LITEAUTH_MSG_GW_CONFIRM, 2);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 4);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 8);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_CONFIRM_ALL], 2);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_RESENT], 2);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_GAVE_UP], 0);
}

/*
 * The security review's attack: one forged HELLO with the victim's IDd per
 * round trip. The module relays it (it cannot check T1) in a GW_HELLO of
 * its own Rg; the server's GW_REJECT for it comes back before the GW_KEY
 * for the genuine one. That GW_KEY still goes down, and the GW_CONFIRM
 * after it goes to the upstream that sent it.
 */
static void la_test_relay_forged_hello(struct kunit *test)
{
	u8 real[LITEAUTH_GW_HELLO_LEN], forged[LITEAUTH_GW_HELLO_LEN];
	u8 key[LITEAUTH_GW_KEY_LEN];

	la_tr_hello(real, 1, 0, 0);
	la_tr_hello(forged, 1, 0x55, 1);
	la_relay_from_module(&la_tr.r, real, sizeof(real));
	la_tr_tick(1);
	la_tr_tick(2);				/* upstream 0 silent: to 1 */
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 2);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 1);
	la_relay_from_module(&la_tr.r, forged, sizeof(forged));
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 2);	/* where the device's is */

	la_tr_answer_from(1, LITEAUTH_MSG_GW_REJECT, forged, 0);
	KUNIT_EXPECT_EQ(test, la_tr.down, 1);
	la_tr_answer(key, LITEAUTH_MSG_GW_KEY, real, 1);
	la_relay_from_upstream(&la_tr.r, 1, key, sizeof(key));
	KUNIT_EXPECT_EQ(test, la_tr.down, 2);
	la_expect_bytes(test, la_tr.last_down, key, sizeof(key),
			"the genuine GW_KEY, down");

	/* Neither is resent any more. */
	la_tr_tick(4);
	la_tr_tick(8);
	KUNIT_EXPECT_EQ(test, la_tr.up[0] + la_tr.up[1], 4);
	/* The CONFIRM goes where its GW_KEY came from. */
	la_tr_expect_confirm(test, real, 1, 1);
}

/* The same, the forged HELLO after the GW_KEY: the answered handshake
 * is neither overwritten nor freed.
 */
static void la_test_relay_forged_after_key(struct kunit *test)
{
	u8 real[LITEAUTH_GW_HELLO_LEN], forged[LITEAUTH_GW_HELLO_LEN];
	int i;

	la_tr_hello(real, 1, 0, 0);
	la_relay_from_module(&la_tr.r, real, sizeof(real));
	la_tr_answer_from(0, LITEAUTH_MSG_GW_KEY, real, 0);
	KUNIT_EXPECT_EQ(test, la_tr.down, 1);
	for (i = 1; i <= 3; i++) {	/* one per round trip */
		la_tr_hello(forged, 1, 0x50 + i, i);
		la_relay_from_module(&la_tr.r, forged, sizeof(forged));
		la_tr_answer_from(0, LITEAUTH_MSG_GW_REJECT, forged, 0);
	}
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 4);
	KUNIT_EXPECT_EQ(test, la_tr.down, 4);
	la_tr_expect_confirm(test, real, 0, 0);
}

/*
 * An answer that names the victim but echoes no GW_HELLO the relay sent
 * (made up off the path: Rg is unpredictable) changes nothing: the
 * GW_HELLO is still resent, and the genuine answer still counts.
 */
static void la_test_relay_forged_answer(struct kunit *test)
{
	u8 real[LITEAUTH_GW_HELLO_LEN], other[LITEAUTH_GW_HELLO_LEN];

	la_tr_hello(real, 1, 0, 0);
	la_tr_hello(other, 1, 0, 7);	/* the same HELLO, another Rg */
	la_relay_from_module(&la_tr.r, real, sizeof(real));
	la_tr_answer_from(1, LITEAUTH_MSG_GW_REJECT, other, 0);
	la_tr_answer_from(1, LITEAUTH_MSG_GW_KEY, other, 0);
	KUNIT_EXPECT_EQ(test, la_tr.r.current, 0);	/* not moved */
	la_tr_tick(1);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 2);	/* still resent */
	la_expect_bytes(test, la_tr.last_up, real, sizeof(real),
			"the very same GW_HELLO");
	la_tr_answer_from(0, LITEAUTH_MSG_GW_KEY, real, 0);
	la_tr_tick(2);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 2);	/* answered */
	la_tr_expect_confirm(test, real, 0, 0);
	/* Both went down, for the module to refuse. */
	KUNIT_EXPECT_EQ(test, la_tr.down, 3);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 2);

	/* Who saw the GW_HELLO (on the path) and forges a GW_REJECT for it
	 * stops its resends, no more: the GW_KEY after it is the answer,
	 * and places the GW_CONFIRM.
	 */
	la_relay_test_init(test);
	la_relay_from_module(&la_tr.r, real, sizeof(real));
	la_tr_answer_from(1, LITEAUTH_MSG_GW_REJECT, real, 0);
	la_tr_answer_from(0, LITEAUTH_MSG_GW_KEY, real, 0);
	KUNIT_EXPECT_EQ(test, la_tr.down, 2);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DUPLICATE], 0);
	la_tr_expect_confirm(test, real, 0, 0);
	/* Answered, it is not the first to go for room. */
	KUNIT_EXPECT_TRUE(test, la_tr.r.pending[0].answered &&
			  !la_tr.r.pending[0].refused);
}

/*
 * Answers to one GW_HELLO from two servers (the first was slow, the
 * relay failed over): the module takes the first that opens, and names
 * its Rs in GW_CONFIRM, which goes to the server that drew that Rs.
 */
static void la_test_relay_confirm_by_rs(struct kunit *test)
{
	u8 h[LITEAUTH_GW_HELLO_LEN];

	la_tr_hello(h, 1, 0, 0);
	la_relay_from_module(&la_tr.r, h, sizeof(h));
	la_tr_tick(1);
	la_tr_tick(2);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 1);
	la_tr_answer_from(1, LITEAUTH_MSG_GW_KEY, h, 0x10);
	la_tr_answer_from(0, LITEAUTH_MSG_GW_KEY, h, 0x20);	/* late */
	KUNIT_EXPECT_EQ(test, la_tr.down, 2);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DUPLICATE], 1);
	la_tr_expect_confirm(test, h, 0x20, 0);	/* the module took 0's */
	la_tr_expect_confirm(test, h, 0x10, 1);
	la_tr_expect_confirm(test, h, 0x30, 1);	/* an Rs never seen */
}

/*
 * The device resends its HELLO, and the module relays each copy in a
 * GW_HELLO of its own Rg and CTX: one handshake, resent at one pace in
 * its latest GW_HELLO, whichever of them the answer is for.
 */
static void la_test_relay_resent_hello(struct kunit *test)
{
	u8 h[LA_RELAY_ECHOES + 1][LITEAUTH_GW_HELLO_LEN];
	int i;

	for (i = 0; i <= LA_RELAY_ECHOES; i++)
		la_tr_hello(h[i], 1, 0, i);
	la_relay_from_module(&la_tr.r, h[0], sizeof(h[0]));
	la_tr.now += NS / 2;
	la_relay_from_module(&la_tr.r, h[1], sizeof(h[1]));
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 2);
	la_tr_tick(0);
	la_tr.now += NS / 2;
	la_tr_tick(0);				/* 1 s after the first */
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 3);
	la_expect_bytes(test, la_tr.last_up, h[1], sizeof(h[1]),
			"the latest GW_HELLO, resent");
	/* The answer to the first stops it and places its GW_CONFIRM. */
	la_tr_answer_from(1, LITEAUTH_MSG_GW_KEY, h[0], 0);
	la_tr_tick(2);
	la_tr_tick(4);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 3);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 0);
	la_tr_expect_confirm(test, h[0], 0, 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 0);

	/* The last LA_RELAY_ECHOES are remembered; an answer to an older
	 * one goes down unmatched.
	 */
	la_relay_test_init(test);
	for (i = 0; i <= LA_RELAY_ECHOES; i++)
		la_relay_from_module(&la_tr.r, h[i], sizeof(h[i]));
	KUNIT_EXPECT_EQ(test, la_tr.up[0], LA_RELAY_ECHOES + 1);
	la_tr_answer_from(0, LITEAUTH_MSG_GW_REJECT, h[0], 0);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 1);
	la_tr_answer_from(0, LITEAUTH_MSG_GW_KEY, h[1], 0);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 1);
	KUNIT_EXPECT_EQ(test, la_tr.down, 2);
}

/* A GW_HELLO for made-up device @i, as a flood of HELLOs makes them. */
static void la_tr_madeup(u8 *m, int i)
{
	struct la_gw_hello *h = (struct la_gw_hello *)m;

	la_tr_hello(m, 0, 0x33, 0);
	h->hello.idd[5] = 0xee;
	h->hello.idd[6] = i >> 8;
	h->hello.idd[7] = i;
	h->rg[6] = i >> 8;
	h->rg[7] = i;
}

static int la_tr_used(void)
{
	int i, n = 0;

	for (i = 0; i < LA_RELAY_PENDING_MAX; i++)
		n += la_tr.r.pending[i].used;
	return n;
}

/*
 * V (device 1) answered by upstream @v_up and waiting for its CONFIRM, W
 * (device 2) in flight, then @n HELLOs from made-up IDs, 1 us apart, each
 * refused at once by upstream 0 if @refused.
 */
static void la_tr_flood(u8 *v, u8 *w, unsigned int v_up, int n, bool refused)
{
	u8 m[LITEAUTH_GW_HELLO_LEN];
	int i;

	la_tr_hello(v, 1, 0, 0);
	la_relay_from_module(&la_tr.r, v, LITEAUTH_GW_HELLO_LEN);
	la_tr_answer_from(v_up, LITEAUTH_MSG_GW_KEY, v, 0);
	la_tr_hello(w, 2, 0, 0);
	la_relay_from_module(&la_tr.r, w, LITEAUTH_GW_HELLO_LEN);
	for (i = 0; i < n; i++) {
		la_tr_madeup(m, i);
		la_tr.now += 1000;
		la_relay_from_module(&la_tr.r, m, sizeof(m));
		if (refused)
			la_tr_answer_from(0, LITEAUTH_MSG_GW_REJECT, m, 0);
	}
}

/*
 * A flood of HELLOs from made-up IDs that no upstream answers: the table
 * holds LA_RELAY_PENDING_MAX, the flood takes only unanswered entries
 * (those go first, oldest first), the answered handshake keeps its
 * server, and an unanswered one forgotten for room still gets its answer.
 */
static void la_test_relay_flood(struct kunit *test)
{
	u8 v[LITEAUTH_GW_HELLO_LEN], w[LITEAUTH_GW_HELLO_LEN];
	u8 m[LITEAUTH_GW_HELLO_LEN];
	int i, n = 2 * LA_RELAY_PENDING_MAX;
	char want[64];

	la_tr_flood(v, w, 1, n, false);
	KUNIT_EXPECT_EQ(test, la_tr_used(), LA_RELAY_PENDING_MAX);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_EVICTED],
			n - (LA_RELAY_PENDING_MAX - 2));
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNTRACKED], 0);
	KUNIT_EXPECT_EQ(test, la_tr.up[0], 1);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], 1 + n);	/* all went up */

	/* W was forgotten (the oldest unanswered): its answer goes down. */
	la_tr_answer_from(1, LITEAUTH_MSG_GW_KEY, w, 0);
	KUNIT_EXPECT_EQ(test, la_tr.down, 2);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 1);
	/* V kept its server. */
	la_tr_expect_confirm(test, v, 0, 1);

	/* The operator hears of it at the next tick, with the counts, and
	 * then at most once a minute.
	 */
	la_tr_tick(0);
	KUNIT_EXPECT_EQ(test, la_tr.logs, 2);
	snprintf(want, sizeof(want),
		 "%d unanswered HELLO(s) forgotten for room",
		 n - (LA_RELAY_PENDING_MAX - 2));
	KUNIT_EXPECT_TRUE(test, strstr(la_tr.logs_all, want));
	KUNIT_EXPECT_TRUE(test, strstr(la_tr.logs_all,
				       "1 answer(s) from upstream"));
	/* V's GW_CONFIRM went up: its entry is done, and the next HELLO
	 * takes it rather than one in flight.
	 */
	la_tr_madeup(m, n);
	la_relay_from_module(&la_tr.r, m, sizeof(m));
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_EVICTED],
			n - (LA_RELAY_PENDING_MAX - 2));
	la_tr_tick(0);
	la_tr.now += 59 * NS;
	la_tr_tick(0);				/* all give up, unsaid */
	KUNIT_EXPECT_EQ(test, la_tr.logs, 2);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_GAVE_UP],
			LA_RELAY_PENDING_MAX);
	la_tr.now += 1 * NS;
	la_tr_tick(0);
	KUNIT_EXPECT_EQ(test, la_tr.logs, 3);
	snprintf(want, sizeof(want), "%d GW_HELLO(s) unanswered for 30 s",
		 LA_RELAY_PENDING_MAX);
	KUNIT_EXPECT_TRUE(test, strstr(la_tr.log, want));

	/* V's handshake timed out; the rest give up at their time. */
	for (i = 0; i < 40; i++)
		la_tr_tick(1);
	KUNIT_EXPECT_EQ(test, la_tr_used(), 0);
}

/*
 * The same flood, refused by the server as it comes: the refused entries
 * make room, and neither the handshake in flight nor an answered one is
 * ever forgotten for it.
 */
static void la_test_relay_flood_refused(struct kunit *test)
{
	u8 v[LITEAUTH_GW_HELLO_LEN], w[LITEAUTH_GW_HELLO_LEN];
	int n = 3 * LA_RELAY_PENDING_MAX;

	la_tr_flood(v, w, 0, n, true);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_EVICTED], 0);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNTRACKED], 0);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 0);
	KUNIT_EXPECT_EQ(test, la_tr_used(), LA_RELAY_PENDING_MAX);
	/* W is still in flight: resent, and its answer matched. */
	la_tr_tick(1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_RESENT], 1);
	la_expect_bytes(test, la_tr.last_up, w, sizeof(w), "W, resent");
	la_tr_answer_from(1, LITEAUTH_MSG_GW_KEY, w, 0);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 0);
	la_tr_expect_confirm(test, w, 0, 1);
	la_tr_expect_confirm(test, v, 0, 0);
	KUNIT_EXPECT_EQ(test, la_tr.logs, 0);
}

/*
 * A table full of answered handshakes waiting for their CONFIRM: none is
 * taken for a new GW_HELLO, which goes up once, untracked, and still gets
 * its answer; one whose GW_CONFIRM went up makes room.
 */
static void la_test_relay_full_of_answered(struct kunit *test)
{
	u8 m[LITEAUTH_GW_HELLO_LEN], first[LITEAUTH_GW_HELLO_LEN];
	u8 x[LITEAUTH_GW_HELLO_LEN], y[LITEAUTH_GW_HELLO_LEN];
	int i;

	for (i = 0; i < LA_RELAY_PENDING_MAX; i++) {
		la_tr_madeup(m, i);
		if (!i)
			memcpy(first, m, sizeof(m));
		la_tr.now += 1000;
		la_relay_from_module(&la_tr.r, m, sizeof(m));
		la_tr_answer_from(1, LITEAUTH_MSG_GW_KEY, m, 0);
	}
	la_tr_hello(x, 1, 0, 0);
	la_relay_from_module(&la_tr.r, x, sizeof(x));
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNTRACKED], 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_EVICTED], 0);
	KUNIT_EXPECT_EQ(test, la_tr.up[1], LA_RELAY_PENDING_MAX);
	la_tr_tick(1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_RESENT], 0);
	la_tr_answer_from(0, LITEAUTH_MSG_GW_KEY, x, 0);
	KUNIT_EXPECT_EQ(test, la_tr.down, LA_RELAY_PENDING_MAX + 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 1);
	KUNIT_EXPECT_TRUE(test, strstr(la_tr.logs_all,
				       "1 GW_HELLO(s) sent once untracked"));

	/* The first is confirmed: its entry is the next HELLO's. */
	la_tr_expect_confirm(test, first, 0, 1);
	la_tr_hello(y, 2, 0, 0);
	la_relay_from_module(&la_tr.r, y, sizeof(y));
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNTRACKED], 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_EVICTED], 0);
	la_tr_answer_from(0, LITEAUTH_MSG_GW_KEY, y, 0);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], 1);
	/* Every other one still goes where its GW_KEY came from. */
	la_tr_madeup(m, LA_RELAY_PENDING_MAX - 1);
	la_tr_expect_confirm(test, m, 0, 1);
}

/*
 * An answer of @type from upstream @up for made-up HELLO @i, which no
 * GW_HELLO the relay sent carries (a spoofer spraying the relay's port);
 * whether it went down.
 */
static bool la_tr_forged(u8 type, unsigned int up, int i)
{
	u8 h[LITEAUTH_GW_HELLO_LEN];
	int was = la_tr.down;

	la_tr_madeup(h, i);
	la_tr_answer_from(up, type, h, 0);
	return la_tr.down == was + 1;
}

/*
 * A flood of forged answers, all at once and to both upstreams' account:
 * LA_RELAY_UNMATCHED_BURST go down, the rest are counted and dropped; the
 * genuine GW_KEY in the middle of it goes down all the same (and a
 * duplicate of it), stops the resends and places the GW_CONFIRM. The
 * budget refills at LA_RELAY_UNMATCHED_PER_S, and the operator is told.
 */
static void la_test_relay_unmatched_flood(struct kunit *test)
{
	u8 real[LITEAUTH_GW_HELLO_LEN], key[LITEAUTH_GW_KEY_LEN];
	int i, n = 3 * LA_RELAY_UNMATCHED_BURST, passed = 0, down;
	char want[160];

	la_tr_hello(real, 1, 0, 0);
	la_relay_from_module(&la_tr.r, real, sizeof(real));
	la_tr_answer(key, LITEAUTH_MSG_GW_KEY, real, 0x40);
	for (i = 0; i < n; i++) {
		if (i == n / 2) {
			down = la_tr.down;
			la_relay_from_upstream(&la_tr.r, 1, key, sizeof(key));
			KUNIT_EXPECT_EQ(test, la_tr.down, down + 1);
			la_expect_bytes(test, la_tr.last_down, key,
					sizeof(key), "the GW_KEY, in the flood");
		}
		passed += la_tr_forged(i & 1 ? LITEAUTH_MSG_GW_REJECT :
				       LITEAUTH_MSG_GW_KEY, i & 2 ? 1 : 0, i);
	}
	KUNIT_EXPECT_EQ(test, passed, LA_RELAY_UNMATCHED_BURST);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED], n);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED_LIMITED],
			n - LA_RELAY_UNMATCHED_BURST);
	/* Matched, a duplicate is not charged either. */
	la_relay_from_upstream(&la_tr.r, 0, key, sizeof(key));
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DUPLICATE], 1);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DOWN],
			LA_RELAY_UNMATCHED_BURST + 2);
	KUNIT_EXPECT_EQ(test, la_tr.down, LA_RELAY_UNMATCHED_BURST + 2);
	KUNIT_EXPECT_FALSE(test, la_tr_forged(LITEAUTH_MSG_GW_KEY, 0, n));

	/* Answered: no more resends; the GW_CONFIRM goes to upstream 1. */
	la_tr_tick(1);
	KUNIT_EXPECT_EQ(test, la_tr.up[0] + la_tr.up[1], 1);
	la_tr_expect_confirm(test, real, 0x40, 1);
	KUNIT_EXPECT_EQ(test, la_tr.logs, 1);
	KUNIT_EXPECT_EQ(test, la_tr.log_prio, LOG_WARNING);
	snprintf(want, sizeof(want),
		 "%d answer(s) from upstream for no GW_HELLO in flight", n + 1);
	KUNIT_EXPECT_TRUE(test, strstr(la_tr.log, want));
	snprintf(want, sizeof(want),
		 "%d of them over the budget of %d a second (burst %d)",
		 n + 1 - LA_RELAY_UNMATCHED_BURST, LA_RELAY_UNMATCHED_PER_S,
		 LA_RELAY_UNMATCHED_BURST);
	KUNIT_EXPECT_TRUE(test, strstr(la_tr.log, want));

	/* A second later, a second's budget and no more. */
	for (i = passed = 0; i < 2 * LA_RELAY_UNMATCHED_PER_S; i++)
		passed += la_tr_forged(LITEAUTH_MSG_GW_REJECT, i & 1, i);
	KUNIT_EXPECT_EQ(test, passed, LA_RELAY_UNMATCHED_PER_S);
	/* After a quiet spell, a late genuine answer goes down again. */
	la_tr.now += 2 * NS;
	KUNIT_EXPECT_TRUE(test, la_tr_forged(LITEAUTH_MSG_GW_KEY, 0, 0));
	/* Within the minute: nothing more is said. */
	la_tr_tick(1);
	KUNIT_EXPECT_EQ(test, la_tr.logs, 1);
}

/*
 * A flood of forged answers for 10 s at 1000 a second, ticked every
 * second, while a device a second starts a handshake: the unmatched go
 * down at most LA_RELAY_UNMATCHED_PER_S a second once the burst is
 * spent, every genuine GW_KEY goes down and places its GW_CONFIRM, and
 * the operator hears once.
 */
static void la_test_relay_unmatched_sustained(struct kunit *test)
{
	u8 h[LITEAUTH_GW_HELLO_LEN], key[LITEAUTH_GW_KEY_LEN];
	int ms, s = 0, in_s = 0, passed = 0, down;
	const int secs = 10;

	for (ms = 0; ms < secs * 1000; ms++) {
		la_tr.now += NS / 1000;
		if (ms % 1000 == 500) {
			la_tr_hello(h, 1 + s, 0, 0);
			la_relay_from_module(&la_tr.r, h, sizeof(h));
		} else if (ms % 1000 == 600) {
			la_tr_answer(key, LITEAUTH_MSG_GW_KEY, h, s);
			down = la_tr.down;
			la_relay_from_upstream(&la_tr.r, s & 1, key,
					       sizeof(key));
			KUNIT_EXPECT_EQ(test, la_tr.down, down + 1);
			la_expect_bytes(test, la_tr.last_down, key,
					sizeof(key), "a GW_KEY, in the flood");
			la_tr_expect_confirm(test, h, s, s & 1);
		}
		in_s += la_tr_forged(ms & 1 ? LITEAUTH_MSG_GW_REJECT :
				     LITEAUTH_MSG_GW_KEY, ms & 2 ? 1 : 0, ms);
		if (ms % 1000 == 999) {
			/* The first second spends the burst too. */
			KUNIT_EXPECT_LE(test, in_s, LA_RELAY_UNMATCHED_PER_S +
					(s ? 1 : LA_RELAY_UNMATCHED_BURST));
			KUNIT_EXPECT_GE(test, in_s,
					LA_RELAY_UNMATCHED_PER_S - 1);
			passed += in_s;
			in_s = 0;
			s++;
			la_relay_tick(&la_tr.r);
		}
	}
	KUNIT_EXPECT_LE(test, passed, LA_RELAY_UNMATCHED_BURST +
			secs * LA_RELAY_UNMATCHED_PER_S);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED],
			secs * 1000);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_UNMATCHED_LIMITED],
			secs * 1000 - passed);
	KUNIT_EXPECT_EQ(test, la_tr.down, passed + secs);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_DUPLICATE], 0);
	KUNIT_EXPECT_EQ(test, la_tr.r.counters[LA_RELAY_RESENT], 0);
	KUNIT_EXPECT_EQ(test, la_tr.logs, 1);
	KUNIT_EXPECT_EQ(test, la_tr.log_prio, LOG_WARNING);
}

static struct kunit_case la_relay_cases[] = {
	KUNIT_CASE(la_test_relay_both_ways),
	KUNIT_CASE(la_test_relay_resend_failover),
	KUNIT_CASE(la_test_relay_give_up),
	KUNIT_CASE(la_test_relay_confirm_follows),
	KUNIT_CASE(la_test_relay_forged_hello),
	KUNIT_CASE(la_test_relay_forged_after_key),
	KUNIT_CASE(la_test_relay_forged_answer),
	KUNIT_CASE(la_test_relay_confirm_by_rs),
	KUNIT_CASE(la_test_relay_resent_hello),
	KUNIT_CASE(la_test_relay_flood),
	KUNIT_CASE(la_test_relay_flood_refused),
	KUNIT_CASE(la_test_relay_full_of_answered),
	KUNIT_CASE(la_test_relay_unmatched_flood),
	KUNIT_CASE(la_test_relay_unmatched_sustained),
	{}
};

static struct kunit_suite la_relay_suite = {
	.name = "liteauth_relay",
	.init = la_relay_test_init,
	.test_cases = la_relay_cases,
};

kunit_test_suite(la_relay_suite);
