/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * liteauth: lightweight mutual authentication and session keys for
 * IEEE 802.15.4 / 6LoWPAN devices.
 *
 * The constants of wire protocol version 2 (Documentation/protocol.rst).
 * They are shared by the kernel module, the daemon, the tools and device
 * firmware; the messages cross the module's generic netlink interface
 * unchanged, so their types and exact sizes are part of the ABI.
 *
 * It also defines the generic netlink interface of the gateway module.
 * This header holds macros and enums only and includes nothing, so that it
 * builds unchanged in the kernel, in userspace and on a bare-metal device.
 */
#ifndef _UAPI_LINUX_LITEAUTH_H
#define _UAPI_LINUX_LITEAUTH_H


/* UDP port of the security management server (0xF0BE, RFC 6282 NHC-able). */
#define LITEAUTH_UDP_PORT	61630

/* Byte 1 of every message: version in the high nibble, suite in the low. */
#define LITEAUTH_VERSION	2
#define LITEAUTH_VS(suite)	((LITEAUTH_VERSION << 4) | ((suite) & 0x0f))

enum liteauth_suite {
	LITEAUTH_SUITE_AES128 = 1,	/* AES-128, CCM-8, CMAC: the default */
	LITEAUTH_SUITE_LEA128 = 2,	/* LEA-128 (KS X 3246), same modes */
};

/*
 * Message types, byte 0 of every message. The top two bits are 00, so on a
 * raw 802.15.4 frame the type is a 6LoWPAN NALP dispatch (RFC 4944 5.1).
 */
enum liteauth_msg_type {
	LITEAUTH_MSG_HELLO = 0x31,	/* device -> gateway/server */
	LITEAUTH_MSG_KEY = 0x32,	/* server -> device (via gateway) */
	LITEAUTH_MSG_CONFIRM = 0x33,	/* device -> gateway/server */
	LITEAUTH_MSG_GW_HELLO = 0x34,	/* gateway -> server */
	LITEAUTH_MSG_GW_KEY = 0x35,	/* server -> gateway */
	LITEAUTH_MSG_GW_CONFIRM = 0x36,	/* gateway -> server */
	LITEAUTH_MSG_GW_REJECT = 0x37,	/* server -> gateway */
	LITEAUTH_MSG_ACK = 0x38,	/* gateway/server -> device */
};

#define LITEAUTH_MSG_FIRST	LITEAUTH_MSG_HELLO
#define LITEAUTH_MSG_LAST	LITEAUTH_MSG_ACK

/* Exact size of each message; any other length is malformed. */
#define LITEAUTH_HELLO_LEN	30
#define LITEAUTH_KEY_LEN	46
#define LITEAUTH_CONFIRM_LEN	18
#define LITEAUTH_GW_HELLO_LEN	77
#define LITEAUTH_GW_KEY_LEN	141
#define LITEAUTH_GW_CONFIRM_LEN	55
#define LITEAUTH_GW_REJECT_LEN	67
#define LITEAUTH_ACK_LEN	18
#define LITEAUTH_MSG_MAX_LEN	LITEAUTH_GW_KEY_LEN
/* The largest message a radio carries (KEY): one frame, never fragmented. */
#define LITEAUTH_RADIO_MAX_LEN	LITEAUTH_KEY_LEN

/* Field sizes. */
#define LITEAUTH_ID_LEN		8	/* IDd, IDg: EUI-64 */
#define LITEAUTH_PSK_LEN	16	/* Kd, Kg, SK */
#define LITEAUTH_NONCE_LEN	8	/* Rd, Rg, Rs */
#define LITEAUTH_TAG_LEN	8	/* truncated CMAC, CCM tag */
#define LITEAUTH_CTR_LEN	4	/* the device's handshake counter */
#define LITEAUTH_CTX_LEN	20	/* the gateway's context, opaque to S */

/* GW_REJECT reasons. */
enum liteauth_reject_reason {
	LITEAUTH_REJECT_UNKNOWN_DEVICE = 1,
	LITEAUTH_REJECT_BAD_DEVICE_MAC = 2,
	LITEAUTH_REJECT_DEVICE_DISABLED = 3,
	LITEAUTH_REJECT_RATE_LIMITED = 4,
	LITEAUTH_REJECT_SERVER_BUSY = 5,
	LITEAUTH_REJECT_STALE = 6,	/* CTR not above the last accepted */
};

/*
 * The gateway's counters (liteauth.ko), exported over generic netlink in
 * LITEAUTH_A_COUNTERS, one u64 attribute per counter, type = index + 1.
 * Every frame or message the gateway refuses is counted under exactly one
 * LITEAUTH_CNT_DROP_* reason.
 */
enum liteauth_counter {
	LITEAUTH_CNT_RX_FRAMES,		/* liteauth frames from the radio */
	LITEAUTH_CNT_RX_HELLO,		/* HELLO accepted for relaying */
	LITEAUTH_CNT_RX_CONFIRM,	/* CONFIRM verified: session up */
	LITEAUTH_CNT_TX_KEY,		/* KEY sent to a device */
	LITEAUTH_CNT_TX_KEY_RESEND,	/* KEY resent for a repeated HELLO */
	LITEAUTH_CNT_UP_GW_HELLO,	/* GW_HELLO relayed to the daemon */
	LITEAUTH_CNT_UP_GW_HELLO_RESEND, /* unused since protocol v2 */
	LITEAUTH_CNT_UP_GW_CONFIRM,	/* GW_CONFIRM relayed to the daemon */
	LITEAUTH_CNT_DOWN_GW_KEY,	/* GW_KEY opened: SK installed */
	LITEAUTH_CNT_DOWN_GW_REJECT,	/* GW_REJECT verified */
	LITEAUTH_CNT_SESSION_EXPIRED,
	LITEAUTH_CNT_SESSION_REVOKED,
	LITEAUTH_CNT_SESSION_REPLACED,
	LITEAUTH_CNT_PENDING_EXPIRED,	/* handshake not finished in time */
	LITEAUTH_CNT_DROP_SIZE,		/* wrong length for the type */
	LITEAUTH_CNT_DROP_TYPE,		/* unknown type, or not one we take */
	LITEAUTH_CNT_DROP_VERSION,
	LITEAUTH_CNT_DROP_SUITE,
	LITEAUTH_CNT_DROP_MALFORMED,	/* LEN, inner message or a field */
	LITEAUTH_CNT_DROP_AUTH,		/* tag or seal did not verify */
	LITEAUTH_CNT_DROP_CRYPTO,	/* crypto backend failure */
	LITEAUTH_CNT_DROP_RATE_DEVICE,	/* per-device rate limit */
	LITEAUTH_CNT_DROP_RATE_IFACE,	/* per-interface rate limit */
	LITEAUTH_CNT_DROP_TABLE_FULL,	/* no room for another device */
	LITEAUTH_CNT_DROP_NO_HANDSHAKE,	/* nothing pending for it */
	LITEAUTH_CNT_DROP_DUPLICATE,	/* a second GW_KEY or CONFIRM */
	LITEAUTH_CNT_DROP_NOT_OURS,	/* GW_* message for another gateway */
	LITEAUTH_CNT_DROP_NO_IDENTITY,	/* gateway ID and key not set */
	LITEAUTH_CNT_DROP_NO_DAEMON,	/* no daemon registered */
	LITEAUTH_CNT_DROP_TX,		/* radio or netlink send failed */
	LITEAUTH_CNT_TX_ACK,		/* ACK sent for a verified CONFIRM */
	LITEAUTH_CNT_TX_ACK_RESEND,	/* ACK resent for a repeated CONFIRM */
	LITEAUTH_CNT_DROP_STALE,	/* HELLO or GW_KEY whose CTR is used up */
	LITEAUTH_CNT_DROP_RATE_UNKNOWN,	/* per-interface budget of devices the
					 * gateway does not know
					 */
	LITEAUTH_CNT_DROP_LATE,		/* GW_KEY or GW_REJECT after the
					 * handshake timeout
					 */
	LITEAUTH_CNT_UP_GW_CONFIRM_RESEND, /* GW_CONFIRM relayed once the
					    * daemon could take it
					    */
	LITEAUTH_CNT_UP_GW_CONFIRM_LOST, /* GW_CONFIRM the daemon did not
					  * take within the handshake timeout
					  */
	__LITEAUTH_CNT_MAX,
};


/* Where a device's session or handshake stands. */
enum liteauth_state {
	LITEAUTH_STATE_WAIT_KEY = 1,	/* not used since protocol v2: the
					 * gateway keeps nothing before GW_KEY
					 */
	LITEAUTH_STATE_WAIT_CONFIRM,	/* KEY sent, awaiting CONFIRM */
	LITEAUTH_STATE_ESTABLISHED,
};

/* Why a session ended. */
enum liteauth_down_reason {
	LITEAUTH_DOWN_EXPIRED = 1,
	LITEAUTH_DOWN_REVOKED,
	LITEAUTH_DOWN_REPLACED,
	LITEAUTH_DOWN_UNBOUND,		/* its interface went away */
};

/* What the gateway tells listeners of its "events" multicast group. */
enum liteauth_event_type {
	LITEAUTH_EVENT_SESSION_UP = 1,	/* a device's CONFIRM verified */
	LITEAUTH_EVENT_SESSION_DOWN,	/* with an enum liteauth_down_reason */
	LITEAUTH_EVENT_REJECT,		/* GW_REJECT, with its REASON */
	LITEAUTH_EVENT_RATE_LIMITED,	/* a device or interface hit its limit */
	LITEAUTH_EVENT_DAEMON_GONE,	/* the registered daemon's socket closed */
};

/* Radio address modes (IEEE 802.15.4 addressing). */
enum liteauth_addr_mode {
	LITEAUTH_ADDR_SHORT = 2,
	LITEAUTH_ADDR_EXTENDED = 3,
};

/*
 * Generic netlink family "liteauth", version 1, between liteauth.ko and
 * userspace (the daemon and the liteauth tool); written down as a YNL spec
 * in Documentation/netlink/specs/liteauth.yaml. Every command needs
 * CAP_NET_ADMIN, and so does joining the "events" group. Attributes are
 * validated strictly: unknown attributes and wrong lengths are refused,
 * with an extack message. u64 attributes are not padded to 8-byte
 * alignment (6.1 has no NLA_UINT): read them with memcpy, as
 * nla_get_u64() and libnl do.
 */
#define LITEAUTH_GENL_NAME	"liteauth"
#define LITEAUTH_GENL_VERSION	1
#define LITEAUTH_MCGRP_EVENTS	"events"

enum liteauth_cmd {
	LITEAUTH_CMD_UNSPEC,
	/* Dump: first the gateway (GENERATION, GATEWAY_ID, FLAGS, IFACES,
	 * LIMITS, COUNTERS), then its sessions and handshakes, as many
	 * SESSIONS per message as fit. Never the gateway's key.
	 */
	LITEAUTH_CMD_GET,
	/* Set any of: GATEWAY_ID with GATEWAY_KEY; IFINDEX to bind (or to
	 * unbind, with LITEAUTH_F_UNBIND in FLAGS); LIMITS.
	 */
	LITEAUTH_CMD_SET,
	/* End the session and handshake of DEVICE_ID, or of every device
	 * with LITEAUTH_F_ALL in FLAGS.
	 */
	LITEAUTH_CMD_SESSION_DEL,
	/* The calling socket becomes the daemon the gateway relays to, until
	 * it closes. -EBUSY while another daemon's socket is registered.
	 */
	LITEAUTH_CMD_RELAY_REGISTER,
	/* MSG, GW_KEY or GW_REJECT, from the registered daemon. */
	LITEAUTH_CMD_RELAY,
	/* MSG, GW_HELLO or GW_CONFIRM, unicast to the registered daemon. */
	LITEAUTH_CMD_RELAY_NTF,
	/* EVENT, to the "events" multicast group. */
	LITEAUTH_CMD_EVENT,
	__LITEAUTH_CMD_MAX,
};
#define LITEAUTH_CMD_MAX	(__LITEAUTH_CMD_MAX - 1)

enum liteauth_flags {
	LITEAUTH_F_HAS_IDENTITY = 1U << 0,	/* GET: ID and key are set */
	LITEAUTH_F_HAS_DAEMON = 1U << 1,	/* GET: a daemon is registered */
	LITEAUTH_F_UNBIND = 1U << 2,		/* SET: unbind IFINDEX */
	LITEAUTH_F_ALL = 1U << 3,		/* SESSION_DEL: every device */
};
#define LITEAUTH_F_SET_MASK	LITEAUTH_F_UNBIND
#define LITEAUTH_F_DEL_MASK	LITEAUTH_F_ALL

enum liteauth_attr {
	LITEAUTH_A_UNSPEC,
	LITEAUTH_A_GENERATION,		/* u32: changes with any change */
	LITEAUTH_A_GATEWAY_ID,		/* binary, LITEAUTH_ID_LEN */
	LITEAUTH_A_GATEWAY_KEY,		/* binary, LITEAUTH_PSK_LEN; write-only */
	LITEAUTH_A_FLAGS,		/* u32, enum liteauth_flags */
	LITEAUTH_A_IFINDEX,		/* u32 */
	LITEAUTH_A_IFACES,		/* nest of LITEAUTH_A_IFINDEX */
	LITEAUTH_A_LIMITS,		/* nest, enum liteauth_limit_attr */
	LITEAUTH_A_COUNTERS,		/* nest of u64, type = counter + 1 */
	LITEAUTH_A_SESSIONS,		/* nest of LITEAUTH_A_SESSION */
	LITEAUTH_A_SESSION,		/* nest, enum liteauth_session_attr */
	LITEAUTH_A_DEVICE_ID,		/* binary, LITEAUTH_ID_LEN */
	LITEAUTH_A_MSG,			/* binary: one whole GW_* message */
	LITEAUTH_A_EVENT,		/* nest, enum liteauth_event_attr */
	__LITEAUTH_A_MAX,
};
#define LITEAUTH_A_MAX		(__LITEAUTH_A_MAX - 1)

enum liteauth_limit_attr {
	LITEAUTH_LIMIT_A_UNSPEC,
	LITEAUTH_LIMIT_A_DEVICES_MAX,	/* u32: devices tracked at once */
	LITEAUTH_LIMIT_A_RATE_DEVICE,	/* u32: handshakes (GW_KEYs) a minute
					 * per device
					 */
	LITEAUTH_LIMIT_A_BURST_DEVICE,	/* u32 */
	LITEAUTH_LIMIT_A_RATE_IFACE,	/* u32: HELLOs a minute per interface,
					 * naming devices the gateway knows
					 */
	LITEAUTH_LIMIT_A_BURST_IFACE,	/* u32 */
	LITEAUTH_LIMIT_A_PENDING_TIMEOUT_MS, /* u32: 1000..300000, 30000 */
	LITEAUTH_LIMIT_A_RATE_UNKNOWN,	/* u32: HELLOs a minute per interface
					 * from devices it does not know
					 */
	LITEAUTH_LIMIT_A_BURST_UNKNOWN,	/* u32 */
	__LITEAUTH_LIMIT_A_MAX,
};
#define LITEAUTH_LIMIT_A_MAX	(__LITEAUTH_LIMIT_A_MAX - 1)

enum liteauth_session_attr {
	LITEAUTH_SESSION_A_UNSPEC,
	LITEAUTH_SESSION_A_DEVICE_ID,	/* binary, LITEAUTH_ID_LEN */
	LITEAUTH_SESSION_A_STATE,	/* u32, enum liteauth_state */
	LITEAUTH_SESSION_A_SID,		/* u32 (16-bit SID) */
	LITEAUTH_SESSION_A_IFINDEX,	/* u32 */
	LITEAUTH_SESSION_A_ADDR_MODE,	/* u32, enum liteauth_addr_mode */
	LITEAUTH_SESSION_A_PAN_ID,	/* u32 (16-bit) */
	LITEAUTH_SESSION_A_SHORT_ADDR,	/* u32 (16-bit) */
	LITEAUTH_SESSION_A_EXT_ADDR,	/* u64, EUI-64 as a number */
	LITEAUTH_SESSION_A_AGE_MS,	/* u64 */
	LITEAUTH_SESSION_A_EXPIRES_MS,	/* u64: time left */
	LITEAUTH_SESSION_A_RX_OK,	/* u64: its frames accepted */
	LITEAUTH_SESSION_A_RX_DROP,	/* u64: its frames dropped */
	__LITEAUTH_SESSION_A_MAX,
};
#define LITEAUTH_SESSION_A_MAX	(__LITEAUTH_SESSION_A_MAX - 1)

enum liteauth_event_attr {
	LITEAUTH_EVENT_A_UNSPEC,
	LITEAUTH_EVENT_A_TYPE,		/* u32, enum liteauth_event_type */
	LITEAUTH_EVENT_A_REASON,	/* u32: down or reject reason */
	LITEAUTH_EVENT_A_DEVICE_ID,	/* binary, LITEAUTH_ID_LEN */
	LITEAUTH_EVENT_A_SID,		/* u32 (16-bit) */
	LITEAUTH_EVENT_A_IFINDEX,	/* u32 */
	__LITEAUTH_EVENT_A_MAX,
};
#define LITEAUTH_EVENT_A_MAX	(__LITEAUTH_EVENT_A_MAX - 1)

#endif /* _UAPI_LINUX_LITEAUTH_H */
