/*
 * proto.c - names and field checks for the record types of ipc/proto.h.
 *
 * Everything here reads the one table in proto.h, so a record type or field
 * exists in exactly one place. The schema is closed: a record carries exactly
 * its type's fields (plus the envelope "v", "seq", "type"), each once, which is
 * what lets a version number stand for the whole format.
 */
#include "ipc/proto.h"

#include <math.h>
#include <string.h>

const char *ipc_type_name(enum ipc_type t)
{
	if ((unsigned)t >= IPC_TYPE_COUNT)
		return NULL;
	return ipc_schema[t].name;
}

int ipc_type_parse(const char *name)
{
	int t;

	for (t = 0; t < IPC_TYPE_COUNT; t++)
		if (!strcmp(ipc_schema[t].name, name))
			return t;
	return -1;
}

static int is_envelope(const char *key)
{
	return !strcmp(key, "v") || !strcmp(key, "seq") || !strcmp(key, "type");
}

static int has_type(const cJSON *v, enum ipc_ftype type)
{
	switch (type) {
	case IPC_STRING: return cJSON_IsString(v);
	case IPC_OBJECT: return cJSON_IsObject(v);
	case IPC_INT:
		return cJSON_IsNumber(v) && fabs(v->valuedouble) <= 9007199254740992.0 &&
		       v->valuedouble == floor(v->valuedouble);
	case IPC_NOFIELD: break;
	}
	return 0;
}

static const char *const ftype_names[] = {
	[IPC_NOFIELD] = "absent",
	[IPC_STRING] = "a string",
	[IPC_INT] = "an integer",
	[IPC_OBJECT] = "an object",
};

int ipc_check(enum ipc_type t, const cJSON *obj, struct error *e)
{
	const struct ipc_schema *s;
	const cJSON *c;
	unsigned seen = 0;
	int i;

	if ((unsigned)t >= IPC_TYPE_COUNT)
		return error_set(e, "unknown record type %d", (int)t);
	s = &ipc_schema[t];
	if (!cJSON_IsObject(obj))
		return error_set(e, "'%s' record is not a JSON object", s->name);
	for (c = obj->child; c; c = c->next) {
		if (!c->string)
			return error_set(e, "'%s' record has a field without a name", s->name);
		if (is_envelope(c->string))
			continue;
		for (i = 0; i < IPC_MAX_FIELDS && s->fields[i].name; i++)
			if (!strcmp(s->fields[i].name, c->string))
				break;
		if (i == IPC_MAX_FIELDS || !s->fields[i].name)
			return error_set(e, "unknown field '%s' in a '%s' record", c->string,
			                 s->name);
		if (seen & (1u << i))
			return error_set(e, "field '%s' twice in a '%s' record", c->string,
			                 s->name);
		seen |= 1u << i;
		if (!has_type(c, s->fields[i].type))
			return error_set(e, "'%s' must be %s in a '%s' record", c->string,
			                 ftype_names[s->fields[i].type], s->name);
	}
	for (i = 0; i < IPC_MAX_FIELDS && s->fields[i].name; i++)
		if (!(seen & (1u << i)))
			return error_set(e, "'%s' missing in a '%s' record", s->fields[i].name,
			                 s->name);
	return 0;
}
