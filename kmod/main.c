// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth.ko: the gateway side of liteauth, lightweight mutual
 * authentication and session keys for IEEE 802.15.4 / 6LoWPAN devices.
 *
 * Module load and unload; init and exit are mirror images. There is one
 * gateway, in the initial network namespace, where the 802.15.4 stack is.
 */
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "crypto.h"
#include "gateway.h"
#include "netlink.h"
#include "radio.h"

static struct la_gw *la_gateway;

static u64 la_now(struct la_gw *gw)
{
	return ktime_get_boottime_ns();
}

static void la_random(struct la_gw *gw, void *buf, size_t len)
{
	get_random_bytes(buf, len);
}

static const struct la_gw_ops la_gw_ops = {
	.radio_tx = la_radio_tx,
	.relay_up = la_nl_relay_up,
	.event = la_nl_event,
	.now = la_now,
	.random = la_random,
};

static int __init liteauth_init(void)
{
	int err;

	err = la_crypto_init();
	if (err)
		return err;
	la_gateway = kvzalloc(sizeof(*la_gateway), GFP_KERNEL);
	if (!la_gateway) {
		err = -ENOMEM;
		goto err_crypto;
	}
	la_gw_init(la_gateway, &la_gw_ops, NULL);
	err = la_radio_init(la_gateway);
	if (err)
		goto err_free_gateway;
	err = la_nl_init(la_gateway);
	if (err)
		goto err_radio;
	la_gw_start_gc(la_gateway);
	pr_debug("liteauth: loaded, wire protocol version %d\n",
		 LITEAUTH_VERSION);
	return 0;

err_radio:
	la_radio_exit();
err_free_gateway:
	la_gw_destroy(la_gateway);
	kvfree(la_gateway);
err_crypto:
	la_crypto_exit();
	return err;
}

static void __exit liteauth_exit(void)
{
	/*
	 * No more commands first (one in flight could bind an interface
	 * again), then no more timers, then no more frames.
	 */
	la_nl_exit();
	la_gw_stop_gc(la_gateway);
	la_radio_exit();
	la_gw_destroy(la_gateway);
	kvfree(la_gateway);
	la_crypto_exit();
	pr_debug("liteauth: unloaded\n");
}

module_init(liteauth_init);
module_exit(liteauth_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("liteauth: lightweight authentication for IEEE 802.15.4 devices");
MODULE_AUTHOR("The liteauth developers");
MODULE_ALIAS_GENL_FAMILY(LITEAUTH_GENL_NAME);
