/*
 * gitx.c - the one place libgit2 is initialized, and its error reporting.
 *
 * libgit2 keeps a per-thread last error; gitx_error() copies it into the
 * caller's struct error so it survives later libgit2 calls.
 */
#include "core/gitx.h"

#include <pthread.h>

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void git_init_once(void)
{
	git_libgit2_init();
	/* loom only reads the object database; verification is git's business */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

void gitx_init(void)
{
	pthread_once(&git_once, git_init_once);
}

int gitx_error(struct error *e, const char *what)
{
	const git_error *ge = git_error_last();
	return error_set(e, "%s: %s", what, ge && ge->message ? ge->message : "unknown git error");
}

int gitx_commit_all(const char *dir, const char *message, struct error *e)
{
	git_repository *git = NULL;
	git_index *idx = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid tree_id, commit_id;
	int rc = -1;

	gitx_init();
	if (git_repository_init(&git, dir, 0) < 0) {
		gitx_error(e, "cannot make a git repository");
		goto out;
	}
	if (git_repository_index(&idx, git) < 0 ||
	    git_index_add_all(idx, NULL, GIT_INDEX_ADD_DEFAULT, NULL, NULL) < 0 ||
	    git_index_write(idx) < 0 || git_index_write_tree(&tree_id, idx) < 0 ||
	    git_tree_lookup(&tree, git, &tree_id) < 0) {
		gitx_error(e, "cannot add the files to git");
		goto out;
	}
	if (git_signature_default(&sig, git) < 0 &&
	    git_signature_now(&sig, "loom", "loom@localhost") < 0) {
		gitx_error(e, "cannot make a git signature");
		goto out;
	}
	if (git_commit_create_v(&commit_id, git, "HEAD", sig, sig, NULL, message, tree, 0) < 0) {
		gitx_error(e, "cannot commit");
		goto out;
	}
	rc = 0;
out:
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
	git_repository_free(git);
	return rc;
}
