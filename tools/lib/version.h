/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The release of liteauth's programs, which their --version prints. (The
 * wire protocol's version is another number: LITEAUTH_VERSION, in
 * uapi/linux/liteauth.h.)
 */
#ifndef _LITEAUTH_RELEASE_H
#define _LITEAUTH_RELEASE_H

#define LITEAUTH_RELEASE	"0.9.0"

#endif /* _LITEAUTH_RELEASE_H */
