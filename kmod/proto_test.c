// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the wire protocol core (proto.c) against the test vectors
 * of Documentation/protocol.rst.
 *
 * The same file is built into liteauth.ko (run at insmod under User-Mode
 * Linux, on the kernel crypto API) and into the userspace unit tests (on
 * OpenSSL, with tests/unit/kunit/test.h standing in for KUnit), so both
 * backends are held to the same bytes and the same rejections.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#endif
#include <kunit/test.h>

#include "proto.h"
#include "crypto.h"
#include "test_vectors.h"

#define LA_SUITE LITEAUTH_SUITE_AES128

static struct la_vec la_v;

static int la_test_init(struct kunit *test)
{
	int err = la_vec_load(&la_v);

	KUNIT_EXPECT_EQ_MSG(test, err, 0, "the vector tables are malformed");
	return err;
}

static const u8 *la_vmsg(u8 type)
{
	return la_vec_msg(&la_v, type);
}

static const u8 *la_vkey(enum la_label l)
{
	return la_v.keys[l];
}

/*
 * Verify (or open) a buffer as a message of @type with the vectors' keys
 * and nonces: what the receiver of that message would do.
 */
static enum la_err la_verify_as(u8 type, const u8 *m, size_t len)
{
	struct la_grant g;

	switch (type) {
	case LITEAUTH_MSG_HELLO:
		return la_hello_verify(m, len, la_vkey(LA_K_HELLO));
	case LITEAUTH_MSG_KEY:
		return la_key_open(m, len, la_vkey(LA_K_KEY), la_v.rd, &g);
	case LITEAUTH_MSG_CONFIRM:
		return la_confirm_verify(m, len, la_vkey(LA_K_CONF), la_v.rd,
					 la_v.rs);
	case LITEAUTH_MSG_GW_HELLO:
		return la_gw_hello_verify(m, len, la_vkey(LA_KG_HELLO));
	case LITEAUTH_MSG_GW_KEY:
		return la_gw_key_open(m, len, la_vkey(LA_KG_KEY), &g);
	case LITEAUTH_MSG_GW_CONFIRM:
		return la_gw_confirm_verify(m, len, la_vkey(LA_KG_CONF));
	case LITEAUTH_MSG_GW_REJECT:
		return la_gw_reject_verify(m, len, la_vkey(LA_KG_REJECT));
	case LITEAUTH_MSG_ACK:
		return la_ack_verify(m, len, la_vkey(LA_K_ACK), la_v.rd,
				     la_v.rs);
	}
	return LA_ERR_TYPE;
}

/*
 * Recompute the authenticator of a vector message after a test changed its
 * header or fields, with the right key, nonces and plaintext: the result is
 * what a holder of the key would send, so only the field under test is
 * wrong.
 */
static enum la_err la_reseal(u8 *m, u8 type)
{
	u8 pt[LA_ID_LEN + LA_GRANT_LEN];
	const u8 *key, *n1 = NULL, *n2 = NULL, *p = NULL;

	memcpy(pt, la_v.idd, LA_ID_LEN);
	memcpy(pt + LA_ID_LEN, la_v.sk, LA_KEY_LEN);
	pt[LA_ID_LEN + 16] = LA_SID >> 8;
	pt[LA_ID_LEN + 17] = LA_SID & 0xff;
	pt[LA_ID_LEN + 18] = LA_LIFE >> 8;
	pt[LA_ID_LEN + 19] = LA_LIFE & 0xff;

	switch (type) {
	case LITEAUTH_MSG_HELLO:
		key = la_vkey(LA_K_HELLO);
		break;
	case LITEAUTH_MSG_KEY:
		key = la_vkey(LA_K_KEY);
		n1 = la_v.rd;
		p = pt + LA_ID_LEN;
		break;
	case LITEAUTH_MSG_CONFIRM:
		key = la_vkey(LA_K_CONF);
		n1 = la_v.rd;
		n2 = la_v.rs;
		break;
	case LITEAUTH_MSG_GW_HELLO:
		key = la_vkey(LA_KG_HELLO);
		break;
	case LITEAUTH_MSG_GW_KEY:
		key = la_vkey(LA_KG_KEY);
		p = pt;
		break;
	case LITEAUTH_MSG_GW_CONFIRM:
		key = la_vkey(LA_KG_CONF);
		break;
	case LITEAUTH_MSG_ACK:
		key = la_vkey(LA_K_ACK);
		n1 = la_v.rd;
		n2 = la_v.rs;
		break;
	default:
		key = la_vkey(LA_KG_REJECT);
		break;
	}
	return la_seal(m, la_msg_len(type), key, n1, n2, p);
}

/*
 * A message a builder made (@err is what the builder returned) must be the
 * vector, and the vector must verify as its receiver would check it.
 */
static void la_expect_vector(struct kunit *test, enum la_err err,
			     const void *built, u8 type, const char *name)
{
	unsigned int len = la_msg_len(type);

	KUNIT_ASSERT_EQ_MSG(test, err, LA_OK, "building %s", name);
	la_expect_bytes(test, built, la_vmsg(type), len, name);
	KUNIT_EXPECT_EQ_MSG(test, la_verify_as(type, la_vmsg(type), len),
			    LA_OK, "verifying %s", name);
}

/* What KEY or GW_KEY opened to (@err from the open) is the vectors' grant. */
static void la_expect_grant(struct kunit *test, enum la_err err,
			    const struct la_grant *g, const char *name)
{
	KUNIT_ASSERT_EQ_MSG(test, err, LA_OK, "opening %s", name);
	la_expect_bytes(test, g->sk, la_v.sk, LA_KEY_LEN, name);
	KUNIT_EXPECT_EQ(test, g->sid, LA_SID);
	KUNIT_EXPECT_EQ(test, g->life, LA_LIFE);
}

static void la_test_derive(struct kunit *test)
{
	static const struct {
		enum la_label label;
		const char *name;
		bool gw;	/* keyed by Kg with IDg, else by Kd/SK, IDd */
		int nonces;	/* 0; 1: Rg; 2: Rd/Rg and Rs */
	} d[] = {
		{ LA_K_HELLO, "K_hello", false, 0 },
		{ LA_K_KEY, "K_key", false, 2 },
		{ LA_K_CONF, "K_conf", false, 2 },
		{ LA_K_ACK, "K_ack", false, 2 },
		{ LA_KG_HELLO, "Kg_hello", true, 0 },
		{ LA_KG_KEY, "Kg_key", true, 2 },
		{ LA_KG_CONF, "Kg_conf", true, 2 },
		{ LA_KG_REJECT, "Kg_reject", true, 1 },
	};
	u8 out[LA_KEY_LEN];
	size_t i;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(d), LA_LABEL_MAX);
	for (i = 0; i < ARRAY_SIZE(d); i++) {
		const u8 *key = d[i].gw ? la_v.kg :
				d[i].label == LA_K_CONF ||
				d[i].label == LA_K_ACK ? la_v.sk : la_v.kd;
		const u8 *id = d[i].gw ? la_v.idg : la_v.idd;
		const u8 *n1 = d[i].gw ? la_v.rg : la_v.rd;

		memset(out, 0, sizeof(out));
		KUNIT_ASSERT_EQ(test, la_derive(LA_SUITE, d[i].label, key, id,
						d[i].nonces ? n1 : NULL,
						d[i].nonces > 1 ? la_v.rs : NULL,
						out), LA_OK);
		la_expect_bytes(test, out, la_vkey(d[i].label), LA_KEY_LEN,
				d[i].name);
	}
	KUNIT_EXPECT_EQ(test, la_derive(LA_SUITE, LA_LABEL_MAX, la_v.kd,
					la_v.idd, NULL, NULL, out),
			LA_ERR_MALFORMED);
}

static void la_test_hello(struct kunit *test)
{
	struct la_hello m;

	la_expect_vector(test, la_hello_build(&m, LA_SUITE,
					      la_vkey(LA_K_HELLO), la_v.idd,
					      la_v.ctr, la_v.rd),
			 &m, LITEAUTH_MSG_HELLO, "HELLO");
	KUNIT_EXPECT_EQ(test, la_get_be32(m.ctr), LA_CTR);
}

static void la_test_key(struct kunit *test)
{
	struct la_grant g;
	struct la_key m;

	la_expect_vector(test, la_key_build(&m, LA_SUITE, la_vkey(LA_K_KEY),
					    la_v.idd, la_v.rd, la_v.rs,
					    &la_v.grant),
			 &m, LITEAUTH_MSG_KEY, "KEY");

	memset(&g, 0, sizeof(g));
	la_expect_grant(test, la_key_open(la_vmsg(LITEAUTH_MSG_KEY),
					  LITEAUTH_KEY_LEN, la_vkey(LA_K_KEY),
					  la_v.rd, &g),
			&g, "SK from KEY");
}

static void la_test_confirm(struct kunit *test)
{
	struct la_confirm m;

	la_expect_vector(test, la_confirm_build(&m, LA_SUITE,
						la_vkey(LA_K_CONF), la_v.idd,
						la_v.rd, la_v.rs),
			 &m, LITEAUTH_MSG_CONFIRM, "CONFIRM");
}

static void la_test_ack(struct kunit *test)
{
	struct la_ack m;

	la_expect_vector(test, la_ack_build(&m, LA_SUITE, la_vkey(LA_K_ACK),
					    la_v.idd, la_v.rd, la_v.rs),
			 &m, LITEAUTH_MSG_ACK, "ACK");
	/* Same layout as CONFIRM, other key: neither passes for the other. */
	KUNIT_EXPECT_EQ(test, la_confirm_verify(&m, sizeof(m),
						la_vkey(LA_K_CONF), la_v.rd,
						la_v.rs), LA_ERR_TYPE);
	m.type = LITEAUTH_MSG_CONFIRM;
	KUNIT_EXPECT_EQ(test, la_confirm_verify(&m, sizeof(m),
						la_vkey(LA_K_CONF), la_v.rd,
						la_v.rs), LA_ERR_AUTH);
}

static void la_test_gw_hello(struct kunit *test)
{
	struct la_gw_hello m;

	la_expect_vector(test, la_gw_hello_build(&m, LA_SUITE,
						 la_vkey(LA_KG_HELLO), la_v.idg,
						 la_v.rg, la_v.ctx,
						 (const struct la_hello *)
						 la_vmsg(LITEAUTH_MSG_HELLO)),
			 &m, LITEAUTH_MSG_GW_HELLO, "GW_HELLO");
}

/* What a server gives back of a GW_HELLO is the vectors' ECHO. */
static void la_test_echo(struct kunit *test)
{
	struct la_echo e;

	memset(&e, 0, sizeof(e));
	la_echo_of(&e, (const struct la_gw_hello *)
		   la_vmsg(LITEAUTH_MSG_GW_HELLO));
	la_expect_bytes(test, (const u8 *)&e, (const u8 *)&la_v.echo,
			sizeof(e), "ECHO of GW_HELLO");
	la_expect_bytes(test, (const u8 *)&e,
			(const u8 *)&((const struct la_gw_key *)
				      la_vmsg(LITEAUTH_MSG_GW_KEY))->echo,
			sizeof(e), "ECHO in GW_KEY");
}

static void la_test_gw_key(struct kunit *test)
{
	struct la_gw_key m;
	struct la_grant g;

	la_expect_vector(test, la_gw_key_build(&m, LA_SUITE,
					       la_vkey(LA_KG_KEY), la_v.idg,
					       &la_v.echo,
					       (const struct la_key *)
					       la_vmsg(LITEAUTH_MSG_KEY),
					       &la_v.grant),
			 &m, LITEAUTH_MSG_GW_KEY, "GW_KEY");

	memset(&g, 0, sizeof(g));
	la_expect_grant(test, la_gw_key_open(la_vmsg(LITEAUTH_MSG_GW_KEY),
					     LITEAUTH_GW_KEY_LEN,
					     la_vkey(LA_KG_KEY), &g),
			&g, "SK from GW_KEY");
}

static void la_test_gw_confirm(struct kunit *test)
{
	struct la_gw_confirm m;

	la_expect_vector(test, la_gw_confirm_build(&m, LA_SUITE,
						   la_vkey(LA_KG_CONF),
						   la_v.idg, la_v.rg, la_v.rs,
						   LA_SID,
						   (const struct la_confirm *)
						   la_vmsg(LITEAUTH_MSG_CONFIRM)),
			 &m, LITEAUTH_MSG_GW_CONFIRM, "GW_CONFIRM");
}

static void la_test_gw_reject(struct kunit *test)
{
	struct la_gw_reject m;

	la_expect_vector(test, la_gw_reject_build(&m, LA_SUITE,
						  la_vkey(LA_KG_REJECT),
						  la_v.idg, &la_v.echo,
						  la_v.idd,
						  LITEAUTH_REJECT_UNKNOWN_DEVICE),
			 &m, LITEAUTH_MSG_GW_REJECT, "GW_REJECT");
}

/*
 * Every single-bit flip of every message is refused: in the type byte as
 * the wrong type (or, where the flip names another type, its size), in the
 * version and suite nibbles as such, anywhere else by the tag, the seal or
 * the inner-message checks.
 */
static void la_test_bit_flips(struct kunit *test)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN];
	unsigned int type, len, bit;

	for (type = LITEAUTH_MSG_FIRST; type <= LITEAUTH_MSG_LAST; type++) {
		len = la_msg_len(type);
		for (bit = 0; bit < 8 * len; bit++) {
			enum la_err err;
			bool ok;

			memcpy(buf, la_vmsg(type), len);
			buf[bit / 8] ^= 1 << (bit % 8);
			err = la_verify_as(type, buf, len);
			if (bit < 8)
				ok = err == LA_ERR_TYPE || err == LA_ERR_SIZE;
			else if (bit < 12)
				ok = err == LA_ERR_SUITE;
			else if (bit < 16)
				ok = err == LA_ERR_VERSION;
			else
				ok = err == LA_ERR_AUTH ||
				     err == LA_ERR_MALFORMED;
			KUNIT_EXPECT_TRUE_MSG(test, ok,
					      "type %#x bit %u: %s", type, bit,
					      la_strerror(err));
		}
	}
}

/* Every length but the exact one, -1 and +1 among them, is refused. */
static void la_test_lengths(struct kunit *test)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN + 2];
	unsigned int type;
	size_t len;

	for (type = LITEAUTH_MSG_FIRST; type <= LITEAUTH_MSG_LAST; type++) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, la_vmsg(type), la_msg_len(type));
		for (len = 0; len <= sizeof(buf); len++) {
			if (len == la_msg_len(type))
				continue;
			KUNIT_EXPECT_EQ_MSG(test, la_verify_as(type, buf, len),
					    LA_ERR_SIZE, "type %#x len %zu",
					    type, len);
			if (len >= 2)
				KUNIT_EXPECT_EQ_MSG(test, la_check(buf, len),
						    LA_ERR_SIZE,
						    "type %#x len %zu", type,
						    len);
		}
		KUNIT_EXPECT_EQ(test, la_check(buf, la_msg_len(type)), LA_OK);
	}
}

/*
 * Every other version, with a tag that is valid for it, is refused as such;
 * so is every suite other than 1 (suite 2, LEA, is not built in yet).
 */
static void la_test_version_suite(struct kunit *test)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN];
	unsigned int type, len, v, s;

	for (type = LITEAUTH_MSG_FIRST; type <= LITEAUTH_MSG_LAST; type++) {
		len = la_msg_len(type);
		for (v = 0; v < 16; v++) {
			if (v == LITEAUTH_VERSION)
				continue;
			memcpy(buf, la_vmsg(type), len);
			buf[1] = v << 4 | LA_SUITE;
			KUNIT_ASSERT_EQ(test, la_reseal(buf, type), LA_OK);
			KUNIT_EXPECT_EQ_MSG(test, la_verify_as(type, buf, len),
					    LA_ERR_VERSION,
					    "type %#x version %u", type, v);
		}
		for (s = 0; s < 16; s++) {
			if (s == LA_SUITE)
				continue;
			memcpy(buf, la_vmsg(type), len);
			buf[1] = LITEAUTH_VS(s);
			KUNIT_EXPECT_EQ_MSG(test, la_verify_as(type, buf, len),
					    LA_ERR_SUITE, "type %#x suite %u",
					    type, s);
		}
	}
}

/* Unknown types, and a known type handed to the wrong receiver. */
static void la_test_types(struct kunit *test)
{
	static const u8 bad[] = { 0x00, 0x30, 0x39, 0x41, 0x71, 0xb1, 0xff };
	u8 buf[LITEAUTH_MSG_MAX_LEN];
	unsigned int type, other, i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ(test, la_msg_len(bad[i]), 0);
		memcpy(buf, la_vmsg(LITEAUTH_MSG_HELLO), LITEAUTH_HELLO_LEN);
		buf[0] = bad[i];
		KUNIT_EXPECT_EQ_MSG(test, la_check(buf, LITEAUTH_HELLO_LEN),
				    LA_ERR_TYPE, "type %#x", bad[i]);
	}
	for (type = LITEAUTH_MSG_FIRST; type <= LITEAUTH_MSG_LAST; type++)
		for (other = LITEAUTH_MSG_FIRST; other <= LITEAUTH_MSG_LAST;
		     other++)
			if (other != type)
				KUNIT_EXPECT_EQ_MSG(test,
						    la_verify_as(other,
								 la_vmsg(type),
								 la_msg_len(type)),
						    LA_ERR_TYPE,
						    "%#x given as %#x", type,
						    other);
}

/*
 * The inner message of GW_HELLO, GW_KEY and GW_CONFIRM: every wrong LEN,
 * a wrong inner type, version or suite, and in GW_KEY an inner Rs that is
 * not the outer one, each under a valid outer tag, are malformed.
 */
static void la_test_inner(struct kunit *test)
{
	static const struct {
		u8 type, inner_off;
	} w[] = {
		{ LITEAUTH_MSG_GW_HELLO, offsetof(struct la_gw_hello, hello) },
		{ LITEAUTH_MSG_GW_KEY, offsetof(struct la_gw_key, key) },
		{ LITEAUTH_MSG_GW_CONFIRM,
		  offsetof(struct la_gw_confirm, confirm) },
	};
	u8 buf[LITEAUTH_MSG_MAX_LEN];
	unsigned int i, l, len;
	u8 *inner;

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		len = la_msg_len(w[i].type);
		inner = buf + w[i].inner_off;
		for (l = 0; l < 256; l++) {
			memcpy(buf, la_vmsg(w[i].type), len);
			if (l == inner[-1])
				continue;
			inner[-1] = l;
			KUNIT_ASSERT_EQ(test, la_reseal(buf, w[i].type), LA_OK);
			KUNIT_EXPECT_EQ_MSG(test,
					    la_verify_as(w[i].type, buf, len),
					    LA_ERR_MALFORMED,
					    "type %#x LEN %u", w[i].type, l);
		}

		memcpy(buf, la_vmsg(w[i].type), len);
		inner[0] = inner[0] == LITEAUTH_MSG_HELLO ? LITEAUTH_MSG_CONFIRM :
			   LITEAUTH_MSG_HELLO;
		KUNIT_ASSERT_EQ(test, la_reseal(buf, w[i].type), LA_OK);
		KUNIT_EXPECT_EQ_MSG(test, la_verify_as(w[i].type, buf, len),
				    LA_ERR_MALFORMED, "type %#x inner type",
				    w[i].type);

		memcpy(buf, la_vmsg(w[i].type), len);
		inner[1] = 1 << 4 | LA_SUITE;	/* a version 1 HELLO */
		KUNIT_ASSERT_EQ(test, la_reseal(buf, w[i].type), LA_OK);
		KUNIT_EXPECT_EQ_MSG(test, la_verify_as(w[i].type, buf, len),
				    LA_ERR_MALFORMED, "type %#x inner version",
				    w[i].type);

		memcpy(buf, la_vmsg(w[i].type), len);
		inner[1] = LITEAUTH_VS(0);
		KUNIT_ASSERT_EQ(test, la_reseal(buf, w[i].type), LA_OK);
		KUNIT_EXPECT_EQ_MSG(test, la_verify_as(w[i].type, buf, len),
				    LA_ERR_MALFORMED, "type %#x inner suite",
				    w[i].type);
	}

	memcpy(buf, la_vmsg(LITEAUTH_MSG_GW_KEY), LITEAUTH_GW_KEY_LEN);
	((struct la_gw_key *)buf)->key.rs[0] ^= 1;
	KUNIT_ASSERT_EQ(test, la_reseal(buf, LITEAUTH_MSG_GW_KEY), LA_OK);
	KUNIT_EXPECT_EQ(test, la_verify_as(LITEAUTH_MSG_GW_KEY, buf,
					   LITEAUTH_GW_KEY_LEN),
			LA_ERR_MALFORMED);
}

/*
 * Fields inside an authentic message that a sender must not produce: a
 * GW_KEY sealing another device's IDd than its KEY names, LIFE 0, an
 * unknown REASON. Builders refuse to make them, receivers refuse them.
 */
static void la_test_fields(struct kunit *test)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN], pt[LA_ID_LEN + LA_GRANT_LEN];
	struct la_grant g = la_v.grant;
	struct la_gw_reject rej;
	struct la_key key;
	unsigned int r;

	/* GW_KEY: sealed IDd differs from the inner KEY's IDd. */
	memcpy(buf, la_vmsg(LITEAUTH_MSG_GW_KEY), LITEAUTH_GW_KEY_LEN);
	memcpy(pt, la_v.idd, LA_ID_LEN);
	pt[LA_ID_LEN - 1] ^= 1;
	memcpy(pt + LA_ID_LEN, la_v.sk, LA_KEY_LEN);
	pt[LA_ID_LEN + 16] = 0;
	pt[LA_ID_LEN + 17] = 1;
	pt[LA_ID_LEN + 18] = 0;
	pt[LA_ID_LEN + 19] = 1;
	KUNIT_ASSERT_EQ(test, la_seal(buf, LITEAUTH_GW_KEY_LEN,
				      la_vkey(LA_KG_KEY), NULL, NULL, pt),
			LA_OK);
	KUNIT_EXPECT_EQ(test, la_verify_as(LITEAUTH_MSG_GW_KEY, buf,
					   LITEAUTH_GW_KEY_LEN),
			LA_ERR_MALFORMED);

	/* KEY and GW_KEY with LIFE 0. */
	pt[LA_ID_LEN - 1] ^= 1;
	pt[LA_ID_LEN + 19] = 0;
	memcpy(buf, la_vmsg(LITEAUTH_MSG_GW_KEY), LITEAUTH_GW_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_seal(buf, LITEAUTH_GW_KEY_LEN,
				      la_vkey(LA_KG_KEY), NULL, NULL, pt),
			LA_OK);
	KUNIT_EXPECT_EQ(test, la_verify_as(LITEAUTH_MSG_GW_KEY, buf,
					   LITEAUTH_GW_KEY_LEN),
			LA_ERR_MALFORMED);
	memcpy(buf, la_vmsg(LITEAUTH_MSG_KEY), LITEAUTH_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_seal(buf, LITEAUTH_KEY_LEN, la_vkey(LA_K_KEY),
				      la_v.rd, NULL, pt + LA_ID_LEN), LA_OK);
	KUNIT_EXPECT_EQ(test, la_verify_as(LITEAUTH_MSG_KEY, buf,
					   LITEAUTH_KEY_LEN),
			LA_ERR_MALFORMED);
	g.life = 0;
	KUNIT_EXPECT_EQ(test, la_key_build(&key, LA_SUITE, la_vkey(LA_K_KEY),
					   la_v.idd, la_v.rd, la_v.rs, &g),
			LA_ERR_MALFORMED);

	/* GW_REJECT: only reasons 1..6 exist. */
	for (r = 0; r < 256; r++) {
		bool valid = r >= LITEAUTH_REJECT_UNKNOWN_DEVICE &&
			     r <= LITEAUTH_REJECT_STALE;

		memcpy(buf, la_vmsg(LITEAUTH_MSG_GW_REJECT),
		       LITEAUTH_GW_REJECT_LEN);
		((struct la_gw_reject *)buf)->reason = r;
		KUNIT_ASSERT_EQ(test, la_reseal(buf, LITEAUTH_MSG_GW_REJECT),
				LA_OK);
		KUNIT_EXPECT_EQ_MSG(test,
				    la_verify_as(LITEAUTH_MSG_GW_REJECT, buf,
						 LITEAUTH_GW_REJECT_LEN),
				    valid ? LA_OK : LA_ERR_MALFORMED,
				    "reason %u", r);
		KUNIT_EXPECT_EQ_MSG(test,
				    la_gw_reject_build(&rej, LA_SUITE,
						       la_vkey(LA_KG_REJECT),
						       la_v.idg, &la_v.echo,
						       la_v.idd, r),
				    valid ? LA_OK : LA_ERR_MALFORMED,
				    "reason %u", r);
	}
}

/*
 * CTR 0 is never sent: not in HELLO, nor in the HELLO inside GW_HELLO,
 * nor in the ECHO of GW_KEY and GW_REJECT. Each, under a valid
 * authenticator, is malformed before any crypto; the builders refuse it.
 */
static void la_test_ctr_zero(struct kunit *test)
{
	static const struct {
		u8 type;
		unsigned int off;
	} w[] = {
		{ LITEAUTH_MSG_HELLO, offsetof(struct la_hello, ctr) },
		{ LITEAUTH_MSG_GW_HELLO, offsetof(struct la_gw_hello, hello) +
					 offsetof(struct la_hello, ctr) },
		{ LITEAUTH_MSG_GW_KEY, offsetof(struct la_gw_key, echo) +
				       offsetof(struct la_echo, ctr) },
		{ LITEAUTH_MSG_GW_REJECT, offsetof(struct la_gw_reject, echo) +
					  offsetof(struct la_echo, ctr) },
	};
	u8 buf[LITEAUTH_MSG_MAX_LEN];
	struct la_echo echo = la_v.echo;
	struct la_gw_reject rej;
	struct la_gw_key gwk;
	struct la_hello h;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		memcpy(buf, la_vmsg(w[i].type), la_msg_len(w[i].type));
		memset(buf + w[i].off, 0, LA_CTR_LEN);
		KUNIT_ASSERT_EQ(test, la_reseal(buf, w[i].type), LA_OK);
		KUNIT_EXPECT_EQ_MSG(test, la_check(buf, la_msg_len(w[i].type)),
				    LA_ERR_MALFORMED, "type %#x", w[i].type);
		KUNIT_EXPECT_EQ_MSG(test, la_verify_as(w[i].type, buf,
						       la_msg_len(w[i].type)),
				    LA_ERR_MALFORMED, "type %#x", w[i].type);
	}
	KUNIT_EXPECT_EQ(test, la_hello_build(&h, LA_SUITE, la_vkey(LA_K_HELLO),
					     la_v.idd, 0, la_v.rd),
			LA_ERR_MALFORMED);
	memset(echo.ctr, 0, LA_CTR_LEN);
	KUNIT_EXPECT_EQ(test, la_gw_key_build(&gwk, LA_SUITE,
					      la_vkey(LA_KG_KEY), la_v.idg,
					      &echo, (const struct la_key *)
					      la_vmsg(LITEAUTH_MSG_KEY),
					      &la_v.grant),
			LA_ERR_MALFORMED);
	KUNIT_EXPECT_EQ(test, la_gw_reject_build(&rej, LA_SUITE,
						 la_vkey(LA_KG_REJECT),
						 la_v.idg, &echo, la_v.idd,
						 LITEAUTH_REJECT_STALE),
			LA_ERR_MALFORMED);
	/* The largest CTR is an ordinary one. */
	KUNIT_EXPECT_EQ(test, la_hello_build(&h, LA_SUITE, la_vkey(LA_K_HELLO),
					     la_v.idd, 0xffffffff, la_v.rd),
			LA_OK);
	KUNIT_EXPECT_EQ(test, la_get_be32(h.ctr), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, la_hello_verify(&h, sizeof(h),
					      la_vkey(LA_K_HELLO)), LA_OK);
}

/* Wrong keys and wrong nonces fail authentication, never anything else. */
static void la_test_wrong_keys(struct kunit *test)
{
	u8 k[LA_KEY_LEN], n[LA_NONCE_LEN];
	struct la_grant g;

	memcpy(k, la_vkey(LA_K_HELLO), LA_KEY_LEN);
	k[15] ^= 0x80;
	KUNIT_EXPECT_EQ(test, la_hello_verify(la_vmsg(LITEAUTH_MSG_HELLO),
					      LITEAUTH_HELLO_LEN, k),
			LA_ERR_AUTH);

	/* A KEY opened with another handshake's Rd: not for this device. */
	memcpy(n, la_v.rd, LA_NONCE_LEN);
	n[0] ^= 1;
	memset(&g, 0x5a, sizeof(g));
	KUNIT_EXPECT_EQ(test, la_key_open(la_vmsg(LITEAUTH_MSG_KEY),
					  LITEAUTH_KEY_LEN, la_vkey(LA_K_KEY),
					  n, &g), LA_ERR_AUTH);
	KUNIT_EXPECT_EQ(test, g.sk[0], 0x5a);	/* nothing written */

	KUNIT_EXPECT_EQ(test, la_confirm_verify(la_vmsg(LITEAUTH_MSG_CONFIRM),
						LITEAUTH_CONFIRM_LEN,
						la_vkey(LA_K_CONF), la_v.rd,
						n), LA_ERR_AUTH);
	KUNIT_EXPECT_EQ(test, la_ack_verify(la_vmsg(LITEAUTH_MSG_ACK),
					    LITEAUTH_ACK_LEN, la_vkey(LA_K_ACK),
					    la_v.rd, n), LA_ERR_AUTH);
	/* ACK under K_conf: the confirmation is not its own answer. */
	KUNIT_EXPECT_EQ(test, la_ack_verify(la_vmsg(LITEAUTH_MSG_ACK),
					    LITEAUTH_ACK_LEN,
					    la_vkey(LA_K_CONF), la_v.rd,
					    la_v.rs), LA_ERR_AUTH);
	memcpy(k, la_vkey(LA_KG_KEY), LA_KEY_LEN);
	k[3] ^= 4;
	KUNIT_EXPECT_EQ(test, la_gw_key_open(la_vmsg(LITEAUTH_MSG_GW_KEY),
					     LITEAUTH_GW_KEY_LEN, k, &g),
			LA_ERR_AUTH);
	KUNIT_EXPECT_EQ(test, g.sk[0], 0x5a);	/* nothing written */
	memcpy(k, la_vkey(LA_KG_CONF), LA_KEY_LEN);
	k[7] ^= 2;
	KUNIT_EXPECT_EQ(test,
			la_gw_confirm_verify(la_vmsg(LITEAUTH_MSG_GW_CONFIRM),
					     LITEAUTH_GW_CONFIRM_LEN, k),
			LA_ERR_AUTH);
	memcpy(k, la_vkey(LA_KG_HELLO), LA_KEY_LEN);
	k[0] ^= 1;
	KUNIT_EXPECT_EQ(test, la_gw_hello_verify(la_vmsg(LITEAUTH_MSG_GW_HELLO),
						 LITEAUTH_GW_HELLO_LEN, k),
			LA_ERR_AUTH);
	KUNIT_EXPECT_EQ(test,
			la_gw_reject_verify(la_vmsg(LITEAUTH_MSG_GW_REJECT),
					    LITEAUTH_GW_REJECT_LEN, k),
			LA_ERR_AUTH);
}

static struct kunit_case la_proto_cases[] = {
	KUNIT_CASE(la_test_derive),
	KUNIT_CASE(la_test_hello),
	KUNIT_CASE(la_test_key),
	KUNIT_CASE(la_test_confirm),
	KUNIT_CASE(la_test_ack),
	KUNIT_CASE(la_test_gw_hello),
	KUNIT_CASE(la_test_echo),
	KUNIT_CASE(la_test_gw_key),
	KUNIT_CASE(la_test_gw_confirm),
	KUNIT_CASE(la_test_gw_reject),
	KUNIT_CASE(la_test_bit_flips),
	KUNIT_CASE(la_test_lengths),
	KUNIT_CASE(la_test_version_suite),
	KUNIT_CASE(la_test_types),
	KUNIT_CASE(la_test_inner),
	KUNIT_CASE(la_test_fields),
	KUNIT_CASE(la_test_ctr_zero),
	KUNIT_CASE(la_test_wrong_keys),
	{}
};

static int la_test_suite_init(struct kunit_suite *suite)
{
	return la_crypto_init();
}

static void la_test_suite_exit(struct kunit_suite *suite)
{
	la_crypto_exit();
}

static struct kunit_suite la_proto_suite = {
	.name = "liteauth_proto",
	.suite_init = la_test_suite_init,
	.suite_exit = la_test_suite_exit,
	.init = la_test_init,
	.test_cases = la_proto_cases,
};

kunit_test_suite(la_proto_suite);
