/*
 * test_model.c - the model client and contract-checked replies against the real
 * loom-fakesrv ($LOOMFAKESRV): each dialect's figures, schema-constrained
 * decoding where the server has it, and the bounded retry on a broken contract.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "core/config.h"
#include "core/contract.h"
#include "core/model.h"
#include "core/structured.h"
#include "core/xalloc.h"

extern char **environ;

static char tmp[] = "/tmp/loom-test-model-XXXXXX";

struct srv {
	pid_t pid;
	char url[64];
	char log[256];
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	free(path);
}

/* Starts loom-fakesrv on the script directory tmp/name with the given --api. */
static void srv_start(struct srv *s, const char *name, const char *api)
{
	const char *bin = getenv("LOOMFAKESRV");
	char *script = xasprintf("%s/%s", tmp, name), *port = xasprintf("%s/%s.port", tmp, name);
	char *argv[] = { (char *)bin, "--script", script,  "--port-file", port,
		         "--log",     s->log,     "--api", (char *)api,   NULL };
	int i;

	snprintf(s->log, sizeof(s->log), "%s/%s.log", tmp, name);
	if (!bin || posix_spawn(&s->pid, bin, NULL, NULL, argv, environ) != 0) {
		fprintf(stderr, "cannot start loom-fakesrv (LOOMFAKESRV=%s)\n", bin ? bin : "");
		exit(1);
	}
	for (i = 0; i < 200; i++) {
		FILE *f = fopen(port, "r");
		int p = 0;
		if (f && fscanf(f, "%d", &p) == 1 && p > 0) {
			snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", p);
			fclose(f);
			break;
		}
		if (f)
			fclose(f);
		usleep(20000);
	}
	free(script);
	free(port);
}

static void srv_stop(struct srv *s)
{
	int st;

	kill(s->pid, SIGTERM);
	waitpid(s->pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void open_model(struct model *m, const char *url, struct error *e)
{
	struct config c;

	config_init(&c);
	config_set(&c, CONF_ENDPOINT, url, CONF_FROM_FLAG, NULL, e);
	CHECK_INT(model_open(m, &c, e), 0);
	config_release(&c);
}

static void script_dir(const char *name)
{
	char *dir = xasprintf("%s/%s", tmp, name);
	mkdir(dir, 0700);
	free(dir);
}

static const struct model_msg plan_msgs[] = {
	{ "system", "Reply with a plan as JSON." },
	{ "user", "Add a --verbose flag." },
};

static void test_dialects(void)
{
	static const char *const apis[] = { "llamacpp", "ollama", "openai" };
	size_t i;

	for (i = 0; i < 3; i++) {
		char *dir = xasprintf("%s/d-%s", tmp, apis[i]), *name = xasprintf("d-%s", apis[i]);
		struct srv s;
		struct model m = MODEL_INIT;
		struct model_reply r = MODEL_REPLY_INIT;
		struct model_request req = { 0 };
		struct error e = ERROR_INIT;
		struct model_msg msg = { "user", "hello" };
		int exact = 0;

		script_dir(name);
		write_file(dir, "001.reply", "usage: 12 5 4\n---\nfive words of reply here");
		srv_start(&s, name, apis[i]);
		open_model(&m, s.url, &e);
		CHECK_STR(model_api_name(m.api), apis[i]);
		req.msgs = &msg;
		req.nmsgs = 1;
		req.max_tokens = 32;
		CHECK_INT(model_chat(&m, &req, &r, &e), 0);
		CHECK_STR(r.text.ptr, "five words of reply here");
		CHECK_INT(r.prompt_tokens, 12);
		CHECK_INT(r.completion_tokens, 5);
		CHECK_STR(r.finish, "stop");
		if (i < 2) {
			/* llama.cpp timings and Ollama eval_duration: 20 ms per token */
			CHECK(r.speed_from_server);
			CHECK(r.tokens_per_s > 49.9 && r.tokens_per_s < 50.1);
		}
		if (i == 0)
			CHECK_INT(r.cached_tokens, 4);
		CHECK_INT(model_count_tokens(&m, "hello  world\n", 13, &exact), i == 0 ? 6 : 5);
		CHECK_INT(exact, i == 0);
		buf_release(&r.text);
		model_close(&m);
		srv_stop(&s);
		free(dir);
		free(name);
	}
}

static void test_contract_retry(void)
{
	static const struct {
		const char *api;
		const char *schema_expect;
	} cases[] = {
		{ "llamacpp",
		  "expect: response_format.type = \"json_schema\"\n"
		  "expect: response_format.json_schema.schema.required[0] = \"steps\"\n" },
		{ "ollama", "expect: format.type = \"object\"\n" },
		{ "openai", "expect: response_format absent\nexpect: format absent\n" },
	};
	size_t i;

	for (i = 0; i < 3; i++) {
		char *name = xasprintf("c-%s", cases[i].api), *dir = xasprintf("%s/%s", tmp, name);
		char *first =
		        xasprintf("%s---\nHere is the plan:\n```json\n{\"steps\": [{\"files\": "
		                  "[\"src/cli.c\"]},]}\n```",
		                  cases[i].schema_expect);
		struct srv s;
		struct model m = MODEL_INIT;
		struct model_request req = { 0 };
		struct error e = ERROR_INIT;
		cJSON *doc = NULL;
		int attempts = 0;

		script_dir(name);
		write_file(dir, "001.reply", first);
		write_file(dir, "002.reply",
		           "expect: messages[2].role = \"assistant\"\n"
		           "expect: messages[3].content ~ \"steps[0].goal: missing\"\n"
		           "---\n{\"steps\": [{\"goal\": \"add the flag\", \"files\": "
		           "[\"src/cli.c\"]}]}");
		srv_start(&s, name, cases[i].api);
		open_model(&m, s.url, &e);
		req.msgs = plan_msgs;
		req.nmsgs = 2;
		req.max_tokens = 256;
		CHECK_INT(structured_chat(&m, &req, &contract_plan, 2, &doc, &attempts, &e), 0);
		CHECK_INT(attempts, 2);
		CHECK(doc != NULL);
		if (doc) {
			const cJSON *goal = cJSON_GetObjectItemCaseSensitive(
			        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "steps"),
			                           0),
			        "goal");
			CHECK(cJSON_IsString(goal) && !strcmp(goal->valuestring, "add the flag"));
		}
		if (e.msg[0])
			fprintf(stderr, "%s: %s\n", cases[i].api, e.msg);
		cJSON_Delete(doc);
		model_close(&m);
		srv_stop(&s);
		free(name);
		free(dir);
		free(first);
	}
}

static void test_contract_gives_up(void)
{
	char *dir = xasprintf("%s/giveup", tmp);
	struct srv s;
	struct model m = MODEL_INIT;
	struct model_request req = { 0 };
	struct error e = ERROR_INIT;
	cJSON *doc = NULL;
	int attempts = 0;

	script_dir("giveup");
	write_file(dir, "001.reply", "---\nI think we should add a flag.");
	write_file(dir, "002.reply", "---\n{\"steps\": []}");
	write_file(dir, "003.reply",
	           "---\n{\"steps\": [{\"goal\": \"x\", \"files\": [\"../etc\"]}]}");
	srv_start(&s, "giveup", "llamacpp");
	open_model(&m, s.url, &e);
	req.msgs = plan_msgs;
	req.nmsgs = 2;
	req.max_tokens = 64;
	CHECK_INT(structured_chat(&m, &req, &contract_plan, 2, &doc, &attempts, &e), -1);
	CHECK_INT(attempts, 3);
	CHECK(doc == NULL);
	CHECK_STR(e.msg, "the model's reply broke the 'plan' contract 3 times; last: "
	                 "steps[0].files[0]: '../etc' leaves the repository");
	model_close(&m);
	srv_stop(&s);
	free(dir);
}

int main(void)
{
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	CHECK(model_params_from_name("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf") == 1.5);
	CHECK(model_params_from_name("Llama-3-8B-Instruct.Q4.gguf") == 8);
	CHECK(model_params_from_name("3.1B") == 3.1);
	CHECK(model_params_from_name("qwen2.5-coder") == 0);
	CHECK(model_params_from_name("fake-model.gguf") == 0);
	CHECK(model_params_from_name("web-b") == 0);
	test_dialects();
	test_contract_retry();
	test_contract_gives_up();
	{
		char *cmd = xasprintf("rm -rf %s", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmp);
		free(cmd);
	}
	return check_done("test_model");
}
