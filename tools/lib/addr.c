// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses (addr.h): one parser for liteauthd's --listen, listen and
 * upstream, and for liteauth-devsim's --server.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

/* Digits alone, 0 to 65535; -1 otherwise (a sign, blanks, a name). */
static long la_addr_port(const char *s)
{
	long v = 0;

	if (!*s || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v > 65535 ? -1 : v;
}

int la_addr_parse(const char *spec, unsigned int flags, char *host,
		  size_t hostlen, char *port, char *why, size_t whylen)
{
	const char *colon, *h = spec;
	size_t n;
	long v;

	if (spec[0] == '[') {
		colon = strchr(spec, ']');
		if (!colon || colon[1] != ':') {
			snprintf(why, whylen, "it has no %s after the IPv6 address, as in [::1]:61630",
				 colon ? ":PORT" : "']'");
			return -1;
		}
		h = spec + 1;
		n = colon - h;
		colon++;
		if (!n) {
			snprintf(why, whylen, "it has no address in the brackets");
			return -1;
		}
	} else {
		colon = strrchr(spec, ':');
		if (!colon) {
			snprintf(why, whylen, "it has no :PORT");
			return -1;
		}
		n = colon - spec;
		if (memchr(spec, ':', n)) {
			snprintf(why, whylen, "an IPv6 address goes in brackets, like [::1]:61630");
			return -1;
		}
	}
	if (!n && !(flags & LA_ADDR_ANY_HOST)) {
		snprintf(why, whylen, "it has no host before the port");
		return -1;
	}
	if (n >= hostlen) {
		snprintf(why, whylen, "the host is longer than %zu bytes",
			 hostlen - 1);
		return -1;
	}
	v = la_addr_port(colon + 1);
	if (v < 0 || (!v && !(flags & LA_ADDR_ANY_PORT))) {
		snprintf(why, whylen, flags & LA_ADDR_ANY_PORT ?
			 "the port is a number from 1 to 65535 (or 0, any free port), not '%.16s'" :
			 "the port is a number from 1 to 65535, not '%.16s'",
			 colon + 1);
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, 6, "%ld", v);
	return 0;
}

int la_addr_resolve(const char *host, const char *port, bool passive,
		    struct addrinfo **res, char *why, size_t whylen)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST |
			    (passive ? AI_PASSIVE : 0),
	};
	int ret;

	ret = getaddrinfo(*host ? host : NULL, port, &hints, res);
	if (ret == EAI_NONAME && *host) {	/* a name, not an address */
		hints.ai_flags &= ~AI_NUMERICHOST;
		ret = getaddrinfo(host, port, &hints, res);
	}
	if (ret) {
		snprintf(why, whylen, "%s", ret == EAI_SYSTEM ?
			 strerror(errno) : gai_strerror(ret));
		return -1;
	}
	return 0;
}

void la_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	} else {
		snprintf(buf, len, "(family %u)", sa->sa_family);
	}
}
