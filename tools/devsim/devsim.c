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
 *   liteauth-devsim udp --server ADDR:PORT --master F --count N [options]
 *   liteauth-devsim radio --interface IF --pan PAN --gateway SHORT
 *       --master F --count N [options]
 *   options: [--first ID] [--concurrency C] [--loss PERCENT]
 *       [--wrong-key K] [--replay] [--timeout SECONDS] [--verbose]
 *
 * Device i has the ID first + i and the key CMAC(master, ID), so the two
 * commands agree without any file per device. The first K devices of
 * --wrong-key use another key and must fail. --loss drops that share of
 * the datagrams each way. --replay plays an attacker who resends each
 * authenticated device's HELLO: the answer must be a fresh KEY, never the
 * one the device got. The closing line counts devices authenticated and
 * failed, HELLO resends, bytes each way and handshakes per second (and
 * replays answered, and with --loss the CONFIRMs it dropped: the protocol
 * does not acknowledge CONFIRM, so the gateway or server never establishes
 * those sessions and the device finds out only when it next talks).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "la_device.h"

struct sim;

struct simdev {
	struct la_device d;
	struct sim *sim;
	u16 short_addr;		/* on the radio */
	u32 started;
	bool done, ok, replayed;
	struct la_key key;	/* the KEY it got, to compare replays with */
	struct la_hello hello;	/* its first HELLO, for the replay */
};

struct sim {
	int fd;
	bool radio;
	u16 pan, gateway;	/* radio: the PAN, the gateway's address */
	u8 seq;
	unsigned int loss;	/* percent */
	bool verbose;
	unsigned int replays_fresh, replays_stale;
	unsigned int confirms_lost;	/* nothing resends a CONFIRM */
	unsigned int bad_fcs;		/* radio: frames heard corrupt */
	u64 sent, received, bytes_out, bytes_in;
	struct simdev *devs;
	unsigned int n;
};

static u32 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u32)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
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
	send(s->fd, f, 9 + len, 0);
}

static void sim_send(void *arg, const u8 *msg, size_t len)
{
	struct simdev *sd = arg;
	struct sim *s = sd->sim;

	s->bytes_out += len;
	s->sent++;
	if (sd->d.hellos == 1 && msg[0] == LITEAUTH_MSG_HELLO)
		memcpy(&sd->hello, msg, sizeof(sd->hello));
	if (lost(s)) {
		if (msg[0] == LITEAUTH_MSG_CONFIRM)
			s->confirms_lost++;
		return;
	}
	if (s->radio)
		radio_send(s, sd->short_addr, msg, len);
	else
		send(s->fd, msg, len, 0);
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

static void sim_established(void *arg, const struct la_grant *g)
{
	struct simdev *sd = arg;

	sd->done = sd->ok = true;
	sd->replayed = false;
	if (sd->sim->verbose) {
		char id[17];
		int i;

		for (i = 0; i < LA_ID_LEN; i++)
			sprintf(id + 2 * i, "%02x", sd->d.idd[i]);
		printf("device %s authenticated: sid %u, life %u min, %u ms, %u resends\n",
		       id, g->sid, g->life, now_ms() - sd->started,
		       sd->d.retransmits);
	}
}

static const struct la_device_ops sim_ops = {
	.send = sim_send,
	.random = sim_random,
	.established = sim_established,
};

static int usage(void)
{
	fprintf(stderr,
		"usage: liteauth-devsim keys --master F --count N [--first ID]\n"
		"       liteauth-devsim udp --server ADDR:PORT --master F --count N [options]\n"
		"       liteauth-devsim radio --interface IF --pan PAN --gateway SHORT\n"
		"           --master F --count N [options]\n"
		"options: [--first ID] [--concurrency C] [--loss PERCENT] [--wrong-key K]\n"
		"         [--replay] [--timeout SECONDS] [--verbose]\n");
	return 2;
}

/* A whole number from @min to @max for option --@opt, or exit 2. */
static unsigned int number(const char *opt, const char *text,
			   unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 0);
	if (errno || end == text || *end || text[0] == '-' || v < min ||
	    v > max) {
		fprintf(stderr, "liteauth-devsim: --%s wants a number from %lu to %lu, not '%s'\n",
			opt, min, max, text);
		exit(2);
	}
	return (unsigned int)v;
}

static int parse_hex(const char *s, u8 *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = v;
	}
	return strlen(s) == 2 * n ? 0 : -1;
}

static int read_master(const char *file, u8 *master)
{
	char text[80] = "";
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
	if (parse_hex(text, master, LA_KEY_LEN)) {
		fprintf(stderr, "liteauth-devsim: %s must hold 32 hex digits (liteauth genkey makes one)\n",
			file);
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

static int connect_to(const char *spec)
{
	char host[128], *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	int fd, rcvbuf = 4 << 20;

	snprintf(host, sizeof(host), "%s", spec);
	colon = strrchr(host, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	if (host[0] == '[' && colon > host && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		return -1;
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* Many devices' answers may arrive at once. */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
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
	u64 first = 0, v = 0;
	int b;

	if (!s->n)
		return NULL;
	for (b = 0; b < LA_ID_LEN; b++) {
		first = first << 8 | s->devs[0].d.idd[b];
		v = v << 8 | idd[b];
	}
	v -= first;
	return v < s->n ? &s->devs[v] : NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "master", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "first", required_argument, NULL, 'f' },
		{ "server", required_argument, NULL, 's' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "loss", required_argument, NULL, 'l' },
		{ "wrong-key", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "replay", no_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "pan", required_argument, NULL, 'p' },
		{ "gateway", required_argument, NULL, 'g' },
		{}
	};
	u8 master[LA_KEY_LEN], first[LA_ID_LEN] = { 0x00, 0x12, 0x4b, 0, 0,
						     0x10, 0, 0 };
	const char *mode, *masterfile = NULL, *server = NULL, *ifname = NULL;
	bool replay = false;
	unsigned int count = 0, conc = 64, wrong = 0, timeout = 60, i;
	unsigned int active = 0, next = 0, finished = 0, ok = 0, resends = 0;
	struct sim s = {};
	u32 t0;
	int o;

	if (argc < 2)
		return usage();
	mode = argv[1];
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'm':
			masterfile = optarg;
			break;
		case 'n':
			count = number("count", optarg, 1, 10000000);
			break;
		case 'f':
			if (parse_hex(optarg, first, LA_ID_LEN)) {
				fprintf(stderr, "liteauth-devsim: --first wants an ID of 16 hex digits, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 's':
			server = optarg;
			break;
		case 'c':
			conc = number("concurrency", optarg, 1, 1000000);
			break;
		case 'l':
			s.loss = number("loss", optarg, 0, 100);
			break;
		case 'w':
			wrong = number("wrong-key", optarg, 0, 10000000);
			break;
		case 't':
			timeout = number("timeout", optarg, 1, 86400);
			break;
		case 'v':
			s.verbose = true;
			break;
		case 'r':
			replay = true;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'p':
			s.pan = number("pan", optarg, 0, 0xfffe);
			break;
		case 'g':
			s.gateway = number("gateway", optarg, 0, 0xfffd);
			break;
		default:
			return usage();
		}
	}
	if (!masterfile || !count)
		return usage();
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
	if (!strcmp(mode, "udp") && server) {
		s.fd = connect_to(server);
	} else if (!strcmp(mode, "radio") && ifname && s.pan && s.gateway) {
		/* 0 is a valid PAN and address, but not one to test with. */
		s.radio = true;
		s.fd = radio_open(ifname);
	} else {
		return usage();
	}
	if (s.fd < 0) {
		fprintf(stderr, "liteauth-devsim: cannot reach %s: %s\n",
			server ? server : ifname, strerror(errno));
		return 1;
	}
	s.n = count;
	s.devs = calloc(count, sizeof(*s.devs));
	if (!s.devs)
		return 1;
	for (i = 0; i < count; i++) {
		u8 id[LA_ID_LEN], key[LA_KEY_LEN];

		device_id_key(first, master, i, id, key);
		if (i < wrong)
			key[0] ^= 0xff;
		s.devs[i].sim = &s;
		s.devs[i].short_addr = (u16)(0x1000 + i);
		la_device_init(&s.devs[i].d, id, key, &sim_ops, &s.devs[i]);
		memzero_explicit(key, sizeof(key));
	}

	t0 = now_ms();
	while (finished < count) {
		u8 frame[256];
		struct pollfd p = { .fd = s.fd, .events = POLLIN };
		u32 now = now_ms();
		ssize_t n;

		while (active < conc && next < count) {
			s.devs[next].started = now;
			la_device_start(&s.devs[next].d, now);
			next++;
			active++;
		}
		poll(&p, 1, 10);
		while ((n = recv(s.fd, frame, sizeof(frame), 0)) > 0) {
			const u8 *msg = frame;
			struct simdev *sd;
			size_t len = n;

			if (s.radio)
				msg = radio_payload(&s, frame, n, &len);
			if (!msg || len != LITEAUTH_KEY_LEN ||
			    msg[0] != LITEAUTH_MSG_KEY)
				continue;	/* not a KEY: ours, or others' */
			s.received++;
			s.bytes_in += len;
			sd = find(&s, ((const struct la_key *)msg)->idd);
			if (!sd)
				continue;
			if (sd->replayed) {
				/* The answer to the attacker's replay. */
				if (memcmp(msg, &sd->key, sizeof(sd->key)))
					s.replays_fresh++;
				else
					s.replays_stale++;
				sd->replayed = false;
				continue;
			}
			if (lost(&s) || sd->done)
				continue;
			memcpy(&sd->key, msg, sizeof(sd->key));
			la_device_rx(&sd->d, msg, len, now_ms());
			if (sd->ok && replay) {
				sd->replayed = true;
				s.bytes_out += sizeof(sd->hello);
				if (s.radio)
					radio_send(&s, sd->short_addr,
						   (u8 *)&sd->hello,
						   sizeof(sd->hello));
				else
					send(s.fd, &sd->hello,
					     sizeof(sd->hello), 0);
			}
		}
		now = now_ms();
		for (i = 0; i < next; i++) {
			struct simdev *sd = &s.devs[i];

			if (sd->done && sd->d.state != LA_DEVICE_IDLE) {
				/* Finished: out of the loop for good. */
				sd->d.state = LA_DEVICE_IDLE;
				resends += sd->d.retransmits;
				finished++;
				active--;
				ok += sd->ok;
				continue;
			}
			if (sd->done)
				continue;
			if (now - sd->started >= timeout * 1000) {
				sd->done = true;	/* counted next round */
				if (s.verbose) {
					char id[17];
					int b;

					for (b = 0; b < LA_ID_LEN; b++)
						sprintf(id + 2 * b, "%02x",
							sd->d.idd[b]);
					printf("device %s failed: no KEY in %u s, %u HELLOs\n",
					       id, timeout, sd->d.hellos);
				}
				continue;
			}
			la_device_tick(&sd->d, now);
		}
	}
	{
		double secs = (now_ms() - t0) / 1000.0;

		/* Answers to replays may still be on their way. */
		if (replay) {
			u32 end = now_ms() + 2000;
			u8 frame[256];
			ssize_t n;

			while ((int32_t)(now_ms() - end) < 0) {
				struct pollfd p = { .fd = s.fd, .events = POLLIN };

				poll(&p, 1, 50);
				while ((n = recv(s.fd, frame, sizeof(frame), 0)) > 0) {
					const u8 *msg = frame;
					size_t len = n;
					struct simdev *sd;

					if (s.radio)
						msg = radio_payload(&s, frame, n, &len);
					if (!msg || len != LITEAUTH_KEY_LEN)
						continue;
					sd = find(&s, ((const struct la_key *)msg)->idd);
					if (!sd || !sd->replayed)
						continue;
					sd->replayed = false;
					if (memcmp(msg, &sd->key, sizeof(sd->key)))
						s.replays_fresh++;
					else
						s.replays_stale++;
				}
			}
		}
		printf("%u authenticated, %u failed, %u resends, %llu bytes sent, %llu received, %.1f handshakes/s",
		       ok, count - ok, resends,
		       (unsigned long long)s.bytes_out,
		       (unsigned long long)s.bytes_in,
		       secs > 0 ? ok / secs : 0.0);
		if (replay)
			printf(", %u replays answered with a fresh KEY, %u with the old one",
			       s.replays_fresh, s.replays_stale);
		if (s.loss)
			printf(", %u CONFIRMs lost", s.confirms_lost);
		if (s.bad_fcs)
			printf(", %u corrupt frames heard", s.bad_fcs);
		printf("\n");
	}
	free(s.devs);
	close(s.fd);
	la_crypto_exit();
	return ok == count - wrong && !s.replays_stale ? 0 : 1;
}
