// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the server's handshakes (server.c) on a real key store, with
 * the protocol's vectors: the server's "CSPRNG" returns the vectors' Rs,
 * SK and SID, so every answer must be the vector byte for byte.
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

struct la_tsrv {
	struct la_server srv;
	struct la_store *store;
	struct la_vec v;
	char dir[64];
	u64 now;
	u16 sid;		/* what the "CSPRNG" gives for a SID */
	int nrandom;
};

static struct la_tsrv la_ts;

static u64 la_ts_now(void *arg)
{
	return ((struct la_tsrv *)arg)->now;
}

static u64 la_ts_wall(void *arg)
{
	return 1800000000 + ((struct la_tsrv *)arg)->now / 1000000000;
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

static const struct la_server_ops la_ts_ops = {
	.now = la_ts_now,
	.wall = la_ts_wall,
	.random = la_ts_random,
};

static const struct la_server_limits la_ts_limits = {
	.life = LA_LIFE,
	.pending_max = 100,
	.pending_ms = 30000,
	.rate_device = 60,
	.burst_device = 5,
	.rate_global = 6000,
	.burst_global = 100,
	.audit_keep = 1000,
};

static void la_ts_principal(struct la_principal *p, const u8 *id,
			    const u8 *key, bool enabled)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->id, id, LA_ID_LEN);
	memcpy(p->key, key, LA_KEY_LEN);
	p->suite = LITEAUTH_SUITE_AES128;
	p->enabled = enabled;
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
	snprintf(t->dir, sizeof(t->dir), "/tmp/liteauth-server-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/pass", t->dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("test\n", f);
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
	t->now = 5 * 1000000000ULL;
	return la_server_init(&t->srv, t->store, &la_ts_limits, &la_ts_ops, t);
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

static int la_ts_audit_n(void *arg, const struct la_audit *a)
{
	int *n = arg;

	n[a->result ? 1 : 0]++;
	n[2] = a->reason;
	return 0;
}

/* [successes, refusals, last reason] in the audit log. */
static void la_ts_audit(int *n)
{
	n[0] = n[1] = n[2] = 0;
	la_store_audit_list(la_ts.store, la_ts_audit_n, n);
}

static void la_test_srv_direct(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	struct la_principal p;
	int audit[3];
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

	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 1);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 1);
	la_principal_wipe(&p);
	la_ts_audit(audit);
	KUNIT_EXPECT_EQ(test, audit[0], 1);
	KUNIT_EXPECT_EQ(test, audit[1], 0);

	/* A replayed CONFIRM finds no handshake. */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_NO_HANDSHAKE], 1);
}

/* Group commit: nothing reaches the store until the commit, then all. */
static void la_test_srv_group_commit(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	struct la_principal p;
	int audit[3];

	la_server_begin(&t->srv);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply),
			LITEAUTH_KEY_LEN);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.nrecords, 1);
	la_ts_audit(audit);
	KUNIT_EXPECT_EQ(test, audit[0] + audit[1], 0);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 0);

	la_server_commit(&t->srv);
	KUNIT_EXPECT_EQ(test, t->srv.nrecords, 0);
	KUNIT_EXPECT_FALSE(test, t->srv.deferring);
	la_ts_audit(audit);
	KUNIT_EXPECT_EQ(test, audit[0], 1);
	KUNIT_ASSERT_EQ(test, la_store_get(t->store, LA_DEVICE, t->v.idd, &p),
			0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 1);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_STORE], 0);
	la_principal_wipe(&p);
}

static void la_test_srv_gateway(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	int audit[3];

	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);
	la_expect_bytes(test, reply, la_vec_msg(&t->v, LITEAUTH_MSG_GW_KEY),
			LITEAUTH_GW_KEY_LEN, "GW_KEY");
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_KEY_LEN);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_KEY_RESENT], 1);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_CONFIRM, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 1);
	la_ts_audit(audit);
	KUNIT_EXPECT_EQ(test, audit[0], 1);
}

/* An unknown device: silence directly, GW_REJECT (the vector) via G. */
static void la_test_srv_unknown(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	int audit[3];

	KUNIT_ASSERT_EQ(test, la_store_del(t->store, LA_DEVICE, t->v.idd), 0);
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply), 0);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_REJECT_LEN);
	la_expect_bytes(test, reply, la_vec_msg(&t->v, LITEAUTH_MSG_GW_REJECT),
			LITEAUTH_GW_REJECT_LEN, "GW_REJECT");
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_UNKNOWN], 2);
	la_ts_audit(audit);
	KUNIT_EXPECT_EQ(test, audit[1], 2);
	KUNIT_EXPECT_EQ(test, audit[2], LITEAUTH_REJECT_UNKNOWN_DEVICE);
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

	/* A fake gateway: a bad T4 gets nothing at all. */
	memcpy(m, la_vec_msg(&t->v, LITEAUTH_MSG_GW_HELLO),
	       LITEAUTH_GW_HELLO_LEN);
	m[LITEAUTH_GW_HELLO_LEN - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, la_server_handle(&t->srv, m,
					       LITEAUTH_GW_HELLO_LEN, reply),
			0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_GATEWAY], 1);

	/* A disabled device behind a genuine gateway: GW_REJECT 3. */
	la_ts_principal(&p, t->v.idd, t->v.kd, false);
	KUNIT_ASSERT_EQ(test, la_store_update(t->store, LA_DEVICE, &p), 0);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, r->reason, LITEAUTH_REJECT_DEVICE_DISABLED);
	p.enabled = true;
	KUNIT_ASSERT_EQ(test, la_store_update(t->store, LA_DEVICE, &p), 0);
	la_principal_wipe(&p);

	/* A CONFIRM with a bad T3 establishes nothing; the right one does. */
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply),
			LITEAUTH_KEY_LEN);
	memcpy(m, la_vec_msg(&t->v, LITEAUTH_MSG_CONFIRM), LITEAUTH_CONFIRM_LEN);
	m[LITEAUTH_CONFIRM_LEN - 1] ^= 1;
	la_server_handle(&t->srv, m, LITEAUTH_CONFIRM_LEN, reply);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_AUTH], 2);
	la_ts_send(LITEAUTH_MSG_CONFIRM, reply);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_CONFIRMED], 1);

	/* What a server never takes. */
	KUNIT_EXPECT_EQ(test, la_ts_send(LITEAUTH_MSG_KEY, reply), 0);
	KUNIT_EXPECT_EQ(test, la_server_handle(&t->srv, m, 3, reply), 0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_MALFORMED], 2);
}

/* Rate limits, a full table, unique SIDs, expiry. */
static void la_test_srv_limits(struct kunit *test)
{
	struct la_tsrv *t = &la_ts;
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	struct la_hello h;
	struct la_gw_reject *r = (struct la_gw_reject *)reply;
	u8 k[LA_KEY_LEN];
	int i;

	/* Each new Rd is a new handshake; the sixth in a burst of five is
	 * refused, with GW_REJECT 4 through a gateway.
	 */
	KUNIT_ASSERT_EQ(test, la_derive(LITEAUTH_SUITE_AES128, LA_K_HELLO,
					t->v.kd, t->v.idd, NULL, NULL, k), 0);
	for (i = 0; i < 5; i++) {
		t->v.rd[7] = i;
		la_hello_build(&h, LITEAUTH_SUITE_AES128, k, t->v.idd, t->v.rd);
		KUNIT_EXPECT_EQ(test, la_server_handle(&t->srv, &h, sizeof(h),
						       reply),
				LITEAUTH_KEY_LEN);
	}
	t->v.rd[7] = 9;
	la_hello_build(&h, LITEAUTH_SUITE_AES128, k, t->v.idd, t->v.rd);
	KUNIT_EXPECT_EQ(test, la_server_handle(&t->srv, &h, sizeof(h), reply),
			0);
	KUNIT_EXPECT_EQ(test, t->srv.counters[LA_SRV_DROP_RATE], 1);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_GW_HELLO, reply),
			LITEAUTH_GW_REJECT_LEN);
	KUNIT_EXPECT_EQ(test, r->reason, LITEAUTH_REJECT_RATE_LIMITED);
	/* One handshake per device: each new Rd replaced the last. */
	KUNIT_EXPECT_EQ(test, t->srv.npending, 1);

	/* A second device while the first holds SID 0x2a: another SID. */
	t->now += 60 * 1000000000ULL;
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_HELLO, reply),
			LITEAUTH_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_ts_send(LITEAUTH_MSG_CONFIRM, reply), 0);
	{
		struct la_principal p;
		u8 id2[LA_ID_LEN];

		memcpy(id2, t->v.idd, LA_ID_LEN);
		id2[7] ^= 0xff;
		la_ts_principal(&p, id2, t->v.kd, true);
		KUNIT_ASSERT_EQ(test, la_store_add(t->store, LA_DEVICE, &p), 0);
		la_principal_wipe(&p);
		KUNIT_ASSERT_EQ(test, la_derive(LITEAUTH_SUITE_AES128,
						LA_K_HELLO, t->v.kd, id2, NULL,
						NULL, k), 0);
		la_hello_build(&h, LITEAUTH_SUITE_AES128, k, id2, t->v.rd);
		KUNIT_ASSERT_EQ(test, la_server_handle(&t->srv, &h, sizeof(h),
						       reply),
				LITEAUTH_KEY_LEN);
	}
	{
		const struct la_key *key = (const struct la_key *)reply;
		struct la_grant g;

		KUNIT_ASSERT_EQ(test, la_derive(LITEAUTH_SUITE_AES128,
						LA_K_KEY, t->v.kd, key->idd,
						t->v.rd, key->rs, k), 0);
		KUNIT_ASSERT_EQ(test, la_key_open(reply, LITEAUTH_KEY_LEN, k,
						  t->v.rd, &g), 0);
		KUNIT_EXPECT_EQ(test, g.sid, LA_SID + 1);
		memzero_explicit(&g, sizeof(g));
	}
	KUNIT_EXPECT_EQ(test, t->srv.npending, 1);

	/* The handshake expires after 30 s; the session after LIFE. */
	t->now += 30 * 1000000000ULL;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, t->srv.npending, 0);
	t->now += (u64)LA_LIFE * 60 * 1000000000ULL;
	la_server_expire(&t->srv);
	KUNIT_EXPECT_EQ(test, t->srv.nsessions, 0);
	memzero_explicit(k, sizeof(k));
}

static struct kunit_case la_server_cases[] = {
	KUNIT_CASE(la_test_srv_direct),
	KUNIT_CASE(la_test_srv_group_commit),
	KUNIT_CASE(la_test_srv_gateway),
	KUNIT_CASE(la_test_srv_unknown),
	KUNIT_CASE(la_test_srv_refusals),
	KUNIT_CASE(la_test_srv_limits),
	{}
};

static struct kunit_suite la_server_suite = {
	.name = "liteauth_server",
	.init = la_srv_test_init,
	.exit = la_srv_test_exit,
	.test_cases = la_server_cases,
};

kunit_test_suite(la_server_suite);
