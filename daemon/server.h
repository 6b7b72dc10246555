/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The security management server's side of the protocol
 * (Documentation/protocol.rst): HELLO and CONFIRM from direct devices,
 * GW_HELLO and GW_CONFIRM from gateways, answered from the key store.
 *
 * The server is transport-free: the daemon hands it each message it
 * receives (over UDP or from the kernel module) and sends back what it
 * returns. Time and randomness come through ops, so the tests can replay
 * the protocol's vectors exactly.
 *
 * What it keeps, and what bounds it (none of it grows with what a
 * sender that proved nothing sends):
 *
 * - A device's state (struct la_session, counted in nsessions) is made
 *   only when a HELLO's T1 verifies with the key in the store, or a
 *   GW_CONFIRM's T6 with its gateway's: at most one per device in the
 *   store. It holds the device's budget, the highest CTR accepted from it,
 *   its K_hello (so that a HELLO that names it is checked without reading
 *   the store, and a forged one costs one MAC), its handshake in progress
 *   and its live session. It is forgotten once it holds nothing the store
 *   does not: no handshake, no live session nor one left at a gateway, a
 *   full budget, a CTR the store has, and no handshake restored from the
 *   store whose GW_CONFIRM it may still take (see "Restarts").
 * - Handshakes in progress (npending): one per device state, at most
 *   pending_max, each forgotten after pending_ms.
 * - Gateways (ngateways): every enabled gateway of the store, loaded at
 *   start and by la_server_resync(), and one added since once its T4 or
 *   T6 verifies: at most one per gateway in the store. A gateway's key is
 *   read again from the store when one of its messages comes at least
 *   LA_SRV_GW_RECHECK_MS after the last read, so that disabling,
 *   deleting or rekeying one takes effect within it.
 * - Refusals: counters, and per audit interval a table of at most
 *   LA_SRV_SUMMARY_MAX (IDg, IDd, reason, flags) summaries, of which at
 *   most LA_SRV_SUMMARY_CLAIMED_MAX are of claims (LA_AUDIT_F_CLAIMED:
 *   an ID the message named but never proved, so anyone can send it).
 *   A refusal that finds no room is summed into one summary per reason
 *   and claimed-or-not without IDs (counted audit-overflow). Reasons are
 *   1 to LA_AUDIT_REASON_MAX - 1, so an interval writes at most
 *   LA_SRV_SUMMARY_MAX + 2 * 11 = 4118 refusal records, and logs at most
 *   two lines per counter (la_quiet).
 *
 *   What forged traffic can write: every refusal of a message that proved
 *   nothing is a claim (made-up IDs, real ones with a bad MAC, stale CTRs,
 *   refusals on the budget of unknown devices, bad CONFIRMs, gateways
 *   that did not verify), so whatever its rate it adds at most
 *   LA_SRV_SUMMARY_CLAIMED_RECORDS = 256 + 11 = 267 records an interval.
 *   A refusal without the flag is of a HELLO whose T1 verified, with a
 *   CTR above the highest accepted (a device over its budget, busy,
 *   disabled or deleted since): its summary is one per device, way in
 *   (IDg) and reason, as many as the fleet has whatever the attacker
 *   sends, and these keep the rest of the table (at least
 *   4096 - 256 = 3840 an interval). At the defaults (audit-interval 60 s,
 *   audit-refusals-keep 100000), a flood at any rate thus takes
 *   ceil(100000 / 267) = 375 intervals, 22,500 s (6 h 15 min), to push
 *   the last refusal summary from before it out of the log. The price:
 *   during a flood, a real device's own claimed refusals (a stale
 *   retransmit, a CONFIRM that does not verify) may be counted only in
 *   the overflow summaries.
 *
 * - SID spaces (nspaces): one per gateway that held a SID since the
 *   store was made, and one for direct devices; each 8 KB (a bit per
 *   SID) while it holds any SID, 64 bytes else. See "SIDs" below.
 *
 * Every key-store read that a message which proved nothing can cause is
 * paid for first from a budget that no proven device or gateway needs:
 * rate_unknown for devices the server holds no state for (one budget for
 * direct devices, and one for each gateway's, so that a flood of made-up
 * IDs over UDP does not starve a gateway's new devices, nor one gateway
 * another's), rate_gateway for gateways the server does not hold;
 * rate_global caps all HELLOs that read the store. A HELLO naming a device
 * the server holds is checked in memory (stale, then T1) and spends
 * nothing until it verifies; then the device's own budget.
 *
 * SIDs. A SID names a session at whoever holds it (its gateway, or the
 * server for a direct device), so it is unique per space: one space per
 * IDg, and one for direct devices. Each holds 65536 SIDs, and there is no
 * limit across spaces. A SID is held in its space by a handshake in
 * progress (from its KEY), by a live session (until it expires), and by
 * the session a device left at a gateway when it authenticated elsewhere
 * (until that expires: nothing tells that gateway; one such per device).
 * SIDs are handed out in order from a cursor, skipping held ones, so one
 * set free comes back only after every other free SID of its space was
 * handed out once.
 *
 * A renewal in a full space (no SID free): the device's HELLO takes a SID
 * it holds itself in that space (its handshake's, its session's, or the
 * one it left there), since its gateway replaces the device's session
 * with the new one at CONFIRM. Before its KEY goes out, the device's
 * record is updated so that the SID stays held, across a restart too,
 * until a session from it could end (counted sid-reused). Any other HELLO
 * then is refused as busy (REASON 5; counted sid-full).
 *
 * Restarts. Each authentication records the device's held SIDs (its
 * session's IDg, SID and expiry, in Unix time, and the one it left) with
 * its record (store.h, la_held). la_server_init() walks the devices and
 * holds each SID not yet expired, as a device state with its session.
 * That session's Rs is not kept, so a GW_CONFIRM of it is no repeat.
 *
 * Each handshake answered with a GW_KEY goes to the device's record too,
 * in the transaction of the next commit (store.h, la_handshake: IDg, Rs,
 * SID, CTR, until pending_ms after it), and from it with the device's
 * next authentication, the GW_KEY of its next handshake, or a rekey (see
 * store.h, la_store_rekey). The walk of
 * la_server_init() restores each one not over, of an enabled device.
 * The GW_CONFIRM of a handshake the server does not have is taken on its
 * gateway's word (T6 verified under Kg; T3 cannot be, SK is not kept)
 * only if it names such a restored handshake, by IDg, Rs and SID, and
 * the device's record, read again, still holds it: once, since the
 * authentication written then takes it from the record, and the session
 * made answers a repeat. Its CTR is the handshake's. Any other such
 * GW_CONFIRM, a replay (of a handshake confirmed long ago, say), is
 * dropped (drop-no-handshake), at any time. A GW_KEY whose record a crash
 * lost (it went out before the commit) is not taken on the word: its
 * SID stays in the restart's quarantine below.
 *
 * What no record tells is what was handed out just before a crash: the
 * SID of a GW_KEY whose handshake was in progress (its gateway may have
 * made it a session since), or of an authentication not yet written. So
 * SIDs are handed out from blocks reserved in the store first (struct
 * la_sid_mark, written in one transaction with the authentications
 * waiting): at or past the space's mark hwm no SID was handed out, and
 * every one that may be held without a record lies in [lo, hwm), lo
 * being the position of its oldest handshake in progress. A block holds
 * up to LA_SRV_SID_BLOCK free SIDs, fewer in a space nearly full (a
 * sixty-fourth of the free ones, at least one), so that a crash costs
 * little. After a restart, a space starts at hwm, and holds [lo, hwm) for
 * pending_ms and the longest life granted from it (the restart's
 * quarantine): a handshake answered before the crash could become a
 * session at its gateway within the handshake timeout, and live that
 * long. A space's marks keep its quarantines still running, so that they
 * hold across another crash (LA_SID_QUARANTINES of them at most, merged
 * beyond). A GW_CONFIRM of one of them, on its gateway's word, takes its
 * SID for its session. So no SID is handed out while a session the
 * server recorded, or answered before a restart, may hold it in its
 * space, as long as the gateways' handshake timeout is no longer than
 * pending_ms and the wall clock does not jump forward across a restart.
 *
 * What the server cannot know of is not covered beyond the order of the
 * cursor: a session whose GW_CONFIRM was lost (it is not acknowledged:
 * protocol.rst, "Known limits"), one that an attacker makes at a gateway
 * with a CONFIRM it captured before, the session a device left at a
 * gateway before the last one it left, and, after a restart, those of a
 * device deleted from the store.
 */
#ifndef _LITEAUTH_SERVER_H
#define _LITEAUTH_SERVER_H

#include "proto.h"
#include "quiet.h"
#include "ratelimit.h"
#include "store.h"

/* Counters: what was answered, and every reason something was not. */
enum la_srv_counter {
	LA_SRV_HELLO,		/* HELLO answered with a new KEY */
	LA_SRV_KEY_RESENT,	/* the same KEY (re-sealed), for a repeat */
	LA_SRV_CONFIRMED,	/* CONFIRM verified: session established */
	LA_SRV_CONFIRMED_WORD,	/* GW_CONFIRM of a lost handshake: T6 */
	LA_SRV_ACK_RESENT,	/* the same ACK, for a repeated CONFIRM */
	LA_SRV_CONFIRM_REPEAT,	/* GW_CONFIRM of the live session again */
	LA_SRV_GW_HELLO,	/* GW_HELLO answered with a new GW_KEY */
	LA_SRV_GW_REJECT,	/* GW_HELLO answered with GW_REJECT */
	LA_SRV_DROP_MALFORMED,	/* size, type, version, suite or a field */
	LA_SRV_DROP_AUTH,	/* a HELLO's T1 did not verify */
	LA_SRV_DROP_STALE,	/* HELLO whose CTR is not above the highest */
	LA_SRV_DROP_UNKNOWN,	/* no such device */
	LA_SRV_DROP_DISABLED,	/* the device is disabled */
	LA_SRV_DROP_GATEWAY,	/* unknown, disabled gateway, or bad T4/T6 */
	LA_SRV_DROP_RATE,	/* the device's or the global HELLO budget */
	LA_SRV_DROP_RATE_UNKNOWN, /* the budget of devices not in memory */
	LA_SRV_DROP_RATE_GATEWAY, /* the budget of gateway lookups */
	LA_SRV_DROP_ACK_RATE,	/* a repeated CONFIRM within 500 ms */
	LA_SRV_DROP_BUSY,	/* no room for another handshake */
	LA_SRV_DROP_NO_HANDSHAKE, /* CONFIRM without a KEY before it */
	LA_SRV_DROP_STORE,	/* the key store failed */
	LA_SRV_AUDIT_OVERFLOW,	/* refusals summed without their IDs */
	LA_SRV_SID_REUSED,	/* a renewal took a SID of its own: full */
	LA_SRV_SID_FULL,	/* of drop-busy: no SID free in the space */
	LA_SRV_SID_MARKS,	/* blocks of SIDs reserved in the store */
	LA_SRV_SID_CLASH,	/* a session on a SID another one holds */
	LA_SRV_STORE_RETRY,	/* records kept for the next commit: it failed */
	/* Added last: liteauth status keeps the order of those before. */
	LA_SRV_DROP_CONFIRM,	/* a CONFIRM's T3 did not verify */
	LA_SRV_MAX,
};

struct la_server_limits {
	u16 life;		/* session lifetime, minutes */
	u32 pending_max;	/* handshakes in progress at once */
	u32 pending_ms;		/* how long one is kept */
	u32 rate_device;	/* HELLOs a minute per device; 0: no limit */
	u32 burst_device;
	u32 rate_global;	/* HELLOs a minute that read the store */
	u32 burst_global;
	u32 rate_unknown;	/* ... of devices the server holds nothing of,
				 * directly, and per gateway
				 */
	u32 burst_unknown;
	u32 rate_gateway;	/* lookups of gateways it does not hold */
	u32 burst_gateway;
	u32 audit_interval;	/* s, over which refusals are summed up */
	u64 audit_keep;		/* authentication records kept */
	u64 audit_refusals_keep; /* refusal summaries kept */
};

struct la_server_ops {
	u64 (*now)(void *arg);		/* monotonic, ns */
	u64 (*wall)(void *arg);		/* Unix time, s (for the store) */
	void (*random)(void *arg, void *buf, size_t len);	/* CSPRNG */
	void (*log)(void *arg, const char *msg);	/* one event */
};

struct la_pending;
struct la_session;
struct la_space;
struct la_srv_gw;
struct la_summary;

/* Records kept for one transaction at most (see la_server_begin()). */
#define LA_SRV_RECORDS 256
/* Refusal summaries with their IDs, per audit interval. */
#define LA_SRV_SUMMARY_MAX 4096
/* Of which summaries of claims (LA_AUDIT_F_CLAIMED), at most. */
#define LA_SRV_SUMMARY_CLAIMED_MAX 256
/* Refusal records claims can add in an interval: theirs, and overflow. */
#define LA_SRV_SUMMARY_CLAIMED_RECORDS \
	(LA_SRV_SUMMARY_CLAIMED_MAX + LA_AUDIT_REASON_MAX - 1)
/* A repeated CONFIRM gets its ACK again at most this often, per device. */
#define LA_SRV_ACK_RESEND_MS 500
/* How long a proven gateway's key and state are trusted without a read. */
#define LA_SRV_GW_RECHECK_MS 1000
/* Free SIDs a block reserves in a space, at most. */
#define LA_SRV_SID_BLOCK 256U

struct la_server {
	struct la_store *store;
	struct la_server_limits limits;
	const struct la_server_ops *ops;
	void *arg;
	struct la_bucket global, unknown, gateway;
	u32 hash_seed;
	u32 npending, nsessions, ngateways, nspaces;
	u32 nlive;		/* states with live set: la_live() */
	struct la_session **sessions;	/* LA_SRV_BUCKETS chains */
	struct la_srv_gw **gateways;	/* LA_SRV_GW_BUCKETS chains */
	struct la_space **spaces;	/* of gateways: LA_SRV_GW_BUCKETS */
	struct la_space *direct;	/* of direct devices */
	u32 restored;		/* live SIDs held from the store at init */
	u64 counters[LA_SRV_MAX];
	/* Authentications not yet in the store. */
	bool deferring;
	unsigned int nrecords;
	struct la_audit records[LA_SRV_RECORDS];
	/* This audit interval's refusals: summaries, and log lines left out. */
	u64 interval_start;		/* monotonic ns */
	u64 interval_wall;		/* its Unix time */
	unsigned int nsummaries;
	unsigned int nclaimed;		/* of them, with LA_AUDIT_F_CLAIMED */
	struct la_summary *summaries;	/* 2 * LA_SRV_SUMMARY_MAX slots */
	u32 overflow[LA_AUDIT_REASON_MAX][2];	/* by reason, claimed */
	struct la_audit *summary_records;	/* room to write them */
	struct la_quiet quiet[LA_SRV_MAX];	/* log lines, by counter */
};

/*
 * Loads the gateways, the SID spaces' marks and the SIDs the devices'
 * records hold. 0, -ENOMEM, or the store's error: a server that cannot
 * read them must not run, or it could hand out SIDs still live.
 */
int la_server_init(struct la_server *s, struct la_store *store,
		   const struct la_server_limits *limits,
		   const struct la_server_ops *ops, void *arg);
/* Writes what is left to write, then frees everything, wiping keys. */
/*
 * Writes what is recorded and not yet written (CTRs, refusal summaries of
 * the interval in progress), as la_server_destroy() does first; the
 * server's state stays as it is.
 */
void la_server_flush(struct la_server *s);
void la_server_destroy(struct la_server *s);

/*
 * One message from a peer. Writes the answer to @reply (room for
 * LITEAUTH_MSG_MAX_LEN bytes) and returns its length, or 0 when the
 * protocol says to stay silent: KEY or nothing for a HELLO, ACK or
 * nothing for a CONFIRM, GW_KEY, GW_REJECT or nothing for a GW_HELLO,
 * nothing for a GW_CONFIRM (its gateway sends the ACK).
 */
size_t la_server_handle(struct la_server *s, const void *msg, size_t len,
			u8 *reply);

/*
 * Group commit: between la_server_begin() and la_server_commit(), the
 * authentications the server records are kept, and written to the store
 * in one transaction at the commit (or when LA_SRV_RECORDS are waiting),
 * so that a burst of handshakes costs one write to the disk, not one
 * each, or before a block of SIDs is reserved, in its transaction.
 * Outside them, each is written at once. The daemon brackets each
 * wakeup of its event loop. A record that cannot be written counts as
 * drop-store. One of a device rekeyed before it is written counts, but
 * leaves its CTR alone: the record says which key the handshake used. Refusals are written as summaries at the end of each audit
 * interval (by la_server_expire(), or the next refusal after it), and at
 * la_server_destroy().
 */
void la_server_begin(struct la_server *s);
void la_server_commit(struct la_server *s);

/*
 * Forgets expired handshakes, sessions and idle device states, and ends
 * the audit interval when it is over; call every second or so.
 */
void la_server_expire(struct la_server *s);

/*
 * Reads again the store's record of every device the server holds state
 * for. One re-provisioned meanwhile (liteauth device add after del, or
 * rekey: its key changed, or its stored CTR went down), or deleted, is
 * forgotten but for its live session: its next HELLO is checked against
 * the store, as after a restart. Loads the gateways again. Costs one
 * store read per device state; the daemon calls it on SIGHUP.
 */
void la_server_resync(struct la_server *s);
/*
 * The same for one principal the store has just changed (liteauthd's
 * control socket): device @id's state, if the server holds one, or, for
 * a gateway, the gateways.
 */
void la_server_changed(struct la_server *s, enum la_kind kind, const u8 *id);

/* What a SID is in its space (server.h, "SIDs"). */
enum la_sid_state {
	LA_SID_FREE,
	LA_SID_HELD,		/* by a handshake or a session */
	LA_SID_QUARANTINED,	/* by a restart's quarantine, and nothing else */
};

/*
 * @sid in the space of gateway @idg (@gateway) or of the direct devices,
 * and how many SIDs that space holds (0 if it has none). For tests and
 * diagnostics.
 */
enum la_sid_state la_server_sid(struct la_server *s, bool gateway,
				const u8 *idg, u16 sid, u32 *held);

const char *la_server_counter_name(enum la_srv_counter c);
/*
 * The name of an audit record's reason (store.h): that of the counter
 * that counts its refusals, "-" for none (an authentication), "?" for a
 * code this release does not know.
 */
const char *la_audit_reason_name(u8 reason);

/*
 * The server's state now, for liteauth status (liteauth(8) lists them),
 * as numbers, each given to @put with its name, in this order: device
 * states (nsessions), live sessions, handshakes in progress and the most
 * there may be, SIDs held and their spaces, gateways held; for each of
 * the global, unknown (direct devices') and gateway budgets its rate,
 * burst and the tokens left in it (the burst when its rate is 0: no
 * limit), and how many gateways' budgets of unknown devices are empty;
 * then every counter, by la_server_counter_name(). Reads memory only:
 * live sessions are counted as they start and end (nlive), so a call
 * walks the SID spaces and the gateways, never the device states, and
 * nothing of the store.
 */
void la_server_status(struct la_server *s,
		      void (*put)(void *arg, const char *name, u64 value),
		      void *arg);

#endif /* _LITEAUTH_SERVER_H */
