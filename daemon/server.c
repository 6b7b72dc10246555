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

/* A SID held in its space: by a handshake, a session, or one left. */
struct la_sidref {
	struct la_space *sp;	/* NULL: none */
	u16 sid;
	bool own;		/* its bit is set for this one, not another's */
};

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
	u8 key_fp[LA_KEY_FP_LEN];	/* of the device's key it used */
	struct la_sidref ref;	/* grant.sid */
	bool counted;		/* in npending: the device's handshake */
	/* Its SID came from the cursor, at @pos: listed in its space. */
	bool listed;
	u32 pos;
	struct la_pending *older, *newer;
};

/*
 * A SID space (server.h, "SIDs"). Positions are counted in u32 and
 * compared modulo 2^32; a SID is its position's low 16 bits.
 */
struct la_space {
	struct la_space *next;
	bool gateway;
	u8 idg[LA_ID_LEN];
	u8 *used;		/* a bit per SID held; NULL while none is */
	u32 nused;
	u32 cursor;		/* the position handed out next, if free */
	u32 hwm;		/* handed out below it only: the store's */
	bool marked;		/* its marks are in the store */
	u16 life;		/* the longest life the stored marks cover */
	/* Its listed handshakes, oldest first: lo is the oldest's. */
	struct la_pending *oldest, *newest;
	/* Restarts' quarantines: positions [lo, hi), until (monotonic). */
	unsigned int nq;
	struct {
		u32 lo, hi;
		u64 until;
	} q[LA_SID_QUARANTINES];
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
	struct la_sidref ref;	/* its SID, while live */
	u64 expires;
	u8 idg[LA_ID_LEN];
	u8 rs[LA_NONCE_LEN];
	struct la_confirm confirm;	/* direct: what established it */
	struct la_ack ack;		/* and what answered it */
	u64 ack_sent;
	/* The session it left at another gateway, held until it expires. */
	struct la_sidref left;
	u64 left_expires;
	/*
	 * A handshake answered with a GW_KEY before the restart, from its
	 * record (store.h, la_handshake): until @hs_until (monotonic), its
	 * GW_CONFIRM, and no other, is taken on its gateway's word, once.
	 */
	bool restored;
	struct la_handshake hs;
	u64 hs_until;
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
	[LA_SRV_SID_REUSED] = "sid-reused",
	[LA_SRV_SID_FULL] = "sid-full",
	[LA_SRV_SID_MARKS] = "sid-marks",
	[LA_SRV_SID_CLASH] = "sid-clash",
	[LA_SRV_STORE_RETRY] = "store-retry",
	[LA_SRV_DROP_CONFIRM] = "drop-confirm",
};

const char *la_server_counter_name(enum la_srv_counter c)
{
	return (unsigned int)c < LA_SRV_MAX ? la_counter_names[c] : "?";
}

/*
 * The reason an audit summary records for a refusal counted under each
 * counter (0: not summed up), one each: the audit prints the counter's
 * name (la_audit_reason_name).
 */
static const u8 la_reason_of[LA_SRV_MAX] = {
	[LA_SRV_DROP_UNKNOWN] = LA_AUDIT_UNKNOWN,
	[LA_SRV_DROP_AUTH] = LA_AUDIT_BAD_MAC,
	[LA_SRV_DROP_DISABLED] = LA_AUDIT_DISABLED,
	[LA_SRV_DROP_RATE] = LA_AUDIT_RATE,
	[LA_SRV_DROP_BUSY] = LA_AUDIT_BUSY,
	[LA_SRV_DROP_STALE] = LA_AUDIT_STALE,
	[LA_SRV_DROP_CONFIRM] = LA_AUDIT_BAD_CONFIRM,
	[LA_SRV_DROP_GATEWAY] = LA_AUDIT_BAD_GATEWAY,
	[LA_SRV_DROP_RATE_UNKNOWN] = LA_AUDIT_RATE_UNKNOWN,
	[LA_SRV_DROP_RATE_GATEWAY] = LA_AUDIT_RATE_GATEWAY,
	[LA_SRV_DROP_STORE] = LA_AUDIT_STORE,
};

const char *la_audit_reason_name(u8 reason)
{
	unsigned int c;

	if (!reason)
		return "-";
	for (c = 0; c < LA_SRV_MAX; c++)
		if (la_reason_of[c] == reason)
			return la_counter_names[c];
	return "?";
}

/* The GW_REJECT REASON (1 to 6) of a refused HELLO's audit reason. */
static u8 la_reject_reason(u8 reason)
{
	switch (reason) {
	case LA_AUDIT_RATE_UNKNOWN:
		return LITEAUTH_REJECT_RATE_LIMITED;
	case LA_AUDIT_STORE:
		return LITEAUTH_REJECT_SERVER_BUSY;
	default:
		return reason;
	}
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

/* A summary line of la_quiet (quiet.h): always logged. */
static void la_quiet_said(void *arg, const char *line)
{
	la_log(arg, "%s", line);
}

static u64 la_now(struct la_server *s)
{
	return s->ops->now(s->arg);
}

/*
 * An event counted under @c: logged if it is the first of its kind in the
 * audit interval, else counted into one line at the interval's end
 * (la_interval_end ends the windows of s->quiet).
 */
static void la_note(struct la_server *s, enum la_srv_counter c,
		    const char *fmt, ...)
{
	va_list ap;

	if (!la_quiet_take(&s->quiet[c], la_now(s), la_quiet_said, s))
		return;
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

static struct la_session *la_session_find(struct la_server *s, const u8 *idd)
{
	struct la_session *d;

	for (d = s->sessions[la_hash(s, idd, LA_SRV_BUCKETS)]; d; d = d->next)
		if (!memcmp(d->idd, idd, LA_ID_LEN))
			return d;
	return NULL;
}

/* The records waiting are in the store now. */
static void la_flushed(struct la_server *s)
{
	struct la_session *d;
	unsigned int i;

	/* The store has these CTRs now: see la_server_expire(). */
	for (i = 0; i < s->nrecords; i++) {
		d = la_session_find(s, s->records[i].idd);
		if (d)
			d->stored_ctr = max(d->stored_ctr, s->records[i].ctr);
	}
	s->nrecords = 0;
}

/*
 * Authentications: one record each, written at the commit. Records whose
 * commit failed stay, in order, and go with the next commit (logged, once
 * an audit interval, and counted as store-retry); only when LA_SRV_RECORDS
 * are waiting is the oldest given up for a new one (la_record_new).
 */
static void la_flush(struct la_server *s)
{
	int err;

	if (!s->nrecords)
		return;
	err = la_store_record(s->store, s->records, s->nrecords,
			      s->limits.audit_keep,
			      s->limits.audit_refusals_keep);
	if (!err) {
		la_flushed(s);
		return;
	}
	s->counters[LA_SRV_STORE_RETRY]++;
	la_note(s, LA_SRV_STORE_RETRY,
		"key store: writing %u records failed (%s): kept, written with the next commit",
		s->nrecords, strerror(-err));
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

static void la_held_of(struct la_server *s, const struct la_session *d,
		       u64 now, struct la_held *h);

/* Unix time, rounded up, of monotonic @t. */
static u64 la_wall_of(u64 t, u64 now, u64 wall)
{
	return t > now ? wall + (t - now + LA_NS - 1) / LA_NS : wall;
}

/*
 * A record of device @d's handshake under the key of fingerprint @key_fp,
 * to be written at the commit: should the device be rekeyed before, its
 * CTR and handshake stay (store.h, la_store_record).
 */
static struct la_audit *la_record_new(struct la_server *s,
				      const struct la_session *d,
				      const u8 *key_fp)
{
	struct la_audit *a;

	if (s->nrecords == LA_SRV_RECORDS) {	/* the store failed them all */
		s->counters[LA_SRV_DROP_STORE]++;
		la_note(s, LA_SRV_DROP_STORE,
			"key store: %u records waiting, the store failing: the oldest is lost",
			s->nrecords);
		memmove(s->records, s->records + 1,
			(LA_SRV_RECORDS - 1) * sizeof(*s->records));
		s->nrecords--;
	}
	a = &s->records[s->nrecords++];
	memset(a, 0, sizeof(*a));
	a->time = s->ops->wall(s->arg);
	memcpy(a->idd, d->idd, LA_ID_LEN);
	a->keyed = true;
	memcpy(a->key_fp, key_fp, LA_KEY_FP_LEN);
	return a;
}

static void la_record_done(struct la_server *s)
{
	if (!s->deferring || s->nrecords == LA_SRV_RECORDS)
		la_flush(s);
}

/* @d authenticated through gateway @idg (or directly): its record. */
static void la_audit_auth(struct la_server *s, const struct la_session *d,
			  const u8 *idg, u32 ctr, const u8 *key_fp, u8 flags,
			  u64 now)
{
	struct la_audit *a = la_record_new(s, d, key_fp);

	a->flags = flags;
	a->count = 1;
	a->ctr = ctr;
	if (idg)
		memcpy(a->idg, idg, LA_ID_LEN);
	a->sessions = true;
	la_held_of(s, d, now, a->held);
	la_record_done(s);
}

/*
 * @p, @d's handshake, was answered with a GW_KEY: its record keeps it
 * until it is over, with a second to spare for the rounding to Unix
 * seconds, so that after a restart its GW_CONFIRM is taken on its
 * gateway's word.
 */
static void la_audit_answered(struct la_server *s, const struct la_session *d,
			      const struct la_pending *p, u64 now)
{
	struct la_audit *a = la_record_new(s, d, p->key_fp);
	u64 until = p->started + (u64)s->limits.pending_ms * LA_MS;

	a->answered = true;
	memcpy(a->hs.idg, p->idg, LA_ID_LEN);
	memcpy(a->hs.rs, p->rs, LA_NONCE_LEN);
	a->hs.sid = p->grant.sid;
	a->hs.ctr = p->ctr;
	a->ctr = p->ctr;	/* used once answered: la_flushed() stores it */
	a->hs.expires = la_wall_of(until, now, a->time) + 1;
	la_record_done(s);
}

/*
 * Sums one refusal into the interval's summary of its kind. A new kind
 * gets a summary of its own while the table has room, and a claim while
 * fewer than LA_SRV_SUMMARY_CLAIMED_MAX claims have one (server.h); else
 * it is summed into its reason's overflow summary.
 */
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
	if (s->nsummaries == LA_SRV_SUMMARY_MAX ||
	    ((flags & LA_AUDIT_F_CLAIMED) &&
	     s->nclaimed == LA_SRV_SUMMARY_CLAIMED_MAX)) {
		u32 *o = &s->overflow[reason][flags & LA_AUDIT_F_CLAIMED];

		s->counters[LA_SRV_AUDIT_OVERFLOW]++;
		if (*o != 0xffffffffu)
			(*o)++;
		return;
	}
	/* Half the slots at most are used: there is a free one. */
	s->nsummaries++;
	if (flags & LA_AUDIT_F_CLAIMED)
		s->nclaimed++;
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
	if (n) {
		int err = la_store_record(s->store, a, n, s->limits.audit_keep,
					  s->limits.audit_refusals_keep);

		if (err) {
			s->counters[LA_SRV_DROP_STORE] += n;
			la_log(s, "key store: writing %u summaries of refusals failed (%s): lost",
			       n, strerror(-err));
		}
	}
	for (c = 0; c < LA_SRV_MAX; c++)
		la_quiet_end(&s->quiet[c], now, la_quiet_said, s);
	memset(s->summaries, 0, LA_SUMMARY_SLOTS * sizeof(*s->summaries));
	memset(s->overflow, 0, sizeof(s->overflow));
	s->nsummaries = 0;
	s->nclaimed = 0;
	s->interval_start = now;
	s->interval_wall = s->ops->wall(s->arg);
}

static void la_interval_check(struct la_server *s, u64 now)
{
	if (now - s->interval_start >= (u64)s->limits.audit_interval * LA_NS)
		la_interval_end(s, now);
}

/* A refusal: counted, and summed up if its counter has a reason. */
static void la_refused(struct la_server *s, enum la_srv_counter c,
		       const u8 *idg, const u8 *idd, u8 flags)
{
	s->counters[c]++;
	if (la_reason_of[c])
		la_summarize(s, idg, idd, la_reason_of[c], flags);
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

/* Whether position @a comes before @b, modulo 2^32. */
static bool la_before(u32 a, u32 b)
{
	return (int32_t)(a - b) < 0;
}

static struct la_space *la_space_find(struct la_server *s, bool gateway,
				      const u8 *idg)
{
	struct la_space *sp;

	if (!gateway)
		return s->direct;
	for (sp = s->spaces[la_hash(s, idg, LA_SRV_GW_BUCKETS)]; sp;
	     sp = sp->next)
		if (!memcmp(sp->idg, idg, LA_ID_LEN))
			return sp;
	return NULL;
}

/*
 * The space of gateway @idg (or the direct one), made if it is new: then
 * its cursor starts at a random SID, or with !@draw where the caller sets.
 */
static struct la_space *la_space_get(struct la_server *s, bool gateway,
				     const u8 *idg, bool draw)
{
	struct la_space *sp = la_space_find(s, gateway, idg);
	u8 r[2] = { 0, 0 };
	u32 h;

	if (sp)
		return sp;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	sp->gateway = gateway;
	if (draw)
		s->ops->random(s->arg, r, sizeof(r));
	sp->cursor = r[0] << 8 | r[1];
	sp->hwm = sp->cursor;
	if (gateway) {
		memcpy(sp->idg, idg, LA_ID_LEN);
		h = la_hash(s, idg, LA_SRV_GW_BUCKETS);
		sp->next = s->spaces[h];
		s->spaces[h] = sp;
	} else {
		s->direct = sp;
	}
	s->nspaces++;
	return sp;
}

static bool la_sid_held(const struct la_space *sp, u16 sid)
{
	return sp->used && (sp->used[sid / 8] & (1 << (sid % 8)));
}

static bool la_quarantined(const struct la_space *sp, u16 sid, u64 now)
{
	unsigned int i;
	u32 span;

	for (i = 0; i < sp->nq; i++) {
		span = sp->q[i].hi - sp->q[i].lo;
		if (now < sp->q[i].until &&
		    (span >= 65536 || (u16)(sid - sp->q[i].lo) < span))
			return true;
	}
	return false;
}

/* Forgets the quarantines that are over. */
static void la_quarantine_expire(struct la_space *sp, u64 now)
{
	unsigned int i = 0;

	while (i < sp->nq) {
		if (now >= sp->q[i].until)
			sp->q[i] = sp->q[--sp->nq];
		else
			i++;
	}
}

/*
 * Holds positions [@lo, @hi) of @sp until @until; when there are too many
 * quarantines, into the one whose span with it is the least.
 */
static void la_quarantine_add(struct la_space *sp, u32 lo, u32 hi,
			      u64 until, u64 now)
{
	unsigned int i, best = 0;
	u32 span, least = 0xffffffffu, l, h;

	la_quarantine_expire(sp, now);
	if (lo == hi || now >= until)
		return;
	if (sp->nq < LA_SID_QUARANTINES) {
		sp->q[sp->nq].lo = lo;
		sp->q[sp->nq].hi = hi;
		sp->q[sp->nq++].until = until;
		return;
	}
	for (i = 0; i < sp->nq; i++) {
		l = la_before(sp->q[i].lo, lo) ? sp->q[i].lo : lo;
		h = la_before(hi, sp->q[i].hi) ? sp->q[i].hi : hi;
		span = h - l;
		if (span < least) {
			least = span;
			best = i;
		}
	}
	if (la_before(lo, sp->q[best].lo))
		sp->q[best].lo = lo;
	if (la_before(sp->q[best].hi, hi))
		sp->q[best].hi = hi;
	sp->q[best].until = max(sp->q[best].until, until);
}

static bool la_sid_free(const struct la_space *sp, u16 sid, u64 now)
{
	return !la_sid_held(sp, sid) && !la_quarantined(sp, sid, now);
}

/* Holds @sid in @sp: 1, or 0 if it is held already, or -ENOMEM. */
static int la_sid_take(struct la_space *sp, u16 sid)
{
	if (la_sid_held(sp, sid))
		return 0;
	if (!sp->used) {
		sp->used = calloc(65536 / 8, 1);
		if (!sp->used)
			return -ENOMEM;
	}
	sp->used[sid / 8] |= 1 << (sid % 8);
	sp->nused++;
	return 1;
}

static void la_sid_drop(struct la_space *sp, u16 sid)
{
	if (!la_sid_held(sp, sid))
		return;
	sp->used[sid / 8] &= ~(1 << (sid % 8));
	if (!--sp->nused) {
		free(sp->used);
		sp->used = NULL;
	}
}

/*
 * Lets go of @r, one of @d's SIDs that is no longer attached: its bit goes
 * to another of @d's in the same space with the same SID, if one shares
 * it (a renewal's, see la_sid_alloc), else it is cleared.
 */
static void la_ref_put(struct la_session *d, struct la_sidref *r)
{
	struct la_sidref *o[3] = { &d->ref, &d->left,
				   d->pending ? &d->pending->ref : NULL };
	int i;

	if (r->sp && r->own) {
		for (i = 0; i < 3; i++) {
			if (o[i] && o[i] != r && o[i]->sp == r->sp &&
			    o[i]->sid == r->sid && !o[i]->own) {
				o[i]->own = true;
				break;
			}
		}
		if (i == 3)
			la_sid_drop(r->sp, r->sid);
	}
	r->sp = NULL;
	r->own = false;
}

static void la_pending_list(struct la_space *sp, struct la_pending *p)
{
	p->listed = true;
	p->older = sp->newest;
	p->newer = NULL;
	if (sp->newest)
		sp->newest->newer = p;
	else
		sp->oldest = p;
	sp->newest = p;
}

static void la_pending_unlist(struct la_pending *p)
{
	struct la_space *sp = p->ref.sp;

	if (!p->listed)
		return;
	if (p->older)
		p->older->newer = p->newer;
	else
		sp->oldest = p->newer;
	if (p->newer)
		p->newer->older = p->older;
	else
		sp->newest = p->older;
	p->listed = false;
	p->older = p->newer = NULL;
}

/* @to takes @from's place in its space's list (the same SID, shared). */
static void la_pending_inherit(struct la_pending *from, struct la_pending *to)
{
	struct la_space *sp = from->ref.sp;

	to->listed = true;
	to->pos = from->pos;
	to->older = from->older;
	to->newer = from->newer;
	if (to->older)
		to->older->newer = to;
	else
		sp->oldest = to;
	if (to->newer)
		to->newer->older = to;
	else
		sp->newest = to;
	from->listed = false;
	from->older = from->newer = NULL;
}

/*
 * Forgets @p, @d's handshake or one being made for it: its SID goes back
 * unless another of @d's shares it.
 */
static void la_pending_drop(struct la_server *s, struct la_session *d,
			    struct la_pending *p)
{
	struct la_sidref r = p->ref;

	la_pending_unlist(p);
	p->ref.sp = NULL;
	if (d->pending == p)
		d->pending = NULL;
	if (p->counted)
		s->npending--;
	la_ref_put(d, &r);
	memzero_explicit(p, sizeof(*p));
	free(p);
}

/* The one place a live session starts or ends: nlive follows it. */
static void la_live(struct la_server *s, struct la_session *d, bool live)
{
	if (d->live == live)
		return;
	d->live = live;
	if (live)
		s->nlive++;
	else
		s->nlive--;
}

static void la_session_end(struct la_server *s, struct la_session *d)
{
	struct la_sidref r = d->ref;

	la_live(s, d, false);
	d->ref.sp = NULL;
	d->ref.own = false;
	la_ref_put(d, &r);
}

static void la_left_end(struct la_session *d)
{
	struct la_sidref r = d->left;

	d->left.sp = NULL;
	d->left.own = false;
	la_ref_put(d, &r);
}

static void la_held_set(struct la_held *h, const struct la_sidref *r,
			u64 expires)
{
	h->gateway = r->sp->gateway;
	memcpy(h->idg, r->sp->idg, LA_ID_LEN);
	h->sid = r->sid;
	h->expires = max(expires, 1ULL);
}

/* What @d's record says it holds (store.h, la_held). */
static void la_held_of(struct la_server *s, const struct la_session *d,
		       u64 now, struct la_held *h)
{
	u64 wall = s->ops->wall(s->arg);

	memset(h, 0, LA_HELD_MAX * sizeof(*h));
	if (d->live)
		la_held_set(&h[0], &d->ref, la_wall_of(d->expires, now, wall));
	if (d->left.sp)
		la_held_set(&h[1], &d->left,
			    la_wall_of(d->left_expires, now, wall));
}

/*
 * A renewal takes @r, a SID @d holds in a full space: its record says so
 * first, until a session from this handshake could end.
 */
static int la_sid_share(struct la_server *s, struct la_session *d,
			const struct la_sidref *r, u64 now)
{
	struct la_held h[LA_HELD_MAX];
	u64 until = s->ops->wall(s->arg) + s->limits.pending_ms / 1000 + 1 +
		    (u64)s->limits.life * 60;
	int i;

	la_held_of(s, d, now, h);
	for (i = 0; i < LA_HELD_MAX; i++)
		if (h[i].expires && h[i].gateway == r->sp->gateway &&
		    !memcmp(h[i].idg, r->sp->idg, LA_ID_LEN) &&
		    h[i].sid == r->sid)
			break;
	if (i == LA_HELD_MAX)	/* its handshake's alone: a free slot */
		i = h[0].expires ? 1 : 0;
	la_held_set(&h[i], r, max(h[i].expires, until));
	/* Nothing waiting to be written may undo it. */
	la_flush(s);
	return la_store_held(s->store, d->idd, h);
}

/* The next free SID of @sp from position @from on, in one lap. */
static bool la_sid_next(const struct la_space *sp, u32 from, u64 now,
			u32 *pos)
{
	u32 i;

	for (i = 0; i < 65536; i++) {
		u16 c = from + i;

		if (sp->used && !(c % 8) && sp->used[c / 8] == 0xff) {
			i += 7;
			continue;
		}
		if (la_sid_free(sp, c, now)) {
			*pos = from + i;
			return true;
		}
	}
	return false;
}

/*
 * Reserves the block of @sp that starts at @pos, a free SID: its marks go
 * to the store, with the authentications waiting (so that lo may pass
 * them), before any SID of it is handed out.
 */
static int la_sid_reserve(struct la_server *s, struct la_space *sp, u32 pos,
			  u64 now)
{
	u32 want = min(max((65536 - sp->nused) / 64, 1U), LA_SRV_SID_BLOCK);
	u64 wall = s->ops->wall(s->arg);
	struct la_sid_mark m;
	u32 end, n = 0, i;
	int err;

	for (end = pos; n < want && end - pos < 65536; end++)
		n += la_sid_free(sp, end, now);
	memset(&m, 0, sizeof(m));
	m.gateway = sp->gateway;
	memcpy(m.idg, sp->idg, LA_ID_LEN);
	m.hwm = end;
	m.lo = pos;
	if (sp->oldest && la_before(sp->oldest->pos, m.lo))
		m.lo = sp->oldest->pos;
	m.life = s->limits.life;
	la_quarantine_expire(sp, now);
	for (i = 0; i < sp->nq; i++) {
		m.q[i].lo = sp->q[i].lo;
		m.q[i].hi = sp->q[i].hi;
		m.q[i].until = la_wall_of(sp->q[i].until, now, wall);
	}
	m.nq = sp->nq;
	err = la_store_record_mark(s->store, s->records, s->nrecords,
				   s->limits.audit_keep,
				   s->limits.audit_refusals_keep, &m);
	if (err)
		return err;
	la_flushed(s);
	sp->hwm = m.hwm;
	sp->life = m.life;
	sp->marked = true;
	s->counters[LA_SRV_SID_MARKS]++;
	return 0;
}

/*
 * A SID in @sp for @p, the handshake being made for @d: the next free
 * one, from a block reserved in the store; in a full space, one @d holds
 * there itself, shared. -EBUSY if there is none, or the store's error.
 */
static int la_sid_alloc(struct la_server *s, struct la_session *d,
			struct la_space *sp, struct la_pending *p, u64 now)
{
	const struct la_sidref *mine = NULL;
	u32 pos;
	int err;

	if (la_sid_next(sp, sp->cursor, now, &pos)) {
		if (!sp->marked || !la_before(pos, sp->hwm) ||
		    s->limits.life > sp->life) {
			err = la_sid_reserve(s, sp, pos, now);
			if (err)
				return err;
		}
		err = la_sid_take(sp, pos);
		if (err < 0)
			return err;
		sp->cursor = pos + 1;
		p->ref.sp = sp;
		p->ref.sid = pos;
		p->ref.own = true;
		p->pos = pos;
		la_pending_list(sp, p);
		return 0;
	}
	if (d->pending && d->pending->ref.sp == sp)
		mine = &d->pending->ref;
	else if (d->live && d->ref.sp == sp)
		mine = &d->ref;
	else if (d->left.sp == sp)
		mine = &d->left;
	if (!mine) {
		s->counters[LA_SRV_SID_FULL]++;
		return -EBUSY;
	}
	/* A listed handshake's SID is in the marks already. */
	if (!d->pending || mine != &d->pending->ref || !d->pending->listed) {
		err = la_sid_share(s, d, mine, now);
		if (err)
			return err;
	}
	p->ref = *mine;
	p->ref.own = false;
	s->counters[LA_SRV_SID_REUSED]++;
	return 0;
}

/*
 * @d's session is now the one of @nref, until @expires: the one it had
 * goes (its gateway replaces it), or, at another gateway, stays held as
 * the one it left there, instead of the one it had left before.
 */
static void la_take_session(struct la_server *s, struct la_session *d,
			    const struct la_sidref *nref, bool gateway,
			    const u8 *idg, const u8 *rs, u64 expires)
{
	struct la_sidref old = d->ref, oleft = d->left;
	bool had = d->live;
	u64 old_expires = d->expires;

	la_live(s, d, true);
	d->ref = *nref;
	d->gateway = gateway;
	if (gateway)
		memcpy(d->idg, idg, LA_ID_LEN);
	else
		memset(d->idg, 0, LA_ID_LEN);
	memcpy(d->rs, rs, LA_NONCE_LEN);
	d->expires = expires;
	if (had && old.sp != nref->sp) {
		d->left = old;
		d->left_expires = old_expires;
		la_ref_put(d, &oleft);
		return;
	}
	if (had)
		la_ref_put(d, &old);
	if (oleft.sp == nref->sp) {
		d->left.sp = NULL;
		d->left.own = false;
		la_ref_put(d, &oleft);
	}
}

/*
 * A device's HELLO refused, counted under @c: silence for a direct one
 * (returns 0), GW_REJECT with the REASON of @c's for one behind a gateway
 * (returns its length).
 */
static size_t la_refuse(struct la_server *s, const struct la_gwctx *gw,
			const u8 *idd, u8 flags, enum la_srv_counter c,
			u8 *reply)
{
	struct la_gw_reject *r = (struct la_gw_reject *)reply;
	struct la_echo echo;
	u8 k[LA_KEY_LEN];
	char id[17];
	size_t n = 0;

	la_refused(s, c, gw ? gw->idg : NULL, idd, flags);
	la_note(s, c, "device %s refused: %s%s", la_id(idd, id),
		la_server_counter_name(c), gw ? " (GW_REJECT)" : "");
	if (!gw)
		return 0;
	la_echo_of(&echo, gw->m);
	if (!la_derive(gw->suite, LA_KG_REJECT, gw->kg, gw->idg, gw->m->rg,
		       NULL, k) &&
	    !la_gw_reject_build(r, gw->suite, k, gw->idg, &echo, idd,
				la_reject_reason(la_reason_of[c]))) {
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
	struct la_pending *p = NULL, *old = d->pending;
	enum la_srv_counter c = LA_SRV_DROP_BUSY;
	struct la_space *sp;
	u8 k[LA_KEY_LEN];
	size_t n = 0;
	int err;

	if (old || s->npending < s->limits.pending_max)
		p = calloc(1, sizeof(*p));
	if (!p)
		return la_refuse(s, gw, h->idd, 0, LA_SRV_DROP_BUSY, reply);
	sp = la_space_get(s, gw, gw ? gw->idg : NULL, true);
	err = sp ? la_sid_alloc(s, d, sp, p, now) : -ENOMEM;
	if (err) {
		la_pending_drop(s, d, p);
		if (err != -EBUSY && err != -ENOMEM)
			c = LA_SRV_DROP_STORE;
		return la_refuse(s, gw, h->idd, 0, c, reply);
	}
	s->ops->random(s->arg, p->rs, LA_NONCE_LEN);
	s->ops->random(s->arg, p->grant.sk, LA_KEY_LEN);
	p->grant.sid = p->ref.sid;
	p->hello = *h;
	p->ctr = la_get_be32(h->ctr);
	p->suite = la_suite(h);
	p->grant.life = s->limits.life;
	p->started = now;
	la_key_fp(dev->key, p->key_fp);
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
		la_pending_drop(s, d, p);
		return la_refuse(s, gw, h->idd, 0, LA_SRV_DROP_BUSY, reply);
	}
	d->pending = p;
	p->counted = true;
	s->npending++;
	if (old) {
		/* Its SID, if this one shares it, stays in the marks. */
		if (old->listed && !p->ref.own && old->ref.sp == p->ref.sp &&
		    old->ref.sid == p->ref.sid)
			la_pending_inherit(old, p);
		la_pending_drop(s, d, old);
	}
	d->ctr = p->ctr;
	s->counters[gw ? LA_SRV_GW_HELLO : LA_SRV_HELLO]++;
	/* Its record keeps it, instead of the one restored, if any. */
	if (gw) {
		d->restored = false;
		la_audit_answered(s, d, p, now);
	}
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
		return la_refuse(s, gw, h->idd, claimed,
				 LA_SRV_DROP_RATE_UNKNOWN, reply);
	if (!la_bucket_take(&s->global, now, l->rate_global, l->burst_global))
		return la_refuse(s, gw, h->idd, claimed,
				 LA_SRV_DROP_RATE, reply);
	ret = la_store_get(s->store, LA_DEVICE, h->idd, &dev);
	if (ret == -ENOENT)
		return la_refuse(s, gw, h->idd, claimed,
				 LA_SRV_DROP_UNKNOWN, reply);
	if (ret)
		return la_refuse(s, gw, h->idd, claimed,
				 LA_SRV_DROP_STORE, reply);
	if (!dev.enabled) {
		n = la_refuse(s, gw, h->idd, claimed,
			      LA_SRV_DROP_DISABLED, reply);
		goto out;
	}
	if (la_get_be32(h->ctr) <= dev.ctr) {
		n = la_refuse(s, gw, h->idd, claimed, LA_SRV_DROP_STALE, reply);
		goto out;
	}
	ret = la_derive(la_suite(h), LA_K_HELLO, dev.key, h->idd, NULL, NULL,
			k);
	if (!ret)
		ret = la_hello_verify(h, sizeof(*h), k);
	memzero_explicit(k, sizeof(k));
	if (ret) {
		n = la_refuse(s, gw, h->idd, claimed, LA_SRV_DROP_AUTH, reply);
		goto out;
	}
	/* Proven: from here on the device has a state of its own. */
	if (!d)
		d = la_session_new(s, h->idd, now);
	if (!d || la_session_learn(d, &dev, la_suite(h))) {
		n = la_refuse(s, gw, h->idd, 0, LA_SRV_DROP_BUSY, reply);
		goto out;
	}
	if (!la_bucket_take(&d->bucket, now, l->rate_device,
			    l->burst_device)) {
		n = la_refuse(s, gw, h->idd, 0, LA_SRV_DROP_RATE, reply);
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
		return la_refuse(s, gw, h->idd, LA_AUDIT_F_CLAIMED,
				 LA_SRV_DROP_STALE, reply);
	if (!d || !d->k_valid)
		return la_hello_unknown(s, d, h, gw, now, reply);

	/* A device that proved itself: a forgery costs one MAC. */
	if (d->suite != la_suite(h) ||
	    la_hello_verify(h, sizeof(*h), d->k_hello))
		return la_refuse(s, gw, h->idd, LA_AUDIT_F_CLAIMED,
				 LA_SRV_DROP_AUTH, reply);
	if (!la_bucket_take(&d->bucket, now, l->rate_device, l->burst_device))
		return la_refuse(s, gw, h->idd, 0, LA_SRV_DROP_RATE, reply);
	if (!la_bucket_take(&s->global, now, l->rate_global, l->burst_global))
		return la_refuse(s, gw, h->idd, 0, LA_SRV_DROP_RATE, reply);
	/* Kd, and whether it is still enabled (or there at all). */
	ret = la_store_get(s->store, LA_DEVICE, h->idd, &dev);
	if (ret == -ENOENT)
		return la_refuse(s, gw, h->idd, 0, LA_SRV_DROP_UNKNOWN, reply);
	if (ret)
		return la_refuse(s, gw, h->idd, 0, LA_SRV_DROP_STORE, reply);
	if (!dev.enabled)
		n = la_refuse(s, gw, h->idd, 0, LA_SRV_DROP_DISABLED, reply);
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
	struct la_sidref nref = p->ref;
	char id[17];

	la_pending_unlist(p);
	p->ref.sp = NULL;	/* the session's now */
	la_take_session(s, d, &nref, p->gateway, p->idg, p->rs,
			now + (u64)p->grant.life * 60 * LA_NS);
	d->restored = false;	/* its record gives it up too */
	s->counters[LA_SRV_CONFIRMED]++;
	la_log(s, "device %s authenticated%s, session %u", la_id(d->idd, id),
	       p->gateway ? " through a gateway" : "", p->grant.sid);
	la_audit_auth(s, d, p->gateway ? p->idg : NULL, p->ctr, p->key_fp, 0,
		      now);
	la_pending_drop(s, d, p);
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
			"device %s refused: drop-no-handshake (a CONFIRM without a handshake)",
			la_id(c->idd, id));
		return 0;
	}
	if (!la_confirm_ok(p, c)) {
		la_refused(s, LA_SRV_DROP_CONFIRM, NULL, c->idd,
			   LA_AUDIT_F_CLAIMED);
		la_note(s, LA_SRV_DROP_CONFIRM,
			"device %s refused: drop-confirm (its CONFIRM does not verify)",
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
			   LA_AUDIT_F_CLAIMED);
		la_note(s, LA_SRV_DROP_RATE_GATEWAY,
			"gateway %s refused: drop-rate-gateway (gateway lookups over their budget)",
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
	la_refused(s, c, idg, NULL, LA_AUDIT_F_CLAIMED);
	la_note(s, c, "gateway %s refused: %s (%s)", la_id(idg, id),
		la_server_counter_name(c), c == LA_SRV_DROP_STORE ?
		"the key store failed" : "unknown, disabled or not authentic");
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

/* Whether handshake @h is the one of IDg @idg, Rs @rs and SID @sid. */
static bool la_hs_is(const struct la_handshake *h, const u8 *idg,
		     const u8 *rs, u16 sid)
{
	return h->expires && !memcmp(h->idg, idg, LA_ID_LEN) &&
	       !memcmp(h->rs, rs, LA_NONCE_LEN) && h->sid == sid;
}

/* The GW_CONFIRM of @d's handshake restored from the store, if it is. */
static bool la_restored_match(const struct la_session *d,
			      const struct la_gw_confirm *m, u64 now)
{
	return d->restored && now < d->hs_until &&
	       la_hs_is(&d->hs, m->idg, m->rs, la_get_be16(m->sid));
}

/*
 * A GW_CONFIRM, verified, of @d's handshake restored from the store: the
 * server answered it with a GW_KEY before it restarted, and lost it. The
 * session is recorded on the gateway's word, once: the record written
 * (the device's handshake goes from its record with it) and the session
 * it makes see to that, now and after another restart. The device's
 * record is read again first, and must still be enabled and hold that
 * handshake (not rekeyed, deleted, or authenticated since). No budget is
 * spent: only a GW_CONFIRM that names a handshake the server answered
 * gets here, and the first one takes it (unless the store fails).
 */
static void la_on_word(struct la_server *s, struct la_session *d,
		       const struct la_gw_confirm *m)
{
	const struct la_server_limits *l = &s->limits;
	const u8 *idd = m->confirm.idd;
	u16 sid = la_get_be16(m->sid);
	u64 now = la_now(s);
	struct la_principal dev;
	struct la_sidref nref = { NULL, 0, false };
	char id[17], gid[17];
	enum la_srv_counter c = 0;
	u8 key_fp[LA_KEY_FP_LEN];
	int ret;

	ret = la_store_get(s->store, LA_DEVICE, idd, &dev);
	if (ret) {
		c = ret == -ENOENT ? LA_SRV_DROP_UNKNOWN : LA_SRV_DROP_STORE;
		goto refused;
	}
	la_key_fp(dev.key, key_fp);
	if (!dev.enabled)
		c = LA_SRV_DROP_DISABLED;
	else if (!la_hs_is(&dev.hs, m->idg, m->rs, sid))
		c = LA_SRV_DROP_NO_HANDSHAKE;
	else if (!d->k_valid && la_session_learn(d, &dev, la_suite(m)))
		c = LA_SRV_DROP_BUSY;
	la_principal_wipe(&dev);
	/* Its SID, taken (from the restart's quarantine too, if it is in). */
	if (!c) {
		nref.sp = la_space_get(s, true, m->idg, true);
		ret = nref.sp ? la_sid_take(nref.sp, sid) : -ENOMEM;
		nref.sid = sid;
		nref.own = ret > 0;
		if (ret < 0)
			c = LA_SRV_DROP_BUSY;
	}
	if (c)
		goto refused;
	d->restored = false;
	la_take_session(s, d, &nref, true, m->idg, m->rs,
			now + (u64)l->life * 60 * LA_NS);
	d->ctr = max(d->ctr, d->hs.ctr);
	if (!d->ref.own)	/* not even its own from before */
		s->counters[LA_SRV_SID_CLASH]++;
	s->counters[LA_SRV_CONFIRMED_WORD]++;
	la_log(s, "device %s authenticated on the word of gateway %s, session %u%s (the server no longer had its handshake)",
	       la_id(idd, id), la_id(m->idg, gid), sid,
	       d->ref.own ? "" : ", a SID another session holds here");
	la_audit_auth(s, d, m->idg, d->hs.ctr, key_fp, LA_AUDIT_F_GATEWAY_WORD,
		      now);
	return;

refused:
	/* Only what may pass later (the store, memory) leaves it there. */
	if (c != LA_SRV_DROP_STORE && c != LA_SRV_DROP_BUSY)
		d->restored = false;
	la_refused(s, c, m->idg, idd, LA_AUDIT_F_CLAIMED);
	la_note(s, c, "device %s refused: %s (a GW_CONFIRM of a lost handshake)",
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
			la_refused(s, LA_SRV_DROP_CONFIRM, m->idg, idd,
				   LA_AUDIT_F_CLAIMED);
			la_note(s, LA_SRV_DROP_CONFIRM,
				"device %s refused: drop-confirm (its CONFIRM does not verify)",
				la_id(idd, id));
		}
	} else if (d && d->live && d->gateway &&
		   !memcmp(d->idg, m->idg, LA_ID_LEN) &&
		   !memcmp(d->rs, m->rs, LA_NONCE_LEN) && d->ref.sid == sid) {
		s->counters[LA_SRV_CONFIRM_REPEAT]++;
	} else if (d && la_restored_match(d, m, la_now(s))) {
		la_on_word(s, d, m);
	} else {
		/*
		 * Not of a handshake the server has, nor of its live session,
		 * nor of one it answered before a restart and has not seen
		 * confirmed: a replay, or of a handshake it let go.
		 */
		s->counters[LA_SRV_DROP_NO_HANDSHAKE]++;
		la_note(s, LA_SRV_DROP_NO_HANDSHAKE,
			"device %s refused: drop-no-handshake (a GW_CONFIRM of %s)",
			la_id(idd, id),
			p || (d && d->live) ? "another handshake" :
			"no handshake this server has (a replay, or one it let go)");
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
		la_note(s, LA_SRV_DROP_MALFORMED,
			"message refused: drop-malformed (%s)",
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
			"message refused: drop-malformed (type %#x is not for the server)",
			*(const u8 *)msg);
		return 0;
	}
}

static void la_session_free(struct la_server *s, struct la_session **dp)
{
	struct la_session *d = *dp;

	*dp = d->next;
	if (d->pending)
		la_pending_drop(s, d, d->pending);
	la_session_end(s, d);
	la_left_end(d);
	memzero_explicit(d, sizeof(*d));
	free(d);
	s->nsessions--;
}

void la_server_expire(struct la_server *s)
{
	const struct la_server_limits *l = &s->limits;
	u64 now = la_now(s);
	struct la_session **dp, *d;
	struct la_space *sp;
	u32 i;

	la_interval_check(s, now);
	/* An audit log beyond its bound (lowered, say): 1000 fewer a table. */
	la_store_trim(s->store, l->audit_keep, l->audit_refusals_keep);
	for (i = 0; i < LA_SRV_BUCKETS; i++) {
		for (dp = &s->sessions[i]; (d = *dp);) {
			if (d->pending && now - d->pending->started >=
					  (u64)l->pending_ms * LA_MS)
				la_pending_drop(s, d, d->pending);
			if (d->live && now >= d->expires)
				la_session_end(s, d);
			if (d->left.sp && now >= d->left_expires)
				la_left_end(d);
			if (d->restored && now >= d->hs_until)
				d->restored = false;
			/* Nothing here the store does not hold (nor a
			 * handshake whose GW_CONFIRM it may take).
			 */
			if (!d->pending && !d->live && !d->left.sp &&
			    !d->restored && d->ctr <= d->stored_ctr &&
			    la_bucket_full(&d->bucket, now, l->rate_device,
					   l->burst_device))
				la_session_free(s, dp);
			else
				dp = &d->next;
		}
	}
	for (i = 0; i < LA_SRV_GW_BUCKETS; i++)
		for (sp = s->spaces[i]; sp; sp = sp->next)
			la_quarantine_expire(sp, now);
	if (s->direct)
		la_quarantine_expire(s->direct, now);
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

enum la_sid_state la_server_sid(struct la_server *s, bool gateway,
				const u8 *idg, u16 sid, u32 *held)
{
	struct la_space *sp = la_space_find(s, gateway, idg);

	if (held)
		*held = sp ? sp->nused : 0;
	if (!sp)
		return LA_SID_FREE;
	if (la_sid_held(sp, sid))
		return LA_SID_HELD;
	return la_quarantined(sp, sid, la_now(s)) ? LA_SID_QUARANTINED :
						    LA_SID_FREE;
}

/* Device state @d against the store's record: see la_server_resync(). */
static void la_resync_one(struct la_server *s, struct la_session *d)
{
	struct la_principal dev;
	u8 k[LA_KEY_LEN];
	bool changed;
	int ret;

	ret = la_store_get(s->store, LA_DEVICE, d->idd, &dev);
	if (ret && ret != -ENOENT)
		return;		/* try again next time */
	/* Disabled meanwhile: its handshake in progress gets no ACK. */
	if (!ret && !dev.enabled && d->pending)
		la_pending_drop(s, d, d->pending);
	changed = ret || dev.ctr < d->stored_ctr;
	if (!changed && d->k_valid)
		changed = la_derive(d->suite, LA_K_HELLO, dev.key, d->idd,
				    NULL, NULL, k) ||
			  crypto_memneq(k, d->k_hello, LA_KEY_LEN);
	memzero_explicit(k, sizeof(k));
	if (changed) {
		if (d->pending)
			la_pending_drop(s, d, d->pending);
		d->restored = false;
		d->k_valid = false;
		memzero_explicit(d->k_hello, sizeof(d->k_hello));
		d->ctr = ret ? 0 : dev.ctr;
		d->stored_ctr = d->ctr;
	}
	la_principal_wipe(&dev);
}

void la_server_resync(struct la_server *s)
{
	struct la_session *d;
	u32 i;

	for (i = 0; i < LA_SRV_BUCKETS; i++)
		for (d = s->sessions[i]; d; d = d->next)
			la_resync_one(s, d);
	la_gw_load(s);
}

void la_server_changed(struct la_server *s, enum la_kind kind, const u8 *id)
{
	struct la_session *d;

	if (kind == LA_GATEWAY) {
		la_gw_load(s);
		return;
	}
	d = la_session_find(s, id);
	if (d)
		la_resync_one(s, d);
}

/* A space's marks from the store: it starts past them, quarantined. */
static int la_mark_load_one(void *arg, const struct la_sid_mark *m)
{
	/* No quarantine lasts longer: a mark saying so is held to it. */
	const u64 longest = 65535ULL * 60 + 3600;
	struct la_server *s = arg;
	struct la_space *sp = la_space_get(s, m->gateway, m->idg, false);
	u64 now = la_now(s), wall = s->ops->wall(s->arg);
	unsigned int i;

	if (!sp)
		return -ENOMEM;
	sp->cursor = m->hwm;
	sp->hwm = m->hwm;
	sp->marked = true;
	sp->life = m->life;
	for (i = 0; i < m->nq; i++)
		if (m->q[i].until > wall)
			la_quarantine_add(sp, m->q[i].lo, m->q[i].hi,
					  now + min(m->q[i].until - wall,
						    longest) * LA_NS, now);
	la_quarantine_add(sp, m->lo, m->hwm,
			  now + (u64)s->limits.pending_ms * LA_MS +
			  (u64)m->life * 60 * LA_NS, now);
	return 0;
}

struct la_restore {
	struct la_server *s;
	u64 now, wall;
	u32 devices, handshakes;
};

/* The state of device @p, which holds something from its record. */
static struct la_session *la_restored(struct la_server *s,
				      struct la_restore *r,
				      const struct la_principal *p)
{
	struct la_session *d = la_session_find(s, p->id);

	if (d)
		return d;
	d = la_session_new(s, p->id, r->now);
	if (!d)
		return NULL;
	d->ctr = p->ctr;
	d->stored_ctr = p->ctr;
	r->devices++;
	return d;
}

/*
 * A device's record: the SIDs it holds that have not expired, and its
 * handshake answered with a GW_KEY if that is not over.
 */
static int la_restore_one(void *arg, const struct la_principal *p)
{
	/* No session lives longer: a record saying so is held to it. */
	const u64 longest = 65535ULL * 60 + 3600;
	struct la_restore *r = arg;
	struct la_server *s = r->s;
	struct la_session *d = NULL;
	struct la_sidref ref;
	u64 expires;
	int i, ret;

	/* Held to pending_ms, and the second la_audit_answered() adds. */
	if (p->hs.expires > r->wall && p->enabled) {
		d = la_restored(s, r, p);
		if (!d)
			return -ENOMEM;
		d->restored = true;
		d->hs = p->hs;
		d->hs_until = r->now + min(p->hs.expires - r->wall,
					   s->limits.pending_ms / 1000 + 2ULL) *
					LA_NS;
		r->handshakes++;
	}
	for (i = 0; i < LA_HELD_MAX; i++) {
		const struct la_held *h = &p->held[i];

		if (h->expires <= r->wall)
			continue;
		ref.sp = la_space_get(s, h->gateway, h->idg, true);
		if (!ref.sp)
			return -ENOMEM;
		if (!d) {
			d = la_restored(s, r, p);
			if (!d)
				return -ENOMEM;
		}
		ret = la_sid_take(ref.sp, h->sid);
		if (ret < 0)
			return ret;
		ref.sid = h->sid;
		ref.own = ret;
		if (!ref.own)
			s->counters[LA_SRV_SID_CLASH]++;
		expires = r->now + min(h->expires - r->wall, longest) * LA_NS;
		/* Its Rs and CONFIRM are not kept: a GW_CONFIRM of it is no
		 * repeat, and one of another handshake is dropped as such.
		 */
		if (!i && !d->live) {
			la_live(s, d, true);
			d->ref = ref;
			d->gateway = h->gateway;
			memcpy(d->idg, h->idg, LA_ID_LEN);
			d->expires = expires;
		} else if (!d->left.sp) {
			d->left = ref;
			d->left_expires = expires;
		} else {
			la_ref_put(d, &ref);
			continue;
		}
		s->restored++;
	}
	return 0;
}

/*
 * The SIDs the store says are held: the spaces' marks, then every
 * device's record. The server holds the store's lock (la_store_open):
 * no other process writes it meanwhile.
 */
static int la_restore(struct la_server *s)
{
	struct la_restore r = { s, la_now(s), s->ops->wall(s->arg), 0, 0 };
	int ret;

	ret = la_store_sid_list(s->store, la_mark_load_one, s);
	if (!ret)
		ret = la_store_list(s->store, LA_DEVICE, la_restore_one, &r);
	if (ret)
		return ret;
	la_log(s, "%u live SIDs of %u devices in %u spaces, and %u handshakes answered with a GW_KEY, held from the key store, in %llu ms",
	       s->restored, r.devices, s->nspaces, r.handshakes,
	       (unsigned long long)((la_now(s) - r.now) / LA_MS));
	return 0;
}

int la_server_init(struct la_server *s, struct la_store *store,
		   const struct la_server_limits *limits,
		   const struct la_server_ops *ops, void *arg)
{
	u64 now = ops->now(arg);
	unsigned int c;
	int ret;

	memset(s, 0, sizeof(*s));
	s->store = store;
	s->limits = *limits;
	s->ops = ops;
	s->arg = arg;
	s->sessions = calloc(LA_SRV_BUCKETS, sizeof(*s->sessions));
	s->gateways = calloc(LA_SRV_GW_BUCKETS, sizeof(*s->gateways));
	s->spaces = calloc(LA_SRV_GW_BUCKETS, sizeof(*s->spaces));
	s->summaries = calloc(LA_SUMMARY_SLOTS, sizeof(*s->summaries));
	s->summary_records = calloc(LA_SUMMARY_RECORDS,
				    sizeof(*s->summary_records));
	if (!s->sessions || !s->gateways || !s->spaces || !s->summaries ||
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
	/* One line of each in an interval (la_note). */
	for (c = 0; c < LA_SRV_MAX; c++)
		la_quiet_init(&s->quiet[c], la_server_counter_name(c), 0, 1,
			      now);
	la_gw_load(s);
	ret = la_restore(s);
	if (ret)
		la_server_destroy(s);
	return ret;
}

static void la_space_free(struct la_server *s, struct la_space *sp)
{
	free(sp->used);
	free(sp);
	s->nspaces--;
}

void la_server_flush(struct la_server *s)
{
	if (s->sessions)
		la_flush(s);
	if (s->summaries && s->summary_records)
		la_interval_end(s, la_now(s));
}

void la_server_destroy(struct la_server *s)
{
	struct la_space *sp;
	u32 i;

	la_server_flush(s);	/* nothing recorded is lost */
	for (i = 0; s->sessions && i < LA_SRV_BUCKETS; i++)
		while (s->sessions[i])
			la_session_free(s, &s->sessions[i]);
	for (i = 0; s->gateways && i < LA_SRV_GW_BUCKETS; i++)
		while (s->gateways[i])
			la_gw_free(s, s->gateways[i]);
	for (i = 0; s->spaces && i < LA_SRV_GW_BUCKETS; i++)
		while (s->spaces[i]) {
			sp = s->spaces[i];
			s->spaces[i] = sp->next;
			la_space_free(s, sp);
		}
	if (s->direct)
		la_space_free(s, s->direct);
	s->direct = NULL;
	free(s->spaces);
	s->spaces = NULL;
	free(s->sessions);
	free(s->gateways);
	free(s->summaries);
	free(s->summary_records);
	s->sessions = NULL;
	s->gateways = NULL;
	s->summaries = NULL;
	s->summary_records = NULL;
}

void la_server_status(struct la_server *s,
		      void (*put)(void *arg, const char *name, u64 value),
		      void *arg)
{
	const struct la_server_limits *l = &s->limits;
	u64 now = la_now(s), sids = 0, empty = 0;
	const struct la_space *sp;
	const struct la_srv_gw *g;
	u32 i;

	for (i = 0; s->spaces && i < LA_SRV_GW_BUCKETS; i++)
		for (sp = s->spaces[i]; sp; sp = sp->next)
			sids += sp->nused;
	if (s->direct)
		sids += s->direct->nused;
	for (i = 0; s->gateways && i < LA_SRV_GW_BUCKETS; i++)
		for (g = s->gateways[i]; g; g = g->next)
			empty += !la_bucket_tokens(&g->unknown, now,
						   l->rate_unknown,
						   l->burst_unknown);
	put(arg, "device-states", s->nsessions);
	put(arg, "sessions", s->nlive);
	put(arg, "pending", s->npending);
	put(arg, "pending-max", l->pending_max);
	put(arg, "sids", sids);
	put(arg, "sid-spaces", s->nspaces);
	put(arg, "gateways", s->ngateways);
	put(arg, "rate-global", l->rate_global);
	put(arg, "burst-global", l->burst_global);
	put(arg, "tokens-global",
	    la_bucket_tokens(&s->global, now, l->rate_global,
			     l->burst_global));
	put(arg, "rate-unknown", l->rate_unknown);
	put(arg, "burst-unknown", l->burst_unknown);
	put(arg, "tokens-unknown",
	    la_bucket_tokens(&s->unknown, now, l->rate_unknown,
			     l->burst_unknown));
	put(arg, "unknown-empty-gateways", empty);
	put(arg, "rate-gateway", l->rate_gateway);
	put(arg, "burst-gateway", l->burst_gateway);
	put(arg, "tokens-gateway",
	    la_bucket_tokens(&s->gateway, now, l->rate_gateway,
			     l->burst_gateway));
	for (i = 0; i < LA_SRV_MAX; i++)
		put(arg, la_counter_names[i], s->counters[i]);
}
