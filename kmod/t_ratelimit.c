// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth_test.ko's own copy of ratelimit.c, so that the KUnit suites test the
 * module's code without being linked into liteauth.ko (Kbuild).
 */
#include "ratelimit.c"
