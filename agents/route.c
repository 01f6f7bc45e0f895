/*
 * route.c - the `routes` setting (see route.h).
 */
#define _GNU_SOURCE
#include "agents/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"
#include "core/xalloc.h"

static int known_class(const char *k)
{
	size_t i;

	for (i = 0; check_class_names[i]; i++)
		if (!strcmp(check_class_names[i], k))
			return 1;
	return 0;
}

static int parse_one(char *w, struct route *r, struct error *e)
{
	char *eq = strchr(w, '='), *p, *plus;

	memset(r, 0, sizeof(*r));
	if (!eq || eq == w)
		return error_set(e, "routes: '%s': expected CLASS=MODEL[+lora:ID@SCALE...]", w);
	*eq = '\0';
	if (!known_class(w) || strlen(w) >= sizeof(r->klass)) {
		error_set(e, "routes: '%s=%s': no error class '%s' (see docs/CHECKS.md)", w, eq + 1,
		          w);
		*eq = '=';
		return -1;
	}
	snprintf(r->klass, sizeof(r->klass), "%s", w);
	*eq = '=';
	p = eq + 1;
	plus = strchr(p, '+');
	if (plus != p) {
		size_t n = plus ? (size_t)(plus - p) : strlen(p);
		if (n)
			r->model = xstrndup(p, n);
	}
	while (plus) {
		char *next = strchr(plus + 1, '+'), *end;
		long id;
		double scale;
		if (strncmp(plus + 1, "lora:", 5))
			return error_set(e, "routes: '%s': after '+' comes lora:ID@SCALE", w);
		id = strtol(plus + 6, &end, 10);
		if (end == plus + 6 || *end != '@' || id < 0 || id > 1000)
			return error_set(
			        e, "routes: '%s': a LoRA adapter is lora:ID@SCALE, ID 0-1000", w);
		{
			char *num = end + 1;
			scale = strtod(num, &end);
			if (end == num)
				scale = -1;
		}
		if ((*end && *end != '+') || !(scale >= 0 && scale <= 10))
			return error_set(e, "routes: '%s': a LoRA scale is a number from 0 to 10",
			                 w);
		if (r->nlora == ROUTE_MAX_LORA)
			return error_set(e, "routes: '%s': more than %d LoRA adapters", w,
			                 ROUTE_MAX_LORA);
		r->lora[r->nlora].id = (int)id;
		r->lora[r->nlora++].scale = scale;
		plus = next;
	}
	if (!r->model && !r->nlora)
		return error_set(e, "routes: '%s': route to a model, LoRA adapters, or both", w);
	return 0;
}

int routes_parse(const char *spec, struct routes *out, struct error *e)
{
	char *copy, *w, *save = NULL;
	size_t cap = 0;

	out->v = NULL;
	out->n = 0;
	if (!spec)
		return 0;
	copy = xstrdup(spec);
	for (w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		struct route r;
		if (parse_one(w, &r, e) < 0) {
			free(r.model);
			routes_release(out);
			free(copy);
			return -1;
		}
		XGROW(out->v, cap, out->n + 1);
		out->v[out->n++] = r;
	}
	free(copy);
	return 0;
}

void routes_release(struct routes *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].model);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

const struct route *route_for(const struct routes *r, const char *k)
{
	size_t i;

	for (i = 0; k && i < r->n; i++)
		if (!strcmp(r->v[i].klass, k))
			return &r->v[i];
	return NULL;
}

void route_describe(const struct route *r, char *buf, size_t n)
{
	size_t i, k = 0;

	buf[0] = '\0';
	if (r->model)
		k += (size_t)snprintf(buf + k, n - k, "model %s", r->model);
	for (i = 0; i < r->nlora && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%sLoRA adapter %d at %g", k ? ", " : "",
		                      r->lora[i].id, r->lora[i].scale);
}
