/*
 * fakesrv.c - loom-fakesrv, the scripted fake model server the model client is
 * tested against (tests/fakesrv/README.md is its manual).
 *
 * One process, one listening socket on 127.0.0.1, one connection at a time:
 * read a request, log it, answer it, close. The endpoints are a table; each
 * belongs to API families (llama.cpp, Ollama, OpenAI) and --api chooses which
 * families are answered, so a client's detection can be tested against each
 * kind of server. Chat requests take the next reply of the script (script.c)
 * and chat.c puts it on the wire. The log line of a request is written just
 * before its status line is sent, so a test that has seen the response can read
 * the log. SIGTERM and SIGINT end the server with status 0, mid-stream or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/exitcode.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "tests/fakesrv/chat.h"
#include "tests/fakesrv/http.h"
#include "tests/fakesrv/script.h"

#define FAKESRV_TIMEOUT_MS 10000 /* for a request to arrive, and for each send */

enum { FAM_LLAMA = 1, FAM_OLLAMA = 2, FAM_OPENAI = 4, FAM_ANY = 7 };

struct server {
	int families; /* FAM_* answered */
	struct chat_server chat;
	const char *api_key; /* NULL = none needed */
	long loading;        /* /health requests still to answer 503 */
	struct script script;
	int log_fd; /* -1 = no log */
	unsigned long seq;
};

/* One request and what became of it, for the log. */
struct exchange {
	struct server *srv;
	unsigned long seq;
	struct http_request *req;
	cJSON *body;       /* the parsed body, or NULL */
	const char *reply; /* the reply file it consumed, or NULL */
};

static void on_signal(int sig)
{
	http_stop = 1;
}

static const char *target_path(const struct http_request *req, char *buf, size_t size)
{
	size_t n = req->target ? strcspn(req->target, "?#") : 0;

	snprintf(buf, size, "%.*s", (int)n, req->target ? req->target : "");
	return buf;
}

/* The error shape a server of our families would use for path. */
static enum chat_style error_style(const struct server *s, const char *path)
{
	if (s->families == FAM_OLLAMA)
		return CHAT_OLLAMA;
	if (!(s->families & FAM_OLLAMA))
		return CHAT_LLAMA;
	return strncmp(path, "/api/", 5) == 0 ? CHAT_OLLAMA : CHAT_LLAMA;
}

static void log_exchange(void *arg, int status)
{
	struct exchange *x = arg;
	struct http_request *req = x->req;
	cJSON *o, *h;
	char *json, *line;
	size_t i, n;

	if (x->srv->log_fd < 0)
		return;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "seq", (double)x->seq);
	if (req->method) {
		cJSON_AddStringToObject(o, "method", req->method);
		cJSON_AddStringToObject(o, "path", req->target);
	} else {
		cJSON_AddNullToObject(o, "method");
		cJSON_AddNullToObject(o, "path");
	}
	h = cJSON_AddObjectToObject(o, "headers");
	for (i = 0; i < req->nheaders; i++) {
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(h, req->headers[i].name);
		if (old) {
			char *v = xasprintf("%s, %s", old->valuestring, req->headers[i].value);
			cJSON_ReplaceItemInObjectCaseSensitive(h, req->headers[i].name,
			                                       cJSON_CreateString(v));
			free(v);
		} else {
			cJSON_AddStringToObject(h, req->headers[i].name, req->headers[i].value);
		}
	}
	if (x->body) {
		cJSON_AddItemToObject(o, "body", cJSON_Duplicate(x->body, 1));
	} else if (req->body.len) {
		char *s = utf8_sanitize(req->body.ptr, req->body.len);
		cJSON_AddStringToObject(o, "body", s);
		free(s);
	} else {
		cJSON_AddNullToObject(o, "body");
	}
	if (x->reply)
		cJSON_AddStringToObject(o, "reply", x->reply);
	else
		cJSON_AddNullToObject(o, "reply");
	cJSON_AddNumberToObject(o, "status", status);
	/* cJSON copies string bytes as they came: make the line valid UTF-8 */
	json = cJSON_PrintUnformatted(o);
	line = utf8_sanitize(json, strlen(json));
	n = strlen(line);
	line[n] = '\n';
	if (write(x->srv->log_fd, line, n + 1) != (ssize_t)(n + 1))
		fprintf(stderr, "loom-fakesrv: cannot write the log: %s\n", strerror(errno));
	cJSON_free(json);
	free(line);
	cJSON_Delete(o);
}

/* Sends obj (deleted here) as a 200 JSON response. */
static void send_ok(struct http_conn *c, cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);

	http_respond(c, 200, "application/json; charset=utf-8", NULL, s, strlen(s));
	cJSON_free(s);
	cJSON_Delete(obj);
}

static void do_health(struct exchange *x, struct http_conn *c)
{
	cJSON *o;

	if (x->srv->loading > 0) {
		x->srv->loading--;
		chat_send_error(c, CHAT_LLAMA, 503, NULL, "Loading model");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ok");
	send_ok(c, o);
}

static void do_props(struct exchange *x, struct http_conn *c)
{
	const struct chat_server *m = &x->srv->chat;
	cJSON *o = cJSON_CreateObject(), *g, *p;
	char *path = xasprintf("/models/%s.gguf", m->model);

	g = cJSON_AddObjectToObject(o, "default_generation_settings");
	cJSON_AddNumberToObject(g, "n_ctx", (double)m->n_ctx);
	cJSON_AddStringToObject(g, "model", path);
	p = cJSON_AddObjectToObject(g, "params");
	cJSON_AddNumberToObject(p, "n_predict", -1);
	cJSON_AddNumberToObject(p, "temperature", 0.8);
	cJSON_AddNumberToObject(p, "top_k", 40);
	cJSON_AddNumberToObject(p, "top_p", 0.95);
	cJSON_AddNumberToObject(o, "total_slots", 1);
	cJSON_AddStringToObject(o, "model_path", path);
	cJSON_AddStringToObject(o, "chat_template", "{{ messages }}");
	cJSON_AddStringToObject(o, "build_info", "b0000-fake");
	free(path);
	send_ok(c, o);
}

static void do_tokenize(struct exchange *x, struct http_conn *c)
{
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(x->body, "content");
	cJSON *o;

	if (!cJSON_IsString(content)) {
		chat_send_error(c, CHAT_LLAMA, 400, NULL, "\"content\" must be a string");
		return;
	}
	o = cJSON_CreateObject();
	chat_tokenize(content->valuestring, strlen(content->valuestring),
	              cJSON_AddArrayToObject(o, "tokens"));
	send_ok(c, o);
}

static void chat(struct exchange *x, struct http_conn *c, enum chat_style style)
{
	const struct reply *r = script_next(&x->srv->script);

	x->reply = r ? r->name : NULL;
	chat_answer(c, style, &x->srv->chat, x->body, r, x->seq);
}

static void do_chat_openai(struct exchange *x, struct http_conn *c)
{
	chat(x, c, x->srv->families == FAM_OPENAI ? CHAT_OPENAI : CHAT_LLAMA);
}

static void do_chat_ollama(struct exchange *x, struct http_conn *c)
{
	chat(x, c, CHAT_OLLAMA);
}

static void do_version(struct exchange *x, struct http_conn *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "version", "0.6.0");
	send_ok(c, o);
}

static cJSON *ollama_details(void)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "parent_model", "");
	cJSON_AddStringToObject(d, "format", "gguf");
	cJSON_AddStringToObject(d, "family", "qwen2");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(d, "families"), cJSON_CreateString("qwen2"));
	cJSON_AddStringToObject(d, "parameter_size", "7.6B");
	cJSON_AddStringToObject(d, "quantization_level", "Q4_K_M");
	return d;
}

static void do_tags(struct exchange *x, struct http_conn *c)
{
	const char *model = x->srv->chat.model;
	cJSON *o = cJSON_CreateObject(), *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "name", model);
	cJSON_AddStringToObject(m, "model", model);
	cJSON_AddStringToObject(m, "modified_at", "2026-01-01T00:00:00Z");
	cJSON_AddNumberToObject(m, "size", 4683087332.0);
	cJSON_AddStringToObject(m, "digest",
	                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	cJSON_AddItemToObject(m, "details", ollama_details());
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "models"), m);
	send_ok(c, o);
}

/* Ollama's model names: "name" is "name:latest". */
static int same_model(const char *asked, const char *model)
{
	size_t n = strlen(model);

	if (strcmp(asked, model) == 0)
		return 1;
	if (strncmp(asked, model, n) == 0 && strcmp(asked + n, ":latest") == 0)
		return 1;
	n = strlen(asked);
	return strncmp(asked, model, n) == 0 && strcmp(model + n, ":latest") == 0;
}

static void do_show(struct exchange *x, struct http_conn *c)
{
	const struct chat_server *m = &x->srv->chat;
	const cJSON *asked = cJSON_GetObjectItemCaseSensitive(x->body, "model");
	cJSON *o, *info;

	if (!cJSON_IsString(asked))
		asked = cJSON_GetObjectItemCaseSensitive(x->body, "name");
	if (!cJSON_IsString(asked) || !same_model(asked->valuestring, m->model)) {
		char *msg = xasprintf("model '%s' not found",
		                      cJSON_IsString(asked) ? asked->valuestring : "");
		chat_send_error(c, CHAT_OLLAMA, 404, NULL, msg);
		free(msg);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "license", "");
	cJSON_AddStringToObject(o, "modelfile", "");
	cJSON_AddStringToObject(o, "parameters", "");
	cJSON_AddStringToObject(o, "template", "{{ .Prompt }}");
	cJSON_AddItemToObject(o, "details", ollama_details());
	info = cJSON_AddObjectToObject(o, "model_info");
	cJSON_AddStringToObject(info, "general.architecture", "qwen2");
	cJSON_AddNumberToObject(info, "general.parameter_count", 7615616512.0);
	cJSON_AddNumberToObject(info, "qwen2.context_length", (double)m->n_ctx);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "capabilities"),
	                     cJSON_CreateString("completion"));
	send_ok(c, o);
}

static void do_models(struct exchange *x, struct http_conn *c)
{
	cJSON *o = cJSON_CreateObject(), *m = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "object", "list");
	cJSON_AddStringToObject(m, "id", x->srv->chat.model);
	cJSON_AddStringToObject(m, "object", "model");
	cJSON_AddNumberToObject(m, "created", 0);
	cJSON_AddStringToObject(m, "owned_by", "loom-fakesrv");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "data"), m);
	send_ok(c, o);
}

static const struct endpoint {
	const char *method, *path;
	int families;
	int open; /* answered without the API key */
	int json; /* needs a JSON object body */
	void (*handle)(struct exchange *x, struct http_conn *c);
} endpoints[] = {
	{ "GET", "/health", FAM_LLAMA, 1, 0, do_health },
	{ "GET", "/props", FAM_LLAMA, 0, 0, do_props },
	{ "POST", "/tokenize", FAM_LLAMA, 0, 1, do_tokenize },
	{ "POST", "/v1/chat/completions", FAM_LLAMA | FAM_OPENAI, 0, 1, do_chat_openai },
	{ "POST", "/chat/completions", FAM_LLAMA, 0, 1, do_chat_openai },
	{ "GET", "/api/version", FAM_OLLAMA, 1, 0, do_version },
	{ "GET", "/api/tags", FAM_OLLAMA, 1, 0, do_tags },
	{ "POST", "/api/show", FAM_OLLAMA, 1, 1, do_show },
	{ "POST", "/api/chat", FAM_OLLAMA, 1, 1, do_chat_ollama },
	{ "GET", "/v1/models", FAM_OPENAI, 0, 0, do_models },
};

static int authorized(const struct server *s, const struct http_request *req)
{
	const char *auth = http_header(req, "authorization");

	return auth && strncmp(auth, "Bearer ", 7) == 0 && strcmp(auth + 7, s->api_key) == 0;
}

static void route(struct exchange *x, struct http_conn *c)
{
	struct server *s = x->srv;
	const struct endpoint *hit = NULL;
	char path[1024], *msg = NULL;
	enum chat_style style;
	size_t i;

	target_path(x->req, path, sizeof(path));
	style = error_style(s, path);
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		const struct endpoint *ep = &endpoints[i];
		if (strcmp(ep->path, path) != 0 || !(ep->families & s->families))
			continue;
		hit = ep;
		if (strcmp(ep->method, x->req->method) == 0)
			break;
	}
	if (!hit) {
		msg = xasprintf("fake server: no endpoint %s %s", x->req->method, path);
		chat_send_error(c, style, 404, NULL, msg);
	} else if (i == sizeof(endpoints) / sizeof(endpoints[0])) {
		msg = xasprintf("fake server: %s wants %s", path, hit->method);
		chat_send_error(c, style, 405, NULL, msg);
	} else if (s->api_key && !hit->open && !authorized(s, x->req)) {
		chat_send_error(c, style, 401, NULL, "Invalid API Key");
	} else if (hit->json && !cJSON_IsObject(x->body)) {
		chat_send_error(c, style, 400, NULL,
		                "fake server: the request body is not a JSON object");
	} else {
		hit->handle(x, c);
	}
	free(msg);
}

/* The body as JSON, or NULL when it is empty or anything but one JSON value. */
static cJSON *parse_body(const struct buf *b)
{
	const char *end = NULL;
	cJSON *v;

	if (!b->len)
		return NULL;
	v = cJSON_ParseWithLengthOpts(b->ptr, b->len, &end, 0);
	while (v && end < b->ptr + b->len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (v && end != b->ptr + b->len) {
		cJSON_Delete(v);
		v = NULL;
	}
	return v;
}

static void serve(struct server *s, int fd)
{
	struct http_request req = HTTP_REQUEST_INIT;
	struct exchange x = { s, 0, &req, NULL, NULL };
	struct http_conn c = { fd, log_exchange, &x, 0, 0 };
	struct error e = ERROR_INIT;
	struct timeval tv = { FAKESRV_TIMEOUT_MS / 1000, 0 };
	int status, r;

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	r = http_read(fd, FAKESRV_TIMEOUT_MS, &req, &status, &e);
	if (r != 0) {
		x.seq = ++s->seq;
		if (r < 0) {
			char path[1024];
			fprintf(stderr, "loom-fakesrv: bad request: %s\n", e.msg);
			chat_send_error(&c, error_style(s, target_path(&req, path, sizeof(path))),
			                status, NULL, e.msg);
		} else {
			x.body = parse_body(&req.body);
			route(&x, &c);
		}
	}
	http_close(&c);
	cJSON_Delete(x.body);
	http_request_release(&req);
}

/* Writes "PORT\n" to path through a temporary file, so readers never see half of it. */
static int write_port(const char *path, int port)
{
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	int ok = f && fprintf(f, "%d\n", port) > 0;

	if (f && fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "loom-fakesrv: cannot write '%s': %s\n", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return ok ? 0 : -1;
}

static int listen_local(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)*port);
	/* a server started again on its old port (--port) must not wait out TIME_WAIT */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		fprintf(stderr, "loom-fakesrv: cannot listen on 127.0.0.1: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static const char usage[] =
        "usage: loom-fakesrv --script DIR [--port-file FILE] [--log FILE]\n"
        "                    [--api any|llamacpp|ollama|openai] [--model NAME] [--n-ctx N]\n"
        "                    [--api-key KEY] [--loading N] [--port N]\n"
        "\n"
        "A scripted fake model server on 127.0.0.1 for tests: chat requests are\n"
        "answered from DIR/*.reply in name order. Writes the port to FILE (or stdout),\n"
        "serves until SIGTERM or SIGINT. See tests/fakesrv/README.md.\n";

static const struct {
	const char *name;
	int families;
} apis[] = {
	{ "any", FAM_ANY },
	{ "llamacpp", FAM_LLAMA },
	{ "ollama", FAM_OLLAMA },
	{ "openai", FAM_OPENAI },
};

static long parse_long(const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return end == s || *end || errno || v < min ? -1 : v;
}

static int usage_error(const char *fmt, const char *arg) LOOM_PRINTF(1, 0);
static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "loom-fakesrv: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return LOOM_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "script", required_argument, NULL, 's' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "api", required_argument, NULL, 'a' },
		{ "model", required_argument, NULL, 'm' },
		{ "n-ctx", required_argument, NULL, 'n' },
		{ "api-key", required_argument, NULL, 'k' },
		{ "loading", required_argument, NULL, 'L' },
		{ "port", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct server s = { FAM_ANY, { "fake-model", 4096 }, NULL, 0, SCRIPT_INIT, -1, 0 };
	const char *script = NULL, *port_file = NULL, *log_path = NULL;
	struct error e = ERROR_INIT;
	struct sigaction sa;
	int c, lfd, port = 0, rc = LOOM_EXIT_OK;
	size_t i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': script = optarg; break;
		case 'p': port_file = optarg; break;
		case 'l': log_path = optarg; break;
		case 'm': s.chat.model = optarg; break;
		case 'k': s.api_key = optarg; break;
		case 'a':
			for (i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
				if (strcmp(optarg, apis[i].name) == 0)
					break;
			if (i == sizeof(apis) / sizeof(apis[0]))
				return usage_error("unknown --api '%s'", optarg);
			s.families = apis[i].families;
			break;
		case 'n':
			if ((s.chat.n_ctx = parse_long(optarg, 1)) < 0)
				return usage_error("bad --n-ctx '%s'", optarg);
			break;
		case 'L':
			if ((s.loading = parse_long(optarg, 0)) < 0)
				return usage_error("bad --loading '%s'", optarg);
			break;
		case 'P':
			if ((port = (int)parse_long(optarg, 1)) < 0 || port > 65535)
				return usage_error("bad --port '%s'", optarg);
			break;
		case 'h': fputs(usage, stdout); return LOOM_EXIT_OK;
		default: fputs(usage, stderr); return LOOM_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!script)
		return usage_error("%s", "--script is required");
	if (script_load(&s.script, script, &e) < 0) {
		fprintf(stderr, "loom-fakesrv: %s\n", e.msg);
		script_release(&s.script);
		return LOOM_EXIT_FAIL;
	}
	if (log_path) {
		s.log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (s.log_fd < 0) {
			fprintf(stderr, "loom-fakesrv: cannot open '%s': %s\n", log_path,
			        strerror(errno));
			script_release(&s.script);
			return LOOM_EXIT_FAIL;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((lfd = listen_local(&port)) < 0)
		rc = LOOM_EXIT_FAIL;
	else if (port_file)
		rc = write_port(port_file, port) < 0 ? LOOM_EXIT_FAIL : LOOM_EXIT_OK;
	else if (printf("%d\n", port) < 0 || fflush(stdout) != 0)
		rc = LOOM_EXIT_FAIL;
	while (rc == LOOM_EXIT_OK && !http_stop) {
		struct pollfd p = { lfd, POLLIN, 0 };
		int fd, k = poll(&p, 1, 250); /* a signal just before poll waits one round */

		if (k < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "loom-fakesrv: cannot poll: %s\n", strerror(errno));
			rc = LOOM_EXIT_FAIL;
			break;
		}
		if (k == 0)
			continue;
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			serve(&s, fd);
	}
	if (lfd >= 0)
		close(lfd);
	if (s.log_fd >= 0)
		close(s.log_fd);
	script_release(&s.script);
	return rc;
}
