// SPDX-License-Identifier: GPL-2.0
/*
 * liteauthd's link to the local gateway module over generic netlink
 * (libnl-genl-3): it registers as the module's daemon, takes the GW_HELLO
 * and GW_CONFIRM the module relays (LITEAUTH_CMD_RELAY_NTF), hands them to
 * the server, and sends the server's GW_KEY or GW_REJECT back down
 * (LITEAUTH_CMD_RELAY).
 *
 * The module may be unloaded and loaded again under the daemon. The same
 * socket listens to nlctrl's "notify" group: when the family "liteauth"
 * goes (CTRL_CMD_DELFAMILY) the link waits, and when it comes back
 * (CTRL_CMD_NEWFAMILY, under a new id) it registers again; the answer, an
 * ACK or an error, arrives in the loop like any other message. What comes
 * from another family id than the current one (the instance that went) is
 * dropped unparsed. An overrun may have lost those notices with the rest:
 * the link then looks the family up again and registers once more (the
 * module takes a second registration from its daemon as a no-op).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

#include <linux/genetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nl.h"
#include "quiet.h"

struct la_nl {
	struct nl_sock *sock;
	int family;		/* liteauth's id; 0 while the module is gone */
	unsigned int reg_seq;	/* a RELAY_REGISTER awaiting its answer */
	bool reg_quiet;		/* whose ACK is no news (after an overrun) */
	int rcvbuf;
	la_nl_handler handler;
	void *arg;
	la_nl_log log;
	void *log_arg;
	struct la_quiet quiet;	/* its lines: LA_NL_LOG_BURST a minute */
};

static void la_nl_quiet_said(void *arg, const char *line)
{
	struct la_nl *nl = arg;

	nl->log(nl->log_arg, LOG_WARNING, "%s", line);
}

/* A line about the module: LA_NL_LOG_BURST a minute, then a count. */
static void __attribute__((format(printf, 3, 4)))
la_nl_say(struct la_nl *nl, int prio, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!nl->log ||
	    !la_quiet_take(&nl->quiet, la_quiet_clock(), la_nl_quiet_said, nl))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	nl->log(nl->log_arg, prio, "netlink: %s", line);
}

void la_nl_tick(struct la_nl *nl, u64 now)
{
	if (nl->log)
		la_quiet_tick(&nl->quiet, now, la_nl_quiet_said, nl);
}

int la_nl_send(struct la_nl *nl, const void *msg, size_t len)
{
	struct nl_msg *out;
	int ret = -ENOMEM;

	if (!nl->family)
		return -ENOTCONN;
	out = nlmsg_alloc();
	if (!out)
		return ret;
	if (genlmsg_put(out, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, 0,
			LITEAUTH_CMD_RELAY, LITEAUTH_GENL_VERSION) &&
	    !nla_put(out, LITEAUTH_A_MSG, len, msg))
		ret = nl_send_auto(nl->sock, out) < 0 ? -EIO : 0;
	nlmsg_free(out);
	return ret;
}

/*
 * Asks the module to take this socket as its daemon's; the answer comes in
 * the loop (la_nl_ack, la_nl_err). @quiet: an ACK is not worth a line.
 */
static void la_nl_register(struct la_nl *nl, bool quiet)
{
	struct nl_msg *msg = nlmsg_alloc();
	int ret = -NLE_NOMEM;

	if (msg && genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			       NLM_F_ACK, LITEAUTH_CMD_RELAY_REGISTER,
			       LITEAUTH_GENL_VERSION)) {
		ret = nl_send_auto(nl->sock, msg);
		if (ret >= 0) {
			nl->reg_seq = nlmsg_hdr(msg)->nlmsg_seq;
			nl->reg_quiet = quiet;
		}
	}
	nlmsg_free(msg);
	if (ret < 0)
		la_nl_say(nl, LOG_ERR, "cannot register with liteauth.ko (family %d): %s",
			  nl->family, nl_geterror(ret));
}

static void la_nl_gone(struct la_nl *nl)
{
	la_nl_say(nl, LOG_WARNING,
		  "liteauth.ko is gone (family %d removed): waiting for it to be loaded again",
		  nl->family);
	nl->family = 0;
	nl->reg_seq = 0;
}

/* The module's family under a new id: the one before it is gone. */
static void la_nl_back(struct la_nl *nl, int id)
{
	if (nl->family)
		la_nl_gone(nl);
	nl->family = id;
	la_nl_register(nl, false);
}

static struct nla_policy la_ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID] = { .type = NLA_U16 },
	[CTRL_ATTR_FAMILY_NAME] = { .type = NLA_STRING,
				    .maxlen = GENL_NAMSIZ },
};

/* nlctrl's notices: families come and go; ours is "liteauth". */
static int la_nl_ctrl(struct la_nl *nl, struct nlmsghdr *nlh)
{
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	int id;

	if ((gh->cmd != CTRL_CMD_NEWFAMILY && gh->cmd != CTRL_CMD_DELFAMILY) ||
	    genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, la_ctrl_policy) ||
	    !tb[CTRL_ATTR_FAMILY_ID] || !tb[CTRL_ATTR_FAMILY_NAME] ||
	    nla_strcmp(tb[CTRL_ATTR_FAMILY_NAME], LITEAUTH_GENL_NAME))
		return NL_SKIP;
	id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (gh->cmd == CTRL_CMD_DELFAMILY && id == nl->family)
		la_nl_gone(nl);
	else if (gh->cmd == CTRL_CMD_NEWFAMILY && id != nl->family)
		la_nl_back(nl, id);
	return NL_OK;
}

static int la_nl_valid(struct nl_msg *msg, void *data)
{
	struct la_nl *nl = data;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[LITEAUTH_A_MAX + 1];
	u8 reply[LITEAUTH_MSG_MAX_LEN];
	struct genlmsghdr *gh;
	size_t n;

	if (!genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	if (nlh->nlmsg_type == GENL_ID_CTRL)
		return la_nl_ctrl(nl, nlh);
	/* From the module that went, while none or a new one is here. */
	if (!nl->family || nlh->nlmsg_type != nl->family)
		return NL_SKIP;
	gh = nlmsg_data(nlh);
	if (gh->cmd != LITEAUTH_CMD_RELAY_NTF ||
	    genlmsg_parse(nlh, 0, tb, LITEAUTH_A_MAX, NULL) ||
	    !tb[LITEAUTH_A_MSG])
		return NL_SKIP;
	n = nl->handler(nl->arg, nla_data(tb[LITEAUTH_A_MSG]),
			nla_len(tb[LITEAUTH_A_MSG]), reply);
	if (n)
		la_nl_send(nl, reply, n);
	return NL_OK;
}

static int la_nl_ack(struct nl_msg *msg, void *data)
{
	struct la_nl *nl = data;

	if (!nl->reg_seq || nlmsg_hdr(msg)->nlmsg_seq != nl->reg_seq)
		return NL_OK;
	nl->reg_seq = 0;
	if (!nl->reg_quiet)
		la_nl_say(nl, LOG_NOTICE,
			  "liteauth.ko is back (family %d): registered again as its daemon",
			  nl->family);
	return NL_OK;
}

static int la_nl_err(struct sockaddr_nl *from, struct nlmsgerr *e,
		     void *data)
{
	struct la_nl *nl = data;

	(void)from;
	if (nl->reg_seq && e->msg.nlmsg_seq == nl->reg_seq) {
		nl->reg_seq = 0;
		la_nl_say(nl, LOG_ERR, "liteauth.ko (family %d) refused this daemon: %s%s",
			  nl->family, strerror(-e->error),
			  e->error == -EBUSY ? " (another daemon is registered)" : "");
		return NL_SKIP;
	}
	/* An answer from the module that went: no news about this one. */
	if (!nl->family || e->msg.nlmsg_type != nl->family)
		return NL_SKIP;
	return NL_STOP;		/* la_nl_receive() returns the error */
}

/* libnl says "Out of memory" for ENOBUFS: tell the two apart here. */
static int la_nl_recv(struct nl_sock *sk, struct sockaddr_nl *from,
		      unsigned char **buf, struct ucred **creds)
{
	int n = nl_recv(sk, from, buf, creds);

	return n == -NLE_NOMEM && errno == ENOBUFS ? LA_NL_EOVERRUN : n;
}

/* After an overrun: the family's notices may be among what was lost. */
static void la_nl_resync(struct la_nl *nl)
{
	struct nl_sock *sk = nl_socket_alloc();
	int id = -NLE_NOMEM;

	if (sk && !genl_connect(sk))
		id = genl_ctrl_resolve(sk, LITEAUTH_GENL_NAME);
	nl_socket_free(sk);
	if (id == -NLE_OBJ_NOTFOUND) {
		if (nl->family)
			la_nl_gone(nl);
	} else if (id < 0) {
		la_nl_say(nl, LOG_ERR, "cannot look liteauth.ko up after an overrun: %s",
			  nl_geterror(id));
	} else if (id != nl->family) {
		la_nl_back(nl, id);
	} else {
		la_nl_register(nl, true);
	}
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
	struct nl_cb *cb;
	int ret, notify;

	*nlp = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->handler = handler;
	nl->arg = arg;
	nl->quiet = (struct la_quiet)LA_QUIET_INIT("netlink", LA_QUIET_WINDOW_S,
						   LA_NL_LOG_BURST);
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
	notify = genl_ctrl_resolve_grp(nl->sock, "nlctrl", "notify");
	if (notify < 0) {
		snprintf(err, errlen, "cannot follow generic netlink families: %s",
			 nl_geterror(notify));
		ret = -EIO;
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
	 * nlctrl's notices and the answers to registrations, and what goes
	 * down is not acknowledged (an ACK would end the processing of a
	 * batch; the module counts what it refuses).
	 */
	ret = nl_socket_add_membership(nl->sock, notify);
	if (ret) {
		snprintf(err, errlen, "cannot follow generic netlink families: %s",
			 nl_geterror(ret));
		ret = -EIO;
		goto err_free;
	}
	nl_socket_disable_seq_check(nl->sock);
	nl_socket_disable_auto_ack(nl->sock);
	nl_socket_modify_cb(nl->sock, NL_CB_VALID, NL_CB_CUSTOM, la_nl_valid,
			    nl);
	nl_socket_modify_cb(nl->sock, NL_CB_ACK, NL_CB_CUSTOM, la_nl_ack, nl);
	nl_socket_modify_err_cb(nl->sock, NL_CB_CUSTOM, la_nl_err, nl);
	cb = nl_socket_get_cb(nl->sock);
	nl_cb_overwrite_recv(cb, la_nl_recv);
	nl_cb_put(cb);
	nl_socket_set_nonblocking(nl->sock);
	*nlp = nl;
	return 0;

err_free:
	la_nl_close(nl);
	return ret;
}

void la_nl_set_log(struct la_nl *nl, la_nl_log log, void *arg)
{
	nl->log = log;
	nl->log_arg = arg;
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
	if (err == LA_NL_EOVERRUN)
		return "No buffer space available (ENOBUFS): messages from liteauth.ko were lost";
	return nl_geterror(err);
}

int la_nl_receive(struct la_nl *nl)
{
	int ret = nl_recvmsgs_default(nl->sock);

	if (ret == LA_NL_EOVERRUN)
		la_nl_resync(nl);
	return ret == -NLE_AGAIN ? 0 : ret;
}

struct la_nl_get {
	u64 *counters;
	size_t n;
	bool seen;
	int err;
};

static int la_nl_get_valid(struct nl_msg *msg, void *data)
{
	struct nlattr *tb[LITEAUTH_A_MAX + 1], *a;
	struct la_nl_get *g = data;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, LITEAUTH_A_MAX, NULL) ||
	    !tb[LITEAUTH_A_COUNTERS])
		return NL_SKIP;
	nla_for_each_nested(a, tb[LITEAUTH_A_COUNTERS], rem)
		if (nla_type(a) >= 1 && (size_t)nla_type(a) <= g->n &&
		    nla_len(a) == sizeof(u64))
			memcpy(&g->counters[nla_type(a) - 1], nla_data(a),
			       sizeof(u64));	/* unpadded: memcpy */
	g->seen = true;
	return NL_STOP;		/* the rest of the dump: sessions */
}

static int la_nl_get_err(struct sockaddr_nl *from, struct nlmsgerr *e,
			 void *data)
{
	struct la_nl_get *g = data;

	(void)from;
	g->err = e->error;
	return NL_STOP;
}

int la_nl_counters(struct la_nl *nl, u64 *counters, size_t n)
{
	struct timeval tv = { LA_NL_GET_TIMEOUT_MS / 1000,
			      LA_NL_GET_TIMEOUT_MS % 1000 * 1000 };
	struct la_nl_get g = { .counters = counters, .n = n };
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	int ret;

	memset(counters, 0, n * sizeof(*counters));
	if (!nl->family)
		return -ENOTCONN;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	ret = genl_connect(sk) ? -EIO : 0;
	if (!ret && setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO,
			       &tv, sizeof(tv)))
		ret = -errno;
	if (!ret) {
		msg = nlmsg_alloc();
		if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ,
					 nl->family, 0, NLM_F_DUMP,
					 LITEAUTH_CMD_GET,
					 LITEAUTH_GENL_VERSION))
			ret = -ENOMEM;
	}
	if (!ret) {
		nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM,
				    la_nl_get_valid, &g);
		nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, la_nl_get_err, &g);
		ret = nl_send_auto(sk, msg) < 0 ? -EIO : 0;
	}
	nlmsg_free(msg);
	if (!ret) {
		ret = nl_recvmsgs_default(sk);
		if (g.err)
			ret = g.err;
		else if (ret < 0)
			ret = -EIO;
		else if (!g.seen)
			ret = -ENODATA;	/* nothing in time */
	}
	nl_socket_free(sk);
	return ret;
}

void la_nl_close(struct la_nl *nl)
{
	if (!nl)
		return;
	if (nl->log)	/* what is left out, told before it goes */
		la_quiet_end(&nl->quiet, la_quiet_clock(), la_nl_quiet_said,
			     nl);
	if (nl->sock)
		nl_socket_free(nl->sock);
	free(nl);
}
