/* SPDX-License-Identifier: GPL-2.0 */
/*
 * liteauth: the one management command. A table of subcommands
 * (main.c), one source file each, sharing what is here.
 */
#ifndef _LITEAUTH_CLI_H
#define _LITEAUTH_CLI_H

#include <getopt.h>	/* optarg, optind: la_getopt leaves them as getopt does */
#include <stdbool.h>
#include <stdio.h>

#include "opt.h"
#include "utf8.h"
#include "store.h"

struct la_cli {
	const char *db;
	const char *passfile;
	bool json;		/* --json */
	bool tty;		/* stdout is a terminal: aligned, coloured */
	bool show_keys;		/* --show-keys */
	const struct la_cmd *cmd;	/* the command being run */
	bool no_opts;		/* "--" before it: nothing after is an option */
};

/*
 * A command of the table in main.c, from which --help, each command's
 * usage line and the bash completion (--completion bash) are made.
 */
struct la_cmd {
	const char *name;
	int (*fn)(struct la_cli *cli, int argc, char **argv);
	const char *args;
	const char *help;
	const struct la_opt *opts;	/* its own options, or NULL */
	const char *words;	/* its subcommands, space-separated, or NULL */
};

/*
 * The one option parser of every command, on the parser of all three
 * programs (tools/lib/opt.h): over @argv (the command's name first),
 * options anywhere, with the global options (--db, --passphrase-file,
 * --json, --show-keys, --help, --version) taken anywhere and handled
 * here, and @opts the command's own; "--" ends them. Returns the next of
 * @opts' values, its value in optarg, or -1 at the end with the
 * arguments at argv[optind...]. An unknown option, or one missing its
 * value, exits 2 with the reason and the command's usage line; --help
 * prints that line and the command's options and exits 0.
 */
int la_getopt(struct la_cli *cli, int argc, char **argv,
	      const struct la_opt *opts);
/*
 * la_getopt for a command of no options of its own, and at most @max
 * arguments after its name; 2 after la_usage.
 */
int la_no_args(struct la_cli *cli, int argc, char **argv, int max);
/* The command's usage line, "usage: liteauth NAME ARGS". */
void la_cmd_usage(FILE *f, const struct la_cmd *cmd);

/*
 * Prints "liteauth: <message>" on stderr; returns the exit status: 1 for
 * a command that failed, 2 (la_usage) for a command line that is wrong.
 */
#define LA_EXIT_FAIL	1
#define LA_EXIT_USAGE	2
int la_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define la_usage(...)	(la_fail(__VA_ARGS__), LA_EXIT_USAGE)
void la_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens the key store, creating it if @create; NULL after la_fail. */
struct la_store *la_cli_store(struct la_cli *cli, bool create);
/* What a key store error -@err means, in words for the user. */
const char *la_store_strerror(int err);

/*
 * The one parser of each kind of value, for every command (parse.c).
 * Those taking @why say what is wrong there, in LA_WHY_LEN bytes, and
 * return -1; the others print it with la_usage and return 2.
 */
#define LA_WHY_LEN	96
#define LA_KEY_HINT	"a key is exactly 32 hex digits: liteauth genkey makes one"
#define LA_ID_HINT	"an ID is 16 hex digits, like 00124b0001020304, or 8 pairs with ':' or '-' between them"
/* An EUI-64: 16 hex digits, or 8 pairs with one ':' or '-' between each. */
int la_id_parse(const char *s, size_t len, u8 *id, char *why);
/* A key: exactly 32 hex digits, nothing else. */
int la_key_parse(const char *s, size_t len, u8 *key, char *why);
/* A name: at most LA_NAME_MAX bytes of UTF-8, no control characters. */
int la_name_check(const char *s, char *why);
/* An ID on the command line, as @what ("--device"). */
int la_parse_id(const char *s, u8 *id, const char *what);
/* A number of decimal digits alone, from 0 to @max. */
int la_parse_number(const char *s, u64 max, u64 *v);
/*
 * A time as the audit prints it, 2026-12-01T21:00:00Z, a date alone
 * (2026-12-01, its midnight UTC), or Unix seconds; -1 if it is none.
 */
int la_parse_time(const char *s, u64 *t);
/*
 * A key from @file, or standard input if NULL: the key, and one newline
 * at most; warned if others can read the file. 1 after la_fail.
 */
int la_read_key(const char *file, u8 *key);
void la_format_id(const u8 *id, char *out);	/* 17 bytes */
/* A Unix time in UTC, ISO 8601; the number if it is beyond that. */
void la_format_time(u64 t, char *out, size_t len);

/*
 * Opens a file of keys, warning if others can read it; -1 after la_fail,
 * "cannot read @what@file: reason" (@what "key file " or "").
 */
int la_open_key_file(const char *file, const char *what);

/*
 * A table: readable on a terminal, tab-separated otherwise, or JSON
 * (liteauth(8), OUTPUT). In JSON a LA_COL_NUMBER column's cells are
 * numbers, a LA_COL_OPTIONAL's (times, and status' strings) and a
 * LA_COL_STRING's strings; a cell of no value (empty, "-" or "never") is
 * null in the first two kinds. The other outputs print every cell as is.
 */
enum la_col_type { LA_COL_STRING, LA_COL_NUMBER, LA_COL_OPTIONAL };

struct la_col {
	const char *name;
	enum la_col_type type;
};

struct la_table;
struct la_table *la_table_new(struct la_cli *cli, int ncols,
			      const struct la_col *cols);
void la_table_row(struct la_table *t, const char *const *cells);
void la_table_print(struct la_table *t);	/* and frees it */
void la_table_discard(struct la_table *t);
/* Whether keys are printed (--show-keys) rather than "(hidden)". */
bool la_table_show_keys(const struct la_table *t);
/* One row at once, for a stream: a tab-separated line or a JSON object. */
void la_record_print(struct la_cli *cli, int ncols, const struct la_col *cols,
		     const char *const *cells);

/* liteauth device import (import.c), with @what "device" or "gateway". */
int la_import(struct la_cli *cli, enum la_kind kind, const char *what,
	      const char *file, bool skip_existing);

int la_cmd_device(struct la_cli *cli, int argc, char **argv);
int la_cmd_gateway(struct la_cli *cli, int argc, char **argv);
int la_cmd_genkey(struct la_cli *cli, int argc, char **argv);
int la_cmd_audit(struct la_cli *cli, int argc, char **argv);
int la_cmd_check(struct la_cli *cli, int argc, char **argv);
int la_cmd_backup(struct la_cli *cli, int argc, char **argv);
int la_cmd_status(struct la_cli *cli, int argc, char **argv);
int la_cmd_show(struct la_cli *cli, int argc, char **argv);
int la_cmd_revoke(struct la_cli *cli, int argc, char **argv);
int la_cmd_set(struct la_cli *cli, int argc, char **argv);
int la_cmd_monitor(struct la_cli *cli, int argc, char **argv);

#endif /* _LITEAUTH_CLI_H */
