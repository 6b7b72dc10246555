// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth: manage liteauth's key store and gateway. See liteauth(8).
 *
 * Global options come before the command; each command is a row of the
 * table below, in a file of its own, and the help is made from the table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "liteauth.h"

static const struct la_cmd la_cmds[] = {
	{ "show", la_cmd_show, "[sessions|interfaces|counters|gateway]",
	  "the gateway module's sessions, interfaces and counters (the default)" },
	{ "monitor", la_cmd_monitor, "[--count N]",
	  "print the gateway module's events as they happen" },
	{ "revoke", la_cmd_revoke, "ID|--all",
	  "end a device's session at the gateway, or every device's" },
	{ "set", la_cmd_set,
	  "[--bind|--unbind IFNAME] [--gateway-id ID --gateway-key-file F|--gateway-key-stdin]\n"
	  "            [--limit NAME=VALUE]...",
	  "configure the gateway module" },
	{ "device", la_cmd_device,
	  "add ID [--key-file F | --key-stdin | --generate --key-file F] [--name N] [--disabled]\n"
	  "            del|enable|disable|show ID | list\n"
	  "            rekey ID [key as for add] [--reset-ctr]\n"
	  "            import [--skip-existing] [FILE]   (lines of ID KEY [NAME])",
	  "provision the devices of the key store" },
	{ "gateway", la_cmd_gateway, "the same subcommands as device",
	  "provision the gateways of the key store" },
	{ "genkey", la_cmd_genkey, "", "print a new random pre-shared key" },
	{ "audit", la_cmd_audit, "[--since UNIXTIME] [--device ID]",
	  "print the audit log of authentications and refusals" },
	{ "check", la_cmd_check, "",
	  "check every table of the key store, page by page" },
	{ "backup", la_cmd_backup, "TARGET",
	  "copy the key store, while it serves, to a new directory" },
};

static void la_help(FILE *f)
{
	size_t i;

	fprintf(f, "usage: liteauth [--db DIR] [--passphrase-file F] [--json] [--show-keys]\n"
		   "                COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(la_cmds); i++)
		fprintf(f, "  %-8s %s\n           %s %s\n", la_cmds[i].name,
			la_cmds[i].help, la_cmds[i].name, la_cmds[i].args);
	fprintf(f, "\nThe database is %s and its passphrase file %s unless\n"
		   "given. See liteauth(8).\n", LA_DB_DEFAULT, LA_PASS_DEFAULT);
}

struct la_store *la_cli_store(struct la_cli *cli, bool create)
{
	struct la_store *st;
	char err[512];
	int ret;

	ret = la_store_open(&st, cli->db, cli->passfile,
			    create ? LA_STORE_CREATE : 0, err, sizeof(err));
	if (!ret)
		return st;
	if (ret == -EACCES)
		la_fail("%s (run liteauth as root)", err);
	else if (ret == -ENOENT && !create)
		la_fail("no key store at %s yet: `liteauth device add` (or gateway add) creates it; --db names another",
			cli->db);
	else
		la_fail("%s", err);
	return NULL;
}

const char *la_store_strerror(int err)
{
	if (la_store_locked(err))
		return "the database is held by another process: try again";
	if (err == -EBADMSG)
		return "a table of the key store is damaged (liteauth check names it; see BACKUP AND RESTORE in liteauth(8))";
	/* Only through liteauthd (store_ctl.c) */
	if (err == -ECONNRESET)
		return "liteauthd went away in the middle of the command (it exited or was killed; see its log): the store is not damaged, but the last change may or may not have been made (show tells)";
	if (err == -ETIMEDOUT)
		return "liteauthd did not answer for 60 s (see its log): the last change may or may not have been made (show tells)";
	if (err == -EPROTO)
		return "liteauthd answered with a message this liteauth does not understand: are they the same version?";
	if (err == -ENOTRECOVERABLE)
		return "Berkeley DB found the key store's environment broken: run the command again (opening it recovers it)";
	return strerror(-err);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "show-keys", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct la_cli cli = {
		.db = LA_DB_DEFAULT,
		.passfile = LA_PASS_DEFAULT,
		.tty = isatty(STDOUT_FILENO),
	};
	size_t i;
	int o, ret;

	la_no_core();	/* keys are read from here on */

	opterr = 0;
	while ((o = getopt_long(argc, argv, "+d:p:jkh", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
		case 'p':
			if (strlen(optarg) >= PATH_MAX)
				return la_usage("%s: a path is at most %d bytes",
						o == 'd' ? "--db" : "--passphrase-file",
						PATH_MAX - 1);
			*(o == 'd' ? &cli.db : &cli.passfile) = optarg;
			break;
		case 'j':
			cli.json = true;
			break;
		case 'k':
			cli.show_keys = true;
			break;
		case 'h':
			la_help(stdout);
			return 0;
		default:
			la_bad_option(argv, NULL);
			la_help(stderr);
			return LA_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		/* No command: show, as wg does. */
		argv[--optind] = "show";
	}
	if (!strcmp(argv[optind], "help")) {
		la_help(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(la_cmds); i++) {
		if (strcmp(argv[optind], la_cmds[i].name))
			continue;
		if (la_crypto_init())
			return la_fail("no AES-128 CMAC/CCM in this OpenSSL");
		ret = la_cmds[i].fn(&cli, argc - optind, argv + optind);
		la_crypto_exit();
		return ret;
	}
	la_fail("unknown command '%s'", argv[optind]);
	la_help(stderr);
	return LA_EXIT_USAGE;
}
