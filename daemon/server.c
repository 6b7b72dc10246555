// SPDX-License-Identifier: GPL-2.0
/*
 * The security management server's handshakes (server.h).
 *
 * Each device that proved itself has a state of its own (struct
 * la_session): its K_hello, the highest CTR accepted from it, its budget,
 * its handshake in progress and its live session. A HELLO is, in this
 * order (protocol.rst, "The server"):
 *
 * - a repeat, when it is byte for byte the HELLO of the handshake in
 *   progress and comes the same way (directly, or from the same gateway):
 *   the same KEY again, re-sealed in a GW_KEY for the new GW_HELLO's ECHO;
 * - stale, when its CTR is not above the highest accepted: refused, with
 *   no other effect, before anything else is looked at;
 * - otherwise checked: with the K_hello in memory if there is one (a
 *   forgery costs one MAC), else from the store on the budget of the
 *   devices the server holds nothing of. Only one whose T1 verifies takes
 *   from the device's budget and replaces its handshake in progress.
 *
 * Direct devices that fail get silence; devices behind a gateway get an
 * authenticated GW_REJECT; a gateway that fails (unknown, disabled, bad T4
 * or T6) gets silence. Each refusal is counted, summed into the audit
 * interval's summary of its (IDg, IDd, reason), and logged if it is the
 * first of its kind in the interval.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define LA_SRV_BUCKETS	65536	/* hash chains, a power of two */
#define LA_SRV_GW_BUCKETS 256
#define LA_NS		1000000000ULL
#define LA_MS		1000000ULL
#define LA_SUMMARY_SLOTS (2 * LA_SRV_SUMMARY_MAX)	/* open addressing */
#define LA_SUMMARY_RECORDS (LA_SRV_SUMMARY_MAX + 2 * LA_AUDIT_REASON_MAX)

struct la_pending {
	struct la_hello hello;	/* as received: repeats are these bytes */
	u32 ctr;
	u8 rs[LA_NONCE_LEN];
	bool gateway;
	u8 idg[LA_ID_LEN];
	u8 suite;
	struct la_grant grant;
	u64 started;
	struct la_key key;	/* the answer, alone or inside GW_KEY */
};

struct la_session {		/* a device that proved itself */
	struct la_session *next;
	u8 idd[LA_ID_LEN];
	bool k_valid;		/* k_hello is the store's key's */
	u8 suite;
	u8 k_hello[LA_KEY_LEN];
	struct la_bucket bucket;
	u32 ctr;		/* the highest CTR accepted */
	u32 stored_ctr;		/* the store's, as far as is known */
	struct la_pending *pending;
	/* The live session. */
	bool live;
	bool gateway;		/* established through gateway idg */
	bool own_sid;		/* sid is marked used for it */
	u16 sid;
	u64 expires;
	u8 idg[LA_ID_LEN];
	u8 rs[LA_NONCE_LEN];
	struct la_confirm confirm;	/* direct: what established it */
	struct la_ack ack;		/* and what answered it */
	u64 ack_sent;
};

struct la_srv_gw {		/* a gateway in the store */
	struct la_srv_gw *next;
	u8 idg[LA_ID_LEN];
	u8 kg[LA_KEY_LEN];
	u64 checked;		/* when its record was last read */
	bool seen;		/* by la_gw_load() */
	struct la_bucket unknown;	/* for devices the server does not hold */
};

struct la_summary {		/* refusals of one kind in the interval */
	bool used;
	u8 reason, flags;
	u8 idg[LA_ID_LEN], idd[LA_ID_LEN];
	u32 count;
};

/* What a gateway's GW_HELLO brings to the handling of its inner HELLO. */
struct la_gwctx {
	const struct la_gw_hello *m;
	struct la_srv_gw *g;
	const u8 *idg;
	u8 kg[LA_KEY_LEN];
	u8 suite;
};

static const char *const la_counter_names[LA_SRV_MAX] = {
	[LA_SRV_HELLO] = "hello",
	[LA_SRV_KEY_RESENT] = "key-resent",
	[LA_SRV_CONFIRMED] = "confirmed",
	[LA_SRV_CONFIRMED_WORD] = "confirmed-gateway-word",
	[LA_SRV_ACK_RESENT] = "ack-resent",
	[LA_SRV_CONFIRM_REPEAT] = "gw-confirm-repeat",
	[LA_SRV_GW_HELLO] = "gw-hello",
	[LA_SRV_GW_REJECT] = "gw-reject",
	[LA_SRV_DROP_MALFORMED] = "drop-malformed",
	[LA_SRV_DROP_AUTH] = "drop-auth",
	[LA_SRV_DROP_STALE] = "drop-stale",
	[LA_SRV_DROP_UNKNOWN] = "drop-unknown",
	[LA_SRV_DROP_DISABLED] = "drop-disabled",
	[LA_SRV_DROP_GATEWAY] = "drop-gateway",
	[LA_SRV_DROP_RATE] = "drop-rate",
	[LA_SRV_DROP_RATE_UNKNOWN] = "drop-rate-unknown",
	[LA_SRV_DROP_RATE_GATEWAY] = "drop-rate-gateway",
	[LA_SRV_DROP_ACK_RATE] = "drop-ack-rate",
	[LA_SRV_DROP_BUSY] = "drop-busy",
	[LA_SRV_DROP_NO_HANDSHAKE] = "drop-no-handshake",
	[LA_SRV_DROP_STORE] = "drop-store",
	[LA_SRV_AUDIT_OVERFLOW] = "audit-overflow",
};

const char *la_server_counter_name(enum la_srv_counter c)
{
	return (unsigned int)c < LA_SRV_MAX ? la_counter_names[c] : "?";
}

static void la_vlog(struct la_server *s, const char *fmt, va_list ap)
{
	char msg[256];

	if (!s->ops->log)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	s->ops->log(s->arg, msg);
}

/* An event that is never a refusal: always logged. */
static void la_log(struct la_server *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	la_vlog(s, fmt, ap);
	va_end(ap);
}

/*
 * An event counted under @c: logged if it is the first of its kind in the
 * audit interval, else summed into one line at the interval's end.
 */
static void la_note(struct la_server *s, enum la_srv_counter c,
		    const char *fmt, ...)
{
	va_list ap;

	if (s->logged[c]) {
		s->suppressed[c]++;
		return;
	}
	s->logged[c] = true;
	va_start(ap, fmt);
	la_vlog(s, fmt, ap);
	va_end(ap);
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

static u32 la_fnv(u32 h, const u8 *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static u32 la_hash(const struct la_server *s, const u8 *id, u32 buckets)
{
	u32 h = la_fnv(2166136261u ^ s->hash_seed, id, LA_ID_LEN);

	return (h ^ h >> 15) & (buckets - 1);
}

static u64 la_now(struct la_server *s)
{
	return s->ops->now(s->arg);
}

/* Authentications: one record each, written at the commit. */
static void la_flush(struct la_server *s)
{
	struct la_session *d;
	unsigned int i;

	if (la_store_record(s->store, s->records, s->nrecords,
			    s->limits.audit_keep,
			    s->limits.audit_refusals_keep)) {
		s->counters[LA_SRV_DROP_STORE] += s->nrecords;
	} else {
		/* The store has these CTRs now: see la_server_expire(). */
		for (i = 0; i < s->nrecords; i++) {
			for (d = s->sessions[la_hash(s, s->records[i].idd,
						     LA_SRV_BUCKETS)];
			     d && memcmp(d->idd, s->records[i].idd, LA_ID_LEN);
			     d = d->next)
				;
			if (d)
				d->stored_ctr = max(d->stored_ctr,
						    s->records[i].ctr);
		}
	}
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

static void la_audit_auth(struct la_server *s, const u8 *idg, const u8 *idd,
			  u32 ctr, u8 flags)
{
	struct la_audit *a = &s->records[s->nrecords++];

	memset(a, 0, sizeof(*a));
	a->time = s->ops->wall(s->arg);
	a->flags = flags;
	a->count = 1;
	a->ctr = ctr;
	if (idg)
		memcpy(a->idg, idg, LA_ID_LEN);
	memcpy(a->idd, idd, LA_ID_LEN);
	if (!s->deferring || s->nrecords == LA_SRV_RECORDS)
		la_flush(s);
}

/* Sums one refusal into the interval's summary of its kind. */
static void la_summarize(struct la_server *s, const u8 *idg, const u8 *idd,
			 u8 reason, u8 flags)
{
	static const u8 zero[LA_ID_LEN];
	struct la_summary *e;
	u32 h, i;

	idg = idg ?: zero;
	idd = idd ?: zero;
	h = la_fnv(2166136261u ^ s->hash_seed, idg, LA_ID_LEN);
	h = la_fnv(h, idd, LA_ID_LEN);
	h = la_fnv(h, &reason, 1);
	h = la_fnv(h, &flags, 1);
	for (i = 0; i < LA_SUMMARY_SLOTS; i++) {
		e = &s->summaries[(h + i) & (LA_SUMMARY_SLOTS - 1)];
		if (!e->used)
			break;
		if (e->reason == reason && e->flags == flags &&
		    !memcmp(e->idg, idg, LA_ID_LEN) &&
		    !memcmp(e->idd, idd, LA_ID_LEN)) {
			if (e->count != 0xffffffffu)
				e->count++;
			return;
		}
	}
	if (s->nsummaries == LA_SRV_SUMMARY_MAX) {
		u32 *o = &s->overflow[reason][flags & LA_AUDIT_F_CLAIMED];

		s->counters[LA_SRV_AUDIT_OVERFLOW]++;
		if (*o != 0xffffffffu)
			(*o)++;
		return;
	}
	/* Half the slots at most are used: there is a free one. */
	s->nsummaries++;
	e->used = true;
	e->reason = reason;
	e->flags = flags;
	memcpy(e->idg, idg, LA_ID_LEN);
	memcpy(e->idd, idd, LA_ID_LEN);
	e->count = 1;
}

/* Writes the interval's summaries and log lines, and starts a new one. */
static void la_interval_end(struct la_server *s, u64 now)
{
	struct la_audit *a = s->summary_records;
	unsigned int n = 0, i, r, c;

	for (i = 0; i < LA_SUMMARY_SLOTS; i++) {
		const struct la_summary *e = &s->summaries[i];

		if (!e->used)
			continue;
		memset(&a[n], 0, sizeof(a[n]));
		a[n].time = s->interval_wall;
		memcpy(a[n].idg, e->idg, LA_ID_LEN);
		memcpy(a[n].idd, e->idd, LA_ID_LEN);
		a[n].result = 1;
		a[n].reason = e->reason;
		a[n].flags = e->flags;
		a[n++].count = e->count;
	}
	for (r = 0; r < LA_AUDIT_REASON_MAX; r++) {
		for (c = 0; c < 2; c++) {
			if (!s->overflow[r][c])
				continue;
			memset(&a[n], 0, sizeof(a[n]));
			a[n].time = s->interval_wall;
			a[n].result = 1;
			a[n].reason = r;
			a[n].flags = LA_AUDIT_F_OVERFLOW |
				     (c ? LA_AUDIT_F_CLAIMED : 0);
			a[n++].count = s->overflow[r][c];
		}
	}
	if (n && la_store_record(s->store, a, n, s->limits.audit_keep,
				 s->limits.audit_refusals_keep))
		s->counters[LA_SRV_DROP_STORE] += n;
	for (c = 0; c < LA_SRV_MAX; c++)
		if (s->suppressed[c])
			la_log(s, "%s: and %llu more in the last %llu s, suppressed",
			       la_server_counter_name(c),
			       (unsigned long long)s->suppressed[c],
			       (unsigned long long)((now - s->interval_start +
						     LA_NS - 1) / LA_NS));
	memset(s->summaries, 0, LA_SUMMARY_SLOTS * sizeof(*s->summaries));
	memset(s->overflow, 0, sizeof(s->overflow));
	memset(s->logged, 0, sizeof(s->logged));
	memset(s->suppressed, 0, sizeof(s->suppressed));
	s->nsummaries = 0;
	s->interval_start = now;
	s->interval_wall = s->ops->wall(s->arg);
}

static void la_interval_check(struct la_server *s, u64 now)
{
	if (now - s->interval_start >= (u64)s->limits.audit_interval * LA_NS)
		la_interval_end(s, now);
}

/* A refusal: counted, summed up (if @reason), its log line maybe. */
static void la_refused(struct la_server *s, enum la_srv_counter c,
		       const u8 *idg, const u8 *idd, u8 reason, u8 flags)
{
	s->counters[c]++;
	if (reason)
		la_summarize(s, idg, idd, reason, flags);
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

static struct la_session *la_session_find(struct la_server *s, const u8 *idd)
{
	struct la_session *d;

	for (d = s->sessions[la_hash(s, idd, LA_SRV_BUCKETS)]; d; d = d->next)
		if (!memcmp(d->idd, idd, LA_ID_LEN))
			return d;
	return NULL;
}

/* Only for a device that proved itself (or its gateway vouched for). */
static struct la_session *la_session_new(struct la_server *s, const u8 *idd,
					 u64 now)
{
	struct la_session *d = calloc(1, sizeof(*d));
	u32 h;

	if (!d)
		return NULL;
	memcpy(d->idd, idd, LA_ID_LEN);
	la_bucket_init(&d->bucket, now, s->limits.rate_device,
		       s->limits.burst_device);
	h = la_hash(s, idd, LA_SRV_BUCKETS);
	d->next = s->sessions[h];
	s->sessions[h] = d;
	s->nsessions++;
	return d;
}

/* Caches what the store says of the device: its K_hello and CTR. */
static int la_session_learn(struct la_session *d,
			    const struct la_principal *dev, u8 suite)
{
	if (la_derive(suite, LA_K_HELLO, dev->key, d->idd, NULL, NULL,
		      d->k_hello)) {
		memzero_explicit(d->k_hello, sizeof(d->k_hello));
		d->k_valid = false;
		return -EIO;
	}
	d->k_valid = true;
	d->suite = suite;
	d->ctr = max(d->ctr, dev->ctr);
	d->stored_ctr = dev->ctr;
	return 0;
}

/* Forgets @d's handshake; its SID goes back unless a session took it. */
static void la_pending_free(struct la_server *s, struct la_session *d,
			    bool release_sid)
{
	if (release_sid)
		la_sid_set(s, d->pending->grant.sid, false);
	memzero_explicit(d->pending, sizeof(*d->pending));
	free(d->pending);
	d->pending = NULL;
	s->npending--;
}

static void la_session_end(struct la_server *s, struct la_session *d)
{
	if (d->live && d->own_sid)
		la_sid_set(s, d->sid, false);
	d->live = false;
	d->own_sid = false;
}

/*
 * A device's HELLO refused: silence for a direct one (returns 0),
 * GW_REJECT with @reason for one behind a gateway (returns its length).
 */
static size_t la_refuse(struct la_server *s, const struct la_gwctx *gw,
			const u8 *idd, u8 reason, u8 flags,
			enum la_srv_counter c, u8 *reply)
{
	struct la_gw_reject *r = (struct la_gw_reject *)reply;
	struct la_echo echo;
	u8 k[LA_KEY_LEN];
	char id[17];
	size_t n = 0;

	la_refused(s, c, gw ? gw->idg : NULL, idd, reason, flags);
	la_note(s, c, "device %s refused: %s%s", la_id(idd, id),
		la_server_counter_name(c), gw ? " (GW_REJECT)" : "");
	if (!gw)
		return 0;
	la_echo_of(&echo, gw->m);
	if (!la_derive(gw->suite, LA_KG_REJECT, gw->kg, gw->idg, gw->m->rg,
		       NULL, k) &&
	    !la_gw_reject_build(r, gw->suite, k, gw->idg, &echo, idd,
				reason)) {
		s->counters[LA_SRV_GW_REJECT]++;
		n = sizeof(*r);
	}
	memzero_explicit(k, sizeof(k));
	return n;
}

/* The KEY of @p, alone or in a GW_KEY sealed for @gw's GW_HELLO. */
static size_t la_reply(const struct la_pending *p, const struct la_gwctx *gw,
		       u8 *reply)
{
	struct la_echo echo;
	u8 k[LA_KEY_LEN];
	size_t n = 0;

	if (!gw) {
		memcpy(reply, &p->key, sizeof(p->key));
		return sizeof(p->key);
	}
	la_echo_of(&echo, gw->m);
	if (!la_derive(gw->suite, LA_KG_KEY, gw->kg, gw->idg, gw->m->rg, p->rs,
		       k) &&
	    !la_gw_key_build((struct la_gw_key *)reply, gw->suite, k, gw->idg,
			     &echo, &p->key, &p->grant))
		n = sizeof(struct la_gw_key);
	memzero_explicit(k, sizeof(k));
	return n;
}

/* A HELLO of the handshake in progress, come the same way again. */
static bool la_repeat(const struct la_pending *p, const struct la_hello *h,
		      const struct la_gwctx *gw)
{
	return !memcmp(&p->hello, h, sizeof(*h)) && p->gateway == !!gw &&
	       (!gw || !memcmp(p->idg, gw->idg, LA_ID_LEN));
}

/* A fresh HELLO, verified: a new handshake replaces the one in progress. */
static size_t la_handshake(struct la_server *s, struct la_session *d,
			   const struct la_hello *h,
			   const struct la_principal *dev,
			   const struct la_gwctx *gw, u64 now, u8 *reply)
{
	struct la_pending *p = NULL;
	u8 k[LA_KEY_LEN];
	size_t n = 0;
	int err;

	if (d->pending || s->npending < s->limits.pending_max)
		p = calloc(1, sizeof(*p));
	if (!p)
		return la_refuse(s, gw, h->idd, LA_AUDIT_BUSY, 0,
				 LA_SRV_DROP_BUSY, reply);
	s->ops->random(s->arg, p->rs, LA_NONCE_LEN);
	s->ops->random(s->arg, p->grant.sk, LA_KEY_LEN);
	if (la_sid_alloc(s, &p->grant.sid)) {
		memzero_explicit(p, sizeof(*p));
		free(p);
		return la_refuse(s, gw, h->idd, LA_AUDIT_BUSY, 0,
				 LA_SRV_DROP_BUSY, reply);
	}
	p->hello = *h;
	p->ctr = la_get_be32(h->ctr);
	p->suite = la_suite(h);
	p->grant.life = s->limits.life;
	p->started = now;
	if (gw) {
		p->gateway = true;
		memcpy(p->idg, gw->idg, LA_ID_LEN);
	}
	err = la_derive(p->suite, LA_K_KEY, dev->key, h->idd, h->rd, p->rs,
			k);
	if (!err)
		err = la_key_build(&p->key, p->suite, k, h->idd, h->rd, p->rs,
				   &p->grant);
	memzero_explicit(k, sizeof(k));
	if (!err)
		n = la_reply(p, gw, reply);
	if (!n) {
		la_sid_set(s, p->grant.sid, false);
		memzero_explicit(p, sizeof(*p));
		free(p);
		return la_refuse(s, gw, h->idd, LA_AUDIT_BUSY, 0,
				 LA_SRV_DROP_BUSY, reply);
	}
	if (d->pending)
		la_pending_free(s, d, true);
	d->pending = p;
	s->npending++;
	d->ctr = p->ctr;
	s->counters[gw ? LA_SRV_GW_HELLO : LA_SRV_HELLO]++;
	return n;
}

/* A HELLO the server holds nothing to check against: from the store. */
static size_t la_hello_unknown(struct la_server *s, struct la_session *d,
			       const struct la_hello *h,
			       const struct la_gwctx *gw, u64 now, u8 *reply)
{
	const struct la_server_limits *l = &s->limits;
	const u8 claimed = LA_AUDIT_F_CLAIMED;
	struct la_principal dev;
	u8 k[LA_KEY_LEN];
	size_t n;
	int ret;

	/* Direct devices share one budget, each gateway's have their own. */
	if (!la_bucket_take(gw ? &gw->g->unknown : &s->unknown, now,
			    l->rate_unknown, l->burst_unknown))
		return la_refuse(s, gw, h->idd, LA_AUDIT_RATE, claimed,
				 LA_SRV_DROP_RATE_UNKNOWN, reply);
	if (!la_bucket_take(&s->global, now, l->rate_global, l->burst_global))
		return la_refuse(s, gw, h->idd, LA_AUDIT_RATE, claimed,
				 LA_SRV_DROP_RATE, reply);
	ret = la_store_get(s->store, LA_DEVICE, h->idd, &dev);
	if (ret == -ENOENT)
		return la_refuse(s, gw, h->idd, LA_AUDIT_UNKNOWN, claimed,
				 LA_SRV_DROP_UNKNOWN, reply);
	if (ret)
		return la_refuse(s, gw, h->idd, LA_AUDIT_BUSY, claimed,
				 LA_SRV_DROP_STORE, reply);
	if (!dev.enabled) {
		n = la_refuse(s, gw, h->idd, LA_AUDIT_DISABLED, claimed,
			      LA_SRV_DROP_DISABLED, reply);
		goto out;
	}
	if (la_get_be32(h->ctr) <= dev.ctr) {
		n = la_refuse(s, gw, h->idd, LA_AUDIT_STALE, claimed,
			      LA_SRV_DROP_STALE, reply);
		goto out;
	}
	ret = la_derive(la_suite(h), LA_K_HELLO, dev.key, h->idd, NULL, NULL,
			k);
	if (!ret)
		ret = la_hello_verify(h, sizeof(*h), k);
	memzero_explicit(k, sizeof(k));
	if (ret) {
		n = la_refuse(s, gw, h->idd, LA_AUDIT_BAD_MAC, claimed,
			      LA_SRV_DROP_AUTH, reply);
		goto out;
	}
	/* Proven: from here on the device has a state of its own. */
	if (!d)
		d = la_session_new(s, h->idd, now);
	if (!d || la_session_learn(d, &dev, la_suite(h))) {
		n = la_refuse(s, gw, h->idd, LA_AUDIT_BUSY, 0,
			      LA_SRV_DROP_BUSY, reply);
		goto out;
	}
	if (!la_bucket_take(&d->bucket, now, l->rate_device,
			    l->burst_device)) {
		n = la_refuse(s, gw, h->idd, LA_AUDIT_RATE, 0,
			      LA_SRV_DROP_RATE, reply);
		goto out;
	}
	n = la_handshake(s, d, h, &dev, gw, now, reply);
out:
	la_principal_wipe(&dev);
	return n;
}

static size_t la_hello(struct la_server *s, const struct la_hello *h,
		       const struct la_gwctx *gw, u8 *reply)
{
	const struct la_server_limits *l = &s->limits;
	struct la_session *d = la_session_find(s, h->idd);
	u64 now = la_now(s);
	struct la_principal dev;
	size_t n;
	int ret;

	/* A repeat gets the same answer, and costs nothing more. */
	if (d && d->pending && la_repeat(d->pending, h, gw)) {
		n = la_reply(d->pending, gw, reply);
		if (n)
			s->counters[LA_SRV_KEY_RESENT]++;
		return n;
	}
	/* Stale: refused before anything else, with no other effect. */
	if (d && la_get_be32(h->ctr) <= d->ctr)
		return la_refuse(s, gw, h->idd, LA_AUDIT_STALE,
				 LA_AUDIT_F_CLAIMED, LA_SRV_DROP_STALE, reply);
	if (!d || !d->k_valid)
		return la_hello_unknown(s, d, h, gw, now, reply);

	/* A device that proved itself: a forgery costs one MAC. */
	if (d->suite != la_suite(h) ||
	    la_hello_verify(h, sizeof(*h), d->k_hello))
		return la_refuse(s, gw, h->idd, LA_AUDIT_BAD_MAC,
				 LA_AUDIT_F_CLAIMED, LA_SRV_DROP_AUTH, reply);
	if (!la_bucket_take(&d->bucket, now, l->rate_device, l->burst_device))
		return la_refuse(s, gw, h->idd, LA_AUDIT_RATE, 0,
				 LA_SRV_DROP_RATE, reply);
	if (!la_bucket_take(&s->global, now, l->rate_global, l->burst_global))
		return la_refuse(s, gw, h->idd, LA_AUDIT_RATE, 0,
				 LA_SRV_DROP_RATE, reply);
	/* Kd, and whether it is still enabled (or there at all). */
	ret = la_store_get(s->store, LA_DEVICE, h->idd, &dev);
	if (ret == -ENOENT)
		return la_refuse(s, gw, h->idd, LA_AUDIT_UNKNOWN, 0,
				 LA_SRV_DROP_UNKNOWN, reply);
	if (ret)
		return la_refuse(s, gw, h->idd, LA_AUDIT_BUSY, 0,
				 LA_SRV_DROP_STORE, reply);
	if (!dev.enabled)
		n = la_refuse(s, gw, h->idd, LA_AUDIT_DISABLED, 0,
			      LA_SRV_DROP_DISABLED, reply);
	else
		n = la_handshake(s, d, h, &dev, gw, now, reply);
	la_principal_wipe(&dev);
	return n;
}

/* The session is up: recorded, audited, and @d's handshake is done. */
static void la_established(struct la_server *s, struct la_session *d,
			   u64 now)
{
	struct la_pending *p = d->pending;
	char id[17];

	la_session_end(s, d);
	d->live = true;
	d->own_sid = true;
	d->gateway = p->gateway;
	d->sid = p->grant.sid;
	d->expires = now + (u64)p->grant.life * 60 * LA_NS;
	memcpy(d->idg, p->idg, LA_ID_LEN);
	memcpy(d->rs, p->rs, LA_NONCE_LEN);
	s->counters[LA_SRV_CONFIRMED]++;
	la_log(s, "device %s authenticated%s, session %u", la_id(d->idd, id),
	       p->gateway ? " through a gateway" : "", p->grant.sid);
	la_audit_auth(s, p->gateway ? p->idg : NULL, d->idd, p->ctr, 0);
	la_pending_free(s, d, false);
}

static bool la_confirm_ok(const struct la_pending *p,
			  const struct la_confirm *c)
{
	u8 k[LA_KEY_LEN];
	bool ok;

	ok = !la_derive(p->suite, LA_K_CONF, p->grant.sk, p->hello.idd,
			p->hello.rd, p->rs, k) &&
	     !la_confirm_verify(c, sizeof(*c), k, p->hello.rd, p->rs);
	memzero_explicit(k, sizeof(k));
	return ok;
}

static size_t la_confirm(struct la_server *s, const struct la_confirm *c,
			 u8 *reply)
{
	struct la_session *d = la_session_find(s, c->idd);
	struct la_pending *p = d ? d->pending : NULL;
	u64 now = la_now(s);
	struct la_ack ack;
	u8 k[LA_KEY_LEN];
	char id[17];
	int err;

	/* The CONFIRM of the live session again: its ACK was lost. */
	if (d && d->live && !d->gateway &&
	    !memcmp(&d->confirm, c, sizeof(*c))) {
		if (now - d->ack_sent < LA_SRV_ACK_RESEND_MS * LA_MS) {
			s->counters[LA_SRV_DROP_ACK_RATE]++;
			return 0;
		}
		d->ack_sent = now;
		s->counters[LA_SRV_ACK_RESENT]++;
		memcpy(reply, &d->ack, sizeof(d->ack));
		return sizeof(d->ack);
	}
	if (!p || p->gateway) {
		s->counters[LA_SRV_DROP_NO_HANDSHAKE]++;
		la_note(s, LA_SRV_DROP_NO_HANDSHAKE,
			"device %s: CONFIRM without a handshake",
			la_id(c->idd, id));
		return 0;
	}
	if (!la_confirm_ok(p, c)) {
		la_refused(s, LA_SRV_DROP_AUTH, NULL, c->idd,
			   LA_AUDIT_BAD_CONFIRM, LA_AUDIT_F_CLAIMED);
		la_note(s, LA_SRV_DROP_AUTH,
			"device %s: CONFIRM does not verify",
			la_id(c->idd, id));
		return 0;
	}
	err = la_derive(p->suite, LA_K_ACK, p->grant.sk, c->idd, p->hello.rd,
			p->rs, k);
	if (!err)
		err = la_ack_build(&ack, p->suite, k, c->idd, p->hello.rd,
				   p->rs);
	memzero_explicit(k, sizeof(k));
	if (err) {	/* the crypto backend failed; the device resends */
		s->counters[LA_SRV_DROP_BUSY]++;
		return 0;
	}
	la_established(s, d, now);
	d->confirm = *c;
	d->ack = ack;
	d->ack_sent = now;
	memcpy(reply, &ack, sizeof(ack));
	return sizeof(ack);
}

static struct la_srv_gw *la_gw_find(struct la_server *s, const u8 *idg)
{
	struct la_srv_gw *g;

	for (g = s->gateways[la_hash(s, idg, LA_SRV_GW_BUCKETS)]; g;
	     g = g->next)
		if (!memcmp(g->idg, idg, LA_ID_LEN))
			return g;
	return NULL;
}

static struct la_srv_gw *la_gw_new(struct la_server *s, const u8 *idg,
				   u64 now)
{
	struct la_srv_gw *g = calloc(1, sizeof(*g));
	u32 h = la_hash(s, idg, LA_SRV_GW_BUCKETS);

	if (!g)
		return NULL;
	memcpy(g->idg, idg, LA_ID_LEN);
	la_bucket_init(&g->unknown, now, s->limits.rate_unknown,
		       s->limits.burst_unknown);
	g->next = s->gateways[h];
	s->gateways[h] = g;
	s->ngateways++;
	return g;
}

static void la_gw_free(struct la_server *s, struct la_srv_gw *g)
{
	struct la_srv_gw **gp = &s->gateways[la_hash(s, g->idg,
						      LA_SRV_GW_BUCKETS)];

	while (*gp != g)
		gp = &(*gp)->next;
	*gp = g->next;
	memzero_explicit(g, sizeof(*g));
	free(g);
	s->ngateways--;
}

/* Whether @msg's T4 (GW_HELLO) or T6 (GW_CONFIRM) verifies under @kg. */
static bool la_gw_verify(const void *msg, size_t len, const u8 *kg,
			 const u8 *idg, const u8 *rg, const u8 *rs)
{
	u8 suite = la_suite(msg), k[LA_KEY_LEN];
	bool ok;

	if (*(const u8 *)msg == LITEAUTH_MSG_GW_HELLO)
		ok = !la_derive(suite, LA_KG_HELLO, kg, idg, NULL, NULL, k) &&
		     !la_gw_hello_verify(msg, len, k);
	else
		ok = !la_derive(suite, LA_KG_CONF, kg, idg, rg, rs, k) &&
		     !la_gw_confirm_verify(msg, len, k);
	memzero_explicit(k, sizeof(k));
	return ok;
}

/*
 * The gateway of a GW_* message, if it is known, enabled, and its tag
 * verifies (with Kg_conf over @rg, @rs for GW_CONFIRM). A gateway that
 * proved itself is checked with the key in memory, and its record read
 * again at most every LA_SRV_GW_RECHECK_MS; any other read of the store
 * is paid for from the gateway budget first.
 */
static bool la_gateway(struct la_server *s, const void *msg, size_t len,
		       const u8 *idg, const u8 *rg, const u8 *rs,
		       struct la_gwctx *gw)
{
	const struct la_server_limits *l = &s->limits;
	struct la_srv_gw *g = la_gw_find(s, idg);
	u64 now = la_now(s);
	struct la_principal rec;
	enum la_srv_counter c = LA_SRV_DROP_GATEWAY;
	char id[17];
	bool ok;
	int ret;

	memset(gw, 0, sizeof(*gw));
	gw->idg = idg;
	gw->suite = la_suite(msg);
	ok = g && la_gw_verify(msg, len, g->kg, idg, rg, rs);
	if (g && now - g->checked < LA_SRV_GW_RECHECK_MS * LA_MS)
		goto done;
	/* Authentic under the key in memory: its record is read again
	 * (once a recheck period at most). Anything else pays first.
	 */
	if (!ok && !la_bucket_take(&s->gateway, now, l->rate_gateway,
				   l->burst_gateway)) {
		la_refused(s, LA_SRV_DROP_RATE_GATEWAY, idg, NULL,
			   LA_AUDIT_RATE, LA_AUDIT_F_CLAIMED);
		la_note(s, LA_SRV_DROP_RATE_GATEWAY,
			"gateway %s: refused, gateway lookups rate limited",
			la_id(idg, id));
		return false;
	}
	ret = la_store_get(s->store, LA_GATEWAY, idg, &rec);
	if (ret && ret != -ENOENT) {
		/* The store failed: what memory holds stands, for now. */
		c = LA_SRV_DROP_STORE;
	} else if (ret || !rec.enabled) {
		ok = false;
		if (g)
			la_gw_free(s, g);
		g = NULL;
	} else {
		ok = la_gw_verify(msg, len, rec.key, idg, rg, rs);
		if (!g && ok)
			g = la_gw_new(s, idg, now);
		if (g) {
			memcpy(g->kg, rec.key, LA_KEY_LEN);
			g->checked = now;
		}
	}
	la_principal_wipe(&rec);
done:
	if (ok && g) {
		memcpy(gw->kg, g->kg, LA_KEY_LEN);
		gw->g = g;
		return true;
	}
	la_refused(s, c, idg, NULL, LA_AUDIT_BAD_GATEWAY, LA_AUDIT_F_CLAIMED);
	la_note(s, c, "gateway %s: unknown, disabled or not authentic",
		la_id(idg, id));
	return false;
}

static size_t la_gw_hello(struct la_server *s, const struct la_gw_hello *m,
			  u8 *reply)
{
	struct la_gwctx gw;
	size_t n = 0;

	if (la_gateway(s, m, sizeof(*m), m->idg, NULL, NULL, &gw)) {
		gw.m = m;
		n = la_hello(s, &m->hello, &gw, reply);
	}
	memzero_explicit(&gw, sizeof(gw));
	return n;
}

/*
 * A GW_CONFIRM, verified, of a handshake the server does not have: it
 * restarted since its GW_KEY. The session is recorded on the gateway's
 * word, unless the device holds a live session or a handshake here.
 */
static void la_on_word(struct la_server *s, struct la_session *d,
		       const struct la_gw_confirm *m, struct la_gwctx *gw)
{
	const struct la_server_limits *l = &s->limits;
	const u8 *idd = m->confirm.idd;
	u16 sid = la_get_be16(m->sid);
	u64 now = la_now(s);
	struct la_principal dev;
	char id[17], gid[17];
	enum la_srv_counter c = 0;
	u8 reason = 0;
	int ret;

	if (!la_bucket_take(&gw->g->unknown, now, l->rate_unknown,
			    l->burst_unknown)) {
		c = LA_SRV_DROP_RATE_UNKNOWN;
		reason = LA_AUDIT_RATE;
		goto refused;
	}
	ret = la_store_get(s->store, LA_DEVICE, idd, &dev);
	if (ret) {
		c = ret == -ENOENT ? LA_SRV_DROP_UNKNOWN : LA_SRV_DROP_STORE;
		reason = ret == -ENOENT ? LA_AUDIT_UNKNOWN : LA_AUDIT_BUSY;
		goto refused;
	}
	if (!dev.enabled) {
		c = LA_SRV_DROP_DISABLED;
		reason = LA_AUDIT_DISABLED;
	} else if (!d) {
		d = la_session_new(s, idd, now);
	}
	if (!c && (!d || (!d->k_valid &&
			  la_session_learn(d, &dev, la_suite(m))))) {
		c = LA_SRV_DROP_BUSY;
		reason = LA_AUDIT_BUSY;
	}
	la_principal_wipe(&dev);
	if (c)
		goto refused;
	d->live = true;
	d->gateway = true;
	d->own_sid = !la_sid_test(s, sid);
	if (d->own_sid)
		la_sid_set(s, sid, true);
	d->sid = sid;
	d->expires = now + (u64)l->life * 60 * LA_NS;
	memcpy(d->idg, m->idg, LA_ID_LEN);
	memcpy(d->rs, m->rs, LA_NONCE_LEN);
	s->counters[LA_SRV_CONFIRMED_WORD]++;
	la_log(s, "device %s authenticated on the word of gateway %s, session %u%s (the server no longer had its handshake)",
	       la_id(idd, id), la_id(m->idg, gid), sid,
	       d->own_sid ? "" : ", a SID in use here");
	la_audit_auth(s, m->idg, idd, 0, LA_AUDIT_F_GATEWAY_WORD);
	return;

refused:
	la_refused(s, c, m->idg, idd, reason, LA_AUDIT_F_CLAIMED);
	la_note(s, c, "device %s: GW_CONFIRM of a lost handshake refused: %s",
		la_id(idd, id), la_server_counter_name(c));
}

static void la_gw_confirm(struct la_server *s, const struct la_gw_confirm *m)
{
	const u8 *idd = m->confirm.idd;
	u16 sid = la_get_be16(m->sid);
	struct la_session *d;
	struct la_pending *p;
	struct la_gwctx gw;
	char id[17];

	if (!la_gateway(s, m, sizeof(*m), m->idg, m->rg, m->rs, &gw))
		goto out;
	d = la_session_find(s, idd);
	p = d ? d->pending : NULL;
	if (p && p->gateway && !memcmp(p->idg, m->idg, LA_ID_LEN) &&
	    !memcmp(p->rs, m->rs, LA_NONCE_LEN) && p->grant.sid == sid) {
		if (la_confirm_ok(p, &m->confirm)) {
			la_established(s, d, la_now(s));
		} else {
			la_refused(s, LA_SRV_DROP_AUTH, m->idg, idd,
				   LA_AUDIT_BAD_CONFIRM, LA_AUDIT_F_CLAIMED);
			la_note(s, LA_SRV_DROP_AUTH,
				"device %s: CONFIRM does not verify",
				la_id(idd, id));
		}
	} else if (d && d->live && d->gateway &&
		   !memcmp(d->idg, m->idg, LA_ID_LEN) &&
		   !memcmp(d->rs, m->rs, LA_NONCE_LEN) && d->sid == sid) {
		s->counters[LA_SRV_CONFIRM_REPEAT]++;
	} else if (p || (d && d->live)) {
		/* Not the handshake the server has, nor its live session. */
		s->counters[LA_SRV_DROP_NO_HANDSHAKE]++;
		la_note(s, LA_SRV_DROP_NO_HANDSHAKE,
			"device %s: GW_CONFIRM of another handshake",
			la_id(idd, id));
	} else {
		la_on_word(s, d, m, &gw);
	}
out:
	memzero_explicit(&gw, sizeof(gw));
}

size_t la_server_handle(struct la_server *s, const void *msg, size_t len,
			u8 *reply)
{
	enum la_err err = la_check(msg, len);

	la_interval_check(s, la_now(s));
	if (err) {
		s->counters[LA_SRV_DROP_MALFORMED]++;
		la_note(s, LA_SRV_DROP_MALFORMED, "message dropped: %s",
			la_strerror(err));
		return 0;
	}
	switch (*(const u8 *)msg) {
	case LITEAUTH_MSG_HELLO:
		return la_hello(s, msg, NULL, reply);
	case LITEAUTH_MSG_CONFIRM:
		return la_confirm(s, msg, reply);
	case LITEAUTH_MSG_GW_HELLO:
		return la_gw_hello(s, msg, reply);
	case LITEAUTH_MSG_GW_CONFIRM:
		la_gw_confirm(s, msg);
		return 0;
	default:
		s->counters[LA_SRV_DROP_MALFORMED]++;
		la_note(s, LA_SRV_DROP_MALFORMED,
			"message dropped: type %#x is not for the server",
			*(const u8 *)msg);
		return 0;
	}
}

static void la_session_free(struct la_server *s, struct la_session **dp)
{
	struct la_session *d = *dp;

	*dp = d->next;
	if (d->pending)
		la_pending_free(s, d, true);
	la_session_end(s, d);
	memzero_explicit(d, sizeof(*d));
	free(d);
	s->nsessions--;
}

void la_server_expire(struct la_server *s)
{
	const struct la_server_limits *l = &s->limits;
	u64 now = la_now(s);
	struct la_session **dp, *d;
	u32 i;

	la_interval_check(s, now);
	for (i = 0; i < LA_SRV_BUCKETS; i++) {
		for (dp = &s->sessions[i]; (d = *dp);) {
			if (d->pending && now - d->pending->started >=
					  (u64)l->pending_ms * LA_MS)
				la_pending_free(s, d, true);
			if (d->live && now >= d->expires)
				la_session_end(s, d);
			/* Nothing here the store does not hold. */
			if (!d->pending && !d->live &&
			    d->ctr <= d->stored_ctr &&
			    la_bucket_full(&d->bucket, now, l->rate_device,
					   l->burst_device))
				la_session_free(s, dp);
			else
				dp = &d->next;
		}
	}
}

static int la_gw_load_one(void *arg, const struct la_principal *p)
{
	struct la_server *s = arg;
	struct la_srv_gw *g;
	u64 now = la_now(s);

	if (!p->enabled)
		return 0;
	g = la_gw_find(s, p->id) ?: la_gw_new(s, p->id, now);
	if (!g)
		return -ENOMEM;
	memcpy(g->kg, p->key, LA_KEY_LEN);
	g->checked = now;
	g->seen = true;
	return 0;
}

/*
 * Every enabled gateway of the store, in memory: a gateway is never one
 * the server does not know, whatever a flood of made-up IDs spends of
 * the budget of gateway lookups. Those no longer there (or disabled) go.
 */
static void la_gw_load(struct la_server *s)
{
	struct la_srv_gw *g, *next;
	u32 i;

	for (i = 0; i < LA_SRV_GW_BUCKETS; i++)
		for (g = s->gateways[i]; g; g = g->next)
			g->seen = false;
	if (la_store_list(s->store, LA_GATEWAY, la_gw_load_one, s))
		return;		/* what is there stays, as it was */
	for (i = 0; i < LA_SRV_GW_BUCKETS; i++)
		for (g = s->gateways[i]; g; g = next) {
			next = g->next;
			if (!g->seen)
				la_gw_free(s, g);
		}
}

void la_server_resync(struct la_server *s)
{
	struct la_principal dev;
	struct la_session *d;
	u8 k[LA_KEY_LEN];
	bool changed;
	u32 i;
	int ret;

	for (i = 0; i < LA_SRV_BUCKETS; i++) {
		for (d = s->sessions[i]; d; d = d->next) {
			ret = la_store_get(s->store, LA_DEVICE, d->idd, &dev);
			if (ret && ret != -ENOENT)
				continue;	/* try again next time */
			changed = ret || dev.ctr < d->stored_ctr;
			if (!changed && d->k_valid)
				changed = la_derive(d->suite, LA_K_HELLO,
						    dev.key, d->idd, NULL,
						    NULL, k) ||
					  crypto_memneq(k, d->k_hello,
							LA_KEY_LEN);
			memzero_explicit(k, sizeof(k));
			if (changed) {
				if (d->pending)
					la_pending_free(s, d, true);
				d->k_valid = false;
				memzero_explicit(d->k_hello,
						 sizeof(d->k_hello));
				d->ctr = ret ? 0 : dev.ctr;
				d->stored_ctr = d->ctr;
			}
			la_principal_wipe(&dev);
		}
	}
	la_gw_load(s);
}

int la_server_init(struct la_server *s, struct la_store *store,
		   const struct la_server_limits *limits,
		   const struct la_server_ops *ops, void *arg)
{
	u64 now = ops->now(arg);

	memset(s, 0, sizeof(*s));
	s->store = store;
	s->limits = *limits;
	s->ops = ops;
	s->arg = arg;
	s->sessions = calloc(LA_SRV_BUCKETS, sizeof(*s->sessions));
	s->gateways = calloc(LA_SRV_GW_BUCKETS, sizeof(*s->gateways));
	s->summaries = calloc(LA_SUMMARY_SLOTS, sizeof(*s->summaries));
	s->summary_records = calloc(LA_SUMMARY_RECORDS,
				    sizeof(*s->summary_records));
	if (!s->sessions || !s->gateways || !s->summaries ||
	    !s->summary_records) {
		la_server_destroy(s);
		return -ENOMEM;
	}
	ops->random(arg, &s->hash_seed, sizeof(s->hash_seed));
	la_bucket_init(&s->global, now, limits->rate_global,
		       limits->burst_global);
	la_bucket_init(&s->unknown, now, limits->rate_unknown,
		       limits->burst_unknown);
	la_bucket_init(&s->gateway, now, limits->rate_gateway,
		       limits->burst_gateway);
	s->interval_start = now;
	s->interval_wall = ops->wall(arg);
	la_gw_load(s);
	return 0;
}

void la_server_destroy(struct la_server *s)
{
	u32 i;

	/* Nothing recorded is lost. */
	if (s->sessions)
		la_flush(s);
	if (s->summaries && s->summary_records)
		la_interval_end(s, la_now(s));
	for (i = 0; s->sessions && i < LA_SRV_BUCKETS; i++)
		while (s->sessions[i])
			la_session_free(s, &s->sessions[i]);
	for (i = 0; s->gateways && i < LA_SRV_GW_BUCKETS; i++)
		while (s->gateways[i])
			la_gw_free(s, s->gateways[i]);
	free(s->sessions);
	free(s->gateways);
	free(s->summaries);
	free(s->summary_records);
	s->sessions = NULL;
	s->gateways = NULL;
	s->summaries = NULL;
	s->summary_records = NULL;
}
