/*
 * model.c - the model client: libcurl, three wire formats, no surprises.
 *
 * Data model: struct model is a connection to one endpoint whose API is known
 * (detected once by probing, or forced): llama.cpp's server (OpenAI-style
 * chat with SSE and extra `timings`, /props for n_ctx, /tokenize), Ollama
 * (/api/chat with NDJSON, /api/show for the context length; options.num_ctx
 * is always sent, because Ollama otherwise silently drops the start of a long
 * prompt) or any OpenAI-compatible endpoint. One easy handle and one multi
 * handle are reused across calls.
 *
 * A chat call runs the multi interface in a loop that wakes at least every
 * POLL_MS, so a cancel is honoured within that time and a stream that sends
 * no byte for stall_timeout is declared dead; any byte, including the SSE
 * comments llama.cpp sends as keep-alives during a long prompt, counts as
 * life. Body bytes go through core/stream.c, which frames SSE and NDJSON
 * whatever the chunking. 429 and 503 are retried with backoff, honouring
 * Retry-After; every other failure is reported at once as one line.
 *
 * The API key is read from the environment variable the configuration names,
 * sent only in the Authorization header, and never logged or stored.
 *
 * A sandboxed worker can neither resolve names (/etc/hosts, /etc/resolv.conf)
 * nor read the CA bundle once restricted, so struct model_net carries both,
 * fetched beforehand; with m->net set every request uses them and nothing else.
 */
#define _GNU_SOURCE
#include "core/model.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/log.h"
#include "core/stream.h"
#include "core/xalloc.h"

#define POLL_MS          50
#define PROBE_TIMEOUT_MS 10000
#define MAX_RESPONSE     (8u << 20) /* a non-streamed response larger than this is refused */
#define MAX_REPLY        (4u << 20) /* streamed reply text kept, at most */
#define MAX_LINE         (1u << 20) /* one SSE / NDJSON line, at most */
#define MAX_RETRY_AFTER  120.0      /* seconds; a server asking for longer gets an error */
#define MAX_CA_BUNDLE    (16u << 20)

static const char *const api_names[] = {
	[MODEL_API_AUTO] = "auto",
	[MODEL_API_LLAMACPP] = "llamacpp",
	[MODEL_API_OLLAMA] = "ollama",
	[MODEL_API_OPENAI] = "openai",
};

const char *model_api_name(enum model_api api)
{
	return api_names[api];
}

int model_api_parse(const char *s)
{
	int i;

	for (i = 0; i <= MODEL_API_OPENAI; i++)
		if (!strcmp(s, api_names[i]))
			return i;
	return -1;
}

size_t model_estimate_tokens(size_t nbytes)
{
	return (nbytes + 2) / 3;
}

double model_params_from_name(const char *name)
{
	const char *p;

	/* the last "<number>b" that stands alone: "-1.5b-", "_7B.", "3.1B" */
	for (p = name + strlen(name); p > name; p--) {
		const char *end = p - 1, *start;
		if (*end != 'b' && *end != 'B')
			continue;
		if (*p && isalnum((unsigned char)*p))
			continue;
		start = end;
		while (start > name && (isdigit((unsigned char)start[-1]) || start[-1] == '.'))
			start--;
		if (start == end || (start > name && isalnum((unsigned char)start[-1])))
			continue;
		return strtod(start, NULL);
	}
	return 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t to_buf(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct buf *b = ctx;
	size_t n = size * nmemb;

	return buf_add(b, data, n) < 0 ? 0 : n;
}

/* Authorization and content type; the caller frees the list. */
static struct curl_slist *headers(const struct model *m)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");

	h = curl_slist_append(h, "Accept: application/json, text/event-stream");
	if (m->api_key && *m->api_key) {
		char *auth = xasprintf("Authorization: Bearer %s", m->api_key);
		h = curl_slist_append(h, auth);
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	return h;
}

static void set_common(struct model *m, const char *path, const char *body, struct curl_slist *h)
{
	CURL *c = m->curl;
	char *url = xasprintf("%s%s", m->endpoint, path);

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, m->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "loom/" LOOM_VERSION);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (m->net) {
		/* curl_easy_reset brought back the default bundle file and directory */
		curl_easy_setopt(c, CURLOPT_PROXY, "");
		curl_easy_setopt(c, CURLOPT_RESOLVE, m->net->resolve);
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		if (m->net->ca.len) {
			struct curl_blob ca = { m->net->ca.ptr, m->net->ca.len, CURL_BLOB_NOCOPY };
			curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
		}
	}
}

/* Puts every address of host into n->resolve as one CURLOPT_RESOLVE entry; an address
 * literal needs none. -1 with e set when the name does not resolve. */
static int resolve_host(struct model_net *n, const char *host, struct error *e)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	struct buf b = BUF_INIT;
	unsigned char tmp[sizeof(struct in6_addr)];
	int rc;

	if (host[0] == '[' || inet_pton(AF_INET, host, tmp) == 1)
		return 0;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc)
		return error_set(e, "cannot resolve '%s': %s", host,
		                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	buf_addf(&b, "%s:%d:", host, n->port);
	for (ai = res; ai; ai = ai->ai_next) {
		char addr[INET6_ADDRSTRLEN];
		const void *a =
		        ai->ai_family == AF_INET6
		                ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
		                : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    !inet_ntop(ai->ai_family, a, addr, sizeof(addr)))
			continue;
		buf_addf(&b, ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s",
		         b.ptr[b.len - 1] == ':' ? "" : ",", addr);
	}
	freeaddrinfo(res);
	if (b.ptr[b.len - 1] == ':') {
		buf_release(&b);
		return error_set(e, "cannot resolve '%s': no IPv4 or IPv6 address", host);
	}
	n->resolve = curl_slist_append(NULL, b.ptr);
	buf_release(&b);
	if (!n->resolve)
		fatal("out of memory");
	return 0;
}

int model_net_prepare(struct model_net *n, const char *endpoint, const char *ca_file,
                      struct error *e)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;

	pthread_once(&curl_once, curl_init_once);
	*n = (struct model_net)MODEL_NET_INIT;
	u = curl_url();
	if (!u)
		fatal("out of memory");
	/* the client hands the endpoint to CURLOPT_URL, which guesses a missing scheme too */
	if (curl_url_set(u, CURLUPART_URL, endpoint, CURLU_GUESS_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		error_set(e, "cannot parse the endpoint '%s'", endpoint);
		goto out;
	}
	n->port = atoi(port);
	if (resolve_host(n, host, e) < 0)
		goto out;
	if (!strcmp(scheme, "https")) {
		const char *path = ca_file ? ca_file : curl_version_info(CURLVERSION_NOW)->cainfo;
		if (!path) {
			error_set(e, "no CA bundle to check '%s' with: libcurl has no default",
			          host);
			goto out;
		}
		if (fs_read_file(path, MAX_CA_BUNDLE, &n->ca, e) < 0) {
			error_prefix(e, "cannot load the CA bundle");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0)
		model_net_release(n);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

void model_net_release(struct model_net *n)
{
	curl_slist_free_all(n->resolve);
	buf_release(&n->ca);
	*n = (struct model_net)MODEL_NET_INIT;
}

/* Why a transfer failed, in words a user can act on. */
static int transport_error(struct model *m, CURLcode rc, const char *errbuf, struct error *e)
{
	const char *why = errbuf && *errbuf ? errbuf : curl_easy_strerror(rc);

	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    rc == CURLE_OPERATION_TIMEDOUT) {
		m->fail = MODEL_FAIL_CONNECT;
		return error_set(e,
		                 "cannot reach the model server at '%s': %s (start llama-server or "
		                 "Ollama, or set LOOM_ENDPOINT)",
		                 m->endpoint, why);
	}
	m->fail = MODEL_FAIL_STREAM;
	return error_set(e, "the connection to the model server broke: %s", why);
}

/* A non-streamed request; *status is the HTTP status. -1 only on transport failure. */
static int http(struct model *m, const char *path, const char *body, struct buf *resp, long *status,
                struct error *e)
{
	struct curl_slist *h = headers(m);
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	buf_init(resp, MAX_RESPONSE);
	set_common(m, path, body, h);
	curl_easy_setopt(m->curl, CURLOPT_WRITEFUNCTION, to_buf);
	curl_easy_setopt(m->curl, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(m->curl, CURLOPT_TIMEOUT_MS, (long)PROBE_TIMEOUT_MS);
	curl_easy_setopt(m->curl, CURLOPT_ERRORBUFFER, errbuf);
	{
		uint64_t t0 = fs_now_ns();
		rc = curl_easy_perform(m->curl);
		m->busy_ns += fs_now_ns() - t0;
	}
	curl_slist_free_all(h);
	*status = 0;
	curl_easy_getinfo(m->curl, CURLINFO_RESPONSE_CODE, status);
	curl_easy_setopt(m->curl, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK) {
		buf_release(resp);
		return transport_error(m, rc, errbuf, e);
	}
	return 0;
}

/* GET/POST path and parse a JSON object; NULL when anything fails or the status is not 200. */
static cJSON *http_json(struct model *m, const char *path, const char *body, long *status,
                        struct error *e)
{
	struct buf resp;
	cJSON *j = NULL;

	if (http(m, path, body, &resp, status, e) < 0)
		return NULL;
	if (*status == 200)
		j = cJSON_ParseWithLength(resp.ptr, resp.len);
	if (j && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = NULL;
	}
	buf_release(&resp);
	return j;
}

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* The message of an error body in any of the three shapes, or the body itself. */
static char *error_message(const char *body, size_t n, char *type, size_t tsize)
{
	cJSON *j = cJSON_ParseWithLength(body, n);
	const cJSON *err = j ? get(j, "error") : NULL, *msg = NULL, *t = NULL;
	char *out;

	if (type && tsize)
		type[0] = '\0';
	if (cJSON_IsString(err)) {
		msg = err;
	} else if (cJSON_IsObject(err)) {
		msg = get(err, "message");
		t = get(err, "type");
	} else if (j) {
		msg = get(j, "message");
	}
	if (cJSON_IsString(t) && type)
		snprintf(type, tsize, "%s", t->valuestring);
	if (cJSON_IsString(msg)) {
		out = xstrdup(msg->valuestring);
	} else {
		size_t k = n < 200 ? n : 200;
		out = xstrndup(body, k);
		for (k = 0; out[k]; k++)
			if ((unsigned char)out[k] < ' ')
				out[k] = ' ';
	}
	cJSON_Delete(j);
	return out;
}

/* ---- opening: which API, which model, how much context ---- */

static int open_llamacpp(struct model *m, struct error *e)
{
	long status;
	cJSON *props;
	const cJSON *gen, *nctx, *path;
	int tries;

	for (tries = 0;; tries++) {
		props = http_json(m, "/props", NULL, &status, e);
		if (props || status != 503 || tries >= m->retries)
			break;
		/* the model is still loading */
		sleep(tries < 3 ? 1u << tries : 4);
	}
	if (!props) {
		if (status == 503)
			return error_set(e, "llama-server at '%s' is still loading the model",
			                 m->endpoint);
		return e->msg[0]
		               ? -1
		               : error_set(
		                         e,
		                         "'%s' does not answer /props like llama-server (HTTP %ld)",
		                         m->endpoint, status);
	}
	gen = get(props, "default_generation_settings");
	nctx = gen ? get(gen, "n_ctx") : NULL;
	if (!cJSON_IsNumber(nctx))
		nctx = get(props, "n_ctx");
	if (cJSON_IsNumber(nctx) && nctx->valuedouble >= 1) {
		m->n_ctx = (int)nctx->valuedouble;
		m->n_ctx_reported = 1;
	}
	path = get(props, "model_path");
	if (!*m->name && cJSON_IsString(path)) {
		const char *slash = strrchr(path->valuestring, '/');
		free(m->name);
		m->name = xstrdup(slash ? slash + 1 : path->valuestring);
	}
	cJSON_Delete(props);
	m->can_tokenize = 1;
	m->can_schema = 1;
	return 0;
}

static int open_ollama(struct model *m, int ctx_wanted, struct error *e)
{
	long status;
	cJSON *j;
	char *body;
	const cJSON *info, *it;

	if (!*m->name) {
		const cJSON *models, *first;
		j = http_json(m, "/api/tags", NULL, &status, e);
		models = j ? get(j, "models") : NULL;
		first = cJSON_IsArray(models) ? cJSON_GetArrayItem(models, 0) : NULL;
		if (!first || !cJSON_IsString(get(first, "name"))) {
			cJSON_Delete(j);
			return e->msg[0]
			               ? -1
			               : error_set(e,
			                           "Ollama at '%s' has no models: run 'ollama pull "
			                           "MODEL' and set model = MODEL",
			                           m->endpoint);
		}
		free(m->name);
		m->name = xstrdup(get(first, "name")->valuestring);
		cJSON_Delete(j);
	}
	{
		cJSON *req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "model", m->name);
		body = cJSON_PrintUnformatted(req);
		cJSON_Delete(req);
	}
	j = http_json(m, "/api/show", body, &status, e);
	free(body);
	if (!j)
		return e->msg[0] ? -1
		                 : error_set(e,
		                             "Ollama does not know the model '%s' (HTTP %ld): run "
		                             "'ollama pull %s'",
		                             m->name, status, m->name);
	m->n_ctx = ctx_wanted;
	info = get(j, "model_info");
	cJSON_ArrayForEach(it, info)
	{
		size_t k = strlen(it->string);
		if (k > 15 && !strcmp(it->string + k - 15, ".context_length") &&
		    cJSON_IsNumber(it) && it->valuedouble >= 1 && it->valuedouble < ctx_wanted) {
			m->n_ctx = (int)it->valuedouble; /* the model's own limit */
			break;
		}
	}
	m->n_ctx_reported = 1; /* we choose it and send it as options.num_ctx */
	it = get(get(j, "details"), "parameter_size");
	if (cJSON_IsString(it))
		m->params_b = model_params_from_name(it->valuestring);
	cJSON_Delete(j);
	m->can_schema = 1;
	return 0;
}

static int open_openai(struct model *m, struct error *e)
{
	long status;
	cJSON *j = http_json(m, "/v1/models", NULL, &status, e);
	const cJSON *data = j ? get(j, "data") : NULL, *first;

	if (!j && e->msg[0])
		return -1;
	if (!j && (status == 401 || status == 403)) {
		return error_set(e,
		                 "'%s' refused the API key (HTTP %ld): set api_key_env to the name "
		                 "of the variable holding it",
		                 m->endpoint, status);
	}
	if (!*m->name) {
		first = cJSON_IsArray(data) ? cJSON_GetArrayItem(data, 0) : NULL;
		if (!first || !cJSON_IsString(get(first, "id"))) {
			cJSON_Delete(j);
			return error_set(e, "'%s' lists no models: set model = NAME", m->endpoint);
		}
		free(m->name);
		m->name = xstrdup(get(first, "id")->valuestring);
	}
	cJSON_Delete(j);
	return 0;
}

/* Which API answers: llama.cpp's /props, Ollama's /api/version, OpenAI's /v1/models. */
static int detect(struct model *m, struct error *e)
{
	static const struct {
		const char *path;
		const char *key;
		enum model_api api;
	} probes[] = {
		{ "/props", "default_generation_settings", MODEL_API_LLAMACPP },
		{ "/api/version", "version", MODEL_API_OLLAMA },
		{ "/v1/models", "data", MODEL_API_OPENAI },
	};
	size_t i;
	long status;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		cJSON *j = http_json(m, probes[i].path, NULL, &status, e);
		int hit = j && get(j, probes[i].key);
		cJSON_Delete(j);
		if (e->msg[0])
			return -1; /* nothing answers at all */
		/* 503 on /props: llama-server, loading; 401 on /v1/models: wants a key */
		if (hit || (probes[i].api == MODEL_API_LLAMACPP && status == 503) ||
		    (probes[i].api == MODEL_API_OPENAI && (status == 401 || status == 403))) {
			m->api = probes[i].api;
			return 0;
		}
	}
	m->fail = MODEL_FAIL_CONNECT;
	return error_set(
	        e,
	        "'%s' answers HTTP but not as llama-server (/props), Ollama (/api/version) "
	        "or an OpenAI-compatible server (/v1/models); set api = ...",
	        m->endpoint);
}

int model_open(struct model *m, const struct config *c, struct error *e)
{
	const char *ep = config_get(c, CONF_ENDPOINT), *keyenv = config_get(c, CONF_API_KEY_ENV);
	const struct model_net *net = m->net;
	size_t n;
	int rc;

	pthread_once(&curl_once, curl_init_once);
	memset(m, 0, sizeof(*m));
	m->net = net;
	e->msg[0] = '\0';
	m->endpoint = xstrdup(ep);
	n = strlen(m->endpoint);
	while (n > 0 && m->endpoint[n - 1] == '/')
		m->endpoint[--n] = '\0';
	m->api = (enum model_api)model_api_parse(config_get(c, CONF_API));
	m->name = xstrdup(config_get(c, CONF_MODEL));
	m->n_ctx = (int)config_long(c, CONF_CONTEXT);
	m->connect_timeout_ms = (long)(config_double(c, CONF_CONNECT_TIMEOUT) * 1000);
	m->stall_timeout_ms = (long)(config_double(c, CONF_STALL_TIMEOUT) * 1000);
	m->retries = (int)config_long(c, CONF_RETRIES);
	if (*keyenv) {
		const char *key = getenv(keyenv);
		if (!key || !*key)
			log_warn("api_key_env names '%s', but that variable is not set", keyenv);
		else
			m->api_key = xstrdup(key);
	}
	m->curl = curl_easy_init();
	m->multi = curl_multi_init();
	if (!m->curl || !m->multi)
		fatal("cannot initialize libcurl");
	if (m->api == MODEL_API_AUTO && detect(m, e) < 0) {
		if (m->fail == MODEL_OK)
			m->fail = MODEL_FAIL_CONNECT;
		return -1;
	}
	switch (m->api) {
	case MODEL_API_LLAMACPP: rc = open_llamacpp(m, e); break;
	case MODEL_API_OLLAMA: rc = open_ollama(m, (int)config_long(c, CONF_CONTEXT), e); break;
	default: rc = open_openai(m, e); break;
	}
	if (rc < 0 && m->fail == MODEL_OK)
		m->fail = MODEL_FAIL_CONNECT;
	if (rc == 0 && m->params_b == 0)
		m->params_b = model_params_from_name(m->name);
	return rc;
}

void model_close(struct model *m)
{
	if (m->curl)
		curl_easy_cleanup(m->curl);
	if (m->multi)
		curl_multi_cleanup(m->multi);
	if (m->api_key) {
		memset(m->api_key, 0, strlen(m->api_key));
		free(m->api_key);
	}
	free(m->endpoint);
	free(m->name);
	memset(m, 0, sizeof(*m));
}

int model_count_tokens(struct model *m, const char *text, size_t n, int *exact)
{
	struct error e = ERROR_INIT;
	cJSON *req, *j;
	const cJSON *toks;
	char *body;
	long status;
	int count = -1;

	*exact = 0;
	if (m->can_tokenize) {
		char *copy = xstrndup(text, n);
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "content", copy);
		cJSON_AddBoolToObject(req, "add_special", 0);
		free(copy);
		body = cJSON_PrintUnformatted(req);
		cJSON_Delete(req);
		j = body ? http_json(m, "/tokenize", body, &status, &e) : NULL;
		free(body);
		toks = j ? get(j, "tokens") : NULL;
		if (cJSON_IsArray(toks)) {
			count = cJSON_GetArraySize(toks);
			*exact = 1;
		}
		cJSON_Delete(j);
	}
	if (count < 0)
		count = (int)model_estimate_tokens(n);
	return count;
}

/* ---- chat ---- */

static cJSON *messages_json(const struct model_request *r)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < r->nmsgs; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "role", r->msgs[i].role);
		cJSON_AddStringToObject(o, "content", r->msgs[i].content);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *stop_json(const struct model_request *r)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < r->nstop; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(r->stop[i]));
	return a;
}

/* The request body in the endpoint's dialect; NULL if the schema is not valid JSON. */
static char *chat_body(const struct model *m, const struct model_request *r)
{
	cJSON *o = cJSON_CreateObject(), *schema = NULL;
	char *s;

	if (r->schema && m->can_schema) {
		schema = cJSON_Parse(r->schema);
		if (!schema) {
			cJSON_Delete(o);
			return NULL;
		}
	}
	if (r->model && *r->model)
		cJSON_AddStringToObject(o, "model", r->model);
	else if (*m->name)
		cJSON_AddStringToObject(o, "model", m->name);
	cJSON_AddItemToObject(o, "messages", messages_json(r));
	if (r->nlora && m->api == MODEL_API_LLAMACPP) {
		cJSON *arr = cJSON_AddArrayToObject(o, "lora");
		size_t i;
		for (i = 0; i < r->nlora; i++) {
			cJSON *l = cJSON_CreateObject();
			cJSON_AddNumberToObject(l, "id", r->lora[i].id);
			cJSON_AddNumberToObject(l, "scale", r->lora[i].scale);
			cJSON_AddItemToArray(arr, l);
		}
	}
	cJSON_AddBoolToObject(o, "stream", 1);
	if (m->api == MODEL_API_OLLAMA) {
		cJSON *opt = cJSON_AddObjectToObject(o, "options");
		cJSON_AddNumberToObject(opt, "num_ctx", m->n_ctx);
		cJSON_AddNumberToObject(opt, "num_predict", r->max_tokens);
		cJSON_AddNumberToObject(opt, "temperature", r->temperature);
		cJSON_AddNumberToObject(opt, "seed", (double)r->seed);
		if (r->nstop)
			cJSON_AddItemToObject(opt, "stop", stop_json(r));
		if (schema)
			cJSON_AddItemToObject(o, "format", schema);
	} else {
		cJSON_AddNumberToObject(o, "max_tokens", r->max_tokens);
		cJSON_AddNumberToObject(o, "temperature", r->temperature);
		cJSON_AddNumberToObject(o, "seed", (double)r->seed);
		if (r->nstop)
			cJSON_AddItemToObject(o, "stop", stop_json(r));
		if (m->api == MODEL_API_OPENAI) {
			cJSON *so = cJSON_AddObjectToObject(o, "stream_options");
			cJSON_AddBoolToObject(so, "include_usage", 1);
		} else {
			cJSON_AddBoolToObject(o, "cache_prompt", 1);
		}
		if (schema) {
			cJSON *rf = cJSON_AddObjectToObject(o, "response_format");
			cJSON *js = cJSON_CreateObject();
			cJSON_AddStringToObject(rf, "type", "json_schema");
			cJSON_AddStringToObject(js, "name", "reply");
			cJSON_AddItemToObject(js, "schema", schema);
			cJSON_AddItemToObject(rf, "json_schema", js);
		}
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

struct call {
	struct model *m;
	const struct model_request *r;
	struct model_reply *out;
	struct stream parser;
	long status;        /* HTTP status, 0 until the status line arrives */
	double retry_after; /* seconds, from the header; 0 if none */
	struct buf errbody; /* the body of a non-2xx answer */
	int done;           /* [DONE] or done:true seen */
	int chunks;         /* content pieces received */
	int token_stop;     /* on_token asked to stop */
	char *fail;         /* what went wrong inside the stream */
	uint64_t last_byte, first_token, last_token;
};

static void call_fail(struct call *c, const char *fmt, ...) LOOM_PRINTF(2, 3);
static void call_fail(struct call *c, const char *fmt, ...)
{
	va_list ap;
	struct buf b = BUF_INIT;

	if (c->fail)
		return; /* the first failure is the one worth telling */
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	c->fail = buf_detach(&b, NULL);
}

static int num(const cJSON *o, const char *key, double *v)
{
	const cJSON *x = o ? get(o, key) : NULL;

	if (!cJSON_IsNumber(x))
		return 0;
	*v = x->valuedouble;
	return 1;
}

static void token(struct call *c, const char *s)
{
	size_t n = strlen(s);
	uint64_t now = fs_now_ns();

	if (!n)
		return;
	if (!c->first_token)
		c->first_token = now;
	c->last_token = now;
	c->chunks++;
	buf_add(&c->out->text, s, n); /* over MAX_REPLY: kept text stops growing */
	if (c->r->on_token && c->r->on_token(c->r->ctx, s, n))
		c->token_stop = 1;
}

/* The figures a final chunk carries, in each dialect. */
static void usage(struct call *c, const cJSON *j)
{
	const cJSON *u = get(j, "usage"), *t = get(j, "timings"), *d;
	struct model_reply *o = c->out;
	double v;

	if (cJSON_IsObject(u)) {
		if (num(u, "prompt_tokens", &v))
			o->prompt_tokens = (int)v;
		if (num(u, "completion_tokens", &v))
			o->completion_tokens = (int)v;
		d = get(u, "prompt_tokens_details");
		if (num(d, "cached_tokens", &v))
			o->cached_tokens = (int)v;
	}
	if (cJSON_IsObject(t)) {
		if (num(t, "prompt_n", &v) && o->prompt_tokens < 0)
			o->prompt_tokens = (int)v;
		if (num(t, "predicted_n", &v))
			o->completion_tokens = (int)v;
		if (num(t, "cache_n", &v))
			o->cached_tokens = (int)v;
		if (num(t, "predicted_per_second", &v)) {
			o->tokens_per_s = v;
			o->speed_from_server = 1;
		}
	}
	/* Ollama */
	if (num(j, "prompt_eval_count", &v))
		o->prompt_tokens = (int)v;
	if (num(j, "eval_count", &v)) {
		double ns;
		o->completion_tokens = (int)v;
		if (num(j, "eval_duration", &ns) && ns > 0) {
			o->tokens_per_s = v / (ns / 1e9);
			o->speed_from_server = 1;
		}
	}
}

static int on_event(void *ctx, enum stream_event ev, const char *data, size_t n)
{
	struct call *c = ctx;
	cJSON *j;
	const cJSON *err, *x;

	if (ev == STREAM_COMMENT)
		return 0;
	if (ev == STREAM_DONE) {
		c->done = 1;
		return 0;
	}
	if (ev == STREAM_ERROR) {
		char *msg = error_message(data, n, NULL, 0);
		call_fail(c, "the model server failed mid-stream: %s", msg);
		free(msg);
		return 1;
	}
	j = cJSON_ParseWithLength(data, n);
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		call_fail(c, "the model server sent a malformed chunk: '%.60s'", data);
		return 1;
	}
	err = get(j, "error");
	if (err) {
		char *msg = error_message(data, n, NULL, 0);
		call_fail(c, "the model server failed mid-stream: %s", msg);
		free(msg);
		cJSON_Delete(j);
		return 1;
	}
	if (c->m->api == MODEL_API_OLLAMA) {
		x = get(get(j, "message"), "content");
		if (cJSON_IsString(x))
			token(c, x->valuestring);
		if (cJSON_IsTrue(get(j, "done"))) {
			c->done = 1;
			x = get(j, "done_reason");
			snprintf(c->out->finish, sizeof(c->out->finish), "%s",
			         cJSON_IsString(x) ? x->valuestring : "stop");
			usage(c, j);
		}
	} else {
		const cJSON *choice = cJSON_GetArrayItem(get(j, "choices"), 0);
		x = choice ? get(get(choice, "delta"), "content") : NULL;
		if (cJSON_IsString(x))
			token(c, x->valuestring);
		x = choice ? get(choice, "finish_reason") : NULL;
		if (cJSON_IsString(x))
			snprintf(c->out->finish, sizeof(c->out->finish), "%s", x->valuestring);
		usage(c, j);
	}
	cJSON_Delete(j);
	return c->token_stop;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct call *c = ctx;
	size_t n = size * nmemb;

	c->last_byte = fs_now_ns();
	if (n > 5 && !strncmp(data, "HTTP/", 5)) {
		const char *sp = memchr(data, ' ', n);
		c->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		c->retry_after = 0;
	} else if (n > 12 && !strncasecmp(data, "retry-after:", 12)) {
		char tmp[64];
		size_t k = n - 12 < sizeof(tmp) - 1 ? n - 12 : sizeof(tmp) - 1;
		memcpy(tmp, data + 12, k);
		tmp[k] = '\0';
		c->retry_after = strtod(tmp, NULL); /* seconds; an HTTP date reads as 0 */
	}
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct call *c = ctx;
	size_t n = size * nmemb;
	struct error e = ERROR_INIT;

	c->last_byte = fs_now_ns();
	if (c->status < 200 || c->status > 299) {
		if (c->errbody.len < 65536)
			buf_add(&c->errbody, data, n);
		return n;
	}
	if (c->done)
		return n;
	if (stream_feed(&c->parser, data, n, on_event, c, &e) < 0) {
		call_fail(c, "the model server's stream is malformed: %s", e.msg);
		return 0;
	}
	return c->fail || c->token_stop ? 0 : n;
}

/* An HTTP error status becomes one line; context overflow gets its own kind. */
static int http_fail(struct call *c, struct error *e)
{
	char type[64];
	char *msg = error_message(c->errbody.ptr, c->errbody.len, type, sizeof(type));
	int overflow = !strcmp(type, "exceed_context_size_error") ||
	               (c->status == 400 && strstr(msg, "context")) ||
	               (c->m->api == MODEL_API_OLLAMA && strstr(msg, "context length"));

	c->m->fail = overflow ? MODEL_FAIL_OVERFLOW : MODEL_FAIL_HTTP;
	if (overflow)
		error_set(e, "the prompt does not fit the model's context (%d tokens): %s",
		          c->m->n_ctx, msg);
	else
		error_set(e, "the model server answered HTTP %ld: %s", c->status, msg);
	free(msg);
	return -1;
}

/*
 * One attempt. Returns 0, or -1 with e set; *retry_after is then the seconds
 * the server asked to wait (0: not said) when a retry may help, else -1.
 */
static int chat_once(struct model *m, const struct model_request *r, struct model_reply *out,
                     const char *body, double *retry_after, struct error *e)
{
	struct call c = { 0 };
	struct curl_slist *h = headers(m);
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *path = m->api == MODEL_API_OLLAMA ? "/api/chat" : "/v1/chat/completions";
	CURLcode result = CURLE_OK;
	int running = 1, rc = 0;

	*retry_after = -1;
	c.m = m;
	c.r = r;
	c.out = out;
	buf_init(&c.errbody, 0);
	stream_init(&c.parser, m->api == MODEL_API_OLLAMA ? STREAM_NDJSON : STREAM_SSE, MAX_LINE);
	set_common(m, path, body, h);
	curl_easy_setopt(m->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(m->curl, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(m->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(m->curl, CURLOPT_HEADERDATA, &c);
	curl_easy_setopt(m->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(m->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	c.last_byte = fs_now_ns();
	curl_multi_add_handle(m->multi, m->curl);
	while (running) {
		CURLMsg *msg;
		int left;
		if (curl_multi_perform(m->multi, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m->multi, &left)))
			if (msg->msg == CURLMSG_DONE)
				result = msg->data.result;
		if (!running)
			break;
		if (r->cancel && *r->cancel) {
			m->fail = MODEL_FAIL_CANCELLED;
			rc = error_set(e, "cancelled");
			goto out;
		}
		if (fs_now_ns() - c.last_byte > (uint64_t)m->stall_timeout_ms * 1000000u) {
			m->fail = MODEL_FAIL_STREAM;
			rc = error_set(
			        e,
			        "the model server sent nothing for %.0f s; the stream is taken "
			        "for dead (stall_timeout)",
			        (double)m->stall_timeout_ms / 1000);
			goto out;
		}
		curl_multi_poll(m->multi, NULL, 0, POLL_MS, NULL);
	}
	if (c.token_stop) {
		m->fail = MODEL_FAIL_TOKEN;
		rc = error_set(e, "stopped by the caller");
	} else if (c.fail) {
		m->fail = MODEL_FAIL_STREAM;
		rc = error_set(e, "%s", c.fail);
	} else if (result != CURLE_OK) {
		rc = transport_error(m, result, errbuf, e);
	} else if (c.status < 200 || c.status > 299) {
		rc = http_fail(&c, e);
		if (c.status == 429 || c.status == 503)
			*retry_after = c.retry_after;
	} else {
		struct error se = ERROR_INIT;
		if (!c.done && stream_end(&c.parser, on_event, &c, &se) < 0)
			call_fail(&c, "%s", se.msg);
		if (c.fail) {
			m->fail = MODEL_FAIL_STREAM;
			rc = error_set(e, "%s", c.fail);
		} else if (!c.done) {
			m->fail = MODEL_FAIL_STREAM;
			rc = error_set(
			        e,
			        "the model server's stream ended before the reply was complete "
			        "(after %d pieces)",
			        c.chunks);
		}
	}
	if (rc == 0 && !out->speed_from_server && c.chunks > 1 && c.last_token > c.first_token) {
		int n = out->completion_tokens > 0 ? out->completion_tokens : c.chunks;
		out->tokens_per_s =
		        (double)(n - 1) / ((double)(c.last_token - c.first_token) / 1e9);
	}
out:
	curl_multi_remove_handle(m->multi, m->curl);
	curl_easy_setopt(m->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(h);
	stream_release(&c.parser);
	buf_release(&c.errbody);
	free(c.fail);
	return rc;
}

/* Sleeps ms milliseconds in POLL_MS steps; returns -1 if cancelled meanwhile. */
static int nap(long ms, const volatile sig_atomic_t *cancel)
{
	while (ms > 0) {
		struct timespec ts = { 0, (ms < POLL_MS ? ms : POLL_MS) * 1000000L };
		if (cancel && *cancel)
			return -1;
		nanosleep(&ts, NULL);
		ms -= POLL_MS;
	}
	return cancel && *cancel ? -1 : 0;
}

int model_chat(struct model *m, const struct model_request *r, struct model_reply *out,
               struct error *e)
{
	uint64_t t0 = fs_now_ns();
	char *body = chat_body(m, r);
	int attempt, rc = -1;
	double retry_after;

	m->fail = MODEL_OK;
	buf_init(&out->text, MAX_REPLY);
	out->finish[0] = '\0';
	out->prompt_tokens = out->cached_tokens = out->completion_tokens = -1;
	out->tokens_per_s = 0;
	out->speed_from_server = 0;
	out->retries = 0;
	if (!body) {
		m->fail = MODEL_FAIL_HTTP;
		return error_set(e, "the JSON schema for constrained decoding is not valid JSON");
	}
	for (attempt = 0;; attempt++) {
		double wait;
		rc = chat_once(m, r, out, body, &retry_after, e);
		if (rc == 0 || retry_after < 0 || attempt >= m->retries || out->text.len)
			break;
		wait = retry_after > 0 ? retry_after : (double)(1 << attempt);
		if (wait > MAX_RETRY_AFTER) {
			error_prefix(e, "the server asks to wait %.0f s", wait);
			break;
		}
		if (nap((long)(wait * 1000), r->cancel) < 0) {
			m->fail = MODEL_FAIL_CANCELLED;
			rc = error_set(e, "cancelled");
			break;
		}
		out->retries++;
	}
	m->busy_ns += fs_now_ns() - t0;
	/* tokens as the server counted them, else as the client estimates them */
	m->tokens_in += out->prompt_tokens >= 0 ? (uint64_t)out->prompt_tokens
	                                        : (uint64_t)model_estimate_tokens(strlen(body));
	m->tokens_out += out->completion_tokens >= 0
	                         ? (uint64_t)out->completion_tokens
	                         : (uint64_t)model_estimate_tokens(out->text.len);
	free(body);
	out->seconds = (double)(fs_now_ns() - t0) / 1e9;
	if (rc < 0 && out->retries)
		error_prefix(e, "after %d retr%s", out->retries, out->retries == 1 ? "y" : "ies");
	return rc;
}
