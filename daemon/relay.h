/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The relay role of liteauthd: on a gateway whose server is elsewhere, the
 * local module's GW_HELLO and GW_CONFIRM go to a remote server over UDP
 * and its GW_KEY and GW_REJECT come back to the module. GW_HELLO is resent
 * (the same bytes: the same Rg) after 1, 2, 4, ... seconds until an answer
 * comes or the handshake's 30 seconds are up; after every two sends left
 * unanswered it moves on to the next upstream server.
 *
 * The relay cannot check anything (it holds no key), so nothing it keeps
 * decides whether an answer reaches the module: every well-formed GW_KEY
 * and GW_REJECT from an upstream goes down (those that match nothing in
 * it, within a budget: below), and the module checks its Rg and its seal
 * or tag. What the relay keeps decides only where messages go up and when
 * a GW_HELLO is resent.
 *
 * It keeps one entry per HELLO in flight (its IDd, CTR, Rd and T1): the
 * last GW_HELLO that carried it, which is what is resent, and the echoes
 * (Rg and CTX) of the last LA_RELAY_ECHOES of them (a device resends its
 * HELLO, and the module wraps each copy in a GW_HELLO with a new Rg). An
 * answer belongs to an entry only if it echoes one of them whole: IDd,
 * Rg, CTR, Rd and CTX. Rg is unique per GW_HELLO and unpredictable, so
 * only who saw the GW_HELLO can make an answer that changes an entry, and
 * an answer to one HELLO never changes the entry of another, even of the
 * same device: a forged HELLO with a victim's IDd gets an entry of its
 * own, and its GW_REJECT ends that one alone. The first answer stops the
 * resends; a GW_KEY keeps the entry, answered, for the handshake timeout.
 * Answers to nothing in flight (late, forged, or for an entry forgotten
 * for room) are counted as unmatched; to an entry already answered, as
 * duplicates; both go down all the same, the unmatched within a budget.
 *
 * That budget: answers that match no entry go down at most
 * LA_RELAY_UNMATCHED_PER_S a second, LA_RELAY_UNMATCHED_BURST at once,
 * from all upstreams together; those over it are counted
 * (unmatched-limited) and not forwarded. Anyone who can spoof an
 * upstream's address can spray the relay's UDP port with answers of
 * made-up Rg, and each one forwarded costs the module a CMAC under its
 * gateway's lock and, refused, a netlink error back into the socket that
 * carries its GW_HELLOs and GW_CONFIRMs up. Matched answers (and
 * duplicates, which echo a GW_HELLO whole) are never charged: only who
 * saw the GW_HELLO can make one, and the module's own budgets bound how
 * many GW_HELLOs there are. What the budget can cost is a genuine answer
 * to nothing in flight (for a HELLO given up, forgotten for room or sent
 * untracked, or sent before the relay restarted) while a flood lasts; the
 * device's next HELLO gets through as a matched one.
 *
 * A handshake stays with one server: a GW_CONFIRM goes to the upstream
 * whose GW_KEY carried the Rs it names, for the GW_HELLO whose Rg it
 * carries; a GW_HELLO, and a GW_CONFIRM the relay cannot place, go where
 * the device's latest answered HELLO went, else its latest in flight;
 * what no device has in flight goes to the server that answered last.
 *
 * The table lives in memory only. After the relay restarts it is empty,
 * so a GW_CONFIRM the module offers again (it keeps one its daemon's
 * socket did not take, while the session lasts and the server still
 * holds the handshake: pending-timeout-ms after it began) names a device
 * the table does not hold; so does one whose entry was forgotten. Such a
 * GW_CONFIRM goes to every upstream (confirm-to-all): only the server
 * that sent its GW_KEY holds that handshake (server.c keeps the ones it
 * answered across its own restarts, too) and records it; every other one
 * drops it as drop-no-handshake. Nothing in a GW_CONFIRM names its
 * server, and the module relays only CONFIRMs it verified.
 *
 * At most LA_RELAY_PENDING_MAX entries are kept. When the table is full a
 * new HELLO takes the oldest entry that is done (refused, or its
 * GW_CONFIRM gone up), else the oldest unanswered one (counted as evicted:
 * it is not resent any more, and its answer still goes down); an answered
 * entry waiting for its GW_CONFIRM is never taken, and when all are such
 * the GW_HELLO goes up once, untracked. So a flood of HELLOs with made-up
 * IDs, which the module relays at its budget for unknown devices and the
 * server refuses, takes only entries that are done while an upstream
 * answers; with no upstream answering it can cost handshakes their
 * resends, never their answers nor an answered handshake its server.
 *
 * Transport-free, like the server: the daemon moves the bytes. It reports
 * evictions, untracked HELLOs, give-ups and unmatched answers (and how
 * many of them went over the budget) through the optional log operation,
 * from la_relay_tick() and at most once a minute, with the counts.
 */
#ifndef _LITEAUTH_RELAY_H
#define _LITEAUTH_RELAY_H

#include "proto.h"
#include "ratelimit.h"

#define LA_RELAY_PENDING_MAX	1024
#define LA_RELAY_UPSTREAMS_MAX	8
#define LA_RELAY_ECHOES		4	/* GW_HELLOs remembered per HELLO */
#define LA_RELAY_KEYS		4	/* GW_KEYs remembered per HELLO */
/* Answers to nothing in flight forwarded to the module: a second, at once. */
#define LA_RELAY_UNMATCHED_PER_S	100
#define LA_RELAY_UNMATCHED_BURST	200

enum la_relay_counter {
	LA_RELAY_UP,		/* messages forwarded upstream */
	LA_RELAY_RESENT,	/* GW_HELLO resent */
	LA_RELAY_FAILOVER,	/* moves to the next upstream */
	LA_RELAY_DOWN,		/* answers forwarded to the module */
	LA_RELAY_GAVE_UP,	/* handshakes never answered */
	LA_RELAY_DROP,		/* malformed or unexpected: not forwarded */
	LA_RELAY_EVICTED,	/* unanswered HELLOs forgotten for room */
	LA_RELAY_UNTRACKED,	/* GW_HELLOs sent once, the table full */
	LA_RELAY_UNMATCHED,	/* answers to nothing in flight */
	LA_RELAY_DUPLICATE,	/* answers to what was answered (forwarded) */
	LA_RELAY_UNMATCHED_LIMITED,	/* of the unmatched, over the budget:
					 * not forwarded
					 */
	LA_RELAY_CONFIRM_ALL,	/* GW_CONFIRMs of a device the table does not
				 * hold, sent to every upstream
				 */
	LA_RELAY_MAX,
};

struct la_relay_ops {
	u64 (*now)(void *arg);		/* monotonic, ns */
	int (*send_up)(void *arg, unsigned int upstream, const void *msg,
		       size_t len);
	int (*send_down)(void *arg, const void *msg, size_t len);
	/* Optional: a line for the operator, @prio a syslog priority. */
	void (*log)(void *arg, int prio, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
};

/* One HELLO in flight, and where its GW_HELLOs and answers went. */
struct la_relay_entry {
	bool used;
	bool answered;		/* by a GW_KEY; forgotten at next */
	bool refused;		/* by a GW_REJECT first; forgotten at next */
	bool confirmed;		/* its GW_CONFIRM went up */
	unsigned int up;	/* where it is sent to, or its first GW_KEY
				 * came from
				 */
	u32 tries;		/* sends to that upstream */
	u32 sends;		/* sends in all: the backoff */
	u64 started, next;
	u8 msg[LITEAUTH_GW_HELLO_LEN];	/* the last GW_HELLO: resent */
	u32 nechoes, nkeys;	/* ever added: rings of the last few */
	struct {
		u8 rg[LA_NONCE_LEN];
		u8 ctx[LA_CTX_LEN];
	} echoes[LA_RELAY_ECHOES];	/* of its GW_HELLOs */
	struct {
		u8 rs[LA_NONCE_LEN];
		unsigned int up;
	} keys[LA_RELAY_KEYS];		/* GW_KEYs for it, by Rs */
};

struct la_relay {
	const struct la_relay_ops *ops;
	void *arg;
	unsigned int nupstreams, current;
	struct la_relay_entry pending[LA_RELAY_PENDING_MAX];
	struct la_bucket unmatched;	/* the budget of unmatched answers */
	u64 counters[LA_RELAY_MAX];
	u64 reported[LA_RELAY_MAX];	/* counters when last logged */
	u64 report_next;		/* no log line before */
};

void la_relay_init(struct la_relay *r, unsigned int nupstreams,
		   const struct la_relay_ops *ops, void *arg);
/* GW_HELLO or GW_CONFIRM from the module. */
void la_relay_from_module(struct la_relay *r, const void *msg, size_t len);
/* A datagram from upstream server @upstream. */
void la_relay_from_upstream(struct la_relay *r, unsigned int upstream,
			    const void *msg, size_t len);
/* Resends, gives up and logs what it saw; call at least every second. */
void la_relay_tick(struct la_relay *r);

const char *la_relay_counter_name(enum la_relay_counter c);

#endif /* _LITEAUTH_RELAY_H */
