// SPDX-License-Identifier: GPL-2.0
/*
 * The one option parser of liteauth's programs (opt.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"
#include "version.h"

enum { LA_OPT_HELP = -2, LA_OPT_VERSION = -3, LA_OPT_COMPLETION = -4 };

const struct la_opt la_opt_builtin[] = {
	{ .name = "help", .val = LA_OPT_HELP, .help = "this help" },
	{ .name = "version", .val = LA_OPT_VERSION, .help = "the release" },
	{ .name = "completion", .val = LA_OPT_COMPLETION, .metavar = "SHELL" },
	/* (hidden: no help) */
	{}
};

#define LA_OPT_WIDTH	78	/* of the usage line, wrapped */

static void la_opt_usage_of(FILE *f, const struct la_optp *p)
{
	if (p->usage)
		p->usage(f, p);
	else
		la_opt_usage(f, p);
}

void la_opt_fail(const struct la_optp *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", p->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	la_opt_usage_of(stderr, p);
	exit(LA_OPT_EXIT_USAGE);
}

void la_opt_usage(FILE *f, const struct la_optp *p)
{
	const struct la_opt *o;
	int col, indent;
	char item[128];

	col = indent = fprintf(f, "usage: %s", p->prog);
	for (o = p->opts; o->name; o++) {
		if (!o->help)
			continue;
		snprintf(item, sizeof(item), " [--%s%s%s]%s", o->name,
			 o->metavar ? " " : "", o->metavar ? o->metavar : "",
			 o->repeat ? "..." : "");
		if (col + strlen(item) > LA_OPT_WIDTH)
			col = fprintf(f, "\n%*s", indent, "") - 1;
		col += fprintf(f, "%s", item);
	}
	fprintf(f, "\n       %s --help | --version\n", p->prog);
}

void la_opt_list(FILE *f, const struct la_opt *o)
{
	char left[64], letter[5];

	for (; o && o->name; o++) {
		if (!o->help)
			continue;
		/* "-v, " before the name, or its room */
		if (o->letter)
			snprintf(letter, sizeof(letter), "-%c, ", o->letter);
		else
			snprintf(letter, sizeof(letter), "    ");
		snprintf(left, sizeof(left), "%s--%s%s%s", letter, o->name,
			 o->metavar ? " " : "", o->metavar ? o->metavar : "");
		if (strlen(left) > 22)
			fprintf(f, "  %s\n  %-22s %s\n", left, "", o->help);
		else
			fprintf(f, "  %-22s %s\n", left, o->help);
	}
}

static void la_opt_help(FILE *f, const struct la_optp *p)
{
	if (p->help) {
		p->help(f, p);
		return;
	}
	la_opt_usage_of(f, p);
	fputs("\noptions:\n", f);
	la_opt_list(f, p->opts);
	la_opt_list(f, p->more);
	la_opt_list(f, la_opt_builtin);
	if (p->epilog)
		fprintf(f, "\n%s", p->epilog);
}

/* The tables a program takes, in order: its own, a command's, the builtins. */
static const struct la_opt *la_opt_table(const struct la_optp *p, int i)
{
	return i == 0 ? p->opts : i == 1 ? p->more : la_opt_builtin;
}

static const struct la_opt *la_opt_find(const struct la_optp *p,
					const char *name, size_t len,
					char letter)
{
	const struct la_opt *o;
	int i;

	for (i = 0; i < 3; i++)
		for (o = la_opt_table(p, i); o && o->name; o++)
			if (letter ? o->letter == letter :
			    strlen(o->name) == len && !strncmp(o->name, name, len))
				return o;
	if (letter == 'h' && p->dash_h)
		return &la_opt_builtin[0];
	return NULL;
}

static bool la_opt_has_letters(const struct la_optp *p)
{
	const struct la_opt *o;
	int i;

	for (i = 0; i < 2; i++)
		for (o = la_opt_table(p, i); o && o->name; o++)
			if (o->letter)
				return true;
	return p->dash_h;
}

/* Moves the @n words at argv[ind] before the arguments seen so far. */
static void la_opt_take(struct la_optp *p, int n)
{
	char **argv = p->argv, *w[2];

	memcpy(w, argv + p->ind, n * sizeof(*w));
	memmove(argv + p->pos + n, argv + p->pos,
		(p->ind - p->pos) * sizeof(*argv));
	memcpy(argv + p->pos, w, n * sizeof(*w));
	p->pos += n;
	p->ind += n;
}

/* " --a --b": the options of @o that are not hidden. */
static void la_opt_names(const struct la_opt *o)
{
	for (; o && o->name; o++)
		if (o->help)
			printf(" --%s", o->name);
}

/* What the completion offers after an option of @o: files, choices, nothing. */
enum { LA_COMP_FILE, LA_COMP_CHOICE, LA_COMP_NONE, LA_COMP_KINDS };

static int la_opt_kind(const struct la_opt *o)
{
	const char *m = o->metavar;

	if (!strcmp(m, "F") || !strcmp(m, "FILE") || !strcmp(m, "DIR"))
		return LA_COMP_FILE;
	return strchr(m, '|') ? LA_COMP_CHOICE : LA_COMP_NONE;
}

/*
 * The @i-th table of the completion: the program's, then each command's
 * that is not the one before it again; false after the last.
 */
static bool la_opt_comp_table(const struct la_optp *p, size_t i,
			      const struct la_opt **t)
{
	const struct la_opt *before = NULL;
	const struct la_opt_cmd *c;

	if (i == 0) {
		*t = p->opts;
		return true;
	}
	if (i > 1)	/* first: p->cmd may answer in the same place */
		before = p->cmd(i - 2)->opts;
	c = p->cmd ? p->cmd(i - 1) : NULL;
	if (!c)
		return false;
	*t = c->opts == before ? NULL : c->opts;
	return true;
}

/*
 * The names of the options of every table that take a value of @kind
 * (every kind if LA_COMP_KINDS), "--a|--b", after @lead; false if none.
 */
static bool la_opt_cases(const struct la_optp *p, int kind, const char *lead)
{
	const struct la_opt *o;
	bool any = false;
	size_t i;

	for (i = 0; la_opt_comp_table(p, i, &o); i++)
		for (; o && o->name; o++) {
			if (!o->help || !o->metavar ||
			    (kind != LA_COMP_KINDS && la_opt_kind(o) != kind))
				continue;
			printf("%s--%s", any ? "|" : lead, o->name);
			any = true;
		}
	return any;
}

/*
 * A bash completion script, from the tables: the options anywhere, the
 * commands and what follows each; files after an option whose value is
 * F, FILE or DIR, the choices after one of A|B, nothing after another;
 * the value as the next word or after --OPT=.
 */
static void la_opt_completion(const struct la_optp *p)
{
	const struct la_opt_cmd *c;
	const struct la_opt *o;
	const char *m;
	char fn[64];
	size_t i;

	snprintf(fn, sizeof(fn), "_%s", p->prog);
	for (i = 0; fn[i]; i++)
		if (fn[i] == '-')
			fn[i] = '_';
	printf("# bash completion for %s, made by %s --completion bash\n"
	       "%s()\n{\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= eq= cmd= sub= i w words=\n"
	       "\tlocal global='", p->prog, p->prog, fn);
	la_opt_names(p->opts);
	la_opt_names(la_opt_builtin);
	/*
	 * bash splits --OPT=VALUE into --OPT, = and VALUE (= is in
	 * COMP_WORDBREAKS): after --OPT= (cur is =, the reply goes after
	 * it) and in VALUE (prev is =), the value completes as after --OPT.
	 */
	printf(" '\n\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	       "\tif [[ $cur == = ]]; then\n"
	       "\t\tcur= eq=1\n"
	       "\telif [[ $prev == = ]]; then\n"
	       "\t\teq=1; ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD-2]}\n"
	       "\tfi\n"
	       "\tcase $prev in\n");
	/* One file a line, names with blanks whole; compopt quotes them. */
	if (la_opt_cases(p, LA_COMP_FILE, "\t"))
		printf(")\n\t\tcompopt -o filenames 2>/dev/null\n"
		       "\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); return;;\n");
	for (i = 0; la_opt_comp_table(p, i, &o); i++)
		for (; o && o->name; o++) {
			if (!o->help || !o->metavar ||
			    la_opt_kind(o) != LA_COMP_CHOICE)
				continue;
			printf("\t--%s)\n\t\tCOMPREPLY=($(compgen -W \"", o->name);
			for (m = o->metavar; *m; m++)
				putchar(*m == '|' ? ' ' : *m);
			printf("\" -- \"$cur\")); return;;\n");
		}
	if (la_opt_cases(p, LA_COMP_NONE, "\t"))
		printf(")\n\t\tCOMPREPLY=(); return;;\n");
	/*
	 * Nothing after the = of an option of no value, or of A=B; in the
	 * words before, "= VALUE" is the rest of the word before it, and an
	 * option's value follows its = or is the next word.
	 */
	printf("\tesac\n"
	       "\tif [[ -n $eq ]]; then\n"
	       "\t\tCOMPREPLY=(); return\n"
	       "\tfi\n"
	       "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	       "\t\tw=${COMP_WORDS[i]}\n"
	       "\t\tcase $w in\n"
	       "\t\t=) ((i++));;\n");
	if (la_opt_cases(p, LA_COMP_KINDS, "\t\t"))
		printf(") [[ ${COMP_WORDS[i+1]} == = ]] || ((i++));;\n");
	printf("\t\t-*) ;;\n"
	       "\t\t*) if [[ -z $cmd ]]; then cmd=$w; elif [[ -z $sub ]]; then sub=$w; fi;;\n"
	       "\t\tesac\n"
	       "\tdone\n");
	if (p->cmd) {
		printf("\tcase $cmd in\n\t'') words=\"");
		for (i = 0; (c = p->cmd(i)); i++)
			printf("%s%s", i ? " " : "", c->name);
		printf("\";;\n");
		for (i = 0; (c = p->cmd(i)); i++) {
			printf("\t%s) ", c->name);
			if (c->words)
				printf("[[ -z $sub ]] && words=\"%s\"; ",
				       c->words);
			printf("global+='");
			la_opt_names(c->opts);
			printf("';;\n");
		}
		printf("\tesac\n");
	}
	printf("\tif [[ $cur == -* || -z $words ]]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$global\" -- \"$cur\"))\n"
	       "\telse\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	       "\tfi\n"
	       "}\n"
	       "complete -F %s %s\n", fn, p->prog);
}

/* Answers the builtins; -1 for any other option. */
static int la_opt_builtin_do(struct la_optp *p, const struct la_opt *o)
{
	switch (o->val) {
	case LA_OPT_HELP:
		la_opt_help(stdout, p);
		exit(0);
	case LA_OPT_VERSION:
		printf("%s %s%s\n", p->prog, LITEAUTH_RELEASE,
		       p->version_note ? p->version_note : "");
		exit(0);
	case LA_OPT_COMPLETION:
		if (strcmp(p->arg, "bash"))
			la_opt_fail(p, "--completion: only bash");
		la_opt_completion(p);
		exit(0);
	}
	return o->val;
}

/* The next letter of a word of short options. */
static int la_opt_letter(struct la_optp *p, int argc, const char *word)
{
	const struct la_opt *o = la_opt_find(p, NULL, 0, *p->cluster);

	if (!o && la_opt_has_letters(p))
		la_opt_fail(p, "unknown option '%s'", word);
	if (!o)
		la_opt_fail(p, "unknown option '%s' (%s has no short options: an argument starting with '-' goes after --)",
			    word, p->prog);
	p->cluster++;
	p->arg = NULL;
	if (o->metavar) {
		if (*p->cluster) {
			p->arg = p->cluster;
		} else if (p->ind < argc) {
			p->arg = p->argv[p->ind];
			la_opt_take(p, 1);
		} else {
			la_opt_fail(p, "option '-%c' needs a value", o->letter);
		}
		p->cluster = NULL;
	}
	if (p->cluster && !*p->cluster)
		p->cluster = NULL;
	return la_opt_builtin_do(p, o);
}

int la_opt_next(struct la_optp *p, int argc, char **argv)
{
	const struct la_opt *o;
	const char *w, *eq;

	if (!p->ind) {
		p->ind = p->pos = 1;
		p->done = false;
		p->dashdash = false;
		p->cluster = NULL;
	}
	p->argv = argv;
	if (p->cluster)
		return la_opt_letter(p, argc, p->argv[p->pos - 1]);
	while (!p->done && p->ind < argc) {
		w = argv[p->ind];
		if (w[0] != '-' || !w[1]) {	/* an argument */
			if (p->in_order)
				break;
			p->ind++;
			continue;
		}
		la_opt_take(p, 1);
		if (!strcmp(w, "--")) {
			p->done = true;	/* all after are arguments */
			p->dashdash = true;
			p->ind = argc;
			break;
		}
		if (w[1] != '-') {
			p->cluster = w + 1;
			return la_opt_letter(p, argc, w);
		}
		eq = strchr(w + 2, '=');
		o = la_opt_find(p, w + 2, eq ? (size_t)(eq - w - 2) : strlen(w + 2),
				0);
		if (!o)
			la_opt_fail(p, "unknown option '%s'", w);
		p->arg = NULL;
		if (!o->metavar && eq)
			la_opt_fail(p, "option '--%s' takes no value", o->name);
		if (o->metavar && eq) {
			p->arg = eq + 1;
		} else if (o->metavar) {
			if (p->ind == argc)
				la_opt_fail(p, "option '%s' needs a value", w);
			p->arg = argv[p->ind];
			la_opt_take(p, 1);
		}
		return la_opt_builtin_do(p, o);
	}
	/* The arguments: those seen, and those after "--" or the first. */
	p->ind = p->pos;
	p->done = true;
	return -1;
}
