/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names of the gateway module's counters (LITEAUTH_CNT_*, in the
 * order of uapi/linux/liteauth.h and of the YNL spec's counter enum), as
 * liteauth show counters prints them and liteauthd's metrics file names
 * them (liteauth_gateway_NAME_total).
 */
#ifndef _LITEAUTH_GW_COUNTERS_H
#define _LITEAUTH_GW_COUNTERS_H

#include <linux/liteauth.h>

static const char *const la_gw_counter_names[__LITEAUTH_CNT_MAX] = {
	"rx-frames", "rx-hello", "rx-confirm", "tx-key", "tx-key-resend",
	"up-gw-hello", "up-gw-hello-resend", "up-gw-confirm", "down-gw-key",
	"down-gw-reject", "session-expired", "session-revoked",
	"session-replaced", "pending-expired", "drop-size", "drop-type",
	"drop-version", "drop-suite", "drop-malformed", "drop-auth",
	"drop-crypto", "drop-rate-device", "drop-rate-iface",
	"drop-table-full", "drop-no-handshake", "drop-duplicate",
	"drop-not-ours", "drop-no-identity", "drop-no-daemon", "drop-tx",
	"tx-ack", "tx-ack-resend", "drop-stale", "drop-rate-unknown",
	"drop-late", "up-gw-confirm-resend", "up-gw-confirm-lost",
};

#endif /* _LITEAUTH_GW_COUNTERS_H */
