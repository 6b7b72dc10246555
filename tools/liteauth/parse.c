// SPDX-License-Identifier: GPL-2.0
/*
 * The one parser of each kind of value the liteauth tool takes: IDs,
 * keys, names and numbers, from the command line, key files, standard
 * input and import files alike. Each says exactly what is wrong, and none
 * ever prints a character of a key.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "liteauth.h"

/* Room for the key, a newline and more, to tell a longer file. */
#define LA_KEY_FILE_MAX	80

static int la_xdigit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Exactly 2 * @n hex digits in @s, as @n bytes; else the reason. */
static int la_hex_parse(const char *s, size_t len, u8 *out, size_t n,
			char *why)
{
	size_t i;

	if (!len) {
		snprintf(why, LA_WHY_LEN, "it is empty");
		return -1;
	}
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		snprintf(why, LA_WHY_LEN, "it starts with 0x: give the hex digits alone");
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (la_xdigit(s[i]) >= 0)
			continue;
		if (i == 2 * n)
			snprintf(why, LA_WHY_LEN, "it goes on after its %zu hex digits",
				 2 * n);
		else
			snprintf(why, LA_WHY_LEN, "character %zu is not a hex digit",
				 i + 1);
		return -1;
	}
	if (len != 2 * n) {
		snprintf(why, LA_WHY_LEN, "it has %zu hex digit%s, not %zu", len,
			 len == 1 ? "" : "s", 2 * n);
		return -1;
	}
	for (i = 0; i < n; i++)
		out[i] = la_xdigit(s[2 * i]) << 4 | la_xdigit(s[2 * i + 1]);
	return 0;
}

int la_key_parse(const char *s, size_t len, u8 *key, char *why)
{
	return la_hex_parse(s, len, key, LA_KEY_LEN, why);
}

int la_id_parse(const char *s, size_t len, u8 *id, char *why)
{
	char digits[2 * LA_ID_LEN];
	size_t i, n = 0;

	if (len != 3 * LA_ID_LEN - 1 || (s[2] != ':' && s[2] != '-'))
		return la_hex_parse(s, len, id, LA_ID_LEN, why);
	/* 00:12:4b:00:01:02:03:04, or with '-': the same one throughout. */
	for (i = 0; i < len; i++) {
		if (i % 3 == 2 ? s[i] == s[2] : la_xdigit(s[i]) >= 0) {
			if (i % 3 != 2)
				digits[n++] = s[i];
			continue;
		}
		if (i % 3 == 2)
			snprintf(why, LA_WHY_LEN, "character %zu is not '%c' as between the other pairs",
				 i + 1, s[2]);
		else
			snprintf(why, LA_WHY_LEN, "character %zu is not a hex digit",
				 i + 1);
		return -1;
	}
	return la_hex_parse(digits, n, id, LA_ID_LEN, why);
}

void la_format_id(const u8 *id, char *out)
{
	int i;

	for (i = 0; i < LA_ID_LEN; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
}

int la_name_check(const char *s, char *why)
{
	size_t len = strlen(s), i;
	int n;

	if (len > LA_NAME_MAX) {
		snprintf(why, LA_WHY_LEN, "a name is at most %d bytes, not %zu",
			 LA_NAME_MAX, len);
		return -1;
	}
	for (i = 0; i < len; i += n) {
		n = la_utf8_len(s + i);
		if (!n) {
			snprintf(why, LA_WHY_LEN, "a name is UTF-8 text: byte %zu is not",
				 i + 1);
			return -1;
		}
		/* C0, DEL, and C1: U+0080 to U+009F, c2 80 to c2 9f. */
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    ((unsigned char)s[i] == 0xc2 &&
		     (unsigned char)s[i + 1] < 0xa0)) {
			snprintf(why, LA_WHY_LEN, "a name has no control characters (tabs, newlines): byte %zu is one",
				 i + 1);
			return -1;
		}
	}
	return 0;
}

int la_parse_id(const char *s, u8 *id, const char *what)
{
	char why[LA_WHY_LEN];

	if (la_id_parse(s, strlen(s), id, why))
		return la_usage("%s is not an EUI-64: %s (" LA_ID_HINT ")",
				what, why);
	return 0;
}

int la_parse_number(const char *s, u64 max, u64 *v)
{
	u64 d;

	*v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		d = *s - '0';
		if (*s < '0' || *s > '9' || d > max || *v > (max - d) / 10)
			return -1;
		*v = *v * 10 + d;
	}
	return 0;
}

/* @n digits at @s, from @min to @max; -1 if not. */
static int la_digits(const char *s, int n, int min, int max, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + s[i] - '0';
	}
	return *v < min || *v > max ? -1 : 0;
}

int la_parse_time(const char *s, u64 *t)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm = {};
	size_t len = strlen(s);
	int y, mo, d, h = 0, mi = 0, sec = 0;
	time_t tt;

	if (len && strspn(s, "0123456789") == len)
		return la_parse_number(s, INT64_MAX, t);
	/* YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ */
	if ((len != 10 && len != 20) || s[4] != '-' || s[7] != '-' ||
	    la_digits(s, 4, 1970, 9999, &y) || la_digits(s + 5, 2, 1, 12, &mo) ||
	    la_digits(s + 8, 2, 1, mdays[mo - 1], &d))
		return -1;
	if (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))
		return -1;
	if (len == 20 && (s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
			  s[19] != 'Z' || la_digits(s + 11, 2, 0, 23, &h) ||
			  la_digits(s + 14, 2, 0, 59, &mi) ||
			  la_digits(s + 17, 2, 0, 59, &sec)))
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tt = timegm(&tm);
	if (tt < 0)
		return -1;
	*t = tt;
	return 0;
}

int la_open_key_file(const char *file, const char *what)
{
	struct stat st;
	int fd;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		la_fail("cannot read %s%s: %s", what, file, strerror(errno));
		return -1;
	}
	if (!fstat(fd, &st) && (st.st_mode & 077))
		la_warn("key file %s is readable by others: chmod 600 %s",
			file, file);
	return fd;
}

int la_read_key(const char *file, u8 *key)
{
	const char *from = file ? file : "standard input";
	char text[LA_KEY_FILE_MAX], why[LA_WHY_LEN];
	int fd = STDIN_FILENO, ret = 0;
	size_t len = 0;
	ssize_t r = 0;

	if (file) {
		fd = la_open_key_file(file, "key file ");
		if (fd < 0)
			return 1;
	}
	while (len < sizeof(text)) {
		r = read(fd, text + len, sizeof(text) - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	if (r < 0)
		ret = la_fail("cannot read %s%s: %s", file ? "key file " : "",
			      from, strerror(errno));
	if (file)
		close(fd);
	if (!ret && len == sizeof(text)) {
		snprintf(why, sizeof(why), "it is longer than a key");
		ret = -1;
	} else if (!ret) {
		if (len && text[len - 1] == '\n')
			len -= 1 + (len > 1 && text[len - 2] == '\r');
		ret = la_key_parse(text, len, key, why);
	}
	if (ret < 0)
		ret = la_fail("%s%s: not a key: %s (" LA_KEY_HINT ")",
			      file ? "key file " : "", from, why);
	memzero_explicit(text, sizeof(text));
	return ret;
}
