/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The key store of the security management server: a transactional
 * Berkeley DB environment in one directory, encrypted with AES under a
 * passphrase read from a root-only file, holding the devices and gateways
 * (ID -> pre-shared key and metadata) and an audit log.
 *
 * The daemon and the liteauth tool open the same environment at once:
 * Berkeley DB's locking and transactions keep them apart, and
 * DB_REGISTER makes the first process to open it after a crash run
 * recovery, and no other.
 */
#ifndef _LITEAUTH_STORE_H
#define _LITEAUTH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kcompat.h"
#include "proto.h"

#define LA_NAME_MAX	63

/* Where liteauthd and the liteauth tool look by default. */
#define LA_DB_DEFAULT	"/var/lib/liteauth"
#define LA_PASS_DEFAULT	"/etc/liteauth/passphrase"

enum la_kind {
	LA_DEVICE,
	LA_GATEWAY,
};

/* A device or a gateway, as the store keeps it. Holds a key: wipe it. */
struct la_principal {
	u8 id[LA_ID_LEN];
	u8 key[LA_KEY_LEN];
	u8 suite;
	bool enabled;
	char name[LA_NAME_MAX + 1];
	u64 created;		/* Unix time, seconds */
	u64 last_auth;		/* 0: never */
	u64 auth_count;
};

/* One line of the audit log. */
struct la_audit {
	u64 seq;		/* assigned by the store, increasing */
	u64 time;		/* Unix time, seconds */
	u8 idg[LA_ID_LEN];	/* all zero in the direct case */
	u8 idd[LA_ID_LEN];
	u8 result;		/* 0: authenticated, else a reason */
	u8 reason;
};

struct la_store;

#define LA_STORE_CREATE	0x1	/* make the environment if it is missing */

/* Principals la_store_add_many adds in one transaction, at most. */
#define LA_STORE_BATCH	5000

/*
 * Opens (or with LA_STORE_CREATE, creates) the store in @dir with the
 * passphrase in @passfile, which must not be readable by group or others.
 * On failure returns a negative errno and a sentence for the user in @err.
 */
int la_store_open(struct la_store **st, const char *dir, const char *passfile,
		  unsigned int flags, char *err, size_t errlen);
void la_store_close(struct la_store *st);

/*
 * Writes the tables' changed pages, so that recovery starts from here and
 * the log files before it are removed. The daemon calls it every minute.
 */
int la_store_checkpoint(struct la_store *st);

/* Berkeley DB's cache: most of a million devices' table, in memory. */
#define LA_STORE_CACHE_MB 64

/* Adds @p; -EEXIST if the ID is taken. */
int la_store_add(struct la_store *st, enum la_kind kind,
		 const struct la_principal *p);
/*
 * Adding many at once (liteauth device import): @get fills in the @i-th
 * of @n principals, 0 <= @i < @n, best given in ID order; @p is wiped
 * after. They are added in transactions of up to LA_STORE_BATCH, which
 * are committed without waiting for the disk; the log is flushed and a
 * checkpoint taken before it returns 0, and then every one is there to
 * stay. An ID the store has already is left as it is, and passed to
 * @taken once its transaction is committed: never more than once. On an
 * error the transactions before it stay; *@done says how many of the @n
 * they handled (added or passed to @taken).
 */
int la_store_add_many(struct la_store *st, enum la_kind kind, size_t n,
		      void (*get)(void *arg, size_t i, struct la_principal *p),
		      void (*taken)(void *arg, size_t i), void *arg,
		      size_t *done);
/* Passes to @taken each of the @n IDs, as above, the store has already. */
int la_store_find_many(struct la_store *st, enum la_kind kind, size_t n,
		       void (*get)(void *arg, size_t i, struct la_principal *p),
		       void (*taken)(void *arg, size_t i), void *arg);
/* Replaces the record of @p->id; -ENOENT if there is none. */
int la_store_update(struct la_store *st, enum la_kind kind,
		    const struct la_principal *p);
/*
 * Whether @err (negative) from any call below means that another process
 * kept the database locked for seconds: nothing was changed, try again.
 */
bool la_store_locked(int err);
/* -ENOENT if there is none; -EBADMSG if the record is malformed. */
int la_store_get(struct la_store *st, enum la_kind kind, const u8 *id,
		 struct la_principal *p);
int la_store_del(struct la_store *st, enum la_kind kind, const u8 *id);
/* Calls @fn for each record in ID order; stops at its first non-zero. */
int la_store_list(struct la_store *st, enum la_kind kind,
		  int (*fn)(void *arg, const struct la_principal *p),
		  void *arg);
/*
 * The server's records of @n handshakes, in one transaction (one write to
 * the disk for many, the daemon's group commit): each is appended to the
 * audit log (its seq assigned, at most @keep records kept) and, for an
 * authentication (result 0), the device's last_auth (its time) and
 * auth_count move, unless it was deleted meanwhile. 0, or the error that
 * left them all unwritten.
 */
int la_store_record(struct la_store *st, struct la_audit *a, unsigned int n,
		    u64 keep);
int la_store_audit_list(struct la_store *st,
			int (*fn)(void *arg, const struct la_audit *a),
			void *arg);

/* Wipes a principal's key and the rest with it. */
void la_principal_wipe(struct la_principal *p);

#endif /* _LITEAUTH_STORE_H */
