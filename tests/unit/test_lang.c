/* test_lang.c - language detection from names, extensions and "#!" lines. */
#include <string.h>

#include "context/lang.h"
#include "tests/unit/check.h"

static size_t len(const char *s)
{
	return s ? strlen(s) : 0;
}

#define DETECT(path, head, want)                                                                   \
	CHECK_STR(lang_name(lang_detect((path), (head), len(head))), lang_name(want))

static void test_extensions(void)
{
	static const struct {
		const char *path;
		enum lang want;
	} cases[] = {
		{ "main.c", LANG_C },
		{ "include/linux/list.h", LANG_C },
		{ "A.CPP", LANG_CPP },
		{ "x.cc", LANG_CPP },
		{ "x.cxx", LANG_CPP },
		{ "x.hpp", LANG_CPP },
		{ "x.hh", LANG_CPP },
		{ "x.hxx", LANG_CPP },
		{ "legacy.C", LANG_CPP },
		{ "a.py", LANG_PYTHON },
		{ "stubs.pyi", LANG_PYTHON },
		{ "a.PY", LANG_PYTHON },
		{ "app.js", LANG_JS },
		{ "m.mjs", LANG_JS },
		{ "c.cjs", LANG_JS },
		{ "view.jsx", LANG_JS },
		{ "a.ts", LANG_TS },
		{ "view.tsx", LANG_TS },
		{ "m.mts", LANG_TS },
		{ "c.cts", LANG_TS },
		{ "main.go", LANG_GO },
		{ "lib.rs", LANG_RUST },
		{ "A.java", LANG_JAVA },
		{ "run.sh", LANG_SHELL },
		{ "x.bash", LANG_SHELL },
		{ "x.zsh", LANG_SHELL },
		{ "x.ksh", LANG_SHELL },
		{ "entry.S", LANG_ASM },
		{ "entry.s", LANG_ASM },
		{ "boot.asm", LANG_ASM },
		{ "rules.mk", LANG_MAKE },
		{ "Makefile", LANG_MAKE },
		{ "sub/makefile", LANG_MAKE },
		{ "GNUmakefile", LANG_MAKE },
		{ "drivers/Kbuild", LANG_MAKE },
		{ "Makefile.am", LANG_MAKE },
		{ "CMakeLists.txt", LANG_CMAKE },
		{ "cmake/Find.cmake", LANG_CMAKE },
		{ "README.md", LANG_MARKDOWN },
		{ "x.markdown", LANG_MARKDOWN },
		{ "index.rst", LANG_RST },
		{ "package.json", LANG_JSON },
		{ "ci.yaml", LANG_YAML },
		{ "ci.yml", LANG_YAML },
		{ "Cargo.toml", LANG_TOML },
		{ "a.html", LANG_HTML },
		{ "a.htm", LANG_HTML },
		{ "a.css", LANG_CSS },
		{ "a.scss", LANG_CSS },
		{ "a.rb", LANG_RUBY },
		{ "a.pl", LANG_PERL },
		{ "A.pm", LANG_PERL },
		{ "a.lua", LANG_LUA },
		{ "board.dts", LANG_DTS },
		{ "soc.dtsi", LANG_DTS },
		{ "notes.txt", LANG_NONE },
		{ "LICENSE", LANG_NONE },
		{ "dir.c/file", LANG_NONE },
		{ ".c", LANG_NONE },
		{ "trailing.", LANG_NONE },
		{ "", LANG_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		DETECT(cases[i].path, NULL, cases[i].want);
}

static void test_shebang(void)
{
	DETECT("bin/tool", "#!/bin/sh\necho hi\n", LANG_SHELL);
	DETECT("bin/tool", "#!/bin/bash -e\n", LANG_SHELL);
	DETECT("bin/tool", "#! /usr/bin/zsh\n", LANG_SHELL);
	DETECT("bin/tool", "#!/bin/dash\n", LANG_SHELL);
	DETECT("bin/tool", "#!/usr/bin/python3\nimport os\n", LANG_PYTHON);
	DETECT("bin/tool", "#!/usr/bin/python3.12\n", LANG_PYTHON);
	DETECT("bin/tool", "#!/usr/bin/env python\n", LANG_PYTHON);
	DETECT("bin/tool", "#!/usr/bin/env node\n", LANG_JS);
	DETECT("bin/tool", "#!/usr/bin/env -S node --no-warnings\n", LANG_JS);
	DETECT("bin/tool", "#!/usr/bin/env LANG=C perl -w\n", LANG_PERL);
	DETECT("bin/tool", "#!/usr/bin/perl\n", LANG_PERL);
	DETECT("bin/tool", "#!/usr/bin/env ruby\r\n", LANG_RUBY);
	DETECT("bin/tool", "#!/usr/bin/env bash", LANG_SHELL);
	/* the name wins over the first line */
	DETECT("tool.py", "#!/bin/sh\n", LANG_PYTHON);
	DETECT("bin/tool", "#!/usr/bin/env\n", LANG_NONE);
	DETECT("bin/tool", "#!\n", LANG_NONE);
	DETECT("bin/tool", "#!/usr/bin/awk -f\n", LANG_NONE);
	DETECT("bin/tool", "# not a shebang\n", LANG_NONE);
	DETECT("bin/tool", "", LANG_NONE);
	DETECT(NULL, "#!/bin/sh\n", LANG_SHELL);
	CHECK_INT(lang_detect("bin/tool", "#!/bin/sh", 2), LANG_NONE); /* only n bytes count */
}

static void test_names(void)
{
	static const char *const want[LANG__COUNT] = {
		"text", "c",     "cpp",  "python", "javascript", "typescript", "go",  "rust",
		"java", "shell", "asm",  "make",   "cmake",      "markdown",   "rst", "json",
		"yaml", "toml",  "html", "css",    "ruby",       "perl",       "lua", "dts",
	};
	int l;

	for (l = 0; l < LANG__COUNT; l++)
		CHECK_STR(lang_name((enum lang)l), want[l]);
	CHECK_STR(lang_name(LANG__COUNT), "text");
	CHECK_STR(lang_name((enum lang) - 1), "text");
}

int main(void)
{
	test_extensions();
	test_shebang();
	test_names();
	return check_done("test_lang");
}
