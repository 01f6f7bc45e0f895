/*
 * test_scratch.c - the scratch copy on real git repositories and a plain
 * directory: what is copied and what is not, incremental syncs, the checks'
 * own files kept, proposals put and reverted, escapes refused, a crash
 * between put and revert, the copy's git metadata, two processes at once.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "context/repo.h"
#include "context/scan.h"
#include "context/scratch.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"

static char tmp[256];

/* Runs a shell command line (formatted); returns its exit status. */
static int sh(const char *fmt, ...) LOOM_PRINTF(1, 2);
static int sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	free(cmd);
	return rc;
}

/* Output of a shell command line, trailing newline dropped; the caller frees it. */
static char *sh_out(const char *fmt, ...) LOOM_PRINTF(1, 2);
static char *sh_out(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *p;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	p = popen(cmd, "r");
	while (p && (n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(&b, chunk, n);
	if (p)
		pclose(p);
	free(cmd);
	while (b.len && b.ptr[b.len - 1] == '\n')
		buf_setlen(&b, b.len - 1);
	return buf_detach(&b, NULL);
}

static void write_file(const char *dir, const char *rel, const char *content, mode_t mode)
{
	char *p = xasprintf("%s/%s", dir, rel);
	int fd;

	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
		fchmod(fd, mode);
		close(fd);
	}
	free(p);
}

/* A file's content, "(absent)", or "-> target" for a link; the caller frees it. */
static char *get(const char *dir, const char *rel)
{
	char *p = xasprintf("%s/%s", dir, rel);
	struct buf b = BUF_INIT;
	struct error e = ERROR_INIT;
	struct stat st;

	if (lstat(p, &st) < 0) {
		buf_adds(&b, "(absent)");
	} else if (S_ISLNK(st.st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlink(p, t, sizeof(t) - 1);
		t[n < 0 ? 0 : n] = '\0';
		buf_addf(&b, "-> %s", t);
	} else if (S_ISDIR(st.st_mode)) {
		buf_adds(&b, "(directory)");
	} else {
		fs_read_file(p, 0, &b, &e);
	}
	free(p);
	return buf_detach(&b, NULL);
}

#define CHECK_FILE(dir, rel, want)                                                                 \
	do {                                                                                       \
		char *got_ = get((dir), (rel));                                                    \
		CHECK_STR(got_, (want));                                                           \
		free(got_);                                                                        \
	} while (0)

static unsigned mode_of(const char *dir, const char *rel)
{
	char *p = xasprintf("%s/%s", dir, rel);
	struct stat st;
	unsigned m = lstat(p, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;

	free(p);
	return m;
}

/* Every file and link below dir but .git, as "path\n" lines, sorted; the caller frees it. */
static char *listing(const char *dir)
{
	return sh_out("cd '%s' && find . -path ./.git -prune -o ! -type d -print | sort", dir);
}

/* Same content in the work tree and the copy, for each file the work tree lists. */
static void same_trees(const char *root, const char *copy)
{
	char *a = sh_out("cd '%s' && { git ls-files -co --exclude-standard 2>/dev/null || find . "
	                 "-path ./.loom -prune -o ! -type d -print; } | sort",
	                 root);
	char *line, *save = NULL;

	for (line = strtok_r(a, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *x, *y;
		if (strstr(line, "big-untracked") || strstr(line, "huge.bin"))
			continue; /* over the limit: not copied, on purpose */
		x = get(root, line);
		y = get(copy, line);
		if (strcmp(x, y) != 0) {
			fprintf(stderr, "'%s' differs: work tree [%s], copy [%s]\n", line, x, y);
			check_failures++;
		}
		free(x);
		free(y);
	}
	free(a);
}

static void open_ok(struct scratch *s, struct repo *r, const struct scratch_opts *o,
                    struct scratch_stats *st)
{
	struct error e = ERROR_INIT;

	if (scratch_open(s, r, o, st, &e) < 0) {
		fprintf(stderr, "scratch_open: %s\n", e.msg);
		check_failures++;
		exit(check_done("test_scratch"));
	}
}

static void sync_ok(struct scratch *s, struct repo *r, struct scratch_stats *st)
{
	struct error e = ERROR_INIT;

	if (scratch_sync(s, r, st, &e) < 0) {
		fprintf(stderr, "scratch_sync: %s\n", e.msg);
		check_failures++;
	}
}

static void put_ok(struct scratch *s, const char *path, const char *data, unsigned mode)
{
	struct error e = ERROR_INIT;

	if (scratch_put(s, path, data, data ? strlen(data) : 0, mode, &e) < 0) {
		fprintf(stderr, "scratch_put '%s': %s\n", path, e.msg);
		check_failures++;
	}
}

static void put_refused(struct scratch *s, const char *path, const char *msg)
{
	struct error e = ERROR_INIT;

	CHECK_INT(scratch_put(s, path, "evil\n", 5, 0, &e), -1);
	CHECK_STR(e.msg, msg);
}

/* Files changed less than 2 s ago are copied again at the next sync ("racy"): wait that out. */
static void settle(void)
{
	usleep(2100 * 1000);
}

static void test_git(void)
{
	char *R = xasprintf("%s/repo", tmp), *outside = xasprintf("%s/outside", tmp);
	struct scratch_opts o = { 100, 0 };
	struct repo r;
	struct scratch s;
	struct scratch_stats st;
	struct error e = ERROR_INIT;
	char *a, *b, *index_before;
	struct scan sc;
	size_t i;

	CHECK_INT(sh("mkdir -p '%s' '%s' && cd '%s' && git init -q && mkdir -p src/deep/er lib", R,
	             outside, R),
	          0);
	write_file(R, "src/a.c", "int a;\n", 0644);
	write_file(R, "src/run.sh", "#!/bin/sh\necho run\n", 0755);
	write_file(R, "src/deep/er/x.h", "#define X 1\n", 0644);
	write_file(R, "gone.c", "int gone;\n", 0644);
	write_file(R, "big-tracked.txt",
	           "0123456789012345678901234567890123456789012345678901234567890123456789"
	           "0123456789012345678901234567890123456789\n",
	           0644);
	write_file(R, ".gitignore", "build/\n*.o\n", 0644);
	write_file(R, "Makefile", "all:\n\tcat src/a.c > build.o\n", 0644);
	CHECK_INT(sh("cd '%s' && ln -s src/a.c link && ln -s src dirlink && ln -s '%s' out && "
	             "git add -A && git commit -qm initial",
	             R, outside),
	          0);
	/* a submodule (a gitlink, not initialised: an empty directory) and a local setting */
	CHECK_INT(sh("cd '%s' && git update-index --add --cacheinfo 160000,$(git rev-parse "
	             "HEAD),vendor/lib && git commit -qm submodule && mkdir -p vendor/lib && git "
	             "config core.eol lf && git config core.hooksPath /elsewhere/not/copied",
	             R),
	          0);
	/* the work tree now: dirty, deleted, untracked, staged, ignored, a big untracked file */
	write_file(R, "src/a.c", "int a = 2;\n", 0644);
	CHECK_INT(sh("cd '%s' && rm gone.c", R), 0);
	write_file(R, "notes.txt", "untracked\n", 0644);
	write_file(R, "staged.c", "int staged;\n", 0644);
	CHECK_INT(sh("cd '%s' && git add staged.c && mkdir build", R), 0);
	write_file(R, "build/out", "ignored\n", 0644);
	write_file(R, "x.o", "ignored\n", 0644);
	write_file(R, "big-untracked.bin",
	           "0123456789012345678901234567890123456789012345678901234567890123456789"
	           "0123456789012345678901234567890123456789\n",
	           0644);
	/* git status refreshes the index: let it, then see that the scratch does not */
	CHECK_INT(sh("cd '%s' && git status >/dev/null", R), 0);
	index_before = sh_out("stat -c '%%i %%s %%y' '%s/.git/index'", R);

	CHECK_INT(repo_open(R, &r, &e), 0);
	open_ok(&s, &r, &o, &st);
	a = sh_out("stat -c '%%i %%s %%y' '%s/.git/index'", R);
	CHECK_STR(a, index_before);
	free(a);
	CHECK_INT(s.slot, 0);
	{
		char *want = xasprintf("%s/.loom/scratch/0/tree", R);
		CHECK_STR(s.dir, want);
		free(want);
	}
	a = listing(s.dir);
	CHECK_STR(a, "./.gitignore\n./Makefile\n./big-tracked.txt\n./dirlink\n./link\n"
	             "./notes.txt\n./out\n./src/a.c\n./src/deep/er/x.h\n./src/run.sh\n"
	             "./staged.c");
	free(a);
	same_trees(R, s.dir);
	CHECK_FILE(s.dir, "link", "-> src/a.c");
	CHECK_FILE(s.dir, "src/a.c", "int a = 2;\n");
	CHECK_INT(mode_of(s.dir, "src/run.sh"), 0755);
	CHECK_INT(mode_of(s.dir, "src/a.c"), 0644);
	CHECK_INT(st.files, 11);
	CHECK_INT(st.copied, 11);
	CHECK_INT(st.skipped, 1); /* big-untracked.bin, over 100 bytes */
	CHECK_INT(st.git, 1);

	/* git in the copy says what git in the work tree says, and stops at the copy */
	a = sh_out("cd '%s' && git status --porcelain", R);
	b = sh_out("cd '%s' && git status --porcelain", s.dir);
	{
		/* the copy lacks what was not copied: the big untracked file and .loom */
		char *want = sh_out("cd '%s' && git status --porcelain | grep -v "
		                    "'big-untracked\\|\\.loom'",
		                    R);
		CHECK_STR(b, want);
		free(want);
	}
	free(a);
	free(b);
	a = sh_out("cd '%s' && git rev-parse HEAD", R);
	b = sh_out("cd '%s' && git rev-parse HEAD", s.dir);
	CHECK_STR(b, a);
	free(a);
	free(b);
	a = sh_out("cd '%s' && git rev-parse --absolute-git-dir", s.dir);
	b = xasprintf("%s/.git", s.dir);
	CHECK_STR(a, b);
	free(a);
	free(b);
	a = get(s.dir, ".git/config");
	CHECK(strstr(a, "\teol = lf\n") != NULL);
	CHECK(strstr(a, "hooks") == NULL);
	free(a);
	CHECK_FILE(s.dir, "vendor/lib", "(directory)");
	/* nothing of the user's .git was written: no worktree, the same index */
	a = sh_out("cd '%s' && git worktree list | wc -l", R);
	CHECK_STR(a, "1");
	free(a);
	/* the scan of the work tree never sees the copy (.loom is skipped) */
	CHECK_INT(scan_run(&r, &sc, 0, &e), 0);
	for (i = 0; i < sc.n; i++)
		CHECK(strncmp(sc.v[i].path, ".loom", 5) != 0);
	scan_release(&sc);

	/* a no-change sync copies nothing */
	settle();
	sync_ok(&s, &r, &st);
	sync_ok(&s, &r, &st);
	CHECK_INT(st.copied, 0);
	CHECK_INT(st.removed, 0);
	CHECK_INT(st.files, 11);

	/* the check's own files: build outputs (ignored or not) are kept */
	CHECK_INT(
	        sh("cd '%s' && make -s >/dev/null && mkdir -p build/obj && echo o > build/obj/a.o "
	           "&& echo log > check.log",
	           s.dir),
	        0);
	/* changed between syncs: same size (only stat data tells), deleted, new, a link retargeted */
	write_file(R, "src/a.c", "int a = 3;\n", 0644);
	CHECK_INT(sh("cd '%s' && rm notes.txt && rm link && ln -s src/run.sh link && chmod 0700 "
	             "src/run.sh",
	             R),
	          0);
	write_file(R, "src/deep/new.c", "int n;\n", 0644);
	/* and the check changed a source in the copy and replaced a directory by a file */
	write_file(s.dir, "src/deep/er/x.h", "#define X 666\n", 0644);
	CHECK_INT(sh("cd '%s' && rm -r src/deep/er && echo file > src/deep/er", s.dir), 0);
	sync_ok(&s, &r, &st);
	CHECK_INT(st.removed, 1);
	CHECK_INT(st.copied, 5); /* a.c, link, run.sh, new.c, x.h */
	same_trees(R, s.dir);
	CHECK_FILE(s.dir, "notes.txt", "(absent)");
	CHECK_FILE(s.dir, "link", "-> src/run.sh");
	CHECK_FILE(s.dir, "src/deep/er/x.h", "#define X 1\n");
	CHECK_INT(mode_of(s.dir, "src/run.sh"), 0700);
	CHECK_FILE(s.dir, "build.o", "int a = 2;\n");
	CHECK_FILE(s.dir, "build/obj/a.o", "o\n");
	CHECK_FILE(s.dir, "check.log", "log\n");
	/* a changed source is newer than the output built from the old one: make rebuilds */
	CHECK_INT(sh("cd '%s' && make -s >/dev/null", s.dir), 0);
	CHECK_FILE(s.dir, "build.o", "int a = 3;\n");

	/* a file the work tree turned into a directory, and back */
	CHECK_INT(
	        sh("cd '%s' && rm staged.c && mkdir staged.c && echo in > staged.c/inner && rm -r "
	           "lib",
	           R),
	        0);
	sync_ok(&s, &r, &st);
	CHECK_FILE(s.dir, "staged.c/inner", "in\n");
	CHECK_INT(sh("cd '%s' && rm -r staged.c && echo back > staged.c", R), 0);
	sync_ok(&s, &r, &st);
	CHECK_FILE(s.dir, "staged.c", "back\n");
	same_trees(R, s.dir);

	/* a check that used git in the copy: its index is put back */
	CHECK_INT(sh("cd '%s' && git add -A >/dev/null 2>&1", s.dir), 0);
	sync_ok(&s, &r, &st);
	a = sh_out("cd '%s' && git status --porcelain | grep -v 'big-untracked\\|\\.loom'", R);
	b = sh_out("cd '%s' && git status --porcelain | grep -v 'check.log\\|build.o'", s.dir);
	CHECK_STR(b, a);
	free(a);
	free(b);

	/* proposals: put, the work tree untouched, revert */
	a = sh_out("cd '%s' && git status --porcelain && cat src/a.c", R);
	put_ok(&s, "src/a.c", "int a = 42;\n", 0);
	put_ok(&s, "src/run.sh", NULL, 0);
	put_ok(&s, "newdir/sub/new.c", "int fresh;\n", 0);
	put_ok(&s, "tool.sh", "#!/bin/sh\n", 0755);
	CHECK_FILE(s.dir, "src/a.c", "int a = 42;\n");
	CHECK_FILE(s.dir, "src/run.sh", "(absent)");
	CHECK_FILE(s.dir, "newdir/sub/new.c", "int fresh;\n");
	CHECK_INT(mode_of(s.dir, "src/a.c"), 0644);
	CHECK_INT(mode_of(s.dir, "tool.sh"), 0755);
	CHECK_INT(mode_of(s.dir, "newdir/sub/new.c"), 0644);
	b = sh_out("cd '%s' && git status --porcelain && cat src/a.c", R);
	CHECK_STR(b, a);
	free(b);
	{
		const char *const some[] = { "src/a.c", "newdir/sub/new.c" };
		CHECK_INT(scratch_revert(&s, &r, some, 2, &e), 0);
	}
	CHECK_FILE(s.dir, "src/a.c", "int a = 3;\n");
	CHECK_FILE(s.dir, "newdir", "(absent)"); /* its directories went with it */
	CHECK_FILE(s.dir, "src/run.sh", "(absent)");
	CHECK_INT(scratch_revert(&s, &r, NULL, 0, &e), 0); /* the rest */
	CHECK_FILE(s.dir, "src/run.sh", "#!/bin/sh\necho run\n");
	CHECK_INT(mode_of(s.dir, "src/run.sh"), 0700);
	CHECK_FILE(s.dir, "tool.sh", "(absent)");
	same_trees(R, s.dir);
	b = sh_out("cd '%s' && git status --porcelain && cat src/a.c", R);
	CHECK_STR(b, a);
	free(b);
	free(a);
	settle();
	sync_ok(&s, &r, &st);
	sync_ok(&s, &r, &st);
	CHECK_INT(st.copied, 0); /* the revert recorded what it copied */

	/* escapes and what apply would refuse, refused; nothing written */
	put_refused(&s, "../x", "'../x' leaves the repository");
	put_refused(&s, "/etc/passwd", "'/etc/passwd' is an absolute path");
	put_refused(&s, ".git/config", "'.git/config' is inside .git");
	put_refused(&s, ".loom/x", "'.loom/x' is inside loom's own directory");
	put_refused(&s, "out/evil.c", "cannot write 'out/evil.c': 'out' is a symbolic link");
	put_refused(&s, "dirlink/evil.c",
	            "cannot write 'dirlink/evil.c': 'dirlink' is a symbolic link");
	put_refused(&s, "link", "cannot write 'link': it is a symbolic link");
	put_refused(&s, "src/a.c/x", "cannot write 'src/a.c/x': 'src/a.c' is not a directory");
	put_refused(&s, "src", "cannot write 'src': it is not a regular file");
	CHECK_FILE(outside, "evil.c", "(absent)");
	CHECK_FILE(R, "src/evil.c", "(absent)");
	CHECK_FILE(s.dir, "src/evil.c", "(absent)");
	{
		const char *const bad[] = { "src/a.c", "../../x" };
		CHECK_INT(scratch_revert(&s, &r, bad, 2, &e), -1);
		CHECK_STR(e.msg, "'../../x' leaves the repository");
	}

	/* a crash between put and revert: the next open puts things right */
	put_ok(&s, "src/a.c", "crashed\n", 0);
	put_ok(&s, "left/over.c", "crashed\n", 0);
	scratch_close(&s);
	open_ok(&s, &r, &o, &st);
	CHECK_FILE(s.dir, "src/a.c", "int a = 3;\n");
	CHECK_FILE(s.dir, "left", "(absent)");
	same_trees(R, s.dir);

	/* a second process gets a copy of its own; remove keeps the one in use */
	{
		int fds[2];
		pid_t pid;
		char got[64] = "";
		CHECK_INT(pipe(fds), 0);
		pid = fork();
		if (pid == 0) {
			struct scratch s2;
			struct repo r2;
			struct error e2 = ERROR_INIT;
			char line[64];
			int n = 0;
			close(fds[0]);
			if (repo_open(R, &r2, &e2) == 0 &&
			    scratch_open(&s2, &r2, &o, NULL, &e2) == 0) {
				n = snprintf(line, sizeof(line), "%d %s", s2.slot,
				             strcmp(get(s2.dir, "src/a.c"), "int a = 3;\n")
				                     ? "bad"
				                     : "good");
				scratch_close(&s2);
			} else {
				n = snprintf(line, sizeof(line), "error %s", e2.msg);
			}
			if (write(fds[1], line, (size_t)n) < 0)
				_exit(1);
			_exit(0);
		}
		close(fds[1]);
		if (read(fds[0], got, sizeof(got) - 1) < 0)
			got[0] = '\0';
		close(fds[0]);
		waitpid(pid, NULL, 0);
		CHECK_STR(got, "1 good");
	}
	CHECK_INT(scratch_remove(&r, &e), -1);
	{
		char *want =
		        xasprintf("1 scratch copy of '%s' in use by another loom process kept", R);
		CHECK_STR(e.msg, want);
		free(want);
	}
	CHECK_FILE(R, ".loom/scratch/1", "(absent)");
	CHECK_FILE(s.dir, "src/a.c", "int a = 3;\n");
	scratch_close(&s);
	CHECK_INT(scratch_remove(&r, &e), 0);
	CHECK_FILE(R, ".loom/scratch", "(absent)");

	/* a damaged manifest: the copy is made again from nothing */
	open_ok(&s, &r, &o, &st);
	write_file(s.dir, "stale.o", "x\n", 0644);
	scratch_close(&s);
	{
		char *m = xasprintf("%s/.loom/scratch/0/manifest", R);
		CHECK_INT(truncate(m, 100), 0);
		free(m);
	}
	open_ok(&s, &r, &o, &st);
	CHECK_INT(st.copied, st.files);
	CHECK_FILE(s.dir, "stale.o", "(absent)");
	same_trees(R, s.dir);
	scratch_close(&s);

	repo_close(&r);
	free(index_before);
	free(R);
	free(outside);
}

static void test_plain(void)
{
	char *P = xasprintf("%s/plain", tmp);
	struct scratch_opts o = { 1000, 0 }, tiny = { 1000, 10 };
	struct repo r;
	struct scratch s;
	struct scratch_stats st;
	struct error e = ERROR_INIT;
	char big[2001], *a;

	CHECK_INT(sh("mkdir -p '%s/sub/deeper' '%s/.hg' '%s/.svn'", P, P, P), 0);
	write_file(P, "a.txt", "alpha\n", 0644);
	write_file(P, "sub/deeper/b.txt", "beta\n", 0600);
	write_file(P, ".hg/store", "hg\n", 0644);
	write_file(P, ".svn/entries", "svn\n", 0644);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(P, "huge.bin", big, 0644);
	CHECK_INT(sh("cd '%s' && ln -s a.txt ln", P), 0);

	CHECK_INT(repo_open(P, &r, &e), 0);
	CHECK(r.git == NULL);
	CHECK_INT(scratch_open(&s, &r, &tiny, &st, &e), -1);
	a = xasprintf("'%s' is not a git repository and holds 16 bytes of files; the scratch copy "
	              "takes at most 10 bytes",
	              r.root);
	CHECK_STR(e.msg, a);
	free(a);
	CHECK_INT(s.fd, -1);
	open_ok(&s, &r, &o, &st);
	CHECK_INT(st.git, 0);
	CHECK_INT(st.skipped, 1); /* huge.bin */
	a = listing(s.dir);
	CHECK_STR(a, "./a.txt\n./ln\n./sub/deeper/b.txt");
	free(a);
	CHECK_FILE(s.dir, ".git", "(absent)");
	CHECK_FILE(s.dir, "ln", "-> a.txt");
	CHECK_INT(mode_of(s.dir, "sub/deeper/b.txt"), 0600);
	write_file(P, "a.txt", "ALPHA\n", 0644);
	CHECK_INT(sh("rm -r '%s/sub'", P), 0);
	sync_ok(&s, &r, &st);
	CHECK_FILE(s.dir, "a.txt", "ALPHA\n");
	CHECK_FILE(s.dir, "sub", "(absent)");
	put_ok(&s, "a.txt", "proposed\n", 0);
	CHECK_INT(scratch_revert(&s, &r, NULL, 0, &e), 0);
	CHECK_FILE(s.dir, "a.txt", "ALPHA\n");
	scratch_close(&s);
	CHECK_INT(scratch_remove(&r, &e), 0);
	repo_close(&r);
	free(P);
}

/* Enough files for the copying and checking passes to run on several threads. */
static void test_many(void)
{
	char *M = xasprintf("%s/many", tmp);
	struct repo r;
	struct scratch s;
	struct scratch_stats st;
	struct error e = ERROR_INIT;
	int i;

	CHECK_INT(sh("mkdir -p '%s' && cd '%s' && git init -q", M, M), 0);
	for (i = 0; i < 1500; i++) {
		char rel[64], body[64];
		snprintf(rel, sizeof(rel), "d%02d", i % 40);
		if (i < 40)
			CHECK_INT(sh("mkdir -p '%s/%s/sub'", M, rel), 0);
		snprintf(rel, sizeof(rel), "d%02d/%sf%04d.c", i % 40, i % 3 ? "sub/" : "", i);
		snprintf(body, sizeof(body), "int f%d;\n", i);
		write_file(M, rel, body, 0644);
	}
	CHECK_INT(sh("cd '%s' && git add -A && git commit -qm many", M), 0);
	CHECK_INT(repo_open(M, &r, &e), 0);
	open_ok(&s, &r, NULL, &st);
	CHECK_INT(st.files, 1500);
	CHECK_INT(st.copied, 1500);
	same_trees(M, s.dir);
	settle();
	sync_ok(&s, &r, &st);
	sync_ok(&s, &r, &st);
	CHECK_INT(st.copied, 0);
	/* every third file changed, a directory gone */
	for (i = 0; i < 1500; i += 3) {
		char rel[64];
		snprintf(rel, sizeof(rel), "d%02d/f%04d.c", i % 40, i);
		write_file(M, rel, "changed\n", 0644);
	}
	CHECK_INT(sh("rm -r '%s/d07'", M), 0);
	sync_ok(&s, &r, &st);
	CHECK_INT(st.removed, 38);
	CHECK_INT(st.copied, 500 - 12); /* 12 of them were in d07 */
	CHECK_FILE(s.dir, "d07", "(absent)");
	same_trees(M, s.dir);
	scratch_close(&s);
	repo_close(&r);
	free(M);
}

int main(void)
{
	const char *base = getenv("TMPDIR");
	char *home;

	snprintf(tmp, sizeof(tmp), "%s/loom-scratch-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	home = xasprintf("%s/home", tmp);
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "loom test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@loom.invalid", 1);
	setenv("GIT_COMMITTER_NAME", "loom test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@loom.invalid", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	test_git();
	test_plain();
	test_many();
	sh("rm -rf '%s'", tmp);
	free(home);
	return check_done("test_scratch");
}
