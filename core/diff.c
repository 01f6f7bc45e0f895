/*
 * diff.c - a proposal for one file (path, old text, new text) as hunks.
 *
 * libgit2's xdiff does the diffing (git_diff_buffers, forced to text, three
 * lines of context); its callbacks hand over hunks and then their lines in
 * order. Each line is copied, bytes and newline included, into one byte
 * array, and each hunk records the run of lines that belongs to it; the
 * pointers in struct diff_line and struct diff_hunk are set once everything
 * is copied, because the arrays move while they grow. libgit2's "no newline
 * at end of file" pseudo-lines are dropped: a line's bytes already say
 * whether it ends in '\n', and the patch text adds the marker from that.
 *
 * Invariants: hunks are in file order and never share an old line (xdiff
 * merges hunks whose context would touch); the ' ' and '-' lines of a hunk
 * are, in order, old lines old_start.. of the old text, byte for byte, and the
 * ' ' and '+' lines are the new text's. So concatenating the old text between
 * hunks with either side of each hunk rebuilds a file exactly, which is all
 * diff_apply_hunks() does, checking the old side as it goes.
 */
#include "core/diff.h"

#include <stdlib.h>
#include <string.h>

#include "core/gitx.h"

/* A line while the diff is built: its bytes are bytes.ptr[off..off+len). */
struct bline {
	char origin;
	size_t off, len;
};

struct bhunk {
	git_diff_hunk h;
	size_t first, n; /* its lines in the builder's array */
};

struct builder {
	struct buf bytes;
	struct bline *lines;
	size_t nlines, lcap;
	struct bhunk *hunks;
	size_t nhunks, hcap;
};

static int on_hunk(const git_diff_delta *delta, const git_diff_hunk *hunk, void *payload)
{
	struct builder *b = payload;
	struct bhunk *h;

	(void)delta;
	XGROW(b->hunks, b->hcap, b->nhunks + 1);
	h = &b->hunks[b->nhunks++];
	h->h = *hunk;
	h->first = b->nlines;
	h->n = 0;
	return 0;
}

static int on_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
                   const git_diff_line *line, void *payload)
{
	struct builder *b = payload;
	struct bline *l;

	(void)delta;
	(void)hunk;
	if (line->origin != GIT_DIFF_LINE_CONTEXT && line->origin != GIT_DIFF_LINE_ADDITION &&
	    line->origin != GIT_DIFF_LINE_DELETION)
		return 0;
	if (!b->nhunks)
		return -1;
	XGROW(b->lines, b->lcap, b->nlines + 1);
	l = &b->lines[b->nlines++];
	l->origin = line->origin;
	l->off = b->bytes.len;
	l->len = line->content_len;
	buf_add(&b->bytes, line->content, line->content_len);
	b->hunks[b->nhunks - 1].n++;
	return 0;
}

static void add_patch_line(struct buf *p, char origin, const char *text, size_t len)
{
	buf_addch(p, origin);
	buf_add(p, text, len);
	if (!len || text[len - 1] != '\n')
		buf_adds(p, "\n\\ No newline at end of file\n");
}

/* Turns the builder into d: pointers into the final arrays, the patch text. */
static void finish(struct builder *b, struct diff *d)
{
	struct buf patch = BUF_INIT;
	size_t i, j, hl;

	d->bytes = buf_detach(&b->bytes, NULL);
	d->line_n = b->nlines;
	d->line_v = xcalloc(b->nlines ? b->nlines : 1, sizeof(*d->line_v));
	for (i = 0; i < b->nlines; i++) {
		d->line_v[i].origin = b->lines[i].origin;
		d->line_v[i].text = d->bytes + b->lines[i].off;
		d->line_v[i].len = b->lines[i].len;
	}
	d->nhunks = b->nhunks;
	d->hunks = xcalloc(b->nhunks ? b->nhunks : 1, sizeof(*d->hunks));
	for (i = 0; i < b->nhunks; i++) {
		struct diff_hunk *h = &d->hunks[i];
		const git_diff_hunk *g = &b->hunks[i].h;
		h->old_start = g->old_start;
		h->old_lines = g->old_lines;
		h->new_start = g->new_start;
		h->new_lines = g->new_lines;
		hl = strnlen(g->header, g->header_len);
		while (hl && (g->header[hl - 1] == '\n' || g->header[hl - 1] == '\r'))
			hl--;
		h->header = xstrndup(g->header, hl);
		h->lines = d->line_v + b->hunks[i].first;
		h->nlines = b->hunks[i].n;
	}
	if (d->nhunks || d->created || d->deleted) {
		if (d->created)
			buf_adds(&patch, "--- /dev/null\n");
		else
			buf_addf(&patch, "--- a/%s\n", d->path);
		if (d->deleted)
			buf_adds(&patch, "+++ /dev/null\n");
		else
			buf_addf(&patch, "+++ b/%s\n", d->path);
	}
	for (i = 0; i < d->nhunks; i++) {
		buf_addf(&patch, "%s\n", d->hunks[i].header);
		for (j = 0; j < d->hunks[i].nlines; j++) {
			const struct diff_line *l = &d->hunks[i].lines[j];
			add_patch_line(&patch, l->origin, l->text, l->len);
		}
	}
	d->patch = buf_detach(&patch, &d->patch_len);
}

int diff_make(const char *path, const char *old_text, size_t old_len, const char *new_text,
              size_t new_len, struct diff *out, struct error *e)
{
	git_diff_options opts;
	struct builder b = { BUF_INIT, NULL, 0, 0, NULL, 0, 0 };
	int rc;

	*out = (struct diff)DIFF_INIT;
	gitx_init();
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.context_lines = DIFF_CONTEXT;
	opts.flags = GIT_DIFF_FORCE_TEXT | GIT_DIFF_INDENT_HEURISTIC;
	rc = git_diff_buffers(old_text, old_text ? old_len : 0, path, new_text,
	                      new_text ? new_len : 0, path, &opts, NULL, NULL, on_hunk, on_line,
	                      &b);
	if (rc != 0) {
		buf_release(&b.bytes);
		free(b.lines);
		free(b.hunks);
		if (rc < 0)
			return gitx_error(e, "cannot diff the proposal");
		return error_set(e, "cannot diff the proposal for '%s'", path);
	}
	out->path = xstrdup(path);
	out->created = old_text == NULL;
	out->deleted = new_text == NULL;
	finish(&b, out);
	buf_release(&b.bytes);
	free(b.lines);
	free(b.hunks);
	return 0;
}

/* The end of the line starting at pos: past its '\n', or n. */
static size_t line_end(const char *t, size_t n, size_t pos)
{
	const char *nl = memchr(t + pos, '\n', n - pos);
	return nl ? (size_t)(nl - t) + 1 : n;
}

int diff_apply_hunks(const char *old_text, size_t n, const struct diff_hunk *hunks, size_t nhunks,
                     const unsigned char *approved, struct buf *out, struct error *e)
{
	size_t start_len = out->len, pos = 0, i, j;
	long line = 1; /* the old line at pos */

	for (i = 0; i < nhunks; i++) {
		const struct diff_hunk *h = &hunks[i];
		int take = !approved || approved[i];
		long first = h->old_lines ? h->old_start : (long)h->old_start + 1;
		int olds = 0, news = 0;

		if (first < line || h->old_start < 0 || h->old_lines < 0) {
			error_set(e, "hunk %zu overlaps the one before it", i + 1);
			goto fail;
		}
		while (line < first) {
			size_t end;
			if (pos >= n) {
				error_set(e, "hunk %zu starts past the end of the old text", i + 1);
				goto fail;
			}
			end = line_end(old_text, n, pos);
			buf_add(out, old_text + pos, end - pos);
			pos = end;
			line++;
		}
		for (j = 0; j < h->nlines; j++) {
			const struct diff_line *l = &h->lines[j];
			if (l->origin == ' ' || l->origin == '-') {
				if (pos >= n || line_end(old_text, n, pos) - pos != l->len ||
				    memcmp(old_text + pos, l->text, l->len) != 0) {
					error_set(
					        e,
					        "hunk %zu does not match the old text at line %ld",
					        i + 1, line);
					goto fail;
				}
				pos += l->len;
				line++;
				olds++;
			}
			if (l->origin == ' ' || l->origin == '+')
				news++;
			if (l->origin == ' ' || (l->origin == '-' && !take) ||
			    (l->origin == '+' && take))
				buf_add(out, l->text, l->len);
		}
		if (olds != h->old_lines || news != h->new_lines) {
			error_set(e,
			          "hunk %zu has %d old and %d new lines, its header says %d and %d",
			          i + 1, olds, news, h->old_lines, h->new_lines);
			goto fail;
		}
	}
	if (pos < n)
		buf_add(out, old_text + pos, n - pos);
	return 0;
fail:
	buf_setlen(out, start_len);
	return -1;
}

void diff_release(struct diff *d)
{
	size_t i;

	for (i = 0; i < d->nhunks; i++)
		free(d->hunks[i].header);
	free(d->hunks);
	free(d->path);
	free(d->patch);
	free(d->line_v);
	free(d->bytes);
	*d = (struct diff)DIFF_INIT;
}
