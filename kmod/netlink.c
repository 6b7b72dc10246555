// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "liteauth" (uapi/linux/liteauth.h,
 * Documentation/netlink/specs/liteauth.yaml).
 *
 * Commands are admin-only and serialized by the genetlink core (the family
 * is not parallel_ops). The daemon's port is the one piece of state here:
 * it is set by RELAY_REGISTER, read by the receive path in softirq, and
 * cleared when the socket closes (NETLINK_URELEASE), so it is changed only
 * with cmpxchg() and read with READ_ONCE().
 */
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "netlink.h"
#include "radio.h"

static struct la_gw *la_nl_gw;
static u32 la_daemon_portid;
/*
 * Whether the family may send: cleared by la_nl_exit() before it
 * unregisters the family, and read in an RCU read-side section by each
 * sender, so that none is still sending on the family once it is gone.
 */
static bool la_nl_up;

static struct genl_family la_family;

enum { LA_MCGRP_EVENTS };

static const struct genl_multicast_group la_mcgrps[] = {
	[LA_MCGRP_EVENTS] = {
		.name = LITEAUTH_MCGRP_EVENTS,
#ifdef GENL_MCAST_CAP_NET_ADMIN
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

/* u64 without a padding attribute: see uapi/linux/liteauth.h. */
static int la_put_u64(struct sk_buff *skb, int type, u64 value)
{
	return nla_put(skb, type, sizeof(value), &value);
}

static int la_put_limits(struct sk_buff *skb, const struct la_limits *l)
{
	struct nlattr *nest = nla_nest_start(skb, LITEAUTH_A_LIMITS);

	if (!nest ||
	    nla_put_u32(skb, LITEAUTH_LIMIT_A_DEVICES_MAX, l->devices_max) ||
	    nla_put_u32(skb, LITEAUTH_LIMIT_A_RATE_DEVICE, l->rate_device) ||
	    nla_put_u32(skb, LITEAUTH_LIMIT_A_BURST_DEVICE, l->burst_device) ||
	    nla_put_u32(skb, LITEAUTH_LIMIT_A_RATE_IFACE, l->rate_iface) ||
	    nla_put_u32(skb, LITEAUTH_LIMIT_A_BURST_IFACE, l->burst_iface) ||
	    nla_put_u32(skb, LITEAUTH_LIMIT_A_PENDING_TIMEOUT_MS,
			l->pending_timeout_ms) ||
	    nla_put_u32(skb, LITEAUTH_LIMIT_A_RATE_UNKNOWN, l->rate_unknown) ||
	    nla_put_u32(skb, LITEAUTH_LIMIT_A_BURST_UNKNOWN, l->burst_unknown))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The gateway itself: the first part of a GET dump. */
static int la_put_gateway(struct sk_buff *skb, const struct la_gw_info *info)
{
	int ifindex[LA_IFACES_MAX], n, i;
	struct nlattr *nest;
	u32 flags = 0;

	if (info->has_identity)
		flags |= LITEAUTH_F_HAS_IDENTITY;
	if (READ_ONCE(la_daemon_portid))
		flags |= LITEAUTH_F_HAS_DAEMON;
	if (nla_put_u32(skb, LITEAUTH_A_FLAGS, flags) ||
	    (info->has_identity &&
	     nla_put(skb, LITEAUTH_A_GATEWAY_ID, LA_ID_LEN, info->idg)))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, LITEAUTH_A_IFACES);
	if (!nest)
		return -EMSGSIZE;
	n = la_radio_ifindexes(ifindex, LA_IFACES_MAX);
	for (i = 0; i < n; i++)
		if (nla_put_u32(skb, LITEAUTH_A_IFINDEX, ifindex[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);

	if (la_put_limits(skb, &info->limits))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, LITEAUTH_A_COUNTERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __LITEAUTH_CNT_MAX; i++)
		if (la_put_u64(skb, i + 1, la_gw_counter(la_nl_gw, i)))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int la_put_session(void *arg, const struct la_session_info *si)
{
	struct sk_buff *skb = arg;
	struct nlattr *nest = nla_nest_start(skb, LITEAUTH_A_SESSION);
	const struct la_addr *a = &si->addr;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, LITEAUTH_SESSION_A_DEVICE_ID, LA_ID_LEN, si->idd) ||
	    nla_put_u32(skb, LITEAUTH_SESSION_A_STATE, si->state) ||
	    nla_put_u32(skb, LITEAUTH_SESSION_A_SID, si->sid) ||
	    nla_put_u32(skb, LITEAUTH_SESSION_A_IFINDEX, a->ifindex) ||
	    nla_put_u32(skb, LITEAUTH_SESSION_A_ADDR_MODE, a->mode) ||
	    nla_put_u32(skb, LITEAUTH_SESSION_A_PAN_ID, a->pan_id) ||
	    (a->mode == LITEAUTH_ADDR_SHORT ?
	     nla_put_u32(skb, LITEAUTH_SESSION_A_SHORT_ADDR, a->short_addr) :
	     la_put_u64(skb, LITEAUTH_SESSION_A_EXT_ADDR, a->ext_addr)) ||
	    la_put_u64(skb, LITEAUTH_SESSION_A_AGE_MS, si->age_ms) ||
	    la_put_u64(skb, LITEAUTH_SESSION_A_EXPIRES_MS, si->expires_ms) ||
	    la_put_u64(skb, LITEAUTH_SESSION_A_RX_OK, si->rx_ok) ||
	    la_put_u64(skb, LITEAUTH_SESSION_A_RX_DROP, si->rx_drop)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Dump state in cb->args: the stage, and the cursor (la_dump_cursor). */
enum { LA_DUMP_GATEWAY, LA_DUMP_SESSIONS, LA_DUMP_DONE };

static int la_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	bool gateway = cb->args[0] == LA_DUMP_GATEWAY;
	struct la_gw_info info;
	struct nlattr *nest;
	u64 cursor = la_dump_cursor(cb);
	void *hdr;
	int more;

	if (cb->args[0] == LA_DUMP_DONE)
		return 0;

	la_gw_info(la_nl_gw, &info);
	cb->seq = info.generation;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &la_family, NLM_F_MULTI, LITEAUTH_CMD_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, LITEAUTH_A_GENERATION, info.generation))
		goto err_cancel;

	if (gateway && la_put_gateway(skb, &info))
		goto err_cancel;

	nest = nla_nest_start(skb, LITEAUTH_A_SESSIONS);
	if (!nest)
		goto err_cancel;
	more = la_gw_walk(la_nl_gw, &cursor, la_put_session, skb);
	if (more && cursor == la_dump_cursor(cb)) {
		/* No session fitted: fine after the gateway's part, but an
		 * otherwise empty message would never make progress.
		 */
		nla_nest_cancel(skb, nest);
		if (!gateway)
			goto err_cancel;
	} else {
		nla_nest_end(skb, nest);
	}
	cb->args[0] = LA_DUMP_SESSIONS;
	la_dump_cursor_set(cb, cursor);
	if (!more)
		cb->args[0] = LA_DUMP_DONE;
	genlmsg_end(skb, hdr);
	return skb->len;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int la_nl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	u32 flags = 0;
	int err;

	if (attrs[LITEAUTH_A_FLAGS])
		flags = nla_get_u32(attrs[LITEAUTH_A_FLAGS]);
	if (!!attrs[LITEAUTH_A_GATEWAY_ID] != !!attrs[LITEAUTH_A_GATEWAY_KEY]) {
		NL_SET_ERR_MSG(extack, "GATEWAY_ID and GATEWAY_KEY are set together");
		return -EINVAL;
	}
	if ((flags & LITEAUTH_F_UNBIND) && !attrs[LITEAUTH_A_IFINDEX]) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[LITEAUTH_A_FLAGS],
				    "UNBIND needs IFINDEX");
		return -EINVAL;
	}
	if (!attrs[LITEAUTH_A_GATEWAY_ID] && !attrs[LITEAUTH_A_IFINDEX] &&
	    !attrs[LITEAUTH_A_LIMITS]) {
		NL_SET_ERR_MSG(extack, "nothing to set");
		return -EINVAL;
	}

	/* Binding is what can fail, so it goes first. */
	if (attrs[LITEAUTH_A_IFINDEX]) {
		int ifindex = nla_get_u32(attrs[LITEAUTH_A_IFINDEX]);

		err = flags & LITEAUTH_F_UNBIND ?
		      la_radio_unbind(ifindex, extack) :
		      la_radio_bind(ifindex, extack);
		if (err)
			return err;
	}
	if (attrs[LITEAUTH_A_GATEWAY_ID]) {
		err = la_gw_set_identity(la_nl_gw,
					 nla_data(attrs[LITEAUTH_A_GATEWAY_ID]),
					 nla_data(attrs[LITEAUTH_A_GATEWAY_KEY]));
		/* The request is freed unwiped after this: wipe the key. */
		memzero_explicit(nla_data(attrs[LITEAUTH_A_GATEWAY_KEY]),
				 LITEAUTH_PSK_LEN);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot derive the gateway's keys");
			return err;
		}
	}
	if (attrs[LITEAUTH_A_LIMITS]) {
		struct nlattr *tb[LITEAUTH_LIMIT_A_MAX + 1];
		struct la_gw_info gi;
		struct la_limits *l = &gi.limits;

		err = nla_parse_nested(tb, LITEAUTH_LIMIT_A_MAX,
				       attrs[LITEAUTH_A_LIMITS],
				       la_limits_policy, extack);
		if (err)
			return err;
		la_gw_info(la_nl_gw, &gi);
		if (tb[LITEAUTH_LIMIT_A_DEVICES_MAX])
			l->devices_max =
				nla_get_u32(tb[LITEAUTH_LIMIT_A_DEVICES_MAX]);
		if (tb[LITEAUTH_LIMIT_A_RATE_DEVICE])
			l->rate_device =
				nla_get_u32(tb[LITEAUTH_LIMIT_A_RATE_DEVICE]);
		if (tb[LITEAUTH_LIMIT_A_BURST_DEVICE])
			l->burst_device =
				nla_get_u32(tb[LITEAUTH_LIMIT_A_BURST_DEVICE]);
		if (tb[LITEAUTH_LIMIT_A_RATE_IFACE])
			l->rate_iface =
				nla_get_u32(tb[LITEAUTH_LIMIT_A_RATE_IFACE]);
		if (tb[LITEAUTH_LIMIT_A_BURST_IFACE])
			l->burst_iface =
				nla_get_u32(tb[LITEAUTH_LIMIT_A_BURST_IFACE]);
		if (tb[LITEAUTH_LIMIT_A_PENDING_TIMEOUT_MS])
			l->pending_timeout_ms =
				nla_get_u32(tb[LITEAUTH_LIMIT_A_PENDING_TIMEOUT_MS]);
		if (tb[LITEAUTH_LIMIT_A_RATE_UNKNOWN])
			l->rate_unknown =
				nla_get_u32(tb[LITEAUTH_LIMIT_A_RATE_UNKNOWN]);
		if (tb[LITEAUTH_LIMIT_A_BURST_UNKNOWN])
			l->burst_unknown =
				nla_get_u32(tb[LITEAUTH_LIMIT_A_BURST_UNKNOWN]);
		la_gw_set_limits(la_nl_gw, l);
	}
	return 0;
}

static int la_nl_session_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	bool all = attrs[LITEAUTH_A_FLAGS] &&
		   (nla_get_u32(attrs[LITEAUTH_A_FLAGS]) & LITEAUTH_F_ALL);

	if (all == !!attrs[LITEAUTH_A_DEVICE_ID]) {
		NL_SET_ERR_MSG(info->extack, "give either DEVICE_ID or the ALL flag");
		return -EINVAL;
	}
	if (all) {
		la_gw_revoke(la_nl_gw, NULL);
		return 0;
	}
	if (!la_gw_revoke(la_nl_gw, nla_data(attrs[LITEAUTH_A_DEVICE_ID]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[LITEAUTH_A_DEVICE_ID],
				    "no session or handshake for this device");
		return -ENOENT;
	}
	return 0;
}

static int la_nl_relay_register_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	u32 old = cmpxchg(&la_daemon_portid, 0, info->snd_portid);

	if (old && old != info->snd_portid) {
		NL_SET_ERR_MSG(info->extack, "another daemon is registered");
		return -EBUSY;
	}
	pr_debug("liteauth: daemon registered, port %u\n", info->snd_portid);
	return 0;
}

static int la_nl_relay_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *msg = info->attrs[LITEAUTH_A_MSG];

	if (!msg) {
		NL_SET_ERR_MSG(info->extack, "MSG is required");
		return -EINVAL;
	}
	if (info->snd_portid != READ_ONCE(la_daemon_portid)) {
		NL_SET_ERR_MSG(info->extack, "only the registered daemon relays");
		return -EPERM;
	}
	return la_gw_rx_daemon(la_nl_gw, nla_data(msg), nla_len(msg),
			       info->extack);
}

static const struct genl_ops la_ops[] = {
	{
		.cmd = LITEAUTH_CMD_GET,
		.dumpit = la_nl_get_dumpit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LITEAUTH_CMD_SET,
		.doit = la_nl_set_doit,
		.policy = la_set_policy,
		.maxattr = LITEAUTH_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LITEAUTH_CMD_SESSION_DEL,
		.doit = la_nl_session_del_doit,
		.policy = la_del_policy,
		.maxattr = LITEAUTH_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LITEAUTH_CMD_RELAY_REGISTER,
		.doit = la_nl_relay_register_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LITEAUTH_CMD_RELAY,
		.doit = la_nl_relay_doit,
		.policy = la_relay_policy,
		.maxattr = LITEAUTH_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family la_family __ro_after_init = {
	.name = LITEAUTH_GENL_NAME,
	.version = LITEAUTH_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = la_ops,
	.n_ops = ARRAY_SIZE(la_ops),
	.resv_start_op = LITEAUTH_CMD_GET,
	.mcgrps = la_mcgrps,
	.n_mcgrps = ARRAY_SIZE(la_mcgrps),
};

int la_nl_relay_up(struct la_gw *gw, const void *msg, size_t len)
{
	u32 portid = READ_ONCE(la_daemon_portid);
	struct sk_buff *skb;
	void *hdr;
	int err;

	if (!portid)
		return -ENOTCONN;
	rcu_read_lock();
	if (!READ_ONCE(la_nl_up)) {
		err = -ENOTCONN;
		goto out;
	}
	skb = genlmsg_new(nla_total_size(len), GFP_ATOMIC);
	if (!skb) {
		err = -ENOMEM;
		goto out;
	}
	hdr = genlmsg_put(skb, 0, 0, &la_family, 0, LITEAUTH_CMD_RELAY_NTF);
	if (!hdr || nla_put(skb, LITEAUTH_A_MSG, len, msg)) {
		nlmsg_free(skb);
		err = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(skb, hdr);
	err = genlmsg_unicast(&init_net, skb, portid);
	if (err == -ECONNREFUSED)
		err = -ENOTCONN;
out:
	rcu_read_unlock();
	return err;
}

void la_nl_event(struct la_gw *gw, const struct la_event *ev)
{
	static const u8 zero_id[LA_ID_LEN];
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	rcu_read_lock();
	if (!READ_ONCE(la_nl_up) ||
	    !genl_has_listeners(&la_family, &init_net, LA_MCGRP_EVENTS))
		goto out;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		goto out;
	hdr = genlmsg_put(skb, 0, 0, &la_family, 0, LITEAUTH_CMD_EVENT);
	if (!hdr)
		goto err_free;
	nest = nla_nest_start(skb, LITEAUTH_A_EVENT);
	if (!nest ||
	    nla_put_u32(skb, LITEAUTH_EVENT_A_TYPE, ev->type) ||
	    (ev->reason &&
	     nla_put_u32(skb, LITEAUTH_EVENT_A_REASON, ev->reason)) ||
	    (memcmp(ev->idd, zero_id, LA_ID_LEN) &&
	     (nla_put(skb, LITEAUTH_EVENT_A_DEVICE_ID, LA_ID_LEN, ev->idd) ||
	      nla_put_u32(skb, LITEAUTH_EVENT_A_SID, ev->sid))) ||
	    (ev->ifindex &&
	     nla_put_u32(skb, LITEAUTH_EVENT_A_IFINDEX, ev->ifindex)))
		goto err_free;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&la_family, skb, 0, LA_MCGRP_EVENTS, GFP_ATOMIC);
	goto out;

err_free:
	nlmsg_free(skb);
out:
	rcu_read_unlock();
}

/* The daemon's socket closed: relaying stops until another registers. */
static int la_nl_urelease(struct notifier_block *nb, unsigned long event,
			  void *ptr)
{
	struct netlink_notify *n = ptr;
	struct la_event ev = { .type = LITEAUTH_EVENT_DAEMON_GONE };

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net) || !n->portid ||
	    cmpxchg(&la_daemon_portid, n->portid, 0) != n->portid)
		return NOTIFY_DONE;
	pr_debug("liteauth: daemon on port %u gone\n", n->portid);
	la_nl_event(la_nl_gw, &ev);
	return NOTIFY_DONE;
}

static struct notifier_block la_nl_notifier = {
	.notifier_call = la_nl_urelease,
};

int la_nl_init(struct la_gw *gw)
{
	int err;

	la_nl_gw = gw;
	err = netlink_register_notifier(&la_nl_notifier);
	if (err)
		return err;
	err = genl_register_family(&la_family);
	if (err)
		goto err_unregister_notifier;
	WRITE_ONCE(la_nl_up, true);
	return 0;

err_unregister_notifier:
	netlink_unregister_notifier(&la_nl_notifier);
	return err;
}

/*
 * First at unload: no sender is left on the family, then no command:
 * unregistering waits for the handlers in flight (a SET blocked on RTNL
 * included), so none can bind an interface after la_radio_exit().
 */
void la_nl_exit(void)
{
	WRITE_ONCE(la_nl_up, false);
	synchronize_rcu();
	genl_unregister_family(&la_family);
	netlink_unregister_notifier(&la_nl_notifier);
	WRITE_ONCE(la_daemon_portid, 0);
}
