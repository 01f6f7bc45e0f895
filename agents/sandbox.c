/*
 * sandbox.c - each worker role's limits, enforced by the kernel with Landlock.
 *
 * Data model: two tables. abi_rights says which access rights each Landlock
 * ABI version added (filesystem, TCP, scopes); a ruleset handles the union of
 * every row up to the running ABI (capped at SANDBOX_ABI_KNOWN), so whatever
 * a role is not explicitly allowed is denied, including rights newer than the
 * role's needs. roles says what each role is allowed: filesystem rights beneath
 * the repository and beneath the index directory, and whether it may connect
 * to the model server's port. Architect and Coder get no path rule at all.
 *
 * Invariants: a rule never allows a right the ruleset does not handle (the
 * kernel would refuse it), and a rule on a file carries only the rights that
 * apply to files. Enforcement is all or nothing: sandbox_apply either restricts
 * the thread with the whole policy or returns before restricting anything.
 * Landlock checks a file's rights when it is opened, so descriptors opened
 * before (the IPC channels) keep working; it never widens rights, so the
 * restriction holds for the rest of the process and everything it starts.
 *
 * The kernel headers of Debian 12 know only ABI 2, so the later rights and the
 * structures that carry them are spelled out here; the syscalls are raw.
 */
#define _GNU_SOURCE
#include "agents/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
/* ABI 2 */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
/* ABI 3 */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
/* ABI 4: TCP, with rules of type LANDLOCK_RULE_NET_PORT (2) */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
/* ABI 5 */
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
/* ABI 6: no abstract unix socket or signal reaches outside the domain */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
/*
 * ABI 7: flags of landlock_restrict_self for audit logging. None is passed:
 * the default (log this program's denials, not those after an exec) is what
 * an administrator wants to see when a model tries to get out.
 */
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
#endif

/* Older headers' struct landlock_ruleset_attr lacks the later fields and the net rule type is
 * an enum (no #ifndef possible), so these carry their own names. */
#define SANDBOX_RULE_PATH_BENEATH 1
#define SANDBOX_RULE_NET_PORT     2

struct sandbox_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

struct sandbox_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct sandbox_net_port_attr {
	uint64_t allowed_access;
	uint64_t port; /* host byte order */
};

#define FS_ABI1                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                              \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                          \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                              \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                              \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)

/* The rights a rule on a file (not a directory) may carry. */
#define FS_FILE                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                              \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* SQLite in WAL mode: the database, its -wal and -shm (created, written, truncated, removed
 * when the last connection closes), the lock file, temporary files of large sorts */
#define FS_READ_WRITE                                                                              \
	(FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG |                   \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

static const struct {
	int abi;
	uint64_t fs, net, scoped;
} abi_rights[] = {
	{ 1, FS_ABI1, 0, 0 },
	{ 2, LANDLOCK_ACCESS_FS_REFER, 0, 0 },
	{ 3, LANDLOCK_ACCESS_FS_TRUNCATE, 0, 0 },
	{ 4, 0, LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP, 0 },
	{ 5, LANDLOCK_ACCESS_FS_IOCTL_DEV, 0, 0 },
	{ 6, 0, 0, LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL },
	/* 7: logging flags only (see above) */
};

static const struct {
	const char *name;
	uint64_t repo;  /* beneath repo_root and the read_only paths */
	uint64_t index; /* beneath index_dir */
	int model;      /* may connect to model_port */
} roles[] = {
	[SANDBOX_ARCHITECT] = { "architect", 0, 0, 1 },
	[SANDBOX_EXPLORER] = { "explorer", FS_READ, FS_READ_WRITE, 0 },
	[SANDBOX_CODER] = { "coder", 0, 0, 1 },
};
#define NROLES (sizeof(roles) / sizeof(roles[0]))

const char *sandbox_role_name(enum sandbox_role r)
{
	return roles[r].name;
}

int sandbox_role_parse(const char *s)
{
	size_t i;

	for (i = 0; i < NROLES; i++)
		if (!strcmp(s, roles[i].name))
			return (int)i;
	return -1;
}

#ifdef SYS_landlock_create_ruleset

int sandbox_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return v > 0 ? (int)v : 0;
}

/* Allows access beneath path (or to the file path); a missing optional path is skipped. */
static int allow_path(int ruleset, const char *path, uint64_t access, uint64_t handled,
                      int optional, struct error *e)
{
	struct sandbox_path_beneath_attr rule = { 0 };
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC), rc;

	if (fd < 0 && optional && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		error_errno(e, "cannot open '%s' for the sandbox", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rule.allowed_access = access & handled & (S_ISDIR(st.st_mode) ? ~0ULL : FS_FILE);
	rule.parent_fd = fd;
	rc = rule.allowed_access ? (int)syscall(SYS_landlock_add_rule, ruleset,
	                                        SANDBOX_RULE_PATH_BENEATH, &rule, 0)
	                         : 0;
	if (rc < 0)
		error_errno(e, "cannot allow '%s' in the sandbox", path);
	close(fd);
	return rc < 0 ? -1 : 0;
}

static int add_rules(int ruleset, const struct sandbox_policy *p,
                     const struct sandbox_ruleset_attr *attr, struct error *e)
{
	uint64_t fs = attr->handled_access_fs;
	size_t i;

	if (roles[p->role].repo) {
		if (!p->repo_root || !p->index_dir)
			return error_set(e, "the %s's sandbox needs the repository and the index",
			                 roles[p->role].name);
		if (allow_path(ruleset, p->repo_root, roles[p->role].repo, fs, 0, e) < 0 ||
		    allow_path(ruleset, p->index_dir, roles[p->role].index, fs, 0, e) < 0)
			return -1;
		for (i = 0; i < p->nread_only; i++)
			if (allow_path(ruleset, p->read_only[i], roles[p->role].repo, fs, 1, e) < 0)
				return -1;
	}
	if (roles[p->role].model && p->model_port > 0 &&
	    (attr->handled_access_net & LANDLOCK_ACCESS_NET_CONNECT_TCP)) {
		struct sandbox_net_port_attr rule = { LANDLOCK_ACCESS_NET_CONNECT_TCP,
			                              (uint64_t)p->model_port };
		if (syscall(SYS_landlock_add_rule, ruleset, SANDBOX_RULE_NET_PORT, &rule, 0) < 0)
			return error_errno(e, "cannot allow TCP port %d in the sandbox",
			                   p->model_port);
	}
	return 0;
}

int sandbox_apply(const struct sandbox_policy *p, struct error *e)
{
	struct sandbox_ruleset_attr attr = { 0 };
	size_t i, size;
	int abi = sandbox_abi(), ruleset;

	if ((unsigned)p->role >= NROLES)
		return error_set(e, "no sandbox role %d", (int)p->role);
	if (!abi)
		return 0;
	if (abi > SANDBOX_ABI_KNOWN)
		abi = SANDBOX_ABI_KNOWN;
	for (i = 0; i < sizeof(abi_rights) / sizeof(abi_rights[0]); i++) {
		if (abi_rights[i].abi > abi)
			break;
		attr.handled_access_fs |= abi_rights[i].fs;
		attr.handled_access_net |= abi_rights[i].net;
		attr.scoped |= abi_rights[i].scoped;
	}
	/* a kernel older than a field must not see it */
	size = abi >= 6 ? sizeof(attr) : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (ruleset < 0)
		return error_errno(e, "cannot create the %s's landlock ruleset",
		                   roles[p->role].name);
	if (add_rules(ruleset, p, &attr, e) < 0) {
		close(ruleset);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		error_errno(e, "cannot enforce the %s's landlock ruleset", roles[p->role].name);
		close(ruleset);
		return -1;
	}
	close(ruleset);
	return abi;
}

#else /* headers without the Landlock syscalls: treated as a kernel without Landlock */

int sandbox_abi(void)
{
	return 0;
}

int sandbox_apply(const struct sandbox_policy *p, struct error *e)
{
	(void)p;
	(void)e;
	return 0;
}

#endif

const char *sandbox_level(void)
{
	static char line[128];
	int abi = sandbox_abi(), used = abi < SANDBOX_ABI_KNOWN ? abi : SANDBOX_ABI_KNOWN;
	const char *what = used >= 6   ? "filesystem, network and IPC scopes enforced per role"
	                   : used >= 4 ? "filesystem and network enforced per role"
	                               : "filesystem enforced per role; network open (needs ABI 4)";

	if (!abi)
		return "not available: running without a sandbox";
	if (abi > SANDBOX_ABI_KNOWN)
		snprintf(line, sizeof(line), "Landlock ABI %d (rights of ABI %d used): %s", abi,
		         SANDBOX_ABI_KNOWN, what);
	else
		snprintf(line, sizeof(line), "Landlock ABI %d: %s", abi, what);
	return line;
}
