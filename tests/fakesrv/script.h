/* script.h - the fake server's canned chat replies (*.reply files) and their checks. */
#ifndef LOOM_FAKESRV_SCRIPT_H
#define LOOM_FAKESRV_SCRIPT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/error.h"

enum fault_kind {
	FAULT_NONE,
	FAULT_DRIP,
	FAULT_STALL,
	FAULT_PING,
	FAULT_HTTP,
	FAULT_TRUNCATE,
	FAULT_MALFORMED,
	FAULT_ERROR,
	FAULT_OVERFLOW,
	FAULT_RESET,
};

struct fault {
	enum fault_kind kind;
	long ms;          /* drip, stall, ping */
	long n;           /* token chunks sent first: stall, truncate, malformed, error, reset */
	long count;       /* ping */
	int code;         /* http */
	long retry_after; /* http: -1 = no Retry-After header */
	int clean;        /* truncate: end the HTTP body properly */
};

enum expect_op { EXPECT_EQ, EXPECT_CONTAINS, EXPECT_EXISTS, EXPECT_ABSENT };

struct expect {
	char *path;
	enum expect_op op;
	cJSON *value; /* EXPECT_EQ, EXPECT_CONTAINS */
	char *what;   /* the header's value as written, for messages */
};

struct reply {
	char *name; /* file name, no directory */
	char *text; /* the reply text, NUL-terminated */
	size_t len;
	struct fault fault;
	struct expect *expects;
	size_t nexpects, cap;
	int has_usage;
	long prompt, completion, cached;
};

struct script {
	struct reply *replies; /* sorted by name */
	size_t n, cap;
	size_t next; /* the next reply to hand out */
};
#define SCRIPT_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

/*
 * Loads every DIR/ *.reply file, in strcmp order of their names. Fails with -1
 * (naming the file and line) when one cannot be read or parsed; s is then
 * still safe to release.
 */
int script_load(struct script *s, const char *dir, struct error *e);
/* Parses one reply file's contents into r (zeroed by the caller); -1 on a syntax error. */
int script_parse(struct reply *r, const char *name, const char *data, size_t len, struct error *e);
/* The next reply, owned by s, or NULL when the script is exhausted. */
const struct reply *script_next(struct script *s);
/*
 * Checks r's expectations against a request body. Returns 0 when all hold;
 * -1 when some fail, with one "PATH OP VALUE (got ACTUAL)" per failure,
 * separated by "; ", appended to why.
 */
int script_check(const struct reply *r, const cJSON *body, struct buf *why);
/* The value at path ("messages[0].role", "stop[-1]") in root, or NULL. */
const cJSON *script_lookup(const cJSON *root, const char *path);
void script_reply_release(struct reply *r);
void script_release(struct script *s);

#endif
