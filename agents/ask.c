/*
 * ask.c - `loom ask`: one question, one streamed answer, context from the Loom.
 *
 * The prompt is the system prompt (agents/prompts/ask.txt), then one user
 * message: the packed files of a Context Loom query, best first, then the
 * question. It must fit the model's context together with the reply's token
 * cap. The Loom packs to a budget estimated from that; the client then
 * counts (exactly, when the server can tokenize) and drops the lowest-ranked
 * files until it fits. If even the question alone does not fit, nothing is
 * sent, and the message says how many tokens were needed and how many fit.
 */
#define _GNU_SOURCE
#include "agents/cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agents/prompts.h"
#include "context/db.h"
#include "context/index.h"
#include "context/query.h"
#include "context/repo.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/model.h"
#include "core/xalloc.h"

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
	index_interrupt = 1;
}

static int print_token(void *ctx, const char *text, size_t n)
{
	(void)ctx;
	if (fwrite(text, 1, n, stdout) != n)
		return 1; /* stdout is gone: stop generating */
	fflush(stdout);
	return 0;
}

/* One file of the ledger as prompt text: a header line per slice, then the slice. */
static char *file_part(const cJSON *f)
{
	const cJSON *s, *path = cJSON_GetObjectItemCaseSensitive(f, "path");
	struct buf b = BUF_INIT;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(f, "slices"))
	{
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(s, "text");
		if (!cJSON_IsString(text))
			continue;
		buf_addf(&b, "--- %s (lines %d-%d) ---\n", path->valuestring,
		         cJSON_GetObjectItemCaseSensitive(s, "start_line")->valueint,
		         cJSON_GetObjectItemCaseSensitive(s, "end_line")->valueint);
		buf_adds(&b, text->valuestring);
		if (b.len && b.ptr[b.len - 1] != '\n')
			buf_addch(&b, '\n');
	}
	return buf_detach(&b, NULL);
}

static char *user_message(char **parts, size_t n, const char *question)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		buf_adds(&b, parts[i]);
	buf_addf(&b, "%sQuestion: %s\n", n ? "\n" : "", question);
	return buf_detach(&b, NULL);
}

/*
 * Drops the last parts until system + user message + reply cap fit n_ctx.
 * Returns the user message (caller frees) and the prompt's tokens, or NULL
 * with e set when the question alone does not fit.
 */
static char *fit(struct model *m, const char *system, char **parts, size_t *nparts,
                 const char *question, int max_tokens, int *prompt_tokens, int *exact,
                 struct error *e)
{
	int room = m->n_ctx - max_tokens, sys, need;
	char *msg;

	sys = model_count_tokens(m, system, strlen(system), exact) + MODEL_MSG_OVERHEAD;
	for (;;) {
		msg = user_message(parts, *nparts, question);
		need = sys + model_count_tokens(m, msg, strlen(msg), exact) + MODEL_MSG_OVERHEAD;
		if (need <= room)
			break;
		free(msg);
		if (!*nparts) {
			m->fail = MODEL_FAIL_OVERFLOW;
			error_set(e,
			          "the prompt needs %d tokens but only %d fit (context %d minus %d "
			          "for the "
			          "reply): shorten the question, lower max_tokens or raise the "
			          "context",
			          need, room > 0 ? room : 0, m->n_ctx, max_tokens);
			return NULL;
		}
		free(parts[--*nparts]);
	}
	*prompt_tokens = need;
	return msg;
}

static const char ask_usage[] =
        "usage: loom ask [--tag PATH_OR_GLOB]... [-C PATH] [--endpoint URL] [--api API]\n"
        "                [--model NAME] [--max-tokens N] QUESTION...\n"
        "\n"
        "Answers one question about the repository with the model, streaming the answer to\n"
        "standard output. The context comes from a Context Loom query for the question; its\n"
        "ledger summary goes to standard error. Ctrl-C stops the generation.\n"
        "\n"
        "  --tag P          tag a file, directory or glob (+40 points); repeatable\n"
        "  -C PATH          the repository (default: the current directory)\n"
        "  --endpoint URL   the model server (default http://127.0.0.1:8080, or LOOM_ENDPOINT)\n"
        "  --api API        auto, llamacpp, ollama or openai (LOOM_API)\n"
        "  --model NAME     the model (LOOM_MODEL)\n"
        "  --max-tokens N   cap on the answer's tokens (default 1024)\n"
        "  --budget N       tokens of context to pack (default: what the model's context\n"
        "                   leaves); files that then do not fit are dropped, worst first\n";

/* Applies --endpoint/--api/--model/--max-tokens; -1 after a usage message. */
int agents_flag(struct config *c, int opt, const char *arg)
{
	static const struct {
		int opt;
		enum config_key key;
		const char *flag;
	} map[] = {
		{ 'E', CONF_ENDPOINT, "--endpoint" },
		{ 'A', CONF_API, "--api" },
		{ 'M', CONF_MODEL, "--model" },
		{ 'X', CONF_MAX_TOKENS, "--max-tokens" },
		{ 'F', CONF_EDIT_FORMAT, "--edit-format" },
		{ 'K', CONF_CHECK, "--check" },
	};
	size_t i;
	struct error e = ERROR_INIT;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].opt == opt) {
			if (config_set(c, map[i].key, arg, CONF_FROM_FLAG, map[i].flag, &e) < 0) {
				log_error("%s: %s", map[i].flag, e.msg);
				return -1;
			}
			return 0;
		}
	return -1;
}

int cli_ask(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "endpoint", required_argument, NULL, 'E' },
		{ "api", required_argument, NULL, 'A' },
		{ "model", required_argument, NULL, 'M' },
		{ "max-tokens", required_argument, NULL, 'X' },
		{ "budget", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config flags, conf;
	const char **tags = NULL, *dir = ".";
	size_t ntags = 0, tcap = 0, nparts = 0, i;
	struct buf question = BUF_INIT_MAX(1 << 20);
	struct error e = ERROR_INIT;
	struct repo r = REPO_INIT;
	struct db d = DB_INIT;
	struct model m = MODEL_INIT;
	struct model_reply reply = MODEL_REPLY_INIT;
	struct index_opts io = INDEX_OPTS_INIT;
	struct index_stats ist;
	struct query_opts qo = { 0 };
	struct sigaction sa;
	cJSON *doc = NULL;
	char **parts = NULL, *msg = NULL;
	const char *system = prompt_get("ask");
	int c, rc = LOOM_EXIT_FAIL, prompt_tokens = 0, exact = 0, max_tokens, budget;
	long want_budget = 0;
	char *end;
	int flagged[CONF__COUNT] = { 0 };

	config_init(&flags);
	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			XGROW(tags, tcap, ntags + 1);
			tags[ntags++] = optarg;
			break;
		case 'C': dir = optarg; break;
		case 'b':
			want_budget = strtol(optarg, &end, 10);
			if (end == optarg || *end || want_budget < 1 || want_budget > 10000000) {
				log_error("--budget: '%s' is not a number of tokens", optarg);
				goto usage;
			}
			break;
		case 'E':
		case 'A':
		case 'M':
		case 'X':
			if (agents_flag(&flags, c, optarg) < 0)
				goto usage;
			break;
		case 'h':
			fputs(ask_usage, stdout);
			rc = LOOM_EXIT_OK;
			goto out_early;
		default: goto usage;
		}
	}
	for (; optind < argc; optind++) {
		if (question.len)
			buf_addch(&question, ' ');
		if (buf_adds(&question, argv[optind]) < 0) {
			log_error("the question is longer than 1 MiB");
			goto usage;
		}
	}
	if (!question.len) {
		log_error("no question given");
		goto usage;
	}
	for (i = 0; i < CONF__COUNT; i++)
		flagged[i] = flags.src[i] == CONF_FROM_FLAG;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (repo_open(dir, &r, &e) < 0 || db_open(&r, &d, &e) < 0 ||
	    index_refresh(&r, &d, &io, &ist, &e) < 0) {
		log_error("%s", e.msg);
		goto out;
	}
	config_init(&conf);
	config_load(&conf, r.conf_dir);
	for (i = 0; i < CONF__COUNT; i++)
		if (flagged[i])
			config_set(&conf, (enum config_key)i, flags.val[i], CONF_FROM_FLAG,
			           flags.where[i], &e);
	max_tokens = (int)config_long(&conf, CONF_MAX_TOKENS);
	if (model_open(&m, &conf, &e) < 0) {
		log_error("%s", e.msg);
		config_release(&conf);
		goto out;
	}

	/* pack for what is left of the context once the reply and the question are counted */
	budget = m.n_ctx - max_tokens - 2 * MODEL_MSG_OVERHEAD -
	         (int)model_estimate_tokens(strlen(system) + question.len + 16);
	qo.task = question.ptr;
	qo.tags = tags;
	qo.ntags = ntags;
	qo.top = QUERY_TOP_DEFAULT;
	qo.content = 1;
	qo.budget = want_budget ? (size_t)want_budget : budget > 0 ? (size_t)budget : 1;
	if (query_run(&r, &d, &qo, &doc, &e) < 0) {
		log_error("%s", e.msg);
		config_release(&conf);
		goto out;
	}
	{
		const cJSON *f, *files = cJSON_GetObjectItemCaseSensitive(doc, "files");
		size_t cap = 0;
		cJSON_ArrayForEach(f, files)
		{
			if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "packed")))
				continue;
			XGROW(parts, cap, nparts + 1);
			parts[nparts++] = file_part(f);
		}
	}
	msg = fit(&m, system, parts, &nparts, question.ptr, max_tokens, &prompt_tokens, &exact, &e);
	if (!msg) {
		log_error("%s", e.msg);
		config_release(&conf);
		goto out;
	}
	{
		const cJSON *f, *files = cJSON_GetObjectItemCaseSensitive(doc, "files");
		size_t k = 0;
		fprintf(stderr,
		        "loom: context from query %s: %zu file%s, prompt %d tokens (%s) of %d:",
		        cJSON_GetObjectItemCaseSensitive(doc, "query_id")->valuestring, nparts,
		        nparts == 1 ? "" : "s", prompt_tokens, exact ? "counted" : "estimated",
		        m.n_ctx);
		cJSON_ArrayForEach(f, files)
		{
			if (k >= nparts)
				break;
			if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "packed")))
				continue;
			fprintf(stderr, " %s (%.0f)",
			        cJSON_GetObjectItemCaseSensitive(f, "path")->valuestring,
			        cJSON_GetObjectItemCaseSensitive(f, "score")->valuedouble);
			k++;
		}
		fputc('\n', stderr);
	}
	{
		struct model_msg msgs[2] = { { "system", system }, { "user", msg } };
		/* a small model that starts a new question has finished answering this one */
		static const char *const stop[] = { "\nQuestion:", "\n--- " };
		struct model_request req = { 0 };
		req.msgs = msgs;
		req.nmsgs = 2;
		req.max_tokens = max_tokens;
		req.stop = stop;
		req.nstop = sizeof(stop) / sizeof(stop[0]);
		req.temperature = config_double(&conf, CONF_TEMPERATURE);
		req.seed = config_long(&conf, CONF_SEED);
		req.on_token = print_token;
		req.cancel = &cancelled;
		if (model_chat(&m, &req, &reply, &e) < 0) {
			if (reply.text.len)
				putchar('\n');
			log_error("%s", e.msg);
			rc = m.fail == MODEL_FAIL_CANCELLED ? LOOM_EXIT_INTERRUPT : LOOM_EXIT_FAIL;
			config_release(&conf);
			goto out;
		}
		if (reply.text.len && reply.text.ptr[reply.text.len - 1] != '\n')
			putchar('\n');
		fflush(stdout);
		fprintf(stderr, "loom: %s: %d prompt tokens", model_api_name(m.api),
		        reply.prompt_tokens >= 0 ? reply.prompt_tokens : prompt_tokens);
		if (reply.cached_tokens >= 0)
			fprintf(stderr, " (%d cached)", reply.cached_tokens);
		fprintf(stderr, ", %d generated, %.1f tokens/s%s, %.1f s%s\n",
		        reply.completion_tokens >= 0 ? reply.completion_tokens : 0,
		        reply.tokens_per_s, reply.speed_from_server ? "" : " (timed by loom)",
		        reply.seconds,
		        !strcmp(reply.finish, "length") ? "; cut at max_tokens" : "");
	}
	config_release(&conf);
	rc = LOOM_EXIT_OK;
out:
	buf_release(&reply.text);
	model_close(&m);
	cJSON_Delete(doc);
	for (i = 0; i < nparts; i++)
		free(parts[i]);
	free(parts);
	free(msg);
	db_close(&d);
	repo_close(&r);
out_early:
	config_release(&flags);
	free(tags);
	buf_release(&question);
	return rc;
usage:
	fputs(ask_usage, stderr);
	rc = LOOM_EXIT_USAGE;
	goto out_early;
}
