/*
 * repo.c - finding the repository root and the place for Loom's own files.
 *
 * Loom's data lives in ROOT/.loom/, which carries its own .gitignore ("*") so
 * that git never reports it. When ROOT cannot be written (a read-only checkout)
 * the index goes to the user's cache directory under a name derived from the
 * root path, and the user is told where.
 *
 * A sandboxed reader of the repository (the Explorer worker) must also be let
 * into what libgit2 reads outside the root: repo_outside_paths lists it.
 */
#include "context/repo.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/gitx.h"
#include "core/log.h"

static char *cache_dir_for(const char *root)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *base, *dir;
	unsigned long long h = 1469598103934665603ull;
	const char *p, *name = strrchr(root, '/');

	for (p = root; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	if (xdg && *xdg == '/')
		base = xasprintf("%s/loom", xdg);
	else if (home && *home)
		base = xasprintf("%s/.cache/loom", home);
	else
		base = xasprintf("/tmp/loom-cache-%ld", (long)getuid());
	dir = xasprintf("%s/%s-%016llx", base, name && name[1] ? name + 1 : "root", h);
	free(base);
	return dir;
}

static int setup_loom_dir(struct repo *r, struct error *e)
{
	char *ign;
	FILE *f;

	r->conf_dir = fs_join(r->root, ".loom");
	/* mkdir first: two loom processes may race to create it */
	if ((mkdir(r->conf_dir, 0755) == 0 || errno == EEXIST) && fs_is_dir(r->conf_dir) &&
	    access(r->conf_dir, W_OK) == 0) {
		r->loom_dir = xstrdup(r->conf_dir);
		ign = fs_join(r->loom_dir, ".gitignore");
		if (access(ign, F_OK) != 0 && (f = fopen(ign, "w"))) {
			fputs("# written by loom: keep the index out of git\n*\n", f);
			fclose(f);
		}
		free(ign);
	} else {
		r->loom_dir = cache_dir_for(r->root);
		r->in_cache = 1;
		if (fs_mkdir_p(r->loom_dir, 0700, e) < 0)
			return error_prefix(e, "repository is read-only and the cache is unusable");
		log_note("'%s' is read-only; the index is kept in '%s'", r->root, r->loom_dir);
	}
	r->db_path = fs_join(r->loom_dir, "index.db");
	return 0;
}

int repo_open(const char *path, struct repo *r, struct error *e)
{
	char real[PATH_MAX];
	struct stat st;
	int rc;

	*r = (struct repo)REPO_INIT;
	if (stat(path, &st) < 0)
		return error_errno(e, "cannot open repository '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return error_set(e, "'%s' is not a directory", path);
	if (!realpath(path, real))
		return error_errno(e, "cannot resolve '%s'", path);
	gitx_init();
	rc = git_repository_open_ext(&r->git, real, 0, NULL);
	if (rc == 0) {
		const char *wd = git_repository_workdir(r->git);
		size_t n;
		if (!wd) {
			repo_close(r);
			return error_set(e, "'%s' is a bare repository: loom needs a work tree",
			                 path);
		}
		r->root = xstrdup(wd);
		n = strlen(r->root);
		while (n > 1 && r->root[n - 1] == '/')
			r->root[--n] = '\0';
	} else if (rc == GIT_ENOTFOUND) {
		r->git = NULL;
		r->root = xstrdup(real);
	} else {
		gitx_error(e, "cannot open the git repository");
		repo_close(r);
		return -1;
	}
	if (setup_loom_dir(r, e) < 0) {
		repo_close(r);
		return -1;
	}
	return 0;
}

void repo_close(struct repo *r)
{
	if (r->git)
		git_repository_free(r->git);
	free(r->root);
	free(r->loom_dir);
	free(r->db_path);
	free(r->conf_dir);
	*r = (struct repo)REPO_INIT;
}

struct paths {
	char **v;
	size_t n, cap;
};

static void add_outside(struct paths *p, const struct repo *r, const char *path, size_t len)
{
	size_t rlen = strlen(r->root);

	if (!len || (!strncmp(path, r->root, rlen) && (path[rlen] == '/' || !path[rlen])))
		return;
	XGROW(p->v, p->cap, p->n + 1);
	p->v[p->n++] = xstrndup(path, len);
}

char **repo_outside_paths(const struct repo *r, size_t *n)
{
	static int (*const find[])(git_buf *) = { git_config_find_system, git_config_find_global,
		                                  git_config_find_xdg };
	static const char *const keys[] = { "core.excludesfile", "core.attributesfile" };
	struct paths p = { NULL, 0, 0 };
	git_buf b = { 0 };
	git_config *cfg;
	const char *s, *sep;
	size_t i;

	gitx_init();
	if (r->git) {
		s = git_repository_path(r->git);
		add_outside(&p, r, s, strlen(s));
		s = git_repository_commondir(r->git);
		add_outside(&p, r, s, strlen(s));
		if (git_repository_config_snapshot(&cfg, r->git) == 0) {
			for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				if (git_config_get_path(&b, cfg, keys[i]) == 0)
					add_outside(&p, r, b.ptr, b.size);
				git_buf_dispose(&b);
			}
			git_config_free(cfg);
		}
	}
	for (i = 0; i < sizeof(find) / sizeof(find[0]); i++) {
		if (find[i](&b) == 0)
			add_outside(&p, r, b.ptr, b.size);
		git_buf_dispose(&b);
	}
	if (git_libgit2_opts(GIT_OPT_GET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, &b) == 0) {
		for (s = b.ptr; s && *s; s = sep ? sep + 1 : NULL) {
			sep = strchr(s, GIT_PATH_LIST_SEPARATOR);
			add_outside(&p, r, s, sep ? (size_t)(sep - s) : strlen(s));
		}
	}
	git_buf_dispose(&b);
	git_error_clear();
	*n = p.n;
	return p.v;
}
