/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An import file of liteauth device import (import.c): read and checked
 * whole by import_file.c, before anything is written.
 */
#ifndef _LITEAUTH_IMPORT_H
#define _LITEAUTH_IMPORT_H

#include "liteauth.h"

#define LA_IMPORT_ERRORS	20	/* bad lines reported, at most */
/* The longest line, in bytes, without its newline. */
#define LA_IMPORT_LINE_MAX	65535

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
void la_import_err(struct la_import *im, u32 line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * The lines of @fd into @im: each one's ID, key and name, or an error
 * (la_import_err) for a bad one. 1 after la_fail if @fd cannot be read,
 * or holds a line longer than LA_IMPORT_LINE_MAX.
 */
int la_import_read(struct la_import *im, int fd);
/* @im's lines in ID order, as the store likes them; an ID twice, an error. */
void la_import_sort(struct la_import *im);
/* Wipes the keys and frees what la_import_read took. */
void la_import_free(struct la_import *im);

#endif /* _LITEAUTH_IMPORT_H */
