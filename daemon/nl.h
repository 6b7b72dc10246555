/* SPDX-License-Identifier: GPL-2.0 */
/*
 * liteauthd's generic netlink link to the local liteauth.ko (nl.c).
 */
#ifndef _LITEAUTH_DAEMON_NL_H
#define _LITEAUTH_DAEMON_NL_H

#include <stddef.h>

#include "proto.h"

/* Handles one message from the module; returns the answer's length. */
typedef size_t (*la_nl_handler)(void *arg, const void *msg, size_t len,
				u8 *reply);

struct la_nl;

/*
 * Room for a burst: thousands of devices may send at once, and each small
 * message costs a socket far more than its size.
 */
#define LA_RCVBUF (4 << 20)

/* Gives socket @fd a receive buffer of LA_RCVBUF: beyond
 * net.core.rmem_max as root, within it otherwise. Returns the size it got
 * (what a dump would call its capacity), or -1.
 */
int la_sock_rcvbuf(int fd);

/* Registers as the module's daemon; a sentence for the user in @err. */
int la_nl_open(struct la_nl **nl, la_nl_handler handler, void *arg,
	       char *err, size_t errlen);
int la_nl_fd(struct la_nl *nl);
/* The receive buffer la_nl_open() got for the socket (la_sock_rcvbuf). */
int la_nl_rcvbuf(struct la_nl *nl);
/* What a negative return of la_nl_receive() means, in words. */
const char *la_nl_strerror(int err);
/* Sends GW_KEY or GW_REJECT down to the module. */
int la_nl_send(struct la_nl *nl, const void *msg, size_t len);
/* Handles what the socket holds; a negative libnl error if it failed. */
int la_nl_receive(struct la_nl *nl);
void la_nl_close(struct la_nl *nl);

#endif /* _LITEAUTH_DAEMON_NL_H */
