/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every tunable of the gateway, in one place. Those marked (set) are the
 * defaults of what LITEAUTH_CMD_SET can change at run time.
 */
#ifndef _LITEAUTH_LIMITS_H
#define _LITEAUTH_LIMITS_H

/* PROTOCOL.md: a handshake in progress is kept for 30 seconds (set). */
#define LA_PENDING_TIMEOUT_MS		30000
#define LA_PENDING_TIMEOUT_MS_MIN	1000
#define LA_PENDING_TIMEOUT_MS_MAX	300000

/* Devices the gateway tracks at once: handshakes, sessions and rate
 * limiter state together (set). A flood of HELLOs from new IDs stops here.
 */
#define LA_DEVICES_MAX			4096

/* HELLOs accepted per device: a sustained rate and a burst (set). A device
 * resends HELLO after 1, 2, 4 and 8 s, so 5 in a burst is one full retry
 * cycle; the rate allows a new handshake every 2 seconds.
 */
#define LA_RATE_DEVICE_PER_MIN		30
#define LA_RATE_DEVICE_BURST		5

/* Frames accepted per bound interface (set): far above what one 802.15.4
 * channel carries in authentication traffic, far below what crypto costs.
 */
#define LA_RATE_IFACE_PER_MIN		(60 * 200)
#define LA_RATE_IFACE_BURST		400

/* How often expired handshakes and sessions are collected. */
#define LA_GC_INTERVAL_MS		1000

/* Interfaces a gateway can be bound to at once. */
#define LA_IFACES_MAX			8

/*
 * Hash table size of the device table, as a power of two: a chain of one
 * at the default devices-max, of a few at ten thousand (32 KB of heads).
 */
#define LA_DEVICE_HASH_BITS		12

#endif /* _LITEAUTH_LIMITS_H */
