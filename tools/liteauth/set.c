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
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The key: 32 hex digits in a file (warned if others can read it). */
static int la_key_from(const char *file, u8 *key)
{
	char text[128] = "";
	struct stat st;
	ssize_t n;
	int fd = file ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	int i;

	if (fd < 0)
		return la_fail("cannot read key file %s: %s", file,
			       strerror(errno));
	if (file && !fstat(fd, &st) && (st.st_mode & 077))
		la_warn("key file %s is readable by others: chmod 600 %s",
			file, file);
	n = read(fd, text, sizeof(text) - 1);
	if (file)
		close(fd);
	text[n > 0 ? n : 0] = '\0';
	for (i = 0; i < LA_KEY_LEN; i++) {
		unsigned int v;

		if (sscanf(text + 2 * i, "%2x", &v) != 1)
			break;
		key[i] = v;
	}
	memzero_explicit(text, sizeof(text));
	if (i != LA_KEY_LEN)
		return la_fail("the gateway key must be 32 hex digits (liteauth genkey makes one)");
	return 0;
}

int la_cmd_set(struct la_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "unbind", required_argument, NULL, 'u' },
		{ "gateway-id", required_argument, NULL, 'i' },
		{ "gateway-key-file", required_argument, NULL, 'k' },
		{ "gateway-key-stdin", no_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{}
	};
	u8 idg[LA_ID_LEN], key[LA_KEY_LEN];
	const char *ifname = NULL, *keyfile = NULL;
	bool unbind = false, has_id = false, key_stdin = false;
	u32 limits[ARRAY_SIZE(la_limits)];
	bool set_limit[ARRAY_SIZE(la_limits)] = {};
	struct nl_msg *msg;
	struct nlattr *nest;
	struct la_genl g;
	int o, ret, i, ifindex = 0;

	(void)cli;
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
		case 'u':
			ifname = optarg;
			unbind = o == 'u';
			break;
		case 'i':
			if (la_parse_id(optarg, idg, "--gateway-id"))
				return 1;
			has_id = true;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 's':
			key_stdin = true;
			break;
		case 'l': {
			char *eq = strchr(optarg, '='), *end;
			size_t j;

			for (j = 1; eq && j < ARRAY_SIZE(la_limits); j++)
				if (strlen(la_limits[j]) == (size_t)(eq - optarg) &&
				    !strncmp(optarg, la_limits[j], eq - optarg))
					break;
			if (!eq || j == ARRAY_SIZE(la_limits))
				return la_fail("--limit takes NAME=VALUE, NAME one of devices-max, rate-device, burst-device, rate-iface, burst-iface, pending-timeout-ms, rate-unknown, burst-unknown");
			limits[j] = strtoul(eq + 1, &end, 10);
			if (*end || end == eq + 1)
				return la_fail("--limit %s needs a number", la_limits[j]);
			set_limit[j] = true;
			break;
		}
		default:
			return la_fail("unknown or incomplete option '%s' (see liteauth(8))",
				       argv[optind - 1]);
		}
	}
	if (optind != argc)
		return la_fail("unexpected argument '%s'", argv[optind]);
	if (has_id != (keyfile || key_stdin))
		return la_fail("--gateway-id goes with --gateway-key-file F or --gateway-key-stdin");
	if (ifname) {
		ifindex = if_nametoindex(ifname);
		if (!ifindex)
			return la_fail("no interface %s", ifname);
	}
	if (has_id && la_key_from(keyfile, key))
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
