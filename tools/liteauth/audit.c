// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth audit [--since UNIXTIME] [--device ID]: every authentication
 * and every refusal the server recorded, oldest first.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liteauth.h"

struct la_audit_filter {
	struct la_table *t;
	u64 since;
	bool by_device;
	u8 idd[LA_ID_LEN];
};

static const char *const la_audit_cols[] = {
	"seq", "time", "gateway", "device", "result", "reason",
};

static const char *la_reason(u8 reason)
{
	static const char *const names[] = {
		[0] = "-",
		[LITEAUTH_REJECT_UNKNOWN_DEVICE] = "unknown-device",
		[LITEAUTH_REJECT_BAD_DEVICE_MAC] = "bad-device-mac",
		[LITEAUTH_REJECT_DEVICE_DISABLED] = "device-disabled",
		[LITEAUTH_REJECT_RATE_LIMITED] = "rate-limited",
		[LITEAUTH_REJECT_SERVER_BUSY] = "server-busy",
		[LITEAUTH_REJECT_SERVER_BUSY + 1] = "bad-confirm",
	};

	return reason < ARRAY_SIZE(names) ? names[reason] : "?";
}

static int la_audit_row(void *arg, const struct la_audit *a)
{
	static const u8 zero[LA_ID_LEN];
	struct la_audit_filter *f = arg;
	char seq[24], when[32], gw[17] = "-", dev[17];
	const char *cells[] = { seq, when, gw, dev,
				a->result ? "refused" : "authenticated",
				la_reason(a->reason) };
	time_t tt = a->time;
	struct tm tm;

	if (a->time < f->since ||
	    (f->by_device && memcmp(a->idd, f->idd, LA_ID_LEN)))
		return 0;
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)a->seq);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
	if (memcmp(a->idg, zero, LA_ID_LEN))
		la_format_id(a->idg, gw);
	la_format_id(a->idd, dev);
	la_table_row(f->t, cells);
	return 0;
}

int la_cmd_audit(struct la_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'd' },
		{}
	};
	struct la_audit_filter f = {};
	struct la_store *st;
	char *end;
	int o, ret;

	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			f.since = strtoull(optarg, &end, 10);
			if (*end || end == optarg)
				return la_fail("--since takes a Unix time in seconds");
			break;
		case 'd':
			if (la_parse_id(optarg, f.idd, "--device"))
				return 1;
			f.by_device = true;
			break;
		default:
			return la_fail("usage: liteauth audit [--since UNIXTIME] [--device ID]");
		}
	}
	if (optind != argc)
		return la_fail("usage: liteauth audit [--since UNIXTIME] [--device ID]");
	st = la_cli_store(cli, false);
	if (!st)
		return 1;
	f.t = la_table_new(cli, ARRAY_SIZE(la_audit_cols), la_audit_cols);
	ret = la_store_audit_list(st, la_audit_row, &f);
	la_table_print(f.t);
	la_store_close(st);
	if (la_store_locked(ret))
		return la_fail("%s", la_store_strerror(ret));
	return ret ? la_fail("the audit log is damaged: %s", strerror(-ret)) : 0;
}
