// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth_test.ko's own copy of nl_policy.c, so that the KUnit suites
 * test the module's code without being linked into liteauth.ko (Kbuild).
 */
#include "nl_policy.c"
