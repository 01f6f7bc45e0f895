/* loom-worker-explorer: the Explorer, started by loom's session core. */
#include "agents/worker.h"

int main(int argc, char **argv)
{
	return worker_main(argc, argv, &worker_explorer_ops);
}
