// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth device ... and liteauth gateway ...: provisioning the key store,
 * which the daemon may be using at the same time (Berkeley DB's locks and
 * transactions keep them apart). Keys come from files or standard input,
 * never the command line, and are printed only with --show-keys.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "liteauth.h"

struct la_keyopts {
	const char *file;
	bool from_stdin, generate;
	const char *name;
	bool disabled;
	bool reset_ctr;
	bool skip_existing;
	char first[20];		/* the first option given, for messages */
};

/*
 * The options of device and gateway (the table's la_device_opts), before
 * or after the subcommand and its arguments: --key-file, --key-stdin,
 * --generate, --name, --disabled (add), --reset-ctr (a device's rekey)
 * and --skip-existing (import).
 */
static int la_keyopts_parse(struct la_cli *cli, int argc, char **argv,
			    struct la_keyopts *k)
{
	int o;

	memset(k, 0, sizeof(*k));
	while ((o = la_getopt(cli, argc, argv, cli->cmd->opts)) != -1) {
		if (!k->first[0])
			snprintf(k->first, sizeof(k->first), "%s",
				 o == 'f' ? "--key-file" : o == 's' ? "--key-stdin" :
				 o == 'g' ? "--generate" : o == 'n' ? "--name" :
				 o == 'x' ? "--disabled" : o == 'r' ? "--reset-ctr" :
				 "--skip-existing");
		switch (o) {
		case 'f':
			if (k->file)
				return la_usage("--key-file is given twice");
			k->file = optarg;
			break;
		case 's':
			k->from_stdin = true;
			break;
		case 'g':
			k->generate = true;
			break;
		case 'n':
			k->name = optarg;
			break;
		case 'x':
			k->disabled = true;
			break;
		case 'r':
			k->reset_ctr = true;
			break;
		case 'e':
			k->skip_existing = true;
			break;
		}
	}
	return 0;
}

/* What add and rekey take: the key, and a name. */
static int la_keyopts(const struct la_keyopts *k, bool names, bool reset)
{
	char why[LA_WHY_LEN];

	if (!names && (k->name || k->disabled))
		return la_usage("--%s is for add", k->name ? "name" : "disabled");
	if (!reset && k->reset_ctr)
		return la_usage("--reset-ctr is for device rekey");
	if (k->skip_existing)
		return la_usage("--skip-existing is for import");
	if (k->from_stdin + !!k->file != 1 || (k->generate && !k->file))
		return la_usage("give the key with one of --key-file F, --key-stdin, or --generate --key-file F (keys are never taken from the command line)");
	if (k->name && la_name_check(k->name, why))
		return la_usage("--name: %s", why);
	return 0;
}

/*
 * --generate: a new key, written to a file of its own in the directory of
 * @file (mode 0600), which becomes @file only once the store has taken the
 * key (la_newkey_publish): a failed command leaves no key file behind, and
 * none is ever written over another. NULL after la_fail.
 */
static char *la_newkey(const char *file, u8 *key)
{
	char text[2 * LA_KEY_LEN + 1], *tmp;
	struct stat sb;
	ssize_t n = -1;
	int fd, i;

	if (!lstat(file, &sb)) {
		la_fail("key file %s exists already (--generate writes a new file, never over another)",
			file);
		return NULL;
	}
	if (errno != ENOENT) {
		la_fail("cannot create key file %s: %s", file, strerror(errno));
		return NULL;
	}
	if (asprintf(&tmp, "%s.XXXXXX", file) < 0) {
		la_fail("out of memory");
		return NULL;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		la_fail("cannot create key file %s: %s", file, strerror(errno));
		free(tmp);
		return NULL;
	}
	if (getrandom(key, LA_KEY_LEN, 0) == LA_KEY_LEN) {
		for (i = 0; i < LA_KEY_LEN; i++)
			sprintf(text + 2 * i, "%02x", key[i]);
		text[2 * LA_KEY_LEN] = '\n';
		n = write(fd, text, sizeof(text));
		memzero_explicit(text, sizeof(text));
	}
	if (n != sizeof(text) || fsync(fd)) {
		la_fail("cannot write key file %s: %s", file,
			n < 0 || n == sizeof(text) ? strerror(errno) : "short write");
		close(fd);
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	close(fd);
	return tmp;
}

/* @tmp becomes @file, which it never replaces; 1 after la_fail. */
static int la_newkey_publish(char *tmp, const char *file, const char *what,
			     const char *idtext)
{
	int ret = renameat2(AT_FDCWD, tmp, AT_FDCWD, file, RENAME_NOREPLACE);

	/* A file system without RENAME_NOREPLACE: link, which never replaces. */
	if (ret && errno == EINVAL) {
		ret = link(tmp, file);
		if (!ret)
			unlink(tmp);
	}
	if (ret)
		ret = la_fail("%s %s has its new key, but it cannot be written to %s: %s: it is in %s, for you to rename",
			      what, idtext, file, strerror(errno), tmp);
	free(tmp);
	return ret;
}

static void la_newkey_drop(char *tmp)
{
	if (tmp)
		unlink(tmp);
	free(tmp);
}

static const char *la_kind_name(enum la_kind kind)
{
	return kind == LA_DEVICE ? "device" : "gateway";
}

static void la_time(u64 t, char *out, size_t len)
{
	if (!t)
		snprintf(out, len, "never");
	else
		la_format_time(t, out, len);
}

static const struct la_col la_cols[] = {
	{ "id", LA_COL_STRING }, { "name", LA_COL_STRING },
	{ "state", LA_COL_STRING }, { "suite", LA_COL_NUMBER },
	{ "created", LA_COL_OPTIONAL }, { "last-auth", LA_COL_OPTIONAL },
	{ "auths", LA_COL_NUMBER }, { "key", LA_COL_STRING },
};

static int la_row(void *arg, const struct la_principal *p)
{
	struct la_table *t = arg;
	char id[17], created[32], last[32], count[24], key[33] = "(hidden)";
	char suite[8];
	const char *cells[ARRAY_SIZE(la_cols)] = {
		id, p->name, p->enabled ? "enabled" : "disabled", suite,
		created, last, count, key,
	};
	int i;

	la_format_id(p->id, id);
	snprintf(suite, sizeof(suite), "%u", p->suite);
	la_time(p->created, created, sizeof(created));
	la_time(p->last_auth, last, sizeof(last));
	snprintf(count, sizeof(count), "%llu",
		 (unsigned long long)p->auth_count);
	if (la_table_show_keys(t))
		for (i = 0; i < LA_KEY_LEN; i++)
			sprintf(key + 2 * i, "%02x", p->key[i]);
	la_table_row(t, cells);
	memzero_explicit(key, sizeof(key));
	return 0;
}

/*
 * Made in the transaction that reads the record, so that nothing a
 * running liteauthd writes to it meanwhile (its CTR, count, held SIDs) is
 * undone.
 */
/*
 * A device's new key (a running liteauthd learns it on SIGHUP): its CTR
 * goes on, so that no HELLO captured before is fresh again, unless
 * --reset-ctr says its firmware starts over, which only a key it never
 * had may (store.h, "Key history").
 */
static int la_rekey(struct la_store *st, enum la_kind kind, const u8 *id,
		    const char *idtext, const struct la_keyopts *k,
		    const u8 *key)
{
	const char *what = la_kind_name(kind);
	u32 ctr = 0;
	int ret;

	ret = la_store_rekey(st, kind, id, key,
			     k->reset_ctr ? LA_REKEY_RESET_CTR : 0, &ctr);
	if (ret == LA_STORE_SAME_KEY) {
		/* Its used CTRs stay used. */
		fprintf(stderr, "liteauth: %s %s already has this key: nothing changed\n",
			what, idtext);
		return 0;
	}
	if (ret == -EKEYREJECTED)
		return la_fail("device %s has had this key, up to CTR %u: --reset-ctr takes a key it never had (liteauth genkey makes one), or every HELLO captured up to that CTR would be fresh again; nothing changed",
			       idtext, ctr);
	if (!ret && kind == LA_DEVICE && !k->reset_ctr && ctr)
		fprintf(stderr, "liteauth: device %s keeps its CTR, %u: its HELLOs must count on from there (one whose firmware starts over at CTR 1 needs a new key and --reset-ctr)\n",
			idtext, ctr);
	return ret;
}

static int la_principal(struct la_cli *cli, enum la_kind kind, int argc,
			char **argv)
{
	const char *what = la_kind_name(kind);
	struct la_principal p = { .suite = LITEAUTH_SUITE_AES128 };
	struct la_keyopts k;
	struct la_store *st;
	struct la_table *t;
	char idtext[32], *tmp = NULL;
	const char *sub;
	int ret = 0;

	ret = la_keyopts_parse(cli, argc, argv, &k);
	if (ret)
		return ret;
	/* The arguments, the options taken out: SUBCOMMAND [ID|FILE] */
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 2)
		return la_usage("%s takes a subcommand: add, del, enable, disable, rekey, list, show or import",
				what);
	sub = argv[1];
	if (!strcmp(sub, "import") &&
	    (k.file || k.from_stdin || k.generate || k.name || k.disabled ||
	     k.reset_ctr))
		return la_usage("%s import takes --skip-existing alone", what);
	if (strcmp(sub, "add") && strcmp(sub, "rekey") &&
	    strcmp(sub, "import") && k.first[0])
		return la_usage("%s %s takes no %s", what, sub, k.first);
	if (!strcmp(sub, "list")) {
		if (argc > 2)
			return la_usage("unexpected argument '%s'", argv[2]);
		st = la_cli_store(cli, false);
		if (!st)
			return 1;
		t = la_table_new(cli, ARRAY_SIZE(la_cols), la_cols);
		ret = la_store_list(st, kind, la_row, t);
		/* All or nothing: no partial list before an error. */
		if (ret)
			la_table_discard(t);
		else
			la_table_print(t);
		la_store_close(st);
		return ret ? la_fail("cannot list the %ss: %s", what,
				     la_store_strerror(ret)) : 0;
	}
	if (!strcmp(sub, "import")) {
		if (argc > 3)
			return la_usage("%s import takes one FILE at most, not '%s' too",
					what, argv[3]);
		return la_import(cli, kind, what, argc > 2 ? argv[2] : NULL,
				 k.skip_existing);
	}
	if (strcmp(sub, "add") && strcmp(sub, "rekey") && strcmp(sub, "del") &&
	    strcmp(sub, "enable") && strcmp(sub, "disable") && strcmp(sub, "show"))
		return la_usage("unknown %s subcommand '%s' (add, del, enable, disable, rekey, list, show, import)",
				what, sub);
	if (argc < 3)
		return la_usage("%s %s takes an ID", what, sub);
	if (argc > 3)
		return la_usage("unexpected argument '%s'", argv[3]);
	snprintf(idtext, sizeof(idtext), "the %s ID", what);
	ret = la_parse_id(argv[2], p.id, idtext);
	if (ret)
		return ret;
	la_format_id(p.id, idtext);

	if (!strcmp(sub, "add") || !strcmp(sub, "rekey")) {
		bool add = !strcmp(sub, "add");

		ret = la_keyopts(&k, add, !add && kind == LA_DEVICE);
		if (ret)
			return ret;
		if (k.generate) {
			tmp = la_newkey(k.file, p.key);
			if (!tmp)
				return 1;
		} else if (la_read_key(k.from_stdin ? NULL : k.file, p.key)) {
			return 1;
		}
		st = la_cli_store(cli, add);
		if (!st) {
			la_principal_wipe(&p);
			la_newkey_drop(tmp);
			return 1;
		}
		if (add) {
			p.enabled = !k.disabled;
			p.created = time(NULL);
			if (k.name)
				snprintf(p.name, sizeof(p.name), "%s", k.name);
			ret = la_store_add(st, kind, &p);
			/* A key it had before: its CTR goes on. */
			if (!ret && kind == LA_DEVICE &&
			    !la_store_get(st, kind, p.id, &p) && p.ctr)
				fprintf(stderr, "liteauth: device %s had this key before: its CTR goes on from %u, HELLOs at or below it are stale\n",
					idtext, p.ctr);
		} else {
			ret = la_rekey(st, kind, p.id, idtext, &k, p.key);
			if (ret > 0) {	/* said already */
				la_principal_wipe(&p);
				la_store_close(st);
				la_newkey_drop(tmp);
				return ret;
			}
		}
	} else {	/* del, enable, disable, show */
		st = la_cli_store(cli, false);
		if (!st)
			return 1;
		if (!strcmp(sub, "del")) {
			ret = la_store_del(st, kind, p.id);
		} else if (strcmp(sub, "show")) {
			bool enable = !strcmp(sub, "enable");

			ret = la_store_set_enabled(st, kind, p.id, enable);
		} else {
			ret = la_store_get(st, kind, p.id, &p);
			if (!ret) {
				t = la_table_new(cli, ARRAY_SIZE(la_cols),
						 la_cols);
				la_row(t, &p);
				la_table_print(t);
			}
		}
	}
	la_principal_wipe(&p);
	la_store_close(st);
	if (tmp && ret)
		la_newkey_drop(tmp);
	else if (tmp)
		return la_newkey_publish(tmp, k.file, what, idtext);
	if (ret == -EEXIST)
		return la_fail("%s %s already exists (rekey changes its key)",
			       what, idtext);
	if (ret == -ENOENT)
		return la_fail("no %s %s", what, idtext);
	if (ret)
		return la_fail("%s %s: %s", what, idtext,
			       la_store_strerror(ret));
	return 0;
}

int la_cmd_device(struct la_cli *cli, int argc, char **argv)
{
	return la_principal(cli, LA_DEVICE, argc, argv);
}

int la_cmd_gateway(struct la_cli *cli, int argc, char **argv)
{
	return la_principal(cli, LA_GATEWAY, argc, argv);
}
