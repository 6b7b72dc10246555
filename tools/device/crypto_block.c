// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * CMAC (NIST SP 800-38B, RFC 4493) and CCM (SP 800-38C, RFC 3610) with an
 * 8-byte tag and a 13-byte nonce (L = 2), on one AES-128 block function
 * (crypto_block.h).
 */
#include "crypto_block.h"
#include "aes.h"

static struct la_aes128 la_soft_ctx;

static void la_soft_setkey(void *ctx, const u8 *key)
{
	la_aes128_setkey(ctx, key);
}

static void la_soft_encrypt(void *ctx, const u8 *in, u8 *out)
{
	la_aes128_encrypt(ctx, in, out);
}

const struct la_block_cipher la_soft_aes = {
	.setkey = la_soft_setkey,
	.encrypt = la_soft_encrypt,
	.ctx = &la_soft_ctx,
};

static const struct la_block_cipher *la_bc = &la_soft_aes;

void la_crypto_block_use(const struct la_block_cipher *bc)
{
	la_bc = bc;
}

int la_crypto_init(void)
{
	return 0;
}

void la_crypto_exit(void)
{
	memzero_explicit(&la_soft_ctx, sizeof(la_soft_ctx));
}

bool la_crypto_has_suite(u8 suite)
{
	return suite == LITEAUTH_SUITE_AES128;
}

static void la_xor(u8 *a, const u8 *b, size_t n)
{
	while (n--)
		*a++ ^= *b++;
}

/* Doubling in GF(2^128), for the CMAC subkeys. */
static void la_dbl(u8 *b)
{
	u8 carry = b[0] >> 7;
	int i;

	for (i = 0; i < 15; i++)
		b[i] = (u8)(b[i] << 1 | b[i + 1] >> 7);
	b[15] = (u8)(b[15] << 1) ^ (carry ? 0x87 : 0);
}

enum la_err la_crypto_cmac(u8 suite, const u8 *key, const u8 *msg, size_t len,
			   u8 *mac)
{
	u8 k[16] = { 0 }, x[16] = { 0 }, last[16];
	size_t n = len ? (len + 15) / 16 : 1, i;

	if (!la_crypto_has_suite(suite))
		return LA_ERR_SUITE;
	la_bc->setkey(la_bc->ctx, key);
	la_bc->encrypt(la_bc->ctx, k, k);	/* L = E(K, 0) */
	la_dbl(k);				/* K1 */
	memset(last, 0, sizeof(last));
	if (len && !(len % 16)) {
		memcpy(last, msg + 16 * (n - 1), 16);
	} else {
		la_dbl(k);			/* K2 */
		memcpy(last, msg + 16 * (n - 1), len % 16);
		last[len % 16] = 0x80;
	}
	la_xor(last, k, 16);
	for (i = 0; i + 1 < n; i++) {
		la_xor(x, msg + 16 * i, 16);
		la_bc->encrypt(la_bc->ctx, x, x);
	}
	la_xor(x, last, 16);
	la_bc->encrypt(la_bc->ctx, x, mac);
	memzero_explicit(k, sizeof(k));
	memzero_explicit(x, sizeof(x));
	memzero_explicit(last, sizeof(last));
	return LA_OK;
}

/* CBC-MAC of B0, the encoded AAD and the plaintext: the unencrypted tag. */
static void la_ccm_mac(const u8 *nonce, const u8 *aad, size_t alen,
		       const u8 *pt, size_t plen, u8 *t)
{
	u8 b[16];
	size_t i, n;

	b[0] = (alen ? 0x40 : 0) | ((LA_TAG_LEN - 2) / 2) << 3 | 1;
	memcpy(b + 1, nonce, LA_CCM_NONCE_LEN);
	b[14] = (u8)(plen >> 8);
	b[15] = (u8)plen;
	la_bc->encrypt(la_bc->ctx, b, t);

	if (alen) {	/* 2-byte length, the AAD, zero padding */
		memset(b, 0, sizeof(b));
		b[0] = (u8)(alen >> 8);
		b[1] = (u8)alen;
		n = alen < 14 ? alen : 14;
		memcpy(b + 2, aad, n);
		la_xor(t, b, 16);
		la_bc->encrypt(la_bc->ctx, t, t);
		for (i = n; i < alen; i += 16) {
			memset(b, 0, sizeof(b));
			memcpy(b, aad + i, alen - i < 16 ? alen - i : 16);
			la_xor(t, b, 16);
			la_bc->encrypt(la_bc->ctx, t, t);
		}
	}
	for (i = 0; i < plen; i += 16) {
		memset(b, 0, sizeof(b));
		memcpy(b, pt + i, plen - i < 16 ? plen - i : 16);
		la_xor(t, b, 16);
		la_bc->encrypt(la_bc->ctx, t, t);
	}
	memzero_explicit(b, sizeof(b));
}

/* The CTR keystream block @ctr: A_ctr = L' || nonce || ctr. */
static void la_ccm_s(const u8 *nonce, u16 ctr, u8 *s)
{
	u8 a[16];

	a[0] = 1;
	memcpy(a + 1, nonce, LA_CCM_NONCE_LEN);
	a[14] = (u8)(ctr >> 8);
	a[15] = (u8)ctr;
	la_bc->encrypt(la_bc->ctx, a, s);
}

/* CTR over @len bytes of @in into @out, from counter 1. */
static void la_ccm_ctr(const u8 *nonce, const u8 *in, size_t len, u8 *out)
{
	u8 s[16];
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i % 16))
			la_ccm_s(nonce, (u16)(i / 16 + 1), s);
		out[i] = in[i] ^ s[i % 16];
	}
	memzero_explicit(s, sizeof(s));
}

enum la_err la_crypto_ccm_seal(u8 suite, const u8 *key, const u8 *nonce,
			       const u8 *aad, size_t alen, const u8 *pt,
			       size_t plen, u8 *out)
{
	u8 t[16], s0[16];

	if (!la_crypto_has_suite(suite))
		return LA_ERR_SUITE;
	la_bc->setkey(la_bc->ctx, key);
	la_ccm_mac(nonce, aad, alen, pt, plen, t);
	la_ccm_ctr(nonce, pt, plen, out);
	la_ccm_s(nonce, 0, s0);
	la_xor(t, s0, LA_TAG_LEN);
	memcpy(out + plen, t, LA_TAG_LEN);
	memzero_explicit(t, sizeof(t));
	memzero_explicit(s0, sizeof(s0));
	return LA_OK;
}

enum la_err la_crypto_ccm_open(u8 suite, const u8 *key, const u8 *nonce,
			       const u8 *aad, size_t alen, const u8 *in,
			       size_t plen, u8 *pt)
{
	u8 t[16], s0[16];
	int bad;

	if (!la_crypto_has_suite(suite))
		return LA_ERR_SUITE;
	la_bc->setkey(la_bc->ctx, key);
	la_ccm_ctr(nonce, in, plen, pt);
	la_ccm_mac(nonce, aad, alen, pt, plen, t);
	la_ccm_s(nonce, 0, s0);
	la_xor(t, s0, LA_TAG_LEN);
	bad = crypto_memneq(t, in + plen, LA_TAG_LEN);
	if (bad)
		memzero_explicit(pt, plen);
	memzero_explicit(t, sizeof(t));
	memzero_explicit(s0, sizeof(s0));
	return bad ? LA_ERR_AUTH : LA_OK;
}
