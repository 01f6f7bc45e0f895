/* http.h - the fake server's HTTP/1.1: one request per connection, then close. */
#ifndef LOOM_FAKESRV_HTTP_H
#define LOOM_FAKESRV_HTTP_H

#include <signal.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* Set by the signal handler: reads, writes and pauses give up as soon as they see it. */
extern volatile sig_atomic_t http_stop;

struct http_header {
	char *name; /* lower-cased */
	char *value;
};

struct http_request {
	char *method;
	char *target; /* as sent, query string included */
	struct http_header *headers;
	size_t nheaders, cap;
	struct buf body; /* decoded (de-chunked) */
};
#define HTTP_REQUEST_INIT                                                                          \
	{                                                                                          \
		NULL, NULL, NULL, 0, 0, BUF_INIT                                                   \
	}

/*
 * Reads one request from fd, all of it within timeout_ms. Returns 1 with req
 * filled in; 0 when the client closed the connection before sending a byte or
 * http_stop was set; -1 when the request is bad or late, with the status to
 * answer (400, 408, 413, 431, 501, 505) in *status and the reason in e.
 */
int http_read(int fd, int timeout_ms, struct http_request *req, int *status, struct error *e);
/* The value of the first header called name (lower case), or NULL. Owned by req. */
const char *http_header(const struct http_request *req, const char *name);
void http_request_release(struct http_request *req);

/*
 * One response on one connection. on_status, when set, runs once just before the
 * status line is sent, so a log line is on disk before the client sees a byte.
 */
struct http_conn {
	int fd; /* -1 once closed */
	void (*on_status)(void *arg, int status);
	void *arg;
	int started; /* the status line went out */
	int chunked; /* the body is Transfer-Encoding: chunked */
};

/* The standard reason phrase, or "Unknown". */
const char *http_reason(int status);
/*
 * Sends the status line and headers. extra is more header lines, each ending in
 * "\r\n", or NULL. length is the Content-Length, or -1 for a chunked body.
 * Every send returns 0, or -1 once the client is gone (or http_stop is set).
 */
int http_head(struct http_conn *c, int status, const char *type, const char *extra, long length);
/* Raw bytes, no framing. */
int http_send(struct http_conn *c, const void *p, size_t n);
/* A whole response with a Content-Length body. */
int http_respond(struct http_conn *c, int status, const char *type, const char *extra,
                 const void *body, size_t len);
/* One chunk of a chunked body (n > 0), and the terminating empty chunk. */
int http_chunk(struct http_conn *c, const void *p, size_t n);
int http_chunk_end(struct http_conn *c);
/* Ends the connection with FIN, or with RST (SO_LINGER 0). */
void http_close(struct http_conn *c);
void http_reset(struct http_conn *c);
/* Sleeps ms milliseconds; -1 if http_stop cut it short. */
int http_pause(long ms);

#endif
