/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delayed work that never runs by itself: arming it records the delay and
 * marks it pending, and the fuzzer runs work.func when it chooses (after
 * moving its clock past the delay), as the workqueue would. One jiffy is a
 * millisecond.
 */
#ifndef _KSHIM_LINUX_WORKQUEUE_H
#define _KSHIM_LINUX_WORKQUEUE_H

#include <linux/kernel.h>
#include <linux/list.h>

struct work_struct {
	void (*func)(struct work_struct *work);
};

struct delayed_work {
	struct work_struct work;
	bool pending;
	unsigned long delay;		/* of the last (re)arming, jiffies */
};

struct workqueue_struct;

#define system_wq ((struct workqueue_struct *)NULL)

#define INIT_DELAYED_WORK(dw, fn) do {					\
	(dw)->work.func = (fn);						\
	(dw)->pending = false;						\
	(dw)->delay = 0;						\
} while (0)

static inline unsigned long msecs_to_jiffies(unsigned int ms)
{
	return ms;
}

static inline bool mod_delayed_work(struct workqueue_struct *wq,
				    struct delayed_work *dw,
				    unsigned long delay)
{
	bool was = dw->pending;

	dw->pending = true;
	dw->delay = delay;
	return was;
}

static inline bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	bool was = dw->pending;

	dw->pending = false;
	return was;
}

static inline struct delayed_work *to_delayed_work(struct work_struct *work)
{
	return container_of(work, struct delayed_work, work);
}

#endif /* _KSHIM_LINUX_WORKQUEUE_H */
