/* test_apply.c - applying change sets: every refusal, atomic writes, rollback, crash, undo. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "core/apply.h"
#include "core/buf.h"
#include "core/diff.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/undo.h"

static char root[256], journal[300], outside[256];

static void put_file(const char *rel, const char *content, size_t n, mode_t mode)
{
	char *p = fs_join(root, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0);
	CHECK(write(fd, content, n) == (ssize_t)n);
	fchmod(fd, mode);
	close(fd);
	free(p);
}

/* The file's content as a string, "(absent)" when missing; the caller frees it. */
static char *get(const char *rel)
{
	char *p = fs_join(root, rel);
	struct buf b = BUF_INIT;
	struct error e = ERROR_INIT;
	struct stat st;

	if (lstat(p, &st) < 0)
		buf_adds(&b, "(absent)");
	else
		fs_read_file(p, 0, &b, &e);
	free(p);
	return buf_detach(&b, NULL);
}

static unsigned mode_of(const char *rel)
{
	char *p = fs_join(root, rel);
	struct stat st;
	unsigned m = lstat(p, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;

	free(p);
	return m;
}

/* Temporary files anywhere below dir. */
static int count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *p;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = fs_join(dir, de->d_name);
		if (strstr(de->d_name, ".tmp"))
			n++;
		if (de->d_type == DT_DIR)
			n += count_tmp(p);
		free(p);
	}
	closedir(d);
	return n;
}

/* Sets in the journal. */
static int count_sets(void)
{
	DIR *d = opendir(journal);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] >= '0' && de->d_name[0] <= '9';
	closedir(d);
	return n;
}

static size_t len_of(const char *s)
{
	return s ? strlen(s) : 0;
}

#define FILE_OF(p, o, n)                                                                           \
	{                                                                                          \
		(p), (o), len_of(o), (n), len_of(n)                                                \
	}

/* apply_set() that must fail with msg and change nothing. */
static void refused(const struct apply_file *f, size_t n, const struct apply_opts *o,
                    const char *msg)
{
	struct apply_result res;
	struct error e = ERROR_INIT;
	char *a = get("a.txt");
	int sets = count_sets();

	CHECK_INT(apply_set(root, journal, f, n, o, &res, &e), -1);
	CHECK_STR(e.msg, msg);
	CHECK_INT(apply_check(root, f, n, o, &e), -1);
	CHECK_STR(e.msg, msg);
	{
		char *b = get("a.txt");
		CHECK_STR(b, a);
		free(b);
	}
	CHECK_INT(count_tmp(root), 0);
	CHECK_INT(count_sets(), sets);
	free(a);
}

static void test_refusals(void)
{
	struct apply_opts o = APPLY_OPTS_INIT;
	char big[2000], *huge;
	char *lnk;

	put_file("a.txt", "alpha\n", 6, 0644);
	{
		struct apply_file f[] = { FILE_OF("../x", NULL, "x\n") };
		refused(f, 1, NULL, "'../x' leaves the repository");
	}
	{
		struct apply_file f[] = { FILE_OF("/etc/passwd", "x", "y") };
		refused(f, 1, NULL, "'/etc/passwd' is an absolute path");
	}
	{
		struct apply_file f[] = { FILE_OF(".git/config", NULL, "[core]\n") };
		refused(f, 1, NULL, "'.git/config' is inside .git");
	}
	{
		struct apply_file f[] = { FILE_OF(".loom/undo/lock", NULL, "x\n") };
		refused(f, 1, NULL, "'.loom/undo/lock' is inside loom's own directory");
	}
	/* symbolic links: a directory on the way (inside or outside), the file itself */
	lnk = fs_join(root, "real");
	CHECK_INT(mkdir(lnk, 0755), 0);
	free(lnk);
	lnk = fs_join(root, "link");
	CHECK_INT(symlink("real", lnk), 0);
	free(lnk);
	lnk = fs_join(root, "out");
	CHECK_INT(symlink(outside, lnk), 0);
	free(lnk);
	lnk = fs_join(root, "ln.txt");
	CHECK_INT(symlink("a.txt", lnk), 0);
	free(lnk);
	{
		struct apply_file f[] = { FILE_OF("link/new.txt", NULL, "x\n") };
		refused(f, 1, NULL, "cannot write 'link/new.txt': 'link' is a symbolic link");
	}
	{
		struct apply_file f[] = { FILE_OF("out/evil.txt", NULL, "x\n") };
		refused(f, 1, NULL, "cannot write 'out/evil.txt': 'out' is a symbolic link");
		lnk = fs_join(outside, "evil.txt");
		CHECK(access(lnk, F_OK) != 0);
		free(lnk);
	}
	{
		struct apply_file f[] = { FILE_OF("ln.txt", "alpha\n", "beta\n") };
		refused(f, 1, NULL, "cannot write 'ln.txt': it is a symbolic link");
	}
	{
		struct apply_file f[] = { FILE_OF("a.txt/x", NULL, "x\n") };
		refused(f, 1, NULL, "cannot write 'a.txt/x': 'a.txt' is not a directory");
	}
	{
		struct apply_file f[] = { FILE_OF("real", NULL, "x\n") };
		refused(f, 1, NULL, "cannot write 'real': it is not a regular file");
	}
	/* size: configurable, and 1 MiB by default */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	o.max_size = 1000;
	{
		struct apply_file f[] = { FILE_OF("a.txt", "alpha\n", big) };
		refused(f, 1, &o, "'a.txt' is larger than the limit of 1000 bytes");
	}
	huge = xmalloc(APPLY_MAX_SIZE + 2);
	memset(huge, 'y', APPLY_MAX_SIZE + 1);
	huge[APPLY_MAX_SIZE + 1] = '\0';
	{
		struct apply_file f[] = { FILE_OF("a.txt", "alpha\n", huge) };
		refused(f, 1, NULL, "'a.txt' is larger than the limit of 1048576 bytes");
	}
	free(huge);
	put_file("big.txt", big, strlen(big), 0644);
	{
		struct apply_file f[] = { FILE_OF("big.txt", "small\n", "x\n") };
		refused(f, 1, &o, "'big.txt' is larger than the limit of 1000 bytes");
	}
	/* binary: a NUL in the first 8 KiB of either side */
	{
		struct apply_file f[] = { { "a.txt", "alpha\n", 6, "be\0ta\n", 6 } };
		refused(f, 1, NULL, "'a.txt' is a binary file");
	}
	{
		struct apply_file f[] = { { "bin.dat",
			                    "\x7f"
			                    "ELF\0\1",
			                    6, "text\n", 5 } };
		refused(f, 1, NULL, "'bin.dat' is a binary file");
	}
	/* the file changed since the proposal: content, existence either way */
	{
		struct apply_file f[] = { FILE_OF("a.txt", "ALPHA\n", "beta\n") };
		refused(f, 1, NULL,
		        "'a.txt' changed since the proposal was made; propose the change again");
	}
	{
		struct apply_file f[] = { FILE_OF("a.txt", NULL, "beta\n") };
		refused(f, 1, NULL,
		        "'a.txt' changed since the proposal was made; propose the change again");
	}
	{
		struct apply_file f[] = { FILE_OF("gone.txt", "was here\n", "beta\n") };
		refused(f, 1, NULL,
		        "'gone.txt' changed since the proposal was made; propose the change again");
	}
	/* the whole set is refused when one file is; duplicates; empty */
	{
		struct apply_file f[] = { FILE_OF("a.txt", "alpha\n", "ALPHA\n"),
			                  FILE_OF("link/b.txt", NULL, "b\n") };
		refused(f, 2, NULL, "cannot write 'link/b.txt': 'link' is a symbolic link");
	}
	{
		struct apply_file f[] = { FILE_OF("a.txt", "alpha\n", "A\n"),
			                  FILE_OF("a.txt", "alpha\n", "B\n") };
		refused(f, 2, NULL, "'a.txt' appears twice in the change set");
	}
	refused(NULL, 0, NULL, "the change set is empty");
	{
		struct apply_file f[] = { FILE_OF("none.txt", NULL, NULL) };
		refused(f, 1, NULL,
		        "'none.txt': nothing to apply, the file neither exists nor is created");
	}
	{
		struct apply_opts c = APPLY_OPTS_INIT;
		struct apply_file f[] = { FILE_OF("a.txt", "alpha\n", "beta\n") };
		struct apply_result res;
		struct error e = ERROR_INIT;
		c.commit = 1;
		CHECK_INT(apply_set(root, journal, f, 1, &c, &res, &e), -1);
		CHECK(strstr(e.msg, "' is not a git repository") != NULL);
	}
}

static void test_apply_and_undo(void)
{
	const char *old = "int a;\nint b;\nint c;\nint d;\nint e;\nint f;\nint g;\nint h;\n"
	                  "int i;\nint j;\n";
	const char *new = "int A;\nint b;\nint c;\nint d;\nint e;\nint f;\nint g;\nint h;\n"
	                  "int i;\nint J;\n";
	struct diff d = DIFF_INIT;
	struct buf partial = BUF_INIT, out = BUF_INIT;
	struct apply_result res;
	struct error e = ERROR_INIT;
	struct undo u = UNDO_INIT;
	struct undo_set s;
	unsigned char second[] = { 0, 1 };
	char *got;

	put_file("code.c", old, strlen(old), 0750);
	put_file("del.txt", "bye\r\nno newline", 15, 0600);
	put_file("untracked.cfg", "k = v", 5, 0644);
	/* only the second hunk approved */
	CHECK_INT(diff_make("code.c", old, strlen(old), new, strlen(new), &d, &e), 0);
	CHECK_INT(d.nhunks, 2);
	CHECK_INT(diff_apply_hunks(old, strlen(old), d.hunks, d.nhunks, second, &partial, &e), 0);
	diff_release(&d);
	{
		struct apply_file f[] = {
			{ "code.c", old, strlen(old), partial.ptr, partial.len },
			FILE_OF("new/deep/n.h", NULL, "#define N 1"),
			{ "del.txt", "bye\r\nno newline", 15, NULL, 0 },
			FILE_OF("untracked.cfg", "k = v", "k = w\r\n"),
		};
		struct apply_opts o = APPLY_OPTS_INIT;
		o.message = "first\nstep";
		CHECK_INT(apply_set(root, journal, f, 4, &o, &res, &e), 0);
		if (e.msg[0])
			fprintf(stderr, "%s\n", e.msg);
	}
	got = get("code.c");
	CHECK_STR(got, "int a;\nint b;\nint c;\nint d;\nint e;\nint f;\nint g;\nint h;\n"
	               "int i;\nint J;\n");
	free(got);
	CHECK_INT(mode_of("code.c"), 0750);
	got = get("new/deep/n.h");
	CHECK_STR(got, "#define N 1");
	free(got);
	{
		mode_t um = umask(0);
		umask(um);
		CHECK_INT(mode_of("new/deep/n.h"), 0644 & ~um);
	}
	got = get("del.txt");
	CHECK_STR(got, "(absent)");
	free(got);
	got = get("untracked.cfg");
	CHECK_STR(got, "k = w\r\n");
	free(got);
	CHECK_INT(count_tmp(root), 0);
	CHECK(res.id > 0);
	CHECK_STR(res.commit, "");

	/* the journal, read back by another open (as a new process would) */
	CHECK_INT(undo_open(journal, &u, &e), 0);
	CHECK_INT(undo_load(&u, res.id, &s, &e), 0);
	CHECK_INT(s.state, UNDO_APPLIED);
	CHECK_STR(s.message, "first step");
	CHECK_INT(s.nfiles, 4);
	CHECK_STR(s.files[0].path, "code.c");
	CHECK_INT(s.files[0].old_mode, 0750);
	CHECK_INT(s.files[1].old_exists, 0);
	CHECK_INT(s.files[1].ndirs, 2);
	CHECK_STR(s.files[1].dirs[0], "new");
	CHECK_STR(s.files[1].dirs[1], "new/deep");
	CHECK_INT(s.files[2].new_exists, 0);
	undo_set_release(&s);
	CHECK_INT(undo_list(&u, &out, &e), 0);
	CHECK(strstr(out.ptr, "  applied  first step\n    M code.c\n    A new/deep/n.h\n"
	                      "    D del.txt\n    M untracked.cfg\n") != NULL);
	buf_reset(&out);

	/* a file changed since: refused, naming it, nothing restored */
	put_file("untracked.cfg", "edited", 6, 0644);
	CHECK_INT(undo_last(&u, root, NULL, 0, &out, &e), -1);
	CHECK_STR(e.msg, "'untracked.cfg' changed since change set 1 was applied");
	got = get("code.c");
	CHECK(strstr(got, "int J;") != NULL);
	free(got);
	/* put back: undo restores everything exactly */
	put_file("untracked.cfg", "k = w\r\n", 7, 0644);
	CHECK_INT(undo_last(&u, root, NULL, 0, &out, &e), 0);
	CHECK_STR(out.ptr, "undid change set 1 (4 files): first step\n");
	got = get("code.c");
	CHECK_STR(got, old);
	free(got);
	CHECK_INT(mode_of("code.c"), 0750);
	got = get("new/deep/n.h");
	CHECK_STR(got, "(absent)");
	free(got);
	got = get("new");
	CHECK_STR(got, "(absent)");
	free(got);
	got = get("del.txt");
	CHECK_STR(got, "bye\r\nno newline");
	free(got);
	CHECK_INT(mode_of("del.txt"), 0600);
	got = get("untracked.cfg");
	CHECK_STR(got, "k = v");
	free(got);
	CHECK_INT(count_tmp(root), 0);
	buf_reset(&out);
	CHECK_INT(undo_last(&u, root, NULL, 0, &out, &e), -1);
	CHECK_STR(e.msg, "nothing to undo");
	undo_close(&u);
	buf_release(&out);
	buf_release(&partial);
}

static void test_force(void)
{
	struct apply_file f[] = { FILE_OF("a.txt", "alpha\n", "beta\n"),
		                  FILE_OF("b.txt", NULL, "bee\n") };
	struct apply_result res;
	struct error e = ERROR_INIT;
	struct undo u = UNDO_INIT;
	struct buf out = BUF_INIT;
	char *got;

	CHECK_INT(apply_set(root, journal, f, 2, NULL, &res, &e), 0);
	put_file("a.txt", "mine\n", 5, 0644);
	put_file("b.txt", "mine too\n", 9, 0644);
	CHECK_INT(undo_open(journal, &u, &e), 0);
	CHECK_INT(undo_last(&u, root, NULL, 0, &out, &e), -1);
	CHECK_STR(e.msg, "'a.txt' and 'b.txt' changed since change set 2 was applied");
	CHECK_INT(undo_last(&u, root, NULL, 1, &out, &e), 0);
	got = get("a.txt");
	CHECK_STR(got, "alpha\n");
	free(got);
	got = get("b.txt");
	CHECK_STR(got, "(absent)");
	free(got);
	undo_close(&u);
	buf_release(&out);
}

static int fail_second(size_t i, int renaming, void *arg)
{
	(void)arg;
	return i == 1 && !renaming;
}

/* Changes the target between the temporary file and the rename, like an editor's save. */
static int edit_meanwhile(size_t i, int renaming, void *arg)
{
	(void)arg;
	if (i == 0 && renaming)
		put_file("a.txt", "saved by the editor\n", 20, 0644);
	return 0;
}

static void test_rollback(void)
{
	struct apply_file f[] = { FILE_OF("a.txt", "alpha\n", "ALPHA\n"),
		                  FILE_OF("c.txt", NULL, "c\n") };
	struct apply_opts o = APPLY_OPTS_INIT;
	struct apply_result res;
	struct error e = ERROR_INIT;
	struct undo u = UNDO_INIT;
	struct undo_set s;
	char *got;

	o.hook = fail_second;
	CHECK_INT(apply_set(root, journal, f, 2, &o, &res, &e), -1);
	CHECK_STR(e.msg, "cannot write 'c.txt': stopped by the test hook; nothing was changed");
	got = get("a.txt");
	CHECK_STR(got, "alpha\n");
	free(got);
	got = get("c.txt");
	CHECK_STR(got, "(absent)");
	free(got);
	CHECK_INT(count_tmp(root), 0);
	CHECK_INT(undo_open(journal, &u, &e), 0);
	CHECK_INT(undo_load(&u, res.id, &s, &e), 0);
	CHECK_INT(s.state, UNDO_ROLLED_BACK);
	undo_set_release(&s);
	undo_close(&u);

	/* the target changes after the check: the rename does not happen */
	o.hook = edit_meanwhile;
	CHECK_INT(apply_set(root, journal, f, 2, &o, &res, &e), -1);
	CHECK_STR(e.msg, "'a.txt' changed since the proposal was made; propose the change "
	                 "again; nothing was changed");
	got = get("a.txt");
	CHECK_STR(got, "saved by the editor\n");
	free(got);
	CHECK_INT(count_tmp(root), 0);
	put_file("a.txt", "alpha\n", 6, 0644);
}

static int crash_second(size_t i, int renaming, void *arg)
{
	(void)arg;
	if (i == 1 && renaming)
		_exit(3);
	return 0;
}

static void test_crash(void)
{
	struct apply_file f[] = { FILE_OF("a.txt", "alpha\n", "ALPHA\n"),
		                  FILE_OF("a2.txt", NULL, "two\n") };
	struct apply_opts o = APPLY_OPTS_INIT;
	struct apply_result res;
	struct error e = ERROR_INIT;
	struct undo u = UNDO_INIT;
	struct buf report = BUF_INIT;
	pid_t pid;
	int status = 0, rootfd;
	char *got;

	o.hook = crash_second;
	o.message = "test";
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		apply_set(root, journal, f, 2, &o, &res, &e);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	/* what the crash left: the first file written, a temporary file */
	got = get("a.txt");
	CHECK_STR(got, "ALPHA\n");
	free(got);
	CHECK_INT(count_tmp(root), 1);
	/* the next open finds it and rolls it back */
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	CHECK_INT(undo_open(journal, &u, &e), 0);
	buf_reset(&report);
	CHECK_INT(undo_list(&u, &report, &e), 0);
	CHECK(strstr(report.ptr, "  interrupted  test\n") != NULL);
	buf_reset(&report);
	CHECK_INT(undo_recover(&u, rootfd, 0, &report, &e), 1);
	CHECK(strstr(report.ptr, "was interrupted before it completed (2 files)") != NULL);
	got = get("a.txt");
	CHECK_STR(got, "alpha\n");
	free(got);
	got = get("a2.txt");
	CHECK_STR(got, "(absent)");
	free(got);
	CHECK_INT(count_tmp(root), 0);
	buf_reset(&report);
	CHECK_INT(undo_recover(&u, rootfd, 0, &report, &e), 0);
	undo_close(&u);
	close(rootfd);
	buf_release(&report);
}

static void test_prune(void)
{
	struct apply_result res;
	struct error e = ERROR_INIT;
	int i;

	for (i = 0; i < UNDO_KEEP + 3; i++) {
		char a[32], b[32];
		struct apply_file f;
		snprintf(a, sizeof(a), "v%d\n", i - 1);
		snprintf(b, sizeof(b), "v%d\n", i);
		f.path = "p.txt";
		f.old_text = i ? a : NULL;
		f.old_len = len_of(f.old_text);
		f.new_text = b;
		f.new_len = strlen(b);
		CHECK_INT(apply_set(root, journal, &f, 1, NULL, &res, &e), 0);
	}
	CHECK_INT(count_sets(), UNDO_KEEP);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[700];

	snprintf(root, sizeof(root), "%s/loom-apply-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	snprintf(outside, sizeof(outside), "%s/loom-outside-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root) || !mkdtemp(outside)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(journal, sizeof(journal), "%s/.loom/undo", root);
	test_refusals();
	test_apply_and_undo();
	test_force();
	test_rollback();
	test_crash();
	test_prune();
	CHECK_INT(count_tmp(outside), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, outside);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove '%s'\n", root);
	return check_done("test_apply");
}
