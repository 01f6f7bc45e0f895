/*
 * fuzz_contract.c - libFuzzer target for what parses model replies: the plan
 * contract (extraction, validation), edit blocks (parsing, and applying each
 * one to a fixed file), applying the input itself as a SEARCH text and as a
 * file, and path_check_n(). Nothing may crash, leak, hang or read outside the
 * input, which is not NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/contract.h"
#include "core/edits.h"
#include "core/error.h"
#include "core/path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char file[] = "#include <stdio.h>\r\n"
                           "\n"
                           "int main(void)\n"
                           "{\n"
                           "\tint x = 1;\n"
                           "\tprintf(\"%d\\n\", x);\n"
                           "    return 0;  \n"
                           "}\n"
                           "int x = 1;";

static void apply(const struct edit *ed, const char *content, size_t n)
{
	struct buf out = BUF_INIT_MAX(1 << 20);
	struct error e = ERROR_INIT;
	int fuzzy;

	edits_apply(ed, content, n, &out, &fuzzy, &e);
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct edits es = EDITS_INIT;
	struct error e = ERROR_INIT;
	struct edit ed = { EDIT_REPLACE, "a.c", NULL, "y();\n", 1 };
	cJSON *doc = NULL;
	char *copy;
	size_t i;

	if (contract_parse(&contract_plan, text, size, &doc, &e) == 0 && !doc)
		abort();
	cJSON_Delete(doc);

	if (edits_parse(text, size, &es, &e) == 0) {
		for (i = 0; i < es.n; i++) {
			if (path_check(es.v[i].path, &e) < 0)
				abort(); /* a path that got through must be safe */
			apply(&es.v[i], file, sizeof(file) - 1);
			apply(&es.v[i], NULL, 0);
		}
		edits_release(&es);
	} else if (es.n || es.v) {
		abort();
	}

	path_check_n(text, size, &e);

	/* the input as a SEARCH text against the fixed file, and as a file */
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	ed.search = copy;
	apply(&ed, file, sizeof(file) - 1);
	ed.search = "int x = 1;\n";
	apply(&ed, text, size);
	ed.search = "  return   0;\n}\n";
	apply(&ed, text, size);
	free(copy);
	return 0;
}
