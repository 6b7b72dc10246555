// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth: manage liteauth's key store and gateway. See liteauth(8).
 *
 * Global options go before or after the command (la_getopt, the one
 * parser); each command is a row of the table below, in a file of its
 * own, and the help, the usage lines and the bash completion are made
 * from the table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "liteauth.h"
#include "version.h"

static const struct la_opt la_device_opts[] = {
	LA_OPT("key-file", 'f', "F", "the key, from the file F"),
	LA_OPT("key-stdin", 's', NULL, "the key, from standard input"),
	LA_OPT("generate", 'g', NULL, "a new random key, written to --key-file"),
	LA_OPT("name", 'n', "N", "its name"),
	LA_OPT("disabled", 'x', NULL, "added disabled"),
	LA_OPT("reset-ctr", 'r', NULL, "rekey: its CTR starts over"),
	LA_OPT("skip-existing", 'e', NULL, "import: leave those in the store already"),
	{}
};

static const struct la_opt la_monitor_opts[] = {
	LA_OPT("count", 'c', "N", "stop after N events"),
	{}
};

static const struct la_opt la_revoke_opts[] = {
	LA_OPT("all", 'a', NULL, "every device's session"),
	{}
};

static const struct la_opt la_set_opts[] = {
	LA_OPT("bind", 'b', "IFNAME", "serve the devices of this interface"),
	LA_OPT("unbind", 'u', "IFNAME", "serve them no more"),
	LA_OPT("gateway-id", 'i', "ID", "the gateway's ID"),
	LA_OPT("gateway-key-file", 'k', "F", "the gateway's key, from the file F"),
	LA_OPT("gateway-key-stdin", 's', NULL, "the gateway's key, from standard input"),
	LA_OPT("limit", 'l', "NAME=VALUE", "set a limit of the module"),
	{}
};

static const struct la_opt la_audit_opts[] = {
	LA_OPT("since", 's', "TIME", "the records from TIME on"),
	LA_OPT("device", 'd', "ID", "the records of this device"),
	{}
};

#define LA_PRINCIPAL_WORDS	"add del enable disable show list rekey import"

static const struct la_cmd la_cmds[] = {
	{ "show", la_cmd_show, "[sessions|interfaces|counters|gateway]",
	  "the gateway module's sessions, interfaces and counters (the default)",
	  NULL, "sessions interfaces counters gateway" },
	{ "monitor", la_cmd_monitor, "[--count N]",
	  "print the gateway module's events as they happen",
	  la_monitor_opts, NULL },
	{ "revoke", la_cmd_revoke, "ID|--all",
	  "end a device's session at the gateway, or every device's",
	  la_revoke_opts, NULL },
	{ "set", la_cmd_set,
	  "[--bind|--unbind IFNAME] [--gateway-id ID --gateway-key-file F|--gateway-key-stdin]\n"
	  "            [--limit NAME=VALUE]...",
	  "configure the gateway module", la_set_opts, NULL },
	{ "device", la_cmd_device,
	  "add ID [--key-file F | --key-stdin | --generate --key-file F] [--name N] [--disabled]\n"
	  "            del|enable|disable|show ID | list\n"
	  "            rekey ID [key as for add] [--reset-ctr]\n"
	  "            import [--skip-existing] [FILE]   (lines of ID KEY [NAME])",
	  "provision the devices of the key store", la_device_opts,
	  LA_PRINCIPAL_WORDS },
	{ "gateway", la_cmd_gateway, "the same subcommands as device",
	  "provision the gateways of the key store", la_device_opts,
	  LA_PRINCIPAL_WORDS },
	{ "genkey", la_cmd_genkey, "[--json]", "print a new random pre-shared key",
	  NULL, NULL },
	{ "audit", la_cmd_audit, "[--since TIME] [--device ID]",
	  "print the audit log of authentications and refusals (TIME: 2026-12-01T21:00:00Z, 2026-12-01 or Unix seconds)",
	  la_audit_opts, NULL },
	{ "check", la_cmd_check, "",
	  "check every table of the key store, page by page", NULL, NULL },
	{ "backup", la_cmd_backup, "TARGET",
	  "copy the key store, while it serves, to a new directory", NULL,
	  NULL },
	{ "status", la_cmd_status, "[--json]",
	  "the running liteauthd's state: sessions, handshakes, counters, budgets, store",
	  NULL, NULL },
};

#define LA_OPT_BASE	0x1000	/* global options' values, apart */

/* The global options, taken before or after the command. */
static const struct la_opt la_global_opts[] = {
	LA_OPT("db", LA_OPT_BASE + 'd', "DIR", "the key store"),
	LA_OPT("passphrase-file", LA_OPT_BASE + 'p', "F",
		   "the key store's passphrase"),
	LA_OPT("json", LA_OPT_BASE + 'j', NULL, "print JSON"),
	LA_OPT("show-keys", LA_OPT_BASE + 'k', NULL,
		   "print keys instead of (hidden)"),
	{}
};

static void la_help(FILE *f)
{
	size_t i;

	fprintf(f, "usage: liteauth [--db DIR] [--passphrase-file F] [--json] [--show-keys]\n"
		   "                COMMAND [ARGS]\n"
		   "       liteauth COMMAND --help\n"
		   "       liteauth --version\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(la_cmds); i++)
		fprintf(f, "  %-8s %s\n           %s %s\n", la_cmds[i].name,
			la_cmds[i].help, la_cmds[i].name, la_cmds[i].args);
	fprintf(f, "\nThe global options go before or after the command; -- ends the options.\n"
		   "The database is %s and its passphrase file %s unless\n"
		   "given. See liteauth(8).\n", LA_DB_DEFAULT, LA_PASS_DEFAULT);
}

void la_cmd_usage(FILE *f, const struct la_cmd *cmd)
{
	if (!cmd) {
		fprintf(f, "usage: liteauth [--db DIR] [--passphrase-file F] [--json] [--show-keys] COMMAND [ARGS] (liteauth --help lists them)\n");
		return;
	}
	fprintf(f, "usage: liteauth %s%s%s\n", cmd->name, *cmd->args ? " " : "",
		cmd->args);
}

/* COMMAND --help, and help COMMAND: its usage line and its options. */
static void la_cmd_help(FILE *f, const struct la_cmd *cmd)
{
	la_cmd_usage(f, cmd);
	if (cmd->opts)
		fputs("options:\n", f);
	la_opt_list(f, cmd->opts);
}

static const struct la_cmd *la_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(la_cmds); i++)
		if (!strcmp(name, la_cmds[i].name))
			return &la_cmds[i];
	return NULL;
}

static void la_parser_usage(FILE *f, const struct la_optp *p)
{
	const struct la_cli *cli = p->ctx;

	la_cmd_usage(f, cli->cmd);
}

static void la_parser_help(FILE *f, const struct la_optp *p)
{
	const struct la_cli *cli = p->ctx;

	if (cli->cmd)
		la_cmd_help(f, cli->cmd);
	else
		la_help(f);
}

/*
 * The commands for the completion: help (followed by a command's name),
 * then the table's.
 */
static const struct la_opt_cmd *la_completion_cmd(size_t i)
{
	static char names[256];
	static struct la_opt_cmd c;
	size_t j, n = 0;

	if (i > ARRAY_SIZE(la_cmds))
		return NULL;
	if (!i) {
		for (j = 0; j < ARRAY_SIZE(la_cmds) && n < sizeof(names); j++)
			n += snprintf(names + n, sizeof(names) - n, "%s%s",
				      j ? " " : "", la_cmds[j].name);
		c = (struct la_opt_cmd){ "help", NULL, names };
		return &c;
	}
	c = (struct la_opt_cmd){ la_cmds[i - 1].name, la_cmds[i - 1].opts,
				 la_cmds[i - 1].words };
	return &c;
}

/* The parser, over main's words and then the command's (ind 0 again). */
static struct la_optp la_parser = {
	.prog = "liteauth",
	.opts = la_global_opts,
	.usage = la_parser_usage,
	.help = la_parser_help,
	.cmd = la_completion_cmd,
};

int la_getopt(struct la_cli *cli, int argc, char **argv,
	      const struct la_opt *opts)
{
	const char *name;
	int o;

	if (cli->no_opts) {
		optind = 1;
		return -1;
	}
	la_parser.ctx = cli;
	la_parser.more = opts;
	/* Before the command, its name ends them. */
	la_parser.in_order = !cli->cmd;
	while ((o = la_opt_next(&la_parser, argc, argv)) != -1) {
		optarg = (char *)la_parser.arg;
		switch (o) {
		case 'd' + LA_OPT_BASE:
		case 'p' + LA_OPT_BASE:
			name = o == 'd' + LA_OPT_BASE ? "--db" : "--passphrase-file";
			if (!*optarg)
				la_opt_fail(&la_parser,
					    "%s: the path is empty (a path is 1 to %d bytes)",
					    name, PATH_MAX - 1);
			if (strlen(optarg) >= PATH_MAX)
				la_opt_fail(&la_parser, "%s: a path is at most %d bytes",
					    name, PATH_MAX - 1);
			*(o == 'd' + LA_OPT_BASE ? &cli->db : &cli->passfile) = optarg;
			break;
		case 'j' + LA_OPT_BASE:
			cli->json = true;
			break;
		case 'k' + LA_OPT_BASE:
			cli->show_keys = true;
			break;
		default:
			optind = la_parser.ind;
			return o;
		}
	}
	optind = la_parser.ind;
	return -1;
}

int la_no_args(struct la_cli *cli, int argc, char **argv, int max)
{
	if (la_getopt(cli, argc, argv, NULL) != -1)
		return LA_EXIT_USAGE;	/* no options of its own */
	if (argc - optind > max)
		return la_usage("unexpected argument '%s'", argv[optind + max]);
	return 0;
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
	else if (ret == -ENOENT && access(cli->passfile, F_OK) && errno == ENOENT)
		/* Not a missing store: a new one would not be this one. */
		la_fail("the passphrase file %s is missing: the key store's passphrase is read from it (--passphrase-file names another)",
			cli->passfile);
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
	struct la_cli cli = {
		.db = LA_DB_DEFAULT,
		.passfile = LA_PASS_DEFAULT,
		.tty = isatty(STDOUT_FILENO),
	};
	const struct la_cmd *cmd;
	int ret;

	la_no_core();	/* keys are read from here on */

	la_getopt(&cli, argc, argv, NULL);
	/* A "--" that ended them, not one that was a value (--db --). */
	cli.no_opts = la_parser.dashdash;
	if (optind == argc) {
		/* No command: show, as wg does. */
		argv[--optind] = "show";
	}
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 == argc) {
			la_help(stdout);
			return 0;
		}
		cmd = la_cmd_find(argv[optind + 1]);
		if (!cmd || optind + 2 != argc) {
			la_fail(cmd ? "help takes one command" :
				"unknown command '%s'", argv[optind + 1]);
			la_cmd_usage(stderr, NULL);
			return LA_EXIT_USAGE;
		}
		la_cmd_help(stdout, cmd);
		return 0;
	}
	cmd = la_cmd_find(argv[optind]);
	if (!cmd) {
		la_fail("unknown command '%s'", argv[optind]);
		la_cmd_usage(stderr, NULL);
		return LA_EXIT_USAGE;
	}
	cli.cmd = cmd;
	if (la_crypto_init())
		return la_fail("no AES-128 CMAC/CCM in this OpenSSL");
	argc -= optind;
	argv += optind;
	la_parser.ind = 0;	/* it starts over, permuting */
	ret = cmd->fn(&cli, argc, argv);
	la_crypto_exit();
	if (ret == LA_EXIT_USAGE)
		la_cmd_usage(stderr, cmd);
	return ret;
}
