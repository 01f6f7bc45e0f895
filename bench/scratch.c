/*
 * scratch.c - loom-bench-scratch: the scratch copy (context/scratch.h) from
 * the command line, for bench/scratch.py and for trying it by hand.
 *
 *   open REPO           take a copy and bring it in line with the work tree;
 *                       prints what the sync did as one JSON line
 *   hold REPO SECONDS   the same, then keep the copy that long
 *   remove REPO         remove every copy no process holds
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context/repo.h"
#include "context/scratch.h"
#include "core/error.h"

static const char usage[] = "usage: loom-bench-scratch open|hold|remove REPO [SECONDS]\n";

int main(int argc, char **argv)
{
	struct repo r;
	struct scratch s;
	struct scratch_stats st;
	struct error e = ERROR_INIT;
	int rc = 0;

	if (argc < 3 ||
	    (strcmp(argv[1], "open") && strcmp(argv[1], "hold") && strcmp(argv[1], "remove")) ||
	    (!strcmp(argv[1], "hold") && argc < 4)) {
		fputs(usage, stderr);
		return 2;
	}
	if (repo_open(argv[2], &r, &e) < 0) {
		fprintf(stderr, "loom-bench-scratch: %s\n", e.msg);
		return 1;
	}
	if (!strcmp(argv[1], "remove")) {
		rc = scratch_remove(&r, &e);
	} else if ((rc = scratch_open(&s, &r, NULL, &st, &e)) == 0) {
		printf("{\"dir\": \"%s\", \"files\": %zu, \"copied\": %zu, \"removed\": %zu, "
		       "\"skipped\": %zu, \"bytes\": %llu, \"reflink\": %d, \"git\": %d, "
		       "\"seconds\": %.4f}\n",
		       s.dir, st.files, st.copied, st.removed, st.skipped,
		       (unsigned long long)st.bytes, st.reflink, st.git, st.seconds);
		fflush(stdout);
		if (!strcmp(argv[1], "hold"))
			sleep((unsigned)atoi(argv[3]));
		scratch_close(&s);
	}
	if (rc < 0)
		fprintf(stderr, "loom-bench-scratch: %s\n", e.msg);
	repo_close(&r);
	return rc < 0 ? 1 : 0;
}
