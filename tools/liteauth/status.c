// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth status: the running liteauthd's own state, asked over its
 * control socket (la_ctl_status): no lock taken, no passphrase read,
 * nothing of the store read or changed. The name/value pairs come in the
 * order liteauthd gives them (liteauth(8), "status"): a line each,
 * tab-separated (aligned under a header on a terminal), or with --json
 * one JSON object, its numbers JSON numbers and a value of none ("-")
 * null.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "liteauth.h"
#include "version.h"

/* More pairs than liteauthd gives: an answer with more is not read. */
#define LA_STATUS_PAIRS	256

struct la_status_out {
	struct la_col cols[LA_STATUS_PAIRS];
	char *names[LA_STATUS_PAIRS], *values[LA_STATUS_PAIRS];
	int n;
	bool over;
};

static void la_status_pair(void *arg, const char *name, const char *value,
			   bool number)
{
	struct la_status_out *o = arg;

	if (o->n == LA_STATUS_PAIRS) {
		o->over = true;
		return;
	}
	o->names[o->n] = strdup(name);
	o->values[o->n] = strdup(value);
	if (!o->names[o->n] || !o->values[o->n])
		exit(la_fail("out of memory"));
	o->cols[o->n].name = o->names[o->n];
	o->cols[o->n].type = number ? LA_COL_NUMBER : LA_COL_OPTIONAL;
	o->n++;
}

static void la_status_print(struct la_cli *cli, struct la_status_out *o)
{
	static const struct la_col cols[] = {
		{ "name", LA_COL_STRING }, { "value", LA_COL_STRING },
	};
	struct la_table *t;
	int i;

	if (cli->json) {
		la_record_print(cli, o->n, o->cols,
				(const char *const *)o->values);
		return;
	}
	t = la_table_new(cli, ARRAY_SIZE(cols), cols);
	for (i = 0; i < o->n; i++) {
		const char *cells[] = { o->names[i], o->values[i] };

		la_table_row(t, cells);
	}
	la_table_print(t);
}

/* Why liteauthd of @db gave no status (-@err), in one line. */
static int la_status_failed(const char *db, int pid, int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
		return la_fail("liteauthd is not running on the key store %s: there is no control socket %s/control (--db names another store)",
			       db, db);
	case -ECONNREFUSED:
		return la_fail("liteauthd is not running on the key store %s: nothing answers on %s/control (the liteauthd that made it has stopped)",
			       db, db);
	case -EACCES:
	case -EPERM:
		return la_fail("cannot reach liteauthd's control socket %s/control: %s (run liteauth as root or as liteauthd's user)",
			       db, strerror(-err));
	case -ENAMETOOLONG:
		return la_fail("the key store's path %s is too long for a control socket in it",
			       db);
	case -EOPNOTSUPP:
		return la_fail("liteauthd (pid %d) on %s does not know the status request: it is older than this liteauth %s; restart it with this release",
			       pid, db, LITEAUTH_RELEASE);
	case -ECONNRESET:
		return la_fail("liteauthd (pid %d) on %s closed the connection without answering: it serves root and its own user only, or it stopped (see its log)",
			       pid, db);
	case -ETIMEDOUT:
		return la_fail("liteauthd (pid %d) on %s did not answer for %d s (see its log)",
			       pid, db, LA_STATUS_TIMEOUT_MS / 1000);
	case -EPROTO:
		return la_fail("cannot read the status of liteauthd (pid %d) on %s: %s",
			       pid, db, la_store_strerror(err));
	default:
		return la_fail("cannot ask liteauthd on %s for its status: %s",
			       db, strerror(-err));
	}
}

int la_cmd_status(struct la_cli *cli, int argc, char **argv)
{
	struct la_status_out *o;
	int ret, pid = 0, i;

	if (la_no_args(cli, argc, argv, 0))
		return LA_EXIT_USAGE;
	o = calloc(1, sizeof(*o));
	if (!o)
		return la_fail("out of memory");
	ret = la_ctl_status(cli->db, &pid, la_status_pair, o);
	if (!ret && o->over)
		ret = -EPROTO;
	if (ret)
		ret = la_status_failed(cli->db, pid, ret);
	else
		la_status_print(cli, o);
	for (i = 0; i < o->n; i++) {
		free(o->names[i]);
		free(o->values[i]);
	}
	free(o);
	return ret;
}
