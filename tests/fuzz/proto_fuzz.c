// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the protocol core, version 2: every function that
 * takes bytes from outside (la_check and the eight verifiers) gets
 * arbitrary input and must neither crash nor accept it where it cannot be
 * authentic; and whole exchanges built from arbitrary keys, IDs, nonces,
 * CTR and CTX must verify end to end, ACK included, verify only under
 * their own keys, and stop verifying when any one bit of them changes.
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
	enum la_err c = la_check(data, size), e[8];
	static const u8 types[8] = {
		LITEAUTH_MSG_HELLO, LITEAUTH_MSG_KEY, LITEAUTH_MSG_CONFIRM,
		LITEAUTH_MSG_ACK, LITEAUTH_MSG_GW_HELLO, LITEAUTH_MSG_GW_KEY,
		LITEAUTH_MSG_GW_CONFIRM, LITEAUTH_MSG_GW_REJECT,
	};
	struct la_grant g;
	unsigned int i;

	if (c == LA_OK) {
		must(size == la_msg_len(data[0]));
		must(data[1] >> 4 == LITEAUTH_VERSION);
	}
	must(c < LA_ERR_MAX && c != LA_ERR_AUTH && c != LA_ERR_CRYPTO);
	/* An all-zero key is not one any of these messages was made with,
	 * so nothing random may authenticate under it.
	 */
	e[0] = la_hello_verify(data, size, key);
	e[1] = la_key_open(data, size, key, n, &g);
	e[2] = la_confirm_verify(data, size, key, n, n);
	e[3] = la_ack_verify(data, size, key, n, n);
	e[4] = la_gw_hello_verify(data, size, key);
	e[5] = la_gw_key_open(data, size, key, &g);
	e[6] = la_gw_confirm_verify(data, size, key);
	e[7] = la_gw_reject_verify(data, size, key);
	for (i = 0; i < ARRAY_SIZE(e); i++) {
		must(e[i] != LA_OK);
		/* What la_check refuses, every verifier refuses alike; what
		 * it passes is refused as another type, or by the MAC (or,
		 * once opened, a field).
		 */
		if (c != LA_OK)
			must(e[i] == c);
		else if (data[0] != types[i])
			must(e[i] == LA_ERR_TYPE);
		else
			must(e[i] == LA_ERR_AUTH || e[i] == LA_ERR_MALFORMED);
	}
}

/* What one exchange is made of, taken from the fuzzer's bytes. */
struct exchange_in {
	u8 kd[LA_KEY_LEN];
	u8 kg[LA_KEY_LEN];
	u8 idd[LA_ID_LEN];
	u8 idg[LA_ID_LEN];
	u8 rd[LA_NONCE_LEN];
	u8 rs[LA_NONCE_LEN];
	u8 rg[LA_NONCE_LEN];
	u8 sk[LA_KEY_LEN];
	u8 sid[2];
	u8 life[2];
	u8 ctr[LA_CTR_LEN];
	u8 ctx[LA_CTX_LEN];
	u8 reason;
	u8 flip[2];		/* which bit of each message to flip */
} __packed;

/*
 * Genuine messages, and each with bit @bit (mod its size) flipped, to every
 * receiver with the wrong key; the flipped one, to its own verifier with
 * the right key (@verify, on _m), which must refuse it.
 */
#define MUST_FLIP(msg, bit, verify)					\
	do {								\
		typeof(msg) _m = (msg);					\
		fuzz_receive((const u8 *)&_m, sizeof(_m));		\
		((u8 *)&_m)[(bit) / 8 % sizeof(_m)] ^= 1 << (bit) % 8;	\
		fuzz_receive((const u8 *)&_m, sizeof(_m));		\
		must((verify) != LA_OK);				\
	} while (0)

/* Arbitrary inputs: a whole gateway exchange, and the direct one inside it. */
static void fuzz_exchange(const struct exchange_in *in)
{
	u8 k[LA_LABEL_MAX][LA_KEY_LEN];
	unsigned int bit = in->flip[0] << 8 | in->flip[1];
	struct la_grant grant, got;
	struct la_gw_confirm gwc;
	struct la_gw_reject gwr;
	struct la_gw_hello gwh;
	struct la_gw_key gwk;
	struct la_echo echo;
	struct la_confirm c;
	struct la_hello h;
	struct la_key key;
	struct la_ack ack;
	u32 ctr = la_get_be32(in->ctr);
	u8 reason = in->reason % 8;

	memcpy(grant.sk, in->sk, LA_KEY_LEN);
	grant.sid = la_get_be16(in->sid);
	grant.life = la_get_be16(in->life);

	must(!la_derive(S, LA_K_HELLO, in->kd, in->idd, NULL, NULL,
			k[LA_K_HELLO]));
	must(!la_derive(S, LA_K_KEY, in->kd, in->idd, in->rd, in->rs,
			k[LA_K_KEY]));
	must(!la_derive(S, LA_K_CONF, grant.sk, in->idd, in->rd, in->rs,
			k[LA_K_CONF]));
	must(!la_derive(S, LA_K_ACK, grant.sk, in->idd, in->rd, in->rs,
			k[LA_K_ACK]));
	must(!la_derive(S, LA_KG_HELLO, in->kg, in->idg, NULL, NULL,
			k[LA_KG_HELLO]));
	must(!la_derive(S, LA_KG_KEY, in->kg, in->idg, in->rg, in->rs,
			k[LA_KG_KEY]));
	must(!la_derive(S, LA_KG_CONF, in->kg, in->idg, in->rg, in->rs,
			k[LA_KG_CONF]));
	must(!la_derive(S, LA_KG_REJECT, in->kg, in->idg, in->rg, NULL,
			k[LA_KG_REJECT]));
	/* Confirmation and acknowledgement never share a key. */
	must(memcmp(k[LA_K_CONF], k[LA_K_ACK], LA_KEY_LEN));

	/* HELLO: CTR 0 is refused; any other is carried as given. */
	if (!ctr) {
		must(la_hello_build(&h, S, k[LA_K_HELLO], in->idd, 0, in->rd) ==
		     LA_ERR_MALFORMED);
		ctr = 1;
	}
	must(!la_hello_build(&h, S, k[LA_K_HELLO], in->idd, ctr, in->rd));
	must(la_get_be32(h.ctr) == ctr && !memcmp(h.rd, in->rd, LA_NONCE_LEN));
	must(!la_hello_verify(&h, sizeof(h), k[LA_K_HELLO]));
	MUST_FLIP(h, bit, la_hello_verify(&_m, sizeof(_m), k[LA_K_HELLO]));

	must(!la_gw_hello_build(&gwh, S, k[LA_KG_HELLO], in->idg, in->rg,
				in->ctx, &h));
	must(!la_gw_hello_verify(&gwh, sizeof(gwh), k[LA_KG_HELLO]));
	must(la_gw_hello_verify(&gwh, sizeof(gwh), k[LA_K_HELLO]) ==
	     (memcmp(k[LA_K_HELLO], k[LA_KG_HELLO], LA_KEY_LEN) ?
	      LA_ERR_AUTH : LA_OK));
	must(!la_hello_verify(&gwh.hello, sizeof(gwh.hello), k[LA_K_HELLO]));
	MUST_FLIP(gwh, bit, la_gw_hello_verify(&_m, sizeof(_m),
					       k[LA_KG_HELLO]));

	/* ECHO is Rg || CTR || Rd || CTX of that GW_HELLO. */
	la_echo_of(&echo, &gwh);
	must(!memcmp(echo.rg, in->rg, LA_NONCE_LEN) &&
	     la_get_be32(echo.ctr) == ctr &&
	     !memcmp(echo.rd, in->rd, LA_NONCE_LEN) &&
	     !memcmp(echo.ctx, in->ctx, LA_CTX_LEN));

	/* GW_REJECT: REASON 1 to 6 only. */
	if (reason < LITEAUTH_REJECT_UNKNOWN_DEVICE ||
	    reason > LITEAUTH_REJECT_STALE) {
		must(la_gw_reject_build(&gwr, S, k[LA_KG_REJECT], in->idg,
					&echo, in->idd, reason) ==
		     LA_ERR_MALFORMED);
	} else {
		must(!la_gw_reject_build(&gwr, S, k[LA_KG_REJECT], in->idg,
					 &echo, in->idd, reason));
		must(!la_gw_reject_verify(&gwr, sizeof(gwr),
					  k[LA_KG_REJECT]));
		must(!memcmp(&gwr.echo, &echo, sizeof(echo)));
		MUST_FLIP(gwr, bit, la_gw_reject_verify(&_m, sizeof(_m),
							k[LA_KG_REJECT]));
	}

	/* KEY and GW_KEY: LIFE 0 is refused. */
	if (!grant.life) {
		must(la_key_build(&key, S, k[LA_K_KEY], in->idd, in->rd,
				  in->rs, &grant) == LA_ERR_MALFORMED);
		grant.life = 1;
	}
	must(!la_key_build(&key, S, k[LA_K_KEY], in->idd, in->rd, in->rs,
			   &grant));
	must(!la_gw_key_build(&gwk, S, k[LA_KG_KEY], in->idg, &echo, &key,
			      &grant));
	must(!memcmp(&gwk.echo, &echo, sizeof(echo)));
	must(!la_gw_key_open(&gwk, sizeof(gwk), k[LA_KG_KEY], &got));
	must(!memcmp(&got.sk, grant.sk, LA_KEY_LEN) &&
	     got.sid == grant.sid && got.life == grant.life);
	MUST_FLIP(gwk, bit, la_gw_key_open(&_m, sizeof(_m), k[LA_KG_KEY],
					   &got));
	/* The device: the inner KEY, under its own key and Rd only. */
	must(!la_key_open(&gwk.key, sizeof(gwk.key), k[LA_K_KEY], in->rd,
			  &got));
	must(!memcmp(&got.sk, grant.sk, LA_KEY_LEN) &&
	     got.sid == grant.sid && got.life == grant.life);
	MUST_FLIP(key, bit, la_key_open(&_m, sizeof(_m), k[LA_K_KEY], in->rd,
					&got));
	if (memcmp(in->rd, in->rs, LA_NONCE_LEN))
		must(la_key_open(&key, sizeof(key), k[LA_K_KEY], in->rs,
				 &got) == LA_ERR_AUTH);

	must(!la_confirm_build(&c, S, k[LA_K_CONF], in->idd, in->rd, in->rs));
	must(!la_confirm_verify(&c, sizeof(c), k[LA_K_CONF], in->rd, in->rs));
	MUST_FLIP(c, bit, la_confirm_verify(&_m, sizeof(_m), k[LA_K_CONF],
					    in->rd, in->rs));
	must(!la_gw_confirm_build(&gwc, S, k[LA_KG_CONF], in->idg, in->rg,
				  in->rs, grant.sid, &c));
	must(!la_gw_confirm_verify(&gwc, sizeof(gwc), k[LA_KG_CONF]));
	must(la_get_be16(gwc.sid) == grant.sid &&
	     !memcmp(gwc.rg, in->rg, LA_NONCE_LEN) &&
	     !memcmp(gwc.rs, in->rs, LA_NONCE_LEN) &&
	     !la_confirm_verify(&gwc.confirm, sizeof(gwc.confirm),
				k[LA_K_CONF], in->rd, in->rs));
	MUST_FLIP(gwc, bit, la_gw_confirm_verify(&_m, sizeof(_m),
						 k[LA_KG_CONF]));

	/* ACK, the end of the exchange for the device. */
	must(!la_ack_build(&ack, S, k[LA_K_ACK], in->idd, in->rd, in->rs));
	must(!la_ack_verify(&ack, sizeof(ack), k[LA_K_ACK], in->rd, in->rs));
	MUST_FLIP(ack, bit, la_ack_verify(&_m, sizeof(_m), k[LA_K_ACK],
					  in->rd, in->rs));
	/* Neither CONFIRM nor ACK can be reflected as the other. */
	{
		struct la_ack a = ack;
		struct la_confirm cc = c;

		a.type = LITEAUTH_MSG_CONFIRM;
		must(la_confirm_verify(&a, sizeof(a), k[LA_K_CONF], in->rd,
				       in->rs) == LA_ERR_AUTH);
		cc.type = LITEAUTH_MSG_ACK;
		must(la_ack_verify(&cc, sizeof(cc), k[LA_K_ACK], in->rd,
				   in->rs) == LA_ERR_AUTH);
	}
	memzero_explicit(k, sizeof(k));
	memzero_explicit(&grant, sizeof(grant));
	memzero_explicit(&got, sizeof(got));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return la_crypto_init();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct exchange_in in;

	fuzz_receive(data, size);
	if (size >= sizeof(in)) {
		memcpy(&in, data, sizeof(in));
		fuzz_exchange(&in);
	}
	return 0;
}
