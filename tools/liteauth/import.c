// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth device import [--skip-existing] [FILE]: many devices (or
 * gateways) at once, from a file of import_file.c's lines.
 *
 * All or nothing: the whole input is read and checked first, every bad
 * line reported (the first LA_IMPORT_ERRORS of them), then the IDs the
 * store has already; only then is anything written, in transactions of
 * LA_STORE_BATCH (la_store_add_many).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "import.h"

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
	      const char *file, bool skip_existing)
{
	struct la_import im = { .what = what, .from = "standard input",
				.skip_existing = skip_existing };
	int fd = STDIN_FILENO, ret;
	struct timespec t0, t1;
	struct la_store *st;
	size_t done, added;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (file && strcmp(file, "-")) {
		im.from = file;
		fd = la_open_key_file(im.from, "");
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
