// SPDX-License-Identifier: GPL-2.0
/*
 * The security management server's handshakes (server.h).
 *
 * Handshakes in progress are kept by IDd, one per device: a HELLO with the
 * same Rd (and, through a gateway, the same Rg) is a repeat and gets the
 * very same KEY or GW_KEY; a new Rd replaces the handshake. Devices that
 * proved themselves have a small state of their own: their rate-limit
 * bucket and their live session, whose SID no other live session or
 * handshake holds.
 *
 * Direct devices that fail get silence, a log line and a counter; devices
 * behind a gateway get an authenticated GW_REJECT; a gateway that fails
 * (unknown, disabled, bad T4 or T6) gets silence.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define LA_SRV_BUCKETS	65536	/* hash chains, a power of two */

struct la_pending {
	struct la_pending *next;
	u8 idd[LA_ID_LEN], rd[LA_NONCE_LEN], rs[LA_NONCE_LEN];
	bool gateway;
	u8 idg[LA_ID_LEN], rg[LA_NONCE_LEN];
	u8 suite;
	struct la_grant grant;
	u64 started;
	size_t reply_len;
	u8 reply[LITEAUTH_MSG_MAX_LEN];	/* KEY or GW_KEY, for repeats */
};

struct la_session {		/* a device that proved itself */
	struct la_session *next;
	u8 idd[LA_ID_LEN];
	struct la_bucket bucket;
	bool live;
	u16 sid;
	u64 expires;
};

/* What a gateway's GW_HELLO brings to the handling of its inner HELLO. */
struct la_gwctx {
	const u8 *idg, *rg;
	u8 kg[LA_KEY_LEN];
	u8 suite;
};

enum la_audit_reason {
	LA_AUDIT_UNKNOWN = LITEAUTH_REJECT_UNKNOWN_DEVICE,
	LA_AUDIT_BAD_MAC = LITEAUTH_REJECT_BAD_DEVICE_MAC,
	LA_AUDIT_DISABLED = LITEAUTH_REJECT_DEVICE_DISABLED,
	LA_AUDIT_RATE = LITEAUTH_REJECT_RATE_LIMITED,
	LA_AUDIT_BUSY = LITEAUTH_REJECT_SERVER_BUSY,
	LA_AUDIT_BAD_CONFIRM,
};

static const char *const la_counter_names[LA_SRV_MAX] = {
	[LA_SRV_HELLO] = "hello",
	[LA_SRV_KEY_RESENT] = "key-resent",
	[LA_SRV_CONFIRMED] = "confirmed",
	[LA_SRV_GW_HELLO] = "gw-hello",
	[LA_SRV_GW_REJECT] = "gw-reject",
	[LA_SRV_DROP_MALFORMED] = "drop-malformed",
	[LA_SRV_DROP_AUTH] = "drop-auth",
	[LA_SRV_DROP_UNKNOWN] = "drop-unknown",
	[LA_SRV_DROP_DISABLED] = "drop-disabled",
	[LA_SRV_DROP_GATEWAY] = "drop-gateway",
	[LA_SRV_DROP_RATE] = "drop-rate",
	[LA_SRV_DROP_BUSY] = "drop-busy",
	[LA_SRV_DROP_NO_HANDSHAKE] = "drop-no-handshake",
	[LA_SRV_DROP_STORE] = "drop-store",
};

const char *la_server_counter_name(enum la_srv_counter c)
{
	return (unsigned int)c < LA_SRV_MAX ? la_counter_names[c] : "?";
}

static void la_log(struct la_server *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!s->ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->ops->log(s->arg, msg);
}

/* An ID as it is printed everywhere: 16 hex digits. */
static const char *la_id(const u8 *id, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < LA_ID_LEN; i++) {
		buf[2 * i] = hex[id[i] >> 4];
		buf[2 * i + 1] = hex[id[i] & 15];
	}
	buf[2 * LA_ID_LEN] = '\0';
	return buf;
}

static u32 la_hash(const struct la_server *s, const u8 *id)
{
	u32 h = 2166136261u ^ s->hash_seed;
	int i;

	for (i = 0; i < LA_ID_LEN; i++)
		h = (h ^ id[i]) * 16777619u;
	return (h ^ h >> 15) & (LA_SRV_BUCKETS - 1);
}

/* Writes the records kept, in one transaction. */
static void la_flush(struct la_server *s)
{
	if (la_store_record(s->store, s->records, s->nrecords,
			    s->limits.audit_keep))
		s->counters[LA_SRV_DROP_STORE] += s->nrecords;
	s->nrecords = 0;
}

void la_server_begin(struct la_server *s)
{
	s->deferring = true;
}

void la_server_commit(struct la_server *s)
{
	la_flush(s);
	s->deferring = false;
}

/* An audit record; for a success (@reason 0), an authentication too. */
static void la_audit(struct la_server *s, const u8 *idg, const u8 *idd,
		     u8 reason)
{
	struct la_audit *a = &s->records[s->nrecords++];

	memset(a, 0, sizeof(*a));
	a->time = s->ops->wall(s->arg);
	a->result = reason ? 1 : 0;
	a->reason = reason;
	if (idg)
		memcpy(a->idg, idg, LA_ID_LEN);
	memcpy(a->idd, idd, LA_ID_LEN);
	if (!s->deferring || s->nrecords == LA_SRV_RECORDS)
		la_flush(s);
}

static bool la_sid_test(const struct la_server *s, u16 sid)
{
	return s->sid_used[sid / 8] & (1 << (sid % 8));
}

static void la_sid_set(struct la_server *s, u16 sid, bool used)
{
	if (used)
		s->sid_used[sid / 8] |= 1 << (sid % 8);
	else
		s->sid_used[sid / 8] &= ~(1 << (sid % 8));
}

/* A SID no live session or handshake holds: random, else the next free. */
static int la_sid_alloc(struct la_server *s, u16 *sid)
{
	u8 r[2];
	u32 i;

	s->ops->random(s->arg, r, sizeof(r));
	for (i = 0; i < 65536; i++) {
		u16 c = (r[0] << 8 | r[1]) + i;

		if (!la_sid_test(s, c)) {
			la_sid_set(s, c, true);
			*sid = c;
			return 0;
		}
	}
	return -EBUSY;
}

static struct la_pending *la_pending_find(struct la_server *s, const u8 *idd)
{
	struct la_pending *p;

	for (p = s->pending[la_hash(s, idd)]; p; p = p->next)
		if (!memcmp(p->idd, idd, LA_ID_LEN))
			return p;
	return NULL;
}

/* Unlinks and frees @p; its SID goes back unless a session took it. */
static void la_pending_free(struct la_server *s, struct la_pending *p,
			    bool release_sid)
{
	struct la_pending **pp = &s->pending[la_hash(s, p->idd)];

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	if (release_sid)
		la_sid_set(s, p->grant.sid, false);
	s->npending--;
	memzero_explicit(p, sizeof(*p));
	free(p);
}

static struct la_session *la_session_find(struct la_server *s, const u8 *idd)
{
	struct la_session *d;

	for (d = s->sessions[la_hash(s, idd)]; d; d = d->next)
		if (!memcmp(d->idd, idd, LA_ID_LEN))
			return d;
	return NULL;
}

static struct la_session *la_session_get(struct la_server *s, const u8 *idd,
					 u64 now)
{
	struct la_session *d = la_session_find(s, idd);
	u32 h;

	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	memcpy(d->idd, idd, LA_ID_LEN);
	la_bucket_init(&d->bucket, now, s->limits.rate_device,
		       s->limits.burst_device);
	h = la_hash(s, idd);
	d->next = s->sessions[h];
	s->sessions[h] = d;
	s->nsessions++;
	return d;
}

/*
 * A device failed: silence for a direct one (returns 0), GW_REJECT with
 * @reason for one behind a gateway (returns its length).
 */
static size_t la_refuse(struct la_server *s, const struct la_gwctx *gw,
			const u8 *idd, u8 reason, enum la_srv_counter c,
			u8 *reply)
{
	struct la_gw_reject *r = (struct la_gw_reject *)reply;
	u8 k[LA_KEY_LEN];
	char id[17];

	s->counters[c]++;
	la_log(s, "device %s refused: %s%s", la_id(idd, id),
	       la_server_counter_name(c), gw ? " (GW_REJECT)" : "");
	la_audit(s, gw ? gw->idg : NULL, idd, reason);
	if (!gw)
		return 0;
	if (la_derive(gw->suite, LA_KG_REJECT, gw->kg, gw->idg, gw->rg, NULL,
		      k) ||
	    la_gw_reject_build(r, gw->suite, k, gw->idg, gw->rg, idd, reason)) {
		memzero_explicit(k, sizeof(k));
		return 0;
	}
	memzero_explicit(k, sizeof(k));
	s->counters[LA_SRV_GW_REJECT]++;
	return sizeof(*r);
}

/* Builds the KEY (and GW_KEY) of a new handshake into @p->reply. */
static int la_answer(struct la_pending *p, const struct la_principal *dev,
		     const struct la_gwctx *gw)
{
	u8 k[LA_KEY_LEN];
	struct la_key key;
	int err;

	err = la_derive(p->suite, LA_K_KEY, dev->key, p->idd, p->rd, p->rs, k);
	if (!err)
		err = la_key_build(&key, p->suite, k, p->idd, p->rd, p->rs,
				   &p->grant);
	if (!err && gw) {
		err = la_derive(gw->suite, LA_KG_KEY, gw->kg, gw->idg, gw->rg,
				p->rs, k);
		if (!err)
			err = la_gw_key_build((struct la_gw_key *)p->reply,
					      gw->suite, k, gw->idg, gw->rg,
					      &key, &p->grant);
		p->reply_len = sizeof(struct la_gw_key);
	} else if (!err) {
		memcpy(p->reply, &key, sizeof(key));
		p->reply_len = sizeof(key);
	}
	memzero_explicit(k, sizeof(k));
	return err;
}

static size_t la_hello(struct la_server *s, const struct la_hello *h,
		       const struct la_gwctx *gw, u8 *reply)
{
	const struct la_server_limits *l = &s->limits;
	u64 now = s->ops->now(s->arg);
	struct la_principal dev;
	struct la_session *d;
	struct la_pending *p;
	u8 k[LA_KEY_LEN];
	size_t n = 0;
	int ret;

	if (!la_bucket_take(&s->global, now, l->rate_global, l->burst_global))
		return la_refuse(s, gw, h->idd, LA_AUDIT_RATE, LA_SRV_DROP_RATE,
				 reply);

	/* A repeat gets the very same answer, and costs nothing more. */
	p = la_pending_find(s, h->idd);
	if (p && !memcmp(p->rd, h->rd, LA_NONCE_LEN) &&
	    p->gateway == !!gw &&
	    (!gw || (!memcmp(p->idg, gw->idg, LA_ID_LEN) &&
		     !memcmp(p->rg, gw->rg, LA_NONCE_LEN)))) {
		s->counters[LA_SRV_KEY_RESENT]++;
		memcpy(reply, p->reply, p->reply_len);
		return p->reply_len;
	}

	ret = la_store_get(s->store, LA_DEVICE, h->idd, &dev);
	if (ret == -ENOENT)
		return la_refuse(s, gw, h->idd, LA_AUDIT_UNKNOWN,
				 LA_SRV_DROP_UNKNOWN, reply);
	if (ret)
		return la_refuse(s, gw, h->idd, LA_AUDIT_BUSY,
				 LA_SRV_DROP_STORE, reply);
	if (!dev.enabled) {
		n = la_refuse(s, gw, h->idd, LA_AUDIT_DISABLED,
			      LA_SRV_DROP_DISABLED, reply);
		goto out;
	}
	ret = la_derive(la_suite(h), LA_K_HELLO, dev.key, h->idd, NULL, NULL,
			k);
	if (!ret)
		ret = la_hello_verify(h, sizeof(*h), k);
	memzero_explicit(k, sizeof(k));
	if (ret) {
		n = la_refuse(s, gw, h->idd, LA_AUDIT_BAD_MAC, LA_SRV_DROP_AUTH,
			      reply);
		goto out;
	}

	d = la_session_get(s, h->idd, now);
	if (d && !la_bucket_take(&d->bucket, now, l->rate_device,
				 l->burst_device)) {
		n = la_refuse(s, gw, h->idd, LA_AUDIT_RATE, LA_SRV_DROP_RATE,
			      reply);
		goto out;
	}
	/* A new Rd (or a new Rg) replaces the handshake in progress. */
	if (p)
		la_pending_free(s, p, true);
	p = NULL;
	if (d && s->npending < l->pending_max)
		p = calloc(1, sizeof(*p));
	if (p) {
		s->ops->random(s->arg, p->rs, LA_NONCE_LEN);
		s->ops->random(s->arg, p->grant.sk, LA_KEY_LEN);
		if (la_sid_alloc(s, &p->grant.sid)) {
			memzero_explicit(p, sizeof(*p));
			free(p);
			p = NULL;
		}
	}
	if (!p) {
		n = la_refuse(s, gw, h->idd, LA_AUDIT_BUSY, LA_SRV_DROP_BUSY,
			      reply);
		goto out;
	}
	memcpy(p->idd, h->idd, LA_ID_LEN);
	memcpy(p->rd, h->rd, LA_NONCE_LEN);
	p->suite = la_suite(h);
	p->grant.life = l->life;
	p->started = now;
	if (gw) {
		p->gateway = true;
		memcpy(p->idg, gw->idg, LA_ID_LEN);
		memcpy(p->rg, gw->rg, LA_NONCE_LEN);
	}
	if (la_answer(p, &dev, gw)) {
		la_sid_set(s, p->grant.sid, false);
		memzero_explicit(p, sizeof(*p));
		free(p);
		n = la_refuse(s, gw, h->idd, LA_AUDIT_BUSY, LA_SRV_DROP_BUSY,
			      reply);
		goto out;
	}
	p->next = s->pending[la_hash(s, p->idd)];
	s->pending[la_hash(s, p->idd)] = p;
	s->npending++;
	s->counters[gw ? LA_SRV_GW_HELLO : LA_SRV_HELLO]++;
	memcpy(reply, p->reply, p->reply_len);
	n = p->reply_len;
out:
	la_principal_wipe(&dev);
	return n;
}

/* CONFIRM verified: the session is up, recorded and audited. */
static void la_established(struct la_server *s, struct la_pending *p)
{
	u64 now = s->ops->now(s->arg);
	struct la_session *d = la_session_get(s, p->idd, now);
	char id[17];

	if (d) {
		if (d->live && d->sid != p->grant.sid)
			la_sid_set(s, d->sid, false);
		d->live = true;
		d->sid = p->grant.sid;
		d->expires = now + (u64)p->grant.life * 60 * 1000000000ULL;
	}
	s->counters[LA_SRV_CONFIRMED]++;
	la_log(s, "device %s authenticated%s, session %u", la_id(p->idd, id),
	       p->gateway ? " through a gateway" : "", p->grant.sid);
	la_audit(s, p->gateway ? p->idg : NULL, p->idd, 0);
	la_pending_free(s, p, !d);
}

static bool la_confirm_ok(struct la_pending *p, const struct la_confirm *c)
{
	u8 k[LA_KEY_LEN];
	bool ok;

	ok = !la_derive(p->suite, LA_K_CONF, p->grant.sk, p->idd, p->rd,
			p->rs, k) &&
	     !la_confirm_verify(c, sizeof(*c), k, p->rd, p->rs);
	memzero_explicit(k, sizeof(k));
	return ok;
}

static void la_confirm(struct la_server *s, const struct la_confirm *c)
{
	struct la_pending *p = la_pending_find(s, c->idd);
	char id[17];

	if (!p || p->gateway) {
		s->counters[LA_SRV_DROP_NO_HANDSHAKE]++;
		return;
	}
	if (!la_confirm_ok(p, c)) {
		s->counters[LA_SRV_DROP_AUTH]++;
		la_log(s, "device %s: CONFIRM does not verify",
		       la_id(c->idd, id));
		la_audit(s, NULL, c->idd, LA_AUDIT_BAD_CONFIRM);
		return;
	}
	la_established(s, p);
}

/* The gateway of a GW_* message, if it is known, enabled, and its tag
 * verifies with the key derived by @label over @n1, @n2.
 */
static bool la_gateway(struct la_server *s, const void *msg, size_t len,
		       const u8 *idg, enum la_label label, const u8 *n1,
		       const u8 *n2, struct la_gwctx *gw)
{
	struct la_principal g;
	u8 k[LA_KEY_LEN];
	char id[17];
	bool ok;

	ok = !la_store_get(s->store, LA_GATEWAY, idg, &g) && g.enabled;
	if (ok) {
		gw->idg = idg;
		gw->suite = la_suite(msg);
		memcpy(gw->kg, g.key, LA_KEY_LEN);
		ok = !la_derive(gw->suite, label, g.key, idg, n1, n2, k) &&
		     !(label == LA_KG_HELLO ?
		       la_gw_hello_verify(msg, len, k) :
		       la_gw_confirm_verify(msg, len, k, n1, n2));
	}
	memzero_explicit(k, sizeof(k));
	la_principal_wipe(&g);
	if (!ok) {
		s->counters[LA_SRV_DROP_GATEWAY]++;
		la_log(s, "gateway %s: unknown, disabled or not authentic",
		       la_id(idg, id));
	}
	return ok;
}

static size_t la_gw_hello(struct la_server *s, const struct la_gw_hello *m,
			  u8 *reply)
{
	struct la_gwctx gw;
	size_t n = 0;

	if (la_gateway(s, m, sizeof(*m), m->idg, LA_KG_HELLO, NULL, NULL,
		       &gw)) {
		gw.rg = m->rg;
		n = la_hello(s, &m->hello, &gw, reply);
	}
	memzero_explicit(&gw, sizeof(gw));
	return n;
}

static void la_gw_confirm(struct la_server *s, const struct la_gw_confirm *m)
{
	struct la_pending *p = la_pending_find(s, m->confirm.idd);
	struct la_gwctx gw;
	char id[17];

	if (!p || !p->gateway || memcmp(p->idg, m->idg, LA_ID_LEN)) {
		s->counters[LA_SRV_DROP_NO_HANDSHAKE]++;
		return;
	}
	if (la_gateway(s, m, sizeof(*m), m->idg, LA_KG_CONF, p->rg, p->rs,
		       &gw)) {
		if (la_confirm_ok(p, &m->confirm)) {
			la_established(s, p);
		} else {
			s->counters[LA_SRV_DROP_AUTH]++;
			la_log(s, "device %s: CONFIRM does not verify",
			       la_id(m->confirm.idd, id));
			la_audit(s, m->idg, m->confirm.idd,
				 LA_AUDIT_BAD_CONFIRM);
		}
	}
	memzero_explicit(&gw, sizeof(gw));
}

size_t la_server_handle(struct la_server *s, const void *msg, size_t len,
			u8 *reply)
{
	enum la_err err = la_check(msg, len);

	if (err) {
		s->counters[LA_SRV_DROP_MALFORMED]++;
		la_log(s, "message dropped: %s", la_strerror(err));
		return 0;
	}
	switch (*(const u8 *)msg) {
	case LITEAUTH_MSG_HELLO:
		return la_hello(s, msg, NULL, reply);
	case LITEAUTH_MSG_CONFIRM:
		la_confirm(s, msg);
		return 0;
	case LITEAUTH_MSG_GW_HELLO:
		return la_gw_hello(s, msg, reply);
	case LITEAUTH_MSG_GW_CONFIRM:
		la_gw_confirm(s, msg);
		return 0;
	default:
		s->counters[LA_SRV_DROP_MALFORMED]++;
		la_log(s, "message dropped: type %#x is not for the server",
		       *(const u8 *)msg);
		return 0;
	}
}

void la_server_expire(struct la_server *s)
{
	const struct la_server_limits *l = &s->limits;
	u64 now = s->ops->now(s->arg);
	struct la_pending **pp, *p;
	struct la_session **dp, *d;
	u32 i;

	for (i = 0; i < LA_SRV_BUCKETS; i++) {
		for (pp = &s->pending[i]; (p = *pp);) {
			if (now - p->started >= (u64)l->pending_ms * 1000000)
				la_pending_free(s, p, true);
			else
				pp = &p->next;
		}
		for (dp = &s->sessions[i]; (d = *dp);) {
			if (d->live && now >= d->expires) {
				d->live = false;
				la_sid_set(s, d->sid, false);
			}
			if (!d->live && la_bucket_full(&d->bucket, now,
						       l->rate_device,
						       l->burst_device)) {
				*dp = d->next;
				s->nsessions--;
				free(d);
			} else {
				dp = &d->next;
			}
		}
	}
}

int la_server_init(struct la_server *s, struct la_store *store,
		   const struct la_server_limits *limits,
		   const struct la_server_ops *ops, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->store = store;
	s->limits = *limits;
	s->ops = ops;
	s->arg = arg;
	s->pending = calloc(LA_SRV_BUCKETS, sizeof(*s->pending));
	s->sessions = calloc(LA_SRV_BUCKETS, sizeof(*s->sessions));
	if (!s->pending || !s->sessions) {
		la_server_destroy(s);
		return -ENOMEM;
	}
	ops->random(arg, &s->hash_seed, sizeof(s->hash_seed));
	la_bucket_init(&s->global, ops->now(arg), limits->rate_global,
		       limits->burst_global);
	return 0;
}

void la_server_destroy(struct la_server *s)
{
	struct la_session *d;
	u32 i;

	la_flush(s);	/* nothing recorded is lost */
	for (i = 0; s->pending && i < LA_SRV_BUCKETS; i++)
		while (s->pending[i])
			la_pending_free(s, s->pending[i], true);
	for (i = 0; s->sessions && i < LA_SRV_BUCKETS; i++)
		while ((d = s->sessions[i])) {
			s->sessions[i] = d->next;
			free(d);
		}
	free(s->pending);
	free(s->sessions);
	s->pending = NULL;
	s->sessions = NULL;
}
