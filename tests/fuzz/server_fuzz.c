// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the server's state machine (daemon/server.c), on a
 * real key store (daemon/store.c) made once in a directory of its own.
 *
 * The input is a list of operations: genuine devices and gateways (a few,
 * provisioned) start handshakes, resend, confirm, with nonces, CTRs and
 * contexts the fuzzer chooses; earlier messages are replayed or sent with a
 * bit flipped; forgeries and raw bytes are sent; the clock moves; expired
 * state is dropped; the server restarts (a clean stop or a crash), on the
 * same store. A model of what protocol.rst says the server holds for each
 * device (its highest accepted CTR, its handshake in progress, its live
 * session, its budget, and what its record keeps across a restart: the
 * CTR of its last confirmed handshake, its last handshake answered with a
 * GW_KEY) is kept alongside, and after each step:
 *
 * - every answer verifies, for the message it answers: a KEY or GW_KEY for
 *   the HELLO's IDd and Rd, the same KEY for a repeat, an ACK for the
 *   CONFIRM, a GW_REJECT whose ECHO is its GW_HELLO's;
 * - what is not genuine (forged, flipped, raw) gets no answer and changes
 *   nothing: no table grows, no handshake or session is made or counted;
 * - a stale HELLO is refused, a genuine fresh one answered unless the
 *   device's own budget (mirrored here), a full table, or (for a device
 *   the server holds nothing of) the budget of unknown devices says no;
 * - a device that has its KEY gets a verifying ACK for its CONFIRM, and
 *   its gateway's GW_CONFIRM is counted, whatever came between;
 * - a GW_CONFIRM of no handshake the server has is taken on its gateway's
 *   word only if it is that of the device's last GW_KEY before a restart,
 *   not over, not confirmed since: once; it is then, unless that handshake
 *   is over (pending_ms, and the two seconds Unix time's rounding may add);
 *   after a restart, the CTRs the store has are the stale ones;
 * - npending is the model's count of handshakes in progress, nsessions at
 *   most the devices that proved themselves, ngateways the store's
 *   enabled gateways, which never pay for a lookup.
 *
 * Anything else aborts, with the step and what was expected on stderr.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "crypto.h"
#include "server.h"
#include "store.h"
#include "input.h"

#define S LITEAUTH_SUITE_AES128
#define NS 1000000000ULL
#define MS 1000000ULL

#define NDEV 3		/* genuine devices; [NDEV] is a disabled one */
#define NGW 2		/* genuine gateways; [NGW] is a disabled one */
#define DIRECT NGW	/* "via" of a direct message */
#define STEPS 64
#define START (1000 * NS)	/* the clock when the server starts */
#define HIST STEPS	/* every genuine message sent, for replays */

static const struct la_server_limits limits = {
	.life = 5,
	.pending_max = 2,	/* fewer than the devices: drop-busy */
	.pending_ms = 30000,
	.rate_device = 30,
	.burst_device = 3,
	.rate_global = 0,	/* none: drop-rate is the device's budget */
	.rate_unknown = 60,
	.burst_unknown = 4,
	.rate_gateway = 60,
	.burst_gateway = 4,
	.audit_interval = 10,
	.audit_keep = 1000,
	.audit_refusals_keep = 1000,
};

static struct la_store *store;
static char dir[64];
static bool trace;	/* SERVER_FUZZ_TRACE set: each step on stderr */
static u8 dev_id[NDEV + 1][LA_ID_LEN], dev_key[NDEV + 1][LA_KEY_LEN];
static u8 gw_id[NGW + 1][LA_ID_LEN], gw_key[NGW + 1][LA_KEY_LEN];

/* A genuine message sent, for replays and flips. */
struct sent {
	u8 msg[LITEAUTH_MSG_MAX_LEN];
	u8 len;
	u8 dev, via;
	struct la_hello hello;	/* the HELLO, or its handshake's */
	u8 sk[LA_KEY_LEN], rs[LA_NONCE_LEN];	/* CONFIRM's handshake */
};

/* A device: what it holds, and what the server must hold of it. */
struct mdev {
	u32 ctr;
	u8 rd[LA_NONCE_LEN];
	bool has_hello, keyed;
	struct la_hello hello;		/* its current handshake's */
	u8 via;
	u8 rg[LA_NONCE_LEN];		/* of the GW_HELLO that got its KEY */
	struct la_key key;
	struct la_grant g;
	struct la_confirm confirm;

	bool proven;			/* the server verified it once */
	u32 max_accepted;		/* the highest CTR answered */
	bool pending;			/* the handshake in progress */
	struct la_hello p_hello;
	u8 p_via;
	struct la_key p_key;
	u64 p_at;
	bool live;			/* the live session */
	u8 l_via;
	struct la_confirm l_confirm;
	struct la_ack l_ack;
	u64 l_ack_at, l_expires;
	u8 l_rs[LA_NONCE_LEN];
	u16 l_sid;
	bool l_restored;		/* held from its record: no Rs */
	bool k_held;			/* the server verified it this run */
	/* Its record: the last CTR confirmed, the last GW_KEY's handshake. */
	u32 stored_ctr;
	bool hs;
	u8 hs_via;
	u8 hs_rs[LA_NONCE_LEN];
	u16 hs_sid;
	u32 hs_ctr;
	u64 hs_until;			/* exactly pending_ms after it */
	bool restored;			/* the server took it at its start */
	struct la_bucket bucket;	/* its budget, as the server's */
};

static struct {
	struct la_server srv;
	u64 now, rng;
	unsigned int nlog, step;
	struct mdev dev[NDEV];
	struct sent hist[HIST];
	unsigned int nhist;
	u64 c0[LA_SRV_MAX];		/* counters before the step */
	u32 npending0, nsessions0, ngateways0;
	unsigned int restarts;
	u64 auths;			/* of the runs before this one */
} F;

static void remove_dir(void);

static void fail(const char *what)
{
	fprintf(stderr, "server_fuzz: step %u: %s\n", F.step, what);
	remove_dir();
	abort();
}

#define expect(cond) do { if (!(cond)) fail(#cond); } while (0)
#define D(c) (F.srv.counters[LA_SRV_##c] - F.c0[LA_SRV_##c])

static u64 fz_now(void *arg)
{
	return F.now;
}

static u64 fz_wall(void *arg)
{
	return 1800000000 + F.now / NS;
}

/* The server's "CSPRNG": splitmix64, the same for every input. */
static void fz_random(void *arg, void *buf, size_t len)
{
	u8 *b = buf;

	while (len) {
		u64 z = (F.rng += 0x9e3779b97f4a7c15ULL);
		size_t n = len < 8 ? len : 8;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		memcpy(b, &z, n);
		b += n;
		len -= n;
	}
}

static void fz_log(void *arg, const char *msg)
{
	F.nlog++;
}

static const struct la_server_ops ops = {
	.now = fz_now,
	.wall = fz_wall,
	.random = fz_random,
	.log = fz_log,
};

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

/* The store's directory goes, whichever way the fuzzer ends. */
static void remove_dir(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
	if (store)
		la_store_close(store);
	store = NULL;
	remove_dir();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct la_principal p;
	char path[128], err[256];
	unsigned int i;
	FILE *f;

	if (la_crypto_init())
		return 1;
	snprintf(dir, sizeof(dir), "/dev/shm/liteauth-server-fuzz-XXXXXX");
	if (!mkdtemp(dir)) {
		snprintf(dir, sizeof(dir), "/tmp/liteauth-server-fuzz-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(path, sizeof(path), "%s/pass", dir);
	f = fopen(path, "w");
	fputs("server fuzz\n", f);
	fclose(f);
	chmod(path, 0600);
	/* Speed over durability: nothing here must survive a crash. */
	snprintf(path, sizeof(path), "%s/DB_CONFIG", dir);
	f = fopen(path, "w");
	fputs("set_flags DB_TXN_NOSYNC\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/pass", dir);
	if (la_store_open(&store, dir, path, LA_STORE_CREATE, err,
			  sizeof(err))) {
		fprintf(stderr, "server_fuzz: %s\n", err);
		abort();
	}
	trace = getenv("SERVER_FUZZ_TRACE");
	atexit(cleanup);
	__sanitizer_set_death_callback(remove_dir);
	for (i = 0; i <= NDEV; i++) {
		memset(&p, 0, sizeof(p));
		p.id[1] = 0x12;
		p.id[7] = i + 1;
		memset(p.key, 0x10 + i, LA_KEY_LEN);
		p.suite = S;
		p.enabled = i < NDEV;
		memcpy(dev_id[i], p.id, LA_ID_LEN);
		memcpy(dev_key[i], p.key, LA_KEY_LEN);
		if (la_store_add(store, LA_DEVICE, &p))
			abort();
	}
	for (i = 0; i <= NGW; i++) {
		memset(&p, 0, sizeof(p));
		p.id[0] = 0xb8;
		p.id[7] = i + 1;
		memset(p.key, 0xa0 + i, LA_KEY_LEN);
		p.suite = S;
		p.enabled = i < NGW;
		memcpy(gw_id[i], p.id, LA_ID_LEN);
		memcpy(gw_key[i], p.key, LA_KEY_LEN);
		if (la_store_add(store, LA_GATEWAY, &p))
			abort();
	}
	la_principal_wipe(&p);
	return 0;
}

/*
 * Every input starts from the same store: the devices' CTRs back to 0,
 * no SID held nor handshake kept by any record, and every SID space's
 * marks at 0 (the
 * gateways', the disabled one's too, then the direct devices').
 */
static void store_reset(void)
{
	struct la_principal p;
	struct la_sid_mark m;
	unsigned int i;

	for (i = 0; i < NDEV; i++) {
		if (la_store_get(store, LA_DEVICE, dev_id[i], &p))
			abort();
		if (p.ctr || p.held[0].expires || p.held[1].expires ||
		    p.hs.expires) {
			p.ctr = 0;
			memset(p.held, 0, sizeof(p.held));
			memset(&p.hs, 0, sizeof(p.hs));
			if (la_store_update(store, LA_DEVICE, &p))
				abort();
		}
		la_principal_wipe(&p);
	}
	for (i = 0; i <= NGW + 1; i++) {
		memset(&m, 0, sizeof(m));
		m.gateway = i <= NGW;
		if (m.gateway)
			memcpy(m.idg, gw_id[i], LA_ID_LEN);
		if (la_store_record_mark(store, NULL, 0, 0, 0, &m))
			abort();
	}
}

static void remember(const void *msg, size_t len, u8 dev, u8 via,
		     const struct la_hello *hello, const struct mdev *m)
{
	struct sent *e = &F.hist[F.nhist++];

	memset(e, 0, sizeof(*e));
	memcpy(e->msg, msg, len);
	e->len = len;
	e->dev = dev;
	e->via = via;
	e->hello = *hello;
	if (m) {
		memcpy(e->sk, m->g.sk, LA_KEY_LEN);
		memcpy(e->rs, m->key.rs, LA_NONCE_LEN);
	}
}

/* One message to the server, as the daemon hands it one wakeup's worth. */
static size_t send_msg(const void *msg, size_t len, u8 *reply)
{
	size_t n;

	memcpy(F.c0, F.srv.counters, sizeof(F.c0));
	F.npending0 = F.srv.npending;
	F.nsessions0 = F.srv.nsessions;
	F.ngateways0 = F.srv.ngateways;
	la_server_begin(&F.srv);
	n = la_server_handle(&F.srv, msg, len, reply);
	la_server_commit(&F.srv);
	expect(n <= LITEAUTH_MSG_MAX_LEN);
	expect(!D(DROP_STORE));
	return n;
}

/*
 * Whether the server must hold @m's K_hello: it verified one of its
 * HELLOs since it started, and holds a handshake or session of it since.
 */
static bool holds_k(const struct mdev *m)
{
	return m->k_held && (m->pending || m->live);
}

/*
 * @m authenticated, with @ctr: a live session; its record has that CTR
 * and no handshake any more.
 */
static void authenticated(struct mdev *m, u32 ctr)
{
	m->live = true;
	m->l_restored = false;
	m->l_expires = F.now + (u64)limits.life * 60 * NS;
	m->stored_ctr = max(m->stored_ctr, ctr);
	m->hs = m->restored = false;
}

/* Whether @key is a KEY for @h's IDd and Rd; its grant to @g. */
static bool key_opens(const struct la_key *key, const struct la_hello *h,
		      u8 dev, struct la_grant *g)
{
	u8 k[LA_KEY_LEN];
	bool ok;

	ok = !memcmp(key->idd, h->idd, LA_ID_LEN) &&
	     !la_derive(S, LA_K_KEY, dev_key[dev], h->idd, h->rd, key->rs,
			k) &&
	     !la_key_open(key, sizeof(*key), k, h->rd, g);
	memzero_explicit(k, sizeof(k));
	return ok;
}

/* The device takes @key if it is for its current handshake. */
static void dev_take(struct mdev *m, u8 i, const struct la_key *key, u8 via,
		     const u8 *rg)
{
	u8 k[LA_KEY_LEN];

	if (!m->has_hello || m->keyed ||
	    !key_opens(key, &m->hello, i, &m->g))
		return;
	m->keyed = true;
	m->key = *key;
	m->via = via;
	if (rg)
		memcpy(m->rg, rg, LA_NONCE_LEN);
	if (la_derive(S, LA_K_CONF, m->g.sk, dev_id[i], m->rd, key->rs, k) ||
	    la_confirm_build(&m->confirm, S, k, dev_id[i], m->rd, key->rs))
		abort();
	memzero_explicit(k, sizeof(k));
}

/*
 * The answer @reply (@n bytes) to a genuine HELLO @h of device @i, sent
 * directly (@gwm NULL) or inside GW_HELLO @gwm by gateway @via; @deliver
 * when the device hears the answer (a replay's goes to its sender).
 */
static void on_hello(u8 i, const struct la_hello *h, u8 via,
		     const struct la_gw_hello *gwm, const u8 *reply, size_t n,
		     bool deliver)
{
	struct mdev *m = &F.dev[i];
	const struct la_key *key = NULL;
	struct la_grant g, g2;
	u32 ctr = la_get_be32(h->ctr);
	bool repeat, fresh;
	u8 reason = 0, k[LA_KEY_LEN];
	unsigned int outcomes;

	if (gwm) {
		/* The server holds every enabled gateway: none pays. */
		expect(!D(DROP_GATEWAY) && !D(DROP_RATE_GATEWAY));
		expect(n == LITEAUTH_GW_KEY_LEN || n == LITEAUTH_GW_REJECT_LEN);
		if (n == LITEAUTH_GW_KEY_LEN) {
			const struct la_gw_key *gk = (const void *)reply;
			struct la_echo echo;

			la_echo_of(&echo, gwm);
			expect(!memcmp(&gk->echo, &echo, sizeof(echo)));
			expect(!la_derive(S, LA_KG_KEY, gw_key[via], gw_id[via],
					  gwm->rg, gk->rs, k) &&
			       !la_gw_key_open(reply, n, k, &g2));
			key = &gk->key;
		} else {
			const struct la_gw_reject *r = (const void *)reply;
			struct la_echo echo;

			la_echo_of(&echo, gwm);
			expect(!memcmp(&r->echo, &echo, sizeof(echo)) &&
			       !memcmp(r->idd, h->idd, LA_ID_LEN));
			expect(!la_derive(S, LA_KG_REJECT, gw_key[via],
					  gw_id[via], gwm->rg, NULL, k) &&
			       !la_gw_reject_verify(reply, n, k));
			reason = r->reason;
		}
		memzero_explicit(k, sizeof(k));
	} else {
		expect(!n || n == LITEAUTH_KEY_LEN);
		if (n)
			key = (const void *)reply;
	}
	if (key) {
		expect(key_opens(key, h, i, &g));
		if (gwm)
			expect(!memcmp(g.sk, g2.sk, LA_KEY_LEN) &&
			       g.sid == g2.sid && g.life == g2.life);
	}

	repeat = m->pending && m->p_via == via &&
		 !memcmp(&m->p_hello, h, sizeof(*h));
	fresh = ctr > m->max_accepted;
	if (repeat) {
		expect(key && !memcmp(key, &m->p_key, sizeof(*key)));
		expect(D(KEY_RESENT) == 1);
	} else if (!fresh) {
		/* Stale: refused, changing nothing (protocol.rst). Without
		 * a state for it, the unknown devices' budget may say no
		 * first.
		 */
		expect(!key);
		expect(D(DROP_STALE) == 1 ||
		       (D(DROP_RATE_UNKNOWN) == 1 && !holds_k(m)));
		if (gwm)
			expect(reason == (D(DROP_STALE) ?
					  LITEAUTH_REJECT_STALE :
					  LITEAUTH_REJECT_RATE_LIMITED));
	} else {
		outcomes = D(HELLO) + D(GW_HELLO) + D(DROP_RATE) +
			   D(DROP_BUSY) + D(DROP_RATE_UNKNOWN);
		expect(outcomes == 1);
		/* The budget of unknown devices is never a proven one's. */
		if (D(DROP_RATE_UNKNOWN))
			expect(!holds_k(m));
		else
			m->proven = m->k_held = true;
		/* The device's budget: spent by its verified HELLOs only. */
		if (!D(DROP_RATE_UNKNOWN))
			expect(la_bucket_take(&m->bucket, F.now,
					      limits.rate_device,
					      limits.burst_device) ==
			       !D(DROP_RATE));
		if (D(DROP_BUSY))
			expect(!m->pending &&
			       F.npending0 >= limits.pending_max);
		if (D(HELLO) || D(GW_HELLO)) {
			expect(key && (gwm ? D(GW_HELLO) : D(HELLO)) == 1);
			m->pending = true;
			m->p_hello = *h;
			m->p_via = via;
			m->p_key = *key;
			m->p_at = F.now;
			m->max_accepted = ctr;
			/* Its record keeps a GW_KEY's, instead of any. */
			if (gwm) {
				m->hs = true;
				m->hs_via = via;
				memcpy(m->hs_rs, key->rs, LA_NONCE_LEN);
				m->hs_sid = g.sid;
				m->hs_ctr = ctr;
				m->hs_until = F.now + limits.pending_ms * MS;
				m->restored = false;
				/* ... and its CTR, used up once answered. */
				m->stored_ctr = max(m->stored_ctr, ctr);
			}
		} else {
			expect(!key);
			if (gwm)
				expect(reason == (D(DROP_BUSY) ?
						  LITEAUTH_REJECT_SERVER_BUSY :
						  LITEAUTH_REJECT_RATE_LIMITED));
		}
	}
	if (key && deliver)
		dev_take(m, i, key, via, gwm ? gwm->rg : NULL);
	memzero_explicit(&g, sizeof(g));
	memzero_explicit(&g2, sizeof(g2));
}

/* The answer to a genuine CONFIRM (@e: its handshake) of device @i. */
static void on_confirm(u8 i, const struct sent *e, const u8 *reply, size_t n)
{
	const struct la_confirm *c = (const void *)e->msg;
	struct mdev *m = &F.dev[i];
	const u8 *rd = e->hello.rd;
	u8 k[LA_KEY_LEN];

	if (m->live && !m->l_restored && m->l_via == DIRECT &&
	    !memcmp(&m->l_confirm, c, sizeof(*c))) {
		/* Its ACK was lost: the same ACK, at least every second. */
		expect(!n || (n == LITEAUTH_ACK_LEN &&
			      !memcmp(reply, &m->l_ack, n)));
		if (F.now - m->l_ack_at >= 1000 * MS)
			expect(n);
		if (n)
			m->l_ack_at = F.now;
		expect(!D(CONFIRMED));
		return;
	}
	/* A restart makes the same HELLO another handshake: Rs tells. */
	if (m->pending && m->p_via == DIRECT &&
	    !memcmp(&m->p_hello, &e->hello, sizeof(e->hello)) &&
	    !memcmp(m->p_key.rs, e->rs, LA_NONCE_LEN)) {
		/* A device that has its KEY gets its ACK. */
		expect(n == LITEAUTH_ACK_LEN && D(CONFIRMED) == 1);
		expect(!la_derive(S, LA_K_ACK, e->sk, dev_id[i], rd, e->rs,
				  k) &&
		       !la_ack_verify(reply, n, k, rd, e->rs));
		memzero_explicit(k, sizeof(k));
		m->pending = false;
		authenticated(m, la_get_be32(e->hello.ctr));
		m->l_via = DIRECT;
		m->l_confirm = *c;
		memcpy(&m->l_ack, reply, sizeof(m->l_ack));
		m->l_ack_at = F.now;
		return;
	}
	expect(!n && !D(CONFIRMED));
}

/* What a genuine GW_CONFIRM of gateway @via for device @i did. */
static void on_gw_confirm(u8 i, u8 via, const struct la_gw_confirm *gc,
			  const struct sent *e, size_t n)
{
	struct mdev *m = &F.dev[i];
	u16 sid = la_get_be16(gc->sid);

	expect(!n);
	expect(!D(DROP_GATEWAY) && !D(DROP_RATE_GATEWAY));
	if (m->pending && m->p_via == via &&
	    !memcmp(&m->p_hello, &e->hello, sizeof(e->hello)) &&
	    !memcmp(m->p_key.rs, gc->rs, LA_NONCE_LEN)) {
		expect(D(CONFIRMED) == 1);
		m->pending = false;
		authenticated(m, la_get_be32(e->hello.ctr));
	} else if (m->live && !m->l_restored && m->l_via == via &&
		   !memcmp(m->l_rs, gc->rs, LA_NONCE_LEN) && m->l_sid == sid) {
		expect(!D(CONFIRMED) && D(CONFIRM_REPEAT) == 1);
		return;
	} else if (m->restored && m->hs_via == via && m->hs_sid == sid &&
		   !memcmp(m->hs_rs, gc->rs, LA_NONCE_LEN)) {
		/*
		 * The handshake its record kept across the restart: on the
		 * gateway's word, once, while it is not over (a direct one
		 * in progress stays). Its end is kept in Unix seconds: up to
		 * two later.
		 */
		expect(!D(CONFIRMED) &&
		       D(CONFIRMED_WORD) + D(DROP_NO_HANDSHAKE) == 1);
		if (F.now < m->hs_until)
			expect(D(CONFIRMED_WORD));
		if (F.now >= m->hs_until + 2 * NS)
			expect(!D(CONFIRMED_WORD));
		m->restored = false;
		if (!D(CONFIRMED_WORD))
			return;
		authenticated(m, m->hs_ctr);
		m->max_accepted = max(m->max_accepted, m->hs_ctr);
		m->proven = m->k_held = true;
	} else {
		/* Any other: a replay, or of a handshake the server let go. */
		expect(!D(CONFIRMED) && !D(CONFIRMED_WORD) &&
		       D(DROP_NO_HANDSHAKE) == 1);
		return;
	}
	m->l_via = via;
	memcpy(m->l_rs, gc->rs, LA_NONCE_LEN);
	m->l_sid = sid;
}

/* A genuine message sent again, by whoever captured it. */
static void replay(const struct sent *e)
{
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	size_t n = send_msg(e->msg, e->len, reply);

	switch (e->msg[0]) {
	case LITEAUTH_MSG_HELLO:
		on_hello(e->dev, &e->hello, DIRECT, NULL, reply, n, false);
		break;
	case LITEAUTH_MSG_GW_HELLO:
		on_hello(e->dev, &e->hello, e->via, (const void *)e->msg,
			 reply, n, false);
		break;
	case LITEAUTH_MSG_CONFIRM:
		on_confirm(e->dev, e, reply, n);
		break;
	case LITEAUTH_MSG_GW_CONFIRM:
		on_gw_confirm(e->dev, e->via, (const void *)e->msg, e, n);
		break;
	}
}

/*
 * What is not genuine gets nothing and changes nothing. @gw_ok: a genuine
 * gateway relays it, and gets its GW_REJECT.
 */
static void forged(const u8 *reply, size_t n, bool gw_ok)
{
	expect(F.srv.npending == F.npending0 &&
	       F.srv.nsessions == F.nsessions0 &&
	       F.srv.ngateways == F.ngateways0);
	expect(!D(HELLO) && !D(GW_HELLO) && !D(KEY_RESENT) &&
	       !D(CONFIRMED) && !D(CONFIRMED_WORD) && !D(ACK_RESENT) &&
	       !D(CONFIRM_REPEAT));
	if (!gw_ok)
		expect(!n && !D(GW_REJECT));
}

/*
 * The genuine message that carried HELLO @h, if one did. The fuzzer can
 * learn the bytes of one (the server compares a HELLO with the one of the
 * handshake in progress), and send them as its own.
 */
static const struct sent *genuine_hello(const struct la_hello *h)
{
	unsigned int k;

	for (k = 0; k < F.nhist; k++)
		if ((F.hist[k].msg[0] == LITEAUTH_MSG_HELLO ||
		     F.hist[k].msg[0] == LITEAUTH_MSG_GW_HELLO) &&
		    !memcmp(&F.hist[k].hello, h, sizeof(*h)))
			return &F.hist[k];
	return NULL;
}

/* Raw or flipped bytes: a replay if they are a genuine message's. */
static void send_other(const u8 *msg, size_t len)
{
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	const struct sent *e;
	unsigned int k;
	size_t n;

	for (k = 0; k < F.nhist; k++)
		if (F.hist[k].len == len && !memcmp(F.hist[k].msg, msg, len)) {
			replay(&F.hist[k]);
			return;
		}
	n = send_msg(msg, len, reply);
	e = len == LITEAUTH_HELLO_LEN ? genuine_hello((const void *)msg) : NULL;
	if (e)
		on_hello(e->dev, &e->hello, DIRECT, NULL, reply, n, false);
	else
		forged(reply, n, false);
}

static void dev_new_hello(struct mdev *m, u8 i, struct in *in, u8 b)
{
	u8 k[LA_KEY_LEN];

	m->ctr += 1 + ((b >> 2) & 3);
	takev(in, m->rd, sizeof(m->rd));
	if (la_derive(S, LA_K_HELLO, dev_key[i], dev_id[i], NULL, NULL, k) ||
	    la_hello_build(&m->hello, S, k, dev_id[i], m->ctr, m->rd))
		abort();
	memzero_explicit(k, sizeof(k));
	m->has_hello = true;
	m->keyed = false;
}

static void op_hello(struct in *in)
{
	u8 i = take(in) % NDEV, b = take(in);
	struct mdev *m = &F.dev[i];
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	size_t n;

	if (!m->has_hello || b & 3)
		dev_new_hello(m, i, in, b);
	n = send_msg(&m->hello, sizeof(m->hello), reply);
	remember(&m->hello, sizeof(m->hello), i, DIRECT, &m->hello, NULL);
	on_hello(i, &m->hello, DIRECT, NULL, reply, n, true);
}

static void op_confirm(struct in *in)
{
	u8 i = take(in) % NDEV;
	struct mdev *m = &F.dev[i];
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	size_t n;

	if (!m->keyed || m->via != DIRECT)
		return;
	remember(&m->confirm, sizeof(m->confirm), i, DIRECT, &m->hello, m);
	n = send_msg(&m->confirm, sizeof(m->confirm), reply);
	on_confirm(i, &F.hist[F.nhist - 1], reply, n);
}

static void op_gw_hello(struct in *in)
{
	u8 j = take(in) % NGW, i = take(in) % NDEV, b = take(in);
	struct mdev *m = &F.dev[i];
	u8 reply[LITEAUTH_MSG_MAX_LEN], k[LA_KEY_LEN];
	u8 rg[LA_NONCE_LEN], ctx[LA_CTX_LEN];
	struct la_gw_hello gh;
	size_t n;

	if (!m->has_hello || b & 3)
		dev_new_hello(m, i, in, b);
	takev(in, rg, sizeof(rg));
	takev(in, ctx, sizeof(ctx));
	if (la_derive(S, LA_KG_HELLO, gw_key[j], gw_id[j], NULL, NULL, k) ||
	    la_gw_hello_build(&gh, S, k, gw_id[j], rg, ctx, &m->hello))
		abort();
	memzero_explicit(k, sizeof(k));
	n = send_msg(&gh, sizeof(gh), reply);
	remember(&gh, sizeof(gh), i, j, &m->hello, NULL);
	on_hello(i, &m->hello, j, &gh, reply, n, true);
}

static void op_gw_confirm(struct in *in)
{
	u8 j = take(in) % NGW, i = take(in) % NDEV;
	struct mdev *m = &F.dev[i];
	u8 reply[LITEAUTH_MSG_MAX_LEN], k[LA_KEY_LEN];
	struct la_gw_confirm gc;
	size_t n;

	if (!m->keyed || m->via != j)
		return;
	if (la_derive(S, LA_KG_CONF, gw_key[j], gw_id[j], m->rg, m->key.rs,
		      k) ||
	    la_gw_confirm_build(&gc, S, k, gw_id[j], m->rg, m->key.rs,
				m->g.sid, &m->confirm))
		abort();
	memzero_explicit(k, sizeof(k));
	remember(&gc, sizeof(gc), i, j, &m->hello, m);
	n = send_msg(&gc, sizeof(gc), reply);
	on_gw_confirm(i, j, &gc, &F.hist[F.nhist - 1], n);
}

static void op_replay(struct in *in)
{
	u8 k = take(in);

	if (F.nhist)
		replay(&F.hist[k % F.nhist]);
}

static void op_flip(struct in *in)
{
	u8 k = take(in), msg[LITEAUTH_MSG_MAX_LEN];
	unsigned int bit = take(in) << 8 | take(in);
	const struct sent *e;

	if (!F.nhist)
		return;
	e = &F.hist[k % F.nhist];
	memcpy(msg, e->msg, e->len);
	bit %= e->len * 8;
	msg[bit / 8] ^= 1 << (bit % 8);
	send_other(msg, e->len);
}

static void op_raw(struct in *in)
{
	u8 msg[LITEAUTH_MSG_MAX_LEN + 8] = { 0 };
	u8 b = take(in);
	size_t len = take(in) % sizeof(msg);

	takev(in, msg, len);
	/* Often with a header that passes, so that more gets looked at. */
	if (b & 1 && len) {
		msg[0] = LITEAUTH_MSG_FIRST + msg[0] % 8;
		msg[1] = LITEAUTH_VS(S);
		len = la_msg_len(msg[0]);
	}
	send_other(msg, len);
}

/* An ID a forgery claims: a genuine one, the disabled one, or any. */
static void claim(struct in *in, u8 *id, bool gateway)
{
	u8 b = take(in);

	if (b % 4 == 3)
		takev(in, id, LA_ID_LEN);
	else if (gateway)
		memcpy(id, gw_id[b % 4 == 2 ? NGW : b % NGW], LA_ID_LEN);
	else
		memcpy(id, dev_id[b % 4 == 2 ? NDEV : b % NDEV], LA_ID_LEN);
}

/*
 * A forgery is one: libFuzzer keeps the bytes of genuine HELLOs of other
 * runs in its dictionary (the same keys every run), and one this run's
 * devices never sent would pass for a forgery that verifies. Not an
 * attacker's power (one captures what was sent: op_replay); its tag is
 * spoilt.
 */
static void unforged(struct la_hello *h)
{
	u8 k[LA_KEY_LEN];
	unsigned int i;

	for (i = 0; i < NDEV; i++) {
		if (memcmp(h->idd, dev_id[i], LA_ID_LEN))
			continue;
		if (la_derive(S, LA_K_HELLO, dev_key[i], dev_id[i], NULL, NULL,
			      k))
			abort();
		if (!la_hello_verify(h, sizeof(*h), k) && !genuine_hello(h))
			h->tag[0] ^= 1;
		memzero_explicit(k, sizeof(k));
	}
}

static void forge_hello(struct in *in, struct la_hello *h)
{
	h->type = LITEAUTH_MSG_HELLO;
	h->vs = LITEAUTH_VS(S);
	claim(in, h->idd, false);
	takev(in, h->ctr, sizeof(h->ctr));
	if (!la_get_be32(h->ctr))
		h->ctr[3] = 1;
	takev(in, h->rd, sizeof(h->rd));
	takev(in, h->tag, sizeof(h->tag));
	unforged(h);
}

static void op_forge(struct in *in)
{
	u8 kind = take(in) % 5, reply[LITEAUTH_MSG_MAX_LEN], k[LA_KEY_LEN];
	union {
		struct la_hello h;
		struct la_confirm c;
		struct la_gw_hello gh;
		struct la_gw_confirm gc;
	} m;
	const struct sent *e;
	size_t len = 0, n;
	u8 j;

	memset(&m, 0, sizeof(m));
	switch (kind) {
	case 0:
		forge_hello(in, &m.h);
		len = sizeof(m.h);
		break;
	case 1:
		m.c.type = LITEAUTH_MSG_CONFIRM;
		m.c.vs = LITEAUTH_VS(S);
		claim(in, m.c.idd, false);
		takev(in, m.c.tag, sizeof(m.c.tag));
		len = sizeof(m.c);
		break;
	case 2:
	case 4:
		m.gh.type = LITEAUTH_MSG_GW_HELLO;
		m.gh.vs = LITEAUTH_VS(S);
		claim(in, m.gh.idg, true);
		takev(in, m.gh.rg, sizeof(m.gh.rg));
		takev(in, m.gh.ctx, sizeof(m.gh.ctx));
		m.gh.len = sizeof(m.gh.hello);
		forge_hello(in, &m.gh.hello);
		takev(in, m.gh.tag, sizeof(m.gh.tag));
		len = sizeof(m.gh);
		if (kind == 2)
			break;
		/* A genuine gateway relays a forged HELLO, as it must. */
		j = take(in) % NGW;
		if (la_derive(S, LA_KG_HELLO, gw_key[j], gw_id[j], NULL, NULL,
			      k) ||
		    la_gw_hello_build(&m.gh, S, k, gw_id[j], m.gh.rg, m.gh.ctx,
				      &m.gh.hello))
			abort();
		memzero_explicit(k, sizeof(k));
		n = send_msg(&m.gh, sizeof(m.gh), reply);
		e = genuine_hello(&m.gh.hello);
		if (e) {	/* a genuine HELLO after all: relayed again */
			on_hello(e->dev, &e->hello, j, &m.gh, reply, n, false);
			return;
		}
		forged(reply, n, true);
		expect(!D(DROP_GATEWAY) && !D(DROP_RATE_GATEWAY));
		/* GW_REJECT, authentic, for that GW_HELLO; never a KEY. */
		{
			const struct la_gw_reject *r = (const void *)reply;
			struct la_echo echo;

			la_echo_of(&echo, &m.gh);
			expect(n == LITEAUTH_GW_REJECT_LEN &&
			       !memcmp(&r->echo, &echo, sizeof(echo)) &&
			       !la_derive(S, LA_KG_REJECT, gw_key[j], gw_id[j],
					  m.gh.rg, NULL, k) &&
			       !la_gw_reject_verify(reply, n, k));
			memzero_explicit(k, sizeof(k));
			expect(r->reason != LITEAUTH_REJECT_SERVER_BUSY);
		}
		return;
	case 3:
		m.gc.type = LITEAUTH_MSG_GW_CONFIRM;
		m.gc.vs = LITEAUTH_VS(S);
		claim(in, m.gc.idg, true);
		takev(in, m.gc.rg, sizeof(m.gc.rg));
		takev(in, m.gc.rs, sizeof(m.gc.rs));
		takev(in, m.gc.sid, sizeof(m.gc.sid));
		m.gc.len = sizeof(m.gc.confirm);
		m.gc.confirm.type = LITEAUTH_MSG_CONFIRM;
		m.gc.confirm.vs = LITEAUTH_VS(S);
		claim(in, m.gc.confirm.idd, false);
		takev(in, m.gc.confirm.tag, sizeof(m.gc.confirm.tag));
		takev(in, m.gc.tag, sizeof(m.gc.tag));
		len = sizeof(m.gc);
		break;
	}
	send_other((const u8 *)&m, len);
}

static void op_clock(struct in *in)
{
	u8 b = take(in);

	if (b < 128)
		F.now += b * MS;
	else if (b < 192)
		F.now += (u64)(b - 127) * NS;
	else
		F.now += (u64)(b - 191) * 60 * NS;
}

/*
 * The server stops (or, with bit 0, is killed: what waits to be written
 * is lost, though here each message's wakeup has committed it) and starts
 * again on the same store. What only memory held is gone: handshakes in
 * progress, CTRs never confirmed, budgets, the Rs and CONFIRM of live
 * sessions (held from the records, their ends rounded to seconds: one
 * earlier at most). The handshake each record kept is restored.
 */
static void op_restart(struct in *in)
{
	unsigned int i;

	F.auths += F.srv.counters[LA_SRV_CONFIRMED] +
		   F.srv.counters[LA_SRV_CONFIRMED_WORD];
	F.restarts++;
	if (take(in) & 1)
		F.srv.nrecords = 0;
	la_server_destroy(&F.srv);
	if (la_server_init(&F.srv, store, &limits, &ops, NULL))
		abort();
	for (i = 0; i < NDEV; i++) {
		struct mdev *m = &F.dev[i];

		m->pending = false;
		m->k_held = false;
		m->max_accepted = m->stored_ctr;
		m->restored = m->hs;
		if (m->live && !m->l_restored)
			m->l_expires -= NS;
		/* One that may be over is not held from the store. */
		if (m->live && F.now >= m->l_expires)
			m->live = false;
		m->l_restored = m->live;
		la_bucket_init(&m->bucket, F.now, limits.rate_device,
			       limits.burst_device);
	}
	memcpy(F.c0, F.srv.counters, sizeof(F.c0));
	F.npending0 = F.srv.npending;
	F.nsessions0 = F.srv.nsessions;
}

static void op_expire(struct in *in)
{
	unsigned int i;

	memcpy(F.c0, F.srv.counters, sizeof(F.c0));
	la_server_expire(&F.srv);
	for (i = 0; i < NDEV; i++) {
		struct mdev *m = &F.dev[i];

		if (m->pending && F.now - m->p_at >= limits.pending_ms * MS)
			m->pending = false;
		if (m->live && F.now >= m->l_expires)
			m->live = false;
	}
	/* Expiry counts nothing as answered. */
	expect(!D(HELLO) && !D(GW_HELLO) && !D(CONFIRMED) &&
	       !D(CONFIRMED_WORD));
}

/* After every step: the tables are what the model says they may be. */
static void invariants(void)
{
	unsigned int i, pending = 0, held = 0, proven = 0;

	for (i = 0; i < NDEV; i++) {
		pending += F.dev[i].pending;
		held += F.dev[i].pending || F.dev[i].live;
		proven += F.dev[i].proven;
	}
	expect(F.srv.npending == pending);
	expect(F.srv.npending <= limits.pending_max);
	expect(F.srv.nsessions >= held && F.srv.nsessions <= proven);
	/* Every enabled gateway of the store, and no other (server.h). */
	expect(F.srv.ngateways == NGW);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static void (*const opf[])(struct in *) = {
		op_hello, op_confirm, op_gw_hello, op_gw_confirm, op_replay,
		op_flip, op_raw, op_forge, op_clock, op_expire, op_restart,
	};
	static const char *const opn[] = {
		"hello", "confirm", "gw-hello", "gw-confirm", "replay",
		"flip", "raw", "forge", "clock", "expire", "restart",
	};
	struct in in = { data, size };
	u64 auths, before[LA_SRV_MAX];
	unsigned int i, op;

	store_reset();
	memset(&F, 0, sizeof(F));
	F.now = START;
	if (la_server_init(&F.srv, store, &limits, &ops, NULL))
		abort();
	for (i = 0; i < NDEV; i++)
		la_bucket_init(&F.dev[i].bucket, F.now, limits.rate_device,
			       limits.burst_device);
	for (F.step = 0; in.n && F.step < STEPS; F.step++) {
		op = take(&in) % ARRAY_SIZE(opf);
		memcpy(before, F.srv.counters, sizeof(before));
		opf[op](&in);
		if (trace) {
			fprintf(stderr, "step %u: %s, t %llu ms:", F.step,
				opn[op], (unsigned long long)(F.now / MS));
			for (i = 0; i < LA_SRV_MAX; i++)	/* a restart: 0 */
				if (F.srv.counters[i] > before[i])
					fprintf(stderr, " %s +%llu",
						la_server_counter_name(i),
						(unsigned long long)
						(F.srv.counters[i] - before[i]));
			fprintf(stderr, "; pending %u sessions %u\n",
				F.srv.npending, F.srv.nsessions);
		}
		invariants();
	}
	/* Logged: each authentication, and per counter and audit interval
	 * at most two lines of refusals (server.h); each restart starts an
	 * interval, after a line of what it restored.
	 */
	auths = F.auths + F.srv.counters[LA_SRV_CONFIRMED] +
		F.srv.counters[LA_SRV_CONFIRMED_WORD];
	expect(F.nlog <= auths + 2 * LA_SRV_MAX *
	       ((F.now - START) / (limits.audit_interval * NS) + 2) +
	       F.restarts * (1 + 2 * LA_SRV_MAX));
	la_server_destroy(&F.srv);
	memzero_explicit(&F, sizeof(F));
	return 0;
}
