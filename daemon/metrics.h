/* SPDX-License-Identifier: GPL-2.0 */
/*
 * liteauthd's metrics file (metrics.c): liteauth status's pairs, the
 * relay's and the gateway module's counters, in the Prometheus text
 * exposition format 0.0.4, for node_exporter's textfile collector
 * (liteauthd(8), METRICS).
 */
#ifndef _LITEAUTH_METRICS_H
#define _LITEAUTH_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/* Where a failure to write goes, as a line for the operator. */
typedef void la_metrics_log_fn(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct la_metrics {
	char path[256];		/* "" : no metrics file */
	char tmp[288];		/* the new file renamed over it */
	char *buf;		/* the file being made */
	size_t len, cap;
	bool nomem;
	u32 interval;		/* seconds between two writes */
	u32 left;		/* seconds until the next */
	u64 failures;		/* writes failed, since the start */
	bool failing;		/* the last one failed: told already */
	bool gw_failing;	/* so did reading the module's counters */
	la_metrics_log_fn *log;
};

/*
 * A metrics file at @path ("" for none; at most 255 bytes, as
 * liteauthd.conf's metrics-file) every @interval seconds (1 or more).
 */
void la_metrics_init(struct la_metrics *m, const char *path, u32 interval,
		    la_metrics_log_fn *log);
/* Whether a write is due, @ticks seconds after the last call. */
/* A new interval (SIGHUP): the next write comes within @interval s. */
void la_metrics_set_interval(struct la_metrics *m, u32 interval);
bool la_metrics_due(struct la_metrics *m, u64 ticks);

/* A file is made with begin, the metrics, and commit, in this order. */
void la_metrics_begin(struct la_metrics *m);
/*
 * A number of liteauth status (the shape of la_server_status's @put):
 * liteauth_server_NAME, a counter (NAME_total) when NAME is one of
 * la_server_counter_name()'s.
 */
void la_metrics_num(void *m, const char *name, u64 value);
/* A string of liteauth status, as the label of a metric of value 1. */
void la_metrics_str(void *m, const char *name, const char *value);
/* liteauth_@group_@name_total, a counter: "relay", "gateway". */
void la_metrics_counter(struct la_metrics *m, const char *group,
			const char *name, u64 value);
struct la_nl;
/*
 * The gateway module's counters, read over @nl (la_nl_counters), each
 * liteauth_gateway_NAME_total by gw_counters.h's names, and
 * liteauth_gateway_up, 1 if they were read, else 0 (and none of them):
 * a failure other than the module gone (which nl.c tells) is logged once
 * until they are read again.
 */
void la_metrics_gateway(struct la_metrics *m, struct la_nl *nl);
/*
 * Written in full to the temporary file, mode 0644, and renamed over the
 * file: a reader sees the one before or this one. A failure is logged
 * once (and once when writing works again), counted
 * (liteauth_metrics_write_failures_total), and returned (-errno).
 */
int la_metrics_commit(struct la_metrics *m);
void la_metrics_free(struct la_metrics *m);

#endif /* _LITEAUTH_METRICS_H */
