// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for liteauthd's config file (daemon/conf.c): the input
 * as a whole file, read by la_conf_read as liteauthd reads its own, and
 * its first line split at its first '=' given to la_conf_set as a command
 * line option is (nothing trimmed). Whatever the input:
 *
 * - what la_conf_set takes is exactly what liteauthd.conf(5) allows: a
 *   number in decimal digits alone within its range, a string that fits
 *   its field (and is not empty), kept whole, one of the words of a
 *   choice; and what it allows it takes. What it refuses leaves the
 *   settings as they were, and says why;
 * - after a file, every setting is within those bounds, whether the file
 *   had errors or not;
 * - each bad line is logged once, by its number, and the file read returns
 *   -1 exactly when one was: every line longer than LA_CONF_LINE_MAX bytes
 *   or holding a NUL byte is, and none is ever read as two;
 * - the settings a file without those gave, written back as a file, read
 *   the same.
 *
 * Anything else aborts, saying what on stderr.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "conf.h"
#include "fail.h"

#define PATH "fuzz.conf"
#define MAX_LINES 4096	/* libFuzzer's inputs: 4096 bytes at most by default */

/* The numbers of liteauthd.conf(5), with their ranges there. */
static const struct {
	const char *name;
	size_t off, size;
	u64 min, max;
} nums[] = {
#define NUM(n, f, lo, hi) { n, offsetof(struct la_conf, limits.f), \
		sizeof(((struct la_server_limits *)0)->f), lo, hi }
	NUM("life", life, 1, 65535),
	/* The page gives no range: the one conf.c enforces. */
	NUM("pending-max", pending_max, 1, 1 << 24),
	NUM("pending-timeout-ms", pending_ms, 1000, 300000),
	NUM("rate-device", rate_device, 0, 1 << 30),
	NUM("burst-device", burst_device, 0, 1 << 24),
	NUM("rate-global", rate_global, 0, 1 << 30),
	NUM("burst-global", burst_global, 0, 1 << 24),
	NUM("rate-unknown", rate_unknown, 0, 1 << 30),
	NUM("burst-unknown", burst_unknown, 0, 1 << 24),
	NUM("rate-gateway", rate_gateway, 0, 1 << 30),
	NUM("burst-gateway", burst_gateway, 0, 1 << 24),
	NUM("audit-interval", audit_interval, 1, 3600),
	NUM("audit-keep", audit_keep, 1, 0xffffffffu),
	NUM("audit-refusals-keep", audit_refusals_keep, 1, 0xffffffffu),
#undef NUM
};

/* What the log was told of the file: the bad lines, by number. */
static struct {
	unsigned int n;
	unsigned int line[MAX_LINES];
	bool too_long[MAX_LINES];
} logged;

static void __attribute__((format(printf, 2, 3)))
log_line(int prio, const char *fmt, ...)
{
	char msg[1024];
	unsigned int n;
	int at = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sscanf(msg, PATH ":%u: %n", &n, &at) != 1 || !at)
		fail("a message without a line: %s", msg);
	if (logged.n == MAX_LINES)
		fail("more messages than lines: %s", msg);
	logged.too_long[logged.n] = !strncmp(msg + at, "line longer than", 16);
	logged.line[logged.n++] = n;
}

static u64 num_get(const struct la_conf *c, unsigned int i)
{
	const u8 *p = (const u8 *)c + nums[i].off;
	u64 v64;
	u32 v32;
	u16 v16;

	switch (nums[i].size) {
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	default:
		memcpy(&v64, p, 8);
		return v64;
	}
}

static void str_ok(const char *s, size_t size, const char *what)
{
	size_t len = strnlen(s, size);

	if (len == size)
		fail("%s is not NUL-terminated", what);
	if (!len)
		fail("%s is empty", what);
}

/* Every setting within liteauthd.conf(5)'s bounds. */
static void check_bounds(const struct la_conf *c)
{
	unsigned int i;
	int j;

	for (i = 0; i < ARRAY_SIZE(nums); i++)
		if (num_get(c, i) < nums[i].min || num_get(c, i) > nums[i].max)
			fail("%s = %llu", nums[i].name,
			     (unsigned long long)num_get(c, i));
	str_ok(c->db, sizeof(c->db), "db");
	str_ok(c->passfile, sizeof(c->passfile), "passphrase-file");
	if (strnlen(c->user, sizeof(c->user)) == sizeof(c->user))
		fail("user is not NUL-terminated");
	if (strcmp(c->role, "server") && strcmp(c->role, "relay"))
		fail("role %.16s", c->role);
	if (c->nlisten < 0 || c->nlisten > LA_LISTEN_MAX ||
	    c->nupstream < 0 || c->nupstream > LA_RELAY_UPSTREAMS_MAX)
		fail("%d listen, %d upstream", c->nlisten, c->nupstream);
	for (j = 0; j < c->nlisten; j++)
		str_ok(c->listen[j], sizeof(c->listen[j]), "listen");
	for (j = 0; j < c->nupstream; j++)
		str_ok(c->upstream[j], sizeof(c->upstream[j]), "upstream");
	if (c->foreground)
		fail("foreground set from a file");
	if (c->metrics_interval < 1 || c->metrics_interval > 3600)
		fail("metrics-interval = %u", (unsigned int)c->metrics_interval);
	if (strnlen(c->metrics_file, sizeof(c->metrics_file)) ==
	    sizeof(c->metrics_file))
		fail("metrics-file is not NUL-terminated");
}

static bool digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* la_conf_set of one @key and @val, against what the page says. */
static void fuzz_set(const char *key, const char *val)
{
	struct la_conf c, was;
	char err[256] = "";
	size_t len = strlen(val), size = 0;
	unsigned int i;
	bool ok, want;
	char *field = NULL, host[128], port[6], why[128];
	u64 v;

	la_conf_defaults(&c);
	memcpy(&was, &c, sizeof(c));
	ok = !la_conf_set(&c, key, val, err, sizeof(err));
	if (!ok && (memcmp(&c, &was, sizeof(c)) || !*err))
		fail("'%s' refused, but the settings changed or no reason",
		     key);
	check_bounds(&c);
	for (i = 0; i < ARRAY_SIZE(nums); i++) {
		if (strcmp(key, nums[i].name))
			continue;
		/* strtoull is exact on digits alone, or ULLONG_MAX. */
		v = digits(val) ? strtoull(val, NULL, 10) : 0;
		want = digits(val) && v >= nums[i].min && v <= nums[i].max;
		if (ok != want)
			fail("%s = '%s' %s", key, val, ok ? "taken" : "refused");
		if (ok && num_get(&c, i) != v)
			fail("%s = '%s' taken as %llu", key, val,
			     (unsigned long long)num_get(&c, i));
		return;
	}
	if (!strcmp(key, "db"))
		field = c.db, size = sizeof(c.db);
	else if (!strcmp(key, "passphrase-file"))
		field = c.passfile, size = sizeof(c.passfile);
	else if (!strcmp(key, "user"))
		field = c.user, size = sizeof(c.user);
	else if (!strcmp(key, "listen"))
		field = c.listen[0], size = sizeof(c.listen[0]);
	else if (!strcmp(key, "upstream"))
		field = c.upstream[0], size = sizeof(c.upstream[0]);
	if (field) {
		want = len && len < size;
		/* An address must be one (addr.c, fuzzed on its own terms). */
		if (want && (!strcmp(key, "listen") || !strcmp(key, "upstream")))
			want = !la_addr_parse(val, !strcmp(key, "listen") ?
					      LA_ADDR_ANY_PORT | LA_ADDR_ANY_HOST :
					      0, host, sizeof(host), port, why,
					      sizeof(why));
		if (ok != want || (ok && strcmp(field, val)))
			fail("%s of %zu bytes %s", key, len,
			     ok ? "taken, not whole" : "refused");
		return;
	}
	if (!strcmp(key, "metrics-interval")) {
		v = digits(val) ? strtoull(val, NULL, 10) : 0;
		want = digits(val) && v >= 1 && v <= 3600;
		if (ok != want || (ok && c.metrics_interval != v))
			fail("metrics-interval = '%s' %s", val,
			     ok ? "taken, or taken wrong" : "refused");
		return;
	}
	if (!strcmp(key, "metrics-file")) {
		/* "" too: none. */
		want = len < sizeof(c.metrics_file);
		if (ok != want || (ok && strcmp(c.metrics_file, val)))
			fail("metrics-file of %zu bytes %s", len,
			     ok ? "taken, not whole" : "refused");
		return;
	}
	if (!strcmp(key, "role"))
		want = !strcmp(val, "server") || !strcmp(val, "relay");
	else if (!strcmp(key, "netlink"))
		want = !strcmp(val, "yes") || !strcmp(val, "no");
	else
		want = false;	/* no such setting */
	if (ok != want)
		fail("%s = '%s' %s", key, val, ok ? "taken" : "refused");
	if (ok && !strcmp(key, "role") && strcmp(c.role, val))
		fail("role %s taken as %s", val, c.role);
	if (ok && !strcmp(key, "netlink") && c.no_netlink != !strcmp(val, "no"))
		fail("netlink %s taken wrong", val);
}

static void put_line(FILE *f, const char *key, const char *val)
{
	fprintf(f, "%s = %s\n", key, val);
}

/* @c as a file, read again over the defaults: the same settings. */
static void round_trip(const struct la_conf *c)
{
	struct la_conf d;
	char *text = NULL;
	size_t len = 0;
	unsigned int i;
	FILE *f;
	int j;

	f = open_memstream(&text, &len);
	if (!f)
		abort();
	for (i = 0; i < ARRAY_SIZE(nums); i++)
		fprintf(f, "%s=%llu\n", nums[i].name,
			(unsigned long long)num_get(c, i));
	put_line(f, "db", c->db);
	put_line(f, "passphrase-file", c->passfile);
	if (*c->user)
		put_line(f, "user", c->user);
	put_line(f, "role", c->role);
	put_line(f, "netlink", c->no_netlink ? "no" : "yes");
	fprintf(f, "metrics-interval=%u\n", (unsigned int)c->metrics_interval);
	if (*c->metrics_file)
		put_line(f, "metrics-file", c->metrics_file);
	for (j = 0; j < c->nlisten; j++)
		put_line(f, "listen", c->listen[j]);
	for (j = 0; j < c->nupstream; j++)
		put_line(f, "upstream", c->upstream[j]);
	fclose(f);
	f = fmemopen(text, len, "r");
	if (!f)
		abort();
	la_conf_defaults(&d);
	logged.n = 0;
	if (la_conf_read(&d, f, PATH, log_line))
		fail("its own settings, written back, have errors:\n%s", text);
	fclose(f);
	for (i = 0; i < ARRAY_SIZE(nums); i++)
		if (num_get(c, i) != num_get(&d, i))
			fail("%s read back differently", nums[i].name);
	if (strcmp(c->db, d.db) || strcmp(c->passfile, d.passfile) ||
	    strcmp(c->user, d.user) || strcmp(c->role, d.role) ||
	    c->no_netlink != d.no_netlink || c->nlisten != d.nlisten ||
	    c->nupstream != d.nupstream ||
	    c->metrics_interval != d.metrics_interval ||
	    strcmp(c->metrics_file, d.metrics_file))
		fail("settings read back differently:\n%s", text);
	for (j = 0; j < c->nlisten; j++)
		if (strcmp(c->listen[j], d.listen[j]))
			fail("listen read back differently");
	for (j = 0; j < c->nupstream; j++)
		if (strcmp(c->upstream[j], d.upstream[j]))
			fail("upstream read back differently");
	free(text);
}

/* The whole input as a file. */
static void fuzz_file(const u8 *data, size_t size)
{
	bool too_long[MAX_LINES + 1] = { false }, nul[MAX_LINES + 1] = { false };
	unsigned int nlines = 0, i, j;
	size_t start = 0, k;
	struct la_conf c;
	bool clean = true;
	FILE *f;
	int ret;

	if (size >= MAX_LINES)
		return;	/* a line a byte at most, below */
	/* Its lines, as the page counts them. */
	for (k = 0; k <= size; k++) {
		if (k < size && data[k] != '\n')
			continue;
		if (k == size && start == size)
			break;
		nlines++;
		too_long[nlines] = k - start > LA_CONF_LINE_MAX;
		nul[nlines] = memchr(data + start, 0, k - start) != NULL;
		clean &= !too_long[nlines] && !nul[nlines];
		start = k + 1;
	}
	if (!size)
		return;	/* fmemopen takes no empty buffer */
	f = fmemopen((void *)data, size, "r");
	if (!f)
		abort();
	la_conf_defaults(&c);
	logged.n = 0;
	ret = la_conf_read(&c, f, PATH, log_line);
	fclose(f);
	check_bounds(&c);

	for (i = 0; i < logged.n; i++) {
		if (!logged.line[i] || logged.line[i] > nlines ||
		    (i && logged.line[i] <= logged.line[i - 1]))
			fail("message %u names line %u of %u", i,
			     logged.line[i], nlines);
		if (logged.too_long[i] != too_long[logged.line[i]])
			fail("line %u %s", logged.line[i],
			     logged.too_long[i] ? "is not too long" :
			     "is too long, and refused for something else");
	}
	for (i = 1, j = 0; i <= nlines; i++) {
		while (j < logged.n && logged.line[j] < i)
			j++;
		if ((too_long[i] || nul[i]) &&
		    (j == logged.n || logged.line[j] != i))
			fail("line %u: %s, not refused", i,
			     too_long[i] ? "too long" : "a NUL byte");
	}
	if ((ret != 0) != (logged.n != 0))
		fail("returned %d after %u messages", ret, logged.n);
	if (clean && !ret)
		round_trip(&c);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	char key[LA_CONF_LINE_MAX + 1], *val;
	size_t n = 0;

	fuzz_file(data, size);

	/* The first line, as an option's key and value. */
	while (n < size && n < sizeof(key) - 1 && data[n] != '\n') {
		key[n] = data[n];
		n++;
	}
	key[n] = '\0';
	val = strchr(key, '=');
	if (val) {
		*val++ = '\0';
		fuzz_set(key, val);
	}
	return 0;
}
