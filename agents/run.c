/*
 * run.c - `loom run`: the whole flow without a screen, for people and scripts.
 *
 * It sets up what a task needs (the refreshed index, the settings, the model
 * server's description, the three workers) and drives agents/task.c in a
 * loop that sleeps in workers_wait, printing each event: text for people, or
 * with --json one JSON object per line (plan, ledger, proposal, applied,
 * error, summary) for scripts. The decision on each proposal comes from
 * --approve: every hunk, none, or y/n per hunk on the terminal.
 */
#define _GNU_SOURCE
#include "agents/cli.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agents/task.h"
#include "agents/workers.h"
#include "core/check.h"
#include "context/index.h"
#include "context/summary.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/proc.h"
#include "core/utf8.h"
#include "core/xalloc.h"

#define RUN_EXIT_PARTIAL 3                /* some steps produced no usable proposal */
#define RUN_CHECK_MS     (10 * 60 * 1000) /* the check's time limit by default */

enum approve { APPROVE_ASK, APPROVE_ALL, APPROVE_NONE };

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
	index_interrupt = 1;
}

struct run {
	struct repo r;
	struct db d;
	struct model m;
	struct config conf;
	enum approve approve;
	int json, commit, rootfd, keep, no_check;
	long check_ms;
	struct workers ws;
	FILE *tty; /* for --approve=ask */
	uint64_t t0, index_ns, start_ns;
};

static double ms(uint64_t ns)
{
	return (double)(ns / 1000) / 1000.0;
}

static void event(struct run *run, cJSON *ev)
{
	if (run->json) {
		char *s = cJSON_PrintUnformatted(ev);
		printf("%s\n", s);
		fflush(stdout);
		free(s);
	}
	cJSON_Delete(ev);
}

static cJSON *event_new(const char *type, int step)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "event", type);
	if (step > 0)
		cJSON_AddNumberToObject(ev, "step", step);
	return ev;
}

static void report_error(struct run *run, int step, const char *msg)
{
	cJSON *ev = event_new("error", step);

	cJSON_AddStringToObject(ev, "message", msg);
	event(run, ev);
	if (!run->json) {
		if (step > 0)
			log_error("step %d: %s", step, msg);
		else
			log_error("%s", msg);
	}
}

/* Asks about one hunk on the terminal; 1 approve, 0 reject. */
static int ask_hunk(struct run *run, const char *path, const struct diff_hunk *h)
{
	char line[64];
	size_t k;

	fprintf(run->tty, "\n%s\n%s\n", path, h->header);
	for (k = 0; k < h->nlines; k++) {
		char *t = utf8_sanitize(h->lines[k].text, h->lines[k].len);
		fprintf(run->tty, "%c%s", h->lines[k].origin, t);
		if (!h->lines[k].len || h->lines[k].text[h->lines[k].len - 1] != '\n')
			fputc('\n', run->tty);
		free(t);
	}
	for (;;) {
		fprintf(run->tty, "apply this hunk? [y/n] ");
		fflush(run->tty);
		if (!fgets(line, sizeof(line), run->tty) || cancelled)
			return 0;
		if (line[0] == 'y' || line[0] == 'Y')
			return 1;
		if (line[0] == 'n' || line[0] == 'N')
			return 0;
	}
}

/* Decides on a proposal as --approve says, prints it, and ends the review. */
static void review(struct run *run, struct task *t, int step)
{
	size_t i, k, n = task_nfiles(t);
	cJSON *ev, *j;

	for (i = 0; i < n; i++) {
		const struct task_file *f = task_file(t, i);
		for (k = 0; k < f->diff.nhunks; k++)
			task_approve(t, i, k,
			             run->approve == APPROVE_ALL ||
			                     (run->approve == APPROVE_ASK &&
			                      ask_hunk(run, f->path, &f->diff.hunks[k])));
	}
	if (!run->json)
		for (i = 0; i < n; i++)
			fwrite(task_file(t, i)->diff.patch, 1, task_file(t, i)->diff.patch_len,
			       stdout);
	/* the decisions are part of the event */
	j = task_proposal_json(t);
	ev = event_new("proposal", step);
	cJSON_AddItemToObject(ev, "files", cJSON_DetachItemFromObjectCaseSensitive(j, "files"));
	cJSON_Delete(j);
	event(run, ev);
	if (run->approve == APPROVE_NONE)
		task_skip(t);
	else
		task_apply(t);
}

static void on_event(void *ctx, struct task *t, enum task_event what, int step, const cJSON *data,
                     const char *msg)
{
	struct run *run = ctx;
	const cJSON *f;
	cJSON *ev;
	int k = 0;

	switch (what) {
	case TASK_PLAN:
		ev = event_new("plan", 0);
		cJSON_AddItemReferenceToObject(ev, "steps",
		                               cJSON_GetObjectItemCaseSensitive(data, "steps"));
		event(run, ev);
		if (!run->json) {
			printf("plan:\n");
			cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(data, "steps"))
			        printf("  %d. %s\n", ++k,
			               cJSON_GetObjectItemCaseSensitive(f, "goal")->valuestring);
		}
		break;
	case TASK_STEP: break;
	case TASK_LEDGER:
		ev = event_new("ledger", step);
		cJSON_AddStringToObject(
		        ev, "query_id",
		        cJSON_GetObjectItemCaseSensitive(data, "query_id")->valuestring);
		{
			cJSON *fs = cJSON_AddArrayToObject(ev, "files");
			cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(data, "files"))
			{
				cJSON *o = cJSON_CreateObject();
				const cJSON *path = cJSON_GetObjectItemCaseSensitive(f, "path");
				const cJSON *score = cJSON_GetObjectItemCaseSensitive(f, "score");
				cJSON_AddStringToObject(
				        o, "path", cJSON_IsString(path) ? path->valuestring : "");
				cJSON_AddNumberToObject(
				        o, "score", cJSON_IsNumber(score) ? score->valuedouble : 0);
				cJSON_AddBoolToObject(o, "packed",
				                      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
				                              f, "packed")));
				cJSON_AddItemToArray(fs, o);
			}
		}
		if (!run->json) {
			const cJSON *used = cJSON_GetObjectItemCaseSensitive(data, "tokens_used");
			printf("\nstep %d: %s\n  context: query %s, %d tokens\n", step,
			       cJSON_GetObjectItemCaseSensitive(
			               cJSON_GetArrayItem(
			                       cJSON_GetObjectItemCaseSensitive(t->plan, "steps"),
			                       step - 1),
			               "goal")
			               ->valuestring,
			       cJSON_GetObjectItemCaseSensitive(data, "query_id")->valuestring,
			       cJSON_IsNumber(used) ? used->valueint : 0);
		}
		event(run, ev);
		break;
	case TASK_NOTE:
		if (!run->json)
			printf("  %s\n", msg);
		break;
	case TASK_PROPOSAL: review(run, t, step); break;
	case TASK_APPLIED:
		ev = cJSON_Duplicate(data, 1);
		{
			cJSON *ap = event_new("applied", step);
			cJSON *it = ev->child;
			while (it) {
				cJSON *next = it->next;
				cJSON_AddItemToObject(ap, it->string,
				                      cJSON_DetachItemViaPointer(ev, it));
				it = next;
			}
			cJSON_Delete(ev);
			ev = ap;
		}
		if (!run->json) {
			const cJSON *files = cJSON_GetObjectItemCaseSensitive(data, "files");
			const cJSON *commit = cJSON_GetObjectItemCaseSensitive(data, "commit");
			int n = cJSON_GetArraySize(files);
			printf("  applied %d file%s (undo set %.0f%s%s)\n", n, n == 1 ? "" : "s",
			       cJSON_GetObjectItemCaseSensitive(data, "undo")->valuedouble,
			       cJSON_IsString(commit) ? ", commit " : "",
			       cJSON_IsString(commit) ? commit->valuestring : "");
		}
		event(run, ev);
		break;
	case TASK_CHECK:
		ev = event_new("check", step);
		{
			cJSON *it;
			cJSON_ArrayForEach(it, data)
			        cJSON_AddItemToObject(ev, it->string, cJSON_Duplicate(it, 1));
		}
		event(run, ev);
		if (!run->json)
			printf("  %s\n", msg);
		break;
	case TASK_ERROR: report_error(run, step, msg); break;
	case TASK_DONE: break;
	}
}

/* No check command is set: say what the repository suggests, never run it unasked. */
static void suggest_check(struct run *run)
{
	struct check_cands c = CHECK_CANDS_INIT;
	size_t n = check_detect(run->r.root, &c);

	if (n && !run->json)
		log_note("proposals are not checked: no check command; '%s' would do (%s): pass "
		         "--check '%s' or set check in .loom/config",
		         c.v[0].cmd, c.v[0].why, c.v[0].cmd);
	check_cands_release(&c);
}

static const char run_usage[] =
        "usage: loom run [--tag PATH_OR_GLOB]... [--approve=ask|all|none] [--json] [--commit]\n"
        "                [-C PATH] [--endpoint URL] [--api API] [--model NAME]\n"
        "                [--max-tokens N] [--edit-format F] [--check CMD | --no-check]\n"
        "                [--check-timeout S] TASK...\n"
        "\n"
        "Plans the task, builds a Context Map and asks for edits for each step, shows\n"
        "them as diffs and applies the approved hunks (undo with 'loom undo').\n"
        "\n"
        "  --approve=ask   ask y/n for each hunk on the terminal (the default)\n"
        "  --approve=all   apply every hunk\n"
        "  --approve=none  only print the proposals\n"
        "  --json          one JSON event per line: plan, ledger, proposal, applied, error,\n"
        "                  summary\n"
        "  --commit        commit each applied step (only the files it changed)\n"
        "  --tag P         tag a file, directory or glob for every step; repeatable\n"
        "  --edit-format F the Coder's edits: search-replace, whole (whole files), or\n"
        "                  auto (the default: whole files for models under 3B parameters)\n"
        "  --keep-session  keep the workers' session directory (for debugging)\n"
        "  --check CMD     check each proposal with CMD (e.g. 'make test') in a scratch copy\n"
        "                  before it is shown; failures go back to the Coder (default: the\n"
        "                  check setting)\n"
        "  --no-check      do not check proposals\n"
        "  --check-timeout S  seconds a check may take (default 600)\n"
        "\n"
        "exit status: 0 every step done, 1 failure, 2 usage, 3 some steps had no usable\n"
        "proposal, 130 interrupted\n";

int cli_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "approve", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "commit", no_argument, NULL, 'c' },
		{ "endpoint", required_argument, NULL, 'E' },
		{ "api", required_argument, NULL, 'A' },
		{ "model", required_argument, NULL, 'M' },
		{ "max-tokens", required_argument, NULL, 'X' },
		{ "edit-format", required_argument, NULL, 'F' },
		{ "keep-session", no_argument, NULL, 'k' },
		{ "check", required_argument, NULL, 'K' },
		{ "no-check", no_argument, NULL, 'N' },
		{ "check-timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run run;
	struct config flags;
	struct buf task = BUF_INIT_MAX(1 << 20);
	struct error e = ERROR_INIT;
	struct index_opts io = INDEX_OPTS_INIT;
	struct index_stats ist;
	struct sigaction sa;
	const char **tags = NULL, *dir = ".";
	size_t ntags = 0, tcap = 0, i;
	char *summary = NULL;
	int c, rc = LOOM_EXIT_FAIL, started = 0, task_watch;
	uint64_t t;
	struct task_env env;
	struct task tk;

	memset(&run, 0, sizeof(run));
	memset(&env, 0, sizeof(env));
	memset(&tk, 0, sizeof(tk));
	run.rootfd = -1;
	run.r = (struct repo)REPO_INIT;
	run.d = (struct db)DB_INIT;
	run.approve = APPROVE_ASK;
	config_init(&flags);
	config_init(&run.conf);
	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			XGROW(tags, tcap, ntags + 1);
			tags[ntags++] = optarg;
			break;
		case 'a':
			if (!strcmp(optarg, "ask"))
				run.approve = APPROVE_ASK;
			else if (!strcmp(optarg, "all"))
				run.approve = APPROVE_ALL;
			else if (!strcmp(optarg, "none"))
				run.approve = APPROVE_NONE;
			else {
				log_error("--approve: '%s' is not ask, all or none", optarg);
				goto usage;
			}
			break;
		case 'j': run.json = 1; break;
		case 'c': run.commit = 1; break;
		case 'k': run.keep = 1; break;
		case 'N': run.no_check = 1; break;
		case 'T': {
			char *end;
			double sec = strtod(optarg, &end);
			if (end == optarg || *end || !(sec >= 1 && sec <= 86400)) {
				log_error("--check-timeout: '%s' is not a number of seconds from 1 "
				          "to 86400",
				          optarg);
				goto usage;
			}
			run.check_ms = (long)(sec * 1000);
			break;
		}
		case 'C': dir = optarg; break;
		case 'E':
		case 'A':
		case 'M':
		case 'X':
		case 'F':
		case 'K':
			if (agents_flag(&flags, c, optarg) < 0)
				goto usage;
			break;
		case 'h':
			fputs(run_usage, stdout);
			rc = LOOM_EXIT_OK;
			goto out;
		default: goto usage;
		}
	}
	for (; optind < argc; optind++) {
		if (task.len)
			buf_addch(&task, ' ');
		if (buf_adds(&task, argv[optind]) < 0) {
			log_error("the task is longer than 1 MiB");
			goto usage;
		}
	}
	if (!task.len) {
		log_error("no task given");
		goto usage;
	}
	if (run.approve == APPROVE_ASK) {
		int fd = isatty(STDIN_FILENO) ? open("/dev/tty", O_RDWR | O_CLOEXEC) : -1;
		if (fd < 0 || !(run.tty = fdopen(fd, "r+"))) {
			if (fd >= 0)
				close(fd);
			log_error("--approve=ask needs a terminal to ask on; use --approve=all or "
			          "--approve=none");
			rc = LOOM_EXIT_USAGE;
			goto out;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	run.t0 = fs_now_ns();
	/* the refresh's memory is a child's, given back when it ends */
	if (repo_open(dir, &run.r, &e) < 0 || index_refresh_apart(&run.r, &io, &ist, &e) < 0 ||
	    db_open(&run.r, &run.d, &e) < 0) {
		report_error(&run, 0, e.msg);
		goto out;
	}
	run.index_ns = fs_now_ns() - run.t0;
	run.rootfd = open(run.r.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	config_load(&run.conf, run.r.conf_dir);
	for (i = 0; i < CONF__COUNT; i++)
		if (flags.src[i] == CONF_FROM_FLAG)
			config_set(&run.conf, (enum config_key)i, flags.val[i], CONF_FROM_FLAG,
			           flags.where[i], &e);
	if (model_open(&run.m, &run.conf, &e) < 0) {
		report_error(&run, 0, e.msg);
		goto out;
	}

	summary = summary_text(&run.r, &run.d);
	t = fs_now_ns();
	if (workers_start(&run.ws, run.r.root, &run.conf, run.keep, &e) < 0) {
		report_error(&run, 0, e.msg);
		goto out;
	}
	run.start_ns = fs_now_ns() - t;
	run.ws.cancel = &cancelled;
	env.r = &run.r;
	env.m = &run.m;
	env.conf = &run.conf;
	env.ws = &run.ws;
	env.rootfd = run.rootfd;
	env.max_tokens = (int)config_long(&run.conf, CONF_MAX_TOKENS);
	env.commit = run.commit;
	env.tags = tags;
	env.ntags = ntags;
	env.check = run.no_check ? NULL : config_get(&run.conf, CONF_CHECK);
	env.check_limit_ms = run.check_ms ? run.check_ms : RUN_CHECK_MS;
	if (!run.no_check && !*env.check)
		suggest_check(&run);
	task_watch = chan_waiter_add_fd(&run.ws.waiter, -1, POLLIN);
	if (task_start(&tk, &env, task.ptr, summary, on_event, &run, &e) < 0) {
		report_error(&run, 0, e.msg);
		goto out;
	}
	started = 1;
	while (task_running(&tk)) {
		if (workers_pump(&run.ws, &e) < 0) {
			report_error(&run, 0, e.msg);
			goto out;
		}
		task_pump(&tk);
		/* a running check's output wakes the loop too */
		chan_waiter_set_fd(&run.ws.waiter, task_watch, task_fd(&tk));
		if (task_running(&tk) && workers_wait(&run.ws, 200, &e) < 0) {
			report_error(&run, 0, e.msg);
			goto out;
		}
	}
	/* the workers are done: stopping them now tells how much memory they took */
	workers_stop(&run.ws);
	{
		cJSON *ev = event_new("summary", 0), *tm, *mem;
		uint64_t total = fs_now_ns() - run.t0;
		double model = (double)(tk.plan_model_us + tk.steps_model_us) / 1000;
		long core_kb = proc_peak_rss_kib(0), worker_kb = 0;

		cJSON_AddNumberToObject(ev, "steps", tk.steps);
		cJSON_AddNumberToObject(ev, "proposed", tk.proposed);
		cJSON_AddNumberToObject(ev, "applied", tk.applied);
		cJSON_AddNumberToObject(ev, "failed", tk.failed);
		if (tk.checks) {
			cJSON_AddNumberToObject(ev, "checks", tk.checks);
			cJSON_AddItemToObject(ev, "todo", cJSON_Duplicate(tk.todos, 1));
		}
		tm = cJSON_AddObjectToObject(ev, "timing");
		cJSON_AddNumberToObject(tm, "total_ms", ms(total));
		cJSON_AddNumberToObject(tm, "model_ms", model);
		cJSON_AddNumberToObject(tm, "index_ms", ms(run.index_ns));
		cJSON_AddNumberToObject(tm, "start_ms", ms(run.start_ns));
		cJSON_AddNumberToObject(tm, "plan_ms", ms(tk.plan_ns));
		cJSON_AddNumberToObject(tm, "plan_model_ms", (double)tk.plan_model_us / 1000);
		cJSON_AddNumberToObject(tm, "steps_ms", ms(tk.steps_ns));
		cJSON_AddNumberToObject(tm, "steps_model_ms", (double)tk.steps_model_us / 1000);
		cJSON_AddNumberToObject(tm, "check_ms", tk.check_s * 1000);
		tm = cJSON_AddObjectToObject(ev, "tokens");
		cJSON_AddNumberToObject(tm, "prompt", (double)run.ws.tokens_in);
		cJSON_AddNumberToObject(tm, "generated", (double)run.ws.tokens_out);
		/* peak resident memory, KiB: this process, and each worker (its largest run) */
		mem = cJSON_AddObjectToObject(ev, "memory_kb");
		cJSON_AddNumberToObject(mem, "core", (double)core_kb);
		for (i = 0; i < WORKER__COUNT; i++) {
			long kb = run.ws.w[i].maxrss_kb;
			cJSON_AddNumberToObject(mem, workers_role_name((enum worker_role)i),
			                        (double)kb);
			worker_kb = kb > worker_kb ? kb : worker_kb;
		}
		if (!run.json) {
			const cJSON *td;
			printf("\n%d step%s: %d proposed, %d applied, %d failed\n", tk.steps,
			       tk.steps == 1 ? "" : "s", tk.proposed, tk.applied, tk.failed);
			cJSON_ArrayForEach(td, tk.todos)
			        printf("TODO: %s (%s)\n",
			               cJSON_GetObjectItemCaseSensitive(td, "goal")->valuestring,
			               cJSON_GetObjectItemCaseSensitive(td, "error")->valuestring);
			printf("time: %.1f s, of which the model %.1f s and Loom %.0f ms; "
			       "memory: %.1f MiB, workers up to %.1f MiB\n",
			       ms(total) / 1000, model / 1000, ms(total) - model,
			       (double)core_kb / 1024, (double)worker_kb / 1024);
		}
		event(&run, ev);
	}
	rc = cancelled || tk.cancelled ? LOOM_EXIT_INTERRUPT
	     : tk.stopped              ? LOOM_EXIT_FAIL
	     : tk.failed               ? RUN_EXIT_PARTIAL
	                               : LOOM_EXIT_OK;
	goto out;
usage:
	fputs(run_usage, stderr);
	rc = LOOM_EXIT_USAGE;
out:
	workers_stop(&run.ws);
	if (started)
		task_release(&tk);
	free(summary);
	if (run.tty)
		fclose(run.tty);
	if (run.rootfd >= 0)
		close(run.rootfd);
	model_close(&run.m);
	db_close(&run.d);
	repo_close(&run.r);
	config_release(&run.conf);
	config_release(&flags);
	buf_release(&task);
	free(tags);
	return rc;
}
