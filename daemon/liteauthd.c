// SPDX-License-Identifier: GPL-2.0
/*
 * liteauthd: the security management server of liteauth.
 *
 * One event loop (epoll) over the UDP sockets it listens on, a signalfd
 * (SIGTERM and SIGINT stop it cleanly, SIGHUP reloads its configuration)
 * and a timerfd that expires old handshakes and sessions every second.
 * Each datagram goes to the server (server.c), whose answer, if any (KEY
 * or ACK to a direct device, GW_KEY or GW_REJECT to a gateway), goes back
 * to the sender.
 *
 * In the server role it serves direct devices and remote gateways over UDP
 * and, unless told --no-netlink, the local liteauth.ko over generic
 * netlink. In the relay role it carries the local module's messages to a
 * remote server over UDP and back (relay.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "crypto.h"
#include "metrics.h"
#include "nl.h"
#include "opt.h"
#include "quiet.h"
#include "relay.h"
#include "server.h"
#include "version.h"

#define LA_CONF_DEFAULT	"/etc/liteauth/liteauthd.conf"
/* liteauth processes served at once over the control socket. */
#define LA_CTL_CLIENTS	16
/*
 * Datagrams (or netlink messages) read from one socket in one wakeup, at
 * most: the others, the signals and the timer have their turn between.
 */
#define LA_RX_BATCH	64

struct la_daemon {
	struct la_conf conf;
	const char *conf_path;
	bool conf_explicit;
	struct la_store *store;
	struct la_server srv;
	struct la_relay relay;
	bool relaying;
	int upfd[LA_RELAY_UPSTREAMS_MAX];
	struct la_nl *nl;
	int epfd, sigfd, timerfd;
	int ctlfd;		/* the control socket, listening */
	int clients[LA_CTL_CLIENTS];
	u64 client_seen[LA_CTL_CLIENTS];	/* its last request, mono ns */
	int nclients;
	u8 *ctl_req, *ctl_ans;	/* LA_CTL_MSG_MAX each */
	int socks[4 * LA_LISTEN_MAX];	/* ":port" takes two, a name more */
	int nsocks;
	u64 ckp_failed;		/* checkpoints failed, as last logged */
	u64 started;		/* mono ns, for liteauth status */
	struct la_metrics metrics;	/* the metrics file, if one */
	bool stop;
};

/* A checkpoint of the key store this often, on a thread of its own. */
#define LA_CHECKPOINT_MS 60000

/*
 * Where the lines go, as hostapd's and systemd services' do: stderr with
 * --foreground (systemd's journal takes it); otherwise syslog, and stderr
 * too when nothing listens on /dev/log or stderr is a terminal, so that a
 * failed start always says why somewhere it is seen. Lines above
 * la_log_level (log-level, raised by each --verbose) are not told.
 */
static bool la_use_syslog, la_also_stderr;
static int la_log_level = LOG_INFO;

static void la_vmsg(int prio, const char *fmt, va_list ap)
{
	char buf[512];

	if (prio > la_log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (la_use_syslog)
		syslog(prio, "%s", buf);
	if (!la_use_syslog || la_also_stderr) {
		struct timespec ts;
		struct tm tm;
		char t[32];

		/* ISO 8601, UTC, to the millisecond. */
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "liteauthd[%d]: %s.%03ldZ %s\n", (int)getpid(),
			t, ts.tv_nsec / 1000000, buf);
	}
}

/* Whether a syslog daemon (or journald) takes datagrams on /dev/log. */
static bool la_syslog_listening(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX,
				   .sun_path = "/dev/log" };
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	bool ok = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types) && !ok; i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);

		if (fd < 0)
			continue;
		ok = !connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		close(fd);
	}
	return ok;
}

static void la_log_open(bool foreground)
{
	if (foreground)
		return;
	if (!la_syslog_listening())
		return;		/* stderr alone */
	openlog("liteauthd", LOG_PID, LOG_DAEMON);
	la_use_syslog = true;
	la_also_stderr = isatty(STDERR_FILENO);
}

static void la_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	la_vmsg(prio, fmt, ap);
	va_end(ap);
}

/*
 * The lines a peer can make at the rate it sends (quiet.h): of each kind,
 * the first of a minute is told, the others counted into one line at the
 * minute's end (la_quiet_ticks) and at a stop (la_quiet_stop).
 */
enum {
	LA_Q_SEND,
	LA_Q_CTL_UID,
	LA_Q_CTL_LONG,
	LA_Q_CTL_FULL,
	LA_Q_CTL_WATCH,
	LA_Q_CTL_IDLE,
	LA_Q_NL_RECV,
	LA_Q_MAX
};

static struct la_quiet la_quiet_kinds[LA_Q_MAX] = {
	[LA_Q_SEND] = LA_QUIET_INIT("sending an answer", LA_QUIET_WINDOW_S, 1),
	[LA_Q_CTL_UID] = LA_QUIET_INIT("control socket: refused a process",
				       LA_QUIET_WINDOW_S, 1),
	[LA_Q_CTL_LONG] = LA_QUIET_INIT("control socket: a request too long",
					LA_QUIET_WINDOW_S, 1),
	[LA_Q_CTL_FULL] = LA_QUIET_INIT("control socket: too many liteauth processes",
					LA_QUIET_WINDOW_S, 1),
	[LA_Q_CTL_WATCH] = LA_QUIET_INIT("control socket: cannot watch a liteauth",
					 LA_QUIET_WINDOW_S, 1),
	[LA_Q_CTL_IDLE] = LA_QUIET_INIT("control socket: a silent liteauth",
					LA_QUIET_WINDOW_S, 1),
	[LA_Q_NL_RECV] = LA_QUIET_INIT("netlink: receive failed",
				       LA_QUIET_WINDOW_S, 1),
};

static void la_quiet_said(void *arg, const char *line)
{
	(void)arg;
	la_msg(LOG_WARNING, "%s", line);
}

/* A line of kind @kind, unless it is one counted instead. */
static void __attribute__((format(printf, 3, 4)))
la_quiet_msg(int kind, int prio, const char *fmt, ...)
{
	va_list ap;

	if (!la_quiet_take(&la_quiet_kinds[kind], la_quiet_clock(),
			   la_quiet_said, NULL))
		return;
	va_start(ap, fmt);
	la_vmsg(prio, fmt, ap);
	va_end(ap);
}

/* Every second: the summaries of the windows over. */
static void la_quiet_ticks(u64 now)
{
	int i;

	for (i = 0; i < LA_Q_MAX; i++)
		la_quiet_tick(&la_quiet_kinds[i], now, la_quiet_said, NULL);
}

/* At a stop: every count not yet told, so that none is lost (a second
 * call, at la_teardown, has none left).
 */
static void la_quiet_stop(void)
{
	int i;

	for (i = 0; i < LA_Q_MAX; i++)
		la_quiet_end(&la_quiet_kinds[i], la_quiet_clock(),
			     la_quiet_said, NULL);
}

/* The relay's lines for the operator. */
static void la_relay_log(void *arg, int prio, const char *fmt, ...)
{
	va_list ap;

	(void)arg;
	va_start(ap, fmt);
	la_vmsg(prio, fmt, ap);
	va_end(ap);
}

static u64 la_mono(void *arg)
{
	(void)arg;
	return la_quiet_clock();
}

static u64 la_wall(void *arg)
{
	(void)arg;
	return (u64)time(NULL);
}

static void la_random(void *arg, void *buf, size_t len)
{
	u8 *p = buf;

	(void)arg;
	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			la_msg(LOG_CRIT, "getrandom: %s", strerror(errno));
			abort();
		}
		p += n;
		len -= n;
	}
}

static void la_server_log(void *arg, const char *msg)
{
	(void)arg;
	la_msg(LOG_INFO, "%s", msg);
}

static const struct la_server_ops la_daemon_ops = {
	.now = la_mono,
	.wall = la_wall,
	.random = la_random,
	.log = la_server_log,
};

/*
 * @spec (addr.h): HOST:PORT, [IPV6]:PORT or IPV4:PORT and, to listen
 * (@passive), :PORT (every address) and port 0 (any free one).
 */
static int la_resolve(const char *spec, const char *what, bool passive,
		      struct addrinfo **ai)
{
	char host[128], port[6], why[128];

	if (la_addr_parse(spec, passive ? LA_ADDR_ANY_PORT | LA_ADDR_ANY_HOST :
				  0, host, sizeof(host), port, why, sizeof(why)) ||
	    la_addr_resolve(host, port, passive, ai, why, sizeof(why))) {
		la_msg(LOG_ERR, "%s address '%s': %s", what, spec, why);
		return -1;
	}
	return 0;
}

/* Whether @a is one of the addresses before it in @ai (a name twice). */
static bool la_ai_repeated(const struct addrinfo *ai, const struct addrinfo *a)
{
	for (; ai != a; ai = ai->ai_next)
		if (ai->ai_addrlen == a->ai_addrlen &&
		    !memcmp(ai->ai_addr, a->ai_addr, a->ai_addrlen))
			return true;
	return false;
}

/* A receive buffer smaller than asked for: bursts may be lost. */
static void la_rcvbuf_check(int got, const char *what)
{
	if (got < LA_RCVBUF)
		la_msg(LOG_WARNING, "%s: a receive buffer of %d KiB, not %d KiB (that takes CAP_NET_ADMIN, or net.core.rmem_max raised): a burst may overflow it",
		       what, got < 0 ? 0 : got >> 10, LA_RCVBUF >> 10);
}

static int la_epoll_add(struct la_daemon *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * A socket on each address @spec resolves to: one for "addr:port", one
 * for each of IPv4 and IPv6 for ":port" (AI_PASSIVE gives both wildcards;
 * the IPv6 one takes IPv6 only, so that both can be bound), one for each
 * address of a name. Each is told once bound, with its real port.
 */
static int la_listen_on(struct la_daemon *d, const char *spec)
{
	struct addrinfo *ai, *a;
	int fd, one = 1;

	struct sockaddr_storage ss;
	socklen_t sslen;
	char name[LA_ADDR_STRLEN];

	if (la_resolve(spec, "listen", true, &ai))
		return -1;
	for (a = ai; a; a = a->ai_next) {
		if (la_ai_repeated(ai, a))
			continue;
		la_addr_format(a->ai_addr, name, sizeof(name));
		if (d->nsocks == ARRAY_SIZE(d->socks)) {
			la_msg(LOG_ERR, "cannot listen on %s: too many sockets",
			       spec);
			freeaddrinfo(ai);
			return -1;
		}
		fd = socket(a->ai_family,
			    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0 && a->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				   sizeof(one));
		if (fd >= 0)
			la_rcvbuf_check(la_sock_rcvbuf(fd), spec);
		if (fd < 0 || bind(fd, a->ai_addr, a->ai_addrlen) ||
		    la_epoll_add(d, fd)) {
			la_msg(LOG_ERR, "cannot listen on %s (%s): %s", spec,
			       name, strerror(errno));
			if (fd >= 0)
				close(fd);
			freeaddrinfo(ai);
			return -1;
		}
		d->socks[d->nsocks++] = fd;
		sslen = sizeof(ss);
		if (!getsockname(fd, (struct sockaddr *)&ss, &sslen))
			la_addr_format((struct sockaddr *)&ss, name,
				       sizeof(name));
		la_msg(LOG_NOTICE, "listening on %s", name);
	}
	freeaddrinfo(ai);
	return 0;
}


/*
 * Reads the datagrams waiting on @fd, LA_RX_BATCH at most (the rest wait
 * for the next wakeup), and answers what needs answering.
 */
static void la_on_datagram(struct la_daemon *d, int fd)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN + 1], reply[LITEAUTH_MSG_MAX_LEN];
	struct sockaddr_storage from;
	socklen_t fromlen;
	ssize_t n;
	size_t r;
	int i;

	for (i = 0; i < LA_RX_BATCH; i++) {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return;
		/* Longer than any message: refused by its size. */
		r = la_server_handle(&d->srv, buf,
				     (size_t)n > sizeof(buf) ? sizeof(buf) :
							       (size_t)n,
				     reply);
		if (r && sendto(fd, reply, r, 0, (struct sockaddr *)&from,
				fromlen) < 0)
			la_quiet_msg(LA_Q_SEND, LOG_WARNING,
				     "sending an answer: %s", strerror(errno));
	}
}

/* A GW_HELLO or GW_CONFIRM the local gateway module relayed. */
static size_t la_from_module(void *arg, const void *msg, size_t len,
			     u8 *reply)
{
	struct la_daemon *d = arg;

	if (d->relaying) {
		la_relay_from_module(&d->relay, msg, len);
		return 0;
	}
	return la_server_handle(&d->srv, msg, len, reply);
}

static int la_relay_up(void *arg, unsigned int upstream, const void *msg,
		       size_t len)
{
	struct la_daemon *d = arg;

	return send(d->upfd[upstream], msg, len, 0) < 0 ? -errno : 0;
}

static int la_relay_down(void *arg, const void *msg, size_t len)
{
	struct la_daemon *d = arg;

	return la_nl_send(d->nl, msg, len);
}

static const struct la_relay_ops la_daemon_relay_ops = {
	.now = la_mono,
	.send_up = la_relay_up,
	.send_down = la_relay_down,
	.log = la_relay_log,
};

/* What upstream server @i answered. */
static void la_on_upstream(struct la_daemon *d, int i)
{
	u8 buf[LITEAUTH_MSG_MAX_LEN + 1];
	ssize_t n;
	int k;

	for (k = 0; k < LA_RX_BATCH; k++) {
		n = recv(d->upfd[i], buf, sizeof(buf), MSG_TRUNC);
		if (n < 0)
			break;
		la_relay_from_upstream(&d->relay, i, buf,
				       (size_t)n > sizeof(buf) ? sizeof(buf) :
								 (size_t)n);
	}
}

/* Sockets to the upstream servers of the relay role, connected. */
static int la_upstreams(struct la_daemon *d)
{
	struct addrinfo *ai;
	int i;

	for (i = 0; i < d->conf.nupstream; i++) {
		if (la_resolve(d->conf.upstream[i], "upstream", false, &ai))
			return -1;
		d->upfd[i] = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0);
		if (d->upfd[i] < 0 ||
		    connect(d->upfd[i], ai->ai_addr, ai->ai_addrlen) ||
		    la_epoll_add(d, d->upfd[i])) {
			la_msg(LOG_ERR, "upstream %s: %s", d->conf.upstream[i],
			       strerror(errno));
			freeaddrinfo(ai);
			return -1;
		}
		freeaddrinfo(ai);
	}
	la_relay_init(&d->relay, d->conf.nupstream, &la_daemon_relay_ops, d);
	d->relaying = true;
	return 0;
}

static void la_on_signal(struct la_daemon *d)
{
	struct signalfd_siginfo si;
	struct la_conf c;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			la_msg(LOG_NOTICE, "signal %u: stopping", si.ssi_signo);
			d->stop = true;
			continue;
		}
		/* Reload: limits apply now; addresses and the database need
		 * a restart, and keep their values meanwhile.
		 */
		la_conf_defaults(&c);
		if (la_conf_load(&c, d->conf_path, d->conf_explicit, la_msg)) {
			la_msg(LOG_ERR, "reload: %s has errors; nothing changed",
			       d->conf_path);
			continue;
		}
		d->conf.limits = c.limits;
		la_metrics_set_interval(&d->metrics, c.metrics_interval);
		if (d->relaying) {
			la_msg(LOG_NOTICE, "reloaded %s", d->conf_path);
			continue;
		}
		d->srv.limits = c.limits;
		/* Devices re-provisioned meanwhile: their new key and CTR. */
		la_server_resync(&d->srv);
		la_msg(LOG_NOTICE, "reloaded %s", d->conf_path);
	}
}

/*
 * The options (tools/lib/opt.h), from which the usage line, --help and
 * the bash completion are made. Those of a value set the config key of
 * their name (la_conf_set), over the file's.
 */
static const struct la_opt la_opts[] = {
	LA_OPT("db", 'd', "DIR", "the key store"),
	{ .name = "listen", .val = 'l', .metavar = "ADDR", .repeat = true,
	  .help = "listen on this UDP address; may be repeated" },
	LA_OPT("config", 'c', "F", "read settings from F (default " LA_CONF_DEFAULT ")"),
	LA_OPT("role", 'r', "server|relay", "the role (default server)"),
	{ .name = "upstream", .val = 'u', .metavar = "ADDR", .repeat = true,
	  .help = "a server for the relay role; may be repeated" },
	LA_OPT("no-netlink", 'n', NULL, "serve no local gateway module"),
	LA_OPT("passphrase-file", 'p', "F", "the key store's passphrase"),
	LA_OPT("metrics-file", 'm', "F", "the metrics file (metrics-file in liteauthd.conf)"),
	LA_OPT("user", 'U', "NAME", "run as NAME once set up"),
	LA_OPT("foreground", 'f', NULL, "log to standard error instead of syslog"),
	{ .name = "verbose", .val = 'v', .letter = 'v', .repeat = true,
	  .help = "log one level more; may be repeated" },
	{}
};

static struct la_optp la_optp = {
	.prog = "liteauthd",
	.opts = la_opts,
	.dash_h = true,
	.epilog = "ADDR: HOST:PORT, [IPV6]:PORT, IPV4:PORT or :PORT (every address);\n"
		  "port 0 to listen on any free one. See liteauthd(8) and liteauthd.conf(5).\n",
};

/*
 * The control socket (store.h, "One process"): DIR/control, where a
 * liteauth that finds the store held sends its calls. Only root and this
 * daemon's user enter DIR; the peer's uid is checked as well.
 */
static int la_ctl_listen(struct la_daemon *d)
{
	char err[256];

	d->ctl_req = malloc(LA_CTL_MSG_MAX);
	d->ctl_ans = malloc(LA_CTL_MSG_MAX);
	if (!d->ctl_req || !d->ctl_ans) {
		la_msg(LOG_ERR, "control socket: out of memory");
		return -1;
	}
	if (la_store_listen(d->conf.db, &d->ctlfd, err, sizeof(err)) ||
	    la_epoll_add(d, d->ctlfd)) {
		la_msg(LOG_ERR, "%s", err);
		return -1;
	}
	return 0;
}

/* Which client @fd is, or -1. */
static int la_ctl_client(const struct la_daemon *d, int fd)
{
	int i;

	for (i = 0; i < d->nclients; i++)
		if (d->clients[i] == fd)
			return i;
	return -1;
}

static void la_ctl_drop(struct la_daemon *d, int i)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->clients[i], NULL);
	close(d->clients[i]);
	d->nclients--;
	d->clients[i] = d->clients[d->nclients];
	d->client_seen[i] = d->client_seen[d->nclients];
}

/* A liteauth is given LA_CTL_IDLE_S between two requests, at most. */
#define LA_CTL_IDLE_S	60

static void la_ctl_idle(struct la_daemon *d, u64 now)
{
	int i;

	for (i = d->nclients - 1; i >= 0; i--)
		if (now - d->client_seen[i] > LA_CTL_IDLE_S * 1000000000ULL) {
			la_quiet_msg(LA_Q_CTL_IDLE, LOG_NOTICE,
				     "control socket: a silent liteauth (for %d s): dropped",
				     LA_CTL_IDLE_S);
			la_ctl_drop(d, i);
		}
}

static void la_ctl_accept(struct la_daemon *d)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd;

	fd = accept4(d->ctlfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		la_quiet_msg(LA_Q_CTL_UID, LOG_WARNING,
			     "control socket: refused a process of uid %u",
			     (unsigned int)cred.uid);
		close(fd);
		return;
	}
	if (d->nclients == LA_CTL_CLIENTS) {	/* the longest silent goes */
		int i, old = 0;

		for (i = 1; i < d->nclients; i++)
			if (d->client_seen[i] < d->client_seen[old])
				old = i;
		la_quiet_msg(LA_Q_CTL_FULL, LOG_WARNING,
			     "control socket: too many liteauth processes (%d served already): the one silent longest dropped for pid %d",
			     d->nclients, (int)cred.pid);
		la_ctl_drop(d, old);
	}
	if (la_epoll_add(d, fd)) {
		la_quiet_msg(LA_Q_CTL_WATCH, LOG_WARNING,
			     "control socket: cannot watch a liteauth: %s",
			     strerror(errno));
		close(fd);
		return;
	}
	d->client_seen[d->nclients] = la_mono(NULL);
	d->clients[d->nclients++] = fd;
}

static void la_status_put(void *arg, const char *name, u64 value)
{
	la_status_num(arg, name, value);
}

static void la_status_put_str(void *arg, const char *name, const char *value)
{
	la_status_str(arg, name, value);
}

static const char *la_status_err(int err)
{
	return err ? strerror(-err) : "ok";
}

/*
 * liteauth status (liteauth(8) lists the pairs, in this order): this
 * daemon, then its server's state and counters (la_server_status), then
 * the store's health, as la_store_health keeps it. All of it in memory:
 * no store read, nothing that waits. The same pairs, to @num and @str,
 * make the control socket's answer and the metrics file; in the relay
 * role (no server, no store: the metrics file alone) the daemon's only.
 */
static void la_status_pairs(struct la_daemon *d,
			    void (*num)(void *arg, const char *name, u64 v),
			    void (*str)(void *arg, const char *name,
					const char *v),
			    void *w)
{
	struct la_store_health h;
	char check[64];

	num(w, "pid", getpid());
	str(w, "version", LITEAUTH_RELEASE);
	str(w, "role", d->conf.role);
	num(w, "uptime-s", (la_mono(NULL) - d->started) / 1000000000ULL);
	str(w, "store", d->conf.db);
	num(w, "listen-sockets", d->nsocks);
	num(w, "netlink", d->nl != NULL);
	num(w, "control-clients", d->nclients);
	if (d->relaying || !d->store)
		return;
	la_server_status(&d->srv, num, w);
	la_store_health(d->store, &h);
	num(w, "store-failed", h.failed);
	num(w, "checkpoint-thread", h.ckp_thread);
	num(w, "checkpoints", h.ckp_done);
	num(w, "checkpoints-failed", h.ckp_failed);
	str(w, "checkpoint-error",
	    h.ckp_failed ? la_status_err(h.ckp_err) : "-");
	if (!h.check_time)
		snprintf(check, sizeof(check), "-");
	else if (h.check_result > 0)
		snprintf(check, sizeof(check), "%d damaged", h.check_result);
	else if (!h.check_result)
		snprintf(check, sizeof(check), "whole");
	else
		snprintf(check, sizeof(check), "%s", strerror(-h.check_result));
	num(w, "last-check", h.check_time);
	str(w, "last-check-result", check);
	num(w, "last-backup", h.backup_time);
	str(w, "last-backup-result", h.backup_time ?
	    la_status_err(h.backup_result) : "-");
}

static size_t la_status_answer(struct la_daemon *d, size_t len)
{
	struct la_status w;

	la_status_begin(&w, d->ctl_req, len, d->ctl_ans);
	la_status_pairs(d, la_status_put, la_status_put_str, &w);
	return la_status_end(&w);
}

/*
 * The metrics file (metrics.c), made of liteauth status's pairs, in the
 * relay role the relay's counters, and with netlink the module's.
 */
static void la_metrics_now(struct la_daemon *d)
{
	struct la_metrics *m = &d->metrics;
	int i;

	if (!m->path[0])
		return;
	la_metrics_begin(m);
	la_status_pairs(d, la_metrics_num, la_metrics_str, m);
	for (i = 0; d->relaying && i < LA_RELAY_MAX; i++)
		la_metrics_counter(m, "relay", la_relay_counter_name(i),
				   d->relay.counters[i]);
	if (d->nl)
		la_metrics_gateway(m, d->nl);
	la_metrics_commit(m);
}

/*
 * One request of client @i, carried out and answered. A client that
 * does not take its answer at once (it has read every earlier one before
 * asking: a full socket is one not reading) is dropped.
 */
static void la_on_client(struct la_daemon *d, int i)
{
	struct la_store_change chg;
	size_t alen;
	ssize_t n;

	n = recv(d->clients[i], d->ctl_req, LA_CTL_MSG_MAX,
		 MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || n > LA_CTL_MSG_MAX) {
		if (n > LA_CTL_MSG_MAX)
			la_quiet_msg(LA_Q_CTL_LONG, LOG_WARNING,
				     "control socket: a request too long (%zd bytes): dropped",
				     n);
		la_ctl_drop(d, i);
		return;
	}
	d->client_seen[i] = la_mono(NULL);
	if (la_ctl_is_status(d->ctl_req, n)) {	/* ours, not the store's */
		alen = la_status_answer(d, n);
		chg.id_set = false;
	} else {
		la_store_serve(d->store, d->ctl_req, n, d->ctl_ans, &alen,
			       &chg);
	}
	memzero_explicit(d->ctl_req, n);	/* keys */
	if (send(d->clients[i], d->ctl_ans, alen,
		 MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)alen)
		la_ctl_drop(d, i);
	memzero_explicit(d->ctl_ans, alen);
	if (chg.id_set)
		la_server_changed(&d->srv, chg.kind, chg.id);
}

/*
 * The store, once no other process holds it: a liteauth that opened it
 * while no liteauthd ran is waited for, LA_STORE_WAIT_S at most (then
 * exit non-zero: systemd starts it again).
 */
#define LA_STORE_WAIT_S	60
static int la_open_store(struct la_daemon *d)
{
	struct signalfd_siginfo si;
	char err[512];
	int ret, waited = 0;

	for (;;) {
		ret = la_store_open(&d->store, d->conf.db, d->conf.passfile,
				    LA_STORE_OWNER, err, sizeof(err));
		if (ret != -EBUSY)
			break;
		if (waited == LA_STORE_WAIT_S * 10) {
			la_msg(LOG_ERR, "%s: gave up after %d s", err,
			       LA_STORE_WAIT_S);
			return -1;
		}
		if (waited % 100 == 0)	/* every 10 s */
			la_msg(LOG_NOTICE, "%s: waiting for it", err);
		if (read(d->sigfd, &si, sizeof(si)) == sizeof(si) &&
		    si.ssi_signo != SIGHUP) {
			la_msg(LOG_NOTICE, "signal %u: stopping", si.ssi_signo);
			return -1;
		}
		usleep(100000);
		waited++;
	}
	if (ret)
		la_msg(LOG_ERR, "%s", err);
	return ret ? -1 : 0;
}


static void la_store_bad(void *arg, const char *file, const char *why)
{
	struct la_daemon *d = arg;

	la_msg(LOG_ERR, "the key store's table %s/%s is damaged: %s",
	       d->conf.db, file, why);
}

/*
 * Every table read page by page before any is trusted: a damaged one is
 * an error at start, naming it, never a loop on its first lookup.
 */
static int la_check_store(struct la_daemon *d)
{
	u64 t0 = la_mono(NULL);
	int ret;

	ret = la_store_verify(d->store, la_store_bad, d);
	if (ret < 0)
		la_msg(LOG_ERR, "cannot check the key store %s: %s", d->conf.db,
		       strerror(-ret));
	else if (ret)
		la_msg(LOG_ERR, "%d table%s of the key store %s damaged: restore it from a backup (liteauth(8), BACKUP AND RESTORE)",
		       ret, ret > 1 ? "s" : "", d->conf.db);
	else
		la_msg(LOG_INFO, "checked the key store %s in %llu ms",
		       d->conf.db,
		       (unsigned long long)((la_mono(NULL) - t0) / 1000000));
	return ret ? -1 : 0;
}

/* The link to liteauth.ko, in the epoll set. */
static int la_open_netlink(struct la_daemon *d)
{
	char err[256];

	if (la_nl_open(&d->nl, la_from_module, d, err, sizeof(err))) {
		la_msg(LOG_ERR, "%s", err);
		return -1;
	}
	la_rcvbuf_check(la_nl_rcvbuf(d->nl), "netlink");
	la_nl_set_log(d->nl, la_relay_log, d);	/* the module reloaded */
	return la_epoll_add(d, la_nl_fd(d->nl));
}

/* The relay role: the module's messages to upstream servers and back. */
static int la_setup_relay(struct la_daemon *d)
{
	if (d->conf.no_netlink || !d->conf.nupstream || d->conf.nlisten) {
		la_msg(LOG_ERR, "the relay role carries liteauth.ko's messages to --upstream servers: it needs netlink, at least one --upstream and no --listen");
		return -1;
	}
	if (la_upstreams(d))
		return -1;
	return la_open_netlink(d);
}

static int la_setup_events(struct la_daemon *d)
{
	struct itimerspec tick = { { 1, 0 }, { 1, 0 } };
	sigset_t mask;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC,
				    TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->epfd < 0 || d->sigfd < 0 || d->timerfd < 0 ||
	    timerfd_settime(d->timerfd, 0, &tick, NULL) ||
	    la_epoll_add(d, d->sigfd) || la_epoll_add(d, d->timerfd)) {
		la_msg(LOG_ERR, "event loop: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int la_setup(struct la_daemon *d)
{
	int i, ret;

	if (la_setup_events(d))
		return -1;
	if (!strcmp(d->conf.role, "relay"))
		return la_setup_relay(d);
	if (d->conf.nupstream) {
		la_msg(LOG_ERR, "--upstream is for the relay role (--role relay)");
		return -1;
	}
	if (!d->conf.nlisten && d->conf.no_netlink) {
		la_msg(LOG_ERR, "nowhere to listen: give --listen ADDR:PORT (the protocol's port is %d)",
		       LITEAUTH_UDP_PORT);
		return -1;
	}
	if (la_crypto_init()) {
		la_msg(LOG_ERR, "no AES-128 CMAC/CCM in this OpenSSL");
		return -1;
	}
	if (la_open_store(d) || la_check_store(d) || la_ctl_listen(d))
		return -1;
	/* Reads the SIDs the key store holds: without them, none starts. */
	ret = la_server_init(&d->srv, d->store, &d->conf.limits,
			     &la_daemon_ops, d);
	if (ret) {
		la_msg(LOG_ERR, "cannot read the sessions of database %s: %s%s",
		       d->conf.db, strerror(-ret),
		       la_store_locked(ret) ?
		       " (another process holds it locked: try again)" : "");
		return -1;
	}
	for (i = 0; i < d->conf.nlisten; i++)
		if (la_listen_on(d, d->conf.listen[i]))
			return -1;
	if (!d->conf.no_netlink)
		return la_open_netlink(d);
	return 0;
}

/*
 * Checkpoints run on the store's own thread, not in the loop: started once
 * the privileges are dropped, so that the thread has none of them either.
 */
static bool la_ckp_in_loop;	/* no thread: in the loop, as before */

static int la_ckp_start(struct la_daemon *d)
{
	int ret;

	if (d->relaying || !d->store)
		return 0;
	ret = la_store_checkpoint_thread(d->store, LA_CHECKPOINT_MS);
	if (ret) {
		la_msg(LOG_WARNING, "cannot start the key store's checkpoint thread: %s: checkpoints run in the loop instead",
		       strerror(-ret));
		la_ckp_in_loop = true;
	}
	return 0;
}

/*
 * Every second: a failed checkpoint is told once, with the number failed
 * so far; with no thread, a checkpoint in the loop every minute.
 */
static void la_ckp_check(struct la_daemon *d)
{
	static unsigned int ticks;
	u64 done, failed;
	int err;

	if (d->relaying || !d->store)
		return;
	if (la_ckp_in_loop) {
		if (++ticks % (LA_CHECKPOINT_MS / 1000) == 0 &&
		    la_store_checkpoint(d->store))
			la_msg(LOG_WARNING, "key store checkpoint failed");
		return;
	}
	la_store_checkpoint_stats(d->store, &done, &failed, &err);
	if (failed == d->ckp_failed)
		return;
	d->ckp_failed = failed;
	la_msg(LOG_WARNING, "key store checkpoint failed: %s (%llu failed, %llu taken)",
	       strerror(-err), (unsigned long long)failed,
	       (unsigned long long)done);
}

/*
 * Runs as --user from now on (everything that needs root is open), with
 * CAP_NET_ADMIN alone: generic netlink's admin commands, to register again
 * with a module loaded again. The store's directory must be the user's:
 * the store makes its files as their directory's owner.
 */
static int la_drop_privileges(struct la_daemon *d)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct c[2] = {};
	const char *user = d->conf.user;
	struct passwd *pw;
	struct stat sb;
	int cap;

	if (!*user)
		return 0;
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		la_msg(LOG_ERR, "--user %s: %s", user,
		       errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (!d->relaying &&
	    (stat(d->conf.db, &sb) || sb.st_uid != pw->pw_uid)) {
		la_msg(LOG_ERR, "database %s is not owned by user %s: chown -R %s: %s",
		       d->conf.db, user, user, d->conf.db);
		return -1;
	}
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
		return 0;	/* started as it */
	c[0].effective = c[0].permitted = 1U << CAP_NET_ADMIN;
	/* Nor may it ever gain another (the kernel's own last: EINVAL). */
	for (cap = 0; cap < 64; cap++)
		if (cap != CAP_NET_ADMIN && prctl(PR_CAPBSET_DROP, cap) &&
		    errno != EINVAL) {
			la_msg(LOG_ERR, "--user %s: cannot drop capability %d: %s",
			       user, cap, strerror(errno));
			return -1;
		}
	if (setgroups(0, NULL) ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) ||
	    prctl(PR_SET_KEEPCAPS, 1) ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) ||
	    syscall(SYS_capset, &h, c) || prctl(PR_SET_KEEPCAPS, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		la_msg(LOG_ERR, "--user %s: cannot become it: %s", user,
		       strerror(errno));
		return -1;
	}
	/* A change of uid resets it; keys are in memory. */
	prctl(PR_SET_DUMPABLE, 0);
	la_msg(LOG_NOTICE, "running as user %s (uid %u), with CAP_NET_ADMIN alone",
	       user, (unsigned int)pw->pw_uid);
	return 0;
}

static void la_teardown(struct la_daemon *d)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int i;

	la_quiet_stop();
	/* No liteauth may connect to a daemon going away: the next one's. */
	if (d->ctlfd > 0) {
		close(d->ctlfd);
		d->ctlfd = -1;
		if (snprintf(path, sizeof(path), "%s/control", d->conf.db) <
		    (int)sizeof(path))
			unlink(path);
	}
	while (d->nclients)
		la_ctl_drop(d, 0);

	for (i = 0; i < d->nsocks; i++)
		close(d->socks[i]);
	for (i = 0; d->relaying && i < d->conf.nupstream; i++)
		close(d->upfd[i]);
	la_nl_close(d->nl);
	if (d->srv.sessions)	/* writes what is left to write */
		la_server_destroy(&d->srv);
	la_store_close(d->store);	/* and the lock with it */
	free(d->ctl_req);
	free(d->ctl_ans);
	la_metrics_free(&d->metrics);
	la_crypto_exit();
}

int main(int argc, char **argv)
{
	struct la_daemon d = { .conf_path = LA_CONF_DEFAULT, .ctlfd = -1 };
	struct epoll_event ev[16];
	int o, i, n, nlisten = 0, nupstream = 0, verbose = 0;
	bool foreground = false;
	char err[256];

	la_no_core();	/* it holds keys */
	d.started = la_mono(NULL);

	/* Options override the config file: find the file first, then read
	 * it, then apply the options over it.
	 */
	while ((o = la_opt_next(&la_optp, argc, argv)) != -1) {
		switch (o) {
		case 'f':
			foreground = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'c':
			d.conf_path = la_optp.arg;
			d.conf_explicit = true;
			break;
		}
	}
	la_log_open(foreground);
	la_conf_defaults(&d.conf);
	if (la_conf_load(&d.conf, d.conf_path, d.conf_explicit, la_msg))
		return 1;
	la_log_level = d.conf.log_level + verbose;
	if (la_log_level > LOG_DEBUG)
		la_log_level = LOG_DEBUG;
	la_optp.ind = 0;	/* again, over the file's settings */
	while ((o = la_opt_next(&la_optp, argc, argv)) != -1) {
		const char *key = NULL;

		switch (o) {
		case 'd':
			key = "db";
			break;
		case 'l':
			if (!nlisten++)
				d.conf.nlisten = 0;	/* replace the file's */
			key = "listen";
			break;
		case 'r':
			key = "role";
			break;
		case 'u':
			if (!nupstream++)
				d.conf.nupstream = 0;	/* replace the file's */
			key = "upstream";
			break;
		case 'n':
			d.conf.no_netlink = true;
			break;
		case 'p':
			key = "passphrase-file";
			break;
		case 'f':
			d.conf.foreground = true;
			break;
		case 'U':
			key = "user";
			break;
		case 'm':
			key = "metrics-file";
			break;
		}
		if (key && la_conf_set(&d.conf, key, la_optp.arg, err,
				       sizeof(err))) {
			la_msg(LOG_ERR, "--%s: %s", key, err);
			return 2;
		}
	}
	/* After the file: a stray argument leaves its errors told. */
	if (la_optp.ind < argc)
		la_opt_fail(&la_optp, "unexpected argument '%s'",
			    argv[la_optp.ind]);
	if (la_setup(&d) || la_drop_privileges(&d) || la_ckp_start(&d)) {
		la_teardown(&d);
		return 1;
	}
	if (d.relaying)
		la_msg(LOG_NOTICE, "relaying liteauth.ko to %d upstream server(s)",
		       d.conf.nupstream);
	else
		la_msg(LOG_NOTICE, "serving database %s on %d address(es)%s",
		       d.conf.db, d.nsocks, d.nl ? " and liteauth.ko" : "");
	la_metrics_init(&d.metrics, d.conf.metrics_file,
			d.conf.metrics_interval, la_msg);
	la_metrics_now(&d);	/* at once, then every metrics-interval */

	while (!d.stop) {
		n = epoll_wait(d.epfd, ev, ARRAY_SIZE(ev), -1);
		if (n < 0 && errno != EINTR) {
			la_msg(LOG_ERR, "epoll_wait: %s", strerror(errno));
			break;
		}
		/* What this wakeup's handshakes record goes to the store
		 * in one transaction, after all of them.
		 */
		la_server_begin(&d.srv);
		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			u64 ticks;

			if (fd == d.sigfd) {
				la_on_signal(&d);
			} else if (fd == d.timerfd) {
				if (read(fd, &ticks, sizeof(ticks)) <= 0)
					continue;
				if (la_metrics_due(&d.metrics, ticks))
					la_metrics_now(&d);
				la_quiet_ticks(la_mono(NULL));
				if (d.nl)
					la_nl_tick(d.nl, la_mono(NULL));
				if (d.relaying) {
					la_relay_tick(&d.relay);
					continue;
				}
				la_server_expire(&d.srv);
				la_ctl_idle(&d, la_mono(NULL));
				la_ckp_check(&d);
			} else if (fd == d.ctlfd) {
				la_ctl_accept(&d);
			} else if (la_ctl_client(&d, fd) >= 0) {
				la_on_client(&d, la_ctl_client(&d, fd));
			} else if (d.nl && fd == la_nl_fd(d.nl)) {
				int ret = la_nl_receive(d.nl);

				if (ret < 0)
					la_quiet_msg(LA_Q_NL_RECV, LOG_WARNING,
						     "netlink: receive failed: %s",
						     la_nl_strerror(ret));
			} else if (d.relaying) {
				int u;

				for (u = 0; u < d.conf.nupstream; u++)
					if (fd == d.upfd[u])
						la_on_upstream(&d, u);
			} else {
				la_on_datagram(&d, fd);
			}
		}
		la_server_commit(&d.srv);
		/*
		 * Berkeley DB found the environment broken: nothing more is
		 * written, and recovery, at the next start, mends it. Exit
		 * non-zero, for systemd (Restart=on-failure) to restart it.
		 */
		if (d.store && la_store_failed(d.store)) {
			la_msg(LOG_CRIT, "the key store %s failed (Berkeley DB panicked): exiting, for a restart to recover it",
			       d.conf.db);
			la_teardown(&d);
			return 1;
		}
	}
	/* The last summaries of refusals are written before the counters
	 * are told, so that they count what writing them cost; the counts
	 * of lines left out are told first too.
	 */
	la_quiet_stop();
	if (!d.relaying && d.srv.sessions)
		la_server_flush(&d.srv);
	for (i = 0; !d.relaying && i < LA_SRV_MAX; i++)
		if (d.srv.counters[i])
			la_msg(LOG_INFO, "%s: %llu", la_server_counter_name(i),
			       (unsigned long long)d.srv.counters[i]);
	for (i = 0; d.relaying && i < LA_RELAY_MAX; i++)
		if (d.relay.counters[i])
			la_msg(LOG_INFO, "%s: %llu", la_relay_counter_name(i),
			       (unsigned long long)d.relay.counters[i]);
	/* The final counters, and the state it stops with: teardown frees
	 * the server (its sessions are in the store, for the next start).
	 */
	la_metrics_now(&d);
	la_teardown(&d);
	la_msg(LOG_NOTICE, "stopped");
	return 0;
}
