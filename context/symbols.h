/* symbols.h - definitions and imports found in one file's text. */
#ifndef LOOM_SYMBOLS_H
#define LOOM_SYMBOLS_H

#include <stddef.h>

#include "context/lang.h"

/* One definition: a function, method, type, macro, class... */
struct sym {
	char *name;       /* identifier as written, owned */
	const char *kind; /* static string: "function", "struct", "class", "macro", ... */
	int line;         /* 1-based line of the definition's name */
	int end_line;     /* 1-based last line of its body; == line when unknown */
};

/* One import/include edge, unresolved. */
struct import {
	char *target; /* as written: "linux/list.h", "./util", "os.path", "crate::a::b"; owned */
	int line;     /* 1-based */
	int local;    /* 1 for quoted includes / relative imports, 0 for <system> ones */
};

/* Invariant: v[0..n) sorted by line, then name; imp[0..nimp) sorted by line. */
struct syms {
	struct sym *v;
	size_t n, cap;
	struct import *imp;
	size_t nimp, impcap;
};
#define SYMS_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0, NULL, 0, 0                                                             \
	}

/*
 * Extracts definitions and imports from text (n bytes, need not be
 * NUL-terminated, may hold invalid UTF-8) written in language l, appending to
 * out. Never fails: text it cannot make sense of yields fewer symbols.
 * Runs in time linear in n.
 */
void syms_extract(enum lang l, const char *text, size_t n, struct syms *out);
void syms_release(struct syms *s);

#endif
