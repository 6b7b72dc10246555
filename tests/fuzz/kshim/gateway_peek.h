/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What gateway_fuzz reads of the gateway's device table, which gateway.c
 * keeps private (struct la_device): a copy of every field of each entry.
 * gateway_peek.c, the one file that builds kmod/gateway.c, fills it in;
 * a field gateway.c renames or drops breaks the build here, not silently.
 */
#ifndef _LITEAUTH_GATEWAY_PEEK_H
#define _LITEAUTH_GATEWAY_PEEK_H

#include "gateway.h"

struct la_fz_entry {
	unsigned int bkt;		/* its chain, and place in it */
	unsigned int pos;
	u8 idd[LA_ID_LEN];
	struct la_bucket bucket;
	bool limited;
	u32 ctr;
	u64 seen;
	u8 state, suite;
	u64 started, key_sent;
	u8 rd[LA_NONCE_LEN], rg[LA_NONCE_LEN], rs[LA_NONCE_LEN];
	struct la_addr addr;
	struct la_key key;
	struct la_grant grant;
	u8 k_conf[LA_KEY_LEN];
	bool established;
	u16 sid;
	u8 sk[LA_KEY_LEN];
	u64 since, expires, ack_sent;
	struct la_addr session_addr;
	struct la_confirm confirm;
	struct la_ack ack;
	u64 rx_ok, rx_drop;
	bool report_due;
	int report_pos;			/* on gw->reports; -1 if not due */
	u64 report_until;
	struct la_gw_confirm report;
};

/*
 * Copies at most @max entries of @gw's table to @out, chain by chain, and
 * returns how many the table holds. Aborts if a chain's links do not hold
 * together, an entry is not in the chain its IDd hashes to, or the list
 * of reports due (gw->reports) is not the entries with a report due,
 * reports_due of them.
 */
unsigned int la_fz_peek(struct la_gw *gw, struct la_fz_entry *out,
			unsigned int max);

#endif /* _LITEAUTH_GATEWAY_PEEK_H */
