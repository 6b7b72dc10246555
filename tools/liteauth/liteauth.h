/* SPDX-License-Identifier: GPL-2.0 */
/*
 * liteauth: the one management command. A table of subcommands
 * (main.c), one source file each, sharing what is here.
 */
#ifndef _LITEAUTH_CLI_H
#define _LITEAUTH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

struct la_cli {
	const char *db;
	const char *passfile;
	bool json;		/* --json */
	bool tty;		/* stdout is a terminal: aligned, coloured */
	bool show_keys;		/* --show-keys */
};

struct la_cmd {
	const char *name;
	int (*fn)(struct la_cli *cli, int argc, char **argv);
	const char *args;
	const char *help;
};

/* Prints "liteauth: <message>" on stderr; returns 1, the exit status. */
int la_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void la_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens the key store, creating it if @create; NULL after la_fail. */
struct la_store *la_cli_store(struct la_cli *cli, bool create);
/* What a key store error -@err means, in words for the user. */
const char *la_store_strerror(int err);

/*
 * @n bytes as 2 * @n hex digits at the start of @s, with ':' or '-'
 * between bytes if @seps: the characters they took, or -1 if too few.
 */
int la_hex(const char *s, u8 *out, int n, bool seps);
/* An EUI-64 as 16 hex digits (':' and '-' allowed between bytes). */
int la_parse_id(const char *s, u8 *id, const char *what);
void la_format_id(const u8 *id, char *out);	/* 17 bytes */

/* Opens a file of keys, warning if others can read it; -1 after la_fail. */
int la_open_key_file(const char *file);

/* A table: readable on a terminal, tab-separated otherwise, or JSON. */
struct la_table;
struct la_table *la_table_new(struct la_cli *cli, int ncols,
			      const char *const *cols);
void la_table_row(struct la_table *t, const char *const *cells);
void la_table_print(struct la_table *t);	/* and frees it */
void la_table_discard(struct la_table *t);
/* Whether keys are printed (--show-keys) rather than "(hidden)". */
bool la_table_show_keys(const struct la_table *t);

/* liteauth device import (import.c), with @what "device" or "gateway". */
int la_import(struct la_cli *cli, enum la_kind kind, const char *what,
	      int argc, char **argv);

int la_cmd_device(struct la_cli *cli, int argc, char **argv);
int la_cmd_gateway(struct la_cli *cli, int argc, char **argv);
int la_cmd_genkey(struct la_cli *cli, int argc, char **argv);
int la_cmd_audit(struct la_cli *cli, int argc, char **argv);
int la_cmd_show(struct la_cli *cli, int argc, char **argv);
int la_cmd_revoke(struct la_cli *cli, int argc, char **argv);
int la_cmd_set(struct la_cli *cli, int argc, char **argv);
int la_cmd_monitor(struct la_cli *cli, int argc, char **argv);

#endif /* _LITEAUTH_CLI_H */
