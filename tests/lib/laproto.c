// SPDX-License-Identifier: GPL-2.0
/*
 * laproto: the protocol core (kmod/proto.c) on the command line, for tests
 * that must play the device or the server around the gateway module
 * before the daemon and the device library exist in their own right.
 * Arguments and results are hex, CTR included (8 digits, as on the wire);
 * exit status 0 on success, 1 when a message does not verify or a builder
 * refuses its input, 2 on bad usage.
 *
 *   laproto hello KD IDD CTR RD                       -> HELLO
 *   laproto server-gw-key KG KD SK SID LIFE RS GW_HELLO -> GW_KEY
 *                   (checks T4 and T1; the KEY is for the inner HELLO's
 *                   IDd and Rd, ECHO is the GW_HELLO's)
 *   laproto server-gw-keys KG KD SK FIRST_SID LIFE RS < GW_HELLOs
 *                   -> a GW_KEY for each (a line of hex each), SIDs from
 *                   FIRST_SID up, T1 not checked (made-up IDs, one key)
 *   laproto device-confirm KD RD KEY                  -> CONFIRM
 *   laproto device-ack KD RD KEY ACK
 *                   (exit 0 if ACK verifies for that handshake: K_ack from
 *                   the SK sealed in KEY; 1 if not)
 *   laproto server-gw-confirm KG SK RD GW_CONFIRM     -> its SID
 *                   (T6 under Kg_conf of the Rg and Rs it carries, the
 *                   inner CONFIRM's T3 under K_conf of SK, RD and that Rs)
 *   laproto gw-reject KG GW_HELLO REASON              -> GW_REJECT
 *                   (answers that GW_HELLO, whose T4 it does not check, so
 *                   that tests can answer one the gateway never sent)
 *   laproto store-add DB PASSFILE device|gateway ID KEY
 *                   (provisions the daemon's key store, creating it)
 *   laproto store-hold DB PASSFILE SECONDS (or until stdin closes)
 *                   (opens the store, as a liteauth would while no
 *                   liteauthd runs, and holds it that long, as a stopped
 *                   one would; prints "held" once it has)
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "proto.h"
#include "crypto.h"
#include "store.h"

#define S LITEAUTH_SUITE_AES128

/* Every key a command handles, wiped at exit whichever way it exits. */
static struct {
	u8 kd[LA_KEY_LEN];
	u8 kg[LA_KEY_LEN];
	u8 sk[LA_KEY_LEN];
	u8 k[LA_KEY_LEN];
	struct la_grant g;
} keys;

static void wipe_keys(void)
{
	memzero_explicit(&keys, sizeof(keys));
}

static void usage(void)
{
	fprintf(stderr, "usage: laproto hello|server-gw-key|server-gw-keys|device-confirm|device-ack|server-gw-confirm|gw-reject|store-add|store-hold ARGS (hex)\n");
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
	u8 idd[8], ctr[4], rd[8];
	struct la_hello h;

	unhex(keys.kd, a[0], 16, "KD");
	unhex(idd, a[1], 8, "IDD");
	unhex(ctr, a[2], 4, "CTR");
	unhex(rd, a[3], 8, "RD");
	must(la_derive(S, LA_K_HELLO, keys.kd, idd, NULL, NULL, keys.k),
	     "K_hello");
	must(la_hello_build(&h, S, keys.k, idd, la_get_be32(ctr), rd),
	     "HELLO");
	puthex(&h, sizeof(h));
	return 0;
}

/*
 * Prints the GW_KEY that answers the GW_HELLO @m with the grant in keys.g
 * and @rs, having checked T4 and, if @check_t1, the inner HELLO's T1.
 */
static void answer_gw_hello(const u8 *m, const u8 *rs, bool check_t1)
{
	const struct la_gw_hello *gh = (const void *)m;
	struct la_gw_key gk;
	struct la_echo echo;
	struct la_key key;

	must(la_derive(S, LA_KG_HELLO, keys.kg, gh->idg, NULL, NULL, keys.k),
	     "Kg_hello");
	must(la_gw_hello_verify(m, LITEAUTH_GW_HELLO_LEN, keys.k), "GW_HELLO");
	if (check_t1) {
		must(la_derive(S, LA_K_HELLO, keys.kd, gh->hello.idd, NULL,
			       NULL, keys.k), "K_hello");
		must(la_hello_verify(&gh->hello, sizeof(gh->hello), keys.k),
		     "HELLO");
	}
	must(la_derive(S, LA_K_KEY, keys.kd, gh->hello.idd, gh->hello.rd, rs,
		       keys.k), "K_key");
	must(la_key_build(&key, S, keys.k, gh->hello.idd, gh->hello.rd, rs,
			  &keys.g), "KEY");
	must(la_derive(S, LA_KG_KEY, keys.kg, gh->idg, gh->rg, rs, keys.k),
	     "Kg_key");
	la_echo_of(&echo, gh);
	must(la_gw_key_build(&gk, S, keys.k, gh->idg, &echo, &key, &keys.g),
	     "GW_KEY");
	puthex(&gk, sizeof(gk));
}

static int cmd_server_gw_key(char **a)
{
	u8 rs[8], sidb[2], lifeb[2];
	u8 m[LITEAUTH_GW_HELLO_LEN];

	unhex(keys.kg, a[0], 16, "KG");
	unhex(keys.kd, a[1], 16, "KD");
	unhex(keys.g.sk, a[2], 16, "SK");
	unhex(sidb, a[3], 2, "SID");
	unhex(lifeb, a[4], 2, "LIFE");
	unhex(rs, a[5], 8, "RS");
	unhex(m, a[6], sizeof(m), "GW_HELLO");
	keys.g.sid = la_get_be16(sidb);
	keys.g.life = la_get_be16(lifeb);
	answer_gw_hello(m, rs, true);
	return 0;
}

/*
 * A GW_KEY for each GW_HELLO on standard input (a line of hex each), with
 * SIDs from FIRST_SID up: a server for the tests that make many
 * handshakes at once, whose devices' IDs are made up under one key, so T1
 * is not checked (T4 is).
 */
static int cmd_server_gw_keys(char **a)
{
	u8 rs[8], sidb[2], lifeb[2];
	u8 m[LITEAUTH_GW_HELLO_LEN];
	char line[2 * LITEAUTH_GW_HELLO_LEN + 8];

	unhex(keys.kg, a[0], 16, "KG");
	unhex(keys.kd, a[1], 16, "KD");
	unhex(keys.g.sk, a[2], 16, "SK");
	unhex(sidb, a[3], 2, "FIRST_SID");
	unhex(lifeb, a[4], 2, "LIFE");
	unhex(rs, a[5], 8, "RS");
	keys.g.sid = la_get_be16(sidb);
	keys.g.life = la_get_be16(lifeb);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		unhex(m, line, sizeof(m), "GW_HELLO");
		answer_gw_hello(m, rs, false);
		keys.g.sid++;
	}
	return 0;
}

/* Opens @hex, a KEY for the handshake of Rd @rd, into keys.g. */
static void open_key(u8 *m, const char *hex, const u8 *rd)
{
	const struct la_key *key = (const void *)m;

	unhex(m, hex, LITEAUTH_KEY_LEN, "KEY");
	must(la_derive(S, LA_K_KEY, keys.kd, key->idd, rd, key->rs, keys.k),
	     "K_key");
	must(la_key_open(m, LITEAUTH_KEY_LEN, keys.k, rd, &keys.g), "KEY");
}

static int cmd_device_confirm(char **a)
{
	u8 rd[8], m[LITEAUTH_KEY_LEN];
	const struct la_key *key = (const void *)m;
	struct la_confirm c;

	unhex(keys.kd, a[0], 16, "KD");
	unhex(rd, a[1], 8, "RD");
	open_key(m, a[2], rd);
	must(la_derive(S, LA_K_CONF, keys.g.sk, key->idd, rd, key->rs, keys.k),
	     "K_conf");
	must(la_confirm_build(&c, S, keys.k, key->idd, rd, key->rs),
	     "CONFIRM");
	puthex(&c, sizeof(c));
	return 0;
}

static int cmd_device_ack(char **a)
{
	u8 rd[8], m[LITEAUTH_KEY_LEN], ack[LITEAUTH_ACK_LEN];
	const struct la_key *key = (const void *)m;

	unhex(keys.kd, a[0], 16, "KD");
	unhex(rd, a[1], 8, "RD");
	open_key(m, a[2], rd);
	unhex(ack, a[3], sizeof(ack), "ACK");
	must(la_derive(S, LA_K_ACK, keys.g.sk, key->idd, rd, key->rs, keys.k),
	     "K_ack");
	must(la_ack_verify(ack, sizeof(ack), keys.k, rd, key->rs), "ACK");
	return 0;
}

static int cmd_server_gw_confirm(char **a)
{
	u8 rd[8], m[LITEAUTH_GW_CONFIRM_LEN];
	const struct la_gw_confirm *gc = (const void *)m;

	unhex(keys.kg, a[0], 16, "KG");
	unhex(keys.sk, a[1], 16, "SK");
	unhex(rd, a[2], 8, "RD");
	unhex(m, a[3], sizeof(m), "GW_CONFIRM");
	must(la_check(m, sizeof(m)), "GW_CONFIRM");
	must(la_derive(S, LA_KG_CONF, keys.kg, gc->idg, gc->rg, gc->rs,
		       keys.k), "Kg_conf");
	must(la_gw_confirm_verify(m, sizeof(m), keys.k), "GW_CONFIRM");
	must(la_derive(S, LA_K_CONF, keys.sk, gc->confirm.idd, rd, gc->rs,
		       keys.k), "K_conf");
	must(la_confirm_verify(&gc->confirm, sizeof(gc->confirm), keys.k, rd,
			       gc->rs), "CONFIRM");
	puthex(gc->sid, sizeof(gc->sid));
	return 0;
}

static int cmd_gw_reject(char **a)
{
	u8 m[LITEAUTH_GW_HELLO_LEN], reason;
	const struct la_gw_hello *gh = (const void *)m;
	struct la_gw_reject r;
	struct la_echo echo;

	unhex(keys.kg, a[0], 16, "KG");
	unhex(m, a[1], sizeof(m), "GW_HELLO");
	unhex(&reason, a[2], 1, "REASON");
	must(la_check(m, sizeof(m)), "GW_HELLO");
	must(la_derive(S, LA_KG_REJECT, keys.kg, gh->idg, gh->rg, NULL,
		       keys.k), "Kg_reject");
	la_echo_of(&echo, gh);
	must(la_gw_reject_build(&r, S, keys.k, gh->idg, &echo, gh->hello.idd,
				reason), "GW_REJECT");
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
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	struct la_store *st;
	char err[512], c;

	if (la_store_open(&st, a[0], a[1], 0, err, sizeof(err))) {
		fprintf(stderr, "laproto: store-hold: %s\n", err);
		return 1;
	}
	printf("held\n");
	fflush(stdout);
	/* Until SECONDS pass or stdin closes, whichever comes first. */
	while (poll(&pfd, 1, atoi(a[2]) * 1000) == 1)
		if (read(STDIN_FILENO, &c, 1) <= 0)
			break;
	la_store_close(st);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int args;
		int (*fn)(char **a);
	} cmds[] = {
		{ "hello", 4, cmd_hello },
		{ "server-gw-key", 7, cmd_server_gw_key },
		{ "server-gw-keys", 6, cmd_server_gw_keys },
		{ "device-confirm", 3, cmd_device_confirm },
		{ "device-ack", 4, cmd_device_ack },
		{ "server-gw-confirm", 4, cmd_server_gw_confirm },
		{ "gw-reject", 3, cmd_gw_reject },
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
		atexit(wipe_keys);
		rc = cmds[i].fn(argv + 2);
		la_crypto_exit();
		return rc;
	}
	usage();
	return 2;
}
