// SPDX-License-Identifier: GPL-2.0
/*
 * liteauthd's settings (conf.h): "key = value" lines, '#' starting a
 * comment, each checked against its bounds in liteauthd.conf(5).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "addr.h"
#include "conf.h"
#include "store.h"

void la_conf_defaults(struct la_conf *c)
{
	static const struct la_server_limits limits = {
		.life = 1440,
		.pending_max = 65536,
		.pending_ms = 30000,
		.rate_device = 30,
		.burst_device = 5,
		.rate_global = 60 * 10000,
		.burst_global = 10000,
		.rate_unknown = 60 * 5000,
		.burst_unknown = 5000,
		.rate_gateway = 60 * 100,
		.burst_gateway = 100,
		.audit_interval = 60,
		.audit_keep = 1000000,
		.audit_refusals_keep = 100000,
	};

	memset(c, 0, sizeof(*c));
	snprintf(c->db, sizeof(c->db), "%s", LA_DB_DEFAULT);
	snprintf(c->passfile, sizeof(c->passfile), "%s", LA_PASS_DEFAULT);
	snprintf(c->role, sizeof(c->role), "server");
	c->log_level = LOG_INFO;	/* as before there were levels */
	c->metrics_interval = 15;
	c->limits = limits;
}

static int la_parse_u32(const char *s, u32 min, u32 max, u32 *out)
{
	char *end;
	unsigned long v;

	/* Digits alone: strtoul takes blanks and a sign ("-1" too). */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static const char *const la_log_levels[] = {
	[LOG_ERR] = "error", [LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int la_conf_log_level(const char *name, int *level)
{
	int i;

	for (i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (la_log_levels[i] && !strcmp(name, la_log_levels[i])) {
			*level = i;
			return 0;
		}
	return -1;
}

/* An address of @key: HOST:PORT, [IPV6]:PORT, IPV4:PORT (addr.h). */
static int la_conf_addr(const char *key, const char *val, unsigned int flags,
			char *err, size_t errlen)
{
	char host[128], port[6], why[128];

	if (!la_addr_parse(val, flags, host, sizeof(host), port, why,
			   sizeof(why)))
		return 0;
	snprintf(err, errlen, "bad %s address '%s': %s", key, val, why);
	return -1;
}

/* One setting, from the command line or the config file. */
int la_conf_set(struct la_conf *c, const char *key, const char *val,
		char *err, size_t errlen)
{
	struct {
		const char *name;
		u32 *field;
		u32 min, max;
	} nums[] = {
		{ "pending-max", &c->limits.pending_max, 1, 1 << 24 },
		{ "pending-timeout-ms", &c->limits.pending_ms, 1000, 300000 },
		{ "rate-device", &c->limits.rate_device, 0, 1 << 30 },
		{ "burst-device", &c->limits.burst_device, 0, 1 << 24 },
		{ "rate-global", &c->limits.rate_global, 0, 1 << 30 },
		{ "burst-global", &c->limits.burst_global, 0, 1 << 24 },
		{ "rate-unknown", &c->limits.rate_unknown, 0, 1 << 30 },
		{ "burst-unknown", &c->limits.burst_unknown, 0, 1 << 24 },
		{ "rate-gateway", &c->limits.rate_gateway, 0, 1 << 30 },
		{ "burst-gateway", &c->limits.burst_gateway, 0, 1 << 24 },
		{ "audit-interval", &c->limits.audit_interval, 1, 3600 },
		{ "metrics-interval", &c->metrics_interval, 1, 3600 },
	};
	u32 v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(nums); i++) {
		if (strcmp(key, nums[i].name))
			continue;
		if (la_parse_u32(val, nums[i].min, nums[i].max, nums[i].field))
			goto bad_value;
		return 0;
	}
	/* Strings: one longer than its field is refused, never cut. */
	if (!strcmp(key, "db") || !strcmp(key, "passphrase-file") ||
	    !strcmp(key, "listen") || !strcmp(key, "upstream") ||
	    !strcmp(key, "user")) {
		size_t max = !strcmp(key, "db") ? sizeof(c->db) :
			     !strcmp(key, "passphrase-file") ?
			     sizeof(c->passfile) :
			     !strcmp(key, "user") ? sizeof(c->user) :
			     sizeof(c->listen[0]);

		if (!*val || strlen(val) >= max) {
			snprintf(err, errlen, "%s must be 1 to %zu characters",
				 key, max - 1);
			return -1;
		}
	}
	if (!strcmp(key, "metrics-file")) {
		/* "" (none) too: a file's setting undone. */
		if (strlen(val) >= sizeof(c->metrics_file)) {
			snprintf(err, errlen, "%s must be at most %zu characters",
				 key, sizeof(c->metrics_file) - 1);
			return -1;
		}
		memcpy(c->metrics_file, val, strlen(val) + 1);
	} else if (!strcmp(key, "db")) {
		snprintf(c->db, sizeof(c->db), "%s", val);
	} else if (!strcmp(key, "user")) {
		memcpy(c->user, val, strlen(val) + 1);	/* fits: above */
	} else if (!strcmp(key, "passphrase-file")) {
		snprintf(c->passfile, sizeof(c->passfile), "%s", val);
	} else if (!strcmp(key, "listen")) {
		if (la_conf_addr(key, val, LA_ADDR_ANY_PORT | LA_ADDR_ANY_HOST,
				 err, errlen))
			return -1;
		if (c->nlisten == LA_LISTEN_MAX) {
			snprintf(err, errlen, "at most %d listen addresses",
				 LA_LISTEN_MAX);
			return -1;
		}
		snprintf(c->listen[c->nlisten++], sizeof(c->listen[0]), "%s",
			 val);
	} else if (!strcmp(key, "upstream")) {
		if (la_conf_addr(key, val, 0, err, errlen))
			return -1;
		if (c->nupstream == LA_RELAY_UPSTREAMS_MAX) {
			snprintf(err, errlen, "at most %d upstream servers",
				 LA_RELAY_UPSTREAMS_MAX);
			return -1;
		}
		snprintf(c->upstream[c->nupstream++], sizeof(c->upstream[0]),
			 "%s", val);
	} else if (!strcmp(key, "role")) {
		if (strcmp(val, "server") && strcmp(val, "relay"))
			goto bad_value;
		snprintf(c->role, sizeof(c->role), "%s", val);
	} else if (!strcmp(key, "log-level")) {
		if (la_conf_log_level(val, &c->log_level))
			goto bad_value;
	} else if (!strcmp(key, "netlink")) {
		if (strcmp(val, "yes") && strcmp(val, "no"))
			goto bad_value;
		c->no_netlink = !strcmp(val, "no");
	} else if (!strcmp(key, "life")) {
		if (la_parse_u32(val, 1, 65535, &v))
			goto bad_value;
		c->limits.life = v;
	} else if (!strcmp(key, "audit-keep")) {
		if (la_parse_u32(val, 1, 0xffffffffu, &v))
			goto bad_value;
		c->limits.audit_keep = v;
	} else if (!strcmp(key, "audit-refusals-keep")) {
		if (la_parse_u32(val, 1, 0xffffffffu, &v))
			goto bad_value;
		c->limits.audit_refusals_keep = v;
	} else {
		snprintf(err, errlen, "unknown setting '%s'", key);
		return -1;
	}
	return 0;

bad_value:
	snprintf(err, errlen, "bad value '%s' for %s (see liteauthd.conf(5))",
		 val, key);
	return -1;
}

/* @s without the blanks around it, in place. */
static char *la_conf_trim(char *s)
{
	char *end = s + strlen(s);

	s += strspn(s, " \t");
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

int la_conf_read(struct la_conf *c, FILE *f, const char *path,
		 la_conf_log_fn *log)
{
	char line[LA_CONF_LINE_MAX + 1], err[256];
	unsigned int n = 0;
	int ch, ret = 0;

	for (;;) {
		bool nul = false, more = false;
		size_t len = 0;
		char *key, *val;

		/* A line longer than the buffer: an error, and all of it
		 * skipped, not read as a second line.
		 */
		while ((ch = getc(f)) != EOF && ch != '\n') {
			if (len == LA_CONF_LINE_MAX) {
				more = true;
				continue;
			}
			nul |= !ch;
			line[len++] = ch;
		}
		if (ch == EOF && !len)
			break;
		line[len] = '\0';
		n++;
		if (more || nul) {
			if (more)
				log(LOG_ERR, "%s:%u: line longer than %d bytes",
				    path, n, LA_CONF_LINE_MAX);
			else
				log(LOG_ERR, "%s:%u: a NUL byte: not a text file?",
				    path, n);
			ret = -1;
			continue;
		}
		line[strcspn(line, "#")] = '\0';
		key = la_conf_trim(line);
		if (!*key)
			continue;
		val = strchr(key, '=');
		if (!val) {
			log(LOG_ERR, "%s:%u: expected key = value", path, n);
			ret = -1;
			continue;
		}
		*val++ = '\0';
		key = la_conf_trim(key);
		val = la_conf_trim(val);
		if (la_conf_set(c, key, val, err, sizeof(err))) {
			log(LOG_ERR, "%s:%u: %s", path, n, err);
			ret = -1;
		}
	}
	if (ferror(f)) {
		log(LOG_ERR, "cannot read %s after line %u", path, n);
		ret = -1;
	}
	return ret;
}

int la_conf_load(struct la_conf *c, const char *path, bool must,
		 la_conf_log_fn *log)
{
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT && !must)
			return 0;
		log(LOG_ERR, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	ret = la_conf_read(c, f, path, log);
	fclose(f);
	return ret;
}
