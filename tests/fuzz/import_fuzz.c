// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the import files of liteauth device import
 * (tools/liteauth/import_file.c), read by la_import_read from a file and
 * sorted by la_import_sort, as the command does before it opens the store.
 * The input is:
 *
 *   LEN (2 bytes, big-endian)  BYTE  REST
 *
 * the file being LEN copies of BYTE, then REST: so that lines reach the
 * reader's 64 KiB buffer and its edges. Whatever the input:
 *
 * - the file is refused (1) exactly when one of its lines is longer than
 *   LA_IMPORT_LINE_MAX bytes (and it does not matter what it holds);
 * - otherwise every line but blank ones and comments is one device or one
 *   error, never two lines one or one line two;
 * - every device has an ID and a key that la_id_parse and la_key_parse
 *   take, and a name that la_name_check takes, with no control character
 *   (C0, DEL or C1: the tab-separated output must stay one line a row);
 * - once sorted, the devices are in ID order, each line's once, and each
 *   ID found again is one more error;
 * - the devices written back as lines read back the same, with no error.
 *
 * Anything else aborts, saying what on the real stderr (the tool's own
 * messages go nowhere).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "import.h"
#include "fail.h"

static int fd = -1;	/* the file */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fail_out = stderr;
	stderr = fopen("/dev/null", "w");
	fd = memfd_create("import", MFD_CLOEXEC);
	if (!stderr || fd < 0)
		abort();
	return 0;
}

static void put_file(const void *p, size_t len)
{
	if (ftruncate(fd, 0) || pwrite(fd, p, len, 0) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET))
		abort();
}

/* The code point at @s (la_utf8_len: @n bytes) is a control character. */
static bool control(const u8 *s, int n)
{
	return s[0] < 0x20 || s[0] == 0x7f ||
	       (n == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

/* What the command gets of the lines: each valid. */
static void check_devs(const struct la_import *im, u32 nlines, bool sorted)
{
	char why[LA_WHY_LEN], id[17];
	u8 got[LA_ID_LEN];
	size_t i, j;
	int n;

	for (i = 0; i < im->n; i++) {
		const struct la_dev *d = &im->devs[i];
		const char *name = "";

		if (!d->line || d->line > nlines || d->key >= im->n)
			fail("device %zu: line %u of %u, key %u of %zu", i,
			     d->line, nlines, d->key, im->n);
		la_format_id(d->id, id);
		if (la_id_parse(id, 16, got, why) || memcmp(got, d->id, 8))
			fail("device %zu: ID %s", i, id);
		if (d->name) {
			if (d->name - 1 >= im->names_len)
				fail("device %zu: name at %u of %zu", i,
				     d->name, im->names_len);
			name = im->names + d->name - 1;
			if (!memchr(name, 0, im->names_len - (d->name - 1)))
				fail("device %zu: name not terminated", i);
			if (!*name)
				fail("device %zu: an empty name", i);
		}
		if (la_name_check(name, why))
			fail("device %zu: name refused: %s", i, why);
		for (j = 0; name[j]; j += n) {
			n = la_utf8_len(name + j);
			if (!n || control((const u8 *)name + j, n))
				fail("device %zu: byte %zu of its name is a control character",
				     i, j + 1);
		}
		if (sorted && i &&
		    (memcmp(im->devs[i - 1].id, d->id, LA_ID_LEN) > 0 ||
		     (!memcmp(im->devs[i - 1].id, d->id, LA_ID_LEN) &&
		      im->devs[i - 1].line >= d->line)))
			fail("devices %zu and %zu out of order", i - 1, i);
	}
}

/* The devices as lines again, read back: the same, in the same order. */
static void round_trip(const struct la_import *im)
{
	struct la_import back = { .what = "device", .from = "round trip" };
	char *text = NULL;
	size_t len = 0, i, j;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		abort();
	for (i = 0; i < im->n; i++) {
		const struct la_dev *d = &im->devs[i];
		char id[17];

		la_format_id(d->id, id);
		fprintf(f, "%s\t", id);
		for (j = 0; j < LA_KEY_LEN; j++)
			fprintf(f, "%02X", im->keys[d->key][j]);
		fprintf(f, " %s\n", d->name ? im->names + d->name - 1 : "");
	}
	fclose(f);
	put_file(text, len);
	if (la_import_read(&back, fd) || back.errors || back.n != im->n)
		fail("%zu devices read back as %zu, %lu errors", im->n, back.n,
		     back.errors);
	la_import_sort(&back);
	for (i = 0; i < im->n; i++) {
		const struct la_dev *a = &im->devs[i], *b = &back.devs[i];

		if (memcmp(a->id, b->id, LA_ID_LEN) ||
		    memcmp(im->keys[a->key], back.keys[b->key], LA_KEY_LEN) ||
		    !a->name != !b->name ||
		    (a->name && strcmp(im->names + a->name - 1,
				       back.names + b->name - 1)))
			fail("device %zu read back differently", i);
	}
	la_import_free(&back);
	memzero_explicit(text, len);
	free(text);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct la_import im = { .what = "device", .from = "fuzz" };
	size_t fill, len, start, k, i;
	u32 nlines = 0, lines = 0;
	bool too_long = false;
	unsigned long errors;
	u8 *file;
	int ret;

	if (size < 3)
		return 0;
	fill = data[0] << 8 | data[1];
	len = fill + size - 3;
	file = malloc(len ? len : 1);
	if (!file)
		abort();
	memset(file, data[2], fill);
	memcpy(file + fill, data + 3, size - 3);

	/* Its lines, and those that are neither blank nor a comment. */
	for (start = 0, k = 0; k <= len; k++) {
		const u8 *l = file + start;
		size_t n = k - start, b = 0, e = n;

		if (k < len && file[k] != '\n')
			continue;
		if (k == len && !n)
			break;
		nlines++;
		too_long |= n > LA_IMPORT_LINE_MAX;
		while (b < n && strchr(" \t\r", l[b]) && l[b])
			b++;
		while (e > b && strchr(" \t\r", l[e - 1]) && l[e - 1])
			e--;
		if (memchr(l, 0, n) || (b < e && l[b] != '#'))
			lines++;
		start = k + 1;
	}
	put_file(file, len);
	free(file);

	ret = la_import_read(&im, fd);
	if (ret != too_long)
		fail("la_import_read returned %d, with%s a line too long", ret,
		     too_long ? "" : "out");
	if (ret)
		goto out;
	if (im.n + im.errors != lines)
		fail("%u lines give %zu devices and %lu errors", lines, im.n,
		     im.errors);
	check_devs(&im, nlines, false);
	errors = im.errors;
	la_import_sort(&im);
	check_devs(&im, nlines, true);
	for (i = 1; i < im.n; i++)
		errors += !memcmp(im.devs[i - 1].id, im.devs[i].id, LA_ID_LEN);
	if (im.errors != errors)
		fail("%lu errors after sorting, not %lu", im.errors, errors);
	round_trip(&im);
out:
	la_import_free(&im);
	return 0;
}
