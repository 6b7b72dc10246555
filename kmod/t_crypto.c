// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth_test.ko's own copy of crypto.c, so that the KUnit suites test
 * the module's code without being linked into liteauth.ko (Kbuild), and
 * its white-box suite, which reads the per-CPU transforms.
 */
#include "crypto.c"
#include "crypto_test.c"
