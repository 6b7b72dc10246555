// SPDX-License-Identifier: GPL-2.0
/*
 * laproto: the protocol core (kmod/proto.c) on the command line, for tests
 * that must play the device or the server around the gateway module
 * before the daemon and the device library exist in their own right.
 * Arguments and results are hex; exit status 0 on success, 1 when a
 * message does not verify, 2 on bad usage.
 *
 *   laproto hello KD IDD RD                          -> HELLO
 *   laproto server-gw-key KG KD SK SID LIFE RS GW_HELLO -> GW_KEY
 *   laproto device-confirm KD RD KEY                 -> CONFIRM
 *   laproto server-gw-confirm KG SK RD RG RS GW_CONFIRM
 *   laproto gw-reject KG IDG RG IDD REASON           -> GW_REJECT
 *   laproto store-add DB PASSFILE device|gateway ID KEY
 *                   (provisions the daemon's key store, creating it)
 *   laproto store-hold DB PASSFILE SECONDS
 *                   (write-locks the device table for that long, as a
 *                   stuck process would; prints "held" once it has)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <db.h>

#include "proto.h"
#include "crypto.h"
#include "store.h"

#define S LITEAUTH_SUITE_AES128

static void usage(void)
{
	fprintf(stderr, "usage: laproto hello|server-gw-key|device-confirm|server-gw-confirm|gw-reject ARGS (hex)\n");
	exit(2);
}

/* Exactly @n bytes of hex, or exit. */
static void unhex(u8 *out, const char *hex, size_t n, const char *what)
{
	size_t i;

	if (strlen(hex) != 2 * n) {
		fprintf(stderr, "laproto: %s must be %zu hex digits\n", what,
			2 * n);
		exit(2);
	}
	for (i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
			fprintf(stderr, "laproto: %s is not hex\n", what);
			exit(2);
		}
		out[i] = v;
	}
}

static void puthex(const void *p, size_t n)
{
	const u8 *b = p;

	while (n--)
		printf("%02x", *b++);
	printf("\n");
}

static void must(enum la_err err, const char *what)
{
	if (err) {
		fprintf(stderr, "laproto: %s: %s\n", what, la_strerror(err));
		exit(1);
	}
}

static int cmd_hello(char **a)
{
	u8 kd[16], idd[8], rd[8], k[16];
	struct la_hello h;

	unhex(kd, a[0], 16, "KD");
	unhex(idd, a[1], 8, "IDD");
	unhex(rd, a[2], 8, "RD");
	must(la_derive(S, LA_K_HELLO, kd, idd, NULL, NULL, k), "K_hello");
	must(la_hello_build(&h, S, k, idd, rd), "HELLO");
	puthex(&h, sizeof(h));
	return 0;
}

static int cmd_server_gw_key(char **a)
{
	u8 kg[16], kd[16], rs[8], k[16], sidb[2], lifeb[2];
	u8 m[LITEAUTH_GW_HELLO_LEN];
	const struct la_gw_hello *gh = (const void *)m;
	struct la_grant g;
	struct la_gw_key gk;
	struct la_key key;

	unhex(kg, a[0], 16, "KG");
	unhex(kd, a[1], 16, "KD");
	unhex(g.sk, a[2], 16, "SK");
	unhex(sidb, a[3], 2, "SID");
	unhex(lifeb, a[4], 2, "LIFE");
	unhex(rs, a[5], 8, "RS");
	unhex(m, a[6], sizeof(m), "GW_HELLO");
	g.sid = sidb[0] << 8 | sidb[1];
	g.life = lifeb[0] << 8 | lifeb[1];

	must(la_derive(S, LA_KG_HELLO, kg, gh->idg, NULL, NULL, k), "Kg_hello");
	must(la_gw_hello_verify(m, sizeof(m), k), "GW_HELLO");
	must(la_derive(S, LA_K_HELLO, kd, gh->hello.idd, NULL, NULL, k),
	     "K_hello");
	must(la_hello_verify(&gh->hello, sizeof(gh->hello), k), "HELLO");
	must(la_derive(S, LA_K_KEY, kd, gh->hello.idd, gh->hello.rd, rs, k),
	     "K_key");
	must(la_key_build(&key, S, k, gh->hello.idd, gh->hello.rd, rs, &g),
	     "KEY");
	must(la_derive(S, LA_KG_KEY, kg, gh->idg, gh->rg, rs, k), "Kg_key");
	must(la_gw_key_build(&gk, S, k, gh->idg, gh->rg, &key, &g), "GW_KEY");
	puthex(&gk, sizeof(gk));
	return 0;
}

static int cmd_device_confirm(char **a)
{
	u8 kd[16], rd[8], k[16], m[LITEAUTH_KEY_LEN];
	const struct la_key *key = (const void *)m;
	struct la_confirm c;
	struct la_grant g;

	unhex(kd, a[0], 16, "KD");
	unhex(rd, a[1], 8, "RD");
	unhex(m, a[2], sizeof(m), "KEY");
	must(la_derive(S, LA_K_KEY, kd, key->idd, rd, key->rs, k), "K_key");
	must(la_key_open(m, sizeof(m), k, rd, &g), "KEY");
	must(la_derive(S, LA_K_CONF, g.sk, key->idd, rd, key->rs, k),
	     "K_conf");
	must(la_confirm_build(&c, S, k, key->idd, rd, key->rs), "CONFIRM");
	puthex(&c, sizeof(c));
	return 0;
}

static int cmd_server_gw_confirm(char **a)
{
	u8 kg[16], sk[16], rd[8], rg[8], rs[8], k[16];
	u8 m[LITEAUTH_GW_CONFIRM_LEN];
	const struct la_gw_confirm *gc = (const void *)m;

	unhex(kg, a[0], 16, "KG");
	unhex(sk, a[1], 16, "SK");
	unhex(rd, a[2], 8, "RD");
	unhex(rg, a[3], 8, "RG");
	unhex(rs, a[4], 8, "RS");
	unhex(m, a[5], sizeof(m), "GW_CONFIRM");
	must(la_derive(S, LA_KG_CONF, kg, gc->idg, rg, rs, k), "Kg_conf");
	must(la_gw_confirm_verify(m, sizeof(m), k, rg, rs), "GW_CONFIRM");
	must(la_derive(S, LA_K_CONF, sk, gc->confirm.idd, rd, rs, k),
	     "K_conf");
	must(la_confirm_verify(&gc->confirm, sizeof(gc->confirm), k, rd, rs),
	     "CONFIRM");
	return 0;
}

static int cmd_gw_reject(char **a)
{
	u8 kg[16], idg[8], rg[8], idd[8], reason, k[16];
	struct la_gw_reject r;

	unhex(kg, a[0], 16, "KG");
	unhex(idg, a[1], 8, "IDG");
	unhex(rg, a[2], 8, "RG");
	unhex(idd, a[3], 8, "IDD");
	unhex(&reason, a[4], 1, "REASON");
	must(la_derive(S, LA_KG_REJECT, kg, idg, rg, NULL, k), "Kg_reject");
	must(la_gw_reject_build(&r, S, k, idg, rg, idd, reason), "GW_REJECT");
	puthex(&r, sizeof(r));
	return 0;
}

static int cmd_store_add(char **a)
{
	struct la_principal p = { .suite = S, .enabled = true };
	struct la_store *st;
	char err[256];
	int ret;

	unhex(p.id, a[3], LA_ID_LEN, "ID");
	unhex(p.key, a[4], LA_KEY_LEN, "KEY");
	if (la_store_open(&st, a[0], a[1], LA_STORE_CREATE, err, sizeof(err))) {
		fprintf(stderr, "laproto: %s\n", err);
		return 1;
	}
	ret = la_store_add(st, strcmp(a[2], "gateway") ? LA_DEVICE : LA_GATEWAY,
			   &p);
	la_principal_wipe(&p);
	la_store_close(st);
	if (ret)
		fprintf(stderr, "laproto: store-add: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}

static int cmd_store_hold(char **a)
{
	u8 k[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	char pass[256] = "";
	DB_ENV *env = NULL;
	DB_TXN *txn = NULL;
	DB *db = NULL;
	DBT key = { .data = k, .size = sizeof(k) };
	DBT data = { .data = k, .size = sizeof(k) };
	FILE *f = fopen(a[1], "r");
	int ret;

	if (!f || !fgets(pass, sizeof(pass), f))
		return fprintf(stderr, "laproto: cannot read %s\n", a[1]), 1;
	fclose(f);
	pass[strcspn(pass, "\r\n")] = '\0';
	ret = db_env_create(&env, 0);
	if (!ret)
		ret = env->set_encrypt(env, pass, DB_ENCRYPT_AES);
	if (!ret)
		ret = env->open(env, a[0], DB_INIT_TXN | DB_INIT_LOCK |
				DB_INIT_LOG | DB_INIT_MPOOL | DB_REGISTER, 0600);
	if (!ret)
		ret = db_create(&db, env, 0);
	if (!ret)
		ret = db->set_flags(db, DB_ENCRYPT);
	if (!ret)
		ret = db->open(db, NULL, "devices.db", NULL, DB_BTREE,
			       DB_AUTO_COMMIT, 0600);
	if (!ret)
		ret = env->txn_begin(env, NULL, &txn, 0);
	if (!ret)
		ret = db->put(db, txn, &key, &data, 0);
	if (ret) {
		fprintf(stderr, "laproto: store-hold: %s\n", db_strerror(ret));
		return 1;
	}
	printf("held\n");
	fflush(stdout);
	sleep(atoi(a[2]));
	txn->abort(txn);
	db->close(db, 0);
	env->close(env, 0);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int args;
		int (*fn)(char **a);
	} cmds[] = {
		{ "hello", 3, cmd_hello },
		{ "server-gw-key", 7, cmd_server_gw_key },
		{ "device-confirm", 3, cmd_device_confirm },
		{ "server-gw-confirm", 6, cmd_server_gw_confirm },
		{ "gw-reject", 5, cmd_gw_reject },
		{ "store-add", 5, cmd_store_add },
		{ "store-hold", 3, cmd_store_hold },
	};
	size_t i;
	int rc;

	if (argc < 2)
		usage();
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (argc != cmds[i].args + 2)
			usage();
		if (la_crypto_init()) {
			fprintf(stderr, "laproto: no crypto backend\n");
			return 1;
		}
		rc = cmds[i].fn(argv + 2);
		la_crypto_exit();
		return rc;
	}
	usage();
	return 2;
}
