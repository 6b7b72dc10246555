// SPDX-License-Identifier: GPL-2.0
/*
 * The relay role of liteauthd (relay.h).
 */
#include <string.h>
#include <syslog.h>

#include "relay.h"

#define LA_NS		1000000000ULL
#define LA_GIVE_UP	(30 * LA_NS)	/* a handshake's life (protocol.rst) */
#define LA_TRIES	2		/* sends per upstream before moving on */
#define LA_REPORT	(60 * LA_NS)	/* at most one log line a minute each */
/* The budget of unmatched answers, as ratelimit.h counts: a minute. */
#define LA_UNMATCHED_RATE	(60 * LA_RELAY_UNMATCHED_PER_S)

static const char *const la_names[LA_RELAY_MAX] = {
	[LA_RELAY_UP] = "relayed-up",
	[LA_RELAY_RESENT] = "resent",
	[LA_RELAY_FAILOVER] = "failover",
	[LA_RELAY_DOWN] = "relayed-down",
	[LA_RELAY_GAVE_UP] = "gave-up",
	[LA_RELAY_DROP] = "dropped",
	[LA_RELAY_EVICTED] = "evicted",
	[LA_RELAY_UNTRACKED] = "untracked",
	[LA_RELAY_UNMATCHED] = "unmatched",
	[LA_RELAY_DUPLICATE] = "duplicate",
	[LA_RELAY_UNMATCHED_LIMITED] = "unmatched-limited",
	[LA_RELAY_CONFIRM_ALL] = "confirm-to-all",
};

const char *la_relay_counter_name(enum la_relay_counter c)
{
	return (unsigned int)c < LA_RELAY_MAX ? la_names[c] : "?";
}

void la_relay_init(struct la_relay *r, unsigned int nupstreams,
		   const struct la_relay_ops *ops, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->nupstreams = nupstreams;
	r->ops = ops;
	r->arg = arg;
	/* Full from the start (its credit is capped: stamp 0 adds none). */
	la_bucket_init(&r->unmatched, 0, LA_UNMATCHED_RATE,
		       LA_RELAY_UNMATCHED_BURST);
}

static const struct la_hello *la_hello_of(const struct la_relay_entry *e)
{
	return &((const struct la_gw_hello *)e->msg)->hello;
}

static unsigned int la_ring(u32 n, unsigned int size)
{
	return n < size ? n : size;
}

/* The entry of this very HELLO (byte for byte), whatever GW_HELLO it is in. */
static struct la_relay_entry *la_find_hello(struct la_relay *r,
					    const struct la_hello *h)
{
	int i;

	for (i = 0; i < LA_RELAY_PENDING_MAX; i++)
		if (r->pending[i].used &&
		    !memcmp(la_hello_of(&r->pending[i]), h, sizeof(*h)))
			return &r->pending[i];
	return NULL;
}

static bool la_has_echo(const struct la_relay_entry *e, const u8 *rg,
			const u8 *ctx)
{
	unsigned int i;

	for (i = 0; i < la_ring(e->nechoes, LA_RELAY_ECHOES); i++)
		if (!memcmp(e->echoes[i].rg, rg, LA_NONCE_LEN) &&
		    (!ctx || !memcmp(e->echoes[i].ctx, ctx, LA_CTX_LEN)))
			return true;
	return false;
}

/* The entry whose GW_HELLO an answer for @idd echoes, whole. */
static struct la_relay_entry *la_find_echo(struct la_relay *r, const u8 *idd,
					   const struct la_echo *echo)
{
	int i;

	for (i = 0; i < LA_RELAY_PENDING_MAX; i++) {
		struct la_relay_entry *e = &r->pending[i];
		const struct la_hello *h = la_hello_of(e);

		if (e->used && !memcmp(h->idd, idd, LA_ID_LEN) &&
		    !memcmp(h->ctr, echo->ctr, LA_CTR_LEN) &&
		    !memcmp(h->rd, echo->rd, LA_NONCE_LEN) &&
		    la_has_echo(e, echo->rg, echo->ctx))
			return e;
	}
	return NULL;
}

/*
 * Where @idd's handshake is: its latest answered HELLO, else its latest in
 * flight, if any.
 */
static struct la_relay_entry *la_find_device(struct la_relay *r,
					     const u8 *idd)
{
	struct la_relay_entry *best = NULL;
	int i;

	for (i = 0; i < LA_RELAY_PENDING_MAX; i++) {
		struct la_relay_entry *e = &r->pending[i];

		if (!e->used || memcmp(la_hello_of(e)->idd, idd, LA_ID_LEN))
			continue;
		if (!best || e->answered > best->answered ||
		    (e->answered == best->answered &&
		     e->started >= best->started))
			best = e;
	}
	return best;
}

/*
 * A free entry; else the oldest that is done (refused, or confirmed);
 * else the oldest unanswered one (evicted: no more resends). Never one
 * answered and waiting for its GW_CONFIRM: NULL when all are.
 */
static struct la_relay_entry *la_slot(struct la_relay *r)
{
	struct la_relay_entry *done = NULL, *open = NULL;
	int i;

	for (i = 0; i < LA_RELAY_PENDING_MAX; i++) {
		struct la_relay_entry *e = &r->pending[i];

		if (!e->used)
			return e;
		if (e->refused || e->confirmed) {
			if (!done || e->started < done->started)
				done = e;
		} else if (!e->answered) {
			if (!open || e->started < open->started)
				open = e;
		}
	}
	if (done)
		return done;
	if (open)
		r->counters[LA_RELAY_EVICTED]++;
	return open;
}

static void la_add_echo(struct la_relay_entry *e, const struct la_gw_hello *h)
{
	unsigned int i = e->nechoes % LA_RELAY_ECHOES;

	if (la_has_echo(e, h->rg, h->ctx))
		return;
	memcpy(e->echoes[i].rg, h->rg, LA_NONCE_LEN);
	memcpy(e->echoes[i].ctx, h->ctx, LA_CTX_LEN);
	e->nechoes++;
}

/* The first GW_KEY with a given Rs tells where that Rs lives. */
static void la_add_key(struct la_relay_entry *e, const u8 *rs,
		       unsigned int up)
{
	unsigned int i;

	for (i = 0; i < la_ring(e->nkeys, LA_RELAY_KEYS); i++)
		if (!memcmp(e->keys[i].rs, rs, LA_NONCE_LEN))
			return;
	i = e->nkeys++ % LA_RELAY_KEYS;
	memcpy(e->keys[i].rs, rs, LA_NONCE_LEN);
	e->keys[i].up = up;
}

/*
 * A GW_CONFIRM goes to the server that sent the GW_KEY it confirms: its
 * index, or -1 when the table knows nothing of the device (the relay
 * restarted, or forgot it), and then it goes to every upstream.
 */
static int la_confirm_up(struct la_relay *r, const struct la_gw_confirm *c)
{
	struct la_relay_entry *e;
	unsigned int i;
	int n;

	for (n = 0; n < LA_RELAY_PENDING_MAX; n++) {
		e = &r->pending[n];
		if (!e->used || !e->answered ||
		    memcmp(la_hello_of(e)->idd, c->confirm.idd, LA_ID_LEN) ||
		    !la_has_echo(e, c->rg, NULL))
			continue;
		e->confirmed = true;
		for (i = 0; i < la_ring(e->nkeys, LA_RELAY_KEYS); i++)
			if (!memcmp(e->keys[i].rs, c->rs, LA_NONCE_LEN))
				return e->keys[i].up;
		return e->up;
	}
	e = la_find_device(r, c->confirm.idd);
	return e ? (int)e->up : -1;
}

void la_relay_from_module(struct la_relay *r, const void *msg, size_t len)
{
	const struct la_gw_hello *h = msg;
	struct la_relay_entry *e;
	unsigned int up = r->current;
	u64 now;

	if (la_check(msg, len) ||
	    (h->type != LITEAUTH_MSG_GW_HELLO &&
	     h->type != LITEAUTH_MSG_GW_CONFIRM)) {
		r->counters[LA_RELAY_DROP]++;
		return;
	}
	if (h->type == LITEAUTH_MSG_GW_CONFIRM) {
		int to = la_confirm_up(r, msg);
		unsigned int i;

		r->counters[LA_RELAY_UP]++;
		if (to >= 0) {
			r->ops->send_up(r->arg, to, msg, len);
			return;
		}
		/* Only the server that sent the GW_KEY records it: every other
		 * one holds no such handshake, and drops it.
		 */
		r->counters[LA_RELAY_CONFIRM_ALL]++;
		for (i = 0; i < r->nupstreams; i++)
			r->ops->send_up(r->arg, i, msg, len);
		return;
	}

	/* The same HELLO again, in a GW_HELLO of a new Rg (the device
	 * resent it, or someone replayed it): the same handshake, to the
	 * same server, resent in its latest GW_HELLO at the same pace.
	 */
	e = la_find_hello(r, &h->hello);
	if (e) {
		la_add_echo(e, h);
		memcpy(e->msg, msg, len);
		r->counters[LA_RELAY_UP]++;
		r->ops->send_up(r->arg, e->up, msg, len);
		return;
	}

	/* Another HELLO, if for a device in flight, goes where it is. */
	e = la_find_device(r, h->hello.idd);
	if (e)
		up = e->up;
	r->counters[LA_RELAY_UP]++;
	r->ops->send_up(r->arg, up, msg, len);

	e = la_slot(r);
	if (!e) {
		r->counters[LA_RELAY_UNTRACKED]++;
		return;
	}
	now = r->ops->now(r->arg);
	memset(e, 0, sizeof(*e));
	e->used = true;
	memcpy(e->msg, msg, len);
	la_add_echo(e, h);
	e->up = up;
	e->tries = 1;
	e->sends = 1;
	e->started = now;
	e->next = now + LA_NS;
}

void la_relay_from_upstream(struct la_relay *r, unsigned int upstream,
			    const void *msg, size_t len)
{
	const struct la_gw_key *k = msg;
	const struct la_gw_reject *j = msg;
	struct la_relay_entry *e;

	if (upstream >= r->nupstreams || la_check(msg, len) ||
	    (k->type != LITEAUTH_MSG_GW_KEY &&
	     k->type != LITEAUTH_MSG_GW_REJECT)) {
		/* Nothing a server sends: the module would refuse it. */
		r->counters[LA_RELAY_DROP]++;
		return;
	}
	if (k->type == LITEAUTH_MSG_GW_KEY)
		e = la_find_echo(r, k->key.idd, &k->echo);
	else
		e = la_find_echo(r, j->idd, &j->echo);

	if (!e) {
		/* Late, forged, or for an entry forgotten for room: the
		 * module tells, and nothing here changes. Within a budget:
		 * anyone who spoofs an upstream can make these (relay.h).
		 */
		r->counters[LA_RELAY_UNMATCHED]++;
		if (!la_bucket_take(&r->unmatched, r->ops->now(r->arg),
				    LA_UNMATCHED_RATE,
				    LA_RELAY_UNMATCHED_BURST)) {
			r->counters[LA_RELAY_UNMATCHED_LIMITED]++;
			return;
		}
	} else if (k->type == LITEAUTH_MSG_GW_KEY) {
		if (e->answered) {
			r->counters[LA_RELAY_DUPLICATE]++;
		} else {
			/* Its GW_CONFIRM goes where the handshake is. */
			e->answered = true;
			e->refused = false;	/* a server's GW_KEY wins */
			e->up = upstream;
			e->next = r->ops->now(r->arg) + LA_GIVE_UP;
			r->current = upstream;	/* it answers: keep to it */
		}
		la_add_key(e, k->rs, upstream);
	} else if (e->answered || e->refused) {
		r->counters[LA_RELAY_DUPLICATE]++;
	} else {
		/* Refused: not resent; its entry is the first to go. */
		e->refused = true;
		e->next = e->started + LA_GIVE_UP;
		r->current = upstream;
	}
	r->counters[LA_RELAY_DOWN]++;
	r->ops->send_down(r->arg, msg, len);
}

/* What the operator should know, at most once a minute each. */
static void la_report(struct la_relay *r, u64 now)
{
	const u64 *c = r->counters, *was = r->reported;
	bool said = false;

	if (!r->ops->log || now < r->report_next)
		return;
	if (c[LA_RELAY_EVICTED] != was[LA_RELAY_EVICTED] ||
	    c[LA_RELAY_UNTRACKED] != was[LA_RELAY_UNTRACKED]) {
		r->ops->log(r->arg, LOG_WARNING,
			    "relay: the table of %d HELLOs in flight was full: %llu unanswered HELLO(s) forgotten for room (no more resends), %llu GW_HELLO(s) sent once untracked; their answers still go to the module, within the budget of unmatched ones (a flood of HELLOs, with upstreams slow to answer?)",
			    LA_RELAY_PENDING_MAX,
			    (unsigned long long)(c[LA_RELAY_EVICTED] -
						 was[LA_RELAY_EVICTED]),
			    (unsigned long long)(c[LA_RELAY_UNTRACKED] -
						 was[LA_RELAY_UNTRACKED]));
		said = true;
	}
	if (c[LA_RELAY_GAVE_UP] != was[LA_RELAY_GAVE_UP]) {
		r->ops->log(r->arg, LOG_WARNING,
			    "relay: %llu GW_HELLO(s) unanswered for 30 s by any of %u upstream server(s): given up",
			    (unsigned long long)(c[LA_RELAY_GAVE_UP] -
						 was[LA_RELAY_GAVE_UP]),
			    r->nupstreams);
		said = true;
	}
	if (c[LA_RELAY_UNMATCHED_LIMITED] != was[LA_RELAY_UNMATCHED_LIMITED]) {
		r->ops->log(r->arg, LOG_WARNING,
			    "relay: %llu answer(s) from upstream for no GW_HELLO in flight (late, forged, or forgotten for room), %llu of them over the budget of %d a second (burst %d) and not passed to the module: forged answers from a spoofed upstream address?",
			    (unsigned long long)(c[LA_RELAY_UNMATCHED] -
						 was[LA_RELAY_UNMATCHED]),
			    (unsigned long long)
			    (c[LA_RELAY_UNMATCHED_LIMITED] -
			     was[LA_RELAY_UNMATCHED_LIMITED]),
			    LA_RELAY_UNMATCHED_PER_S, LA_RELAY_UNMATCHED_BURST);
		said = true;
	} else if (c[LA_RELAY_UNMATCHED] != was[LA_RELAY_UNMATCHED]) {
		r->ops->log(r->arg, LOG_NOTICE,
			    "relay: %llu answer(s) from upstream for no GW_HELLO in flight (late, forged, or forgotten for room): passed to the module, which checks them",
			    (unsigned long long)(c[LA_RELAY_UNMATCHED] -
						 was[LA_RELAY_UNMATCHED]));
		said = true;
	}
	if (said) {
		memcpy(r->reported, r->counters, sizeof(r->reported));
		r->report_next = now + LA_REPORT;
	}
}

void la_relay_tick(struct la_relay *r)
{
	u64 now = r->ops->now(r->arg);
	int i;

	for (i = 0; i < LA_RELAY_PENDING_MAX; i++) {
		struct la_relay_entry *e = &r->pending[i];

		if (!e->used || now < e->next)
			continue;
		if (e->answered || e->refused) {	/* its time is up */
			e->used = false;
			continue;
		}
		if (now - e->started >= LA_GIVE_UP) {
			e->used = false;
			r->counters[LA_RELAY_GAVE_UP]++;
			continue;
		}
		if (e->tries >= LA_TRIES && r->nupstreams > 1) {
			e->up = (e->up + 1) % r->nupstreams;
			r->counters[LA_RELAY_FAILOVER]++;
			e->tries = 0;
		}
		e->tries++;
		e->sends++;
		r->counters[LA_RELAY_RESENT]++;
		r->ops->send_up(r->arg, e->up, e->msg, sizeof(e->msg));
		/* 1, 2, 4, 8 s between sends, then every 8 s. */
		e->next = now + (LA_NS << (e->sends < 4 ? e->sends - 1 : 3));
	}
	la_report(r, now);
}
