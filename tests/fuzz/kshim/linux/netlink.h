/* SPDX-License-Identifier: GPL-2.0 */
/* The extended ACK of a netlink request: its message is all gateway.c sets. */
#ifndef _KSHIM_LINUX_NETLINK_H
#define _KSHIM_LINUX_NETLINK_H

#include <linux/kernel.h>

struct netlink_ext_ack {
	const char *_msg;
};

#define NL_SET_ERR_MSG(extack, msg) do {				\
	struct netlink_ext_ack *__kshim_extack = (extack);		\
	if (__kshim_extack)						\
		__kshim_extack->_msg = (msg);				\
} while (0)

#endif /* _KSHIM_LINUX_NETLINK_H */
