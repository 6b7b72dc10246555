// SPDX-License-Identifier: GPL-2.0
/*
 * liteauth_test.ko: the KUnit suites of liteauth.ko's code, and its
 * benchmarks (bench_test.c). Loading it runs them; it registers nothing
 * else (no radio, no generic netlink family) and may be loaded beside
 * liteauth.ko or without it.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("liteauth: KUnit suites and benchmarks of liteauth.ko's code");
MODULE_AUTHOR("The liteauth developers");
