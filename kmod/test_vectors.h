/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol's test vectors (suite 1), for the KUnit suites.
 */
#ifndef _LITEAUTH_TEST_VECTORS_H
#define _LITEAUTH_TEST_VECTORS_H

#include "proto.h"

struct kunit;

#define LA_NMSG (LITEAUTH_MSG_LAST - LITEAUTH_MSG_FIRST + 1)
#define LA_MSG(type) ((type) - LITEAUTH_MSG_FIRST)

#define LA_SID 0x002a
#define LA_LIFE 0x05a0
#define LA_CTR 7

struct la_vec {
	u8 kd[LA_KEY_LEN], kg[LA_KEY_LEN];
	u8 idd[LA_ID_LEN], idg[LA_ID_LEN];
	u8 rd[LA_NONCE_LEN], rs[LA_NONCE_LEN], rg[LA_NONCE_LEN];
	u8 sk[LA_KEY_LEN];
	u8 ctx[LA_CTX_LEN];
	u32 ctr;
	struct la_echo echo;	/* Rg, CTR, Rd, CTX */
	u8 keys[LA_LABEL_MAX][LA_KEY_LEN];
	u8 msg[LA_NMSG][LITEAUTH_MSG_MAX_LEN];
	struct la_grant grant;
};

int la_vec_load(struct la_vec *v);

static inline const u8 *la_vec_msg(const struct la_vec *v, u8 type)
{
	return v->msg[LA_MSG(type)];
}

/* Equal bytes, or a KUnit failure that shows both in hex. */
void la_expect_bytes(struct kunit *test, const u8 *got, const u8 *want,
		     size_t n, const char *what);

#endif /* _LITEAUTH_TEST_VECTORS_H */
