// SPDX-License-Identifier: GPL-2.0
/*
 * What the liteauth tool prints: aligned columns with a highlighted
 * header on a terminal, tab-separated values for scripts (stable: the
 * columns of liteauth(8)), or JSON with --json; and its messages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteauth.h"

struct la_table {
	struct la_cli *cli;
	int ncols, nrows;
	const char *const *cols;
	char **cells;		/* nrows * ncols */
};

int la_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("liteauth: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

void la_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("liteauth: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct la_table *la_table_new(struct la_cli *cli, int ncols,
			      const char *const *cols)
{
	struct la_table *t = calloc(1, sizeof(*t));

	if (!t)
		exit(la_fail("out of memory"));
	t->cli = cli;
	t->ncols = ncols;
	t->cols = cols;
	return t;
}

void la_table_row(struct la_table *t, const char *const *cells)
{
	int i;

	t->cells = realloc(t->cells, sizeof(char *) * t->ncols * (t->nrows + 1));
	if (!t->cells)
		exit(la_fail("out of memory"));
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = strdup(cells[i]);
	t->nrows++;
}

bool la_table_show_keys(const struct la_table *t)
{
	return t->cli->show_keys;
}

static void la_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

void la_table_discard(struct la_table *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void la_table_print(struct la_table *t)
{
	int r, c, *w = calloc(t->ncols, sizeof(int));

	if (t->cli->json) {
		printf("[");
		for (r = 0; r < t->nrows; r++) {
			printf("%s\n  {", r ? "," : "");
			for (c = 0; c < t->ncols; c++) {
				printf("%s", c ? ", " : "");
				la_json_string(t->cols[c]);
				printf(": ");
				la_json_string(t->cells[r * t->ncols + c]);
			}
			printf("}");
		}
		printf("%s]\n", t->nrows ? "\n" : "");
	} else if (t->cli->tty) {
		for (c = 0; c < t->ncols; c++)
			w[c] = strlen(t->cols[c]);
		for (r = 0; r < t->nrows; r++)
			for (c = 0; c < t->ncols; c++)
				if ((int)strlen(t->cells[r * t->ncols + c]) > w[c])
					w[c] = strlen(t->cells[r * t->ncols + c]);
		for (c = 0; c < t->ncols; c++)
			printf("\033[1m%-*s\033[0m%s", w[c], t->cols[c],
			       c + 1 < t->ncols ? "  " : "\n");
		for (r = 0; r < t->nrows; r++)
			for (c = 0; c < t->ncols; c++)
				printf("%-*s%s", w[c], t->cells[r * t->ncols + c],
				       c + 1 < t->ncols ? "  " : "\n");
	} else {
		for (r = 0; r < t->nrows; r++)
			for (c = 0; c < t->ncols; c++)
				printf("%s%c", t->cells[r * t->ncols + c],
				       c + 1 < t->ncols ? '\t' : '\n');
	}
	free(w);
	la_table_discard(t);
}
