// SPDX-License-Identifier: GPL-2.0
/*
 * Repeated log lines suppressed with a count (quiet.h).
 */
#include <stdio.h>
#include <time.h>

#include "quiet.h"

void la_quiet_init(struct la_quiet *q, const char *kind, u64 window_s,
		   u32 burst, u64 now)
{
	*q = (struct la_quiet)LA_QUIET_INIT(kind, window_s, burst);
	q->start = now;
}

void la_quiet_end(struct la_quiet *q, u64 now, la_quiet_log log, void *arg)
{
	char line[192];

	if (q->left_out && log) {
		/* Whole seconds, rounded up: never "in the last 0 s". */
		snprintf(line, sizeof(line),
			 "%s: and %llu more in the last %llu s, suppressed",
			 q->kind, (unsigned long long)q->left_out,
			 (unsigned long long)((now - q->start + LA_QUIET_NS - 1) /
					      LA_QUIET_NS));
		log(arg, line);
	}
	q->start = now;
	q->told = 0;
	q->left_out = 0;
}

void la_quiet_tick(struct la_quiet *q, u64 now, la_quiet_log log, void *arg)
{
	if (q->window && now - q->start >= q->window)
		la_quiet_end(q, now, log, arg);
}

bool la_quiet_take(struct la_quiet *q, u64 now, la_quiet_log log, void *arg)
{
	la_quiet_tick(q, now, log, arg);
	if (q->told < (q->burst ? q->burst : 1)) {
		q->told++;
		return true;
	}
	q->left_out++;
	return false;
}

u64 la_quiet_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * LA_QUIET_NS + (u64)ts.tv_nsec;
}
