/* cli.h - subcommands of the agents layer: loom ask, loom doctor, loom undo. */
#ifndef LOOM_AGENTS_CLI_H
#define LOOM_AGENTS_CLI_H

#include "core/config.h"

/* Each takes argv with argv[0] = the subcommand name; returns an exit status. */
int cli_ask(int argc, char **argv);
int cli_doctor(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_undo(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_export_training(int argc, char **argv);
int cli_lessons(int argc, char **argv);
int cli_build(int argc, char **argv);

/* Applies the model flags shared by these commands (getopt codes 'E' endpoint, 'A' api,
 * 'M' model, 'X' max-tokens) to c; -1 after an error message. */
int agents_flag(struct config *c, int opt, const char *arg);

#endif
