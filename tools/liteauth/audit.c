// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth audit [--since TIME] [--device ID]: every authentication
 * and every summary of refusals the server recorded, oldest first. A
 * summary counts the refusals of one gateway, device and reason over one
 * audit interval (from its time); "claimed" marks those whose ID the
 * message only claimed (anyone can send it), "proven" those refused after
 * the device proved itself. An authentication is "proven" when the server
 * checked it, "gateway-word" when it recorded it on a gateway's word.
 * A reason is named as the server's counter of it (la_audit_reason_name).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteauth.h"
#include "server.h"

struct la_audit_filter {
	struct la_table *t;
	u64 since;
	bool by_device;
	u8 idd[LA_ID_LEN];
};

/* seq is a string: refusal summaries' are r1, r2, ... */
static const struct la_col la_audit_cols[] = {
	{ "seq", LA_COL_STRING }, { "time", LA_COL_OPTIONAL },
	{ "gateway", LA_COL_STRING }, { "device", LA_COL_STRING },
	{ "result", LA_COL_STRING }, { "reason", LA_COL_STRING },
	{ "count", LA_COL_NUMBER }, { "proof", LA_COL_STRING },
};

/* Whether the ID was proven, or only claimed. */
static const char *la_proof(const struct la_audit *a)
{
	if (!a->result)
		return a->flags & LA_AUDIT_F_GATEWAY_WORD ? "gateway-word" :
							    "proven";
	return a->flags & LA_AUDIT_F_CLAIMED ? "claimed" : "proven";
}

static int la_audit_row(void *arg, const struct la_audit *a)
{
	static const u8 zero[LA_ID_LEN];
	struct la_audit_filter *f = arg;
	char seq[24], when[32], gw[17] = "-", dev[17] = "others", count[12];
	const char *cells[] = { seq, when, gw, dev,
				a->result ? "refused" : "authenticated",
				la_audit_reason_name(a->reason), count, la_proof(a) };

	if (a->time < f->since ||
	    (f->by_device && memcmp(a->idd, f->idd, LA_ID_LEN)))
		return 0;
	/* Refusal summaries have a sequence of their own: r1, r2, ... */
	snprintf(seq, sizeof(seq), "%s%llu",
		 a->flags & LA_AUDIT_F_SUMMARY ? "r" : "",
		 (unsigned long long)a->seq);
	la_format_time(a->time, when, sizeof(when));
	if (memcmp(a->idg, zero, LA_ID_LEN))
		la_format_id(a->idg, gw);
	if (!(a->flags & LA_AUDIT_F_OVERFLOW))	/* else: "others" */
		la_format_id(a->idd, dev);
	snprintf(count, sizeof(count), "%u", a->count);
	la_table_row(f->t, cells);
	return 0;
}

int la_cmd_audit(struct la_cli *cli, int argc, char **argv)
{
	struct la_audit_filter f = {};
	struct la_store *st;
	int o, ret;

	while ((o = la_getopt(cli, argc, argv, cli->cmd->opts)) != -1) {
		switch (o) {
		case 's':
			if (la_parse_time(optarg, &f.since))
				return la_usage("--since takes a time as the audit prints it, 2026-12-01T21:00:00Z, a date, 2026-12-01, or Unix seconds, not '%s'",
						optarg);
			break;
		case 'd':
			ret = la_parse_id(optarg, f.idd, "--device");
			if (ret)
				return ret;
			f.by_device = true;
			break;
		}
	}
	if (optind != argc)
		return la_usage("unexpected argument '%s'", argv[optind]);
	st = la_cli_store(cli, false);
	if (!st)
		return 1;
	f.t = la_table_new(cli, ARRAY_SIZE(la_audit_cols), la_audit_cols);
	ret = la_store_audit_list(st, la_audit_row, &f);
	/* All or nothing: no partial log before an error. */
	if (ret)
		la_table_discard(f.t);
	else
		la_table_print(f.t);
	la_store_close(st);
	return ret ? la_fail("cannot read the audit log: %s",
			     la_store_strerror(ret)) : 0;
}
