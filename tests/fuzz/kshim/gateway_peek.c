// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/gateway.c, unchanged, built for userspace against the headers of
 * this directory, and la_fz_peek (gateway_peek.h): this file includes
 * gateway.c so that it can read struct la_device, which is private to it.
 */
#include "gateway.c"

#include "gateway_peek.h"

/* Where @d is on gw->reports, or -1; aborts if the list is corrupt. */
static int la_fz_report_pos(struct la_gw *gw, const struct la_device *d)
{
	const struct list_head *l, *prev = &gw->reports;
	unsigned int i = 0;
	int pos = -1;

	for (l = gw->reports.next; l != &gw->reports; prev = l, l = l->next) {
		if (l->prev != prev || i > gw->ndevices)
			la_kshim_bug("the list of reports", __FILE__, __LINE__);
		if (l == &d->report_node)
			pos = i;
		i++;
	}
	if (i != gw->reports_due || gw->reports.prev != prev)
		la_kshim_bug("reports_due is not the list's length", __FILE__,
			     __LINE__);
	if ((pos >= 0) != la_report_due(d))
		la_kshim_bug("a report due off the list", __FILE__, __LINE__);
	return pos;
}

unsigned int la_fz_peek(struct la_gw *gw, struct la_fz_entry *out,
			unsigned int max)
{
	struct la_device *d;
	struct hlist_node **pprev;
	unsigned int n = 0, bkt, pos, due = 0;

	spin_lock_bh(&gw->lock);
	for (bkt = 0; bkt < HASH_SIZE(gw->devices); bkt++) {
		pprev = &gw->devices[bkt].first;
		pos = 0;
		hlist_for_each_entry(d, &gw->devices[bkt], node) {
			struct la_fz_entry *e;

			if (d->node.pprev != pprev)
				la_kshim_bug("a chain's links", __FILE__,
					     __LINE__);
			if (hash_min(la_hash(d->idd), HASH_BITS(gw->devices)) !=
			    bkt)
				la_kshim_bug("an entry in another chain",
					     __FILE__, __LINE__);
			pprev = &d->node.next;
			pos++;
			due += la_report_due(d);
			if (n++ >= max)
				continue;
			e = &out[n - 1];
			e->bkt = bkt;
			e->pos = pos - 1;
			memcpy(e->idd, d->idd, LA_ID_LEN);
			e->bucket = d->bucket;
			e->limited = d->limited;
			e->ctr = d->ctr;
			e->seen = d->seen;
			e->state = d->state;
			e->suite = d->suite;
			e->started = d->started;
			e->key_sent = d->key_sent;
			memcpy(e->rd, d->rd, LA_NONCE_LEN);
			memcpy(e->rg, d->rg, LA_NONCE_LEN);
			memcpy(e->rs, d->rs, LA_NONCE_LEN);
			e->addr = d->addr;
			e->key = d->key;
			e->grant = d->grant;
			memcpy(e->k_conf, d->k_conf, LA_KEY_LEN);
			e->established = d->established;
			e->sid = d->sid;
			memcpy(e->sk, d->sk, LA_KEY_LEN);
			e->since = d->since;
			e->expires = d->expires;
			e->ack_sent = d->ack_sent;
			e->session_addr = d->session_addr;
			e->confirm = d->confirm;
			e->ack = d->ack;
			e->rx_ok = d->rx_ok;
			e->rx_drop = d->rx_drop;
			e->report_due = la_report_due(d);
			e->report_pos = la_fz_report_pos(gw, d);
			e->report_until = d->report_until;
			e->report = d->report;
		}
	}
	if (due != gw->reports_due)
		la_kshim_bug("reports_due is not the entries with one due",
			     __FILE__, __LINE__);
	spin_unlock_bh(&gw->lock);
	return n;
}
