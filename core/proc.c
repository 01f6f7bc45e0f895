/*
 * proc.c - what the kernel says about a process's memory.
 */
#include "core/proc.h"

#include <stdio.h>
#include <string.h>

long proc_peak_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6) && sscanf(line + 6, "%ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}
