// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The device's state machine (la_device.h).
 */
#include "la_device.h"

#define LA_MS_RESEND	1000u	/* first wait; doubles to 2 and 4 s */
#define LA_RESENDS	3u	/* then a last wait of 8 s, and a new Rd */
#define LA_MS_MINUTE	60000u

/* @a is at or after @b, on a clock that wraps. */
static int la_after(u32 a, u32 b)
{
	return (int32_t)(a - b) >= 0;
}

int la_device_init(struct la_device *d, const u8 *idd, const u8 *kd,
		   const struct la_device_ops *ops, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->arg = arg;
	d->suite = LITEAUTH_SUITE_AES128;
	memcpy(d->idd, idd, LA_ID_LEN);
	memcpy(d->kd, kd, LA_KEY_LEN);
	return la_derive(d->suite, LA_K_HELLO, kd, idd, NULL, NULL,
			 d->k_hello);
}

int la_device_start(struct la_device *d, u32 now_ms)
{
	u8 rd[LA_NONCE_LEN];
	int err;

	d->ops->random(d->arg, rd, sizeof(rd));
	err = la_hello_build(&d->hello, d->suite, d->k_hello, d->idd, rd);
	if (err)
		return err;
	d->state = LA_DEVICE_WAIT_KEY;
	d->sends = 1;
	d->next = now_ms + LA_MS_RESEND;
	d->hellos++;
	d->ops->send(d->arg, (const u8 *)&d->hello, sizeof(d->hello));
	return 0;
}

int la_device_rx(struct la_device *d, const u8 *msg, size_t len, u32 now_ms)
{
	const struct la_key *key = (const struct la_key *)msg;
	struct la_confirm c;
	struct la_grant g;
	u8 k[LA_KEY_LEN];
	int err;

	if (d->state != LA_DEVICE_WAIT_KEY || len != sizeof(*key) ||
	    key->type != LITEAUTH_MSG_KEY ||
	    memcmp(key->idd, d->idd, LA_ID_LEN)) {
		d->keys_ignored++;
		return LA_ERR_TYPE;
	}
	/* Only the KEY for this Rd opens: K_key is bound to it. */
	err = la_derive(d->suite, LA_K_KEY, d->kd, d->idd, d->hello.rd,
			key->rs, k);
	if (!err)
		err = la_key_open(msg, len, k, d->hello.rd, &g);
	if (!err)
		err = la_derive(d->suite, LA_K_CONF, g.sk, d->idd, d->hello.rd,
				key->rs, k);
	if (!err)
		err = la_confirm_build(&c, d->suite, k, d->idd, d->hello.rd,
				       key->rs);
	memzero_explicit(k, sizeof(k));
	if (err) {
		memzero_explicit(&g, sizeof(g));
		d->keys_ignored++;
		return err;
	}
	d->ops->send(d->arg, (const u8 *)&c, sizeof(c));
	d->state = LA_DEVICE_ESTABLISHED;
	/* Authenticate again when nine tenths of the life are over. */
	d->next = now_ms + g.life * (LA_MS_MINUTE / 10) * 9;
	d->ops->established(d->arg, &g);
	memzero_explicit(&g, sizeof(g));
	return 0;
}

void la_device_tick(struct la_device *d, u32 now_ms)
{
	if (d->state == LA_DEVICE_IDLE || !la_after(now_ms, d->next))
		return;
	if (d->state == LA_DEVICE_ESTABLISHED || d->sends > LA_RESENDS) {
		la_device_start(d, now_ms);	/* a new Rd */
		return;
	}
	d->ops->send(d->arg, (const u8 *)&d->hello, sizeof(d->hello));
	d->retransmits++;
	d->next = now_ms + (LA_MS_RESEND << d->sends);
	d->sends++;
}
