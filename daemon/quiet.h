/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Repeated log lines suppressed with a count, one mechanism for all of
 * liteauthd's: a kind of line (a refusal under a counter, a failed send,
 * a refused client of the control socket) has a window; the first @burst
 * lines of a window are told, the others counted, and one line at the
 * window's end (or at a stop) tells how many:
 *
 *	KIND: and N more in the last T s, suppressed
 *
 * Nothing is told for a window with nothing left out. Time is the
 * caller's, monotonic nanoseconds, so that it is testable and the same on
 * 32-bit hosts.
 */
#ifndef _LITEAUTH_QUIET_H
#define _LITEAUTH_QUIET_H

#include <stdbool.h>

#include "proto.h"

#define LA_QUIET_NS	1000000000ULL
/* The window of liteauthd's lines, but the server's refusals. */
#define LA_QUIET_WINDOW_S	60

/* Where a summary line goes. */
typedef void (*la_quiet_log)(void *arg, const char *line);

struct la_quiet {
	const char *kind;	/* the summary's first words */
	u64 window;		/* ns; 0: ended by la_quiet_end() alone */
	u32 burst;		/* lines told a window; 0 means 1 */
	u64 start;		/* this window's, monotonic ns */
	u32 told;		/* in this window */
	u64 left_out;		/* in this window */
};

/* A kind of @burst lines every @window_s seconds (0: see window). */
#define LA_QUIET_INIT(k, window_s, b)					\
	{ .kind = (k), .window = (u64)(window_s) * LA_QUIET_NS, .burst = (b) }

/* A new window at @now, for a kind that is not static. */
void la_quiet_init(struct la_quiet *q, const char *kind, u64 window_s,
		   u32 burst, u64 now);
/*
 * One line of kind @q at @now: true to tell it, false when it is counted
 * instead. A window over is ended first (la_quiet_tick).
 */
bool la_quiet_take(struct la_quiet *q, u64 now, la_quiet_log log, void *arg);
/* At @now: ends the window if it is over (its summary, if any, to @log). */
void la_quiet_tick(struct la_quiet *q, u64 now, la_quiet_log log, void *arg);
/* Ends the window now, whatever its age: at a stop, or the caller's end. */
void la_quiet_end(struct la_quiet *q, u64 now, la_quiet_log log, void *arg);
/* CLOCK_MONOTONIC in ns, for callers with no clock of their own. */
u64 la_quiet_clock(void);

#endif
