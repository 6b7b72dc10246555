// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth set: configure the gateway module.
 *   --bind IFNAME | --unbind IFNAME
 *   --gateway-id ID (--gateway-key-file F | --gateway-key-stdin)
 *   --limit NAME=VALUE ...   (devices-max, rate-device, burst-device,
 *                             rate-iface, burst-iface, pending-timeout-ms,
 *                             rate-unknown, burst-unknown)
 * The gateway's key is read from a file or standard input, like every
 * key, and the module never gives it back.
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genl.h"
#include "liteauth.h"

static const char *const la_limits[] = {
	[LITEAUTH_LIMIT_A_DEVICES_MAX] = "devices-max",
	[LITEAUTH_LIMIT_A_RATE_DEVICE] = "rate-device",
	[LITEAUTH_LIMIT_A_BURST_DEVICE] = "burst-device",
	[LITEAUTH_LIMIT_A_RATE_IFACE] = "rate-iface",
	[LITEAUTH_LIMIT_A_BURST_IFACE] = "burst-iface",
	[LITEAUTH_LIMIT_A_PENDING_TIMEOUT_MS] = "pending-timeout-ms",
	[LITEAUTH_LIMIT_A_RATE_UNKNOWN] = "rate-unknown",
	[LITEAUTH_LIMIT_A_BURST_UNKNOWN] = "burst-unknown",
};

int la_cmd_set(struct la_cli *cli, int argc, char **argv)
{
	u8 idg[LA_ID_LEN], key[LA_KEY_LEN];
	const char *ifname = NULL, *keyfile = NULL;
	bool unbind = false, has_id = false, key_stdin = false;
	u64 limits[ARRAY_SIZE(la_limits)];
	bool set_limit[ARRAY_SIZE(la_limits)] = {};
	struct nl_msg *msg;
	struct nlattr *nest;
	struct la_genl g;
	int o, ret, i, ifindex = 0;

	while ((o = la_getopt(cli, argc, argv, cli->cmd->opts)) != -1) {
		switch (o) {
		case 'b':
		case 'u':
			if (ifname)
				return la_usage("one --bind or --unbind at a time");
			ifname = optarg;
			unbind = o == 'u';
			break;
		case 'i':
			ret = la_parse_id(optarg, idg, "--gateway-id");
			if (ret)
				return ret;
			has_id = true;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 's':
			key_stdin = true;
			break;
		case 'l': {
			char *eq = strchr(optarg, '=');
			size_t j;

			for (j = 1; eq && j < ARRAY_SIZE(la_limits); j++)
				if (strlen(la_limits[j]) == (size_t)(eq - optarg) &&
				    !strncmp(optarg, la_limits[j], eq - optarg))
					break;
			if (!eq || j == ARRAY_SIZE(la_limits))
				return la_usage("--limit takes NAME=VALUE, NAME one of devices-max, rate-device, burst-device, rate-iface, burst-iface, pending-timeout-ms, rate-unknown, burst-unknown");
			if (la_parse_number(eq + 1, UINT32_MAX, &limits[j]))
				return la_usage("--limit %s takes a number from 0 to %u",
						la_limits[j], UINT32_MAX);
			set_limit[j] = true;
			break;
		}
		}
	}
	if (optind != argc)
		return la_usage("unexpected argument '%s'", argv[optind]);
	if (has_id != (keyfile || key_stdin) || (keyfile && key_stdin))
		return la_usage("--gateway-id goes with one of --gateway-key-file F or --gateway-key-stdin");
	for (i = 1; i < (int)ARRAY_SIZE(la_limits) && !set_limit[i]; i++)
		;
	if (!ifname && !has_id && i == ARRAY_SIZE(la_limits))
		return la_usage("nothing to set: give --bind, --unbind, --gateway-id or --limit (see liteauth(8))");
	if (ifname && strlen(ifname) >= IF_NAMESIZE)
		return la_usage("--%s: an interface name is at most %d bytes",
				unbind ? "unbind" : "bind", IF_NAMESIZE - 1);
	if (ifname) {
		ifindex = if_nametoindex(ifname);
		if (!ifindex)
			return la_fail("no interface %s", ifname);
	}
	if (has_id && la_read_key(keyfile, key))
		return 1;
	if (la_genl_open(&g)) {
		memzero_explicit(key, sizeof(key));
		return 1;
	}
	msg = la_genl_msg(&g, LITEAUTH_CMD_SET, 0);
	ret = !msg;
	if (!ret && ifindex)
		ret = nla_put_u32(msg, LITEAUTH_A_IFINDEX, ifindex) ||
		      (unbind && nla_put_u32(msg, LITEAUTH_A_FLAGS,
					     LITEAUTH_F_UNBIND));
	if (!ret && has_id)
		ret = nla_put(msg, LITEAUTH_A_GATEWAY_ID, LA_ID_LEN, idg) ||
		      nla_put(msg, LITEAUTH_A_GATEWAY_KEY, LA_KEY_LEN, key);
	memzero_explicit(key, sizeof(key));
	for (i = 1; !ret && i < (int)ARRAY_SIZE(la_limits); i++)
		if (set_limit[i])
			break;
	if (!ret && i < (int)ARRAY_SIZE(la_limits)) {
		nest = nla_nest_start(msg, LITEAUTH_A_LIMITS);
		for (i = 1; nest && i < (int)ARRAY_SIZE(la_limits); i++)
			if (set_limit[i])
				nla_put_u32(msg, i, limits[i]);
		if (nest)
			nla_nest_end(msg, nest);
	}
	if (ret) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = la_genl_request(&g, msg, NULL, NULL, "set");
	la_genl_close(&g);
	return ret;
}
