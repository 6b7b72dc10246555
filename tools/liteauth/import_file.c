// SPDX-License-Identifier: GPL-2.0
/*
 * The import files of liteauth device import (import.h): one device (or
 * gateway) a line, "ID KEY [NAME]", as liteauth-devsim keys prints them;
 * blank lines and lines starting with '#' are passed over. Every line is
 * checked, every bad one counted; keys are kept apart from what is sorted,
 * and every buffer that held one is wiped; none is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"

/*
 * The longest line and its newline, and a byte that read() leaves for the
 * NUL after a last line that has none.
 */
#define LA_IMPORT_BUF		(LA_IMPORT_LINE_MAX + 2)
#define LA_BLANKS		" \t\r"

void la_import_err(struct la_import *im, u32 line, const char *fmt, ...)
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

/* Line by line, through a buffer wiped after. */
int la_import_read(struct la_import *im, int fd)
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
					      LA_IMPORT_LINE_MAX, im->what);
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

void la_import_sort(struct la_import *im)
{
	size_t i, first = 0;
	char id[17];

	if (!im->n)
		return;		/* and no devs to give qsort */
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

void la_import_free(struct la_import *im)
{
	if (im->keys)
		memzero_explicit(im->keys, im->cap * LA_KEY_LEN);
	free(im->keys);
	free(im->devs);
	free(im->names);
}
