/*
 * undo.c - `loom undo`: put back what the last applied change set changed.
 *
 * Parsing and printing only: the journal and the restoring are core/undo.c,
 * the journal lives in the repository's Loom directory (LOOM_DIR/undo, see
 * context/repo.h). Listing never writes; undoing takes the journal's lock,
 * so it waits for an apply in progress. Exit 0 when done, 1 when refused
 * or failed (one line on stderr), 2 on a usage error.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/cli.h"
#include "context/repo.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/undo.h"

static const char undo_usage[] =
        "usage: loom undo [--list] [--force] [-C PATH]\n"
        "\n"
        "Restores the exact previous state of every file the last applied change set\n"
        "changed: contents and modes, created files removed, deleted files back. If the\n"
        "set was committed and HEAD is still that commit, HEAD moves back to its parent\n"
        "and the git index entries of those files are restored; if HEAD moved on, the\n"
        "commit stays in history. A change set a crash interrupted is rolled back first.\n"
        "Run it again to undo the set before.\n"
        "\n"
        "  --list    show the undo journal, newest first\n"
        "  --force   restore even files that changed since the set was applied\n"
        "  -C PATH   the repository (default: the current directory)\n";

int cli_undo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct repo r;
	struct undo u = UNDO_INIT;
	struct error e = ERROR_INIT;
	struct buf out = BUF_INIT;
	const char *dir = ".";
	char *journal;
	int c, list = 0, force = 0, rc;

	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case 'l': list = 1; break;
		case 'f': force = 1; break;
		case 'h': fputs(undo_usage, stdout); return LOOM_EXIT_OK;
		default: fputs(undo_usage, stderr); return LOOM_EXIT_USAGE;
		}
	}
	if (optind < argc || (list && force)) {
		fputs(undo_usage, stderr);
		return LOOM_EXIT_USAGE;
	}
	if (repo_open(dir, &r, &e) < 0) {
		log_error("%s", e.msg);
		return LOOM_EXIT_FAIL;
	}
	journal = fs_join(r.loom_dir, "undo");
	if (!fs_is_dir(journal)) {
		if (list)
			printf("the undo journal is empty\n");
		else
			log_error("nothing to undo");
		rc = list ? LOOM_EXIT_OK : LOOM_EXIT_FAIL;
	} else if (undo_open(journal, &u, &e) < 0) {
		log_error("%s", e.msg);
		rc = LOOM_EXIT_FAIL;
	} else {
		rc = list ? undo_list(&u, &out, &e) : undo_last(&u, r.root, r.git, force, &out, &e);
		fputs(out.ptr, stdout);
		if (rc < 0) {
			log_error("%s%s", e.msg,
			          !force && !list && strstr(e.msg, " changed ")
			                  ? " ('loom undo --force' restores them anyway)"
			                  : "");
			rc = LOOM_EXIT_FAIL;
		}
		undo_close(&u);
	}
	buf_release(&out);
	free(journal);
	repo_close(&r);
	return rc;
}
