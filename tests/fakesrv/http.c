/*
 * http.c - just enough HTTP/1.1 for a test server: read one request, answer it,
 * close the connection.
 *
 * A request is read into one buffer (struct reader) with a single deadline for
 * the whole request, so a client that stalls mid-request gets 408 instead of
 * holding the sequential server forever. Bodies come by Content-Length or
 * chunked transfer coding (decoded into req->body); "Expect: 100-continue" is
 * honoured. Responses always carry "Connection: close"; bodies are either
 * Content-Length or chunked (streams). Every blocking call also ends when the
 * signal handler sets http_stop, which is how the server shuts down promptly.
 */
#include "tests/fakesrv/http.h"

#include <ctype.h>
#include <linux/sockios.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/fs.h"

#define HTTP_MAX_HEAD  (64 * 1024)       /* request line plus headers */
#define HTTP_MAX_BODY  (8 * 1024 * 1024) /* decoded body */
#define HTTP_MAX_LINES 200               /* header lines, chunked trailers included */

volatile sig_atomic_t http_stop;

/*
 * Milliseconds to wait for at most ns nanoseconds, in slices of 250 ms: a signal
 * that lands between the check of http_stop and the wait delays the exit by
 * one slice at most.
 */
static int slice(uint64_t ns)
{
	uint64_t ms = (ns + 999999) / 1000000;

	return ms > 250 ? 250 : (int)ms;
}

struct reader {
	int fd;
	struct buf in;     /* bytes received so far */
	size_t pos;        /* next unparsed byte in in */
	uint64_t deadline; /* fs_now_ns() value at which the request is late */
	int status;        /* the answer when reading fails; 0 = say nothing */
	struct error *e;
};

/* Receives more bytes; 0 on success, -1 with r->status and r->e set otherwise. */
static int reader_fill(struct reader *r)
{
	for (;;) {
		struct pollfd p = { r->fd, POLLIN, 0 };
		uint64_t now = fs_now_ns();
		ssize_t n;
		int k;

		if (http_stop) {
			r->status = 0;
			return error_set(r->e, "interrupted");
		}
		if (now >= r->deadline) {
			r->status = 408;
			return error_set(r->e, "request not complete in time");
		}
		k = poll(&p, 1, slice(r->deadline - now));
		if (k < 0 && errno != EINTR) {
			r->status = 400;
			return error_errno(r->e, "cannot poll");
		}
		if (k <= 0)
			continue;
		buf_grow(&r->in, 16384);
		n = recv(r->fd, r->in.ptr + r->in.len, r->in.cap - r->in.len - 1, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			r->status = 400;
			return error_errno(r->e, "cannot receive");
		}
		if (n == 0) {
			r->status = r->in.len ? 400 : 0;
			return error_set(r->e, "connection closed mid-request");
		}
		buf_setlen(&r->in, r->in.len + (size_t)n);
		return 0;
	}
}

/* Makes n unparsed bytes available; 0, or -1 as reader_fill. */
static int reader_need(struct reader *r, size_t n)
{
	while (r->in.len - r->pos < n)
		if (reader_fill(r) < 0)
			return -1;
	return 0;
}

/*
 * The next line (LF or CRLF ended, terminator stripped and replaced by NUL),
 * at most max bytes long; NULL with r->status set when the connection fails, or
 * to too_long when the line is longer.
 */
static char *reader_line(struct reader *r, size_t max, int too_long)
{
	char *line, *nl;

	for (;;) {
		size_t avail = r->in.len - r->pos;
		nl = memchr(r->in.ptr + r->pos, '\n', avail);
		if (nl)
			break;
		if (avail > max) {
			r->status = too_long;
			error_set(r->e, "line too long");
			return NULL;
		}
		if (reader_fill(r) < 0)
			return NULL;
	}
	line = r->in.ptr + r->pos;
	r->pos = (size_t)(nl - r->in.ptr) + 1;
	if (nl > line && nl[-1] == '\r')
		nl--;
	*nl = '\0';
	return line;
}

static int is_tchar(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void add_header(struct http_request *req, const char *name, size_t nlen, const char *value)
{
	struct http_header *h;
	size_t i;

	XGROW(req->headers, req->cap, req->nheaders + 1);
	h = &req->headers[req->nheaders++];
	h->name = xstrndup(name, nlen);
	for (i = 0; i < nlen; i++)
		h->name[i] = (char)tolower((unsigned char)h->name[i]);
	h->value = xstrdup(value);
}

static int bad(struct reader *r, int status, const char *what)
{
	r->status = status;
	return error_set(r->e, "%s", what);
}

static int read_head(struct reader *r, struct http_request *req)
{
	char *line, *sp1, *sp2, *colon, *v, *end;
	size_t lines = 0;

	do
		line = reader_line(r, HTTP_MAX_HEAD, 431);
	while (line && !*line && ++lines < 4);
	if (!line)
		return -1;
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || sp2 == sp1 + 1 || strchr(sp2 + 1, ' '))
		return bad(r, 400, "malformed request line");
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return bad(r, strncmp(sp2 + 1, "HTTP/", 5) ? 400 : 505, "unsupported protocol");
	req->method = xstrndup(line, (size_t)(sp1 - line));
	req->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	for (;;) {
		if (!(line = reader_line(r, HTTP_MAX_HEAD, 431)))
			return -1;
		if (!*line)
			return 0;
		if (++lines > HTTP_MAX_LINES || r->pos > HTTP_MAX_HEAD)
			return bad(r, 431, "too many header lines");
		colon = line;
		while (is_tchar((unsigned char)*colon))
			colon++;
		if (colon == line || *colon != ':')
			return bad(r, 400, "malformed header line");
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		*end = '\0';
		add_header(req, line, (size_t)(colon - line), v);
	}
}

static int read_chunked(struct reader *r, struct http_request *req)
{
	size_t lines = 0;

	for (;;) {
		char *line = reader_line(r, 1024, 400), *end;
		unsigned long size;

		if (!line)
			return -1;
		errno = 0;
		size = strtoul(line, &end, 16);
		if (end == line || errno || (*end && *end != ';' && *end != ' ' && *end != '\t'))
			return bad(r, 400, "malformed chunk size");
		if (size > HTTP_MAX_BODY || req->body.len + size > HTTP_MAX_BODY)
			return bad(r, 413, "request body too large");
		if (size == 0)
			break;
		if (reader_need(r, size) < 0)
			return -1;
		buf_add(&req->body, r->in.ptr + r->pos, size);
		r->pos += size;
		if (!(line = reader_line(r, 2, 400)))
			return -1;
		if (*line)
			return bad(r, 400, "chunk longer than its size");
	}
	for (;;) {
		char *line = reader_line(r, HTTP_MAX_HEAD, 431);
		if (!line)
			return -1;
		if (!*line)
			return 0;
		if (++lines > HTTP_MAX_LINES)
			return bad(r, 431, "too many trailer lines");
	}
}

static int send_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t k;
		if (http_stop || fd < 0)
			return -1;
		k = send(fd, s, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

int http_read(int fd, int timeout_ms, struct http_request *req, int *status, struct error *e)
{
	struct reader r = { fd, BUF_INIT, 0, 0, 0, e };
	const char *te, *cl, *expect;
	int ret = -1;

	r.deadline = fs_now_ns() + (uint64_t)timeout_ms * 1000000;
	if (read_head(&r, req) < 0)
		goto out;
	te = http_header(req, "transfer-encoding");
	cl = http_header(req, "content-length");
	expect = http_header(req, "expect");
	if (te && strcasecmp(te, "chunked") != 0) {
		bad(&r, 501, "unsupported transfer encoding");
		goto out;
	}
	if (expect && strcasecmp(expect, "100-continue") == 0 && (te || (cl && strcmp(cl, "0"))) &&
	    r.pos == r.in.len) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		send_all(fd, cont, sizeof(cont) - 1);
	}
	if (te) {
		if (read_chunked(&r, req) < 0)
			goto out;
	} else if (cl) {
		char *end;
		unsigned long long n;
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (!isdigit((unsigned char)*cl) || *end || errno) {
			bad(&r, 400, "malformed content-length");
			goto out;
		}
		if (n > HTTP_MAX_BODY) {
			bad(&r, 413, "request body too large");
			goto out;
		}
		if (reader_need(&r, (size_t)n) < 0)
			goto out;
		buf_add(&req->body, r.in.ptr + r.pos, (size_t)n);
	}
	ret = 1;
out:
	if (ret < 0 && r.status == 0)
		ret = 0;
	*status = r.status;
	buf_release(&r.in);
	return ret;
}

const char *http_header(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (strcmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

void http_request_release(struct http_request *req)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->headers);
	free(req->method);
	free(req->target);
	buf_release(&req->body);
	memset(req, 0, sizeof(*req));
	buf_init(&req->body, 0);
}

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 200, "OK" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 413, "Payload Too Large" },
	{ 422, "Unprocessable Entity" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
	{ 529, "Overloaded" },
};

const char *http_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

int http_head(struct http_conn *c, int status, const char *type, const char *extra, long length)
{
	struct buf h = BUF_INIT;
	int r;

	if (!c->started && c->on_status)
		c->on_status(c->arg, status);
	c->started = 1;
	c->chunked = length < 0;
	buf_addf(&h, "HTTP/1.1 %d %s\r\nServer: loom-fakesrv\r\nContent-Type: %s\r\n", status,
	         http_reason(status), type);
	if (length < 0)
		buf_adds(&h, "Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\n");
	else
		buf_addf(&h, "Content-Length: %ld\r\n", length);
	buf_addf(&h, "Connection: close\r\n%s\r\n", extra ? extra : "");
	r = send_all(c->fd, h.ptr, h.len);
	buf_release(&h);
	return r;
}

int http_send(struct http_conn *c, const void *p, size_t n)
{
	return send_all(c->fd, p, n);
}

int http_respond(struct http_conn *c, int status, const char *type, const char *extra,
                 const void *body, size_t len)
{
	if (http_head(c, status, type, extra, (long)len) < 0)
		return -1;
	return send_all(c->fd, body, len);
}

int http_chunk(struct http_conn *c, const void *p, size_t n)
{
	struct buf b = BUF_INIT;
	int r;

	if (!n)
		return 0;
	buf_addf(&b, "%zx\r\n", n);
	buf_add(&b, p, n);
	buf_adds(&b, "\r\n");
	r = send_all(c->fd, b.ptr, b.len);
	buf_release(&b);
	return r;
}

int http_chunk_end(struct http_conn *c)
{
	return send_all(c->fd, "0\r\n\r\n", 5);
}

void http_close(struct http_conn *c)
{
	if (c->fd < 0)
		return;
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	c->fd = -1;
}

void http_reset(struct http_conn *c)
{
	struct linger l = { 1, 0 };
	int i, queued;

	if (c->fd < 0)
		return;
	/* Let what was sent reach the client first: a reset discards unacknowledged data. */
	for (i = 0; i < 100 && !http_stop; i++) {
		if (ioctl(c->fd, SIOCOUTQ, &queued) < 0 || queued == 0)
			break;
		poll(NULL, 0, 10);
	}
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(c->fd);
	c->fd = -1;
}

int http_pause(long ms)
{
	uint64_t end = fs_now_ns() + (uint64_t)(ms > 0 ? ms : 0) * 1000000;

	for (;;) {
		uint64_t now = fs_now_ns();
		if (http_stop)
			return -1;
		if (now >= end)
			return 0;
		poll(NULL, 0, slice(end - now));
	}
}
