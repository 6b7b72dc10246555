/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "liteauth": configuration, dumps, the relay
 * to the daemon and the events group.
 */
#ifndef _LITEAUTH_NETLINK_H
#define _LITEAUTH_NETLINK_H

#include "gateway.h"

#include <net/netlink.h>

/* The commands' attribute policies (nl_policy.c). */
extern const struct nla_policy la_limits_policy[LITEAUTH_LIMIT_A_MAX + 1];
extern const struct nla_policy la_set_policy[LITEAUTH_A_MAX + 1];
extern const struct nla_policy la_del_policy[LITEAUTH_A_MAX + 1];
extern const struct nla_policy la_relay_policy[LITEAUTH_A_MAX + 1];

/* A dump's session cursor in its callback's args (nl_policy.c). */
u64 la_dump_cursor(const struct netlink_callback *cb);
void la_dump_cursor_set(struct netlink_callback *cb, u64 cursor);

int la_nl_init(struct la_gw *gw);
void la_nl_exit(void);

/* struct la_gw_ops.relay_up and .event */
int la_nl_relay_up(struct la_gw *gw, const void *msg, size_t len);
void la_nl_event(struct la_gw *gw, const struct la_event *ev);

#endif /* _LITEAUTH_NETLINK_H */
