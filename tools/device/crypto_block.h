/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The device's crypto backend of the protocol core (kmod/crypto.h): CMAC
 * and CCM built on a single AES-128 block function, which firmware takes
 * from its radio's AES engine or from the software AES (aes.c). C99, no
 * heap, nothing but the block function and memory on the stack.
 */
#ifndef _LITEAUTH_CRYPTO_BLOCK_H
#define _LITEAUTH_CRYPTO_BLOCK_H

#include "crypto.h"

struct la_block_cipher {
	/* Load a 16-byte key, then encrypt 16-byte blocks with it. */
	void (*setkey)(void *ctx, const u8 *key);
	void (*encrypt)(void *ctx, const u8 *in, u8 *out);
	void *ctx;
};

/* The block cipher the backend uses from now on. */
void la_crypto_block_use(const struct la_block_cipher *bc);

/* The software AES as a struct la_block_cipher (its context inside). */
extern const struct la_block_cipher la_soft_aes;

#endif /* _LITEAUTH_CRYPTO_BLOCK_H */
