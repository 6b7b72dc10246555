// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The liteauth wire protocol: message checks, key derivation, and the
 * authentication of all eight messages. See proto.h and
 * Documentation/protocol.rst.
 *
 * Every message is handled by one table entry that says where its
 * authenticator starts, whether it is a CMAC tag or a CCM seal, which
 * nonces its MAC or AAD input appends, and whether it carries an inner
 * message. la_seal() and la_open() do the crypto for all of them from that
 * table; the per-type functions only place fields.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#include <crypto/algapi.h>
#endif

#include "proto.h"
#include "crypto.h"

struct la_desc {
	u8 len;		/* exact size */
	u8 auth_off;	/* start of the tag, or of the sealed part */
	u8 pt_len;	/* sealed plaintext size; 0 for a CMAC tag */
	u8 nonces;	/* nonces appended to the MAC or AAD input */
	u8 inner_off;	/* inner message (LEN just before it); 0 if none */
	u8 inner_type;
};

#define LA_IDX(type) ((type) - LITEAUTH_MSG_FIRST)

static const struct la_desc la_descs[] = {
	[LA_IDX(LITEAUTH_MSG_HELLO)] = {
		.len = LITEAUTH_HELLO_LEN,
		.auth_off = offsetof(struct la_hello, tag),
	},
	[LA_IDX(LITEAUTH_MSG_KEY)] = {
		.len = LITEAUTH_KEY_LEN,
		.auth_off = offsetof(struct la_key, sealed),
		.pt_len = LA_GRANT_LEN,
		.nonces = 1,				/* Rd */
	},
	[LA_IDX(LITEAUTH_MSG_CONFIRM)] = {
		.len = LITEAUTH_CONFIRM_LEN,
		.auth_off = offsetof(struct la_confirm, tag),
		.nonces = 2,				/* Rd, Rs */
	},
	[LA_IDX(LITEAUTH_MSG_GW_HELLO)] = {
		.len = LITEAUTH_GW_HELLO_LEN,
		.auth_off = offsetof(struct la_gw_hello, tag),
		.inner_off = offsetof(struct la_gw_hello, hello),
		.inner_type = LITEAUTH_MSG_HELLO,
	},
	[LA_IDX(LITEAUTH_MSG_GW_KEY)] = {
		.len = LITEAUTH_GW_KEY_LEN,
		.auth_off = offsetof(struct la_gw_key, sealed),
		.pt_len = LA_ID_LEN + LA_GRANT_LEN,
		.inner_off = offsetof(struct la_gw_key, key),
		.inner_type = LITEAUTH_MSG_KEY,
	},
	[LA_IDX(LITEAUTH_MSG_GW_CONFIRM)] = {
		.len = LITEAUTH_GW_CONFIRM_LEN,
		.auth_off = offsetof(struct la_gw_confirm, tag),
		.inner_off = offsetof(struct la_gw_confirm, confirm),
		.inner_type = LITEAUTH_MSG_CONFIRM,
	},
	[LA_IDX(LITEAUTH_MSG_GW_REJECT)] = {
		.len = LITEAUTH_GW_REJECT_LEN,
		.auth_off = offsetof(struct la_gw_reject, tag),
	},
	[LA_IDX(LITEAUTH_MSG_ACK)] = {
		.len = LITEAUTH_ACK_LEN,
		.auth_off = offsetof(struct la_ack, tag),
		.nonces = 2,				/* Rd, Rs */
	},
};

static const struct la_desc *la_desc(u8 type)
{
	if (type < LITEAUTH_MSG_FIRST || type > LITEAUTH_MSG_LAST)
		return NULL;
	return &la_descs[LA_IDX(type)];
}

unsigned int la_msg_len(u8 type)
{
	const struct la_desc *d = la_desc(type);

	return d ? d->len : 0;
}

static const char *const la_errs[LA_ERR_MAX] = {
	[LA_OK] = "ok",
	[LA_ERR_SIZE] = "wrong size",
	[LA_ERR_TYPE] = "wrong message type",
	[LA_ERR_VERSION] = "unsupported version",
	[LA_ERR_SUITE] = "unsupported suite",
	[LA_ERR_MALFORMED] = "malformed field",
	[LA_ERR_AUTH] = "authentication failed",
	[LA_ERR_CRYPTO] = "crypto backend failure",
};

const char *la_strerror(enum la_err err)
{
	return (unsigned int)err < LA_ERR_MAX ? la_errs[err] : "unknown error";
}

static bool la_reason_valid(u8 reason)
{
	return reason >= LITEAUTH_REJECT_UNKNOWN_DEVICE &&
	       reason <= LITEAUTH_REJECT_STALE;
}

/* Where a message of a checked type carries a CTR, or NULL. */
static const u8 *la_ctr_of(const u8 *m)
{
	switch (m[0]) {
	case LITEAUTH_MSG_HELLO:
		return ((const struct la_hello *)m)->ctr;
	case LITEAUTH_MSG_GW_HELLO:
		return ((const struct la_gw_hello *)m)->hello.ctr;
	case LITEAUTH_MSG_GW_KEY:
		return ((const struct la_gw_key *)m)->echo.ctr;
	case LITEAUTH_MSG_GW_REJECT:
		return ((const struct la_gw_reject *)m)->echo.ctr;
	default:
		return NULL;
	}
}

/* Version and suite of a message header, as la_check() judges them. */
static enum la_err la_check_vs(u8 vs)
{
	if (vs >> 4 != LITEAUTH_VERSION)
		return LA_ERR_VERSION;
	if (!la_crypto_has_suite(vs & 0x0f))
		return LA_ERR_SUITE;
	return LA_OK;
}

enum la_err la_check(const void *msg, size_t len)
{
	const u8 *m = msg;
	const struct la_desc *d;
	const u8 *inner;
	enum la_err err;

	if (len < 2)
		return LA_ERR_SIZE;
	d = la_desc(m[0]);
	if (!d)
		return LA_ERR_TYPE;
	if (len != d->len)
		return LA_ERR_SIZE;
	err = la_check_vs(m[1]);
	if (err)
		return err;

	if (m[0] == LITEAUTH_MSG_GW_REJECT &&
	    !la_reason_valid(((const struct la_gw_reject *)m)->reason))
		return LA_ERR_MALFORMED;
	if (la_ctr_of(m) && !la_get_be32(la_ctr_of(m)))
		return LA_ERR_MALFORMED;
	if (!d->inner_off)
		return LA_OK;

	inner = m + d->inner_off;
	if (m[d->inner_off - 1] != la_msg_len(d->inner_type) ||
	    inner[0] != d->inner_type || la_check_vs(inner[1]))
		return LA_ERR_MALFORMED;
	/* GW_KEY and the KEY inside it carry one and the same Rs. */
	if (m[0] == LITEAUTH_MSG_GW_KEY &&
	    memcmp(((const struct la_gw_key *)m)->rs,
		   ((const struct la_gw_key *)m)->key.rs, LA_NONCE_LEN))
		return LA_ERR_MALFORMED;
	return LA_OK;
}

/*
 * The MAC input, or the CCM AAD, of a message: every byte before its
 * authenticator, then the nonces its type appends. Returns its length.
 */
static size_t la_auth_input(u8 *buf, const u8 *m, const struct la_desc *d,
			    const u8 *n1, const u8 *n2)
{
	size_t n = d->auth_off;

	memcpy(buf, m, n);
	if (d->nonces >= 1) {
		memcpy(buf + n, n1, LA_NONCE_LEN);
		n += LA_NONCE_LEN;
	}
	if (d->nonces >= 2) {
		memcpy(buf + n, n2, LA_NONCE_LEN);
		n += LA_NONCE_LEN;
	}
	return n;
}

/* CCM nonce: type || the ID at byte 2 (IDd in KEY, IDg in GW_KEY) || 0. */
static void la_ccm_nonce(u8 *nonce, const u8 *m)
{
	memset(nonce, 0, LA_CCM_NONCE_LEN);
	nonce[0] = m[0];
	memcpy(nonce + 1, m + 2, LA_ID_LEN);
}

enum la_err la_seal(void *msg, size_t len, const u8 *key, const u8 *n1,
		    const u8 *n2, const u8 *pt)
{
	u8 buf[LA_CRYPTO_MAX_AAD], mac[LA_CMAC_LEN], nonce[LA_CCM_NONCE_LEN];
	const struct la_desc *d;
	u8 *m = msg;
	enum la_err err;
	size_t n;

	d = len ? la_desc(m[0]) : NULL;
	if (!d)
		return LA_ERR_TYPE;
	if (len != d->len)
		return LA_ERR_SIZE;

	n = la_auth_input(buf, m, d, n1, n2);
	if (d->pt_len) {
		la_ccm_nonce(nonce, m);
		return la_crypto_ccm_seal(la_suite(m), key, nonce, buf, n, pt,
					  d->pt_len, m + d->auth_off);
	}
	err = la_crypto_cmac(la_suite(m), key, buf, n, mac);
	if (!err)
		memcpy(m + d->auth_off, mac, LA_TAG_LEN);
	memzero_explicit(mac, sizeof(mac));
	return err;
}

/*
 * Checks @msg as a message of @type and verifies its authenticator; for
 * KEY and GW_KEY, the plaintext goes to @pt (d->pt_len bytes).
 */
static enum la_err la_open(const u8 *m, size_t len, u8 type, const u8 *key,
			   const u8 *n1, const u8 *n2, u8 *pt)
{
	u8 buf[LA_CRYPTO_MAX_AAD], mac[LA_CMAC_LEN], nonce[LA_CCM_NONCE_LEN];
	const struct la_desc *d;
	enum la_err err;
	size_t n;

	err = la_check(m, len);
	if (err)
		return err;
	if (m[0] != type)
		return LA_ERR_TYPE;

	d = la_desc(type);
	n = la_auth_input(buf, m, d, n1, n2);
	if (d->pt_len) {
		la_ccm_nonce(nonce, m);
		return la_crypto_ccm_open(la_suite(m), key, nonce, buf, n,
					  m + d->auth_off, d->pt_len, pt);
	}
	err = la_crypto_cmac(la_suite(m), key, buf, n, mac);
	if (!err && crypto_memneq(mac, m + d->auth_off, LA_TAG_LEN))
		err = LA_ERR_AUTH;
	memzero_explicit(mac, sizeof(mac));
	return err;
}

/* KDF labels, and how many nonces follow the ID in each one's context. */
static const struct {
	const char *label;
	u8 nonces;
} la_labels[LA_LABEL_MAX] = {
	[LA_K_HELLO] = { "LA1 hello", 0 },
	[LA_K_KEY] = { "LA1 key", 2 },
	[LA_K_CONF] = { "LA1 confirm", 2 },
	[LA_K_ACK] = { "LA1 ack", 2 },
	[LA_KG_HELLO] = { "LA1 gw hello", 0 },
	[LA_KG_KEY] = { "LA1 gw key", 2 },
	[LA_KG_CONF] = { "LA1 gw confirm", 2 },
	[LA_KG_REJECT] = { "LA1 gw reject", 1 },
};

#define LA_LABEL_MAXLEN 16

/*
 * KDF(K, label, ctx) = CMAC(K, 0x01 || label || 0x00 || ctx || 0x00 0x80):
 * NIST SP 800-108 in counter mode, one 128-bit block of output.
 */
enum la_err la_derive(u8 suite, enum la_label label, const u8 *key,
		      const u8 *id, const u8 *n1, const u8 *n2, u8 *out)
{
	u8 buf[1 + LA_LABEL_MAXLEN + 1 + LA_ID_LEN + 2 * LA_NONCE_LEN + 2];
	const u8 *nonce[2] = { n1, n2 };
	size_t n, l;
	enum la_err err;
	int i;

	if ((unsigned int)label >= LA_LABEL_MAX)
		return LA_ERR_MALFORMED;
	l = strlen(la_labels[label].label);
	buf[0] = 0x01;
	memcpy(buf + 1, la_labels[label].label, l);
	n = 1 + l;
	buf[n++] = 0x00;
	memcpy(buf + n, id, LA_ID_LEN);
	n += LA_ID_LEN;
	for (i = 0; i < la_labels[label].nonces; i++) {
		memcpy(buf + n, nonce[i], LA_NONCE_LEN);
		n += LA_NONCE_LEN;
	}
	buf[n++] = 0x00;
	buf[n++] = 0x80;	/* output length: 128 bits */

	err = la_crypto_cmac(suite, key, buf, n, out);
	memzero_explicit(buf, sizeof(buf));
	return err;
}

/* The grant as it is sealed: SK || SID || LIFE, big-endian. */
static void la_grant_put(u8 *p, const struct la_grant *g)
{
	memcpy(p, g->sk, LA_KEY_LEN);
	p[LA_KEY_LEN + 0] = g->sid >> 8;
	p[LA_KEY_LEN + 1] = g->sid & 0xff;
	p[LA_KEY_LEN + 2] = g->life >> 8;
	p[LA_KEY_LEN + 3] = g->life & 0xff;
}

static enum la_err la_grant_get(struct la_grant *g, const u8 *p)
{
	u16 life = (p[LA_KEY_LEN + 2] << 8) | p[LA_KEY_LEN + 3];

	if (!life)
		return LA_ERR_MALFORMED;
	memcpy(g->sk, p, LA_KEY_LEN);
	g->sid = (p[LA_KEY_LEN + 0] << 8) | p[LA_KEY_LEN + 1];
	g->life = life;
	return LA_OK;
}

static void la_header(void *msg, u8 type, u8 suite)
{
	u8 *m = msg;

	m[0] = type;
	m[1] = LITEAUTH_VS(suite);
}

void la_echo_of(struct la_echo *echo, const struct la_gw_hello *m)
{
	memcpy(echo->rg, m->rg, LA_NONCE_LEN);
	memcpy(echo->ctr, m->hello.ctr, LA_CTR_LEN);
	memcpy(echo->rd, m->hello.rd, LA_NONCE_LEN);
	memcpy(echo->ctx, m->ctx, LA_CTX_LEN);
}

enum la_err la_hello_build(struct la_hello *m, u8 suite, const u8 *k_hello,
			   const u8 *idd, u32 ctr, const u8 *rd)
{
	if (!ctr)
		return LA_ERR_MALFORMED;
	la_header(m, LITEAUTH_MSG_HELLO, suite);
	memcpy(m->idd, idd, LA_ID_LEN);
	la_put_be32(m->ctr, ctr);
	memcpy(m->rd, rd, LA_NONCE_LEN);
	return la_seal(m, sizeof(*m), k_hello, NULL, NULL, NULL);
}

enum la_err la_hello_verify(const void *msg, size_t len, const u8 *k_hello)
{
	return la_open(msg, len, LITEAUTH_MSG_HELLO, k_hello, NULL, NULL,
		       NULL);
}

enum la_err la_key_build(struct la_key *m, u8 suite, const u8 *k_key,
			 const u8 *idd, const u8 *rd, const u8 *rs,
			 const struct la_grant *grant)
{
	u8 pt[LA_GRANT_LEN];
	enum la_err err;

	if (!grant->life)
		return LA_ERR_MALFORMED;
	la_header(m, LITEAUTH_MSG_KEY, suite);
	memcpy(m->idd, idd, LA_ID_LEN);
	memcpy(m->rs, rs, LA_NONCE_LEN);
	la_grant_put(pt, grant);
	err = la_seal(m, sizeof(*m), k_key, rd, NULL, pt);
	memzero_explicit(pt, sizeof(pt));
	return err;
}

enum la_err la_key_open(const void *msg, size_t len, const u8 *k_key,
			const u8 *rd, struct la_grant *grant)
{
	u8 pt[LA_GRANT_LEN];
	enum la_err err;

	err = la_open(msg, len, LITEAUTH_MSG_KEY, k_key, rd, NULL, pt);
	if (!err)
		err = la_grant_get(grant, pt);
	memzero_explicit(pt, sizeof(pt));
	return err;
}

enum la_err la_confirm_build(struct la_confirm *m, u8 suite, const u8 *k_conf,
			     const u8 *idd, const u8 *rd, const u8 *rs)
{
	la_header(m, LITEAUTH_MSG_CONFIRM, suite);
	memcpy(m->idd, idd, LA_ID_LEN);
	return la_seal(m, sizeof(*m), k_conf, rd, rs, NULL);
}

enum la_err la_confirm_verify(const void *msg, size_t len, const u8 *k_conf,
			      const u8 *rd, const u8 *rs)
{
	return la_open(msg, len, LITEAUTH_MSG_CONFIRM, k_conf, rd, rs, NULL);
}

enum la_err la_ack_build(struct la_ack *m, u8 suite, const u8 *k_ack,
			 const u8 *idd, const u8 *rd, const u8 *rs)
{
	la_header(m, LITEAUTH_MSG_ACK, suite);
	memcpy(m->idd, idd, LA_ID_LEN);
	return la_seal(m, sizeof(*m), k_ack, rd, rs, NULL);
}

enum la_err la_ack_verify(const void *msg, size_t len, const u8 *k_ack,
			  const u8 *rd, const u8 *rs)
{
	return la_open(msg, len, LITEAUTH_MSG_ACK, k_ack, rd, rs, NULL);
}

enum la_err la_gw_hello_build(struct la_gw_hello *m, u8 suite,
			      const u8 *kg_hello, const u8 *idg, const u8 *rg,
			      const u8 *ctx, const struct la_hello *hello)
{
	la_header(m, LITEAUTH_MSG_GW_HELLO, suite);
	memcpy(m->idg, idg, LA_ID_LEN);
	memcpy(m->rg, rg, LA_NONCE_LEN);
	memcpy(m->ctx, ctx, LA_CTX_LEN);
	m->len = sizeof(*hello);
	m->hello = *hello;
	return la_seal(m, sizeof(*m), kg_hello, NULL, NULL, NULL);
}

enum la_err la_gw_hello_verify(const void *msg, size_t len,
			       const u8 *kg_hello)
{
	return la_open(msg, len, LITEAUTH_MSG_GW_HELLO, kg_hello, NULL, NULL,
		       NULL);
}

enum la_err la_gw_key_build(struct la_gw_key *m, u8 suite, const u8 *kg_key,
			    const u8 *idg, const struct la_echo *echo,
			    const struct la_key *key,
			    const struct la_grant *grant)
{
	u8 pt[LA_ID_LEN + LA_GRANT_LEN];
	enum la_err err;

	if (!grant->life || !la_get_be32(echo->ctr))
		return LA_ERR_MALFORMED;
	la_header(m, LITEAUTH_MSG_GW_KEY, suite);
	memcpy(m->idg, idg, LA_ID_LEN);
	memcpy(m->rs, key->rs, LA_NONCE_LEN);
	m->echo = *echo;
	m->len = sizeof(*key);
	m->key = *key;
	memcpy(pt, key->idd, LA_ID_LEN);
	la_grant_put(pt + LA_ID_LEN, grant);
	err = la_seal(m, sizeof(*m), kg_key, NULL, NULL, pt);
	memzero_explicit(pt, sizeof(pt));
	return err;
}

enum la_err la_gw_key_open(const void *msg, size_t len, const u8 *kg_key,
			   struct la_grant *grant)
{
	const struct la_gw_key *m = msg;
	u8 pt[LA_ID_LEN + LA_GRANT_LEN];
	enum la_err err;

	err = la_open(msg, len, LITEAUTH_MSG_GW_KEY, kg_key, NULL, NULL, pt);
	if (!err && memcmp(pt, m->key.idd, LA_ID_LEN))
		err = LA_ERR_MALFORMED;
	if (!err)
		err = la_grant_get(grant, pt + LA_ID_LEN);
	memzero_explicit(pt, sizeof(pt));
	return err;
}

enum la_err la_gw_confirm_build(struct la_gw_confirm *m, u8 suite,
				const u8 *kg_conf, const u8 *idg,
				const u8 *rg, const u8 *rs, u16 sid,
				const struct la_confirm *confirm)
{
	la_header(m, LITEAUTH_MSG_GW_CONFIRM, suite);
	memcpy(m->idg, idg, LA_ID_LEN);
	memcpy(m->rg, rg, LA_NONCE_LEN);
	memcpy(m->rs, rs, LA_NONCE_LEN);
	la_put_be16(m->sid, sid);
	m->len = sizeof(*confirm);
	m->confirm = *confirm;
	return la_seal(m, sizeof(*m), kg_conf, NULL, NULL, NULL);
}

enum la_err la_gw_confirm_verify(const void *msg, size_t len,
				 const u8 *kg_conf)
{
	return la_open(msg, len, LITEAUTH_MSG_GW_CONFIRM, kg_conf, NULL, NULL,
		       NULL);
}

enum la_err la_gw_reject_build(struct la_gw_reject *m, u8 suite,
			       const u8 *kg_reject, const u8 *idg,
			       const struct la_echo *echo, const u8 *idd,
			       u8 reason)
{
	if (!la_reason_valid(reason) || !la_get_be32(echo->ctr))
		return LA_ERR_MALFORMED;
	la_header(m, LITEAUTH_MSG_GW_REJECT, suite);
	memcpy(m->idg, idg, LA_ID_LEN);
	m->echo = *echo;
	memcpy(m->idd, idd, LA_ID_LEN);
	m->reason = reason;
	return la_seal(m, sizeof(*m), kg_reject, NULL, NULL, NULL);
}

enum la_err la_gw_reject_verify(const void *msg, size_t len,
				const u8 *kg_reject)
{
	return la_open(msg, len, LITEAUTH_MSG_GW_REJECT, kg_reject, NULL,
		       NULL, NULL);
}
