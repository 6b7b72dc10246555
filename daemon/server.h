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
 */
#ifndef _LITEAUTH_SERVER_H
#define _LITEAUTH_SERVER_H

#include "proto.h"
#include "ratelimit.h"
#include "store.h"

/* Counters: what was answered, and every reason something was not. */
enum la_srv_counter {
	LA_SRV_HELLO,		/* HELLO answered with a new KEY */
	LA_SRV_KEY_RESENT,	/* the same KEY or GW_KEY, for a repeat */
	LA_SRV_CONFIRMED,	/* CONFIRM verified: session established */
	LA_SRV_GW_HELLO,	/* GW_HELLO answered with a new GW_KEY */
	LA_SRV_GW_REJECT,	/* GW_HELLO answered with GW_REJECT */
	LA_SRV_DROP_MALFORMED,	/* size, type, version, suite or a field */
	LA_SRV_DROP_AUTH,	/* a device's tag did not verify */
	LA_SRV_DROP_UNKNOWN,	/* no such device */
	LA_SRV_DROP_DISABLED,	/* the device is disabled */
	LA_SRV_DROP_GATEWAY,	/* unknown or disabled gateway, or bad T4/T6 */
	LA_SRV_DROP_RATE,	/* a rate limit */
	LA_SRV_DROP_BUSY,	/* no room for another handshake */
	LA_SRV_DROP_NO_HANDSHAKE, /* CONFIRM without a KEY before it */
	LA_SRV_DROP_STORE,	/* the key store failed */
	LA_SRV_MAX,
};

struct la_server_limits {
	u16 life;		/* session lifetime, minutes */
	u32 pending_max;	/* handshakes in progress at once */
	u32 pending_ms;		/* how long one is kept */
	u32 rate_device;	/* HELLOs a minute per device; 0: no limit */
	u32 burst_device;
	u32 rate_global;	/* HELLOs a minute in all */
	u32 burst_global;
	u64 audit_keep;		/* audit records kept */
};

struct la_server_ops {
	u64 (*now)(void *arg);		/* monotonic, ns */
	u64 (*wall)(void *arg);		/* Unix time, s (for the store) */
	void (*random)(void *arg, void *buf, size_t len);	/* CSPRNG */
	void (*log)(void *arg, const char *msg);	/* one event */
};

struct la_pending;
struct la_session;

/* Records kept for one transaction at most (see la_server_begin()). */
#define LA_SRV_RECORDS 256

struct la_server {
	struct la_store *store;
	struct la_server_limits limits;
	const struct la_server_ops *ops;
	void *arg;
	struct la_bucket global;
	u32 hash_seed;
	u32 npending, nsessions;
	struct la_pending **pending;	/* LA_SRV_BUCKETS chains */
	struct la_session **sessions;
	u8 sid_used[65536 / 8];
	u64 counters[LA_SRV_MAX];
	/* Audit records (and authentications) not yet in the store. */
	bool deferring;
	unsigned int nrecords;
	struct la_audit records[LA_SRV_RECORDS];
};

int la_server_init(struct la_server *s, struct la_store *store,
		   const struct la_server_limits *limits,
		   const struct la_server_ops *ops, void *arg);
/* Frees everything, wiping every key. */
void la_server_destroy(struct la_server *s);

/*
 * One message from a peer. Writes the answer to @reply (room for
 * LITEAUTH_MSG_MAX_LEN bytes) and returns its length, or 0 when the
 * protocol says to stay silent.
 */
size_t la_server_handle(struct la_server *s, const void *msg, size_t len,
			u8 *reply);

/*
 * Group commit: between la_server_begin() and la_server_commit(), what
 * the server records of each handshake is kept, and written to the store
 * in one transaction at the commit (or when LA_SRV_RECORDS are waiting),
 * so that a burst of handshakes costs one write to the disk, not one
 * each. Outside them, each record is written at once. The daemon brackets
 * each wakeup of its event loop. A record that cannot be written counts
 * as drop-store.
 */
void la_server_begin(struct la_server *s);
void la_server_commit(struct la_server *s);

/* Forgets expired handshakes and sessions; call every second or so. */
void la_server_expire(struct la_server *s);

const char *la_server_counter_name(enum la_srv_counter c);

#endif /* _LITEAUTH_SERVER_H */
