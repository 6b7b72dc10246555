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
#include <getopt.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "liteauth.h"
#include "version.h"

static const struct option la_device_opts[] = {
	{ "key-file", required_argument, NULL, 'f' },
	{ "key-stdin", no_argument, NULL, 's' },
	{ "generate", no_argument, NULL, 'g' },
	{ "name", required_argument, NULL, 'n' },
	{ "disabled", no_argument, NULL, 'x' },
	{ "reset-ctr", no_argument, NULL, 'r' },
	{ "skip-existing", no_argument, NULL, 'e' },
	{}
};

static const struct option la_monitor_opts[] = {
	{ "count", required_argument, NULL, 'c' },
	{}
};

static const struct option la_revoke_opts[] = {
	{ "all", no_argument, NULL, 'a' },
	{}
};

static const struct option la_set_opts[] = {
	{ "bind", required_argument, NULL, 'b' },
	{ "unbind", required_argument, NULL, 'u' },
	{ "gateway-id", required_argument, NULL, 'i' },
	{ "gateway-key-file", required_argument, NULL, 'k' },
	{ "gateway-key-stdin", no_argument, NULL, 's' },
	{ "limit", required_argument, NULL, 'l' },
	{}
};

static const struct option la_audit_opts[] = {
	{ "since", required_argument, NULL, 's' },
	{ "device", required_argument, NULL, 'd' },
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
	{ "genkey", la_cmd_genkey, "", "print a new random pre-shared key",
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

/* The global options, taken before or after the command. */
static const struct option la_global_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "passphrase-file", required_argument, NULL, 'p' },
	{ "json", no_argument, NULL, 'j' },
	{ "show-keys", no_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "completion", required_argument, NULL, 'C' },	/* hidden */
	{}
};
#define LA_GLOBAL_MAX	(ARRAY_SIZE(la_global_opts) - 1)
#define LA_OPT_BASE	0x1000	/* global options' values, apart */

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

static const struct la_cmd *la_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(la_cmds); i++)
		if (!strcmp(name, la_cmds[i].name))
			return &la_cmds[i];
	return NULL;
}

/* An option's words for the completion: "--name" each, space-separated. */
static void la_opt_words(const struct option *o, bool hidden)
{
	for (; o && o->name; o++)
		if (hidden || strcmp(o->name, "completion"))
			printf(" --%s", o->name);
}

/* Options that take a file, for the completion to offer files after. */
static void la_opt_files(const struct option *o)
{
	for (; o && o->name; o++)
		if (o->has_arg == required_argument && strstr(o->name, "file"))
			printf("|--%s", o->name);
}

/*
 * liteauth --completion bash: a bash completion script, made from the
 * table: the commands, their subcommands and options, and the global
 * options anywhere.
 */
static int la_completion(const char *shell)
{
	size_t i;

	if (strcmp(shell, "bash"))
		return la_usage("--completion: only bash");
	printf("# bash completion for liteauth, made by liteauth --completion bash\n"
	       "_liteauth()\n{\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= sub= i w words\n"
	       "\tlocal global='");
	la_opt_words(la_global_opts, false);
	printf(" '\n"
	       "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	       "\tcase $prev in\n"
	       "\t--db|--passphrase-file");
	for (i = 0; i < ARRAY_SIZE(la_cmds); i++)
		if (i == 0 || la_cmds[i].opts != la_cmds[i - 1].opts)
			la_opt_files(la_cmds[i].opts);
	printf(")\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\")); return;;\n"
	       "\tesac\n"
	       "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	       "\t\tw=${COMP_WORDS[i]}\n"
	       "\t\tcase $w in\n"
	       "\t\t--db|--passphrase-file) ((i++));;\n"
	       "\t\t-*) ;;\n"
	       "\t\t*) if [[ -z $cmd ]]; then cmd=$w; elif [[ -z $sub ]]; then sub=$w; fi;;\n"
	       "\t\tesac\n"
	       "\tdone\n"
	       "\tcase $cmd in\n"
	       "\t'') words=\"help");
	for (i = 0; i < ARRAY_SIZE(la_cmds); i++)
		printf(" %s", la_cmds[i].name);
	printf("\";;\n\thelp) words=\"");
	for (i = 0; i < ARRAY_SIZE(la_cmds); i++)
		printf("%s%s", i ? " " : "", la_cmds[i].name);
	printf("\";;\n");
	for (i = 0; i < ARRAY_SIZE(la_cmds); i++) {
		printf("\t%s) ", la_cmds[i].name);
		if (la_cmds[i].words)
			printf("[[ -z $sub ]] && words=\"%s\"; ",
			       la_cmds[i].words);
		printf("global+='");
		la_opt_words(la_cmds[i].opts, false);
		printf("';;\n");
	}
	printf("\tesac\n"
	       "\tif [[ $cur == -* ]]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$global\" -- \"$cur\"))\n"
	       "\telse\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	       "\tfi\n"
	       "}\n"
	       "complete -F _liteauth liteauth\n");
	return 0;
}

int la_getopt(struct la_cli *cli, int argc, char **argv,
	      const struct option *opts)
{
	/* The command's options after the global ones. */
	static struct option all[LA_GLOBAL_MAX + 16];
	const char *word;
	size_t i, n = 0;
	int o;

	for (i = 0; i < LA_GLOBAL_MAX; i++) {
		all[n] = la_global_opts[i];
		all[n++].val += LA_OPT_BASE;
	}
	for (; opts && opts->name && n + 1 < ARRAY_SIZE(all); opts++)
		all[n++] = *opts;
	memset(&all[n], 0, sizeof(all[n]));
	if (cli->no_opts) {
		optind = 1;
		return -1;
	}
	opterr = 0;
	/* Before the command, its name ends them. */
	while ((o = getopt_long(argc, argv, cli->cmd ? ":" : "+:", all,
				NULL)) != -1) {
		switch (o) {
		case 'd' + LA_OPT_BASE:
		case 'p' + LA_OPT_BASE:
			if (strlen(optarg) >= PATH_MAX) {
				la_fail("%s: a path is at most %d bytes",
					o == 'd' + LA_OPT_BASE ? "--db" :
					"--passphrase-file", PATH_MAX - 1);
				la_cmd_usage(stderr, cli->cmd);
				exit(LA_EXIT_USAGE);
			}
			*(o == 'd' + LA_OPT_BASE ? &cli->db : &cli->passfile) = optarg;
			break;
		case 'j' + LA_OPT_BASE:
			cli->json = true;
			break;
		case 'k' + LA_OPT_BASE:
			cli->show_keys = true;
			break;
		case 'h' + LA_OPT_BASE:
			if (cli->cmd)
				la_cmd_usage(stdout, cli->cmd);
			else
				la_help(stdout);
			exit(0);
		case 'V' + LA_OPT_BASE:
			printf("liteauth %s\n", LITEAUTH_RELEASE);
			exit(0);
		case 'C' + LA_OPT_BASE:
			exit(la_completion(optarg));
		case ':':
			la_fail("option '%s' needs a value", argv[optind - 1]);
			la_cmd_usage(stderr, cli->cmd);
			exit(LA_EXIT_USAGE);
		case '?':
			/* A short one's word is still argv[optind] unless it
			 * was the word's last letter.
			 */
			word = argv[optind - 1];
			if (optopt && optind < argc && argv[optind][0] == '-' &&
			    (word[0] != '-' || word[1] != optopt || word[2]))
				word = argv[optind];
			la_fail("unknown option '%s'%s", word, optopt ?
				" (liteauth has no short options: an argument starting with '-' goes after --)" :
				"");
			la_cmd_usage(stderr, cli->cmd);
			exit(LA_EXIT_USAGE);
		default:
			return o;
		}
	}
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
	cli.no_opts = optind > 1 && !strcmp(argv[optind - 1], "--");
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
		la_cmd_usage(stdout, cmd);
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
	optind = 0;	/* getopt starts over, permuting */
	ret = cmd->fn(&cli, argc, argv);
	la_crypto_exit();
	if (ret == LA_EXIT_USAGE)
		la_cmd_usage(stderr, cmd);
	return ret;
}
