# Turns themes/*.theme into C, so the loom binary carries its built-in themes
# and the repository keeps them as plain files a user can copy and edit.
# Usage: cmake -DOUT=themes.c -DDIR=themes -P embed.cmake
file(GLOB files "${DIR}/*.theme")
list(SORT files)
set(names "")
set(texts "")
foreach(f ${files})
  get_filename_component(name ${f} NAME)
  string(REGEX REPLACE "\\.theme$" "" name "${name}")
  file(READ ${f} text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  # no trigraphs (C11 has them) and no bare carriage returns in the literal
  string(REPLACE "?" "\\?" text "${text}")
  string(REPLACE "\r" "\\r" text "${text}")
  string(REPLACE "\n" "\\n\"\n\t\"" text "${text}")
  string(APPEND names "\t\"${name}\",\n")
  string(APPEND texts "\t\"${text}\",\n")
endforeach()
file(WRITE ${OUT}.tmp "/* generated from the .theme files of themes/ by themes/embed.cmake: do not edit */
#include <string.h>

#include \"tui/theme.h\"

static const char *const names[] = {
${names}\tNULL,
};

static const char *const texts[] = {
${texts}};

const char *const *theme_builtin_names(void)
{
	return names;
}

const char *theme_builtin_text(const char *name)
{
	size_t i;

	for (i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return texts[i];
	return NULL;
}
")
file(RENAME ${OUT}.tmp ${OUT})
