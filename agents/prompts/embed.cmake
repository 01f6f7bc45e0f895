# Turns agents/prompts/*.txt into a C table, so the loom binary carries its
# prompts and the repository keeps them as plain, reviewable files.
# Usage: cmake -DOUT=prompts.c -DDIR=agents/prompts -P embed.cmake
file(GLOB files "${DIR}/*.txt")
list(SORT files)
set(body "/* generated from the .txt files of agents/prompts by embed.cmake: do not edit */\n#include \"agents/prompts.h\"\n\nconst struct prompt prompts[] = {\n")
foreach(f ${files})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\n" "\\n\"\n\t\"" text "${text}")
  string(APPEND body "\t{\"${name}\",\n\t\"${text}\"},\n")
endforeach()
string(APPEND body "\t{0, 0},\n};\n")
file(WRITE ${OUT}.tmp "${body}")
file(RENAME ${OUT}.tmp ${OUT})
