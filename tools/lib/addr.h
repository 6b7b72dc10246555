/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses as liteauthd and liteauth-devsim read them, one parser for
 * both: HOST:PORT, [IPV6]:PORT, IPV4:PORT and, to listen, :PORT (every
 * address). Userspace only.
 */
#ifndef _LITEAUTH_ADDR_H
#define _LITEAUTH_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct addrinfo;

/* What a spec may have besides HOST:PORT with a port from 1 to 65535. */
#define LA_ADDR_ANY_PORT	0x1	/* port 0: any free one, to listen */
#define LA_ADDR_ANY_HOST	0x2	/* ":PORT": every address, to listen */

/* "[" IPv6 "]:" 65535, and the NUL. */
#define LA_ADDR_STRLEN		56

/*
 * @spec split into @host (without brackets; "" for ":PORT") and @port
 * (digits, 6 bytes): 0, or -1 and why in @why, as a phrase ("it has no
 * :PORT") to follow the caller's naming of the option or line.
 */
int la_addr_parse(const char *spec, unsigned int flags, char *host,
		  size_t hostlen, char *port, char *why, size_t whylen);

/*
 * @host and @port (from la_addr_parse) as UDP socket addresses: a
 * numeric address first, then a name through the resolver ("" with
 * @passive: the wildcards of each family). 0, or -1 and the resolver's
 * reason in @why.
 */
int la_addr_resolve(const char *host, const char *port, bool passive,
		    struct addrinfo **res, char *why, size_t whylen);

/* @sa as "[::1]:61630" or "127.0.0.1:61630", in @buf (LA_ADDR_STRLEN). */
void la_addr_format(const struct sockaddr *sa, char *buf, size_t len);

#endif /* _LITEAUTH_ADDR_H */
