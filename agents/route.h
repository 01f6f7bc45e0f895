/*
 * route.h - routing a retry by the class of the error it fixes: the `routes`
 * setting maps error classes (docs/CHECKS.md) to another model, or to
 * llama.cpp LoRA adapters chosen per request, or both:
 *
 *   routes = rust-borrow=qwen2.5-coder-7b type-mismatch=+lora:1@0.8
 *            rust-missing-derive=qwen2.5-coder-3b+lora:0@1+lora:2@0.5
 *
 * Each entry is CLASS=ROUTE, entries separated by blanks; ROUTE is a model
 * name (possibly empty: the session's model), then any number of
 * "+lora:ID@SCALE". The class comes from the check's output, deterministic,
 * and the route taken is said in the transcript.
 */
#ifndef LOOM_ROUTE_H
#define LOOM_ROUTE_H

#include <stddef.h>

#include "core/error.h"
#include "core/model.h"

#define ROUTE_MAX_LORA 8

struct route {
	char klass[32];
	char *model; /* NULL: the session's */
	struct model_lora lora[ROUTE_MAX_LORA];
	size_t nlora;
};

struct routes {
	struct route *v;
	size_t n;
};

/*
 * Parses the `routes` setting (NULL or blank: none). -1 with e naming the
 * first bad entry ("routes: 'borow=x': no error class 'borow'"), out empty.
 */
int routes_parse(const char *spec, struct routes *out, struct error *e);
void routes_release(struct routes *r);
/* The route for class k, or NULL. */
const struct route *route_for(const struct routes *r, const char *k);
/* The route as words for the transcript: "model qwen, LoRA 1 at 0.8". */
void route_describe(const struct route *r, char *buf, size_t n);

#endif
