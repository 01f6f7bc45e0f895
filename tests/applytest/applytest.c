/*
 * applytest.c - loom-applytest: applies a change set through core/apply, for
 * the end-to-end tests, until the headless 'loom run' exists.
 *
 * Each file is given as a proposal: its path, a file holding the proposed
 * new content (or '-' to delete it), what the proposal was made against
 * (default: the file as it is now) and which hunks are approved (default:
 * all). The proposal is diffed with core/diff, rebuilt from the approved
 * hunks, and the set applied with apply_set() into the repository's undo
 * journal, exactly as Loom will. --fail-at and --crash-at drive the test
 * hook: fail the write of file I, or _exit(3) before it (or, with ':rename',
 * between its temporary file and the rename), as a crash would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context/repo.h"
#include "core/apply.h"
#include "core/diff.h"
#include "core/fs.h"

static const char usage[] =
        "usage: loom-applytest [-C DIR] [--message TEXT] [--commit] [--max-size N]\n"
        "                      [--fail-at I] [--crash-at I[:rename]] [--show-diff]\n"
        "                      [--old FILE | --absent] [--hunks LIST] PATH NEW ...\n"
        "\n"
        "  PATH NEW     propose the content of the file NEW ('-': delete) for PATH\n"
        "  --old FILE   the proposal was made against FILE's content (default: PATH now)\n"
        "  --absent     the proposal was made against a missing PATH\n"
        "  --hunks LIST approve only these hunks: 1-based numbers, commas, or 'none'\n";

struct spec {
	const char *path, *new_file, *old_file, *hunks;
	int absent;
};

static int fail_at = -1, crash_at = -1, crash_rename;

static int hook(size_t i, int renaming, void *arg)
{
	(void)arg;
	if ((int)i == crash_at && renaming == crash_rename)
		_exit(3);
	return (int)i == fail_at && !renaming;
}

static int die(const char *what, const char *msg)
{
	fprintf(stderr, "loom-applytest: error: %s%s%s\n", what, *msg ? ": " : "", msg);
	return 1;
}

/* Reads a whole file into b; 1 when it exists, 0 when missing. */
static int slurp(const char *path, struct buf *b)
{
	struct error e = ERROR_INIT;
	return access(path, F_OK) == 0 && fs_read_file(path, 0, b, &e) == 0;
}

/* The approved flags for LIST over n hunks; NULL for all. */
static unsigned char *approvals(const char *list, size_t n)
{
	unsigned char *ok;
	char *copy, *tok, *save;

	if (!list)
		return NULL;
	ok = xcalloc(n ? n : 1, 1);
	if (!strcmp(list, "none"))
		return ok;
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long k = strtol(tok, NULL, 10);
		if (k >= 1 && (size_t)k <= n)
			ok[k - 1] = 1;
	}
	free(copy);
	return ok;
}

int main(int argc, char **argv)
{
	struct spec specs[64];
	struct apply_file files[64];
	struct buf olds[64], news[64];
	struct apply_opts o = APPLY_OPTS_INIT;
	struct apply_result res;
	struct repo r;
	struct error e = ERROR_INIT;
	const char *dir = ".", *message = "test change";
	int i, n = 0, show = 0, commit = 0, rc = 1;
	size_t k;
	char *journal;
	struct spec cur = { NULL, NULL, NULL, NULL, 0 };

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--show-diff")) {
			show = 1;
		} else if (!strcmp(a, "--commit")) {
			commit = 1;
		} else if (!strcmp(a, "--absent")) {
			cur.absent = 1;
		} else if (a[0] == '-' && a[1] && !v) {
			fputs(usage, stderr);
			return 2;
		} else if (!strcmp(a, "-C")) {
			dir = argv[++i];
		} else if (!strcmp(a, "--message")) {
			message = argv[++i];
		} else if (!strcmp(a, "--max-size")) {
			o.max_size = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--fail-at")) {
			fail_at = atoi(argv[++i]) - 1;
		} else if (!strcmp(a, "--crash-at")) {
			crash_at = atoi(argv[++i]) - 1;
			crash_rename = strstr(argv[i], ":rename") != NULL;
		} else if (!strcmp(a, "--old")) {
			cur.old_file = argv[++i];
		} else if (!strcmp(a, "--hunks")) {
			cur.hunks = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			fputs(usage, stderr);
			return 2;
		} else if (!v || n == 64) {
			fputs(usage, stderr);
			return 2;
		} else {
			cur.path = a;
			cur.new_file = argv[++i];
			specs[n++] = cur;
			cur = (struct spec){ NULL, NULL, NULL, NULL, 0 };
		}
	}
	if (!n) {
		fputs(usage, stderr);
		return 2;
	}
	if (repo_open(dir, &r, &e) < 0)
		return die(e.msg, "");
	for (i = 0; i < n; i++) {
		char *at = fs_join(r.root, specs[i].path);
		int had;
		buf_init(&olds[i], 0);
		buf_init(&news[i], 0);
		if (specs[i].absent)
			had = 0;
		else if (specs[i].old_file)
			had = slurp(specs[i].old_file, &olds[i]);
		else
			had = slurp(at, &olds[i]);
		free(at);
		files[i].path = specs[i].path;
		files[i].old_text = had ? olds[i].ptr : NULL;
		files[i].old_len = olds[i].len;
		files[i].new_text = NULL;
		files[i].new_len = 0;
		if (strcmp(specs[i].new_file, "-") != 0) {
			struct diff d = DIFF_INIT;
			struct buf want = BUF_INIT;
			unsigned char *ok;
			if (!slurp(specs[i].new_file, &want)) {
				rc = die(specs[i].new_file, "cannot read it");
				goto out;
			}
			if (diff_make(specs[i].path, files[i].old_text, files[i].old_len, want.ptr,
			              want.len, &d, &e) < 0) {
				buf_release(&want);
				rc = die(e.msg, "");
				goto out;
			}
			if (show)
				fwrite(d.patch, 1, d.patch_len, stdout);
			ok = approvals(specs[i].hunks, d.nhunks);
			if (diff_apply_hunks(olds[i].ptr, olds[i].len, d.hunks, d.nhunks, ok,
			                     &news[i], &e) < 0) {
				rc = die(e.msg, "");
				free(ok);
				diff_release(&d);
				buf_release(&want);
				goto out;
			}
			free(ok);
			diff_release(&d);
			buf_release(&want);
			files[i].new_text = news[i].ptr;
			files[i].new_len = news[i].len;
		}
	}
	o.message = message;
	o.git = r.git;
	o.commit = commit;
	o.hook = hook;
	journal = fs_join(r.loom_dir, "undo");
	if (apply_set(r.root, journal, files, (size_t)n, &o, &res, &e) < 0) {
		rc = die(e.msg, "");
	} else {
		printf("applied change set %lu", res.id);
		if (res.commit[0])
			printf(" as commit %s", res.commit);
		printf("\n");
		if (res.warning[0])
			fprintf(stderr, "loom-applytest: warning: %s\n", res.warning);
		rc = 0;
	}
	free(journal);
out:
	for (k = 0; k < (size_t)n; k++) {
		buf_release(&olds[k]);
		buf_release(&news[k]);
	}
	repo_close(&r);
	return rc;
}
