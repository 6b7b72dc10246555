/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LITEAUTH_UTF8_H
#define _LITEAUTH_UTF8_H

/*
 * The length of the UTF-8 character at @s (1 to 4), or 0 if it is not
 * one: overlong forms, UTF-16 surrogates and code points beyond U+10FFFF
 * are not.
 */
int la_utf8_len(const char *s);

#endif /* _LITEAUTH_UTF8_H */
