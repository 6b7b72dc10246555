// SPDX-License-Identifier: GPL-2.0
/*
 * The liteauth tool's generic netlink link to liteauth.ko (libnl-genl-3):
 * opening it with messages that say what to do when it cannot be, and
 * sending requests whose errors carry the module's extack message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "genl.h"
#include "liteauth.h"

int la_genl_open(struct la_genl *g)
{
	int one = 1;

	g->sock = nl_socket_alloc();
	if (!g->sock || genl_connect(g->sock))
		return la_fail("cannot open a generic netlink socket");
	g->family = genl_ctrl_resolve(g->sock, LITEAUTH_GENL_NAME);
	if (g->family < 0) {
		nl_socket_free(g->sock);
		g->sock = NULL;
		return la_fail("the liteauth kernel module is not loaded: modprobe liteauth");
	}
	/* The module's reasons for refusing, as text (extended ACKs). */
	setsockopt(nl_socket_get_fd(g->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	return 0;
}

void la_genl_close(struct la_genl *g)
{
	if (g->sock)
		nl_socket_free(g->sock);
	g->sock = NULL;
}

struct nl_msg *la_genl_msg(struct la_genl *g, u8 cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0,
				 flags, cmd, LITEAUTH_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static __thread char la_extack[256];

static int la_genl_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int *err = arg;

	(void)nla;
	*err = e->error;
	la_extack[0] = '\0';
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t hlen = sizeof(*e);

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			hlen += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (!nla_parse(tb, NLMSGERR_ATTR_MAX,
			       (struct nlattr *)((char *)e + hlen),
			       nlh->nlmsg_len - NLMSG_HDRLEN - hlen, NULL) &&
		    tb[NLMSGERR_ATTR_MSG])
			snprintf(la_extack, sizeof(la_extack), "%s",
				 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	}
	return NL_STOP;
}

static int la_genl_ack(struct nl_msg *msg, void *arg)
{
	(void)msg;
	*(int *)arg = 0;
	return NL_STOP;
}

static int la_genl_finish(struct nl_msg *msg, void *arg)
{
	(void)msg;
	*(int *)arg = 0;
	return NL_SKIP;
}

int la_genl_request(struct la_genl *g, struct nl_msg *msg,
		    int (*valid)(struct nl_msg *msg, void *arg), void *arg,
		    const char *what)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err = 1, ret;

	if (!cb || !msg) {
		nlmsg_free(msg);
		nl_cb_put(cb);
		return la_fail("out of memory");
	}
	nl_cb_err(cb, NL_CB_CUSTOM, la_genl_err, &err);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, la_genl_ack, &err);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, la_genl_finish, &err);
	if (valid)
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid, arg);
	ret = nl_send_auto(g->sock, msg);
	nlmsg_free(msg);
	while (ret >= 0 && err > 0)
		ret = nl_recvmsgs(g->sock, cb);
	nl_cb_put(cb);
	/* The module's own error, seen by la_genl_err(), says more than
	 * libnl's translation of it in @ret.
	 */
	if (ret < 0 && err > 0)
		return la_fail("%s: %s", what, nl_geterror(ret));
	if (err == -EPERM)
		return la_fail("%s: permission denied (run liteauth as root)",
			       what);
	if (err < 0)
		return la_fail("%s: %s%s%s", what, strerror(-err),
			       la_extack[0] ? ": " : "", la_extack);
	return 0;
}
