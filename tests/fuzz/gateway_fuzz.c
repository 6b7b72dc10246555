// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the gateway's state machine: kmod/gateway.c itself,
 * built for userspace against the kernel header shims of tests/fuzz/kshim
 * (kshim/gateway_peek.c), on the real crypto (kmod/proto.c on OpenSSL).
 *
 * The fuzzer plays every other party with real keys (those of protocol.rst's
 * test vectors, and three more devices): devices send HELLOs (new, resent,
 * with an old CTR, forged, of IDs nobody knows) and CONFIRMs (right, for an
 * older handshake, mutated, forged) from radio addresses it picks; the
 * server answers a GW_HELLO the gateway relayed with its GW_KEY or
 * GW_REJECT (in time or late, again, with a bit flipped, for an ECHO the
 * gateway never made, sealed with another key, for another gateway);
 * raw bytes arrive from the radio and from the daemon; sending fails
 * (-ENOBUFS, -ENOTCONN) or allocating does; the clock moves (by up to half
 * a year); the gc, the reports, revocations, an interface's removal, odd
 * limits, the collector's delayed work and paged dumps come in between.
 *
 * A model of what protocol.rst ("The gateway") and gateway.h say the
 * gateway holds for each device is kept alongside: its highest accepted
 * CTR, the handshake waiting for CONFIRM, the session, the report the
 * daemon has not taken, the budgets, the lazy expiry. After each step:
 *
 * - every table entry (read with la_fz_peek), every dump entry
 *   (la_gw_walk, paged too), every counter, event, frame and message sent,
 *   every return value and the generation are what the model says;
 *   ndevices is the number of entries, reports_due the number of entries
 *   with a report due and the length of their list, in the order the
 *   model queued them; the table grows only below devices_max, every
 *   counter only increases, the collector is armed exactly while running;
 * - independently of the model: an entry exists only for a device whose
 *   GW_KEY the server made; a handshake only from such a GW_KEY; a session
 *   only from a CONFIRM the device made with that GW_KEY's SK, with its SK
 *   and SID; every KEY sent is the KEY of a GW_KEY that opened, sent to the
 *   address of its CTX; every ACK verifies for a session's CONFIRM and goes
 *   to an address that CONFIRM came from; every GW_HELLO relayed verifies
 *   under Kg and carries the HELLO received, unchanged, with CTX naming
 *   where it came from, and Rg the gateway's MAC of both; every GW_CONFIRM
 *   is the report of such a session, and one is due only while the
 *   gateway holds that session; key material dies with what it belongs
 *   to (no SK without a session, no grant without a handshake);
 * - a message that does not verify (anything not made with the real keys)
 *   changes no session and no handshake: the dump is the same before and
 *   after, but for what had expired and for the drop counts;
 * - frames and messages are sent with the lock released, events emitted
 *   with it held, and nothing takes it twice (kshim/linux/spinlock.h).
 *
 * la_gw_destroy ends every input: LeakSanitizer sees every entry freed.
 * Anything else aborts, with the step and what was expected on stderr
 * (GATEWAY_FUZZ_TRACE=1: each step too; GATEWAY_FUZZ_STATS=1: at exit,
 * how often each state was reached).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "gateway.h"
#include "gateway_peek.h"
#include "input.h"

#define S LITEAUTH_SUITE_AES128
#define NS 1000000000ULL
#define MS 1000000ULL

#define NDEV 4			/* devices the server knows */
#define NADDR 8
#define STEPS 80
#define NRELAY 8		/* the GW_HELLOs the server can still answer */
#define NOUT 32			/* frames and messages sent in one step */
#define NEV 32			/* events in one step */
#define EPOCH (1000 * NS)	/* the clock at la_gw_init */
#define CLOCK_MAX (EPOCH + 100ULL * 365 * 86400 * NS)
#define RESEND_NS (LA_RESEND_MIN_MS * MS)
#define REPORT_RETRY_MS 100	/* gateway.c's LA_REPORT_RETRY_MS */
#define KNOWN_KEEP_NS ((u64)LA_KNOWN_KEEP_MS * MS)

int la_kshim_alloc_fail;	/* kshim/linux/slab.h */

/* protocol.rst, "Test vectors, suite 1" (kmod/test_vectors.c). */
static const u8 vec_kd[LA_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};
static const u8 vec_kg[LA_KEY_LEN] = {
	0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
	0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
};
static const u8 vec_idd[LA_ID_LEN] = {
	0x00, 0x12, 0x4b, 0x00, 0x01, 0x02, 0x03, 0x04,
};
static const u8 vec_idg[LA_ID_LEN] = {
	0xb8, 0x27, 0xeb, 0xff, 0xfe, 0x00, 0x00, 0x01,
};
static const u8 vec_k_hello[LA_KEY_LEN] = {	/* K_hello of the vectors */
	0xae, 0xd4, 0x4b, 0x41, 0xe7, 0xbb, 0xe4, 0x35,
	0xb9, 0x5e, 0x5e, 0x51, 0x1b, 0x4d, 0xd8, 0xfb,
};

/* Kg of another gateway, for answers sealed with the wrong key. */
static const u8 other_kg[LA_KEY_LEN] = {
	0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};

static u8 dev_id[NDEV][LA_ID_LEN], dev_key[NDEV][LA_KEY_LEN];
static u8 dev_k_hello[NDEV][LA_KEY_LEN];
static u8 kg_hello[LA_KEY_LEN];
static bool trace;

/* Where frames come from: ifindex 1 to 4, short and extended. */
static const struct la_addr addrs[NADDR] = {
	{ .ifindex = 1, .mode = LITEAUTH_ADDR_SHORT, .pan_id = 0xabcd,
	  .short_addr = 0x0102 },
	{ .ifindex = 1, .mode = LITEAUTH_ADDR_SHORT, .pan_id = 0xabcd,
	  .short_addr = 0x0103 },
	{ .ifindex = 1, .mode = LITEAUTH_ADDR_EXTENDED, .pan_id = 0xabcd,
	  .ext_addr = 0x00124b0001020304ULL },
	{ .ifindex = 2, .mode = LITEAUTH_ADDR_SHORT, .pan_id = 0xabcd,
	  .short_addr = 0x0102 },
	{ .ifindex = 2, .mode = LITEAUTH_ADDR_EXTENDED, .pan_id = 0x1234,
	  .ext_addr = 0xfedcba9876543210ULL },
	{ .ifindex = 3, .mode = LITEAUTH_ADDR_SHORT, .pan_id = 0xffff,
	  .short_addr = 0xfffe },
	{ .ifindex = 4, .mode = LITEAUTH_ADDR_EXTENDED, .pan_id = 0,
	  .ext_addr = 1 },
	/* Both addresses set: CTX, so the KEY, carries the short one. */
	{ .ifindex = 1, .mode = LITEAUTH_ADDR_SHORT, .pan_id = 0xabcd,
	  .short_addr = 0x0102, .ext_addr = 0x00124b0001020304ULL },
};

/* A GW_KEY the server made: what it grants, and what follows from it. */
struct grant {
	u8 dev;
	u32 ctr;
	u8 rd[LA_NONCE_LEN], rs[LA_NONCE_LEN], rg[LA_NONCE_LEN];
	struct la_addr to;		/* from its CTX */
	struct la_grant g;
	struct la_key key;
	u8 k_conf[LA_KEY_LEN];
	struct la_confirm confirm;	/* the device's CONFIRM for it */
	struct la_ack ack;		/* the gateway's ACK to that */
	struct la_gw_confirm gwc;	/* the gateway's report of it */
	bool accepted;			/* the gateway opened and took it */
	u8 confirm_from;		/* addrs[] its CONFIRM came from */
};

/* A GW_KEY or GW_REJECT the server made, for replays. */
struct answer {
	u8 msg[LITEAUTH_GW_KEY_LEN];
	u8 len;
	int grant;			/* GW_KEY: in F.grant; -1: GW_REJECT */
};

/* A GW_HELLO the daemon took, which the server may answer. */
struct relayed {
	struct la_gw_hello m;
	int dev;			/* whose HELLO verifies; -1: none */
};

/*
 * A device: what it sends, and the model of the gateway's entry for it.
 * The handshake, session and report are indices in F.grant; the fields
 * of the last GW_KEY taken (Rd, Rg, Rs, KEY, its address) stay in the
 * entry after its handshake ends, as in gateway.c.
 */
struct mdev {
	u32 ctr;			/* the device's newest CTR */
	bool has_hello;
	struct la_hello hello;

	bool exists;
	struct la_bucket bucket;
	bool limited;
	u32 max_ctr;			/* of the GW_KEYs it took */
	u64 seen;
	bool pending;
	int p;				/* the last GW_KEY taken */
	u64 started, key_sent;
	bool live;
	int l;				/* the last session's */
	struct la_addr saddr;
	u64 since, expires, ack_sent;
	u64 rx_ok, rx_drop;
	bool report_due;
	int r;				/* the last report's */
	u64 report_until;		/* when the server forgets it */
};

struct rec {				/* a frame or message sent */
	char kind;			/* 'R' radio, 'U' up to the daemon */
	u8 len;
	struct la_addr to;
	u8 msg[LITEAUTH_MSG_MAX_LEN];
};

static struct {
	struct la_gw gw;
	u64 now;
	unsigned int step;
	u8 cookie_key[LA_KEY_LEN];	/* what ops->random gave la_gw_init */

	/* The model of the gateway. */
	bool has_identity;
	struct la_limits lim;
	u32 ndev, gen;
	int queue[NDEV];		/* the reports due, oldest first */
	unsigned int nqueue;
	bool running, armed;
	unsigned long delay;
	u64 armed_at;
	struct {
		int ifindex;
		struct la_bucket bucket, unknown;
	} ifc[LA_IFACES_MAX];
	u64 cnt[__LITEAUTH_CNT_MAX];
	struct mdev dev[NDEV];

	/* What the fuzzer made with the real keys. */
	struct grant grant[STEPS];
	unsigned int ngrant;
	struct answer ans[STEPS];
	unsigned int nans;
	struct relayed relay[NRELAY];
	unsigned int nrelay;

	/* The world the callbacks see. */
	int radio_err, up_err;
	const struct la_addr *cur_from;	/* the frame being received */
	const u8 *cur_msg;
	size_t cur_len;
	int delivering;			/* the GW_KEY being delivered */

	/* This step: what was sent and told, and what the model expects. */
	struct rec out[NOUT], xout[NOUT];
	unsigned int nout, nxout;
	struct la_event ev[NEV], xev[NEV];
	unsigned int nev, nxev;
	u32 changed, expired;		/* devices whose dump entry may change */
	bool verified;			/* the message verified */
	u64 c0[__LITEAUTH_CNT_MAX];	/* the counters before the step */
	u32 ndev0;			/* and the table's size */
	struct la_session_info walk[NDEV + 1];
	unsigned int nwalk;
	u32 walk_gen;
} F;

static struct {
	unsigned long inputs, steps, gw_keys, sessions, replaced, key_resends,
		      ack_resends, reports_kept, reports_resent, reports_lost,
		      rejects, freed, rate_device, table_full, late, stale,
		      pending_expired, sessions_expired, revoked;
} stats;

static void fail(const char *what)
{
	fprintf(stderr, "gateway_fuzz: step %u: %s\n", F.step, what);
	abort();
}

#define expect(cond) do { if (!(cond)) fail(#cond); } while (0)

static bool addr_eq(const struct la_addr *a, const struct la_addr *b)
{
	return a->ifindex == b->ifindex && a->mode == b->mode &&
	       a->pan_id == b->pan_id && a->short_addr == b->short_addr &&
	       a->ext_addr == b->ext_addr;
}

static bool zero(const void *p, size_t n)
{
	const u8 *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

static int dev_index(const u8 *idd)
{
	int i;

	for (i = 0; i < NDEV; i++)
		if (!memcmp(dev_id[i], idd, LA_ID_LEN))
			return i;
	return -1;
}

/*
 * CTX as protocol.rst leaves it to the gateway and gateway.c documents
 * it: where the HELLO came from and when, big-endian. Only the address
 * of the frame's mode is kept.
 */
struct ctx_wire {
	u8 ifindex[4];
	u8 mode;
	u8 zero;
	u8 pan_id[2];
	u8 addr_hi[4], addr_lo[4];
	u8 t[4];
} __packed;

_Static_assert(sizeof(struct ctx_wire) == LA_CTX_LEN, "CTX");

static u64 addr_of(const struct la_addr *a)
{
	return a->mode == LITEAUTH_ADDR_SHORT ? a->short_addr : a->ext_addr;
}

static void ctx_put(u8 *ctx, const struct la_addr *a, u32 t)
{
	struct ctx_wire w = { .mode = a->mode };

	la_put_be32(w.ifindex, (u32)a->ifindex);
	la_put_be16(w.pan_id, a->pan_id);
	la_put_be32(w.addr_hi, (u32)(addr_of(a) >> 32));
	la_put_be32(w.addr_lo, (u32)addr_of(a));
	la_put_be32(w.t, t);
	memcpy(ctx, &w, sizeof(w));
}

/* The address a CTX names, as the one its frame came from is kept. */
static void ctx_get(const u8 *ctx, struct la_addr *a, u32 *t)
{
	const struct ctx_wire *w = (const void *)ctx;
	u64 addr = (u64)la_get_be32(w->addr_hi) << 32 | la_get_be32(w->addr_lo);

	memset(a, 0, sizeof(*a));
	a->ifindex = (int)la_get_be32(w->ifindex);
	a->mode = w->mode;
	a->pan_id = la_get_be16(w->pan_id);
	if (a->mode == LITEAUTH_ADDR_SHORT)
		a->short_addr = (u16)addr;
	else
		a->ext_addr = addr;
	*t = la_get_be32(w->t);
}

/* Rg (protocol.rst, "The gateway"): a MAC of IDd, CTR, Rd and CTX under
 * the key the gateway drew at init.
 */
static void cookie(u8 *rg, const u8 *idd, const u8 *ctr, const u8 *rd,
		   const u8 *ctx)
{
	struct {
		u8 idd[LA_ID_LEN], ctr[LA_CTR_LEN], rd[LA_NONCE_LEN];
		u8 ctx[LA_CTX_LEN];
	} __packed in;
	u8 mac[LA_CMAC_LEN];

	memcpy(in.idd, idd, sizeof(in.idd));
	memcpy(in.ctr, ctr, sizeof(in.ctr));
	memcpy(in.rd, rd, sizeof(in.rd));
	memcpy(in.ctx, ctx, sizeof(in.ctx));
	if (la_crypto_cmac(S, F.cookie_key, (const u8 *)&in, sizeof(in), mac))
		abort();
	memcpy(rg, mac, LA_NONCE_LEN);
}

static u32 now_s(void)
{
	return (u32)((F.now - EPOCH) / NS);
}

static u64 timeout_ns(void)
{
	return (u64)F.lim.pending_timeout_ms * MS;
}

/* --- the gateway's callbacks ------------------------------------------ */

static void record(struct rec *r, char kind, const struct la_addr *to,
		   const void *msg, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->len = len;
	if (to)
		r->to = *to;
	memcpy(r->msg, msg, len);
}

/* A KEY of a GW_KEY that opened, to its CTX's address; an ACK of a
 * session's CONFIRM, to where that CONFIRM came from.
 */
static int fz_radio_tx(struct la_gw *gw, const struct la_addr *to,
		       const void *msg, size_t len)
{
	const u8 *m = msg;
	unsigned int k, a;
	bool ok = false;

	expect(!gw->lock.held);
	expect(F.nout < NOUT);
	expect(len <= LITEAUTH_RADIO_MAX_LEN);
	record(&F.out[F.nout++], 'R', to, msg, len);
	for (k = 0; k < F.ngrant && !ok; k++) {
		const struct grant *g = &F.grant[k];

		if (len == sizeof(g->key) && m[0] == LITEAUTH_MSG_KEY &&
		    !memcmp(msg, &g->key, len))
			ok = (g->accepted || F.delivering == (int)k) &&
			     addr_eq(to, &g->to);
		if (len == sizeof(g->ack) && m[0] == LITEAUTH_MSG_ACK &&
		    !memcmp(msg, &g->ack, len))
			for (a = 0; a < NADDR; a++)
				if ((g->confirm_from & (1 << a)) &&
				    addr_eq(to, &addrs[a]))
					ok = true;
	}
	if (!ok)
		fail("radio_tx: not a KEY or ACK to where a verified message said");
	return F.radio_err;
}

/* A GW_HELLO of the HELLO being received; a GW_CONFIRM of a session. */
static int fz_relay_up(struct la_gw *gw, const void *msg, size_t len)
{
	const struct la_gw_hello *h = msg;
	struct la_addr from, want;
	u8 rg[LA_NONCE_LEN];
	unsigned int k;
	bool ok = false;
	u32 t;

	expect(!gw->lock.held);
	expect(F.nout < NOUT);
	expect(len <= LITEAUTH_MSG_MAX_LEN);
	record(&F.out[F.nout++], 'U', NULL, msg, len);
	if (len == LITEAUTH_GW_HELLO_LEN && h->type == LITEAUTH_MSG_GW_HELLO) {
		expect(F.cur_from && F.cur_len == sizeof(h->hello) &&
		       !memcmp(&h->hello, F.cur_msg, F.cur_len));
		expect(!la_gw_hello_verify(msg, len, kg_hello));
		expect(!memcmp(h->idg, vec_idg, LA_ID_LEN));
		ctx_get(h->ctx, &from, &t);
		want = *F.cur_from;
		if (want.mode == LITEAUTH_ADDR_SHORT)
			want.ext_addr = 0;
		else
			want.short_addr = 0;
		expect(addr_eq(&from, &want) && t == now_s());
		cookie(rg, h->hello.idd, h->hello.ctr, h->hello.rd, h->ctx);
		expect(!memcmp(rg, h->rg, LA_NONCE_LEN));
		ok = true;
	} else if (len == LITEAUTH_GW_CONFIRM_LEN) {
		for (k = 0; k < F.ngrant && !ok; k++)
			ok = !memcmp(msg, &F.grant[k].gwc, len) &&
			     F.grant[k].accepted && F.grant[k].confirm_from;
	}
	if (!ok)
		fail("relay_up: not a GW_HELLO of this frame, nor a session's GW_CONFIRM");
	return F.up_err;
}

static void fz_event(struct la_gw *gw, const struct la_event *ev)
{
	expect(gw->lock.held);
	expect(F.nev < NEV);
	F.ev[F.nev++] = *ev;
}

static u64 fz_now(struct la_gw *gw)
{
	return F.now;
}

/* The cookie key: fixed, the same for every input. */
static void fz_random(struct la_gw *gw, void *buf, size_t len)
{
	u8 *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (u8)(0xa5 ^ (i * 29));
	expect(len == sizeof(F.cookie_key));
	memcpy(F.cookie_key, buf, len);
}

static const struct la_gw_ops ops = {
	.radio_tx = fz_radio_tx,
	.relay_up = fz_relay_up,
	.event = fz_event,
	.now = fz_now,
	.random = fz_random,
};

/* --- the model ---------------------------------------------------------- */

static const enum liteauth_counter err_counter[LA_ERR_MAX] = {
	[LA_ERR_SIZE] = LITEAUTH_CNT_DROP_SIZE,
	[LA_ERR_TYPE] = LITEAUTH_CNT_DROP_TYPE,
	[LA_ERR_VERSION] = LITEAUTH_CNT_DROP_VERSION,
	[LA_ERR_SUITE] = LITEAUTH_CNT_DROP_SUITE,
	[LA_ERR_MALFORMED] = LITEAUTH_CNT_DROP_MALFORMED,
	[LA_ERR_AUTH] = LITEAUTH_CNT_DROP_AUTH,
	[LA_ERR_CRYPTO] = LITEAUTH_CNT_DROP_CRYPTO,
};

/* What la_gw_rx_daemon returns for each drop it counts; -EINVAL else. */
static const int drop_errnos[__LITEAUTH_CNT_MAX] = {
	[LITEAUTH_CNT_DROP_AUTH] = -EBADMSG,
	[LITEAUTH_CNT_DROP_NO_HANDSHAKE] = -ENOENT,
	[LITEAUTH_CNT_DROP_DUPLICATE] = -EALREADY,
	[LITEAUTH_CNT_DROP_NO_IDENTITY] = -ENOKEY,
	[LITEAUTH_CNT_DROP_CRYPTO] = -EIO,
	[LITEAUTH_CNT_DROP_STALE] = -ESTALE,
	[LITEAUTH_CNT_DROP_LATE] = -ETIMEDOUT,
	[LITEAUTH_CNT_DROP_TABLE_FULL] = -ENOSPC,
	[LITEAUTH_CNT_DROP_RATE_DEVICE] = -EBUSY,
};

static int drop_errno(int c)
{
	return drop_errnos[c] ? drop_errnos[c] : -EINVAL;
}

/* The gateway's entry for @d, as kzalloc makes it (the device's own
 * fields, before exists, stay).
 */
static void entry_reset(struct mdev *d)
{
	memset(&d->exists, 0, sizeof(*d) - offsetof(struct mdev, exists));
	d->p = d->l = d->r = -1;
}

static void changed(int i)
{
	if (!++F.gen)
		F.gen = 1;
	if (i >= 0)
		F.changed |= 1u << i;
}

static void want_out(char kind, const struct la_addr *to, const void *msg,
		     size_t len)
{
	expect(F.nxout < NOUT);
	record(&F.xout[F.nxout++], kind, to, msg, len);
}

static void want_ev(u8 type, u8 reason, const u8 *idd, u16 sid, int ifindex)
{
	struct la_event *e = &F.xev[F.nxev++];

	expect(F.nxev <= NEV);
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->reason = reason;
	e->sid = sid;
	e->ifindex = ifindex;
	if (idd)
		memcpy(e->idd, idd, LA_ID_LEN);
}

static void want_radio(const struct la_addr *to, const void *msg, size_t len,
		       enum liteauth_counter c)
{
	want_out('R', to, msg, len);
	F.cnt[F.radio_err ? LITEAUTH_CNT_DROP_TX : c]++;
}

/* Returns what relay_up returns. */
static int want_up(const void *msg, size_t len, enum liteauth_counter c)
{
	want_out('U', NULL, msg, len);
	F.cnt[!F.up_err ? c : F.up_err == -ENOTCONN ?
	      LITEAUTH_CNT_DROP_NO_DAEMON : LITEAUTH_CNT_DROP_TX]++;
	return F.up_err;
}

static void arm(unsigned long ms)
{
	F.armed = true;
	F.delay = ms;
	F.armed_at = F.now;
}

/* The sid an event of device @m names (gateway.c, la_event). */
static u16 ev_sid(const struct mdev *m)
{
	if (m->live)
		return F.grant[m->l].g.sid;
	return m->pending ? F.grant[m->p].g.sid : 0;
}

/* A report due: at the end of the list, arming the collector for soon if
 * it is the only one.
 */
static void queue_add(int i)
{
	expect(!F.dev[i].report_due && F.nqueue < NDEV);
	F.dev[i].report_due = true;
	F.queue[F.nqueue] = i;
	if (!F.nqueue++ && F.running)
		arm(REPORT_RETRY_MS);
}

static void queue_del(int i)
{
	unsigned int k;

	for (k = 0; k < F.nqueue && F.queue[k] != i; k++)
		;
	expect(k < F.nqueue && F.dev[i].report_due);
	memmove(&F.queue[k], &F.queue[k + 1],
		(F.nqueue - k - 1) * sizeof(F.queue[0]));
	F.nqueue--;
	F.dev[i].report_due = false;
}

/* A report due that will never reach the server: counted. */
static void report_lost(int i)
{
	if (!F.dev[i].report_due)
		return;
	queue_del(i);
	F.cnt[LITEAUTH_CNT_UP_GW_CONFIRM_LOST]++;
	stats.reports_lost++;
}

static void session_end(int i, u8 reason)
{
	struct mdev *m = &F.dev[i];

	/* The server learns of no session the gateway no longer holds. */
	report_lost(i);
	want_ev(LITEAUTH_EVENT_SESSION_DOWN, reason, dev_id[i], ev_sid(m),
		m->saddr.ifindex);
	if (reason == LITEAUTH_DOWN_EXPIRED) {
		F.cnt[LITEAUTH_CNT_SESSION_EXPIRED]++;
		stats.sessions_expired++;
	} else if (reason == LITEAUTH_DOWN_REVOKED) {
		F.cnt[LITEAUTH_CNT_SESSION_REVOKED]++;
		stats.revoked++;
	} else if (reason == LITEAUTH_DOWN_REPLACED) {
		F.cnt[LITEAUTH_CNT_SESSION_REPLACED]++;
		stats.replaced++;
	}
	m->live = false;
	changed(i);
}

/* The handshake and session of @i that have outlived their time end,
 * when the gateway next looks at the device; true if it has neither.
 */
static bool expire(int i)
{
	struct mdev *m = &F.dev[i];

	if (m->pending && F.now - m->started >= timeout_ns()) {
		m->pending = false;
		F.cnt[LITEAUTH_CNT_PENDING_EXPIRED]++;
		stats.pending_expired++;
		changed(i);
		m->seen = F.now;
		F.expired |= 1u << i;
	}
	if (m->live && F.now >= m->expires) {
		session_end(i, LITEAUTH_DOWN_EXPIRED);
		m->seen = F.now;
		F.expired |= 1u << i;
	}
	return !m->pending && !m->live;
}

static bool iface_allow(int ifindex, bool known)
{
	const struct la_limits *l = &F.lim;
	int i, free = -1;

	for (i = 0; i < LA_IFACES_MAX; i++) {
		if (F.ifc[i].ifindex == ifindex)
			break;
		if (!F.ifc[i].ifindex && free < 0)
			free = i;
	}
	if (i == LA_IFACES_MAX) {
		expect(free >= 0);
		i = free;
		F.ifc[i].ifindex = ifindex;
		la_bucket_init(&F.ifc[i].bucket, F.now, l->rate_iface,
			       l->burst_iface);
		la_bucket_init(&F.ifc[i].unknown, F.now, l->rate_unknown,
			       l->burst_unknown);
	}
	if (known)
		return la_bucket_take(&F.ifc[i].bucket, F.now, l->rate_iface,
				      l->burst_iface);
	return la_bucket_take(&F.ifc[i].unknown, F.now, l->rate_unknown,
			      l->burst_unknown);
}

static void relayed(const struct la_gw_hello *m)
{
	struct relayed *r = &F.relay[F.nrelay++ % NRELAY];
	int i = dev_index(m->hello.idd);

	r->m = *m;
	r->dev = i >= 0 && !la_hello_verify(&m->hello, sizeof(m->hello),
					    dev_k_hello[i]) ? i : -1;
}

static int model_hello(const struct la_addr *from, const struct la_hello *h)
{
	u32 ctr = la_get_be32(h->ctr);
	int i = dev_index(h->idd);
	struct mdev *m = i >= 0 ? &F.dev[i] : NULL;
	bool known = m && m->exists;
	struct la_gw_hello gwh;
	u8 ctx[LA_CTX_LEN], rg[LA_NONCE_LEN];
	const struct grant *g;

	if (!F.has_identity)
		return LITEAUTH_CNT_DROP_NO_IDENTITY;
	if (known)
		expire(i);
	/* The HELLO of the handshake waiting for CONFIRM: its KEY again,
	 * to where the server's answer said.
	 */
	if (known && m->pending && ctr == m->max_ctr &&
	    !memcmp(F.grant[m->p].rd, h->rd, LA_NONCE_LEN)) {
		if (F.now - m->key_sent < RESEND_NS)
			return LITEAUTH_CNT_DROP_DUPLICATE;
		g = &F.grant[m->p];
		m->key_sent = F.now;
		want_radio(&g->to, &g->key, sizeof(g->key),
			   LITEAUTH_CNT_TX_KEY_RESEND);
		stats.key_resends++;
		return 0;
	}
	if (known && ctr <= m->max_ctr) {
		m->rx_drop++;
		stats.stale++;
		return LITEAUTH_CNT_DROP_STALE;
	}
	if (!iface_allow(from->ifindex, known))
		return known ? LITEAUTH_CNT_DROP_RATE_IFACE :
			       LITEAUTH_CNT_DROP_RATE_UNKNOWN;
	ctx_put(ctx, from, now_s());
	cookie(rg, h->idd, h->ctr, h->rd, ctx);
	if (la_gw_hello_build(&gwh, S, kg_hello, vec_idg, rg, ctx, h))
		fail("GW_HELLO of a HELLO that passed la_check");
	F.cnt[LITEAUTH_CNT_RX_HELLO]++;
	if (!want_up(&gwh, sizeof(gwh), LITEAUTH_CNT_UP_GW_HELLO))
		relayed(&gwh);
	return 0;
}

static int model_confirm(const struct la_addr *from,
			 const struct la_confirm *c)
{
	int i = dev_index(c->idd);
	struct mdev *m = i >= 0 ? &F.dev[i] : NULL;
	struct grant *g;

	if (!m || !m->exists)
		return LITEAUTH_CNT_DROP_NO_HANDSHAKE;
	expire(i);
	/* The CONFIRM of the live session again: its ACK was lost. */
	if (m->live && !memcmp(c, &F.grant[m->l].confirm, sizeof(*c))) {
		if (F.now - m->ack_sent < RESEND_NS)
			return LITEAUTH_CNT_DROP_DUPLICATE;
		m->ack_sent = F.now;
		want_radio(&m->saddr, &F.grant[m->l].ack, sizeof(struct la_ack),
			   LITEAUTH_CNT_TX_ACK_RESEND);
		stats.ack_resends++;
		return 0;
	}
	if (!m->pending) {
		m->rx_drop++;
		return m->live ? LITEAUTH_CNT_DROP_DUPLICATE :
				 LITEAUTH_CNT_DROP_NO_HANDSHAKE;
	}
	/* No budget: a CONFIRM is checked before anything is charged. */
	g = &F.grant[m->p];
	if (memcmp(c, &g->confirm, sizeof(*c))) {
		m->rx_drop++;
		return LITEAUTH_CNT_DROP_AUTH;
	}

	/* T3 verifies: the session is up. */
	F.verified = true;
	if (m->live)
		session_end(i, LITEAUTH_DOWN_REPLACED);
	expect(!m->report_due);
	m->r = m->l = m->p;
	/* The server forgets the handshake at its timeout after its start. */
	m->report_until = m->started + timeout_ns();
	m->live = true;
	m->since = m->seen = m->ack_sent = F.now;
	m->expires = F.now + (u64)g->g.life * 60 * NS;
	m->saddr = *from;
	m->rx_ok++;
	m->pending = false;
	changed(i);
	F.cnt[LITEAUTH_CNT_RX_CONFIRM]++;
	want_ev(LITEAUTH_EVENT_SESSION_UP, 0, dev_id[i], g->g.sid,
		from->ifindex);
	want_radio(from, &g->ack, sizeof(g->ack), LITEAUTH_CNT_TX_ACK);
	stats.sessions++;
	if (want_up(&g->gwc, sizeof(g->gwc), LITEAUTH_CNT_UP_GW_CONFIRM)) {
		/* Kept for la_gw_send_reports, while the server may take it. */
		if (F.now < m->report_until) {
			queue_add(i);
			stats.reports_kept++;
		} else {
			F.cnt[LITEAUTH_CNT_UP_GW_CONFIRM_LOST]++;
		}
	}
	return 0;
}

static int model_rx_radio(const struct la_addr *from, const u8 *msg,
			  size_t len)
{
	enum la_err err;
	int drop;

	F.cnt[LITEAUTH_CNT_RX_FRAMES]++;
	err = la_check(msg, len);
	if (err) {
		F.cnt[err_counter[err]]++;
		return err_counter[err];
	}
	if (msg[0] == LITEAUTH_MSG_HELLO)
		drop = model_hello(from, (const void *)msg);
	else if (msg[0] == LITEAUTH_MSG_CONFIRM)
		drop = model_confirm(from, (const void *)msg);
	else
		drop = LITEAUTH_CNT_DROP_TYPE;
	if (drop)
		F.cnt[drop]++;
	return drop;
}

/* Whether @echo is one of this gateway's, in time; 0 or the drop. */
static int echo_check(const u8 *idd, const struct la_echo *echo,
		      struct la_addr *from)
{
	u8 rg[LA_NONCE_LEN];
	u32 t;

	cookie(rg, idd, echo->ctr, echo->rd, echo->ctx);
	if (memcmp(rg, echo->rg, LA_NONCE_LEN))
		return LITEAUTH_CNT_DROP_AUTH;
	ctx_get(echo->ctx, from, &t);
	if ((u64)(now_s() - t) * 1000 > F.lim.pending_timeout_ms) {
		stats.late++;
		return LITEAUTH_CNT_DROP_LATE;
	}
	return 0;
}

static const struct answer *answer_of(const void *msg, size_t len)
{
	unsigned int k;

	for (k = 0; k < F.nans; k++)
		if (F.ans[k].len == len && !memcmp(F.ans[k].msg, msg, len))
			return &F.ans[k];
	return NULL;
}

static int model_gw_key(const struct la_gw_key *m)
{
	const struct la_limits *l = &F.lim;
	u32 ctr = la_get_be32(m->echo.ctr);
	const struct answer *a;
	struct la_grant opened;
	struct la_addr to;
	struct mdev *d;
	struct grant *g;
	bool created = false;
	u8 k[LA_KEY_LEN];
	enum la_err err;
	int drop, i;

	drop = echo_check(m->key.idd, &m->echo, &to);
	if (drop)
		return drop;
	i = dev_index(m->key.idd);
	d = i >= 0 && F.dev[i].exists ? &F.dev[i] : NULL;
	if (d && d->pending && ctr == d->max_ctr &&
	    !memcmp(F.grant[d->p].rd, m->echo.rd, LA_NONCE_LEN))
		return LITEAUTH_CNT_DROP_DUPLICATE;
	if (d && ctr <= d->max_ctr) {
		stats.stale++;
		return LITEAUTH_CNT_DROP_STALE;
	}
	err = la_derive(S, LA_KG_KEY, vec_kg, vec_idg, m->echo.rg, m->rs, k);
	if (!err)
		err = la_gw_key_open(m, sizeof(*m), k, &opened);
	if (err)
		return err_counter[err];

	/* It opened: the server made it, or Kg is not what seals GW_KEY. */
	a = answer_of(m, sizeof(*m));
	if (!a || a->grant < 0)
		fail("a GW_KEY the server did not make opened");
	g = &F.grant[a->grant];
	expect(i == g->dev && addr_eq(&to, &g->to));
	expect(!memcmp(&opened, &g->g, sizeof(opened)));
	F.verified = true;
	d = &F.dev[i];
	if (!d->exists) {
		if (F.ndev >= l->devices_max || la_kshim_alloc_fail) {
			stats.table_full++;
			return LITEAUTH_CNT_DROP_TABLE_FULL;
		}
		entry_reset(d);
		d->exists = true;
		la_bucket_init(&d->bucket, F.now, l->rate_device,
			       l->burst_device);
		F.ndev++;
		created = true;
	}
	if (!la_bucket_take(&d->bucket, F.now, l->rate_device,
			    l->burst_device)) {
		/* A device new to the table is never over its budget. */
		expect(!created);
		d->rx_drop++;
		if (!d->limited)
			want_ev(LITEAUTH_EVENT_RATE_LIMITED, 0, dev_id[i],
				ev_sid(d), to.ifindex);
		d->limited = true;
		stats.rate_device++;
		return LITEAUTH_CNT_DROP_RATE_DEVICE;
	}
	/* A fresher handshake replaces the one waiting for CONFIRM. */
	d->limited = false;
	d->max_ctr = ctr;
	d->pending = true;
	d->p = a->grant;
	d->started = d->seen = d->key_sent = F.now;
	changed(i);
	F.cnt[LITEAUTH_CNT_DOWN_GW_KEY]++;
	g->accepted = true;
	want_radio(&g->to, &g->key, sizeof(g->key), LITEAUTH_CNT_TX_KEY);
	stats.gw_keys++;
	return 0;
}

static int model_gw_reject(const struct la_gw_reject *m)
{
	struct la_addr from;
	u8 k[LA_KEY_LEN];
	enum la_err err;
	int drop;

	drop = echo_check(m->idd, &m->echo, &from);
	if (drop)
		return drop;
	err = la_derive(S, LA_KG_REJECT, vec_kg, vec_idg, m->echo.rg, NULL, k);
	if (!err)
		err = la_gw_reject_verify(m, sizeof(*m), k);
	if (err)
		return err_counter[err];
	if (!answer_of(m, sizeof(*m)))
		fail("a GW_REJECT the server did not make verified");
	F.cnt[LITEAUTH_CNT_DOWN_GW_REJECT]++;
	want_ev(LITEAUTH_EVENT_REJECT, m->reason, m->idd, 0, from.ifindex);
	stats.rejects++;
	return 0;
}

static int model_rx_daemon(const u8 *msg, size_t len)
{
	enum la_err err;
	int drop;

	err = la_check(msg, len);
	if (err) {
		F.cnt[err_counter[err]]++;
		return drop_errno(err_counter[err]);
	}
	if (msg[0] != LITEAUTH_MSG_GW_KEY && msg[0] != LITEAUTH_MSG_GW_REJECT) {
		F.cnt[LITEAUTH_CNT_DROP_TYPE]++;
		return -EINVAL;
	}
	if (!F.has_identity)
		drop = LITEAUTH_CNT_DROP_NO_IDENTITY;
	else if (memcmp(msg + 2, vec_idg, LA_ID_LEN))
		drop = LITEAUTH_CNT_DROP_NOT_OURS;
	else if (msg[0] == LITEAUTH_MSG_GW_KEY)
		drop = model_gw_key((const void *)msg);
	else
		drop = model_gw_reject((const void *)msg);
	if (!drop)
		return 0;
	F.cnt[drop]++;
	return drop_errno(drop);
}

static void model_gc(void)
{
	const struct la_limits *l = &F.lim;
	int i;

	for (i = 0; i < NDEV; i++) {
		struct mdev *d = &F.dev[i];

		if (!d->exists || !expire(i) ||
		    F.now - d->seen < KNOWN_KEEP_NS ||
		    !la_bucket_full(&d->bucket, F.now, l->rate_device,
				    l->burst_device))
			continue;
		report_lost(i);
		entry_reset(d);
		F.ndev--;
		stats.freed++;
	}
}

/*
 * The reports due offered again, oldest first (la_gw_send_reports): those
 * the server has forgotten are lost; without a batch (no memory) the rest
 * wait; when the daemon refuses one, it and those after it wait again, in
 * the same order.
 */
static unsigned int model_send_reports(void)
{
	int order[NDEV], batch[NDEV];
	unsigned int k, n = 0, nq = F.nqueue;

	if (!F.nqueue)
		return 0;
	memcpy(order, F.queue, sizeof(order));
	for (k = 0; k < nq; k++) {
		const struct mdev *d = &F.dev[order[k]];

		if (F.now >= d->report_until)
			report_lost(order[k]);
		else if (!la_kshim_alloc_fail)
			batch[n++] = order[k];
	}
	for (k = 0; k < n; k++)
		queue_del(batch[k]);
	for (k = 0; k < n; k++) {
		want_out('U', NULL, &F.grant[F.dev[batch[k]].r].gwc,
			 sizeof(struct la_gw_confirm));
		if (F.up_err)
			break;
		F.cnt[LITEAUTH_CNT_UP_GW_CONFIRM_RESEND]++;
		stats.reports_resent++;
	}
	for (; k < n; k++) {
		const struct mdev *d = &F.dev[batch[k]];

		if (d->exists && d->live && !d->report_due) {
			queue_add(batch[k]);
		} else {
			F.cnt[LITEAUTH_CNT_UP_GW_CONFIRM_LOST]++;
			stats.reports_lost++;
		}
	}
	return F.nqueue;
}

static int model_revoke(int which)
{
	int i, n = 0;

	for (i = 0; i < NDEV; i++) {
		struct mdev *d = &F.dev[i];

		if (!d->exists || (which >= 0 && which != i))
			continue;
		if (d->live || d->pending)
			n++;
		if (d->live)
			session_end(i, LITEAUTH_DOWN_REVOKED);
		if (d->pending) {
			d->pending = false;
			changed(i);
		}
	}
	return n;
}

static void model_iface_gone(int ifindex)
{
	int i;

	for (i = 0; i < NDEV; i++) {
		struct mdev *d = &F.dev[i];

		if (!d->exists)
			continue;
		if (d->live && d->saddr.ifindex == ifindex)
			session_end(i, LITEAUTH_DOWN_UNBOUND);
		if (d->pending && F.grant[d->p].to.ifindex == ifindex) {
			d->pending = false;
			changed(i);
		}
	}
	for (i = 0; i < LA_IFACES_MAX; i++)
		if (F.ifc[i].ifindex == ifindex)
			F.ifc[i].ifindex = 0;
	changed(-1);
}

/* --- the checks ---------------------------------------------------------- */

static int rec_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct rec));
}

static int ev_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct la_event));
}

/* What was sent and told is what the model says, in any order. */
static void check_sent(void)
{
	expect(F.nout == F.nxout);
	qsort(F.out, F.nout, sizeof(F.out[0]), rec_cmp);
	qsort(F.xout, F.nxout, sizeof(F.xout[0]), rec_cmp);
	if (memcmp(F.out, F.xout, F.nout * sizeof(F.out[0])))
		fail("frames or messages sent are not the model's");
	expect(F.nev == F.nxev);
	qsort(F.ev, F.nev, sizeof(F.ev[0]), ev_cmp);
	qsort(F.xev, F.nxev, sizeof(F.xev[0]), ev_cmp);
	if (memcmp(F.ev, F.xev, F.nev * sizeof(F.ev[0])))
		fail("events are not the model's");
}

/* A grant the fuzzer made whose session @e can be; NULL if none. */
static const struct grant *session_grant(const struct la_fz_entry *e)
{
	unsigned int k;

	for (k = 0; k < F.ngrant; k++) {
		const struct grant *g = &F.grant[k];

		if (!memcmp(&g->confirm, &e->confirm, sizeof(e->confirm)) &&
		    g->accepted && g->confirm_from &&
		    !memcmp(g->g.sk, e->sk, LA_KEY_LEN) && g->g.sid == e->sid)
			return g;
	}
	return NULL;
}

static const struct grant *handshake_grant(const struct la_fz_entry *e)
{
	unsigned int k;

	for (k = 0; k < F.ngrant; k++) {
		const struct grant *g = &F.grant[k];

		if (!memcmp(&g->key, &e->key, sizeof(e->key)) && g->accepted &&
		    !memcmp(&g->g, &e->grant, sizeof(e->grant)) &&
		    !memcmp(g->k_conf, e->k_conf, LA_KEY_LEN))
			return g;
	}
	return NULL;
}

static void check_entry(const struct la_fz_entry *e)
{
	int i = dev_index(e->idd);
	const struct mdev *d;
	const struct grant *g;

	/* Only what the server vouched for has an entry. */
	expect(i >= 0);
	d = &F.dev[i];
	expect(d->exists);

	/* Key material lives as long as what it belongs to. */
	if (e->state)
		expect(e->state == LITEAUTH_STATE_WAIT_CONFIRM &&
		       handshake_grant(e));
	else
		expect(zero(&e->grant, sizeof(e->grant)) &&
		       zero(e->k_conf, sizeof(e->k_conf)));
	if (e->established)
		expect(session_grant(e));
	else
		expect(zero(e->sk, sizeof(e->sk)));

	/* And all of it is the model's. */
	expect(!memcmp(&e->bucket, &d->bucket, sizeof(e->bucket)));
	expect(e->limited == d->limited && e->ctr == d->max_ctr &&
	       e->seen == d->seen);
	expect(!!e->state == d->pending && e->established == d->live);
	if (d->p >= 0) {
		g = &F.grant[d->p];
		expect(e->suite == S && e->started == d->started &&
		       e->key_sent == d->key_sent);
		expect(!memcmp(e->rd, g->rd, LA_NONCE_LEN) &&
		       !memcmp(e->rg, g->rg, LA_NONCE_LEN) &&
		       !memcmp(e->rs, g->rs, LA_NONCE_LEN));
		expect(addr_eq(&e->addr, &g->to) &&
		       !memcmp(&e->key, &g->key, sizeof(e->key)));
		if (d->pending)
			expect(!memcmp(&e->grant, &g->g, sizeof(g->g)) &&
			       !memcmp(e->k_conf, g->k_conf, LA_KEY_LEN));
	} else {
		expect(!e->suite && !e->started && !e->key_sent &&
		       zero(e->rd, LA_NONCE_LEN) && zero(&e->key, sizeof(e->key)));
	}
	if (d->l >= 0) {
		g = &F.grant[d->l];
		expect(e->sid == g->g.sid && e->since == d->since &&
		       e->expires == d->expires && e->ack_sent == d->ack_sent);
		expect(addr_eq(&e->session_addr, &d->saddr));
		expect(!memcmp(&e->confirm, &g->confirm, sizeof(g->confirm)) &&
		       !memcmp(&e->ack, &g->ack, sizeof(g->ack)));
		if (d->live)
			expect(!memcmp(e->sk, g->g.sk, LA_KEY_LEN));
	} else {
		expect(!e->sid && !e->since && zero(&e->confirm, sizeof(e->confirm)));
	}
	expect(e->rx_ok == d->rx_ok && e->rx_drop == d->rx_drop);
	/* A report is due only for a session the gateway holds. */
	expect(!e->report_due || e->established);
	expect(e->report_due == d->report_due);
	if (d->report_due) {
		expect(e->report_pos >= 0 && e->report_pos < (int)F.nqueue &&
		       F.queue[e->report_pos] == i);
	} else {
		expect(e->report_pos < 0);
	}
	if (d->r >= 0)
		expect(!memcmp(&e->report, &F.grant[d->r].gwc, sizeof(e->report)) &&
		       e->report_until == d->report_until);
	else
		expect(zero(&e->report, sizeof(e->report)) && !e->report_until);
}

static void model_info(int i, struct la_session_info *si)
{
	const struct mdev *d = &F.dev[i];

	memset(si, 0, sizeof(*si));
	memcpy(si->idd, dev_id[i], LA_ID_LEN);
	if (d->live) {
		si->state = LITEAUTH_STATE_ESTABLISHED;
		si->sid = F.grant[d->l].g.sid;
		si->addr = d->saddr;
		si->age_ms = (F.now - d->since) / MS;
		si->expires_ms = d->expires > F.now ?
				 (d->expires - F.now) / MS : 0;
	} else {
		u64 end = d->started + timeout_ns();

		si->state = LITEAUTH_STATE_WAIT_CONFIRM;
		si->sid = F.grant[d->p].g.sid;
		si->addr = F.grant[d->p].to;
		si->age_ms = (F.now - d->started) / MS;
		si->expires_ms = end > F.now ? (end - F.now) / MS : 0;
	}
	si->rx_ok = d->rx_ok;
	si->rx_drop = d->rx_drop;
}

static bool info_eq(const struct la_session_info *a,
		    const struct la_session_info *b, bool drops)
{
	return !memcmp(a->idd, b->idd, LA_ID_LEN) && a->state == b->state &&
	       a->sid == b->sid && addr_eq(&a->addr, &b->addr) &&
	       a->age_ms == b->age_ms && a->expires_ms == b->expires_ms &&
	       a->rx_ok == b->rx_ok && (!drops || a->rx_drop == b->rx_drop);
}

struct walk {
	struct la_session_info si[NDEV + 1];
	unsigned int n, max, room;
};

static int walk_fill(void *arg, const struct la_session_info *si)
{
	struct walk *w = arg;

	if (!w->room)
		return 1;
	expect(w->n < w->max);
	w->si[w->n++] = *si;
	w->room--;
	return 0;
}

/* The dump, whole, as la_gw_walk gives it. */
static unsigned int walk_all(struct la_session_info *si)
{
	struct walk w = { .max = NDEV, .room = NDEV + 1 };
	u64 cursor = 0;

	expect(!la_gw_walk(&F.gw, &cursor, walk_fill, &w));
	memcpy(si, w.si, w.n * sizeof(w.si[0]));
	return w.n;
}

static void check_walk(bool message)
{
	struct la_session_info now[NDEV + 1], want;
	unsigned int n = walk_all(now), k, j;
	int i, shown = 0;

	/* The dump is the model's, entry for entry. */
	for (i = 0; i < NDEV; i++) {
		const struct mdev *d = &F.dev[i];

		if (!d->exists || (!d->pending && !d->live))
			continue;
		shown++;
		model_info(i, &want);
		for (k = 0; k < n; k++)
			if (!memcmp(now[k].idd, dev_id[i], LA_ID_LEN))
				break;
		expect(k < n && info_eq(&now[k], &want, true));
	}
	expect((int)n == shown);

	/* While the generation stays, so do the dump's entries, in order. */
	if (F.gw.generation == F.walk_gen) {
		expect(n == F.nwalk);
		for (k = 0; k < n; k++)
			expect(!memcmp(now[k].idd, F.walk[k].idd, LA_ID_LEN) &&
			       now[k].state == F.walk[k].state &&
			       now[k].sid == F.walk[k].sid &&
			       addr_eq(&now[k].addr, &F.walk[k].addr));
	}

	/*
	 * A message that did not verify changed no session and no handshake:
	 * the dump is the same, but for what expired and the drop counts.
	 */
	if (message && !F.verified) {
		expect(!(F.changed & ~F.expired));
		for (k = 0; k < F.nwalk; k++) {
			i = dev_index(F.walk[k].idd);
			expect(i >= 0);
			if (F.expired & 1u << i)
				continue;
			for (j = 0; j < n; j++)
				if (!memcmp(now[j].idd, F.walk[k].idd,
					    LA_ID_LEN))
					break;
			expect(j < n && info_eq(&now[j], &F.walk[k], false) &&
			       now[j].rx_drop >= F.walk[k].rx_drop);
		}
		expect(n <= F.nwalk);
	}
	memcpy(F.walk, now, n * sizeof(now[0]));
	F.nwalk = n;
	F.walk_gen = F.gw.generation;
}

/* After every step. */
static void check(bool message)
{
	struct la_fz_entry e[NDEV + 1];
	unsigned int n, k, due = 0;
	struct la_gw_info info;
	int i;

	check_sent();
	for (i = 0; i < __LITEAUTH_CNT_MAX; i++) {
		u64 c = la_gw_counter(&F.gw, i);

		/* Counters only grow, and as the model says. */
		expect(c >= F.c0[i]);
		if (c != F.cnt[i]) {
			fprintf(stderr, "gateway_fuzz: counter %d: %llu, model %llu\n",
				i, (unsigned long long)c,
				(unsigned long long)F.cnt[i]);
			fail("a counter is not the model's");
		}
	}

	n = la_fz_peek(&F.gw, e, NDEV + 1);
	expect(n <= NDEV);
	expect(n == F.gw.ndevices && n == F.ndev);
	/* The table grows only below devices_max (a lower one evicts no
	 * entry), by one GW_KEY at a time.
	 */
	if (n > F.ndev0)
		expect(n == F.ndev0 + 1 && n <= F.lim.devices_max);
	for (k = 0; k < n; k++) {
		check_entry(&e[k]);
		due += e[k].report_due;
	}
	expect(due == F.gw.reports_due && due == F.nqueue);

	expect(F.gw.generation && F.gw.generation == F.gen);
	expect(F.gw.running == F.running && F.gw.gc.pending == F.armed);
	expect(F.armed == F.running);
	if (F.armed)
		expect(F.gw.gc.delay == F.delay);
	expect(!F.gw.lock.held);
	for (i = 0; i < LA_IFACES_MAX; i++) {
		expect(F.gw.ifaces[i].ifindex == F.ifc[i].ifindex);
		if (F.ifc[i].ifindex)
			expect(!memcmp(&F.gw.ifaces[i].bucket, &F.ifc[i].bucket,
				       sizeof(F.ifc[i].bucket)) &&
			       !memcmp(&F.gw.ifaces[i].unknown,
				       &F.ifc[i].unknown,
				       sizeof(F.ifc[i].unknown)));
	}
	la_gw_info(&F.gw, &info);
	expect(info.generation == F.gen && info.has_identity == F.has_identity);
	expect(!memcmp(&info.limits, &F.lim, sizeof(info.limits)));
	if (F.has_identity)
		expect(!memcmp(info.idg, vec_idg, LA_ID_LEN));
	check_walk(message);
}

/* --- the fuzzer's input and the parties it plays ------------------------ */

/* Eight bytes from one: the fuzzer can repeat a nonce, or not. */
static void nonce(u8 *out, u8 b)
{
	unsigned int k;

	for (k = 0; k < LA_NONCE_LEN; k++)
		out[k] = (u8)(b ^ (k * 0x3b));
}

static void begin(void)
{
	F.nout = F.nxout = F.nev = F.nxev = 0;
	F.changed = F.expired = 0;
	F.verified = false;
	F.cur_from = NULL;
	F.cur_msg = NULL;
	F.cur_len = 0;
	F.delivering = -1;
	memcpy(F.c0, F.cnt, sizeof(F.c0));
	F.ndev0 = F.gw.ndevices;
}

/* A frame from the radio; both the gateway and the model take it. */
static void send_radio(const struct la_addr *from, const void *msg,
		       size_t len)
{
	const struct la_confirm *c = msg;
	unsigned int k, a;
	int got, want;

	/* Whoever sends a genuine CONFIRM, it came from there. */
	if (len == sizeof(*c) && c->type == LITEAUTH_MSG_CONFIRM)
		for (k = 0; k < F.ngrant; k++)
			if (!memcmp(&F.grant[k].confirm, c, sizeof(*c)))
				for (a = 0; a < NADDR; a++)
					if (addr_eq(from, &addrs[a]))
						F.grant[k].confirm_from |= 1u << a;
	F.cur_from = from;
	F.cur_msg = msg;
	F.cur_len = len;
	got = la_gw_rx_radio(&F.gw, from, msg, len);
	want = model_rx_radio(from, msg, len);
	if (got != want) {
		fprintf(stderr, "gateway_fuzz: la_gw_rx_radio %d, model %d\n",
			got, want);
		fail("la_gw_rx_radio's return");
	}
}

/* A message from the daemon. */
static void send_daemon(const void *msg, size_t len)
{
	struct netlink_ext_ack extack = { NULL };
	const struct answer *a = answer_of(msg, len);
	int got, want;

	F.delivering = a ? a->grant : -1;
	got = la_gw_rx_daemon(&F.gw, msg, len, &extack);
	want = model_rx_daemon(msg, len);
	if (got != want) {
		fprintf(stderr, "gateway_fuzz: la_gw_rx_daemon %d, model %d\n",
			got, want);
		fail("la_gw_rx_daemon's return");
	}
	/* A refusal says why. */
	expect(!got == !extack._msg);
}

static void build_hello(struct la_hello *h, int i, u32 ctr, u8 r)
{
	u8 rd[LA_NONCE_LEN];

	nonce(rd, r);
	if (la_hello_build(h, S, dev_k_hello[i], dev_id[i], ctr ? ctr : 1, rd))
		abort();
}

/*
 * A device's HELLO: its newest again, a new one, a genuine one with an
 * older CTR, one with a bit flipped; or a HELLO of an ID the server does
 * not know.
 */
static void op_hello(struct in *in)
{
	u8 who = take(in) % (NDEV + 1), b = take(in);
	const struct la_addr *from = &addrs[take(in) % NADDR];
	struct la_hello h;
	unsigned int bit;
	struct mdev *m;

	if (who == NDEV) {
		h.type = LITEAUTH_MSG_HELLO;
		h.vs = LITEAUTH_VS(S);
		memcpy(h.idd, vec_idd, LA_ID_LEN);
		h.idd[0] = 0xee;
		h.idd[7] = take(in);
		la_put_be32(h.ctr, 1 + (b >> 2));
		nonce(h.rd, take(in));
		memset(h.tag, take(in), sizeof(h.tag));
		send_radio(from, &h, sizeof(h));
		return;
	}
	m = &F.dev[who];
	switch (b & 3) {
	case 0:
		if (m->has_hello) {
			h = m->hello;
			break;
		}
		/* fall through */
	case 1:
		m->ctr += 1 + ((b >> 2) & 3);
		build_hello(&m->hello, who, m->ctr, take(in));
		m->has_hello = true;
		h = m->hello;
		break;
	case 2:
		build_hello(&h, who, m->ctr - ((b >> 2) & 3), take(in));
		break;
	default:
		if (!m->has_hello)
			build_hello(&m->hello, who, ++m->ctr, take(in));
		m->has_hello = true;
		h = m->hello;
		/* Past the header: la_check would refuse the rest. */
		bit = 16 + take16(in) % ((sizeof(h) - 2) * 8);
		((u8 *)&h)[bit / 8] ^= 1 << (bit % 8);
		break;
	}
	send_radio(from, &h, sizeof(h));
}

/* The server's GW_KEY for @r, with what @in says it grants. */
static int make_gw_key(const struct relayed *r, struct in *in,
		       struct la_gw_key *m)
{
	static const u16 lives[] = { 1, 2, 5, 60, 1440, 65535, 1, 3 };
	struct grant *g = &F.grant[F.ngrant];
	const struct la_hello *h = &r->m.hello;
	struct la_echo echo;
	u8 k[LA_KEY_LEN], b = take(in);
	u32 t;

	memset(g, 0, sizeof(*g));
	g->dev = r->dev;
	g->ctr = la_get_be32(h->ctr);
	memcpy(g->rd, h->rd, LA_NONCE_LEN);
	memcpy(g->rg, r->m.rg, LA_NONCE_LEN);
	nonce(g->rs, take(in));
	nonce(g->g.sk, take(in));
	nonce(g->g.sk + LA_NONCE_LEN, b);
	g->g.sid = take16(in);
	g->g.life = lives[b % ARRAY_SIZE(lives)];
	ctx_get(r->m.ctx, &g->to, &t);
	la_echo_of(&echo, &r->m);
	if (la_derive(S, LA_K_KEY, dev_key[r->dev], h->idd, g->rd, g->rs, k) ||
	    la_key_build(&g->key, S, k, h->idd, g->rd, g->rs, &g->g) ||
	    la_derive(S, LA_KG_KEY, vec_kg, vec_idg, g->rg, g->rs, k) ||
	    la_gw_key_build(m, S, k, vec_idg, &echo, &g->key, &g->g) ||
	    la_derive(S, LA_K_CONF, g->g.sk, h->idd, g->rd, g->rs,
		      g->k_conf) ||
	    la_confirm_build(&g->confirm, S, g->k_conf, h->idd, g->rd,
			     g->rs) ||
	    la_derive(S, LA_K_ACK, g->g.sk, h->idd, g->rd, g->rs, k) ||
	    la_ack_build(&g->ack, S, k, h->idd, g->rd, g->rs) ||
	    la_derive(S, LA_KG_CONF, vec_kg, vec_idg, g->rg, g->rs, k) ||
	    la_gw_confirm_build(&g->gwc, S, k, vec_idg, g->rg, g->rs,
				g->g.sid, &g->confirm))
		abort();
	return F.ngrant++;
}

static void make_gw_reject(const struct relayed *r, u8 reason,
			   const u8 *kg, const u8 *idg,
			   const struct la_echo *echo, struct la_gw_reject *m)
{
	u8 k[LA_KEY_LEN];

	if (la_derive(S, LA_KG_REJECT, kg, idg, echo->rg, NULL, k) ||
	    la_gw_reject_build(m, S, k, idg, echo, r->m.hello.idd, reason))
		abort();
}

static void keep_answer(const void *msg, size_t len, int grant)
{
	struct answer *a = &F.ans[F.nans++];

	memcpy(a->msg, msg, len);
	a->len = len;
	a->grant = grant;
}

/*
 * The server answers one of the GW_HELLOs the daemon took (the newest,
 * or an older one): GW_KEY if its HELLO verifies, GW_REJECT if not or if
 * it so chooses; or what no server made: the answer with a bit flipped,
 * an answer sealed with Kg for an ECHO the gateway never made, one sealed
 * with another key, one for another gateway.
 */
static void op_answer(struct in *in)
{
	u8 k = take(in), b = take(in), how = take(in);
	union {
		struct la_gw_key key;
		struct la_gw_reject rej;
		u8 raw[LITEAUTH_GW_KEY_LEN];
	} m;
	const struct relayed *r;
	struct la_echo echo;
	unsigned int n = F.nrelay < NRELAY ? F.nrelay : NRELAY, bit;
	u8 idg[LA_ID_LEN], reason = 1 + (b >> 2) % 6;
	size_t len;

	if (!n)
		return;
	r = &F.relay[(F.nrelay - 1 - k % n) % NRELAY];
	la_echo_of(&echo, &r->m);
	memcpy(idg, vec_idg, LA_ID_LEN);
	switch (b & 3) {
	case 0:
	case 1:
		if (r->dev >= 0) {
			int g = make_gw_key(r, in, &m.key);

			keep_answer(&m.key, sizeof(m.key), g);
			send_daemon(&m.key, sizeof(m.key));
			return;
		}
		/* fall through */
	case 2:
		make_gw_reject(r, reason, vec_kg, vec_idg, &echo, &m.rej);
		keep_answer(&m.rej, sizeof(m.rej), -1);
		send_daemon(&m.rej, sizeof(m.rej));
		return;
	}
	/* Forgeries: never kept as the server's. */
	switch (how & 3) {
	case 0:		/* a bit flipped on the way */
		if (r->dev >= 0 && how & 4) {
			make_gw_key(r, in, &m.key);
			F.ngrant--;
			len = sizeof(m.key);
		} else {
			make_gw_reject(r, reason, vec_kg, vec_idg, &echo,
				       &m.rej);
			len = sizeof(m.rej);
		}
		bit = take16(in) % (len * 8);
		m.raw[bit / 8] ^= 1 << (bit % 8);
		break;
	case 1:		/* sealed with Kg, for an ECHO not the gateway's */
		bit = take16(in) % (sizeof(echo) * 8);
		((u8 *)&echo)[bit / 8] ^= 1 << (bit % 8);
		if (!la_get_be32(echo.ctr)) {	/* no server seals CTR 0 */
			((u8 *)&echo)[bit / 8] ^= 1 << (bit % 8);
			echo.rg[0] ^= 1;
		}
		make_gw_reject(r, reason, vec_kg, vec_idg, &echo, &m.rej);
		len = sizeof(m.rej);
		break;
	case 2:		/* sealed with another gateway's key */
		make_gw_reject(r, reason, other_kg, vec_idg, &echo, &m.rej);
		len = sizeof(m.rej);
		break;
	default:	/* for another gateway */
		idg[7] ^= 1 + (how >> 4);
		make_gw_reject(r, reason, vec_kg, idg, &echo, &m.rej);
		len = sizeof(m.rej);
		break;
	}
	send_daemon(m.raw, len);
}

/* A GW_KEY or GW_REJECT of the server's again, late or not. */
static void op_replay(struct in *in)
{
	u8 k = take(in);

	if (F.nans)
		send_daemon(F.ans[F.nans - 1 - k % F.nans].msg,
			    F.ans[F.nans - 1 - k % F.nans].len);
}

/* The newest grant the server made for device @i but @back. */
static const struct grant *grant_of(int i, unsigned int back)
{
	int k;

	for (k = F.ngrant - 1; k >= 0; k--)
		if (F.grant[k].dev == i && !back--)
			return &F.grant[k];
	return NULL;
}

/*
 * A device's CONFIRM: for its newest grant, for an older one, with a bit
 * flipped, or with a tag it made up.
 */
static void op_confirm(struct in *in)
{
	u8 i = take(in) % NDEV, b = take(in);
	const struct la_addr *from = &addrs[take(in) % NADDR];
	const struct grant *g = grant_of(i, (b & 1) ? 1 + ((b >> 4) & 3) : 0);
	struct la_confirm c;
	unsigned int bit;

	if (!(b & 6)) {
		if (!g)
			return;
		c = g->confirm;
	} else if ((b & 6) == 2) {
		if (!g)
			return;
		c = g->confirm;
		bit = 16 + take16(in) % ((sizeof(c) - 2) * 8);
		((u8 *)&c)[bit / 8] ^= 1 << (bit % 8);
	} else {
		c.type = LITEAUTH_MSG_CONFIRM;
		c.vs = LITEAUTH_VS(S);
		memcpy(c.idd, dev_id[i], LA_ID_LEN);
		memset(c.tag, take(in), sizeof(c.tag));
		c.tag[0] = take(in);
	}
	send_radio(from, &c, sizeof(c));
}

static void op_clock(struct in *in)
{
	u8 b = take(in);
	u64 d;

	if (b < 100)
		d = b * 10 * MS;
	else if (b < 160)
		d = (b - 99) * NS;
	else if (b < 220)
		d = (b - 159) * 60 * NS;
	else if (b < 250)
		d = (b - 219) * 3600 * NS;
	else
		d = (b - 249) * 30ULL * 86400 * NS;
	if (F.now + d <= CLOCK_MAX)
		F.now += d;
}

static void op_gc(struct in *in)
{
	la_gw_gc(&F.gw);
	model_gc();
}

static void op_reports(struct in *in)
{
	unsigned int got = la_gw_send_reports(&F.gw);

	expect(got == model_send_reports());
}

static void op_revoke(struct in *in)
{
	u8 b = take(in) % (NDEV + 2);
	u8 other[LA_ID_LEN];
	int got;

	memcpy(other, vec_idd, LA_ID_LEN);
	other[0] = 0xee;
	if (b < NDEV)
		got = la_gw_revoke(&F.gw, dev_id[b]);
	else
		got = la_gw_revoke(&F.gw, b == NDEV ? NULL : other);
	expect(got == model_revoke(b < NDEV ? b : b == NDEV ? -1 : NDEV));
}

/*
 * Limits, odd ones included. Bursts beyond LA_BURST_MAX count as it
 * (ratelimit.c): before they did, rate 1 with burst 307445735 wrapped a
 * bucket's size (a minute / rate * burst, in ns) and made it refuse every
 * event, which "a device new to the table is never over its budget"
 * (model_gw_key) reported.
 */
static void op_limits(struct in *in)
{
	static const u32 devs[] = { 0, 1, 2, 3, 4096, 1 << 20, 0xffffffff };
	static const u32 rates[] = { 0, 1, 2, 30, 60, 12000, 24000,
				     0xffffffff };
	static const u32 bursts[] = { 0, 1, 2, 5, 200, 400, 100000, 1000000,
				      1 << 24, (1 << 24) + 1, 307445735,
				      0xffffffff };
	static const u32 timeouts[] = { 0, 1, 999, 1000, 1500, 30000, 300000,
					0xffffffff };
	struct la_limits l;

	l.devices_max = devs[take(in) % ARRAY_SIZE(devs)];
	l.rate_device = rates[take(in) % ARRAY_SIZE(rates)];
	l.burst_device = bursts[take(in) % ARRAY_SIZE(bursts)];
	l.rate_iface = rates[take(in) % ARRAY_SIZE(rates)];
	l.burst_iface = bursts[take(in) % ARRAY_SIZE(bursts)];
	l.pending_timeout_ms = timeouts[take(in) % ARRAY_SIZE(timeouts)];
	l.rate_unknown = rates[take(in) % ARRAY_SIZE(rates)];
	l.burst_unknown = bursts[take(in) % ARRAY_SIZE(bursts)];
	la_gw_set_limits(&F.gw, &l);
	F.lim = l;
	changed(-1);
}

/* Sending fails or not; allocating fails or not. */
static void op_toggle(struct in *in)
{
	static const int up[] = { 0, -ENOTCONN, -ENOBUFS, -EAGAIN };
	u8 b = take(in);

	F.radio_err = b & 1 ? -ENOBUFS : 0;
	F.up_err = up[(b >> 1) & 3];
	la_kshim_alloc_fail = (b >> 3) & 1;
}

/* Up to @size bytes of the input, as many as it says; returns how many. */
static size_t take_raw(struct in *in, u8 *msg, size_t size)
{
	size_t len = take(in) % size, k;

	for (k = 0; k < len; k++)
		msg[k] = take(in);
	return len;
}

/* Raw bytes from the radio, often with a header that passes. */
static void op_raw_radio(struct in *in)
{
	u8 msg[LITEAUTH_MSG_MAX_LEN + 8] = { 0 };
	u8 b = take(in);
	size_t len = take_raw(in, msg, sizeof(msg));

	if (b & 1 && len) {
		msg[0] = LITEAUTH_MSG_FIRST + msg[0] % 8;
		msg[1] = LITEAUTH_VS(S);
		len = la_msg_len(msg[0]);
	}
	send_radio(&addrs[(b >> 1) % NADDR], msg, len);
}

/* Raw bytes from the daemon, often with a header and IDg that pass. */
static void op_raw_daemon(struct in *in)
{
	u8 msg[LITEAUTH_MSG_MAX_LEN + 8] = { 0 };
	u8 b = take(in);
	size_t len = take_raw(in, msg, sizeof(msg));

	if (b & 1) {
		msg[0] = b & 2 ? LITEAUTH_MSG_GW_KEY : LITEAUTH_MSG_GW_REJECT;
		msg[1] = LITEAUTH_VS(S);
		if (b & 4)
			memcpy(msg + 2, vec_idg, LA_ID_LEN);
		len = la_msg_len(msg[0]);
	}
	send_daemon(msg, len);
}

static void op_iface_gone(struct in *in)
{
	int ifindex = 1 + take(in) % 4;

	la_gw_iface_gone(&F.gw, ifindex);
	model_iface_gone(ifindex);
}

/* The collector: its delayed work runs (when due), starts or stops. */
static void op_work(struct in *in)
{
	u8 b = take(in) % 4;
	unsigned int due;

	if (b < 2) {
		if (!F.armed)
			return;
		if (F.now < F.armed_at + F.delay * MS)
			F.now = F.armed_at + F.delay * MS;
		F.gw.gc.pending = false;
		F.armed = false;
		F.gw.gc.work.func(&F.gw.gc.work);
		model_gc();
		due = model_send_reports();
		if (F.running)
			arm(due ? REPORT_RETRY_MS : LA_GC_INTERVAL_MS);
	} else if (b == 2) {
		la_gw_start_gc(&F.gw);
		F.running = true;
		arm(LA_GC_INTERVAL_MS);
	} else {
		la_gw_stop_gc(&F.gw);
		F.running = false;
		F.armed = false;
	}
}

/* A dump in pages of @room entries gives what one dump gives. */
static void op_walk(struct in *in)
{
	struct la_session_info all[NDEV + 1];
	struct walk w = { .max = NDEV };
	unsigned int n = walk_all(all), rounds = 0, room = 1 + take(in) % 3;
	u64 cursor = 0, last = 0;

	for (;;) {
		w.room = room;
		if (!la_gw_walk(&F.gw, &cursor, walk_fill, &w))
			break;
		expect(++rounds <= NDEV + 1);
		expect(cursor >= last);
		last = cursor;
	}
	expect(w.n == n);
	while (n--)
		expect(info_eq(&w.si[n], &all[n], true));
}

/* The identity set (again: the same), an interface's change told, or a
 * frame counted that radio.c dropped.
 */
static void op_identity(struct in *in)
{
	u8 b = take(in);

	if (b % 4 < 2) {
		expect(!la_gw_set_identity(&F.gw, vec_idg, vec_kg));
		F.has_identity = true;
	} else if (b % 4 == 2) {
		la_gw_drop(&F.gw, (b >> 2) % __LITEAUTH_CNT_MAX);
		F.cnt[(b >> 2) % __LITEAUTH_CNT_MAX]++;
		return;
	} else {
		la_gw_touch(&F.gw);
	}
	changed(-1);
}

static void print_stats(void)
{
	fprintf(stderr,
		"gateway_fuzz: %lu inputs, %lu steps: %lu GW_KEYs taken, "
		"%lu sessions (%lu replaced, %lu expired, %lu revoked), "
		"%lu handshakes expired, %lu KEY and %lu ACK resends, "
		"%lu GW_REJECTs, reports: %lu kept, %lu resent, %lu lost; "
		"drops: %lu late, %lu stale, %lu rate, %lu table full; "
		"%lu entries freed\n",
		stats.inputs, stats.steps, stats.gw_keys, stats.sessions,
		stats.replaced, stats.sessions_expired, stats.revoked,
		stats.pending_expired, stats.key_resends, stats.ack_resends,
		stats.rejects, stats.reports_kept, stats.reports_resent,
		stats.reports_lost, stats.late, stats.stale, stats.rate_device,
		stats.table_full, stats.freed);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct la_hello h;
	unsigned int i;

	if (la_crypto_init())
		abort();
	for (i = 0; i < NDEV; i++) {
		memcpy(dev_id[i], vec_idd, LA_ID_LEN);
		dev_id[i][7] += i;
		memcpy(dev_key[i], vec_kd, LA_KEY_LEN);
		dev_key[i][LA_KEY_LEN - 1] ^= i * 0x11;
		if (la_derive(S, LA_K_HELLO, dev_key[i], dev_id[i], NULL, NULL,
			      dev_k_hello[i]))
			abort();
	}
	if (la_derive(S, LA_KG_HELLO, vec_kg, vec_idg, NULL, NULL, kg_hello))
		abort();
	/* The keys are the vectors' (and the crypto's state is made). */
	if (memcmp(dev_k_hello[0], vec_k_hello, LA_KEY_LEN) ||
	    la_hello_build(&h, S, dev_k_hello[0], dev_id[0], 7, vec_idd))
		abort();
	trace = getenv("GATEWAY_FUZZ_TRACE");
	if (getenv("GATEWAY_FUZZ_STATS"))
		atexit(print_stats);
	return 0;
}

/*
 * The input: a byte of setup (bit 0: no identity until an "identity"
 * step; bit 1: the collector started), then steps, each a byte naming
 * the operation and the bytes it takes.
 */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static void (*const opf[])(struct in *) = {
		op_hello, op_answer, op_confirm, op_clock, op_gc, op_reports,
		op_revoke, op_limits, op_toggle, op_raw_radio, op_raw_daemon,
		op_replay, op_iface_gone, op_work, op_walk, op_identity,
	};
	static const char *const opn[] = {
		"hello", "answer", "confirm", "clock", "gc", "reports",
		"revoke", "limits", "toggle", "raw-radio", "raw-daemon",
		"replay", "iface-gone", "work", "walk", "identity",
	};
	struct in in = { data, size };
	unsigned int op, i;
	u8 setup = take(&in);

	memset(&F, 0, sizeof(F));
	la_kshim_alloc_fail = 0;
	F.now = EPOCH;
	F.delivering = -1;
	la_gw_init(&F.gw, &ops, NULL);
	F.gen = 1;
	F.lim = F.gw.limits;
	F.walk_gen = F.gw.generation;
	for (i = 0; i < NDEV; i++)
		F.dev[i].p = F.dev[i].l = F.dev[i].r = -1;
	if (!(setup & 1)) {
		expect(!la_gw_set_identity(&F.gw, vec_idg, vec_kg));
		F.has_identity = true;
		changed(-1);
	}
	if (setup & 2) {
		la_gw_start_gc(&F.gw);
		F.running = true;
		arm(LA_GC_INTERVAL_MS);
	}
	begin();
	check(false);
	stats.inputs++;

	for (F.step = 0; in.n && F.step < STEPS; F.step++) {
		op = take(&in) % ARRAY_SIZE(opf);
		begin();
		opf[op](&in);
		if (trace) {
			fprintf(stderr, "step %u: %s, t %llu ms:", F.step,
				opn[op], (unsigned long long)((F.now - EPOCH) / MS));
			for (i = 0; i < __LITEAUTH_CNT_MAX; i++)
				if (F.cnt[i] != F.c0[i])
					fprintf(stderr, " c%u+%llu", i,
						(unsigned long long)
						(F.cnt[i] - F.c0[i]));
			fprintf(stderr, "; devices %u, sent %u, events %u\n",
				F.ndev, F.nout, F.nev);
		}
		check(op == 0 || op == 1 || op == 2 || op == 9 || op == 10 ||
		      op == 11);
		stats.steps++;
	}

	/* Everything goes, and a report still due is counted lost. */
	begin();
	la_gw_destroy(&F.gw);
	expect(!la_fz_peek(&F.gw, NULL, 0) && !F.gw.ndevices &&
	       !F.gw.reports_due && !F.gw.gc.pending && !F.gw.running);
	expect(la_gw_counter(&F.gw, LITEAUTH_CNT_UP_GW_CONFIRM_LOST) ==
	       F.cnt[LITEAUTH_CNT_UP_GW_CONFIRM_LOST] + F.nqueue);
	expect(zero(F.gw.kg, sizeof(F.gw.kg)) &&
	       zero(F.gw.cookie_key, sizeof(F.gw.cookie_key)));
	expect(!F.nout && !F.nev);
	memzero_explicit(&F, sizeof(F));
	return 0;
}
