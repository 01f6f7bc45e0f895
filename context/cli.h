/* cli.h - the Context Loom's subcommands: loom index, loom query, loom ledger. */
#ifndef LOOM_CLI_H
#define LOOM_CLI_H

/* Each takes argv with argv[0] = the subcommand name; returns an exit status. */
int cli_index(int argc, char **argv);
int cli_query(int argc, char **argv);
int cli_ledger(int argc, char **argv);
/* `loom [PATH]` with no subcommand (until the terminal UI exists: index and summarize). */
int cli_open(int argc, char **argv);

#endif
