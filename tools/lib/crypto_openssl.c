// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The userspace crypto backend of the protocol core (kmod/crypto.h), on
 * OpenSSL 3's libcrypto: CMAC via EVP_MAC, CCM via EVP_CIPHER.
 *
 * la_crypto_init() fetches the algorithms for its first user and
 * la_crypto_exit() frees them after its last; each thread makes its own
 * pair of contexts on first use and reuses them until it calls
 * la_crypto_exit() (OpenSSL wipes contexts when it frees them).
 */
#include <pthread.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto.h"

static pthread_mutex_t la_crypto_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int la_crypto_users;
static EVP_MAC *la_cmac_alg;
static EVP_CIPHER *la_ccm_alg;
static __thread EVP_MAC_CTX *la_cmac_ctx;
static __thread EVP_CIPHER_CTX *la_ccm_ctx;

static void la_crypto_free_algs(void)
{
	EVP_MAC_free(la_cmac_alg);
	la_cmac_alg = NULL;
	EVP_CIPHER_free(la_ccm_alg);
	la_ccm_alg = NULL;
}

int la_crypto_init(void)
{
	int err = 0;

	pthread_mutex_lock(&la_crypto_lock);
	if (!la_crypto_users) {
		la_cmac_alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_CMAC, NULL);
		la_ccm_alg = EVP_CIPHER_fetch(NULL, "AES-128-CCM", NULL);
		if (!la_cmac_alg || !la_ccm_alg) {
			la_crypto_free_algs();
			err = -1;
		}
	}
	if (!err)
		la_crypto_users++;
	pthread_mutex_unlock(&la_crypto_lock);
	return err;
}

void la_crypto_exit(void)
{
	EVP_MAC_CTX_free(la_cmac_ctx);
	la_cmac_ctx = NULL;
	EVP_CIPHER_CTX_free(la_ccm_ctx);
	la_ccm_ctx = NULL;
	pthread_mutex_lock(&la_crypto_lock);
	if (la_crypto_users && !--la_crypto_users)
		la_crypto_free_algs();
	pthread_mutex_unlock(&la_crypto_lock);
}

bool la_crypto_has_suite(u8 suite)
{
	return suite == LITEAUTH_SUITE_AES128;
}

static EVP_MAC_CTX *la_cmac_get(void)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
						 "AES-128-CBC", 0),
		OSSL_PARAM_construct_end(),
	};

	if (la_cmac_ctx || !la_cmac_alg)
		return la_cmac_ctx;
	la_cmac_ctx = EVP_MAC_CTX_new(la_cmac_alg);
	if (la_cmac_ctx && !EVP_MAC_CTX_set_params(la_cmac_ctx, params)) {
		EVP_MAC_CTX_free(la_cmac_ctx);
		la_cmac_ctx = NULL;
	}
	return la_cmac_ctx;
}

static EVP_CIPHER_CTX *la_ccm_get(void)
{
	if (!la_ccm_ctx && la_ccm_alg)
		la_ccm_ctx = EVP_CIPHER_CTX_new();
	return la_ccm_ctx;
}

enum la_err la_crypto_cmac(u8 suite, const u8 *key, const u8 *msg, size_t len,
			   u8 *mac)
{
	EVP_MAC_CTX *ctx;
	size_t outl;

	if (!la_crypto_has_suite(suite))
		return LA_ERR_SUITE;
	ctx = la_cmac_get();
	if (!ctx || !EVP_MAC_init(ctx, key, LA_KEY_LEN, NULL) ||
	    !EVP_MAC_update(ctx, msg, len) ||
	    !EVP_MAC_final(ctx, mac, &outl, LA_CMAC_LEN) ||
	    outl != LA_CMAC_LEN)
		return LA_ERR_CRYPTO;
	return LA_OK;
}

/* Cipher, nonce and tag length, key, total length, AAD: both directions. */
static bool la_ccm_start(EVP_CIPHER_CTX *c, int enc, const u8 *key,
			 const u8 *nonce, const u8 *aad, size_t alen,
			 size_t plen, const u8 *tag)
{
	int outl;

	return EVP_CipherInit_ex(c, la_ccm_alg, NULL, NULL, NULL, enc) &&
	       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN,
				   LA_CCM_NONCE_LEN, NULL) &&
	       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, LA_TAG_LEN,
				   (void *)tag) &&
	       EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) &&
	       EVP_CipherUpdate(c, NULL, &outl, NULL, (int)plen) &&
	       EVP_CipherUpdate(c, NULL, &outl, aad, (int)alen);
}

enum la_err la_crypto_ccm_seal(u8 suite, const u8 *key, const u8 *nonce,
			       const u8 *aad, size_t alen, const u8 *pt,
			       size_t plen, u8 *out)
{
	EVP_CIPHER_CTX *c;
	int outl;

	if (!la_crypto_has_suite(suite))
		return LA_ERR_SUITE;
	c = la_ccm_get();
	if (!c || !la_ccm_start(c, 1, key, nonce, aad, alen, plen, NULL) ||
	    !EVP_CipherUpdate(c, out, &outl, pt, (int)plen) ||
	    !EVP_CipherFinal_ex(c, out + outl, &outl) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, LA_TAG_LEN,
				 out + plen))
		return LA_ERR_CRYPTO;
	return LA_OK;
}

enum la_err la_crypto_ccm_open(u8 suite, const u8 *key, const u8 *nonce,
			       const u8 *aad, size_t alen, const u8 *in,
			       size_t plen, u8 *pt)
{
	EVP_CIPHER_CTX *c;
	int outl;

	if (!la_crypto_has_suite(suite))
		return LA_ERR_SUITE;
	c = la_ccm_get();
	if (!c || !la_ccm_start(c, 0, key, nonce, aad, alen, plen, in + plen))
		return LA_ERR_CRYPTO;
	/* In CCM the tag is checked by this update: failure means forgery. */
	if (EVP_CipherUpdate(c, pt, &outl, in, (int)plen) <= 0) {
		memzero_explicit(pt, plen);
		return LA_ERR_AUTH;
	}
	return LA_OK;
}
