/*
 * config.c - one table of settings, filled from files, the environment and flags.
 *
 * Every setting is a string checked when it is set, so a bad value never
 * replaces a good one: a bad line in a file is a warning naming the file and
 * line, a bad environment variable names the variable, a bad flag is a usage
 * error for the caller. Later sources override earlier ones: defaults, the
 * user's file, the repository's .loom/config, LOOM_* variables, flags.
 * The API key itself is never stored here, only the name of the variable that
 * holds it (api_key_env), so no configuration file ever contains a secret.
 */
#include "core/config.h"

#include <ctype.h>
#include <fcntl.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/kv.h"
#include "core/log.h"
#include "core/xalloc.h"

enum value_kind { V_URL, V_API, V_TEXT, V_ENVNAME, V_INT, V_NUM, V_EDIT };

static const struct {
	const char *name;
	const char *env;
	const char *def;
	enum value_kind kind;
	double lo, hi; /* for numbers */
} keys[CONF__COUNT] = {
	[CONF_ENDPOINT] = { "endpoint", "LOOM_ENDPOINT", "http://127.0.0.1:8080", V_URL, 0, 0 },
	[CONF_API] = { "api", "LOOM_API", "auto", V_API, 0, 0 },
	[CONF_MODEL] = { "model", "LOOM_MODEL", "", V_TEXT, 0, 0 },
	[CONF_API_KEY_ENV] = { "api_key_env", "LOOM_API_KEY_ENV", "", V_ENVNAME, 0, 0 },
	[CONF_CONTEXT] = { "context", "LOOM_CONTEXT", "8192", V_INT, 256, 10000000 },
	[CONF_MAX_TOKENS] = { "max_tokens", "LOOM_MAX_TOKENS", "1024", V_INT, 1, 1000000 },
	[CONF_TEMPERATURE] = { "temperature", "LOOM_TEMPERATURE", "0.2", V_NUM, 0, 2 },
	[CONF_SEED] = { "seed", "LOOM_SEED", "42", V_INT, 0, 4294967295.0 },
	[CONF_CONNECT_TIMEOUT] = { "connect_timeout", "LOOM_CONNECT_TIMEOUT", "5", V_NUM, 0.1,
	                           600 },
	[CONF_STALL_TIMEOUT] = { "stall_timeout", "LOOM_STALL_TIMEOUT", "75", V_NUM, 0.1, 86400 },
	[CONF_RETRIES] = { "retries", "LOOM_RETRIES", "3", V_INT, 0, 20 },
	[CONF_EDIT_FORMAT] = { "edit_format", "LOOM_EDIT_FORMAT", "auto", V_EDIT, 0, 0 },
	[CONF_CHECK] = { "check", "LOOM_CHECK", "", V_TEXT, 0, 0 },
	[CONF_THEME] = { "theme", "LOOM_THEME", "dark", V_TEXT, 0, 0 },
	[CONF_KEYS] = { "keys", "LOOM_KEYS", "", V_TEXT, 0, 0 },
	[CONF_ROUTES] = { "routes", "LOOM_ROUTES", "", V_TEXT, 0, 0 },
	[CONF_CHECK_RETRIES] = { "check_retries", "LOOM_CHECK_RETRIES", "2", V_INT, 0, 10 },
	[CONF_CONTEXT_BUDGET] = { "context_budget", "LOOM_CONTEXT_BUDGET", "0", V_INT, 0,
	                          10000000 },
	[CONF_RULES] = { "rules", "LOOM_RULES", "", V_TEXT, 0, 0 },
	[CONF_PROMPTS] = { "prompts", "LOOM_PROMPTS", "", V_TEXT, 0, 0 },
};

static const char *const api_names[] = { "auto", "llamacpp", "ollama", "openai" };
static const char *const edit_names[] = { "auto", "search-replace", "whole" };

const char *config_name(enum config_key k)
{
	return keys[k].name;
}
const char *config_env_name(enum config_key k)
{
	return keys[k].env;
}

const char *config_source_name(enum config_source s)
{
	static const char *const names[] = {
		[CONF_FROM_DEFAULT] = "default",        [CONF_FROM_USER] = "user config",
		[CONF_FROM_REPO] = "repository config", [CONF_FROM_ENV] = "environment",
		[CONF_FROM_FLAG] = "command line",
	};
	return names[s];
}

int config_find(const char *name)
{
	int i;

	for (i = 0; i < CONF__COUNT; i++)
		if (!strcmp(keys[i].name, name))
			return i;
	return -1;
}

void config_init(struct config *c)
{
	int i;

	for (i = 0; i < CONF__COUNT; i++) {
		c->val[i] = xstrdup(keys[i].def);
		c->src[i] = CONF_FROM_DEFAULT;
		c->where[i] = NULL;
	}
}

void config_release(struct config *c)
{
	int i;

	for (i = 0; i < CONF__COUNT; i++) {
		free(c->val[i]);
		free(c->where[i]);
		c->val[i] = c->where[i] = NULL;
	}
}

static int check_value(enum config_key k, const char *v, struct error *e)
{
	size_t i;
	char *end;
	double d;

	switch (keys[k].kind) {
	case V_URL:
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			return error_set(e, "%s: '%s' is not an http:// or https:// URL",
			                 keys[k].name, v);
		for (i = 0; v[i]; i++)
			if ((unsigned char)v[i] <= ' ')
				return error_set(e, "%s: '%s' has a space or control character",
				                 keys[k].name, v);
		return 0;
	case V_API:
		for (i = 0; i < sizeof(api_names) / sizeof(api_names[0]); i++)
			if (!strcmp(v, api_names[i]))
				return 0;
		return error_set(e, "%s: '%s' is not one of auto, llamacpp, ollama, openai",
		                 keys[k].name, v);
	case V_EDIT:
		for (i = 0; i < sizeof(edit_names) / sizeof(edit_names[0]); i++)
			if (!strcmp(v, edit_names[i]))
				return 0;
		return error_set(e, "%s: '%s' is not one of auto, search-replace, whole",
		                 keys[k].name, v);
	case V_ENVNAME:
		for (i = 0; v[i]; i++)
			if (!(isalnum((unsigned char)v[i]) || v[i] == '_'))
				return error_set(e, "%s: '%s' is not an environment variable name",
				                 keys[k].name, v);
		return 0;
	case V_TEXT:
		for (i = 0; v[i]; i++)
			if ((unsigned char)v[i] < ' ')
				return error_set(e, "%s: control characters are not allowed",
				                 keys[k].name);
		return 0;
	case V_INT:
	case V_NUM:
		errno = 0;
		d = strtod(v, &end);
		if (end == v || *end || errno || !isfinite(d) || d < keys[k].lo || d > keys[k].hi ||
		    (keys[k].kind == V_INT && d != floor(d)))
			return error_set(e, "%s: '%s' is not a%s number from %g to %g",
			                 keys[k].name, v, keys[k].kind == V_INT ? " whole" : "",
			                 keys[k].lo, keys[k].hi);
		return 0;
	}
	return 0;
}

int config_set(struct config *c, enum config_key k, const char *value, enum config_source src,
               const char *where, struct error *e)
{
	if (check_value(k, value, e) < 0)
		return -1;
	free(c->val[k]);
	free(c->where[k]);
	c->val[k] = xstrdup(value);
	c->src[k] = src;
	c->where[k] = where ? xstrdup(where) : NULL;
	return 0;
}

struct file_ctx {
	struct config *c;
	enum config_source src;
};

static int config_line(void *ctx, const char *path, int lineno, const char *name, const char *val)
{
	struct file_ctx *f = ctx;
	struct error e = ERROR_INIT;
	char where[32];
	int k = config_find(name);

	if (k < 0) {
		log_warn("%s:%d: unknown setting '%s'; line ignored", path, lineno, name);
		return -1;
	}
	snprintf(where, sizeof(where), "line %d", lineno);
	if (config_set(f->c, (enum config_key)k, val, f->src, where, &e) < 0) {
		log_warn("%s:%d: %s; line ignored", path, lineno, e.msg);
		return -1;
	}
	return 0;
}

int config_load_file(struct config *c, const char *path, enum config_source src)
{
	struct file_ctx ctx = { c, src };
	return kv_read(path, config_line, &ctx);
}

int config_load_env(struct config *c)
{
	int i, bad = 0;

	for (i = 0; i < CONF__COUNT; i++) {
		const char *v = getenv(keys[i].env);
		struct error e = ERROR_INIT;
		if (!v || !*v)
			continue;
		if (config_set(c, (enum config_key)i, v, CONF_FROM_ENV, keys[i].env, &e) < 0) {
			log_warn("%s: %s; ignored", keys[i].env, e.msg);
			bad++;
		}
	}
	return bad;
}

char *config_user_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		return xasprintf("%s/loom/config", xdg);
	return xasprintf("%s/.config/loom/config", home && *home ? home : "");
}

int config_load(struct config *c, const char *repo_conf_dir)
{
	char *user = config_user_path();
	int bad = config_load_file(c, user, CONF_FROM_USER);

	free(user);
	if (repo_conf_dir) {
		char *repo = xasprintf("%s/config", repo_conf_dir);
		bad += config_load_file(c, repo, CONF_FROM_REPO);
		free(repo);
	}
	return bad + config_load_env(c);
}

const char *config_get(const struct config *c, enum config_key k)
{
	return c->val[k];
}

long config_long(const struct config *c, enum config_key k)
{
	return (long)strtod(c->val[k], NULL);
}

double config_double(const struct config *c, enum config_key k)
{
	return strtod(c->val[k], NULL);
}

int config_write_key(const char *path, enum config_key k, const char *value, struct error *e)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	const char *p, *name = keys[k].name;
	char *tmp;
	int fd, done = 0, rc = 0;

	if (check_value(k, value, e) < 0)
		return -1;
	if (access(path, F_OK) == 0 && fs_read_file(path, 1 << 20, &in, e) < 0)
		return -1;
	/* the key's first line is replaced, later ones dropped; the rest stays as it is */
	for (p = in.ptr; p && *p;) {
		const char *nl = strchr(p, '\n'), *q = p;
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p), n = strlen(name);
		while (*q == ' ' || *q == '\t')
			q++;
		if (!strncmp(q, name, n) && (q[n] == ' ' || q[n] == '\t' || q[n] == '=')) {
			const char *r = q + n;
			while (*r == ' ' || *r == '\t')
				r++;
			if (*r == '=') {
				if (!done)
					buf_addf(&out, "%s = %s\n", name, value);
				done = 1;
				p += len;
				continue;
			}
		}
		buf_add(&out, p, len);
		if (!nl)
			buf_addch(&out, '\n');
		p += len;
	}
	if (!done)
		buf_addf(&out, "%s = %s\n", name, value);
	tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, out.ptr, out.len) != (ssize_t)out.len || fsync(fd) < 0 ||
	    close(fd) < 0 || rename(tmp, path) < 0) {
		rc = error_errno(e, "cannot write %s", path);
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	free(tmp);
	buf_release(&in);
	buf_release(&out);
	return rc;
}
