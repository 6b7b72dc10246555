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
/* A line for the operator, @prio a syslog priority. */
typedef void (*la_nl_log)(void *arg, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct la_nl;

/*
 * Room for a burst: thousands of devices may send at once, and each small
 * message costs a socket far more than its size.
 */
#define LA_RCVBUF (4 << 20)

/* The module's lines (it went away, it is back) at most this many a
 * minute (quiet.h); the rest are counted, and told in one line at the
 * minute's end (la_nl_tick) or at la_nl_close().
 */
#define LA_NL_LOG_BURST 10

/* la_nl_receive()'s error when the socket overflowed (ENOBUFS): beyond
 * libnl's codes, which call it "Out of memory".
 */
#define LA_NL_EOVERRUN (-1000)

/* Gives socket @fd a receive buffer of LA_RCVBUF: beyond
 * net.core.rmem_max as root, within it otherwise. Returns the size it got
 * (what a dump would call its capacity), or -1.
 */
int la_sock_rcvbuf(int fd);

/* Registers as the module's daemon; a sentence for the user in @err.
 * The link then follows the module: when it is unloaded (its family goes)
 * and loaded again, it registers with the new one.
 */
int la_nl_open(struct la_nl **nl, la_nl_handler handler, void *arg,
	       char *err, size_t errlen);
/* Where the link says what happens to the module (else nowhere). */
void la_nl_set_log(struct la_nl *nl, la_nl_log log, void *arg);
int la_nl_fd(struct la_nl *nl);
/* The receive buffer la_nl_open() got for the socket (la_sock_rcvbuf). */
int la_nl_rcvbuf(struct la_nl *nl);
/* What a negative return of la_nl_receive() means, in words. */
const char *la_nl_strerror(int err);
/* Sends GW_KEY or GW_REJECT down to the module; -ENOTCONN while the
 * module is gone.
 */
int la_nl_send(struct la_nl *nl, const void *msg, size_t len);
/* Handles what the socket holds; a negative libnl error or
 * LA_NL_EOVERRUN if it failed (after an overrun the link has checked it
 * is still registered: it goes on).
 */
int la_nl_receive(struct la_nl *nl);
/*
 * The module's counters (LITEAUTH_A_COUNTERS of LITEAUTH_CMD_GET's dump,
 * by index), @n of them, the others left 0: from the dump's first message
 * alone (its sessions are never read), on a socket of its own that waits
 * LA_NL_GET_TIMEOUT_MS at most. 0, -ENOTCONN while the module is gone,
 * -ENODATA without an answer in time, the module's error (-EPERM without
 * CAP_NET_ADMIN), or -EIO, -ENOMEM.
 */
#define LA_NL_GET_TIMEOUT_MS 1000
int la_nl_counters(struct la_nl *nl, u64 *counters, size_t n);
/* Every second or so, @now monotonic ns: ends the log's minute if over. */
void la_nl_tick(struct la_nl *nl, u64 now);
void la_nl_close(struct la_nl *nl);

#endif /* _LITEAUTH_DAEMON_NL_H */
