/* json.h - reading members of cJSON objects that may be missing or of another type. */
#ifndef LOOM_JSON_H
#define LOOM_JSON_H

#include <cjson/cJSON.h>

/* The string member key of o; NULL when o has none (or it is not a string, or o is NULL). */
const char *json_str(const cJSON *o, const char *key);
/* The same, "" instead of NULL: for text that is shown or copied as it is. */
const char *json_text(const cJSON *o, const char *key);
/* The number member key of o; 0 when o has none. */
double json_num(const cJSON *o, const char *key);

#endif
