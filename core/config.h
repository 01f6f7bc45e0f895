/* config.h - Loom's settings: defaults < user file < repository file < environment < flags. */
#ifndef LOOM_CONFIG_H
#define LOOM_CONFIG_H

#include "core/error.h"

enum config_key {
	CONF_ENDPOINT,    /* model server URL */
	CONF_API,         /* auto, llamacpp, ollama, openai */
	CONF_MODEL,       /* model name (Ollama, OpenAI) */
	CONF_API_KEY_ENV, /* name of the environment variable holding the API key */
	CONF_CONTEXT,     /* context tokens: Ollama's num_ctx; assumed when a server does not say */
	CONF_MAX_TOKENS,  /* hard cap on generated tokens per call */
	CONF_TEMPERATURE, /* sampling temperature */
	CONF_SEED,        /* sampling seed */
	CONF_CONNECT_TIMEOUT, /* seconds to wait for a connection */
	CONF_STALL_TIMEOUT,   /* seconds without a byte before a stream is declared dead */
	CONF_RETRIES,         /* retries on 429 and 503 */
	CONF_EDIT_FORMAT,     /* the Coder's edit format: auto, search-replace, whole */
	CONF_CHECK,           /* the command that checks a change (/test), e.g. "make test" */
	CONF_THEME,           /* the terminal interface's theme: a name or a file's path */
	CONF_KEYS,            /* key bindings: "ACTION=KEY ..." (README, Keys) */
	CONF_ROUTES,          /* error class -> model and LoRA adapters (agents/route.h) */
	CONF_CHECK_RETRIES,   /* proposals that fail the check, fed back per step */
	CONF_CONTEXT_BUDGET,  /* tokens of repository context per step, at most (0: what fits) */
	CONF_RULES,           /* a rule-weights file used instead of .loom/rules */
	CONF_PROMPTS, /* a directory of NAME.txt prompts used instead of the built-in ones */
	CONF__COUNT
};

enum config_source {
	CONF_FROM_DEFAULT,
	CONF_FROM_USER,
	CONF_FROM_REPO,
	CONF_FROM_ENV,
	CONF_FROM_FLAG
};

struct config {
	char *val[CONF__COUNT]; /* current value, owned; never NULL after config_init */
	enum config_source src[CONF__COUNT]; /* where it came from */
	char *where[CONF__COUNT]; /* "file:line" or the variable name; owned, may be NULL */
};

/* Fills c with the documented defaults. */
void config_init(struct config *c);
void config_release(struct config *c);

/* The key's name as written in files ("endpoint"), its environment variable or NULL. */
const char *config_name(enum config_key k);
const char *config_env_name(enum config_key k);
const char *config_source_name(enum config_source s);
/* Returns the key with this name, or -1. */
int config_find(const char *name);

/*
 * Sets a value after checking it (a URL for endpoint, one of the API names,
 * numbers in range). -1 with e set when the value is bad; c is unchanged then.
 */
int config_set(struct config *c, enum config_key k, const char *value, enum config_source src,
               const char *where, struct error *e);
/*
 * Reads "key = value" lines ('#' comments) from path. A missing file is not an
 * error. A bad line is reported as a warning naming the file and line, and
 * ignored; returns the number of such lines.
 */
int config_load_file(struct config *c, const char *path, enum config_source src);
/* Applies LOOM_ENDPOINT, LOOM_API, LOOM_MODEL and the other LOOM_* variables. */
int config_load_env(struct config *c);
/*
 * The whole chain below flags: defaults, $XDG_CONFIG_HOME/loom/config (else
 * ~/.config/loom/config), then repo_conf_dir/config when repo_conf_dir is not
 * NULL, then the environment. Returns the number of bad lines and values seen.
 */
int config_load(struct config *c, const char *repo_conf_dir);
/*
 * Sets key k to value in the settings file at path (created when missing):
 * its first "k = ..." line is replaced and later ones dropped, every other
 * line kept as it is; written through a temporary file and a rename. The
 * value is checked as config_set does. -1 with e set on a bad value or a
 * write error (the file is then untouched).
 */
int config_write_key(const char *path, enum config_key k, const char *value, struct error *e);
/* The user's configuration file path; the caller frees it. */
char *config_user_path(void);

const char *config_get(const struct config *c, enum config_key k);
long config_long(const struct config *c, enum config_key k);
double config_double(const struct config *c, enum config_key k);

#endif
