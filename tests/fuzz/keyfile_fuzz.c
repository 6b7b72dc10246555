// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for key files and passphrase files: the input as a
 * file, read by la_read_key (tools/liteauth/parse.c: a key file of the
 * liteauth tool, on la_key_parse, the one key parser) and by la_read_pass
 * (daemon/store.c: the passphrase, by the policy of a new store and as a
 * store made before it reads it); and the input as a key and as an ID on
 * the command line (la_key_parse, la_id_parse). Whatever the input:
 *
 * - a key is taken exactly when it is 32 hex digits, either case, and
 *   nothing else but, in a file, one final newline (\n or \r\n), as
 *   liteauth(8) says; it is the bytes those digits say;
 * - what is refused is said why, and no message holds 4 hex digits in a
 *   row: no part of a key is ever printed;
 * - an ID is taken exactly when it is 16 hex digits, or 8 pairs with the
 *   same ':' or '-' between each, and la_format_id prints it back;
 * - a new store's passphrase is taken exactly when the file is 10 to 255
 *   bytes with no NUL or control character, but one final newline, and
 *   it is those bytes; refused, it is said why;
 * - an older store's is read as then (f2827d2): the file's first 256
 *   bytes, its final CRs and LFs dropped, up to a NUL, 1 to 255 bytes.
 *
 * Anything else aborts, saying what on the real stderr.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "liteauth.h"
#include "fail.h"

#define KEY_FILE_MAX 80	/* parse.c: LA_KEY_FILE_MAX */

static char msgs[4096];
static char dir[64], path[80];	/* the file */
static int fd = -1;

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fail_out = stderr;
	stderr = fmemopen(msgs, sizeof(msgs), "w");
	snprintf(dir, sizeof(dir), "/tmp/keyfile_fuzz.XXXXXX");
	if (!stderr || !mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	atexit(remove_dir);
	return 0;
}

static int hex(u8 c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* @n bytes from exactly 2 * @n hex digits at @s (@len bytes), or false. */
static bool unhex(const u8 *s, size_t len, u8 *v, size_t n)
{
	size_t i;

	if (len != 2 * n)
		return false;
	for (i = 0; i < n; i++) {
		if (hex(s[2 * i]) < 0 || hex(s[2 * i + 1]) < 0)
			return false;
		v[i] = hex(s[2 * i]) << 4 | hex(s[2 * i + 1]);
	}
	return true;
}

/* What la_fail printed since the last call, the file's name blanked. */
static const char *said(void)
{
	long n;
	char *p;

	fflush(stderr);
	n = ftell(stderr);
	if (n < 0 || n >= (long)sizeof(msgs))
		n = sizeof(msgs) - 1;
	msgs[n] = '\0';
	while ((p = strstr(msgs, path)))
		memset(p, '_', strlen(path));
	rewind(stderr);
	return msgs;
}

static void no_key_in(const char *msg)
{
	size_t run = 0;

	for (; *msg; msg++) {
		run = hex(*msg) >= 0 ? run + 1 : 0;
		if (run == 4)
			fail("a message with hex digits in it: %s", msg - 3);
	}
}

/* What @what (la_key_parse, la_id_parse) gave, against what it must. */
static void parsed(const char *what, int ret, const char *why, const u8 *got,
		   bool ok, const u8 *want, size_t n)
{
	if (!ret != ok || (ok && memcmp(got, want, n)))
		fail("%s returned %d for %s", what, ret,
		     ok ? "one" : "a string that is not one");
	if (ret && !*why)
		fail("%s did not say why", what);
}

static void fuzz_key(const u8 *data, size_t size)
{
	u8 key[LA_KEY_LEN], want[LA_KEY_LEN];
	char why[LA_WHY_LEN] = "";
	size_t len = size;
	bool ok;
	int ret;

	/* From a file: one final newline, \n or \r\n, is not the key's. */
	if (len && data[len - 1] == '\n')
		len -= 1 + (len > 1 && data[len - 2] == '\r');
	ok = size < KEY_FILE_MAX && unhex(data, len, want, LA_KEY_LEN);
	ret = la_read_key(path, key);
	if (ret != !ok)
		fail("la_read_key returned %d for a %s", ret,
		     ok ? "key" : "file that is not one");
	if (!ret && memcmp(key, want, LA_KEY_LEN))
		fail("la_read_key read another key");
	if (!!ret != !!*said())
		fail("la_read_key %s", ret ? "said nothing" : "said something");
	no_key_in(msgs);

	/* On the command line: the key alone. */
	ok = unhex(data, size, want, LA_KEY_LEN);
	ret = la_key_parse((const char *)data, size, key, why);
	parsed("la_key_parse", ret, why, key, ok, want, LA_KEY_LEN);
	no_key_in(why);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(want, sizeof(want));
}

static void fuzz_id(const u8 *data, size_t size)
{
	u8 id[LA_ID_LEN], want[LA_ID_LEN], digits[16];
	char why[LA_WHY_LEN] = "", text[17];
	size_t i;
	bool ok;
	int ret;

	ok = unhex(data, size, want, LA_ID_LEN);
	if (size == 23 && (data[2] == ':' || data[2] == '-')) {
		ok = true;
		for (i = 0; i < 23; i++)
			if (i % 3 == 2)
				ok &= data[i] == data[2];
			else
				digits[i / 3 * 2 + i % 3] = data[i];
		ok = ok && unhex(digits, 16, want, LA_ID_LEN);
	}
	ret = la_id_parse((const char *)data, size, id, why);
	parsed("la_id_parse", ret, why, id, ok, want, LA_ID_LEN);
	if (ret)
		return;
	la_format_id(id, text);
	if (la_id_parse(text, 16, want, why) || memcmp(id, want, LA_ID_LEN))
		fail("la_format_id gave %s, which is not its ID", text);
}

static void fuzz_pass(const u8 *data, size_t size, bool strict)
{
	char pass[LA_PASS_SIZE], err[512] = "";
	size_t len = size, i;
	const u8 *nul = NULL;
	bool ok;
	int ret;

	if (strict) {
		/* One final newline, \n or \r\n, is not part of it. */
		if (len && data[len - 1] == '\n')
			len -= 1 + (len > 1 && data[len - 2] == '\r');
		ok = len >= 10 && len <= 255;
		for (i = 0; ok && i < len; i++)
			ok = data[i] >= 0x20 && data[i] != 0x7f;
	} else {
		/* f2827d2: read(fd, pass, 256), final CRs and LFs dropped,
		 * 1 to 255 bytes, then used as a C string: up to a NUL.
		 * What it took is taken the same; what it did not, only
		 * if it is shorter up to its NUL (and none was made so).
		 */
		len = size < LA_PASS_SIZE ? size : LA_PASS_SIZE;
		while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
			len--;
		ok = len > 0 && len < LA_PASS_SIZE;
		nul = memchr(data, 0, len);
		if (nul)
			len = nul - data;
		ok = ok && len > 0;
	}
	memset(pass, 0x55, sizeof(pass));
	ret = la_read_pass(path, pass, strict, err, sizeof(err));
	if (!ret && !ok && nul && len > 0)
		ok = true;
	if (!ret != ok)
		fail("la_read_pass (%s) returned %d for %zu bytes: %s",
		     strict ? "new store" : "old store", ret, size, err);
	if (ret && !*err)
		fail("la_read_pass refused it without saying why");
	if (!ret && (memcmp(pass, data, len) || pass[len]))
		fail("la_read_pass (%s) read another passphrase",
		     strict ? "new store" : "old store");
	memzero_explicit(pass, sizeof(pass));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	fuzz_key(data, size);
	fuzz_id(data, size);
	fuzz_pass(data, size, true);
	fuzz_pass(data, size, false);
	return 0;
}
