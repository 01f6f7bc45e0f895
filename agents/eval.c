/*
 * eval.c - `loom eval SUITE`: how well Loom and a model do on a suite of
 * tasks, measured, and `--compare A B` to keep the better configuration.
 *
 * A suite is a folder of tasks (eval/README.md): each a fixture repository,
 * a request and a check command. Each task runs in a fresh copy of its
 * fixture, made a git repository with one commit, as `loom run
 * --approve=all --json --check CHECK` would run it (a child process of this
 * same executable, so nothing of one task stays for the next); then the
 * task's check decides: pass or fail. The run's own summary says what it
 * took: check runs (attempts), tokens, the model's time and Loom's.
 *
 * A configuration for --compare is a settings file (`key = value`, as
 * .loom/config), given to the runs as LOOM_* variables over the usual
 * settings. A is the champion, B the challenger: B's settings are written to
 * the repository's .loom/config only when B passes at least as many tasks
 * (and, on a tie, spends no more tokens). Nothing else is ever written: not
 * the suite, not its checks, not Loom.
 */
#define _GNU_SOURCE
#include "agents/cli.h"

#include <cjson/cJSON.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context/repo.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/config.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/gitx.h"
#include "core/json.h"
#include "core/kv.h"
#include "core/log.h"
#include "core/xalloc.h"

#define EVAL_RUN_CAP  (8u << 20) /* a task run's output kept */
#define EVAL_RUN_MS   (20 * 60 * 1000)
#define EVAL_CHECK_MS (5 * 60 * 1000)

struct task_def {
	char *id, *dir, *task, *check, *lang, *kind;
	long timeout_s;
};

struct result {
	const struct task_def *t;
	int passed, ran, exit;
	int steps, applied, failed, todo, checks;
	double tokens_in, tokens_out, model_ms, total_ms, check_ms, wall_s;
	char why[600];
};

struct conf_env {
	char *name;             /* the file, for messages */
	char *key[CONF__COUNT]; /* values set by the file, NULL when not */
};

struct eval {
	char *self; /* this executable */
	struct task_def *tasks;
	size_t ntasks;
	int json, keep;
	long run_ms;
	char *tmp;
};

static int cmp_task(const void *a, const void *b)
{
	return strcmp(((const struct task_def *)a)->id, ((const struct task_def *)b)->id);
}

/* Whether id is one of the comma-separated ids in list. */
static int listed(const char *list, const char *id)
{
	size_t n = strlen(id);
	const char *p = list;

	while ((p = strstr(p, id))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* Reads SUITE/<id>/task.json for every task folder, sorted by id. */
static int load_suite(struct eval *ev, const char *suite, const char *only, struct error *e)
{
	DIR *d = opendir(suite);
	struct dirent *de;
	size_t cap = 0;

	if (!d)
		return error_errno(e, "cannot open the suite '%s'", suite);
	while ((de = readdir(d))) {
		char *dir, *path;
		struct buf b = BUF_INIT;
		cJSON *j;
		struct task_def t;

		if (de->d_name[0] == '.')
			continue;
		dir = fs_join(suite, de->d_name);
		path = fs_join(dir, "task.json");
		if (access(path, F_OK) < 0) {
			free(dir);
			free(path);
			continue;
		}
		if (fs_read_file(path, 1 << 20, &b, e) < 0) {
			free(dir);
			free(path);
			closedir(d);
			return -1;
		}
		j = cJSON_ParseWithLength(b.ptr ? b.ptr : "", b.len);
		buf_release(&b);
		memset(&t, 0, sizeof(t));
		if (!json_str(j, "id") || !json_str(j, "task") || !json_str(j, "check") ||
		    strcmp(json_str(j, "id"), de->d_name)) {
			error_set(
			        e,
			        "%s: not a task (it needs \"id\" = its folder's name, \"task\" and "
			        "\"check\")",
			        path);
			cJSON_Delete(j);
			free(dir);
			free(path);
			closedir(d);
			return -1;
		}
		free(path);
		if (only && !listed(only, json_str(j, "id"))) {
			cJSON_Delete(j);
			free(dir);
			continue;
		}
		t.id = xstrdup(json_str(j, "id"));
		t.dir = dir;
		t.task = xstrdup(json_str(j, "task"));
		t.check = xstrdup(json_str(j, "check"));
		t.lang = xstrdup(json_text(j, "lang"));
		t.kind = xstrdup(json_text(j, "kind"));
		t.timeout_s = json_num(j, "timeout") >= 1 ? (long)json_num(j, "timeout")
		                                          : EVAL_CHECK_MS / 1000;
		cJSON_Delete(j);
		XGROW(ev->tasks, cap, ev->ntasks + 1);
		ev->tasks[ev->ntasks++] = t;
	}
	closedir(d);
	if (!ev->ntasks)
		return error_set(e, "no tasks in '%s'%s", suite, only ? " with those ids" : "");
	qsort(ev->tasks, ev->ntasks, sizeof(*ev->tasks), cmp_task);
	return 0;
}

/* Copies the tree at src to dst (which must not exist): files, modes, symbolic links. */
static int copy_tree(const char *src, const char *dst, struct error *e)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	int rc = 0;

	if (mkdir(dst, 0755) < 0)
		return error_errno(e, "cannot make %s", dst);
	d = opendir(src);
	if (!d)
		return error_errno(e, "cannot open %s", src);
	while (rc == 0 && (de = readdir(d))) {
		char *s, *t;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		s = fs_join(src, de->d_name);
		t = fs_join(dst, de->d_name);
		if (lstat(s, &st) < 0) {
			rc = error_errno(e, "cannot read %s", s);
		} else if (S_ISDIR(st.st_mode)) {
			rc = copy_tree(s, t, e);
		} else if (S_ISLNK(st.st_mode)) {
			char link[PATH_MAX];
			ssize_t n = readlink(s, link, sizeof(link) - 1);
			if (n < 0 || (link[n] = '\0', symlink(link, t) < 0))
				rc = error_errno(e, "cannot copy the link %s", s);
		} else if (S_ISREG(st.st_mode)) {
			struct buf b = BUF_INIT;
			int fd;
			if (fs_read_file(s, 64u << 20, &b, e) < 0) {
				rc = -1;
			} else {
				fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				          st.st_mode & 0777);
				if (fd < 0 ||
				    write(fd, b.ptr ? b.ptr : "", b.len) != (ssize_t)b.len)
					rc = error_errno(e, "cannot write %s", t);
				if (fd >= 0)
					close(fd);
			}
			buf_release(&b);
		}
		free(s);
		free(t);
	}
	closedir(d);
	return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Waits for a command to end, sleeping in poll on its output. */
static void cmd_wait(struct cmd *c)
{
	while (!cmd_poll(c)) {
		struct pollfd p = { c->fd, POLLIN, 0 };
		if (c->fd >= 0)
			poll(&p, 1, 1000);
		else
			usleep(20000);
	}
}

struct run_args {
	const struct eval *ev;
	const struct task_def *t;
	const char *dir;
	const struct conf_env *conf;
};

/* The child of a task run: the configuration's settings, then `loom run`. */
static int run_child(void *ctx)
{
	struct run_args *a = ctx;
	char limit[32];
	int i;

	if (a->conf)
		for (i = 0; i < CONF__COUNT; i++)
			if (a->conf->key[i])
				setenv(config_env_name((enum config_key)i), a->conf->key[i], 1);
	snprintf(limit, sizeof(limit), "%ld", a->t->timeout_s);
	execl(a->ev->self, "loom", "run", "--approve=all", "--json", "--check", a->t->check,
	      "--check-timeout", limit, "-C", a->dir, a->t->task, (char *)NULL);
	fprintf(stderr, "loom eval: cannot run %s: %s\n", a->ev->self, strerror(errno));
	return 127;
}

static void run_task(struct eval *ev, const struct task_def *t, const struct conf_env *conf, int n,
                     struct result *r)
{
	struct error e = ERROR_INIT;
	struct cmd c = CMD_INIT;
	struct run_args a = { ev, t, NULL, conf };
	char *dir, *repo, *name;
	uint64_t t0 = fs_now_ns();
	const char *p;

	memset(r, 0, sizeof(*r));
	r->t = t;
	name = xasprintf("%d-%s", n, t->id);
	dir = fs_join(ev->tmp, name);
	repo = fs_join(t->dir, "repo");
	free(name);
	if (copy_tree(repo, dir, &e) < 0 || gitx_commit_all(dir, "the task's fixture\n", &e) < 0) {
		snprintf(r->why, sizeof(r->why), "%s", e.msg);
		goto out;
	}
	a.dir = dir;
	if (cmd_start_fn(&c, run_child, &a, "loom run", ev->run_ms, EVAL_RUN_CAP, &e) < 0) {
		snprintf(r->why, sizeof(r->why), "%s", e.msg);
		goto out;
	}
	cmd_wait(&c);
	r->ran = 1;
	r->exit = c.status;
	if (c.timed_out)
		snprintf(r->why, sizeof(r->why), "the run took longer than %ld s",
		         ev->run_ms / 1000);
	/* the summary is the run's last JSON line */
	for (p = c.out.ptr; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len && *p == '{') {
			cJSON *j = cJSON_ParseWithLength(p, len);
			const char *evn = json_str(j, "event");
			if (evn && !strcmp(evn, "summary")) {
				const cJSON *tm = cJSON_GetObjectItemCaseSensitive(j, "timing");
				const cJSON *tk = cJSON_GetObjectItemCaseSensitive(j, "tokens");
				r->steps = (int)json_num(j, "steps");
				r->applied = (int)json_num(j, "applied");
				r->failed = (int)json_num(j, "failed");
				r->checks = (int)json_num(j, "checks");
				r->todo = cJSON_GetArraySize(
				        cJSON_GetObjectItemCaseSensitive(j, "todo"));
				r->model_ms = json_num(tm, "model_ms");
				r->total_ms = json_num(tm, "total_ms");
				r->check_ms = json_num(tm, "check_ms");
				r->tokens_in = json_num(tk, "prompt");
				r->tokens_out = json_num(tk, "generated");
			} else if (evn && !strcmp(evn, "error") && !r->why[0]) {
				snprintf(r->why, sizeof(r->why), "%s", json_text(j, "message"));
			}
			cJSON_Delete(j);
		}
		p = nl ? nl + 1 : NULL;
	}
	cmd_release(&c);
	/* the task's own check decides, on what the run left */
	if (cmd_start(&c, t->check, dir, t->timeout_s * 1000, 64 * 1024, &e) < 0) {
		snprintf(r->why, sizeof(r->why), "%s", e.msg);
		goto out;
	}
	cmd_wait(&c);
	r->passed = !c.timed_out && c.status == 0;
	if (!r->passed && !r->why[0])
		snprintf(r->why, sizeof(r->why), "the check %s",
		         c.timed_out ? "timed out" : "fails after the run");
	cmd_release(&c);
out:
	r->wall_s = (double)(fs_now_ns() - t0) / 1e9;
	if (!ev->keep && nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", dir, strerror(errno));
	free(dir);
	free(repo);
}

struct totals {
	int passed, n;
	double tokens, model_ms, harness_ms, checks;
};

static struct totals run_suite(struct eval *ev, const struct conf_env *conf, const char *label,
                               cJSON *out)
{
	struct totals tt = { 0, 0, 0, 0, 0, 0 };
	cJSON *arr = cJSON_AddArrayToObject(out, "tasks");
	size_t i;

	if (!ev->json)
		printf("%s%-32s %-6s %8s %9s %10s %10s\n", label ? label : "", "task", "result",
		       "attempts", "tokens", "model s", "loom s");
	for (i = 0; i < ev->ntasks; i++) {
		struct result r;
		cJSON *o = cJSON_CreateObject();
		double harness;

		run_task(ev, &ev->tasks[i], conf, (int)i, &r);
		/* Loom's own time: neither the model's nor the checks' */
		harness = r.total_ms - r.model_ms - r.check_ms > 0
		                  ? r.total_ms - r.model_ms - r.check_ms
		                  : 0;
		tt.n++;
		tt.passed += r.passed;
		tt.tokens += r.tokens_in + r.tokens_out;
		tt.model_ms += r.model_ms;
		tt.harness_ms += harness;
		tt.checks += r.checks;
		cJSON_AddStringToObject(o, "id", r.t->id);
		cJSON_AddBoolToObject(o, "passed", r.passed);
		cJSON_AddNumberToObject(o, "attempts", r.checks);
		cJSON_AddNumberToObject(o, "steps", r.steps);
		cJSON_AddNumberToObject(o, "applied", r.applied);
		cJSON_AddNumberToObject(o, "todo", r.todo);
		cJSON_AddNumberToObject(o, "tokens_prompt", r.tokens_in);
		cJSON_AddNumberToObject(o, "tokens_generated", r.tokens_out);
		cJSON_AddNumberToObject(o, "model_ms", r.model_ms);
		cJSON_AddNumberToObject(o, "harness_ms", harness);
		cJSON_AddNumberToObject(o, "check_ms", r.check_ms);
		cJSON_AddNumberToObject(o, "wall_s", r.wall_s);
		if (r.why[0])
			cJSON_AddStringToObject(o, "why", r.why);
		cJSON_AddItemToArray(arr, o);
		if (!ev->json) {
			printf("%s%-32s %-6s %8d %9.0f %10.1f %10.2f%s%s\n", label ? label : "",
			       r.t->id, r.passed ? "pass" : "FAIL", r.checks,
			       r.tokens_in + r.tokens_out, r.model_ms / 1000, harness / 1000,
			       r.passed || !r.why[0] ? "" : "  ", r.passed ? "" : r.why);
			fflush(stdout);
		}
	}
	cJSON_AddNumberToObject(out, "passed", tt.passed);
	cJSON_AddNumberToObject(out, "total", tt.n);
	cJSON_AddNumberToObject(out, "pass_rate", tt.n ? (double)tt.passed / tt.n : 0);
	cJSON_AddNumberToObject(out, "tokens", tt.tokens);
	cJSON_AddNumberToObject(out, "model_ms", tt.model_ms);
	cJSON_AddNumberToObject(out, "harness_ms", tt.harness_ms);
	if (!ev->json)
		printf("%spassed %d of %d (%.0f%%); tokens %.0f (%.0f a task); model %.1f s; Loom "
		       "%.2f s (%.2f s a task)\n",
		       label ? label : "", tt.passed, tt.n, tt.n ? 100.0 * tt.passed / tt.n : 0,
		       tt.tokens, tt.n ? tt.tokens / tt.n : 0, tt.model_ms / 1000,
		       tt.harness_ms / 1000, tt.n ? tt.harness_ms / 1000 / tt.n : 0);
	return tt;
}

struct conf_ctx {
	struct conf_env *c;
	int bad;
};

static int conf_line(void *ctx, const char *path, int lineno, const char *name, const char *val)
{
	struct conf_ctx *x = ctx;
	struct config tmp;
	struct error e = ERROR_INIT;
	int k = config_find(name);

	if (k < 0) {
		log_error("%s:%d: unknown setting '%s'", path, lineno, name);
		x->bad++;
		return -1;
	}
	config_init(&tmp);
	if (config_set(&tmp, (enum config_key)k, val, CONF_FROM_FLAG, NULL, &e) < 0) {
		log_error("%s:%d: %s", path, lineno, e.msg);
		x->bad++;
	} else {
		free(x->c->key[k]);
		x->c->key[k] = xstrdup(val);
	}
	config_release(&tmp);
	return 0;
}

static int conf_load(struct conf_env *c, const char *path)
{
	struct conf_ctx x = { c, 0 };

	memset(c, 0, sizeof(*c));
	c->name = xstrdup(path);
	if (access(path, R_OK) < 0) {
		log_error("cannot read the configuration '%s': %s", path, strerror(errno));
		return -1;
	}
	kv_read(path, conf_line, &x);
	return x.bad ? -1 : 0;
}

static void conf_release(struct conf_env *c)
{
	int i;

	for (i = 0; i < CONF__COUNT; i++)
		free(c->key[i]);
	free(c->name);
}

/* Writes the winner's settings to the repository's .loom/config. */
static int adopt(const struct conf_env *c, const char *repo_dir, struct error *e)
{
	struct repo r = REPO_INIT;
	char *path;
	int i, rc = 0;

	if (repo_open(repo_dir, &r, e) < 0)
		return -1;
	path = fs_join(r.conf_dir, "config");
	for (i = 0; i < CONF__COUNT && rc == 0; i++)
		if (c->key[i])
			rc = config_write_key(path, (enum config_key)i, c->key[i], e);
	if (rc == 0)
		printf("kept %s as this repository's default: written to %s\n", c->name, path);
	free(path);
	repo_close(&r);
	return rc;
}

static const char eval_usage[] =
        "usage: loom eval [--json] [--keep] [--only ID,...] [--run-timeout S] SUITE\n"
        "       loom eval --compare A B [-C REPO] [options] SUITE\n"
        "\n"
        "Runs every task of SUITE (a folder of tasks: eval/README.md; eval/starter is\n"
        "Loom's own) headless, each in a fresh copy of its fixture, as 'loom run\n"
        "--approve=all --check CHECK' with the settings in effect, then the task's check\n"
        "decides: pass or fail. Reports pass rate, attempts (check runs), tokens, the\n"
        "model's time and Loom's, as a table or as JSON.\n"
        "\n"
        "  --compare A B   run the suite with the settings file A (key = value, as\n"
        "                  .loom/config), then with B; B's settings are written to\n"
        "                  REPO's .loom/config only if B passes at least as many tasks\n"
        "                  as A (on a tie, with no more tokens)\n"
        "  -C REPO         the repository whose default --compare sets (default: .)\n"
        "  --only IDS      only these tasks (comma-separated ids)\n"
        "  --keep          keep the tasks' copies (printed) to look at\n"
        "  --run-timeout S seconds a task's run may take (default 1200)\n"
        "  --json          one JSON document instead of the table\n"
        "\n"
        "exit status: 0 every task passed (--compare: the comparison ran), 1 some\n"
        "failed or an error, 2 usage\n";

int cli_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'k' },
		{ "only", required_argument, NULL, 'o' },
		{ "compare", no_argument, NULL, 'c' },
		{ "run-timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct eval ev;
	struct error e = ERROR_INIT;
	struct conf_env ca, cb;
	const char *only = NULL, *suite, *repo_dir = ".";
	int c, compare = 0, rc = LOOM_EXIT_FAIL, i;
	cJSON *doc = cJSON_CreateObject();
	char tmpl[PATH_MAX];

	memset(&ev, 0, sizeof(ev));
	memset(&ca, 0, sizeof(ca));
	memset(&cb, 0, sizeof(cb));
	ev.run_ms = EVAL_RUN_MS;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': ev.json = 1; break;
		case 'k': ev.keep = 1; break;
		case 'o': only = optarg; break;
		case 'c': compare = 1; break;
		case 'C': repo_dir = optarg; break;
		case 'T': {
			char *end;
			double s = strtod(optarg, &end);
			if (end == optarg || *end || !(s >= 1 && s <= 86400)) {
				log_error("--run-timeout: '%s' is not a number of seconds from 1 "
				          "to 86400",
				          optarg);
				goto usage;
			}
			ev.run_ms = (long)(s * 1000);
			break;
		}
		case 'h':
			fputs(eval_usage, stdout);
			cJSON_Delete(doc);
			return LOOM_EXIT_OK;
		default: goto usage;
		}
	}
	if (argc - optind != (compare ? 3 : 1))
		goto usage;
	suite = argv[argc - 1];
	if (compare && (conf_load(&ca, argv[optind]) < 0 || conf_load(&cb, argv[optind + 1]) < 0))
		goto out;
	if (load_suite(&ev, suite, only, &e) < 0) {
		log_error("%s", e.msg);
		goto out;
	}
	ev.self = realpath("/proc/self/exe", NULL);
	snprintf(tmpl, sizeof(tmpl), "%s/loom-eval-XXXXXX",
	         getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!ev.self || !mkdtemp(tmpl)) {
		log_error("cannot make a temporary directory: %s", strerror(errno));
		goto out;
	}
	ev.tmp = xstrdup(tmpl);
	if (!compare) {
		struct totals t = run_suite(&ev, NULL, NULL, doc);
		rc = t.passed == t.n ? LOOM_EXIT_OK : LOOM_EXIT_FAIL;
	} else {
		cJSON *da = cJSON_AddObjectToObject(doc, "a"),
		      *db = cJSON_AddObjectToObject(doc, "b");
		struct totals ta, tb;
		int keep_b;
		cJSON_AddStringToObject(da, "config", ca.name);
		cJSON_AddStringToObject(db, "config", cb.name);
		ta = run_suite(&ev, &ca, "A ", da);
		tb = run_suite(&ev, &cb, "B ", db);
		keep_b =
		        tb.passed > ta.passed || (tb.passed == ta.passed && tb.tokens <= ta.tokens);
		cJSON_AddStringToObject(doc, "champion", keep_b ? cb.name : ca.name);
		if (!ev.json)
			printf("champion: %s (%d of %d passed) over %s (%d of %d)\n",
			       keep_b ? cb.name : ca.name, keep_b ? tb.passed : ta.passed, ta.n,
			       keep_b ? ca.name : cb.name, keep_b ? ta.passed : tb.passed, ta.n);
		rc = LOOM_EXIT_OK;
		if (keep_b && adopt(&cb, repo_dir, &e) < 0) {
			log_error("%s", e.msg);
			rc = LOOM_EXIT_FAIL;
		}
	}
	if (ev.json) {
		char *s = cJSON_PrintUnformatted(doc);
		printf("%s\n", s);
		free(s);
	}
	if (ev.keep)
		fprintf(stderr, "loom eval: the tasks' copies are in %s\n", ev.tmp);
	else
		rmdir(ev.tmp);
	goto out;
usage:
	fputs(eval_usage, stderr);
	rc = LOOM_EXIT_USAGE;
out:
	for (i = 0; i < (int)ev.ntasks; i++) {
		free(ev.tasks[i].id);
		free(ev.tasks[i].dir);
		free(ev.tasks[i].task);
		free(ev.tasks[i].check);
		free(ev.tasks[i].lang);
		free(ev.tasks[i].kind);
	}
	free(ev.tasks);
	free(ev.self);
	free(ev.tmp);
	conf_release(&ca);
	conf_release(&cb);
	cJSON_Delete(doc);
	return rc;
}
