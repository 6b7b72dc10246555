// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite of quiet.c: repeated log lines suppressed with a count.
 * The clock is the test's, in nanoseconds, from 0 and from near 2^64.
 */
#include <kunit/test.h>
#include <stdio.h>
#include <string.h>

#include "nl.h"
#include "quiet.h"

#define NS LA_QUIET_NS

static struct la_qt {
	int lines;		/* summaries told */
	char last[256];
} la_qt;

static void la_qt_log(void *arg, const char *line)
{
	struct la_qt *t = arg;

	t->lines++;
	snprintf(t->last, sizeof(t->last), "%s", line);
}

/* The last summary told was @want. */
#define LA_QT_SAID(test, want)						\
	KUNIT_EXPECT_TRUE_MSG(test, !strcmp(la_qt.last, want),		\
			      "the last summary: \"%s\"", la_qt.last)

static int la_quiet_test_init(struct kunit *test)
{
	memset(&la_qt, 0, sizeof(la_qt));
	return 0;
}

/* @n lines at @now: how many of them are told. */
static int la_qt_take(struct la_quiet *q, u64 now, int n)
{
	int told = 0;

	while (n--)
		told += la_quiet_take(q, now, la_qt_log, &la_qt);
	return told;
}

/* First told, the next N counted, one summary at the window's end. */
static void la_test_quiet_window(struct kunit *test)
{
	struct la_quiet q;

	la_quiet_init(&q, "drop-auth", 60, 1, 5 * NS);
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, 6 * NS, 1), 1);
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, 7 * NS, 199), 0);
	KUNIT_EXPECT_EQ(test, q.left_out, 199);
	/* Not yet over: nothing said. */
	la_quiet_tick(&q, 64 * NS, la_qt_log, &la_qt);
	KUNIT_EXPECT_EQ(test, la_qt.lines, 0);
	la_quiet_tick(&q, 65 * NS, la_qt_log, &la_qt);
	KUNIT_EXPECT_EQ(test, la_qt.lines, 1);
	LA_QT_SAID(test, "drop-auth: and 199 more in the last 60 s, suppressed");
	/* The next window tells its first one again. */
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, 70 * NS, 3), 1);
	la_quiet_tick(&q, 125 * NS, la_qt_log, &la_qt);
	KUNIT_EXPECT_EQ(test, la_qt.lines, 2);
	LA_QT_SAID(test, "drop-auth: and 2 more in the last 60 s, suppressed");
}

/* A window with nothing left out, or nothing at all, says nothing. */
static void la_test_quiet_empty(struct kunit *test)
{
	struct la_quiet q;

	la_quiet_init(&q, "drop-auth", 60, 1, 0);
	la_quiet_tick(&q, 3600 * NS, la_qt_log, &la_qt);
	la_quiet_end(&q, 3700 * NS, la_qt_log, &la_qt);
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, 3701 * NS, 1), 1);
	la_quiet_tick(&q, 3800 * NS, la_qt_log, &la_qt);
	la_quiet_end(&q, 3900 * NS, la_qt_log, &la_qt);
	KUNIT_EXPECT_EQ(test, la_qt.lines, 0);
}

/*
 * A line after the window is over ends it first (its summary, then the
 * line told); at a stop, what is left out is told, whatever the age.
 */
static void la_test_quiet_stop(struct kunit *test)
{
	struct la_quiet q = LA_QUIET_INIT("sending an answer",
					  LA_QUIET_WINDOW_S, 1);

	/* liteauthd(8): a window of a minute. */
	KUNIT_EXPECT_EQ(test, LA_QUIET_WINDOW_S, 60);
	/* A static kind, from 0: its first window starts at its first. */
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, 1000 * NS, 5), 1);
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, 1061 * NS, 1), 1);
	KUNIT_EXPECT_EQ(test, la_qt.lines, 1);
	LA_QT_SAID(test, "sending an answer: and 4 more in the last 61 s, suppressed");
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, 1062 * NS, 7), 0);
	la_quiet_end(&q, 1062 * NS + 1, la_qt_log, &la_qt);
	KUNIT_EXPECT_EQ(test, la_qt.lines, 2);
	LA_QT_SAID(test, "sending an answer: and 7 more in the last 2 s, suppressed");
	la_quiet_end(&q, 1063 * NS, la_qt_log, &la_qt);
	KUNIT_EXPECT_EQ(test, la_qt.lines, 2);
}

/* A burst of lines a window; window 0: ended by the caller alone. */
static void la_test_quiet_burst(struct kunit *test)
{
	struct la_quiet q;

	/* liteauthd(8): ten lines about liteauth.ko a minute. */
	KUNIT_EXPECT_EQ(test, LA_NL_LOG_BURST, 10);
	la_quiet_init(&q, "netlink", LA_QUIET_WINDOW_S, LA_NL_LOG_BURST, 0);
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, NS, 25), 10);
	la_quiet_tick(&q, 60 * NS, la_qt_log, &la_qt);
	LA_QT_SAID(test, "netlink: and 15 more in the last 60 s, suppressed");
	la_quiet_init(&q, "drop-unknown", 0, 1, 0);
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, NS, 3), 1);
	la_quiet_tick(&q, 1000000 * NS, la_qt_log, &la_qt);
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, 1000000 * NS, 1), 0);
	KUNIT_EXPECT_EQ(test, la_qt.lines, 1);
	la_quiet_end(&q, 1000000 * NS, la_qt_log, &la_qt);
	LA_QT_SAID(test, "drop-unknown: and 3 more in the last 1000000 s, suppressed");
}

/* u64 throughout: a clock near 2^64 that wraps, and a count past 2^32. */
static void la_test_quiet_wide(struct kunit *test)
{
	struct la_quiet q;
	u64 t0 = ~0ULL - 30 * NS;

	la_quiet_init(&q, "drop-auth", 60, 1, t0);
	KUNIT_EXPECT_EQ(test, la_qt_take(&q, t0, 2), 1);
	la_quiet_tick(&q, t0 + 59 * NS, la_qt_log, &la_qt);
	KUNIT_EXPECT_EQ(test, la_qt.lines, 0);
	q.left_out = 5000000000ULL;
	la_quiet_tick(&q, t0 + 90 * NS, la_qt_log, &la_qt);
	LA_QT_SAID(test, "drop-auth: and 5000000000 more in the last 90 s, suppressed");
}

static struct kunit_case la_quiet_cases[] = {
	KUNIT_CASE(la_test_quiet_window),
	KUNIT_CASE(la_test_quiet_empty),
	KUNIT_CASE(la_test_quiet_stop),
	KUNIT_CASE(la_test_quiet_burst),
	KUNIT_CASE(la_test_quiet_wide),
	{}
};

static struct kunit_suite la_quiet_suite = {
	.name = "liteauth_quiet",
	.init = la_quiet_test_init,
	.test_cases = la_quiet_cases,
};

kunit_test_suite(la_quiet_suite);
