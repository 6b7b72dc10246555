// SPDX-License-Identifier: GPL-2.0
/*
 * genl-probe: the few generic netlink requests the QEMU smoke scenario
 * makes of liteauth.ko, on raw netlink sockets (the guest has busybox and
 * nothing else; this is linked statically):
 *
 *   genl-probe family       print the "liteauth" family's id and groups;
 *                           exit 0 if the family is registered, 2 if not
 *   genl-probe dump         LITEAUTH_CMD_GET as a dump; print the number
 *                           of messages and the generation; exit 0 on a
 *                           dump that ends in NLMSG_DONE without an error
 *   genl-probe bind IFNAME  LITEAUTH_CMD_SET with LITEAUTH_A_IFINDEX;
 *                           exit 0 when the kernel acknowledges it
 *
 * Any other failure exits 1 with a message on stderr.
 */
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/liteauth.h>

static int sock;
static uint32_t seq = 1;
static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));

struct req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[256];
};

static void put_attr(struct req *r, uint16_t type, const void *data,
		     uint16_t len)
{
	struct nlattr *na = (struct nlattr *)((char *)r +
					      NLMSG_ALIGN(r->nh.nlmsg_len));

	na->nla_type = type;
	na->nla_len = NLA_HDRLEN + len;
	memcpy((char *)na + NLA_HDRLEN, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(na->nla_len);
}

static void start(struct req *r, uint16_t type, uint16_t flags, uint8_t cmd,
		  uint8_t version)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	r->nh.nlmsg_seq = seq++;
	r->gh.cmd = cmd;
	r->gh.version = version;
}

static void send_req(const struct req *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(sock, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		perror("genl-probe: sendto");
		exit(1);
	}
}

static ssize_t recv_msgs(void)
{
	ssize_t n = recv(sock, buf, sizeof(buf), 0);

	if (n < 0) {
		perror("genl-probe: recv");
		exit(1);
	}
	return n;
}

/* The family's id, or 0 if it is not registered. */
static uint16_t family_id(int verbose)
{
	struct req r;
	struct nlmsghdr *nh;
	ssize_t n;
	uint16_t id = 0;

	start(&r, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, LITEAUTH_GENL_NAME,
		 sizeof(LITEAUTH_GENL_NAME));
	send_req(&r);
	for (;;) {
		n = recv_msgs();
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n)) {
			struct nlattr *na;
			int len;

			if (nh->nlmsg_type == NLMSG_ERROR) {
				int err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;

				if (err == 0)
					return id;
				if (err == -ENOENT)
					return 0;
				fprintf(stderr, "genl-probe: CTRL_CMD_GETFAMILY: %s\n",
					strerror(-err));
				exit(1);
			}
			na = (struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
			len = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
			for (; len >= NLA_HDRLEN && na->nla_len >= NLA_HDRLEN &&
			       na->nla_len <= len;
			     len -= NLA_ALIGN(na->nla_len),
			     na = (struct nlattr *)((char *)na + NLA_ALIGN(na->nla_len))) {
				void *d = (char *)na + NLA_HDRLEN;

				switch (na->nla_type & NLA_TYPE_MASK) {
				case CTRL_ATTR_FAMILY_ID:
					memcpy(&id, d, sizeof(id));
					break;
				case CTRL_ATTR_VERSION:
					if (verbose)
						printf("version %u\n", *(uint32_t *)d);
					break;
				case CTRL_ATTR_MCAST_GROUPS:
					if (verbose)
						printf("multicast groups: %d bytes\n",
						       na->nla_len - NLA_HDRLEN);
					break;
				}
			}
		}
	}
}

/* Wait for the ack of the last request: 0 or the error. */
static int ack(void)
{
	struct nlmsghdr *nh;
	ssize_t n;

	for (;;) {
		n = recv_msgs();
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n))
			if (nh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	}
}

static int dump(uint16_t id)
{
	struct req r;
	struct nlmsghdr *nh;
	ssize_t n;
	unsigned int msgs = 0;

	start(&r, id, NLM_F_DUMP, LITEAUTH_CMD_GET, LITEAUTH_GENL_VERSION);
	send_req(&r);
	for (;;) {
		n = recv_msgs();
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				int err = *(int *)NLMSG_DATA(nh);

				printf("%u messages\n", msgs);
				if (err) {
					fprintf(stderr, "genl-probe: dump: %s\n",
						strerror(-err));
					return 1;
				}
				return msgs ? 0 : 1;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				fprintf(stderr, "genl-probe: dump: %s\n",
					strerror(-((struct nlmsgerr *)NLMSG_DATA(nh))->error));
				return 1;
			}
			if (nh->nlmsg_type == id) {
				struct nlattr *na = (struct nlattr *)
					((char *)NLMSG_DATA(nh) + GENL_HDRLEN);

				if (!msgs && na->nla_type == LITEAUTH_A_GENERATION)
					printf("generation %u\n",
					       *(uint32_t *)((char *)na + NLA_HDRLEN));
				msgs++;
			}
		}
	}
}

static int bind_iface(uint16_t id, const char *ifname)
{
	uint32_t ifindex = if_nametoindex(ifname);
	struct req r;
	int err;

	if (!ifindex) {
		fprintf(stderr, "genl-probe: no interface %s\n", ifname);
		return 1;
	}
	start(&r, id, NLM_F_ACK, LITEAUTH_CMD_SET, LITEAUTH_GENL_VERSION);
	put_attr(&r, LITEAUTH_A_IFINDEX, &ifindex, sizeof(ifindex));
	send_req(&r);
	err = ack();
	if (err) {
		fprintf(stderr, "genl-probe: SET ifindex %u: %s\n", ifindex,
			strerror(-err));
		return 1;
	}
	printf("bound ifindex %u (%s)\n", ifindex, ifname);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint16_t id;

	if (argc < 2) {
		fprintf(stderr, "usage: genl-probe family | dump | bind IFNAME\n");
		return 1;
	}
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("genl-probe: netlink socket");
		return 1;
	}
	id = family_id(!strcmp(argv[1], "family"));
	if (!strcmp(argv[1], "family")) {
		if (!id) {
			printf("no family %s\n", LITEAUTH_GENL_NAME);
			return 2;
		}
		printf("family %s id %u\n", LITEAUTH_GENL_NAME, id);
		return 0;
	}
	if (!id) {
		fprintf(stderr, "genl-probe: no family %s\n", LITEAUTH_GENL_NAME);
		return 1;
	}
	if (!strcmp(argv[1], "dump"))
		return dump(id);
	if (!strcmp(argv[1], "bind") && argc == 3)
		return bind_iface(id, argv[2]);
	fprintf(stderr, "usage: genl-probe family | dump | bind IFNAME\n");
	return 1;
}
