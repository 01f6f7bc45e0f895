/*
 * check.c - which check command a repository's own files suggest (check.h).
 *
 * Each rule reads at most a few files at the top of the root, through
 * fs_read_file() (no symbolic links, at most DETECT_MAX bytes), and parses
 * only what it needs with plain line scans: a Makefile target is a name
 * before a ':' at column 0, a CMake command is its name before '(' with any
 * case. Nothing here runs a program, and nothing a model wrote is read: the
 * caller runs detection on the user's tree.
 *
 * The candidates come in a fixed order: what the project declared as its
 * tests, then what its ecosystem implies, then plain builds. Within that, a
 * Makefile's target comes first because a project that has one usually
 * wraps its other tools in it.
 */
#include "core/check.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/xalloc.h"

#define DETECT_MAX (1024 * 1024)

/*
 * CMake's build directory: under .loom/, which git ignores (.loom/.gitignore
 * says '*'), and never the user's own build/. ctest runs from inside it
 * rather than with --test-dir, which needs CMake 3.20.
 */
#define CMAKE_DIR ".loom/check-build"

static void add(struct check_cands *out, const char *cmd, const char *why)
{
	XGROW(out->v, out->cap, out->n + 1);
	out->v[out->n].cmd = xstrdup(cmd);
	out->v[out->n].why = xstrdup(why);
	out->n++;
}

/* Reads root/name into b (emptied first); 0, or -1 when absent, unreadable, a link or too big. */
static int slurp(const char *root, const char *name, struct buf *b)
{
	struct error e = ERROR_INIT;
	char *p = fs_join(root, name);
	int r;

	buf_reset(b);
	r = fs_read_file(p, DETECT_MAX, b, &e);
	free(p);
	if (r < 0)
		buf_reset(b);
	return r;
}

static int exists(const char *root, const char *name)
{
	struct buf b = BUF_INIT;
	int r = slurp(root, name, &b);

	buf_release(&b);
	return r == 0;
}

/* Calls fn on each line of b (without its newline or a '\r' before it) until fn returns non-zero. */
static int each_line(const struct buf *b, int (*fn)(const char *s, size_t n, void *arg), void *arg)
{
	const char *p = b->ptr, *end = b->ptr + b->len;
	int r;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n && p[n - 1] == '\r')
			n--;
		if ((r = fn(p, n, arg)) != 0)
			return r;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* ---- make ---- */

struct make_scan {
	const char *file;     /* the makefile read; NULL when none */
	int test, check, any; /* targets found */
	int in_define;        /* inside define ... endef, whose lines are not rules */
	int continued;        /* the previous line ended in a backslash */
};

static int is_word(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && !memcmp(s, w, n);
}

/*
 * A rule line: targets at column 0, then ':' (or '::') not followed by '=', so
 * "test := 1" is a variable. Recipe lines start with a tab and are skipped;
 * so are comments, directives and lines continued from a backslash.
 */
static int make_line(const char *s, size_t n, void *arg)
{
	struct make_scan *m = arg;
	int was_continued = m->continued;
	size_t colon, i;

	m->continued = n && s[n - 1] == '\\';
	if (was_continued || !n || s[0] == '\t' || s[0] == '#')
		return 0;
	if (m->in_define) {
		if (n >= 5 && !memcmp(s, "endef", 5) && (n == 5 || isspace((unsigned char)s[5])))
			m->in_define = 0;
		return 0;
	}
	if (n >= 6 && !memcmp(s, "define", 6) && (n == 6 || isspace((unsigned char)s[6]))) {
		m->in_define = 1;
		return 0;
	}
	if (isspace((unsigned char)s[0]))
		return 0;
	for (colon = 0; colon < n && s[colon] != ':'; colon++)
		if (s[colon] == '=' || s[colon] == '$' || s[colon] == '(' || s[colon] == ';')
			return 0;
	if (colon == n)
		return 0;
	if (colon + 1 < n && s[colon + 1] == '=')
		return 0;
	if (colon + 2 < n && s[colon + 1] == ':' && s[colon + 2] == '=')
		return 0;
	for (i = 0; i < colon;) {
		size_t j;
		while (i < colon && isspace((unsigned char)s[i]))
			i++;
		for (j = i; j < colon && !isspace((unsigned char)s[j]); j++)
			;
		if (j > i) {
			if (is_word(s + i, j - i, "test"))
				m->test = 1;
			else if (is_word(s + i, j - i, "check"))
				m->check = 1;
			/* make's default goal is the first target that is not special or a pattern */
			if (s[i] != '.' && !memchr(s + i, '%', j - i))
				m->any = 1;
		}
		i = j;
	}
	return 0;
}

/* GNU make reads the first of these that exists. */
static const char *const make_files[] = { "GNUmakefile", "makefile", "Makefile" };

/* Which makefile make would read, its contents in b; NULL when none. */
static const char *make_file(const char *root, struct buf *b)
{
	size_t i;

	for (i = 0; i < sizeof(make_files) / sizeof(make_files[0]); i++)
		if (slurp(root, make_files[i], b) == 0)
			return make_files[i];
	return NULL;
}

static void detect_make_tests(const char *root, struct check_cands *out, struct make_scan *m)
{
	struct buf b = BUF_INIT;
	const char *f = make_file(root, &b);
	char *why;

	memset(m, 0, sizeof(*m));
	m->file = f;
	if (!f)
		return;
	each_line(&b, make_line, m);
	buf_release(&b);
	if (m->test) {
		why = xasprintf("%s has a 'test' target", f);
		add(out, "make test", why);
		free(why);
	}
	if (m->check) {
		why = xasprintf("%s has a 'check' target", f);
		add(out, "make check", why);
		free(why);
	}
}

static void detect_make_build(struct check_cands *out, const struct make_scan *m)
{
	char *why;

	if (!m->file || m->test || m->check || !m->any)
		return;
	why = xasprintf("%s has no 'test' or 'check' target: its default target builds only",
	                m->file);
	add(out, "make", why);
	free(why);
}

/* ---- npm ---- */

/* npm init's placeholder, which fails on purpose. */
#define NPM_PLACEHOLDER "no test specified"

static void detect_npm(const char *root, struct check_cands *out)
{
	struct buf b = BUF_INIT;
	cJSON *j, *t;

	if (slurp(root, "package.json", &b) < 0)
		return;
	j = cJSON_ParseWithLength(b.ptr, b.len);
	buf_release(&b);
	t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "scripts"),
	                                     "test");
	if (cJSON_IsString(t) && t->valuestring[0] && !strstr(t->valuestring, NPM_PLACEHOLDER))
		add(out, "npm test --silent", "package.json has a scripts.test");
	cJSON_Delete(j);
}

/* ---- CMake ---- */

/*
 * Whether the CMake command cmd (any case, blanks allowed before its '(')
 * occurs outside a comment, with arg as its first argument when arg is not
 * NULL: include(CTest) is found as cmake_has(b, "include", "CTest").
 */
static int cmake_has(const struct buf *b, const char *cmd, const char *arg)
{
	size_t k = strlen(cmd), i, j;
	int comment = 0;

	for (i = 0; i + k <= b->len; i++) {
		const char *p = b->ptr;
		if (p[i] == '\n')
			comment = 0;
		else if (p[i] == '#')
			comment = 1;
		if (comment || strncasecmp(p + i, cmd, k) != 0)
			continue;
		if (i && (isalnum((unsigned char)p[i - 1]) || p[i - 1] == '_'))
			continue;
		for (j = i + k; j < b->len && (p[j] == ' ' || p[j] == '\t'); j++)
			;
		if (j == b->len || p[j] != '(')
			continue;
		if (!arg)
			return 1;
		for (j++; j < b->len && isspace((unsigned char)p[j]); j++)
			;
		if (!strncmp(p + j, arg, strlen(arg)) &&
		    (p[j + strlen(arg)] == ')' || isspace((unsigned char)p[j + strlen(arg)])))
			return 1;
	}
	return 0;
}

static int detect_cmake_tests(const char *root, struct check_cands *out)
{
	struct buf b = BUF_INIT;
	int tests;

	if (slurp(root, "CMakeLists.txt", &b) < 0)
		return 0;
	/* CMake's CTest module calls enable_testing() itself */
	tests = cmake_has(&b, "enable_testing", NULL) || cmake_has(&b, "add_test", NULL) ||
	        cmake_has(&b, "include", "CTest");
	buf_release(&b);
	if (tests)
		add(out,
		    "cmake -S . -B " CMAKE_DIR " && cmake --build " CMAKE_DIR
		    " -j2 && cd " CMAKE_DIR " && ctest --output-on-failure",
		    "CMakeLists.txt enables tests: built in .loom/check-build, apart from the "
		    "user's own build");
	return tests;
}

static void detect_cmake_build(const char *root, struct check_cands *out)
{
	if (exists(root, "CMakeLists.txt"))
		add(out, "cmake -S . -B " CMAKE_DIR " && cmake --build " CMAKE_DIR " -j2",
		    "CMakeLists.txt has no tests: builds only, in .loom/check-build");
}

/* ---- cargo, go ---- */

static int has_line(const struct buf *b, const char *line)
{
	const char *p = b->ptr;
	size_t k = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == b->ptr || p[-1] == '\n') &&
		    (p[k] == '\n' || p[k] == '\r' || !p[k] || p[k] == ' ' || p[k] == '#'))
			return 1;
		p += k;
	}
	return 0;
}

/*
 * --offline: cargo then never touches the network, so a change that adds a
 * dependency to Cargo.toml fails at once with cargo's "no matching package"
 * instead of downloading a crate and running its build script, and a machine
 * without a network fails fast instead of waiting on it. It works whenever
 * the crates are in cargo's cache, with or without a Cargo.lock (without one,
 * cargo resolves from the cached index); a fresh clone needs one `cargo
 * fetch` first, which the reason says.
 */
static void detect_cargo(const char *root, struct check_cands *out)
{
	struct buf b = BUF_INIT;

	if (slurp(root, "Cargo.toml", &b) < 0)
		return;
	if (has_line(&b, "[workspace]"))
		add(out, "cargo test --quiet --offline --workspace",
		    "Cargo.toml (a workspace: every member); --offline, so a check never downloads "
		    "or builds a crate a change names (run 'cargo fetch' once if crates are "
		    "missing)");
	else
		add(out, "cargo test --quiet --offline",
		    "Cargo.toml; --offline, so a check never downloads or builds a crate a change "
		    "names (run 'cargo fetch' once if crates are missing)");
	buf_release(&b);
}

/*
 * go test needs no flag: by default (-mod=readonly) it never adds a module
 * that go.mod does not list, and checks each against go.sum.
 */
static void detect_go(const char *root, struct check_cands *out)
{
	if (exists(root, "go.mod"))
		add(out, "go test ./...",
		    "go.mod (go test adds no module that go.mod does not list)");
}

/* ---- Python ---- */

static int has_text(const char *root, const char *name, const char *text, int at_line_start)
{
	struct buf b = BUF_INIT;
	const char *p;
	int r = 0;

	if (slurp(root, name, &b) == 0)
		for (p = b.ptr; !r && (p = strstr(p, text)) != NULL; p++)
			r = !at_line_start || p == b.ptr || p[-1] == '\n';
	buf_release(&b);
	return r;
}

/* Where pytest finds its configuration, and why; NULL when not configured. */
static const char *pytest_config(const char *root)
{
	if (exists(root, "pytest.ini"))
		return "pytest.ini";
	if (has_text(root, "pyproject.toml", "[tool.pytest", 1))
		return "pyproject.toml has [tool.pytest.ini_options]";
	if (has_text(root, "setup.cfg", "[tool:pytest]", 1))
		return "setup.cfg has [tool:pytest]";
	if (has_text(root, "tox.ini", "[pytest]", 1))
		return "tox.ini has [pytest]";
	if (exists(root, "conftest.py"))
		return "conftest.py";
	return NULL;
}

static void detect_pytest(const char *root, struct check_cands *out, int *configured)
{
	const char *why = pytest_config(root);

	*configured = why != NULL;
	if (why)
		add(out, "python3 -m pytest -q", why);
}

/* 1 when dir holds a file test_*.py; *package set when it holds __init__.py. */
static int has_test_modules(const char *dir, int *package)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = 0;

	*package = 0;
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t k = strlen(de->d_name);
		if (!strcmp(de->d_name, "__init__.py"))
			*package = 1;
		else if (k > 8 && !strncmp(de->d_name, "test_", 5) &&
		         !strcmp(de->d_name + k - 3, ".py"))
			found = 1;
	}
	closedir(d);
	return found;
}

/*
 * Discovery starts in the tests' directory (-s): from the root, unittest only
 * enters directories that are packages, and a tests/ without __init__.py
 * would run no test at all and pass. A package is imported as one (-t .), so
 * its relative imports work.
 */
static void detect_unittest(const char *root, struct check_cands *out)
{
	static const char *const dirs[] = { "tests", "test" };
	size_t i;

	for (i = 0; i < 2; i++) {
		char *p = fs_join(root, dirs[i]), *cmd, *why;
		int package, found = has_test_modules(p, &package);
		free(p);
		if (!found)
			continue;
		cmd = xasprintf("python3 -m unittest discover -s %s%s -q", dirs[i],
		                package ? " -t ." : "");
		why = xasprintf("%s/ holds test_*.py and there is no pytest configuration",
		                dirs[i]);
		add(out, cmd, why);
		free(cmd);
		free(why);
		return;
	}
}

size_t check_detect(const char *root, struct check_cands *out)
{
	size_t n0 = out->n;
	struct make_scan m;
	int cmake_tests, pytest;

	/* declared tests */
	detect_make_tests(root, out, &m);
	detect_npm(root, out);
	cmake_tests = detect_cmake_tests(root, out);
	detect_pytest(root, out, &pytest);
	/* implied by the ecosystem */
	detect_cargo(root, out);
	detect_go(root, out);
	if (!pytest)
		detect_unittest(root, out);
	/* builds */
	if (!cmake_tests)
		detect_cmake_build(root, out);
	detect_make_build(out, &m);
	return out->n - n0;
}

void check_cands_release(struct check_cands *out)
{
	size_t i;

	for (i = 0; i < out->n; i++) {
		free(out->v[i].cmd);
		free(out->v[i].why);
	}
	free(out->v);
	*out = (struct check_cands)CHECK_CANDS_INIT;
}
