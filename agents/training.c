/*
 * training.c - `loom export-training`: the repository's verified fixes as a
 * chat-format JSONL fine-tuning set.
 *
 * Every time a proposal failed the check and the Coder's next reply passed
 * it, agents/task.c appended the pair to .loom/fixes.jsonl: the step, the
 * context the Coder was given, the failed reply, the error fed back and the
 * reply that passed. Each becomes one training example in the messages format
 * llama.cpp's and most fine-tuning tools read, with the Coder's own system
 * prompt: by default the whole correction (the failed reply, the error, the
 * fix), or with --direct the step answered right at once. Loom trains
 * nothing; this is for a user who wants a small adapter of their own fixes.
 */
#define _GNU_SOURCE
#include "agents/cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agents/lessons.h"
#include "agents/prompts.h"
#include "context/repo.h"
#include "core/buf.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/xalloc.h"

static void add_msg(cJSON *msgs, const char *role, const char *content)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "role", role);
	cJSON_AddStringToObject(m, "content", content);
	cJSON_AddItemToArray(msgs, m);
}

static const char export_usage[] =
        "usage: loom export-training [-C PATH] [--direct] [--out FILE]\n"
        "\n"
        "Writes the repository's verified fixes (a proposal that failed the check, then\n"
        "one that passed; kept in .loom/fixes.jsonl) as chat-format JSONL for fine-tuning:\n"
        "one {\"messages\": [...]} per line, with the Coder's system prompt.\n"
        "\n"
        "  --direct    the step and its passing reply only (default: the failed reply,\n"
        "              the check's error and the fix, as a correction)\n"
        "  --out FILE  write to FILE instead of standard output\n"
        "  -C PATH     the repository (default: the current directory)\n";

int cli_export_training(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "direct", no_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct repo r = REPO_INIT;
	struct error e = ERROR_INIT;
	struct buf b = BUF_INIT;
	const char *dir = ".", *outp = NULL;
	char *path = NULL, *p, *nl;
	FILE *out = stdout;
	int c, direct = 0, rc = LOOM_EXIT_FAIL;
	size_t n = 0, bad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case 'd': direct = 1; break;
		case 'o': outp = optarg; break;
		case 'h': fputs(export_usage, stdout); return LOOM_EXIT_OK;
		default: fputs(export_usage, stderr); return LOOM_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fputs(export_usage, stderr);
		return LOOM_EXIT_USAGE;
	}
	if (repo_open(dir, &r, &e) < 0) {
		log_error("%s", e.msg);
		return LOOM_EXIT_FAIL;
	}
	path = fs_join(r.loom_dir, "fixes.jsonl");
	if (access(path, F_OK) == 0 && fs_read_file(path, 1u << 30, &b, &e) < 0) {
		log_error("%s", e.msg);
		goto out;
	}
	if (outp && !(out = fopen(outp, "w"))) {
		log_error("cannot write %s: %s", outp, strerror(errno));
		out = stdout;
		goto out;
	}
	for (p = b.ptr; p && *p; p = nl ? nl + 1 : NULL) {
		cJSON *fix, *ex, *msgs;
		char *s, *user;
		nl = strchr(p, '\n');
		fix = cJSON_ParseWithLength(p, nl ? (size_t)(nl - p) : strlen(p));
		if (!cJSON_IsObject(fix) || !*json_text(fix, "fixed")) {
			bad += nl ? nl > p : *p != '\0';
			cJSON_Delete(fix);
			continue;
		}
		ex = cJSON_CreateObject();
		msgs = cJSON_AddArrayToObject(ex, "messages");
		add_msg(msgs, "system",
		        prompt_get(!strcmp(json_text(fix, "format"), "whole") ? "coder-whole"
		                                                              : "coder"));
		user = xasprintf("Step: %s\n\n%s", json_text(fix, "goal"),
		                 json_text(fix, "context"));
		add_msg(msgs, "user", user);
		free(user);
		if (!direct) {
			add_msg(msgs, "assistant", json_text(fix, "failed"));
			add_msg(msgs, "user", json_text(fix, "feedback"));
		}
		add_msg(msgs, "assistant", json_text(fix, "fixed"));
		s = cJSON_PrintUnformatted(ex);
		fprintf(out, "%s\n", s);
		free(s);
		cJSON_Delete(ex);
		cJSON_Delete(fix);
		n++;
	}
	if (fflush(out) != 0) {
		log_error("cannot write %s: %s", outp ? outp : "the output", strerror(errno));
		goto out;
	}
	log_note("%zu example%s from %s%s", n, n == 1 ? "" : "s", path,
	         bad ? " (some lines unreadable, skipped)" : "");
	rc = LOOM_EXIT_OK;
out:
	if (out != stdout)
		fclose(out);
	free(path);
	buf_release(&b);
	repo_close(&r);
	return rc;
}

static const char lessons_usage[] =
        "usage: loom lessons [-C PATH] [--edit | --path]\n"
        "\n"
        "Shows the lessons Loom learned in this repository (rules distilled from changes\n"
        "that failed the check and then passed), newest last, each with where it came\n"
        "from. The model gets them, newest first, within a small budget. They are plain\n"
        "text in .loom/lessons: --edit opens it in $VISUAL or $EDITOR, --path prints\n"
        "where it is.\n";

int cli_lessons(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "edit", no_argument, NULL, 'e' },
		{ "path", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct repo r = REPO_INIT;
	struct error e = ERROR_INIT;
	struct lessons l;
	const char *dir = ".";
	char *path;
	int c, edit = 0, show_path = 0, rc = LOOM_EXIT_OK;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case 'e': edit = 1; break;
		case 'p': show_path = 1; break;
		case 'h': fputs(lessons_usage, stdout); return LOOM_EXIT_OK;
		default: fputs(lessons_usage, stderr); return LOOM_EXIT_USAGE;
		}
	}
	if (optind < argc || (edit && show_path)) {
		fputs(lessons_usage, stderr);
		return LOOM_EXIT_USAGE;
	}
	if (repo_open(dir, &r, &e) < 0) {
		log_error("%s", e.msg);
		return LOOM_EXIT_FAIL;
	}
	path = lessons_path(r.loom_dir);
	if (show_path) {
		printf("%s\n", path);
	} else if (edit) {
		const char *ed = getenv("VISUAL");
		char *cmd;
		if (!ed || !*ed)
			ed = getenv("EDITOR");
		if (!ed || !*ed)
			ed = "vi";
		if (access(path, F_OK) < 0 && lessons_add(r.loom_dir, "", NULL, &e) < 0)
			log_warn("%s", e.msg);
		cmd = xasprintf("%s \"$LOOM_LESSONS\"", ed);
		setenv("LOOM_LESSONS", path, 1);
		rc = system(cmd) == 0 ? LOOM_EXIT_OK : LOOM_EXIT_FAIL;
		free(cmd);
	} else if (lessons_load(&l, r.loom_dir, &e) < 0) {
		log_error("%s", e.msg);
		rc = LOOM_EXIT_FAIL;
	} else {
		if (!l.n)
			printf("no lessons yet (they come from changes that failed the check and "
			       "then "
			       "passed)\n");
		for (i = 0; i < l.n; i++)
			printf("%zu. %s\n%s%s%s", i + 1, l.v[i].rule,
			       l.v[i].from ? "   from: " : "", l.v[i].from ? l.v[i].from : "",
			       l.v[i].from ? "\n" : "");
		lessons_release(&l);
	}
	free(path);
	repo_close(&r);
	return rc;
}
