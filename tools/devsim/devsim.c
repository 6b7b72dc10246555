// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth-devsim: many simulated devices, each one the device library's
 * state machine (tools/device/la_device.c), talking to a server over UDP
 * (the direct case) or to a gateway over an IEEE 802.15.4 interface (the
 * gateway case): one radio stands in for all of them, writing raw data
 * frames from a short address per device and reading every frame. On the
 * radio it needs a monitor interface (iwpan phy PHY interface add mon0
 * type monitor), the only kind that passes frames addressed to others up
 * from a chip that filters addresses in hardware; that phy must have no
 * node interface up, as mac802154 will not run both at once.
 *
 *   liteauth-devsim keys --master F --count N [--first ID]
 *       prints "ID KEY" for each device, for provisioning:
 *       ... | while read id key; do
 *               echo $key | liteauth device add $id --key-stdin; done
 *   liteauth-devsim udp --server HOST:PORT --master F --count N [options]
 *   liteauth-devsim radio --interface IF --pan PAN --gateway SHORT
 *       --master F --count N [options]
 *   liteauth-devsim --help | --version
 *   options: [--first ID] [--concurrency C] [--loss PERCENT]
 *       [--wrong-key K] [--replay] [--timeout SECONDS] [--state FILE]
 *       [--progress] [--verbose]
 *
 * Device i has the ID first + i and the key CMAC(master, ID), so the two
 * commands agree without any file per device; --first is read by the
 * liteauth tool's own ID parser (tools/liteauth/parse.c), and IDs that
 * would run past ffffffffffffffff are refused. The first K devices of
 * --wrong-key use another key and must fail. --loss drops that share of
 * the datagrams each way. A device is authenticated when its ACK
 * verifies. --server is HOST:PORT, [IPV6]:PORT or IPV4:PORT, read by one
 * function (server_parse), and resolved with getaddrinfo.
 *
 * Each device's handshake counter (CTR) must grow from run to run, as the
 * server refuses a HELLO whose CTR is not above the last it accepted. A
 * device starts from the Unix time in seconds, which is enough while it
 * averages under one handshake a second since the simulator first ran.
 * With --state FILE, FILE keeps every device's last CTR, and a device
 * starts from it when it is above the time: FILE is read at the start (a
 * missing FILE is created; a damaged one is an error), written with each
 * device's CTR reserved 64 ahead before any HELLO goes out (as
 * protocol.rst allows) and again whenever a device passes its reserve,
 * and with the CTRs actually used at the end, SIGINT and SIGTERM
 * included; each write goes to a temporary file, flushed to disk and
 * renamed over FILE.
 *
 * --replay plays an attacker who resends the HELLO of each authenticated
 * device's handshake: it must get no new session key, so the answer is
 * nothing (the HELLO is stale) or the KEY the device already got (a
 * repeat: protocol.rst, "The server"), never a fresh KEY, one carrying
 * another session key. Answers are told apart by opening them as the
 * device would.
 *
 * The closing line counts devices authenticated and failed, HELLO
 * resends, bytes each way, handshakes per second, CONFIRMs resent and
 * handshakes given up waiting for ACK (and the replays' answers, the
 * CONFIRMs that --loss dropped, which were resent, and corrupt frames
 * heard on the radio). The rate is over the time from the start until
 * the last device authenticated, so devices that must fail (--wrong-key)
 * or time out do not dilute it; when some device did not authenticate,
 * the line says over how long of the run. SIGINT or SIGTERM ends the run
 * with the same line, the devices still unfinished counted as such, and
 * exit status 128 + the signal. A progress line goes to a terminal on
 * stderr (or, with --progress, a line a second to anything).
 *
 * Exit status: 0 when every device but the --wrong-key ones
 * authenticated; 1 when one did not, or on an error; 2 on a usage error;
 * 3 when the server broke the protocol (a replay got a fresh KEY, or a
 * device with a wrong key authenticated); 130 or 143 when interrupted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "crypto.h"
#include "la_device.h"
#include "opt.h"
#include "liteauth.h"		/* la_id_parse, la_parse_number (parse.c) */
#include "version.h"

struct sim;

struct simdev {
	struct la_device d;
	struct sim *sim;
	u16 short_addr;		/* on the radio */
	u32 started;
	u32 reserved;		/* --state: the CTR FILE holds for it now */
	bool done, ok, counted;
	bool replayed;		/* its HELLO replayed: answers are awaited */
	u8 replay_answer;	/* enum replay_answer: the worst heard */
	u8 sk[LA_KEY_LEN];	/* its session key, to tell replays' answers */
	struct la_hello hello;	/* its last HELLO, for the replay */
};

/* What a replayed HELLO got back, the worst first heard counting. */
enum replay_answer {
	REPLAY_UNANSWERED,
	REPLAY_REPEAT,		/* the KEY the device got: a repeat */
	REPLAY_FRESH,		/* another session key: the protocol broken */
};

/* --state: a device's last CTR, as FILE holds it. */
struct ctr_entry {
	u64 id;
	u32 ctr;
};

/* CTRs reserved in FILE ahead of use, so that it is written rarely. */
#define CTR_BLOCK 64u

struct sim {
	int fd;
	bool radio;
	const char *where;	/* --server or --interface, for messages */
	bool refused;		/* the server's port refused: said once */
	u16 pan, gateway;	/* radio: the PAN, the gateway's address */
	u8 seq;
	unsigned int loss;	/* percent */
	bool verbose;
	unsigned int wrong;	/* --wrong-key: the first devices' keys */
	unsigned int replays, replays_old, replays_fresh;
	unsigned int ok;		/* ACKs verified */
	unsigned int wrong_ok;		/* ... of devices with a wrong key */
	unsigned int failed;		/* not authenticated, given up */
	unsigned int next;		/* devices started */
	unsigned int active;		/* ... and not finished */
	unsigned int finished;
	double t0, last_ok;		/* s: the start, the last ACK verified */
	bool progress, tty;		/* --progress; stderr is a terminal */
	bool drawn;			/* a progress line is on the terminal */
	u32 progress_at;		/* ms: the next progress line */
	unsigned int confirms_lost;	/* dropped by --loss, then resent */
	unsigned int bad_fcs;		/* radio: frames heard corrupt */
	u64 sent, received, bytes_out, bytes_in;
	struct simdev *devs;
	unsigned int n;
	u64 first;			/* the first device's ID */
	const char *state;		/* --state FILE, or NULL */
	struct ctr_entry *others;	/* FILE's other devices, by ID */
	size_t nothers;
	bool state_failed;		/* a write failed: said once */
};

static u32 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u32)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The same clock in seconds, finer, for the rates. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* SIGINT or SIGTERM: the run ends as if it were over, and says so. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	if (!stop_signal)
		stop_signal = sig;
}

/*
 * Handshakes a second: the devices authenticated over the time from the
 * start until the last of them was, so that the time spent waiting out
 * those that fail (--wrong-key, or timed out) does not count.
 */
static double rate(const struct sim *s)
{
	double span = s->last_ok - s->t0;

	return s->ok && span > 0 ? s->ok / span : 0.0;
}

/* Takes the progress line off the terminal, before another line. */
static void progress_clear(struct sim *s)
{
	if (s->drawn)
		fputs("\r\033[K", stderr);
	s->drawn = false;
}

/*
 * The progress line, when due: on a terminal one line redrawn every half
 * second; otherwise, with --progress, a line a second, for logs.
 */
static void progress(struct sim *s, u32 now)
{
	if (!s->progress || (int32_t)(now - s->progress_at) < 0)
		return;
	s->progress_at = now + (s->tty ? 500 : 1000);
	fprintf(stderr, "%s%u/%u authenticated, %u failed, %u in flight, %.1f s, %.1f handshakes/s%s",
		s->tty ? "\r" : "liteauth-devsim: ", s->ok, s->n, s->failed,
		s->next - s->ok - s->failed, now_s() - s->t0, rate(s),
		s->tty ? "\033[K" : "\n");
	s->drawn = s->tty;
}

/* A connected socket's error, as a send or recv met it: said once. */
static void net_error(struct sim *s, int err)
{
	if (err != ECONNREFUSED || s->refused)
		return;
	s->refused = true;
	progress_clear(s);
	fprintf(stderr, "liteauth-devsim: %s refused the datagrams: %s (is a server listening there?)\n",
		s->where, strerror(err));
}

static bool lost(struct sim *s)
{
	u8 r;

	if (!s->loss)
		return false;
	if (getrandom(&r, 1, 0) != 1)
		return false;
	return r % 100 < s->loss;
}

/* Over the radio: a data frame, intra-PAN, short addresses, no ACK. */
static void radio_send(struct sim *s, u16 from, const u8 *msg, size_t len)
{
	u8 f[9 + LITEAUTH_MSG_MAX_LEN];
	u16 fcf = 0x0001 | 0x0040 | 2 << 10 | 2 << 14;

	f[0] = fcf & 0xff;
	f[1] = fcf >> 8;
	f[2] = s->seq++;
	f[3] = s->pan & 0xff;
	f[4] = s->pan >> 8;
	f[5] = s->gateway & 0xff;
	f[6] = s->gateway >> 8;
	f[7] = from & 0xff;
	f[8] = from >> 8;
	memcpy(f + 9, msg, len);
	if (send(s->fd, f, 9 + len, 0) < 0)
		net_error(s, errno);
}

static void sim_send(void *arg, const u8 *msg, size_t len)
{
	struct simdev *sd = arg;
	struct sim *s = sd->sim;

	s->bytes_out += len;
	s->sent++;
	if (msg[0] == LITEAUTH_MSG_HELLO)
		memcpy(&sd->hello, msg, sizeof(sd->hello));
	if (lost(s)) {
		if (msg[0] == LITEAUTH_MSG_CONFIRM)
			s->confirms_lost++;
		return;
	}
	if (s->radio)
		radio_send(s, sd->short_addr, msg, len);
	else if (send(s->fd, msg, len, 0) < 0)
		net_error(s, errno);
}

/* CRC-16/KERMIT, the 802.15.4 FCS: 0 over a frame and its FCS. */
static u16 fcs(const u8 *p, size_t n)
{
	u16 crc = 0;
	int b;

	while (n--) {
		crc ^= *p++;
		for (b = 0; b < 8; b++)
			crc = crc & 1 ? (crc >> 1) ^ 0x8408 : crc >> 1;
	}
	return crc;
}

/* The MAC payload of a frame heard on the monitor, or NULL. */
static const u8 *radio_payload(struct sim *s, const u8 *f, ssize_t n,
			       size_t *len)
{
	u16 fcf;
	ssize_t h = 3;
	int dst, src;

	if (n < 5 || fcs(f, n)) {
		s->bad_fcs += n >= 5;
		return NULL;
	}
	n -= 2;
	fcf = f[0] | f[1] << 8;
	dst = (fcf >> 10) & 3;
	src = (fcf >> 14) & 3;
	if (dst)
		h += 2 + (dst == 2 ? 2 : 8);
	if (src)
		h += (fcf & 0x40 ? 0 : 2) + (src == 2 ? 2 : 8);
	if (n <= h)
		return NULL;
	*len = n - h;
	return f + h;
}

static void sim_random(void *arg, u8 *buf, size_t len)
{
	(void)arg;
	if (getrandom(buf, len, 0) != (ssize_t)len)
		abort();
}

static void hex_id(char *out, const u8 *id)
{
	int i;

	for (i = 0; i < LA_ID_LEN; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
}

static void sim_established(void *arg, const struct la_grant *g)
{
	struct simdev *sd = arg;
	struct sim *s = sd->sim;

	sd->done = sd->ok = true;
	memcpy(sd->sk, g->sk, sizeof(sd->sk));
	s->ok++;
	s->wrong_ok += (size_t)(sd - s->devs) < s->wrong;
	s->last_ok = now_s();
	if (s->verbose) {
		char id[17];

		progress_clear(s);
		hex_id(id, sd->d.idd);
		printf("device %s authenticated: sid %u, life %u min, %u ms, %u resends, %u CONFIRMs resent, CTR %u\n",
		       id, g->sid, g->life, now_ms() - sd->started,
		       sd->d.retransmits, sd->d.confirm_retransmits,
		       sd->d.ctr);
	}
}

static int state_write(struct sim *s, bool reserved);

/* A CTR is used only once FILE holds it, or one above it. */
static int sim_save_ctr(void *arg, u32 ctr)
{
	struct simdev *sd = arg;

	if (!sd->sim->state || ctr <= sd->reserved)
		return 0;
	sd->reserved = ctr > UINT32_MAX - CTR_BLOCK ? UINT32_MAX :
		       ctr + CTR_BLOCK;
	return state_write(sd->sim, true);
}

static const struct la_device_ops sim_ops = {
	.send = sim_send,
	.random = sim_random,
	.save_ctr = sim_save_ctr,
	.established = sim_established,
};

/* The options (tools/lib/opt.h): the usage, --help and the completion. */
static const struct la_opt devsim_opts[] = {
	LA_OPT("master", 'm', "F", "the master key: device i's key is CMAC(master, its ID)"),
	LA_OPT("count", 'n', "N", "the number of devices"),
	LA_OPT("first", 'f', "ID", "the first device's ID (default 00124b0000100000)"),
	LA_OPT("server", 's', "HOST:PORT", "udp: the server"),
	LA_OPT("interface", 'i', "IF", "radio: the monitor interface"),
	LA_OPT("pan", 'p', "PAN", "radio: the gateway's PAN"),
	LA_OPT("gateway", 'g', "SHORT", "radio: the gateway's short address"),
	LA_OPT("concurrency", 'c', "C", "devices authenticating at once (default 64)"),
	LA_OPT("loss", 'l', "PERCENT", "drop that share of the datagrams each way"),
	LA_OPT("wrong-key", 'w', "K", "the first K devices use another key and must fail"),
	LA_OPT("replay", 'r', NULL, "resend each authenticated device's HELLO, as an attacker"),
	LA_OPT("timeout", 't', "SECONDS", "give up on a device this long after it started (default 60)"),
	LA_OPT("state", 'S', "FILE", "keep each device's last CTR in FILE"),
	LA_OPT("progress", 'P', NULL, "a progress line a second on stderr"),
	LA_OPT("verbose", 'v', NULL, "a line per device"),
	{}
};

/* The modes, their usage, and the options each takes. */
static const struct la_opt_cmd devsim_modes[] = {
	{ .name = "keys" }, { .name = "udp" }, { .name = "radio" },
};
static const char *const devsim_mode_usage[] = {
	"keys --master F --count N [--first ID]",
	"udp --server HOST:PORT --master F --count N [options]",
	"radio --interface IF --pan PAN --gateway SHORT\n"
	"           --master F --count N [options]",
};

static const struct la_opt_cmd *devsim_mode(size_t i)
{
	return i < ARRAY_SIZE(devsim_modes) ? &devsim_modes[i] : NULL;
}

static int devsim_mode_find(const char *word)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(devsim_modes); i++)
		if (!strcmp(word, devsim_modes[i].name))
			return i;
	return -1;
}

/* The usage of @mode, or of all (-1). */
static void devsim_usage_of(FILE *f, int mode)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(devsim_modes); i++)
		if (mode < 0 || (size_t)mode == i)
			fprintf(f, "%s liteauth-devsim %s\n",
				i && mode < 0 ? "      " : "usage:",
				devsim_mode_usage[i]);
	if (mode < 0)
		fputs("       liteauth-devsim --help | --version\n", f);
}

static void devsim_usage(FILE *f, const struct la_optp *p)
{
	(void)p;
	fputs("usage: liteauth-devsim keys|udp|radio --master F --count N [options] (liteauth-devsim --help for all)\n",
	      f);
}

/* --help: the usage of the mode named before it, or of all; the options. */
static void devsim_help(FILE *f, const struct la_optp *p)
{
	int i, mode = -1;

	for (i = p->pos; i < p->ind && mode < 0; i++)
		mode = devsim_mode_find(p->argv[i]);
	devsim_usage_of(f, mode);
	fputs("options:\n", f);
	la_opt_list(f, devsim_opts);
	la_opt_list(f, la_opt_builtin);
}

static struct la_optp devsim_optp = {
	.prog = "liteauth-devsim",
	.opts = devsim_opts,
	.dash_h = true,
	.usage = devsim_usage,
	.help = devsim_help,
	.cmd = devsim_mode,
};

/* A command line that is wrong: what is wrong, a usage line, status 2. */
#define usage_error(...)	la_opt_fail(&devsim_optp, __VA_ARGS__)

/* A whole number from @min to @max for option --@opt, or exit 2. */
static unsigned int number(const char *opt, const char *text,
			   unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 0);
	if (errno || end == text || *end || text[0] == '-' || v < min ||
	    v > max)
		usage_error("--%s wants a number from %lu to %lu, not '%s'",
			    opt, min, max, text);
	return (unsigned int)v;
}

/*
 * --server: HOST:PORT, [IPV6]:PORT or IPV4:PORT, the port from 1 to
 * 65535, into @host and @port; -1 and why if it is none of them. The one
 * place devsim reads an address, with liteauthd's parser (tools/lib/addr.c).
 */
static int server_parse(const char *spec, char *host, size_t hostlen,
			char *port, char *why)
{
	return la_addr_parse(spec, 0, host, hostlen, port, why, LA_WHY_LEN);
}

static int read_master(const char *file, u8 *master)
{
	char text[80] = "", why[LA_WHY_LEN];
	FILE *f = fopen(file, "re");

	if (!f || !fgets(text, sizeof(text), f)) {
		fprintf(stderr, "liteauth-devsim: cannot read master key %s\n",
			file);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	text[strcspn(text, " \r\n")] = '\0';
	if (la_key_parse(text, strlen(text), master, why)) {
		fprintf(stderr, "liteauth-devsim: %s must hold 32 hex digits (liteauth genkey makes one): %s\n",
			file, why);
		return -1;
	}
	return 0;
}

/* Device @i: its ID and key. */
static void device_id_key(const u8 *first, const u8 *master, u32 i, u8 *id,
			  u8 *key)
{
	u8 mac[LA_CMAC_LEN];
	u64 v = 0;
	int b;

	for (b = 0; b < LA_ID_LEN; b++)
		v = v << 8 | first[b];
	v += i;
	for (b = LA_ID_LEN - 1; b >= 0; b--, v >>= 8)
		id[b] = v & 0xff;
	la_crypto_cmac(LITEAUTH_SUITE_AES128, master, id, LA_ID_LEN, mac);
	memcpy(key, mac, LA_KEY_LEN);
	memzero_explicit(mac, sizeof(mac));
}

static u64 id_u64(const u8 *id)
{
	u64 v = 0;
	int b;

	for (b = 0; b < LA_ID_LEN; b++)
		v = v << 8 | id[b];
	return v;
}

static int ctr_entry_cmp(const void *a, const void *b)
{
	const struct ctr_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

#define STATE_HEADER "# liteauth-devsim state 1: device ID, last CTR used\n"

static int state_damaged(const char *path, unsigned int line, FILE *f)
{
	fprintf(stderr, "liteauth-devsim: state file %s is damaged at line %u (each line wants: ID CTR); fix it, or remove it to start every device from the Unix time\n",
		path, line);
	fclose(f);
	return -1;
}

/*
 * Reads --state FILE: each device's last CTR, sorted by ID. A missing FILE
 * is no error (every device is new to it); anything else that is not a
 * whole, well-formed file is.
 */
static int state_load(const char *path, struct ctr_entry **out, size_t *n)
{
	struct ctr_entry *e = NULL;
	size_t cap = 0, i;
	unsigned int line = 0;
	char text[128], why[LA_WHY_LEN];
	FILE *f;

	*out = NULL;
	*n = 0;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "liteauth-devsim: cannot read state file %s: %s\n",
			path, strerror(errno));
		return -1;
	}
	while (fgets(text, sizeof(text), f)) {
		unsigned long long ctr;
		u8 id[LA_ID_LEN];
		char *end, *nl;

		line++;
		nl = strchr(text, '\n');
		if (line == 1) {
			if (strcmp(text, STATE_HEADER))
				goto damaged;
			continue;
		}
		/* Every line whole: a cut one could hold a smaller CTR. */
		if (!nl || nl - text < 18 || text[16] != ' ')
			goto damaged;
		text[16] = *nl = '\0';
		if (la_id_parse(text, 16, id, why) || text[17] < '0' ||
		    text[17] > '9')
			goto damaged;
		errno = 0;
		ctr = strtoull(text + 17, &end, 10);
		if (errno || *end || ctr > UINT32_MAX)
			goto damaged;
		if (*n == cap) {
			struct ctr_entry *bigger;

			cap = cap ? 2 * cap : 1024;
			bigger = realloc(e, cap * sizeof(*e));
			if (!bigger) {
				free(e);
				fclose(f);
				fprintf(stderr, "liteauth-devsim: out of memory\n");
				return -1;
			}
			e = bigger;
		}
		e[*n].id = id_u64(id);
		e[(*n)++].ctr = (u32)ctr;
	}
	if (ferror(f) || !line) {
		free(e);
		return state_damaged(path, line + 1, f);
	}
	fclose(f);
	if (*n)
		qsort(e, *n, sizeof(*e), ctr_entry_cmp);
	for (i = 1; i < *n; i++) {
		if (e[i].id == e[i - 1].id) {
			fprintf(stderr, "liteauth-devsim: state file %s is damaged: device %016llx is in it twice\n",
				path, (unsigned long long)e[i].id);
			free(e);
			return -1;
		}
	}
	*out = e;
	return 0;
damaged:
	free(e);
	return state_damaged(path, line, f);
}

/* The CTR --state FILE holds for @id, or false if it has none. */
static bool state_lookup(const struct ctr_entry *e, size_t n, u64 id,
			 u32 *ctr)
{
	struct ctr_entry key = { .id = id };
	const struct ctr_entry *hit;

	hit = n ? bsearch(&key, e, n, sizeof(*e), ctr_entry_cmp) : NULL;
	if (hit)
		*ctr = hit->ctr;
	return hit;
}

static void state_line(FILE *f, u64 id, u32 ctr)
{
	fprintf(f, "%016llx %u\n", (unsigned long long)id, ctr);
}

/*
 * Writes --state FILE: the other devices it held, and ours with what they
 * reserved (@reserved) or the last CTR they used. A temporary file in the
 * same directory, flushed to disk, then renamed over FILE: FILE is always
 * either the old one or the new one, whole.
 */
static int state_write(struct sim *s, bool reserved)
{
	char *tmp = NULL, *dir;
	u64 last = s->first + s->n - 1;
	size_t j = 0;
	unsigned int i;
	FILE *f;
	int fd, dfd, err = 0;

	if (asprintf(&tmp, "%s.XXXXXX", s->state) < 0) {
		tmp = NULL;
		goto fail;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		unlink(tmp);
		errno = err;
		goto fail;
	}
	fputs(STATE_HEADER, f);
	for (; j < s->nothers && s->others[j].id < s->first; j++)
		state_line(f, s->others[j].id, s->others[j].ctr);
	for (i = 0; i < s->n; i++)
		state_line(f, s->first + i, reserved ? s->devs[i].reserved :
						       s->devs[i].d.ctr);
	for (; j < s->nothers; j++)
		if (s->others[j].id > last)
			state_line(f, s->others[j].id, s->others[j].ctr);
	if (fflush(f) || fsync(fileno(f)))
		err = errno;
	if (fclose(f) && !err)
		err = errno;
	if (!err && rename(tmp, s->state))
		err = errno;
	if (err) {
		unlink(tmp);
		errno = err;
		goto fail;
	}
	/* And the rename itself, to disk (tmp is FILE's name and more). */
	strcpy(tmp, s->state);
	dir = dirname(tmp);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(tmp);
	return 0;
fail:
	progress_clear(s);
	if (!s->state_failed)
		fprintf(stderr, "liteauth-devsim: cannot write state file %s: %s\n",
			s->state, strerror(errno));
	free(tmp);
	s->state_failed = true;
	return -1;
}

/*
 * A UDP socket connected to @host port @port (from server_parse), on the
 * first address they resolve to that takes one; -1 after saying why.
 */
static int connect_to(const char *spec, const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	int fd = -1, err = 0, ret, rcvbuf = 4 << 20;

	ret = getaddrinfo(host, port, &hints, &res);
	if (ret) {
		fprintf(stderr, "liteauth-devsim: cannot resolve %s (--server %s): %s\n",
			host, spec, ret == EAI_SYSTEM ? strerror(errno) :
			gai_strerror(ret));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
			    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		/* Many devices' answers may arrive at once. */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "liteauth-devsim: cannot reach %s: %s\n", spec,
			strerror(err));
	return fd;
}

#ifndef AF_IEEE802154
#define AF_IEEE802154 36
#endif
#define ARPHRD_IEEE802154_MONITOR 805

/*
 * A raw AF_IEEE802154 socket on the monitor interface @ifname: what it
 * sends goes on the air as it is (the stack appends the FCS), what it
 * reads is every frame the radio heard, FCS included.
 */
static int radio_open(const char *ifname)
{
	char path[64], text[16] = "";
	FILE *f;
	int fd;

	if (!if_nametoindex(ifname)) {
		fprintf(stderr, "liteauth-devsim: no interface %s\n", ifname);
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/type", ifname);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(text, sizeof(text), f))
			text[0] = '\0';
		fclose(f);
	}
	if (atoi(text) != ARPHRD_IEEE802154_MONITOR) {
		fprintf(stderr,
			"liteauth-devsim: %s is not an 802.15.4 monitor interface: create one on a phy with no node interface up,\n"
			"  iwpan phy PHY interface add mon0 type monitor && ip link set mon0 up\n",
			ifname);
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_IEEE802154, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				  strlen(ifname) + 1)) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "liteauth-devsim: raw 802.15.4 socket on %s: %s\n",
			ifname, strerror(errno));
	return fd;
}

/* Device IDs run from --first up, so an ID is its own index. */
static struct simdev *find(struct sim *s, const u8 *idd)
{
	u64 v = id_u64(idd) - s->first;

	return v < s->n ? &s->devs[v] : NULL;
}

/* A device that could not start a handshake: failed, and said why. */
static void start_failed(struct simdev *sd, int err)
{
	char id[17];

	sd->done = true;
	sd->sim->failed++;
	progress_clear(sd->sim);
	hex_id(id, sd->d.idd);
	fprintf(stderr, "liteauth-devsim: device %s: no new handshake: %s\n",
		id, err == LA_DEVICE_ECTR ? "its CTR is spent" :
		err == LA_DEVICE_ESAVE ? "its CTR could not be kept" :
		la_strerror(err));
}

/* The attacker: an authenticated device's HELLO, sent again. */
static void replay_send(struct sim *s, struct simdev *sd)
{
	sd->replayed = true;
	s->replays++;
	s->bytes_out += sizeof(sd->hello);
	if (s->radio)
		radio_send(s, sd->short_addr, (u8 *)&sd->hello,
			   sizeof(sd->hello));
	else if (send(s->fd, &sd->hello, sizeof(sd->hello), 0) < 0)
		net_error(s, errno);
}

/*
 * A KEY heard for a device whose HELLO was replayed. It answers the
 * replay only if it opens for that HELLO's Rd, as the device would open
 * it; then it is a repeat if it carries the session key the device has
 * (protocol.rst: a repeated HELLO gets the same KEY), a fresh KEY if it
 * carries another. One that does not open (a late answer to an earlier
 * HELLO of the device) is no answer to the replay.
 */
static void replay_answer(struct simdev *sd, const u8 *msg, size_t len)
{
	const struct la_key *key = (const struct la_key *)msg;
	struct la_grant g;
	u8 k[LA_KEY_LEN];
	u8 got;
	int err;

	err = la_derive(sd->d.suite, LA_K_KEY, sd->d.kd, sd->d.idd,
			sd->hello.rd, key->rs, k);
	if (!err)
		err = la_key_open(msg, len, k, sd->hello.rd, &g);
	memzero_explicit(k, sizeof(k));
	if (err)
		return;
	got = memcmp(g.sk, sd->sk, sizeof(sd->sk)) ? REPLAY_FRESH :
						    REPLAY_REPEAT;
	memzero_explicit(&g, sizeof(g));
	if (got > sd->replay_answer)
		sd->replay_answer = got;
}

/* KEY and ACK are what devices take; anything else heard is not. */
static bool for_devices(const u8 *msg, size_t len)
{
	return msg && len && len == la_msg_len(msg[0]) &&
	       (msg[0] == LITEAUTH_MSG_KEY || msg[0] == LITEAUTH_MSG_ACK);
}

/*
 * Every frame waiting: each KEY and ACK to its device (unless --loss
 * drops it), the answers to replays to replay_answer; and, with
 * --replay, each device's HELLO replayed as soon as it authenticates.
 */
static void receive(struct sim *s, bool replay)
{
	u8 frame[256];
	ssize_t n;

	while ((n = recv(s->fd, frame, sizeof(frame), 0)) > 0) {
		const u8 *msg = frame;
		struct simdev *sd;
		size_t len = n;

		if (s->radio)
			msg = radio_payload(s, frame, n, &len);
		if (!for_devices(msg, len))
			continue;	/* ours, or others' */
		s->received++;
		s->bytes_in += len;
		sd = find(s, ((const struct la_key *)msg)->idd);
		if (!sd)
			continue;
		if (sd->replayed && msg[0] == LITEAUTH_MSG_KEY) {
			replay_answer(sd, msg, len);
			continue;
		}
		if (lost(s) || sd->done)
			continue;
		la_device_rx(&sd->d, msg, len, now_ms());
		if (sd->ok && replay)
			replay_send(s, sd);
	}
	if (n < 0 && !s->radio)
		net_error(s, errno);
}

/*
 * Each device started: resends and new handshakes as they fall due,
 * failed when --timeout passes, and those finished out of the run.
 */
static void tick(struct sim *s, unsigned int timeout)
{
	u32 now = now_ms();
	unsigned int i;

	for (i = 0; i < s->next; i++) {
		struct simdev *sd = &s->devs[i];
		int err;

		if (sd->done && !sd->counted) {
			/* Finished: out of the loop for good. */
			sd->counted = true;
			sd->d.state = LA_DEVICE_IDLE;
			memzero_explicit(&sd->d.hs, sizeof(sd->d.hs));
			s->finished++;
			s->active--;
			continue;
		}
		if (sd->done)
			continue;
		if (now - sd->started >= timeout * 1000) {
			sd->done = true;	/* counted next round */
			s->failed++;
			if (s->verbose) {
				char id[17];

				progress_clear(s);
				hex_id(id, sd->d.idd);
				printf("device %s failed: not authenticated in %u s: %u handshakes, %u given up waiting for ACK, %u HELLOs and %u CONFIRMs resent, %u KEYs and %u ACKs ignored, CTR %u\n",
				       id, timeout, sd->d.hellos,
				       sd->d.ack_timeouts, sd->d.retransmits,
				       sd->d.confirm_retransmits,
				       sd->d.keys_ignored, sd->d.acks_ignored,
				       sd->d.ctr);
			}
			continue;
		}
		err = la_device_tick(&sd->d, now);
		if (err)
			start_failed(sd, err);
	}
}

/*
 * The closing line, at the end or on SIGINT/SIGTERM (liteauth-devsim(1),
 * OUTPUT: scripts and tests/bench read it, so fields are only added at
 * its end, and only where they apply). @secs: the run's length.
 */
static void summary(const struct sim *s, double secs, bool replay)
{
	unsigned int i, resends = 0, confirms = 0, gave_up = 0;

	for (i = 0; i < s->n; i++) {
		resends += s->devs[i].d.retransmits;
		confirms += s->devs[i].d.confirm_retransmits;
		gave_up += s->devs[i].d.ack_timeouts;
	}
	printf("%u authenticated, %u failed, %u resends, %llu bytes sent, %llu received, %.1f handshakes/s, %u CONFIRMs resent, %u gave up waiting for ACK",
	       s->ok, s->failed, resends, (unsigned long long)s->bytes_out,
	       (unsigned long long)s->bytes_in, rate(s), confirms, gave_up);
	if (replay)
		printf(", %u replays: %u unanswered, %u answered with the old KEY, %u with a fresh KEY (%s)",
		       s->replays,
		       s->replays - s->replays_old - s->replays_fresh,
		       s->replays_old, s->replays_fresh,
		       s->replays_fresh ?
		       "a fresh KEY is a new session key for a replayed HELLO: the server took it for a new handshake" :
		       "none got a new session key: a stale HELLO goes unanswered, a repeat gets the KEY already given");
	if (s->loss)
		printf(", %u CONFIRMs lost", s->confirms_lost);
	if (s->bad_fcs)
		printf(", %u corrupt frames heard", s->bad_fcs);
	if (s->wrong_ok)
		printf(", %u with a wrong key authenticated", s->wrong_ok);
	if (s->ok && s->ok < s->n)
		printf(", rate over the first %.3f s of %.3f s",
		       s->last_ok - s->t0, secs);
	if (stop_signal)
		printf(", interrupted by %s: %u unfinished",
		       stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
		       s->n - s->ok - s->failed);
	printf("\n");
}

int main(int argc, char **argv)
{
	u8 master[LA_KEY_LEN], first[LA_ID_LEN] = { 0x00, 0x12, 0x4b, 0, 0,
						     0x10, 0, 0 };
	const char *mode, *masterfile = NULL, *server = NULL, *ifname = NULL;
	char host[256], port[6], why[LA_WHY_LEN], note[40];
	bool replay = false, progress_opt = false;
	unsigned int count = 0, conc = 64, timeout = 60, i, good;
	struct sigaction sa = { .sa_handler = on_signal };
	struct sim s = {};
	double secs;
	int o, ret;

	if (argc < 2) {
		devsim_usage_of(stderr, -1);
		return 2;
	}
	snprintf(note, sizeof(note), " (wire protocol version %d)",
		 LITEAUTH_VERSION);
	devsim_optp.version_note = note;
	while ((o = la_opt_next(&devsim_optp, argc, argv)) != -1) {
		const char *arg = devsim_optp.arg;

		switch (o) {
		case 'm':
			masterfile = arg;
			break;
		case 'n':
			count = number("count", arg, 1, 10000000);
			break;
		case 'f':
			if (la_id_parse(arg, strlen(arg), first, why))
				usage_error("--first wants an ID of 16 hex digits, or 8 pairs with ':' or '-' between them, not '%s': %s",
					    arg, why);
			break;
		case 's':
			server = arg;
			break;
		case 'c':
			conc = number("concurrency", arg, 1, 1000000);
			break;
		case 'l':
			s.loss = number("loss", arg, 0, 100);
			break;
		case 'w':
			s.wrong = number("wrong-key", arg, 0, 10000000);
			break;
		case 't':
			timeout = number("timeout", arg, 1, 86400);
			break;
		case 'v':
			s.verbose = true;
			break;
		case 'r':
			replay = true;
			break;
		case 'i':
			ifname = arg;
			break;
		case 'p':
			/* 0 is a valid PAN and address, but not one to test with. */
			s.pan = number("pan", arg, 1, 0xfffe);
			break;
		case 'g':
			s.gateway = number("gateway", arg, 1, 0xfffd);
			break;
		case 'S':
			s.state = arg;
			break;
		case 'P':
			progress_opt = true;
			break;
		}
	}
	/* The mode, the first argument; nothing after it. */
	if (devsim_optp.ind == argc)
		usage_error("keys, udp or radio is missing");
	mode = argv[devsim_optp.ind];
	if (devsim_mode_find(mode) < 0)
		usage_error("the first argument is keys, udp or radio, not '%s'",
			    mode);
	if (devsim_optp.ind + 1 < argc)
		usage_error("unexpected argument '%s'", argv[devsim_optp.ind + 1]);
	if (!masterfile || !count)
		usage_error("%s wants --master FILE and --count N", mode);
	if (!strcmp(mode, "udp")) {
		if (!server)
			usage_error("udp wants --server HOST:PORT");
		if (server_parse(server, host, sizeof(host), port, why))
			usage_error("--server wants HOST:PORT, [IPV6]:PORT or IPV4:PORT, not '%s': %s",
				    server, why);
	} else if (!strcmp(mode, "radio") && (!ifname || !s.pan || !s.gateway)) {
		usage_error("radio wants --interface IF, --pan PAN and --gateway SHORT");
	}
	s.n = count;
	s.first = id_u64(first);
	if (count - 1 > UINT64_MAX - s.first)
		usage_error("--first %016llx --count %u: the IDs would run past ffffffffffffffff and wrap to 0000000000000000; from this --first, --count is at most %llu",
			    (unsigned long long)s.first, count,
			    (unsigned long long)(UINT64_MAX - s.first) + 1);
	if (la_crypto_init() || read_master(masterfile, master))
		return 1;

	if (!strcmp(mode, "keys")) {
		for (i = 0; i < count; i++) {
			u8 id[LA_ID_LEN], key[LA_KEY_LEN];
			int b;

			device_id_key(first, master, i, id, key);
			for (b = 0; b < LA_ID_LEN; b++)
				printf("%02x", id[b]);
			putchar(' ');
			for (b = 0; b < LA_KEY_LEN; b++)
				printf("%02x", key[b]);
			putchar('\n');
			memzero_explicit(key, sizeof(key));
		}
		return 0;
	}
	if (server) {
		s.where = server;
		s.fd = connect_to(server, host, port);
	} else {
		s.radio = true;
		s.where = ifname;
		s.fd = radio_open(ifname);
	}
	if (s.fd < 0)
		return 1;	/* said why */
	if (s.state && state_load(s.state, &s.others, &s.nothers))
		return 1;
	s.devs = calloc(count, sizeof(*s.devs));
	if (!s.devs)
		return 1;
	for (i = 0; i < count; i++) {
		u8 id[LA_ID_LEN], key[LA_KEY_LEN];
		u32 ctr, kept;

		device_id_key(first, master, i, id, key);
		if (i < s.wrong)
			key[0] ^= 0xff;
		/* The time, which grows by itself, or FILE's CTR if above. */
		ctr = (u32)time(NULL);
		if (state_lookup(s.others, s.nothers, s.first + i, &kept) &&
		    kept > ctr)
			ctr = kept;
		s.devs[i].sim = &s;
		s.devs[i].short_addr = (u16)(0x1000 + i);
		s.devs[i].reserved = ctr > UINT32_MAX - CTR_BLOCK ?
				     UINT32_MAX : ctr + CTR_BLOCK;
		la_device_init(&s.devs[i].d, id, key, ctr, &sim_ops,
			       &s.devs[i]);
		memzero_explicit(key, sizeof(key));
	}
	/* Every device's first CTRs are on file before any HELLO goes out. */
	if (s.state && state_write(&s, true))
		return 1;

	/* From here a signal ends the run as its end would. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	s.tty = isatty(STDERR_FILENO);
	s.progress = s.tty || progress_opt;
	s.t0 = now_s();
	s.progress_at = now_ms() + (s.tty ? 500 : 1000);
	while (s.finished < count && !stop_signal) {
		struct pollfd p = { .fd = s.fd, .events = POLLIN };
		u32 now = now_ms();

		while (s.active < conc && s.next < count) {
			struct simdev *sd = &s.devs[s.next];
			int err;

			sd->started = now;
			err = la_device_start(&sd->d, now);
			if (err)
				start_failed(sd, err);
			s.next++;
			s.active++;
		}
		poll(&p, 1, 10);
		receive(&s, replay);
		tick(&s, timeout);
		progress(&s, now_ms());
	}
	secs = now_s() - s.t0;
	/* Answers to replays may still be on their way. */
	if (replay) {
		u32 end = now_ms() + 2000;

		while ((int32_t)(now_ms() - end) < 0 && !stop_signal) {
			struct pollfd p = { .fd = s.fd, .events = POLLIN };

			poll(&p, 1, 50);
			receive(&s, replay);
			progress(&s, now_ms());
		}
	}
	for (i = 0; i < count; i++) {
		s.replays_old += s.devs[i].replay_answer == REPLAY_REPEAT;
		s.replays_fresh += s.devs[i].replay_answer == REPLAY_FRESH;
	}
	progress_clear(&s);
	summary(&s, secs, replay);
	fflush(stdout);
	/* The CTRs used, for the next run; a failed write was said. */
	if (s.state)
		state_write(&s, false);
	/* Devices that should have authenticated, and did. */
	good = count - (s.wrong < count ? s.wrong : count);
	if (s.replays_fresh || s.wrong_ok)
		ret = 3;	/* the server broke the protocol */
	else if (s.state_failed)
		ret = 1;
	else if (stop_signal)
		ret = 128 + stop_signal;
	else
		ret = s.ok - s.wrong_ok == good ? 0 : 1;
	for (i = 0; i < count; i++) {
		memzero_explicit(&s.devs[i].d, sizeof(s.devs[i].d));
		memzero_explicit(s.devs[i].sk, sizeof(s.devs[i].sk));
	}
	free(s.devs);
	free(s.others);
	close(s.fd);
	la_crypto_exit();
	return ret;
}
