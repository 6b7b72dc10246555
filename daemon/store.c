// SPDX-License-Identifier: GPL-2.0
/*
 * The server's key store on Berkeley DB (store.h).
 *
 * Records are versioned and big-endian, decoded with every length checked:
 * a database file is input like any other. Every write is a transaction.
 * One process opens the environment, the holder of the directory's lock;
 * the others, while a liteauthd holds it, ask that liteauthd over its
 * control socket (store_ctl.c). So no lock of Berkeley DB is ever wanted
 * by two processes, and no transaction waits for one: they run with
 * DB_TXN_NOWAIT, and a lock not granted is an error, never a wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/limits.h>	/* PATH_MAX (kmod/limits.h is not this) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <db.h>
#include <openssl/evp.h>

#include "store_int.h"

/*
 * Principal records: version 4 (written) adds the device's handshake
 * answered with a GW_KEY to version 3, which added its held SIDs to
 * version 2, which added its CTR to version 1 (all still read, with no
 * handshake, none held and, for version 1, CTR 0). Audit records: version 2 adds flags,
 * count and CTR to version 1 (still read, with count 1). SID marks:
 * version 1. Key history (store.h): version 1, the CTR a key reached,
 * under the device's ID and the key's fingerprint.
 */
#define LA_REC_V1	1
#define LA_REC_V1_FIXED	45	/* version .. name length */
#define LA_REC_V2	2
#define LA_REC_V2_FIXED	49
#define LA_REC_V3	3
#define LA_HELD_LEN	19	/* flags, IDg, SID, expires */
#define LA_REC_CTR	44	/* where the CTR is, from version 2 on */
#define LA_REC_HELD	48	/* where the held SIDs start */
#define LA_REC_V3_FIXED	(LA_REC_HELD + LA_HELD_MAX * LA_HELD_LEN + 1)
#define LA_REC_VERSION	4
#define LA_HS_LEN	30	/* IDg, Rs, SID, CTR, expires */
#define LA_REC_HS	(LA_REC_V3_FIXED - 1)	/* where the handshake is */
#define LA_REC_FIXED	(LA_REC_HS + LA_HS_LEN + 1)
#define LA_REC_MAX	(LA_REC_FIXED + LA_NAME_MAX)
#define LA_HELD_F_GATEWAY 0x01
#define LA_MARK_VERSION	1
#define LA_MARK_FIXED	12	/* version, hwm, lo, life, nq */
#define LA_MARK_Q_LEN	16	/* lo, hi, until */
#define LA_MARK_MAX	(LA_MARK_FIXED + LA_SID_QUARANTINES * LA_MARK_Q_LEN)
#define LA_MARK_KEY_LEN	(1 + LA_ID_LEN)	/* gateway or not, IDg */
#define LA_KEYS_VERSION	1
#define LA_KEYS_LEN	5	/* version, CTR */
#define LA_KEYS_KEY_LEN	(LA_ID_LEN + LA_KEY_FP_LEN)
#define LA_AUDIT_V1_LEN	27
#define LA_AUDIT_VERSION 2
#define LA_AUDIT_LEN	36
/* Version 1 audit records had no STALE: their reason 6 was a bad CONFIRM. */
#define LA_AUDIT_V1_BAD_CONFIRM 6
#define LA_PASS_MIN	10
#define LA_PASS_MAX	256
#define LA_RETRIES	100
/* How long a liteauth waits for another that holds the directory. */
#define LA_LOCK_WAIT_MS	5000
_Static_assert(LA_REC_MAX == LA_REC_MAX_LEN, "store_int.h: LA_REC_MAX_LEN");
_Static_assert(LA_MARK_KEY_LEN == LA_MARK_KEY_REC_LEN &&
	       LA_MARK_MAX == LA_MARK_REC_MAX && LA_KEYS_LEN == LA_KEYS_REC_LEN &&
	       LA_AUDIT_LEN == LA_AUDIT_REC_LEN && LA_PASS_MAX == LA_PASS_SIZE,
	       "store_int.h: the records' lengths");


/* The tables' files, by enum la_table. */
static const char *const la_table_files[LA_T_MAX] = {
	[LA_T_DEVICES] = "devices.db",
	[LA_T_GATEWAYS] = "gateways.db",
	[LA_T_AUDIT] = "audit.db",
	[LA_T_REFUSALS] = "refusals.db",
	[LA_T_MARKS] = "sids.db",
	[LA_T_KEYS] = "keys.db",
};

/* Berkeley DB's own words for the last error, for messages to the user. */
static __thread char la_db_msg[256];

static void la_db_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	(void)env;
	(void)pfx;
	snprintf(la_db_msg, sizeof(la_db_msg), "%s", msg);
}

static void la_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Berkeley DB's return codes as negative errnos. */
static int la_db_errno(int ret)
{
	switch (ret) {
	case 0:
		return 0;
	case DB_NOTFOUND:
		return -ENOENT;
	case DB_KEYEXIST:
		return -EEXIST;
	case DB_LOCK_DEADLOCK:
		return -EDEADLK;
	case DB_LOCK_NOTGRANTED:
		return -EBUSY;
	case DB_RUNRECOVERY:
		return -ENOTRECOVERABLE;
	default:
		return ret > 0 ? -ret : -EIO;
	}
}

static void la_put64(u8 *p, u64 v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

static u64 la_get64(const u8 *p)
{
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

size_t la_rec_put(u8 *r, const struct la_principal *p)
{
	size_t n = strnlen(p->name, LA_NAME_MAX);
	int i;

	r[0] = LA_REC_VERSION;
	r[1] = 0;
	r[2] = p->suite;
	r[3] = p->enabled ? 1 : 0;
	memcpy(r + 4, p->key, LA_KEY_LEN);
	la_put64(r + 20, p->created);
	la_put64(r + 28, p->last_auth);
	la_put64(r + 36, p->auth_count);
	la_put_be32(r + LA_REC_CTR, p->ctr);
	for (i = 0; i < LA_HELD_MAX; i++) {
		const struct la_held *h = &p->held[i];
		u8 *q = r + LA_REC_HELD + i * LA_HELD_LEN;

		q[0] = h->gateway ? LA_HELD_F_GATEWAY : 0;
		memcpy(q + 1, h->idg, LA_ID_LEN);
		la_put_be16(q + 9, h->sid);
		la_put64(q + 11, h->expires);
	}
	memcpy(r + LA_REC_HS, p->hs.idg, LA_ID_LEN);
	memcpy(r + LA_REC_HS + 8, p->hs.rs, LA_NONCE_LEN);
	la_put_be16(r + LA_REC_HS + 16, p->hs.sid);
	la_put_be32(r + LA_REC_HS + 18, p->hs.ctr);
	la_put64(r + LA_REC_HS + 22, p->hs.expires);
	r[LA_REC_FIXED - 1] = n;
	memcpy(r + LA_REC_FIXED, p->name, n);
	return LA_REC_FIXED + n;
}

/* Any version; every length is checked before anything is read. */
int la_rec_get(struct la_principal *p, const u8 *id, const u8 *r,
		      size_t len)
{
	size_t fixed;
	u8 idc[LA_ID_LEN];
	bool held;
	int i;

	if (len < 1)
		return -EBADMSG;
	if (r[0] == LA_REC_V1)
		fixed = LA_REC_V1_FIXED;
	else if (r[0] == LA_REC_V2)
		fixed = LA_REC_V2_FIXED;
	else if (r[0] == LA_REC_V3)
		fixed = LA_REC_V3_FIXED;
	else if (r[0] == LA_REC_VERSION)
		fixed = LA_REC_FIXED;
	else
		return -EBADMSG;
	if (len < fixed || r[3] > 1 || r[fixed - 1] > LA_NAME_MAX ||
	    len != fixed + (size_t)r[fixed - 1])
		return -EBADMSG;
	held = r[0] >= LA_REC_V3;
	for (i = 0; held && i < LA_HELD_MAX; i++)
		if (r[LA_REC_HELD + i * LA_HELD_LEN] & ~LA_HELD_F_GATEWAY)
			return -EBADMSG;
	memcpy(idc, id, LA_ID_LEN);	/* @id may be @p->id */
	memset(p, 0, sizeof(*p));
	memcpy(p->id, idc, LA_ID_LEN);
	p->suite = r[2];
	p->enabled = r[3];
	memcpy(p->key, r + 4, LA_KEY_LEN);
	p->created = la_get64(r + 20);
	p->last_auth = la_get64(r + 28);
	p->auth_count = la_get64(r + 36);
	if (r[0] != LA_REC_V1)
		p->ctr = la_get_be32(r + LA_REC_CTR);
	for (i = 0; held && i < LA_HELD_MAX; i++) {
		const u8 *q = r + LA_REC_HELD + i * LA_HELD_LEN;
		struct la_held *h = &p->held[i];

		h->gateway = q[0] & LA_HELD_F_GATEWAY;
		memcpy(h->idg, q + 1, LA_ID_LEN);
		h->sid = la_get_be16(q + 9);
		h->expires = la_get64(q + 11);
	}
	if (r[0] == LA_REC_VERSION) {
		memcpy(p->hs.idg, r + LA_REC_HS, LA_ID_LEN);
		memcpy(p->hs.rs, r + LA_REC_HS + 8, LA_NONCE_LEN);
		p->hs.sid = la_get_be16(r + LA_REC_HS + 16);
		p->hs.ctr = la_get_be32(r + LA_REC_HS + 18);
		p->hs.expires = la_get64(r + LA_REC_HS + 22);
	}
	memcpy(p->name, r + fixed, r[fixed - 1]);
	return 0;
}



void la_principal_wipe(struct la_principal *p)
{
	memzero_explicit(p, sizeof(*p));
}

/*
 * Reads the passphrase, refusing a file others could read. For a new
 * store (@strict), it must be LA_PASS_MIN to LA_PASS_MAX - 1 printable
 * bytes on one line (one final newline is not part of it): a NUL would
 * cut it short, and the environment keeps it as a C string. A store made
 * before that policy opens with the passphrase it was made with, read as
 * then: every final CR and LF dropped, up to its first NUL, 1 to 255
 * bytes.
 */
int la_read_pass(const char *file, char *pass, bool strict, char *err,
		 size_t errlen)
{
	char buf[LA_PASS_MAX + 2];	/* the longest, "\r\n" and a byte more */
	struct stat st;
	ssize_t n, i;
	int fd;

	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		la_err(err, errlen, "cannot open passphrase file %s: %s", file,
		       strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		la_err(err, errlen, "passphrase file %s is not a regular file",
		       file);
		close(fd);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		la_err(err, errlen,
		       "passphrase file %s is readable by others (mode %04o): run chmod 600 %s",
		       file, (unsigned int)(st.st_mode & 07777), file);
		close(fd);
		return -EPERM;
	}
	/* An old store's, as then: LA_PASS_MAX bytes of it at most. */
	n = read(fd, buf, strict ? sizeof(buf) : LA_PASS_MAX);
	close(fd);
	if (strict) {
		/* One final newline, \n or \r\n, is not part of it. */
		if (n > 0 && buf[n - 1] == '\n' && --n > 0 && buf[n - 1] == '\r')
			n--;
	} else {
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		if (n > 0 && memchr(buf, 0, n))
			n = (char *)memchr(buf, 0, n) - buf;
	}
	for (i = 0; strict && n < LA_PASS_MAX && i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			break;
	if (n >= LA_PASS_MAX || n < (strict ? LA_PASS_MIN : 1))
		la_err(err, errlen,
		       "passphrase file %s must hold %d to %d bytes on one line (liteauth genkey makes one)",
		       file, strict ? LA_PASS_MIN : 1, LA_PASS_MAX - 1);
	else if (strict && i < n)
		la_err(err, errlen,
		       "passphrase file %s holds a control character or a NUL (byte %zd): a passphrase is printable text on one line (liteauth genkey makes one)",
		       file, i + 1);
	if (n >= LA_PASS_MAX || n < (strict ? LA_PASS_MIN : 1) ||
	    (strict && i < n)) {
		memzero_explicit(buf, sizeof(buf));
		return -EINVAL;
	}
	memcpy(pass, buf, n);
	pass[n] = '\0';
	memzero_explicit(buf, sizeof(buf));
	return 0;
}

void la_no_core(void)
{
	struct rlimit none = { 0, 0 };

	prctl(PR_SET_DUMPABLE, 0);
	setrlimit(RLIMIT_CORE, &none);
}

/* The store's files as their directory's owner (@on), or as this process. */
static void la_fs(const struct la_store *st, bool on)
{
	if (!st->as_owner)
		return;
	setfsgid(on ? st->gid : getegid());
	setfsuid(on ? st->uid : geteuid());
}

int la_store_checkpoint(struct la_store *st)
{
	int ret;

	if (st->ctl >= 0)
		return -EOPNOTSUPP;
	la_fs(st, true);
	ret = la_db_errno(st->env->txn_checkpoint(st->env, 0, 0, 0));
	la_fs(st, false);
	return ret;
}

bool la_store_failed(const struct la_store *st)
{
	return __atomic_load_n(&st->failed, __ATOMIC_RELAXED);
}

/*
 * The checkpoint thread: one every ckp_ms, until la_store_close says stop.
 * Berkeley DB's environment is free-threaded (DB_THREAD), and the loop's
 * transactions wait here at most for a page being written, never for the
 * whole checkpoint.
 */
static void *la_ckp_main(void *arg)
{
	struct la_store *st = arg;
	struct timespec due;
	sigset_t all;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	/* setfsuid() is a thread's own: the store's files, as their owner. */
	la_fs(st, true);
	pthread_mutex_lock(&st->ckp_lock);
	clock_gettime(CLOCK_MONOTONIC, &due);
	while (!st->ckp_stop) {
		struct timespec now;

		/* After one longer than the interval, the next a whole
		 * interval later: no checkpoints back to back.
		 */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > due.tv_sec ||
		    (now.tv_sec == due.tv_sec && now.tv_nsec > due.tv_nsec))
			due = now;
		due.tv_sec += st->ckp_ms / 1000;
		due.tv_nsec += (long)(st->ckp_ms % 1000) * 1000000;
		if (due.tv_nsec >= 1000000000) {
			due.tv_sec++;
			due.tv_nsec -= 1000000000;
		}
		while (!st->ckp_stop &&
		       pthread_cond_timedwait(&st->ckp_cond, &st->ckp_lock,
					      &due) != ETIMEDOUT)
			;
		if (st->ckp_stop || la_store_failed(st))
			break;
		/* Held while it writes: see la_ckp_hold. */
		ret = la_db_errno(st->env->txn_checkpoint(st->env, 0, 0, 0));
		if (ret) {
			__atomic_store_n(&st->ckp_err, ret, __ATOMIC_RELAXED);
			__atomic_add_fetch(&st->ckp_failed, 1, __ATOMIC_RELAXED);
		} else {
			__atomic_add_fetch(&st->ckp_done, 1, __ATOMIC_RELAXED);
		}
	}
	pthread_mutex_unlock(&st->ckp_lock);
	return NULL;
}

int la_store_checkpoint_thread(struct la_store *st, unsigned int interval_ms)
{
	pthread_condattr_t ca;
	int ret;

	if (st->ctl >= 0)
		return -EOPNOTSUPP;
	if (st->ckp_running || !interval_ms)
		return -EINVAL;
	st->ckp_ms = interval_ms;
	st->ckp_stop = false;
	ret = pthread_condattr_init(&ca);
	if (!ret)
		ret = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(&st->ckp_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (ret)
		return -ret;
	ret = pthread_mutex_init(&st->ckp_lock, NULL);
	if (!ret) {
		ret = pthread_create(&st->ckp, NULL, la_ckp_main, st);
		if (ret)
			pthread_mutex_destroy(&st->ckp_lock);
	}
	if (ret) {
		pthread_cond_destroy(&st->ckp_cond);
		return -ret;
	}
	pthread_setname_np(st->ckp, "la-checkpoint");
	st->ckp_running = true;
	return 0;
}

void la_store_checkpoint_stats(const struct la_store *st, u64 *done,
			       u64 *failed, int *err)
{
	*done = __atomic_load_n(&st->ckp_done, __ATOMIC_RELAXED);
	*failed = __atomic_load_n(&st->ckp_failed, __ATOMIC_RELAXED);
	*err = __atomic_load_n(&st->ckp_err, __ATOMIC_RELAXED);
}

/*
 * No checkpoint writes the tables' files between la_ckp_hold and
 * la_ckp_release: DB->verify reads them with no lock. Waits for one under
 * way. (A backup needs no hold: DB_ENV->backup copies the log after the
 * tables, and recovery of the copy mends a page copied half written.)
 */
static void la_ckp_hold(struct la_store *st)
{
	if (st->ckp_running)
		pthread_mutex_lock(&st->ckp_lock);
}

static void la_ckp_release(struct la_store *st)
{
	if (st->ckp_running)
		pthread_mutex_unlock(&st->ckp_lock);
}

/* Stops the checkpoint thread, waiting for a checkpoint it is taking. */
static void la_ckp_stop(struct la_store *st)
{
	if (!st->ckp_running)
		return;
	pthread_mutex_lock(&st->ckp_lock);
	st->ckp_stop = true;
	pthread_cond_signal(&st->ckp_cond);
	pthread_mutex_unlock(&st->ckp_lock);
	pthread_join(st->ckp, NULL);
	pthread_cond_destroy(&st->ckp_cond);
	pthread_mutex_destroy(&st->ckp_lock);
	st->ckp_running = false;
}

/* The tables of @mask (bits by enum la_table): see la_store_verify. */
static int la_verify(struct la_store *st, unsigned int mask,
		     void (*bad)(void *arg, const char *file, const char *why),
		     void *arg)
{
	int i, ret, damaged = 0;
	DB *db;

	if (st->ctl >= 0)
		return -EOPNOTSUPP;
	if (la_store_failed(st))
		return -ENOTRECOVERABLE;
	la_ckp_hold(st);
	la_fs(st, true);
	/* The files as the cache has them: verify reads the files. */
	st->env->txn_checkpoint(st->env, 0, 0, DB_FORCE);
	for (i = 0; i < LA_T_MAX; i++) {
		if (!(mask & 1U << i))
			continue;
		la_db_msg[0] = '\0';
		ret = db_create(&db, st->env, 0);
		if (!ret)
			ret = db->set_flags(db, DB_ENCRYPT);
		if (ret) {	/* a damaged table may have panicked it */
			la_fs(st, false);
			la_ckp_release(st);
			return damaged ? damaged : la_db_errno(ret);
		}
		/* The handle is gone after it, whatever it says. */
		ret = db->verify(db, la_table_files[i], NULL, NULL, 0);
		if (ret) {
			damaged++;
			bad(arg, la_table_files[i],
			    la_db_msg[0] ? la_db_msg : db_strerror(ret));
		}
	}
	la_fs(st, false);
	la_ckp_release(st);
	return damaged;
}

int la_store_verify_local(struct la_store *st,
			  void (*bad)(void *arg, const char *file,
				      const char *why),
			  void *arg)
{
	return la_verify(st, (1U << LA_T_MAX) - 1, bad, arg);
}

static void la_verify_quiet(void *arg, const char *file, const char *why)
{
	(void)arg;
	(void)file;
	(void)why;
}

/*
 * A liteauth that opened the store itself (no liteauthd checked it at
 * start) lists a table only once it is whole: a damaged page would end
 * the list early, and say nothing. -EBADMSG if it is not.
 */
static int la_list_check(struct la_store *st, unsigned int mask)
{
	int ret;

	if (st->owner || st->ctl >= 0 || !(mask & ~st->checked))
		return 0;
	ret = la_verify(st, mask & ~st->checked, la_verify_quiet, NULL);
	if (!ret)	/* once an open: what it writes keeps them whole */
		st->checked |= mask;
	return ret > 0 ? -EBADMSG : ret;
}

int la_store_backup_local(struct la_store *st, char *path, size_t len)
{
	const char *home = NULL;
	int ret;

	if (st->ctl >= 0)
		return -EOPNOTSUPP;
	if (la_store_failed(st))
		return -ENOTRECOVERABLE;
	st->env->get_home(st->env, &home);
	if (!home || snprintf(path, len, "%s/backup", home) >= (int)len)
		return -ENAMETOOLONG;
	la_fs(st, true);
	ret = st->env->txn_checkpoint(st->env, 0, 0, DB_FORCE);
	if (!ret && mkdir(path, 0700) && errno != EEXIST)
		ret = errno;
	/* The tables, then the log since their checkpoint: a copy that
	 * recovery (at its first open) makes consistent. The directory's
	 * earlier backup goes first.
	 */
	if (!ret)
		ret = st->env->backup(st->env, path,
				      DB_CREATE | DB_BACKUP_CLEAN);
	la_fs(st, false);
	return la_db_errno(ret);
}

int la_store_backup(struct la_store *st, char *path, size_t len)
{
	if (st->ctl >= 0)
		return la_ctl_backup(st, path, len);
	return la_store_backup_local(st, path, len);
}

int la_store_verify(struct la_store *st,
		    void (*bad)(void *arg, const char *file, const char *why),
		    void *arg)
{
	if (st->ctl >= 0)
		return la_ctl_verify(st, bad, arg);
	return la_store_verify_local(st, bad, arg);
}

void la_store_close(struct la_store *st)
{
	int i;

	if (!st)
		return;
	la_ckp_stop(st);
	la_fs(st, true);
	/* What is in the cache goes to the tables: the next opener's
	 * recovery has less to do.
	 */
	if (st->env && !la_store_failed(st) && st->t[LA_T_DEVICES])
		st->env->txn_checkpoint(st->env, 0, 0, 0);
	for (i = LA_T_MAX - 1; i >= 0; i--)
		if (st->t[i])
			st->t[i]->close(st->t[i], 0);
	if (st->env)
		st->env->close(st->env, 0);
	if (st->ctl >= 0)
		close(st->ctl);
	if (st->lockfd >= 0)
		close(st->lockfd);
	if (st->dirfd >= 0)
		close(st->dirfd);	/* and with it the lock */
	la_fs(st, false);
	free(st);
}

static int la_db_open(struct la_store *st, DB **db, const char *file,
		      DBTYPE type, unsigned int flags)
{
	int ret;

	ret = db_create(db, st->env, 0);
	if (!ret)
		ret = (*db)->set_flags(*db, DB_ENCRYPT);
	if (!ret)
		ret = (*db)->open(*db, NULL, file, NULL, type,
				  DB_AUTO_COMMIT | flags, 0600);
	return ret;
}

/* Berkeley DB's environment failed: nothing more is done with it. */
static void la_db_event(DB_ENV *env, u32 event, void *info)
{
	struct la_store *st = env->app_private;

	(void)info;
	if (event == DB_EVENT_PANIC && st)
		__atomic_store_n(&st->failed, true, __ATOMIC_RELAXED);
}

/* Who holds the lock of @dir, as its lock file says: "PID NAME". */
static void la_lock_holder(int fd, char *who, size_t len)
{
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	unsigned int i;

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	for (i = 0; buf[i]; i++)	/* a file, not to be trusted */
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
			buf[i] = '?';
	snprintf(who, len, "%s", *buf ? buf : "an unknown process");
}

/*
 * Takes the lock of @dir: only its holder opens the environment. The lock
 * is an flock of the directory itself (a file in it could be removed, and
 * another made, while its holder runs); DIR/lock only names the holder.
 * One that is not LA_STORE_OWNER asks a liteauthd serving DIR/control
 * first, and is its client if there is one. Another holder (a liteauth
 * while no liteauthd runs) is waited for LA_LOCK_WAIT_MS at most.
 */
static int la_lock_dir(struct la_store *st, const char *dir, bool owner,
		       char *err, size_t errlen)
{
	char path[PATH_MAX], who[80], me[48];
	unsigned int waited = 0;
	int ret, conn;

	if (snprintf(path, sizeof(path), "%s/lock", dir) >= (int)sizeof(path)) {
		la_err(err, errlen, "database %s: name too long", dir);
		return -ENAMETOOLONG;
	}
	st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	la_fs(st, true);	/* made as the directory's owner */
	st->lockfd = st->dirfd < 0 ? -1 :
		     open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			  0600);
	la_fs(st, false);
	if (st->lockfd < 0) {
		ret = -errno;
		la_err(err, errlen, "cannot open %s: %s",
		       st->dirfd < 0 ? dir : path, strerror(errno));
		return ret;
	}
	for (;;) {
		conn = la_ctl_connect(dir, &st->ctl);
		if (!conn && !owner)
			return 0;
		if (!flock(st->dirfd, LOCK_EX | LOCK_NB))
			break;
		if (errno != EWOULDBLOCK) {
			ret = -errno;
			la_err(err, errlen, "cannot lock %s: %s", dir,
			       strerror(errno));
			return ret;
		}
		la_lock_holder(st->lockfd, who, sizeof(who));
		if (!conn) {	/* and owner */
			la_err(err, errlen,
			       "database %s is in use by another liteauthd (%s)",
			       dir, who);
			return -EADDRINUSE;
		}
		if (conn != -ECONNREFUSED && conn != -ENOENT) {
			la_err(err, errlen,
			       "cannot reach the liteauthd serving %s: %s", dir,
			       strerror(-conn));
			return conn;
		}
		if (owner || waited >= LA_LOCK_WAIT_MS) {
			la_err(err, errlen,
			       strstr(who, "liteauthd") && !owner ?
			       "the database %s is held by %s, but its control socket does not answer: see its log, and restart it" :
			       "the database %s is locked by another process (%s)%s",
			       dir, who, owner ? "" :
			       ", and no liteauthd serves it: try again when it is done");
			return -EBUSY;
		}
		usleep(50000);
		waited += 50;
	}
	if (st->ctl >= 0) {	/* a liteauthd going: its socket, still */
		close(st->ctl);
		st->ctl = -1;
	}
	snprintf(me, sizeof(me), "%d %s\n", (int)getpid(),
		 program_invocation_short_name);
	if (ftruncate(st->lockfd, 0) ||
	    pwrite(st->lockfd, me, strlen(me), 0) != (ssize_t)strlen(me)) {
		/* Only a name for messages: the lock itself is held. */
	}
	return 0;
}

/*
 * A liteauthd or liteauth of an earlier version with the store open (it
 * shared the environment through region files, and locked
 * liteauthd.pid and __db.register, not the directory): this one must not
 * open it meanwhile. 0, or -EBUSY and why in @err.
 */
static int la_old_users(const char *dir, char *err, size_t errlen)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[PATH_MAX], pid[16] = "";
	ssize_t n;
	int fd, busy = 0;

	snprintf(path, sizeof(path), "%s/liteauthd.pid", dir);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		if (flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK) {
			n = pread(fd, pid, sizeof(pid) - 1, 0);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			busy = 1;
		} else {
			unlink(path);	/* this version's is DIR/lock */
		}
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/__db.register", dir);
	fd = busy ? -1 : open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		if (!fcntl(fd, F_GETLK, &fl) && fl.l_type != F_UNLCK) {
			snprintf(pid, sizeof(pid), "%d", (int)fl.l_pid);
			busy = 2;
		}
		close(fd);
	}
	if (!busy)
		return 0;
	la_err(err, errlen, busy == 1 ?
	       "an older liteauthd (pid %s) is running on %s: stop it, and start this version's, first" :
	       "an older liteauth or liteauthd (pid %s) has %s open: let it finish, or stop it, first",
	       *pid ? pid : "?", dir);
	return -EBUSY;
}

/*
 * What the environment of earlier versions left: regions shared between
 * processes, in files, where Berkeley DB keeps its cache (every key, in
 * clear) and the passphrase. This one keeps them in its own memory.
 */
static void la_wipe_file(const char *path)
{
	char zero[4096] = "";
	struct stat sb;
	off_t off;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	/* Not only unlinked: their blocks would keep it all. */
	if (!fstat(fd, &sb) && S_ISREG(sb.st_mode)) {
		for (off = 0; off < sb.st_size; off += sizeof(zero))
			if (pwrite(fd, zero, sizeof(zero), off) < 0)
				break;
		fsync(fd);
	}
	close(fd);
	unlink(path);
}

static void la_remove_regions(const char *dir)
{
	char path[PATH_MAX];
	int i;

	for (i = 1; i <= 9; i++) {
		snprintf(path, sizeof(path), "%s/__db.%03d", dir, i);
		la_wipe_file(path);
	}
	snprintf(path, sizeof(path), "%s/__db.register", dir);
	unlink(path);
}

int la_store_open(struct la_store **stp, const char *dir, const char *passfile,
		  unsigned int flags, char *err, size_t errlen)
{
	unsigned int create = flags & LA_STORE_CREATE ? DB_CREATE : 0;
	char pass[LA_PASS_MAX], path[PATH_MAX];
	struct la_store *st;
	struct stat sb;
	int ret, i;

	*stp = NULL;
	la_no_core();
	if (stat(dir, &sb)) {
		if (errno != ENOENT || !create) {
			ret = -errno;
			la_err(err, errlen, "database %s: %s", dir,
			       strerror(errno));
			return ret;
		}
		if (mkdir(dir, 0700)) {
			ret = -errno;
			la_err(err, errlen, "cannot create database %s: %s",
			       dir, strerror(errno));
			return ret;
		}
	} else if (!S_ISDIR(sb.st_mode)) {
		la_err(err, errlen, "database %s is not a directory", dir);
		return -ENOTDIR;
	}
	/* Only a store is opened without LA_STORE_CREATE, and nothing is
	 * made where there is none.
	 */
	snprintf(path, sizeof(path), "%s/%s", dir,
		 la_table_files[LA_T_DEVICES]);
	if (!create && access(path, F_OK)) {
		ret = -errno;
		la_err(err, errlen, ret == -ENOENT ?
		       "%s holds no liteauth database yet: provision a device or gateway into it first" :
		       "database %s: %s", dir, strerror(-ret));
		return ret;
	}

	st = calloc(1, sizeof(*st));
	if (!st) {
		la_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->dirfd = -1;
	st->lockfd = -1;
	st->ctl = -1;
	st->owner = flags & LA_STORE_OWNER;
	if (stat(dir, &sb) == 0 && geteuid() == 0 && sb.st_uid != 0) {
		st->as_owner = true;
		st->uid = sb.st_uid;
		st->gid = sb.st_gid;
	}
	ret = la_lock_dir(st, dir, st->owner, err, errlen);
	if (ret || st->ctl >= 0) {
		if (ret)
			la_store_close(st);
		else
			*stp = st;
		return ret;
	}
	ret = la_old_users(dir, err, errlen);
	/* The passphrase policy is for new stores: one made before it may
	 * have a passphrase it refuses, and no other opens it.
	 */
	if (!ret)
		ret = la_read_pass(passfile, pass, access(path, F_OK) != 0,
				   err, errlen);
	if (ret) {
		la_store_close(st);
		return ret;
	}
	la_fs(st, true);
	la_remove_regions(dir);
	la_db_msg[0] = '\0';
	ret = db_env_create(&st->env, 0);
	if (!ret) {
		st->env->app_private = st;
		st->env->set_errcall(st->env, la_db_errcall);
		ret = st->env->set_event_notify(st->env, la_db_event);
	}
	if (!ret)
		ret = st->env->set_encrypt(st->env, pass, DB_ENCRYPT_AES);
	memzero_explicit(pass, sizeof(pass));
	if (!ret)	/* DB_CONFIG in the directory may say otherwise */
		ret = st->env->set_cachesize(st->env, 0,
					     LA_STORE_CACHE_MB << 20, 1);
	if (!ret)
		ret = st->env->set_lk_detect(st->env, DB_LOCK_DEFAULT);
	if (!ret)
		/*
		 * One process, holding the directory's lock: its regions in
		 * its own memory (DB_PRIVATE), never in files, and recovery
		 * at every open, which only the lock's holder runs. Recovery
		 * needs DB_CREATE for the regions; whether the tables exist
		 * was decided above. The environment is free-threaded for
		 * la_store_checkpoint_thread; the tables' handles are used by
		 * one thread only.
		 */
		ret = st->env->open(st->env, dir,
				    DB_CREATE | DB_PRIVATE | DB_INIT_TXN |
				    DB_INIT_LOCK | DB_INIT_LOG |
				    DB_INIT_MPOOL | DB_RECOVER | DB_THREAD,
				    0600);
	if (!ret)	/* log files recovery no longer needs go */
		ret = st->env->log_set_config(st->env, DB_LOG_AUTO_REMOVE, 1);
	if (ret) {
		la_err(err, errlen, "cannot open database %s: %s%s%s", dir,
		       db_strerror(ret), la_db_msg[0] ? ": " : "", la_db_msg);
		goto err_close;
	}
	for (i = 0; i < 2 && !ret; i++)
		ret = la_db_open(st, &st->t[i], la_table_files[i], DB_BTREE,
				 create);
	if (!ret)
		ret = la_db_open(st, &st->t[LA_T_AUDIT],
				 la_table_files[LA_T_AUDIT], DB_BTREE, create);
	/* Newer than the others: made when a store without them is opened. */
	if (!ret)
		ret = la_db_open(st, &st->t[LA_T_REFUSALS],
				 la_table_files[LA_T_REFUSALS], DB_BTREE,
				 DB_CREATE);
	if (!ret)
		ret = la_db_open(st, &st->t[LA_T_MARKS],
				 la_table_files[LA_T_MARKS], DB_BTREE, DB_CREATE);
	if (!ret)
		ret = la_db_open(st, &st->t[LA_T_KEYS],
				 la_table_files[LA_T_KEYS], DB_BTREE, DB_CREATE);
	if (ret) {
		la_err(err, errlen,
		       ret == ENOENT ?
		       "%s holds no liteauth database yet: provision a device or gateway into it first%s%s" :
		       "cannot open the tables of database %s: %s%s",
		       dir, ret == ENOENT ? "" : db_strerror(ret),
		       la_db_msg[0] ? la_db_msg : "");
		goto err_close;
	}
	la_fs(st, false);
	*stp = st;
	return 0;

err_close:
	la_store_close(st);
	return la_db_errno(ret) ? la_db_errno(ret) : -EIO;
}

static void la_dbt(DBT *d, void *data, size_t size)
{
	memset(d, 0, sizeof(*d));
	d->data = data;
	d->size = size;
	d->ulen = size;
	d->flags = DB_DBT_USERMEM;
}

/*
 * A transaction that spins: Berkeley DB loops on a damaged page (a zeroed
 * inner page of a table, say) and never returns. The process says so and
 * exits, as if killed: the next opener recovers the store, and liteauthd's
 * check at start names the table. What is timed is the CPU the calling
 * thread spends in the transaction (LA_TXN_CPU_S), so that a transaction
 * waiting for the disk, or for a page the checkpoint thread is writing,
 * is not taken for a damaged table; one that waits longer than
 * LA_TXN_WALL_S all the same ends the process too, saying so.
 */
#define LA_TXN_CPU_S	4
#define LA_TXN_WALL_S	60
static void la_watch_say(const char *msg, size_t len)
{
	const char *me = program_invocation_short_name;

	if (write(STDERR_FILENO, me, strlen(me)) < 0 ||
	    write(STDERR_FILENO, msg, len) < 0) {
		/* nothing more to say it with */
	}
	_exit(1);
}

static void la_watchdog_cpu(int sig)
{
	static const char msg[] =
		": the key store spun for 4 s of CPU in one transaction: a table may be damaged (liteauth check names it; see BACKUP AND RESTORE in liteauth(8))\n";

	(void)sig;
	la_watch_say(msg, sizeof(msg) - 1);
}

static void la_watchdog_wall(int sig)
{
	static const char msg[] =
		": the key store did not answer for 60 s: its disk is failing or full, or a table is damaged (liteauth check names it; see BACKUP AND RESTORE in liteauth(8))\n";

	(void)sig;
	la_watch_say(msg, sizeof(msg) - 1);
}

/*
 * The CPU timer of the thread that runs transactions, made at its first,
 * and again in a child (a fork keeps the variables, not the timer).
 */
static __thread pid_t la_cpu_timer_tid;
static __thread timer_t la_cpu_timer;

static void la_watch(bool on)
{
	struct itimerspec it = { .it_value.tv_sec = on ? LA_TXN_CPU_S : 0 };
	static bool set;

	if (on && !set) {
		struct sigaction sa = { .sa_handler = la_watchdog_wall };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		sa.sa_handler = la_watchdog_cpu;
		sigaction(SIGVTALRM, &sa, NULL);
		set = true;
	}
	if (on && la_cpu_timer_tid != gettid()) {
		struct sigevent ev = {
			.sigev_notify = SIGEV_THREAD_ID,
			.sigev_signo = SIGVTALRM,
		};

		ev._sigev_un._tid = gettid();	/* sigev_notify_thread_id */
		if (!timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &la_cpu_timer))
			la_cpu_timer_tid = gettid();
	}
	if (la_cpu_timer_tid == gettid())
		timer_settime(la_cpu_timer, 0, &it, NULL);
	alarm(on ? LA_TXN_WALL_S : 0);
}

/*
 * Runs @fn in a transaction that never waits for a lock: no other process
 * has the environment open, and this one runs one transaction at a time,
 * so a lock not granted is a bug to report, not a wait. Run again when
 * Berkeley DB aborts it to break a deadlock (which one transaction at a
 * time does not make either).
 */
static int la_txn_flags(struct la_store *st, u32 flags,
			int (*fn)(struct la_store *st, DB_TXN *txn, void *arg),
			void *arg)
{
	int ret, deadlocks = 0;
	DB_TXN *txn;

	if (st->ctl >= 0)
		return -EOPNOTSUPP;	/* liteauthd's to do: store_ctl.c */
	if (la_store_failed(st))
		return -ENOTRECOVERABLE;
	la_fs(st, true);
	la_watch(true);
	for (;;) {
		ret = st->env->txn_begin(st->env, NULL, &txn,
					 flags | DB_TXN_NOWAIT);
		if (ret) {
			ret = la_db_errno(ret);
			break;
		}
		ret = fn(st, txn, arg);
		if (!ret) {
			ret = la_db_errno(txn->commit(txn, 0));
			break;
		}
		txn->abort(txn);
		if (ret != -EDEADLK || ++deadlocks >= LA_RETRIES)
			break;
	}
	la_watch(false);
	la_fs(st, false);
	return ret;
}

static int la_txn(struct la_store *st,
		  int (*fn)(struct la_store *st, DB_TXN *txn, void *arg),
		  void *arg)
{
	return la_txn_flags(st, 0, fn, arg);
}

void la_key_fp(const u8 *key, u8 *fp)
{
	static const char label[] = "liteauth key fingerprint";
	u8 buf[sizeof(label) + LA_KEY_LEN], md[EVP_MAX_MD_SIZE];

	memcpy(buf, label, sizeof(label));
	memcpy(buf + sizeof(label), key, LA_KEY_LEN);
	if (!EVP_Digest(buf, sizeof(buf), md, NULL, EVP_sha256(), NULL))
		abort();	/* no SHA-256: nothing here can run */
	memcpy(fp, md, LA_KEY_FP_LEN);
	memzero_explicit(buf, sizeof(buf));
	memzero_explicit(md, sizeof(md));
}

static void la_keys_key(u8 *k, const u8 *id, const u8 *fp)
{
	memcpy(k, id, LA_ID_LEN);
	memcpy(k + LA_ID_LEN, fp, LA_KEY_FP_LEN);
}

void la_keys_rec_put(u8 *rec, u32 ctr)
{
	rec[0] = LA_KEYS_VERSION;
	la_put_be32(rec + 1, ctr);
}

int la_keys_rec_get(const u8 *rec, size_t len, u32 *ctr)
{
	if (len != LA_KEYS_LEN || rec[0] != LA_KEYS_VERSION)
		return -EBADMSG;
	*ctr = la_get_be32(rec + 1);
	return 0;
}

/* The CTR device @id reached with the key of fingerprint @fp; -ENOENT. */
static int la_floor_get(struct la_store *st, DB_TXN *txn, const u8 *id,
			const u8 *fp, u32 *ctr, u32 flags)
{
	u8 k[LA_KEYS_KEY_LEN], rec[LA_KEYS_LEN];
	DBT key, data;
	int ret;

	la_keys_key(k, id, fp);
	la_dbt(&key, k, sizeof(k));
	la_dbt(&data, rec, sizeof(rec));
	ret = st->t[LA_T_KEYS]->get(st->t[LA_T_KEYS], txn, &key, &data, flags);
	if (ret == DB_BUFFER_SMALL)
		return -EBADMSG;
	ret = la_db_errno(ret);
	return ret ? ret : la_keys_rec_get(rec, data.size, ctr);
}

/* That CTR is now at least @ctr. */
static int la_floor_raise(struct la_store *st, DB_TXN *txn, const u8 *id,
			  const u8 *fp, u32 ctr)
{
	u8 k[LA_KEYS_KEY_LEN], rec[LA_KEYS_LEN];
	DBT key, data;
	u32 was;
	int ret;

	ret = la_floor_get(st, txn, id, fp, &was, DB_RMW);
	if (!ret && was >= ctr)
		return 0;
	if (ret && ret != -ENOENT && ret != -EBADMSG)
		return ret;
	la_keys_key(k, id, fp);
	la_keys_rec_put(rec, ctr);
	la_dbt(&key, k, sizeof(k));
	la_dbt(&data, rec, sizeof(rec));
	return la_db_errno(st->t[LA_T_KEYS]->put(st->t[LA_T_KEYS], txn, &key, &data, 0));
}

/*
 * Device @old is given @p's key, with @p's CTR: that key's CTR of before
 * if it is higher (with @reset, -EKEYREJECTED then, or if it is @old's
 * key: the CTR it reached in *@floor), and @old's key goes to the history.
 */
static int la_key_change(struct la_store *st, DB_TXN *txn,
			 const struct la_principal *old,
			 struct la_principal *p, bool reset, u32 *floor)
{
	u8 fp[LA_KEY_FP_LEN];
	int ret;

	*floor = 0;
	if (!crypto_memneq(old->key, p->key, LA_KEY_LEN)) {
		*floor = old->ctr;
		return reset ? -EKEYREJECTED : 0;
	}
	la_key_fp(p->key, fp);
	ret = la_floor_get(st, txn, old->id, fp, floor, DB_RMW);
	if (!ret && reset)
		return -EKEYREJECTED;
	if (ret == -ENOENT)
		ret = 0;
	if (ret)
		return ret;
	p->ctr = max(p->ctr, *floor);
	/* A handshake of the old key: no GW_CONFIRM of it is taken now. */
	memset(&p->hs, 0, sizeof(p->hs));
	la_key_fp(old->key, fp);
	return la_floor_raise(st, txn, old->id, fp, old->ctr);
}

struct la_put_args {
	enum la_kind kind;
	const struct la_principal *p;
	bool replace;
	bool check;		/* replacing: -ENOENT if it is not there */
};

static int la_put_fn(struct la_store *st, DB_TXN *txn, void *arg)
{
	struct la_put_args *a = arg;
	u8 id[LA_ID_LEN], rec[LA_REC_MAX], fp[LA_KEY_FP_LEN];
	DB *db = st->t[a->kind];
	DBT key, data;
	size_t len;
	u32 floor;
	int ret;

	memcpy(id, a->p->id, LA_ID_LEN);
	la_dbt(&key, id, LA_ID_LEN);
	/* la_store_update: only whether it is there; @p replaces it. */
	if (a->replace && a->check) {
		ret = la_db_errno(db->exists(db, txn, &key, DB_RMW));
		if (ret)
			return ret;
	}
	len = la_rec_put(rec, a->p);
	/* A device added with a key it had: from the CTR it reached. */
	if (!a->replace && a->kind == LA_DEVICE) {
		la_key_fp(a->p->key, fp);
		ret = la_floor_get(st, txn, id, fp, &floor, 0);
		if (!ret && floor > a->p->ctr)
			la_put_be32(rec + LA_REC_CTR, floor);
		else if (ret && ret != -ENOENT)
			goto out;
	}
	la_dbt(&data, rec, len);
	ret = la_db_errno(db->put(db, txn, &key, &data,
				  a->replace ? 0 : DB_NOOVERWRITE));
out:
	memzero_explicit(rec, sizeof(rec));
	return ret;
}

int la_store_add(struct la_store *st, enum la_kind kind,
		 const struct la_principal *p)
{
	struct la_put_args a = { kind, p, false, false };

	if (st->ctl >= 0)
		return la_ctl_put(st, kind, p);
	return la_txn(st, la_put_fn, &a);
}

int la_store_update(struct la_store *st, enum la_kind kind,
		    const struct la_principal *p)
{
	struct la_put_args a = { kind, p, true, true };

	return la_txn(st, la_put_fn, &a);
}

struct la_many_args {
	enum la_kind kind;
	bool add;		/* else only look */
	size_t from, to;	/* this transaction's part of the @n */
	void (*get)(void *arg, size_t i, struct la_principal *p);
	void *arg;
	bool taken[LA_STORE_BATCH];	/* by i - from */
};

static int la_many_fn(struct la_store *st, DB_TXN *txn, void *arg)
{
	struct la_many_args *a = arg;
	struct la_put_args put = { a->kind, NULL, false, false };
	DB *db = st->t[a->kind];
	struct la_principal p;
	size_t i;
	DBT key;
	int ret = 0;

	/* A transaction run again starts from scratch. */
	memset(a->taken, 0, sizeof(a->taken));
	for (i = a->from; i < a->to && (!ret || ret == -EEXIST); i++) {
		a->get(a->arg, i, &p);
		if (a->add) {
			put.p = &p;
			ret = la_put_fn(st, txn, &put);
		} else {
			la_dbt(&key, p.id, LA_ID_LEN);
			ret = db->exists(db, txn, &key, 0);
			ret = ret ? la_db_errno(ret) : -EEXIST;
			if (ret == -ENOENT)
				ret = 0;
		}
		a->taken[i - a->from] = ret == -EEXIST;
	}
	la_principal_wipe(&p);
	return ret == -EEXIST ? 0 : ret;
}

/*
 * Adds the @n (or with !@add, only looks them up) in transactions of
 * LA_STORE_BATCH, short enough for the daemon's lock budget. Adding,
 * they are committed without waiting for the disk (DB_TXN_WRITE_NOSYNC;
 * la_store_add_many flushes the log at the end), and with DB_TXN_BULK:
 * what goes into pages the transaction allocates is not logged, those
 * pages go to the disk at the commit instead: a million devices then
 * write a fifth of the log, in less than half the time. Berkeley DB
 * still aborts and recovers such transactions; what it gives up is
 * restoring them from the log alone (replication, incremental hot
 * backups), which the store does not use.
 * Looking up, read-committed transactions keep no lock between records.
 */
static int la_many(struct la_store *st, enum la_kind kind, bool add,
		   size_t n,
		   void (*get)(void *arg, size_t i, struct la_principal *p),
		   void (*taken)(void *arg, size_t i), void *arg, size_t *done)
{
	struct la_many_args *a = calloc(1, sizeof(*a));
	int ret = 0;
	size_t i;

	if (!a)
		return -ENOMEM;
	*a = (struct la_many_args){ .kind = kind, .add = add, .get = get,
				    .arg = arg };
	for (; a->from < n; a->from = a->to) {
		a->to = a->from + (n - a->from < LA_STORE_BATCH ?
				   n - a->from : LA_STORE_BATCH);
		ret = la_txn_flags(st, add ? DB_TXN_WRITE_NOSYNC | DB_TXN_BULK :
				   DB_READ_COMMITTED, la_many_fn, a);
		if (ret)
			break;
		for (i = a->from; i < a->to; i++)
			if (a->taken[i - a->from])
				taken(arg, i);
		*done = a->to;
	}
	free(a);
	return ret;
}

int la_store_many_local(struct la_store *st, enum la_kind kind, bool add,
			size_t n,
			void (*get)(void *arg, size_t i,
				    struct la_principal *p),
			void (*taken)(void *arg, size_t i), void *arg,
			size_t *done)
{
	*done = 0;
	return la_many(st, kind, add, n, get, taken, arg, done);
}

int la_store_sync_local(struct la_store *st)
{
	int ret;

	if (st->ctl >= 0)
		return -EOPNOTSUPP;
	if (la_store_failed(st))
		return -ENOTRECOVERABLE;
	la_fs(st, true);
	ret = la_db_errno(st->env->log_flush(st->env, NULL));
	la_fs(st, false);
	return ret;
}

int la_store_add_many(struct la_store *st, enum la_kind kind, size_t n,
		      void (*get)(void *arg, size_t i, struct la_principal *p),
		      void (*taken)(void *arg, size_t i), void *arg,
		      size_t *done)
{
	int ret;

	*done = 0;
	/*
	 * Every transaction is in the log, but perhaps not on the disk yet:
	 * at the end it is (and here, a checkpoint writes the tables, so
	 * that recovery after a crash starts from there; liteauthd takes
	 * its own every minute).
	 */
	if (st->ctl >= 0) {
		ret = la_ctl_many(st, kind, true, n, get, taken, arg, done);
		return ret ? ret : la_ctl_sync(st);
	}
	ret = la_many(st, kind, true, n, get, taken, arg, done);
	if (!ret)
		ret = la_store_sync_local(st);
	if (!ret)
		ret = la_store_checkpoint(st);
	return ret;
}

int la_store_find_many(struct la_store *st, enum la_kind kind, size_t n,
		       void (*get)(void *arg, size_t i, struct la_principal *p),
		       void (*taken)(void *arg, size_t i), void *arg)
{
	size_t done;

	if (st->ctl >= 0)
		return la_ctl_many(st, kind, false, n, get, taken, arg, &done);
	return la_many(st, kind, false, n, get, taken, arg, &done);
}

static int la_get(struct la_store *st, DB_TXN *txn, enum la_kind kind,
		  const u8 *id, struct la_principal *p, u32 flags)
{
	u8 k[LA_ID_LEN], rec[LA_REC_MAX];
	DB *db = st->t[kind];
	DBT key, data;
	int ret;

	memcpy(k, id, LA_ID_LEN);
	la_dbt(&key, k, LA_ID_LEN);
	la_dbt(&data, rec, sizeof(rec));
	ret = db->get(db, txn, &key, &data, flags);
	if (ret == DB_BUFFER_SMALL)
		ret = -EBADMSG;
	else
		ret = la_db_errno(ret);
	if (!ret)
		ret = la_rec_get(p, id, rec, data.size);
	memzero_explicit(rec, sizeof(rec));
	return ret;
}

struct la_get_args {
	enum la_kind kind;
	const u8 *id;
	struct la_principal *p;
};

static int la_get_fn(struct la_store *st, DB_TXN *txn, void *arg)
{
	struct la_get_args *a = arg;

	return la_get(st, txn, a->kind, a->id, a->p, 0);
}

int la_store_get(struct la_store *st, enum la_kind kind, const u8 *id,
		 struct la_principal *p)
{
	struct la_get_args a = { kind, id, p };

	if (st->ctl >= 0)
		return la_ctl_get(st, kind, id, p);
	return la_txn_flags(st, DB_READ_COMMITTED, la_get_fn, &a);
}

bool la_store_locked(int err)
{
	/* Transactions do not wait for locks (DB_TXN_NOWAIT): Berkeley DB
	 * says which of these two a refused one gets.
	 */
	return err == -EBUSY || err == -EDEADLK;
}

struct la_modify_args {
	enum la_kind kind;
	const u8 *id;
	int (*fn)(void *arg, struct la_principal *p);
	void *arg;
	bool reset;		/* LA_REKEY_RESET_CTR */
	int kept;		/* @fn's positive answer: nothing written */
	u32 ctr;		/* the device's CTR written, or its key's */
};

/* Read, changed and written under one write lock (DB_RMW). */
static int la_modify_fn(struct la_store *st, DB_TXN *txn, void *arg)
{
	struct la_modify_args *m = arg;
	struct la_principal p, old;
	struct la_put_args put = { m->kind, &p, true, false };
	int ret;

	m->kept = 0;
	ret = la_get(st, txn, m->kind, m->id, &p, DB_RMW);
	if (ret)
		return ret;
	old = p;
	ret = m->fn(m->arg, &p);
	if (ret > 0) {
		m->kept = ret;
		ret = 0;
	} else if (!ret) {
		memcpy(p.id, m->id, LA_ID_LEN);
		if (m->kind == LA_DEVICE &&
		    (m->reset || crypto_memneq(old.key, p.key, LA_KEY_LEN)))
			ret = la_key_change(st, txn, &old, &p, m->reset,
					    &m->ctr);
		if (!ret) {
			m->ctr = p.ctr;
			ret = la_put_fn(st, txn, &put);
		}
	}
	la_principal_wipe(&p);
	la_principal_wipe(&old);
	return ret;
}

int la_store_modify(struct la_store *st, enum la_kind kind, const u8 *id,
		    int (*fn)(void *arg, struct la_principal *p), void *arg)
{
	struct la_modify_args m = { kind, id, fn, arg, false, 0, 0 };
	int ret = la_txn(st, la_modify_fn, &m);

	return ret ? ret : m.kept;
}

struct la_rekey_args {
	const u8 *key;
	bool reset;
};

static int la_rekey_fn(void *arg, struct la_principal *p)
{
	const struct la_rekey_args *r = arg;

	if (!r->reset && !crypto_memneq(p->key, r->key, LA_KEY_LEN))
		return LA_STORE_SAME_KEY;
	memcpy(p->key, r->key, LA_KEY_LEN);
	if (r->reset)
		p->ctr = 0;
	return 0;
}

int la_store_rekey(struct la_store *st, enum la_kind kind, const u8 *id,
		   const u8 *key, unsigned int flags, u32 *ctr)
{
	struct la_rekey_args r = { key, flags & LA_REKEY_RESET_CTR };
	struct la_modify_args m = { kind, id, la_rekey_fn, &r, r.reset, 0, 0 };
	int ret;

	if (r.reset && kind != LA_DEVICE)
		return -EINVAL;
	if (st->ctl >= 0)
		return la_ctl_rekey(st, kind, id, key, flags, ctr);
	ret = la_txn(st, la_modify_fn, &m);
	if (ctr)
		*ctr = m.ctr;
	return ret ? ret : m.kept;
}

struct la_del_args {
	enum la_kind kind;
	const u8 *id;
};

static int la_del_fn(struct la_store *st, DB_TXN *txn, void *arg)
{
	struct la_del_args *a = arg;
	struct la_principal p;
	u8 id[LA_ID_LEN], fp[LA_KEY_FP_LEN];
	DBT key;
	int ret = 0;

	memcpy(id, a->id, LA_ID_LEN);
	la_dbt(&key, id, LA_ID_LEN);
	/* A device's key goes to its history (a damaged record's cannot). */
	if (a->kind == LA_DEVICE &&
	    !la_get(st, txn, LA_DEVICE, id, &p, DB_RMW)) {
		la_key_fp(p.key, fp);
		ret = la_floor_raise(st, txn, id, fp, p.ctr);
		la_principal_wipe(&p);
	}
	if (!ret)
		ret = la_db_errno(st->t[a->kind]->del(st->t[a->kind], txn,
						       &key, 0));
	return ret;
}

int la_store_del(struct la_store *st, enum la_kind kind, const u8 *id)
{
	struct la_del_args a = { kind, id };

	if (st->ctl >= 0)
		return la_ctl_del(st, kind, id);
	return la_txn(st, la_del_fn, &a);
}

static int la_enable_fn(void *arg, struct la_principal *p)
{
	p->enabled = *(const bool *)arg;
	return 0;
}

int la_store_set_enabled(struct la_store *st, enum la_kind kind,
			 const u8 *id, bool enable)
{
	if (st->ctl >= 0)
		return la_ctl_enable(st, kind, id, enable);
	return la_store_modify(st, kind, id, la_enable_fn, &enable);
}

/*
 * Device @a->idd's record moves with @a: an authentication (its time,
 * count and held SIDs, and unless it was rekeyed since, its CTR, and its
 * handshake to none), or a handshake answered with a GW_KEY (its
 * handshake, unless it was rekeyed since: the GW_CONFIRM of a handshake
 * under a key it no longer has is no one's to take).
 */
static int la_recorded(struct la_store *st, DB_TXN *txn,
		       const struct la_audit *a)
{
	struct la_principal p;
	struct la_put_args put = { LA_DEVICE, &p, true, false };
	u8 fp[LA_KEY_FP_LEN];
	bool same;
	int ret;

	ret = la_get(st, txn, LA_DEVICE, a->idd, &p, DB_RMW);
	if (ret)
		return ret;
	la_key_fp(p.key, fp);
	same = !a->keyed || !crypto_memneq(fp, a->key_fp, LA_KEY_FP_LEN);
	if (a->answered) {
		if (same) {
			p.hs = a->hs;
			p.ctr = max(p.ctr, a->hs.ctr);
		} else {
			ret = la_floor_raise(st, txn, a->idd, a->key_fp,
					     a->hs.ctr);
		}
	} else {
		p.last_auth = a->time;
		p.auth_count++;
		if (same) {
			p.ctr = max(p.ctr, a->ctr);
			memset(&p.hs, 0, sizeof(p.hs));
		} else {	/* its CTR was its old key's */
			ret = la_floor_raise(st, txn, a->idd, a->key_fp,
					     a->ctr);
		}
		if (a->sessions)
			memcpy(p.held, a->held, sizeof(p.held));
	}
	if (!ret)
		ret = la_put_fn(st, txn, &put);
	la_principal_wipe(&p);
	return ret;
}

struct la_held_args {
	const u8 *idd;
	const struct la_held *held;
};

static int la_held_fn(struct la_store *st, DB_TXN *txn, void *arg)
{
	struct la_held_args *h = arg;
	struct la_principal p;
	struct la_put_args put = { LA_DEVICE, &p, true, false };
	int ret;

	ret = la_get(st, txn, LA_DEVICE, h->idd, &p, DB_RMW);
	if (!ret) {
		memcpy(p.held, h->held, sizeof(p.held));
		ret = la_put_fn(st, txn, &put);
	}
	la_principal_wipe(&p);
	return ret;
}

int la_store_held(struct la_store *st, const u8 *idd,
		  const struct la_held *held)
{
	struct la_held_args h = { idd, held };

	return la_txn(st, la_held_fn, &h);
}

/* The @t's rows after @after, into @c: one short transaction. */
struct la_chunk_args {
	enum la_table t;
	const u8 *after;
	size_t alen;
	struct la_chunk *c;
};

static int la_chunk_fn(struct la_store *st, DB_TXN *txn, void *arg)
{
	struct la_chunk_args *a = arg;
	struct la_chunk *c = a->c;
	u8 k[LA_CHUNK_KEY_MAX];
	DBT key, data;
	u32 how = DB_FIRST;
	bool bad = false;
	int ret;
	DBC *cur;

	c->rows = 0;
	c->len = 0;
	c->more = false;
	ret = st->t[a->t]->cursor(st->t[a->t], txn, &cur, DB_READ_COMMITTED);
	if (ret)
		return la_db_errno(ret);
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	if (a->alen) {
		memcpy(k, a->after, a->alen);
		key.data = k;
		key.size = a->alen;
		how = DB_SET_RANGE;
	}
	for (;;) {
		ret = cur->get(cur, &key, &data, how);
		if (ret)
			break;
		/* DB_SET_RANGE finds @after itself, if it is still there. */
		if (how == DB_SET_RANGE && key.size == a->alen &&
		    !memcmp(key.data, a->after, a->alen)) {
			how = DB_NEXT;
			continue;
		}
		how = DB_NEXT;
		if (!key.size || key.size > LA_CHUNK_KEY_MAX ||
		    data.size > 0xffff) {
			bad = true;	/* no row of ours */
			break;
		}
		if (c->rows == LA_CHUNK_ROWS ||
		    c->len + 3 + key.size + data.size > sizeof(c->buf)) {
			c->more = true;
			break;
		}
		c->buf[c->len] = key.size;
		la_put_be16(c->buf + c->len + 1, data.size);
		memcpy(c->buf + c->len + 3, key.data, key.size);
		memcpy(c->buf + c->len + 3 + key.size, data.data, data.size);
		c->len += 3 + key.size + data.size;
		c->rows++;
	}
	cur->close(cur);
	if (bad)
		return -EBADMSG;
	return ret == DB_NOTFOUND ? 0 : la_db_errno(ret);
}

int la_chunk_local(struct la_store *st, enum la_table t, const u8 *after,
		   size_t alen, struct la_chunk *c)
{
	struct la_chunk_args a = { t, after, alen, c };
	int ret;

	if (t >= LA_T_MAX || alen > LA_CHUNK_KEY_MAX)
		return -EINVAL;
	ret = la_txn_flags(st, DB_READ_COMMITTED, la_chunk_fn, &a);
	if (ret)
		memzero_explicit(c, sizeof(*c));
	return ret;
}

int la_chunk_read(struct la_store *st, enum la_table t, const u8 *after,
		  size_t alen, struct la_chunk *c)
{
	if (st->ctl >= 0)
		return la_ctl_chunk(st, t, after, alen, c);
	return la_chunk_local(st, t, after, alen, c);
}

/*
 * A table's rows one by one, a chunk at a time: no transaction lasts
 * longer than one chunk takes to read, and none is open while the caller
 * looks at a row. A row written meanwhile, after the walk's place, is
 * seen; one before it is not.
 */
struct la_walker {
	struct la_store *st;
	enum la_table t;
	struct la_chunk *c;
	size_t pos;
	unsigned int row;
	u8 last[LA_CHUNK_KEY_MAX];
	size_t lastlen;
	bool started;
};

static int la_walker_init(struct la_walker *w, struct la_store *st,
			  enum la_table t)
{
	memset(w, 0, sizeof(*w));
	w->st = st;
	w->t = t;
	w->c = malloc(sizeof(*w->c));
	return w->c ? 0 : -ENOMEM;
}

static void la_walker_done(struct la_walker *w)
{
	if (w->c) {
		memzero_explicit(w->c, sizeof(*w->c));
		free(w->c);
	}
	w->c = NULL;
}

/* The next row in @key, @data (pointing into the chunk): 0, 1 at the end. */
static int la_walker_next(struct la_walker *w, DBT *key, DBT *data)
{
	const u8 *r;
	size_t klen, dlen;
	int ret;

	if (!w->started || w->row == w->c->rows) {
		if (w->started && !w->c->more)
			return 1;
		ret = la_chunk_read(w->st, w->t, w->last, w->lastlen, w->c);
		if (ret)
			return ret;
		w->started = true;
		w->pos = 0;
		w->row = 0;
		if (!w->c->rows)
			return 1;
	}
	r = w->c->buf + w->pos;
	if (w->pos + 3 > w->c->len)
		return -EBADMSG;
	klen = r[0];
	dlen = la_get_be16(r + 1);
	if (!klen || klen > LA_CHUNK_KEY_MAX ||
	    w->pos + 3 + klen + dlen > w->c->len)
		return -EBADMSG;
	memset(key, 0, sizeof(*key));
	memset(data, 0, sizeof(*data));
	key->data = (void *)(r + 3);
	key->size = klen;
	data->data = (void *)(r + 3 + klen);
	data->size = dlen;
	memcpy(w->last, r + 3, klen);
	w->lastlen = klen;
	w->pos += 3 + klen + dlen;
	w->row++;
	return 0;
}

/* Walks @t in key order, calling @fn(key, data) until it returns non-0. */
static int la_walk(struct la_store *st, enum la_table t,
		   int (*fn)(void *arg, const DBT *key, const DBT *data),
		   void *arg)
{
	struct la_walker w;
	DBT key, data;
	int ret;

	ret = la_walker_init(&w, st, t);
	while (!ret && !(ret = la_walker_next(&w, &key, &data)))
		ret = fn(arg, &key, &data);
	la_walker_done(&w);
	return ret == 1 ? 0 : ret;
}

struct la_list_args {
	int (*fn)(void *arg, const struct la_principal *p);
	void *arg;
};

static int la_list_one(void *arg, const DBT *key, const DBT *data)
{
	struct la_list_args *a = arg;
	struct la_principal p;
	int ret;

	if (key->size != LA_ID_LEN ||
	    la_rec_get(&p, key->data, data->data, data->size))
		return -EBADMSG;
	ret = a->fn(a->arg, &p);
	la_principal_wipe(&p);
	return ret;
}

int la_store_list(struct la_store *st, enum la_kind kind,
		  int (*fn)(void *arg, const struct la_principal *p),
		  void *arg)
{
	struct la_list_args a = { fn, arg };
	int ret = la_list_check(st, 1U << kind);

	return ret ? ret : la_walk(st, (enum la_table)kind, la_list_one, &a);
}

void la_audit_put(u8 *rec, const struct la_audit *a)
{
	rec[0] = LA_AUDIT_VERSION;
	la_put64(rec + 1, a->time);
	memcpy(rec + 9, a->idg, LA_ID_LEN);
	memcpy(rec + 17, a->idd, LA_ID_LEN);
	rec[25] = a->result;
	rec[26] = a->reason;
	rec[27] = a->flags;
	la_put_be32(rec + 28, a->count);
	la_put_be32(rec + 32, a->ctr);
}

/* Either version, every length checked; @summary: from the refusals. */
int la_audit_get(struct la_audit *a, const DBT *key, const DBT *data,
		 bool summary)
{
	const u8 *r = data->data;

	if (key->size != 8 || data->size < 1)
		return -EBADMSG;
	if (!(r[0] == LA_AUDIT_VERSION && data->size == LA_AUDIT_LEN) &&
	    !(r[0] == LA_REC_V1 && data->size == LA_AUDIT_V1_LEN && !summary))
		return -EBADMSG;
	/* Flags no one writes, or a summary among the authentications. */
	if (r[0] == LA_AUDIT_VERSION &&
	    r[27] & ~(LA_AUDIT_F_CLAIMED | LA_AUDIT_F_GATEWAY_WORD |
		      LA_AUDIT_F_OVERFLOW | (summary ? LA_AUDIT_F_SUMMARY : 0)))
		return -EBADMSG;
	memset(a, 0, sizeof(*a));
	a->seq = la_get64(key->data);
	a->time = la_get64(r + 1);
	memcpy(a->idg, r + 9, LA_ID_LEN);
	memcpy(a->idd, r + 17, LA_ID_LEN);
	a->result = r[25];
	a->reason = r[26];
	if (r[0] == LA_AUDIT_VERSION) {
		a->flags = r[27];
		a->count = la_get_be32(r + 28);
		a->ctr = la_get_be32(r + 32);
	} else {
		a->count = 1;
		if (a->result)
			a->flags = LA_AUDIT_F_CLAIMED;
		if (a->result && a->reason == LA_AUDIT_V1_BAD_CONFIRM)
			a->reason = LA_AUDIT_BAD_CONFIRM;
	}
	if (summary)
		a->flags |= LA_AUDIT_F_SUMMARY;
	return 0;
}

/*
 * Deletes the oldest records of an audit table beyond @keep (its keys are
 * consecutive, the last being @last), @max at most: a bound lowered on a
 * long log shrinks it over many short transactions, never one too large
 * to commit. Adds what it deleted to *@trimmed.
 */
#define LA_TRIM_BATCH	1000
static int la_audit_trim(DBC *c, u64 keep, u64 last, unsigned int max,
			 unsigned int *trimmed)
{
	DBT key, data;
	unsigned int n;
	int ret = 0;

	for (n = 0; keep && n < max; n++) {
		memset(&key, 0, sizeof(key));
		memset(&data, 0, sizeof(data));
		ret = c->get(c, &key, &data, DB_FIRST);
		if (ret || key.size != 8 || last - la_get64(key.data) < keep)
			break;
		ret = c->del(c, 0);
		if (ret)
			break;
	}
	if (trimmed)
		*trimmed += n;
	return ret;
}

/*
 * Appends to @db those of @a whose result is @refusals (nonzero or not),
 * assigning their seq, and keeps at most @keep records there.
 */
static int la_audit_append(DB *db, DB_TXN *txn, struct la_audit *a,
			   unsigned int n, bool refusals, u64 keep)
{
	u8 k[8], rec[LA_AUDIT_LEN];
	u64 last = 0;
	unsigned int i;
	DBT key, data;
	DBC *c;
	int ret;

	for (i = 0; i < n && (a[i].answered || !a[i].result != !refusals); i++)
		;
	if (i == n)	/* nothing for this table: leave it alone */
		return 0;
	ret = db->cursor(db, txn, &c, 0);
	if (ret)
		return la_db_errno(ret);
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	ret = c->get(c, &key, &data, DB_LAST);
	if (!ret && key.size == 8)
		last = la_get64(key.data);
	ret = ret == DB_NOTFOUND ? 0 : ret;
	for (i = 0; i < n && !ret; i++) {
		if (a[i].answered || !a[i].result != !refusals)
			continue;
		a[i].seq = ++last;
		if (refusals)
			a[i].flags |= LA_AUDIT_F_SUMMARY;
		la_put64(k, a[i].seq);
		la_audit_put(rec, &a[i]);
		la_dbt(&key, k, 8);
		la_dbt(&data, rec, sizeof(rec));
		ret = db->put(db, txn, &key, &data, 0);
	}

	/* As many as it added, and LA_TRIM_BATCH more: a log at its bound
	 * stays there, one beyond it shrinks.
	 */
	if (!ret)
		ret = la_audit_trim(c, keep, last, n + LA_TRIM_BATCH, NULL);
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : la_db_errno(ret);
}

struct la_trim_args {
	u64 keep, keep_refusals;
	unsigned int trimmed;
};

static int la_trim_fn(struct la_store *st, DB_TXN *txn, void *arg)
{
	struct la_trim_args *t = arg;
	enum la_table tab[2] = { LA_T_AUDIT, LA_T_REFUSALS };
	u64 keep[2] = { t->keep, t->keep_refusals }, last;
	DBT key, data;
	int ret = 0, i;
	DBC *c;

	t->trimmed = 0;
	for (i = 0; i < 2 && !ret; i++) {
		if (!keep[i])
			continue;
		ret = st->t[tab[i]]->cursor(st->t[tab[i]], txn, &c, 0);
		if (ret)
			break;
		memset(&key, 0, sizeof(key));
		memset(&data, 0, sizeof(data));
		ret = c->get(c, &key, &data, DB_LAST);
		if (!ret && key.size == 8) {
			last = la_get64(key.data);
			ret = la_audit_trim(c, keep[i], last, LA_TRIM_BATCH,
					    &t->trimmed);
		}
		c->close(c);
		if (ret == DB_NOTFOUND)
			ret = 0;
	}
	return la_db_errno(ret);
}

int la_store_trim(struct la_store *st, u64 keep, u64 keep_refusals)
{
	struct la_trim_args t = { keep, keep_refusals, 0 };
	int ret;

	if (!keep && !keep_refusals)
		return 0;
	ret = la_txn(st, la_trim_fn, &t);
	return ret ? ret : (int)t.trimmed;
}

static void la_mark_key(u8 *k, const struct la_sid_mark *m)
{
	k[0] = m->gateway;
	if (m->gateway)
		memcpy(k + 1, m->idg, LA_ID_LEN);
	else
		memset(k + 1, 0, LA_ID_LEN);
}

size_t la_mark_rec_put(u8 *k, u8 *rec, const struct la_sid_mark *m)
{
	unsigned int i, nq = min(m->nq, LA_SID_QUARANTINES);

	la_mark_key(k, m);
	rec[0] = LA_MARK_VERSION;
	la_put_be32(rec + 1, m->hwm);
	la_put_be32(rec + 5, m->lo);
	la_put_be16(rec + 9, m->life);
	rec[11] = nq;
	for (i = 0; i < nq; i++) {
		u8 *q = rec + LA_MARK_FIXED + i * LA_MARK_Q_LEN;

		la_put_be32(q, m->q[i].lo);
		la_put_be32(q + 4, m->q[i].hi);
		la_put64(q + 8, m->q[i].until);
	}
	return LA_MARK_FIXED + nq * LA_MARK_Q_LEN;
}

static int la_mark_put(struct la_store *st, DB_TXN *txn,
		       const struct la_sid_mark *m)
{
	u8 k[LA_MARK_KEY_LEN], rec[LA_MARK_MAX];
	DBT key, data;

	la_dbt(&data, rec, la_mark_rec_put(k, rec, m));
	la_dbt(&key, k, sizeof(k));
	return la_db_errno(st->t[LA_T_MARKS]->put(st->t[LA_T_MARKS], txn, &key, &data, 0));
}

struct la_record_args {
	struct la_audit *a;
	unsigned int n;
	u64 keep, keep_refusals;
	const struct la_sid_mark *mark;
};

static int la_record_fn(struct la_store *st, DB_TXN *txn, void *arg)
{
	struct la_record_args *r = arg;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < r->n && !ret; i++) {
		if (r->a[i].answered || !r->a[i].result)
			ret = la_recorded(st, txn, &r->a[i]);
		/* Deleted since: no count. Damaged: its record cannot take
		 * it, and the others' must not be lost with it.
		 */
		if (ret == -ENOENT || ret == -EBADMSG)
			ret = 0;
	}
	if (!ret)
		ret = la_audit_append(st->t[LA_T_AUDIT], txn, r->a, r->n, false,
				      r->keep);
	if (!ret)
		ret = la_audit_append(st->t[LA_T_REFUSALS], txn, r->a, r->n, true,
				      r->keep_refusals);
	if (!ret && r->mark)
		ret = la_mark_put(st, txn, r->mark);
	return ret;
}

int la_store_record(struct la_store *st, struct la_audit *a, unsigned int n,
		    u64 keep, u64 keep_refusals)
{
	struct la_record_args r = { a, n, keep, keep_refusals, NULL };

	return n ? la_txn(st, la_record_fn, &r) : 0;
}

int la_store_record_mark(struct la_store *st, struct la_audit *a,
			 unsigned int n, u64 keep, u64 keep_refusals,
			 const struct la_sid_mark *m)
{
	struct la_record_args r = { a, n, keep, keep_refusals, m };

	return la_txn(st, la_record_fn, &r);
}

struct la_mark_list_args {
	int (*fn)(void *arg, const struct la_sid_mark *m);
	void *arg;
};

int la_mark_rec_get(struct la_sid_mark *m, const DBT *key, const DBT *data)
{
	const u8 *k = key->data, *r = data->data;
	unsigned int i;

	if (key->size != LA_MARK_KEY_LEN || k[0] > 1 ||
	    data->size < LA_MARK_FIXED || r[0] != LA_MARK_VERSION ||
	    r[11] > LA_SID_QUARANTINES ||
	    data->size != LA_MARK_FIXED + r[11] * (u32)LA_MARK_Q_LEN)
		return -EBADMSG;
	memset(m, 0, sizeof(*m));
	m->gateway = k[0];
	memcpy(m->idg, k + 1, LA_ID_LEN);
	m->hwm = la_get_be32(r + 1);
	m->lo = la_get_be32(r + 5);
	m->life = la_get_be16(r + 9);
	m->nq = r[11];
	for (i = 0; i < m->nq; i++) {
		const u8 *q = r + LA_MARK_FIXED + i * LA_MARK_Q_LEN;

		m->q[i].lo = la_get_be32(q);
		m->q[i].hi = la_get_be32(q + 4);
		m->q[i].until = la_get64(q + 8);
	}
	return 0;
}

static int la_mark_one(void *arg, const DBT *key, const DBT *data)
{
	struct la_mark_list_args *a = arg;
	struct la_sid_mark m;

	return la_mark_rec_get(&m, key, data) ?: a->fn(a->arg, &m);
}

int la_store_sid_list(struct la_store *st,
		      int (*fn)(void *arg, const struct la_sid_mark *m),
		      void *arg)
{
	struct la_mark_list_args a = { fn, arg };

	return la_walk(st, LA_T_MARKS, la_mark_one, &a);
}

/*
 * Both tables, merged by time: a walk of each, a chunk at a time, so that
 * a long audit log never holds a transaction open for long (liteauthd,
 * which answers liteauth's requests in its event loop, serves devices
 * between two chunks).
 */
int la_store_audit_list(struct la_store *st,
			int (*fn)(void *arg, const struct la_audit *a),
			void *arg)
{
	struct la_walker w[2] = {};
	struct la_audit a[2];
	bool have[2] = { false, false }, end[2] = { false, false };
	DBT key, data;
	int ret, i;

	ret = la_list_check(st, 1U << LA_T_AUDIT | 1U << LA_T_REFUSALS);
	if (ret)
		return ret;
	ret = la_walker_init(&w[0], st, LA_T_AUDIT);
	if (!ret)
		ret = la_walker_init(&w[1], st, LA_T_REFUSALS);
	while (!ret) {
		for (i = 0; i < 2 && !ret; i++) {
			if (have[i] || end[i])
				continue;
			ret = la_walker_next(&w[i], &key, &data);
			if (ret == 1) {
				end[i] = true;
				ret = 0;
			} else if (!ret) {
				ret = la_audit_get(&a[i], &key, &data, i == 1);
				have[i] = !ret;
			}
		}
		if (ret || (!have[0] && !have[1]))
			break;
		i = !have[0] || (have[1] && a[1].time < a[0].time);
		have[i] = false;
		ret = fn(arg, &a[i]);
	}
	la_walker_done(&w[0]);
	la_walker_done(&w[1]);
	return ret;
}
