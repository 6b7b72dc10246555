// SPDX-License-Identifier: GPL-2.0
/*
 * direct LITEAUTHD: liteauthd end to end in direct mode, over UDP on
 * loopback, with simulated devices. Provisions a fresh database with the
 * key store, starts the daemon, and plays devices: the right key, a wrong
 * key, an unknown ID, a replayed HELLO, a lost KEY answered by a resent
 * HELLO; then the ways the daemon must refuse to start. Prints KTAP lines.
 *
 *     this program (devices) ── UDP [::1]:port ──▶ liteauthd ── DB (dir)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto.h"
#include "store.h"

#define S LITEAUTH_SUITE_AES128

static const char *daemon_path;
static char dir[64], db[96], pass[96], port[8], listen_arg[32];
static int failures;

static void check(int ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	fflush(stdout);
	failures += !ok;
}

static void device(struct la_principal *p, u8 n, u8 keybyte)
{
	memset(p, 0, sizeof(*p));
	p->id[0] = 0x00;
	p->id[1] = 0x12;
	p->id[7] = n;
	memset(p->key, keybyte, LA_KEY_LEN);
	p->suite = S;
	p->enabled = true;
}

/* Starts the daemon with @extra arguments; returns its pid. */
static pid_t start(const char *extra, const char *log)
{
	pid_t pid = fork();

	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		execl(daemon_path, daemon_path, "--db", db, "--listen",
		      listen_arg, "--no-netlink", "--passphrase-file", pass,
		      "--config", "/dev/null", "--foreground", extra,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Sends @msg and waits up to @ms for an answer; returns its length. */
static ssize_t ask(int s, const void *msg, size_t len, u8 *reply, int ms)
{
	struct pollfd p = { .fd = s, .events = POLLIN };

	if (send(s, msg, len, 0) != (ssize_t)len)
		return -1;
	if (poll(&p, 1, ms) != 1)
		return 0;
	return recv(s, reply, LITEAUTH_MSG_MAX_LEN, 0);
}

/* A whole handshake of device @p with key @kd; 0 if it authenticated. */
static u16 last_life;	/* LIFE of the last KEY opened */

static int handshake(int s, const struct la_principal *p, const u8 *kd,
		     u8 rdlast, struct la_key *key_out)
{
	u8 rd[LA_NONCE_LEN] = { 1, 2, 3, 4, 5, 6, 7, rdlast };
	u8 k[LA_KEY_LEN], reply[LITEAUTH_MSG_MAX_LEN];
	struct la_confirm c;
	struct la_hello h;
	struct la_grant g;
	const struct la_key *key = (const void *)reply;

	if (la_derive(S, LA_K_HELLO, kd, p->id, NULL, NULL, k) ||
	    la_hello_build(&h, S, k, p->id, rd))
		return -1;
	if (ask(s, &h, sizeof(h), reply, 500) != LITEAUTH_KEY_LEN)
		return -2;
	if (key_out)
		memcpy(key_out, reply, sizeof(*key_out));
	if (la_derive(S, LA_K_KEY, kd, p->id, rd, key->rs, k) ||
	    la_key_open(reply, LITEAUTH_KEY_LEN, k, rd, &g))
		return -3;
	last_life = g.life;
	if (la_derive(S, LA_K_CONF, g.sk, p->id, rd, key->rs, k) ||
	    la_confirm_build(&c, S, k, p->id, rd, key->rs))
		return -4;
	return ask(s, &c, sizeof(c), reply, 100) == 0 ? 0 : -5;
}

static int grep(const char *file, const char *text)
{
	char buf[8192];
	ssize_t n;
	int fd = open(file, O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, text) != NULL;
}

/* Runs the daemon expecting it to refuse; true if it exits 1 saying @why. */
static int refuses(const char *why, const char *log)
{
	int status;
	pid_t pid = start(NULL, log);

	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 1 && grep(log, why);
}

/*
 * A provisioner that adds devices until killed, reporting on @fd the
 * number of each device whose transaction committed.
 */
static void provisioner(int fd, u32 first)
{
	struct la_principal p;
	struct la_store *st;
	char err[256];
	u32 n;

	if (la_store_open(&st, db, pass, 0, err, sizeof(err)))
		_exit(1);
	for (n = first;; n++) {
		device(&p, 0, 0x44);
		p.id[4] = n >> 24;
		p.id[5] = n >> 16;
		p.id[6] = n >> 8;
		p.id[7] = n;
		if (la_store_add(st, LA_DEVICE, &p))
			_exit(2);
		if (write(fd, &n, sizeof(n)) != sizeof(n))
			_exit(3);
	}
}

static int crash_loop(struct sockaddr_in6 *sa, int rounds)
{
	struct la_principal a, q;
	struct la_store *st;
	u32 committed[128], ncommitted = 0, n, last;
	char err[256], log[128];
	int r, i, s, fds[2], ok = 1, status;
	pid_t d, prov;

	snprintf(log, sizeof(log), "%s/crash.log", dir);
	device(&a, 1, 0x11);
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	connect(s, (struct sockaddr *)sa, sizeof(*sa));
	for (r = 0; r < rounds; r++) {
		d = start(NULL, log);
		if (pipe(fds))
			return 0;
		prov = fork();
		if (!prov) {
			close(fds[0]);
			provisioner(fds[1], 0x1000 * (r + 1));
		}
		close(fds[1]);
		/* Handshakes in flight: HELLOs with no CONFIRM after them. */
		for (i = 0; i < 20; i++) {
			u8 rd[LA_NONCE_LEN] = { 7, 7, 7, 7, 7, 7, r, i };
			u8 k[LA_KEY_LEN];
			struct la_hello h;

			la_derive(S, LA_K_HELLO, a.key, a.id, NULL, NULL, k);
			la_hello_build(&h, S, k, a.id, rd);
			send(s, &h, sizeof(h), 0);
			usleep(5000);
		}
		kill(d, SIGKILL);
		kill(prov, SIGKILL);
		waitpid(d, &status, 0);
		waitpid(prov, &status, 0);
		/* Keep the last device the provisioner saw committed before
		 * it was killed, and a sample of the others.
		 */
		last = 0;
		while (read(fds[0], &n, sizeof(n)) == sizeof(n)) {
			if (ncommitted < ARRAY_SIZE(committed) - rounds &&
			    !(n % 7))
				committed[ncommitted++] = n;
			last = n;
		}
		if (last)
			committed[ncommitted++] = last;
		close(fds[0]);
	}

	if (la_store_open(&st, db, pass, 0, err, sizeof(err))) {
		printf("# %s\n", err);
		return 0;
	}
	for (i = 0; i < (int)ncommitted; i++) {
		device(&q, 0, 0x44);
		q.id[4] = committed[i] >> 24;
		q.id[5] = committed[i] >> 16;
		q.id[6] = committed[i] >> 8;
		q.id[7] = committed[i];
		if (la_store_get(st, LA_DEVICE, q.id, &q)) {
			printf("# committed device %u is lost\n", committed[i]);
			ok = 0;
		}
	}
	la_store_close(st);
	if (!ncommitted) {
		printf("# the provisioner never committed anything\n");
		ok = 0;
	}

	/* The answers to the HELLOs in flight are stale now. */
	close(s);
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	connect(s, (struct sockaddr *)sa, sizeof(*sa));
	d = start(NULL, log);
	for (i = 0, r = -1; i < 50 && r; i++) {
		r = handshake(s, &a, a.key, 0x55, NULL);
		if (r)
			usleep(100000);
	}
	if (r)
		printf("# no handshake after the restart: %d\n", r);
	kill(d, SIGTERM);
	waitpid(d, &status, 0);
	close(s);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		printf("# the restarted daemon ended with status %#x\n", status);
	printf("# %u committed devices checked\n", ncommitted);
	return ok && !r && WIFEXITED(status) && !WEXITSTATUS(status);
}

/* Without --no-netlink on a host with no liteauth.ko loaded. */
static int refuses_module(const char *log)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		execl(daemon_path, daemon_path, "--db", db, "--listen",
		      listen_arg, "--passphrase-file", pass, "--config",
		      "/dev/null", "--foreground", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 1 &&
	       grep(log, "modprobe liteauth");
}

static void write_conf(const char *path, const char *life)
{
	FILE *f = fopen(path, "w");

	fprintf(f, "# liteauthd.conf for the test\n"
		"db = %s\npassphrase-file = %s\nlisten = 127.0.0.1:%s\n"
		"netlink = no\nlife = %s   # minutes\n", db, pass, port, life);
	fclose(f);
}

/* Everything from a config file; IPv4; SIGHUP applies a new LIFE. */
static int config_and_reload(void)
{
	struct sockaddr_in sa4 = { .sin_family = AF_INET };
	char conf[128], log[128];
	struct la_principal a;
	int s, i, r, status, ok;
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/liteauthd.conf", dir);
	snprintf(log, sizeof(log), "%s/conf.log", dir);
	write_conf(conf, "90");
	pid = fork();
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		execl(daemon_path, daemon_path, "--config", conf,
		      "--foreground", (char *)NULL);
		_exit(127);
	}
	device(&a, 1, 0x11);
	sa4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa4.sin_port = htons(atoi(port));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	connect(s, (struct sockaddr *)&sa4, sizeof(sa4));
	for (i = 0, r = -1; i < 50 && r; i++) {
		r = handshake(s, &a, a.key, 0x61, NULL);
		if (r)
			usleep(100000);
	}
	ok = !r && last_life == 90;
	write_conf(conf, "45");
	kill(pid, SIGHUP);
	for (i = 0; i < 50 && !grep(log, "reloaded"); i++)
		usleep(100000);
	ok = ok && !handshake(s, &a, a.key, 0x62, NULL) && last_life == 45;
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	close(s);
	if (!ok)
		printf("# LIFE %u, handshake %d\n", last_life, r);
	return ok && WIFEXITED(status) && !WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	struct la_principal a, b, unknown, q;
	u8 reply[LITEAUTH_MSG_MAX_LEN], reply2[LITEAUTH_MSG_MAX_LEN];
	u8 k[LA_KEY_LEN], wrong[LA_KEY_LEN];
	char log[128], log2[128], err[256];
	struct la_store *st;
	struct la_hello h;
	struct la_key key1, key2;
	int s, status, i, ok;
	pid_t pid;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: direct LITEAUTHD\n");
		return 2;
	}
	daemon_path = argv[1];
	la_crypto_init();
	snprintf(dir, sizeof(dir), "/tmp/liteauth-direct-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(db, sizeof(db), "%s/db", dir);
	snprintf(pass, sizeof(pass), "%s/pass", dir);
	snprintf(log, sizeof(log), "%s/daemon.log", dir);
	snprintf(log2, sizeof(log2), "%s/second.log", dir);
	f = fopen(pass, "w");
	fputs("passphrase of the test\n", f);
	fclose(f);
	chmod(pass, 0600);

	/* A port of our own on loopback. */
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	sa.sin6_addr = in6addr_loopback;
	bind(s, (struct sockaddr *)&sa, sizeof(sa));
	{
		socklen_t l = sizeof(sa);

		getsockname(s, (struct sockaddr *)&sa, &l);
	}
	close(s);
	snprintf(port, sizeof(port), "%u", ntohs(sa.sin6_port));
	snprintf(listen_arg, sizeof(listen_arg), "[::1]:%s", port);

	check(refuses("does not exist", log) || refuses(db, log),
	      "liteauthd refuses to start without a database, and says so");

	ok = !la_store_open(&st, db, pass, LA_STORE_CREATE, err, sizeof(err));
	device(&a, 1, 0x11);
	device(&b, 2, 0x22);
	device(&unknown, 3, 0x33);
	ok = ok && !la_store_add(st, LA_DEVICE, &a) &&
	     !la_store_add(st, LA_DEVICE, &b);
	la_store_close(st);
	check(ok, "a database with two devices is provisioned");

	check(refuses_module(log),
	      "liteauthd refuses to start without liteauth.ko unless --no-netlink, and says so");

	chmod(pass, 0644);
	check(refuses("readable by others", log),
	      "liteauthd refuses a passphrase file others can read");
	chmod(pass, 0600);

	pid = start(NULL, log);
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	connect(s, (struct sockaddr *)&sa, sizeof(sa));
	/* Wait for it to listen: a HELLO of no device gets no answer, so
	 * use the first real handshake, retried like a device would.
	 */
	for (i = 0, ok = -1; i < 50 && ok; i++) {
		ok = handshake(s, &a, a.key, 1, &key1);
		if (ok)
			usleep(100000);
	}
	check(ok == 0, "a device with the right key authenticates");

	check(refuses("in use by another liteauthd", log2),
	      "a second liteauthd on the same database refuses to start");

	memset(wrong, 0x99, sizeof(wrong));
	check(handshake(s, &b, wrong, 1, NULL) == -2,
	      "a device with a wrong key gets no answer");
	check(handshake(s, &unknown, unknown.key, 1, NULL) == -2,
	      "an unknown device gets no answer");

	/* A lost KEY: the same HELLO again gets the very same KEY. */
	{
		u8 rd[LA_NONCE_LEN] = { 9, 9, 9, 9, 9, 9, 9, 9 };

		la_derive(S, LA_K_HELLO, b.key, b.id, NULL, NULL, k);
		la_hello_build(&h, S, k, b.id, rd);
		ok = ask(s, &h, sizeof(h), reply, 500) == LITEAUTH_KEY_LEN &&
		     ask(s, &h, sizeof(h), reply2, 500) == LITEAUTH_KEY_LEN &&
		     !memcmp(reply, reply2, LITEAUTH_KEY_LEN);
		check(ok, "a resent HELLO (KEY lost) gets the very same KEY");
	}
	check(handshake(s, &b, b.key, 9, NULL) == 0,
	      "and the device then authenticates with it");

	/* A replayed HELLO of a finished handshake: a fresh KEY, which the
	 * replayer cannot open.
	 */
	ok = handshake(s, &a, a.key, 1, &key2) == 0 &&
	     memcmp(key1.rs, key2.rs, LA_NONCE_LEN) &&
	     memcmp(key1.sealed, key2.sealed, sizeof(key1.sealed));
	check(ok, "a replayed HELLO gets a fresh Rs and SK, never the old KEY");

	check(ask(s, "\x31\x11", 2, reply, 200) == 0 &&
	      ask(s, reply, 0, reply, 200) == 0,
	      "garbage gets no answer");

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "SIGTERM stops liteauthd cleanly");
	check(grep(log, "confirmed: 3") && grep(log, "drop-auth: 1") &&
	      grep(log, "drop-unknown: 1") && grep(log, "key-resent: 1"),
	      "its counters match what happened");

	ok = !la_store_open(&st, db, pass, 0, err, sizeof(err)) &&
	     !la_store_get(st, LA_DEVICE, a.id, &q) && q.auth_count == 2 &&
	     !la_store_get(st, LA_DEVICE, b.id, &q) && q.auth_count == 1;
	la_store_close(st);
	check(ok, "the database records each device's authentications");

	check(config_and_reload(), "liteauthd reads its config file, listens on IPv4, and applies a changed LIFE on SIGHUP");

	check(crash_loop(&sa, 10),
	      "killed (SIGKILL) 10 times mid-handshake, with a provisioner killed mid-write: every committed device is there, and devices authenticate after a restart");

	la_crypto_exit();
	snprintf(err, sizeof(err), "rm -rf '%s'", dir);
	if (!failures && system(err))
		fprintf(stderr, "cannot remove %s\n", dir);
	return failures ? 1 : 0;
}
