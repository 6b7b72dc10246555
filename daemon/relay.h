/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The relay role of liteauthd: on a gateway whose server is elsewhere, the
 * local module's GW_HELLO and GW_CONFIRM go to a remote server over UDP
 * and its GW_KEY and GW_REJECT come back to the module. GW_HELLO is resent
 * (the same bytes: the same Rg) after 1, 2, 4, ... seconds until an answer
 * comes or the handshake's 30 seconds are up; after every two sends left
 * unanswered it moves on to the next upstream server.
 *
 * A handshake stays with one server: the relay remembers, per device,
 * which upstream a GW_HELLO went to and, for the handshake timeout after
 * it, which one answered it with GW_KEY; that device's GW_CONFIRM, and
 * its next GW_HELLO, go there. Only what no device has in flight goes to
 * the server that answered last. At most LA_RELAY_PENDING_MAX devices are
 * remembered: when full, the oldest unanswered goes first (an answered
 * one only if there is none, counted as evicted).
 *
 * Transport-free, like the server: the daemon moves the bytes.
 */
#ifndef _LITEAUTH_RELAY_H
#define _LITEAUTH_RELAY_H

#include "proto.h"

#define LA_RELAY_PENDING_MAX	1024
#define LA_RELAY_UPSTREAMS_MAX	8

enum la_relay_counter {
	LA_RELAY_UP,		/* messages forwarded upstream */
	LA_RELAY_RESENT,	/* GW_HELLO resent */
	LA_RELAY_FAILOVER,	/* moves to the next upstream */
	LA_RELAY_DOWN,		/* answers forwarded to the module */
	LA_RELAY_GAVE_UP,	/* handshakes never answered */
	LA_RELAY_DROP,		/* malformed, unexpected or unmatched */
	LA_RELAY_EVICTED,	/* answered handshakes forgotten for room */
	LA_RELAY_MAX,
};

struct la_relay_ops {
	u64 (*now)(void *arg);		/* monotonic, ns */
	int (*send_up)(void *arg, unsigned int upstream, const void *msg,
		       size_t len);
	int (*send_down)(void *arg, const void *msg, size_t len);
};

struct la_relay_entry {
	bool used;
	bool answered;		/* by GW_KEY, from up; forgotten at next */
	u8 idd[LA_ID_LEN];
	unsigned int up;	/* the upstream it is sent to, or answered */
	u32 tries;		/* sends to that upstream */
	u32 sends;		/* sends in all: the backoff */
	u64 started, next;
	u8 msg[LITEAUTH_GW_HELLO_LEN];
};

struct la_relay {
	const struct la_relay_ops *ops;
	void *arg;
	unsigned int nupstreams, current;
	struct la_relay_entry pending[LA_RELAY_PENDING_MAX];
	u64 counters[LA_RELAY_MAX];
};

void la_relay_init(struct la_relay *r, unsigned int nupstreams,
		   const struct la_relay_ops *ops, void *arg);
/* GW_HELLO or GW_CONFIRM from the module. */
void la_relay_from_module(struct la_relay *r, const void *msg, size_t len);
/* A datagram from upstream server @upstream. */
void la_relay_from_upstream(struct la_relay *r, unsigned int upstream,
			    const void *msg, size_t len);
/* Resends and gives up; call at least every second. */
void la_relay_tick(struct la_relay *r);

const char *la_relay_counter_name(enum la_relay_counter c);

#endif /* _LITEAUTH_RELAY_H */
