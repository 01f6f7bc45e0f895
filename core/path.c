/*
 * path.c - deciding whether a path a model proposes may be touched.
 *
 * A path is plain bytes from an untrusted reply. It is checked in one pass, in
 * a fixed order (length, encoding, characters, absoluteness, then each
 * '/'-separated component from left to right), so the first problem found is
 * always the one reported and the message is deterministic. Nothing here looks
 * at the filesystem: the rules are lexical, so a path accepted here names a
 * place inside the repository and outside .git on every filesystem Loom might
 * meet, including case-folding ones (".GIT"), NTFS (".git." and ".git ") and
 * 8.3 short names ("GIT~1").
 */
#include "core/path.h"

#include <string.h>

#include "core/utf8.h"

/* the quoted form of a path in messages: long or binary paths stay readable */
#define SHOW(buf, p, n) utf8_excerpt((buf), sizeof(buf), (p), (n))

/* ASCII-only case folding: the locale must not decide what .git is */
static int same_folded(const char *a, const char *lower, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] - 'A' + 'a') : a[i];
		if (c != lower[i])
			return 0;
	}
	return 1;
}

/* 1 when the component (n bytes) would name .git's directory on some filesystem */
static int is_dotgit(const char *c, size_t n)
{
	/* NTFS drops trailing dots and spaces */
	while (n > 4 && (c[n - 1] == '.' || c[n - 1] == ' '))
		n--;
	if (n == 4 && same_folded(c, ".git", 4))
		return 1;
	return n == 5 && same_folded(c, "git~1", 5);
}

/* 1 when the components from start on, entered at the given depth, climb above it */
static int climbs_out(const char *path, size_t n, size_t start, long depth)
{
	while (start <= n) {
		const char *slash = memchr(path + start, '/', n - start);
		size_t end = slash ? (size_t)(slash - path) : n;

		if (end - start == 2 && path[start] == '.' && path[start + 1] == '.') {
			if (--depth < 0)
				return 1;
		} else if (end - start > 1 || (end - start == 1 && path[start] != '.')) {
			depth++; /* empty and '.' components stay where they are */
		}
		start = end + 1;
	}
	return 0;
}

/* 1 when the character at s (k bytes of valid UTF-8) is a C0, DEL or C1 control */
static int is_control(const unsigned char *s, size_t k)
{
	if (k == 1)
		return s[0] < 0x20 || s[0] == 0x7f;
	return k == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

int path_check_n(const char *path, size_t n, struct error *e)
{
	const unsigned char *p = (const unsigned char *)path;
	char show[96];
	size_t i, k, start;
	long depth = 0;

	if (!path || !n)
		return error_set(e, "empty path");
	if (n > PATH_MAX_LEN)
		return error_set(e, "'%s' is longer than %d bytes", SHOW(show, path, n),
		                 PATH_MAX_LEN);
	for (i = 0; i < n; i += k) {
		k = utf8_seq_len(p + i, n - i);
		if (!k)
			return error_set(e, "'%s' is not valid UTF-8", SHOW(show, path, n));
		if (is_control(p + i, k))
			return error_set(e, "'%s' contains a control character",
			                 SHOW(show, path, n));
	}
	if (path[0] == '/' ||
	    (n >= 2 && path[1] == ':' &&
	     ((path[0] >= 'a' && path[0] <= 'z') || (path[0] >= 'A' && path[0] <= 'Z'))))
		return error_set(e, "'%s' is an absolute path", SHOW(show, path, n));
	if (memchr(path, '\\', n))
		return error_set(e, "'%s' contains a backslash", SHOW(show, path, n));
	for (start = 0; start <= n; start = i + 1) {
		const char *c = path + start;
		const char *slash = memchr(c, '/', n - start);

		i = slash ? (size_t)(slash - path) : n;
		k = i - start;
		if (k == 0)
			return error_set(e, "'%s' has an empty component", SHOW(show, path, n));
		if (k == 1 && c[0] == '.')
			return error_set(e, "'%s' has a '.' component", SHOW(show, path, n));
		if (k == 2 && c[0] == '.' && c[1] == '.') {
			if (climbs_out(path, n, start, depth))
				return error_set(e, "'%s' leaves the repository",
				                 SHOW(show, path, n));
			return error_set(e, "'%s' has a '..' component", SHOW(show, path, n));
		}
		if (is_dotgit(c, k))
			return error_set(e, "'%s' is inside .git", SHOW(show, path, n));
		depth++;
	}
	return 0;
}

int path_check(const char *path, struct error *e)
{
	return path_check_n(path, path ? strlen(path) : 0, e);
}
