// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth check: every table of the key store read page by page
 * (la_store_verify), by the running liteauthd or, with none, here. Each
 * damaged table is named, with what to do; exit status 1 if there is one.
 */
#include <stdio.h>

#include "liteauth.h"

struct la_check {
	const char *db;
	int damaged;
};

static void la_check_bad(void *arg, const char *file, const char *why)
{
	struct la_check *c = arg;

	c->damaged++;
	fprintf(stderr, "liteauth: %s/%s is damaged: %s\n", c->db, file, why);
}

int la_cmd_check(struct la_cli *cli, int argc, char **argv)
{
	struct la_check c = { cli->db, 0 };
	struct la_store *st;
	int ret;

	if (la_no_args(cli, argc, argv, 0))
		return LA_EXIT_USAGE;
	st = la_cli_store(cli, false);
	if (!st)
		return 1;
	ret = la_store_verify(st, la_check_bad, &c);
	la_store_close(st);
	if (ret < 0)
		return la_fail("cannot check %s: %s", cli->db,
			       la_store_strerror(ret));
	if (ret)
		return la_fail("%d table%s of %s damaged: restore the store from a backup (liteauth(8), BACKUP AND RESTORE)",
			       ret, ret > 1 ? "s" : "", cli->db);
	fprintf(stderr, "liteauth: %s: every table is whole\n", cli->db);
	return 0;
}
