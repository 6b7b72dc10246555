// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the protocol core: every function that takes bytes
 * from outside (la_check and the seven verifiers) gets arbitrary input and
 * must neither crash nor accept it where it cannot be authentic; and
 * messages built from arbitrary keys, IDs and nonces must verify, and
 * verify only under their own keys.
 */
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "crypto.h"

#define S LITEAUTH_SUITE_AES128

static void must(int cond)
{
	if (!cond)
		abort();
}

/* Arbitrary bytes as a received message, to every receiver. */
static void fuzz_receive(const u8 *data, size_t size)
{
	static const u8 key[LA_KEY_LEN], n[LA_NONCE_LEN];
	enum la_err c = la_check(data, size);
	struct la_grant g;

	if (c == LA_OK)
		must(size == la_msg_len(data[0]));
	/* An all-zero key is not one any of these messages was made with,
	 * so nothing random may authenticate under it.
	 */
	must(la_hello_verify(data, size, key) != LA_OK);
	must(la_key_open(data, size, key, n, &g) != LA_OK);
	must(la_confirm_verify(data, size, key, n, n) != LA_OK);
	must(la_gw_hello_verify(data, size, key) != LA_OK);
	must(la_gw_key_open(data, size, key, n, &g) != LA_OK);
	must(la_gw_confirm_verify(data, size, key, n, n) != LA_OK);
	must(la_gw_reject_verify(data, size, key) != LA_OK);
}

/* Arbitrary keys, IDs and nonces: a whole gateway exchange must verify. */
static void fuzz_exchange(const u8 *d)
{
	const u8 *kd = d, *kg = d + 16, *idd = d + 32, *idg = d + 40;
	const u8 *rd = d + 48, *rs = d + 56, *rg = d + 64;
	u8 k[LA_LABEL_MAX][LA_KEY_LEN];
	struct la_grant grant, got;
	struct la_gw_confirm gwc;
	struct la_gw_hello gwh;
	struct la_gw_key gwk;
	struct la_confirm c;
	struct la_hello h;
	struct la_key key;

	memcpy(grant.sk, d + 72, LA_KEY_LEN);
	grant.sid = d[88] << 8 | d[89];
	grant.life = (d[90] << 8 | d[91]) | 1;

	must(!la_derive(S, LA_K_HELLO, kd, idd, NULL, NULL, k[LA_K_HELLO]));
	must(!la_derive(S, LA_K_KEY, kd, idd, rd, rs, k[LA_K_KEY]));
	must(!la_derive(S, LA_K_CONF, grant.sk, idd, rd, rs, k[LA_K_CONF]));
	must(!la_derive(S, LA_KG_HELLO, kg, idg, NULL, NULL, k[LA_KG_HELLO]));
	must(!la_derive(S, LA_KG_KEY, kg, idg, rg, rs, k[LA_KG_KEY]));
	must(!la_derive(S, LA_KG_CONF, kg, idg, rg, rs, k[LA_KG_CONF]));

	must(!la_hello_build(&h, S, k[LA_K_HELLO], idd, rd));
	must(!la_hello_verify(&h, sizeof(h), k[LA_K_HELLO]));
	must(!la_gw_hello_build(&gwh, S, k[LA_KG_HELLO], idg, rg, &h));
	must(!la_gw_hello_verify(&gwh, sizeof(gwh), k[LA_KG_HELLO]));
	must(la_gw_hello_verify(&gwh, sizeof(gwh), k[LA_K_HELLO]) ==
	     (memcmp(k[LA_K_HELLO], k[LA_KG_HELLO], LA_KEY_LEN) ?
	      LA_ERR_AUTH : LA_OK));

	must(!la_key_build(&key, S, k[LA_K_KEY], idd, rd, rs, &grant));
	must(!la_gw_key_build(&gwk, S, k[LA_KG_KEY], idg, rg, &key, &grant));
	must(!la_gw_key_open(&gwk, sizeof(gwk), k[LA_KG_KEY], rg, &got));
	must(!memcmp(&got.sk, grant.sk, LA_KEY_LEN) &&
	     got.sid == grant.sid && got.life == grant.life);
	must(!la_key_open(&gwk.key, sizeof(gwk.key), k[LA_K_KEY], rd, &got));
	must(!memcmp(&got.sk, grant.sk, LA_KEY_LEN));

	must(!la_confirm_build(&c, S, k[LA_K_CONF], idd, rd, rs));
	must(!la_confirm_verify(&c, sizeof(c), k[LA_K_CONF], rd, rs));
	must(!la_gw_confirm_build(&gwc, S, k[LA_KG_CONF], idg, rg, rs, &c));
	must(!la_gw_confirm_verify(&gwc, sizeof(gwc), k[LA_KG_CONF], rg, rs));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return la_crypto_init();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	fuzz_receive(data, size);
	if (size >= 92)
		fuzz_exchange(data);
	return 0;
}
