/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's hlist and hashtable.h, as far as gateway.c uses them, with
 * the same iteration semantics (a break out of hash_for_each ends it).
 */
#ifndef _KSHIM_LINUX_HASHTABLE_H
#define _KSHIM_LINUX_HASHTABLE_H

#include <string.h>

#include <linux/kernel.h>
#include <linux/list.h>

struct hlist_node {
	struct hlist_node *next, **pprev;
};

struct hlist_head {
	struct hlist_node *first;
};

static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

static inline bool hlist_unhashed(const struct hlist_node *n)
{
	return !n->pprev;
}

static inline void hlist_del_init(struct hlist_node *n)
{
	if (hlist_unhashed(n))
		return;
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

#define hlist_entry(ptr, type, member) container_of(ptr, type, member)

#define hlist_entry_safe(ptr, type, member) ({				\
	typeof(ptr) ____ptr = (ptr);					\
	____ptr ? hlist_entry(____ptr, type, member) : NULL;		\
})

#define hlist_for_each_entry(pos, head, member)				\
	for (pos = hlist_entry_safe((head)->first, typeof(*(pos)), member); \
	     pos;							\
	     pos = hlist_entry_safe((pos)->member.next, typeof(*(pos)), member))

#define hlist_for_each_entry_safe(pos, n, head, member)			\
	for (pos = hlist_entry_safe((head)->first, typeof(*pos), member); \
	     pos && ({ n = pos->member.next; 1; });			\
	     pos = hlist_entry_safe(n, typeof(*pos), member))

#define DECLARE_HASHTABLE(name, bits) struct hlist_head name[1 << (bits)]

#define HASH_SIZE(name) (ARRAY_SIZE(name))
#define HASH_BITS(name) ((unsigned int)__builtin_ctzl(HASH_SIZE(name)))

/* hash_64 of linux/hash.h, for every key size. */
#define hash_min(val, bits)						\
	((u32)(((u64)(val) * 0x61C8864680B583EBULL) >> (64 - (bits))))

#define hash_init(ht) memset((ht), 0, sizeof(ht))

#define hash_add(ht, node, key)						\
	hlist_add_head(node, &(ht)[hash_min(key, HASH_BITS(ht))])

#define hash_del(node) hlist_del_init(node)

#define hash_for_each(name, bkt, obj, member)				\
	for ((bkt) = 0, obj = NULL;					\
	     obj == NULL && (bkt) < (typeof(bkt))HASH_SIZE(name); (bkt)++) \
		hlist_for_each_entry(obj, &name[bkt], member)

#define hash_for_each_safe(name, bkt, tmp, obj, member)			\
	for ((bkt) = 0, obj = NULL;					\
	     obj == NULL && (bkt) < (typeof(bkt))HASH_SIZE(name); (bkt)++) \
		hlist_for_each_entry_safe(obj, tmp, &name[bkt], member)

#define hash_for_each_possible(name, obj, member, key)			\
	hlist_for_each_entry(obj, &name[hash_min(key, HASH_BITS(name))], member)

#endif /* _KSHIM_LINUX_HASHTABLE_H */
