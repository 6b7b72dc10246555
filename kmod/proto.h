/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The liteauth wire protocol, version 2: the one implementation of the
 * message formats, the key schedule and the message authentication.
 *
 * proto.c is built into liteauth.ko and, unchanged, into every userspace
 * component (daemon, tools, tests). It allocates nothing, keeps no state and
 * reaches the block cipher modes only through crypto.h, whose backend is the
 * kernel crypto API in the module and OpenSSL's libcrypto in userspace.
 *
 * Messages are described by packed structs of byte arrays, so a received
 * buffer can be read in place whatever its alignment. Every function that
 * takes bytes from outside (the *_verify and *_open functions, la_check())
 * checks the exact size, version, suite and inner message before it looks
 * at anything else, and answers with a reason (enum la_err) that callers
 * count.
 */
#ifndef _LITEAUTH_PROTO_H
#define _LITEAUTH_PROTO_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "kcompat.h"	/* userspace: tools/lib/kcompat.h */
#endif

#include <linux/liteauth.h>

#define LA_ID_LEN	LITEAUTH_ID_LEN
#define LA_KEY_LEN	LITEAUTH_PSK_LEN
#define LA_NONCE_LEN	LITEAUTH_NONCE_LEN
#define LA_TAG_LEN	LITEAUTH_TAG_LEN
#define LA_CCM_NONCE_LEN 13
#define LA_CTR_LEN	LITEAUTH_CTR_LEN
#define LA_CTX_LEN	LITEAUTH_CTX_LEN

/* What KEY carries to the device: SK || SID || LIFE. */
#define LA_GRANT_LEN	(LA_KEY_LEN + 2 + 2)

/* Why a message was refused; callers keep one counter per reason. */
enum la_err {
	LA_OK = 0,
	LA_ERR_SIZE,	/* length is not the exact size of its type */
	LA_ERR_TYPE,	/* unknown type, or not the type expected here */
	LA_ERR_VERSION,	/* protocol version is not 2 */
	LA_ERR_SUITE,	/* cipher suite unknown or not built in */
	LA_ERR_MALFORMED, /* a field is out of range: LEN, the inner message,
			   * GW_KEY's Rs or IDd binding, REASON, LIFE, CTR
			   */
	LA_ERR_AUTH,	/* tag or seal did not verify */
	LA_ERR_CRYPTO,	/* the crypto backend failed (not the peer's fault) */
	LA_ERR_MAX,
};

const char *la_strerror(enum la_err err);

/* The wire layout of each message (protocol.rst, "Messages"). */
struct la_hello {
	u8 type;
	u8 vs;
	u8 idd[LA_ID_LEN];
	u8 ctr[LA_CTR_LEN];		/* big-endian, never 0 */
	u8 rd[LA_NONCE_LEN];
	u8 tag[LA_TAG_LEN];		/* T1 */
} __packed;

struct la_key {
	u8 type;
	u8 vs;
	u8 idd[LA_ID_LEN];
	u8 rs[LA_NONCE_LEN];
	u8 sealed[LA_GRANT_LEN + LA_TAG_LEN];	/* SK || SID || LIFE */
} __packed;

struct la_confirm {
	u8 type;
	u8 vs;
	u8 idd[LA_ID_LEN];
	u8 tag[LA_TAG_LEN];		/* T3 */
} __packed;

struct la_ack {
	u8 type;
	u8 vs;
	u8 idd[LA_ID_LEN];
	u8 tag[LA_TAG_LEN];		/* T8 */
} __packed;

/* What GW_KEY and GW_REJECT give back of GW_HELLO and its HELLO. */
struct la_echo {
	u8 rg[LA_NONCE_LEN];
	u8 ctr[LA_CTR_LEN];
	u8 rd[LA_NONCE_LEN];
	u8 ctx[LA_CTX_LEN];
} __packed;

struct la_gw_hello {
	u8 type;
	u8 vs;
	u8 idg[LA_ID_LEN];
	u8 rg[LA_NONCE_LEN];
	u8 ctx[LA_CTX_LEN];
	u8 len;
	struct la_hello hello;
	u8 tag[LA_TAG_LEN];		/* T4 */
} __packed;

struct la_gw_key {
	u8 type;
	u8 vs;
	u8 idg[LA_ID_LEN];
	u8 rs[LA_NONCE_LEN];
	struct la_echo echo;
	u8 len;
	struct la_key key;
	u8 sealed[LA_ID_LEN + LA_GRANT_LEN + LA_TAG_LEN]; /* IDd || grant */
} __packed;

struct la_gw_confirm {
	u8 type;
	u8 vs;
	u8 idg[LA_ID_LEN];
	u8 rg[LA_NONCE_LEN];
	u8 rs[LA_NONCE_LEN];
	u8 sid[2];
	u8 len;
	struct la_confirm confirm;
	u8 tag[LA_TAG_LEN];		/* T6 */
} __packed;

struct la_gw_reject {
	u8 type;
	u8 vs;
	u8 idg[LA_ID_LEN];
	struct la_echo echo;
	u8 idd[LA_ID_LEN];
	u8 reason;
	u8 tag[LA_TAG_LEN];		/* T7 */
} __packed;

_Static_assert(sizeof(struct la_hello) == LITEAUTH_HELLO_LEN, "HELLO");
_Static_assert(sizeof(struct la_key) == LITEAUTH_KEY_LEN, "KEY");
_Static_assert(sizeof(struct la_confirm) == LITEAUTH_CONFIRM_LEN, "CONFIRM");
_Static_assert(sizeof(struct la_ack) == LITEAUTH_ACK_LEN, "ACK");
_Static_assert(sizeof(struct la_gw_hello) == LITEAUTH_GW_HELLO_LEN, "GW_HELLO");
_Static_assert(sizeof(struct la_gw_key) == LITEAUTH_GW_KEY_LEN, "GW_KEY");
_Static_assert(sizeof(struct la_gw_confirm) == LITEAUTH_GW_CONFIRM_LEN,
	       "GW_CONFIRM");
_Static_assert(sizeof(struct la_gw_reject) == LITEAUTH_GW_REJECT_LEN,
	       "GW_REJECT");

/* The session the server grants: sealed in KEY and in GW_KEY. */
struct la_grant {
	u8 sk[LA_KEY_LEN];
	u16 sid;
	u16 life;		/* minutes, 1..65535 */
};

/* The derived keys (protocol.rst, "Derived keys"), by label. */
enum la_label {
	LA_K_HELLO,	/* KDF(Kd, "LA1 hello", IDd) */
	LA_K_KEY,	/* KDF(Kd, "LA1 key", IDd || Rd || Rs) */
	LA_K_CONF,	/* KDF(SK, "LA1 confirm", IDd || Rd || Rs) */
	LA_K_ACK,	/* KDF(SK, "LA1 ack", IDd || Rd || Rs) */
	LA_KG_HELLO,	/* KDF(Kg, "LA1 gw hello", IDg) */
	LA_KG_KEY,	/* KDF(Kg, "LA1 gw key", IDg || Rg || Rs) */
	LA_KG_CONF,	/* KDF(Kg, "LA1 gw confirm", IDg || Rg || Rs) */
	LA_KG_REJECT,	/* KDF(Kg, "LA1 gw reject", IDg || Rg) */
	LA_LABEL_MAX,
};

/*
 * la_derive() - derive one of the keys above. @n1 and @n2 are the nonces of
 * the label's context in the order shown; pass NULL where it has none.
 */
enum la_err la_derive(u8 suite, enum la_label label, const u8 *key,
		      const u8 *id, const u8 *n1, const u8 *n2, u8 *out);

/* Size of a message of @type, or 0 for an unknown type. */
unsigned int la_msg_len(u8 type);

/*
 * la_check() - the checks every received message gets before any crypto:
 * known type, exact size, version 2, a suite this build supports, a CTR
 * that is not 0 where there is one, and for the GW_* messages that carry
 * one, an inner message of the right type and LEN that itself passes
 * (and, in GW_KEY, carries the outer Rs).
 */
enum la_err la_check(const void *msg, size_t len);

static inline u8 la_suite(const void *msg)
{
	return ((const u8 *)msg)[1] & 0x0f;
}

/* Big-endian fields: CTR and SID. */
static inline u32 la_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline void la_put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline u16 la_get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline void la_put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* The ECHO a server gives back for @m: its Rg and CTX, its HELLO's CTR, Rd. */
void la_echo_of(struct la_echo *echo, const struct la_gw_hello *m);

/*
 * Builders fill in a whole message, authenticator included, from derived
 * keys. Verifiers take the received bytes and their length, run la_check()
 * and the type check, then the tag or seal; *_open also returns what the
 * seal carried. On any failure nothing is written to the outputs that could
 * be mistaken for a result.
 */
enum la_err la_hello_build(struct la_hello *m, u8 suite, const u8 *k_hello,
			   const u8 *idd, u32 ctr, const u8 *rd);
enum la_err la_hello_verify(const void *msg, size_t len, const u8 *k_hello);

enum la_err la_key_build(struct la_key *m, u8 suite, const u8 *k_key,
			 const u8 *idd, const u8 *rd, const u8 *rs,
			 const struct la_grant *grant);
enum la_err la_key_open(const void *msg, size_t len, const u8 *k_key,
			const u8 *rd, struct la_grant *grant);

enum la_err la_confirm_build(struct la_confirm *m, u8 suite, const u8 *k_conf,
			     const u8 *idd, const u8 *rd, const u8 *rs);
enum la_err la_confirm_verify(const void *msg, size_t len, const u8 *k_conf,
			      const u8 *rd, const u8 *rs);

enum la_err la_ack_build(struct la_ack *m, u8 suite, const u8 *k_ack,
			 const u8 *idd, const u8 *rd, const u8 *rs);
enum la_err la_ack_verify(const void *msg, size_t len, const u8 *k_ack,
			  const u8 *rd, const u8 *rs);

enum la_err la_gw_hello_build(struct la_gw_hello *m, u8 suite,
			      const u8 *kg_hello, const u8 *idg, const u8 *rg,
			      const u8 *ctx, const struct la_hello *hello);
enum la_err la_gw_hello_verify(const void *msg, size_t len,
			       const u8 *kg_hello);

/* The IDd sealed in GW_KEY must match the inner KEY's, or LA_ERR_MALFORMED. */
enum la_err la_gw_key_build(struct la_gw_key *m, u8 suite, const u8 *kg_key,
			    const u8 *idg, const struct la_echo *echo,
			    const struct la_key *key,
			    const struct la_grant *grant);
enum la_err la_gw_key_open(const void *msg, size_t len, const u8 *kg_key,
			   struct la_grant *grant);

enum la_err la_gw_confirm_build(struct la_gw_confirm *m, u8 suite,
				const u8 *kg_conf, const u8 *idg,
				const u8 *rg, const u8 *rs, u16 sid,
				const struct la_confirm *confirm);
enum la_err la_gw_confirm_verify(const void *msg, size_t len,
				 const u8 *kg_conf);

enum la_err la_gw_reject_build(struct la_gw_reject *m, u8 suite,
			       const u8 *kg_reject, const u8 *idg,
			       const struct la_echo *echo, const u8 *idd,
			       u8 reason);
enum la_err la_gw_reject_verify(const void *msg, size_t len,
				const u8 *kg_reject);

/*
 * la_seal() - compute the authenticator of a message whose other fields are
 * already in place: the tag of a MAC'd message, or the CCM ciphertext and
 * tag of KEY and GW_KEY (@pt, LA_GRANT_LEN or LA_ID_LEN + LA_GRANT_LEN bytes;
 * NULL otherwise). @n1/@n2 are what the message type appends to its MAC or
 * AAD input: Rd (KEY), Rd and Rs (CONFIRM, ACK), none for the others. The
 * builders are built on it; it is public for tools that must craft
 * messages the builders refuse to.
 */
enum la_err la_seal(void *msg, size_t len, const u8 *key, const u8 *n1,
		    const u8 *n2, const u8 *pt);

#endif /* _LITEAUTH_PROTO_H */
