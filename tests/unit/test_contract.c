/* test_contract.c - finding JSON in model replies and holding it to a contract. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/contract.h"
#include "core/error.h"

/* contract_extract() as text: the compact JSON found, or "error: <message>". */
static char *extract(const char *reply)
{
	struct error e = ERROR_INIT;
	cJSON *doc;
	char *s, *r;

	if (contract_extract(reply, strlen(reply), &doc, &e) < 0) {
		CHECK(doc == NULL);
		r = malloc(strlen(e.msg) + 8);
		strcpy(r, "error: ");
		strcat(r, e.msg);
		return r;
	}
	s = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	return s;
}

#define EXTRACT(reply, want)                                                                       \
	do {                                                                                       \
		char *got_ = extract(reply);                                                       \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

/* contract_parse() against c: "ok" or the message. */
static char *parse(const struct contract *c, const char *reply)
{
	struct error e = ERROR_INIT;
	cJSON *doc;
	char *r;

	if (contract_parse(c, reply, strlen(reply), &doc, &e) < 0) {
		CHECK(doc == NULL);
		r = malloc(strlen(e.msg) + 1);
		strcpy(r, e.msg);
		return r;
	}
	CHECK(doc != NULL);
	cJSON_Delete(doc);
	r = malloc(3);
	strcpy(r, "ok");
	return r;
}

#define PARSE(c, reply, want)                                                                      \
	do {                                                                                       \
		char *got_ = parse((c), (reply));                                                  \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

static void test_extract_found(void)
{
	/* the usual: prose, a json fence, more prose */
	EXTRACT("Sure! Here is the plan:\n\n```json\n{\n  \"steps\": [\n    {\"goal\": \"Add a "
	        "flag\", "
	        "\"files\": [\"src/main.c\"]}\n  ]\n}\n```\n\nLet me know if you need changes.",
	        "{\"steps\":[{\"goal\":\"Add a flag\",\"files\":[\"src/main.c\"]}]}");
	EXTRACT("```\n{\"steps\": []}\n```", "{\"steps\":[]}");
	EXTRACT("```JSON\n{\"steps\": []}\n```", "{\"steps\":[]}");
	EXTRACT("~~~json\n{\"a\": 1}\n~~~", "{\"a\":1}");
	/* bare, with prose on both sides */
	EXTRACT("The plan is {\"steps\": [{\"goal\": \"x\"}]} as requested.",
	        "{\"steps\":[{\"goal\":\"x\"}]}");
	EXTRACT("{\"a\": 1}", "{\"a\":1}");
	EXTRACT("  \n\t{\"a\": 1}  \n", "{\"a\":1}");
	EXTRACT("\xef\xbb\xbf{\"a\": 1}", "{\"a\":1}");
	/* trailing commas, the most common slip */
	EXTRACT("{\"steps\": [{\"goal\": \"a\", \"files\": [\"x.c\",],},],}",
	        "{\"steps\":[{\"goal\":\"a\",\"files\":[\"x.c\"]}]}");
	EXTRACT("{\"a\": [1, 2 ,\n ]\n}", "{\"a\":[1,2]}");
	/* the reply stops right after a complete value: closing is unambiguous */
	EXTRACT("```json\n{\"steps\": [{\"goal\": \"a\"}]\n```", "{\"steps\":[{\"goal\":\"a\"}]}");
	EXTRACT("{\"steps\": [{\"goal\": \"a\"}", "{\"steps\":[{\"goal\":\"a\"}]}");
	EXTRACT("{\"steps\": [{\"goal\": \"a\"}]", "{\"steps\":[{\"goal\":\"a\"}]}");
	EXTRACT("{\"a\": \"b\"", "{\"a\":\"b\"}");
	/* prose braces before the JSON are skipped */
	EXTRACT("Use {placeholders} sparingly. {\"a\": 1}", "{\"a\":1}");
	EXTRACT("In C, write `if (x) { y(); }`. Answer: {\"a\": 1}", "{\"a\":1}");
	/* another language's fence is not the answer; a json fence after it is */
	EXTRACT("```python\nd = {\"a\": 1}\n```\nAs JSON:\n```json\n{\"b\": 2}\n```", "{\"b\":2}");
	/* the first fence that holds an object wins, then the first bare object */
	EXTRACT("```json\n{\"first\": 1}\n```\n```json\n{\"second\": 2}\n```", "{\"first\":1}");
	EXTRACT("{\"first\": 1} {\"second\": 2}", "{\"first\":1}");
	/* a broken first object is skipped whole; the next one that parses wins */
	EXTRACT("{\"a\": 1 \"b\": 2} then {\"c\": 3}", "{\"c\":3}");
	EXTRACT("```json\n{'a': 1}\n```\nSorry, I meant {\"a\": 1}", "{\"a\":1}");
	/* a closing fence glued to the brace */
	EXTRACT("```json\n{\"a\": 1}```\nok", "{\"a\":1}");
	/* reasoning first: drafts inside <think> are not the answer */
	EXTRACT("<think>\nMaybe {\"steps\": []}? No, one step.\n</think>\n{\"steps\": [{\"goal\": "
	        "\"x\"}]}",
	        "{\"steps\":[{\"goal\":\"x\"}]}");
	EXTRACT("<think>{\"a\": 1}", "{\"a\":1}");
	/* strings keep their content: braces, escapes, unicode */
	EXTRACT("{\"s\": \"a } ] , \\\" \\\\ \\u00e9 \xc3\xa9\"}",
	        "{\"s\":\"a } ] , \\\" \\\\ \xc3\xa9 \xc3\xa9\"}");
	EXTRACT("{\"n\": [0, -1, 2.5, 1e3, -0.5E-2, true, false, null]}",
	        "{\"n\":[0,-1,2.5,1000,-0.005,true,false,null]}");
}

static void test_extract_refused(void)
{
	EXTRACT("", "error: no JSON object in the reply");
	EXTRACT("I could not come up with a plan.", "error: no JSON object in the reply");
	EXTRACT("[1, 2] [\"a\"]", "error: no JSON object in the reply");
	/* an array of steps is not mined for its first step */
	EXTRACT("[{\"goal\": \"x\"}]", "error: the JSON is an array, not an object");
	EXTRACT("```json\n[ {\"goal\": \"x\"} ]\n```",
	        "error: the JSON is an array, not an object");
	EXTRACT("See [1]. [{\"a\": 1}] and then {\"b\": 2}", "{\"b\":2}");
	EXTRACT("{\"steps\": [{\"goal\": \"Add a fl", "error: the JSON is cut off inside a string");
	/* cut after a key, a colon, a comma or inside a number: what was lost is unknown */
	EXTRACT("{\"steps\": [{\"goal\": \"a\"},", "error: the JSON is cut off");
	EXTRACT("{\"steps\": [{\"goal\"", "error: the JSON is cut off");
	EXTRACT("{\"n\": 12", "error: the JSON is cut off");
	EXTRACT("{\"a\": tr", "error: the JSON is cut off");
	EXTRACT("{", "error: the JSON is cut off");
	EXTRACT("{\"goal\": \"a\"\n\"files\": []}",
	        "error: the JSON is invalid at line 2, near '\"files\": []}'");
	EXTRACT("Plan:\n{'steps': []}", "error: the JSON is invalid at line 2, near 'steps': []}'");
	EXTRACT("{\"a\": 1 // one\n}", "error: the JSON is invalid at line 1, near '// one\\x0a}'");
	EXTRACT("{\"a\": [1, 2}", "error: the JSON is invalid at line 1, near '}'");
	EXTRACT("{\"a\": [1,, 2]}", "error: the JSON is invalid at line 1, near ', 2]}'");
	EXTRACT("{\"a\": 01}", "error: the JSON is invalid at line 1, near '01}'");
	EXTRACT("{\"a\": 1.}", "error: the JSON is invalid at line 1, near '1.}'");
	EXTRACT("{\"a\": .5}", "error: the JSON is invalid at line 1, near '.5}'");
	EXTRACT("{\"a\": NaN}", "error: the JSON is invalid at line 1, near 'NaN}'");
	EXTRACT("{\"a\": \"x\ny\"}",
	        "error: the JSON has a raw control character in a string at line 1");
	EXTRACT("\n{\"a\": \"x\\u0000y\"}",
	        "error: the JSON has a NUL character (\\u0000) in a string at line 2");
	EXTRACT("{\"a\": \"\\ud800\"}", "error: the JSON is invalid at line 1, near '\\ud800\"}'");
	/* a prose brace does not hide the error of the object that was meant */
	EXTRACT("A {note}. {\"steps\": [}", "error: the JSON is invalid at line 1, near '}'");
}

static void test_extract_hostile(void)
{
	struct error e = ERROR_INIT;
	cJSON *doc;
	char *deep = malloc(3 * 2000 + 16), *flat;
	size_t i, n = 0;

	/* deeper than cJSON allows: refused, not crashed */
	n += (size_t)sprintf(deep, "{\"a\":");
	for (i = 0; i < 2000; i++)
		deep[n++] = '[';
	for (i = 0; i < 2000; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	CHECK_INT(contract_extract(deep, n, &doc, &e), -1);
	CHECK_STR(e.msg, "the JSON nests too deeply at line 1");
	/* exactly at the limit is fine */
	n = (size_t)sprintf(deep, "{\"a\":");
	for (i = 0; i < 999; i++)
		deep[n++] = '[';
	for (i = 0; i < 999; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	CHECK_INT(contract_extract(deep, n, &doc, &e), 0);
	cJSON_Delete(doc);
	free(deep);

	/* NUL bytes and binary junk around the JSON */
	CHECK_INT(contract_extract("\0\xff{\"a\": 1}\0", 11, &doc, &e), 0);
	CHECK(cJSON_IsObject(doc));
	cJSON_Delete(doc);
	CHECK_INT(contract_extract("{\"a\": \"x\0y\"}", 12, &doc, &e), -1);
	CHECK_STR(e.msg, "the JSON has a raw control character in a string at line 1");
	CHECK_INT(contract_extract("{\"a\":\0 1}", 9, &doc, &e), -1);
	CHECK(doc == NULL);
	CHECK_INT(contract_extract(NULL, 5, &doc, &e), -1);
	CHECK_STR(e.msg, "no JSON object in the reply");

	/* many broken candidates: each is skipped whole, so this stays fast */
	flat = malloc(400001);
	for (i = 0; i < 400000; i += 4)
		memcpy(flat + i, "{x}\n", 4);
	CHECK_INT(contract_extract(flat, 400000, &doc, &e), -1);
	CHECK_STR(e.msg, "the JSON is invalid at line 1, near "
	                 "'}\\x0a{x}\\x0a{x}\\x0a{x}\\x0a{x}\\x0a{x}...'");
	memset(flat, '{', 400000);
	CHECK_INT(contract_extract(flat, 400000, &doc, &e), -1);
	CHECK_STR(e.msg, "the JSON nests too deeply at line 1");
	free(flat);
}

static const char *const kinds[] = { "edit", "test", NULL };

static const struct contract_field t_step_fields[] = {
	{ .name = "kind", .type = CT_STRING, .required = 1, .enum_values = kinds },
	{ .name = "path", .type = CT_PATH, .required = 1 },
	{ .name = "line", .type = CT_INTEGER, .min = 1, .max = 100000 },
	{ .name = "shift", .type = CT_INTEGER, .min = LONG_MIN },
	{ .name = "risky", .type = CT_BOOLEAN },
};
static const struct contract_field t_step = {
	.type = CT_OBJECT,
	.fields = t_step_fields,
	.nfields = sizeof(t_step_fields) / sizeof(t_step_fields[0]),
};
static const struct contract_field t_fields[] = {
	{ .name = "steps", .type = CT_ARRAY, .required = 1, .max = 3, .items = &t_step },
};
static const struct contract_field t_root = {
	.type = CT_OBJECT,
	.fields = t_fields,
	.nfields = 1,
	.description = "a \"test\" contract",
};
static const struct contract t_contract = { "test", &t_root };

static void test_plan(void)
{
	char goal[512];

	PARSE(&contract_plan,
	      "{\"steps\": [{\"goal\": \"Add --json to the CLI\", \"files\": "
	      "[\"src/cli.c\", \"docs/cli.md\"]}, {\"goal\": \"Test it\"}]}",
	      "ok");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"x\", \"files\": []}]}", "ok");
	PARSE(&contract_plan, "{\"steps\": \"do it\"}", "steps: expected an array, got a string");
	PARSE(&contract_plan, "{\"plan\": {\"steps\": []}}", "plan: unknown field");
	PARSE(&contract_plan, "{}", "steps: missing");
	PARSE(&contract_plan, "{\"steps\": []}", "steps: too few items (0, at least 1)");
	PARSE(&contract_plan,
	      "{\"steps\": [{\"goal\": \"a\"}, {\"goal\": \"b\"}, {\"goal\": \"c\"}, {\"goal\": "
	      "\"d\"}, {\"goal\": \"e\"}, {\"goal\": \"f\"}, {\"goal\": \"g\"}, {\"goal\": \"h\"}, "
	      "{\"goal\": \"i\"}, {\"goal\": \"j\"}, {\"goal\": \"k\"}, {\"goal\": \"l\"}, "
	      "{\"goal\": "
	      "\"m\"}]}",
	      "steps: too many items (13, at most 12)");
	PARSE(&contract_plan,
	      "{\"steps\": [{\"goal\": \"a\"}, {\"goal\": \"b\"}, {\"description\": \"c\"}]}",
	      "steps[2].description: unknown field");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\"}, {\"goal\": \"b\"}, {}]}",
	      "steps[2].goal: missing");
	PARSE(&contract_plan, "{\"steps\": [{\"gaol\": \"a\"}]}", "steps[0].gaol: unknown field");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"\"}]}",
	      "steps[0].goal: too short (0 bytes, at least 1)");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": 7}]}",
	      "steps[0].goal: expected a string, got a number");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": null}]}",
	      "steps[0].goal: expected a string, got null");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\", \"goal\": \"b\"}]}",
	      "steps[0].goal: duplicate key");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\\u00e9\"}]}", "ok");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\xff\"}]}",
	      "steps[0].goal: not valid UTF-8");
	PARSE(&contract_plan, "{\"steps\": [[\"a\"]]}",
	      "steps[0]: expected an object, got an array");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\", \"files\": \"src/a.c\"}]}",
	      "steps[0].files: expected an array, got a string");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\", \"files\": null}]}",
	      "steps[0].files: expected an array, got null");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\", \"files\": [\"ok.c\", \"../x\"]}]}",
	      "steps[0].files[1]: '../x' leaves the repository");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\", \"files\": [\".git/config\"]}]}",
	      "steps[0].files[0]: '.git/config' is inside .git");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\", \"files\": [\"/etc/passwd\"]}]}",
	      "steps[0].files[0]: '/etc/passwd' is an absolute path");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\", \"files\": [\"a\\\\b\"]}]}",
	      "steps[0].files[0]: 'a\\b' contains a backslash");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\", \"files\": [\"\"]}]}",
	      "steps[0].files[0]: empty path");
	PARSE(&contract_plan, "{\"steps\": [{\"goal\": \"a\", \"files\": [\"a\\tb\"]}]}",
	      "steps[0].files[0]: 'a\\x09b' contains a control character");
	/* fields are checked in table order: goal before files */
	PARSE(&contract_plan, "{\"steps\": [{\"files\": [\"../x\"]}]}", "steps[0].goal: missing");
	/* unknown keys are reported before missing ones: the typo is the news */
	PARSE(&contract_plan, "{\"steps\": [{\"files\": [], \"Goal\": \"x\"}]}",
	      "steps[0].Goal: unknown field");
	/* an unknown key is quoted safely */
	PARSE(&contract_plan, "{\"steps\": [{\"go\\nal\": \"x\"}]}",
	      "steps[0].go\\x0aal: unknown field");
	/* extraction errors come through contract_parse too */
	PARSE(&contract_plan, "no plan", "no JSON object in the reply");
	/* a realistic small-model reply, repaired and validated */
	PARSE(&contract_plan,
	      "Okay, here's my plan!\n\n```json\n{\n  \"steps\": [\n    {\n      \"goal\": \"Read "
	      "the config\",\n      \"files\": [\"src/config.c\", \"src/config.h\",],\n    },\n    "
	      "{\"goal\": \"Write tests\", \"files\": [\"tests/test_config.c\"]}\n  ]\n",
	      "ok");

	memset(goal, 'g', sizeof(goal));
	memcpy(goal, "{\"steps\": [{\"goal\": \"", 21);
	strcpy(goal + 21 + 401, "\"}]}");
	PARSE(&contract_plan, goal, "steps[0].goal: too long (401 bytes, at most 400)");
	goal[21 + 400] = '"';
	strcpy(goal + 21 + 401, "}]}");
	PARSE(&contract_plan, goal, "ok");
}

static void test_types(void)
{
	struct error e = ERROR_INIT;
	cJSON *arr = cJSON_CreateArray();

	PARSE(&t_contract,
	      "{\"steps\": [{\"kind\": \"edit\", \"path\": \"a.c\", \"line\": 3, "
	      "\"shift\": -40, \"risky\": false}]}",
	      "ok");
	PARSE(&t_contract, "{\"steps\": []}", "ok");
	PARSE(&t_contract,
	      "{\"steps\": [{\"kind\": \"edit\", \"path\": \"a.c\"}, {\"kind\": "
	      "\"refactor\", \"path\": \"b.c\"}]}",
	      "steps[1].kind: 'refactor' is not one of 'edit', 'test'");
	PARSE(&t_contract, "{\"steps\": [{\"kind\": \"Edit\", \"path\": \"a.c\"}]}",
	      "steps[0].kind: 'Edit' is not one of 'edit', 'test'");
	PARSE(&t_contract, "{\"steps\": [{\"kind\": \"test\", \"path\": \"a.c\", \"line\": 1.5}]}",
	      "steps[0].line: 1.5 is not an integer");
	PARSE(&t_contract, "{\"steps\": [{\"kind\": \"test\", \"path\": \"a.c\", \"line\": 2.0}]}",
	      "ok");
	PARSE(&t_contract, "{\"steps\": [{\"kind\": \"test\", \"path\": \"a.c\", \"line\": 0}]}",
	      "steps[0].line: too small (0, at least 1)");
	PARSE(&t_contract,
	      "{\"steps\": [{\"kind\": \"test\", \"path\": \"a.c\", \"line\": 100001}]}",
	      "steps[0].line: too large (100001, at most 100000)");
	PARSE(&t_contract,
	      "{\"steps\": [{\"kind\": \"test\", \"path\": \"a.c\", \"line\": 1e300}]}",
	      "steps[0].line: too large (1e+300, at most 100000)");
	PARSE(&t_contract,
	      "{\"steps\": [{\"kind\": \"test\", \"path\": \"a.c\", \"line\": \"3\"}]}",
	      "steps[0].line: expected an integer, got a string");
	PARSE(&t_contract,
	      "{\"steps\": [{\"kind\": \"test\", \"path\": \"a.c\", \"shift\": "
	      "-99999999999}]}",
	      "ok");
	PARSE(&t_contract,
	      "{\"steps\": [{\"kind\": \"test\", \"path\": \"a.c\", \"risky\": "
	      "\"yes\"}]}",
	      "steps[0].risky: expected a boolean, got a string");
	PARSE(&t_contract, "{\"steps\": [{\"kind\": \"test\", \"path\": \".GIT/x\"}]}",
	      "steps[0].path: '.GIT/x' is inside .git");
	PARSE(&t_contract, "{\"steps\": [{\"kind\": \"test\", \"path\": 5}]}",
	      "steps[0].path: expected a string, got a number");
	PARSE(&t_contract, "{\"steps\": [{}, {}, {}, {}]}", "steps: too many items (4, at most 3)");
	PARSE(&t_contract, "{\"steps\": [{\"path\": \"a.c\"}]}", "steps[0].kind: missing");

	CHECK_INT(contract_validate(&t_contract, arr, &e), -1);
	CHECK_STR(e.msg, "top level: expected an object, got an array");
	CHECK_INT(contract_validate(&t_contract, NULL, &e), -1);
	CHECK_STR(e.msg, "no JSON document");
	cJSON_Delete(arr);
}

static void test_schema(void)
{
	char *s = contract_schema(&contract_plan);
	cJSON *doc = cJSON_Parse(s);

	CHECK_STR(s,
	          "{\"type\":\"object\",\"description\":\"a plan for the task\",\"properties\":{"
	          "\"steps\":{\"type\":\"array\",\"description\":\"the steps, in the order they "
	          "are to be done\",\"items\":{\"type\":\"object\",\"description\":\"one step of "
	          "the plan\",\"properties\":{\"goal\":{\"type\":\"string\",\"description\":\"what "
	          "this step changes and why, in one or two sentences\",\"minLength\":1,"
	          "\"maxLength\":400},\"files\":{\"type\":\"array\",\"description\":\"the files "
	          "this step will touch\",\"items\":{\"type\":\"string\",\"description\":\"a file "
	          "the step reads or changes, relative to the repository root\",\"minLength\":1,"
	          "\"maxLength\":4096},\"maxItems\":12}},\"required\":[\"goal\"],"
	          "\"additionalProperties\":false},\"minItems\":1,\"maxItems\":12}},\"required\":["
	          "\"steps\"],\"additionalProperties\":false}");
	CHECK(doc != NULL);
	cJSON_Delete(doc);
	free(s);

	s = contract_schema(&t_contract);
	CHECK_STR(s,
	          "{\"type\":\"object\",\"description\":\"a \\\"test\\\" contract\",\"properties\":"
	          "{\"steps\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
	          "\"kind\":{\"type\":\"string\",\"enum\":[\"edit\",\"test\"]},\"path\":{\"type\":"
	          "\"string\",\"minLength\":1,\"maxLength\":4096},\"line\":{\"type\":\"integer\","
	          "\"minimum\":1,\"maximum\":100000},\"shift\":{\"type\":\"integer\"},\"risky\":{"
	          "\"type\":\"boolean\"}},\"required\":[\"kind\",\"path\"],"
	          "\"additionalProperties\":false},\"maxItems\":3}},\"required\":[\"steps\"],"
	          "\"additionalProperties\":false}");
	free(s);
}

int main(void)
{
	test_extract_found();
	test_extract_refused();
	test_extract_hostile();
	test_plan();
	test_types();
	test_schema();
	return check_done("test_contract");
}
