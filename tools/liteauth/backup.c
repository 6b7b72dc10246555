// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth backup TARGET: a copy of the key store, taken while liteauthd
 * serves (or, with none, here): the store's holder writes it into
 * DIR/backup (la_store_backup), and it is copied from there to TARGET, a
 * new directory, each file synced. TARGET is a store: restored in place of
 * DIR, its first open recovers it. See BACKUP AND RESTORE in liteauth(8).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "liteauth.h"

/* @from to @to, a new file of mode 0600, synced: its size, or -errno. */
static long long la_copy(const char *from, const char *to)
{
	char buf[65536];
	long long total = 0;
	ssize_t n = 0;
	int in, out, ret = 0;

	in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
		total += n;
	}
	if (n < 0 || fsync(out))
		ret = errno ? -errno : -EIO;
	if (close(out) && !ret)
		ret = -errno;
	close(in);
	memzero_explicit(buf, sizeof(buf));
	return ret ? ret : total;
}

int la_cmd_backup(struct la_cli *cli, int argc, char **argv)
{
	char from[4096], src[8192], dst[8192], path[4096];
	struct timespec t0, t1;
	long long size, bytes = 0;
	const char *target;
	struct la_store *st;
	struct dirent *e;
	int ret, files = 0, fd;
	DIR *dir;

	if (la_no_args(cli, argc, argv, 1))
		return LA_EXIT_USAGE;
	if (optind == argc)
		return la_usage("backup takes a TARGET directory");
	target = argv[optind];
	if (strlen(target) >= 4000)
		return la_usage("backup: a path is at most 3999 bytes");
	if (!access(target, F_OK) || errno != ENOENT)
		return la_fail("%s exists already: a backup goes to a new directory",
			       target);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = la_cli_store(cli, false);
	if (!st)
		return 1;
	ret = la_store_backup(st, path, sizeof(path));
	la_store_close(st);
	if (ret)
		return la_fail("cannot back up %s: %s", cli->db,
			       la_store_strerror(ret));
	/* The holder's own path may be relative to its directory. */
	snprintf(from, sizeof(from), "%s/backup", cli->db);
	dir = opendir(from);
	if (!dir)
		return la_fail("cannot read %s: %s", from, strerror(errno));
	if (mkdir(target, 0700)) {
		ret = errno;
		closedir(dir);
		return la_fail("cannot create %s: %s", target, strerror(ret));
	}
	while ((e = readdir(dir))) {
		struct stat sb;

		snprintf(src, sizeof(src), "%s/%s", from, e->d_name);
		if (lstat(src, &sb) || !S_ISREG(sb.st_mode))
			continue;
		snprintf(dst, sizeof(dst), "%s/%s", target, e->d_name);
		size = la_copy(src, dst);
		if (size < 0) {
			closedir(dir);
			return la_fail("cannot copy %s to %s: %s (%s is incomplete: remove it)",
				       src, dst, strerror(-size), target);
		}
		unlink(src);
		bytes += size;
		files++;
	}
	closedir(dir);
	rmdir(from);
	fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		return la_fail("cannot sync %s: %s", target, strerror(errno));
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "liteauth: backed up %s to %s: %d files, %.1f MB, in %.2f s\n",
		cli->db, target, files, bytes / 1e6,
		t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
