/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The device's side of liteauth (protocol v2), for firmware: a state
 * machine with no heap and no clock of its own. The firmware's radio code
 * calls it:
 *
 *   la_device_init()   once, with the device's ID, key, the last CTR it
 *                      used and its callbacks;
 *   la_device_start()  to authenticate (sends HELLO);
 *   la_device_rx()     with each frame payload the radio receives;
 *   la_device_tick()   every so often, with the time in milliseconds: a
 *                      u32 that may wrap. Ticks may come up to 2^31 - 1
 *                      ms apart; a resend goes out at the first tick
 *                      after it is due.
 *
 * The callbacks (struct la_device_ops) run inside these calls and must
 * not call back into the library.
 *
 * What it does (Documentation/protocol.rst, "The device"):
 *
 * - Each handshake takes the next CTR (the last one plus one) and a new
 *   Rd. Before it first sends a HELLO with that CTR it calls save_ctr();
 *   when that fails, or when CTR would pass 0xffffffff, no HELLO goes out
 *   and the start fails (a spent CTR means re-provisioning the device).
 * - It resends HELLO unchanged after 1, 2 and 4 seconds, and 8 seconds
 *   after the fourth HELLO starts a new handshake.
 * - It accepts one KEY, the one for its current (IDd, Rd), answers it with
 *   CONFIRM and waits for ACK (WAIT_ACK). It resends CONFIRM unchanged
 *   after 1, 2 and 4 seconds, and 8 seconds after the fourth CONFIRM
 *   gives up and starts a new handshake.
 * - Only an ACK that verifies under K_ack (bound to SK, IDd, Rd and Rs)
 *   makes it authenticated: then, and not before, it calls established()
 *   with the session and wipes what it kept of the handshake.
 * - Every other frame is ignored and counted: a KEY that does not open or
 *   comes when no KEY is expected, an ACK that does not verify or comes
 *   outside WAIT_ACK, anything for another device. None of them changes
 *   the state.
 * - It authenticates again when nine tenths of LIFE are over, counted
 *   from the moment its KEY came (the earliest the verifier can have
 *   started the session). Every LIFE from 1 to 65535 minutes works: the
 *   wait is taken in steps of at most 2^30 ms.
 *
 * Keeping CTR: the server accepts a HELLO only if its CTR is above every
 * CTR it accepted from the device before, so CTR must survive resets. It
 * need only grow, not grow by one, so firmware need not write its flash on
 * every handshake: save_ctr() may reserve a block, writing CTR + 15 when
 * CTR passes the value last written (one write per 16 handshakes), and
 * after a reset pass the value written to la_device_init() as the last
 * CTR used. A reset then skips at most 15 values.
 */
#ifndef _LITEAUTH_DEVICE_H
#define _LITEAUTH_DEVICE_H

#include "proto.h"

enum la_device_state {
	LA_DEVICE_IDLE,
	LA_DEVICE_WAIT_KEY,	/* HELLO sent */
	LA_DEVICE_WAIT_ACK,	/* KEY opened, CONFIRM sent */
	LA_DEVICE_ESTABLISHED,	/* ACK verified */
};

/* Why la_device_start() sent nothing (besides an enum la_err reason). */
#define LA_DEVICE_ECTR	(-1)	/* CTR is spent: re-provision the device */
#define LA_DEVICE_ESAVE	(-2)	/* save_ctr() failed */

struct la_device_ops {
	/* Sends a frame payload (HELLO, CONFIRM) to the gateway or server. */
	void (*send)(void *arg, const u8 *msg, size_t len);
	/* Fills @buf with random bytes (a TRNG, or a DRBG seeded by one). */
	void (*random)(void *arg, u8 *buf, size_t len);
	/*
	 * Makes @ctr survive a reset, before any HELLO carries it; non-zero
	 * if it could not (then no HELLO is sent). NULL means CTR is not
	 * kept: only for simulators, as the server refuses a device whose
	 * CTR goes back.
	 */
	int (*save_ctr)(void *arg, u32 ctr);
	/* The session is up (ACK verified): SK, SID and LIFE (minutes). */
	void (*established)(void *arg, const struct la_grant *grant);
};

/* What one handshake keeps; wiped when it ends. */
struct la_device_hs {
	struct la_hello hello;		/* resent as is; holds CTR and Rd */
	struct la_confirm confirm;	/* resent as is */
	u8 rs[LA_NONCE_LEN];
	u8 k_ack[LA_KEY_LEN];
	struct la_grant grant;		/* handed over once ACK verifies */
	u32 key_ms;			/* when KEY came */
};

struct la_device {
	const struct la_device_ops *ops;
	void *arg;
	u8 idd[LA_ID_LEN];
	u8 kd[LA_KEY_LEN];
	u8 k_hello[LA_KEY_LEN];	/* precomputed: it depends on Kd and IDd */
	u8 suite;
	u8 state;		/* enum la_device_state */
	u8 sends;		/* HELLOs, or CONFIRMs, sent so far */
	u32 ctr;		/* the last CTR used */
	u32 next;		/* ms: next resend, or step of the life */
	u32 left;		/* ESTABLISHED: 6 s units to wait after next */
	struct la_device_hs hs;
	/* For the firmware's stats. */
	u32 hellos;		/* handshakes started (HELLOs with a new CTR) */
	u32 retransmits;	/* HELLOs resent */
	u32 keys_ignored;	/* other frames ignored (not ACKs) */
	u32 confirm_retransmits;	/* CONFIRMs resent */
	u32 acks_ignored;	/* ACKs ignored */
	u32 ack_timeouts;	/* handshakes given up in WAIT_ACK */
};

/*
 * @ctr is the last CTR the device used (0 for a fresh device). Returns 0,
 * or an enum la_err reason if the key schedule failed.
 */
int la_device_init(struct la_device *d, const u8 *idd, const u8 *kd,
		   u32 ctr, const struct la_device_ops *ops, void *arg);
/*
 * Starts a new handshake (from any state: a handshake in progress is
 * dropped). 0 once HELLO is sent; otherwise LA_DEVICE_ECTR, LA_DEVICE_ESAVE
 * or an enum la_err reason, nothing was sent and the device is IDLE.
 */
int la_device_start(struct la_device *d, u32 now_ms);
/*
 * 0 if @msg moved the handshake on (this device's KEY, or its ACK); a
 * reason it was ignored otherwise.
 */
int la_device_rx(struct la_device *d, const u8 *msg, size_t len, u32 now_ms);
/*
 * Resends, gives up, or authenticates again, as due. 0, or what
 * la_device_start() returned for a new handshake it could not start (the
 * device is then IDLE).
 */
int la_device_tick(struct la_device *d, u32 now_ms);

#endif /* _LITEAUTH_DEVICE_H */
