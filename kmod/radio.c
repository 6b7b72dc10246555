// SPDX-License-Identifier: GPL-2.0
/*
 * The radio side of the gateway (radio.h).
 *
 * Each bound interface gets its own packet_type for ETH_P_IEEE802154, so
 * mac802154 hands us the data frames it receives there, already stripped
 * to the MAC payload, beside (never instead of) the 6LoWPAN handler, which
 * drops NALP dispatches on its own copy. Frames whose first byte is not a
 * liteauth type are not ours and are left alone.
 *
 * Locking: la_radio_lock (a mutex) and RTNL protect la_ifaces; binding,
 * unbinding and the netdevice notifier hold both, the dump only the mutex.
 * The receive and transmit paths run in softirq and look at neither: the
 * packet_type of an interface exists only while it is bound, and transmit
 * looks the device up under RCU.
 */
#include <linux/if_arp.h>
#include <linux/ieee802154.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/cfg802154.h>
#include <net/ieee802154_netdev.h>

#include "radio.h"

struct la_iface {
	struct net_device *dev;		/* NULL: slot free */
	netdevice_tracker tracker;
	struct packet_type pt;
};

static DEFINE_MUTEX(la_radio_lock);
static struct la_iface la_ifaces[LA_IFACES_MAX];
static struct la_gw *la_radio_gw;

static bool la_is_liteauth(u8 type)
{
	return type >= LITEAUTH_MSG_FIRST && type <= LITEAUTH_MSG_LAST;
}

static int la_radio_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig_dev)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN + 1];
	struct ieee802154_mac_cb *cb;
	struct la_addr from = {};
	const u8 *p;
	size_t len;

	if (dev->type != ARPHRD_IEEE802154 ||
	    skb->pkt_type == PACKET_OTHERHOST || !skb->len)
		goto out;
	/* Anything longer than the longest message is refused by its
	 * size, so one byte more than that is all the checks need.
	 */
	len = min_t(size_t, skb->len, sizeof(buf));
	p = skb_header_pointer(skb, 0, len, buf);
	if (!p || !la_is_liteauth(p[0]))
		goto out;

	cb = mac_cb(skb);
	from.ifindex = dev->ifindex;
	from.pan_id = le16_to_cpu(cb->source.pan_id);
	switch (cb->source.mode) {
	case IEEE802154_ADDR_SHORT:
		from.mode = LITEAUTH_ADDR_SHORT;
		from.short_addr = le16_to_cpu(cb->source.short_addr);
		break;
	case IEEE802154_ADDR_LONG:
		from.mode = LITEAUTH_ADDR_EXTENDED;
		from.ext_addr = le64_to_cpu(cb->source.extended_addr);
		break;
	default:
		/* No source address: there is nobody to answer. */
		net_dbg_ratelimited("liteauth: %s: frame without a source address\n",
				    dev->name);
		la_gw_drop(la_radio_gw, LITEAUTH_CNT_DROP_MALFORMED);
		goto out;
	}
	la_gw_rx_radio(la_radio_gw, &from, p, len);
out:
	consume_skb(skb);
	return NET_RX_SUCCESS;
}

int la_radio_tx(struct la_gw *gw, const struct la_addr *to, const void *msg,
		size_t len)
{
	struct ieee802154_addr daddr = {};
	struct ieee802154_mac_cb *cb;
	struct wpan_dev *wpan_dev;
	struct net_device *dev;
	struct sk_buff *skb;
	int err;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(&init_net, to->ifindex);
	if (!dev || dev->type != ARPHRD_IEEE802154 || !(dev->flags & IFF_UP)) {
		err = -ENETDOWN;
		goto out_unlock;
	}
	wpan_dev = dev->ieee802154_ptr;

	skb = alloc_skb(LL_RESERVED_SPACE(dev) + len + dev->needed_tailroom,
			GFP_ATOMIC);
	if (!skb) {
		err = -ENOMEM;
		goto out_unlock;
	}
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	skb_reset_network_header(skb);

	cb = mac_cb_init(skb);
	cb->type = IEEE802154_FC_TYPE_DATA;
	cb->ackreq = true;

	daddr.pan_id = READ_ONCE(wpan_dev->pan_id);
	if (to->mode == LITEAUTH_ADDR_SHORT) {
		daddr.mode = IEEE802154_ADDR_SHORT;
		daddr.short_addr = cpu_to_le16(to->short_addr);
	} else {
		daddr.mode = IEEE802154_ADDR_LONG;
		daddr.extended_addr = cpu_to_le64(to->ext_addr);
	}
	/* NULL source: the interface's short address, or its extended one
	 * when it has none.
	 */
	err = wpan_dev_hard_header(skb, dev, &daddr, NULL, len);
	if (err < 0) {
		kfree_skb(skb);
		goto out_unlock;
	}
	skb_put_data(skb, msg, len);
	skb->dev = dev;
	skb->protocol = htons(ETH_P_IEEE802154);
	/* An errno or a NET_XMIT_* code; net_xmit_eval() is a macro that
	 * evaluates its argument twice, so it gets the result, not the call.
	 */
	err = dev_queue_xmit(skb);
	err = net_xmit_eval(err);
	if (err > 0)
		err = -ENOBUFS;
out_unlock:
	rcu_read_unlock();
	if (err)
		net_dbg_ratelimited("liteauth: sending to ifindex %d failed: %d\n",
				    to->ifindex, err);
	return err;
}

static struct la_iface *la_iface_find(int ifindex)
{
	int i;

	for (i = 0; i < LA_IFACES_MAX; i++)
		if (la_ifaces[i].dev && la_ifaces[i].dev->ifindex == ifindex)
			return &la_ifaces[i];
	return NULL;
}

/* Called with RTNL and la_radio_lock held. */
static void la_iface_release(struct la_iface *iface)
{
	int ifindex = iface->dev->ifindex;

	ASSERT_RTNL();
	lockdep_assert_held(&la_radio_lock);
	dev_remove_pack(&iface->pt);	/* waits for receivers in flight */
	netdev_put(iface->dev, &iface->tracker);
	pr_debug("liteauth: unbound %s\n", iface->dev->name);
	iface->dev = NULL;
	la_gw_iface_gone(la_radio_gw, ifindex);
}

int la_radio_bind(int ifindex, struct netlink_ext_ack *extack)
{
	struct la_iface *iface = NULL;
	struct net_device *dev;
	int i, err = 0;

	rtnl_lock();
	mutex_lock(&la_radio_lock);
	dev = __dev_get_by_index(&init_net, ifindex);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no interface with this index");
		err = -ENODEV;
		goto out_unlock;
	}
	if (dev->type != ARPHRD_IEEE802154 || !dev->ieee802154_ptr) {
		NL_SET_ERR_MSG(extack, "not an IEEE 802.15.4 (wpan) interface");
		err = -EINVAL;
		goto out_unlock;
	}
	if (la_iface_find(ifindex)) {
		NL_SET_ERR_MSG(extack, "interface already bound");
		err = -EEXIST;
		goto out_unlock;
	}
	for (i = 0; i < LA_IFACES_MAX && !iface; i++)
		if (!la_ifaces[i].dev)
			iface = &la_ifaces[i];
	if (!iface) {
		NL_SET_ERR_MSG(extack, "no room for another interface");
		err = -ENOSPC;
		goto out_unlock;
	}

	netdev_hold(dev, &iface->tracker, GFP_KERNEL);
	iface->dev = dev;
	iface->pt.type = htons(ETH_P_IEEE802154);
	iface->pt.dev = dev;
	iface->pt.func = la_radio_rcv;
	dev_add_pack(&iface->pt);
	la_gw_touch(la_radio_gw);
	pr_debug("liteauth: bound %s\n", dev->name);
out_unlock:
	mutex_unlock(&la_radio_lock);
	rtnl_unlock();
	return err;
}

int la_radio_unbind(int ifindex, struct netlink_ext_ack *extack)
{
	struct la_iface *iface;
	int err = 0;

	rtnl_lock();
	mutex_lock(&la_radio_lock);
	iface = la_iface_find(ifindex);
	if (iface) {
		la_iface_release(iface);
	} else {
		NL_SET_ERR_MSG(extack, "interface is not bound");
		err = -ENOENT;
	}
	mutex_unlock(&la_radio_lock);
	rtnl_unlock();
	return err;
}

int la_radio_ifindexes(int *ifindex, int max)
{
	int i, n = 0;

	mutex_lock(&la_radio_lock);
	for (i = 0; i < LA_IFACES_MAX && n < max; i++)
		if (la_ifaces[i].dev)
			ifindex[n++] = la_ifaces[i].dev->ifindex;
	mutex_unlock(&la_radio_lock);
	return n;
}

static int la_netdev_event(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct la_iface *iface;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	mutex_lock(&la_radio_lock);
	iface = la_iface_find(dev->ifindex);
	if (iface && iface->dev == dev)
		la_iface_release(iface);
	mutex_unlock(&la_radio_lock);
	return NOTIFY_DONE;
}

static struct notifier_block la_netdev_notifier = {
	.notifier_call = la_netdev_event,
};

int la_radio_init(struct la_gw *gw)
{
	la_radio_gw = gw;
	return register_netdevice_notifier(&la_netdev_notifier);
}

void la_radio_exit(void)
{
	int i;

	unregister_netdevice_notifier(&la_netdev_notifier);
	rtnl_lock();
	mutex_lock(&la_radio_lock);
	for (i = 0; i < LA_IFACES_MAX; i++)
		if (la_ifaces[i].dev)
			la_iface_release(&la_ifaces[i]);
	mutex_unlock(&la_radio_lock);
	rtnl_unlock();
}
