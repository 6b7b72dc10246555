/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What store.c and store_ctl.c share, and no one else: the store's handle,
 * the record codec both ends of the control socket use, and the tables by
 * number.
 */
#ifndef _LITEAUTH_STORE_INT_H
#define _LITEAUTH_STORE_INT_H

#include <pthread.h>
#include <sys/types.h>

#include <db.h>

#include "store.h"

/* The tables, by number: the control socket's walks name them so. */
enum la_table {
	LA_T_DEVICES,		/* = LA_DEVICE */
	LA_T_GATEWAYS,		/* = LA_GATEWAY */
	LA_T_AUDIT,
	LA_T_REFUSALS,
	LA_T_MARKS,
	LA_T_KEYS,
	LA_T_MAX,
};

struct la_store {
	DB_ENV *env;
	DB *t[LA_T_MAX];	/* by enum la_table */
	int dirfd;		/* the directory, flock()ed while open */
	int lockfd;		/* DIR/lock: who holds it */
	int ctl;		/* a client of liteauthd's control socket: its
				 * fd, and no environment; else -1
				 */
	bool owner;		/* LA_STORE_OWNER */
	/*
	 * Root on a directory another user owns (liteauthd's): the store's
	 * files are made and opened as that user (its fsuid and fsgid),
	 * and no other file is.
	 */
	bool as_owner;
	uid_t uid;
	gid_t gid;
	unsigned int checked;	/* tables verified by la_list_check */
	bool failed;		/* Berkeley DB panicked: nothing goes on
				 * (atomic: the checkpoint thread sets it too)
				 */
	/* la_store_checkpoint_thread: the thread, and what it did. */
	bool ckp_running;
	bool ckp_stop;		/* under ckp_lock */
	unsigned int ckp_ms;
	pthread_t ckp;
	pthread_mutex_t ckp_lock;
	pthread_cond_t ckp_cond;
	u64 ckp_done, ckp_failed;	/* atomics */
	int ckp_err;			/* atomic: the last failure's -errno */
	/* The last check and backup la_store_serve ran (la_store_health). */
	u64 check_time, backup_time;
	int check_result, backup_result;
};

/* A principal record, and its ID, as the tables keep them. */
#define LA_REC_MAX_LEN	180	/* store.c: LA_REC_MAX */
size_t la_rec_put(u8 *r, const struct la_principal *p);
int la_rec_get(struct la_principal *p, const u8 *id, const u8 *r, size_t len);

/*
 * The other tables' records (store.c), for tests/fuzz/record_fuzz.c too.
 * Each _get takes any bytes, checks every length before it reads, and
 * gives -EBADMSG for what is not a record of its table.
 */
#define LA_AUDIT_REC_LEN	36	/* store.c: LA_AUDIT_LEN */
#define LA_MARK_KEY_REC_LEN	9	/* LA_MARK_KEY_LEN */
#define LA_MARK_REC_MAX		140	/* LA_MARK_MAX */
#define LA_KEYS_REC_LEN		5	/* LA_KEYS_LEN */
/* An audit record (of the refusals if @summary), LA_AUDIT_REC_LEN bytes. */
void la_audit_put(u8 *rec, const struct la_audit *a);
int la_audit_get(struct la_audit *a, const DBT *key, const DBT *data,
		 bool summary);
/* A SID space's marks: its key, its record and the record's length. */
size_t la_mark_rec_put(u8 *k, u8 *rec, const struct la_sid_mark *m);
int la_mark_rec_get(struct la_sid_mark *m, const DBT *key, const DBT *data);
/* The key history's record: the CTR a key reached. */
void la_keys_rec_put(u8 *rec, u32 ctr);
int la_keys_rec_get(const u8 *rec, size_t len, u32 *ctr);

/*
 * A chunk of a table in key order: up to LA_CHUNK_ROWS of its (key, data)
 * pairs after a given key, read in one short transaction, and whether
 * there are more. Each pair in @buf is: key length (1 byte), data length
 * (2, big-endian), key, data.
 */
#define LA_CHUNK_ROWS	256
#define LA_CHUNK_BYTES	(48 * 1024)
#define LA_CHUNK_KEY_MAX 32
struct la_chunk {
	unsigned int rows;
	bool more;
	size_t len;
	u8 buf[LA_CHUNK_BYTES];
};

/*
 * The chunk of table @t after key @after (@alen bytes; 0: from the
 * start), from the environment or from liteauthd.
 */
int la_chunk_read(struct la_store *st, enum la_table t, const u8 *after,
		  size_t alen, struct la_chunk *c);
/* The local half of it. */
int la_chunk_local(struct la_store *st, enum la_table t, const u8 *after,
		   size_t alen, struct la_chunk *c);

/* The client's requests (store_ctl.c), for store.c's public calls. */
int la_ctl_connect(const char *dir, int *fd);
int la_ctl_get(struct la_store *st, enum la_kind kind, const u8 *id,
	       struct la_principal *p);
int la_ctl_put(struct la_store *st, enum la_kind kind,
	       const struct la_principal *p);
int la_ctl_del(struct la_store *st, enum la_kind kind, const u8 *id);
int la_ctl_enable(struct la_store *st, enum la_kind kind, const u8 *id,
		  bool enable);
int la_ctl_rekey(struct la_store *st, enum la_kind kind, const u8 *id,
		 const u8 *key, unsigned int flags, u32 *ctr);
int la_ctl_many(struct la_store *st, enum la_kind kind, bool add, size_t n,
		void (*get)(void *arg, size_t i, struct la_principal *p),
		void (*taken)(void *arg, size_t i), void *arg, size_t *done);
int la_ctl_sync(struct la_store *st);
int la_ctl_chunk(struct la_store *st, enum la_table t, const u8 *after,
		 size_t alen, struct la_chunk *c);

/* The adding half of la_store_add_many: no flush, no checkpoint. */
int la_store_many_local(struct la_store *st, enum la_kind kind, bool add,
			size_t n,
			void (*get)(void *arg, size_t i,
				    struct la_principal *p),
			void (*taken)(void *arg, size_t i), void *arg,
			size_t *done);
int la_store_verify_local(struct la_store *st,
			  void (*bad)(void *arg, const char *file,
				      const char *why),
			  void *arg);
int la_ctl_verify(struct la_store *st,
		  void (*bad)(void *arg, const char *file, const char *why),
		  void *arg);
int la_store_backup_local(struct la_store *st, char *path, size_t len);
int la_ctl_backup(struct la_store *st, char *path, size_t len);
/* The log on the disk. */
int la_store_sync_local(struct la_store *st);

#endif /* _LITEAUTH_STORE_INT_H */
