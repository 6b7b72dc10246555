// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The device's state machine (la_device.h).
 */
#include "la_device.h"

#define LA_MS_RESEND	1000u	/* first wait; doubles to 2 and 4 s */
#define LA_RESENDS	3u	/* then a last wait of 8 s, and a new CTR, Rd */
/*
 * Nine tenths of LIFE are LIFE * 9 units of 6 s, waited in steps of at
 * most 2^17 units (786,432,000 ms < 2^30), so that no deadline is ever
 * more than 2^31 ms ahead of the clock that la_after() compares it with.
 */
#define LA_MS_UNIT	6000u
#define LA_UNITS_STEP	(1u << 17)

/* @a is at or after @b, on a clock that wraps. */
static int la_after(u32 a, u32 b)
{
	return (int32_t)(a - b) >= 0;
}

int la_device_init(struct la_device *d, const u8 *idd, const u8 *kd,
		   u32 ctr, const struct la_device_ops *ops, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->arg = arg;
	d->suite = LITEAUTH_SUITE_AES128;
	d->ctr = ctr;
	memcpy(d->idd, idd, LA_ID_LEN);
	memcpy(d->kd, kd, LA_KEY_LEN);
	return la_derive(d->suite, LA_K_HELLO, kd, idd, NULL, NULL,
			 d->k_hello);
}

/* HELLO or CONFIRM, whichever the state resends. */
static void la_send(struct la_device *d)
{
	if (d->state == LA_DEVICE_WAIT_KEY)
		d->ops->send(d->arg, (const u8 *)&d->hs.hello,
			     sizeof(d->hs.hello));
	else
		d->ops->send(d->arg, (const u8 *)&d->hs.confirm,
			     sizeof(d->hs.confirm));
}

/* Enters @state, sending its message for the first time. */
static void la_enter(struct la_device *d, u8 state, u32 now_ms)
{
	d->state = state;
	d->sends = 1;
	d->next = now_ms + LA_MS_RESEND;
	la_send(d);
}

int la_device_start(struct la_device *d, u32 now_ms)
{
	u8 rd[LA_NONCE_LEN];
	u32 ctr = d->ctr + 1;
	int err = LA_DEVICE_ECTR;

	memzero_explicit(&d->hs, sizeof(d->hs));
	d->state = LA_DEVICE_IDLE;
	if (!ctr)
		return err;	/* 0xffffffff was the last */
	if (d->ops->save_ctr && d->ops->save_ctr(d->arg, ctr))
		return LA_DEVICE_ESAVE;
	d->ctr = ctr;
	d->ops->random(d->arg, rd, sizeof(rd));
	err = la_hello_build(&d->hs.hello, d->suite, d->k_hello, d->idd, ctr,
			     rd);
	if (err)
		return err;
	d->hellos++;
	la_enter(d, LA_DEVICE_WAIT_KEY, now_ms);
	return 0;
}

/* The KEY for this (IDd, Rd) opens; CONFIRM, and what ACK will need. */
static int la_rx_key(struct la_device *d, const u8 *msg, size_t len,
		     u32 now_ms)
{
	struct la_device_hs *h = &d->hs;
	const u8 *rs = ((const struct la_key *)msg)->rs;
	const u8 *rd = h->hello.rd;
	u8 k[LA_KEY_LEN];
	int err;

	/* Only the KEY for this Rd opens: K_key is bound to it. */
	err = la_derive(d->suite, LA_K_KEY, d->kd, d->idd, rd, rs, k);
	if (!err)
		err = la_key_open(msg, len, k, rd, &h->grant);
	if (!err)
		err = la_derive(d->suite, LA_K_CONF, h->grant.sk, d->idd, rd,
				rs, k);
	if (!err)
		err = la_confirm_build(&h->confirm, d->suite, k, d->idd, rd,
				       rs);
	if (!err)
		err = la_derive(d->suite, LA_K_ACK, h->grant.sk, d->idd, rd,
				rs, h->k_ack);
	memzero_explicit(k, sizeof(k));
	if (err) {
		memzero_explicit(&h->grant, sizeof(h->grant));
		memzero_explicit(h->k_ack, sizeof(h->k_ack));
		return err;
	}
	memcpy(h->rs, rs, LA_NONCE_LEN);
	h->key_ms = now_ms;
	la_enter(d, LA_DEVICE_WAIT_ACK, now_ms);
	return 0;
}

/* Waits the next step of nine tenths of the life, from the last deadline. */
static void la_wait_life(struct la_device *d)
{
	u32 n = d->left < LA_UNITS_STEP ? d->left : LA_UNITS_STEP;

	d->left -= n;
	d->next += n * LA_MS_UNIT;
}

/* The ACK for this (IDd, Rd, Rs) verifies: authenticated. */
static int la_rx_ack(struct la_device *d, const u8 *msg, size_t len)
{
	struct la_device_hs *h = &d->hs;
	int err;

	err = la_ack_verify(msg, len, h->k_ack, h->hello.rd, h->rs);
	if (err)
		return err;
	d->state = LA_DEVICE_ESTABLISHED;
	d->next = h->key_ms;
	d->left = h->grant.life * 9u;
	la_wait_life(d);
	d->ops->established(d->arg, &h->grant);
	memzero_explicit(h, sizeof(*h));
	return 0;
}

int la_device_rx(struct la_device *d, const u8 *msg, size_t len, u32 now_ms)
{
	int err = LA_ERR_TYPE;

	/* KEY and ACK both carry IDd at byte 2. */
	if (len >= 2 + LA_ID_LEN && !memcmp(msg + 2, d->idd, LA_ID_LEN)) {
		if (msg[0] == LITEAUTH_MSG_KEY &&
		    d->state == LA_DEVICE_WAIT_KEY)
			err = la_rx_key(d, msg, len, now_ms);
		else if (msg[0] == LITEAUTH_MSG_ACK &&
			 d->state == LA_DEVICE_WAIT_ACK)
			err = la_rx_ack(d, msg, len);
	}
	if (err) {
		if (len && msg[0] == LITEAUTH_MSG_ACK)
			d->acks_ignored++;
		else
			d->keys_ignored++;
	}
	return err;
}

int la_device_tick(struct la_device *d, u32 now_ms)
{
	if (d->state == LA_DEVICE_IDLE)
		return 0;
	if (d->state == LA_DEVICE_ESTABLISHED)
		while (d->left && la_after(now_ms, d->next))
			la_wait_life(d);
	if (!la_after(now_ms, d->next))
		return 0;
	if (d->state == LA_DEVICE_ESTABLISHED || d->sends > LA_RESENDS) {
		d->ack_timeouts += d->state == LA_DEVICE_WAIT_ACK;
		return la_device_start(d, now_ms);	/* a new CTR and Rd */
	}
	la_send(d);
	if (d->state == LA_DEVICE_WAIT_KEY)
		d->retransmits++;
	else
		d->confirm_retransmits++;
	d->next = now_ms + (LA_MS_RESEND << d->sends);
	d->sends++;
	return 0;
}
