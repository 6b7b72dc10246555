// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the server's handshakes (server.c) on a real key store, with
 * the protocol's vectors: the server's "CSPRNG" returns the vectors' Rs,
 * SK and SID, so every answer must be the vector byte for byte. Then what
 * an attacker can do to it: replayed and forged HELLOs, floods of made-up
 * IDs and fake gateways, against its state, its budgets and its audit log.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kunit/test.h>

#include "crypto.h"
#include "server.h"
#include "test_vectors.h"

#define S LITEAUTH_SUITE_AES128
#define NS 1000000000ULL
#define MS 1000000ULL

struct la_tsrv {
	struct la_server srv;
	struct la_store *store;
	struct la_vec v;
	struct la_server_limits limits;
	u64 now;
	u16 sid;		/* what the "CSPRNG" gives for a SID */
	int nrandom;
	u32 lcg;		/* for made-up IDs */
	int nlog;
	char log[4096];		/* the last lines logged */
	char dir[64];
};

static struct la_tsrv la_ts;

static u64 la_ts_now(void *arg)
{
	return ((struct la_tsrv *)arg)->now;
}

static u64 la_ts_wall(void *arg)
{
	return 1800000000 + ((struct la_tsrv *)arg)->now / NS;
}

/* Rs, SK and SID of the vectors, told apart by their sizes. */
static void la_ts_random(void *arg, void *buf, size_t len)
{
	struct la_tsrv *t = arg;
	u8 *b = buf;

	t->nrandom++;
	if (len == LA_NONCE_LEN)
		memcpy(b, t->v.rs, len);
	else if (len == LA_KEY_LEN)
		memcpy(b, t->v.sk, len);
	else if (len == 2) {
		b[0] = t->sid >> 8;
		b[1] = t->sid & 0xff;
	} else {
		memset(b, 0x5a, len);
	}
}

static void la_ts_log(void *arg, const char *msg)
{
	struct la_tsrv *t = arg;
	size_t n = strlen(t->log);

	t->nlog++;
	if (n + strlen(msg) + 2 > sizeof(t->log))
		n = 0;
	snprintf(t->log + n, sizeof(t->log) - n, "%s\n", msg);
}

static const struct la_server_ops la_ts_ops = {
	.now = la_ts_now,
	.wall = la_ts_wall,
	.random = la_ts_random,
	.log = la_ts_log,
};

static const struct la_server_limits la_ts_limits = {
	.life = LA_LIFE,
	.pending_max = 100,
	.pending_ms = 30000,
	.rate_device = 60,
	.burst_device = 5,
	.rate_global = 6000,
	.burst_global = 100,
	.rate_unknown = 600,
	.burst_unknown = 20,
	.rate_gateway = 60,
	.burst_gateway = 5,
	.audit_interval = 60,
	.audit_keep = 1000,
	.audit_refusals_keep = 100000,
};

static void la_ts_principal(struct la_principal *p, const u8 *id,
			    const u8 *key, bool enabled)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->id, id, LA_ID_LEN);
	memcpy(p->key, key, LA_KEY_LEN);
	p->suite = S;
	p->enabled = enabled;
}

/* The server again on the same store, as after a restart. */
static int la_ts_restart(const struct la_server_limits *limits)
{
	la_server_destroy(&la_ts.srv);
	la_ts.limits = *limits;
	return la_server_init(&la_ts.srv, la_ts.store, &la_ts.limits,
			      &la_ts_ops, &la_ts);
}

static int la_srv_test_init(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	struct la_principal p;
	char path[96], err[256];
	FILE *f;

	memset(t, 0, sizeof(*t));
	if (la_vec_load(&t->v) || la_crypto_init())
		return -1;
	t->sid = LA_SID;
	t->lcg = 12345;
	snprintf(t->dir, sizeof(t->dir), "/tmp/liteauth-server-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/pass", t->dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("test passphrase\n", f);
	fclose(f);
	chmod(path, 0600);
	snprintf(err, sizeof(err), "%s/db", t->dir);
	if (la_store_open(&t->store, err, path, LA_STORE_CREATE, err,
			  sizeof(err)))
		return -1;
	la_ts_principal(&p, t->v.idd, t->v.kd, true);
	la_store_add(t->store, LA_DEVICE, &p);
	la_ts_principal(&p, t->v.idg, t->v.kg, true);
	la_store_add(t->store, LA_GATEWAY, &p);
	la_principal_wipe(&p);
	t->now = 5 * NS;
	t->limits = la_ts_limits;
	if (la_server_init(&t->srv, t->store, &t->limits, &la_ts_ops, t))
		return -1;
	/* What the tests count starts after the line init logs. */
	t->nlog = 0;
	t->log[0] = '\0';
	return 0;
}

static void la_srv_test_exit(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	char cmd[96];

	la_server_destroy(&t->srv);
	la_store_close(t->store);
	la_crypto_exit();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", t->dir);
}

static size_t la_ts_send(u8 type, u8 *reply)
{
	return la_server_handle(&la_ts.srv, la_vec_msg(&la_ts.v, type),
				la_msg_len(type), reply);
}

static size_t la_ts_handle(const void *msg, u8 *reply)
{
	return la_server_handle(&la_ts.srv, msg, la_msg_len(*(const u8 *)msg),
				reply);
}

/* A HELLO of @idd with key @kd. */
static void la_ts_hello(struct la_hello *h, const u8 *kd, const u8 *idd,
			u32 ctr, const u8 *rd)
{
	u8 k[LA_KEY_LEN];

	la_derive(S, LA_K_HELLO, kd, idd, NULL, NULL, k);
	la_hello_build(h, S, k, idd, ctr, rd);
	memzero_explicit(k, sizeof(k));
}

/* The vectors' device's HELLO with @ctr and Rd ending in @rd7. */
static void la_ts_vhello(struct la_hello *h, u32 ctr, u8 rd7)
{
	u8 rd[LA_NONCE_LEN];

	memcpy(rd, la_ts.v.rd, LA_NONCE_LEN);
	rd[7] = rd7;
	la_ts_hello(h, la_ts.v.kd, la_ts.v.idd, ctr, rd);
}

/* Opens KEY @key of HELLO @h, as the device; builds its CONFIRM. */
static int la_ts_confirm(const u8 *kd, const struct la_hello *h,
			 const void *key, struct la_confirm *c,
			 struct la_grant *g)
{
	const struct la_key *m = key;
	u8 k[LA_KEY_LEN];
	int err;

	err = la_derive(S, LA_K_KEY, kd, h->idd, h->rd, m->rs, k) ||
	      la_key_open(key, sizeof(*m), k, h->rd, g) ||
	      la_derive(S, LA_K_CONF, g->sk, h->idd, h->rd, m->rs, k) ||
	      la_confirm_build(c, S, k, h->idd, h->rd, m->rs);
	memzero_explicit(k, sizeof(k));
	return err;
}

/* Whether @ack is the ACK of the handshake of @h and KEY @key. */
static bool la_ts_ack_ok(const struct la_hello *h, const void *key,
			 const struct la_grant *g, const void *ack)
{
	const struct la_key *m = key;
	u8 k[LA_KEY_LEN];
	bool ok;

	ok = !la_derive(S, LA_K_ACK, g->sk, h->idd, h->rd, m->rs, k) &&
	     !la_ack_verify(ack, LITEAUTH_ACK_LEN, k, h->rd, m->rs);
	memzero_explicit(k, sizeof(k));
	return ok;
}

static void la_ts_gw_hello(struct la_gw_hello *m, const u8 *kg,
			   const u8 *idg, const u8 *rg,
			   const struct la_hello *h)
{
	u8 k[LA_KEY_LEN];

	la_derive(S, LA_KG_HELLO, kg, idg, NULL, NULL, k);
	la_gw_hello_build(m, S, k, idg, rg, la_ts.v.ctx, h);
	memzero_explicit(k, sizeof(k));
}

static void la_ts_gw_confirm(struct la_gw_confirm *m, const u8 *kg,
			     const u8 *idg, const u8 *rg, const u8 *rs,
			     u16 sid, const struct la_confirm *c)
{
	u8 k[LA_KEY_LEN];

	la_derive(S, LA_KG_CONF, kg, idg, rg, rs, k);
	la_gw_confirm_build(m, S, k, idg, rg, rs, sid, c);
	memzero_explicit(k, sizeof(k));
}

/* A made-up ID, never one in the store. */
static void la_ts_random_id(u8 *id)
{
	int i;

	for (i = 0; i < LA_ID_LEN; i++) {
		la_ts.lcg = la_ts.lcg * 1103515245u + 12345u;
		id[i] = la_ts.lcg >> 16;
	}
	id[0] = 0xee;
}

struct la_ts_audit {
	int auth, refused;	/* records */
	u64 refusals;		/* their counts, summed */
	struct la_audit last, last_auth;	/* refusal, authentication */
};

static int la_ts_audit_one(void *arg, const struct la_audit *a)
{
	struct la_ts_audit *n = arg;

	if (a->result) {
		n->refused++;
		n->refusals += a->count;
		n->last = *a;
	} else {
		n->auth++;
		n->last_auth = *a;
	}
	return 0;
}

static void la_ts_audit(struct la_ts_audit *n)
{
	memset(n, 0, sizeof(*n));
	la_store_audit_list(la_ts.store, la_ts_audit_one, n);
}

/* Ends the audit interval: its summaries are written. */
static void la_ts_interval(void)
{
	la_ts.now += (u64)la_ts.limits.audit_interval * NS;
	la_server_expire(&la_ts.srv);
}

/*
 * A device disabled while its handshake is in progress (liteauth device
 * disable, through liteauthd's control socket, which tells the server at
 * once): its CONFIRM gets no ACK. Enabled again, it authenticates.
 */
static void la_test_srv_disabled_mid_handshake(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];

	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply),
			LITEAUTH_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_store_set_enabled(t->store, LA_DEVICE,
						   t->v.idd, false), 0);
	la_server_changed(&t->srv, LA_DEVICE, t->v.idd);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 0);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 0);
}

static void la_test_srv_direct(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	struct la_principal p;
	struct la_ts_audit audit;
	size_t n;

	n = la_ts_send(LITEAUTH_MSG_HELLO, reply);
	KUNIT_ASSERT_EQ(test, n, LITEAUTH_KEY_LEN);
	la_expect_bytes(test, reply, la_vec_msg(&t->v, LITEAUTH_MSG_KEY),
			LITEAUTH_KEY_LEN, "KEY");

	/* A repeated HELLO: the very same KEY, nothing new drawn. */
	t->nrandom = 0;
	memset(reply, 0, sizeof(reply));
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply),
			LITEAUTH_KEY_LEN);
	la_expect_bytes(test, reply, la_vec_msg(&t->v, LITEAUTH_MSG_KEY),
			LITEAUTH_KEY_LEN, "KEY resent");
	KUNIT_EXPECT_EQ(test, t->nrandom, 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_KEY_RESENT], 1);

	/* CONFIRM verified: the vector's ACK. */
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply),
			LITEAUTH_ACK_LEN);
	la_expect_bytes(test, reply, la_vec_msg(&t->v, LITEAUTH_MSG_ACK),
			LITEAUTH_ACK_LEN, "ACK");
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 1);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 0);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 1);
	KUNIT_EXPECT_EQ(test, p.ctr, LA_CTR);
	la_principal_wipe(&p);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth, 1);
	KUNIT_EXPECT_EQ(test, audit.refused, 0);
	KUNIT_EXPECT_EQ(test, audit.last_auth.ctr, LA_CTR);
	KUNIT_EXPECT_EQ(test, audit.last_auth.count, 1);
	KUNIT_EXPECT_EQ(test, audit.last_auth.flags, 0);

	/* The same CONFIRM again (its ACK lost): the same ACK, at most
	 * every half second, and nothing recorded twice.
	 */
	memset(reply, 0, sizeof(reply));
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_ACK_RATE], 1);
	t->now += 500 * MS;
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply),
			LITEAUTH_ACK_LEN);
	la_expect_bytes(test, reply, la_vec_msg(&t->v, LITEAUTH_MSG_ACK),
			LITEAUTH_ACK_LEN, "ACK resent");
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_ACK_RESENT], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 1);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth, 1);

	/* The HELLO replayed now: stale, silence, nothing drawn. */
	t->nrandom = 0;
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_STALE], 1);
	KUNIT_EXPECT_EQ(test, t->nrandom, 0);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 0);
}

/* Group commit: nothing reaches the store until the commit, then all. */
static void la_test_srv_group_commit(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	struct la_principal p;
	struct la_ts_audit audit;

	la_server_begin(&t->srv);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply),
			LITEAUTH_KEY_LEN);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply),
			LITEAUTH_ACK_LEN);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.nrecords, 1);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth + audit.refused, 0);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 0);
	KUNIT_EXPECT_EQ(test, p.ctr, 0);

	la_server_commit(&t->srv);
	KUNIT_EXPECT_EQ(test, t->srv.nrecords, 0);
	KUNIT_EXPECT_FALSE(test, t->srv.deferring);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth, 1);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 1);
	KUNIT_EXPECT_EQ(test, p.ctr, LA_CTR);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_STORE], 0);
	la_principal_wipe(&p);
}

/*
 * A device rekeyed between its CONFIRM and the commit that writes its
 * authentication: counted, but the CTR of its old key is not put on the
 * new one (the old key's history takes it).
 */
static void la_test_srv_rekey_unwritten(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], key[LITEAUTH_KEY_LEN];
	u8 newkey[LA_KEY_LEN];
	struct la_principal p;
	struct la_confirm c;
	struct la_hello h;
	struct la_grant g;
	u32 ctr = 0;

	la_server_begin(&t->srv);
	la_ts_vhello(&h, 50, 1);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h, key, &c, &g), 0);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&c, reply), LITEAUTH_ACK_LEN);
	memset(newkey, 0x3c, sizeof(newkey));
	KUNIT_ASSERT_EQ(test, la_store_rekey(t->store, LA_DEVICE, t->v.idd,
					     newkey, LA_REKEY_RESET_CTR, &ctr),
			0);
	la_server_commit(&t->srv);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 1);
	KUNIT_EXPECT_EQ(test, p.ctr, 0);
	/* Given back, the old key comes with the handshake's CTR. */
	KUNIT_ASSERT_EQ(test, la_store_rekey(t->store, LA_DEVICE, t->v.idd,
					     t->v.kd, 0, &ctr), 0);
	KUNIT_EXPECT_EQ(test, ctr, 50);
	la_principal_wipe(&p);
	memzero_explicit(&g, sizeof(g));
}

static void la_test_srv_gateway(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], rg2[LA_NONCE_LEN], k[LA_KEY_LEN];
	const struct la_gw_key *gk = (const struct la_gw_key *)reply;
	const struct la_gw_reject *rj = (const struct la_gw_reject *)reply;
	struct la_gw_confirm gc;
	struct la_gw_hello gh;
	struct la_principal p;
	struct la_ts_audit audit;
	struct la_grant g;
	u8 idg2[LA_ID_LEN];

	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);
	la_expect_bytes(test, reply, la_vec_msg(&t->v, LITEAUTH_MSG_GW_KEY),
			LITEAUTH_GW_KEY_LEN, "GW_KEY");

	/* The gateway's resend carries a new Rg: the same KEY, sealed for
	 * it, with its ECHO.
	 */
	memset(rg2, 0x77, sizeof(rg2));
	la_ts_gw_hello(&gh, t->v.kg, t->v.idg, rg2,
		       (const struct la_hello *)la_vec_msg(&t->v,
							   LITEAUTH_MSG_HELLO));
	t->nrandom = 0;
	KUNIT_ASSERT_EQ(test, la_ts_handle(&gh, reply), LITEAUTH_GW_KEY_LEN);
	KUNIT_EXPECT_EQ(test, t->nrandom, 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_KEY_RESENT], 1);
	la_expect_bytes(test, (const u8 *)&gk->key,
			la_vec_msg(&t->v, LITEAUTH_MSG_KEY), LITEAUTH_KEY_LEN,
			"the same KEY inside");
	la_expect_bytes(test, gk->echo.rg, rg2, LA_NONCE_LEN, "ECHO's Rg");
	KUNIT_ASSERT_EQ(test, la_derive(S, LA_KG_KEY, t->v.kg, t->v.idg, rg2,
					t->v.rs, k), 0);
	KUNIT_EXPECT_EQ(test, la_gw_key_open(reply, LITEAUTH_GW_KEY_LEN, k,
					     &g), 0);
	la_expect_bytes(test, g.sk, t->v.sk, LA_KEY_LEN, "SK");

	/* The same HELLO from another gateway is no repeat: stale there. */
	memcpy(idg2, t->v.idg, LA_ID_LEN);
	idg2[7] ^= 0x40;
	la_ts_principal(&p, idg2, t->v.kg, true);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_GATEWAY, &p), 0);
	la_ts_gw_hello(&gh, t->v.kg, idg2, rg2,
		       (const struct la_hello *)la_vec_msg(&t->v,
							   LITEAUTH_MSG_HELLO));
	KUNIT_ASSERT_EQ(test, la_ts_handle(&gh, reply),
			LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, rj->reason, LITEAUTH_REJECT_STALE);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 1);

	/* A GW_CONFIRM whose SID is not the handshake's: nothing. */
	la_ts_gw_confirm(&gc, t->v.kg, t->v.idg, t->v.rg, t->v.rs, LA_SID + 1,
			 (const struct la_confirm *)
			 la_vec_msg(&t->v, LITEAUTH_MSG_CONFIRM));
	KUNIT_EXPECT_EQ(test, la_ts_handle(&gc, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 0);

	/* The vector's GW_CONFIRM carries the first Rg, not the last: it
	 * establishes the session, and gets no answer (the gateway ACKs).
	 */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 1);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth, 1);
	la_expect_bytes(test, audit.last_auth.idg, t->v.idg, LA_ID_LEN, "IDg");
	KUNIT_EXPECT_EQ(test, audit.last_auth.flags, 0);

	/* Again: a repeat of the live session, recorded once. */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRM_REPEAT], 1);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth, 1);
	/* A direct CONFIRM of it: the server does not hold that one. */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 2);
	la_principal_wipe(&p);
	memzero_explicit(&g, sizeof(g));
	memzero_explicit(k, sizeof(k));
}

/*
 * A GW_CONFIRM for a handshake the server lost (it restarted after its
 * GW_KEY): recorded on the gateway's word once T6 verifies, never on an
 * unverified one, and once only. The device's record kept the handshake
 * (IDg, Rs, SID, CTR) since its GW_KEY, and gives it up with it.
 */
static void la_test_srv_gw_confirm_restart(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], m[LITEAUTH_MSG_MAX_LEN];
	struct la_ts_audit audit;
	struct la_principal p;
	struct la_hello h;

	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p),
			0);
	la_expect_bytes(test, p.hs.idg, t->v.idg, LA_ID_LEN, "its IDg");
	la_expect_bytes(test, p.hs.rs, t->v.rs, LA_NONCE_LEN, "its Rs");
	KUNIT_EXPECT_EQ(test, p.hs.sid, LA_SID);
	KUNIT_EXPECT_EQ(test, p.hs.ctr, LA_CTR);
	/* pending_ms after its GW_KEY, and a second for the rounding. */
	KUNIT_EXPECT_EQ(test, p.hs.expires, la_ts_wall(t) + 30 + 1);
	KUNIT_ASSERT_EQ(test, la_ts_restart(&la_ts_limits), 0);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 0);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(t->log, "and 1 handshakes answered"),
			      "%s", t->log);

	/* A GW_CONFIRM with a bad T6 is no gateway's word. */
	memcpy(m, la_vec_msg(&t->v, LITEAUTH_MSG_GW_CONFIRM),
	       LITEAUTH_GW_CONFIRM_LEN);
	m[LITEAUTH_GW_CONFIRM_LEN - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, la_ts_handle(m, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_GATEWAY], 1);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 1);	/* its handshake */
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 0);

	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 0);
	la_ts_audit(&audit);
	KUNIT_ASSERT_EQ(test, audit.auth, 1);
	KUNIT_EXPECT_EQ(test, audit.last_auth.flags, LA_AUDIT_F_GATEWAY_WORD);
	la_expect_bytes(test, audit.last_auth.idg, t->v.idg, LA_ID_LEN, "IDg");
	la_expect_bytes(test, audit.last_auth.idd, t->v.idd, LA_ID_LEN, "IDd");
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 1);
	KUNIT_EXPECT_EQ(test, p.ctr, LA_CTR);	/* its handshake's */
	KUNIT_EXPECT_EQ(test, audit.last_auth.ctr, LA_CTR);
	KUNIT_EXPECT_EQ(test, p.hs.expires, 0);	/* used */
	la_principal_wipe(&p);

	/* Its SID is taken in its gateway's space for the session's life;
	 * the direct devices' space is another one, where it is free.
	 */
	t->sid = LA_SID;
	la_ts_vhello(&h, LA_CTR + 1, 0x42);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, reply), LITEAUTH_KEY_LEN);
	{
		struct la_gw_hello gh;
		struct la_confirm c;
		struct la_grant g;

		KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h, reply, &c,
						    &g), 0);
		KUNIT_EXPECT_EQ(test, g.sid, LA_SID);
		la_ts_vhello(&h, LA_CTR + 2, 0x43);
		la_ts_gw_hello(&gh, t->v.kg, t->v.idg, t->v.rg, &h);
		KUNIT_ASSERT_EQ(test, la_ts_handle(&gh, reply),
				LITEAUTH_GW_KEY_LEN);
		KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h,
						    &((struct la_gw_key *)
						      reply)->key, &c, &g), 0);
		KUNIT_EXPECT_NE(test, g.sid, LA_SID);
		memzero_explicit(&g, sizeof(g));
	}

	/* Replayed, it records nothing more: its session's again, nor after
	 * another restart, its handshake gone from the record.
	 */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRM_REPEAT], 1);
	KUNIT_ASSERT_EQ(test, la_ts_restart(&la_ts_limits), 0);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 1);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth, 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 0);
}

/* An unknown device: silence directly, GW_REJECT (the vector) via G. */
static void la_test_srv_unknown(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	struct la_ts_audit audit;
	int i;

	KUNIT_ASSERT_EQ(test, la_store_del(t->store, LA_DEVICE, t->v.idd), 0);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply), 0);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_REJECT_LEN);
	la_expect_bytes(test, reply, la_vec_msg(&t->v, LITEAUTH_MSG_GW_REJECT),
			LITEAUTH_GW_REJECT_LEN, "GW_REJECT");
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_UNKNOWN], 12);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 0);
	/* Nothing written one by one; one line logged. */
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.refused, 0);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(t->log, "refused: drop-unknown") &&
			      t->nlog == 1, "%d lines: %s", t->nlog, t->log);

	/* At the interval's end: one summary per (IDg, IDd, reason), and
	 * one line for what was not logged.
	 */
	la_ts_interval();
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.refused, 2);
	KUNIT_EXPECT_EQ(test, audit.refusals, 12);
	KUNIT_EXPECT_EQ(test, audit.last.reason, LA_AUDIT_UNKNOWN);
	KUNIT_EXPECT_TRUE(test, audit.last.flags & LA_AUDIT_F_CLAIMED);
	KUNIT_EXPECT_TRUE(test, audit.last.flags & LA_AUDIT_F_SUMMARY);
	KUNIT_EXPECT_TRUE_MSG(test,
			      strstr(t->log, "drop-unknown: and 11 more in the last 60 s, suppressed") != NULL,
			      "%s", t->log);

	/* A new interval logs its first one again; shutdown writes it. */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply), 0);
	KUNIT_EXPECT_EQ(test, t->nlog, 3);
	la_server_destroy(&t->srv);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.refused, 3);
	KUNIT_EXPECT_EQ(test, audit.refusals, 13);
	KUNIT_EXPECT_EQ(test, la_server_init(&t->srv, t->store, &t->limits,
					     &la_ts_ops, t), 0);
}

/* Wrong tags, a disabled device, a fake gateway, a bad CONFIRM. */
static void la_test_srv_refusals(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], m[LITEAUTH_MSG_MAX_LEN];
	struct la_principal p;
	struct la_gw_reject *r = (struct la_gw_reject *)reply;

	/* HELLO with a bad T1. */
	memcpy(m, la_vec_msg(&t->v, LITEAUTH_MSG_HELLO), LITEAUTH_HELLO_LEN);
	m[LITEAUTH_HELLO_LEN - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, la_server_handle(&t->srv, m, LITEAUTH_HELLO_LEN,
					       reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_AUTH], 1);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 0);

	/* A fake gateway: a bad T4 gets nothing at all. */
	memcpy(m, la_vec_msg(&t->v, LITEAUTH_MSG_GW_HELLO),
	       LITEAUTH_GW_HELLO_LEN);
	m[LITEAUTH_GW_HELLO_LEN - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, la_server_handle(&t->srv, m,
					       LITEAUTH_GW_HELLO_LEN, reply),
			0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_GATEWAY], 1);
	KUNIT_EXPECT_EQ(test, t->srv.ngateways, 1);	/* loaded at start */

	/* A disabled device behind a genuine gateway: GW_REJECT 3. */
	la_ts_principal(&p, t->v.idd, t->v.kd, false);
	KUNIT_ASSERT_EQ(test, la_store_update(t->store, LA_DEVICE, &p), 0);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, r->reason, LITEAUTH_REJECT_DEVICE_DISABLED);
	KUNIT_EXPECT_EQ(test, t->srv.ngateways, 1);
	p.enabled = true;
	KUNIT_ASSERT_EQ(test, la_store_update(t->store, LA_DEVICE, &p), 0);
	la_principal_wipe(&p);

	/* A CONFIRM with a bad T3 establishes nothing; the right one does. */
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply),
			LITEAUTH_KEY_LEN);
	memcpy(m, la_vec_msg(&t->v, LITEAUTH_MSG_CONFIRM),
	       LITEAUTH_CONFIRM_LEN);
	m[LITEAUTH_CONFIRM_LEN - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, la_server_handle(&t->srv, m,
					       LITEAUTH_CONFIRM_LEN, reply),
			0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 0);
	/* Counted apart from a bad T1, as the audit tells them apart. */
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_AUTH], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_CONFIRM], 1);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply),
			LITEAUTH_ACK_LEN);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 1);
	/* Each logged line names its refusal as the counter and audit do. */
	KUNIT_EXPECT_TRUE_MSG(test,
			      strstr(t->log, "refused: drop-auth") &&
			      strstr(t->log, "refused: drop-gateway") &&
			      strstr(t->log, "refused: drop-disabled") &&
			      strstr(t->log, "refused: drop-confirm"),
			      "%s", t->log);

	/* What a server never takes. */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_KEY, reply), 0);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_ACK, reply), 0);
	KUNIT_EXPECT_EQ(test, la_server_handle(&t->srv, m, 3, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_MALFORMED], 3);
	KUNIT_EXPECT_TRUE(test, strstr(t->log, "refused: drop-malformed"));
}

/* The reasons of the refusal records, as bits. */
static int la_ts_reason_one(void *arg, const struct la_audit *a)
{
	if (a->result)
		*(unsigned int *)arg |= 1U << a->reason;
	return 0;
}

/*
 * One vocabulary: an audit reason is printed as the name of the one
 * counter that counts its refusals, every code its own counter's; a
 * refusal counted under drop-rate-unknown or drop-store is audited so
 * (its own code), and a gateway gets REASON 4 or 5 for it.
 */
static void la_test_srv_reasons(struct kunit *test)
{
	static const char *const want[LA_AUDIT_REASON_MAX] = {
		"-", "drop-unknown", "drop-auth", "drop-disabled",
		"drop-rate", "drop-busy", "drop-stale", "drop-confirm",
		"drop-gateway", "drop-rate-unknown", "drop-rate-gateway",
		"drop-store",
	};
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	const struct la_gw_reject *r = (const void *)reply;
	struct la_server_limits l = la_ts_limits;
	struct la_ts_audit audit;
	unsigned int i, seen = 0;

	for (i = 0; i < LA_AUDIT_REASON_MAX; i++)
		KUNIT_EXPECT_TRUE_MSG(test,
				      !strcmp(la_audit_reason_name(i), want[i]),
				      "reason %u: %s", i,
				      la_audit_reason_name(i));
	KUNIT_EXPECT_TRUE(test,
			  !strcmp(la_audit_reason_name(LA_AUDIT_REASON_MAX),
				  "?"));
	/* Over the unknown devices' budget of a gateway: REASON 4. */
	l.rate_unknown = 1;
	l.burst_unknown = 1;
	KUNIT_ASSERT_EQ(test, la_ts_restart(&l), 0);
	KUNIT_ASSERT_EQ(test, la_store_del(t->store, LA_DEVICE, t->v.idd), 0);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, r->reason, LITEAUTH_REJECT_UNKNOWN_DEVICE);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, r->reason, LITEAUTH_REJECT_RATE_LIMITED);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_RATE_UNKNOWN], 1);
	KUNIT_EXPECT_TRUE(test, strstr(t->log, "refused: drop-rate-unknown"));
	la_ts_interval();
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.refused, 2);
	KUNIT_EXPECT_EQ(test, la_store_audit_list(t->store, la_ts_reason_one,
						  &seen), 0);
	KUNIT_EXPECT_EQ(test, seen, 1U << LA_AUDIT_UNKNOWN |
			1U << LA_AUDIT_RATE_UNKNOWN);
}

/*
 * A replayed HELLO (an older CTR, captured earlier: T1 verifies) neither
 * replaces the handshake in progress nor spends the device's budget, nor
 * reaches the store; after a restart, the stored CTR makes it stale.
 */
static void la_test_srv_stale(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], key[LITEAUTH_KEY_LEN];
	const struct la_gw_reject *rj = (const struct la_gw_reject *)reply;
	struct la_hello h, old, fresh;
	struct la_gw_hello gh;
	struct la_confirm c;
	struct la_grant g;
	int i;

	la_ts_vhello(&old, 5, 0x05);
	la_ts_vhello(&h, 10, 0x10);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_HELLO], 1);

	/* 100 replays: all stale, nothing drawn, through a gateway too. */
	t->nrandom = 0;
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_EQ(test, la_ts_handle(&old, reply), 0);
	la_ts_gw_hello(&gh, t->v.kg, t->v.idg, t->v.rg, &old);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&gh, reply),
			LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, rj->reason, LITEAUTH_REJECT_STALE);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_STALE], 101);
	KUNIT_EXPECT_EQ(test, t->nrandom, 0);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 1);

	/* Checked in memory: with the device gone from the store, a stale
	 * HELLO is still stale, not unknown: the store was not read.
	 */
	KUNIT_ASSERT_EQ(test, la_store_del(t->store, LA_DEVICE, t->v.idd), 0);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&old, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_STALE], 102);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_UNKNOWN], 0);
	{
		struct la_principal p;

		la_ts_principal(&p, t->v.idd, t->v.kd, true);
		KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_DEVICE, &p),
				0);
		la_principal_wipe(&p);
	}

	/* The handshake in progress is the one of CTR 10. */
	KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h, key, &c, &g), 0);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&c, reply), LITEAUTH_ACK_LEN);
	KUNIT_EXPECT_TRUE(test, la_ts_ack_ok(&h, key, &g, reply));

	/* The budget (a burst of 5) lost one unit, to CTR 10 only. */
	for (i = 0; i < 4; i++) {
		la_ts_vhello(&fresh, 11 + i, 0x20 + i);
		KUNIT_EXPECT_EQ(test, la_ts_handle(&fresh, reply),
				LITEAUTH_KEY_LEN);
	}
	la_ts_vhello(&fresh, 20, 0x30);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&fresh, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_RATE], 1);

	/* After a restart: CTR 10 is the store's, so CTR 5 and 10 are
	 * stale, and 14 (accepted, never confirmed) is fresh again.
	 */
	KUNIT_ASSERT_EQ(test, la_ts_restart(&la_ts_limits), 0);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&old, reply), 0);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&h, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_STALE], 2);
	/* Its session is held from the store, its CTR with it. */
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 1);
	KUNIT_EXPECT_EQ(test, t->srv.restored, 1);
	la_ts_vhello(&fresh, 14, 0x23);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&fresh, reply), LITEAUTH_KEY_LEN);
	memzero_explicit(&g, sizeof(g));
}

/*
 * A forged HELLO (bad T1) naming a victim in its handshake, with a CTR
 * above everything: the victim's handshake and budget stay, and its
 * CONFIRM then succeeds.
 */
static void la_test_srv_forged(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], key[LITEAUTH_KEY_LEN];
	u8 wrong[LA_KEY_LEN], gkey[LITEAUTH_GW_KEY_LEN];
	const struct la_gw_reject *rj = (const struct la_gw_reject *)reply;
	struct la_hello h, forged;
	struct la_gw_hello gh;
	struct la_gw_confirm gc;
	struct la_confirm c;
	struct la_grant g;
	u64 reads;
	int i;

	la_ts_vhello(&h, 10, 0x10);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	memset(wrong, 0x99, sizeof(wrong));
	reads = t->srv.counters[LA_SRV_DROP_RATE_UNKNOWN];
	/* Gone from the store, it would be unknown if the store were read. */
	KUNIT_ASSERT_EQ(test, la_store_del(t->store, LA_DEVICE, t->v.idd), 0);
	for (i = 0; i < 200; i++) {
		u8 rd[LA_NONCE_LEN] = { 0xf0, 0, 0, 0, 0, 0, 0, i };

		la_ts_hello(&forged, wrong, t->v.idd, 1000 + i, rd);
		KUNIT_EXPECT_EQ(test, la_ts_handle(&forged, reply), 0);
	}
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_AUTH], 200);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_RATE], 0);
	/* Checked in memory: no budget of unknown devices spent either. */
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_RATE_UNKNOWN], reads);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_UNKNOWN], 0);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 1);
	{
		struct la_principal p;

		la_ts_principal(&p, t->v.idd, t->v.kd, true);
		KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_DEVICE, &p),
				0);
		la_principal_wipe(&p);
	}
	KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h, key, &c, &g), 0);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&c, reply), LITEAUTH_ACK_LEN);
	KUNIT_EXPECT_TRUE(test, la_ts_ack_ok(&h, key, &g, reply));
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 1);

	/* The same through a genuine gateway: GW_REJECT 2, and the next
	 * handshake through it completes.
	 */
	la_ts_vhello(&h, 11, 0x11);
	la_ts_gw_hello(&gh, t->v.kg, t->v.idg, t->v.rg, &h);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&gh, gkey), LITEAUTH_GW_KEY_LEN);
	la_ts_hello(&forged, wrong, t->v.idd, 5000, t->v.rd);
	la_ts_gw_hello(&gh, t->v.kg, t->v.idg, t->v.rg, &forged);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&gh, reply),
			LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, rj->reason, LITEAUTH_REJECT_BAD_DEVICE_MAC);
	KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h,
					    &((struct la_gw_key *)gkey)->key,
					    &c, &g), 0);
	la_ts_gw_confirm(&gc, t->v.kg, t->v.idg, t->v.rg,
			 ((struct la_gw_key *)gkey)->rs, g.sid, &c);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&gc, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 2);
	memzero_explicit(&g, sizeof(g));
}

/*
 * A flood of 100,000 HELLOs with made-up IDs leaves no state, writes at
 * most the bounded number of summaries, logs a few lines, starves no
 * device that proved itself, and evicts no authentication from the audit
 * log even with a small audit-keep.
 */
static void la_test_srv_flood(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	struct la_server_limits l = la_ts_limits;
	u8 reply[LITEAUTH_MSG_MAX_LEN], key[LITEAUTH_KEY_LEN];
	struct la_ts_audit audit;
	struct la_hello h, forged;
	struct la_confirm c;
	struct la_grant g;
	u8 id[LA_ID_LEN];
	int i, nlog;

	l.audit_keep = 2;
	l.audit_refusals_keep = 50;
	KUNIT_ASSERT_EQ(test, la_ts_restart(&l), 0);
	/* The device proves itself before the flood. */
	la_ts_vhello(&h, 10, 0x10);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h, key, &c, &g), 0);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&c, reply), LITEAUTH_ACK_LEN);

	nlog = t->nlog;
	for (i = 0; i < 100000; i++) {
		la_ts_random_id(id);
		la_ts_hello(&forged, t->v.kd, id, 1 + i, t->v.rd);
		KUNIT_ASSERT_EQ(test, la_ts_handle(&forged, reply), 0);
		if (i % 1000 == 0)
			t->now += 10 * MS;
	}
	KUNIT_EXPECT_EQ(test, t->srv.npending, 0);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 1);	/* the device's */
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_UNKNOWN] +
			t->srv.counters[LA_SRV_DROP_RATE_UNKNOWN], 100000);
	/* The budget of the unknown was the only one spent. */
	KUNIT_EXPECT_GE(test, t->srv.counters[LA_SRV_DROP_RATE_UNKNOWN], 99000);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_RATE], 0);
	KUNIT_EXPECT_LE(test, t->nlog - nlog, 2);

	/* The device that proved itself gets through during the flood. */
	la_ts_vhello(&h, 11, 0x11);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h, key, &c, &g), 0);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&c, reply), LITEAUTH_ACK_LEN);

	la_ts_interval();
	KUNIT_EXPECT_GE(test, t->srv.counters[LA_SRV_AUDIT_OVERFLOW],
			100000 - LA_SRV_SUMMARY_CLAIMED_MAX);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth, 2);
	KUNIT_EXPECT_LE(test, audit.refused, 50);
	/* The last written: an overflow summary, without IDs. */
	KUNIT_EXPECT_TRUE(test, audit.last.flags & LA_AUDIT_F_OVERFLOW);
	KUNIT_EXPECT_TRUE(test, audit.last.count > 1);
	{
		static const u8 zero[LA_ID_LEN];

		KUNIT_EXPECT_TRUE(test, !memcmp(audit.last.idd, zero,
						LA_ID_LEN));
	}
	/* What one interval may write: the bound for claims, and no more. */
	la_ts_restart(&la_ts_limits);
	for (i = 0; i < 10000; i++) {
		la_ts_random_id(id);
		la_ts_hello(&forged, t->v.kd, id, 1, t->v.rd);
		la_ts_handle(&forged, reply);
	}
	la_ts_interval();
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.refused - 50,
			LA_SRV_SUMMARY_CLAIMED_MAX + 1);
	/* The device's session, held from the store; nothing else. */
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 1);
	memzero_explicit(&g, sizeof(g));
}

/*
 * Fake gateways spend the budget of gateway lookups, not a gateway the
 * store has (loaded at start, never heard from before the flood), and a
 * direct flood of made-up devices does not spend the budget of the
 * gateway's devices.
 */
static void la_test_srv_gateway_flood(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], m[LITEAUTH_MSG_MAX_LEN];
	struct la_gw_hello gh;
	struct la_principal p;
	struct la_hello h;
	u8 idg[LA_ID_LEN], idg2[LA_ID_LEN], id[LA_ID_LEN];
	int i;

	KUNIT_EXPECT_EQ(test, t->srv.ngateways, 1);
	for (i = 0; i < 1000; i++) {
		la_ts_random_id(idg);
		la_ts_gw_hello(&gh, t->v.kg, idg, t->v.rg,
			       (const struct la_hello *)
			       la_vec_msg(&t->v, LITEAUTH_MSG_HELLO));
		KUNIT_EXPECT_EQ(test, la_ts_handle(&gh, reply), 0);
	}
	/* The genuine gateway's IDg with bad tags: one MAC each. */
	memcpy(m, la_vec_msg(&t->v, LITEAUTH_MSG_GW_HELLO),
	       LITEAUTH_GW_HELLO_LEN);
	m[LITEAUTH_GW_HELLO_LEN - 1] ^= 1;
	for (i = 0; i < 1000; i++)
		KUNIT_EXPECT_EQ(test, la_ts_handle(m, reply), 0);
	KUNIT_EXPECT_GE(test, t->srv.counters[LA_SRV_DROP_RATE_GATEWAY], 995);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_GATEWAY] +
			t->srv.counters[LA_SRV_DROP_RATE_GATEWAY], 2000);
	KUNIT_EXPECT_EQ(test, t->srv.ngateways, 1);

	/* And made-up devices, directly, spend the direct budget. */
	for (i = 0; i < 1000; i++) {
		la_ts_random_id(id);
		la_ts_hello(&h, t->v.kd, id, 1, t->v.rd);
		KUNIT_EXPECT_EQ(test, la_ts_handle(&h, reply), 0);
	}
	KUNIT_EXPECT_GE(test, t->srv.counters[LA_SRV_DROP_RATE_UNKNOWN], 980);

	/* The genuine gateway's first GW_HELLO, of a device the server has
	 * never seen: answered.
	 */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);
	la_expect_bytes(test, reply, la_vec_msg(&t->v, LITEAUTH_MSG_GW_KEY),
			LITEAUTH_GW_KEY_LEN, "GW_KEY");

	/* A gateway added since the start is looked up, on the budget. */
	memcpy(idg2, t->v.idg, LA_ID_LEN);
	idg2[7] ^= 0x40;
	la_ts_principal(&p, idg2, t->v.kg, true);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_GATEWAY, &p), 0);
	la_ts_gw_hello(&gh, t->v.kg, idg2, t->v.rg,
		       (const struct la_hello *)
		       la_vec_msg(&t->v, LITEAUTH_MSG_HELLO));
	KUNIT_EXPECT_EQ(test, la_ts_handle(&gh, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.ngateways, 1);
	t->now += 2 * NS;	/* the budget refills: 1 a second */
	KUNIT_EXPECT_EQ(test, la_ts_handle(&gh, reply),
			LITEAUTH_GW_REJECT_LEN);	/* stale: a repeat */
	KUNIT_EXPECT_EQ(test, t->srv.ngateways, 2);

	/* Disabled, a gateway is refused once its record is read again. */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);	/* read again: a repeat */
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_KEY_RESENT], 1);
	la_ts_principal(&p, t->v.idg, t->v.kg, false);
	KUNIT_ASSERT_EQ(test, la_store_update(t->store, LA_GATEWAY, &p), 0);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);	/* within the recheck */
	t->now += LA_SRV_GW_RECHECK_MS * MS;
	KUNIT_EXPECT_NE(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);
	KUNIT_EXPECT_EQ(test, t->srv.ngateways, 1);
	/* Enabled again, the resync of SIGHUP loads it. */
	p.enabled = true;
	KUNIT_ASSERT_EQ(test, la_store_update(t->store, LA_GATEWAY, &p), 0);
	la_server_resync(&t->srv);
	KUNIT_EXPECT_EQ(test, t->srv.ngateways, 2);

	/* Rekeyed, a gateway's new key works (and its old one no more)
	 * once its record is read again.
	 */
	memset(p.key, 0x5c, LA_KEY_LEN);
	memcpy(p.id, idg2, LA_ID_LEN);
	KUNIT_ASSERT_EQ(test, la_store_update(t->store, LA_GATEWAY, &p), 0);
	t->now += LA_SRV_GW_RECHECK_MS * MS;
	la_ts_gw_hello(&gh, p.key, idg2, t->v.rg,
		       (const struct la_hello *)
		       la_vec_msg(&t->v, LITEAUTH_MSG_HELLO));
	KUNIT_EXPECT_EQ(test, la_ts_handle(&gh, reply),
			LITEAUTH_GW_REJECT_LEN);
	la_ts_gw_hello(&gh, t->v.kg, idg2, t->v.rg,
		       (const struct la_hello *)
		       la_vec_msg(&t->v, LITEAUTH_MSG_HELLO));
	KUNIT_EXPECT_EQ(test, la_ts_handle(&gh, reply), 0);
	la_principal_wipe(&p);
}

/* Rate limits, a full table, unique SIDs, expiry and forgetting. */
static void la_test_srv_limits(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	struct la_server_limits l = la_ts_limits;
	u8 reply[LITEAUTH_MSG_MAX_LEN], key[LITEAUTH_KEY_LEN];
	const struct la_gw_reject *r = (const struct la_gw_reject *)reply;
	struct la_principal p;
	struct la_hello h, h2;
	struct la_gw_hello gh;
	struct la_confirm c;
	struct la_grant g;
	u8 id2[LA_ID_LEN];
	int i;

	/* Each new CTR is a new handshake; the sixth in a burst of five is
	 * refused, with GW_REJECT 4 through a gateway.
	 */
	for (i = 0; i < 5; i++) {
		la_ts_vhello(&h, 10 + i, i);
		KUNIT_EXPECT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	}
	la_ts_vhello(&h2, 20, 9);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&h2, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_RATE], 1);
	la_ts_gw_hello(&gh, t->v.kg, t->v.idg, t->v.rg, &h2);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&gh, reply),
			LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, r->reason, LITEAUTH_REJECT_RATE_LIMITED);
	/* One handshake per device: each new CTR replaced the last, and
	 * took the next SID (they are handed out in order).
	 */
	KUNIT_EXPECT_EQ(test, t->srv.npending, 1);
	KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h, key, &c, &g), 0);
	KUNIT_EXPECT_EQ(test, g.sid, LA_SID + 4);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&c, reply), LITEAUTH_ACK_LEN);

	/* A second device while the first holds SID 0x2e: the next. */
	memcpy(id2, t->v.idd, LA_ID_LEN);
	id2[7] ^= 0xff;
	la_ts_principal(&p, id2, t->v.kd, true);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_DEVICE, &p), 0);
	la_ts_hello(&h2, t->v.kd, id2, 1, t->v.rd);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h2, key), LITEAUTH_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h2, key, &c, &g), 0);
	KUNIT_EXPECT_EQ(test, g.sid, LA_SID + 5);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 1);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 2);

	/* The handshake expires after 30 s; the device's state (its CTR 1
	 * never confirmed) stays; the session after LIFE, and then the
	 * first device's state, which the store holds all of, goes.
	 */
	t->now += 30 * NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 0);
	t->now += (u64)LA_LIFE * 60 * NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 1);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&h2, reply), 0);	/* stale */
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_STALE], 1);

	/* A full table: the next device is refused as busy. */
	l.pending_max = 1;
	KUNIT_ASSERT_EQ(test, la_ts_restart(&l), 0);
	la_ts_vhello(&h, 30, 1);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	la_ts_hello(&h2, t->v.kd, id2, 2, t->v.rd);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&h2, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_BUSY], 1);
	/* ... but the device in progress may start over. */
	la_ts_vhello(&h, 31, 2);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	la_principal_wipe(&p);
	memzero_explicit(&g, sizeof(g));
}

/*
 * Budgets: a flood of made-up IDs spends the budget of unknown devices,
 * which a device not yet proven then shares, but not the one of a device
 * that proved itself.
 */
static void la_test_srv_unknown_budget(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], key[LITEAUTH_KEY_LEN];
	struct la_hello h, forged, other;
	struct la_principal p;
	u8 id[LA_ID_LEN], id2[LA_ID_LEN];
	int i;

	memcpy(id2, t->v.idd, LA_ID_LEN);
	id2[7] ^= 0xff;
	la_ts_principal(&p, id2, t->v.kd, true);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_DEVICE, &p), 0);
	la_principal_wipe(&p);
	la_ts_vhello(&h, 10, 1);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	for (i = 0; i < (int)la_ts_limits.burst_unknown; i++) {
		la_ts_random_id(id);
		la_ts_hello(&forged, t->v.kd, id, 1, t->v.rd);
		KUNIT_EXPECT_EQ(test, la_ts_handle(&forged, reply), 0);
	}
	/* The device's own first HELLO took one unit of it. */
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_UNKNOWN],
			la_ts_limits.burst_unknown - 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_RATE_UNKNOWN], 1);
	la_ts_hello(&other, t->v.kd, id2, 1, t->v.rd);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&other, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_RATE_UNKNOWN], 2);
	la_ts_vhello(&h, 11, 2);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	/* A second later the budget has refilled by ten (600 a minute). */
	t->now += NS;
	KUNIT_EXPECT_EQ(test, la_ts_handle(&other, reply), LITEAUTH_KEY_LEN);
}

/* A device re-provisioned while the server runs: SIGHUP's resync. */
static void la_test_srv_resync(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], key[LITEAUTH_KEY_LEN];
	u8 newkey[LA_KEY_LEN];
	struct la_principal p;
	struct la_hello h;
	struct la_confirm c;
	struct la_grant g;

	la_ts_vhello(&h, 10, 1);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_ts_confirm(t->v.kd, &h, key, &c, &g), 0);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&c, reply), LITEAUTH_ACK_LEN);

	/* Rekeyed (CTR back to 0), it starts from CTR 1 with its new key. */
	memset(newkey, 0x3c, sizeof(newkey));
	la_ts_principal(&p, t->v.idd, newkey, true);
	KUNIT_ASSERT_EQ(test, la_store_update(t->store, LA_DEVICE, &p), 0);
	la_ts_hello(&h, newkey, t->v.idd, 1, t->v.rd);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&h, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_STALE], 1);
	la_server_resync(&t->srv);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_ts_confirm(newkey, &h, key, &c, &g), 0);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&c, reply), LITEAUTH_ACK_LEN);

	/* An unchanged device keeps what only memory knows. */
	la_ts_hello(&h, newkey, t->v.idd, 2, t->v.rd);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&h, key), LITEAUTH_KEY_LEN);
	la_server_resync(&t->srv);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 1);
	KUNIT_EXPECT_EQ(test, la_ts_handle(&h, reply), LITEAUTH_KEY_LEN);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_KEY_RESENT], 1);
	la_principal_wipe(&p);
	memzero_explicit(&g, sizeof(g));
}

/* Device @n of the SID tests: ID 00 13 .. n, the vectors' key. */
static void la_ts_dev(struct la_principal *p, u8 kind, u32 n)
{
	memset(p, 0, sizeof(*p));
	p->id[1] = kind;
	la_put_be32(p->id + 4, n);
	memcpy(p->key, la_ts.v.kd, LA_KEY_LEN);
	p->suite = S;
	p->enabled = true;
}

/* Devices 0 .. @n - 1 of the SID tests, in the store; their IDs in @ids. */
static void la_ts_devs(struct kunit *test, u8 (*ids)[LA_ID_LEN], int n)
{
	struct la_principal p;
	int i;

	for (i = 0; i < n; i++) {
		la_ts_dev(&p, 0x13, i);
		memcpy(ids[i], p.id, LA_ID_LEN);
		KUNIT_ASSERT_EQ(test, la_store_add(la_ts.store, LA_DEVICE, &p),
				0);
	}
	la_principal_wipe(&p);
}

/*
 * One handshake of device @idd (the vectors' key) with @ctr, through
 * gateway @idg (the vectors' key) or, with @idg NULL, directly; its SID
 * in *@sid. With @confirm, confirmed too. 0, or the step that failed:
 * 1 no KEY, 2 it does not open, 3 not confirmed.
 */
static int la_ts_auth(const u8 *idd, u32 ctr, const u8 *idg, bool confirm,
		      u16 *sid)
{
	u8 reply[LITEAUTH_MSG_MAX_LEN], rd[LA_NONCE_LEN], rg[LA_NONCE_LEN];
	const u8 *kd = la_ts.v.kd, *kg = la_ts.v.kg;
	u64 confirmed = la_ts.srv.counters[LA_SRV_CONFIRMED];
	const struct la_key *key = (const struct la_key *)reply;
	struct la_gw_confirm gc;
	struct la_gw_hello gh;
	struct la_confirm c;
	struct la_hello h;
	struct la_grant g;
	int ret = 0;

	memcpy(rd, idd + 4, 4);
	la_put_be32(rd + 4, ctr);
	memcpy(rg, rd, LA_NONCE_LEN);
	rg[0] ^= 0xa5;
	la_ts_hello(&h, kd, idd, ctr, rd);
	if (idg) {
		la_ts_gw_hello(&gh, kg, idg, rg, &h);
		if (la_ts_handle(&gh, reply) != LITEAUTH_GW_KEY_LEN)
			return 1;
		key = &((const struct la_gw_key *)reply)->key;
	} else if (la_ts_handle(&h, reply) != LITEAUTH_KEY_LEN) {
		return 1;
	}
	if (la_ts_confirm(kd, &h, key, &c, &g))
		return 2;
	*sid = g.sid;
	if (confirm && idg) {
		la_ts_gw_confirm(&gc, kg, idg, rg, key->rs, g.sid, &c);
		la_ts_handle(&gc, reply);
	} else if (confirm) {
		la_ts_handle(&c, reply);
	}
	if (confirm && la_ts.srv.counters[LA_SRV_CONFIRMED] != confirmed + 1)
		ret = 3;
	memzero_explicit(&g, sizeof(g));
	return ret;
}

/* The GW_CONFIRM la_ts_auth would have sent for that handshake. */
static void la_ts_auth_confirm(const u8 *idd, u32 ctr, const u8 *idg,
			       u16 sid)
{
	u8 reply[LITEAUTH_MSG_MAX_LEN], rd[LA_NONCE_LEN], rg[LA_NONCE_LEN];
	struct la_gw_confirm gc;
	struct la_confirm c;
	struct la_hello h;
	struct la_key key;
	struct la_grant g;
	u8 k[LA_KEY_LEN];

	memcpy(rd, idd + 4, 4);
	la_put_be32(rd + 4, ctr);
	memcpy(rg, rd, LA_NONCE_LEN);
	rg[0] ^= 0xa5;
	la_ts_hello(&h, la_ts.v.kd, idd, ctr, rd);
	/* The server's KEY: Rs and SK are the "CSPRNG"'s. */
	memset(&g, 0, sizeof(g));
	memcpy(g.sk, la_ts.v.sk, LA_KEY_LEN);
	g.sid = sid;
	g.life = la_ts.limits.life;
	la_derive(S, LA_K_KEY, la_ts.v.kd, idd, rd, la_ts.v.rs, k);
	la_key_build(&key, S, k, idd, rd, la_ts.v.rs, &g);
	la_ts_confirm(la_ts.v.kd, &h, &key, &c, &g);
	la_ts_gw_confirm(&gc, la_ts.v.kg, idg, rg, la_ts.v.rs, sid, &c);
	la_ts_handle(&gc, reply);
	memzero_explicit(k, sizeof(k));
	memzero_explicit(&g, sizeof(g));
}

/* A crash: what waits to be written is lost, the server starts again. */
static int la_ts_crash(void)
{
	la_ts.srv.nrecords = 0;
	return la_ts_restart(&la_ts.limits);
}

static enum la_sid_state la_ts_sid(const u8 *idg, u16 sid)
{
	return la_server_sid(&la_ts.srv, idg, idg, sid, NULL);
}

static u32 la_ts_held(const u8 *idg)
{
	u32 n;

	la_server_sid(&la_ts.srv, idg, idg, 0, &n);
	return n;
}

/*
 * One SID space per gateway and one for direct devices: the same SID in
 * each at once. A device's SIDs go to its record. One that authenticates
 * at another gateway leaves its session there held until it expires;
 * back where it was, the one it left is replaced and goes.
 */
static void la_test_srv_sid_spaces(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 a[LA_ID_LEN], b[LA_ID_LEN], dev[4][LA_ID_LEN];
	struct la_principal p;
	u64 wall0, t0;
	u16 sid;

	memcpy(a, t->v.idg, LA_ID_LEN);
	memcpy(b, a, LA_ID_LEN);
	b[7] ^= 0x40;
	la_ts_principal(&p, b, t->v.kg, true);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_GATEWAY, &p), 0);
	la_ts_devs(test, dev, 4);
	t->sid = 100;
	t0 = t->now;
	wall0 = la_ts_wall(t);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[0], 1, a, true, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 100);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[1], 1, b, true, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 100);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[2], 1, NULL, true, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 100);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 100), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_sid(b, 100), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_sid(NULL, 100), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_held(a) + la_ts_held(b) +
			la_ts_held(NULL), 3);
	KUNIT_EXPECT_EQ(test, t->srv.nspaces, 3);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, dev[0], &p),
			0);
	KUNIT_EXPECT_TRUE(test, p.held[0].gateway);
	la_expect_bytes(test, p.held[0].idg, a, LA_ID_LEN, "held IDg");
	KUNIT_EXPECT_EQ(test, p.held[0].sid, 100);
	KUNIT_EXPECT_EQ(test, p.held[0].expires, wall0 + LA_LIFE * 60);
	KUNIT_EXPECT_EQ(test, p.held[1].expires, 0);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, dev[2], &p),
			0);
	KUNIT_EXPECT_FALSE(test, p.held[0].gateway);

	/* Device 0 at gateway B: its session at A stays held. */
	t->now += 10 * NS;
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[0], 2, b, true, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 101);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 100), LA_SID_HELD);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, dev[0], &p),
			0);
	la_expect_bytes(test, p.held[0].idg, b, LA_ID_LEN, "now at B");
	KUNIT_EXPECT_EQ(test, p.held[0].sid, 101);
	la_expect_bytes(test, p.held[1].idg, a, LA_ID_LEN, "left at A");
	KUNIT_EXPECT_EQ(test, p.held[1].sid, 100);
	KUNIT_EXPECT_EQ(test, p.held[1].expires, wall0 + LA_LIFE * 60);

	/* Device 1 from B to A and back: at B, its new session replaces
	 * the one it left there, at A the one it had stays held.
	 */
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[1], 2, a, true, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 101);
	KUNIT_EXPECT_EQ(test, la_ts_sid(b, 100), LA_SID_HELD);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[1], 3, b, true, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 102);
	KUNIT_EXPECT_EQ(test, la_ts_sid(b, 100), LA_SID_FREE);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 101), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_held(b), 2);

	/* LIFE after device 0's first session: the one it left at A is
	 * over, its session at B (10 s younger) is not.
	 */
	t->now = t0 + (u64)LA_LIFE * 60 * NS + NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 100), LA_SID_FREE);
	KUNIT_EXPECT_EQ(test, la_ts_sid(b, 101), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_sid(NULL, 100), LA_SID_FREE);
	/* A fifth free SID in order: A's cursor does not go back. */
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[3], 1, a, true, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 102);
	la_principal_wipe(&p);
}

/*
 * What was handed out just before a crash is held after it: a session
 * confirmed and written, one confirmed but not yet written, two GW_KEYs
 * whose handshakes were in progress, one written, one not. The cursor
 * starts past the block reserved, whose SIDs are held for pending_ms and
 * LIFE, across a second crash too; a GW_CONFIRM on the gateway's word
 * takes its SID from it. That of the GW_KEY whose record the crash lost
 * is not taken on the gateway's word.
 */
static void la_test_srv_sid_crash(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 dev[6][LA_ID_LEN];
	const u8 *a = t->v.idg;
	struct la_principal p;
	u16 sid[6], x;
	u64 r1;
	int i;

	la_ts_devs(test, dev, 6);
	/* Across the wrap of the 16 bits. */
	t->sid = 65530;
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[1], 1, a, true, &sid[1]), 0);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[3], 1, a, false, &sid[3]), 0);
	la_server_begin(&t->srv);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[2], 1, a, true, &sid[2]), 0);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[4], 1, a, false, &sid[4]), 0);
	KUNIT_EXPECT_EQ(test, sid[1], 65530);
	KUNIT_EXPECT_EQ(test, sid[3], 65531);
	KUNIT_EXPECT_EQ(test, sid[4], 65533);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_SID_MARKS], 1);

	t->now += NS;
	KUNIT_ASSERT_EQ(test, la_ts_crash(), 0);
	r1 = t->now;
	KUNIT_EXPECT_EQ(test, t->srv.restored, 1);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, dev[2], &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 0);	/* lost in the crash */
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[1]), LA_SID_HELD);
	for (i = 2; i <= 4; i++)
		KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[i]),
				LA_SID_QUARANTINED);
	/* The whole block: 256 free SIDs from 65530 on. */
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 65535), LA_SID_QUARANTINED);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 249), LA_SID_QUARANTINED);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 250), LA_SID_FREE);
	KUNIT_EXPECT_EQ(test, la_ts_sid(NULL, sid[2]), LA_SID_FREE);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[5], 1, a, true, &sid[5]), 0);
	KUNIT_EXPECT_EQ(test, sid[5], 250);

	/* Device 1's session was held from the store: a GW_CONFIRM of
	 * another of its handshakes is dropped, not taken on the word.
	 */
	la_ts_auth_confirm(dev[1], 2, a, 300);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 0);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 300), LA_SID_FREE);

	/* Device 3's gateway made its GW_KEY a session: on its word. */
	la_ts_auth_confirm(dev[3], 1, a, sid[3]);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_SID_CLASH], 0);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[3]), LA_SID_HELD);
	/* Device 4's GW_KEY went out, its record did not: not on the word
	 * of its gateway (a documented limit), its SID still quarantined.
	 */
	la_ts_auth_confirm(dev[4], 1, a, sid[4]);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 2);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[4]), LA_SID_QUARANTINED);

	/* A second crash: the first one's quarantine holds still, and
	 * this one's holds what was reserved since.
	 */
	t->now += 10 * NS;
	KUNIT_ASSERT_EQ(test, la_ts_crash(), 0);
	KUNIT_EXPECT_EQ(test, t->srv.restored, 3);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[1]), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[3]), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[5]), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[2]), LA_SID_QUARANTINED);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[4]), LA_SID_QUARANTINED);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 251), LA_SID_QUARANTINED);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[0], 1, a, false, &x), 0);
	KUNIT_EXPECT_EQ(test, x, 506);

	/* pending_ms and LIFE after the first restart: its quarantine is
	 * over (and the sessions from before it), not the second's.
	 */
	t->now = r1 + (u64)t->limits.pending_ms * MS +
		 (u64)LA_LIFE * 60 * NS + 2 * NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[2]), LA_SID_FREE);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[4]), LA_SID_FREE);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[1]), LA_SID_FREE);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 251), LA_SID_QUARANTINED);
	t->now += 10 * NS;
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 251), LA_SID_FREE);
	la_principal_wipe(&p);
}

/*
 * Ten crashes in a row, each with a GW_KEY out: every one's SID is held
 * after the last, though a space's marks keep eight quarantines at most
 * (merged beyond).
 */
static void la_test_srv_sid_crashes(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	const u8 *a = t->v.idg;
	struct la_principal p;
	u16 sid[10];
	int i, held = 0;

	la_ts_dev(&p, 0x13, 0);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_DEVICE, &p), 0);
	t->sid = 1000;
	for (i = 0; i < 10; i++) {
		/* The HELLO of a new CTR each time: fresh after a crash. */
		KUNIT_ASSERT_EQ(test, la_ts_auth(p.id, 1 + i, a, false,
						 &sid[i]), 0);
		KUNIT_EXPECT_EQ(test, sid[i], 1000 + 256 * i);
		t->now += NS;
		KUNIT_ASSERT_EQ(test, la_ts_crash(), 0);
	}
	for (i = 0; i < 10; i++)
		held += la_ts_sid(a, sid[i]) == LA_SID_QUARANTINED;
	KUNIT_EXPECT_EQ(test, held, 10);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 999), LA_SID_FREE);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 1000 + 2560), LA_SID_FREE);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 1000 + 2559), LA_SID_QUARANTINED);
	la_principal_wipe(&p);
}

/*
 * A restart's quarantine lasts pending_ms and the longest LIFE granted
 * from the block, as it was then: a LIFE made longer by a reload reserves
 * the block again, and a LIFE made shorter at the restart does not cut
 * the quarantine short.
 */
static void la_test_srv_sid_life(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	struct la_server_limits lim = t->limits;
	const u8 *a = t->v.idg;
	u8 dev[2][LA_ID_LEN];
	u64 r1, after;
	u16 sid[2];

	la_ts_devs(test, dev, 2);
	t->sid = 2000;
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[0], 1, a, false, &sid[0]), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_SID_MARKS], 1);
	/* A reload doubles LIFE: the next SID's block is reserved again. */
	t->srv.limits.life = 2 * LA_LIFE;
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[1], 1, a, false, &sid[1]), 0);
	KUNIT_EXPECT_EQ(test, sid[1], sid[0] + 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_SID_MARKS], 2);

	/* A crash, and a start with a LIFE of ten minutes. */
	t->now += NS;
	t->srv.nrecords = 0;
	lim.life = 10;
	KUNIT_ASSERT_EQ(test, la_ts_restart(&lim), 0);
	r1 = t->now;
	after = r1 + (u64)lim.pending_ms * MS + 2 * NS;
	t->now = after + 10ULL * 60 * NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[0]), LA_SID_QUARANTINED);
	t->now = after + (u64)LA_LIFE * 60 * NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[0]), LA_SID_QUARANTINED);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[1]), LA_SID_QUARANTINED);
	t->now = after + 2ULL * LA_LIFE * 60 * NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[0]), LA_SID_FREE);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid[1]), LA_SID_FREE);
}

/*
 * A GW_CONFIRM of a handshake the server does not have is taken on its
 * gateway's word only if it is the one of a handshake the server answered
 * with a GW_KEY before it restarted (the device's record says which), not
 * over, and once: replayed later, or again, or one of another handshake,
 * it records nothing, no session, no audit row, no count in the device's
 * record.
 */
static void la_test_srv_gw_confirm_replay(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], dev[2][LA_ID_LEN];
	struct la_server_limits lim = la_ts_limits;
	const u8 *a = t->v.idg;
	struct la_ts_audit audit;
	struct la_principal p;
	u16 sid;

	la_ts_devs(test, dev, 2);
	/* No GW_KEY before it: right after a start, or an hour after. */
	KUNIT_ASSERT_EQ(test, la_ts_restart(&la_ts_limits), 0);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	t->now += 3600 * NS;
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 2);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 0);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, LA_SID), LA_SID_FREE);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(t->log, "of no handshake this server has"),
			      "%s", t->log);

	/* Its GW_KEY, then a restart: once. Sessions of a minute, so that
	 * the one it makes is over while its handshake would not be.
	 */
	lim.life = 1;
	lim.pending_ms = 300000;
	KUNIT_ASSERT_EQ(test, la_ts_restart(&lim), 0);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[0], 1, a, false, &sid), 0);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[1], 1, a, false, &sid), 0);
	KUNIT_ASSERT_EQ(test, la_ts_restart(&lim), 0);
	t->now += 1000 * MS;
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 1);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, LA_SID), LA_SID_HELD);
	t->now += 61 * NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, LA_SID), LA_SID_QUARANTINED);
	/* Replayed, with the session over: nothing. */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	/* Nor one of another handshake (another Rg and SID) of that device. */
	la_ts_auth_confirm(t->v.idd, 9, a, 300);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 2);
	KUNIT_EXPECT_NE(test, la_ts_sid(a, 300), LA_SID_HELD);
	/* Another device's: on its gateway's word (its SID was the next). */
	la_ts_auth_confirm(dev[0], 1, a, LA_SID + 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 2);
	/* Once its handshake is over (pending_ms after its GW_KEY), a third
	 * device's: nothing.
	 */
	t->now += (u64)lim.pending_ms * MS;
	la_ts_auth_confirm(dev[1], 1, a, LA_SID + 2);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 2);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 3);
	KUNIT_EXPECT_NE(test, la_ts_sid(a, LA_SID + 2), LA_SID_HELD);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth, 2);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 1);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, dev[1], &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 0);

	/* After another restart, the one taken is a replay: nothing. */
	KUNIT_ASSERT_EQ(test, la_ts_restart(&lim), 0);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	la_ts_auth_confirm(dev[0], 1, a, LA_SID + 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 2);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth, 2);
	la_principal_wipe(&p);
}

/*
 * The review's case: a GW_CONFIRM captured a day ago, replayed right
 * after a crash, names no handshake the device's record holds: dropped.
 * The genuine one of the handshake the crash lost (its gateway offers it
 * again) is taken on its gateway's word, with its SID and CTR; neither a
 * session nor an audit row is made of the old one.
 */
static void la_test_srv_gw_confirm_old_replay(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 dev[1][LA_ID_LEN];
	const u8 *a = t->v.idg;
	u16 sid_old = 0, sid_new = 0;
	struct la_ts_audit audit;
	struct la_principal p;

	la_ts_devs(test, dev, 1);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[0], 1, a, true, &sid_old), 0);
	t->now += 86400 * NS;		/* a day: that session is long over */
	la_server_expire(&t->srv);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[0], 2, a, false, &sid_new), 0);
	KUNIT_ASSERT_EQ(test, la_ts_crash(), 0);   /* kill -9 after GW_KEY */
	t->now += 100 * MS;
	KUNIT_EXPECT_NE(test, la_ts_sid(a, sid_old), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid_new), LA_SID_QUARANTINED);
	la_ts_auth_confirm(dev[0], 1, a, sid_old);	/* the attacker's replay */
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 1);
	KUNIT_EXPECT_NE(test, la_ts_sid(a, sid_old), LA_SID_HELD);
	la_ts_auth_confirm(dev[0], 2, a, sid_new);	/* the gateway's resend */
	la_server_commit(&t->srv);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 1);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, sid_new), LA_SID_HELD);
	la_ts_audit(&audit);
	KUNIT_EXPECT_EQ(test, audit.auth, 2);	/* the first, and this one */
	KUNIT_EXPECT_EQ(test, audit.last_auth.flags, LA_AUDIT_F_GATEWAY_WORD);
	KUNIT_EXPECT_EQ(test, audit.last_auth.ctr, 2);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, dev[0], &p),
			0);
	KUNIT_EXPECT_EQ(test, p.held[0].sid, sid_new);
	KUNIT_EXPECT_EQ(test, p.ctr, 2);
	/* Both again: the old one dropped, the new one its session's. */
	la_ts_auth_confirm(dev[0], 1, a, sid_old);
	la_ts_auth_confirm(dev[0], 2, a, sid_new);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 2);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRM_REPEAT], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 1);
	la_principal_wipe(&p);
}

/*
 * A renewal answered before a crash: the device's session, held from its
 * record, is replaced by the one its gateway made of it, on the gateway's
 * word. A GW_KEY of a device disabled since, or rekeyed (its record then
 * holds no handshake), is not.
 */
static void la_test_srv_gw_confirm_renewal(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 dev[3][LA_ID_LEN], key[LA_KEY_LEN];
	const u8 *a = t->v.idg;
	struct la_principal p;
	u16 s1, s2, s3, s4;

	la_ts_devs(test, dev, 3);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[0], 1, a, true, &s1), 0);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[0], 2, a, false, &s2), 0);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[1], 1, a, false, &s3), 0);
	KUNIT_ASSERT_EQ(test, la_ts_auth(dev[2], 1, a, false, &s4), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, dev[1], &p),
			0);
	p.enabled = false;
	KUNIT_ASSERT_EQ(test, la_store_update(t->store, LA_DEVICE, &p), 0);
	memset(key, 0x6d, sizeof(key));
	KUNIT_ASSERT_EQ(test, la_store_rekey(t->store, LA_DEVICE, dev[2], key,
					     LA_REKEY_RESET_CTR, NULL), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, dev[2], &p),
			0);
	KUNIT_EXPECT_EQ(test, p.hs.expires, 0);
	t->now += NS;
	KUNIT_ASSERT_EQ(test, la_ts_crash(), 0);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, s1), LA_SID_HELD);

	la_ts_auth_confirm(dev[0], 2, a, s2);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 1);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, s2), LA_SID_HELD);
	KUNIT_EXPECT_NE(test, la_ts_sid(a, s1), LA_SID_HELD);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, dev[0], &p),
			0);
	KUNIT_EXPECT_EQ(test, p.held[0].sid, s2);
	KUNIT_EXPECT_EQ(test, p.held[1].expires, 0);
	KUNIT_EXPECT_EQ(test, p.ctr, 2);
	KUNIT_EXPECT_EQ(test, p.auth_count, 2);
	la_ts_auth_confirm(dev[1], 1, a, s3);
	la_ts_auth_confirm(dev[2], 1, a, s4);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 2);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, s3), LA_SID_QUARANTINED);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, s4), LA_SID_QUARANTINED);
	la_principal_wipe(&p);
}

struct la_ts_full {
	u64 wall;
	const u8 *idg;
};

/* Device i of 65536, holding SID i at gateway A for an hour, CTR 5. */
static void la_ts_full_get(void *arg, size_t i, struct la_principal *p)
{
	const struct la_ts_full *f = arg;

	la_ts_dev(p, 0x14, i);
	p->ctr = 5;
	p->held[0].gateway = true;
	memcpy(p->held[0].idg, f->idg, LA_ID_LEN);
	p->held[0].sid = i;
	p->held[0].expires = f->wall + (i == 8 ? 20 : i == 9 ? 30 :
					i == 10 ? 40 : i == 11 ? 42 :
					i == 12 ? 42 : 3600);
}

static void la_ts_full_taken(void *arg, size_t i)
{
}

/*
 * A full space: 65536 sessions at gateway A, held from the store. A new
 * device is refused there as busy, not elsewhere; a renewal takes its
 * own SID, which stays held when its old session ends during the
 * handshake, and, recorded first, across a crash. A block (of one SID,
 * in a space so full) is reserved with the authentications waiting.
 */
static void la_test_srv_sid_full(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN], b[LA_ID_LEN];
	const u8 *a = t->v.idg;
	const struct la_gw_reject *rj = (const void *)reply;
	struct la_ts_full f = { la_ts_wall(t), a };
	struct la_principal p, n;
	struct la_gw_hello gh;
	struct la_hello h;
	size_t done;
	u16 sid;

	KUNIT_ASSERT_EQ(test, la_store_add_many(t->store, LA_DEVICE, 65536,
						la_ts_full_get,
						la_ts_full_taken, &f, &done),
			0);
	la_ts_dev(&n, 0x15, 0);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_DEVICE, &n), 0);
	memcpy(b, a, LA_ID_LEN);
	b[7] ^= 0x40;
	la_ts_principal(&p, b, t->v.kg, true);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_GATEWAY, &p), 0);
	t->sid = 0;
	KUNIT_ASSERT_EQ(test, la_ts_restart(&la_ts_limits), 0);
	KUNIT_EXPECT_EQ(test, t->srv.restored, 65536);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 65536);
	KUNIT_EXPECT_EQ(test, la_ts_held(a), 65536);

	/* A new device at A: busy. Directly, or at B: another space. */
	la_ts_hello(&h, t->v.kd, n.id, 1, t->v.rd);
	la_ts_gw_hello(&gh, t->v.kg, a, t->v.rg, &h);
	KUNIT_ASSERT_EQ(test, la_ts_handle(&gh, reply),
			LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, rj->reason, LITEAUTH_REJECT_SERVER_BUSY);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_SID_FULL], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_BUSY], 1);
	KUNIT_ASSERT_EQ(test, la_ts_auth(n.id, 2, NULL, false, &sid), 0);
	KUNIT_ASSERT_EQ(test, la_ts_auth(n.id, 3, b, false, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 0);

	/* Renewals at A: their own SIDs. */
	la_ts_dev(&p, 0x14, 7);
	KUNIT_ASSERT_EQ(test, la_ts_auth(p.id, 6, a, false, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 7);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_SID_REUSED], 1);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, p.id, &p), 0);
	KUNIT_EXPECT_GE(test, p.held[0].expires,
			la_ts_wall(t) + t->limits.pending_ms / 1000 +
			LA_LIFE * 60);
	la_ts_auth_confirm(p.id, 6, a, 7);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 1);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 7), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_held(a), 65536);

	/* Device 8's session ends during its renewal: its SID stays. */
	la_ts_dev(&p, 0x14, 8);
	KUNIT_ASSERT_EQ(test, la_ts_auth(p.id, 6, a, false, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 8);
	t->now += 25 * NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 8), LA_SID_HELD);
	la_ts_auth_confirm(p.id, 6, a, 8);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 2);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 8), LA_SID_HELD);

	/* Device 9's ends: the one free SID, and the next device's. */
	t->now += 10 * NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 9), LA_SID_FREE);
	KUNIT_EXPECT_EQ(test, la_ts_held(a), 65535);
	KUNIT_ASSERT_EQ(test, la_ts_auth(n.id, 4, a, true, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 9);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_SID_FULL], 1);

	/* Device 10 renews, its session ends, the server crashes before
	 * the CONFIRM: its record still holds the SID. Meanwhile SIDs 11
	 * and 12 are set free and taken in one wakeup, one confirmed, one
	 * in progress at the crash.
	 */
	la_ts_dev(&p, 0x14, 10);
	KUNIT_ASSERT_EQ(test, la_ts_auth(p.id, 6, a, false, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 10);
	t->now += 10 * NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, la_ts_held(a), 65534);
	la_server_begin(&t->srv);
	la_ts_dev(&n, 0x15, 1);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_DEVICE, &n), 0);
	KUNIT_ASSERT_EQ(test, la_ts_auth(n.id, 1, a, true, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 11);
	la_ts_dev(&n, 0x15, 2);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_DEVICE, &n), 0);
	KUNIT_ASSERT_EQ(test, la_ts_auth(n.id, 1, a, false, &sid), 0);
	KUNIT_EXPECT_EQ(test, sid, 12);
	KUNIT_ASSERT_EQ(test, la_ts_crash(), 0);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 10), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 11), LA_SID_HELD);
	KUNIT_EXPECT_EQ(test, la_ts_sid(a, 12), LA_SID_QUARANTINED);
	KUNIT_EXPECT_EQ(test, la_ts_held(a), 65535);
	la_principal_wipe(&p);
	la_principal_wipe(&n);
}

#define LA_TS_FLEET 70000

struct la_ts_fleet {
	u8 where;		/* 0 gateway A, 1 gateway B, 2 direct */
	u8 state;		/* 0 nothing, 1 live, 2 lost in the crash */
	u16 sid;
	u32 ctr;
};

static void la_ts_fleet_get(void *arg, size_t i, struct la_principal *p)
{
	la_ts_dev(p, 0x16, i);
}

/*
 * 70,000 sessions at once, over two gateways and directly, a crash in
 * the middle with handshakes in progress and authentications not yet
 * written. Every SID is unique in its space among the live sessions, and
 * none handed out before the crash without a record is handed out after.
 */
struct la_ts_find {
	const char *name;
	u64 value;
	int found;
};

static void la_ts_find_put(void *arg, const char *name, u64 value)
{
	struct la_ts_find *f = arg;

	if (!strcmp(name, f->name)) {
		f->value = value;
		f->found++;
	}
}

/* One value of what liteauth status shows (la_server_status), or ~0. */
static u64 la_ts_status(const char *name)
{
	struct la_ts_find f = { .name = name };

	la_server_status(&la_ts.srv, la_ts_find_put, &f);
	return f.found == 1 ? f.value : ~0ULL;
}

static void la_test_srv_sid_fleet(struct kunit *test)
{
	const u32 n = LA_TS_FLEET, half = n / 2;
	struct la_tsrv *t = &la_ts;
	struct la_server_limits l = la_ts_limits;
	u8 gw[2][LA_ID_LEN], *seen[3], *window[3];
	struct la_ts_fleet *m = calloc(n, sizeof(*m));
	struct la_sid_mark mark;
	struct la_principal p;
	u32 i, j, live = 0, lost = 0, restored = 0, bad = 0;
	size_t done;
	int ret;

	KUNIT_ASSERT_TRUE(test, m != NULL);
	for (i = 0; i < 3; i++) {
		seen[i] = calloc(65536, 1);
		window[i] = calloc(65536, 1);
		KUNIT_ASSERT_TRUE(test, seen[i] && window[i]);
	}
	memcpy(gw[0], t->v.idg, LA_ID_LEN);
	memcpy(gw[1], gw[0], LA_ID_LEN);
	gw[1][7] ^= 0x40;
	la_ts_principal(&p, gw[1], t->v.kg, true);
	KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_GATEWAY, &p), 0);
	KUNIT_ASSERT_EQ(test, la_store_add_many(t->store, LA_DEVICE, n,
						la_ts_fleet_get,
						la_ts_full_taken, NULL, &done),
			0);
	/* Gateway A's cursor, as if it had gone round a few times already:
	 * its SIDs cross the wrap of the 16 bits.
	 */
	memset(&mark, 0, sizeof(mark));
	mark.gateway = true;
	memcpy(mark.idg, gw[0], LA_ID_LEN);
	mark.hwm = mark.lo = 5 * 65536 - n / 4;
	mark.life = LA_LIFE;
	KUNIT_ASSERT_EQ(test, la_store_record_mark(t->store, NULL, 0, 0, 0,
						   &mark), 0);
	l.rate_device = l.rate_global = l.rate_unknown = l.rate_gateway = 0;
	l.pending_max = 1000;
	t->sid = 0;
	KUNIT_ASSERT_EQ(test, la_ts_restart(&l), 0);

	for (i = 0; i < n; i++) {
		m[i].where = i % 41 == 0 ? 2 : i % 2;
		m[i].ctr = 1;
	}
	/* The first half, confirmed and written, in batches. */
	for (i = 0; i < half; i++) {
		if (i % 256 == 0)
			la_server_begin(&t->srv);
		la_ts_dev(&p, 0x16, i);
		ret = la_ts_auth(p.id, m[i].ctr, m[i].where < 2 ?
				 gw[m[i].where] : NULL, true, &m[i].sid);
		if (ret) {
			KUNIT_FAIL(test, "device %u: step %d", i, ret);
			break;
		}
		m[i].state = 1;
		if (i % 256 == 255 || i == half - 1)
			la_server_commit(&t->srv);
	}
	/* Then 300 more confirmed in one wakeup, and 40 GW_KEYs of
	 * handshakes in progress: a crash. Of the 300, those before the
	 * last block reserved were written with it; the others are lost.
	 */
	la_server_begin(&t->srv);
	for (j = 0; j < 340 && !bad; j++, i++) {
		la_ts_dev(&p, 0x16, i);
		ret = la_ts_auth(p.id, m[i].ctr, m[i].where < 2 ?
				 gw[m[i].where] : NULL, j < 300, &m[i].sid);
		bad += ret != 0;
		m[i].state = 2;
	}
	KUNIT_ASSERT_EQ(test, bad, 0);
	KUNIT_ASSERT_EQ(test, la_ts_crash(), 0);
	for (i = 0; i < half + 340; i++) {
		if (m[i].state == 2) {
			la_ts_dev(&p, 0x16, i);
			KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE,
							   p.id, &p), 0);
			if (p.auth_count)
				m[i].state = 1;
			else
				window[m[i].where][m[i].sid] = 1;
		}
		restored += m[i].state == 1;
	}
	KUNIT_EXPECT_EQ(test, t->srv.restored, restored);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 0);
	/* Status counts the sessions held from the store as live. */
	KUNIT_EXPECT_EQ(test, la_ts_status("sessions"), restored);

	/* The rest, and those lost, again with their next CTR. */
	for (i = half, j = 0; i < n; i++, j++) {
		if (j % 256 == 0)
			la_server_begin(&t->srv);
		/* Renewed if written, done again if lost. */
		if (i < half + 340)
			m[i].ctr++;
		lost += m[i].state == 2;
		la_ts_dev(&p, 0x16, i);
		ret = la_ts_auth(p.id, m[i].ctr, m[i].where < 2 ?
				 gw[m[i].where] : NULL, true, &m[i].sid);
		if (ret) {
			KUNIT_FAIL(test, "device %u after the crash: step %d",
				   i, ret);
			break;
		}
		m[i].state = 1;
		/* Nothing from before the crash without a record. */
		bad += window[m[i].where][m[i].sid];
		if (j % 256 == 255 || i == n - 1)
			la_server_commit(&t->srv);
	}
	/* The 40 in progress, and some of the 300, were not written. */
	KUNIT_EXPECT_GE(test, lost, 41);
	KUNIT_EXPECT_EQ(test, bad, 0);

	/* All live at once; unique in their spaces; held there. */
	for (i = 0; i < n; i++) {
		if (m[i].state != 1)
			continue;
		live++;
		bad += seen[m[i].where][m[i].sid]++ != 0;
		bad += la_ts_sid(m[i].where < 2 ? gw[m[i].where] : NULL,
				 m[i].sid) != LA_SID_HELD;
	}
	KUNIT_EXPECT_EQ(test, live, n);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, n);
	/* Renewals (of those restored) count once. */
	KUNIT_EXPECT_EQ(test, la_ts_status("sessions"), n);
	KUNIT_EXPECT_EQ(test, la_ts_held(gw[0]) + la_ts_held(gw[1]) +
			la_ts_held(NULL), n);
	KUNIT_EXPECT_GE(test, la_ts_held(gw[0]), n / 3);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_SID_CLASH], 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_SID_FULL], 0);
	/* A's SIDs went round the wrap of the 16 bits. */
	for (i = 0, j = 0; i < 1000; i++)
		j += seen[0][i] && seen[0][65535 - i];
	KUNIT_EXPECT_GE(test, j, 100);
	/* Every session over: none counted, none left. */
	t->now += (u64)LA_LIFE * 60 * NS + NS;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, la_ts_status("sessions"), 0);
	KUNIT_EXPECT_EQ(test, t->srv.nlive, 0);
	for (i = 0; i < 3; i++) {
		free(seen[i]);
		free(window[i]);
	}
	free(m);
	la_principal_wipe(&p);
}

/*
 * A GW_HELLO captured on the relay link and replayed after a restart: its
 * CTR was stored with the handshake it was answered in, so it is stale,
 * and the genuine GW_CONFIRM of that handshake is still taken on its word.
 */
static void la_test_srv_gw_hello_replay_restart(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	struct la_principal p;

	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);
	la_server_commit(&t->srv);
	KUNIT_ASSERT_EQ(test, la_ts_restart(&la_ts_limits), 0);
	t->now += 500 * MS;
	t->v.rs[0] ^= 0xff;	/* the server's next Rs */
	t->sid = LA_SID + 7;
	/* The same GW_HELLO bytes again. */
	KUNIT_EXPECT_NE(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);
	la_server_commit(&t->srv);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_STALE], 1);
	/* The genuine GW_CONFIRM (re-offered) of the lost handshake. */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED_WORD], 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 0);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p), 0);
	KUNIT_EXPECT_EQ(test, p.ctr, LA_CTR);
	la_principal_wipe(&p);
}

/* The refusal summaries of one audit interval, by kind. */
struct la_ts_rows {
	u64 wall;		/* the interval's start, as recorded */
	unsigned int claimed, claimed_over;	/* records */
	unsigned int proven, proven_over, zero_ids;
	u64 refusals, over, proven_count;	/* the refusals they sum up */
};

static int la_ts_rows_one(void *arg, const struct la_audit *a)
{
	static const u8 zero[LA_ID_LEN];
	struct la_ts_rows *r = arg;
	bool claimed = a->flags & LA_AUDIT_F_CLAIMED;

	if (!a->result || a->time != r->wall)
		return 0;
	r->refusals += a->count;
	if (a->flags & LA_AUDIT_F_OVERFLOW) {
		r->over += a->count;
		r->zero_ids += !memcmp(a->idg, zero, LA_ID_LEN) &&
			       !memcmp(a->idd, zero, LA_ID_LEN);
		if (claimed)
			r->claimed_over++;
		else
			r->proven_over++;
	} else if (claimed) {
		r->claimed++;
	} else if (a->reason == LA_AUDIT_RATE) {
		r->proven++;
		r->proven_count += a->count;
	}
	return 0;
}

/* The refusals counted, each of which is summed into a summary. */
static u64 la_ts_refusals(void)
{
	static const enum la_srv_counter c[] = {
		LA_SRV_DROP_AUTH, LA_SRV_DROP_CONFIRM, LA_SRV_DROP_STALE,
		LA_SRV_DROP_UNKNOWN,
		LA_SRV_DROP_DISABLED, LA_SRV_DROP_GATEWAY, LA_SRV_DROP_RATE,
		LA_SRV_DROP_RATE_UNKNOWN, LA_SRV_DROP_RATE_GATEWAY,
		LA_SRV_DROP_BUSY, LA_SRV_DROP_STORE,
	};
	u64 n = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(c); i++)
		n += la_ts.srv.counters[c[i]];
	return n;
}

/*
 * Forged traffic's share of the refusal history (server.h): across 3
 * audit intervals, 100,000 HELLOs with made-up IDs and 10,000 with the
 * IDs of real devices (held in memory, or only in the store) and bad
 * MACs. Each interval writes LA_SRV_SUMMARY_CLAIMED_MAX summaries of
 * claims and at most one overflow summary per reason, whose counts add
 * up to every refusal made. Late in each interval, after more than
 * LA_SRV_SUMMARY_MAX distinct claims, more proven devices than
 * LA_SRV_SUMMARY_CLAIMED_MAX go over their budget: each still gets a
 * summary of its own.
 */
static void la_test_srv_flood_claimed(struct kunit *test)
{
	enum { NREAL = 320, NPROVEN = 300, NMSG = 110000, NINT = 3 };
	struct la_tsrv *t = &la_ts;
	struct la_server_limits l = la_ts_limits;
	u8 reply[LITEAUTH_MSG_MAX_LEN], rd[LA_NONCE_LEN];
	u8 (*ids)[LA_ID_LEN], id[LA_ID_LEN], wrong[LA_KEY_LEN];
	u64 refusals0, over0, proven, made = 0, total = 0;
	struct la_ts_rows r;
	struct la_hello h;
	int i, j, d, k, real = 0;
	u16 sid;

	l.pending_max = 1000;	/* no device busy: only its budget */
	KUNIT_ASSERT_EQ(test, la_ts_restart(&l), 0);
	ids = calloc(NREAL, LA_ID_LEN);
	KUNIT_ASSERT_TRUE(test, ids != NULL);
	la_ts_devs(test, ids, NREAL);
	for (d = 0; d < NPROVEN; d++) {
		KUNIT_ASSERT_EQ(test, la_ts_auth(ids[d], 1, NULL, true, &sid),
				0);
		t->now += 100 * MS;	/* the budget of the unknown: 10/s */
	}
	memcpy(wrong, t->v.kd, LA_KEY_LEN);
	wrong[0] ^= 1;
	memcpy(rd, t->v.rd, LA_NONCE_LEN);
	KUNIT_ASSERT_EQ(test, la_ts_refusals(), 0);
	la_ts_interval();

	for (k = 0, i = 0; k < NINT; k++) {
		memset(&r, 0, sizeof(r));
		r.wall = t->srv.interval_wall;
		refusals0 = la_ts_refusals();
		over0 = t->srv.counters[LA_SRV_AUDIT_OVERFLOW];
		proven = 0;
		for (; i < (k + 1) * NMSG / NINT; i++) {
			if (i % 11 == 10) {
				la_ts_hello(&h, wrong, ids[real++ % NREAL],
					    1000 + i, t->v.rd);
			} else {
				la_ts_random_id(id);
				la_ts_hello(&h, t->v.kd, id, 1 + i, t->v.rd);
			}
			KUNIT_ASSERT_EQ(test, la_ts_handle(&h, reply), 0);
			made++;
			if (i % 100 == 0)
				t->now += 10 * MS;
			if (i != k * NMSG / NINT + 20000)
				continue;
			/* The proven devices, 6 HELLOs each: beyond their
			 * burst (5), and mostly the global one (100).
			 */
			for (d = 0; d < NPROVEN; d++) {
				for (j = 0; j < 6; j++) {
					rd[0] = j;
					la_ts_hello(&h, t->v.kd, ids[d],
						    10 + 10 * k + j, rd);
					if (la_ts_handle(&h, reply) !=
					    LITEAUTH_KEY_LEN)
						proven++;
				}
			}
		}
		KUNIT_EXPECT_GE(test, proven, NPROVEN);
		made += proven;
		la_ts_interval();
		la_store_audit_list(t->store, la_ts_rows_one, &r);

		KUNIT_EXPECT_EQ(test, r.claimed, LA_SRV_SUMMARY_CLAIMED_MAX);
		KUNIT_EXPECT_GE(test, r.claimed_over, 1);
		KUNIT_EXPECT_LE(test, r.claimed + r.claimed_over,
				LA_SRV_SUMMARY_CLAIMED_RECORDS);
		KUNIT_EXPECT_EQ(test, r.zero_ids, r.claimed_over);
		/* The proven devices' refusals: a summary each. */
		KUNIT_EXPECT_EQ(test, r.proven, NPROVEN);
		KUNIT_EXPECT_EQ(test, r.proven_count, proven);
		KUNIT_EXPECT_EQ(test, r.proven_over, 0);
		/* Nothing lost from the totals. */
		KUNIT_EXPECT_EQ(test, r.refusals, la_ts_refusals() - refusals0);
		KUNIT_EXPECT_EQ(test, r.over,
				t->srv.counters[LA_SRV_AUDIT_OVERFLOW] - over0);
		total += r.refusals;
	}
	KUNIT_EXPECT_EQ(test, real, 10000);
	KUNIT_EXPECT_EQ(test, total, made);
	KUNIT_EXPECT_EQ(test, la_ts_refusals(), made);
	/* Checked in memory (a bad MAC), and on the budget of the unknown. */
	KUNIT_EXPECT_GE(test, t->srv.counters[LA_SRV_DROP_AUTH], 1);
	KUNIT_EXPECT_GE(test, t->srv.counters[LA_SRV_DROP_RATE_UNKNOWN], 1);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, NPROVEN);
	free(ids);
}

static struct kunit_case la_server_cases[] = {
	KUNIT_CASE(la_test_srv_gw_hello_replay_restart),
	KUNIT_CASE(la_test_srv_direct),
	KUNIT_CASE(la_test_srv_disabled_mid_handshake),
	KUNIT_CASE(la_test_srv_group_commit),
	KUNIT_CASE(la_test_srv_rekey_unwritten),
	KUNIT_CASE(la_test_srv_gateway),
	KUNIT_CASE(la_test_srv_gw_confirm_restart),
	KUNIT_CASE(la_test_srv_gw_confirm_replay),
	KUNIT_CASE(la_test_srv_gw_confirm_old_replay),
	KUNIT_CASE(la_test_srv_gw_confirm_renewal),
	KUNIT_CASE(la_test_srv_unknown),
	KUNIT_CASE(la_test_srv_refusals),
	KUNIT_CASE(la_test_srv_reasons),
	KUNIT_CASE(la_test_srv_stale),
	KUNIT_CASE(la_test_srv_forged),
	KUNIT_CASE(la_test_srv_flood),
	KUNIT_CASE(la_test_srv_flood_claimed),
	KUNIT_CASE(la_test_srv_gateway_flood),
	KUNIT_CASE(la_test_srv_limits),
	KUNIT_CASE(la_test_srv_unknown_budget),
	KUNIT_CASE(la_test_srv_resync),
	KUNIT_CASE(la_test_srv_sid_spaces),
	KUNIT_CASE(la_test_srv_sid_crash),
	KUNIT_CASE(la_test_srv_sid_crashes),
	KUNIT_CASE(la_test_srv_sid_life),
	KUNIT_CASE(la_test_srv_sid_full),
	KUNIT_CASE(la_test_srv_sid_fleet),
	{}
};

static struct kunit_suite la_server_suite = {
	.name = "liteauth_server",
	.init = la_srv_test_init,
	.exit = la_srv_test_exit,
	.test_cases = la_server_cases,
};

kunit_test_suite(la_server_suite);
