// SPDX-License-Identifier: GPL-2.0
/*
 * Runner for the KUnit suites built into userspace (tests/unit/kunit/test.h):
 * runs every registered suite, or those named on the command line, prints
 * KTAP as the kernel's KUnit does, and exits non-zero if any case failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kunit/test.h>

static struct kunit_suite *suites, **suites_tail = &suites;

void kunit_register(struct kunit_suite *suite)
{
	*suites_tail = suite;
	suites_tail = &suite->next;
}

void kunit_fail(struct kunit *test, const char *file, int line, bool abort,
		const char *fmt, ...)
{
	va_list ap;

	test->failed = 1;
	printf("        # %s: EXPECTATION FAILED at %s:%d\n        # ",
	       test->name, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (abort)
		longjmp(test->abort, 1);
}

static bool wanted(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

/* One case: init, the case (a failed assertion jumps back here), exit. */
static void run_case(struct kunit_suite *s, struct kunit_case *c,
		     struct kunit *test)
{
	if (!setjmp(test->abort)) {
		if (!s->init || !s->init(test))
			c->run_case(test);
		else
			kunit_fail(test, __FILE__, __LINE__, false,
				   "suite init failed");
	}
	if (s->exit)
		s->exit(test);
}

static int run_suite(struct kunit_suite *s, int index)
{
	struct kunit_case *c;
	int n = 0, i = 0, failed = 0;

	for (c = s->test_cases; c->run_case; c++)
		n++;
	printf("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", s->name, n);
	if (s->suite_init && s->suite_init(s)) {
		printf("    # %s: suite_init failed\n", s->name);
		for (c = s->test_cases; c->run_case; c++)
			printf("    not ok %d %s\n", ++i, c->name);
		printf("not ok %d %s\n", index, s->name);
		return 1;
	}
	for (c = s->test_cases; c->run_case; c++) {
		struct kunit test = { .name = c->name };

		run_case(s, c, &test);
		printf("    %s %d %s\n", test.failed ? "not ok" : "ok", ++i,
		       c->name);
		failed |= test.failed;
	}
	if (s->suite_exit)
		s->suite_exit(s);
	printf("%s %d %s\n", failed ? "not ok" : "ok", index, s->name);
	return failed;
}

int main(int argc, char **argv)
{
	struct kunit_suite *s;
	int n = 0, i = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (s = suites; s; s = s->next)
		n += wanted(s->name, argc, argv);
	if (!n) {
		fprintf(stderr, "no such suite\n");
		return 2;
	}
	printf("KTAP version 1\n1..%d\n", n);
	for (s = suites; s; s = s->next)
		if (wanted(s->name, argc, argv))
			failed |= run_suite(s, ++i);
	return failed ? 1 : 0;
}
