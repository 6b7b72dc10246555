// SPDX-License-Identifier: GPL-2.0
/*
 * Build:
 * cc -O2 -g -Wall -Wextra -Werror -o build/tests/dtls12 tests/bench/dtls12.c -lssl -lcrypto
 *
 * dtls12: the reference point for liteauth's handshake benchmark. Full
 * DTLS 1.2 PSK handshakes (PSK-AES128-CCM8, a fixed 16-byte PSK and a
 * fixed identity, no certificates) between an OpenSSL client and an
 * OpenSSL server in one process, over an in-memory datagram link.
 *
 *   dtls12 [--cookie] [--seconds S | --count N] [--runs R] [--trace]
 *
 * prints one line of JSON on stdout:
 *
 *   {"handshakes": N, "seconds": x, "handshakes_per_s": [r1, ...],
 *    "median_handshakes_per_s": m, "handshake_bytes": B, "datagrams": D,
 *    "flights": F, "cookie": true|false}
 *
 * Defaults: --seconds 1 --runs 5. Each run does handshakes until its
 * timed part adds up to S seconds (or does exactly N handshakes); r_i is
 * that run's handshakes divided by its timed seconds. "handshakes" and
 * "seconds" are the totals over all runs (not counting the one untimed
 * handshake done first, see below).
 *
 * What is timed, per handshake: creating the client and server SSL
 * objects from the two shared SSL_CTXs (and their BIOs), and driving
 * both until SSL_do_handshake() has returned 1 on each. Not timed: the
 * check that follows it (both SSL_is_init_finished(), both negotiated
 * "PSK-AES128-CCM8" over DTLS 1.2 with no session reuse, and one small
 * application record each way compared with memcmp()), nor SSL_free().
 * Every handshake is a full one: new SSL objects each time, the server's
 * session cache off (so it also sends an empty session ID), no session
 * tickets (SSL_OP_NO_TICKET on both sides), and the client never offers
 * a session.
 *
 * The link. OpenSSL 3.0 has no BIO_s_dgram_mem, and a BIO_s_mem or a BIO
 * pair is a byte stream: two datagrams written before the peer reads
 * would reach it as one. So each SSL object gets one BIO of a small
 * BIO_METHOD of our own (dgram_*), whose writes each append one datagram
 * to a queue towards the peer and whose reads each take exactly one
 * datagram off the queue from the peer (an empty queue is "retry read",
 * like a non-blocking socket). That keeps UDP's boundaries and has no
 * loss, reordering or duplication. No socket exists: both SSL objects
 * have SSL_OP_NO_QUERY_MTU and SSL_set_mtu(DGRAM_MTU), the largest DTLS
 * datagram (UDP payload) they may write, so nothing queries the BIO for
 * an MTU. The retransmission timer is set to 60 s (DTLS_set_timer_cb), so
 * a slow machine (valgrind) cannot cause a spurious retransmission on a
 * link that loses nothing.
 *
 * How bytes and datagrams are counted. During the handshake OpenSSL puts
 * a buffering BIO in front of our write BIO, collects a flight's records
 * in it (starting a new datagram when the next record would not fit in
 * the MTU) and flushes it with one BIO_write() to our BIO; after the
 * handshake every record is its own BIO_write(). Each BIO_write() that
 * reaches our BIO is therefore exactly one datagram as a UDP socket would
 * send it, and its length is the UDP payload: DTLS records with their
 * 13-byte headers, no IP or UDP header. handshake_bytes and datagrams add
 * up every datagram written in both directions from the client's first
 * ClientHello until both sides have finished, i.e. up to and including
 * the server's ChangeCipherSpec and Finished (the last thing written in a
 * full DTLS 1.2 handshake; the client's Finished comes before it). They
 * are taken from the first handshake of the invocation, an untimed one
 * that also keeps OpenSSL's one-time setup out of the first run, and
 * before its application records, so the checking traffic is not in
 * them; every timed handshake is counted the same way and must give the
 * same numbers (a warning on stderr otherwise). flights counts the
 * changes of direction in that sequence of datagrams (4 without the
 * cookie exchange: CH; SH+SHD; CKE+CCS+Fin; CCS+Fin, and 6 with it: CH;
 * HVR; CH; ...).
 * --trace prints each of those datagrams and its records on stderr.
 *
 * --cookie sets SSL_OP_COOKIE_EXCHANGE on the server, so it answers the
 * first ClientHello with a HelloVerifyRequest. The cookie is
 * HMAC-SHA256 under a random per-process secret over a fixed stand-in for
 * the client's address (there is none in memory), cut to 20 bytes: the
 * length of the HMAC-SHA1 cookie that openssl s_server uses, so that
 * tests/bench/dtls12_capture.py measures the same sizes.
 *
 * Exit status: 0 on success, 1 if a handshake or its check fails (with
 * OpenSSL's error queue on stderr), 2 on bad usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#define CIPHER		"PSK-AES128-CCM8"
#define DGRAM_MTU	1400		/* largest datagram, UDP payload */
#define TIMER_US	60000000U	/* DTLS retransmission timer: 60 s */
#define COOKIE_LEN	20
#define MAX_RUNS	1000
#define MAX_ROUNDS	32		/* handshake round trips before giving up */

static const unsigned char psk_key[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

static const char psk_identity[] = "liteauth-dev-001";

/* One datagram in flight. */
struct dgram {
	struct dgram *next;
	size_t len;
	unsigned char data[];
};

/* One direction of the link: a FIFO of datagrams. */
struct queue {
	struct dgram *head;
	struct dgram *tail;
};

/* What was written on the link during one handshake, both directions. */
struct wire {
	unsigned long bytes;
	unsigned long datagrams;
	unsigned long flights;
	int last_dir;			/* -1 before the first datagram */
	int trace;			/* print each datagram on stderr */
};

/* The state behind one SSL object's BIO. */
struct port {
	struct queue *in;		/* datagrams from the peer */
	struct queue *out;		/* datagrams to the peer */
	struct wire *wire;
	int dir;			/* 0 client to server, 1 server to client */
};

static BIO_METHOD *dgram_method;
static EVP_MAC_CTX *cookie_mac;		/* keyed HMAC-SHA256, duplicated */

static void queue_drain(struct queue *q)
{
	struct dgram *d, *next;

	for (d = q->head; d; d = next) {
		next = d->next;
		free(d);
	}
	q->head = NULL;
	q->tail = NULL;
}

static const char *hs_name(unsigned int type)
{
	switch (type) {
	case 1:
		return "ClientHello";
	case 2:
		return "ServerHello";
	case 3:
		return "HelloVerifyRequest";
	case 4:
		return "NewSessionTicket";
	case 12:
		return "ServerKeyExchange";
	case 14:
		return "ServerHelloDone";
	case 16:
		return "ClientKeyExchange";
	default:
		return "handshake";
	}
}

/* --trace: one line per datagram and one per DTLS record in it. */
static void trace_dgram(int dir, const unsigned char *p, size_t len)
{
	size_t off = 0;

	fprintf(stderr, "%s %zu bytes\n", dir ? "server->client" : "client->server",
		len);
	while (off + 13 <= len) {
		unsigned int type = p[off];
		unsigned int epoch = p[off + 3] << 8 | p[off + 4];
		size_t rlen = (size_t)p[off + 11] << 8 | p[off + 12];
		const char *what;

		if (type == 20)
			what = "ChangeCipherSpec";
		else if (type == 21)
			what = "alert";
		else if (type == 23)
			what = "application data";
		else if (type == 22 && epoch == 0 && rlen > 0 &&
			 off + 13 < len)
			what = hs_name(p[off + 13]);
		else if (type == 22)
			what = "handshake (encrypted: Finished)";
		else
			what = "?";
		fprintf(stderr, "    record type %u epoch %u length %zu: %s\n",
			type, epoch, 13 + rlen, what);
		off += 13 + rlen;
	}
	if (off != len)
		fprintf(stderr, "    (datagram does not end on a record boundary)\n");
}

static int dgram_write(BIO *bio, const char *buf, int len)
{
	struct port *p = BIO_get_data(bio);
	struct wire *w = p->wire;
	struct dgram *d;

	BIO_clear_retry_flags(bio);
	if (len <= 0)
		return 0;
	d = malloc(sizeof(*d) + (size_t)len);
	if (!d)
		return -1;
	d->next = NULL;
	d->len = (size_t)len;
	memcpy(d->data, buf, (size_t)len);
	if (p->out->tail)
		p->out->tail->next = d;
	else
		p->out->head = d;
	p->out->tail = d;

	w->bytes += (unsigned long)len;
	w->datagrams++;
	if (w->last_dir != p->dir)
		w->flights++;
	w->last_dir = p->dir;
	if (w->trace)
		trace_dgram(p->dir, d->data, d->len);
	return len;
}

/* One datagram per read; like UDP, what does not fit in @size is lost. */
static int dgram_read(BIO *bio, char *buf, int size)
{
	struct port *p = BIO_get_data(bio);
	struct dgram *d = p->in->head;
	size_t n;

	BIO_clear_retry_flags(bio);
	if (!d) {
		BIO_set_retry_read(bio);
		return -1;
	}
	if (size < 0)
		size = 0;
	n = d->len < (size_t)size ? d->len : (size_t)size;
	memcpy(buf, d->data, n);
	p->in->head = d->next;
	if (!p->in->head)
		p->in->tail = NULL;
	free(d);
	return (int)n;
}

static long dgram_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	struct port *p = BIO_get_data(bio);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_PENDING:
		return p && p->in->head ? (long)p->in->head->len : 0;
	case BIO_CTRL_WPENDING:
		return 0;
	default:
		/* MTU queries, peer addresses, timeouts: nothing here. */
		return 0;
	}
}

static int dgram_create(BIO *bio)
{
	BIO_set_init(bio, 1);
	return 1;
}

static int dgram_setup(void)
{
	int type = BIO_get_new_index();

	if (type == -1)
		return 0;
	dgram_method = BIO_meth_new(type | BIO_TYPE_SOURCE_SINK,
				    "datagram queue");
	if (!dgram_method)
		return 0;
	return BIO_meth_set_write(dgram_method, dgram_write) &&
	       BIO_meth_set_read(dgram_method, dgram_read) &&
	       BIO_meth_set_ctrl(dgram_method, dgram_ctrl) &&
	       BIO_meth_set_create(dgram_method, dgram_create);
}

static unsigned int psk_client_cb(SSL *ssl, const char *hint, char *identity,
				  unsigned int max_identity_len,
				  unsigned char *psk, unsigned int max_psk_len)
{
	(void)ssl;
	(void)hint;
	if (sizeof(psk_identity) > max_identity_len ||
	    sizeof(psk_key) > max_psk_len)
		return 0;
	memcpy(identity, psk_identity, sizeof(psk_identity));
	memcpy(psk, psk_key, sizeof(psk_key));
	return sizeof(psk_key);
}

static unsigned int psk_server_cb(SSL *ssl, const char *identity,
				  unsigned char *psk, unsigned int max_psk_len)
{
	(void)ssl;
	if (!identity || strcmp(identity, psk_identity) ||
	    sizeof(psk_key) > max_psk_len)
		return 0;
	memcpy(psk, psk_key, sizeof(psk_key));
	return sizeof(psk_key);
}

/* A real server would MAC the client's address and port. */
static const unsigned char cookie_peer[] = "memory-link-peer";

static int cookie_compute(unsigned char *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t len = 0;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(cookie_mac);
	int ok;

	if (!ctx)
		return 0;
	ok = EVP_MAC_update(ctx, cookie_peer, sizeof(cookie_peer)) &&
	     EVP_MAC_final(ctx, mac, &len, sizeof(mac)) && len >= COOKIE_LEN;
	EVP_MAC_CTX_free(ctx);
	if (ok)
		memcpy(out, mac, COOKIE_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}

static int cookie_generate_cb(SSL *ssl, unsigned char *cookie,
			      unsigned int *cookie_len)
{
	(void)ssl;
	if (!cookie_compute(cookie))
		return 0;
	*cookie_len = COOKIE_LEN;
	return 1;
}

static int cookie_verify_cb(SSL *ssl, const unsigned char *cookie,
			    unsigned int cookie_len)
{
	unsigned char want[COOKIE_LEN];

	(void)ssl;
	return cookie_len == COOKIE_LEN && cookie_compute(want) &&
	       !CRYPTO_memcmp(cookie, want, COOKIE_LEN);
}

static int cookie_setup(void)
{
	unsigned char secret[32];
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	int ok;

	if (RAND_bytes(secret, sizeof(secret)) != 1)
		return 0;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return 0;
	cookie_mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (!cookie_mac)
		return 0;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(cookie_mac, secret, sizeof(secret), params);
	OPENSSL_cleanse(secret, sizeof(secret));
	return ok;
}

static unsigned int timer_cb(SSL *ssl, unsigned int timer_us)
{
	(void)ssl;
	(void)timer_us;
	return TIMER_US;
}

static SSL_CTX *ctx_new(int server, int cookie)
{
	SSL_CTX *ctx;
	uint64_t opts = SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU;

	ctx = SSL_CTX_new(server ? DTLS_server_method() : DTLS_client_method());
	if (!ctx)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(ctx, CIPHER)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (server) {
		SSL_CTX_set_psk_server_callback(ctx, psk_server_cb);
		if (cookie) {
			opts |= SSL_OP_COOKIE_EXCHANGE;
			SSL_CTX_set_cookie_generate_cb(ctx, cookie_generate_cb);
			SSL_CTX_set_cookie_verify_cb(ctx, cookie_verify_cb);
		}
	} else {
		SSL_CTX_set_psk_client_callback(ctx, psk_client_cb);
	}
	SSL_CTX_set_options(ctx, opts);
	return ctx;
}

/* Everything one handshake needs; the SSL objects are new each time. */
struct bench {
	SSL_CTX *cctx;
	SSL_CTX *sctx;
	SSL *c;
	SSL *s;
	struct queue c2s;
	struct queue s2c;
	struct port cport;
	struct port sport;
	struct wire wire;
};

static SSL *endpoint_new(SSL_CTX *ctx, struct port *port)
{
	SSL *ssl = SSL_new(ctx);
	BIO *bio;

	if (!ssl)
		return NULL;
	bio = BIO_new(dgram_method);
	if (!bio) {
		SSL_free(ssl);
		return NULL;
	}
	BIO_set_data(bio, port);
	SSL_set_bio(ssl, bio, bio);	/* one reference, owned by ssl */
	if (!SSL_set_mtu(ssl, DGRAM_MTU)) {
		SSL_free(ssl);
		return NULL;
	}
	DTLS_set_timer_cb(ssl, timer_cb);
	return ssl;
}

static void endpoints_free(struct bench *b)
{
	SSL_free(b->c);
	SSL_free(b->s);
	b->c = NULL;
	b->s = NULL;
	queue_drain(&b->c2s);
	queue_drain(&b->s2c);
}

/* Returns 1 when done, 0 to go on, -1 on failure. */
static int step(SSL *ssl, const char *who)
{
	int rc = SSL_do_handshake(ssl);

	if (rc == 1)
		return 1;
	if (SSL_get_error(ssl, rc) == SSL_ERROR_WANT_READ)
		return 0;
	fprintf(stderr, "dtls12: %s handshake failed (SSL_get_error %d)\n",
		who, SSL_get_error(ssl, rc));
	return -1;
}

/* Create both endpoints and drive them until both have finished. */
static int handshake(struct bench *b)
{
	int cdone = 0, sdone = 0, round;

	b->c = endpoint_new(b->cctx, &b->cport);
	b->s = endpoint_new(b->sctx, &b->sport);
	if (!b->c || !b->s) {
		fprintf(stderr, "dtls12: cannot create the SSL objects\n");
		return 0;
	}
	SSL_set_connect_state(b->c);
	SSL_set_accept_state(b->s);

	for (round = 0; round < MAX_ROUNDS; round++) {
		if (!cdone) {
			cdone = step(b->c, "client");
			if (cdone < 0)
				return 0;
		}
		if (!sdone) {
			sdone = step(b->s, "server");
			if (sdone < 0)
				return 0;
		}
		if (cdone && sdone)
			return 1;
		if (!b->c2s.head && !b->s2c.head) {
			/* DTLS drops bad records silently: a wrong PSK. */
			fprintf(stderr,
				"dtls12: handshake stalled with no datagram in flight\n");
			return 0;
		}
	}
	fprintf(stderr, "dtls12: handshake did not finish in %d rounds\n",
		MAX_ROUNDS);
	return 0;
}

static int check_side(SSL *ssl, const char *who)
{
	const char *name = SSL_get_cipher_name(ssl);

	if (!SSL_is_init_finished(ssl)) {
		fprintf(stderr, "dtls12: %s has not finished\n", who);
		return 0;
	}
	if (SSL_version(ssl) != DTLS1_2_VERSION) {
		fprintf(stderr, "dtls12: %s negotiated %s\n", who,
			SSL_get_version(ssl));
		return 0;
	}
	if (!name || strcmp(name, CIPHER)) {
		fprintf(stderr, "dtls12: %s negotiated cipher %s\n", who,
			name ? name : "(none)");
		return 0;
	}
	if (SSL_session_reused(ssl)) {
		fprintf(stderr, "dtls12: %s resumed a session\n", who);
		return 0;
	}
	return 1;
}

/* One application record from @from to @to, read back and compared. */
static int exchange(SSL *from, SSL *to, const char *msg, const char *who)
{
	char buf[64];
	int len = (int)strlen(msg);
	int n;

	n = SSL_write(from, msg, len);
	if (n != len) {
		fprintf(stderr, "dtls12: %s: SSL_write returned %d\n", who, n);
		return 0;
	}
	n = SSL_read(to, buf, sizeof(buf));
	if (n != len || memcmp(buf, msg, (size_t)len)) {
		fprintf(stderr, "dtls12: %s: application data mismatch (%d)\n",
			who, n);
		return 0;
	}
	return 1;
}

static int check(struct bench *b)
{
	if (!check_side(b->c, "client") || !check_side(b->s, "server") ||
	    !exchange(b->c, b->s, "liteauth ping", "client to server") ||
	    !exchange(b->s, b->c, "liteauth pong", "server to client"))
		return 0;
	if (b->c2s.head || b->s2c.head) {
		fprintf(stderr, "dtls12: datagrams left over after the check\n");
		return 0;
	}
	return 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * One handshake, timed into *@elapsed unless that is NULL, then checked
 * and freed. *@hs gets what went over the link before the check.
 */
static int once(struct bench *b, double *elapsed, struct wire *hs)
{
	double t0;

	b->wire = (struct wire){ .last_dir = -1, .trace = b->wire.trace };
	t0 = now();
	if (!handshake(b))
		return 0;
	if (elapsed)
		*elapsed += now() - t0;
	*hs = b->wire;
	b->wire.trace = 0;
	if (!check(b))
		return 0;
	endpoints_free(b);
	return 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dtls12 [--cookie] [--seconds S | --count N] [--runs R] [--trace]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench b;
	double seconds = 1.0, total_s = 0.0, rates[MAX_RUNS], sorted[MAX_RUNS];
	double median;
	long count = 0;
	int runs = 5, cookie = 0, trace = 0, have_seconds = 0, warned = 0;
	int ret = 1, i, r;
	unsigned long total = 0;
	struct wire first = { 0 }, hs;
	char *end;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cookie")) {
			cookie = 1;
		} else if (!strcmp(argv[i], "--trace")) {
			trace = 1;
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = strtod(argv[++i], &end);
			have_seconds = 1;
			if (*end || !(seconds > 0) || seconds > 1e6)
				usage();
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = strtol(argv[++i], &end, 10);
			if (*end || count <= 0)
				usage();
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = (int)strtol(argv[++i], &end, 10);
			if (*end || runs <= 0 || runs > MAX_RUNS)
				usage();
		} else {
			usage();
		}
	}
	if (have_seconds && count)
		usage();

	memset(&b, 0, sizeof(b));
	b.cport = (struct port){ &b.s2c, &b.c2s, &b.wire, 0 };
	b.sport = (struct port){ &b.c2s, &b.s2c, &b.wire, 1 };

	if (!dgram_setup() || (cookie && !cookie_setup())) {
		fprintf(stderr, "dtls12: setup failed\n");
		goto out;
	}
	b.cctx = ctx_new(0, cookie);
	b.sctx = ctx_new(1, cookie);
	if (!b.cctx || !b.sctx) {
		fprintf(stderr, "dtls12: cannot create the SSL_CTXs\n");
		goto out;
	}

	/*
	 * An untimed first handshake: it takes OpenSSL's one-time setup out
	 * of the first run, and it is the one whose bytes are reported.
	 */
	b.wire.trace = trace;
	if (!once(&b, NULL, &first))
		goto out;

	for (r = 0; r < runs; r++) {
		double run_s = 0.0;
		long n = 0;

		while (count ? n < count : run_s < seconds) {
			if (!once(&b, &run_s, &hs))
				goto out;
			if (!warned && (hs.bytes != first.bytes ||
					hs.datagrams != first.datagrams)) {
				fprintf(stderr,
					"dtls12: warning: a handshake took %lu bytes in %lu datagrams, the first %lu in %lu\n",
					hs.bytes, hs.datagrams, first.bytes,
					first.datagrams);
				warned = 1;
			}
			total++;
			n++;
		}
		rates[r] = (double)n / run_s;
		total_s += run_s;
	}

	memcpy(sorted, rates, sizeof(rates[0]) * (size_t)runs);
	qsort(sorted, (size_t)runs, sizeof(sorted[0]), cmp_double);
	median = runs % 2 ? sorted[runs / 2] :
		 (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;

	printf("{\"handshakes\": %lu, \"seconds\": %.6f, \"handshakes_per_s\": [",
	       total, total_s);
	for (r = 0; r < runs; r++)
		printf("%s%.1f", r ? ", " : "", rates[r]);
	printf("], \"median_handshakes_per_s\": %.1f, \"handshake_bytes\": %lu, \"datagrams\": %lu, \"flights\": %lu, \"cookie\": %s}\n",
	       median, first.bytes, first.datagrams, first.flights,
	       cookie ? "true" : "false");
	ret = 0;
out:
	if (ret)
		ERR_print_errors_fp(stderr);
	endpoints_free(&b);
	SSL_CTX_free(b.cctx);
	SSL_CTX_free(b.sctx);
	EVP_MAC_CTX_free(cookie_mac);
	BIO_meth_free(dgram_method);
	return ret;
}
