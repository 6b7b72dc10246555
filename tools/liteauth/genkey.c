// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth genkey: a new pre-shared key from the kernel's CSPRNG, as 32
 * hex digits on standard output, for a key file:
 *   (umask 077; liteauth genkey > device.key)
 */
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

#include "liteauth.h"

int la_cmd_genkey(struct la_cli *cli, int argc, char **argv)
{
	u8 key[LA_KEY_LEN];
	int i;

	if (la_no_args(cli, argc, argv, 0))
		return LA_EXIT_USAGE;
	if (isatty(STDOUT_FILENO))
		la_warn("printing a key on a terminal; redirect it to a file");
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return la_fail("getrandom failed");
	for (i = 0; i < LA_KEY_LEN; i++)
		printf("%02x", key[i]);
	printf("\n");
	memzero_explicit(key, sizeof(key));
	return 0;
}
