// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
/*
 * Tests of the key store (store.c) on a real Berkeley DB environment in a
 * temporary directory: round trips, errors the user sees, encryption at
 * rest, file modes, two processes writing at once, damaged files, the
 * audit log's retention, many added at once. Built into the userspace
 * unit tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <db.h>
#include <kunit/test.h>

#include "store.h"

struct la_tdir {
	char dir[64];		/* the test's own directory */
	char db[96];		/* the database in it */
	char pass[96];		/* the passphrase file */
};

static struct la_tdir la_td;

static void la_write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		fchmod(fd, mode);
		close(fd);
	}
}

static int la_store_test_init(struct kunit *test)
{
	snprintf(la_td.dir, sizeof(la_td.dir), "/tmp/liteauth-store-XXXXXX");
	if (!mkdtemp(la_td.dir))
		return -1;
	snprintf(la_td.db, sizeof(la_td.db), "%s/db", la_td.dir);
	snprintf(la_td.pass, sizeof(la_td.pass), "%s/pass", la_td.dir);
	la_write_file(la_td.pass, "correct horse battery staple\n", 0600);
	return 0;
}

static void la_store_test_exit(struct kunit *test)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", la_td.dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", la_td.dir);
}

static struct la_store *la_open(struct kunit *test, unsigned int flags)
{
	struct la_store *st;
	char err[256] = "";
	int ret;

	ret = la_store_open(&st, la_td.db, la_td.pass, flags, err, sizeof(err));
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s", err);
	return st;
}

static void la_device(struct la_principal *p, u32 n, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->id[0] = 0x00;
	p->id[1] = 0x12;
	p->id[4] = n >> 24;
	p->id[5] = n >> 16;
	p->id[6] = n >> 8;
	p->id[7] = n;
	memset(p->key, 0xa0 + (n & 0xf), LA_KEY_LEN);
	p->suite = LITEAUTH_SUITE_AES128;
	p->enabled = true;
	p->created = 1700000000 + n;
	snprintf(p->name, sizeof(p->name), "%s", name);
}

static int la_count_one(void *arg, const struct la_principal *p)
{
	(*(int *)arg)++;
	return 0;
}

static int la_count(struct la_store *st, enum la_kind kind)
{
	int n = 0;

	if (la_store_list(st, kind, la_count_one, &n))
		return -1;
	return n;
}

static void la_test_store_roundtrip(struct kunit *test)
{
	struct la_audit rec[3] = {};
	struct la_principal p, q;
	struct la_store *st = la_open(test, LA_STORE_CREATE);

	la_device(&p, 1, "boiler room sensor");
	KUNIT_EXPECT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	KUNIT_EXPECT_EQ(test, la_store_add(st, LA_DEVICE, &p), -EEXIST);
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(&p, &q, sizeof(p)));
	/* Reading a record over the ID it was looked up by. */
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, q.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(&p, &q, sizeof(p)));
	/* Gateways are a table of their own. */
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_GATEWAY, p.id, &q), -ENOENT);

	p.enabled = false;
	strcpy(p.name, "renamed");
	KUNIT_EXPECT_EQ(test, la_store_update(st, LA_DEVICE, &p), 0);
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_FALSE(test, q.enabled);
	KUNIT_EXPECT_EQ(test, strcmp(q.name, "renamed"), 0);

	/* Two authentications and a refusal, recorded in one transaction. */
	memcpy(rec[0].idd, p.id, LA_ID_LEN);
	rec[0].time = 1800000000;
	rec[1] = rec[0];
	rec[1].time = 1800000003;
	rec[1].result = 1;
	rec[2] = rec[0];
	rec[2].time = 1800000005;
	KUNIT_EXPECT_EQ(test, la_store_record(st, rec, 3, 0, 0), 0);
	/* The refusal went to a table, and a sequence, of its own. */
	KUNIT_EXPECT_EQ(test, rec[2].seq, rec[0].seq + 1);
	KUNIT_EXPECT_EQ(test, rec[1].seq, 1);
	KUNIT_EXPECT_TRUE(test, rec[1].flags & LA_AUDIT_F_SUMMARY);
	KUNIT_EXPECT_FALSE(test, rec[0].flags & LA_AUDIT_F_SUMMARY);
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.auth_count, 2);
	KUNIT_EXPECT_EQ(test, q.last_auth, 1800000005);

	KUNIT_EXPECT_EQ(test, la_store_del(st, LA_DEVICE, p.id), 0);
	KUNIT_EXPECT_EQ(test, la_store_del(st, LA_DEVICE, p.id), -ENOENT);
	KUNIT_EXPECT_EQ(test, la_store_update(st, LA_DEVICE, &p), -ENOENT);
	/* A device deleted before its record is written: audited, no count. */
	KUNIT_EXPECT_EQ(test, la_store_record(st, rec, 1, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, rec[0].seq, rec[2].seq + 1);
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), -ENOENT);
	la_principal_wipe(&p);
	la_principal_wipe(&q);
	la_store_close(st);

	/* What was committed is there after a reopen. */
	st = la_open(test, LA_STORE_CREATE);
	la_device(&p, 2, "");
	KUNIT_EXPECT_EQ(test, la_store_add(st, LA_GATEWAY, &p), 0);
	la_store_close(st);
	st = la_open(test, 0);
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_GATEWAY, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, la_count(st, LA_GATEWAY), 1);
	KUNIT_EXPECT_EQ(test, la_count(st, LA_DEVICE), 0);
	la_store_close(st);
}

/* Opening fails with a message that says what to do. */
static void la_test_store_errors(struct kunit *test)
{
	struct la_store *st;
	char err[256];

	err[0] = '\0';
	KUNIT_EXPECT_EQ(test, la_store_open(&st, la_td.db, la_td.pass, 0, err,
					    sizeof(err)), -ENOENT);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(err, la_td.db) != NULL, "%s", err);

	la_write_file(la_td.pass, "secret\n", 0644);
	err[0] = '\0';
	KUNIT_EXPECT_EQ(test, la_store_open(&st, la_td.db, la_td.pass,
					    LA_STORE_CREATE, err, sizeof(err)),
			-EPERM);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(err, "readable by others") &&
			      strstr(err, "chmod 600"), "%s", err);

	la_write_file(la_td.pass, "\n", 0600);
	err[0] = '\0';
	KUNIT_EXPECT_EQ(test, la_store_open(&st, la_td.db, la_td.pass,
					    LA_STORE_CREATE, err, sizeof(err)),
			-EINVAL);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(err, "passphrase") != NULL, "%s",
			      err);
}

/*
 * The passphrase file (and tests/fuzz/keyfile_fuzz.c): a new store's is
 * the whole file but one final newline (\n or \r\n), so the longest one
 * with a second line after it is refused, and so is a lone final CR; an
 * old store's is read as then, from the file's first 256 bytes.
 */
static void la_test_store_passphrase_file(struct kunit *test)
{
	char text[300], pass[LA_PASS_SIZE], err[256];

	memset(text, 'p', 255);
	strcpy(text + 255, "\r\nsecond line\n");
	la_write_file(la_td.pass, text, 0600);
	KUNIT_EXPECT_EQ(test, la_read_pass(la_td.pass, pass, true, err,
					   sizeof(err)), -EINVAL);
	text[257] = '\0';
	la_write_file(la_td.pass, text, 0600);
	KUNIT_EXPECT_EQ_MSG(test, la_read_pass(la_td.pass, pass, true, err,
					       sizeof(err)), 0, "%s", err);
	KUNIT_EXPECT_TRUE(test, strlen(pass) == 255 && !memcmp(pass, text, 255));

	la_write_file(la_td.pass, "correct horse\r", 0600);
	KUNIT_EXPECT_EQ(test, la_read_pass(la_td.pass, pass, true, err,
					   sizeof(err)), -EINVAL);
	la_write_file(la_td.pass, "correct horse\r\n", 0600);
	KUNIT_EXPECT_EQ(test, la_read_pass(la_td.pass, pass, true, err,
					   sizeof(err)), 0);
	KUNIT_EXPECT_TRUE_MSG(test, !strcmp(pass, "correct horse"), "%s",
			      pass);

	strcpy(text + 255, "\nx");
	la_write_file(la_td.pass, text, 0600);
	KUNIT_EXPECT_EQ_MSG(test, la_read_pass(la_td.pass, pass, false, err,
					       sizeof(err)), 0, "%s", err);
	KUNIT_EXPECT_TRUE(test, strlen(pass) == 255 && !memcmp(pass, text, 255));
	KUNIT_EXPECT_EQ(test, la_read_pass(la_td.pass, pass, true, err,
					   sizeof(err)), -EINVAL);
}

/* Keys are encrypted at rest, with a passphrase; files are private. */
/*
 * Every file under the store's directory, read whole, holds neither @key
 * nor the passphrase nor @name in clear: the tables, the logs, and (there
 * are none: DB_PRIVATE) region files.
 */
static void la_scan_dir(struct kunit *test, const u8 *key, const char *name,
			const char *when)
{
	static const char pass[] = "correct horse battery staple";
	char path[512];
	struct dirent *e;
	int files = 0;
	DIR *dir;

	dir = opendir(la_td.db);
	KUNIT_ASSERT_TRUE(test, dir != NULL);
	while ((e = readdir(dir))) {
		struct stat sb;
		u8 *buf;
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", la_td.db, e->d_name);
		if (lstat(path, &sb) || !S_ISREG(sb.st_mode))
			continue;
		files++;
		KUNIT_EXPECT_EQ_MSG(test, sb.st_mode & 077, 0, "%s mode %o",
				    path, sb.st_mode & 0777);
		KUNIT_EXPECT_TRUE_MSG(test, strncmp(e->d_name, "__db.", 5),
				      "%s: a region file, %s", path, when);
		buf = malloc(sb.st_size + 1);
		KUNIT_ASSERT_TRUE(test, buf != NULL);
		fd = open(path, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sb.st_size) : -1;
		if (fd >= 0)
			close(fd);
		KUNIT_EXPECT_EQ_MSG(test, n, sb.st_size, "%s", path);
		KUNIT_EXPECT_TRUE_MSG(test, n < 0 ||
				      !memmem(buf, n, key, LA_KEY_LEN),
				      "the key is in %s in clear, %s", path,
				      when);
		KUNIT_EXPECT_TRUE_MSG(test, n < 0 ||
				      !memmem(buf, n, pass, sizeof(pass) - 1),
				      "the passphrase is in %s, %s", path,
				      when);
		KUNIT_EXPECT_TRUE_MSG(test, n < 0 ||
				      !memmem(buf, n, name, strlen(name)),
				      "a name is in %s in clear, %s", path,
				      when);
		free(buf);
	}
	closedir(dir);
	KUNIT_EXPECT_TRUE_MSG(test, files >= 5, "%d files, %s", files, when);
}

static void la_test_store_at_rest(struct kunit *test)
{
	struct la_principal p;
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	char path[160], err[256];
	struct stat sb;

	la_device(&p, 7, "secret-keeper");
	/* A key unlike any the tests make: no other byte matches it. */
	memcpy(p.key, "\x5e\xc2\xe7\x9f\x11\xa3\x40\x6b\xd8\x2c\x93\x0e\x71\xb4\x56\xfa",
	       LA_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	KUNIT_ASSERT_EQ(test, la_store_checkpoint(st), 0);
	la_scan_dir(test, p.key, p.name, "with the store open");
	la_store_close(st);
	la_scan_dir(test, p.key, p.name, "after it is closed");

	/* The region files of earlier versions (they held keys) go. */
	snprintf(path, sizeof(path), "%s/__db.001", la_td.db);
	la_write_file(path, "an old region\n", 0600);
	st = la_open(test, 0);
	KUNIT_EXPECT_NE_MSG(test, stat(path, &sb), 0, "%s stays", path);
	la_store_close(st);

	la_write_file(la_td.pass, "another passphrase\n", 0600);
	err[0] = '\0';
	KUNIT_EXPECT_LT(test, la_store_open(&st, la_td.db, la_td.pass, 0, err,
					    sizeof(err)), 0);
	KUNIT_EXPECT_TRUE_MSG(test, err[0] != '\0', "no message");
	la_principal_wipe(&p);
}

static double la_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * One process at a time has the environment: while one holds it, an owner
 * (liteauthd) is refused at once, and another opener, which finds no
 * liteauthd to ask, after waiting 5 s; both messages name the holder. One
 * killed with the store open leaves it to the next opener, whose
 * recovery keeps all it committed.
 */
static void la_test_store_one_process(struct kunit *test)
{
	struct la_principal p;
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	int go[2], ready[2], status, i, ret;
	char err[512], c, pid[16];
	double t0, waited;
	pid_t child;

	la_store_close(st);
	KUNIT_ASSERT_EQ(test, pipe(go), 0);
	KUNIT_ASSERT_EQ(test, pipe(ready), 0);
	fflush(NULL);
	child = fork();
	KUNIT_ASSERT_TRUE(test, child >= 0);
	if (!child) {
		close(go[1]);
		close(ready[0]);
		if (la_store_open(&st, la_td.db, la_td.pass, 0, err,
				  sizeof(err)))
			_exit(2);
		for (i = 0; i < 100; i++) {
			la_device(&p, 0x10000 + i, "child");
			if (la_store_add(st, LA_DEVICE, &p))
				_exit(3);
		}
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(4);
		if (c == 'k')
			raise(SIGKILL);	/* the store still open */
		la_store_close(st);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	KUNIT_ASSERT_EQ(test, read(ready[0], &c, 1), 1);
	snprintf(pid, sizeof(pid), "%d ", (int)child);

	err[0] = '\0';
	t0 = la_secs();
	ret = la_store_open(&st, la_td.db, la_td.pass, LA_STORE_OWNER, err,
			    sizeof(err));
	waited = la_secs() - t0;
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_TRUE_MSG(test, waited < 1 && strstr(err, pid),
			      "%.1f s: %s", waited, err);
	err[0] = '\0';
	t0 = la_secs();
	ret = la_store_open(&st, la_td.db, la_td.pass, 0, err, sizeof(err));
	waited = la_secs() - t0;
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_TRUE_MSG(test, waited >= 4.5 && waited < 15 &&
			      strstr(err, pid) &&
			      strstr(err, "no liteauthd serves it"),
			      "%.1f s: %s", waited, err);

	/* Killed with it open: the next opener has all it committed. */
	KUNIT_ASSERT_EQ(test, write(go[1], "k", 1), 1);
	KUNIT_EXPECT_EQ(test, waitpid(child, &status, 0), child);
	KUNIT_EXPECT_TRUE_MSG(test, WIFSIGNALED(status), "status %d", status);
	st = la_open(test, 0);
	KUNIT_EXPECT_EQ(test, la_count(st, LA_DEVICE), 100);
	la_store_close(st);
	close(go[1]);
	close(ready[0]);
}

/*
 * A small liteauthd: the store's owner, serving one client after another
 * on its control socket, @clients of them, then gone. Before it serves,
 * it writes @audits authentications (more than a chunk holds).
 */
static void la_mini_server(int ready, int clients, int audits)
{
	struct la_store_change chg;
	struct la_store *st;
	struct la_audit a;
	char err[512];
	u8 *req = malloc(LA_CTL_MSG_MAX), *ans = malloc(LA_CTL_MSG_MAX);
	size_t alen;
	ssize_t n;
	int fd, c, i;

	if (!req || !ans ||
	    la_store_open(&st, la_td.db, la_td.pass,
			  LA_STORE_OWNER | LA_STORE_CREATE, err, sizeof(err)) ||
	    la_store_listen(la_td.db, &fd, err, sizeof(err)))
		_exit(2);
	for (i = 0; i < audits; i++) {
		memset(&a, 0, sizeof(a));
		a.time = 1800000000 + i;
		a.idd[7] = i;
		a.count = 1;
		if (la_store_record(st, &a, 1, 0, 0))
			_exit(3);
	}
	if (write(ready, "r", 1) != 1)
		_exit(4);
	while (clients--) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 30000) != 1)
			_exit(5);
		c = accept(fd, NULL, NULL);
		if (c < 0)
			_exit(6);
		while ((n = recv(c, req, LA_CTL_MSG_MAX, 0)) > 0) {
			la_store_serve(st, req, n, ans, &alen, &chg);
			if (send(c, ans, alen, MSG_NOSIGNAL) != (ssize_t)alen)
				break;
		}
		close(c);
	}
	la_store_close(st);
	_exit(0);
}

struct la_served {
	unsigned int taken, got;
	u64 last_time;
	bool ordered;
};

static void la_served_get(void *arg, size_t i, struct la_principal *p)
{
	la_device(p, 0x20000 + i, "imported");
}

static void la_served_taken(void *arg, size_t i)
{
	struct la_served *s = arg;

	s->taken += i < 10;	/* 0..9 were there already */
	s->taken += (i >= 10) * 1000;	/* and no other */
}

static int la_served_audit(void *arg, const struct la_audit *a)
{
	struct la_served *s = arg;

	s->ordered &= a->time >= s->last_time;
	s->last_time = a->time;
	s->got++;
	return 0;
}

/*
 * While an owner holds the store and serves its control socket, another
 * opener becomes its client, and every call a liteauth makes works as it
 * does on an environment of its own: the same records, the same errors.
 * The calls only the owner makes are refused. A malformed request gets
 * an error, and changes nothing.
 */
/*
 * @len bytes of @msg to the control socket @fd as one request: the
 * answer's result (its second word), -EMSGSIZE for an answer too short to
 * hold one, or -errno. *@n: the answer's length.
 */
static int la_raw_request(int fd, const u8 *msg, size_t len, ssize_t *n)
{
	u8 ans[256];

	if (send(fd, msg, len, 0) != (ssize_t)len)
		return -errno;
	*n = recv(fd, ans, sizeof(ans), 0);
	if (*n < 0)
		return -errno;
	if (*n < 8)
		return -EMSGSIZE;
	return (int)la_get_be32(ans + 4);
}

static void la_test_store_served(struct kunit *test)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct la_served sv = { .ordered = true };
	struct la_principal p, q;
	struct la_audit a = {};
	struct la_store *st;
	int ready[2], status, fd, i;
	u8 bad[64], key[LA_KEY_LEN];
	size_t done = 0;
	u32 ctr = 99;
	ssize_t n;
	char c;
	pid_t child;

	st = la_open(test, LA_STORE_CREATE);
	la_store_close(st);
	KUNIT_ASSERT_EQ(test, pipe(ready), 0);
	fflush(NULL);
	child = fork();
	KUNIT_ASSERT_TRUE(test, child >= 0);
	if (!child) {
		close(ready[0]);
		la_mini_server(ready[1], 2, 700);
	}
	close(ready[1]);
	KUNIT_ASSERT_EQ(test, read(ready[0], &c, 1), 1);
	close(ready[0]);

	/* The first client: malformed requests. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control", la_td.db);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	KUNIT_ASSERT_EQ(test, connect(fd, (struct sockaddr *)&sa, sizeof(sa)),
			0);
	memset(bad, 0xff, sizeof(bad));
	KUNIT_EXPECT_EQ(test, la_raw_request(fd, bad, 3, &n), -EPROTO);
	KUNIT_EXPECT_EQ(test, n, 8);
	/* Version 1, MANY, a count of 5 and no records. */
	memcpy(bad, "\x01\x06\x00\x01\x00\x00\x00\x05", 8);
	KUNIT_EXPECT_EQ(test, la_raw_request(fd, bad, 8, &n), -EINVAL);
	/* GET of a table that is not one. */
	memcpy(bad, "\x01\x01\x07\x00\x00\x00\x00\x01", 8);
	KUNIT_EXPECT_EQ(test, la_raw_request(fd, bad, 16, &n), -EINVAL);
	close(fd);

	/* The second: a store, served. */
	st = la_open(test, 0);
	la_device(&p, 1, "served");
	KUNIT_EXPECT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	KUNIT_EXPECT_EQ(test, la_store_add(st, LA_DEVICE, &p), -EEXIST);
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(&p, &q, sizeof(p)));
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_GATEWAY, p.id, &q), -ENOENT);
	KUNIT_EXPECT_EQ(test, la_store_set_enabled(st, LA_DEVICE, p.id, false),
			0);
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_FALSE(test, q.enabled);
	memset(key, 0x3c, sizeof(key));
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, key, 0,
					     &ctr), 0);
	KUNIT_EXPECT_EQ(test, ctr, 0);
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, key, 0,
					     &ctr), LA_STORE_SAME_KEY);
	/* Back to the key it had: --reset-ctr is refused. */
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, p.key,
					     LA_REKEY_RESET_CTR, &ctr),
			-EKEYREJECTED);

	/* 1010 at once, over several requests: 10 of them there already. */
	for (i = 0; i < 10; i++) {
		la_device(&q, 0x20000 + i, "imported");
		KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &q), 0);
	}
	KUNIT_EXPECT_EQ(test, la_store_add_many(st, LA_DEVICE, 1010,
						la_served_get, la_served_taken,
						&sv, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 1010);
	KUNIT_EXPECT_EQ(test, sv.taken, 10);
	sv.taken = 0;
	KUNIT_EXPECT_EQ(test, la_store_find_many(st, LA_DEVICE, 1010,
						 la_served_get,
						 la_served_taken, &sv), 0);
	KUNIT_EXPECT_EQ(test, sv.taken, 10 + 1000 * 1000);
	/* A list of more than a chunk: each once, in order. */
	KUNIT_EXPECT_EQ(test, la_count(st, LA_DEVICE), 1011);
	KUNIT_EXPECT_EQ(test, la_store_del(st, LA_DEVICE, p.id), 0);
	KUNIT_EXPECT_EQ(test, la_store_del(st, LA_DEVICE, p.id), -ENOENT);
	KUNIT_EXPECT_EQ(test, la_count(st, LA_DEVICE), 1010);
	KUNIT_EXPECT_EQ(test, la_store_audit_list(st, la_served_audit, &sv),
			0);
	KUNIT_EXPECT_EQ(test, sv.got, 700);
	KUNIT_EXPECT_TRUE(test, sv.ordered);

	/* The owner's calls. */
	KUNIT_EXPECT_EQ(test, la_store_record(st, &a, 1, 0, 0), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, la_store_update(st, LA_DEVICE, &p), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, la_store_checkpoint(st), -EOPNOTSUPP);
	la_store_close(st);
	KUNIT_EXPECT_EQ(test, waitpid(child, &status, 0), child);
	KUNIT_EXPECT_TRUE_MSG(test, WIFEXITED(status) && !WEXITSTATUS(status),
			      "server status %d", status);

	/* What it wrote is there for the next owner. */
	st = la_open(test, 0);
	KUNIT_EXPECT_EQ(test, la_count(st, LA_DEVICE), 1010);
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), -ENOENT);
	la_store_close(st);
	la_principal_wipe(&p);
	la_principal_wipe(&q);
}

/* This process's threads, and how many of them are named @comm. */
static int la_threads(const char *comm, int *named)
{
	char path[300], name[32];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/proc/self/task");
	FILE *f;

	*named = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 e->d_name);
		f = fopen(path, "r");
		if (f && fgets(name, sizeof(name), f) &&
		    !strncmp(name, comm, strlen(comm)))
			(*named)++;
		if (f)
			fclose(f);
	}
	closedir(d);
	return n;
}

static void la_verify_none(void *arg, const char *file, const char *why)
{
	(*(int *)arg)++;
}

/*
 * Checkpoints on their own thread while the caller writes and verifies:
 * they are taken, none fails, a verify never sees a half-written table,
 * and la_store_close ends the thread, every write kept.
 */
static void la_test_store_checkpoint_thread(struct kunit *test)
{
	struct la_store *st = la_open(test, LA_STORE_CREATE | LA_STORE_OWNER);
	int before, during, after, named, bad = 0, err, i, wait;
	struct la_principal p;
	u64 done, failed;

	before = la_threads("la-checkpoint", &named);
	KUNIT_EXPECT_EQ(test, named, 0);
	KUNIT_ASSERT_EQ(test, la_store_checkpoint_thread(st, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, la_store_checkpoint_thread(st, 5), 0);
	KUNIT_EXPECT_EQ(test, la_store_checkpoint_thread(st, 5), -EINVAL);
	during = la_threads("la-checkpoint", &named);
	KUNIT_EXPECT_EQ(test, during, before + 1);
	KUNIT_EXPECT_EQ(test, named, 1);

	for (i = 0; i < 3000; i++) {
		la_device(&p, 70000 + i, "ckp");
		KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
		if (i % 500 == 499)
			KUNIT_EXPECT_EQ(test, la_store_verify(st,
						la_verify_none, &bad), 0);
	}
	for (wait = 0; wait < 500; wait++) {	/* 5 s at most */
		la_store_checkpoint_stats(st, &done, &failed, &err);
		if (done >= 3)
			break;
		usleep(10000);
	}
	KUNIT_EXPECT_GE(test, done, 3);
	KUNIT_EXPECT_EQ(test, failed, 0);
	KUNIT_EXPECT_EQ(test, bad, 0);
	la_store_close(st);
	after = la_threads("la-checkpoint", &named);
	KUNIT_EXPECT_EQ(test, after, before);
	KUNIT_EXPECT_EQ(test, named, 0);

	st = la_open(test, 0);
	KUNIT_EXPECT_EQ(test, la_count(st, LA_DEVICE), 3000);
	la_principal_wipe(&p);
	la_store_close(st);
}

static int la_spin(void *arg, struct la_principal *p)
{
	volatile unsigned long n = 0;
	time_t end = time(NULL) + 30;

	while (time(NULL) < end)
		n++;
	return 1;
}

static int la_wait_6s(void *arg, struct la_principal *p)
{
	struct timespec ts = { .tv_sec = 6 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	return 1;
}

/*
 * A child that runs @fn in a transaction on its own copy of the store:
 * its exit status, what it wrote to stderr in @err, and the seconds it
 * took in *@secs.
 */
static int la_txn_child(int (*fn)(void *arg, struct la_principal *p),
			const char *db, char *err, size_t len, double *secs)
{
	struct timespec t0, t1;
	int pipefd[2], status = -1;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fflush(NULL);
	pid = fork();
	if (!pid) {
		struct la_principal p;
		struct la_store *st;
		char e[256];

		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		if (la_store_open(&st, db, la_td.pass, LA_STORE_CREATE |
				  LA_STORE_OWNER, e, sizeof(e)))
			_exit(3);
		la_device(&p, 1, "watched");
		if (la_store_add(st, LA_DEVICE, &p))
			_exit(4);
		_exit(la_store_modify(st, LA_DEVICE, p.id, fn, NULL) == 1 ?
		      0 : 5);
	}
	close(pipefd[1]);
	while (got < (ssize_t)len - 1 &&
	       (n = read(pipefd[0], err + got, len - 1 - got)) > 0)
		got += n;
	err[got > 0 ? got : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	return status;
}

/*
 * The transaction watchdog: one that spins (as Berkeley DB does on a
 * damaged page) ends the process after 4 s of CPU, saying so; one that
 * waits 6 s without spinning (a slow disk, a page the checkpoint thread
 * writes) is not taken for one.
 */
static void la_test_store_watchdog(struct kunit *test)
{
	char db2[128], err[512];
	double secs;
	int status;

	snprintf(db2, sizeof(db2), "%s/db2", la_td.dir);
	status = la_txn_child(la_spin, la_td.db, err, sizeof(err), &secs);
	KUNIT_EXPECT_TRUE_MSG(test, WIFEXITED(status) &&
			      WEXITSTATUS(status) == 1 &&
			      strstr(err, "spun for 4 s of CPU in one transaction"),
			      "status %d: %s", status, err);
	KUNIT_EXPECT_LT_MSG(test, (int)secs, 30, "%.1f s", secs);
	status = la_txn_child(la_wait_6s, db2, err, sizeof(err), &secs);
	KUNIT_EXPECT_TRUE_MSG(test, WIFEXITED(status) &&
			      WEXITSTATUS(status) == 0 && !err[0],
			      "status %d: %s", status, err);
	KUNIT_EXPECT_GE(test, (int)secs, 6);
}

/* A damaged table gives an error, not a crash. */
static void la_test_store_damaged(struct kunit *test)
{
	struct la_principal p;
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	char path[160], err[256];
	int fd, ret, i;

	for (i = 0; i < 50; i++) {
		la_device(&p, i, "x");
		KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	}
	la_store_close(st);

	snprintf(path, sizeof(path), "%s/devices.db", la_td.db);
	fd = open(path, O_WRONLY);
	KUNIT_ASSERT_TRUE(test, fd >= 0);
	KUNIT_EXPECT_EQ(test, ftruncate(fd, 1000), 0);
	close(fd);

	err[0] = '\0';
	ret = la_store_open(&st, la_td.db, la_td.pass, 0, err, sizeof(err));
	if (!ret) {
		/* Berkeley DB may open it; reading it must then fail. */
		ret = la_count(st, LA_DEVICE) == 50 ? 0 : -EIO;
		la_store_close(st);
	}
	KUNIT_EXPECT_LT_MSG(test, ret, 0, "a truncated table read as whole");
}

static int la_audit_seq(void *arg, const struct la_audit *a)
{
	u64 *seqs = arg;

	seqs[seqs[0]++ + 1] = a->seq;
	return 0;
}

static void la_test_store_audit(struct kunit *test)
{
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	struct la_audit a = { .time = 1800000000, .result = 0 };
	u64 seqs[16] = { 0 };
	int i;

	for (i = 1; i <= 10; i++) {
		a.idd[7] = i;
		KUNIT_ASSERT_EQ(test, la_store_record(st, &a, 1, 4, 0), 0);
		KUNIT_EXPECT_EQ(test, a.seq, (u64)i);
	}
	KUNIT_ASSERT_EQ(test, la_store_audit_list(st, la_audit_seq, seqs), 0);
	KUNIT_EXPECT_EQ(test, seqs[0], 4);
	KUNIT_EXPECT_EQ(test, seqs[1], 7);
	KUNIT_EXPECT_EQ(test, seqs[4], 10);
	la_store_close(st);
}

/* An authentication of device 1 at @time with @ctr. */
static struct la_audit la_auth(u64 time, u32 ctr)
{
	struct la_audit a = { .time = time, .count = 1, .ctr = ctr };
	struct la_principal p;

	la_device(&p, 1, "");
	memcpy(a.idd, p.id, LA_ID_LEN);
	la_principal_wipe(&p);
	return a;
}

static int la_audit_collect(void *arg, const struct la_audit *a)
{
	struct la_audit *out = arg;
	u64 n = out[0].seq++;

	if (n < 63)
		out[n + 1] = *a;
	return 0;
}

/*
 * Refusals have a table and a retention of their own: no number of them
 * evicts an authentication. The listing merges both, oldest first.
 */
static void la_test_store_refusals_keep(struct kunit *test)
{
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	struct la_audit a[8], out[64];
	struct la_principal p, q;
	int i, auths = 0, refusals = 0;

	la_device(&p, 1, "");
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	for (i = 0; i < 4; i++) {
		a[0] = la_auth(1800000000 + 10 * i, 10 + i);
		KUNIT_ASSERT_EQ(test, la_store_record(st, a, 1, 4, 3), 0);
	}
	/* A flood of refusals, with a small audit-keep. */
	for (i = 0; i < 100; i++) {
		a[0] = la_auth(1800000100 + i, 0);
		a[0].result = 1;
		a[0].reason = LA_AUDIT_UNKNOWN;
		a[0].flags = LA_AUDIT_F_CLAIMED;
		a[0].count = 1000 + i;
		a[0].idd[0] = i;
		KUNIT_ASSERT_EQ(test, la_store_record(st, a, 1, 4, 3), 0);
	}
	memset(out, 0, sizeof(out));
	KUNIT_ASSERT_EQ(test, la_store_audit_list(st, la_audit_collect, out),
			0);
	KUNIT_ASSERT_EQ(test, out[0].seq, 7);
	for (i = 1; i <= 7; i++) {
		if (out[i].result)
			refusals++;
		else
			auths++;
		if (i > 1)	/* oldest first */
			KUNIT_EXPECT_LE(test, out[i - 1].time, out[i].time);
	}
	KUNIT_EXPECT_EQ(test, auths, 4);
	KUNIT_EXPECT_EQ(test, refusals, 3);
	KUNIT_EXPECT_EQ(test, out[1].ctr, 10);
	KUNIT_EXPECT_EQ(test, out[7].count, 1099);
	KUNIT_EXPECT_EQ(test, out[7].seq, 100);
	KUNIT_EXPECT_EQ(test, out[7].reason, LA_AUDIT_UNKNOWN);
	KUNIT_EXPECT_EQ(test, out[7].flags,
			LA_AUDIT_F_CLAIMED | LA_AUDIT_F_SUMMARY);

	/* The device's CTR is the highest authenticated, never lower. */
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.ctr, 13);
	KUNIT_EXPECT_EQ(test, q.auth_count, 4);
	a[0] = la_auth(1800000500, 7);
	a[1] = la_auth(1800000501, 0);
	KUNIT_ASSERT_EQ(test, la_store_record(st, a, 2, 4, 3), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.ctr, 13);
	KUNIT_EXPECT_EQ(test, q.auth_count, 6);
	/* Written and read back as it was, CTR included. */
	p.ctr = 99;
	KUNIT_ASSERT_EQ(test, la_store_update(st, LA_DEVICE, &p), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(&p, &q, sizeof(p)));
	la_principal_wipe(&p);
	la_principal_wipe(&q);
	la_store_close(st);
}

/* Writes @file's record @key as it is, with Berkeley DB alone. */
static int la_raw_put(const char *file, const void *k, u32 klen,
		      const void *v, u32 vlen)
{
	DB_ENV *env;
	DBT key, data;
	DB *db = NULL;
	int ret;

	ret = db_env_create(&env, 0);
	if (ret)
		return ret;
	ret = env->set_encrypt(env, "correct horse battery staple",
			       DB_ENCRYPT_AES);
	if (!ret)
		ret = env->open(env, la_td.db, DB_CREATE | DB_INIT_TXN |
				DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
				DB_REGISTER | DB_RECOVER, 0600);
	if (!ret)
		ret = db_create(&db, env, 0);
	if (!ret)
		ret = db->set_flags(db, DB_ENCRYPT);
	if (!ret)
		ret = db->open(db, NULL, file, NULL, DB_BTREE, DB_AUTO_COMMIT,
			       0600);
	if (!ret) {
		memset(&key, 0, sizeof(key));
		memset(&data, 0, sizeof(data));
		key.data = (void *)k;
		key.size = klen;
		data.data = (void *)v;
		data.size = vlen;
		ret = db->put(db, NULL, &key, &data, 0);
	}
	if (db)
		db->close(db, 0);
	env->close(env, 0);
	return ret;
}

/*
 * Records of version 1 (before CTR, count and the refusals' table) are
 * still read: a device with CTR 0, audit records with count 1, whose
 * reason 6 (a bad CONFIRM then) reads as LA_AUDIT_BAD_CONFIRM. A record
 * of either version with the wrong length is refused.
 */
static void la_test_store_old_records(struct kunit *test)
{
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	u8 rec[64], k8[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	struct la_audit out[64], a;
	struct la_principal p, q;
	int i;

	la_store_close(st);
	/* Version 1 of a device: 45 bytes, then the name. */
	la_device(&p, 3, "old");
	p.last_auth = 1790000000;
	p.auth_count = 41;
	memset(rec, 0, sizeof(rec));
	rec[0] = 1;
	rec[2] = p.suite;
	rec[3] = 1;
	memcpy(rec + 4, p.key, LA_KEY_LEN);
	for (i = 0; i < 8; i++) {
		rec[20 + i] = p.created >> (56 - 8 * i);
		rec[28 + i] = p.last_auth >> (56 - 8 * i);
		rec[36 + i] = p.auth_count >> (56 - 8 * i);
	}
	rec[44] = 3;
	memcpy(rec + 45, "old", 3);
	KUNIT_ASSERT_EQ(test, la_raw_put("devices.db", p.id, LA_ID_LEN, rec,
					 48), 0);
	/* The same, one byte short: damaged. */
	la_device(&q, 4, "");
	KUNIT_ASSERT_EQ(test, la_raw_put("devices.db", q.id, LA_ID_LEN, rec,
					 47), 0);
	/* Version 2 (CTR, no held SIDs): 49 bytes, then the name. */
	rec[0] = 2;
	memmove(rec + 49, rec + 45, 3);
	rec[48] = 3;
	rec[44] = rec[45] = rec[46] = 0;
	rec[47] = 9;
	la_device(&q, 5, "old");
	KUNIT_ASSERT_EQ(test, la_raw_put("devices.db", q.id, LA_ID_LEN, rec,
					 52), 0);
	/* Version 3 with flags no version knows in a held SID: damaged. */
	{
		u8 v3[87 + 3];

		memset(v3, 0, sizeof(v3));
		memcpy(v3, rec, 48);
		v3[0] = 3;
		v3[48] = 0x80;
		v3[86] = 3;
		memcpy(v3 + 87, "old", 3);
		la_device(&q, 6, "");
		KUNIT_ASSERT_EQ(test, la_raw_put("devices.db", q.id, LA_ID_LEN,
						 v3, sizeof(v3)), 0);
		v3[48] = 0x01;	/* at a gateway: fine */
		la_device(&q, 7, "");
		KUNIT_ASSERT_EQ(test, la_raw_put("devices.db", q.id, LA_ID_LEN,
						 v3, sizeof(v3)), 0);
	}
	/* Version 1 audit records: a refusal (reason 6), an authentication. */
	memset(rec, 0, sizeof(rec));
	rec[0] = 1;
	rec[8] = 7;		/* time 7 */
	memcpy(rec + 17, p.id, LA_ID_LEN);
	rec[25] = 1;
	rec[26] = 6;
	KUNIT_ASSERT_EQ(test, la_raw_put("audit.db", k8, 8, rec, 27), 0);
	k8[7] = 2;
	rec[8] = 8;
	rec[25] = 0;
	rec[26] = 0;
	KUNIT_ASSERT_EQ(test, la_raw_put("audit.db", k8, 8, rec, 27), 0);

	st = la_open(test, 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(&p, &q, sizeof(p)));
	KUNIT_EXPECT_EQ(test, q.ctr, 0);
	la_device(&q, 4, "");
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, q.id, &q), -EBADMSG);
	la_device(&q, 5, "");
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, q.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.ctr, 9);
	KUNIT_EXPECT_EQ(test, q.held[0].expires, 0);
	KUNIT_EXPECT_EQ(test, q.held[1].expires, 0);
	KUNIT_EXPECT_EQ(test, strcmp(q.name, "old"), 0);
	la_device(&q, 6, "");
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, q.id, &q), -EBADMSG);
	la_device(&q, 7, "");
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, q.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, q.held[0].gateway);
	KUNIT_EXPECT_EQ(test, q.hs.expires, 0);	/* none before version 4 */
	la_device(&q, 3, "");

	/* Authenticated now: written again (version 4), with its CTR. */
	memset(&a, 0, sizeof(a));
	a.time = 1800000000;
	a.count = 1;
	a.ctr = 5;
	memcpy(a.idd, p.id, LA_ID_LEN);
	KUNIT_ASSERT_EQ(test, la_store_record(st, &a, 1, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, a.seq, 3);	/* after the old ones */
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.ctr, 5);
	KUNIT_EXPECT_EQ(test, q.auth_count, 42);
	KUNIT_EXPECT_EQ(test, strcmp(q.name, "old"), 0);

	memset(out, 0, sizeof(out));
	KUNIT_ASSERT_EQ(test, la_store_audit_list(st, la_audit_collect, out),
			0);
	KUNIT_ASSERT_EQ(test, out[0].seq, 3);
	KUNIT_EXPECT_EQ(test, out[1].result, 1);
	KUNIT_EXPECT_EQ(test, out[1].reason, LA_AUDIT_BAD_CONFIRM);
	KUNIT_EXPECT_EQ(test, out[1].flags, LA_AUDIT_F_CLAIMED);
	KUNIT_EXPECT_EQ(test, out[1].count, 1);
	KUNIT_EXPECT_EQ(test, out[1].time, 7);
	KUNIT_EXPECT_EQ(test, out[2].result, 0);
	KUNIT_EXPECT_EQ(test, out[2].count, 1);
	KUNIT_EXPECT_EQ(test, out[2].flags, 0);
	KUNIT_EXPECT_EQ(test, out[3].ctr, 5);
	la_store_close(st);

	/* An audit record of the wrong length: the listing says so. */
	k8[7] = 9;
	KUNIT_ASSERT_EQ(test, la_raw_put("audit.db", k8, 8, rec, 28), 0);
	st = la_open(test, 0);
	KUNIT_EXPECT_EQ(test, la_store_audit_list(st, la_audit_collect, out),
			-EBADMSG);
	la_store_close(st);
	/* Of the right length, with flags no one writes there (a summary's
	 * among the authentications): damaged too; without, it lists.
	 */
	rec[0] = 2;
	rec[27] = LA_AUDIT_F_SUMMARY;
	rec[31] = 1;		/* count 1 */
	KUNIT_ASSERT_EQ(test, la_raw_put("audit.db", k8, 8, rec, 36), 0);
	st = la_open(test, 0);
	KUNIT_EXPECT_EQ(test, la_store_audit_list(st, la_audit_collect, out),
			-EBADMSG);
	la_store_close(st);
	rec[27] = LA_AUDIT_F_GATEWAY_WORD;
	KUNIT_ASSERT_EQ(test, la_raw_put("audit.db", k8, 8, rec, 36), 0);
	st = la_open(test, 0);
	KUNIT_EXPECT_EQ(test, la_store_audit_list(st, la_audit_collect, out),
			0);
	la_store_close(st);
	la_principal_wipe(&p);
	la_principal_wipe(&q);
}

/*
 * A device's held SIDs (version 3): written and read back as they are,
 * moved by an authentication that carries them and by la_store_held,
 * left alone by one that does not.
 */
static void la_test_store_held(struct kunit *test)
{
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	struct la_held h[LA_HELD_MAX];
	struct la_principal p, q;
	struct la_audit a;

	la_device(&p, 1, "held");
	p.held[0].gateway = true;
	memset(p.held[0].idg, 0xb8, LA_ID_LEN);
	p.held[0].sid = 0xfffe;
	p.held[0].expires = 1800000000;
	p.held[1].sid = 7;	/* direct */
	p.held[1].expires = 1800000001;
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(&p, &q, sizeof(p)));

	/* An authentication without them: count and CTR, held unchanged. */
	a = la_auth(1800000100, 3);	/* device 1 */
	KUNIT_ASSERT_EQ(test, la_store_record(st, &a, 1, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.auth_count, 1);
	KUNIT_EXPECT_TRUE(test, !memcmp(q.held, p.held, sizeof(p.held)));

	/* Two in one transaction, with them: the last one's stay. */
	{
		struct la_audit two[2] = { a, a };

		two[0].sessions = two[1].sessions = true;
		two[0].held[0].sid = 1;
		two[0].held[0].expires = 1800000200;
		two[1].held[0].sid = 2;
		two[1].held[0].expires = 1800000300;
		KUNIT_ASSERT_EQ(test, la_store_record(st, two, 2, 0, 0), 0);
	}
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.auth_count, 3);
	KUNIT_EXPECT_EQ(test, q.held[0].sid, 2);
	KUNIT_EXPECT_EQ(test, q.held[0].expires, 1800000300);
	KUNIT_EXPECT_FALSE(test, q.held[0].gateway);
	KUNIT_EXPECT_EQ(test, q.held[1].expires, 0);

	/* la_store_held: only them. */
	memcpy(h, p.held, sizeof(h));
	KUNIT_ASSERT_EQ(test, la_store_held(st, p.id, h), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(q.held, p.held, sizeof(p.held)));
	KUNIT_EXPECT_EQ(test, q.auth_count, 3);
	KUNIT_EXPECT_EQ(test, q.ctr, 3);
	KUNIT_EXPECT_EQ(test, strcmp(q.name, "held"), 0);
	la_device(&q, 2, "");
	KUNIT_EXPECT_EQ(test, la_store_held(st, q.id, h), -ENOENT);
	la_principal_wipe(&p);
	la_principal_wipe(&q);
	la_store_close(st);
}

struct la_modify_test {
	int calls;
	int answer;		/* what the callback returns */
};

static int la_modify_one(void *arg, struct la_principal *p)
{
	struct la_modify_test *m = arg;

	m->calls++;
	p->enabled = false;
	strcpy(p->name, "modified");
	return m->answer;
}

/*
 * la_store_modify reads, changes and writes a record in one transaction.
 * A positive answer of its callback writes nothing, and is what it
 * returns; a negative one too. (No other process writes meanwhile: see
 * la_test_store_one_process.)
 */
static void la_test_store_modify(struct kunit *test)
{
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	struct la_modify_test m = {};
	struct la_principal p, q;

	la_device(&p, 1, "first");
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	m.answer = 1;
	KUNIT_EXPECT_EQ(test, la_store_modify(st, LA_DEVICE, p.id,
					      la_modify_one, &m), 1);
	m.answer = -EPERM;
	KUNIT_EXPECT_EQ(test, la_store_modify(st, LA_DEVICE, p.id,
					      la_modify_one, &m), -EPERM);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(&p, &q, sizeof(p)));
	la_device(&q, 2, "");
	KUNIT_EXPECT_EQ(test, la_store_modify(st, LA_DEVICE, q.id,
					      la_modify_one, &m), -ENOENT);
	KUNIT_EXPECT_EQ(test, la_store_modify(st, LA_GATEWAY, p.id,
					      la_modify_one, &m), -ENOENT);

	m = (struct la_modify_test){ .answer = 0 };
	KUNIT_EXPECT_EQ(test, la_store_modify(st, LA_DEVICE, p.id,
					      la_modify_one, &m), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_FALSE(test, q.enabled);
	KUNIT_EXPECT_EQ(test, strcmp(q.name, "modified"), 0);
	KUNIT_EXPECT_EQ(test, la_store_set_enabled(st, LA_DEVICE, p.id, true),
			0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, q.enabled);
	KUNIT_EXPECT_EQ(test, la_store_set_enabled(st, LA_GATEWAY, p.id, true),
			-ENOENT);
	la_principal_wipe(&p);
	la_principal_wipe(&q);
	la_store_close(st);
}

static int la_rekey_to(void *arg, struct la_principal *p)
{
	memcpy(p->key, arg, LA_KEY_LEN);
	p->ctr = 0;
	return 0;
}

/* Device @p's CTR, as the store has it; -1 if it has no such device. */
static int64_t la_ctr(struct la_store *st, const struct la_principal *p)
{
	struct la_principal q;
	int64_t ctr = -1;

	if (!la_store_get(st, LA_DEVICE, p->id, &q))
		ctr = q.ctr;
	la_principal_wipe(&q);
	return ctr;
}

/*
 * Key history: a device's CTR never goes down with a rekey but to 0 with
 * LA_REKEY_RESET_CTR and a key it never had; a key it had before comes
 * back with the CTR it reached, rekeyed back or deleted and added again.
 */
static void la_test_store_key_history(struct kunit *test)
{
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	u8 ka[LA_KEY_LEN], kb[LA_KEY_LEN], kc[LA_KEY_LEN], kd[LA_KEY_LEN];
	u8 fa[LA_KEY_FP_LEN], fb[LA_KEY_FP_LEN];
	struct la_principal p, q;
	struct la_audit a;
	u32 ctr = 99;

	la_device(&p, 1, "dev");
	memcpy(ka, p.key, LA_KEY_LEN);
	memset(kb, 0xb0, LA_KEY_LEN);
	memset(kc, 0xc0, LA_KEY_LEN);
	memset(kd, 0xd0, LA_KEY_LEN);
	la_key_fp(ka, fa);
	la_key_fp(kb, fb);
	KUNIT_EXPECT_TRUE(test, memcmp(fa, fb, LA_KEY_FP_LEN));
	KUNIT_EXPECT_TRUE(test, memcmp(fa, ka, LA_KEY_FP_LEN));
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	a = la_auth(1800000000, 10);	/* device 1, under A */
	KUNIT_ASSERT_EQ(test, la_store_record(st, &a, 1, 0, 0), 0);

	/* A to B: its CTR stays. B again: nothing. */
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, kb, 0,
					     &ctr), 0);
	KUNIT_EXPECT_EQ(test, ctr, 10);
	KUNIT_EXPECT_EQ(test, la_ctr(st, &p), 10);
	a.ctr = 20;
	KUNIT_ASSERT_EQ(test, la_store_record(st, &a, 1, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, kb, 0,
					     NULL), LA_STORE_SAME_KEY);
	/* Back to 0 only with a key it never had. */
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, ka,
					     LA_REKEY_RESET_CTR, &ctr),
			-EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, ctr, 10);
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, kb,
					     LA_REKEY_RESET_CTR, &ctr),
			-EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, ctr, 20);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.ctr, 20);
	KUNIT_EXPECT_TRUE(test, !memcmp(q.key, kb, LA_KEY_LEN));
	KUNIT_EXPECT_EQ(test, q.auth_count, 2);
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, kc,
					     LA_REKEY_RESET_CTR, &ctr), 0);
	KUNIT_EXPECT_EQ(test, ctr, 0);
	KUNIT_EXPECT_EQ(test, la_ctr(st, &p), 0);
	/* A and B come back with their CTRs (through la_store_modify too),
	 * and C, left at 0, does not lower them.
	 */
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, ka, 0,
					     &ctr), 0);
	KUNIT_EXPECT_EQ(test, ctr, 10);
	KUNIT_EXPECT_EQ(test, la_store_modify(st, LA_DEVICE, p.id,
					      la_rekey_to, kb), 0);
	KUNIT_EXPECT_EQ(test, la_ctr(st, &p), 20);
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, kc, 0,
					     &ctr), 0);
	KUNIT_EXPECT_EQ(test, ctr, 20);

	/* Deleted, and added again: with A, from 10; B, 20; D, 0. */
	KUNIT_ASSERT_EQ(test, la_store_del(st, LA_DEVICE, p.id), 0);
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	KUNIT_EXPECT_EQ(test, la_ctr(st, &p), 10);
	KUNIT_ASSERT_EQ(test, la_store_del(st, LA_DEVICE, p.id), 0);
	memcpy(p.key, kc, LA_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	KUNIT_EXPECT_EQ(test, la_ctr(st, &p), 20);	/* C reached 20 */
	KUNIT_ASSERT_EQ(test, la_store_del(st, LA_DEVICE, p.id), 0);
	memcpy(p.key, kd, LA_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	KUNIT_EXPECT_EQ(test, la_ctr(st, &p), 0);
	/* Another device's history is its own. */
	la_device(&q, 2, "");
	memcpy(q.key, kb, LA_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &q), 0);
	KUNIT_EXPECT_EQ(test, la_ctr(st, &q), 0);

	/*
	 * An authentication under a key the device no longer has when it is
	 * written: counted, its CTR goes to that key's history, not to the
	 * device; under the key it has, to the device.
	 */
	a.ctr = 30;
	a.keyed = true;
	la_key_fp(kc, a.key_fp);
	KUNIT_ASSERT_EQ(test, la_store_record(st, &a, 1, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.ctr, 0);
	KUNIT_EXPECT_EQ(test, q.auth_count, 1);
	la_key_fp(kd, a.key_fp);
	a.ctr = 3;
	KUNIT_ASSERT_EQ(test, la_store_record(st, &a, 1, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, la_ctr(st, &p), 3);
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, kc, 0,
					     &ctr), 0);
	KUNIT_EXPECT_EQ(test, ctr, 30);

	/* Gateways have no CTR. */
	la_device(&q, 3, "gw");
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_GATEWAY, &q), 0);
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_GATEWAY, q.id, kb,
					     LA_REKEY_RESET_CTR, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_GATEWAY, q.id, kb, 0,
					     NULL), 0);
	KUNIT_EXPECT_EQ(test, la_store_rekey(st, LA_DEVICE, q.id, kb, 0,
					     NULL), -ENOENT);
	la_store_close(st);
	/* It outlives the process: a table in the store. */
	st = la_open(test, 0);
	KUNIT_ASSERT_EQ(test, la_store_del(st, LA_DEVICE, p.id), 0);
	memcpy(p.key, kb, LA_KEY_LEN);
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	KUNIT_EXPECT_EQ(test, la_ctr(st, &p), 20);
	memcpy(p.key, kd, LA_KEY_LEN);	/* D reached 3 */
	KUNIT_ASSERT_EQ(test, la_store_del(st, LA_DEVICE, p.id), 0);
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	KUNIT_EXPECT_EQ(test, la_ctr(st, &p), 3);
	memzero_explicit(ka, sizeof(ka));
	la_principal_wipe(&p);
	la_principal_wipe(&q);
	la_store_close(st);
}

static int la_audit_count(void *arg, const struct la_audit *a)
{
	(*(int *)arg)++;
	return 0;
}

/*
 * A bound lowered on a long audit log: accounting goes on at once, and
 * the log shrinks to the new bound over short transactions, each deleting
 * a bounded number (as many as it adds, and 1000 more). A device whose
 * record is damaged does not make the others' records fail.
 */
static void la_test_store_trim(struct kunit *test)
{
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	struct la_audit *a = calloc(LA_STORE_BATCH, sizeof(*a));
	struct la_principal p;
	int i, rows, ret, calls = 0, most = 0;

	KUNIT_ASSERT_TRUE(test, a != NULL);
	la_device(&p, 1, "");
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	for (i = 0; i < 20; i++) {	/* 100000 authentications */
		int j;

		for (j = 0; j < LA_STORE_BATCH; j++)
			a[j] = la_auth(1800000000 + i, 1 + i * LA_STORE_BATCH + j);
		KUNIT_ASSERT_EQ(test, la_store_record(st, a, LA_STORE_BATCH, 0,
						      0), 0);
	}
	/* The bound lowered to 10: the next record goes in, and 1001 go. */
	a[0] = la_auth(1800000100, 200000);
	KUNIT_EXPECT_EQ(test, la_store_record(st, a, 1, 10, 10), 0);
	rows = 0;
	KUNIT_EXPECT_EQ(test, la_store_audit_list(st, la_audit_count, &rows),
			0);
	KUNIT_EXPECT_EQ(test, rows, 100001 - 1001);
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &p), 0);
	KUNIT_EXPECT_EQ(test, p.auth_count, 100001);
	while ((ret = la_store_trim(st, 10, 10)) > 0 && calls < 1000) {
		most = max(most, ret);
		calls++;
	}
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, most, 1000);
	KUNIT_EXPECT_EQ(test, calls, 99);
	rows = 0;
	KUNIT_EXPECT_EQ(test, la_store_audit_list(st, la_audit_count, &rows),
			0);
	KUNIT_EXPECT_EQ(test, rows, 10);
	free(a);
	la_principal_wipe(&p);
	la_store_close(st);
}

/*
 * A device's handshake answered with a GW_KEY (version 4): written and
 * read back as it is, set by a record of it (no audit row) if the device
 * still has the key it was answered under, gone with an authentication
 * under that key, or a rekey.
 */
static void la_test_store_handshake(struct kunit *test)
{
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	struct la_principal p, q;
	struct la_audit a[2];
	u8 key[LA_KEY_LEN];
	int rows = 0;

	la_device(&p, 1, "hs");
	memset(p.hs.idg, 0xb8, LA_ID_LEN);
	memset(p.hs.rs, 0x52, LA_NONCE_LEN);
	p.hs.sid = 0xfffd;
	p.hs.ctr = 0x01020304;
	p.hs.expires = 1800000030;
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(&p, &q, sizeof(p)));

	/* Answered again: the record takes it; no row in the audit log. */
	a[0] = la_auth(1800000100, 0);	/* device 1 */
	a[0].answered = true;
	a[0].keyed = true;
	la_key_fp(p.key, a[0].key_fp);
	a[0].hs = p.hs;
	a[0].hs.sid = 9;
	a[0].hs.expires = 1800000130;
	/* One under another key (rekeyed since): left out. */
	a[1] = a[0];
	a[1].hs.sid = 10;
	memset(key, 0x77, sizeof(key));
	la_key_fp(key, a[1].key_fp);
	KUNIT_ASSERT_EQ(test, la_store_record(st, a, 2, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.hs.sid, 9);
	KUNIT_EXPECT_EQ(test, q.hs.expires, 1800000130);
	KUNIT_EXPECT_EQ(test, q.auth_count, 0);
	KUNIT_EXPECT_EQ(test, la_store_audit_list(st, la_audit_count, &rows),
			0);
	KUNIT_EXPECT_EQ(test, rows, 0);

	/* An authentication under another key leaves it; under its, not. */
	a[1].answered = false;
	a[1].count = 1;
	KUNIT_ASSERT_EQ(test, la_store_record(st, &a[1], 1, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.hs.sid, 9);
	KUNIT_EXPECT_EQ(test, q.auth_count, 1);
	a[0].answered = false;
	a[0].count = 1;
	KUNIT_ASSERT_EQ(test, la_store_record(st, &a[0], 1, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.hs.expires, 0);
	KUNIT_EXPECT_EQ(test, q.auth_count, 2);

	/* Answered, then rekeyed: gone. */
	a[0].answered = true;
	KUNIT_ASSERT_EQ(test, la_store_record(st, &a[0], 1, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.hs.sid, 9);
	KUNIT_ASSERT_EQ(test, la_store_rekey(st, LA_DEVICE, p.id, key, 0,
					     NULL), 0);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.hs.expires, 0);
	KUNIT_EXPECT_EQ(test, la_store_audit_list(st, la_audit_count, &rows),
			0);
	KUNIT_EXPECT_EQ(test, rows, 2);
	la_principal_wipe(&p);
	la_principal_wipe(&q);
	la_store_close(st);
}

struct la_marks {
	int n;
	struct la_sid_mark m[4];
};

static int la_mark_collect(void *arg, const struct la_sid_mark *m)
{
	struct la_marks *ms = arg;

	if (ms->n < 4)
		ms->m[ms->n] = *m;
	ms->n++;
	return 0;
}

/*
 * SID spaces' marks: one record a space (the direct one apart from a
 * gateway's, even one whose IDg is all zero), replaced, written with the
 * authentications in one transaction, kept across a reopen; a damaged
 * one is refused.
 */
static void la_test_store_marks(struct kunit *test)
{
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	struct la_sid_mark m, g;
	struct la_marks ms = { 0 };
	struct la_principal p, q;
	struct la_audit a;
	u8 k[9] = { 1 }, bad[12] = { 1 };

	memset(&m, 0, sizeof(m));
	m.hwm = 0xffffff00;
	m.lo = 0xfffffe00;
	m.life = 1440;
	KUNIT_ASSERT_EQ(test, la_store_record_mark(st, NULL, 0, 0, 0, &m), 0);
	g = m;
	g.gateway = true;	/* IDg all zero: not the direct space */
	g.hwm = 5;
	g.lo = 5;
	g.nq = LA_SID_QUARANTINES;
	g.q[0].lo = 1;
	g.q[0].hi = 2;
	g.q[0].until = 1800000000;
	g.q[7].until = 99;
	KUNIT_ASSERT_EQ(test, la_store_record_mark(st, NULL, 0, 0, 0, &g), 0);
	/* With an authentication: both, in one transaction. */
	la_device(&p, 1, "");
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	a = la_auth(1800000000, 0);	/* device 1 */
	m.hwm = 0x100;		/* past the wrap of 2^32 */
	KUNIT_ASSERT_EQ(test, la_store_record_mark(st, &a, 1, 0, 0, &m), 0);
	KUNIT_EXPECT_EQ(test, a.seq, 1);
	KUNIT_ASSERT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_EQ(test, q.auth_count, 1);
	la_store_close(st);

	st = la_open(test, 0);
	KUNIT_ASSERT_EQ(test, la_store_sid_list(st, la_mark_collect, &ms), 0);
	KUNIT_ASSERT_EQ(test, ms.n, 2);
	/* The direct space's key sorts first. */
	KUNIT_EXPECT_TRUE(test, !memcmp(&ms.m[0], &m, sizeof(m)));
	KUNIT_EXPECT_TRUE(test, !memcmp(&ms.m[1], &g, sizeof(g)));
	la_store_close(st);

	/* A mark whose length is not its quarantines': refused. */
	bad[0] = 1;
	bad[11] = 1;
	KUNIT_ASSERT_EQ(test, la_raw_put("sids.db", k, sizeof(k), bad,
					 sizeof(bad)), 0);
	st = la_open(test, 0);
	ms.n = 0;
	KUNIT_EXPECT_EQ(test, la_store_sid_list(st, la_mark_collect, &ms),
			-EBADMSG);
	la_principal_wipe(&p);
	la_principal_wipe(&q);
	la_store_close(st);
}

/* Devices 5000 + i, as la_store_add_many asks for them; what was taken. */
struct la_many_test {
	size_t taken[4];
	int ntaken;
};

static void la_many_get(void *arg, size_t i, struct la_principal *p)
{
	la_device(p, 5000 + i, "many");
}

static void la_many_taken(void *arg, size_t i)
{
	struct la_many_test *m = arg;

	if (m->ntaken < (int)ARRAY_SIZE(m->taken))
		m->taken[m->ntaken] = i;
	m->ntaken++;
}

/* Many at once, over several transactions, skipping IDs taken already. */
static void la_test_store_add_many(struct kunit *test)
{
	const size_t n = 2 * LA_STORE_BATCH + 7;
	struct la_store *st = la_open(test, LA_STORE_CREATE);
	struct la_many_test m = { .ntaken = 0 };
	struct la_principal p, q;
	size_t done = 0;

	/* Taken: one in the first transaction, one in the last. */
	la_device(&p, 5000 + 3, "old");
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);
	la_device(&p, 5000 + n - 1, "old");
	KUNIT_ASSERT_EQ(test, la_store_add(st, LA_DEVICE, &p), 0);

	KUNIT_EXPECT_EQ(test, la_store_find_many(st, LA_DEVICE, n, la_many_get,
						 la_many_taken, &m), 0);
	KUNIT_EXPECT_EQ(test, m.ntaken, 2);
	KUNIT_EXPECT_EQ(test, m.taken[0], 3);
	KUNIT_EXPECT_EQ(test, m.taken[1], n - 1);
	KUNIT_EXPECT_EQ(test, la_count(st, LA_DEVICE), 2);

	m.ntaken = 0;
	KUNIT_EXPECT_EQ(test, la_store_add_many(st, LA_DEVICE, n, la_many_get,
						la_many_taken, &m, &done), 0);
	KUNIT_EXPECT_EQ(test, done, n);
	KUNIT_EXPECT_EQ(test, m.ntaken, 2);
	KUNIT_EXPECT_EQ(test, m.taken[0], 3);
	KUNIT_EXPECT_EQ(test, m.taken[1], n - 1);
	la_store_close(st);

	/* All there after a reopen; the taken ones as they were. */
	st = la_open(test, 0);
	KUNIT_EXPECT_EQ(test, la_count(st, LA_DEVICE), n);
	la_device(&p, 5000 + LA_STORE_BATCH, "many");
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(&p, &q, sizeof(p)));
	la_device(&p, 5000 + 3, "old");
	KUNIT_EXPECT_EQ(test, la_store_get(st, LA_DEVICE, p.id, &q), 0);
	KUNIT_EXPECT_TRUE(test, !memcmp(&p, &q, sizeof(p)));
	KUNIT_EXPECT_EQ(test, la_count(st, LA_GATEWAY), 0);

	/* Nothing to add is nothing added. */
	m.ntaken = 0;
	KUNIT_EXPECT_EQ(test, la_store_add_many(st, LA_GATEWAY, 0, la_many_get,
						la_many_taken, &m, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 0);
	KUNIT_EXPECT_EQ(test, m.ntaken, 0);
	la_principal_wipe(&p);
	la_principal_wipe(&q);
	la_store_close(st);
}

static struct kunit_case la_store_cases[] = {
	KUNIT_CASE(la_test_store_roundtrip),
	KUNIT_CASE(la_test_store_errors),
	KUNIT_CASE(la_test_store_passphrase_file),
	KUNIT_CASE(la_test_store_at_rest),
	KUNIT_CASE(la_test_store_one_process),
	KUNIT_CASE(la_test_store_served),
	KUNIT_CASE(la_test_store_damaged),
	KUNIT_CASE(la_test_store_checkpoint_thread),
	KUNIT_CASE(la_test_store_watchdog),
	KUNIT_CASE(la_test_store_audit),
	KUNIT_CASE(la_test_store_refusals_keep),
	KUNIT_CASE(la_test_store_old_records),
	KUNIT_CASE(la_test_store_add_many),
	KUNIT_CASE(la_test_store_held),
	KUNIT_CASE(la_test_store_modify),
	KUNIT_CASE(la_test_store_trim),
	KUNIT_CASE(la_test_store_key_history),
	KUNIT_CASE(la_test_store_handshake),
	KUNIT_CASE(la_test_store_marks),
	{}
};

static struct kunit_suite la_store_suite = {
	.name = "liteauth_store",
	.init = la_store_test_init,
	.exit = la_store_test_exit,
	.test_cases = la_store_cases,
};

kunit_test_suite(la_store_suite);
