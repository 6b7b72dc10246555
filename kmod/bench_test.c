// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel micro-benchmarks of the gateway (gateway.c), as a KUnit suite:
 * each case drives the gateway's own entry points with real messages and
 * the kernel crypto API, checks that every frame did what it should, and
 * reports a rate or a size on a KTAP diagnostic line, which `make bench`
 * (tests/bench/bench.py) collects. At insmod they run briefly, proving they
 * work; `insmod liteauth.ko bench_ms=2000 bench_sessions=10000` runs the
 * measurement. Nothing here asserts a time.
 *
 *  - CONFIRM verification: 256 devices' handshakes are brought to
 *    WAIT_CONFIRM (HELLO, then GW_KEY: untimed), then their CONFIRMs are
 *    timed through la_gw_rx_radio(): the checks, the lookup, the tag, the
 *    GW_CONFIRM built for the daemon, the ACK for the device and the
 *    session installed.
 *  - Garbage: malformed frames of every kind the radio may bring, each one
 *    a counted drop, timed through la_gw_rx_radio().
 *  - Session memory: bench_sessions devices, each with its own ID, nonces
 *    and session key, authenticated; the kernel's slab counters before and
 *    after say what a session costs, and what la_gw_destroy() gives back.
 */
#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "crypto.h"
#include "gateway.h"
#include "test_vectors.h"

static unsigned int bench_ms = 50;
module_param(bench_ms, uint, 0444);
MODULE_PARM_DESC(bench_ms, "KUnit benchmarks: how long each timed case runs (ms)");

static unsigned int bench_sessions = 1000;
module_param(bench_sessions, uint, 0444);
MODULE_PARM_DESC(bench_sessions, "KUnit benchmarks: sessions for the memory case");

struct la_bgw {
	struct la_gw gw;
	struct la_vec v;
	unsigned int nup, nradio;
	u32 ctr;	/* every handshake a fresh CTR */
	u8 up[LITEAUTH_MSG_MAX_LEN];
};

static int la_b_radio_tx(struct la_gw *gw, const struct la_addr *to,
			 const void *msg, size_t len)
{
	((struct la_bgw *)gw->priv)->nradio++;
	return 0;
}

static int la_b_relay_up(struct la_gw *gw, const void *msg, size_t len)
{
	struct la_bgw *b = gw->priv;

	b->nup++;
	memcpy(b->up, msg, len);
	return 0;
}

static void la_b_event(struct la_gw *gw, const struct la_event *ev)
{
}

static u64 la_b_now(struct la_gw *gw)
{
	return ktime_get_ns();
}

static void la_b_random(struct la_gw *gw, void *buf, size_t len)
{
	get_random_bytes(buf, len);
}

static const struct la_gw_ops la_b_ops = {
	.radio_tx = la_b_radio_tx,
	.relay_up = la_b_relay_up,
	.event = la_b_event,
	.now = la_b_now,
	.random = la_b_random,
};

static const struct la_addr la_b_addr = {
	.ifindex = 7,
	.mode = LITEAUTH_ADDR_SHORT,
	.pan_id = 0xbeef,
	.short_addr = 0x1000,
};

static int la_bench_init(struct kunit *test)
{
	struct la_limits l = {
		.devices_max = max(bench_sessions + 1, (unsigned int)LA_DEVICES_MAX),
		.pending_timeout_ms = LA_PENDING_TIMEOUT_MS,
	};	/* no rate limits: the benchmark is the flood */
	struct la_bgw *b;

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	if (!b || la_vec_load(&b->v))
		return -ENOMEM;
	la_gw_init(&b->gw, &la_b_ops, b);
	if (la_gw_set_identity(&b->gw, b->v.idg, b->v.kg))
		return -EIO;
	la_gw_set_limits(&b->gw, &l);
	test->priv = b;
	return 0;
}

static void la_bench_exit(struct kunit *test)
{
	struct la_bgw *b = test->priv;

	la_gw_destroy(&b->gw);
	memzero_explicit(&b->v, sizeof(b->v));
}

static int la_bench_suite_init(struct kunit_suite *suite)
{
	return la_crypto_init();
}

static void la_bench_suite_exit(struct kunit_suite *suite)
{
	la_crypto_exit();
}

static u64 la_b_count(struct la_bgw *b, enum liteauth_counter c)
{
	return la_gw_counter(&b->gw, c);
}

static u64 la_b_drops(struct la_bgw *b)
{
	u64 n = 0;
	int c;

	for (c = LITEAUTH_CNT_DROP_SIZE; c <= LITEAUTH_CNT_DROP_TX; c++)
		n += la_b_count(b, c);
	return n;
}

static u64 la_b_rate(u64 n, u64 ns)
{
	return ns ? div64_u64(n * NSEC_PER_SEC, ns) : 0;
}

#define LA_GARBAGE 64

/* Frame @i of the garbage: malformed in one of eight ways. */
static size_t la_b_garbage(const struct la_vec *v, unsigned int i, u8 *f)
{
	static const u8 types[] = { LITEAUTH_MSG_HELLO, LITEAUTH_MSG_CONFIRM };
	u8 type = types[i / 8 % 2];
	size_t len = la_msg_len(type);

	memcpy(f, la_vec_msg(v, type), len);
	switch (i % 8) {
	case 0:		/* truncated */
		return 1 + get_random_u32_below(len - 1);
	case 1:		/* one byte too many */
		f[len] = 0;
		return len + 1;
	case 2: {	/* another version: any of the 15 others */
		u8 ver = get_random_u32_below(15);

		ver += ver >= LITEAUTH_VERSION;
		f[1] = (f[1] & 0x0f) | ver << 4;
		return len;
	}
	case 3:		/* a suite nobody has */
		f[1] = (f[1] & 0xf0) | (2 + get_random_u32_below(14));
		return len;
	case 4:		/* random bytes behind a liteauth type */
		len = 1 + get_random_u32_below(LITEAUTH_MSG_MAX_LEN);
		get_random_bytes(f, len);
		f[0] = LITEAUTH_MSG_FIRST + get_random_u32_below(LA_NMSG);
		if (len == la_msg_len(f[0]))
			len--;
		return len;
	case 5:		/* a server's message, well formed, from the air */
		memcpy(f, la_vec_msg(v, LITEAUTH_MSG_GW_KEY),
		       LITEAUTH_GW_KEY_LEN);
		return LITEAUTH_GW_KEY_LEN;
	case 6:		/* a KEY sent back at the gateway */
		memcpy(f, la_vec_msg(v, LITEAUTH_MSG_KEY), LITEAUTH_KEY_LEN);
		return LITEAUTH_KEY_LEN;
	default:	/* a CONFIRM from a device with no handshake */
		memcpy(f, la_vec_msg(v, LITEAUTH_MSG_CONFIRM),
		       LITEAUTH_CONFIRM_LEN);
		get_random_bytes(f + 2, LA_ID_LEN);
		return LITEAUTH_CONFIRM_LEN;
	}
}

static void la_bench_garbage(struct kunit *test)
{
	struct la_bgw *b = test->priv;
	u8 (*frames)[LITEAUTH_MSG_MAX_LEN + 1];
	size_t lens[LA_GARBAGE];
	u64 end = ktime_get_ns() + (u64)bench_ms * NSEC_PER_MSEC;
	u64 n = 0, ns, t0;
	unsigned int i;
	bool all_dropped = true;

	frames = kunit_kmalloc_array(test, LA_GARBAGE, sizeof(*frames),
				     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, frames);
	for (i = 0; i < LA_GARBAGE; i++)
		lens[i] = la_b_garbage(&b->v, i, frames[i]);

	t0 = ktime_get_ns();
	do {
		for (i = 0; i < LA_GARBAGE; i++)
			all_dropped &= la_gw_rx_radio(&b->gw, &la_b_addr,
						      frames[i], lens[i]) > 0;
		n += LA_GARBAGE;
	} while (ktime_get_ns() < end);
	ns = ktime_get_ns() - t0;

	/* Nothing got through, and every frame is counted as a drop. */
	KUNIT_EXPECT_TRUE(test, all_dropped);
	KUNIT_EXPECT_EQ(test, la_b_count(b, LITEAUTH_CNT_RX_FRAMES), n);
	KUNIT_EXPECT_EQ(test, la_b_drops(b), n);
	KUNIT_EXPECT_EQ(test, b->nup + b->nradio, 0);
	kunit_info(test, "garbage_drops_per_s: %llu (%llu in %llu ns)\n",
		   la_b_rate(n, ns), n, ns);
}

static long la_slab_bytes(void)
{
	return (global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B)) * PAGE_SIZE;
}

/*
 * Device @i's handshake up to WAIT_CONFIRM, with its own ID, Rd, Rs and
 * SK: its HELLO and the server's GW_KEY into the gateway. Its CONFIRM,
 * for the caller to send, in @confirm.
 */
static int la_b_handshake(struct la_bgw *b, u32 i, struct la_confirm *confirm)
{
	const struct la_vec *v = &b->v;
	struct {
		struct la_hello hello;
		struct la_key key;
		struct la_gw_key gw_key;
		struct la_echo echo;
		struct la_grant grant;
		u8 idd[LA_ID_LEN], rd[LA_NONCE_LEN], rs[LA_NONCE_LEN];
		u8 k[LA_KEY_LEN];
	} *m = kzalloc(sizeof(*m), GFP_KERNEL);
	int err = -ENOMEM;

	if (!m)
		return err;
	memcpy(m->idd, v->idd, LA_ID_LEN);
	m->idd[4] = i >> 24;
	m->idd[5] = i >> 16;
	m->idd[6] = i >> 8;
	m->idd[7] = i;
	get_random_bytes(m->rd, sizeof(m->rd));
	get_random_bytes(m->rs, sizeof(m->rs));
	get_random_bytes(m->grant.sk, sizeof(m->grant.sk));
	m->grant.sid = i;
	m->grant.life = 60;
	/* The device's HELLO through the gateway, then the server's GW_KEY
	 * for the GW_HELLO it made (its own Rg and CTX, in ECHO).
	 */
	err = la_derive(1, LA_K_HELLO, v->kd, m->idd, NULL, NULL, m->k) ?:
	      la_hello_build(&m->hello, 1, m->k, m->idd, ++b->ctr, m->rd) ?:
	      la_gw_rx_radio(&b->gw, &la_b_addr, &m->hello, sizeof(m->hello));
	if (!err) {
		la_echo_of(&m->echo, (const struct la_gw_hello *)b->up);
		err = la_derive(1, LA_K_KEY, v->kd, m->idd, m->rd, m->rs,
				m->k) ?:
		      la_key_build(&m->key, 1, m->k, m->idd, m->rd, m->rs,
				   &m->grant) ?:
		      la_derive(1, LA_KG_KEY, v->kg, v->idg, m->echo.rg, m->rs,
				m->k) ?:
		      la_gw_key_build(&m->gw_key, 1, m->k, v->idg, &m->echo,
				      &m->key, &m->grant) ?:
		      la_derive(1, LA_K_CONF, m->grant.sk, m->idd, m->rd,
				m->rs, m->k) ?:
		      la_confirm_build(confirm, 1, m->k, m->idd, m->rd,
				       m->rs);
	}
	if (!err)
		err = la_gw_rx_daemon(&b->gw, &m->gw_key, sizeof(m->gw_key),
				      NULL);
	kfree_sensitive(m);
	return err;
}

/* Device @i's whole handshake. */
static int la_b_authenticate(struct la_bgw *b, u32 i)
{
	struct la_confirm c;

	return la_b_handshake(b, i, &c) ?:
	       la_gw_rx_radio(&b->gw, &la_b_addr, &c, sizeof(c));
}

#define LA_BATCH 256

/*
 * Rounds of LA_BATCH devices brought to WAIT_CONFIRM (untimed), then their
 * CONFIRMs, timed together: the clock, slow to read under UML, is read
 * twice a round.
 */
static void la_bench_confirm(struct kunit *test)
{
	struct la_bgw *b = test->priv;
	u64 end = ktime_get_ns() + (u64)bench_ms * NSEC_PER_MSEC;
	struct la_confirm *c;
	u64 n = 0, ns = 0, t0;
	bool all_ok = true;
	u32 i;

	c = kunit_kmalloc_array(test, LA_BATCH, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	do {
		for (i = 0; i < LA_BATCH; i++)
			KUNIT_ASSERT_EQ(test, la_b_handshake(b, i, &c[i]), 0);
		t0 = ktime_get_ns();
		for (i = 0; i < LA_BATCH; i++)
			all_ok &= !la_gw_rx_radio(&b->gw, &la_b_addr, &c[i],
						  sizeof(c[i]));
		ns += ktime_get_ns() - t0;
		n += LA_BATCH;
		/* The next round's handshakes find no session to replace
		 * (their CTRs are fresh: b->ctr only grows).
		 */
		la_gw_revoke(&b->gw, NULL);
	} while (ktime_get_ns() < end);

	/* Every CONFIRM verified, installed a session, went up, and was
	 * answered with an ACK.
	 */
	KUNIT_EXPECT_TRUE(test, all_ok);
	KUNIT_EXPECT_EQ(test, la_b_count(b, LITEAUTH_CNT_RX_CONFIRM), n);
	KUNIT_EXPECT_EQ(test, la_b_count(b, LITEAUTH_CNT_UP_GW_CONFIRM), n);
	KUNIT_EXPECT_EQ(test, la_b_count(b, LITEAUTH_CNT_TX_ACK), n);
	KUNIT_EXPECT_EQ(test, la_b_drops(b), 0);
	kunit_info(test, "confirm_verifies_per_s: %llu (%llu in %llu ns)\n",
		   la_b_rate(n, ns), n, ns);
}

static int la_b_count_established(void *arg, const struct la_session_info *si)
{
	*(u32 *)arg += si->state == LITEAUTH_STATE_ESTABLISHED;
	return 0;
}

static void la_bench_sessions(struct kunit *test)
{
	struct la_bgw *b = test->priv;
	long before, with, after;
	u32 i, n = bench_sessions, up = 0;
	u64 cursor = 0;

	/* One handshake first, so what is allocated once is not counted. */
	KUNIT_ASSERT_EQ(test, la_b_authenticate(b, n), 0);
	la_gw_revoke(&b->gw, NULL);
	before = la_slab_bytes();
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, la_b_authenticate(b, i), 0);
	with = la_slab_bytes();
	la_gw_walk(&b->gw, &cursor, la_b_count_established, &up);
	KUNIT_EXPECT_EQ(test, up, n);
	KUNIT_EXPECT_EQ(test, la_b_count(b, LITEAUTH_CNT_RX_CONFIRM), n + 1);

	la_gw_destroy(&b->gw);
	la_gw_init(&b->gw, &la_b_ops, b);	/* for la_bench_exit() */
	after = la_slab_bytes();
	/*
	 * The sessions took memory, and destroying them gave it back; but
	 * KASAN's quarantine keeps what was freed for a while (the debug
	 * kernel), so there only the first is checked.
	 */
	KUNIT_EXPECT_GT(test, with - before, (long)n * 64);
	if (!IS_ENABLED(CONFIG_KASAN))
		KUNIT_EXPECT_LT(test, after - before, (with - before) / 2);
	kunit_info(test, "bytes_per_session: %ld (%u sessions: slab %+ld bytes, %+ld after destroy)\n",
		   (with - before) / (long)n, n, with - before, after - before);
}

static struct kunit_case la_bench_cases[] = {
	KUNIT_CASE(la_bench_confirm),
	KUNIT_CASE(la_bench_garbage),
	KUNIT_CASE(la_bench_sessions),
	{}
};

static struct kunit_suite la_bench_suite = {
	.name = "liteauth_bench",
	.init = la_bench_init,
	.exit = la_bench_exit,
	.suite_init = la_bench_suite_init,
	.suite_exit = la_bench_suite_exit,
	.test_cases = la_bench_cases,
};

kunit_test_suite(la_bench_suite);
