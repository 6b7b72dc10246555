// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth genkey: a new pre-shared key from the kernel's CSPRNG, as 32
 * hex digits on standard output, for a key file:
 *   (umask 077; liteauth genkey > device.key)
 * With --json, the object {"key": "<32 hex digits>"}.
 */
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

#include "liteauth.h"

static const struct la_col la_genkey_cols[] = { { "key", LA_COL_STRING } };

int la_cmd_genkey(struct la_cli *cli, int argc, char **argv)
{
	u8 key[LA_KEY_LEN];
	char hex[2 * LA_KEY_LEN + 1];
	const char *const cells[] = { hex };
	int i;

	if (la_no_args(cli, argc, argv, 0))
		return LA_EXIT_USAGE;
	if (isatty(STDOUT_FILENO))
		la_warn("printing a key on a terminal; redirect it to a file");
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return la_fail("getrandom failed");
	for (i = 0; i < LA_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	la_record_print(cli, 1, la_genkey_cols, cells);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(hex, sizeof(hex));
	return 0;
}
