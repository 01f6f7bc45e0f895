/* json.c - reading members of cJSON objects (see json.h). */
#include "core/json.h"

const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *json_text(const cJSON *o, const char *key)
{
	const char *s = json_str(o, key);

	return s ? s : "";
}

double json_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}
