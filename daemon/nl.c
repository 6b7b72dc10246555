// SPDX-License-Identifier: GPL-2.0
/*
 * liteauthd's link to the local gateway module over generic netlink
 * (libnl-genl-3): it registers as the module's daemon, takes the GW_HELLO
 * and GW_CONFIRM the module relays (LITEAUTH_CMD_RELAY_NTF), hands them to
 * the server, and sends the server's GW_KEY or GW_REJECT back down
 * (LITEAUTH_CMD_RELAY).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nl.h"

struct la_nl {
	struct nl_sock *sock;
	int family;
	int rcvbuf;
	la_nl_handler handler;
	void *arg;
};

int la_nl_send(struct la_nl *nl, const void *msg, size_t len)
{
	struct nl_msg *out = nlmsg_alloc();
	int ret = -ENOMEM;

	if (!out)
		return ret;
	if (genlmsg_put(out, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, 0,
			LITEAUTH_CMD_RELAY, LITEAUTH_GENL_VERSION) &&
	    !nla_put(out, LITEAUTH_A_MSG, len, msg))
		ret = nl_send_auto(nl->sock, out) < 0 ? -EIO : 0;
	nlmsg_free(out);
	return ret;
}

static int la_nl_ntf(struct nl_msg *msg, void *data)
{
	struct la_nl *nl = data;
	struct nlattr *tb[LITEAUTH_A_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	size_t n;

	if (gh->cmd != LITEAUTH_CMD_RELAY_NTF ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, LITEAUTH_A_MAX, NULL) ||
	    !tb[LITEAUTH_A_MSG])
		return NL_SKIP;
	n = nl->handler(nl->arg, nla_data(tb[LITEAUTH_A_MSG]),
			nla_len(tb[LITEAUTH_A_MSG]), reply);
	if (n)
		la_nl_send(nl, reply, n);
	return NL_OK;
}

int la_sock_rcvbuf(int fd)
{
	int bytes = LA_RCVBUF;
	socklen_t len = sizeof(bytes);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
	/* Linux reports twice what was asked: room for its bookkeeping. */
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, &len))
		return -1;
	return bytes / 2;
}

int la_nl_open(struct la_nl **nlp, la_nl_handler handler, void *arg,
	       char *err, size_t errlen)
{
	struct la_nl *nl;
	struct nl_msg *msg;
	int ret;

	*nlp = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->handler = handler;
	nl->arg = arg;
	nl->sock = nl_socket_alloc();
	if (!nl->sock || genl_connect(nl->sock)) {
		snprintf(err, errlen, "cannot open a generic netlink socket");
		ret = -EIO;
		goto err_free;
	}
	/* libnl's default (32 KiB) holds a few dozen GW_HELLOs: a flood of
	 * them would crowd out the GW_CONFIRMs the module relays.
	 */
	nl->rcvbuf = la_sock_rcvbuf(nl_socket_get_fd(nl->sock));
	nl->family = genl_ctrl_resolve(nl->sock, LITEAUTH_GENL_NAME);
	if (nl->family < 0) {
		snprintf(err, errlen,
			 "the liteauth kernel module is not loaded (modprobe liteauth), or run with --no-netlink");
		ret = -ENOENT;
		goto err_free;
	}

	msg = nlmsg_alloc();
	if (!msg) {
		ret = -ENOMEM;
		goto err_free;
	}
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, 0,
		    LITEAUTH_CMD_RELAY_REGISTER, LITEAUTH_GENL_VERSION);
	ret = nl_send_sync(nl->sock, msg);	/* frees msg */
	if (ret) {
		snprintf(err, errlen, "liteauth.ko refused this daemon: %s%s",
			 nl_geterror(ret),
			 ret == -NLE_BUSY ? " (another daemon is registered)" :
			 ret == -NLE_PERM ? " (run as root)" : "");
		ret = -EPERM;
		goto err_free;
	}

	/* From here on, what arrives is the module's relay notifications,
	 * and what goes down is not acknowledged (an ACK would end the
	 * processing of a batch; the module counts what it refuses).
	 */
	nl_socket_disable_seq_check(nl->sock);
	nl_socket_disable_auto_ack(nl->sock);
	nl_socket_modify_cb(nl->sock, NL_CB_VALID, NL_CB_CUSTOM, la_nl_ntf,
			    nl);
	nl_socket_set_nonblocking(nl->sock);
	*nlp = nl;
	return 0;

err_free:
	la_nl_close(nl);
	return ret;
}

int la_nl_fd(struct la_nl *nl)
{
	return nl_socket_get_fd(nl->sock);
}

int la_nl_rcvbuf(struct la_nl *nl)
{
	return nl->rcvbuf;
}

const char *la_nl_strerror(int err)
{
	/* libnl says "Out of memory" for the kernel's ENOBUFS. */
	if (err == -NLE_NOMEM)
		return "out of memory, or the socket overflowed: messages from the module were lost (its counters say which)";
	return nl_geterror(err);
}

int la_nl_receive(struct la_nl *nl)
{
	int ret = nl_recvmsgs_default(nl->sock);

	return ret == -NLE_AGAIN ? 0 : ret;
}

void la_nl_close(struct la_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		nl_socket_free(nl->sock);
	free(nl);
}
