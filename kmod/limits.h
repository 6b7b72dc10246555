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

/* Devices the gateway tracks at once (set): only devices the server
 * vouched for get an entry, so HELLOs from made-up IDs never fill it.
 */
#define LA_DEVICES_MAX			4096

/* Handshakes accepted per device, that is GW_KEYs that opened: a sustained
 * rate and a burst (set). Nothing unverified is charged to it.
 */
#define LA_RATE_DEVICE_PER_MIN		30
#define LA_RATE_DEVICE_BURST		5

/* HELLOs accepted per bound interface naming devices the gateway knows
 * (set). Anyone can name one, so this is above what one 2.4 GHz 802.15.4
 * channel carries: about 466 HELLO frames a second, 665 from a
 * transmitter that leaves no interframe space at all (benchmarks.rst,
 * radio_hello_frames_per_s): no radio sends forgeries enough to empty
 * it. It bounds what an interface that is not a radio can deliver.
 */
#define LA_RATE_IFACE_PER_MIN		(60 * 700)
#define LA_RATE_IFACE_BURST		700

/* HELLOs accepted per bound interface from devices the gateway does not
 * know (set). One 2.4 GHz 802.15.4 channel carries at most about 466
 * HELLO frames a second (benchmarks.rst, radio_hello_frames_per_s); this
 * passes under half of that. A flood of made-up IDs spends only this
 * budget, never the one of known devices above.
 */
#define LA_RATE_UNKNOWN_PER_MIN		(60 * 200)
#define LA_RATE_UNKNOWN_BURST		200

/* KEY and ACK are resent to a device at most this often. */
#define LA_RESEND_MIN_MS		500

/* A device with no session nor handshake is still known (keeps its CTR
 * and its budget class) this long after its last verified event.
 */
#define LA_KNOWN_KEEP_MS		(60 * 60 * 1000)

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
