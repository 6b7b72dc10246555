/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gateway's side of the protocol (Documentation/protocol.rst, "Through
 * a gateway" and "The gateway"): a table of the devices the server vouched
 * for, each with its handshake waiting for CONFIRM and its session, driven
 * by frames from the radio and by messages from the daemon. A HELLO makes
 * no state: what its answer needs travels in GW_HELLO's CTX and comes back
 * in GW_KEY's ECHO, authenticated by Rg.
 *
 * The gateway does not know how frames and messages travel: it calls the
 * struct la_gw_ops it was created with, which radio.c and netlink.c provide
 * in the module and the KUnit suites replace with their own.
 */
#ifndef _LITEAUTH_GATEWAY_H
#define _LITEAUTH_GATEWAY_H

#include <linux/hashtable.h>
#include <linux/netlink.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "limits.h"
#include "proto.h"
#include "ratelimit.h"

struct la_gw;

/* A radio address: where a device's frame came from, where its KEY goes. */
struct la_addr {
	int ifindex;
	u8 mode;		/* LITEAUTH_ADDR_SHORT or LITEAUTH_ADDR_EXTENDED */
	u16 pan_id;		/* host byte order, as are the addresses */
	u16 short_addr;
	u64 ext_addr;
};

struct la_event {
	u8 type;		/* enum liteauth_event_type */
	u8 reason;		/* down reason, or GW_REJECT's REASON */
	u16 sid;
	int ifindex;
	u8 idd[LA_ID_LEN];	/* all zero for interface or daemon events */
};

struct la_gw_ops {
	/* Sends a KEY to a device. May be called in softirq context. */
	int (*radio_tx)(struct la_gw *gw, const struct la_addr *to,
			const void *msg, size_t len);
	/* Relays GW_HELLO or GW_CONFIRM to the daemon; -ENOTCONN if none. */
	int (*relay_up)(struct la_gw *gw, const void *msg, size_t len);
	/* Tells listeners; must not fail loudly, may drop. */
	void (*event)(struct la_gw *gw, const struct la_event *ev);
	/* Monotonic time in ns, and random bytes: the clock and the CSPRNG
	 * in the module, fixed values in the tests.
	 */
	u64 (*now)(struct la_gw *gw);
	void (*random)(struct la_gw *gw, void *buf, size_t len);
};

/* What LITEAUTH_CMD_SET may tune; defaults from limits.h. */
struct la_limits {
	u32 devices_max;
	u32 rate_device;	/* HELLOs a minute, per device; 0: unlimited */
	u32 burst_device;
	u32 rate_iface;		/* HELLOs a minute per interface, naming devices
				 * the gateway knows
				 */
	u32 burst_iface;
	u32 pending_timeout_ms;	/* how long a handshake may take */
	u32 rate_unknown;	/* HELLOs a minute per interface, of devices
				 * it does not know
				 */
	u32 burst_unknown;
};

/* A session or handshake, as a dump shows it. No key material. */
struct la_session_info {
	u8 idd[LA_ID_LEN];
	u8 state;		/* enum liteauth_state */
	u16 sid;
	struct la_addr addr;
	u64 age_ms;		/* since it was established, or started */
	u64 expires_ms;		/* until it expires */
	u64 rx_ok, rx_drop;	/* its frames accepted and dropped */
};

struct la_gw {
	const struct la_gw_ops *ops;
	void *priv;			/* for ops */

	spinlock_t lock;		/* protects everything below */
	DECLARE_HASHTABLE(devices, LA_DEVICE_HASH_BITS);
	u32 ndevices;
	u32 generation;			/* bumped on every change dumps show */
	struct la_limits limits;
	bool has_identity;
	u8 idg[LA_ID_LEN];
	u8 kg[LA_KEY_LEN];		/* never leaves the module */
	u32 identity_seq;		/* bumped by every la_gw_set_identity */
	u8 kg_hello[LA_KEY_LEN];	/* KDF(Kg, "LA1 gw hello", IDg) */
	u8 cookie_key[LA_KEY_LEN];	/* Rg's key, random at init */
	u64 epoch;			/* ops->now at init: CTX's time 0 */
	struct {
		int ifindex;
		struct la_bucket bucket;	/* devices it knows */
		struct la_bucket unknown;	/* devices it does not */
	} ifaces[LA_IFACES_MAX];

	struct list_head reports;	/* devices with a report due */
	u32 reports_due;		/* how many */
	bool running;			/* gc may be armed */

	atomic64_t counters[__LITEAUTH_CNT_MAX];
	struct delayed_work gc;		/* also sends reports due */
};

void la_gw_init(struct la_gw *gw, const struct la_gw_ops *ops, void *priv);
/* Stops the collector and frees every device, wiping its keys. */
void la_gw_destroy(struct la_gw *gw);

/* Collects expired handshakes and sessions every LA_GC_INTERVAL_MS. */
void la_gw_start_gc(struct la_gw *gw);
void la_gw_stop_gc(struct la_gw *gw);
void la_gw_gc(struct la_gw *gw);

/*
 * Offers the daemon again the GW_CONFIRMs it did not take (at most a
 * batch), until the handshake timeout after each handshake began (when
 * the server forgets it too), and while the session lasts; those it did
 * not take by then are counted lost. Returns how many are still due.
 * The gc runs it every LA_REPORT_RETRY_MS while any is due.
 */
unsigned int la_gw_send_reports(struct la_gw *gw);

/* Sets IDg and Kg, and derives what is kept of Kg. 0 or -EIO. */
int la_gw_set_identity(struct la_gw *gw, const u8 *idg, const u8 *kg);
void la_gw_set_limits(struct la_gw *gw, const struct la_limits *limits);

/*
 * A frame's MAC payload from the radio. Returns 0 or the counter of the
 * reason it was dropped (also counted).
 */
int la_gw_rx_radio(struct la_gw *gw, const struct la_addr *from,
		   const void *msg, size_t len);

/*
 * GW_KEY or GW_REJECT from the daemon. Returns 0 or a negative errno with
 * @extack set (the drop is counted).
 */
int la_gw_rx_daemon(struct la_gw *gw, const void *msg, size_t len,
		    struct netlink_ext_ack *extack);

/* Ends the session and handshake of @idd (or of all devices, if NULL),
 * returning how many devices had either.
 */
int la_gw_revoke(struct la_gw *gw, const u8 *idd);

/* The interface went away: its sessions and handshakes end with it. */
void la_gw_iface_gone(struct la_gw *gw, int ifindex);

/*
 * Calls @fill for the sessions and handshakes after *@cursor, in a stable
 * order while the generation stays the same, advancing *@cursor past each
 * one @fill accepts (returns 0). Stops at the first it refuses. Called
 * with no lock held; @fill runs under gw->lock and must not sleep.
 */
int la_gw_walk(struct la_gw *gw, u64 *cursor,
	       int (*fill)(void *arg, const struct la_session_info *si),
	       void *arg);

u64 la_gw_counter(struct la_gw *gw, enum liteauth_counter c);

/* Counts a frame dropped before it reached the gateway (radio.c). */
void la_gw_drop(struct la_gw *gw, enum liteauth_counter c);

/* Something dumps show changed outside the gateway (an interface). */
void la_gw_touch(struct la_gw *gw);

/* What a dump shows of the gateway itself: never its key. */
struct la_gw_info {
	u32 generation;
	bool has_identity;
	u8 idg[LA_ID_LEN];
	struct la_limits limits;
};

void la_gw_info(struct la_gw *gw, struct la_gw_info *info);

#endif /* _LITEAUTH_GATEWAY_H */
