// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel crypto backend of the protocol core (crypto.h): cmac(aes) as
 * a synchronous hash and ccm(aes) as a synchronous AEAD.
 *
 * Allocating a transform may sleep and the receive path runs in softirq,
 * so every possible CPU gets its own CMAC transform and scratch buffer at
 * module load. A CMAC disables bottom halves, which pins it to its CPU and
 * keeps the softirq path of that CPU from reentering the same transform.
 *
 * CCM opens GW_KEY, which comes from netlink: process context. It has one
 * transform, under a mutex, and never runs with bottom halves disabled:
 * setting a key of ARM's NEON bit-sliced AES (ccm(aes) on 32-bit ARM)
 * calls kernel_neon_begin(), which is a BUG in softirq context.
 *
 * Each operation sets its key and gives the transform the all-zero key
 * when it is over, so nothing is shared between calls but the transform
 * memory, which is wiped when freed.
 *
 * The AEAD reads and writes through a scatterlist, which must not point at
 * the stack (it may be vmalloc'ed), so CCM works in the kmalloc'ed scratch
 * buffer, which also holds the key and IV while they are in use.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/aead.h>
#include <crypto/hash.h>

#include "crypto.h"

struct la_scratch {
	u8 key[LA_KEY_LEN];
	u8 iv[16];		/* CCM: L' = 1, then the 13-byte nonce */
	u8 data[LA_CRYPTO_MAX_AAD + LA_CRYPTO_MAX_PT + LA_TAG_LEN];
};

struct la_cpu_crypto {
	struct crypto_shash *cmac;
	struct crypto_aead *ccm;
	struct aead_request *req;
	struct la_scratch *scratch;
};

static DEFINE_PER_CPU(struct la_cpu_crypto, la_cpu_crypto);
/* The CCM transform (its cmac unused), under la_ccm_lock. */
static struct la_cpu_crypto la_ccm_state;
static DEFINE_MUTEX(la_ccm_lock);

bool la_crypto_has_suite(u8 suite)
{
	return suite == LITEAUTH_SUITE_AES128;
}

static void la_cpu_free(struct la_cpu_crypto *c)
{
	kfree_sensitive(c->scratch);
	aead_request_free(c->req);
	if (c->ccm)
		crypto_free_aead(c->ccm);
	if (c->cmac)
		crypto_free_shash(c->cmac);
	memset(c, 0, sizeof(*c));
}

/* A CPU's CMAC (@ccm false) or the CCM transform (@ccm true). */
static int la_cpu_alloc(struct la_cpu_crypto *c, bool is_ccm)
{
	struct crypto_shash *cmac;
	struct crypto_aead *ccm;
	int err;

	if (!is_ccm) {
		cmac = crypto_alloc_shash("cmac(aes)", 0, 0);
		if (IS_ERR(cmac))
			return PTR_ERR(cmac);
		c->cmac = cmac;
		c->scratch = kzalloc(sizeof(*c->scratch), GFP_KERNEL);
		return c->scratch ? 0 : -ENOMEM;
	}

	/* Masking CRYPTO_ALG_ASYNC asks for an implementation that never
	 * defers to a callback: the result is ready when the call returns.
	 */
	ccm = crypto_alloc_aead("ccm(aes)", 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(ccm))
		return PTR_ERR(ccm);
	c->ccm = ccm;
	err = crypto_aead_setauthsize(ccm, LA_TAG_LEN);
	if (err)
		return err;

	c->req = aead_request_alloc(ccm, GFP_KERNEL);
	c->scratch = kzalloc(sizeof(*c->scratch), GFP_KERNEL);
	if (!c->req || !c->scratch)
		return -ENOMEM;
	aead_request_set_callback(c->req, 0, NULL, NULL);
	return 0;
}

/*
 * The module and its KUnit suites both hold the backend, and which comes
 * first depends on the kernel (6.1 runs a module's suites before its init
 * function, 6.12 after), so it is reference counted under la_crypto_lock.
 */
static DEFINE_MUTEX(la_crypto_lock);
static unsigned int la_crypto_users;

static void la_crypto_free_all(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		la_cpu_free(per_cpu_ptr(&la_cpu_crypto, cpu));
	la_cpu_free(&la_ccm_state);
}

int la_crypto_init(void)
{
	int cpu, err = 0;

	mutex_lock(&la_crypto_lock);
	if (la_crypto_users++)
		goto out_unlock;
	for_each_possible_cpu(cpu) {
		err = la_cpu_alloc(per_cpu_ptr(&la_cpu_crypto, cpu), false);
		if (err)
			break;
	}
	if (!err)
		err = la_cpu_alloc(&la_ccm_state, true);
	if (err) {
		pr_err("liteauth: cannot set up cmac(aes)/ccm(aes): %d\n", err);
		la_crypto_free_all();
		la_crypto_users = 0;
	}
out_unlock:
	mutex_unlock(&la_crypto_lock);
	return err;
}

void la_crypto_exit(void)
{
	mutex_lock(&la_crypto_lock);
	if (!WARN_ON(!la_crypto_users) && !--la_crypto_users)
		la_crypto_free_all();
	mutex_unlock(&la_crypto_lock);
}

/*
 * A transform keeps the schedule of the last key it was given: each is
 * given the all-zero key after use, so that no key of a device or the
 * gateway stays in it (scratch->key is zero by then).
 */
static void la_scrub_cmac(struct la_cpu_crypto *c)
{
	crypto_shash_setkey(c->cmac, c->scratch->key, LA_KEY_LEN);
}

static void la_scrub_ccm(struct la_cpu_crypto *c)
{
	crypto_aead_setkey(c->ccm, c->scratch->key, LA_KEY_LEN);
}

enum la_err la_crypto_cmac(u8 suite, const u8 *key, const u8 *msg, size_t len,
			   u8 *mac)
{
	struct la_cpu_crypto *c;
	int err;

	if (!la_crypto_has_suite(suite))
		return LA_ERR_SUITE;
	local_bh_disable();
	c = this_cpu_ptr(&la_cpu_crypto);
	memcpy(c->scratch->key, key, LA_KEY_LEN);
	err = crypto_shash_setkey(c->cmac, c->scratch->key, LA_KEY_LEN);
	if (!err)
		err = crypto_shash_tfm_digest(c->cmac, msg, len, mac);
	memzero_explicit(c->scratch->key, LA_KEY_LEN);
	la_scrub_cmac(c);
	local_bh_enable();
	return err ? LA_ERR_CRYPTO : LA_OK;
}

/* la_ccm_run's operation, under the key the transform holds. */
static int la_ccm_crypt(struct la_cpu_crypto *c, bool enc, const u8 *nonce,
			size_t alen, size_t textlen, size_t total)
{
	struct la_scratch *s = c->scratch;
	struct scatterlist sg;

	memset(s->iv, 0, sizeof(s->iv));
	s->iv[0] = 15 - LA_CCM_NONCE_LEN - 1;	/* L' = L - 1, L = 2 */
	memcpy(s->iv + 1, nonce, LA_CCM_NONCE_LEN);

	sg_init_one(&sg, s->data, total);
	aead_request_set_ad(c->req, alen);
	aead_request_set_crypt(c->req, &sg, &sg, textlen, s->iv);
	return enc ? crypto_aead_encrypt(c->req) : crypto_aead_decrypt(c->req);
}

/*
 * Runs one CCM operation over scratch->data = AAD || text [|| tag], in
 * place. Called with la_ccm_lock held.
 */
static int la_ccm_run(struct la_cpu_crypto *c, bool enc, const u8 *key,
		      const u8 *nonce, size_t alen, size_t textlen,
		      size_t total)
{
	struct la_scratch *s = c->scratch;
	int err;

	memcpy(s->key, key, LA_KEY_LEN);
	err = crypto_aead_setkey(c->ccm, s->key, LA_KEY_LEN);
	memzero_explicit(s->key, LA_KEY_LEN);
	if (err)
		return err;
	return la_ccm_crypt(c, enc, nonce, alen, textlen, total);
}

/* CCM in either direction: @in is @plen bytes to seal, or @plen + tag. */
static enum la_err la_ccm(u8 suite, bool enc, const u8 *key, const u8 *nonce,
			  const u8 *aad, size_t alen, const u8 *in, size_t plen,
			  u8 *out)
{
	size_t inlen = enc ? plen : plen + LA_TAG_LEN;
	size_t outlen = enc ? plen + LA_TAG_LEN : plen;
	size_t total = alen + plen + LA_TAG_LEN;
	struct la_cpu_crypto *c;
	int err;

	if (!la_crypto_has_suite(suite))
		return LA_ERR_SUITE;
	if (alen > LA_CRYPTO_MAX_AAD || plen > LA_CRYPTO_MAX_PT)
		return LA_ERR_CRYPTO;

	might_sleep();
	mutex_lock(&la_ccm_lock);
	c = &la_ccm_state;
	memcpy(c->scratch->data, aad, alen);
	memcpy(c->scratch->data + alen, in, inlen);
	err = la_ccm_run(c, enc, key, nonce, alen, inlen, total);
	if (!err)
		memcpy(out, c->scratch->data + alen, outlen);
	memzero_explicit(c->scratch->data, total);
	la_scrub_ccm(c);
	mutex_unlock(&la_ccm_lock);
	if (err == -EBADMSG)
		return LA_ERR_AUTH;
	return err ? LA_ERR_CRYPTO : LA_OK;
}

enum la_err la_crypto_ccm_seal(u8 suite, const u8 *key, const u8 *nonce,
			       const u8 *aad, size_t alen, const u8 *pt,
			       size_t plen, u8 *out)
{
	return la_ccm(suite, true, key, nonce, aad, alen, pt, plen, out);
}

enum la_err la_crypto_ccm_open(u8 suite, const u8 *key, const u8 *nonce,
			       const u8 *aad, size_t alen, const u8 *in,
			       size_t plen, u8 *pt)
{
	return la_ccm(suite, false, key, nonce, aad, alen, in, plen, pt);
}
