/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gateway on IEEE 802.15.4 interfaces: raw data frames whose payload
 * starts with a liteauth type (a 6LoWPAN NALP dispatch) in, KEY out.
 */
#ifndef _LITEAUTH_RADIO_H
#define _LITEAUTH_RADIO_H

#include <linux/netlink.h>

#include "gateway.h"

int la_radio_init(struct la_gw *gw);
void la_radio_exit(void);

int la_radio_bind(int ifindex, struct netlink_ext_ack *extack);
int la_radio_unbind(int ifindex, struct netlink_ext_ack *extack);

/* The bound interfaces' indexes; returns how many (at most @max). */
int la_radio_ifindexes(int *ifindex, int max);

/* struct la_gw_ops.radio_tx */
int la_radio_tx(struct la_gw *gw, const struct la_addr *to, const void *msg,
		size_t len);

#endif /* _LITEAUTH_RADIO_H */
