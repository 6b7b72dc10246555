// SPDX-License-Identifier: GPL-2.0
/*
 * direct LITEAUTHD: liteauthd end to end in direct mode (protocol v2), over
 * UDP on loopback, with simulated devices. Provisions a fresh database with
 * the key store, starts the daemon, and plays devices: the right key, a
 * wrong key, an unknown ID, a lost KEY answered by a resent HELLO, a lost
 * ACK answered by a resent CONFIRM, stale and replayed HELLOs; then the
 * ways the daemon must refuse to start, its config file and a crash loop.
 *
 * Then the attacks, each against a daemon of its own so that its counters
 * are the attack's: forged HELLOs during a handshake, one a second for a
 * minute, captured HELLOs replayed, and floods of forged CONFIRMs,
 * GW_HELLOs and HELLOs of made-up devices. Each prints one KTAP line that
 * says what happened to the victims and what the attack cost the server:
 * its counters, the audit records it added and the lines it logged.
 *
 *     this program (devices,   ── UDP [::1]:port ──▶ liteauthd ── DB (dir)
 *     attackers, a gateway)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "server.h"
#include "store.h"

#define S LITEAUTH_SUITE_AES128

static const char *daemon_path;
static char dir[64], db[96], pass[96], port[8], listen_arg[32];
static struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
static int failures;

static void check(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures += !ok;
}

static u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rnd(void *buf, size_t len)
{
	if (getrandom(buf, len, 0) != (ssize_t)len)
		abort();
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

/* A UDP socket connected to the daemon. */
static int peer(void)
{
	int s = socket(AF_INET6, SOCK_DGRAM, 0);

	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		abort();
	return s;
}

/* Starts the daemon with config file @conf (NULL: none); returns its pid. */
static pid_t start(const char *conf, const char *log)
{
	pid_t pid;

	unlink(log);	/* what is in it is this daemon's */
	pid = fork();

	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		execl(daemon_path, daemon_path, "--db", db, "--listen",
		      listen_arg, "--no-netlink", "--passphrase-file", pass,
		      "--config", conf ? conf : "/dev/null", "--foreground",
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* A file's whole text, NUL-terminated (free it), or NULL. */
static char *slurp(const char *file)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);
	ssize_t n;
	int fd = open(file, O_RDONLY);

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *b = realloc(buf, cap *= 2);

			if (!b)
				break;
			buf = b;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static int grep(const char *file, const char *text)
{
	char *buf = slurp(file);
	int found = buf && strstr(buf, text);

	free(buf);
	return found;
}

/* Waits up to 5 s for the daemon that logs to @log to serve. */
static bool serving(const char *log)
{
	int i;

	for (i = 0; i < 100 && !grep(log, "serving database"); i++)
		usleep(50000);
	return i < 100;
}

/*
 * A counter of a stopped daemon: the last "NAME: N" line of its log (it
 * prints the non-zero ones when it stops), or 0.
 */
static u64 counter(const char *log, const char *name)
{
	char *buf = slurp(log), pat[64], *p, *q;
	u64 v = 0;

	if (!buf)
		return 0;
	/* "liteauthd[PID]: 2026-12-01T22:13:21.123Z NAME: N" */
	snprintf(pat, sizeof(pat), "Z %s: ", name);
	for (p = buf; (q = strstr(p, pat)); p = q + 1)
		if (q[strlen(pat)] >= '0' && q[strlen(pat)] <= '9')
			v = strtoull(q + strlen(pat), NULL, 10);
	free(buf);
	return v;
}

/* Lines the daemon logged between serving and being told to stop. */
static unsigned int log_lines(const char *log)
{
	char *buf = slurp(log), *p, *end;
	unsigned int n = 0;

	if (!buf)
		return 0;
	p = strstr(buf, "serving database");
	end = p ? strstr(p, ": stopping") : NULL;
	if (p && end)
		for (p = strchr(p, '\n'); p && p < end; p = strchr(p + 1, '\n'))
			n++;
	free(buf);
	return n ? n - 1 : 0;	/* not the "stopping" line itself */
}

/*
 * A simulated device, as protocol.rst ("The device") has it: one CTR that
 * only grows, a new Rd for each handshake, one KEY accepted (the one for
 * its IDd and Rd), and authenticated only by an ACK that verifies.
 */
struct dev {
	struct la_principal p;
	u32 ctr;			/* of the current handshake */
	u8 rd[LA_NONCE_LEN];
	struct la_hello hello;
	bool keyed;			/* a KEY opened */
	struct la_key key;
	struct la_grant g;
	struct la_confirm confirm;
};

/* What one authentication took. */
struct tries {
	unsigned int hellos, confirms;	/* sent */
	unsigned int bad_acks;		/* ACKs for it that did not verify */
	u64 ms;
};

/* Starts a new handshake: the next CTR, a new Rd, its HELLO. */
static void dev_hello(struct dev *d, const u8 *kd)
{
	u8 k[LA_KEY_LEN];

	d->ctr++;
	d->keyed = false;
	rnd(d->rd, sizeof(d->rd));
	if (la_derive(S, LA_K_HELLO, kd, d->p.id, NULL, NULL, k) ||
	    la_hello_build(&d->hello, S, k, d->p.id, d->ctr, d->rd))
		abort();
	memzero_explicit(k, sizeof(k));
}

/* Takes @msg if it is the KEY of the current handshake; then CONFIRM. */
static bool dev_key(struct dev *d, const u8 *kd, const u8 *msg, ssize_t len)
{
	const struct la_key *key = (const void *)msg;
	u8 k[LA_KEY_LEN];
	bool ok;

	if (len != LITEAUTH_KEY_LEN || msg[0] != LITEAUTH_MSG_KEY ||
	    memcmp(key->idd, d->p.id, LA_ID_LEN))
		return false;
	ok = !la_derive(S, LA_K_KEY, kd, d->p.id, d->rd, key->rs, k) &&
	     !la_key_open(msg, len, k, d->rd, &d->g) &&
	     !la_derive(S, LA_K_CONF, d->g.sk, d->p.id, d->rd, key->rs, k) &&
	     !la_confirm_build(&d->confirm, S, k, d->p.id, d->rd, key->rs);
	memzero_explicit(k, sizeof(k));
	if (ok) {
		d->key = *key;
		d->keyed = true;
	}
	return ok;
}

/* Whether @msg is an ACK for @d's handshake that verifies. */
static bool dev_ack(const struct dev *d, const u8 *msg, ssize_t len)
{
	u8 k[LA_KEY_LEN];
	bool ok;

	if (!d->keyed || len != LITEAUTH_ACK_LEN)
		return false;
	ok = !la_derive(S, LA_K_ACK, d->g.sk, d->p.id, d->rd, d->key.rs, k) &&
	     !la_ack_verify(msg, len, k, d->rd, d->key.rs);
	memzero_explicit(k, sizeof(k));
	return ok;
}

/* The next datagram before @deadline (ms, now_ms()), or 0. */
static ssize_t recv_until(int s, u8 *buf, u64 deadline)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	u64 now = now_ms();
	ssize_t n;

	if (now >= deadline)
		return 0;
	if (poll(&p, 1, deadline - now) != 1)
		return 0;
	n = recv(s, buf, LITEAUTH_MSG_MAX_LEN, 0);
	return n > 0 ? n : -1;
}

/* Sends @msg and waits up to @ms for an answer; returns its length. */
static ssize_t ask(int s, const void *msg, size_t len, u8 *reply, int ms)
{
	if (send(s, msg, len, 0) != (ssize_t)len)
		return -1;
	return recv_until(s, reply, now_ms() + ms);
}

/* The device's waits between resends: one try, or protocol.rst's. */
static const unsigned int quick[] = { 500, 0 };
static const unsigned int schedule[] = { 1000, 2000, 4000, 8000, 0 };

/*
 * The CONFIRM phase of @d, whose KEY opened: CONFIRM, resent after each of
 * @waits until an ACK verifies. 0 when it did, -5 when none came, -6 when
 * only ACKs that do not verify did.
 */
static int dev_finish(int s, struct dev *d, const unsigned int *waits,
		      struct tries *t)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN];
	unsigned int i;
	ssize_t n;

	for (i = 0; waits[i]; i++) {
		u64 deadline = now_ms() + waits[i];

		send(s, &d->confirm, sizeof(d->confirm), 0);
		t->confirms++;
		while ((n = recv_until(s, buf, deadline))) {
			if (dev_ack(d, buf, n))
				return 0;
			if (n == LITEAUTH_ACK_LEN && buf[0] == LITEAUTH_MSG_ACK)
				t->bad_acks++;
		}
	}
	return t->bad_acks ? -6 : -5;
}

/*
 * One handshake of @d with key @kd, HELLO resent after each of @waits:
 * 0 if it authenticated, -2 if no KEY for it came, else dev_finish()'s.
 * It never starts a second handshake: a caller that must, failed.
 */
static int auth(int s, struct dev *d, const u8 *kd, const unsigned int *waits,
		struct tries *t)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN];
	struct tries local;
	u64 t0 = now_ms();
	unsigned int i;
	ssize_t n;
	int r;

	if (!t)
		t = &local;
	memset(t, 0, sizeof(*t));
	dev_hello(d, kd);
	for (i = 0; waits[i] && !d->keyed; i++) {
		u64 deadline = now_ms() + waits[i];

		send(s, &d->hello, sizeof(d->hello), 0);
		t->hellos++;
		while (!d->keyed && (n = recv_until(s, buf, deadline)))
			dev_key(d, kd, buf, n);
	}
	r = d->keyed ? dev_finish(s, d, waits, t) : -2;
	t->ms = now_ms() - t0;
	return r;
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
 * The audit log after a point (the last seq of each of its two tables:
 * authentications, and summaries of refusals): records added, refusal
 * summaries and the refusals they sum up, and those of @id alone.
 */
struct audit_mark {
	u64 seq[2];		/* [1]: LA_AUDIT_F_SUMMARY */
};

struct audit_count {
	struct audit_mark since, last;
	unsigned int all, refusals, successes;
	u64 refused;		/* the refusals the summaries sum up */
	unsigned int overflow;	/* summaries without IDs */
	const u8 *id;		/* as IDd or IDg; NULL: none */
	unsigned int id_refusals, id_successes;
};

static int audit_one(void *arg, const struct la_audit *a)
{
	struct audit_count *c = arg;
	int t = !!(a->flags & LA_AUDIT_F_SUMMARY);

	if (a->seq > c->last.seq[t])
		c->last.seq[t] = a->seq;
	if (a->seq <= c->since.seq[t])
		return 0;
	c->all++;
	if (a->result) {
		c->refusals++;
		c->refused += a->count;
		c->overflow += !!(a->flags & LA_AUDIT_F_OVERFLOW);
	} else {
		c->successes++;
	}
	if (c->id && (!memcmp(a->idd, c->id, LA_ID_LEN) ||
		      !memcmp(a->idg, c->id, LA_ID_LEN))) {
		if (a->result)
			c->id_refusals++;
		else
			c->id_successes++;
	}
	return 0;
}

static int audit(const struct audit_mark *since, const u8 *id,
		 struct audit_count *c)
{
	struct la_store *st;
	char err[256];
	int ret;

	memset(c, 0, sizeof(*c));
	if (since)
		c->since = *since;
	c->id = id;
	if (la_store_open(&st, db, pass, 0, err, sizeof(err))) {
		printf("# %s\n", err);
		return -1;
	}
	ret = la_store_audit_list(st, audit_one, c);
	la_store_close(st);
	return ret;
}

static int auth_count(const u8 *id, u64 *count)
{
	struct la_principal q;
	struct la_store *st;
	char err[256];
	int ret;

	if (la_store_open(&st, db, pass, 0, err, sizeof(err)))
		return -1;
	ret = la_store_get(st, LA_DEVICE, id, &q);
	*count = q.auth_count;
	la_principal_wipe(&q);
	la_store_close(st);
	return ret;
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

static int crash_loop(struct dev *a, int rounds)
{
	struct la_principal q;
	struct la_store *st;
	u32 committed[128], ncommitted = 0, n, last;
	char err[256], log[128];
	int r, i, s, fds[2], ok = 1, status;
	pid_t d, prov;

	snprintf(log, sizeof(log), "%s/crash.log", dir);
	s = peer();
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
			dev_hello(a, a->p.key);
			send(s, &a->hello, sizeof(a->hello), 0);
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
	s = peer();
	d = start(NULL, log);
	for (i = 0, r = -1; i < 50 && r; i++) {
		r = auth(s, a, a->p.key, quick, NULL);
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
static int config_and_reload(struct dev *a)
{
	struct sockaddr_in sa4 = { .sin_family = AF_INET };
	char conf[128], log[128];
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
	sa4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa4.sin_port = htons(atoi(port));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	connect(s, (struct sockaddr *)&sa4, sizeof(sa4));
	for (i = 0, r = -1; i < 50 && r; i++) {
		r = auth(s, a, a->p.key, quick, NULL);
		if (r)
			usleep(100000);
	}
	ok = !r && a->g.life == 90;
	write_conf(conf, "45");
	kill(pid, SIGHUP);
	for (i = 0; i < 50 && !grep(log, "reloaded"); i++)
		usleep(100000);
	ok = ok && !auth(s, a, a->p.key, quick, NULL) && a->g.life == 45;
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	close(s);
	if (!ok)
		printf("# LIFE %u, handshake %d\n", a->g.life, r);
	return ok && WIFEXITED(status) && !WEXITSTATUS(status);
}

/*
 * The attacks.
 *
 * Each runs against a daemon of its own (struct run): its counters, which
 * the daemon prints when it stops, are the attack's and its victims'; the
 * audit records it added are those after the last one before it started.
 */
struct run {
	char log[160];
	pid_t pid;
	struct audit_mark mark;	/* the audit log before it */
};

/* The audit interval of the attacks' daemons, in seconds. */
#define AUDIT_S 10

static int run_start(struct run *r, const char *name)
{
	struct audit_count c;
	char conf[160];
	FILE *f;

	snprintf(r->log, sizeof(r->log), "%s/attack-%s.log", dir, name);
	snprintf(conf, sizeof(conf), "%s/attack.conf", dir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "audit-interval = %u\n", AUDIT_S);
	fclose(f);
	if (audit(NULL, NULL, &c))
		return -1;
	r->mark = c.last;
	r->pid = start(conf, r->log);
	return serving(r->log) ? 0 : -1;
}

/* Stops it; true if it stopped cleanly. */
static bool run_stop(struct run *r)
{
	int status;

	kill(r->pid, SIGTERM);
	waitpid(r->pid, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status);
}

/* Forged HELLOs: the victim's ID, any CTR, a T1 that does not verify. */
static void forged_hello(struct la_hello *h, const u8 *idd, u32 ctr,
			 const u8 *rd)
{
	h->type = LITEAUTH_MSG_HELLO;
	h->vs = LITEAUTH_VS(S);
	memcpy(h->idd, idd, LA_ID_LEN);
	la_put_be32(h->ctr, ctr);
	if (rd)
		memcpy(h->rd, rd, LA_NONCE_LEN);
	else
		rnd(h->rd, LA_NONCE_LEN);
	rnd(h->tag, LA_TAG_LEN);
}

/* Answers that reach socket @s within @ms. */
static unsigned int answers(int s, int ms)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN];
	u64 deadline = now_ms() + ms;
	unsigned int n = 0;

	while (recv_until(s, buf, deadline) > 0)
		n++;
	return n;
}

/*
 * The cost of a run, as one clause of its KTAP line: the counters that
 * moved, the audit records added and the lines logged.
 */
static const char *const counter_names[] = {
	"hello", "key-resent", "confirmed", "ack-resent", "gw-hello",
	"gw-reject", "drop-malformed", "drop-auth", "drop-confirm", "drop-stale",
	"drop-unknown", "drop-gateway", "drop-rate", "drop-rate-unknown",
	"drop-rate-gateway", "drop-ack-rate", "drop-busy",
	"drop-no-handshake", "drop-store", "audit-overflow",
};

static void cost(char *out, size_t len, const struct run *r,
		 const struct audit_count *c)
{
	size_t i, n;

	n = snprintf(out, len, "cost:");
	for (i = 0; i < ARRAY_SIZE(counter_names) && n < len; i++) {
		u64 v = counter(r->log, counter_names[i]);

		if (v)
			n += snprintf(out + n, len - n, " %s %llu",
				      counter_names[i], (unsigned long long)v);
	}
	if (n < len)
		snprintf(out + n, len - n, "; audit +%u records (%u refusal summaries of %llu refusals, %u without IDs); %u log lines",
			 c->all, c->refusals, (unsigned long long)c->refused,
			 c->overflow, log_lines(r->log));
}

/* Audit intervals a run of @secs seconds touches, at most. */
static unsigned int intervals(unsigned int secs)
{
	return secs / AUDIT_S + 2;
}

/*
 * Refusals of what was not authenticated are recorded as one summary per
 * device and reason over an interval (protocol.rst, "The server"): a run
 * of @secs seconds adds at most this many for one device refused for
 * @kinds reasons (each with or without LA_AUDIT_F_CLAIMED).
 */
static unsigned int summaries_max(unsigned int secs, unsigned int kinds)
{
	return 2 * kinds * intervals(secs);
}

/*
 * And in all, in a run where forged messages claim whatever IDs and
 * @victims devices prove themselves: per interval (server.h), at most
 * LA_SRV_SUMMARY_CLAIMED_RECORDS of claims (LA_SRV_SUMMARY_CLAIMED_MAX
 * with their IDs, one per reason without), and of each victim's proven
 * refusals one per reason.
 */
static unsigned int flood_summaries_max(unsigned int secs,
					unsigned int victims)
{
	return (LA_SRV_SUMMARY_CLAIMED_RECORDS +
		victims * (LA_AUDIT_REASON_MAX - 1)) * intervals(secs);
}

/*
 * Lines the daemon may log in a run of @secs seconds: one per
 * authentication, and for refusals at most two per counter and interval
 * (server.h).
 */
static bool log_bounded(const struct run *r, unsigned int secs)
{
	return log_lines(r->log) <= counter(r->log, "confirmed") +
				    2 * LA_SRV_MAX * intervals(secs);
}

/* A forged HELLO with the victim's ID during the victim's handshake. */
static void attack_forged_hello(struct dev *v)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN];
	struct audit_count c;
	struct la_hello h;
	struct tries t = { 0 };
	char what[400];
	struct run r;
	int s, x, n, ok, stray = 0, rc, rc2;
	u32 ctr;

	if (run_start(&r, "forged-hello")) {
		check(0, "attack: forged HELLO: the daemon did not start");
		return;
	}
	s = peer();
	x = peer();
	for (n = 0; n < 50 && auth(s, v, v->p.key, quick, NULL); n++)
		usleep(100000);
	dev_hello(v, v->p.key);
	ok = ask(s, &v->hello, sizeof(v->hello), buf, 1000) > 0 &&
	     dev_key(v, v->p.key, buf, LITEAUTH_KEY_LEN);
	ctr = v->ctr;
	/* The victim has its KEY; the attacker claims a new handshake, with
	 * the next CTR, the highest CTR, the same CTR and another Rd, and
	 * the same CTR and Rd.
	 */
	forged_hello(&h, v->p.id, ctr + 1, NULL);
	send(x, &h, sizeof(h), 0);
	forged_hello(&h, v->p.id, 0xffffffff, NULL);
	send(x, &h, sizeof(h), 0);
	forged_hello(&h, v->p.id, ctr, NULL);
	send(x, &h, sizeof(h), 0);
	stray = answers(x, 300);
	/* A lookalike of the victim's HELLO may get the victim's KEY again
	 * (a repeat): nothing else.
	 */
	forged_hello(&h, v->p.id, ctr, v->rd);
	n = ask(x, &h, sizeof(h), buf, 300);
	if (n && (n != LITEAUTH_KEY_LEN || memcmp(buf, &v->key, n)))
		stray++;
	rc = dev_finish(s, v, schedule, &t);
	/* The forged CTRs moved nothing: the victim's next CTR is good. */
	rc2 = auth(s, v, v->p.key, schedule, NULL);
	close(x);
	close(s);
	ok = run_stop(&r) && ok;
	audit(&r.mark, v->p.id, &c);
	cost(what, sizeof(what), &r, &c);
	check(ok && !rc && !t.bad_acks && t.confirms == 1 && !rc2 && !stray &&
	      c.id_refusals <= summaries_max(3, 2) && log_bounded(&r, 3),
	      "attack: 4 forged HELLOs (bad T1; CTR next, highest, same, same with its Rd) during a device's handshake: its CONFIRM got its ACK at once (%d, %u CONFIRM), its next CTR authenticated (%d), the attacker got %d answers; %s",
	      rc, t.confirms, rc2, stray, what);
}

/*
 * Forged HELLOs, one a second for @secs seconds, against device @v, and
 * @w's captured HELLOs replayed at 30 a minute, while both authenticate
 * every 5 seconds on the device's retry schedule.
 */
static void attack_slow(struct dev *v, struct dev *w, unsigned int secs)
{
	struct la_hello captured[3];	/* and the first, 4 of its burst 5 */
	struct audit_count cv, cw;
	char what[400];
	unsigned int i, tries_v = 0, tries_w = 0, ok_v = 0, ok_w = 0;
	unsigned int resends_v = 0, resends_w = 0;
	u64 max_v = 0, max_w = 0, end;
	int s, status, forged_answers = -1, replay_answers = -1;
	pid_t forger, replayer;
	struct run r;
	bool ok;

	if (run_start(&r, "slow")) {
		check(0, "attack: forged and replayed HELLOs: the daemon did not start");
		return;
	}
	s = peer();
	for (i = 0; i < 50 && auth(s, w, w->p.key, quick, NULL); i++)
		usleep(100000);
	for (i = 0; i < ARRAY_SIZE(captured); i++) {
		auth(s, w, w->p.key, quick, NULL);
		captured[i] = w->hello;
	}

	forger = fork();
	if (!forger) {
		struct la_hello h;
		int x = peer();
		unsigned int n = 0;

		for (i = 0; i < secs; i++) {
			u64 next = now_ms() + 1000;

			/* The next CTRs, the highest, and any. */
			forged_hello(&h, v->p.id, i % 3 == 0 ? 0xffffffff :
				     i % 3 == 1 ? v->ctr + 1 + i / 3 :
				     (u32)random() | 1, NULL);
			send(x, &h, sizeof(h), 0);
			n += answers(x, next - now_ms());
		}
		_exit(n > 100 ? 100 : n);
	}
	replayer = fork();
	if (!replayer) {
		int x = peer();
		unsigned int n = 0;

		for (i = 0; i < secs / 2; i++) {
			u64 next = now_ms() + 2000;

			send(x, &captured[i % ARRAY_SIZE(captured)],
			     sizeof(captured[0]), 0);
			n += answers(x, next - now_ms());
		}
		_exit(n > 100 ? 100 : n);
	}

	end = now_ms() + secs * 1000;
	while (now_ms() < end) {
		u64 next = now_ms() + 5000;
		struct tries t;

		tries_v++;
		if (!auth(s, v, v->p.key, schedule, &t) && !t.bad_acks)
			ok_v++;
		max_v = t.ms > max_v ? t.ms : max_v;
		resends_v += t.hellos - 1 + t.confirms - 1;
		tries_w++;
		if (!auth(s, w, w->p.key, schedule, &t) && !t.bad_acks)
			ok_w++;
		max_w = t.ms > max_w ? t.ms : max_w;
		resends_w += t.hellos - 1 + t.confirms - 1;
		if (next > now_ms())
			usleep((next - now_ms()) * 1000);
	}
	waitpid(forger, &status, 0);
	if (WIFEXITED(status))
		forged_answers = WEXITSTATUS(status);
	waitpid(replayer, &status, 0);
	if (WIFEXITED(status))
		replay_answers = WEXITSTATUS(status);
	close(s);
	ok = run_stop(&r);
	audit(&r.mark, v->p.id, &cv);
	audit(&r.mark, w->p.id, &cw);

	cost(what, sizeof(what), &r, &cv);
	check(ok && ok_v == tries_v && !forged_answers &&
	      cv.id_refusals <= summaries_max(secs, 2) &&
	      log_bounded(&r, secs),
	      "attack: %u forged HELLOs at 1/s for %u s against a device: it authenticated %u of %u times, each in its first handshake (at most %llu ms, %u resends in all), the forger got %d answers, audit +%u refusal records of the victim (bound %u); %s",
	      secs, secs, ok_v, tries_v, (unsigned long long)max_v, resends_v,
	      forged_answers, cv.id_refusals, summaries_max(secs, 2),
	      what);
	check(ok && ok_w == tries_w && !replay_answers &&
	      counter(r.log, "drop-stale") >= secs / 2 &&
	      cw.id_refusals <= summaries_max(secs, 1),
	      "attack: %u captured HELLOs of a device replayed at 30/min: none answered (%d), drop-stale %llu; the device authenticated %u of %u times, each in its first handshake (at most %llu ms, %u resends), audit +%u refusal records of it (bound %u)",
	      secs / 2, replay_answers,
	      (unsigned long long)counter(r.log, "drop-stale"), ok_w, tries_w,
	      (unsigned long long)max_w, resends_w, cw.id_refusals,
	      summaries_max(secs, 1));
}

/* A gateway: its ID and key, and a device behind it. */
struct gw {
	u8 id[LA_ID_LEN];
	u8 key[LA_KEY_LEN];
};

/*
 * The gateway case over UDP: @g relays @d's HELLO in a GW_HELLO (resent
 * on the device's schedule, with a new Rg and CTX each time), opens the
 * GW_KEY, hands the inner KEY to the device and sends its CONFIRM up in a
 * GW_CONFIRM, which no one answers. 0 if the device's CONFIRM was sent up.
 */
static int gw_auth(int s, const struct gw *g, struct dev *d,
		   const unsigned int *waits)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN], k[LA_KEY_LEN];
	u8 rg[LA_NONCE_LEN], ctx[LA_CTX_LEN];
	const struct la_gw_key *gk = (const void *)buf;
	struct la_gw_confirm gc;
	struct la_gw_hello gh;
	struct la_echo echo;
	struct la_grant grant;
	unsigned int i;
	ssize_t n;
	int r = -2;

	dev_hello(d, d->p.key);
	for (i = 0; waits[i] && r; i++) {
		u64 deadline = now_ms() + waits[i];

		rnd(rg, sizeof(rg));
		rnd(ctx, sizeof(ctx));
		if (la_derive(S, LA_KG_HELLO, g->key, g->id, NULL, NULL, k) ||
		    la_gw_hello_build(&gh, S, k, g->id, rg, ctx, &d->hello))
			return -1;
		la_echo_of(&echo, &gh);
		send(s, &gh, sizeof(gh), 0);
		while (r && (n = recv_until(s, buf, deadline))) {
			if (n != LITEAUTH_GW_KEY_LEN ||
			    memcmp(&gk->echo, &echo, sizeof(echo)) ||
			    la_derive(S, LA_KG_KEY, g->key, g->id, rg, gk->rs,
				      k) ||
			    la_gw_key_open(buf, n, k, &grant) ||
			    !dev_key(d, d->p.key, (u8 *)&gk->key,
				     sizeof(gk->key)) ||
			    memcmp(grant.sk, d->g.sk, LA_KEY_LEN))
				continue;
			r = 0;
		}
	}
	if (r)
		return r;
	if (la_derive(S, LA_KG_CONF, g->key, g->id, rg, d->key.rs, k) ||
	    la_gw_confirm_build(&gc, S, k, g->id, rg, d->key.rs, d->g.sid,
				&d->confirm))
		return -1;
	memzero_explicit(k, sizeof(k));
	memzero_explicit(&grant, sizeof(grant));
	return send(s, &gc, sizeof(gc), 0) == sizeof(gc) ? 0 : -1;
}

enum flood { FLOOD_CONFIRM, FLOOD_GW_HELLO, FLOOD_HELLO };

/*
 * @count forged messages of one kind, as fast as the socket takes them:
 * half with the victims' IDs (@v's, @g's), half with made-up ones. A byte
 * on @fd says when a tenth of them is sent, and another at nine tenths.
 */
static void flood(int x, enum flood kind, unsigned int count,
		  const struct dev *v, const struct gw *g, int fd)
{
	union {
		struct la_confirm c;
		struct la_gw_hello gh;
		struct la_hello h;
	} m;
	u8 id[LA_ID_LEN];
	unsigned int i;
	size_t len;

	for (i = 0; i < count; i++) {
		if ((i == count / 10 || i == count * 9 / 10) &&
		    write(fd, "", 1) != 1)
			_exit(1);
		if (i % 2)
			rnd(id, sizeof(id));
		else
			memcpy(id, kind == FLOOD_GW_HELLO ? g->id : v->p.id,
			       LA_ID_LEN);
		switch (kind) {
		case FLOOD_CONFIRM:
			m.c.type = LITEAUTH_MSG_CONFIRM;
			m.c.vs = LITEAUTH_VS(S);
			memcpy(m.c.idd, id, LA_ID_LEN);
			rnd(m.c.tag, LA_TAG_LEN);
			len = sizeof(m.c);
			break;
		case FLOOD_GW_HELLO:
			m.gh.type = LITEAUTH_MSG_GW_HELLO;
			m.gh.vs = LITEAUTH_VS(S);
			memcpy(m.gh.idg, id, LA_ID_LEN);
			rnd(m.gh.rg, LA_NONCE_LEN);
			rnd(m.gh.ctx, LA_CTX_LEN);
			m.gh.len = sizeof(m.gh.hello);
			forged_hello(&m.gh.hello, v->p.id, v->ctr + 1 + i,
				     NULL);
			rnd(m.gh.tag, LA_TAG_LEN);
			len = sizeof(m.gh);
			break;
		default:
			forged_hello(&m.h, id, 1 + i, NULL);
			len = sizeof(m.h);
			break;
		}
		while (send(x, &m, len, 0) < 0 && errno == ENOBUFS)
			usleep(100);
	}
}

/*
 * A flood of @count forged messages of @kind at the server while victims
 * authenticate: once a tenth is sent, device @w authenticates and gateway
 * @g relays device @gd, and again every 2 s until the flood is over;
 * device @v has its KEY before it starts, and sends its CONFIRM at nine
 * tenths.
 */
static void attack_flood(enum flood kind, unsigned int count, struct dev *v,
			 struct dev *w, const struct gw *g, struct dev *gd)
{
	static const char *const names[] = {
		[FLOOD_CONFIRM] = "confirm-flood",
		[FLOOD_GW_HELLO] = "gw-hello-flood",
		[FLOOD_HELLO] = "hello-flood",
	};
	static const char *const what_msgs[] = {
		[FLOOD_CONFIRM] = "forged CONFIRMs (bad T3)",
		[FLOOD_GW_HELLO] = "forged GW_HELLOs (bad T4; unknown gateways and a known one)",
		[FLOOD_HELLO] = "forged HELLOs (bad T1; a victim's ID and made-up ones)",
	};
	u8 buf[LITEAUTH_MSG_MAX_LEN];
	unsigned int tries_w = 0, ok_w = 0, resends_w = 0, i, secs;
	unsigned int gw_ok = 0, gw_tries = 0;
	u64 max_w = 0, ms, first = 0, gd0 = 0, gd1 = 0;
	struct audit_count c, cv;
	char what[400];
	struct tries t = { 0 };
	int s, gs, status, rc_v = -1, flood_answers = -1, fds[2];
	pid_t flooder;
	struct run r;
	bool ok, keyed;

	if (run_start(&r, names[kind])) {
		check(0, "attack: %s: the daemon did not start", names[kind]);
		return;
	}
	s = peer();
	gs = peer();
	for (i = 0; i < 50 && auth(s, w, w->p.key, quick, NULL); i++)
		usleep(100000);
	auth_count(gd->p.id, &gd0);
	dev_hello(v, v->p.key);
	keyed = ask(s, &v->hello, sizeof(v->hello), buf, 1000) > 0 &&
		dev_key(v, v->p.key, buf, LITEAUTH_KEY_LEN);

	if (pipe(fds))
		abort();
	ms = now_ms();
	flooder = fork();
	if (!flooder) {
		int x = peer();

		close(fds[0]);
		flood(x, kind, count, v, g, fds[1]);
		/* Done: the victims may stop; then the answers it got. */
		close(fds[1]);
		i = answers(x, 500);
		_exit(i > 100 ? 100 : i);
	}
	close(fds[1]);
	/* The victims, on their retry schedule, until the flood is over. */
	if (read(fds[0], buf, 1) != 1)
		printf("# the flood did not start\n");
	do {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };

		tries_w++;
		if (!auth(s, w, w->p.key, schedule, &t) && !t.bad_acks)
			ok_w++;
		max_w = t.ms > max_w ? t.ms : max_w;
		resends_w += t.hellos - 1 + t.confirms - 1;
		gw_tries++;
		gw_ok += !gw_auth(gs, g, gd, schedule);
		if (!first) {
			first = now_ms() - ms;
			memset(&t, 0, sizeof(t));
			if (read(fds[0], buf, 1) == 1 && keyed)
				rc_v = dev_finish(s, v, schedule, &t);
		}
		/* At most one handshake each per 2 s: their own budget. */
		if (poll(&p, 1, 2000) == 1)
			break;
	} while (1);
	ms = now_ms() - ms;
	close(fds[0]);
	waitpid(flooder, &status, 0);
	if (WIFEXITED(status))
		flood_answers = WEXITSTATUS(status);
	usleep(200000);		/* the last GW_CONFIRM */
	close(s);
	close(gs);
	ok = run_stop(&r);
	auth_count(gd->p.id, &gd1);
	secs = ms / 1000 + 1;
	audit(&r.mark, NULL, &c);
	audit(&r.mark, kind == FLOOD_GW_HELLO ? g->id : v->p.id, &cv);
	cost(what, sizeof(what), &r, &c);
	check(ok && keyed && !rc_v && ok_w == tries_w && gw_ok == gw_tries &&
	      gd1 - gd0 == gw_ok && !flood_answers &&
	      cv.id_refusals <= summaries_max(secs, 2) &&
	      c.refusals <= flood_summaries_max(secs, 3) &&
	      log_bounded(&r, secs),
	      "attack: %u %s in %llu ms: the device waiting for its ACK through 90%% of it got it (%d), another authenticated %u of %u times in its first handshake (at most %llu ms, %u resends), a gateway's device %u of %u (%llu recorded; the first of each done %llu ms into the flood), the flooder got %d answers; audit +%u refusal summaries of the victim's ID (bound %u), +%u in all (bound %u); %s",
	      count, what_msgs[kind], (unsigned long long)ms, rc_v, ok_w,
	      tries_w, (unsigned long long)max_w, resends_w, gw_ok, gw_tries,
	      (unsigned long long)(gd1 - gd0), (unsigned long long)first,
	      flood_answers, cv.id_refusals,
	      summaries_max(secs, 2), c.refusals, flood_summaries_max(secs, 3),
	      what);
}

int main(int argc, char **argv)
{
	struct dev a = { 0 }, b = { 0 }, unknown = { 0 }, v1 = { 0 };
	struct dev v2 = { 0 }, gd = { 0 };
	struct la_principal q, gp;
	u8 reply[LITEAUTH_MSG_MAX_LEN], reply2[LITEAUTH_MSG_MAX_LEN];
	u8 wrong[LA_KEY_LEN];
	char log[128], log2[128], err[256];
	struct la_store *st;
	struct la_hello first, h;
	struct la_key key1;
	struct tries t;
	struct gw g;
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
	device(&a.p, 1, 0x11);
	device(&b.p, 2, 0x22);
	device(&unknown.p, 3, 0x33);
	device(&v1.p, 4, 0x55);
	device(&v2.p, 5, 0x66);
	device(&gd.p, 6, 0x77);
	device(&gp, 0, 0x88);
	gp.id[0] = 0xb8;
	memcpy(g.id, gp.id, LA_ID_LEN);
	memcpy(g.key, gp.key, LA_KEY_LEN);
	ok = ok && !la_store_add(st, LA_DEVICE, &a.p) &&
	     !la_store_add(st, LA_DEVICE, &b.p);
	la_store_close(st);
	check(ok, "a database with two devices is provisioned");

	check(refuses_module(log),
	      "liteauthd refuses to start without liteauth.ko unless --no-netlink, and says so");

	chmod(pass, 0644);
	check(refuses("readable by others", log),
	      "liteauthd refuses a passphrase file others can read");
	chmod(pass, 0600);

	pid = start(NULL, log);
	s = peer();
	/* Wait for it to listen: a HELLO of no device gets no answer, so
	 * use the first real handshake, retried like a device would.
	 */
	for (i = 0, ok = -1; i < 50 && ok; i++) {
		ok = auth(s, &a, a.p.key, quick, &t);
		if (ok)
			usleep(100000);
	}
	first = a.hello;
	key1 = a.key;
	check(ok == 0 && !t.bad_acks,
	      "a device with the right key authenticates: KEY, CONFIRM, and an ACK that verifies");

	check(refuses("in use by another liteauthd", log2),
	      "a second liteauthd on the same database refuses to start");

	memset(wrong, 0x99, sizeof(wrong));
	check(auth(s, &b, wrong, quick, NULL) == -2,
	      "a device with a wrong key gets no answer");
	check(auth(s, &unknown, unknown.p.key, quick, NULL) == -2,
	      "an unknown device gets no answer");

	/* A lost KEY: the same HELLO again gets the very same KEY. */
	dev_hello(&b, b.p.key);
	ok = ask(s, &b.hello, sizeof(b.hello), reply, 500) == LITEAUTH_KEY_LEN &&
	     ask(s, &b.hello, sizeof(b.hello), reply2, 500) == LITEAUTH_KEY_LEN &&
	     !memcmp(reply, reply2, LITEAUTH_KEY_LEN);
	check(ok, "a resent HELLO (KEY lost) gets the very same KEY");
	memset(&t, 0, sizeof(t));
	ok = dev_key(&b, b.p.key, reply2, LITEAUTH_KEY_LEN) &&
	     !dev_finish(s, &b, quick, &t);
	check(ok, "and the device then authenticates with it");

	/* A lost ACK: the same CONFIRM again, resent after a second as the
	 * device does, gets the very same ACK.
	 */
	sleep(1);
	ok = ask(s, &b.confirm, sizeof(b.confirm), reply, 500) ==
	     LITEAUTH_ACK_LEN;
	sleep(1);
	ok = ok && ask(s, &b.confirm, sizeof(b.confirm), reply2, 500) ==
	     LITEAUTH_ACK_LEN &&
	     !memcmp(reply, reply2, LITEAUTH_ACK_LEN) &&
	     dev_ack(&b, reply, LITEAUTH_ACK_LEN);
	check(ok, "a resent CONFIRM (ACK lost) gets the very same ACK, each time");

	/* A CONFIRM whose T3 fails: no ACK, and the handshake stays. */
	dev_hello(&a, a.p.key);
	ok = ask(s, &a.hello, sizeof(a.hello), reply, 500) > 0 &&
	     dev_key(&a, a.p.key, reply, LITEAUTH_KEY_LEN);
	a.confirm.tag[0] ^= 1;
	ok = ok && ask(s, &a.confirm, sizeof(a.confirm), reply, 300) == 0;
	a.confirm.tag[0] ^= 1;
	memset(&t, 0, sizeof(t));
	ok = ok && !dev_finish(s, &a, quick, &t);
	check(ok, "a CONFIRM with a bad T3 gets no ACK, and the handshake waits for the right one, which gets its ACK");

	/* Stale HELLOs: the first, replayed; the last CTR with a new Rd; a
	 * lower CTR. None is answered.
	 */
	ok = ask(s, &first, sizeof(first), reply, 300) == 0;
	{
		u8 k[LA_KEY_LEN], rd[LA_NONCE_LEN];

		rnd(rd, sizeof(rd));
		la_derive(S, LA_K_HELLO, a.p.key, a.p.id, NULL, NULL, k);
		la_hello_build(&h, S, k, a.p.id, a.ctr, rd);
		ok = ok && ask(s, &h, sizeof(h), reply, 300) == 0;
		la_hello_build(&h, S, k, a.p.id, a.ctr - 1, rd);
		ok = ok && ask(s, &h, sizeof(h), reply, 300) == 0;
		/* CTR 0, with a T1 that verifies: malformed. */
		la_hello_build(&h, S, k, a.p.id, 1, rd);
		memset(h.ctr, 0, sizeof(h.ctr));
		la_seal(&h, sizeof(h), k, NULL, NULL, NULL);
		ok = ok && ask(s, &h, sizeof(h), reply, 300) == 0;
		memzero_explicit(k, sizeof(k));
	}
	check(ok, "stale HELLOs get no answer: a replayed one, the last CTR with a new Rd, a lower CTR; nor does CTR 0");

	ok = auth(s, &a, a.p.key, quick, NULL) == 0 &&
	     memcmp(key1.rs, a.key.rs, LA_NONCE_LEN) &&
	     memcmp(key1.sealed, a.key.sealed, sizeof(key1.sealed));
	check(ok, "a new handshake (the next CTR) gets a fresh Rs and SK, never an old KEY");

	check(ask(s, "\x31\x21", 2, reply, 200) == 0 &&
	      ask(s, reply, 0, reply, 200) == 0,
	      "garbage gets no answer");

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "SIGTERM stops liteauthd cleanly");
	printf("# hello %llu key-resent %llu confirmed %llu ack-resent %llu drop-auth %llu drop-confirm %llu drop-unknown %llu drop-stale %llu drop-malformed %llu\n",
	       (unsigned long long)counter(log, "hello"),
	       (unsigned long long)counter(log, "key-resent"),
	       (unsigned long long)counter(log, "confirmed"),
	       (unsigned long long)counter(log, "ack-resent"),
	       (unsigned long long)counter(log, "drop-auth"),
	       (unsigned long long)counter(log, "drop-confirm"),
	       (unsigned long long)counter(log, "drop-unknown"),
	       (unsigned long long)counter(log, "drop-stale"),
	       (unsigned long long)counter(log, "drop-malformed"));
	check(counter(log, "hello") == 4 && counter(log, "confirmed") == 4 &&
	      counter(log, "key-resent") == 1 &&
	      counter(log, "ack-resent") == 2 &&
	      counter(log, "drop-auth") == 1 &&
	      counter(log, "drop-confirm") == 1 &&
	      counter(log, "drop-unknown") == 1 &&
	      counter(log, "drop-stale") == 3 &&
	      counter(log, "drop-malformed") >= 2,
	      "its counters match what happened");

	ok = !la_store_open(&st, db, pass, 0, err, sizeof(err)) &&
	     !la_store_get(st, LA_DEVICE, a.p.id, &q) && q.auth_count == 3 &&
	     q.ctr == a.ctr &&
	     !la_store_get(st, LA_DEVICE, b.p.id, &q) && q.auth_count == 1 &&
	     q.ctr == b.ctr;
	la_principal_wipe(&q);
	la_store_close(st);
	check(ok, "the database records each device's authentications and its last confirmed CTR");

	/* After a restart, what was confirmed stays stale. */
	pid = start(NULL, log);
	ok = serving(log) && ask(s, &a.hello, sizeof(a.hello), reply, 300) == 0 &&
	     ask(s, &first, sizeof(first), reply, 300) == 0 &&
	     auth(s, &a, a.p.key, quick, NULL) == 0;
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	check(ok, "after a restart, the HELLOs of confirmed handshakes are still stale, and the device's next CTR authenticates");
	close(s);

	check(config_and_reload(&a), "liteauthd reads its config file, listens on IPv4, and applies a changed LIFE on SIGHUP");

	check(crash_loop(&a, 10),
	      "killed (SIGKILL) 10 times mid-handshake, with a provisioner killed mid-write: every committed device is there, and devices authenticate after a restart");

	/* The attacks, with devices and a gateway of their own. */
	ok = !la_store_open(&st, db, pass, 0, err, sizeof(err)) &&
	     !la_store_add(st, LA_DEVICE, &v1.p) &&
	     !la_store_add(st, LA_DEVICE, &v2.p) &&
	     !la_store_add(st, LA_DEVICE, &gd.p) &&
	     !la_store_add(st, LA_GATEWAY, &gp);
	la_store_close(st);
	la_principal_wipe(&gp);
	check(ok, "three more devices and a gateway are provisioned for the attacks");

	attack_forged_hello(&v1);
	attack_slow(&v1, &v2, 60);
	attack_flood(FLOOD_CONFIRM, 20000, &v1, &v2, &g, &gd);
	attack_flood(FLOOD_GW_HELLO, 20000, &v1, &v2, &g, &gd);
	attack_flood(FLOOD_HELLO, 20000, &v1, &v2, &g, &gd);

	la_crypto_exit();
	snprintf(err, sizeof(err), "rm -rf '%s'", dir);
	if (!failures && system(err))
		fprintf(stderr, "cannot remove %s\n", dir);
	return failures ? 1 : 0;
}
