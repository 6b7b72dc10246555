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
#include <time.h>

#include "liteauth.h"

struct la_table {
	struct la_cli *cli;
	int ncols, nrows;
	const struct la_col *cols;
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
	return LA_EXIT_FAIL;
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
			      const struct la_col *cols)
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
	for (i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] = strdup(cells[i]);
		if (!t->cells[t->nrows * t->ncols + i])
			exit(la_fail("out of memory"));
	}
	t->nrows++;
}

void la_format_time(u64 t, char *out, size_t len)
{
	time_t tt = t;
	struct tm tm;

	if (t > INT64_MAX || !gmtime_r(&tt, &tm) ||
	    !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, len, "%llu", (unsigned long long)t);
}

bool la_table_show_keys(const struct la_table *t)
{
	return t->cli->show_keys;
}

/* A string, with what is not UTF-8 as U+FFFD, so that it stays JSON. */
static void la_json_string(const char *s)
{
	int n;

	putchar('"');
	for (; *s; s += n) {
		n = la_utf8_len(s);
		if (!n) {
			printf("\\ufffd");
			n = 1;
		} else if (*s == '"' || *s == '\\') {
			printf("\\%c", *s);
		} else if ((unsigned char)*s < 0x20) {
			printf("\\u%04x", *s);
		} else {
			fwrite(s, 1, n, stdout);
		}
	}
	putchar('"');
}

/* What the outputs other than JSON print for no value (liteauth.h). */
static bool la_cell_none(const char *cell)
{
	return !cell[0] || !strcmp(cell, "-") || !strcmp(cell, "never");
}

/*
 * A cell as its column's type says (liteauth.h): null for no value but
 * in a string column; a number column's digits as a number.
 */
static void la_json_cell(enum la_col_type type, const char *cell)
{
	if (type != LA_COL_STRING && la_cell_none(cell))
		printf("null");
	else if (type == LA_COL_NUMBER &&
		 strspn(cell, "0123456789") == strlen(cell))
		printf("%s", cell);
	else
		la_json_string(cell);
}

static void la_json_object(int ncols, const struct la_col *cols,
			   const char *const *cells)
{
	int c;

	putchar('{');
	for (c = 0; c < ncols; c++) {
		printf("%s", c ? ", " : "");
		la_json_string(cols[c].name);
		printf(": ");
		la_json_cell(cols[c].type, cells[c]);
	}
	putchar('}');
}

void la_record_print(struct la_cli *cli, int ncols, const struct la_col *cols,
		     const char *const *cells)
{
	int c;

	if (cli->json) {
		la_json_object(ncols, cols, cells);
		putchar('\n');
	} else {
		for (c = 0; c < ncols; c++)
			printf("%s%c", cells[c], c + 1 < ncols ? '\t' : '\n');
	}
	fflush(stdout);
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
			printf("%s\n  ", r ? "," : "");
			la_json_object(t->ncols, t->cols,
				       (const char *const *)&t->cells[r * t->ncols]);
		}
		printf("%s]\n", t->nrows ? "\n" : "");
	} else if (t->cli->tty) {
		for (c = 0; c < t->ncols; c++)
			w[c] = strlen(t->cols[c].name);
		for (r = 0; r < t->nrows; r++)
			for (c = 0; c < t->ncols; c++)
				if ((int)strlen(t->cells[r * t->ncols + c]) > w[c])
					w[c] = strlen(t->cells[r * t->ncols + c]);
		for (c = 0; c < t->ncols; c++)
			printf("\033[1m%-*s\033[0m%s", w[c], t->cols[c].name,
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
