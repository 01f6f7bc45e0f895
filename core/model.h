/* model.h - one client for llama.cpp's server, Ollama and OpenAI-compatible endpoints. */
#ifndef LOOM_MODEL_H
#define LOOM_MODEL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/error.h"

enum model_api { MODEL_API_AUTO, MODEL_API_LLAMACPP, MODEL_API_OLLAMA, MODEL_API_OPENAI };

/* What went wrong, for callers that react differently (retry with less context, give up). */
enum model_fail {
	MODEL_OK,
	MODEL_FAIL_CONNECT,   /* nothing answers at the endpoint */
	MODEL_FAIL_HTTP,      /* an HTTP error status (after any retries) */
	MODEL_FAIL_OVERFLOW,  /* the prompt does not fit the context (said by us or the server) */
	MODEL_FAIL_STREAM,    /* malformed, truncated, reset or stalled stream; mid-stream error */
	MODEL_FAIL_CANCELLED, /* the caller cancelled */
	MODEL_FAIL_TOKEN,     /* the on_token callback asked to stop */
};

struct model_msg {
	const char *role; /* "system", "user", "assistant" */
	const char *content;
};

/* A llama.cpp LoRA adapter for one request: the server's adapter id and its scale. */
struct model_lora {
	int id;
	double scale;
};

struct model_request {
	const struct model_msg *msgs;
	size_t nmsgs;
	int max_tokens; /* hard cap on generated tokens (always sent) */
	double temperature;
	long long seed;
	const char *const *stop; /* stop sequences */
	size_t nstop;
	const char *schema; /* JSON schema to constrain decoding to, or NULL */
	/* streamed text; a non-zero return stops the generation (MODEL_FAIL_TOKEN) */
	int (*on_token)(void *ctx, const char *text, size_t n);
	void *ctx;
	const volatile sig_atomic_t *cancel; /* polled every 50 ms; non-zero cancels */
	const char *model;                   /* another model for this request, or NULL */
	/* llama.cpp only: these adapters at these scales, every other loaded one at 0 */
	const struct model_lora *lora;
	size_t nlora;
};

struct model_reply {
	struct buf text;       /* the whole reply */
	char finish[16];       /* "stop", "length", ... as the server said */
	int prompt_tokens;     /* from the server's figures, -1 if not reported */
	int cached_tokens;     /* prompt tokens served from the server's cache, -1 if unknown */
	int completion_tokens; /* -1 if not reported */
	double tokens_per_s;   /* generation speed; from the server when it reports timings */
	int speed_from_server; /* 1 when tokens_per_s came from the server, 0 when timed here */
	double seconds;        /* wall time of the call */
	int retries;           /* retries made after 429/503 */
};
#define MODEL_REPLY_INIT                                                                           \
	{                                                                                          \
		BUF_INIT, "", -1, -1, -1, 0, 0, 0, 0                                               \
	}

/*
 * What the client needs from the resolver and the filesystem, fetched before a
 * worker gives them up (agents/sandbox.h): the endpoint's addresses and, for
 * https, the CA certificates. A model whose net is set resolves no name and
 * opens no file: libcurl gets the addresses as CURLOPT_RESOLVE entries and the
 * certificates as CURLOPT_CAINFO_BLOB, and uses no proxy (the sandbox lets it
 * reach the endpoint's port and nothing else).
 */
struct model_net {
	int port;      /* the endpoint's TCP port: from the URL, else 80 or 443 */
	void *resolve; /* struct curl_slist * "host:port:addr[,addr...]"; NULL for an address */
	struct buf ca; /* PEM certificates for https; empty for http */
};
#define MODEL_NET_INIT                                                                             \
	{                                                                                          \
		0, NULL, BUF_INIT                                                                  \
	}

struct model {
	const struct model_net *net; /* set before model_open (which keeps it), or NULL; must
	                                outlive the model */
	char *endpoint;              /* without a trailing '/' */
	enum model_api api;          /* detected or forced */
	char *name;         /* model name sent in requests ("" when the server does not need one) */
	int n_ctx;          /* context size in tokens */
	int n_ctx_reported; /* 1 if the server said so, 0 if assumed from the configuration */
	int can_tokenize;   /* the server counts tokens (llama.cpp /tokenize) */
	int can_schema;     /* the server constrains decoding to a JSON schema */
	double params_b;    /* the model's size in billions of parameters, 0 if unknown */
	char *api_key;      /* from the variable named by api_key_env; never logged */
	long connect_timeout_ms, stall_timeout_ms;
	int retries;
	enum model_fail fail;           /* of the last failed call */
	uint64_t busy_ns;               /* time spent waiting on the server, all calls together */
	uint64_t tokens_in, tokens_out; /* prompt and generated tokens, all calls together */
	void *curl;                     /* CURL *, reused across calls */
	void *multi;                    /* CURLM * */
};
#define MODEL_INIT                                                                                 \
	{                                                                                          \
		0                                                                                  \
	}

/*
 * Fills n for the endpoint URL: its port, its host name's addresses, and when
 * the scheme is https the certificates of ca_file (NULL: libcurl's default
 * bundle). Also initializes libcurl, which reads OpenSSL's configuration, so
 * a worker calls it before restricting itself. -1 with e set when the URL
 * cannot be parsed, the name does not resolve or the bundle cannot be read.
 * The caller releases n with model_net_release.
 */
int model_net_prepare(struct model_net *n, const char *endpoint, const char *ca_file,
                      struct error *e);
void model_net_release(struct model_net *n);

/*
 * Connects to the configured endpoint: finds out which API answers (unless
 * forced), the model and its context size. For Ollama the context used is the
 * configured `context`, capped by the model's own limit; it is sent with every
 * request. -1 with e and m->fail set when nothing usable answers.
 */
int model_open(struct model *m, const struct config *c, struct error *e);
void model_close(struct model *m);

/* Counts the tokens of text: exactly with the server's tokenizer when it has one (*exact = 1),
 * else estimated (*exact = 0). Never fails: an error falls back to the estimate. */
int model_count_tokens(struct model *m, const char *text, size_t n, int *exact);
/* Tokens a chat message costs beyond its content (role markers of the template). */
#define MODEL_MSG_OVERHEAD 8

/*
 * One chat completion, streamed. Retries 429 and 503 with backoff (honouring
 * Retry-After), nothing else. Returns 0 with the reply, or -1 with e and
 * m->fail set; out->text holds whatever arrived before a failure. The caller
 * releases out->text.
 */
int model_chat(struct model *m, const struct model_request *r, struct model_reply *out,
               struct error *e);

const char *model_api_name(enum model_api api);
/* A model's size from a name like "qwen2.5-coder-1.5b-q4.gguf" or "3.1B"; 0 if none. */
double model_params_from_name(const char *name);
/* A model's size from a name like "qwen2.5-coder-1.5b-q4.gguf" or "3.1B"; 0 if none. */
double model_params_from_name(const char *name);
/* Parses "auto", "llamacpp", "ollama", "openai"; -1 if none. */
int model_api_parse(const char *s);
/* Estimated tokens of n bytes: ceil(n / 3); errs high on purpose (docs/SCORING.md). */
size_t model_estimate_tokens(size_t nbytes);

#endif
