/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A userspace stand-in for the part of <kunit/test.h> that liteauth's
 * suites use, so that one test file runs both as a KUnit suite inside the
 * kernel and as a plain program here, printing the same KTAP.
 *
 * Only the macros the project uses are provided; a suite that needs more
 * fails to build here rather than silently testing less.
 */
#ifndef _LITEAUTH_TEST_KUNIT_H
#define _LITEAUTH_TEST_KUNIT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>

struct kunit {
	const char *name;
	int failed;
	jmp_buf abort;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char *name;
	int (*suite_init)(struct kunit_suite *suite);
	void (*suite_exit)(struct kunit_suite *suite);
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
	struct kunit_suite *next;	/* userspace: registration list */
};

#define KUNIT_CASE(fn) { .run_case = fn, .name = #fn }

void kunit_register(struct kunit_suite *suite);
void kunit_fail(struct kunit *test, const char *file, int line, bool abort,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define kunit_test_suite(suite)						\
	static void __attribute__((constructor)) suite##_register(void)	\
	{								\
		kunit_register(&suite);					\
	}

#define KUNIT_FAIL(test, fmt, ...)					\
	kunit_fail(test, __FILE__, __LINE__, false, fmt, ##__VA_ARGS__)

#define __KUNIT_CHECK(test, abort, cond, text, fmt, ...)		\
	do {								\
		if (!(cond))						\
			kunit_fail(test, __FILE__, __LINE__, abort,	\
				   "Expected " text ". " fmt,		\
				   ##__VA_ARGS__);			\
	} while (0)

#define __KUNIT_BINARY(test, abort, a, op, b, fmt, ...)			\
	do {								\
		long long __a = (long long)(a), __b = (long long)(b);	\
		__KUNIT_CHECK(test, abort, __a op __b,			\
			      #a " " #op " " #b ", but " #a " == %lld, "	\
			      #b " == %lld", fmt, __a, __b,		\
			      ##__VA_ARGS__);				\
	} while (0)

#define KUNIT_EXPECT_TRUE_MSG(test, c, fmt, ...)			\
	__KUNIT_CHECK(test, false, c, #c " is true", fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_TRUE(test, c) KUNIT_EXPECT_TRUE_MSG(test, c, "")
#define KUNIT_EXPECT_FALSE(test, c)					\
	__KUNIT_CHECK(test, false, !(c), #c " is false", "")
#define KUNIT_ASSERT_TRUE_MSG(test, c, fmt, ...)			\
	__KUNIT_CHECK(test, true, c, #c " is true", fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_TRUE(test, c) KUNIT_ASSERT_TRUE_MSG(test, c, "")

#define KUNIT_EXPECT_EQ_MSG(test, a, b, fmt, ...)			\
	__KUNIT_BINARY(test, false, a, ==, b, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_EQ(test, a, b) KUNIT_EXPECT_EQ_MSG(test, a, b, "")
#define KUNIT_EXPECT_NE_MSG(test, a, b, fmt, ...)			\
	__KUNIT_BINARY(test, false, a, !=, b, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_NE(test, a, b) KUNIT_EXPECT_NE_MSG(test, a, b, "")
#define KUNIT_EXPECT_LT_MSG(test, a, b, fmt, ...)			\
	__KUNIT_BINARY(test, false, a, <, b, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_LT(test, a, b) KUNIT_EXPECT_LT_MSG(test, a, b, "")
#define KUNIT_EXPECT_GE(test, a, b) __KUNIT_BINARY(test, false, a, >=, b, "")
#define KUNIT_EXPECT_LE(test, a, b) __KUNIT_BINARY(test, false, a, <=, b, "")
#define KUNIT_ASSERT_EQ_MSG(test, a, b, fmt, ...)			\
	__KUNIT_BINARY(test, true, a, ==, b, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_EQ(test, a, b) KUNIT_ASSERT_EQ_MSG(test, a, b, "")

#endif /* _LITEAUTH_TEST_KUNIT_H */
