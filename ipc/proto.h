/* proto.h - the protocol between the session core and its workers: every record, one version. */
#ifndef LOOM_IPC_PROTO_H
#define LOOM_IPC_PROTO_H

#include <cjson/cJSON.h>

#include "core/error.h"

/*
 * The protocol's version, sent in every record as "v". Bump it on ANY change
 * to this file's tables or to the framing in docs/PROTOCOL.md: a reader that
 * sees another "v" reports the record and does not act on it.
 */
#define IPC_VERSION 2

/* The longest line, its '\n' included: writers refuse bigger records, readers skip them. */
#define IPC_MAX_LINE ((size_t)8 << 20)

/*
 * A worker with a request in flight (queued or running) writes a heartbeat
 * this often. An idle worker writes nothing: it sleeps until its inbox
 * changes, so an idle session costs no CPU.
 */
#define IPC_HEARTBEAT_MS 1000
/*
 * A worker with a request in flight silent this long (since the request was
 * sent or it was last heard, whichever is later) is treated as lost, even
 * while it holds its lock. An idle worker is never held to it.
 */
#define IPC_SILENT_MS 10000

/* Every record type. The inbox is written by the session core, the outbox by the worker. */
enum ipc_type {
	IPC_REQUEST,  /* inbox: do a piece of work */
	IPC_CANCEL,   /* inbox: stop working on a request */
	IPC_SHUTDOWN, /* inbox: finish and exit */
	IPC_HELLO,    /* outbox: the worker's first record */
	IPC_PROGRESS, /* outbox: a line for the user about a request */
	IPC_TOKEN,    /* outbox: model output as it streams */
	IPC_RESULT,   /* outbox: a request is done */
	IPC_ERROR,    /* outbox: a request failed */
	IPC_HEARTBEAT /* outbox: still alive, while a request is in flight */
};
#define IPC_TYPE_COUNT (IPC_HEARTBEAT + 1)

enum ipc_dir { IPC_INBOX, IPC_OUTBOX };
enum ipc_ftype {
	IPC_NOFIELD, /* marks the end of a type's fields */
	IPC_STRING,  /* any JSON string */
	IPC_INT,     /* a JSON number that is an integer (|n| <= 2^53) */
	IPC_OBJECT   /* any JSON object */
};

struct ipc_field {
	const char *name;
	enum ipc_ftype type;
};

#define IPC_MAX_FIELDS 5
struct ipc_schema {
	const char *name;                        /* the "type" value */
	enum ipc_dir dir;                        /* which file it travels in */
	struct ipc_field fields[IPC_MAX_FIELDS]; /* all required; no others allowed */
};

/*
 * The schema. Besides these fields every record has "v" (IPC_VERSION), "seq"
 * (1, 2, 3, ... per writer) and "type" (the name below), in that order. The
 * table is static so that it can live here, next to the enum and the version;
 * it is small, and only ipc/ reads it.
 */
static const struct ipc_schema ipc_schema[IPC_TYPE_COUNT] = {
	[IPC_REQUEST] = { "request",
	                  IPC_INBOX,
	                  { { "id", IPC_STRING },
	                    { "kind", IPC_STRING },
	                    { "payload", IPC_OBJECT } } },
	[IPC_CANCEL] = { "cancel", IPC_INBOX, { { "id", IPC_STRING } } },
	[IPC_SHUTDOWN] = { "shutdown", IPC_INBOX, { { NULL, IPC_NOFIELD } } },
	[IPC_HELLO] = { "hello",
	                IPC_OUTBOX,
	                { { "pid", IPC_INT }, { "role", IPC_STRING }, { "protocol", IPC_INT } } },
	[IPC_PROGRESS] = { "progress",
	                   IPC_OUTBOX,
	                   { { "id", IPC_STRING }, { "text", IPC_STRING } } },
	[IPC_TOKEN] = { "token", IPC_OUTBOX, { { "id", IPC_STRING }, { "text", IPC_STRING } } },
	[IPC_RESULT] = { "result",
	                 IPC_OUTBOX,
	                 { { "id", IPC_STRING },
	                   { "payload", IPC_OBJECT },
	                   { "model_us", IPC_INT },
	                   { "usage", IPC_OBJECT } } },
	[IPC_ERROR] = { "error",
	                IPC_OUTBOX,
	                { { "id", IPC_STRING },
	                  { "message", IPC_STRING },
	                  { "kind", IPC_STRING },
	                  { "model_us", IPC_INT },
	                  { "usage", IPC_OBJECT } } },
	[IPC_HEARTBEAT] = { "heartbeat", IPC_OUTBOX, { { NULL, IPC_NOFIELD } } },
};

/* The type's name ("request"), or NULL for a value outside the enum. */
const char *ipc_type_name(enum ipc_type t);
/* The type called name, or -1 when no type has that name. */
int ipc_type_parse(const char *name);
/*
 * Checks obj against t's schema: every field present with its type, each once,
 * and no other field ("v", "seq" and "type" are left to the caller). Returns 0,
 * or -1 with the first problem ("'id' must be a string", "unknown field 'x'").
 */
int ipc_check(enum ipc_type t, const cJSON *obj, struct error *e);

#endif
