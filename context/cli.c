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
#include "context/repo.h"
#include "core/exitcode.h"
#include "core/log.h"

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
	"usage: loom index [--max-size BYTES] [--history N] [--stats] [PATH]\n"
	"\n"
	"Builds or refreshes the Context Loom index of the repository at PATH (default:\n"
	"the current directory) in PATH/.loom/index.db. Only new and changed files are\n"
	"read. Shows progress on a terminal.\n"
	"\n"
	"  --max-size BYTES  record but do not read larger files (default 1M)\n"
	"  --history N       commits of history read for the recency rule (default 100)\n"
	"  --stats           print a summary line even when stderr is not a terminal\n";

int cli_index(int argc, char **argv)
{
	static const struct option opts[] = {
		{"max-size", required_argument, NULL, 'm'},
		{"history", required_argument, NULL, 'H'},
		{"stats", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct index_opts o = INDEX_OPTS_INIT;
	struct index_stats st;
	struct repo r;
	struct db d;
	struct error e = ERROR_INIT;
	int c, stats = 0, tty = isatty(STDERR_FILENO);
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
	char *args[3] = {"index", NULL, NULL};
	int rc;

	if (argc > 1) {
		log_error("usage: loom [PATH]");
		return LOOM_EXIT_USAGE;
	}
	args[1] = argc == 1 ? argv[0] : ".";
	optind = 1;
	rc = cli_index(2, args);
	if (rc == LOOM_EXIT_OK)
		fprintf(stderr, "loom: the repository is indexed; the interactive interface is not "
				"built yet: use 'loom query TASK' to see what a model would be given\n");
	return rc;
}

int cli_query(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_error("not implemented");
	return LOOM_EXIT_FAIL;
}

int cli_ledger(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_error("not implemented");
	return LOOM_EXIT_FAIL;
}
