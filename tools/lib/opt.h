/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one command-line grammar of liteauth, liteauthd and liteauth-devsim
 * (opt.c): a table of options, each with its name, its value's name if
 * it takes one and a line of help, from which the parser, the usage
 * line, --help and the bash completion are all made.
 *
 * Options go anywhere among the arguments, which keep their order after
 * them; "--" ends them, but as an option's value (--db --). A value is
 * the next word or follows '=' (--db=DIR). Names are written in full.
 * Every usage error prints "PROG: <what is wrong>" and the usage line on
 * stderr and exits 2:
 * "unknown option '--x'", "option '--db' needs a value", "option
 * '--json' takes no value". Every program has --help (the help on
 * stdout, exit 0), --version ("PROG RELEASE", exit 0) and, left out of
 * the help, --completion bash (its bash completion script on stdout).
 */
#ifndef _LITEAUTH_OPT_H
#define _LITEAUTH_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define LA_OPT_EXIT_USAGE	2

struct la_opt {
	const char *name;	/* --NAME; NULL ends a table */
	int val;		/* what la_opt_next returns for it (not 0) */
	const char *metavar;	/* its value's name, "FILE"; NULL: no value */
	const char *help;	/* its line in --help; NULL: hidden */
	char letter;		/* -LETTER as well, or 0 */
	bool repeat;		/* may be given again: "..." in the usage */
};

/* A row of a table: an option of a value (@m) or none (NULL). */
#define LA_OPT(n, v, m, h)	{ .name = (n), .val = (v), .metavar = (m), .help = (h) }

/* A command, for the completion: the word, its options, what follows. */
struct la_opt_cmd {
	const char *name;
	const struct la_opt *opts;	/* its own, or NULL */
	const char *words;	/* the words after it, space-separated, or NULL */
};

struct la_optp {
	const char *prog;
	const struct la_opt *opts;	/* the program's */
	const struct la_opt *more;	/* and a command's, or NULL */
	bool in_order;		/* the first argument ends the options */
	bool dash_h;		/* -h is --help */
	const char *version_note;	/* after "PROG RELEASE", or NULL */
	/*
	 * The usage line(s) after an error (on stderr), NULL for
	 * la_opt_usage's; the help, NULL for the usage line, the options'
	 * lines and @epilog.
	 */
	void (*usage)(FILE *f, const struct la_optp *p);
	void (*help)(FILE *f, const struct la_optp *p);
	const char *epilog;
	/* The commands, for the completion: the @i-th, or NULL after them. */
	const struct la_opt_cmd *(*cmd)(size_t i);
	void *ctx;		/* the program's */

	/*
	 * The parser's: 0 in @ind starts over. It moves the options in
	 * argv before the arguments: when la_opt_next returns -1 they are
	 * argv[@ind] to argv[argc - 1]; before that, those seen so far are
	 * argv[@pos] to argv[@ind - 1].
	 */
	int ind, pos;
	const char *arg;	/* the value of the option just returned */
	char **argv;
	const char *cluster;	/* the rest of a word of short options */
	bool done;
	/*
	 * A "--" ended the options: not one that was an option's value
	 * (--db --), nor the first argument of @in_order.
	 */
	bool dashdash;
};

/* Those every program has: --help, --version and the hidden --completion. */
extern const struct la_opt la_opt_builtin[];

/*
 * The next option's val (its value in @p->arg), or -1 after the last.
 * --help, --version and --completion are answered here, and exit; so do
 * usage errors (status 2).
 */
int la_opt_next(struct la_optp *p, int argc, char **argv);
/* "PROG: <message>" and the usage line on stderr; exits 2. */
void la_opt_fail(const struct la_optp *p, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/*
 * "usage: PROG [--a A] [--b]..." from @p->opts, wrapped, and
 * "       PROG --help | --version".
 */
void la_opt_usage(FILE *f, const struct la_optp *p);
/* A line for each option of @o that has help: "  -v, --name VALUE  help". */
void la_opt_list(FILE *f, const struct la_opt *o);

#endif /* _LITEAUTH_OPT_H */
