/*
 * main.c - the loom executable: option parsing and the subcommand table.
 *
 * This is the top of the layer stack; each subcommand's entry point lives in the
 * layer that owns it (context/cli.c for index, query and ledger) and is reached
 * only through its public header.
 */
#include <stdio.h>
#include <string.h>

#include "agents/cli.h"
#include "context/cli.h"
#include "tui/app.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "tui/demo.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct command commands[] = {
	{ "index", cli_index, "build or refresh the Context Loom index of a repository" },
	{ "query", cli_query,
	  "rank and pack the files relevant to a task, with the evidence ledger" },
	{ "ledger", cli_ledger, "print a stored evidence ledger (default: the last)" },
	{ "ask", cli_ask, "answer one question with the model, with context from the Loom" },
	{ "doctor", cli_doctor, "check the model server and say what to fix" },
	{ "run", cli_run, "plan, propose and apply a change without the terminal interface" },
	{ "undo", cli_undo, "restore the files of the last applied change set" },
	{ "eval", cli_eval, "run a suite of tasks and report how well Loom and the model did" },
	{ "lessons", cli_lessons, "show or edit the lessons Loom learned in this repository" },
	{ "build", cli_build,
	  "build a spec's slots one verified unit at a time, resumably (docs/BUILD.md)" },
	{ "export-training", cli_export_training,
	  "write the repository's verified fixes as a chat-format fine-tuning set" },
	{ "demo", demo_main, "try Loom in a minute on a sample repository, with a scripted model" },
	{ "help", cmd_help, "show this help" },
	{ "version", cmd_version, "show the version" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: loom [--theme NAME] [--resume] [PATH]   (the interactive session)\n"
	           "       loom <command> [options] [args]\n\n"
	           "Loom is a terminal coding assistant for small local models.\n\n"
	           "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		if (commands[i].summary)
			fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'loom <command> --help' describes a command's options.\n"
	           "exit status: 0 success, 1 failure, 2 usage error, 130 interrupted\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return LOOM_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("loom %s\n", LOOM_VERSION);
	return LOOM_EXIT_OK;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cmd_help(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")))
		return cmd_version(argc - 1, argv + 1);
	if (argc < 2 || argv[1][0] == '-' || argv[1][0] == '/' || argv[1][0] == '.' ||
	    strchr(argv[1], '/'))
		return tui_main(argc, argv);
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	if (fs_is_dir(argv[1]))
		return tui_main(argc, argv);
	fprintf(stderr, "loom: unknown command '%s' (see 'loom --help')\n", argv[1]);
	return LOOM_EXIT_USAGE;
}
