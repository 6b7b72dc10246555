// SPDX-License-Identifier: GPL-2.0
/*
 * The relay role of liteauthd (relay.h).
 */
#include <string.h>

#include "relay.h"

#define LA_NS		1000000000ULL
#define LA_GIVE_UP	(30 * LA_NS)	/* a handshake's life (protocol.rst) */
#define LA_TRIES	2		/* sends per upstream before moving on */

static const char *const la_names[LA_RELAY_MAX] = {
	[LA_RELAY_UP] = "relayed-up",
	[LA_RELAY_RESENT] = "resent",
	[LA_RELAY_FAILOVER] = "failover",
	[LA_RELAY_DOWN] = "relayed-down",
	[LA_RELAY_GAVE_UP] = "gave-up",
	[LA_RELAY_DROP] = "dropped",
	[LA_RELAY_EVICTED] = "evicted",
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
}

static struct la_relay_entry *la_find(struct la_relay *r, const u8 *idd)
{
	int i;

	for (i = 0; i < LA_RELAY_PENDING_MAX; i++)
		if (r->pending[i].used &&
		    !memcmp(r->pending[i].idd, idd, LA_ID_LEN))
			return &r->pending[i];
	return NULL;
}

/*
 * A free entry, or the oldest unanswered one (given up), or the oldest
 * answered one (evicted): an answered handshake is worth more.
 */
static struct la_relay_entry *la_slot(struct la_relay *r)
{
	struct la_relay_entry *oldest[2] = { NULL, NULL };
	int i;

	for (i = 0; i < LA_RELAY_PENDING_MAX; i++) {
		struct la_relay_entry *e = &r->pending[i];
		struct la_relay_entry **o = &oldest[e->answered];

		if (!e->used)
			return e;
		if (!*o || e->started < (*o)->started)
			*o = e;
	}
	r->counters[oldest[0] ? LA_RELAY_GAVE_UP : LA_RELAY_EVICTED]++;
	return oldest[0] ?: oldest[1];
}

void la_relay_from_module(struct la_relay *r, const void *msg, size_t len)
{
	const struct la_gw_hello *h = msg;
	const struct la_gw_confirm *c = msg;
	struct la_relay_entry *e;
	unsigned int up = r->current;
	u64 now;

	if (la_check(msg, len) ||
	    (h->type != LITEAUTH_MSG_GW_HELLO &&
	     h->type != LITEAUTH_MSG_GW_CONFIRM)) {
		r->counters[LA_RELAY_DROP]++;
		return;
	}
	/* The server this device's handshake is with, if there is one. */
	e = la_find(r, h->type == LITEAUTH_MSG_GW_HELLO ? h->hello.idd :
						       c->confirm.idd);
	if (e)
		up = e->up;
	r->counters[LA_RELAY_UP]++;
	r->ops->send_up(r->arg, up, msg, len);
	if (h->type != LITEAUTH_MSG_GW_HELLO)
		return;

	/* One GW_HELLO per device in flight: a newer one replaces it. */
	now = r->ops->now(r->arg);
	if (!e)
		e = la_slot(r);
	memset(e, 0, sizeof(*e));
	e->used = true;
	memcpy(e->idd, h->hello.idd, LA_ID_LEN);
	memcpy(e->msg, msg, len);
	e->up = up;
	e->tries = 1;
	e->sends = 1;
	e->started = now;
	e->next = now + LA_NS;
}

void la_relay_from_upstream(struct la_relay *r, unsigned int upstream,
			    const void *msg, size_t len)
{
	const u8 *m = msg;
	struct la_relay_entry *e = NULL;

	if (!la_check(msg, len)) {
		if (m[0] == LITEAUTH_MSG_GW_KEY)
			e = la_find(r, ((const struct la_gw_key *)m)->key.idd);
		else if (m[0] == LITEAUTH_MSG_GW_REJECT)
			e = la_find(r, ((const struct la_gw_reject *)m)->idd);
	}
	if (!e || e->answered || upstream >= r->nupstreams) {
		/* Not an answer to anything in flight: a late duplicate, or
		 * something no server sends. The module would refuse it.
		 */
		r->counters[LA_RELAY_DROP]++;
		return;
	}
	if (m[0] == LITEAUTH_MSG_GW_KEY) {
		/* Its GW_CONFIRM goes where the handshake is. */
		e->answered = true;
		e->up = upstream;
		e->next = r->ops->now(r->arg) + LA_GIVE_UP;
	} else {
		e->used = false;	/* refused: nothing follows */
	}
	r->current = upstream;		/* this one answers: keep to it */
	r->counters[LA_RELAY_DOWN]++;
	r->ops->send_down(r->arg, msg, len);
}

void la_relay_tick(struct la_relay *r)
{
	u64 now = r->ops->now(r->arg);
	int i;

	for (i = 0; i < LA_RELAY_PENDING_MAX; i++) {
		struct la_relay_entry *e = &r->pending[i];

		if (!e->used || now < e->next)
			continue;
		if (e->answered) {	/* its handshake timed out */
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
}
