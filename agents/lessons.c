/*
 * lessons.c - the repository's lessons (see lessons.h).
 */
#define _GNU_SOURCE
#include "agents/lessons.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agents/prompts.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/model.h"
#include "core/utf8.h"
#include "core/xalloc.h"

static const char header[] =
        "# Lessons Loom learned in this repository, from changes that failed the check\n"
        "# and then passed. The model is given them (newest first, within a small\n"
        "# budget). Edit freely: one \"- \" line per lesson, its \"from:\" line below it.\n"
        "# Delete a lesson to forget it.\n";

char *lessons_path(const char *loom_dir)
{
	return fs_join(loom_dir, "lessons");
}

void lessons_release(struct lessons *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].rule);
		free(l->v[i].from);
	}
	free(l->v);
	*l = (struct lessons)LESSONS_INIT;
}

int lessons_load(struct lessons *l, const char *loom_dir, struct error *e)
{
	char *path = lessons_path(loom_dir), *p, *nl;
	struct buf b = BUF_INIT;

	*l = (struct lessons)LESSONS_INIT;
	if (access(path, F_OK) < 0) {
		free(path);
		return 0;
	}
	if (fs_read_file(path, 1 << 20, &b, e) < 0) {
		free(path);
		return -1;
	}
	free(path);
	for (p = b.ptr; p && *p; p = nl ? nl + 1 : NULL) {
		char *q;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (p[0] == '-' && p[1] == ' ') {
			q = p + 2;
			while (*q == ' ' || *q == '\t')
				q++;
			if (!*q)
				continue;
			XGROW(l->v, l->cap, l->n + 1);
			l->v[l->n].rule = utf8_sanitize(q, strlen(q));
			l->v[l->n].from = NULL;
			l->n++;
		} else if (l->n && (p[0] == ' ' || p[0] == '\t')) {
			q = p;
			while (*q == ' ' || *q == '\t')
				q++;
			if (!strncmp(q, "from:", 5) && !l->v[l->n - 1].from) {
				q += 5;
				while (*q == ' ')
					q++;
				l->v[l->n - 1].from = utf8_sanitize(q, strlen(q));
			}
		}
	}
	buf_release(&b);
	return 0;
}

/* Whether a and b are the same rule, ignoring case, blanks and a final period. */
static int same(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t' || *a == '.')
			a++;
		while (*b == ' ' || *b == '\t' || *b == '.')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
}

/* One line: newlines and tabs become spaces, at most LESSON_MAX bytes. */
static char *one_line(const char *s)
{
	char *r = utf8_sanitize(s, strlen(s)), *p;
	size_t n;

	for (p = r; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	n = strlen(r);
	if (n > LESSON_MAX) {
		n = LESSON_MAX;
		while (n && ((unsigned char)r[n] & 0xc0) == 0x80)
			n--;
		r[n] = '\0';
	}
	return r;
}

int lessons_add(const char *loom_dir, const char *rule, const char *from, struct error *e)
{
	struct lessons l;
	char *path, *r, *f;
	size_t i;
	int fd, fresh, rc = 1;
	struct buf b = BUF_INIT;

	if (lessons_load(&l, loom_dir, e) < 0)
		return -1;
	r = one_line(rule);
	for (i = 0; i < l.n && *r; i++)
		if (same(l.v[i].rule, r)) {
			lessons_release(&l);
			free(r);
			return 0;
		}
	lessons_release(&l);
	f = one_line(from ? from : "");
	path = lessons_path(loom_dir);
	fresh = access(path, F_OK) < 0;
	if (fresh)
		buf_adds(&b, header);
	/* an empty rule only makes the file, for a user about to write one */
	if (*r) {
		buf_addf(&b, "- %s\n", r);
		if (*f)
			buf_addf(&b, "  from: %s\n", f);
	} else {
		rc = 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (b.len && (fd < 0 || write(fd, b.ptr, b.len) != (ssize_t)b.len))
		rc = error_errno(e, "cannot write %s", path);
	if (fd >= 0)
		close(fd);
	buf_release(&b);
	free(path);
	free(r);
	free(f);
	return rc;
}

char *lessons_prompt(const struct lessons *l, size_t budget)
{
	struct buf b = BUF_INIT;
	size_t i, used;
	static const char head[] = "Lessons learned in this repository (follow them):\n";

	if (!l->n)
		return NULL;
	buf_adds(&b, head);
	used = model_estimate_tokens(strlen(head));
	for (i = l->n; i-- > 0;) {
		size_t t = model_estimate_tokens(strlen(l->v[i].rule) + 3);
		if (used + t > budget)
			break;
		buf_addf(&b, "- %s\n", l->v[i].rule);
		used += t;
	}
	if (b.len == strlen(head)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

int lesson_distill(struct model *m, const struct role_io *io, const char *error, const char *failed,
                   const char *fixed, char **rule, struct error *e)
{
	struct buf user = BUF_INIT;
	struct model_msg msgs[2];
	struct model_request req = { 0 };
	struct model_reply r = MODEL_REPLY_INIT;
	char *s, *p;
	int rc;

	*rule = NULL;
	buf_addf(
	        &user,
	        "The error:\n%s\n\nThe change that caused it:\n%s\n\nThe change that passed:\n%s\n",
	        error, failed, fixed);
	msgs[0] = (struct model_msg){ "system", prompt_get("lesson") };
	msgs[1] = (struct model_msg){ "user", user.ptr };
	req.msgs = msgs;
	req.nmsgs = 2;
	role_request(&req, io);
	req.max_tokens = 80; /* one short line */
	rc = model_chat(m, &req, &r, e);
	buf_release(&user);
	if (rc < 0) {
		buf_release(&r.text);
		return -1;
	}
	/* the first non-empty line, without list marks or quotes */
	s = r.text.ptr ? r.text.ptr : "";
	while (*s == '\n' || *s == ' ' || *s == '-' || *s == '*' || *s == '"')
		s++;
	p = strchr(s, '\n');
	if (p)
		*p = '\0';
	for (p = s + strlen(s); p > s && (p[-1] == ' ' || p[-1] == '"' || p[-1] == '\r'); p--)
		p[-1] = '\0';
	if (!*s) {
		buf_release(&r.text);
		return error_set(e, "the model gave no rule");
	}
	*rule = one_line(s);
	buf_release(&r.text);
	return 0;
}
