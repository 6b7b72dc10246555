// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth monitor [--count N]: the gateway module's events, one line
 * each (tab-separated: event, device, sid, interface, reason; or a JSON
 * object with --json), until interrupted or N events.
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/ctrl.h>

#include "genl.h"
#include "liteauth.h"

struct la_monitor {
	struct la_cli *cli;
	long count;
};

/* reason: a name for session-down, the GW_REJECT reason for reject. */
static const struct la_col la_event_cols[] = {
	{ "event", LA_COL_STRING }, { "device", LA_COL_STRING },
	{ "sid", LA_COL_NUMBER }, { "interface", LA_COL_STRING },
	{ "reason", LA_COL_STRING },
};

static int la_event(struct nl_msg *msg, void *arg)
{
	static const char *const types[] = {
		"?", "session-up", "session-down", "reject", "rate-limited",
		"daemon-gone",
	};
	static const char *const down[] = {
		"-", "expired", "revoked", "replaced", "unbound",
	};
	struct nlattr *tb[LITEAUTH_A_MAX + 1], *ev[LITEAUTH_EVENT_A_MAX + 1];
	struct la_monitor *m = arg;
	char id[17] = "-", ifname[IF_NAMESIZE] = "-", reason[16] = "-";
	char sid[12];
	const char *cells[ARRAY_SIZE(la_event_cols)] = {
		"?", id, sid, ifname, reason,
	};
	u32 type, r;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, LITEAUTH_A_MAX, NULL) ||
	    !tb[LITEAUTH_A_EVENT] ||
	    nla_parse_nested(ev, LITEAUTH_EVENT_A_MAX, tb[LITEAUTH_A_EVENT],
			     NULL) || !ev[LITEAUTH_EVENT_A_TYPE])
		return NL_SKIP;
	type = nla_get_u32(ev[LITEAUTH_EVENT_A_TYPE]);
	if (ev[LITEAUTH_EVENT_A_DEVICE_ID] &&
	    nla_len(ev[LITEAUTH_EVENT_A_DEVICE_ID]) == LA_ID_LEN)
		la_format_id(nla_data(ev[LITEAUTH_EVENT_A_DEVICE_ID]), id);
	if (ev[LITEAUTH_EVENT_A_IFINDEX])
		if_indextoname(nla_get_u32(ev[LITEAUTH_EVENT_A_IFINDEX]), ifname);
	if (ev[LITEAUTH_EVENT_A_REASON]) {
		r = nla_get_u32(ev[LITEAUTH_EVENT_A_REASON]);
		if (type == LITEAUTH_EVENT_SESSION_DOWN && r < ARRAY_SIZE(down))
			snprintf(reason, sizeof(reason), "%s", down[r]);
		else
			snprintf(reason, sizeof(reason), "%u", r);
	}
	if (type < ARRAY_SIZE(types))
		cells[0] = types[type];
	snprintf(sid, sizeof(sid), "%u", ev[LITEAUTH_EVENT_A_SID] ?
		 nla_get_u32(ev[LITEAUTH_EVENT_A_SID]) : 0);
	la_record_print(m->cli, ARRAY_SIZE(la_event_cols), la_event_cols,
			cells);
	if (m->count > 0 && !--m->count)
		return NL_STOP;
	return NL_OK;
}

int la_cmd_monitor(struct la_cli *cli, int argc, char **argv)
{
	struct la_monitor m = { .cli = cli, .count = -1 };
	struct la_genl g;
	int o, grp, ret = 0;
	u64 n;

	while ((o = la_getopt(cli, argc, argv, cli->cmd->opts)) != -1) {
		if (la_parse_number(optarg, INT32_MAX, &n) || !n)
			return la_usage("--count takes a number from 1 to %d",
					INT32_MAX);
		m.count = n;
	}
	if (optind != argc)
		return la_usage("unexpected argument '%s'", argv[optind]);
	if (la_genl_open(&g))
		return 1;
	grp = genl_ctrl_resolve_grp(g.sock, LITEAUTH_GENL_NAME,
				    LITEAUTH_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(g.sock, grp)) {
		la_genl_close(&g);
		return la_fail("cannot join the events group (run liteauth as root)");
	}
	nl_socket_disable_seq_check(g.sock);
	nl_socket_modify_cb(g.sock, NL_CB_VALID, NL_CB_CUSTOM, la_event, &m);
	while (m.count && ret >= 0)
		ret = nl_recvmsgs_default(g.sock);
	la_genl_close(&g);
	return ret < 0 && m.count ? la_fail("monitor: %s", nl_geterror(ret)) : 0;
}
