// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite of what crypto.c keeps in its per-CPU transforms, included
 * by t_crypto.c after crypto.c (it reads the transforms): once an
 * operation is over, the transform holds the all-zero key, not the one it
 * was given; and CCM may sleep, so it runs in process context only.
 */
#include <kunit/test.h>

static const u8 la_t_key[LA_KEY_LEN] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
};
static const u8 la_t_zero[LA_KEY_LEN];
static const u8 la_t_msg[] = "liteauth scrub";
static const u8 la_t_nonce[LA_CCM_NONCE_LEN] = { 1, 2, 3 };

static void la_test_crypto_cmac_scrubbed(struct kunit *test)
{
	/* A whole CMAC: 16 bytes, cut to LA_TAG_LEN by the protocol. */
	u8 under_key[16], under_zero[16], left[16];

	KUNIT_ASSERT_EQ(test, la_crypto_cmac(LITEAUTH_SUITE_AES128, la_t_zero,
					     la_t_msg, sizeof(la_t_msg),
					     under_zero), LA_OK);
	/* The same CPU's transform, right after an operation on it. */
	preempt_disable();
	KUNIT_EXPECT_EQ(test, la_crypto_cmac(LITEAUTH_SUITE_AES128, la_t_key,
					     la_t_msg, sizeof(la_t_msg),
					     under_key), LA_OK);
	local_bh_disable();
	KUNIT_EXPECT_EQ(test,
			crypto_shash_tfm_digest(this_cpu_ptr(&la_cpu_crypto)->cmac,
						la_t_msg, sizeof(la_t_msg),
						left), 0);
	local_bh_enable();
	preempt_enable();
	KUNIT_EXPECT_NE(test, memcmp(under_key, under_zero, sizeof(left)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(left, under_zero, sizeof(left)), 0);
}

static void la_test_crypto_ccm_scrubbed(struct kunit *test)
{
	u8 under_key[sizeof(la_t_msg) + LA_TAG_LEN];
	u8 under_zero[sizeof(la_t_msg) + LA_TAG_LEN];
	u8 left[sizeof(la_t_msg) + LA_TAG_LEN];
	struct la_cpu_crypto *c;
	int err;

	KUNIT_ASSERT_EQ(test, la_crypto_ccm_seal(LITEAUTH_SUITE_AES128,
						 la_t_zero, la_t_nonce, NULL,
						 0, la_t_msg, sizeof(la_t_msg),
						 under_zero), LA_OK);
	KUNIT_EXPECT_EQ(test, la_crypto_ccm_seal(LITEAUTH_SUITE_AES128,
						 la_t_key, la_t_nonce, NULL,
						 0, la_t_msg, sizeof(la_t_msg),
						 under_key), LA_OK);
	mutex_lock(&la_ccm_lock);
	c = &la_ccm_state;
	memcpy(c->scratch->data, la_t_msg, sizeof(la_t_msg));
	err = la_ccm_crypt(c, true, la_t_nonce, 0, sizeof(la_t_msg),
			   sizeof(left));
	memcpy(left, c->scratch->data, sizeof(left));
	memzero_explicit(c->scratch->data, sizeof(left));
	mutex_unlock(&la_ccm_lock);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_NE(test, memcmp(under_key, under_zero, sizeof(left)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(left, under_zero, sizeof(left)), 0);
}

static int la_crypto_suite_init(struct kunit_suite *suite)
{
	return la_crypto_init();
}

static void la_crypto_suite_exit(struct kunit_suite *suite)
{
	la_crypto_exit();
}

static struct kunit_case la_crypto_cases[] = {
	KUNIT_CASE(la_test_crypto_cmac_scrubbed),
	KUNIT_CASE(la_test_crypto_ccm_scrubbed),
	{}
};

static struct kunit_suite la_crypto_suite = {
	.name = "liteauth_crypto",
	.suite_init = la_crypto_suite_init,
	.suite_exit = la_crypto_suite_exit,
	.test_cases = la_crypto_cases,
};

kunit_test_suite(la_crypto_suite);
