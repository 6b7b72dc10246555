// SPDX-License-Identifier: GPL-2.0
/*
 * What netlink.c's tests check, apart from the family so that
 * liteauth_test.ko's netlink_test.c checks this very code without
 * liteauth.ko holding the test: the attribute policies of the commands,
 * and how a dump keeps its cursor.
 */
#include <net/netlink.h>

#include "limits.h"
#include "netlink.h"

static struct netlink_range_validation la_devices_range = {
	.min = 1,
	.max = 1 << 20,
};

static struct netlink_range_validation la_timeout_range = {
	.min = LA_PENDING_TIMEOUT_MS_MIN,
	.max = LA_PENDING_TIMEOUT_MS_MAX,
};

static struct netlink_range_validation la_burst_range = {
	.max = LA_BURST_MAX,
};

const struct nla_policy la_limits_policy[LITEAUTH_LIMIT_A_MAX + 1] = {
	[LITEAUTH_LIMIT_A_DEVICES_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &la_devices_range),
	[LITEAUTH_LIMIT_A_RATE_DEVICE] = { .type = NLA_U32 },
	[LITEAUTH_LIMIT_A_BURST_DEVICE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &la_burst_range),
	[LITEAUTH_LIMIT_A_RATE_IFACE] = { .type = NLA_U32 },
	[LITEAUTH_LIMIT_A_BURST_IFACE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &la_burst_range),
	[LITEAUTH_LIMIT_A_PENDING_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &la_timeout_range),
	[LITEAUTH_LIMIT_A_RATE_UNKNOWN] = { .type = NLA_U32 },
	[LITEAUTH_LIMIT_A_BURST_UNKNOWN] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &la_burst_range),
};

const struct nla_policy la_set_policy[LITEAUTH_A_MAX + 1] = {
	[LITEAUTH_A_GATEWAY_ID] = NLA_POLICY_EXACT_LEN(LITEAUTH_ID_LEN),
	[LITEAUTH_A_GATEWAY_KEY] = NLA_POLICY_EXACT_LEN(LITEAUTH_PSK_LEN),
	[LITEAUTH_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, LITEAUTH_F_SET_MASK),
	[LITEAUTH_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[LITEAUTH_A_LIMITS] = NLA_POLICY_NESTED(la_limits_policy),
};

const struct nla_policy la_del_policy[LITEAUTH_A_MAX + 1] = {
	[LITEAUTH_A_DEVICE_ID] = NLA_POLICY_EXACT_LEN(LITEAUTH_ID_LEN),
	[LITEAUTH_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, LITEAUTH_F_DEL_MASK),
};

const struct nla_policy la_relay_policy[LITEAUTH_A_MAX + 1] = {
	[LITEAUTH_A_MSG] = { .type = NLA_BINARY,
			     .len = LITEAUTH_MSG_MAX_LEN },
};

/*
 * The 64-bit session cursor of a dump (la_gw_walk) in cb->args, in two
 * halves: args[1] low, args[2] high, since a long is 32 bits on 32-bit
 * ARM and one would lose the bucket.
 */
u64 la_dump_cursor(const struct netlink_callback *cb)
{
	return (u64)(u32)cb->args[2] << 32 | (u32)cb->args[1];
}

void la_dump_cursor_set(struct netlink_callback *cb, u64 cursor)
{
	cb->args[1] = (u32)cursor;
	cb->args[2] = (u32)(cursor >> 32);
}
