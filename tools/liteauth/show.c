// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth show [sessions|interfaces|counters]: the gateway module's state,
 * from a consistent dump (retried if a change interrupts it). Sessions get
 * their devices' names from the key store when it can be read.
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genl.h"
#include "gw_counters.h"
#include "liteauth.h"

#define LA_SHOW_SESSIONS_MAX	(1 << 20)

struct la_show {
	struct la_cli *cli;
	struct la_store *store;
	struct la_table *sessions;
	bool interrupted, gateway_seen, has_identity, has_daemon;
	u8 idg[LA_ID_LEN];
	int ifindex[16], nifaces;
	u64 counters[__LITEAUTH_CNT_MAX];
};

static const struct la_col la_session_cols[] = {
	{ "id", LA_COL_STRING }, { "name", LA_COL_STRING },
	{ "state", LA_COL_STRING }, { "sid", LA_COL_NUMBER },
	{ "interface", LA_COL_STRING }, { "address", LA_COL_STRING },
	{ "age-s", LA_COL_NUMBER }, { "expires-s", LA_COL_NUMBER },
	{ "rx-ok", LA_COL_NUMBER }, { "rx-drop", LA_COL_NUMBER },
};

static u64 la_u64(const struct nlattr *a)
{
	u64 v = 0;

	if (a && nla_len(a) == sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));	/* unpadded: memcpy */
	return v;
}

static u32 la_u32(const struct nlattr *a)
{
	return a && nla_len(a) == sizeof(u32) ? nla_get_u32((struct nlattr *)a) : 0;
}

static void la_session(struct la_show *s, struct nlattr *nest)
{
	static const char *const states[] = {
		"?", "wait-key", "wait-confirm", "established",
	};
	struct nlattr *tb[LITEAUTH_SESSION_A_MAX + 1];
	char id[17] = "?", ifname[IF_NAMESIZE] = "?", addr[32], sid[8];
	char age[24], exp[24], ok[24], drop[24];
	struct la_principal p = {};
	const char *cells[ARRAY_SIZE(la_session_cols)] = {
		id, p.name, "?", sid, ifname, addr, age, exp, ok, drop,
	};
	u32 state;

	if (nla_parse_nested(tb, LITEAUTH_SESSION_A_MAX, nest, NULL))
		return;
	if (tb[LITEAUTH_SESSION_A_DEVICE_ID] &&
	    nla_len(tb[LITEAUTH_SESSION_A_DEVICE_ID]) == LA_ID_LEN) {
		la_format_id(nla_data(tb[LITEAUTH_SESSION_A_DEVICE_ID]), id);
		if (s->store)
			la_store_get(s->store, LA_DEVICE,
				     nla_data(tb[LITEAUTH_SESSION_A_DEVICE_ID]),
				     &p);
	}
	state = la_u32(tb[LITEAUTH_SESSION_A_STATE]);
	cells[2] = state < ARRAY_SIZE(states) ? states[state] : "?";
	snprintf(sid, sizeof(sid), "%u", la_u32(tb[LITEAUTH_SESSION_A_SID]));
	if_indextoname(la_u32(tb[LITEAUTH_SESSION_A_IFINDEX]), ifname);
	if (la_u32(tb[LITEAUTH_SESSION_A_ADDR_MODE]) == LITEAUTH_ADDR_SHORT)
		snprintf(addr, sizeof(addr), "%04x/%04x",
			 la_u32(tb[LITEAUTH_SESSION_A_PAN_ID]),
			 la_u32(tb[LITEAUTH_SESSION_A_SHORT_ADDR]));
	else
		snprintf(addr, sizeof(addr), "%04x/%016llx",
			 la_u32(tb[LITEAUTH_SESSION_A_PAN_ID]),
			 (unsigned long long)la_u64(tb[LITEAUTH_SESSION_A_EXT_ADDR]));
	snprintf(age, sizeof(age), "%llu",
		 (unsigned long long)la_u64(tb[LITEAUTH_SESSION_A_AGE_MS]) / 1000);
	snprintf(exp, sizeof(exp), "%llu",
		 (unsigned long long)la_u64(tb[LITEAUTH_SESSION_A_EXPIRES_MS]) / 1000);
	snprintf(ok, sizeof(ok), "%llu",
		 (unsigned long long)la_u64(tb[LITEAUTH_SESSION_A_RX_OK]));
	snprintf(drop, sizeof(drop), "%llu",
		 (unsigned long long)la_u64(tb[LITEAUTH_SESSION_A_RX_DROP]));
	la_table_row(s->sessions, cells);
	la_principal_wipe(&p);
}

static int la_show_msg(struct nl_msg *msg, void *arg)
{
	struct la_show *s = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[LITEAUTH_A_MAX + 1], *a;
	int rem;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		s->interrupted = true;
	if (genlmsg_parse(nlh, 0, tb, LITEAUTH_A_MAX, NULL))
		return NL_SKIP;
	if (tb[LITEAUTH_A_FLAGS]) {
		u32 f = nla_get_u32(tb[LITEAUTH_A_FLAGS]);

		s->gateway_seen = true;
		s->has_identity = f & LITEAUTH_F_HAS_IDENTITY;
		s->has_daemon = f & LITEAUTH_F_HAS_DAEMON;
	}
	if (tb[LITEAUTH_A_GATEWAY_ID] &&
	    nla_len(tb[LITEAUTH_A_GATEWAY_ID]) == LA_ID_LEN)
		memcpy(s->idg, nla_data(tb[LITEAUTH_A_GATEWAY_ID]), LA_ID_LEN);
	if (tb[LITEAUTH_A_IFACES])
		nla_for_each_nested(a, tb[LITEAUTH_A_IFACES], rem)
			if (s->nifaces < 16)
				s->ifindex[s->nifaces++] = la_u32(a);
	if (tb[LITEAUTH_A_COUNTERS])
		nla_for_each_nested(a, tb[LITEAUTH_A_COUNTERS], rem)
			if (nla_type(a) >= 1 && nla_type(a) <= __LITEAUTH_CNT_MAX)
				s->counters[nla_type(a) - 1] = la_u64(a);
	if (tb[LITEAUTH_A_SESSIONS])
		nla_for_each_nested(a, tb[LITEAUTH_A_SESSIONS], rem)
			la_session(s, a);
	return NL_OK;
}

/*
 * On a terminal, the interfaces on a line with the gateway's identity;
 * else a list, one a row.
 */
static void la_show_interfaces(struct la_show *s)
{
	static const struct la_col cols[] = {
		{ "interface", LA_COL_STRING },
	};
	bool line = s->cli->tty && !s->cli->json;
	struct la_table *t = line ? NULL : la_table_new(s->cli, 1, cols);
	char name[IF_NAMESIZE], id[17] = "(none)";
	const char *cells[ARRAY_SIZE(cols)] = { name };
	int i;

	for (i = 0; i < s->nifaces; i++) {
		if (!if_indextoname(s->ifindex[i], name))
			snprintf(name, sizeof(name), "?");
		if (line)
			printf("%s ", name);
		else
			la_table_row(t, cells);
	}
	if (!line) {
		la_table_print(t);
		return;
	}
	if (s->has_identity)
		la_format_id(s->idg, id);
	printf("%sgateway %s, daemon %s\n",
	       s->nifaces ? "| " : "(no interface) | ", id,
	       s->has_daemon ? "registered" : "absent");
}

int la_cmd_show(struct la_cli *cli, int argc, char **argv)
{
	struct la_show s = { .cli = cli };
	const char *what = "all";
	struct la_genl g;
	char err[256];
	int i, tries, ret = 0;
	bool all;

	if (la_no_args(cli, argc, argv, 1))
		return LA_EXIT_USAGE;
	if (optind < argc)
		what = argv[optind];
	if (strcmp(what, "all") && strcmp(what, "sessions") &&
	    strcmp(what, "interfaces") && strcmp(what, "counters") &&
	    strcmp(what, "gateway"))
		return la_usage("unknown show '%s' (sessions, interfaces, counters, gateway)",
				what);
	/* All three, on a terminal; else (JSON too) only the one asked for. */
	all = !strcmp(what, "all") && cli->tty && !cli->json;
	if (la_genl_open(&g))
		return 1;
	/* Names, if the store is there and readable; the show goes on
	 * without them otherwise.
	 */
	if (la_store_open(&s.store, cli->db, cli->passfile, 0, err, sizeof(err)))
		s.store = NULL;
	for (tries = 0; tries < 5; tries++) {
		s.interrupted = false;
		s.nifaces = 0;
		s.sessions = la_table_new(cli, ARRAY_SIZE(la_session_cols),
					  la_session_cols);
		ret = la_genl_request(&g, la_genl_msg(&g, LITEAUTH_CMD_GET,
						      NLM_F_DUMP),
				      la_show_msg, &s, "show");
		if (ret || !s.interrupted)
			break;
		la_table_discard(s.sessions);	/* changed under us: again */
	}
	la_genl_close(&g);
	la_store_close(s.store);
	if (ret) {
		la_table_discard(s.sessions);
		return ret;
	}

	if (!strcmp(what, "counters") || all) {
		static const struct la_col cols[] = {
			{ "counter", LA_COL_STRING }, { "value", LA_COL_NUMBER },
		};
		struct la_table *t = la_table_new(cli, 2, cols);

		for (i = 0; i < __LITEAUTH_CNT_MAX; i++) {
			char v[24];
			const char *cells[] = { la_gw_counter_names[i], v };

			snprintf(v, sizeof(v), "%llu",
				 (unsigned long long)s.counters[i]);
			if (s.counters[i] || !strcmp(what, "counters"))
				la_table_row(t, cells);
		}
		la_table_print(t);
	}
	if (!strcmp(what, "interfaces") || all)
		la_show_interfaces(&s);
	if (!strcmp(what, "gateway")) {
		static const struct la_col cols[] = {
			{ "gateway-id", LA_COL_STRING }, { "daemon", LA_COL_STRING },
		};
		struct la_table *t = la_table_new(cli, 2, cols);
		char id[17] = "-";
		const char *cells[] = { id, s.has_daemon ? "registered" : "absent" };

		if (s.has_identity)
			la_format_id(s.idg, id);
		la_table_row(t, cells);
		la_table_print(t);
	}
	if (!strcmp(what, "sessions") || !strcmp(what, "all"))
		la_table_print(s.sessions);
	else
		la_table_discard(s.sessions);
	return 0;
}
