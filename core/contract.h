/* contract.h - structured model output: lenient extraction, strict validation. */
#ifndef LOOM_CONTRACT_H
#define LOOM_CONTRACT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"

enum contract_type { CT_OBJECT, CT_ARRAY, CT_STRING, CT_INTEGER, CT_BOOLEAN, CT_PATH };

/*
 * One node of a contract, declared once as a constant table and used both to
 * validate replies and to derive the JSON Schema that constrains decoding.
 * min and max bound a string's length in bytes (CT_STRING, CT_PATH), an
 * array's item count (CT_ARRAY) or an integer's value (CT_INTEGER); max 0
 * means no upper bound, and min is always a lower bound (LONG_MIN for an
 * integer without one).
 */
struct contract_field {
	const char *name; /* key in the parent object; NULL for array items */
	enum contract_type type;
	int required;
	long min, max;
	const char *const *enum_values;      /* CT_STRING: NULL-terminated list; NULL = any */
	const struct contract_field *fields; /* CT_OBJECT: its fields, in checking order */
	size_t nfields;
	const struct contract_field *items; /* CT_ARRAY: the item type */
	const char *description;            /* used in the JSON schema */
};

/* A named message shape; root is a CT_OBJECT (contract_extract finds objects). */
struct contract {
	const char *name;
	const struct contract_field *root;
};

/* The deepest nesting contract_extract() accepts (cJSON's own default limit). */
#define CONTRACT_MAX_DEPTH 1000

/*
 * Finds the JSON object in a model reply (n bytes, any bytes): in a ```json or
 * plain ``` fence first, else bare among prose, skipping a leading
 * <think>...</think> block. The first candidate object that parses wins; one
 * that does not is skipped whole. Repairs only what is unambiguous: a UTF-8
 * BOM, trailing commas before '}' or ']', and closers missing at the very end
 * when the text stops right after a complete string, object or array.
 * On success *out is a cJSON object owned by the caller (cJSON_Delete);
 * returns -1 with *out NULL and a one-line reason otherwise, such as "no JSON
 * object in the reply" or "the JSON is cut off inside a string".
 */
int contract_extract(const char *text, size_t n, cJSON **out, struct error *e);
/*
 * Checks doc against the contract, field by field in table order. Returns 0,
 * or -1 with one line naming the JSON path of the first problem, meant to be
 * fed back to the model: "steps[2].goal: missing".
 */
int contract_validate(const struct contract *c, const cJSON *doc, struct error *e);
/* contract_extract() then contract_validate(); *out as for contract_extract(). */
int contract_parse(const struct contract *c, const char *text, size_t n, cJSON **out,
                   struct error *e);
/*
 * The contract as a JSON Schema (compact text) for constrained decoding: the
 * subset llama.cpp's json-schema-to-grammar and Ollama's "format" understand.
 * The caller frees it with free(); never NULL.
 */
char *contract_schema(const struct contract *c);

/* The Architect's plan: {"steps": [{"goal": "...", "files": ["path", ...]}, ...]}. */
extern const struct contract contract_plan;

#endif
