/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One thread, so a lock is a flag: taking one that is held (a deadlock in
 * the kernel), releasing one that is not, and lockdep_assert_held on one
 * that is not held abort. atomic64_t is here too, as the kernel's
 * spinlock.h brings it to gateway.h.
 */
#ifndef _KSHIM_LINUX_SPINLOCK_H
#define _KSHIM_LINUX_SPINLOCK_H

#include <linux/kernel.h>

typedef struct {
	int held;
} spinlock_t;

#define spin_lock_init(l) ((l)->held = 0)

#define spin_lock_bh(l) do {						\
	if ((l)->held)							\
		la_kshim_bug("spin_lock_bh of a held lock", __FILE__,	\
			     __LINE__);					\
	(l)->held = 1;							\
} while (0)

#define spin_unlock_bh(l) do {						\
	if (!(l)->held)							\
		la_kshim_bug("spin_unlock_bh of a free lock", __FILE__,	\
			     __LINE__);					\
	(l)->held = 0;							\
} while (0)

#define lockdep_assert_held(l) do {					\
	if (!(l)->held)							\
		la_kshim_bug("lockdep_assert_held(" #l ")", __FILE__,	\
			     __LINE__);					\
} while (0)

typedef struct {
	long long counter;
} atomic64_t;

#define atomic64_set(v, i) ((v)->counter = (i))
#define atomic64_read(v) ((v)->counter)
#define atomic64_inc(v) ((v)->counter++)

#endif /* _KSHIM_LINUX_SPINLOCK_H */
