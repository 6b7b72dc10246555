// SPDX-License-Identifier: GPL-2.0
/*
 * The test vectors of Documentation/protocol.rst (tests/doc-vectors.sh
 * checks the document against the tables here), decoded for the KUnit
 * suites, and a byte comparison that shows both sides in hex.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#endif
#include <kunit/test.h>

#include "test_vectors.h"

/* protocol.rst, "Test vectors, suite 1": inputs, derived keys, messages. */
static const char *const la_hex_in[] = {
	"000102030405060708090a0b0c0d0e0f",	/* Kd */
	"f0e1d2c3b4a5968778695a4b3c2d1e0f",	/* Kg */
	"00124b0001020304",			/* IDd */
	"b827ebfffe000001",			/* IDg */
	"1122334455667788",			/* Rd */
	"8877665544332211",			/* Rs */
	"a1a2a3a4a5a6a7a8",			/* Rg */
	"5eed5eed5eed5eed0123456789abcdef",	/* SK */
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3",	/* CTX */
};

static const char *const la_hex_keys[LA_LABEL_MAX] = {
	[LA_K_HELLO] = "aed44b41e7bbe435b95e5e511b4dd8fb",
	[LA_K_KEY] = "8737c8ab73fd6c10ac295482edbe7c13",
	[LA_K_CONF] = "ed2b1910354c0f46bc69b29dd146c9b7",
	[LA_K_ACK] = "fe404fa3ff68ee876af7d113702818b1",
	[LA_KG_HELLO] = "006504602089276e20194df860bae0da",
	[LA_KG_KEY] = "65eace10e0400e753cde016f8f1a808e",
	[LA_KG_CONF] = "f0d87b5014dde69691655b32410a39b1",
	[LA_KG_REJECT] = "2d8f5be62f8f008c526351aa47099fa7",
};

/* One message per entry, as they appear in protocol.rst. */
static const char *const la_hex_msgs[LA_NMSG] = {
	[LA_MSG(LITEAUTH_MSG_HELLO)] =
	"312100124b000102030400000007112233445566778838b1578e83215b53",
	[LA_MSG(LITEAUTH_MSG_KEY)] =
	"322100124b000102030488776655443322111af0e31eef9bf9d31205d9891a358d4e2e141661581de312e8291c22",
	[LA_MSG(LITEAUTH_MSG_CONFIRM)] =
	"332100124b000102030408720e0525669206",
	[LA_MSG(LITEAUTH_MSG_GW_HELLO)] =
	"3421b827ebfffe000001a1a2a3a4a5a6a7a8c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d31e312100124b000102030400000007112233445566778838b1578e83215b53535f0b7729a814ac",
	[LA_MSG(LITEAUTH_MSG_GW_KEY)] =
	"3521b827ebfffe0000018877665544332211a1a2a3a4a5a6a7a8000000071122334455667788c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d32e322100124b000102030488776655443322111af0e31eef9bf9d31205d9891a358d4e2e141661581de312e8291c22580090ee1e722368a5716e79d0e04cb8c182a7dc889692a1f22874b225fc7a446791aca7",
	[LA_MSG(LITEAUTH_MSG_GW_CONFIRM)] =
	"3621b827ebfffe000001a1a2a3a4a5a6a7a88877665544332211002a12332100124b000102030408720e052566920690b7dcf43b969143",
	[LA_MSG(LITEAUTH_MSG_GW_REJECT)] =
	"3721b827ebfffe000001a1a2a3a4a5a6a7a8000000071122334455667788c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d300124b0001020304019a6f8781fe317a9e",
	[LA_MSG(LITEAUTH_MSG_ACK)] =
	"382100124b00010203047f14ee821ad26cb7",
};

static int la_unhex(u8 *out, const char *hex, size_t n)
{
	size_t i;

	if (strlen(hex) != 2 * n)
		return -1;
	for (i = 0; i < 2 * n; i++) {
		char c = hex[i];
		int v = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return -1;
		out[i / 2] = (out[i / 2] << 4) | v;
	}
	return 0;
}

/* The vectors, decoded; nonzero if the tables above are inconsistent. */
int la_vec_load(struct la_vec *v)
{
	u8 *in[] = { v->kd, v->kg, v->idd, v->idg, v->rd, v->rs, v->rg,
		     v->sk, v->ctx };
	size_t inlen[] = { LA_KEY_LEN, LA_KEY_LEN, LA_ID_LEN, LA_ID_LEN,
			   LA_NONCE_LEN, LA_NONCE_LEN, LA_NONCE_LEN,
			   LA_KEY_LEN, LA_CTX_LEN };
	int i, err = 0;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < (int)ARRAY_SIZE(in); i++)
		err |= la_unhex(in[i], la_hex_in[i], inlen[i]);
	for (i = 0; i < LA_LABEL_MAX; i++)
		err |= la_unhex(v->keys[i], la_hex_keys[i], LA_KEY_LEN);
	for (i = 0; i < LA_NMSG; i++)
		err |= la_unhex(v->msg[i], la_hex_msgs[i],
				la_msg_len(LITEAUTH_MSG_FIRST + i));
	memcpy(v->grant.sk, v->sk, LA_KEY_LEN);
	v->grant.sid = LA_SID;
	v->grant.life = LA_LIFE;
	v->ctr = LA_CTR;
	memcpy(v->echo.rg, v->rg, LA_NONCE_LEN);
	la_put_be32(v->echo.ctr, LA_CTR);
	memcpy(v->echo.rd, v->rd, LA_NONCE_LEN);
	memcpy(v->echo.ctx, v->ctx, LA_CTX_LEN);
	return err;
}

/* Equal bytes, or a failure that shows both in hex. */
void la_expect_bytes(struct kunit *test, const u8 *got, const u8 *want,
			    size_t n, const char *what)
{
	char g[2 * LITEAUTH_MSG_MAX_LEN + 1], w[2 * LITEAUTH_MSG_MAX_LEN + 1];
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (!memcmp(got, want, n))
		return;
	for (i = 0; i < n && i < LITEAUTH_MSG_MAX_LEN; i++) {
		g[2 * i] = digits[got[i] >> 4];
		g[2 * i + 1] = digits[got[i] & 15];
		w[2 * i] = digits[want[i] >> 4];
		w[2 * i + 1] = digits[want[i] & 15];
	}
	g[2 * i] = w[2 * i] = '\0';
	KUNIT_FAIL(test, "%s differs: got %s, want %s", what, g, w);
}

