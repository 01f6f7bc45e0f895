/* loom-worker-model: the Architect or the Coder, started by loom's session core. */
#include "agents/worker.h"

int main(int argc, char **argv)
{
	return worker_main(argc, argv, &worker_model_ops);
}
