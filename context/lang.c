/*
 * lang.c - the language of a file, from its name or from a "#!" line.
 *
 * Three tables drive detection, tried in order: whole basenames (Makefile,
 * CMakeLists.txt), extensions, and the interpreter a "#!" line names. Most
 * extensions match without regard to case; the few whose case carries meaning
 * (".C" is C++ where ".c" is C) are marked exact and tried first. Nothing here
 * allocates or touches the file system, so detection is safe on any thread.
 */
#include "context/lang.h"

#include <string.h>

#define SHEBANG_MAX 256 /* longest "#!" line looked at */

static const char *const lang_names[LANG__COUNT] = {
	[LANG_NONE] = "text",     [LANG_C] = "c",
	[LANG_CPP] = "cpp",       [LANG_PYTHON] = "python",
	[LANG_JS] = "javascript", [LANG_TS] = "typescript",
	[LANG_GO] = "go",         [LANG_RUST] = "rust",
	[LANG_JAVA] = "java",     [LANG_SHELL] = "shell",
	[LANG_ASM] = "asm",       [LANG_MAKE] = "make",
	[LANG_CMAKE] = "cmake",   [LANG_MARKDOWN] = "markdown",
	[LANG_RST] = "rst",       [LANG_JSON] = "json",
	[LANG_YAML] = "yaml",     [LANG_TOML] = "toml",
	[LANG_HTML] = "html",     [LANG_CSS] = "css",
	[LANG_RUBY] = "ruby",     [LANG_PERL] = "perl",
	[LANG_LUA] = "lua",       [LANG_DTS] = "dts",
};

struct lang_ext {
	enum lang lang;
	const char *exts; /* space-separated, without the dot */
	int exact;        /* compare with case */
};

static const struct lang_ext lang_exts[] = {
	{ LANG_CPP, "C", 1 }, /* tried before ".c" */
	{ LANG_C, "c h", 0 },
	{ LANG_CPP, "cc cpp cxx c++ hpp hh hxx h++ ipp", 0 },
	{ LANG_PYTHON, "py pyi pyw", 0 },
	{ LANG_JS, "js mjs cjs jsx", 0 },
	{ LANG_TS, "ts tsx mts cts", 0 },
	{ LANG_GO, "go", 0 },
	{ LANG_RUST, "rs", 0 },
	{ LANG_JAVA, "java", 0 },
	{ LANG_SHELL, "sh bash zsh ksh", 0 },
	{ LANG_ASM, "s asm", 0 },
	{ LANG_MAKE, "mk mak", 0 },
	{ LANG_CMAKE, "cmake", 0 },
	{ LANG_MARKDOWN, "md markdown", 0 },
	{ LANG_RST, "rst", 0 },
	{ LANG_JSON, "json", 0 },
	{ LANG_YAML, "yaml yml", 0 },
	{ LANG_TOML, "toml", 0 },
	{ LANG_HTML, "html htm", 0 },
	{ LANG_CSS, "css scss", 0 },
	{ LANG_RUBY, "rb", 0 },
	{ LANG_PERL, "pl pm", 0 },
	{ LANG_LUA, "lua", 0 },
	{ LANG_DTS, "dts dtsi", 0 },
};

struct lang_base {
	const char *name;
	enum lang lang;
	int prefix; /* name is a prefix: "Makefile." matches "Makefile.am" */
};

static const struct lang_base lang_bases[] = {
	{ "Makefile", LANG_MAKE, 0 },    { "makefile", LANG_MAKE, 0 },
	{ "GNUmakefile", LANG_MAKE, 0 }, { "Kbuild", LANG_MAKE, 0 },
	{ "Makefile.", LANG_MAKE, 1 },   { "CMakeLists.txt", LANG_CMAKE, 0 },
	{ "Rakefile", LANG_RUBY, 0 },    { "Gemfile", LANG_RUBY, 0 },
	{ ".bashrc", LANG_SHELL, 0 },    { ".bash_profile", LANG_SHELL, 0 },
	{ ".profile", LANG_SHELL, 0 },   { ".zshrc", LANG_SHELL, 0 },
};

/* Interpreters a "#!" line may name; prefix entries also match "python3.12". */
static const struct lang_base lang_interps[] = {
	{ "sh", LANG_SHELL, 0 },   { "bash", LANG_SHELL, 0 },    { "zsh", LANG_SHELL, 0 },
	{ "dash", LANG_SHELL, 0 }, { "ksh", LANG_SHELL, 0 },     { "ash", LANG_SHELL, 0 },
	{ "mksh", LANG_SHELL, 0 }, { "python", LANG_PYTHON, 1 }, { "pypy", LANG_PYTHON, 1 },
	{ "node", LANG_JS, 0 },    { "nodejs", LANG_JS, 0 },     { "ts-node", LANG_TS, 0 },
	{ "perl", LANG_PERL, 1 },  { "ruby", LANG_RUBY, 1 },     { "lua", LANG_LUA, 1 },
	{ "luajit", LANG_LUA, 0 },
};

const char *lang_name(enum lang l)
{
	if ((unsigned)l >= LANG__COUNT)
		return lang_names[LANG_NONE];
	return lang_names[l];
}

static int lang_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Compares the n bytes at s with the k bytes at w, with or without case. */
static int lang_eq(const char *s, size_t n, const char *w, size_t k, int exact)
{
	size_t i;

	if (n != k)
		return 0;
	for (i = 0; i < n; i++)
		if (exact ? s[i] != w[i]
		          : lang_lower((unsigned char)s[i]) != lang_lower((unsigned char)w[i]))
			return 0;
	return 1;
}

/* Looks name (n bytes) up in a table of basenames or interpreters. */
static enum lang lang_lookup(const struct lang_base *t, size_t nt, const char *name, size_t n)
{
	size_t i, k;

	for (i = 0; i < nt; i++) {
		k = strlen(t[i].name);
		if (t[i].prefix ? n >= k && !memcmp(name, t[i].name, k)
		                : n == k && !memcmp(name, t[i].name, k))
			return t[i].lang;
	}
	return LANG_NONE;
}

static enum lang lang_by_ext(const char *ext, size_t n)
{
	const char *w;
	size_t i, k;

	for (i = 0; i < sizeof(lang_exts) / sizeof(lang_exts[0]); i++)
		for (w = lang_exts[i].exts; *w; w += k + (w[k] == ' ')) {
			k = strcspn(w, " ");
			if (lang_eq(ext, n, w, k, lang_exts[i].exact))
				return lang_exts[i].lang;
		}
	return LANG_NONE;
}

/*
 * Reads "#!/usr/bin/python3", "#! /bin/sh -e" or "#!/usr/bin/env -S node" and
 * returns the language of the interpreter named.
 */
static enum lang lang_by_shebang(const char *head, size_t n)
{
	const char *p, *e, *w, *b;
	size_t len;
	int env = 0;

	if (!head || n < 3 || head[0] != '#' || head[1] != '!')
		return LANG_NONE;
	if (n > SHEBANG_MAX)
		n = SHEBANG_MAX;
	p = head + 2;
	e = head + n;
	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		w = p;
		while (p < e && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		if (p == w)
			return LANG_NONE;
		/* after "env", skip its options and VAR=value assignments */
		if (env && (*w == '-' || memchr(w, '=', (size_t)(p - w))))
			continue;
		b = w;
		for (const char *q = w; q < p; q++)
			if (*q == '/')
				b = q + 1;
		len = (size_t)(p - b);
		if (!env && len == 3 && !memcmp(b, "env", 3)) {
			env = 1;
			continue;
		}
		return lang_lookup(lang_interps, sizeof(lang_interps) / sizeof(lang_interps[0]), b,
		                   len);
	}
}

enum lang lang_detect(const char *path, const char *head, size_t n)
{
	const char *base, *dot;
	enum lang l;
	size_t len;

	if (path) {
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		len = strlen(base);
		l = lang_lookup(lang_bases, sizeof(lang_bases) / sizeof(lang_bases[0]), base, len);
		if (l != LANG_NONE)
			return l;
		dot = strrchr(base, '.');
		if (dot && dot != base) {
			l = lang_by_ext(dot + 1, strlen(dot + 1));
			if (l != LANG_NONE)
				return l;
		}
	}
	return lang_by_shebang(head, n);
}
