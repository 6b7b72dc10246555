/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The key store of the security management server: a transactional
 * Berkeley DB environment in one directory, encrypted with AES under a
 * passphrase read from a root-only file, holding the devices and gateways
 * (ID -> pre-shared key and metadata, and for devices the SIDs they hold),
 * the allocation marks of the server's SID spaces, and an audit log:
 * authentications in one table, summaries of refusals in another.
 *
 * One process: only the holder of the directory's lock (DIR/lock, flock)
 * opens the environment, with its regions (Berkeley DB's cache, locks and
 * the passphrase) in its own memory, never in files, and recovery at each
 * open. liteauthd holds the lock for as long as it runs, and serves the
 * calls below to the others over a control socket (DIR/control,
 * store_ctl.c): while it runs, a liteauth's la_store_open connects to it,
 * and the calls work as they do on an environment of its own. When no
 * liteauthd runs, the liteauth takes the lock and opens the environment
 * itself. So no process waits for another's lock of Berkeley DB, and a
 * process killed with the store open leaves nothing for another to
 * recover while it runs.
 */
#ifndef _LITEAUTH_STORE_H
#define _LITEAUTH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kcompat.h"
#include "proto.h"

#define LA_NAME_MAX	63
#define LA_KEY_FP_LEN	16	/* la_key_fp() */

/* Where liteauthd and the liteauth tool look by default. */
#define LA_DB_DEFAULT	"/var/lib/liteauth"
#define LA_PASS_DEFAULT	"/etc/liteauth/passphrase"

enum la_kind {
	LA_DEVICE,
	LA_GATEWAY,
};

/*
 * A SID a device holds (server.h, "SIDs"): a session at gateway @idg, or
 * directly at the server, by @sid, until @expires. Kept with the device's
 * record so that a restarted server issues no SID still live.
 */
struct la_held {
	bool gateway;		/* at gateway @idg; else direct */
	u8 idg[LA_ID_LEN];	/* all zero when direct */
	u16 sid;
	u64 expires;		/* Unix time, seconds; 0: none */
};

/* A device's held SIDs: its last session, and the one it left elsewhere. */
#define LA_HELD_MAX	2

/*
 * A handshake the server answered with a GW_KEY (server.h, "Restarts"),
 * kept with the device's record from the server's next commit until the
 * device authenticates (through any gateway, or directly), the GW_KEY of
 * a later handshake of it replaces it, its key changes, or @expires: so
 * that a restarted server takes the GW_CONFIRM of that handshake, and of
 * no other, on its gateway's word.
 */
struct la_handshake {
	u8 idg[LA_ID_LEN];
	u8 rs[LA_NONCE_LEN];
	u16 sid;
	u32 ctr;		/* its HELLO's */
	u64 expires;		/* Unix time, seconds; 0: none */
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
	/*
	 * Devices: the CTR of the last handshake whose CONFIRM the server
	 * checked (protocol.rst, "The server"); a HELLO at or below it is
	 * stale. It never goes down but by la_store_rekey's
	 * LA_REKEY_RESET_CTR, to 0, for a key the device never had: see
	 * "Key history" below. 0 when added with a key the device never
	 * had, and in records written before it existed. Gateways: 0.
	 */
	u32 ctr;
	/*
	 * Devices: [0] the last session the server recorded, [1] the one
	 * before it if that was at another gateway (which holds it until it
	 * expires). None in records written before they existed. Gateways:
	 * none.
	 */
	struct la_held held[LA_HELD_MAX];
	/*
	 * Devices: the last handshake answered with a GW_KEY, if it is not
	 * over. None in records written before it existed. Gateways: none.
	 */
	struct la_handshake hs;
};

/*
 * Why something was refused, as the audit records store it (codes 1 to 6
 * are GW_REJECT's REASONs, the others the server's own): each is the
 * refusal one server counter counts, and is printed by its name
 * (la_audit_reason_name(), liteauth(8) REFUSALS). Codes are never
 * renumbered: records keep them. Records written before 9 to 11 existed
 * counted those refusals as 4 (RATE) or 5 (BUSY), and 8 (BAD_GATEWAY)
 * for a store that failed reading a gateway.
 */
enum la_audit_reason {
	LA_AUDIT_UNKNOWN = LITEAUTH_REJECT_UNKNOWN_DEVICE,	/* 1 */
	LA_AUDIT_BAD_MAC = LITEAUTH_REJECT_BAD_DEVICE_MAC,	/* 2 */
	LA_AUDIT_DISABLED = LITEAUTH_REJECT_DEVICE_DISABLED,	/* 3 */
	LA_AUDIT_RATE = LITEAUTH_REJECT_RATE_LIMITED,		/* 4 */
	LA_AUDIT_BUSY = LITEAUTH_REJECT_SERVER_BUSY,		/* 5 */
	LA_AUDIT_STALE = LITEAUTH_REJECT_STALE,			/* 6 */
	LA_AUDIT_BAD_CONFIRM,	/* 7: T3 did not verify */
	LA_AUDIT_BAD_GATEWAY,	/* 8: unknown, disabled gateway, bad T4/T6 */
	LA_AUDIT_RATE_UNKNOWN,	/* 9: the budget of devices not in memory */
	LA_AUDIT_RATE_GATEWAY,	/* 10: the budget of gateway lookups */
	LA_AUDIT_STORE,		/* 11: the key store failed */
	LA_AUDIT_REASON_MAX,
};

/* struct la_audit's flags. */
enum la_audit_flags {
	/* The ID refused (IDd; IDg for LA_AUDIT_BAD_GATEWAY) was claimed by
	 * the message, never proven: anyone can send it.
	 */
	LA_AUDIT_F_CLAIMED = 0x01,
	/* An authentication the server could not check itself: the GW_CONFIRM
	 * of a handshake it no longer had, on the word of its gateway.
	 */
	LA_AUDIT_F_GATEWAY_WORD = 0x02,
	/* A summary of the refusals beyond what an interval's table holds:
	 * their IDs are not kept (all zero).
	 */
	LA_AUDIT_F_OVERFLOW = 0x04,
	/* Set by the store: a record of the refusal summaries (their own
	 * table, sequence and retention), not of the authentications.
	 */
	LA_AUDIT_F_SUMMARY = 0x08,
};

/*
 * One line of the audit log. An authentication (result 0) is one record;
 * refusals are summaries: @count refusals of one (IDg, IDd, reason) in the
 * interval that starts at @time.
 */
struct la_audit {
	u64 seq;		/* by the store, increasing in each table */
	u64 time;		/* Unix time, seconds */
	u8 idg[LA_ID_LEN];	/* all zero in the direct case */
	u8 idd[LA_ID_LEN];
	u8 result;		/* 0: authenticated, else refused */
	u8 reason;		/* enum la_audit_reason, 0 for a success */
	u8 flags;		/* enum la_audit_flags */
	u32 count;		/* events summed up; 1: an authentication */
	u32 ctr;		/* authentications: the handshake's CTR, or 0 */
	/*
	 * Authentications with @sessions: the device's held SIDs once it is
	 * recorded, which its record takes. Not kept in the audit log.
	 */
	bool sessions;
	struct la_held held[LA_HELD_MAX];
	/*
	 * Authentications with @keyed: @key_fp is the fingerprint of the key
	 * their handshake used (la_key_fp). A device that has another key
	 * when they are written (rekeyed meanwhile) keeps its CTR, and that
	 * key's in the key history takes theirs. Not kept in the audit log.
	 */
	bool keyed;
	u8 key_fp[LA_KEY_FP_LEN];
	/*
	 * Set by the server: no row of the audit log, but handshake @hs of
	 * device @idd, answered with a GW_KEY under the key of @key_fp,
	 * which the device's record keeps (la_principal.hs).
	 */
	bool answered;
	struct la_handshake hs;
};

struct la_store;

/*
 * A client of liteauthd (see the top) makes every call below but these,
 * which only the environment's holder makes, and which give a client
 * -EOPNOTSUPP: la_store_checkpoint, la_store_update, la_store_modify
 * (la_store_set_enabled and la_store_rekey are its uses that a client
 * makes), la_store_record, la_store_record_mark, la_store_held.
 */

#define LA_STORE_CREATE	0x1	/* make the environment if it is missing */
/*
 * liteauthd: the environment, or -EADDRINUSE if another liteauthd serves
 * it, -EBUSY if another process (a liteauth) holds the directory's lock;
 * never a client of the control socket.
 */
#define LA_STORE_OWNER	0x2

/* Principals la_store_add_many adds in one transaction, at most. */
#define LA_STORE_BATCH	5000

/*
 * The passphrase in @file into @pass (LA_PASS_SIZE bytes: 255 and a NUL
 * at most), by the policy of a new store if @strict (see la_store_open),
 * else as a store made before it reads it: 0, or a negative errno and a
 * sentence for the user in @err. la_store_open reads it so.
 */
#define LA_PASS_SIZE	256
int la_read_pass(const char *file, char *pass, bool strict, char *err,
		 size_t errlen);

/*
 * Opens (or with LA_STORE_CREATE, creates) the store in @dir with the
 * passphrase in @passfile, which must not be readable by group or others
 * and must hold 10 to 255 printable bytes on one line. Without
 * LA_STORE_CREATE nothing is made where there is no store. When the
 * liteauthd that holds @dir serves it, the store is that liteauthd's
 * (and @passfile is not read); when another liteauth holds it, it is
 * waited for 5 s, then -EBUSY. On failure returns a negative errno and a
 * sentence for the user in @err. The process dumps no core from then on
 * (PR_SET_DUMPABLE): it holds keys.
 */
int la_store_open(struct la_store **st, const char *dir, const char *passfile,
		  unsigned int flags, char *err, size_t errlen);
void la_store_close(struct la_store *st);
/*
 * Whether Berkeley DB found the environment broken (DB_EVENT_PANIC):
 * every call fails from then on, and only closing it and opening it
 * again (recovery) mends it. liteauthd exits, for systemd to restart it.
 */
bool la_store_failed(const struct la_store *st);

/*
 * liteauthd's control socket: a request of at most LA_CTL_MSG_MAX bytes
 * from a client, carried out on @st (which must be an environment, not a
 * client); the answer is in @answer (LA_CTL_MSG_MAX bytes), *@alen long.
 * What it changed, for the server's copy of it, in @chg. Returns what the
 * call returned (the answer says it too); a malformed request is -EINVAL
 * or -EPROTO, and changes nothing.
 */
#define LA_CTL_MSG_MAX	(64 * 1024)
struct la_store_change {
	bool id_set;		/* principal @id of @kind changed */
	enum la_kind kind;
	u8 id[LA_ID_LEN];
};
int la_store_serve(struct la_store *st, const void *request, size_t len,
		   void *answer, size_t *alen, struct la_store_change *chg);
/*
 * The control socket of store @dir, listening (non-blocking), for the
 * holder of its lock: mode 0600, in place of any left by a process gone.
 */
int la_store_listen(const char *dir, int *fd, char *err, size_t errlen);

/*
 * liteauth status: the one request of the control socket that is not the
 * store's. liteauthd answers it itself, with name/value pairs of its own
 * state (liteauth(8), "status"), a number or a string each, in the order
 * it puts them. No value is ever a key or a secret.
 *
 * liteauthd's side: whether request @req (@len bytes) is a status one,
 * which then does not go to la_store_serve; its answer is made in
 * @answer (LA_CTL_MSG_MAX bytes) with la_status_begin, the pairs, and
 * la_status_end, which returns its length. A malformed request gets
 * -EINVAL, and the pairs put then go nowhere. Strings are cut at 255
 * bytes, control characters in them become '?'.
 */
struct la_status {
	u8 *ans;
	size_t len;
	u32 n;			/* pairs */
	int err;
};
bool la_ctl_is_status(const void *req, size_t len);
void la_status_begin(struct la_status *w, const void *req, size_t len,
		     void *answer);
void la_status_num(struct la_status *w, const char *name, u64 value);
void la_status_str(struct la_status *w, const char *name, const char *value);
size_t la_status_end(struct la_status *w);
/*
 * The client's side: asks the liteauthd of store @dir over @dir/control
 * (no lock taken, no passphrase read) and calls @fn with each pair, in
 * order, @number telling a number (decimal digits alone) from a string.
 * *@pid (if not NULL): the pid of the process at the other end, once
 * connected. 0, or la_ctl_connect's error (-ENOENT, -ECONNREFUSED: no
 * liteauthd runs there), -EOPNOTSUPP (a liteauthd older than the
 * request), -ETIMEDOUT (no answer for LA_STATUS_TIMEOUT_MS),
 * -ECONNRESET (it closed the connection: another user's process, say),
 * -EPROTO (an answer it cannot read), -ENOMEM.
 */
#define LA_STATUS_TIMEOUT_MS 10000
int la_ctl_status(const char *dir, int *pid,
		  void (*fn)(void *arg, const char *name, const char *value,
			     bool number),
		  void *arg);

/*
 * What liteauthd's status tells of the store it holds, at no cost: the
 * last whole check of its tables (la_store_verify through la_store_serve,
 * that is liteauth check: liteauthd's own check at start is not counted)
 * and the last backup it took (la_store_backup through la_store_serve),
 * the checkpoint thread's figures, and whether Berkeley DB panicked.
 */
struct la_store_health {
	bool failed;		/* la_store_failed */
	bool ckp_thread;	/* la_store_checkpoint_thread runs */
	u64 ckp_done, ckp_failed;	/* la_store_checkpoint_stats */
	int ckp_err;
	u64 check_time;		/* Unix time; 0: none since it opened it */
	int check_result;	/* tables damaged, or a negative errno */
	u64 backup_time;	/* Unix time; 0: none since it opened it */
	int backup_result;	/* 0, or a negative errno */
};
void la_store_health(const struct la_store *st, struct la_store_health *h);

/*
 * Writes the tables' changed pages, so that recovery starts from here and
 * the log files before it are removed.
 */
int la_store_checkpoint(struct la_store *st);
/*
 * The same every @interval_ms on a thread of its own, off the caller's
 * loop (liteauthd's), until la_store_close, which waits for one under way.
 * The thread has its caller's credentials at the time (liteauthd starts it
 * once it has dropped its privileges) and blocks every signal. 0, or
 * -EOPNOTSUPP (a client of the control socket), -EINVAL (running already,
 * or no interval), or pthread_create's error.
 */
int la_store_checkpoint_thread(struct la_store *st, unsigned int interval_ms);
/* How many checkpoints the thread took and how many failed (*err: the
 * last failure's -errno).
 */
void la_store_checkpoint_stats(const struct la_store *st, u64 *done,
			       u64 *failed, int *err);

/* Berkeley DB's cache: most of a million devices' table, in memory. */
#define LA_STORE_CACHE_MB 64

/*
 * Adds @p; -EEXIST if the ID is taken. A device given a key it had before
 * starts at the CTR it reached with it, if that is above @p->ctr.
 */
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
/*
 * Key history. A HELLO is bound to its device's key and CTR: one captured
 * under a key is fresh again wherever that key comes back with a lower
 * CTR. So the store keeps, for each key a device had and no longer has
 * (rekeyed, or deleted), the highest CTR it reached with it (a table of
 * its own: it outlives the device's record), and a device that gets such
 * a key again (rekeyed back, or deleted and added) starts at that CTR, or
 * at its own if it is higher. Keys are kept there as fingerprints only.
 */
/* @key's fingerprint: tells keys apart, and gives none of them away. */
void la_key_fp(const u8 *key, u8 *fp);

/*
 * Replaces the record of @p->id with @p as it is; -ENOENT if there is
 * none. Whatever another process wrote since the caller read @p (the
 * daemon's CTRs, counts and held SIDs) is lost: to change a record, use
 * la_store_modify. For tests, and for resetting a store.
 */
int la_store_update(struct la_store *st, enum la_kind kind,
		    const struct la_principal *p);
/*
 * Reads the record of @id, lets @fn change it, and writes it back, in one
 * transaction: what another process (a running liteauthd) writes to it
 * meanwhile waits, and is not lost. @fn returns 0 to have it written, a
 * positive value to leave it as it is (la_store_modify returns that
 * value), or a negative errno (returned, nothing written). When the
 * transaction has to run again, @fn is called again, on the record as it
 * is then: it must do nothing but change @p. -ENOENT if there is none.
 * A device whose key @fn changes keeps at least the CTR the new key
 * reached before, as with la_store_rekey.
 */
int la_store_modify(struct la_store *st, enum la_kind kind, const u8 *id,
		    int (*fn)(void *arg, struct la_principal *p), void *arg);

/* la_store_rekey: the device starts over at CTR 0 (its firmware at 1). */
#define LA_REKEY_RESET_CTR	0x1
/* la_store_rekey's answer when @id has @key already: nothing changed. */
#define LA_STORE_SAME_KEY	1

/*
 * Gives @id the key @key, in one transaction. A device keeps its CTR, or
 * takes the one @key reached before if it had it once and that is higher
 * (see "Key history"); its old key's goes to the history. With
 * LA_REKEY_RESET_CTR (devices only), its CTR goes back to 0, but only for
 * a key it never had: else -EKEYREJECTED, nothing changed. *@ctr (if not
 * NULL): the device's CTR now, or for -EKEYREJECTED the one @key reached.
 * LA_STORE_SAME_KEY if it has @key already (nothing changed), -ENOENT if
 * there is no @id.
 */
int la_store_rekey(struct la_store *st, enum la_kind kind, const u8 *id,
		   const u8 *key, unsigned int flags, u32 *ctr);
/*
 * Whether @err (negative) from any call below means that another process
 * holds the database: nothing was changed, try again.
 */
bool la_store_locked(int err);
/* -ENOENT if there is none; -EBADMSG if the record is malformed. */
int la_store_get(struct la_store *st, enum la_kind kind, const u8 *id,
		 struct la_principal *p);
/* Enables or disables @id, in one transaction; -ENOENT if there is none. */
int la_store_set_enabled(struct la_store *st, enum la_kind kind,
			 const u8 *id, bool enable);
/* A device's key goes to the key history, with its CTR. */
int la_store_del(struct la_store *st, enum la_kind kind, const u8 *id);
/* Calls @fn for each record in ID order; stops at its first non-zero. */
int la_store_list(struct la_store *st, enum la_kind kind,
		  int (*fn)(void *arg, const struct la_principal *p),
		  void *arg);
/*
 * The server's records of @n handshakes, in one transaction (one write to
 * the disk for many, the daemon's group commit). Authentications (result
 * 0) are appended to the audit log, where at most @keep records are kept
 * (0: all), and move the device's last_auth (to their time), auth_count,
 * ctr (to the larger of the stored one and theirs, unless its key is not
 * @key_fp's), its handshake (to none, unless its key is not @key_fp's)
 * and, with @sessions set, its held SIDs (to theirs); handshakes
 * @answered move the device's handshake to theirs (unless its key is not
 * @key_fp's). One device's records are applied in order, and none to a
 * device deleted meanwhile, nor to one whose record is damaged (its
 * authentication is in the audit log all the same). Refusals go to a
 * table of their own, where at most @keep_refusals are kept (0: all), so
 * that no number of refusals ever evicts an authentication. Older records
 * beyond either bound are deleted as la_store_trim does, 1000 at most a
 * table. Each gets its seq (and, for refusals, LA_AUDIT_F_SUMMARY). 0, or
 * the error that left them all unwritten.
 */
int la_store_record(struct la_store *st, struct la_audit *a, unsigned int n,
		    u64 keep, u64 keep_refusals);

/*
 * Deletes the oldest audit records beyond @keep authentications and
 * @keep_refusals summaries (0: all kept), 1000 at most from each table:
 * a bound lowered on a long log takes effect over many calls (the daemon
 * makes one a second), each a short transaction. How many it deleted, or
 * a negative errno. la_store_record trims the same way.
 */
int la_store_trim(struct la_store *st, u64 keep, u64 keep_refusals);

/* Quarantines a SID space's marks keep, at most. */
#define LA_SID_QUARANTINES 8U

/*
 * The allocation marks of one SID space (server.h, "SIDs"): a gateway's,
 * or the direct devices' one. Positions count SIDs handed out (a SID is
 * its position modulo 65536): none at or beyond @hwm was, and every one
 * that may be held without a record of it lies in [@lo, @hwm). @life is
 * the longest session lifetime granted from them, in minutes. @q are the
 * quarantines of earlier restarts still running: positions [lo, hi) held
 * until @until.
 */
struct la_sid_mark {
	bool gateway;
	u8 idg[LA_ID_LEN];	/* all zero for the direct space */
	u32 hwm, lo;
	u16 life;
	u8 nq;
	struct {
		u32 lo, hi;
		u64 until;	/* Unix time, seconds */
	} q[LA_SID_QUARANTINES];
};

/*
 * la_store_record, and in the same transaction (before any SID of it is
 * handed out) @m, which replaces its space's marks. Waits for the disk.
 */
int la_store_record_mark(struct la_store *st, struct la_audit *a,
			 unsigned int n, u64 keep, u64 keep_refusals,
			 const struct la_sid_mark *m);
/* Calls @fn for the marks of every SID space; stops at its first non-0. */
int la_store_sid_list(struct la_store *st,
		      int (*fn)(void *arg, const struct la_sid_mark *m),
		      void *arg);
/*
 * Replaces only the held SIDs of device @idd's record; -ENOENT if there
 * is none. Waits for the disk.
 */
int la_store_held(struct la_store *st, const u8 *idd,
		  const struct la_held *held);

/*
 * Both tables, oldest first (by time; at equal times, authentications
 * first), each in the order of its seq. Records written before refusals
 * had a table of their own (version 1) come with count 1, and their
 * refusals with LA_AUDIT_F_CLAIMED.
 */
int la_store_audit_list(struct la_store *st,
			int (*fn)(void *arg, const struct la_audit *a),
			void *arg);

/*
 * Checks each table's file, page by page (Berkeley DB's DB->verify: the
 * pages, their links, the order of the keys), and calls @bad with the name
 * of each damaged one and what is wrong with it. Reads every page: for a
 * million devices, a second or two. The number of damaged tables, or a
 * negative errno. liteauthd runs it at start, liteauth check on demand.
 */
int la_store_verify(struct la_store *st,
		    void (*bad)(void *arg, const char *file, const char *why),
		    void *arg);

/*
 * A copy of the store, taken while it serves: a checkpoint, then its
 * tables and the log after it, into DIR/backup (an earlier one there is
 * replaced), whose path is put in @path. Opened as a store, the copy is
 * recovered to the state of the moment it was taken (liteauth backup
 * copies it out). It blocks the process that holds the store for as long
 * as the copy takes (liteauthd: its devices wait).
 */
int la_store_backup(struct la_store *st, char *path, size_t len);

/*
 * No core dump of this process, ever (PR_SET_DUMPABLE, RLIMIT_CORE 0):
 * liteauth and liteauthd call it first thing, before they read a key or
 * a passphrase; la_store_open calls it too.
 */
void la_no_core(void);

/* Wipes a principal's key and the rest with it. */
void la_principal_wipe(struct la_principal *p);

#endif /* _LITEAUTH_STORE_H */
