/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * liteauth: lightweight mutual authentication and session keys for
 * IEEE 802.15.4 / 6LoWPAN devices.
 *
 * The constants of wire protocol version 1 (Documentation/protocol.rst).
 * They are shared by the kernel module, the daemon, the tools and device
 * firmware; the messages cross the module's generic netlink interface
 * unchanged, so their types and exact sizes are part of the ABI.
 *
 * This header holds macros and enums only and includes nothing, so that it
 * builds unchanged in the kernel, in userspace and on a bare-metal device.
 */
#ifndef _UAPI_LINUX_LITEAUTH_H
#define _UAPI_LINUX_LITEAUTH_H

#define LITEAUTH_GENL_NAME	"liteauth"
#define LITEAUTH_GENL_VERSION	1

/* UDP port of the security management server (0xF0BE, RFC 6282 NHC-able). */
#define LITEAUTH_UDP_PORT	61630

/* Byte 1 of every message: version in the high nibble, suite in the low. */
#define LITEAUTH_VERSION	1
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
};

#define LITEAUTH_MSG_FIRST	LITEAUTH_MSG_HELLO
#define LITEAUTH_MSG_LAST	LITEAUTH_MSG_GW_REJECT

/* Exact size of each message; any other length is malformed. */
#define LITEAUTH_HELLO_LEN	26
#define LITEAUTH_KEY_LEN	46
#define LITEAUTH_CONFIRM_LEN	18
#define LITEAUTH_GW_HELLO_LEN	53
#define LITEAUTH_GW_KEY_LEN	101
#define LITEAUTH_GW_CONFIRM_LEN	37
#define LITEAUTH_GW_REJECT_LEN	35
#define LITEAUTH_MSG_MAX_LEN	LITEAUTH_GW_KEY_LEN

/* Field sizes. */
#define LITEAUTH_ID_LEN		8	/* IDd, IDg: EUI-64 */
#define LITEAUTH_PSK_LEN	16	/* Kd, Kg, SK */
#define LITEAUTH_NONCE_LEN	8	/* Rd, Rg, Rs */
#define LITEAUTH_TAG_LEN	8	/* truncated CMAC, CCM tag */

/* GW_REJECT reasons. */
enum liteauth_reject_reason {
	LITEAUTH_REJECT_UNKNOWN_DEVICE = 1,
	LITEAUTH_REJECT_BAD_DEVICE_MAC = 2,
	LITEAUTH_REJECT_DEVICE_DISABLED = 3,
	LITEAUTH_REJECT_RATE_LIMITED = 4,
	LITEAUTH_REJECT_SERVER_BUSY = 5,
};

#endif /* _UAPI_LINUX_LITEAUTH_H */
