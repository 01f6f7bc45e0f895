/*
 * proc.h - what the kernel says about a process's memory.
 */
#ifndef LOOM_PROC_H
#define LOOM_PROC_H

#include <sys/types.h>

/*
 * The peak resident set of process pid (0: this one) since its last exec, in
 * KiB: VmHWM in /proc/PID/status. -1 when it cannot be read (gone, or not
 * ours). Unlike getrusage's ru_maxrss, this does not count the memory of the
 * process that spawned it: a child started with vfork (posix_spawn) carries
 * its parent's peak into ru_maxrss across the exec.
 */
long proc_peak_rss_kib(pid_t pid);

#endif
