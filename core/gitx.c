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
