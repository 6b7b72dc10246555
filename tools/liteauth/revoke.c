// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth revoke ID|--all: end a device's session and handshake at the
 * gateway (or every device's). To keep it out, also run
 * liteauth device disable ID, so the server refuses its next HELLO.
 */
#include "genl.h"
#include "liteauth.h"

int la_cmd_revoke(struct la_cli *cli, int argc, char **argv)
{
	struct la_genl g;
	struct nl_msg *msg;
	u8 id[LA_ID_LEN];
	bool all = false;
	int ret;

	while (la_getopt(cli, argc, argv, cli->cmd->opts) != -1)
		all = true;	/* --all */
	if (argc - optind != !all)
		return la_usage(all ? "--all or an ID, not both" :
				"revoke takes an ID, or --all");
	ret = all ? 0 : la_parse_id(argv[optind], id, "the device ID");
	if (ret)
		return ret;
	if (la_genl_open(&g))
		return 1;
	msg = la_genl_msg(&g, LITEAUTH_CMD_SESSION_DEL, 0);
	if (msg && (all ? nla_put_u32(msg, LITEAUTH_A_FLAGS, LITEAUTH_F_ALL) :
			  nla_put(msg, LITEAUTH_A_DEVICE_ID, LA_ID_LEN, id))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = la_genl_request(&g, msg, NULL, NULL, "revoke");
	la_genl_close(&g);
	return ret;
}
