// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the policies the netlink commands are parsed with
 * (nl_policy.c), in liteauth_test.ko: each case builds attributes the
 * way a (broken or hostile) client would and checks that the policy a
 * command is parsed with refuses them, with an extack message, before any
 * handler runs. tests/uml/gateway.py checks the same through a real socket.
 */
#include <kunit/test.h>
#include <linux/skbuff.h>
#include <net/netlink.h>

#include "netlink.h"

/* Parses the attributes in @skb with @policy, as genetlink does. */
static int la_t_parse(struct kunit *test, struct sk_buff *skb,
		      const struct nla_policy *policy, const char **msg)
{
	struct netlink_ext_ack extack = {};
	struct nlattr *tb[LITEAUTH_A_MAX + 1];
	int err;

	err = nla_parse(tb, LITEAUTH_A_MAX, (struct nlattr *)skb->data,
			skb->len, policy, &extack);
	*msg = extack._msg;
	return err;
}

static struct sk_buff *la_t_skb(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(1024, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	return skb;
}

/* Expects @policy to refuse what @skb holds, with a message. */
static void la_t_refused(struct kunit *test, struct sk_buff *skb,
			 const struct nla_policy *policy, const char *what)
{
	const char *msg = NULL;

	KUNIT_EXPECT_LT_MSG(test, la_t_parse(test, skb, policy, &msg), 0,
			    "%s was accepted", what);
	KUNIT_EXPECT_TRUE_MSG(test, msg != NULL, "%s: no extack message",
			      what);
	kfree_skb(skb);
}

static void la_t_accepted(struct kunit *test, struct sk_buff *skb,
			  const struct nla_policy *policy, const char *what)
{
	const char *msg = NULL;

	KUNIT_EXPECT_EQ_MSG(test, la_t_parse(test, skb, policy, &msg), 0,
			    "%s was refused: %s", what, msg ? msg : "");
	kfree_skb(skb);
}

static void la_test_nl_ids_and_keys(struct kunit *test)
{
	static const u8 bytes[32];
	struct sk_buff *skb;
	int len;

	for (len = 0; len <= 20; len++) {
		skb = la_t_skb(test);
		nla_put(skb, LITEAUTH_A_GATEWAY_ID, len, bytes);
		if (len == LITEAUTH_ID_LEN)
			la_t_accepted(test, skb, la_set_policy, "an 8-byte ID");
		else
			la_t_refused(test, skb, la_set_policy, "a wrong-size ID");

		skb = la_t_skb(test);
		nla_put(skb, LITEAUTH_A_GATEWAY_KEY, len, bytes);
		if (len == LITEAUTH_PSK_LEN)
			la_t_accepted(test, skb, la_set_policy, "a 16-byte key");
		else
			la_t_refused(test, skb, la_set_policy,
				     "a wrong-size key");

		skb = la_t_skb(test);
		nla_put(skb, LITEAUTH_A_DEVICE_ID, len, bytes);
		if (len == LITEAUTH_ID_LEN)
			la_t_accepted(test, skb, la_del_policy, "an 8-byte IDd");
		else
			la_t_refused(test, skb, la_del_policy,
				     "a wrong-size IDd");
	}
}

static void la_test_nl_values(struct kunit *test)
{
	struct sk_buff *skb;
	struct nlattr *nest;

	skb = la_t_skb(test);
	nla_put_u32(skb, LITEAUTH_A_FLAGS, LITEAUTH_F_ALL);
	la_t_refused(test, skb, la_set_policy, "SET with the ALL flag");
	skb = la_t_skb(test);
	nla_put_u32(skb, LITEAUTH_A_FLAGS, 1U << 31);
	la_t_refused(test, skb, la_del_policy, "an unknown flag");
	skb = la_t_skb(test);
	nla_put_u32(skb, LITEAUTH_A_FLAGS, LITEAUTH_F_ALL);
	la_t_accepted(test, skb, la_del_policy, "SESSION_DEL with ALL");

	skb = la_t_skb(test);
	nla_put_u32(skb, LITEAUTH_A_IFINDEX, 0);
	la_t_refused(test, skb, la_set_policy, "ifindex 0");
	skb = la_t_skb(test);
	nla_put_u16(skb, LITEAUTH_A_IFINDEX, 3);
	la_t_refused(test, skb, la_set_policy, "a 16-bit ifindex");

	skb = la_t_skb(test);
	nest = nla_nest_start(skb, LITEAUTH_A_LIMITS);
	nla_put_u32(skb, LITEAUTH_LIMIT_A_DEVICES_MAX, 0);
	nla_nest_end(skb, nest);
	la_t_refused(test, skb, la_set_policy, "devices-max 0");

	skb = la_t_skb(test);
	nest = nla_nest_start(skb, LITEAUTH_A_LIMITS);
	nla_put_u32(skb, LITEAUTH_LIMIT_A_PENDING_TIMEOUT_MS,
		    LA_PENDING_TIMEOUT_MS_MAX + 1);
	nla_nest_end(skb, nest);
	la_t_refused(test, skb, la_set_policy, "a 5-minute-plus timeout");

	skb = la_t_skb(test);
	nest = nla_nest_start(skb, LITEAUTH_A_LIMITS);
	nla_put_u32(skb, LITEAUTH_LIMIT_A_DEVICES_MAX, 100);
	nla_put_u32(skb, LITEAUTH_LIMIT_A_PENDING_TIMEOUT_MS, 5000);
	nla_nest_end(skb, nest);
	la_t_accepted(test, skb, la_set_policy, "sane limits");
}

static void la_test_nl_unknown_and_oversized(struct kunit *test)
{
	static const u8 big[LITEAUTH_MSG_MAX_LEN + 1];
	struct sk_buff *skb;

	/* An attribute a command does not take. */
	skb = la_t_skb(test);
	nla_put(skb, LITEAUTH_A_DEVICE_ID, LITEAUTH_ID_LEN, big);
	la_t_refused(test, skb, la_set_policy, "DEVICE_ID in SET");
	skb = la_t_skb(test);
	nla_put(skb, LITEAUTH_A_GATEWAY_KEY, LITEAUTH_PSK_LEN, big);
	la_t_refused(test, skb, la_relay_policy, "a key in RELAY");
	/* An attribute type past the end. */
	skb = la_t_skb(test);
	nla_put_u32(skb, LITEAUTH_A_MAX + 1, 0);
	la_t_refused(test, skb, la_set_policy, "an unknown attribute");

	/* Messages: at most the largest liteauth message. */
	skb = la_t_skb(test);
	nla_put(skb, LITEAUTH_A_MSG, sizeof(big), big);
	la_t_refused(test, skb, la_relay_policy, "a 102-byte MSG");
	skb = la_t_skb(test);
	nla_put(skb, LITEAUTH_A_MSG, LITEAUTH_GW_KEY_LEN, big);
	la_t_accepted(test, skb, la_relay_policy, "a 101-byte MSG");
}

/* A cursor past bucket 2^31 and skip 2^32 - 1 comes back whole. */
static void la_test_nl_dump_cursor(struct kunit *test)
{
	static const u64 cursors[] = { 0, 7, (u64)5 << 32 | 7,
				       (u64)0x80000001 << 32 | 0xffffffff };
	struct netlink_callback cb = {};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cursors); i++) {
		la_dump_cursor_set(&cb, cursors[i]);
		KUNIT_EXPECT_EQ(test, la_dump_cursor(&cb), cursors[i]);
	}
}

static struct kunit_case la_netlink_cases[] = {
	KUNIT_CASE(la_test_nl_dump_cursor),
	KUNIT_CASE(la_test_nl_ids_and_keys),
	KUNIT_CASE(la_test_nl_values),
	KUNIT_CASE(la_test_nl_unknown_and_oversized),
	{}
};

static struct kunit_suite la_netlink_suite = {
	.name = "liteauth_netlink",
	.test_cases = la_netlink_cases,
};

kunit_test_suite(la_netlink_suite);
