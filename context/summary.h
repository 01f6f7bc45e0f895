/* summary.h - a few lines that tell a model what a repository is. */
#ifndef LOOM_SUMMARY_H
#define LOOM_SUMMARY_H

#include "context/db.h"
#include "context/repo.h"

#define SUMMARY_MAX 1600 /* bytes: well under 600 tokens */

/*
 * The repository at a glance, from its index: its name, how many files in
 * which languages, the top-level directories with their file counts, and the
 * files the latest commits changed. Deterministic, at most SUMMARY_MAX bytes,
 * never fails (an empty index gives a short text). The caller frees it.
 */
char *summary_text(struct repo *r, struct db *d);

#endif
