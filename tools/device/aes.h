/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A compact software AES-128, encryption only (CMAC and CCM need no
 * more), for microcontrollers without an AES engine. Constant tables, no
 * heap, C99. Not hardened against timing attacks on cached CPUs: class 0/1
 * devices have no data cache, and firmware with an AES engine should pass
 * the library its own block function instead.
 */
#ifndef _LITEAUTH_AES_H
#define _LITEAUTH_AES_H

#include <stdint.h>

struct la_aes128 {
	uint8_t rk[176];	/* the 11 round keys */
};

void la_aes128_setkey(struct la_aes128 *ctx, const uint8_t key[16]);
void la_aes128_encrypt(const struct la_aes128 *ctx, const uint8_t in[16],
		       uint8_t out[16]);

#endif /* _LITEAUTH_AES_H */
