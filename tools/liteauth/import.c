// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth device import [--skip-existing] [FILE]: many devices (or
 * gateways) at once, one a line, "ID KEY [NAME]", as liteauth-devsim keys
 * prints them; blank lines and lines starting with '#' are passed over.
 *
 * All or nothing: the whole input is read and checked first, every bad
 * line reported (the first LA_IMPORT_ERRORS of them), then the IDs the
 * store has already; only then is anything written, in transactions of
 * LA_STORE_BATCH (la_store_add_many). Keys are kept apart from what is
 * sorted, and every buffer that held one is wiped; none is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "liteauth.h"

#define LA_IMPORT_ERRORS	20	/* bad lines reported, at most */
#define LA_IMPORT_BUF		65536	/* the longest line, and more */
#define LA_BLANKS		" \t\r"

/* A line of the input, without its key: these are sorted. */
struct la_dev {
	u8 id[LA_ID_LEN];
	u32 line;
	u32 key;		/* index into keys */
	u32 name;		/* offset into names, plus 1; 0: none */
};

struct la_import {
	const char *what;	/* "device" or "gateway" */
	const char *from;	/* the file, for messages */
	bool skip_existing;
	bool adding;		/* la_store_add_many is running */
	struct la_dev *devs;
	u8 (*keys)[LA_KEY_LEN];	/* wiped when moved or freed */
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
	u64 created;
	unsigned long errors;	/* bad lines */
	size_t taken;		/* IDs the store had already */
};

/* "liteauth: FILE:LINE: message", for the first LA_IMPORT_ERRORS. */
static void __attribute__((format(printf, 3, 4)))
la_import_err(struct la_import *im, u32 line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (++im->errors > LA_IMPORT_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	la_fail("%s:%u: %s", im->from, line, msg);
}

/* Room for one more line; the keys move to a new buffer, the old wiped. */
static void la_import_grow(struct la_import *im, size_t name_len)
{
	if (im->n == im->cap) {
		size_t cap = im->cap ? 2 * im->cap : 4096;
		u8 (*keys)[LA_KEY_LEN] = malloc(cap * LA_KEY_LEN);
		struct la_dev *devs = realloc(im->devs, cap * sizeof(*devs));

		if (!keys || !devs || cap > UINT32_MAX)
			exit(la_fail("out of memory"));
		if (im->n)
			memcpy(keys, im->keys, im->n * LA_KEY_LEN);
		if (im->keys)	/* and a bad line's key after them */
			memzero_explicit(im->keys, im->cap * LA_KEY_LEN);
		free(im->keys);
		im->keys = keys;
		im->devs = devs;
		im->cap = cap;
	}
	if (im->names_len + name_len + 1 > im->names_cap) {
		im->names_cap = 2 * (im->names_cap + name_len + 1);
		im->names = realloc(im->names, im->names_cap);
		if (!im->names || im->names_cap > UINT32_MAX)
			exit(la_fail("out of memory"));
	}
}

/* One line, NUL-terminated in place of its newline. */
static void la_import_line(struct la_import *im, u32 line, char *s,
			   size_t len)
{
	struct la_dev *d;
	char *id, *key, *name, *e = s + len;
	char why[LA_WHY_LEN];
	size_t name_len;

	if (memchr(s, '\0', len)) {
		la_import_err(im, line, "a NUL byte: not a text file?");
		return;
	}
	while (e > s && strchr(LA_BLANKS, e[-1]))
		*--e = '\0';
	s += strspn(s, LA_BLANKS);
	if (!*s || *s == '#')
		return;
	id = s;
	s += strcspn(s, LA_BLANKS);
	if (*s)
		*s++ = '\0';
	key = s + strspn(s, LA_BLANKS);
	s = key + strcspn(key, LA_BLANKS);
	if (*s)
		*s++ = '\0';
	name = s + strspn(s, LA_BLANKS);
	name_len = strlen(name);

	la_import_grow(im, name_len);
	d = &im->devs[im->n];
	if (la_id_parse(id, strlen(id), d->id, why)) {
		la_import_err(im, line, "the ID is not an EUI-64: %s (" LA_ID_HINT ")",
			      why);
		return;
	}
	if (!*key) {
		la_import_err(im, line, "no key after the ID (a line is ID KEY [NAME])");
		return;
	}
	if (la_key_parse(key, strlen(key), im->keys[im->n], why)) {
		la_import_err(im, line, "not a key: %s (" LA_KEY_HINT ")", why);
		return;
	}
	if (la_name_check(name, why)) {
		la_import_err(im, line, "%s", why);
		return;
	}
	d->line = line;
	d->key = im->n++;
	d->name = 0;
	if (name_len) {
		memcpy(im->names + im->names_len, name, name_len + 1);
		d->name = im->names_len + 1;
		im->names_len += name_len + 1;
	}
}

/* Reads @fd line by line, through a buffer wiped after; 1 after la_fail. */
static int la_import_read(struct la_import *im, int fd)
{
	size_t start = 0, end = 0;
	char buf[LA_IMPORT_BUF];
	bool eof = false;
	u32 line = 0;
	ssize_t r;
	int ret = 0;

	for (;;) {
		char *nl = memchr(buf + start, '\n', end - start);

		if (!nl && !eof) {
			if (!start && end == sizeof(buf) - 1) {
				ret = la_fail("%s:%u: a line longer than %d bytes: not a file of %ss?",
					      im->from, line + 1,
					      LA_IMPORT_BUF - 1, im->what);
				break;
			}
			memmove(buf, buf + start, end - start);
			end -= start;
			start = 0;
			r = read(fd, buf + end, sizeof(buf) - 1 - end);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				ret = la_fail("cannot read %s: %s", im->from,
					      strerror(errno));
				break;
			}
			eof = !r;
			end += r;
			continue;
		}
		if (!nl && start == end)
			break;
		if (++line == UINT32_MAX) {
			ret = la_fail("%s: too many lines", im->from);
			break;
		}
		if (!nl)	/* the last line, without a newline */
			nl = buf + end;
		*nl = '\0';
		la_import_line(im, line, buf + start, nl - buf - start);
		start = nl - buf + (nl < buf + end);
	}
	memzero_explicit(buf, sizeof(buf));
	return ret;
}

static int la_dev_cmp(const void *a, const void *b)
{
	const struct la_dev *x = a, *y = b;
	int c = memcmp(x->id, y->id, LA_ID_LEN);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* In ID order, as the store likes them; an ID twice is an error. */
static void la_import_sort(struct la_import *im)
{
	size_t i, first = 0;
	char id[17];

	qsort(im->devs, im->n, sizeof(*im->devs), la_dev_cmp);
	for (i = 1; i < im->n; i++) {
		if (memcmp(im->devs[i].id, im->devs[first].id, LA_ID_LEN)) {
			first = i;
			continue;
		}
		la_format_id(im->devs[i].id, id);
		la_import_err(im, im->devs[i].line, "%s %s is on line %u already",
			      im->what, id, im->devs[first].line);
	}
}

static void la_import_get(void *arg, size_t i, struct la_principal *p)
{
	struct la_import *im = arg;
	const struct la_dev *d = &im->devs[i];

	memset(p, 0, sizeof(*p));
	memcpy(p->id, d->id, LA_ID_LEN);
	memcpy(p->key, im->keys[d->key], LA_KEY_LEN);
	p->suite = LITEAUTH_SUITE_AES128;
	p->enabled = true;
	p->created = im->created;
	if (d->name)
		snprintf(p->name, sizeof(p->name), "%s",
			 im->names + d->name - 1);
}

static void la_import_taken(void *arg, size_t i)
{
	struct la_import *im = arg;
	char id[17];

	im->taken++;
	if (im->skip_existing)
		return;
	la_format_id(im->devs[i].id, id);
	la_import_err(im, im->devs[i].line, "%s %s exists already%s",
		      im->what, id, im->adding ?
		      " (another process added it meanwhile): left as it is" :
		      " (--skip-existing skips it)");
}

static void la_import_free(struct la_import *im)
{
	if (im->keys)
		memzero_explicit(im->keys, im->cap * LA_KEY_LEN);
	free(im->keys);
	free(im->devs);
	free(im->names);
}

static int la_import_refuse(struct la_import *im)
{
	char shown[32] = "";

	if (im->errors > LA_IMPORT_ERRORS)
		snprintf(shown, sizeof(shown), " (the first %d shown)",
			 LA_IMPORT_ERRORS);
	return la_fail("%s: %lu error%s%s: nothing imported", im->from,
		       im->errors, im->errors == 1 ? "" : "s", shown);
}

int la_import(struct la_cli *cli, enum la_kind kind, const char *what,
	      int argc, char **argv)
{
	static const struct option opts[] = {
		{ "skip-existing", no_argument, NULL, 's' },
		{}
	};
	struct la_import im = { .what = what, .from = "standard input" };
	int fd = STDIN_FILENO, o, ret;
	struct timespec t0, t1;
	struct la_store *st;
	size_t done, added;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 's')
			return la_bad_option(argv, NULL);
		im.skip_existing = true;
	}
	if (argc - optind > 1)
		return la_usage("usage: liteauth %s import [--skip-existing] [FILE]",
				what);
	if (optind < argc && strcmp(argv[optind], "-")) {
		im.from = argv[optind];
		fd = la_open_key_file(im.from);
		if (fd < 0)
			return 1;
	}
	ret = la_import_read(&im, fd);
	if (fd != STDIN_FILENO)
		close(fd);
	if (!ret)
		la_import_sort(&im);
	if (!ret && im.errors)
		ret = la_import_refuse(&im);
	st = ret ? NULL : la_cli_store(cli, true);
	if (!ret && !st)
		ret = 1;
	if (!ret && !im.skip_existing) {
		ret = la_store_find_many(st, kind, im.n, la_import_get,
					 la_import_taken, &im);
		if (ret)
			ret = la_fail("%s", la_store_strerror(ret));
		else if (im.errors)
			ret = la_import_refuse(&im);
	}
	if (ret) {
		la_store_close(st);
		la_import_free(&im);
		return ret;
	}

	im.adding = true;
	im.created = time(NULL);
	ret = la_store_add_many(st, kind, im.n, la_import_get, la_import_taken,
				&im, &done);
	la_store_close(st);
	la_import_free(&im);
	added = done - im.taken;
	if (ret && !done)
		return la_fail("%s", la_store_strerror(ret));
	if (ret)
		return la_fail("%s: %zu %ss were imported, the rest not (import again with --skip-existing)",
			       la_store_strerror(ret), added, what);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (cli->json)
		printf("{\"imported\": %zu, \"skipped\": %zu, \"seconds\": %.3f}\n",
		       added, im.skip_existing ? im.taken : 0, secs);
	else
		fprintf(stderr, "imported %zu %s%s (%zu skipped) in %.2f s\n",
			added, what, added == 1 ? "" : "s",
			im.skip_existing ? im.taken : 0, secs);
	return im.errors ? 1 : 0;
}
