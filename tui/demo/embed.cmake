# Turns the demo's files into C, so `loom demo` needs no file at run time and
# the repository keeps them as plain files anyone can read and edit:
# repo/** (the sample repository), script/*.reply (loom-fakesrv's replies) and
# request.txt (the request put in the input line).
# Usage: cmake -DOUT=demo_files.c -DDIR=tui/demo -P embed.cmake
#
# Text files only (a NUL byte cannot be carried). A file whose first two bytes
# are "#!" gets mode 0755, any other 0644: the mode in the work tree depends on
# the checkout and the umask, the first line does not.

# c_literal(VAR TEXT): TEXT as a C string literal, one source line per line
function(c_literal var text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  # no trigraphs (C11 has them) and no bare carriage returns in the literal
  string(REPLACE "?" "\\?" text "${text}")
  string(REPLACE "\r" "\\r" text "${text}")
  string(REPLACE "\t" "\\t" text "${text}")
  string(REPLACE "\n" "\\n\"\n\t  \"" text "${text}")
  set(${var} "\"${text}\"" PARENT_SCOPE)
endfunction()

# table(VAR BASE FILES...): the initializers of a struct demo_file table
function(table var base)
  set(rows "")
  foreach(f ${ARGN})
    file(RELATIVE_PATH rel ${base} ${f})
    file(READ ${f} text)
    string(LENGTH "${text}" len)
    file(SIZE ${f} size)
    if(NOT len EQUAL size)
      message(FATAL_ERROR "${f}: not a text file (a NUL byte, or not readable whole)")
    endif()
    set(mode 0644)
    if(len GREATER_EQUAL 2)
      string(SUBSTRING "${text}" 0 2 head)
      if(head STREQUAL "#!")
        set(mode 0755)
      endif()
    endif()
    c_literal(name "${rel}")
    c_literal(lit "${text}")
    string(APPEND rows "\t{ ${name},\n\t  ${lit},\n\t  ${mode} },\n")
  endforeach()
  set(${var} "${rows}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE repo LIST_DIRECTORIES false "${DIR}/repo/*")
file(GLOB script "${DIR}/script/*.reply")
list(SORT repo)
list(SORT script)
list(LENGTH repo nrepo)
list(LENGTH script nscript)
if(nrepo EQUAL 0 OR nscript EQUAL 0)
  message(FATAL_ERROR "${DIR}: no repo/ files or no script/*.reply files")
endif()
table(repo_rows ${DIR}/repo ${repo})
table(script_rows ${DIR}/script ${script})
file(READ ${DIR}/request.txt request)
string(STRIP "${request}" request)
c_literal(request "${request}")

file(WRITE ${OUT}.tmp "/* generated from tui/demo/ by tui/demo/embed.cmake: do not edit */
#include <stddef.h>

#include \"tui/demo.h\"

const struct demo_file demo_repo_files[] = {
${repo_rows}\t{ NULL, NULL, 0 },
};

const struct demo_file demo_script_files[] = {
${script_rows}\t{ NULL, NULL, 0 },
};

const char demo_request[] = ${request};
")
file(RENAME ${OUT}.tmp ${OUT})
