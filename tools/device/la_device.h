/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The device's side of liteauth, for firmware: a state machine with no
 * heap and no clock of its own. The firmware's radio code calls it:
 *
 *   la_device_init()   once, with the device's ID, key and callbacks;
 *   la_device_start()  to authenticate (sends HELLO);
 *   la_device_rx()     with each frame payload the radio receives;
 *   la_device_tick()   every so often, with the time in milliseconds.
 *
 * It resends HELLO with the same Rd after 1, 2 and 4 seconds, and after
 * 8 more starts over with a new Rd (Documentation/protocol.rst); it
 * accepts exactly one KEY, the one for its (IDd, Rd), answers it with
 * CONFIRM and hands the session to the firmware; it authenticates again
 * when nine tenths of the session's life are over.
 */
#ifndef _LITEAUTH_DEVICE_H
#define _LITEAUTH_DEVICE_H

#include "proto.h"

enum la_device_state {
	LA_DEVICE_IDLE,
	LA_DEVICE_WAIT_KEY,
	LA_DEVICE_ESTABLISHED,
};

struct la_device_ops {
	/* Sends a frame payload (HELLO, CONFIRM) to the gateway or server. */
	void (*send)(void *arg, const u8 *msg, size_t len);
	/* Fills @buf with random bytes (a TRNG, or a DRBG seeded by one). */
	void (*random)(void *arg, u8 *buf, size_t len);
	/* The session is up: SK, SID and LIFE (minutes). */
	void (*established)(void *arg, const struct la_grant *grant);
};

struct la_device {
	const struct la_device_ops *ops;
	void *arg;
	u8 idd[LA_ID_LEN];
	u8 kd[LA_KEY_LEN];
	u8 k_hello[LA_KEY_LEN];	/* precomputed: it depends on Kd and IDd */
	u8 suite;
	u8 state;		/* enum la_device_state */
	u8 sends;		/* HELLOs sent with this Rd */
	u32 next;		/* ms: next resend, or re-authentication */
	struct la_hello hello;	/* resent as is */
	u32 hellos, retransmits, keys_ignored;	/* for the firmware's stats */
};

/* 0, or a struct la_err reason if the key schedule failed. */
int la_device_init(struct la_device *d, const u8 *idd, const u8 *kd,
		   const struct la_device_ops *ops, void *arg);
int la_device_start(struct la_device *d, u32 now_ms);
/* 0 if @msg was this device's KEY; a reason it was ignored otherwise. */
int la_device_rx(struct la_device *d, const u8 *msg, size_t len, u32 now_ms);
void la_device_tick(struct la_device *d, u32 now_ms);

#endif /* _LITEAUTH_DEVICE_H */
