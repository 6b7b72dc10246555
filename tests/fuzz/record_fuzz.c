// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the key store's records (daemon/store.c): arbitrary
 * bytes as a record of each table, to its decoder, as a damaged database
 * file would give them. The input is:
 *
 *   TABLE  KEYLEN  KEY (KEYLEN bytes)  RECORD (the rest)
 *
 * TABLE (mod 6): a device or gateway record (la_rec_get, any version, under
 * the ID KEY starts with), an audit record (la_audit_get) of the
 * authentications or of the refusals, a SID space's marks (la_mark_rec_get)
 * or a record of the key history (la_keys_rec_get). Each decoder reads its
 * bytes from buffers of exactly their size, so that AddressSanitizer sees
 * any read beyond them. Whatever the input:
 *
 * - it returns 0 or -EBADMSG, and 0 only for a length, version and flags
 *   that its encoder writes;
 * - what it gives is within its type's bounds (a name of at most
 *   LA_NAME_MAX bytes and terminated, at most LA_SID_QUARANTINES
 *   quarantines, ...), and for older versions what they did not have is
 *   none;
 * - encoded again (la_rec_put, la_audit_put, la_mark_rec_put,
 *   la_keys_rec_put) and decoded, it is the same; and encoded, it is the
 *   very bytes it came from when they are in the current version and as
 *   the encoder writes them (a reserved byte 0, a direct space's IDg all
 *   zero, ...).
 *
 * Anything else aborts, saying what on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "fail.h"

enum { T_DEVICE, T_GATEWAY, T_AUDIT, T_REFUSALS, T_MARKS, T_KEYS, T_MAX };

/* A record of the current version without its name (store.c: LA_REC_FIXED). */
#define V4_FIXED (LA_REC_MAX_LEN - LA_NAME_MAX)

static void dbt(DBT *d, const void *data, size_t size)
{
	memset(d, 0, sizeof(*d));
	d->data = (void *)data;
	d->size = size;
}

/* A bool as stored: 0 or 1, not any other byte. */
static bool bad_bool(const bool *b)
{
	u8 v;

	memcpy(&v, b, 1);
	return v > 1;
}

static void must_ret(int ret, const char *what)
{
	if (ret && ret != -EBADMSG)
		fail("%s returned %d", what, ret);
}

static void fuzz_principal(const u8 *id, const u8 *r, size_t len)
{
	static const u8 zero[sizeof(struct la_principal)];
	struct la_principal p, q;
	u8 out[LA_REC_MAX_LEN];
	size_t n, i;
	int ret;

	ret = la_rec_get(&p, id, r, len);
	must_ret(ret, "la_rec_get");
	if (ret)
		return;
	if (!len || r[0] < 1 || r[0] > 4 || bad_bool(&p.enabled) ||
	    memcmp(p.id, id, LA_ID_LEN))
		fail("a record of version %u taken", len ? r[0] : 0);
	if (strnlen(p.name, sizeof(p.name)) > LA_NAME_MAX)
		fail("a name not terminated");
	for (i = 0; i < LA_HELD_MAX; i++)
		if (bad_bool(&p.held[i].gateway))
			fail("held SID %zu: not a bool", i);
	if ((r[0] < 2 && p.ctr) ||
	    (r[0] < 3 && memcmp(p.held, zero, sizeof(p.held))) ||
	    (r[0] < 4 && memcmp(&p.hs, zero, sizeof(p.hs))))
		fail("version %u with what it did not have", r[0]);

	/* Its own ID may be where it goes. */
	memcpy(q.id, id, LA_ID_LEN);
	if (la_rec_get(&q, q.id, r, len) || memcmp(&p, &q, sizeof(p)))
		fail("la_rec_get into its own ID differs");

	n = la_rec_put(out, &p);
	if (n > sizeof(out) || la_rec_get(&q, id, out, n))
		fail("a record encoded again (%zu bytes) is refused", n);
	if (strcmp(p.name, q.name))
		fail("the name changed");
	memset(p.name, 0, sizeof(p.name));	/* after a NUL in it: cut */
	memset(q.name, 0, sizeof(q.name));
	if (memcmp(&p, &q, sizeof(p)))
		fail("a record encoded and decoded again differs");
	/* The current version, its reserved byte 0, no NUL in its name. */
	if (r[0] == 4 && !r[1] && !memchr(r + V4_FIXED, 0, len - V4_FIXED) &&
	    (n != len || memcmp(out, r, len)))
		fail("a record of the current version encoded differently");
	la_principal_wipe(&p);
	la_principal_wipe(&q);
	memzero_explicit(out, sizeof(out));
}

static void fuzz_audit(const u8 *k, size_t klen, const u8 *r, size_t len,
		       bool summary)
{
	struct la_audit a, b;
	u8 out[LA_AUDIT_REC_LEN];
	DBT key, data;
	int ret;

	dbt(&key, k, klen);
	dbt(&data, r, len);
	ret = la_audit_get(&a, &key, &data, summary);
	must_ret(ret, "la_audit_get");
	if (ret)
		return;
	if (klen != 8 || !((r[0] == 2 && len == LA_AUDIT_REC_LEN) ||
			   (r[0] == 1 && len == 27 && !summary)))
		fail("an audit record of version %u, %zu bytes, key %zu taken",
		     r[0], len, klen);
	if (!summary != !(a.flags & LA_AUDIT_F_SUMMARY) ||
	    a.flags & ~(LA_AUDIT_F_CLAIMED | LA_AUDIT_F_GATEWAY_WORD |
			LA_AUDIT_F_OVERFLOW | LA_AUDIT_F_SUMMARY))
		fail("flags %#x in the %s", a.flags,
		     summary ? "refusals" : "authentications");
	/* Version 1: one event each, a refusal's ID claimed, no STALE. */
	if (r[0] == 1 && (a.count != 1 || !a.result != !(a.flags & LA_AUDIT_F_CLAIMED) ||
			  (a.result && a.reason == LA_AUDIT_STALE)))
		fail("a version 1 record read as count %u, flags %#x, reason %u",
		     a.count, a.flags, a.reason);
	if (a.answered || a.sessions || a.keyed)
		fail("an audit record read with what it does not hold");

	la_audit_put(out, &a);
	dbt(&data, out, sizeof(out));
	if (la_audit_get(&b, &key, &data, summary) || memcmp(&a, &b, sizeof(a)))
		fail("an audit record encoded and decoded again differs");
	if (r[0] == 2 && (!summary || r[27] & LA_AUDIT_F_SUMMARY) &&
	    memcmp(out, r, len))
		fail("an audit record of the current version encoded differently");
}

static void fuzz_marks(const u8 *k, size_t klen, const u8 *r, size_t len)
{
	static const u8 zero[LA_ID_LEN];
	u8 k2[LA_MARK_KEY_REC_LEN], out[LA_MARK_REC_MAX];
	struct la_sid_mark m, m2;
	DBT key, data;
	size_t n;
	int ret;

	dbt(&key, k, klen);
	dbt(&data, r, len);
	ret = la_mark_rec_get(&m, &key, &data);
	must_ret(ret, "la_mark_rec_get");
	if (ret)
		return;
	if (klen != LA_MARK_KEY_REC_LEN || bad_bool(&m.gateway) || r[0] != 1 ||
	    m.nq > LA_SID_QUARANTINES || len != 12 + 16 * (size_t)m.nq)
		fail("marks of %zu bytes, %u quarantines, key %zu taken", len,
		     m.nq, klen);

	n = la_mark_rec_put(k2, out, &m);
	dbt(&key, k2, sizeof(k2));
	dbt(&data, out, n);
	if (n > sizeof(out) || la_mark_rec_get(&m2, &key, &data))
		fail("marks encoded again (%zu bytes) are refused", n);
	if (!m.gateway)		/* all zero for the direct space */
		memset(m.idg, 0, LA_ID_LEN);
	if (memcmp(&m, &m2, sizeof(m)))
		fail("marks encoded and decoded again differ");
	if ((k[0] || !memcmp(k + 1, zero, LA_ID_LEN)) &&
	    (n != len || memcmp(out, r, len) || memcmp(k2, k, klen)))
		fail("marks encoded differently");
}

static void fuzz_keys(const u8 *r, size_t len)
{
	u8 out[LA_KEYS_REC_LEN];
	u32 ctr, ctr2;
	int ret;

	ret = la_keys_rec_get(r, len, &ctr);
	must_ret(ret, "la_keys_rec_get");
	if (ret)
		return;
	if (len != LA_KEYS_REC_LEN || r[0] != 1)
		fail("a key history record of %zu bytes taken", len);
	la_keys_rec_put(out, ctr);
	if (la_keys_rec_get(out, sizeof(out), &ctr2) || ctr2 != ctr ||
	    memcmp(out, r, len))
		fail("a key history record encoded differently");
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 id[LA_ID_LEN] = { 0 }, *k, *r;
	size_t klen, len;

	if (size < 2)
		return 0;
	klen = data[1] < size - 2 ? data[1] : size - 2;
	len = size - 2 - klen;
	/* Each on the heap, exactly its size: a read beyond is seen. */
	k = malloc(klen ? klen : 1);
	r = malloc(len ? len : 1);
	if (!k || !r)
		abort();
	memcpy(k, data + 2, klen);
	memcpy(r, data + 2 + klen, len);
	memcpy(id, k, klen < LA_ID_LEN ? klen : LA_ID_LEN);

	switch (data[0] % T_MAX) {
	case T_DEVICE:
	case T_GATEWAY:
		fuzz_principal(id, r, len);
		break;
	case T_AUDIT:
	case T_REFUSALS:
		fuzz_audit(k, klen, r, len, data[0] % T_MAX == T_REFUSALS);
		break;
	case T_MARKS:
		fuzz_marks(k, klen, r, len);
		break;
	default:
		fuzz_keys(r, len);
		break;
	}
	free(k);
	free(r);
	return 0;
}
