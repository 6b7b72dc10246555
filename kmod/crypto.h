/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the protocol core needs from a crypto backend: CMAC and CCM (8-byte
 * tag, 13-byte nonce) of a suite's 128-bit block cipher, over short
 * contiguous buffers. Two backends implement it:
 *
 *   kmod/crypto.c              the kernel crypto API: cmac(aes), ccm(aes)
 *   tools/lib/crypto_openssl.c OpenSSL's libcrypto, for userspace
 *
 * Exactly one is linked into each program. CMAC may be called from any
 * context the caller is in (softirq included, in the kernel) and never
 * sleeps there; CCM, which only KEY and GW_KEY use, in the kernel only
 * from process context (it may sleep: kmod/crypto.c says why). The
 * kernel's cipher contexts hold no key between calls and are wiped when
 * freed; userspace reuses one per thread, which holds the last key
 * schedule until the next call. Neither keeps another copy of a key.
 */
#ifndef _LITEAUTH_CRYPTO_H
#define _LITEAUTH_CRYPTO_H

#include "proto.h"

/* Largest inputs the core hands a backend (GW_KEY's AAD and plaintext). */
#define LA_CRYPTO_MAX_AAD	(LITEAUTH_GW_KEY_LEN + LA_NONCE_LEN)
#define LA_CRYPTO_MAX_PT	(LA_ID_LEN + LA_GRANT_LEN)
#define LA_CMAC_LEN		16

/*
 * Set up and tear down the backend. Calls pair up: every user (the module,
 * a test suite, a program) calls init before its first operation and exit
 * after its last; the backend lives while any user holds it.
 */
int la_crypto_init(void);
void la_crypto_exit(void);

/* Whether this backend implements @suite. */
bool la_crypto_has_suite(u8 suite);

/* Full 16-byte CMAC of @msg under @key (LA_KEY_LEN bytes). */
enum la_err la_crypto_cmac(u8 suite, const u8 *key, const u8 *msg, size_t len,
			   u8 *mac);

/* Writes @plen bytes of ciphertext then the LA_TAG_LEN-byte tag to @out. */
enum la_err la_crypto_ccm_seal(u8 suite, const u8 *key, const u8 *nonce,
			       const u8 *aad, size_t alen, const u8 *pt,
			       size_t plen, u8 *out);

/*
 * Opens @plen + LA_TAG_LEN bytes at @in into @pt: LA_ERR_AUTH when the tag
 * does not verify, in which case @pt holds nothing of the plaintext.
 */
enum la_err la_crypto_ccm_open(u8 suite, const u8 *key, const u8 *nonce,
			       const u8 *aad, size_t alen, const u8 *in,
			       size_t plen, u8 *pt);

#endif /* _LITEAUTH_CRYPTO_H */
