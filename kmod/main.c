// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth.ko: the gateway side of liteauth, lightweight mutual
 * authentication and session keys for IEEE 802.15.4 / 6LoWPAN devices.
 *
 * Module load and unload; init and exit are mirror images.
 */
#include <linux/module.h>

#include "crypto.h"

static int __init liteauth_init(void)
{
	int err;

	err = la_crypto_init();
	if (err)
		return err;
	pr_debug("liteauth: loaded, wire protocol version %d\n",
		 LITEAUTH_VERSION);
	return 0;
}

static void __exit liteauth_exit(void)
{
	la_crypto_exit();
	pr_debug("liteauth: unloaded\n");
}

module_init(liteauth_init);
module_exit(liteauth_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("liteauth: lightweight authentication for IEEE 802.15.4 devices");
MODULE_AUTHOR("The liteauth developers");
