/* lang.h - which language a file is written in, from its name and first line. */
#ifndef LOOM_LANG_H
#define LOOM_LANG_H

#include <stddef.h>

enum lang {
	LANG_NONE = 0, /* plain text or unknown */
	LANG_C,
	LANG_CPP,
	LANG_PYTHON,
	LANG_JS,
	LANG_TS,
	LANG_GO,
	LANG_RUST,
	LANG_JAVA,
	LANG_SHELL,
	LANG_ASM,
	LANG_MAKE,
	LANG_CMAKE,
	LANG_MARKDOWN,
	LANG_RST,
	LANG_JSON,
	LANG_YAML,
	LANG_TOML,
	LANG_HTML,
	LANG_CSS,
	LANG_RUBY,
	LANG_PERL,
	LANG_LUA,
	LANG_DTS,
	LANG__COUNT
};

/* Short lowercase name ("c", "python", "text"); never NULL. */
const char *lang_name(enum lang l);
/*
 * Detects the language of the file at the repository-relative path, looking at
 * its extension, its basename (Makefile, CMakeLists.txt) and, when those say
 * nothing, a "#!" line at the start of head (n bytes, may be 0).
 */
enum lang lang_detect(const char *path, const char *head, size_t n);

#endif
