// SPDX-License-Identifier: GPL-2.0
/*
 * liteauthd's metrics file (metrics.h), in the Prometheus text exposition
 * format 0.0.4: each metric a "# HELP" and a "# TYPE" line, then its
 * sample. Names are made from liteauth status's at run time: '-' and any
 * other byte a metric name may not hold become '_'. Label values are
 * escaped as the format says (backslash, double quote, newline); other
 * control characters become '?', as in liteauth status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "gw_counters.h"
#include "metrics.h"
#include "nl.h"
#include "server.h"
#include "utf8.h"
#include "version.h"

void la_metrics_init(struct la_metrics *m, const char *path, u32 interval,
		     la_metrics_log_fn *log)
{
	memset(m, 0, sizeof(*m));
	m->log = log;
	m->interval = interval ? interval : 1;
	m->left = m->interval;
	snprintf(m->path, sizeof(m->path), "%s", path);
}

/*
 * A new file of a name nobody can guess, beside the metrics file, for it
 * to be renamed over it: opened with O_EXCL, so never a file, FIFO or
 * link someone else put there. Its name is hidden and not *.prom, so the
 * node exporter never reads it half written.
 */
static int la_metrics_tmp(struct la_metrics *m)
{
	const char *slash = strrchr(m->path, '/');
	int dir = slash ? (int)(slash - m->path) + 1 : 0;

	snprintf(m->tmp, sizeof(m->tmp), "%.*s.liteauthd-metrics-XXXXXX", dir,
		 m->path);
	return mkostemp(m->tmp, O_CLOEXEC);
}

void la_metrics_set_interval(struct la_metrics *m, u32 interval)
{
	m->interval = interval ? interval : 1;
	if (m->left > m->interval)
		m->left = m->interval;
}

bool la_metrics_due(struct la_metrics *m, u64 ticks)
{
	if (!m->path[0])
		return false;
	if (ticks < m->left) {
		m->left -= ticks;
		return false;
	}
	m->left = m->interval;
	return true;
}

static void la_metrics_put(struct la_metrics *m, const char *s, size_t n)
{
	if (m->nomem)
		return;
	if (m->len + n + 1 > m->cap) {
		size_t cap = m->cap ? m->cap : 16384;
		char *buf;

		while (m->len + n + 1 > cap)
			cap *= 2;
		buf = realloc(m->buf, cap);
		if (!buf) {
			m->nomem = true;
			return;
		}
		m->buf = buf;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, s, n);
	m->len += n;
}

static void __attribute__((format(printf, 2, 3)))
la_metrics_printf(struct la_metrics *m, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		m->nomem = true;	/* never: names are short */
		return;
	}
	la_metrics_put(m, line, n);
}

/* @prefix and @name as a metric (or label) name, in @out. */
static void la_metrics_name(char *out, size_t len, const char *prefix,
			    const char *name, const char *suffix)
{
	size_t i;
	char *p;

	snprintf(out, len, "%s%s%s", prefix, name, suffix);
	for (p = out + strlen(prefix), i = 0; name[i] && *p; i++, p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
}

static void la_metrics_head(struct la_metrics *m, const char *metric,
			    const char *type, const char *help)
{
	la_metrics_printf(m, "# HELP %s %s\n# TYPE %s %s\n", metric, help,
			  metric, type);
}

static void la_metrics_sample(struct la_metrics *m, const char *metric,
			      const char *type, const char *help, u64 value)
{
	la_metrics_head(m, metric, type, help);
	la_metrics_printf(m, "%s %llu\n", metric, (unsigned long long)value);
}

void la_metrics_begin(struct la_metrics *m)
{
	m->len = 0;
	m->nomem = false;
	la_metrics_head(m, "liteauth_build_info", "gauge",
			"liteauthd's release, as its label version.");
	la_metrics_printf(m, "liteauth_build_info{version=\"%s\"} 1\n",
			  LITEAUTH_RELEASE);
}

/* Numbers of liteauth status that are not plain gauges named after it. */
static const struct {
	const char *pair, *metric, *type, *help;
} la_metrics_named[] = {
	{ "version", NULL, NULL, NULL },	/* liteauth_build_info */
	{ "uptime-s", "liteauth_server_uptime_seconds", "gauge",
	  "Seconds since liteauthd started." },
	{ "checkpoints", "liteauth_server_checkpoints_total", "counter",
	  "Checkpoints of the key store taken." },
	{ "checkpoints-failed", "liteauth_server_checkpoints_failed_total",
	  "counter", "Checkpoints of the key store failed." },
	{ "last-check", "liteauth_server_last_check_timestamp_seconds",
	  "gauge", "When the key store was last checked (Unix time, 0: never)." },
	{ "last-backup", "liteauth_server_last_backup_timestamp_seconds",
	  "gauge", "When the key store was last backed up (Unix time, 0: never)." },
};

static int la_metrics_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(la_metrics_named); i++)
		if (!strcmp(name, la_metrics_named[i].pair))
			return i;
	return -1;
}

void la_metrics_num(void *arg, const char *name, u64 value)
{
	struct la_metrics *m = arg;
	char metric[128], help[256];
	int i = la_metrics_find(name);

	if (i >= 0) {
		if (la_metrics_named[i].metric)
			la_metrics_sample(m, la_metrics_named[i].metric,
					  la_metrics_named[i].type,
					  la_metrics_named[i].help, value);
		return;
	}
	for (i = 0; i < LA_SRV_MAX; i++)
		if (!strcmp(name, la_server_counter_name(i)))
			break;
	la_metrics_name(metric, sizeof(metric), "liteauth_server_", name,
			i < LA_SRV_MAX ? "_total" : "");
	snprintf(help, sizeof(help), "liteauth status: %s (liteauth(8), STATUS).",
		 name);
	la_metrics_sample(m, metric, i < LA_SRV_MAX ? "counter" : "gauge", help,
			  value);
}

void la_metrics_str(void *arg, const char *name, const char *value)
{
	struct la_metrics *m = arg;
	char metric[128], label[96], help[256];
	const char *v;
	int n;

	if (la_metrics_find(name) >= 0)
		return;
	la_metrics_name(metric, sizeof(metric), "liteauth_server_", name,
			"_info");
	la_metrics_name(label, sizeof(label), "", name, "");
	snprintf(help, sizeof(help), "liteauth status: %s, as its label %s (liteauth(8), STATUS).",
		 name, label);
	la_metrics_head(m, metric, "gauge", help);
	la_metrics_printf(m, "%s{%s=\"", metric, label);
	for (v = value; *v; v += n) {
		char c = *v;

		n = la_utf8_len(v);
		if (!n) {	/* the format is UTF-8: U+FFFD */
			la_metrics_put(m, "\xef\xbf\xbd", 3);
			n = 1;
		} else if (c == '\\' || c == '"') {
			la_metrics_printf(m, "\\%c", c);
		} else if (c == '\n') {
			la_metrics_put(m, "\\n", 2);
		} else if ((unsigned char)c < 0x20 || c == 0x7f) {
			la_metrics_put(m, "?", 1);
		} else {
			la_metrics_put(m, v, n);
		}
	}
	la_metrics_put(m, "\"} 1\n", 5);
}

void la_metrics_counter(struct la_metrics *m, const char *group,
			const char *name, u64 value)
{
	char prefix[32], metric[128], help[256];

	snprintf(prefix, sizeof(prefix), "liteauth_%s_", group);
	la_metrics_name(metric, sizeof(metric), prefix, name, "_total");
	snprintf(help, sizeof(help), "The %s's counter %s.", group, name);
	la_metrics_sample(m, metric, "counter", help, value);
}

void la_metrics_gateway(struct la_metrics *m, struct la_nl *nl)
{
	u64 c[__LITEAUTH_CNT_MAX];
	int ret = la_nl_counters(nl, c, ARRAY_SIZE(c));
	size_t i;

	la_metrics_sample(m, "liteauth_gateway_up", "gauge",
			  "Whether liteauth.ko's counters were read for this file (1) or not (0).",
			  !ret);
	for (i = 0; !ret && i < ARRAY_SIZE(c); i++)
		la_metrics_counter(m, "gateway", la_gw_counter_names[i], c[i]);
	if (ret && ret != -ENOTCONN && !m->gw_failing)
		m->log(LOG_WARNING, "metrics file %s: cannot read liteauth.ko's counters: %s (told once)",
		       m->path, strerror(-ret));
	m->gw_failing = ret && ret != -ENOTCONN;
}

/* The whole buffer to @fd; 0 or -errno. */
static int la_metrics_write(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

int la_metrics_commit(struct la_metrics *m)
{
	const char *what = "write";
	int fd, ret;

	if (!m->path[0])
		return 0;
	la_metrics_sample(m, "liteauth_metrics_write_failures_total",
			  "counter", "Writes of this file failed (liteauthd logs the first of each run).",
			  m->failures);
	if (m->nomem) {
		ret = -ENOMEM;
		goto failed;
	}
	fd = la_metrics_tmp(m);
	if (fd < 0) {
		ret = -errno;
		what = "create";
		goto failed;
	}
	ret = fchmod(fd, 0644) ? -errno : 0;	/* whatever the umask */
	if (!ret)
		ret = la_metrics_write(fd, m->buf, m->len);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(m->tmp, m->path)) {
		ret = -errno;
		what = "rename";
	}
	if (ret) {
		unlink(m->tmp);
		goto failed;
	}
	if (m->failing)
		m->log(LOG_NOTICE, "metrics file %s written again (%llu writes failed in all)",
		       m->path, (unsigned long long)m->failures);
	m->failing = false;
	return 0;

failed:
	m->failures++;
	if (!m->failing)
		m->log(LOG_WARNING, "cannot write the metrics file %s: %s %s: %s (told once, counted, tried again every %u s)",
		       m->path, what, m->tmp, strerror(-ret), m->interval);
	m->failing = true;
	return ret;
}

void la_metrics_free(struct la_metrics *m)
{
	free(m->buf);
	m->buf = NULL;
	m->len = m->cap = 0;
}
