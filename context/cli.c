/*
 * cli.c - command-line front ends of the Context Loom.
 *
 * Parsing and printing only: the work is done by index.c, query.c and
 * ledger.c. Every command exits 0 on success, 1 on failure with one line on
 * stderr, 2 on a usage error, 130 when interrupted (the index stays consistent).
 */
#define _GNU_SOURCE
#include "context/cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context/db.h"
#include "context/index.h"
#include "context/ledger.h"
#include "context/query.h"
#include "context/repo.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/xalloc.h"

static void on_signal(int sig)
{
	(void)sig;
	index_interrupt = 1;
}

/* SIGINT/SIGTERM stop an index at the next file; no SA_RESTART so waits end too. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Parses a size such as 1048576, 512k or 2M; -1 when malformed. */
static long long parse_size(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || v < 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	else if (*end == 'g' || *end == 'G')
		v <<= 30, end++;
	return *end ? -1 : v;
}

static void print_stats(const struct repo *r, const struct index_stats *st)
{
	fprintf(stderr,
	        "loom: %zu files in '%s': %zu read (%.1f MB), %zu indexed, %zu skipped, "
	        "%zu removed in %.2f s\n",
	        st->files, r->root, st->read, (double)st->bytes / 1e6, st->indexed, st->skipped,
	        st->removed, st->seconds);
}

static const char index_usage[] =
        "usage: loom index [--max-size BYTES] [--history N] [--stats] [--verify] [PATH]\n"
        "\n"
        "Builds or refreshes the Context Loom index of the repository at PATH (default:\n"
        "the current directory) in PATH/.loom/index.db. Only new and changed files are\n"
        "read. Shows progress on a terminal.\n"
        "\n"
        "  --max-size BYTES  record but do not read larger files (default 1M; the index\n"
        "                    keeps the last limit given)\n"
        "  --history N       commits of history read for the recency rule (default 100)\n"
        "  --stats           print a summary line even when stderr is not a terminal\n"
        "  --verify          then check the database's integrity against the work tree\n";

int cli_index(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-size", required_argument, NULL, 'm' },
		{ "history", required_argument, NULL, 'H' },
		{ "stats", no_argument, NULL, 's' },
		{ "verify", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct index_opts o = INDEX_OPTS_INIT;
	struct index_stats st;
	struct repo r;
	struct db d;
	struct error e = ERROR_INIT;
	int c, stats = 0, verify = 0, tty = isatty(STDERR_FILENO);
	long long v;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if ((v = parse_size(optarg)) <= 0) {
				log_error("--max-size: '%s' is not a size", optarg);
				return LOOM_EXIT_USAGE;
			}
			o.max_file_size = (size_t)v;
			break;
		case 'H':
			if ((v = parse_size(optarg)) < 0 || v > 100000) {
				log_error("--history: '%s' is not a number of commits", optarg);
				return LOOM_EXIT_USAGE;
			}
			o.history = (int)v;
			break;
		case 's': stats = 1; break;
		case 'v': verify = 1; break;
		case 'h': fputs(index_usage, stdout); return LOOM_EXIT_OK;
		default: fputs(index_usage, stderr); return LOOM_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fputs(index_usage, stderr);
		return LOOM_EXIT_USAGE;
	}
	o.progress = tty;
	catch_signals();
	if (repo_open(optind < argc ? argv[optind] : ".", &r, &e) < 0) {
		log_error("%s", e.msg);
		return LOOM_EXIT_FAIL;
	}
	if (db_open(&r, &d, &e) < 0) {
		log_error("%s", e.msg);
		repo_close(&r);
		return LOOM_EXIT_FAIL;
	}
	if (index_refresh(&r, &d, &o, &st, &e) < 0) {
		log_error("%s", e.msg);
		db_close(&d);
		repo_close(&r);
		return index_interrupt ? LOOM_EXIT_INTERRUPT : LOOM_EXIT_FAIL;
	}
	if (tty || stats)
		print_stats(&r, &st);
	if (verify && !st.interrupted) {
		if (index_verify(&r, &d, &e) < 0) {
			log_error("verify: %s", e.msg);
			db_close(&d);
			repo_close(&r);
			return LOOM_EXIT_FAIL;
		}
		fprintf(stderr, "loom: verify: the index is consistent with the work tree\n");
	}
	db_close(&d);
	repo_close(&r);
	if (st.interrupted) {
		log_note("interrupted; the index is consistent and the next run completes it");
		return LOOM_EXIT_INTERRUPT;
	}
	return LOOM_EXIT_OK;
}

int cli_open(int argc, char **argv)
{
	char *args[3] = { "index", NULL, NULL };
	int rc;

	if (argc > 1) {
		log_error("usage: loom [PATH]");
		return LOOM_EXIT_USAGE;
	}
	args[1] = argc == 1 ? argv[0] : ".";
	optind = 1;
	rc = cli_index(2, args);
	if (rc == LOOM_EXIT_OK)
		fprintf(stderr,
		        "loom: the repository is indexed; the interactive interface is not "
		        "built yet: use 'loom query TASK' to see what a model would be given\n");
	return rc;
}

/* Opens the repository, its database, and refreshes the index quietly. */
static int open_fresh(const char *path, struct repo *r, struct db *d, int progress, int refresh)
{
	struct index_opts o = INDEX_OPTS_INIT;
	struct index_stats st;
	struct error e = ERROR_INIT;

	o.progress = progress;
	catch_signals();
	if (repo_open(path, r, &e) < 0) {
		log_error("%s", e.msg);
		return LOOM_EXIT_FAIL;
	}
	memset(&st, 0, sizeof(st));
	if (db_open(r, d, &e) < 0 || (refresh && index_refresh(r, d, &o, &st, &e) < 0)) {
		log_error("%s", e.msg);
		db_close(d);
		repo_close(r);
		return index_interrupt ? LOOM_EXIT_INTERRUPT : LOOM_EXIT_FAIL;
	}
	if (st.interrupted) {
		log_note("interrupted while refreshing the index");
		db_close(d);
		repo_close(r);
		return LOOM_EXIT_INTERRUPT;
	}
	return LOOM_EXIT_OK;
}

static const char query_usage[] =
        "usage: loom query [--tag PATH_OR_GLOB]... [--budget TOKENS] [--top N] [--json]\n"
        "                  [--content] [--rules F] [--no-refresh] [-C PATH]\n"
        "                  [--file TASKFILE | TASK TEXT...]\n"
        "\n"
        "Refreshes the index, ranks the repository's files for the task by the rules in\n"
        "docs/SCORING.md (weights in .loom/rules), packs the best into the token budget\n"
        "and prints the evidence ledger. '@path' words in the task tag files too.\n"
        "\n"
        "  --tag P       tag a file, a directory or a glob (+40 points); repeatable\n"
        "  --budget N    tokens of context to pack (default 4096)\n"
        "  --top N       files listed (default 20), packed or not\n"
        "  --json        print the ledger as one line of JSON\n"
        "  --content     include the packed text\n"
        "  -C PATH       the repository (default: the current directory)\n"
        "  --file F      read the task from F ('-' for standard input)\n"
        "  --no-refresh  rank over the index as it is, without refreshing it first\n"
        "  --rules F     take rule weights from F instead of .loom/rules\n";

static int parse_count(const char *opt, const char *s, long long lo, long long hi, size_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || *end || v < lo || v > hi) {
		log_error("%s: '%s' is not a number from %lld to %lld", opt, s, lo, hi);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

int cli_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "budget", required_argument, NULL, 'b' },
		{ "top", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "content", no_argument, NULL, 'c' },
		{ "file", required_argument, NULL, 'f' },
		{ "no-refresh", no_argument, NULL, 'R' },
		{ "rules", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct query_opts qo = { 0 };
	const char **tags = NULL;
	size_t ntags = 0, tcap = 0;
	const char *dir = ".", *file = NULL, *rules_file = NULL;
	struct rules rules;
	struct buf task = BUF_INIT_MAX(1 << 20);
	struct error e = ERROR_INIT;
	int c, json = 0, rc, refresh = 1;
	struct repo r;
	struct db d;
	cJSON *doc = NULL;

	qo.budget = QUERY_BUDGET_DEFAULT;
	qo.top = QUERY_TOP_DEFAULT;
	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			XGROW(tags, tcap, ntags + 1);
			tags[ntags++] = optarg;
			break;
		case 'b':
			if (parse_count("--budget", optarg, 1, 10000000, &qo.budget) < 0)
				goto usage;
			break;
		case 'n':
			if (parse_count("--top", optarg, 1, 100000, &qo.top) < 0)
				goto usage;
			break;
		case 'j': json = 1; break;
		case 'c': qo.content = 1; break;
		case 'f': file = optarg; break;
		case 'R': refresh = 0; break;
		case 'r': rules_file = optarg; break;
		case 'C': dir = optarg; break;
		case 'h':
			fputs(query_usage, stdout);
			free(tags);
			return LOOM_EXIT_OK;
		default: goto usage;
		}
	}
	if (file && optind < argc) {
		log_error("give the task either with --file or as arguments, not both");
		goto usage;
	}
	if (file) {
		int bad = !strcmp(file, "-") ? fs_read_fd(0, "standard input", 1 << 20, &task, &e)
		                             : fs_read_file(file, 1 << 20, &task, &e);
		if (bad < 0) {
			log_error("%s", e.msg);
			free(tags);
			return LOOM_EXIT_FAIL;
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
	if (rules_file) {
		if (access(rules_file, R_OK) != 0) {
			log_error("cannot read rules file '%s'", rules_file);
			free(tags);
			buf_release(&task);
			return LOOM_EXIT_FAIL;
		}
		rules_defaults(&rules);
		rules_load(&rules, rules_file);
		qo.rules = &rules;
	}
	qo.task = task.ptr;
	qo.tags = tags;
	qo.ntags = ntags;
	rc = open_fresh(dir, &r, &d, isatty(STDERR_FILENO), refresh);
	if (rc != LOOM_EXIT_OK) {
		free(tags);
		buf_release(&task);
		return rc;
	}
	if (query_run(&r, &d, &qo, &doc, &e) < 0) {
		log_error("%s", e.msg);
		rc = LOOM_EXIT_FAIL;
	} else {
		ledger_print(stdout, doc, json);
	}
	cJSON_Delete(doc);
	db_close(&d);
	repo_close(&r);
	free(tags);
	buf_release(&task);
	return rc;
usage:
	fputs(query_usage, stderr);
	free(tags);
	buf_release(&task);
	return LOOM_EXIT_USAGE;
}

static const char ledger_usage[] =
        "usage: loom ledger [--json] [-C PATH] [QUERY_ID]\n"
        "\n"
        "Prints a stored evidence ledger: the one with QUERY_ID (a unique prefix will\n"
        "do), or the newest.\n";

int cli_ledger(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = ".";
	struct error e = ERROR_INIT;
	struct repo r;
	struct db d;
	cJSON *doc;
	int c, json = 0, rc = LOOM_EXIT_OK;

	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'C': dir = optarg; break;
		case 'h': fputs(ledger_usage, stdout); return LOOM_EXIT_OK;
		default: fputs(ledger_usage, stderr); return LOOM_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fputs(ledger_usage, stderr);
		return LOOM_EXIT_USAGE;
	}
	if (repo_open(dir, &r, &e) < 0 || db_open(&r, &d, &e) < 0) {
		log_error("%s", e.msg);
		repo_close(&r);
		return LOOM_EXIT_FAIL;
	}
	if (ledger_load(&d, optind < argc ? argv[optind] : NULL, &doc, &e) < 0) {
		log_error("%s", e.msg);
		rc = LOOM_EXIT_FAIL;
	} else {
		ledger_print(stdout, doc, json);
		cJSON_Delete(doc);
	}
	db_close(&d);
	repo_close(&r);
	return rc;
}
