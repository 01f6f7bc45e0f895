/*
 * doctor.c - `loom doctor`: is the model server usable, and if not, what to fix.
 *
 * Prints each setting with where it came from, then checks in order: the
 * endpoint answers, which API it speaks, the model, its context size, whether
 * it counts tokens and constrains decoding, and a short generation with its
 * speed. Each failed check prints what to do about it; the exit status is 0
 * only when everything works. It also says how far the kernel can confine the
 * workers (agents/sandbox.c); a kernel without Landlock is reported, not failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agents/cli.h"
#include "agents/sandbox.h"
#include "agents/workers.h"
#include "context/repo.h"
#include "core/config.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/model.h"

static const char doctor_usage[] =
        "usage: loom doctor [-C PATH] [--endpoint URL] [--api API] [--model NAME]\n"
        "\n"
        "Checks the model server Loom is configured to use and says what to fix.\n";

static void advise(struct model *m, const char *why)
{
	printf("  problem: %s\n", why);
	switch (m->fail) {
	case MODEL_FAIL_CONNECT:
		printf("  fix: start a server, for example\n"
		       "         llama-server -m MODEL.gguf --port 8080 --threads <physical "
		       "cores>\n"
		       "       or 'ollama serve' (port 11434) with endpoint = "
		       "http://127.0.0.1:11434,\n"
		       "       and check 'endpoint' above\n");
		break;
	case MODEL_FAIL_OVERFLOW:
		printf("  fix: raise the server's context (llama-server --ctx-size, or 'context' "
		       "for "
		       "Ollama) or lower max_tokens\n");
		break;
	default:
		printf("  fix: see the server's own log; 'api' can be forced if detection is "
		       "wrong\n");
		break;
	}
}

int cli_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "endpoint", required_argument, NULL, 'E' },
		{ "api", required_argument, NULL, 'A' },
		{ "model", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config conf, flags;
	struct repo r = REPO_INIT;
	struct error e = ERROR_INIT;
	struct model m = MODEL_INIT;
	struct model_reply reply = MODEL_REPLY_INIT;
	const char *dir = ".";
	int c, i, ok = 1, exact = 0, bad;

	config_init(&flags);
	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case 'E':
		case 'A':
		case 'M':
			if (agents_flag(&flags, c, optarg) < 0) {
				config_release(&flags);
				return LOOM_EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(doctor_usage, stdout);
			config_release(&flags);
			return LOOM_EXIT_OK;
		default:
			fputs(doctor_usage, stderr);
			config_release(&flags);
			return LOOM_EXIT_USAGE;
		}
	}
	config_init(&conf);
	/* a repository is optional here: outside one, only user settings apply */
	if (repo_open(dir, &r, &e) < 0)
		r.conf_dir = NULL;
	bad = config_load(&conf, r.conf_dir);
	for (i = 0; i < CONF__COUNT; i++)
		if (flags.src[i] == CONF_FROM_FLAG)
			config_set(&conf, (enum config_key)i, flags.val[i], CONF_FROM_FLAG,
			           flags.where[i], &e);
	printf("settings:\n");
	for (i = 0; i < CONF__COUNT; i++) {
		const char *v = config_get(&conf, (enum config_key)i);
		printf("  %-16s %-28s (%s%s%s)\n", config_name((enum config_key)i), *v ? v : "\"\"",
		       config_source_name(conf.src[i]), conf.where[i] ? ", " : "",
		       conf.where[i] ? conf.where[i] : "");
	}
	if (bad) {
		printf("  problem: %d bad setting%s (see the warnings above); they were ignored\n",
		       bad, bad == 1 ? "" : "s");
		ok = 0;
	}

	printf("workers:\n  %-16s %s\n", "sandbox", sandbox_level());
	{
		char *exe = realpath("/proc/self/exe", NULL);
		int k;
		for (k = 0; exe && k < WORKER__COUNT; k++) {
			char *bin = workers_bin(exe, (enum worker_role)k);
			if (access(bin, X_OK) != 0) {
				printf("  problem: cannot run the %s's worker '%s': %s\n",
				       workers_role_name((enum worker_role)k), bin,
				       strerror(errno));
				ok = 0;
			} else if (k == WORKER_EXPLORER || k == WORKER_ARCHITECT) {
				printf("  %-16s %s\n",
				       k == WORKER_EXPLORER ? "explorer" : "architect, coder", bin);
			}
			free(bin);
		}
		free(exe);
	}
	printf("model server:\n");
	if (model_open(&m, &conf, &e) < 0) {
		advise(&m, e.msg);
		ok = 0;
		goto out;
	}
	printf("  endpoint         %s answers\n", m.endpoint);
	printf("  api              %s%s\n", model_api_name(m.api),
	       !strcmp(config_get(&conf, CONF_API), "auto") ? " (detected)" : " (forced)");
	printf("  model            %s\n", *m.name ? m.name : "(the server's only model)");
	printf("  context          %d tokens%s\n", m.n_ctx,
	       m.n_ctx_reported
	               ? (m.api == MODEL_API_OLLAMA ? " (sent as options.num_ctx)" : " (reported)")
	               : " (assumed: the server does not say; set 'context')");
	printf("  token counting   %s\n",
	       m.can_tokenize ? "exact (/tokenize)" : "estimated (bytes/3)");
	printf("  json schema      %s\n",
	       m.can_schema ? "constrained decoding" : "prompting and validation only");
	if (m.n_ctx < 4096) {
		printf("  note: a context of %d tokens leaves little room for code; 8192 or more "
		       "works much better\n",
		       m.n_ctx);
	}
	model_count_tokens(&m, "hello world", 11, &exact);
	{
		struct model_msg msgs[1] = { { "user", "Reply with the single word OK." } };
		struct model_request req = { 0 };
		req.msgs = msgs;
		req.nmsgs = 1;
		static const char *const stop[] = { "\n" };
		req.max_tokens = 8;
		req.temperature = 0;
		req.stop = stop;
		req.nstop = 1;
		req.seed = config_long(&conf, CONF_SEED);
		if (model_chat(&m, &req, &reply, &e) < 0) {
			advise(&m, e.msg);
			ok = 0;
			goto out;
		}
		printf("  generation       '%.*s' in %.2f s, %.1f tokens/s%s\n",
		       (int)(reply.text.len < 40 ? reply.text.len : 40), reply.text.ptr,
		       reply.seconds, reply.tokens_per_s,
		       reply.speed_from_server ? "" : " (timed by loom)");
	}
out:
	printf("%s\n", ok ? "everything works" : "loom cannot use this model server yet");
	buf_release(&reply.text);
	model_close(&m);
	repo_close(&r);
	config_release(&conf);
	config_release(&flags);
	return ok ? LOOM_EXIT_OK : LOOM_EXIT_FAIL;
}
