/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The liteauth tool's generic netlink link to liteauth.ko (genl.c).
 */
#ifndef _LITEAUTH_CLI_GENL_H
#define _LITEAUTH_CLI_GENL_H

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "proto.h"

struct la_genl {
	struct nl_sock *sock;
	int family;
};

/* 0, or 1 after telling the user (module not loaded: modprobe). */
int la_genl_open(struct la_genl *g);
void la_genl_close(struct la_genl *g);
struct nl_msg *la_genl_msg(struct la_genl *g, u8 cmd, int flags);
/* Sends @msg (freed), passes replies to @valid; 0 or 1 after la_fail. */
int la_genl_request(struct la_genl *g, struct nl_msg *msg,
		    int (*valid)(struct nl_msg *msg, void *arg), void *arg,
		    const char *what);

#endif /* _LITEAUTH_CLI_GENL_H */
