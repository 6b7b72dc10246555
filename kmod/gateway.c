// SPDX-License-Identifier: GPL-2.0
/*
 * The gateway: devices, their handshakes and sessions (gateway.h).
 *
 * Locking: gw->lock, a BH-safe spinlock, protects the device table, the
 * identity, the limits and the interface buckets; every entry point takes
 * it. The crypto of a message (a few AES blocks) runs under it. Events are
 * emitted under it (ops->event must not call back into the gateway), but
 * frames and relayed messages are built into a struct la_out and sent only
 * after it is released, because sending may loop back into the receive
 * path.
 *
 * Key material lives in struct la_device and on the stack of the function
 * using it; both are wiped when they die (la_hs_clear, la_session_end,
 * la_dev_free, memzero_explicit).
 */
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/time64.h>

#include <crypto/algapi.h>

#include "crypto.h"
#include "gateway.h"

struct la_device {
	struct hlist_node node;
	u8 idd[LA_ID_LEN];
	struct la_bucket bucket;	/* handshakes the server vouched for */
	bool limited;			/* dropped since the last accepted */
	u32 ctr;			/* highest CTR of an accepted GW_KEY */
	u64 seen;			/* last verified event, for the gc */

	/* The handshake waiting for CONFIRM: state 0 when there is none. */
	u8 state;			/* LITEAUTH_STATE_WAIT_CONFIRM */
	u8 suite;
	u64 started, key_sent;
	u8 rd[LA_NONCE_LEN], rg[LA_NONCE_LEN], rs[LA_NONCE_LEN];
	struct la_addr addr;		/* from CTX: where KEY goes */
	struct la_key key;		/* resent for a repeated HELLO */
	struct la_grant grant;		/* the SK it carries */
	u8 k_conf[LA_KEY_LEN];

	/* The session, once a CONFIRM verified. */
	bool established;
	u16 sid;
	u8 sk[LA_KEY_LEN];
	u64 since, expires, ack_sent;
	struct la_addr session_addr;
	struct la_confirm confirm;	/* that established it ... */
	struct la_ack ack;		/* ... and its answer, for repeats */
	u64 rx_ok, rx_drop;

	/* The server's report of the session, kept until the daemon took
	 * it: a full socket or a restarting daemon must not lose it.
	 */
	struct list_head report_node;	/* on gw->reports while due */
	u64 report_until;		/* when the server forgets it */
	struct la_gw_confirm report;
};

/* What an entry point sends once it has released gw->lock. */
struct la_out {
	size_t radio_len, up_len;
	struct la_addr to;
	enum liteauth_counter radio_counter, up_counter;
	u8 radio[LITEAUTH_RADIO_MAX_LEN];
	u8 up[LITEAUTH_GW_HELLO_LEN];
};

_Static_assert(LITEAUTH_GW_CONFIRM_LEN <= LITEAUTH_GW_HELLO_LEN, "la_out.up");
_Static_assert(LITEAUTH_ACK_LEN <= LITEAUTH_RADIO_MAX_LEN, "la_out.radio");

static siphash_key_t la_hash_key __read_mostly;

static u64 la_hash(const u8 *idd)
{
	return siphash(idd, LA_ID_LEN, &la_hash_key);
}

/* Something a dump shows changed; the generation never wraps to 0. */
static void la_changed(struct la_gw *gw)
{
	lockdep_assert_held(&gw->lock);
	if (!++gw->generation)
		gw->generation = 1;
}

static void la_count(struct la_gw *gw, enum liteauth_counter c)
{
	atomic64_inc(&gw->counters[c]);
}

u64 la_gw_counter(struct la_gw *gw, enum liteauth_counter c)
{
	return atomic64_read(&gw->counters[c]);
}

static const enum liteauth_counter la_err_counters[LA_ERR_MAX] = {
	[LA_ERR_SIZE] = LITEAUTH_CNT_DROP_SIZE,
	[LA_ERR_TYPE] = LITEAUTH_CNT_DROP_TYPE,
	[LA_ERR_VERSION] = LITEAUTH_CNT_DROP_VERSION,
	[LA_ERR_SUITE] = LITEAUTH_CNT_DROP_SUITE,
	[LA_ERR_MALFORMED] = LITEAUTH_CNT_DROP_MALFORMED,
	[LA_ERR_AUTH] = LITEAUTH_CNT_DROP_AUTH,
	[LA_ERR_CRYPTO] = LITEAUTH_CNT_DROP_CRYPTO,
};

static int la_drop(struct la_gw *gw, enum liteauth_counter c)
{
	la_count(gw, c);
	return c;
}

void la_gw_drop(struct la_gw *gw, enum liteauth_counter c)
{
	la_count(gw, c);
}

void la_gw_touch(struct la_gw *gw)
{
	spin_lock_bh(&gw->lock);
	la_changed(gw);
	spin_unlock_bh(&gw->lock);
}

void la_gw_info(struct la_gw *gw, struct la_gw_info *info)
{
	spin_lock_bh(&gw->lock);
	info->generation = gw->generation;
	info->has_identity = gw->has_identity;
	memcpy(info->idg, gw->idg, LA_ID_LEN);
	info->limits = gw->limits;
	spin_unlock_bh(&gw->lock);
}

static void la_event_id(struct la_gw *gw, u8 type, u8 reason, const u8 *idd,
			u16 sid, int ifindex)
{
	struct la_event ev = {
		.type = type,
		.reason = reason,
		.sid = sid,
		.ifindex = ifindex,
	};

	lockdep_assert_held(&gw->lock);
	if (idd)
		memcpy(ev.idd, idd, LA_ID_LEN);
	gw->ops->event(gw, &ev);
}

static void la_event(struct la_gw *gw, u8 type, u8 reason,
		     const struct la_device *d, int ifindex)
{
	la_event_id(gw, type, reason, d->idd,
		    d->established ? d->sid : d->grant.sid, ifindex);
}

static struct la_device *la_dev_find(struct la_gw *gw, const u8 *idd)
{
	struct la_device *d;

	hash_for_each_possible(gw->devices, d, node, la_hash(idd))
		if (!memcmp(d->idd, idd, LA_ID_LEN))
			return d;
	return NULL;
}

/*
 * The device's entry, made if there is room for one. Only what the server
 * vouched for (a GW_KEY that opened) makes one, so the table holds devices
 * that proved themselves and nothing an attacker can claim.
 */
static struct la_device *la_dev_get(struct la_gw *gw, const u8 *idd, u64 now)
{
	struct la_device *d = la_dev_find(gw, idd);

	if (d || gw->ndevices >= gw->limits.devices_max)
		return d;
	d = kzalloc(sizeof(*d), GFP_ATOMIC);
	if (!d)
		return NULL;
	memcpy(d->idd, idd, LA_ID_LEN);
	INIT_LIST_HEAD(&d->report_node);
	la_bucket_init(&d->bucket, now, gw->limits.rate_device,
		       gw->limits.burst_device);
	hash_add(gw->devices, &d->node, la_hash(idd));
	gw->ndevices++;
	return d;
}

/* How often reports the daemon did not take are offered again. */
#define LA_REPORT_RETRY_MS	100
#define LA_REPORTS_BATCH	16

static bool la_report_due(const struct la_device *d)
{
	return !list_empty(&d->report_node);
}

static void la_report_queue(struct la_gw *gw, struct la_device *d)
{
	lockdep_assert_held(&gw->lock);
	list_add_tail(&d->report_node, &gw->reports);
	/* The first one due brings the gc forward; later ones wait for it. */
	if (!gw->reports_due++ && gw->running)
		mod_delayed_work(system_wq, &gw->gc,
				 msecs_to_jiffies(LA_REPORT_RETRY_MS));
}

static void la_report_done(struct la_gw *gw, struct la_device *d)
{
	lockdep_assert_held(&gw->lock);
	if (la_report_due(d)) {
		list_del_init(&d->report_node);
		gw->reports_due--;
	}
}

/* A report that will never reach the server: counted. */
static void la_report_lost(struct la_gw *gw, struct la_device *d)
{
	if (la_report_due(d)) {
		la_count(gw, LITEAUTH_CNT_UP_GW_CONFIRM_LOST);
		la_report_done(gw, d);
	}
}

static void la_dev_free(struct la_gw *gw, struct la_device *d)
{
	la_report_lost(gw, d);
	hash_del(&d->node);
	gw->ndevices--;
	kfree_sensitive(d);
}

/* Forgets the handshake waiting for CONFIRM and its keys. */
static void la_hs_clear(struct la_device *d)
{
	d->state = 0;
	memzero_explicit(&d->grant, sizeof(d->grant));
	memzero_explicit(d->k_conf, sizeof(d->k_conf));
}

static void la_session_end(struct la_gw *gw, struct la_device *d, u8 reason)
{
	static const enum liteauth_counter counters[] = {
		[LITEAUTH_DOWN_EXPIRED] = LITEAUTH_CNT_SESSION_EXPIRED,
		[LITEAUTH_DOWN_REVOKED] = LITEAUTH_CNT_SESSION_REVOKED,
		[LITEAUTH_DOWN_REPLACED] = LITEAUTH_CNT_SESSION_REPLACED,
	};

	/* The server learns of no session the gateway no longer holds. */
	la_report_lost(gw, d);
	la_event(gw, LITEAUTH_EVENT_SESSION_DOWN, reason, d,
		 d->session_addr.ifindex);
	if (reason < ARRAY_SIZE(counters) && counters[reason])
		la_count(gw, counters[reason]);
	d->established = false;
	memzero_explicit(d->sk, sizeof(d->sk));
	la_changed(gw);
}

/*
 * The time from @then to @now, 0 if @then is later: a reading of the
 * clock is never older than the state it is compared with, but a time
 * that went backwards must not make a new handshake look ancient.
 */
static u64 la_since(u64 now, u64 then)
{
	return now > then ? now - then : 0;
}

static u64 la_timeout_ns(const struct la_gw *gw)
{
	return (u64)gw->limits.pending_timeout_ms * NSEC_PER_MSEC;
}

/* Expires what has outlived its time; true if the device has no state. */
static bool la_dev_expire(struct la_gw *gw, struct la_device *d, u64 now)
{
	if (d->state && la_since(now, d->started) >= la_timeout_ns(gw)) {
		la_hs_clear(d);
		la_count(gw, LITEAUTH_CNT_PENDING_EXPIRED);
		la_changed(gw);
		d->seen = now;
	}
	if (d->established && now >= d->expires) {
		la_session_end(gw, d, LITEAUTH_DOWN_EXPIRED);
		d->seen = now;
	}
	return !d->state && !d->established;
}

/*
 * The interface's budgets: one for frames of devices the gateway knows
 * (@known), one for HELLOs of devices it does not. A flood of made-up IDs
 * spends only the second.
 */
static bool la_iface_allow(struct la_gw *gw, int ifindex, bool known, u64 now)
{
	const struct la_limits *l = &gw->limits;
	int i, free = -1;

	for (i = 0; i < LA_IFACES_MAX; i++) {
		if (gw->ifaces[i].ifindex == ifindex)
			break;
		if (!gw->ifaces[i].ifindex && free < 0)
			free = i;
	}
	if (i == LA_IFACES_MAX) {
		/* radio.c binds at most LA_IFACES_MAX interfaces */
		if (WARN_ON_ONCE(free < 0))
			return false;
		i = free;
		gw->ifaces[i].ifindex = ifindex;
		la_bucket_init(&gw->ifaces[i].bucket, now, l->rate_iface,
			       l->burst_iface);
		la_bucket_init(&gw->ifaces[i].unknown, now, l->rate_unknown,
			       l->burst_unknown);
	}
	if (known)
		return la_bucket_take(&gw->ifaces[i].bucket, now,
				      l->rate_iface, l->burst_iface);
	return la_bucket_take(&gw->ifaces[i].unknown, now, l->rate_unknown,
			      l->burst_unknown);
}

/* Sends what @out holds; returns what sending it up returned. */
static int la_flush(struct la_gw *gw, const struct la_out *out)
{
	int err = 0;

	if (out->radio_len) {
		err = gw->ops->radio_tx(gw, &out->to, out->radio,
					out->radio_len);
		la_count(gw, err ? LITEAUTH_CNT_DROP_TX : out->radio_counter);
	}
	err = 0;
	if (out->up_len) {
		err = gw->ops->relay_up(gw, out->up, out->up_len);
		la_count(gw, !err ? out->up_counter :
			 err == -ENOTCONN ? LITEAUTH_CNT_DROP_NO_DAEMON :
			 LITEAUTH_CNT_DROP_TX);
	}
	return err;
}

static void la_out_up(struct la_out *out, const void *msg, size_t len,
		      enum liteauth_counter c)
{
	memcpy(out->up, msg, len);
	out->up_len = len;
	out->up_counter = c;
}

/* KEY or ACK to a device. */
static void la_out_radio(struct la_out *out, const struct la_addr *to,
			 const void *msg, size_t len, enum liteauth_counter c)
{
	memcpy(out->radio, msg, len);
	out->radio_len = len;
	out->to = *to;
	out->radio_counter = c;
}

/*
 * CTX, the context a GW_HELLO carries and GW_KEY or GW_REJECT gives back:
 * where the HELLO came from and when, in seconds since the gateway was
 * made. It is for this gateway alone; Rg authenticates it (la_cookie).
 *
 *   0..3 ifindex  4 mode  5 zero  6..7 PAN ID  8..15 address  16..19 time
 */
static u32 la_now_s(const struct la_gw *gw, u64 now)
{
	return (u32)div_u64(la_since(now, gw->epoch), NSEC_PER_SEC);
}

static void la_ctx_put(u8 *ctx, const struct la_addr *a, u32 t)
{
	u64 addr = a->mode == LITEAUTH_ADDR_SHORT ? a->short_addr : a->ext_addr;

	memset(ctx, 0, LA_CTX_LEN);
	la_put_be32(ctx, (u32)a->ifindex);
	ctx[4] = a->mode;
	la_put_be16(ctx + 6, a->pan_id);
	la_put_be32(ctx + 8, (u32)(addr >> 32));
	la_put_be32(ctx + 12, (u32)addr);
	la_put_be32(ctx + 16, t);
}

static void la_ctx_get(const u8 *ctx, struct la_addr *a, u32 *t)
{
	u64 addr = (u64)la_get_be32(ctx + 8) << 32 | la_get_be32(ctx + 12);

	memset(a, 0, sizeof(*a));
	a->ifindex = (int)la_get_be32(ctx);
	a->mode = ctx[4];
	a->pan_id = la_get_be16(ctx + 6);
	if (a->mode == LITEAUTH_ADDR_SHORT)
		a->short_addr = (u16)addr;
	else
		a->ext_addr = addr;
	*t = la_get_be32(ctx + 16);
}

/*
 * Rg = MAC(the gateway's cookie key, IDd || CTR || Rd || CTX): unique per
 * GW_HELLO (CTX holds the time, CTR grows), unpredictable, and a proof
 * that an answer echoing it answers a HELLO this gateway relayed, with
 * this context, since it was made.
 */
static enum la_err la_cookie(const struct la_gw *gw, const u8 *idd,
			     const u8 *ctr, const u8 *rd, const u8 *ctx,
			     u8 *rg)
{
	u8 in[LA_ID_LEN + LA_CTR_LEN + LA_NONCE_LEN + LA_CTX_LEN];
	u8 mac[LA_CMAC_LEN];
	enum la_err err;

	memcpy(in, idd, LA_ID_LEN);
	memcpy(in + LA_ID_LEN, ctr, LA_CTR_LEN);
	memcpy(in + LA_ID_LEN + LA_CTR_LEN, rd, LA_NONCE_LEN);
	memcpy(in + LA_ID_LEN + LA_CTR_LEN + LA_NONCE_LEN, ctx, LA_CTX_LEN);
	err = la_crypto_cmac(LITEAUTH_SUITE_AES128, gw->cookie_key, in,
			     sizeof(in), mac);
	if (!err)
		memcpy(rg, mac, LA_NONCE_LEN);
	memzero_explicit(mac, sizeof(mac));
	return err;
}

/*
 * Whether @echo answers a GW_HELLO this gateway made for @idd, in time:
 * 0, or the counter to drop it under. Fills in where the HELLO came from.
 */
static int la_echo_check(const struct la_gw *gw, const u8 *idd,
			 const struct la_echo *echo, u64 now,
			 struct la_addr *from)
{
	u8 rg[LA_NONCE_LEN];
	u32 t;

	if (la_cookie(gw, idd, echo->ctr, echo->rd, echo->ctx, rg))
		return LITEAUTH_CNT_DROP_CRYPTO;
	if (crypto_memneq(rg, echo->rg, LA_NONCE_LEN))
		return LITEAUTH_CNT_DROP_AUTH;
	la_ctx_get(echo->ctx, from, &t);
	/* Seconds, rounded down at both ends: at most a second's grace. */
	if ((u64)(la_now_s(gw, now) - t) * MSEC_PER_SEC >
	    gw->limits.pending_timeout_ms)
		return LITEAUTH_CNT_DROP_LATE;
	return 0;
}

/* At most one resend of KEY or ACK per device in this time. */
#define LA_RESEND_NS	(LA_RESEND_MIN_MS * NSEC_PER_MSEC)

static int la_rx_hello(struct la_gw *gw, const struct la_addr *from,
		       const struct la_hello *h, u64 now, struct la_out *out)
{
	struct la_gw_hello gwh;
	u8 ctx[LA_CTX_LEN], rg[LA_NONCE_LEN];
	u32 ctr = la_get_be32(h->ctr);
	struct la_device *d;
	enum la_err err;

	if (!gw->has_identity)
		return LITEAUTH_CNT_DROP_NO_IDENTITY;
	d = la_dev_find(gw, h->idd);
	if (d)
		la_dev_expire(gw, d, now);

	/* The handshake waiting for CONFIRM: its KEY again, to where the
	 * server's answer said, never to wherever this copy came from.
	 */
	if (d && d->state && ctr == d->ctr &&
	    !memcmp(d->rd, h->rd, LA_NONCE_LEN)) {
		if (la_since(now, d->key_sent) < LA_RESEND_NS)
			return LITEAUTH_CNT_DROP_DUPLICATE;
		d->key_sent = now;
		la_out_radio(out, &d->addr, &d->key, sizeof(d->key),
			     LITEAUTH_CNT_TX_KEY_RESEND);
		return 0;
	}
	/* A CTR the server already vouched for: a replay, or very late. */
	if (d && ctr <= d->ctr) {
		d->rx_drop++;
		return LITEAUTH_CNT_DROP_STALE;
	}
	if (!la_iface_allow(gw, from->ifindex, d, now))
		return d ? LITEAUTH_CNT_DROP_RATE_IFACE :
			   LITEAUTH_CNT_DROP_RATE_UNKNOWN;

	/* Nothing is kept: CTX and Rg hold what the answer needs. */
	la_ctx_put(ctx, from, la_now_s(gw, now));
	err = la_cookie(gw, h->idd, h->ctr, h->rd, ctx, rg);
	if (!err)
		err = la_gw_hello_build(&gwh, la_suite(h), gw->kg_hello,
					gw->idg, rg, ctx, h);
	if (err)
		return la_err_counters[err];
	la_count(gw, LITEAUTH_CNT_RX_HELLO);
	la_out_up(out, &gwh, sizeof(gwh), LITEAUTH_CNT_UP_GW_HELLO);
	return 0;
}

static int la_rx_confirm(struct la_gw *gw, const struct la_addr *from,
			 const struct la_confirm *c, u64 now,
			 struct la_out *out)
{
	struct la_gw_confirm gwc;
	u8 k[LA_KEY_LEN];
	struct la_device *d;
	struct la_ack ack;
	enum la_err err;

	d = la_dev_find(gw, c->idd);
	if (!d)
		return LITEAUTH_CNT_DROP_NO_HANDSHAKE;
	la_dev_expire(gw, d, now);

	/* The CONFIRM of the live session again: its ACK was lost. */
	if (d->established && !memcmp(c, &d->confirm, sizeof(*c))) {
		if (la_since(now, d->ack_sent) < LA_RESEND_NS)
			return LITEAUTH_CNT_DROP_DUPLICATE;
		d->ack_sent = now;
		la_out_radio(out, &d->session_addr, &d->ack, sizeof(d->ack),
			     LITEAUTH_CNT_TX_ACK_RESEND);
		return 0;
	}
	if (d->state != LITEAUTH_STATE_WAIT_CONFIRM) {
		d->rx_drop++;
		return d->established ? LITEAUTH_CNT_DROP_DUPLICATE :
					LITEAUTH_CNT_DROP_NO_HANDSHAKE;
	}
	/*
	 * No budget is charged: a forgery costs one MAC, and only while a
	 * handshake waits for this ID; a verified one, once a handshake.
	 */
	err = la_confirm_verify(c, sizeof(*c), d->k_conf, d->rd, d->rs);
	if (err) {
		d->rx_drop++;
		return la_err_counters[err];
	}

	err = la_derive(d->suite, LA_KG_CONF, gw->kg, gw->idg, d->rg, d->rs,
			k);
	if (!err)
		err = la_gw_confirm_build(&gwc, d->suite, k, gw->idg, d->rg,
					  d->rs, d->grant.sid, c);
	if (!err)
		err = la_derive(d->suite, LA_K_ACK, d->grant.sk, d->idd, d->rd,
				d->rs, k);
	if (!err)
		err = la_ack_build(&ack, d->suite, k, d->idd, d->rd, d->rs);
	memzero_explicit(k, sizeof(k));
	if (err)
		return la_err_counters[err];

	if (d->established)
		la_session_end(gw, d, LITEAUTH_DOWN_REPLACED);
	d->report = gwc;
	d->report_until = d->started + la_timeout_ns(gw);
	d->established = true;
	d->sid = d->grant.sid;
	memcpy(d->sk, d->grant.sk, LA_KEY_LEN);
	d->since = now;
	d->seen = now;
	d->expires = now + (u64)d->grant.life * 60 * NSEC_PER_SEC;
	d->session_addr = *from;
	d->confirm = *c;
	d->ack = ack;
	d->ack_sent = now;
	d->rx_ok++;
	la_hs_clear(d);
	la_changed(gw);
	la_count(gw, LITEAUTH_CNT_RX_CONFIRM);
	la_event(gw, LITEAUTH_EVENT_SESSION_UP, 0, d, from->ifindex);
	la_out_radio(out, from, &ack, sizeof(ack), LITEAUTH_CNT_TX_ACK);
	la_out_up(out, &gwc, sizeof(gwc), LITEAUTH_CNT_UP_GW_CONFIRM);
	return 0;
}

/*
 * A GW_CONFIRM that did not reach the daemon (its socket full, or no
 * daemon): queued for la_gw_send_reports if its session is still the one
 * it reports and the server still holds the handshake, else counted lost.
 */
static void la_report_requeue(struct la_gw *gw,
			      const struct la_gw_confirm *gwc, u64 now)
{
	struct la_device *d;

	lockdep_assert_held(&gw->lock);
	d = la_dev_find(gw, gwc->confirm.idd);
	if (d && d->established && !la_report_due(d) &&
	    !memcmp(&d->report, gwc, sizeof(*gwc)) && now < d->report_until)
		la_report_queue(gw, d);
	else
		la_count(gw, LITEAUTH_CNT_UP_GW_CONFIRM_LOST);
}

unsigned int la_gw_send_reports(struct la_gw *gw)
{
	struct la_gw_confirm *batch;
	struct la_device *d, *tmp;
	unsigned int n = 0, sent, left;
	int err = 0;
	u64 now;

	if (!READ_ONCE(gw->reports_due))
		return 0;
	batch = kmalloc_array(LA_REPORTS_BATCH, sizeof(*batch), GFP_KERNEL);
	spin_lock_bh(&gw->lock);
	now = gw->ops->now(gw);	/* under the lock: never older than state */
	list_for_each_entry_safe(d, tmp, &gw->reports, report_node) {
		/* The server forgets a handshake after its timeout too. */
		if (now >= d->report_until) {
			la_report_lost(gw, d);
			continue;
		}
		if (batch && n < LA_REPORTS_BATCH) {
			batch[n++] = d->report;
			la_report_done(gw, d);
		}
	}
	spin_unlock_bh(&gw->lock);

	for (sent = 0; sent < n; sent++) {
		err = gw->ops->relay_up(gw, &batch[sent], sizeof(*batch));
		if (err)
			break;
		la_count(gw, LITEAUTH_CNT_UP_GW_CONFIRM_RESEND);
	}
	/* What the daemon did not take this time waits for the next. */
	spin_lock_bh(&gw->lock);
	for (; sent < n; sent++)
		la_report_requeue(gw, &batch[sent], now);
	left = gw->reports_due;
	spin_unlock_bh(&gw->lock);
	kfree(batch);
	return left;
}

int la_gw_rx_radio(struct la_gw *gw, const struct la_addr *from,
		   const void *msg, size_t len)
{
	struct la_out out = {};
	enum la_err err;
	u64 now;
	int drop;

	la_count(gw, LITEAUTH_CNT_RX_FRAMES);
	err = la_check(msg, len);
	if (err)
		return la_drop(gw, la_err_counters[err]);

	spin_lock_bh(&gw->lock);
	now = gw->ops->now(gw);
	switch (*(const u8 *)msg) {
	case LITEAUTH_MSG_HELLO:
		drop = la_rx_hello(gw, from, msg, now, &out);
		break;
	case LITEAUTH_MSG_CONFIRM:
		drop = la_rx_confirm(gw, from, msg, now, &out);
		break;
	default:
		drop = LITEAUTH_CNT_DROP_TYPE;
		break;
	}
	spin_unlock_bh(&gw->lock);

	if (la_flush(gw, &out) && out.up_counter == LITEAUTH_CNT_UP_GW_CONFIRM) {
		spin_lock_bh(&gw->lock);
		la_report_requeue(gw, (const void *)out.up, now);
		spin_unlock_bh(&gw->lock);
	}
	return drop ? la_drop(gw, drop) : 0;
}

/*
 * What a GW_KEY must pass before and again after its crypto, which runs
 * without the lock: it answers a HELLO this gateway relayed, in time, and
 * neither repeats its device's handshake nor brings a CTR it used up.
 */
static int la_gw_key_check(struct la_gw *gw, const struct la_gw_key *m,
			   u64 now, struct la_addr *to,
			   struct netlink_ext_ack *extack)
{
	u32 ctr = la_get_be32(m->echo.ctr);
	struct la_device *d;
	int drop;

	drop = la_echo_check(gw, m->key.idd, &m->echo, now, to);
	if (drop) {
		if (drop == LITEAUTH_CNT_DROP_LATE)
			NL_SET_ERR_MSG(extack, "GW_KEY answers a HELLO older than the handshake timeout");
		else
			NL_SET_ERR_MSG(extack, "GW_KEY does not answer a HELLO this gateway relayed");
		return drop;
	}
	d = la_dev_find(gw, m->key.idd);
	if (d && d->state && ctr == d->ctr &&
	    !memcmp(d->rd, m->echo.rd, LA_NONCE_LEN)) {
		NL_SET_ERR_MSG(extack, "this handshake already has its GW_KEY");
		return LITEAUTH_CNT_DROP_DUPLICATE;
	}
	if (d && ctr <= d->ctr) {
		NL_SET_ERR_MSG(extack, "GW_KEY for a CTR this device has used up");
		return LITEAUTH_CNT_DROP_STALE;
	}
	return 0;
}

/* GW_KEY's crypto, in process context (CCM may sleep: crypto.c). */
static enum la_err la_gw_key_crypto(const struct la_gw_key *m, const u8 *kg,
				    const u8 *idg, struct la_grant *grant,
				    u8 *k_conf)
{
	u8 kg_key[LA_KEY_LEN];
	enum la_err err;

	err = la_derive(la_suite(m), LA_KG_KEY, kg, idg, m->echo.rg, m->rs,
			kg_key);
	if (!err)
		err = la_gw_key_open(m, sizeof(*m), kg_key, grant);
	memzero_explicit(kg_key, sizeof(kg_key));
	if (!err)
		err = la_derive(la_suite(m), LA_K_CONF, grant->sk, m->key.idd,
				m->echo.rd, m->rs, k_conf);
	return err;
}

/* A GW_KEY that verified: its device's handshake, under the lock. */
static int la_gw_key_install(struct la_gw *gw, const struct la_gw_key *m,
			     u64 now, const struct la_addr *to,
			     const struct la_grant *grant, const u8 *k_conf,
			     struct la_out *out, struct netlink_ext_ack *extack)
{
	const struct la_limits *l = &gw->limits;
	struct la_device *d;

	/* The server vouched for the HELLO: now the device has state. */
	d = la_dev_get(gw, m->key.idd, now);
	if (!d) {
		NL_SET_ERR_MSG(extack, "no room for another device");
		return LITEAUTH_CNT_DROP_TABLE_FULL;
	}
	if (!la_bucket_take(&d->bucket, now, l->rate_device,
			    l->burst_device)) {
		NL_SET_ERR_MSG(extack, "this device is over its handshake rate");
		d->rx_drop++;
		if (!d->limited)
			la_event(gw, LITEAUTH_EVENT_RATE_LIMITED, 0, d,
				 to->ifindex);
		d->limited = true;
		return LITEAUTH_CNT_DROP_RATE_DEVICE;
	}

	/* A fresher handshake replaces the one waiting for CONFIRM. */
	la_hs_clear(d);
	d->limited = false;
	d->ctr = la_get_be32(m->echo.ctr);
	d->state = LITEAUTH_STATE_WAIT_CONFIRM;
	d->suite = la_suite(m);
	d->started = now;
	d->seen = now;
	d->key_sent = now;
	memcpy(d->rd, m->echo.rd, LA_NONCE_LEN);
	memcpy(d->rg, m->echo.rg, LA_NONCE_LEN);
	memcpy(d->rs, m->rs, LA_NONCE_LEN);
	d->addr = *to;
	d->key = m->key;
	d->grant = *grant;
	memcpy(d->k_conf, k_conf, LA_KEY_LEN);
	la_changed(gw);
	la_count(gw, LITEAUTH_CNT_DOWN_GW_KEY);
	la_out_radio(out, &d->addr, &d->key, sizeof(d->key),
		     LITEAUTH_CNT_TX_KEY);
	return 0;
}

/*
 * GW_KEY: checked under the lock, opened without it (the gateway's key
 * copied out, its identity's sequence noted), then checked again and
 * installed under the lock, unless the identity changed meanwhile.
 * Called without the lock; a drop counter, or 0.
 */
static int la_rx_gw_key(struct la_gw *gw, const struct la_gw_key *m,
			struct la_out *out, struct netlink_ext_ack *extack)
{
	u8 kg[LA_KEY_LEN], idg[LA_ID_LEN], k_conf[LA_KEY_LEN];
	struct la_grant grant;
	struct la_addr to;
	enum la_err err;
	u32 seq;
	int drop;

	spin_lock_bh(&gw->lock);
	drop = la_gw_key_check(gw, m, gw->ops->now(gw), &to, extack);
	memcpy(kg, gw->kg, LA_KEY_LEN);
	memcpy(idg, gw->idg, LA_ID_LEN);
	seq = gw->identity_seq;
	spin_unlock_bh(&gw->lock);
	if (drop)
		goto out;

	err = la_gw_key_crypto(m, kg, idg, &grant, k_conf);
	if (err) {
		NL_SET_ERR_MSG(extack, "GW_KEY does not verify for this handshake");
		drop = la_err_counters[err];
		goto out;
	}

	spin_lock_bh(&gw->lock);
	if (gw->identity_seq != seq) {
		NL_SET_ERR_MSG(extack, "the gateway's identity changed meanwhile");
		drop = LITEAUTH_CNT_DROP_NOT_OURS;
	} else {
		u64 now = gw->ops->now(gw);

		drop = la_gw_key_check(gw, m, now, &to, extack);
		if (!drop)
			drop = la_gw_key_install(gw, m, now, &to, &grant,
						 k_conf, out, extack);
	}
	spin_unlock_bh(&gw->lock);
out:
	memzero_explicit(kg, sizeof(kg));
	memzero_explicit(&grant, sizeof(grant));
	memzero_explicit(k_conf, sizeof(k_conf));
	return drop;
}

static int la_rx_gw_reject(struct la_gw *gw, const struct la_gw_reject *m,
			   u64 now, struct netlink_ext_ack *extack)
{
	u8 kg_reject[LA_KEY_LEN];
	struct la_addr from;
	enum la_err err;
	int drop;

	drop = la_echo_check(gw, m->idd, &m->echo, now, &from);
	if (drop) {
		if (drop == LITEAUTH_CNT_DROP_LATE)
			NL_SET_ERR_MSG(extack, "GW_REJECT answers a HELLO older than the handshake timeout");
		else
			NL_SET_ERR_MSG(extack, "GW_REJECT does not answer a HELLO this gateway relayed");
		return -drop;
	}
	err = la_derive(la_suite(m), LA_KG_REJECT, gw->kg, gw->idg,
			m->echo.rg, NULL, kg_reject);
	if (!err)
		err = la_gw_reject_verify(m, sizeof(*m), kg_reject);
	memzero_explicit(kg_reject, sizeof(kg_reject));
	if (err) {
		NL_SET_ERR_MSG(extack, "GW_REJECT does not verify");
		return -la_err_counters[err];
	}
	/* The server refused one HELLO: nothing verified changes. */
	la_count(gw, LITEAUTH_CNT_DOWN_GW_REJECT);
	la_event_id(gw, LITEAUTH_EVENT_REJECT, m->reason, m->idd, 0,
		    from.ifindex);
	return 0;
}

static int la_errno(int drop)
{
	switch (drop) {
	case LITEAUTH_CNT_DROP_AUTH:
		return -EBADMSG;
	case LITEAUTH_CNT_DROP_NO_HANDSHAKE:
		return -ENOENT;
	case LITEAUTH_CNT_DROP_DUPLICATE:
		return -EALREADY;
	case LITEAUTH_CNT_DROP_NO_IDENTITY:
		return -ENOKEY;
	case LITEAUTH_CNT_DROP_CRYPTO:
		return -EIO;
	case LITEAUTH_CNT_DROP_STALE:
		return -ESTALE;
	case LITEAUTH_CNT_DROP_LATE:
		return -ETIMEDOUT;
	case LITEAUTH_CNT_DROP_TABLE_FULL:
		return -ENOSPC;
	case LITEAUTH_CNT_DROP_RATE_DEVICE:
		return -EBUSY;
	default:
		return -EINVAL;
	}
}

int la_gw_rx_daemon(struct la_gw *gw, const void *msg, size_t len,
		    struct netlink_ext_ack *extack)
{
	const u8 *m = msg;
	struct la_out out = {};
	bool gw_key = false;
	enum la_err err;
	int drop = 0;
	u64 now;

	err = la_check(msg, len);
	if (err) {
		NL_SET_ERR_MSG(extack, "malformed liteauth message");
		la_count(gw, la_err_counters[err]);
		return la_errno(la_err_counters[err]);
	}
	if (m[0] != LITEAUTH_MSG_GW_KEY && m[0] != LITEAUTH_MSG_GW_REJECT) {
		NL_SET_ERR_MSG(extack, "only GW_KEY and GW_REJECT go to the gateway");
		la_count(gw, LITEAUTH_CNT_DROP_TYPE);
		return -EINVAL;
	}

	spin_lock_bh(&gw->lock);
	now = gw->ops->now(gw);
	if (!gw->has_identity) {
		NL_SET_ERR_MSG(extack, "the gateway's ID and key are not set");
		drop = -LITEAUTH_CNT_DROP_NO_IDENTITY;
	} else if (memcmp(m + 2, gw->idg, LA_ID_LEN)) {
		NL_SET_ERR_MSG(extack, "message for another gateway ID");
		drop = -LITEAUTH_CNT_DROP_NOT_OURS;
	} else if (m[0] == LITEAUTH_MSG_GW_KEY) {
		gw_key = true;	/* below, without the lock */
	} else {
		drop = la_rx_gw_reject(gw, msg, now, extack);
	}
	spin_unlock_bh(&gw->lock);
	if (gw_key)
		drop = -la_rx_gw_key(gw, msg, &out, extack);

	la_flush(gw, &out);
	if (!drop)
		return 0;
	la_count(gw, -drop);
	return la_errno(-drop);
}

int la_gw_set_identity(struct la_gw *gw, const u8 *idg, const u8 *kg)
{
	u8 kg_hello[LA_KEY_LEN];

	/* The one suite there is: every GW_HELLO is sealed with this. */
	if (la_derive(LITEAUTH_SUITE_AES128, LA_KG_HELLO, kg, idg, NULL, NULL,
		      kg_hello))
		return -EIO;
	spin_lock_bh(&gw->lock);
	memcpy(gw->idg, idg, LA_ID_LEN);
	memcpy(gw->kg, kg, LA_KEY_LEN);
	memcpy(gw->kg_hello, kg_hello, LA_KEY_LEN);
	gw->has_identity = true;
	gw->identity_seq++;
	la_changed(gw);
	spin_unlock_bh(&gw->lock);
	memzero_explicit(kg_hello, sizeof(kg_hello));
	return 0;
}

void la_gw_set_limits(struct la_gw *gw, const struct la_limits *limits)
{
	spin_lock_bh(&gw->lock);
	gw->limits = *limits;
	la_changed(gw);
	spin_unlock_bh(&gw->lock);
}

int la_gw_revoke(struct la_gw *gw, const u8 *idd)
{
	struct la_device *d;
	struct hlist_node *tmp;
	int bkt, n = 0;

	spin_lock_bh(&gw->lock);
	hash_for_each_safe(gw->devices, bkt, tmp, d, node) {
		if (idd && memcmp(d->idd, idd, LA_ID_LEN))
			continue;
		if (d->established || d->state)
			n++;
		if (d->established)
			la_session_end(gw, d, LITEAUTH_DOWN_REVOKED);
		if (d->state) {
			la_hs_clear(d);
			la_changed(gw);
		}
	}
	spin_unlock_bh(&gw->lock);
	return n;
}

void la_gw_iface_gone(struct la_gw *gw, int ifindex)
{
	struct la_device *d;
	struct hlist_node *tmp;
	int bkt, i;

	spin_lock_bh(&gw->lock);
	hash_for_each_safe(gw->devices, bkt, tmp, d, node) {
		if (d->established && d->session_addr.ifindex == ifindex)
			la_session_end(gw, d, LITEAUTH_DOWN_UNBOUND);
		if (d->state && d->addr.ifindex == ifindex) {
			la_hs_clear(d);
			la_changed(gw);
		}
	}
	for (i = 0; i < LA_IFACES_MAX; i++)
		if (gw->ifaces[i].ifindex == ifindex)
			gw->ifaces[i].ifindex = 0;
	la_changed(gw);		/* the list of interfaces, at least */
	spin_unlock_bh(&gw->lock);
}

void la_gw_gc(struct la_gw *gw)
{
	const struct la_limits *l = &gw->limits;
	struct la_device *d;
	struct hlist_node *tmp;
	int bkt;
	u64 now;

	spin_lock_bh(&gw->lock);
	now = gw->ops->now(gw);
	hash_for_each_safe(gw->devices, bkt, tmp, d, node)
		if (la_dev_expire(gw, d, now) &&
		    la_since(now, d->seen) >= (u64)LA_KNOWN_KEEP_MS * NSEC_PER_MSEC &&
		    la_bucket_full(&d->bucket, now, l->rate_device,
				   l->burst_device))
			la_dev_free(gw, d);
	spin_unlock_bh(&gw->lock);
}

static void la_gc_work(struct work_struct *work)
{
	struct la_gw *gw = container_of(to_delayed_work(work), struct la_gw,
					gc);
	unsigned int due;

	la_gw_gc(gw);
	la_gw_send_reports(gw);
	spin_lock_bh(&gw->lock);
	due = gw->reports_due;	/* with any queued meanwhile */
	if (gw->running)
		mod_delayed_work(system_wq, &gw->gc,
				 msecs_to_jiffies(due ? LA_REPORT_RETRY_MS :
						  LA_GC_INTERVAL_MS));
	spin_unlock_bh(&gw->lock);
}

static void la_info(const struct la_gw *gw, const struct la_device *d,
		    u64 now, struct la_session_info *si)
{
	memset(si, 0, sizeof(*si));
	memcpy(si->idd, d->idd, LA_ID_LEN);
	if (d->established) {
		si->state = LITEAUTH_STATE_ESTABLISHED;
		si->sid = d->sid;
		si->addr = d->session_addr;
		si->age_ms = div_u64(la_since(now, d->since), NSEC_PER_MSEC);
		si->expires_ms = d->expires > now ?
				 div_u64(d->expires - now, NSEC_PER_MSEC) : 0;
	} else {
		u64 end = d->started +
			  (u64)gw->limits.pending_timeout_ms * NSEC_PER_MSEC;

		si->state = d->state;
		si->sid = d->grant.sid;
		si->addr = d->addr;
		si->age_ms = div_u64(la_since(now, d->started), NSEC_PER_MSEC);
		si->expires_ms = end > now ? div_u64(end - now, NSEC_PER_MSEC) : 0;
	}
	si->rx_ok = d->rx_ok;
	si->rx_drop = d->rx_drop;
}

int la_gw_walk(struct la_gw *gw, u64 *cursor,
	       int (*fill)(void *arg, const struct la_session_info *si),
	       void *arg)
{
	u32 bkt = *cursor >> 32, skip = (u32)*cursor, i;
	struct la_session_info si;
	struct la_device *d;
	u64 now;

	spin_lock_bh(&gw->lock);
	now = gw->ops->now(gw);
	for (; bkt < HASH_SIZE(gw->devices); bkt++, skip = 0) {
		i = 0;
		hlist_for_each_entry(d, &gw->devices[bkt], node) {
			if (i++ < skip || (!d->state && !d->established))
				continue;
			la_info(gw, d, now, &si);
			if (fill(arg, &si)) {
				*cursor = (u64)bkt << 32 | (i - 1);
				spin_unlock_bh(&gw->lock);
				return 1;
			}
		}
	}
	*cursor = (u64)bkt << 32;
	spin_unlock_bh(&gw->lock);
	return 0;
}

void la_gw_init(struct la_gw *gw, const struct la_gw_ops *ops, void *priv)
{
	static const struct la_limits defaults = {
		.devices_max = LA_DEVICES_MAX,
		.rate_device = LA_RATE_DEVICE_PER_MIN,
		.burst_device = LA_RATE_DEVICE_BURST,
		.rate_iface = LA_RATE_IFACE_PER_MIN,
		.burst_iface = LA_RATE_IFACE_BURST,
		.pending_timeout_ms = LA_PENDING_TIMEOUT_MS,
		.rate_unknown = LA_RATE_UNKNOWN_PER_MIN,
		.burst_unknown = LA_RATE_UNKNOWN_BURST,
	};
	int i;

	memset(gw, 0, sizeof(*gw));
	gw->ops = ops;
	gw->priv = priv;
	spin_lock_init(&gw->lock);
	hash_init(gw->devices);
	INIT_LIST_HEAD(&gw->reports);
	gw->generation = 1;	/* dumps need it non-zero */
	gw->limits = defaults;
	for (i = 0; i < __LITEAUTH_CNT_MAX; i++)
		atomic64_set(&gw->counters[i], 0);
	INIT_DELAYED_WORK(&gw->gc, la_gc_work);
	get_random_once(&la_hash_key, sizeof(la_hash_key));
	/* Answers to GW_HELLOs of an earlier gateway never verify. */
	ops->random(gw, gw->cookie_key, sizeof(gw->cookie_key));
	gw->epoch = ops->now(gw);
}

void la_gw_start_gc(struct la_gw *gw)
{
	spin_lock_bh(&gw->lock);
	gw->running = true;
	mod_delayed_work(system_wq, &gw->gc,
			 msecs_to_jiffies(LA_GC_INTERVAL_MS));
	spin_unlock_bh(&gw->lock);
}

void la_gw_stop_gc(struct la_gw *gw)
{
	spin_lock_bh(&gw->lock);
	gw->running = false;	/* nothing arms it again */
	spin_unlock_bh(&gw->lock);
	cancel_delayed_work_sync(&gw->gc);
}

void la_gw_destroy(struct la_gw *gw)
{
	struct la_device *d;
	struct hlist_node *tmp;
	int bkt;

	la_gw_stop_gc(gw);
	spin_lock_bh(&gw->lock);
	hash_for_each_safe(gw->devices, bkt, tmp, d, node)
		la_dev_free(gw, d);
	memzero_explicit(gw->kg, sizeof(gw->kg));
	memzero_explicit(gw->kg_hello, sizeof(gw->kg_hello));
	memzero_explicit(gw->cookie_key, sizeof(gw->cookie_key));
	gw->has_identity = false;
	spin_unlock_bh(&gw->lock);
}
