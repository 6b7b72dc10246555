/* SPDX-License-Identifier: GPL-2.0 */
/*
 * liteauthd's settings (liteauthd.conf(5)): from its config file, and
 * from its command line, one setting at a time.
 */
#ifndef _LITEAUTH_CONF_H
#define _LITEAUTH_CONF_H

#include <stdbool.h>
#include <stdio.h>

#include "relay.h"
#include "server.h"

#define LA_LISTEN_MAX		8
/* The bytes of a line of the config file, without its newline. */
#define LA_CONF_LINE_MAX	510

struct la_conf {
	char db[256];
	char passfile[256];
	char listen[LA_LISTEN_MAX][128];
	int nlisten;
	char upstream[LA_RELAY_UPSTREAMS_MAX][128];
	int nupstream;
	bool no_netlink;
	bool foreground;
	char user[64];		/* to run as, once set up; "" stays */
	char role[16];
	int log_level;		/* LOG_ERR to LOG_DEBUG: the least told */
	char metrics_file[256];	/* "": none */
	u32 metrics_interval;	/* seconds */
	struct la_server_limits limits;
};

/* Where each error goes, as a line for the operator. */
typedef void la_conf_log_fn(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void la_conf_defaults(struct la_conf *c);
/* log-level's words (error, warning, notice, info, debug) as LOG_*. */
int la_conf_log_level(const char *name, int *level);
/*
 * Setting @key to @val, as the file or the command line gives it: 0, or
 * -1 and why in @err, with @c as it was.
 */
int la_conf_set(struct la_conf *c, const char *key, const char *val,
		char *err, size_t errlen);
/*
 * The "key = value" lines of @f, named @path in messages, over @c: each
 * bad line is logged (LOG_ERR, with its number) and the others are
 * taken; -1 if any was bad or @f could not be read to its end.
 */
int la_conf_read(struct la_conf *c, FILE *f, const char *path,
		 la_conf_log_fn *log);
/* The same from the file @path; a missing one is fine unless @must. */
int la_conf_load(struct la_conf *c, const char *path, bool must,
		 la_conf_log_fn *log);

#endif /* _LITEAUTH_CONF_H */
