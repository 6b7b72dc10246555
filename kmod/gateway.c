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

#include "gateway.h"

struct la_device {
	struct hlist_node node;
	u8 idd[LA_ID_LEN];
	struct la_bucket bucket;
	bool limited;			/* dropped since the last accepted */

	/* The handshake in progress: state 0 when there is none. */
	u8 state;			/* LITEAUTH_STATE_WAIT_* */
	u8 suite;
	u64 started;
	u8 rd[LA_NONCE_LEN], rg[LA_NONCE_LEN], rs[LA_NONCE_LEN];
	struct la_addr addr;
	struct la_gw_hello gw_hello;	/* resent while WAIT_KEY */
	struct la_key key;		/* resent while WAIT_CONFIRM */
	struct la_grant grant;		/* the SK it carries */
	u8 k_conf[LA_KEY_LEN];

	/* The session, once a CONFIRM verified. */
	bool established;
	u16 sid;
	u8 sk[LA_KEY_LEN];
	u64 since, expires;
	struct la_addr session_addr;
	u64 rx_ok, rx_drop;
};

/* What an entry point sends once it has released gw->lock. */
struct la_out {
	size_t radio_len, up_len;
	struct la_addr to;
	enum liteauth_counter radio_counter, up_counter;
	u8 radio[LITEAUTH_KEY_LEN];
	u8 up[LITEAUTH_GW_HELLO_LEN];
};

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

static void la_event(struct la_gw *gw, u8 type, u8 reason,
		     const struct la_device *d, int ifindex)
{
	struct la_event ev = {
		.type = type,
		.reason = reason,
		.ifindex = ifindex,
	};

	lockdep_assert_held(&gw->lock);
	if (d) {
		memcpy(ev.idd, d->idd, LA_ID_LEN);
		ev.sid = d->established ? d->sid : d->grant.sid;
	}
	gw->ops->event(gw, &ev);
}

static struct la_device *la_dev_find(struct la_gw *gw, const u8 *idd)
{
	struct la_device *d;

	hash_for_each_possible(gw->devices, d, node, la_hash(idd))
		if (!memcmp(d->idd, idd, LA_ID_LEN))
			return d;
	return NULL;
}

/* The device's entry, made if there is room for one. */
static struct la_device *la_dev_get(struct la_gw *gw, const u8 *idd, u64 now)
{
	struct la_device *d = la_dev_find(gw, idd);

	if (d || gw->ndevices >= gw->limits.devices_max)
		return d;
	d = kzalloc(sizeof(*d), GFP_ATOMIC);
	if (!d)
		return NULL;
	memcpy(d->idd, idd, LA_ID_LEN);
	la_bucket_init(&d->bucket, now, gw->limits.rate_device,
		       gw->limits.burst_device);
	hash_add(gw->devices, &d->node, la_hash(idd));
	gw->ndevices++;
	return d;
}

static void la_dev_free(struct la_gw *gw, struct la_device *d)
{
	hash_del(&d->node);
	gw->ndevices--;
	kfree_sensitive(d);
}

/* Forgets the handshake in progress and its keys. */
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

	la_event(gw, LITEAUTH_EVENT_SESSION_DOWN, reason, d,
		 d->session_addr.ifindex);
	if (reason < ARRAY_SIZE(counters) && counters[reason])
		la_count(gw, counters[reason]);
	d->established = false;
	memzero_explicit(d->sk, sizeof(d->sk));
	la_changed(gw);
}

/* Expires what has outlived its time; true if the device has no state. */
static bool la_dev_expire(struct la_gw *gw, struct la_device *d, u64 now)
{
	if (d->state && now - d->started >=
	    (u64)gw->limits.pending_timeout_ms * NSEC_PER_MSEC) {
		la_hs_clear(d);
		la_count(gw, LITEAUTH_CNT_PENDING_EXPIRED);
		la_changed(gw);
	}
	if (d->established && now >= d->expires)
		la_session_end(gw, d, LITEAUTH_DOWN_EXPIRED);
	return !d->state && !d->established;
}

static bool la_iface_allow(struct la_gw *gw, int ifindex, u64 now)
{
	const struct la_limits *l = &gw->limits;
	int i, free = -1;

	for (i = 0; i < LA_IFACES_MAX; i++) {
		if (gw->ifaces[i].ifindex == ifindex)
			return la_bucket_take(&gw->ifaces[i].bucket, now,
					      l->rate_iface, l->burst_iface);
		if (!gw->ifaces[i].ifindex && free < 0)
			free = i;
	}
	/* radio.c binds at most LA_IFACES_MAX interfaces */
	if (WARN_ON_ONCE(free < 0))
		return false;
	gw->ifaces[free].ifindex = ifindex;
	la_bucket_init(&gw->ifaces[free].bucket, now, l->rate_iface,
		       l->burst_iface);
	return la_bucket_take(&gw->ifaces[free].bucket, now, l->rate_iface,
			      l->burst_iface);
}

static void la_flush(struct la_gw *gw, const struct la_out *out)
{
	int err;

	if (out->radio_len) {
		err = gw->ops->radio_tx(gw, &out->to, out->radio,
					out->radio_len);
		la_count(gw, err ? LITEAUTH_CNT_DROP_TX : out->radio_counter);
	}
	if (out->up_len) {
		err = gw->ops->relay_up(gw, out->up, out->up_len);
		la_count(gw, !err ? out->up_counter :
			 err == -ENOTCONN ? LITEAUTH_CNT_DROP_NO_DAEMON :
			 LITEAUTH_CNT_DROP_TX);
	}
}

static void la_out_up(struct la_out *out, const void *msg, size_t len,
		      enum liteauth_counter c)
{
	memcpy(out->up, msg, len);
	out->up_len = len;
	out->up_counter = c;
}

static void la_out_radio(struct la_out *out, const struct la_addr *to,
			 const struct la_key *key, enum liteauth_counter c)
{
	memcpy(out->radio, key, sizeof(*key));
	out->radio_len = sizeof(*key);
	out->to = *to;
	out->radio_counter = c;
}

static int la_rx_hello(struct la_gw *gw, const struct la_addr *from,
		       const struct la_hello *h, u64 now, struct la_out *out)
{
	const struct la_limits *l = &gw->limits;
	struct la_device *d;
	enum la_err err;

	if (!gw->has_identity)
		return LITEAUTH_CNT_DROP_NO_IDENTITY;
	d = la_dev_get(gw, h->idd, now);
	if (!d)
		return LITEAUTH_CNT_DROP_TABLE_FULL;
	la_dev_expire(gw, d, now);
	if (!la_bucket_take(&d->bucket, now, l->rate_device, l->burst_device)) {
		d->rx_drop++;
		if (!d->limited)
			la_event(gw, LITEAUTH_EVENT_RATE_LIMITED, 0, d,
				 from->ifindex);
		d->limited = true;
		return LITEAUTH_CNT_DROP_RATE_DEVICE;
	}
	d->limited = false;

	/* A repeated HELLO gets what the first one got, unchanged. */
	if (d->state && !memcmp(d->rd, h->rd, LA_NONCE_LEN)) {
		d->addr = *from;
		if (d->state == LITEAUTH_STATE_WAIT_KEY)
			la_out_up(out, &d->gw_hello, sizeof(d->gw_hello),
				  LITEAUTH_CNT_UP_GW_HELLO_RESEND);
		else
			la_out_radio(out, from, &d->key,
				     LITEAUTH_CNT_TX_KEY_RESEND);
		return 0;
	}

	/* A new Rd starts a new handshake, replacing any in progress. */
	la_hs_clear(d);
	gw->ops->random(gw, d->rg, LA_NONCE_LEN);
	err = la_gw_hello_build(&d->gw_hello, la_suite(h), gw->kg_hello,
				gw->idg, d->rg, h);
	if (err)
		return la_err_counters[err];

	d->state = LITEAUTH_STATE_WAIT_KEY;
	d->suite = la_suite(h);
	d->started = now;
	memcpy(d->rd, h->rd, LA_NONCE_LEN);
	d->addr = *from;
	la_changed(gw);
	la_count(gw, LITEAUTH_CNT_RX_HELLO);
	la_out_up(out, &d->gw_hello, sizeof(d->gw_hello),
		  LITEAUTH_CNT_UP_GW_HELLO);
	return 0;
}

static int la_rx_confirm(struct la_gw *gw, const struct la_addr *from,
			 const struct la_confirm *c, u64 now,
			 struct la_out *out)
{
	struct la_gw_confirm gwc;
	u8 kg_conf[LA_KEY_LEN];
	struct la_device *d;
	enum la_err err;

	d = la_dev_find(gw, c->idd);
	if (!d)
		return LITEAUTH_CNT_DROP_NO_HANDSHAKE;
	la_dev_expire(gw, d, now);
	if (d->state != LITEAUTH_STATE_WAIT_CONFIRM) {
		d->rx_drop++;
		return d->established ? LITEAUTH_CNT_DROP_DUPLICATE :
					LITEAUTH_CNT_DROP_NO_HANDSHAKE;
	}
	err = la_confirm_verify(c, sizeof(*c), d->k_conf, d->rd, d->rs);
	if (err) {
		d->rx_drop++;
		return la_err_counters[err];
	}

	err = la_derive(d->suite, LA_KG_CONF, gw->kg, gw->idg, d->rg, d->rs,
			kg_conf);
	if (!err)
		err = la_gw_confirm_build(&gwc, d->suite, kg_conf, gw->idg,
					  d->rg, d->rs, c);
	memzero_explicit(kg_conf, sizeof(kg_conf));
	if (err)
		return la_err_counters[err];

	if (d->established)
		la_session_end(gw, d, LITEAUTH_DOWN_REPLACED);
	d->established = true;
	d->sid = d->grant.sid;
	memcpy(d->sk, d->grant.sk, LA_KEY_LEN);
	d->since = now;
	d->expires = now + (u64)d->grant.life * 60 * NSEC_PER_SEC;
	d->session_addr = *from;
	d->rx_ok++;
	la_hs_clear(d);
	la_changed(gw);
	la_count(gw, LITEAUTH_CNT_RX_CONFIRM);
	la_event(gw, LITEAUTH_EVENT_SESSION_UP, 0, d, from->ifindex);
	la_out_up(out, &gwc, sizeof(gwc), LITEAUTH_CNT_UP_GW_CONFIRM);
	return 0;
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

	now = gw->ops->now(gw);
	spin_lock_bh(&gw->lock);
	if (!la_iface_allow(gw, from->ifindex, now)) {
		drop = LITEAUTH_CNT_DROP_RATE_IFACE;
	} else {
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
	}
	spin_unlock_bh(&gw->lock);

	la_flush(gw, &out);
	return drop ? la_drop(gw, drop) : 0;
}

static int la_rx_gw_key(struct la_gw *gw, const struct la_gw_key *m,
			struct la_out *out, struct netlink_ext_ack *extack)
{
	u8 kg_key[LA_KEY_LEN];
	struct la_grant grant;
	struct la_device *d;
	enum la_err err;

	d = la_dev_find(gw, m->key.idd);
	if (!d || d->state != LITEAUTH_STATE_WAIT_KEY) {
		if (d && d->state == LITEAUTH_STATE_WAIT_CONFIRM) {
			NL_SET_ERR_MSG(extack, "this handshake already has its GW_KEY");
			return -LITEAUTH_CNT_DROP_DUPLICATE;
		}
		NL_SET_ERR_MSG(extack, "no handshake in progress for this device");
		return -LITEAUTH_CNT_DROP_NO_HANDSHAKE;
	}

	err = la_derive(la_suite(m), LA_KG_KEY, gw->kg, gw->idg, d->rg, m->rs,
			kg_key);
	if (!err)
		err = la_gw_key_open(m, sizeof(*m), kg_key, d->rg, &grant);
	memzero_explicit(kg_key, sizeof(kg_key));
	if (!err)
		err = la_derive(d->suite, LA_K_CONF, grant.sk, d->idd, d->rd,
				m->rs, d->k_conf);
	if (err) {
		memzero_explicit(&grant, sizeof(grant));
		NL_SET_ERR_MSG(extack, "GW_KEY does not verify for this handshake");
		return -la_err_counters[err];
	}

	d->grant = grant;
	memzero_explicit(&grant, sizeof(grant));
	memcpy(d->rs, m->rs, LA_NONCE_LEN);
	d->key = m->key;
	d->state = LITEAUTH_STATE_WAIT_CONFIRM;
	la_changed(gw);
	la_count(gw, LITEAUTH_CNT_DOWN_GW_KEY);
	la_out_radio(out, &d->addr, &d->key, LITEAUTH_CNT_TX_KEY);
	return 0;
}

static int la_rx_gw_reject(struct la_gw *gw, const struct la_gw_reject *m,
			   struct netlink_ext_ack *extack)
{
	u8 kg_reject[LA_KEY_LEN];
	struct la_device *d;
	enum la_err err;

	d = la_dev_find(gw, m->idd);
	if (!d || d->state != LITEAUTH_STATE_WAIT_KEY ||
	    memcmp(d->rg, m->rg, LA_NONCE_LEN)) {
		NL_SET_ERR_MSG(extack, "no handshake in progress for this device and Rg");
		return -LITEAUTH_CNT_DROP_NO_HANDSHAKE;
	}
	err = la_derive(la_suite(m), LA_KG_REJECT, gw->kg, gw->idg, m->rg,
			NULL, kg_reject);
	if (!err)
		err = la_gw_reject_verify(m, sizeof(*m), kg_reject);
	memzero_explicit(kg_reject, sizeof(kg_reject));
	if (err) {
		NL_SET_ERR_MSG(extack, "GW_REJECT does not verify");
		return -la_err_counters[err];
	}

	la_hs_clear(d);
	/* The server refused this device: it gets no credit to try again
	 * until its bucket refills.
	 */
	d->bucket.credit = 0;
	la_changed(gw);
	la_count(gw, LITEAUTH_CNT_DOWN_GW_REJECT);
	la_event(gw, LITEAUTH_EVENT_REJECT, m->reason, d, d->addr.ifindex);
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
	default:
		return -EINVAL;
	}
}

int la_gw_rx_daemon(struct la_gw *gw, const void *msg, size_t len,
		    struct netlink_ext_ack *extack)
{
	const u8 *m = msg;
	struct la_out out = {};
	enum la_err err;
	int drop;

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
	if (!gw->has_identity) {
		NL_SET_ERR_MSG(extack, "the gateway's ID and key are not set");
		drop = -LITEAUTH_CNT_DROP_NO_IDENTITY;
	} else if (memcmp(m + 2, gw->idg, LA_ID_LEN)) {
		NL_SET_ERR_MSG(extack, "message for another gateway ID");
		drop = -LITEAUTH_CNT_DROP_NOT_OURS;
	} else if (m[0] == LITEAUTH_MSG_GW_KEY) {
		drop = la_rx_gw_key(gw, msg, &out, extack);
	} else {
		drop = la_rx_gw_reject(gw, msg, extack);
	}
	spin_unlock_bh(&gw->lock);

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
	u64 now = gw->ops->now(gw);
	struct la_device *d;
	struct hlist_node *tmp;
	int bkt;

	spin_lock_bh(&gw->lock);
	hash_for_each_safe(gw->devices, bkt, tmp, d, node)
		if (la_dev_expire(gw, d, now) &&
		    la_bucket_full(&d->bucket, now, l->rate_device,
				   l->burst_device))
			la_dev_free(gw, d);
	spin_unlock_bh(&gw->lock);
}

static void la_gc_work(struct work_struct *work)
{
	struct la_gw *gw = container_of(to_delayed_work(work), struct la_gw,
					gc);

	la_gw_gc(gw);
	schedule_delayed_work(&gw->gc, msecs_to_jiffies(LA_GC_INTERVAL_MS));
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
		si->age_ms = div_u64(now - d->since, NSEC_PER_MSEC);
		si->expires_ms = d->expires > now ?
				 div_u64(d->expires - now, NSEC_PER_MSEC) : 0;
	} else {
		u64 end = d->started +
			  (u64)gw->limits.pending_timeout_ms * NSEC_PER_MSEC;

		si->state = d->state;
		si->sid = d->grant.sid;
		si->addr = d->addr;
		si->age_ms = div_u64(now - d->started, NSEC_PER_MSEC);
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
	u64 now = gw->ops->now(gw);
	struct la_device *d;

	spin_lock_bh(&gw->lock);
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
	};
	int i;

	memset(gw, 0, sizeof(*gw));
	gw->ops = ops;
	gw->priv = priv;
	spin_lock_init(&gw->lock);
	hash_init(gw->devices);
	gw->generation = 1;	/* dumps need it non-zero */
	gw->limits = defaults;
	for (i = 0; i < __LITEAUTH_CNT_MAX; i++)
		atomic64_set(&gw->counters[i], 0);
	INIT_DELAYED_WORK(&gw->gc, la_gc_work);
	get_random_once(&la_hash_key, sizeof(la_hash_key));
}

void la_gw_start_gc(struct la_gw *gw)
{
	schedule_delayed_work(&gw->gc, msecs_to_jiffies(LA_GC_INTERVAL_MS));
}

void la_gw_stop_gc(struct la_gw *gw)
{
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
	gw->has_identity = false;
	spin_unlock_bh(&gw->lock);
}
