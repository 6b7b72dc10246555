// SPDX-License-Identifier: GPL-2.0
/*
 * The key store over liteauthd's control socket (store.h, "One process").
 *
 * While liteauthd runs it alone has the environment open; a liteauth that
 * finds the directory locked connects to DIR/control (a SOCK_SEQPACKET
 * Unix socket, in the directory only root and liteauthd's user enter) and
 * has liteauthd carry out each call of store.h it makes, with the same
 * code that carries it out locally. One message each way per call; no
 * transaction is ever open between two messages, so a liteauth that is
 * killed or stopped between them (or in the middle of one) holds nothing:
 * liteauthd answers the next device at once.
 *
 * Request: version, op, kind (or table), flags, count (32 bits, big
 * endian), then what the op takes. Answer: version, op, 0, 0, the result
 * (a negative errno, 0, or a positive answer; 32 bits, big endian), then
 * what the op gives. Records are the tables' own (la_rec_put), after
 * their ID and a length byte.
 *
 * LA_CTL_STATUS (liteauth status) is liteauthd's, not the store's: its
 * answer is the number of pairs, then each pair as a type byte ('n' a
 * number, 's' a string), its name and its value, each a C string.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"

#define LA_CTL_VERSION	1
#define LA_CTL_HDR	8
/* Principals in one LA_CTL_MANY: a transaction of liteauthd's, short. */
#define LA_CTL_BATCH	256
#define LA_CTL_REC	(LA_ID_LEN + 1 + LA_REC_MAX_LEN)
/* How long a liteauth waits for liteauthd's answer, in milliseconds. */
#define LA_CTL_TIMEOUT_MS 60000

_Static_assert(LA_CTL_HDR + 4 + LA_CTL_BATCH * LA_CTL_REC <= LA_CTL_MSG_MAX,
	       "a batch fits in a message");
_Static_assert(LA_CTL_HDR + 3 + LA_CHUNK_BYTES <= LA_CTL_MSG_MAX,
	       "a chunk fits in a message");

enum la_ctl_op {
	LA_CTL_GET = 1,		/* ID -> record */
	LA_CTL_ADD,		/* ID, record */
	LA_CTL_DEL,		/* ID */
	LA_CTL_ENABLE,		/* ID, 0 or 1 */
	LA_CTL_REKEY,		/* ID, key; flags: LA_REKEY_* -> CTR */
	LA_CTL_MANY,		/* count records; flags: 1 add -> done, taken */
	LA_CTL_SYNC,		/* the log to the disk */
	LA_CTL_CHUNK,		/* table; key length, key -> more, rows, rows */
	LA_CTL_VERIFY,		/* -> damaged: (file, why) as C strings */
	LA_CTL_BACKUP,		/* -> its path, as a C string */
	LA_CTL_STATUS,		/* -> pairs, (type, name, value); liteauthd's */
};

/* A status pair's name: 1 to 63 of [a-z0-9-]; a string's value, 255. */
#define LA_STATUS_NAME_MAX	63
#define LA_STATUS_VALUE_MAX	255

int la_ctl_connect(const char *dir, int *fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, ret;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control", dir) >=
	    (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(s);
		return ret;
	}
	*fd = s;
	return 0;
}

int la_store_listen(const char *dir, int *fd, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t mask;
	int s, ret;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control", dir) >=
	    (int)sizeof(sa.sun_path)) {
		snprintf(err, errlen,
			 "database %s: its name is too long for a control socket in it (%zu bytes at most)",
			 dir, sizeof(sa.sun_path) - sizeof("/control"));
		return -ENAMETOOLONG;
	}
	/* Only the lock's holder binds it: one there is a dead one's. */
	unlink(sa.sun_path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mask = umask(077);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(s, 16)) {
		ret = -errno;
		umask(mask);
		snprintf(err, errlen, "control socket %s: %s", sa.sun_path,
			 strerror(errno));
		if (s >= 0)
			close(s);
		return ret;
	}
	umask(mask);
	*fd = s;
	return 0;
}

static void la_ctl_hdr(u8 *m, enum la_ctl_op op, unsigned int kind,
		       unsigned int flags, u32 n)
{
	m[0] = LA_CTL_VERSION;
	m[1] = op;
	m[2] = kind;
	m[3] = flags;
	la_put_be32(m + 4, n);
}

/*
 * Sends request @req on @fd and waits for its answer, @timeout_ms at
 * most, into @ans (LA_CTL_MSG_MAX bytes): its length, or a negative
 * errno. A liteauthd gone (or one that does not answer in time) is
 * -ECONNRESET, -ETIMEDOUT.
 */
static ssize_t la_ctl_call_fd(int fd, const u8 *req, size_t len, u8 *ans,
			      int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int ret;

	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		return errno == EPIPE ? -ECONNRESET : -errno;
	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret <= 0)
		return ret ? -errno : -ETIMEDOUT;
	n = recv(fd, ans, LA_CTL_MSG_MAX, MSG_TRUNC);
	if (n < 0)
		return -errno;
	if (!n)
		return -ECONNRESET;	/* liteauthd closed it */
	if (n < LA_CTL_HDR || n > LA_CTL_MSG_MAX || ans[0] != LA_CTL_VERSION ||
	    ans[1] != req[1])
		return -EPROTO;
	return n;
}

/* The same on @st's connection, LA_CTL_TIMEOUT_MS at most. */
static ssize_t la_ctl_call(struct la_store *st, const u8 *req, size_t len,
			   u8 *ans)
{
	return la_ctl_call_fd(st->ctl, req, len, ans, LA_CTL_TIMEOUT_MS);
}

static int la_ctl_result(const u8 *ans)
{
	return (int)la_get_be32(ans + 4);
}

/* One record after its ID, as messages carry them: its length. */
static size_t la_ctl_rec(u8 *m, const struct la_principal *p)
{
	size_t n;

	memcpy(m, p->id, LA_ID_LEN);
	n = la_rec_put(m + LA_ID_LEN + 1, p);
	m[LA_ID_LEN] = n;
	return LA_ID_LEN + 1 + n;
}

/* The record at @m (@len bytes left) into @p: its length, or < 0. */
static ssize_t la_ctl_unrec(const u8 *m, size_t len, struct la_principal *p)
{
	if (len < LA_ID_LEN + 1 || m[LA_ID_LEN] > LA_REC_MAX_LEN ||
	    len < LA_ID_LEN + 1 + (size_t)m[LA_ID_LEN])
		return -EBADMSG;
	if (la_rec_get(p, m, m + LA_ID_LEN + 1, m[LA_ID_LEN]))
		return -EBADMSG;
	return LA_ID_LEN + 1 + m[LA_ID_LEN];
}

/* A request of an ID and @extra bytes after it: the result, or < 0. */
static int la_ctl_simple(struct la_store *st, enum la_ctl_op op,
			 enum la_kind kind, unsigned int flags, const u8 *id,
			 const void *extra, size_t elen, u8 *ans, ssize_t *alen)
{
	u8 req[LA_CTL_HDR + LA_ID_LEN + LA_KEY_LEN + 1];
	ssize_t n;

	la_ctl_hdr(req, op, kind, flags, 1);
	memcpy(req + LA_CTL_HDR, id, LA_ID_LEN);
	if (elen)
		memcpy(req + LA_CTL_HDR + LA_ID_LEN, extra, elen);
	n = la_ctl_call(st, req, LA_CTL_HDR + LA_ID_LEN + elen, ans);
	memzero_explicit(req, sizeof(req));
	if (n < 0)
		return n;
	if (alen)
		*alen = n;
	return la_ctl_result(ans);
}

int la_ctl_get(struct la_store *st, enum la_kind kind, const u8 *id,
	       struct la_principal *p)
{
	u8 *ans = malloc(LA_CTL_MSG_MAX);
	ssize_t n = 0;
	int ret;

	if (!ans)
		return -ENOMEM;
	ret = la_ctl_simple(st, LA_CTL_GET, kind, 0, id, NULL, 0, ans, &n);
	if (!ret && (la_ctl_unrec(ans + LA_CTL_HDR, n - LA_CTL_HDR, p) < 0 ||
		     memcmp(p->id, id, LA_ID_LEN)))
		ret = -EPROTO;
	memzero_explicit(ans, LA_CTL_MSG_MAX);
	free(ans);
	return ret;
}

int la_ctl_put(struct la_store *st, enum la_kind kind,
	       const struct la_principal *p)
{
	u8 req[LA_CTL_HDR + LA_CTL_REC], ans[LA_CTL_MSG_MAX];
	ssize_t n;
	size_t len;

	la_ctl_hdr(req, LA_CTL_ADD, kind, 0, 1);
	len = la_ctl_rec(req + LA_CTL_HDR, p);
	n = la_ctl_call(st, req, LA_CTL_HDR + len, ans);
	memzero_explicit(req, sizeof(req));
	return n < 0 ? n : la_ctl_result(ans);
}

int la_ctl_del(struct la_store *st, enum la_kind kind, const u8 *id)
{
	u8 ans[LA_CTL_MSG_MAX];

	return la_ctl_simple(st, LA_CTL_DEL, kind, 0, id, NULL, 0, ans, NULL);
}

int la_ctl_enable(struct la_store *st, enum la_kind kind, const u8 *id,
		  bool enable)
{
	u8 ans[LA_CTL_MSG_MAX], e = enable;

	return la_ctl_simple(st, LA_CTL_ENABLE, kind, 0, id, &e, 1, ans, NULL);
}

int la_ctl_rekey(struct la_store *st, enum la_kind kind, const u8 *id,
		 const u8 *key, unsigned int flags, u32 *ctr)
{
	u8 ans[LA_CTL_MSG_MAX];
	ssize_t n = 0;
	int ret;

	ret = la_ctl_simple(st, LA_CTL_REKEY, kind, flags, id, key,
			    LA_KEY_LEN, ans, &n);
	if (n >= LA_CTL_HDR + 4 && ctr)	/* liteauthd answered */
		*ctr = la_get_be32(ans + LA_CTL_HDR);
	return ret;
}

int la_ctl_many(struct la_store *st, enum la_kind kind, bool add, size_t n,
		void (*get)(void *arg, size_t i, struct la_principal *p),
		void (*taken)(void *arg, size_t i), void *arg, size_t *done)
{
	u8 *req = malloc(LA_CTL_MSG_MAX), *ans = malloc(LA_CTL_MSG_MAX);
	struct la_principal p;
	size_t from, to, i, len;
	ssize_t alen;
	int ret = 0;

	*done = 0;
	if (!req || !ans) {
		free(req);
		free(ans);
		return -ENOMEM;
	}
	for (from = 0; from < n && !ret; from = to) {
		to = from + (n - from < LA_CTL_BATCH ? n - from : LA_CTL_BATCH);
		la_ctl_hdr(req, LA_CTL_MANY, kind, add, to - from);
		len = LA_CTL_HDR;
		for (i = from; i < to; i++) {
			get(arg, i, &p);
			len += la_ctl_rec(req + len, &p);
		}
		la_principal_wipe(&p);
		alen = la_ctl_call(st, req, len, ans);
		memzero_explicit(req, len);
		if (alen < 0) {
			ret = alen;
			break;
		}
		ret = la_ctl_result(ans);
		if (ret)
			break;
		if ((size_t)alen != LA_CTL_HDR + 4 + (to - from) ||
		    la_get_be32(ans + LA_CTL_HDR) != to - from) {
			ret = -EPROTO;
			break;
		}
		for (i = from; i < to; i++)
			if (ans[LA_CTL_HDR + 4 + i - from])
				taken(arg, i);
		*done = to;
	}
	free(req);
	free(ans);
	return ret;
}

int la_ctl_sync(struct la_store *st)
{
	u8 req[LA_CTL_HDR], ans[LA_CTL_MSG_MAX];
	ssize_t n;

	la_ctl_hdr(req, LA_CTL_SYNC, 0, 0, 0);
	n = la_ctl_call(st, req, sizeof(req), ans);
	return n < 0 ? n : la_ctl_result(ans);
}

int la_ctl_chunk(struct la_store *st, enum la_table t, const u8 *after,
		 size_t alen, struct la_chunk *c)
{
	u8 req[LA_CTL_HDR + 1 + LA_CHUNK_KEY_MAX], *ans;
	ssize_t n;
	int ret;

	if (alen > LA_CHUNK_KEY_MAX)
		return -EINVAL;
	ans = malloc(LA_CTL_MSG_MAX);
	if (!ans)
		return -ENOMEM;
	la_ctl_hdr(req, LA_CTL_CHUNK, t, 0, 1);
	req[LA_CTL_HDR] = alen;
	memcpy(req + LA_CTL_HDR + 1, after, alen);
	n = la_ctl_call(st, req, LA_CTL_HDR + 1 + alen, ans);
	ret = n < 0 ? n : la_ctl_result(ans);
	if (!ret && (n < LA_CTL_HDR + 3 ||
		     (size_t)n - LA_CTL_HDR - 3 > sizeof(c->buf) ||
		     ans[LA_CTL_HDR] > 1))
		ret = -EPROTO;
	if (!ret) {
		c->more = ans[LA_CTL_HDR];
		c->rows = la_get_be16(ans + LA_CTL_HDR + 1);
		c->len = n - LA_CTL_HDR - 3;
		memcpy(c->buf, ans + LA_CTL_HDR + 3, c->len);
		/* The walker checks each row against c->len as it reads. */
		if (c->rows > LA_CHUNK_ROWS)
			ret = -EPROTO;
	}
	memzero_explicit(ans, LA_CTL_MSG_MAX);
	free(ans);
	return ret;
}

int la_ctl_verify(struct la_store *st,
		  void (*bad)(void *arg, const char *file, const char *why),
		  void *arg)
{
	u8 req[LA_CTL_HDR], *ans = malloc(LA_CTL_MSG_MAX);
	const char *p, *end, *why;
	ssize_t n;
	int ret, i;

	if (!ans)
		return -ENOMEM;
	la_ctl_hdr(req, LA_CTL_VERIFY, 0, 0, 0);
	n = la_ctl_call(st, req, sizeof(req), ans);
	ret = n < 0 ? n : la_ctl_result(ans);
	p = (const char *)ans + LA_CTL_HDR;
	end = (const char *)ans + (n > 0 ? n : 0);
	for (i = 0; ret > 0 && i < ret; i++) {
		why = memchr(p, 0, end - p);
		if (!why || !memchr(why + 1, 0, end - why - 1)) {
			ret = -EPROTO;
			break;
		}
		why++;
		bad(arg, p, why);
		p = why + strlen(why) + 1;
	}
	free(ans);
	return ret;
}

int la_ctl_backup(struct la_store *st, char *path, size_t len)
{
	u8 req[LA_CTL_HDR], *ans = malloc(LA_CTL_MSG_MAX);
	ssize_t n;
	int ret;

	if (!ans)
		return -ENOMEM;
	la_ctl_hdr(req, LA_CTL_BACKUP, 0, 0, 0);
	n = la_ctl_call(st, req, sizeof(req), ans);
	ret = n < 0 ? n : la_ctl_result(ans);
	if (!ret && (n <= LA_CTL_HDR || ans[n - 1] ||
		     (size_t)(n - LA_CTL_HDR) > len))
		ret = -EPROTO;
	if (!ret)
		memcpy(path, ans + LA_CTL_HDR, n - LA_CTL_HDR);
	free(ans);
	return ret;
}

static bool la_status_name_ok(const char *name, size_t len)
{
	return len && len <= LA_STATUS_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

/* Whether @v (@len bytes) is a value of type @type. */
static bool la_status_value_ok(u8 type, const char *v, size_t len)
{
	size_t i;

	if (type == 'n')
		return len && len <= 20 && strspn(v, "0123456789") == len;
	if (type != 's' || len > LA_STATUS_VALUE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((u8)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

/*
 * The pair at @p (before @end): its length, with its name and value, or
 * 0 if it is not one.
 */
static size_t la_status_pair(const char *p, const char *end,
			     const char **name, const char **value)
{
	const char *nend, *vend;

	if (end - p < 3)
		return 0;
	*name = p + 1;
	nend = memchr(*name, 0, end - *name);
	if (!nend)
		return 0;
	*value = nend + 1;
	vend = memchr(*value, 0, end - *value);
	if (!vend || !la_status_name_ok(*name, nend - *name) ||
	    !la_status_value_ok(*p, *value, vend - *value))
		return 0;
	return vend + 1 - p;
}

int la_ctl_status(const char *dir, int *pid,
		  void (*fn)(void *arg, const char *name, const char *value,
			     bool number),
		  void *arg)
{
	const char *p, *end, *name, *value;
	u8 req[LA_CTL_HDR], *ans;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd, ret, i;
	ssize_t n;
	size_t k;

	ret = la_ctl_connect(dir, &fd);
	if (ret)
		return ret;
	if (pid && !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		*pid = cred.pid;
	ans = malloc(LA_CTL_MSG_MAX);
	if (!ans) {
		close(fd);
		return -ENOMEM;
	}
	la_ctl_hdr(req, LA_CTL_STATUS, 0, 0, 0);
	n = la_ctl_call_fd(fd, req, sizeof(req), ans, LA_STATUS_TIMEOUT_MS);
	close(fd);
	ret = n < 0 ? n : la_ctl_result(ans);
	/* The whole answer read before anything of it is given. */
	for (k = 0; k < 2 && ret > 0; k++) {
		p = (const char *)ans + LA_CTL_HDR;
		end = (const char *)ans + n;
		for (i = 0; i < ret; i++) {
			size_t len = la_status_pair(p, end, &name, &value);

			if (!len) {
				ret = -EPROTO;
				break;
			}
			if (k)
				fn(arg, name, value, *p == 'n');
			p += len;
		}
		if (ret > 0 && p != end)
			ret = -EPROTO;
	}
	free(ans);
	return ret < 0 ? ret : 0;
}

/* liteauthd's side. */

bool la_ctl_is_status(const void *req, size_t len)
{
	const u8 *r = req;

	return len >= 2 && r[0] == LA_CTL_VERSION && r[1] == LA_CTL_STATUS;
}

void la_status_begin(struct la_status *w, const void *req, size_t len,
		     void *answer)
{
	w->ans = answer;
	w->len = LA_CTL_HDR;
	w->n = 0;
	w->err = len == LA_CTL_HDR && la_ctl_is_status(req, len) &&
		 !memcmp((const u8 *)req + 2, "\0\0\0\0\0\0", 6) ? 0 : -EINVAL;
	la_ctl_hdr(w->ans, LA_CTL_STATUS, 0, 0, 0);
}

static void la_status_put(struct la_status *w, u8 type, const char *name,
			  const char *value)
{
	size_t nl = strlen(name), vl = strnlen(value, LA_STATUS_VALUE_MAX), i;
	u8 *p;

	if (w->err)
		return;
	if (!la_status_name_ok(name, nl) ||
	    w->len + 1 + nl + 1 + vl + 1 > LA_CTL_MSG_MAX) {
		w->err = -EMSGSIZE;	/* never: a bug */
		return;
	}
	p = w->ans + w->len;
	*p++ = type;
	memcpy(p, name, nl + 1);
	p += nl + 1;
	for (i = 0; i < vl; i++)
		*p++ = (u8)value[i] < 0x20 || value[i] == 0x7f ? '?' : value[i];
	*p++ = '\0';
	w->len = p - w->ans;
	w->n++;
}

void la_status_num(struct la_status *w, const char *name, u64 value)
{
	char v[24];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)value);
	la_status_put(w, 'n', name, v);
}

void la_status_str(struct la_status *w, const char *name, const char *value)
{
	la_status_put(w, 's', name, value);
}

size_t la_status_end(struct la_status *w)
{
	if (w->err)
		w->len = LA_CTL_HDR;
	la_put_be32(w->ans + 4, w->err ? (u32)w->err : w->n);
	return w->len;
}

void la_store_health(const struct la_store *st, struct la_store_health *h)
{
	memset(h, 0, sizeof(*h));
	h->failed = la_store_failed(st);
	h->ckp_thread = st->ckp_running;
	la_store_checkpoint_stats(st, &h->ckp_done, &h->ckp_failed,
				  &h->ckp_err);
	h->check_time = st->check_time;
	h->check_result = st->check_result;
	h->backup_time = st->backup_time;
	h->backup_result = st->backup_result;
}

struct la_serve_verify {
	u8 *ans;
	size_t len;
};

static void la_serve_bad(void *arg, const char *file, const char *why)
{
	struct la_serve_verify *v = arg;
	size_t f = strlen(file) + 1, w = strnlen(why, 1024) + 1;

	if (v->len + f + w > LA_CTL_MSG_MAX)
		return;		/* six tables: never */
	memcpy(v->ans + v->len, file, f);
	memcpy(v->ans + v->len + f, why, w - 1);
	v->ans[v->len + f + w - 1] = '\0';
	v->len += f + w;
}

struct la_serve_many {
	struct la_principal *p;
	u8 *taken;
};

static void la_serve_get(void *arg, size_t i, struct la_principal *p)
{
	struct la_serve_many *m = arg;

	*p = m->p[i];
}

static void la_serve_taken(void *arg, size_t i)
{
	struct la_serve_many *m = arg;

	m->taken[i] = 1;
}

static int la_serve_many(struct la_store *st, const u8 *req, size_t len,
			 u8 *ans, size_t *alen)
{
	u32 n = la_get_be32(req + 4), i;
	struct la_serve_many m;
	size_t off = LA_CTL_HDR, done;
	ssize_t r;
	int ret;

	if (req[2] > LA_GATEWAY || req[3] > 1 || !n || n > LA_CTL_BATCH)
		return -EINVAL;
	m.p = calloc(n, sizeof(*m.p));
	if (!m.p)
		return -ENOMEM;
	m.taken = ans + LA_CTL_HDR + 4;
	memset(m.taken, 0, n);
	for (i = 0, ret = 0; i < n && !ret; i++) {
		r = la_ctl_unrec(req + off, len - off, &m.p[i]);
		if (r < 0)
			ret = -EINVAL;
		else
			off += r;
	}
	if (!ret && off != len)
		ret = -EINVAL;
	if (!ret)
		ret = la_store_many_local(st, req[2], req[3], n, la_serve_get,
					  la_serve_taken, &m, &done);
	if (!ret) {
		la_put_be32(ans + LA_CTL_HDR, done);
		*alen = LA_CTL_HDR + 4 + n;
	}
	memzero_explicit(m.p, n * sizeof(*m.p));
	free(m.p);
	return ret;
}

static int la_serve_chunk(struct la_store *st, const u8 *req, size_t len,
			  u8 *ans, size_t *alen)
{
	struct la_chunk *c;
	int ret;

	if (len < LA_CTL_HDR + 1 || req[2] >= LA_T_MAX ||
	    req[LA_CTL_HDR] > LA_CHUNK_KEY_MAX ||
	    len != LA_CTL_HDR + 1 + (size_t)req[LA_CTL_HDR])
		return -EINVAL;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	ret = la_chunk_local(st, req[2], req + LA_CTL_HDR + 1,
			     req[LA_CTL_HDR], c);
	if (!ret) {
		ans[LA_CTL_HDR] = c->more;
		la_put_be16(ans + LA_CTL_HDR + 1, c->rows);
		memcpy(ans + LA_CTL_HDR + 3, c->buf, c->len);
		*alen = LA_CTL_HDR + 3 + c->len;
	}
	memzero_explicit(c, sizeof(*c));
	free(c);
	return ret;
}

int la_store_serve(struct la_store *st, const void *request, size_t len,
		   void *answer, size_t *alen, struct la_store_change *chg)
{
	const u8 *req = request, *id = req + LA_CTL_HDR;
	struct la_principal p;
	u8 *ans = answer;
	u32 ctr = 0;
	int ret;

	memset(chg, 0, sizeof(*chg));
	*alen = LA_CTL_HDR;
	if (len < LA_CTL_HDR || req[0] != LA_CTL_VERSION) {
		ans[0] = LA_CTL_VERSION;
		ans[1] = len >= 2 ? req[1] : 0;
		ans[2] = ans[3] = 0;
		la_put_be32(ans + 4, (u32)-EPROTO);
		return -EPROTO;
	}
	la_ctl_hdr(ans, req[1], 0, 0, 0);
	ret = -EINVAL;
	if (req[1] != LA_CTL_CHUNK && req[1] != LA_CTL_SYNC &&
	    req[1] != LA_CTL_VERIFY && req[1] != LA_CTL_BACKUP &&
	    req[2] > LA_GATEWAY)
		goto out;
	switch (req[1]) {
	case LA_CTL_GET:
		if (len != LA_CTL_HDR + LA_ID_LEN)
			break;
		ret = la_store_get(st, req[2], id, &p);
		if (!ret)
			*alen += la_ctl_rec(ans + LA_CTL_HDR, &p);
		la_principal_wipe(&p);
		break;
	case LA_CTL_ADD:
		if (la_ctl_unrec(id, len - LA_CTL_HDR, &p) !=
		    (ssize_t)(len - LA_CTL_HDR))
			break;
		ret = la_store_add(st, req[2], &p);
		la_principal_wipe(&p);
		chg->id_set = !ret;
		break;
	case LA_CTL_DEL:
		if (len != LA_CTL_HDR + LA_ID_LEN)
			break;
		ret = la_store_del(st, req[2], id);
		chg->id_set = !ret;
		break;
	case LA_CTL_ENABLE:
		if (len != LA_CTL_HDR + LA_ID_LEN + 1 || id[LA_ID_LEN] > 1)
			break;
		ret = la_store_set_enabled(st, req[2], id, id[LA_ID_LEN]);
		chg->id_set = !ret;
		break;
	case LA_CTL_REKEY:
		if (len != LA_CTL_HDR + LA_ID_LEN + LA_KEY_LEN ||
		    req[3] & ~LA_REKEY_RESET_CTR)
			break;
		ret = la_store_rekey(st, req[2], id, id + LA_ID_LEN, req[3],
				     &ctr);
		la_put_be32(ans + LA_CTL_HDR, ctr);
		*alen += 4;
		chg->id_set = !ret;
		break;
	case LA_CTL_MANY:
		ret = la_serve_many(st, req, len, ans, alen);
		break;
	case LA_CTL_SYNC:
		if (len == LA_CTL_HDR)
			ret = la_store_sync_local(st);
		break;
	case LA_CTL_CHUNK:
		ret = la_serve_chunk(st, req, len, ans, alen);
		break;
	case LA_CTL_BACKUP:
		if (len == LA_CTL_HDR) {
			char *path = (char *)ans + LA_CTL_HDR;

			ret = la_store_backup_local(st, path, 4096);
			if (!ret)
				*alen += strlen(path) + 1;
			st->backup_time = time(NULL);
			st->backup_result = ret;
		}
		break;
	case LA_CTL_VERIFY:
		if (len == LA_CTL_HDR) {
			struct la_serve_verify v = { ans, LA_CTL_HDR };

			ret = la_store_verify_local(st, la_serve_bad, &v);
			*alen = v.len;
			st->check_time = time(NULL);
			st->check_result = ret;
		}
		break;
	default:
		ret = -EOPNOTSUPP;
	}
out:
	if (chg->id_set) {
		chg->kind = req[2];
		memcpy(chg->id, id, LA_ID_LEN);
	}
	la_put_be32(ans + 4, (u32)ret);
	return ret;
}
