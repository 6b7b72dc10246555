/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parsers' fuzzers' verdict on an input that breaks what they check:
 * what it broke, on fail_out (stderr unless a fuzzer took stderr for the
 * code's own messages), then abort(), for libFuzzer to keep the input.
 */
#ifndef _LITEAUTH_FUZZ_FAIL_H
#define _LITEAUTH_FUZZ_FAIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static FILE *fail_out;

static void __attribute__((format(printf, 1, 2), noreturn))
fail(const char *fmt, ...)
{
	FILE *f = fail_out ? fail_out : stderr;
	va_list ap;

	fprintf(f, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	abort();
}

#endif /* _LITEAUTH_FUZZ_FAIL_H */
