/*
 * sandbox_check.c - loom-sandbox-check: a role's sandbox, applied to itself,
 * then a list of attempts, each reported as allowed or refused.
 *
 * The proof behind tests/t/t0400-sandbox.sh: it prepares what a worker of
 * ROLE prepares (the model endpoint's addresses and CA bundle, the settings),
 * calls sandbox_apply exactly as a worker does, and then tries each ACTION
 * ARG pair in order, printing one line per attempt: "ACTION ARG: ok" or
 * "ACTION ARG: ENAME" (the errno's name, EACCES being Landlock's refusal), or
 * "ACTION ARG: error MESSAGE" for the actions that run Loom's own code. The
 * role "none" applies nothing, so the same attempts can be shown to succeed
 * without the sandbox. --git-paths adds to the Explorer's policy what an
 * Explorer worker adds (repo_outside_paths); --no-landlock installs a seccomp
 * filter refusing Landlock, as some containers do, to exercise the fallback.
 * Not installed, not for users.
 *
 * A restricted process cannot read /proc, which LeakSanitizer's exit-time
 * check needs, so a restricted run leaves with _exit after flushing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "agents/sandbox.h"
#include "context/db.h"
#include "context/index.h"
#include "context/query.h"
#include "context/repo.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/model.h"
#include "core/xalloc.h"

#define EXIT_APPLY 3 /* no sandbox: it could not be applied, or the kernel has no Landlock */

static const char usage_text[] =
        "usage: loom-sandbox-check ROLE [--repo DIR] [--index DIR] [--read-only PATH]...\n"
        "                          [--git-paths] [--port N] [--endpoint URL [--ca FILE]]\n"
        "                          [--no-landlock]\n"
        "                          -- ACTION ARG [ACTION ARG]...\n"
        "ROLE: architect, explorer, coder, or none (no sandbox)\n"
        "ACTION: read, write, create, remove, mkdir, truncate, list PATH; fdread, fdwrite FD;\n"
        "        connect, bind PORT (127.0.0.1); unix NAME (abstract); signal PID;\n"
        "        sqlite DB; query TASK (the Context Loom on --repo); open, chat TEXT (--endpoint)\n"
        "exit status: 0 every action succeeded, 1 one did not, 2 usage, 3 no sandbox applied\n";

struct world {
	const char *repo;
	struct config conf;
	struct model_net net;
	int have_net;
};

static int ename(int err, char *out, size_t n)
{
	const char *s = strerrorname_np(err);

	snprintf(out, n, "%s", s ? s : "errno");
	return -1;
}

static int open_and(const char *path, int flags, int io, char *out, size_t n)
{
	char c = 'x';
	int fd = open(path, flags | O_CLOEXEC, 0644), rc = 0;

	if (fd < 0)
		return ename(errno, out, n);
	if (io == 'r' && read(fd, &c, 1) < 0)
		rc = ename(errno, out, n);
	if (io == 'w' && write(fd, "x\n", 2) != 2)
		rc = ename(errno, out, n);
	close(fd);
	return rc;
}

static int act_read(struct world *w, const char *a, char *out, size_t n)
{
	return open_and(a, O_RDONLY, 'r', out, n);
}
static int act_write(struct world *w, const char *a, char *out, size_t n)
{
	return open_and(a, O_WRONLY | O_APPEND, 'w', out, n);
}
static int act_create(struct world *w, const char *a, char *out, size_t n)
{
	return open_and(a, O_WRONLY | O_CREAT | O_EXCL, 'w', out, n);
}
static int act_remove(struct world *w, const char *a, char *out, size_t n)
{
	return unlink(a) < 0 ? ename(errno, out, n) : 0;
}
static int act_mkdir(struct world *w, const char *a, char *out, size_t n)
{
	return mkdir(a, 0755) < 0 ? ename(errno, out, n) : 0;
}
static int act_truncate(struct world *w, const char *a, char *out, size_t n)
{
	return truncate(a, 0) < 0 ? ename(errno, out, n) : 0;
}

static int act_list(struct world *w, const char *a, char *out, size_t n)
{
	DIR *d = opendir(a);

	if (!d)
		return ename(errno, out, n);
	errno = 0;
	while (readdir(d))
		;
	if (errno)
		return ename(errno, out, n);
	closedir(d);
	return 0;
}

static int act_fdread(struct world *w, const char *a, char *out, size_t n)
{
	char c;

	return pread(atoi(a), &c, 1, 0) < 0 ? ename(errno, out, n) : 0;
}
static int act_fdwrite(struct world *w, const char *a, char *out, size_t n)
{
	return write(atoi(a), "x\n", 2) != 2 ? ename(errno, out, n) : 0;
}

static int inet(const char *a, int bind_it, char *out, size_t n)
{
	struct sockaddr_in sa = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return ename(errno, out, n);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(a));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = bind_it ? bind(fd, (struct sockaddr *)&sa, sizeof(sa))
	             : connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (rc < 0)
		ename(errno, out, n);
	close(fd);
	return rc;
}
static int act_connect(struct world *w, const char *a, char *out, size_t n)
{
	return inet(a, 0, out, n);
}
static int act_bind(struct world *w, const char *a, char *out, size_t n)
{
	return inet(a, 1, out, n);
}

static int act_unix(struct world *w, const char *a, char *out, size_t n)
{
	struct sockaddr_un sa = { 0 };
	size_t len = strlen(a);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return ename(errno, out, n);
	if (len >= sizeof(sa.sun_path))
		len = sizeof(sa.sun_path) - 1;
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, a, len); /* sun_path[0] == '\0': abstract */
	rc = connect(fd, (struct sockaddr *)&sa,
	             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len));
	if (rc < 0)
		ename(errno, out, n);
	close(fd);
	return rc;
}

/* Signal 0: checked like any other signal (Landlock's scope included), never delivered. */
static int act_signal(struct world *w, const char *a, char *out, size_t n)
{
	return kill((pid_t)atoi(a), 0) < 0 ? ename(errno, out, n) : 0;
}

/* WAL mode, a tiny cache and a sort big enough to spill to SQLite's temporary files. */
static int act_sqlite(struct world *w, const char *a, char *out, size_t n)
{
	static const char sql[] =
	        "PRAGMA journal_mode=WAL; PRAGMA cache_size=8;"
	        "CREATE TABLE t(k BLOB);"
	        "BEGIN;"
	        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000)"
	        " INSERT INTO t SELECT randomblob(200) FROM c;"
	        "COMMIT;"
	        "CREATE INDEX t_k ON t(k);";
	sqlite3 *h = NULL;
	char *msg = NULL;
	int rc = sqlite3_open_v2(a, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		snprintf(out, n, "error %s", msg ? msg : sqlite3_errmsg(h));
	sqlite3_free(msg);
	if (sqlite3_close(h) != SQLITE_OK && rc == SQLITE_OK) {
		snprintf(out, n, "error cannot close");
		rc = SQLITE_ERROR;
	}
	return rc == SQLITE_OK ? 0 : -1;
}

/* The Explorer's work: refresh the Context Loom index of --repo, then rank for a task. */
static int act_query(struct world *w, const char *a, char *out, size_t n)
{
	struct repo r = REPO_INIT;
	struct db d = DB_INIT;
	struct index_opts io = INDEX_OPTS_INIT;
	struct index_stats st;
	struct query_opts qo = { 0 };
	struct error e = ERROR_INIT;
	cJSON *doc = NULL;
	int rc = -1;

	qo.task = a;
	qo.budget = QUERY_BUDGET_DEFAULT;
	qo.top = QUERY_TOP_DEFAULT;
	if (!w->repo) {
		snprintf(out, n, "error no --repo");
	} else if (repo_open(w->repo, &r, &e) < 0 || db_open(&r, &d, &e) < 0 ||
	           index_refresh(&r, &d, &io, &st, &e) < 0 ||
	           query_run(&r, &d, &qo, &doc, &e) < 0) {
		snprintf(out, n, "error %s", e.msg);
	} else {
		const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0);
		const cJSON *path = first ? cJSON_GetObjectItem(first, "path") : NULL;
		snprintf(out, n, "ok %s", cJSON_IsString(path) ? path->valuestring : "(nothing)");
		rc = 0;
	}
	cJSON_Delete(doc);
	db_close(&d);
	repo_close(&r);
	return rc;
}

/* The Architect's and Coder's work: open the model (and chat with it when text is given). */
static int model(struct world *w, const char *text, char *out, size_t n)
{
	struct model m = MODEL_INIT;
	struct model_reply reply = MODEL_REPLY_INIT;
	struct error e = ERROR_INIT;
	int rc = -1;

	m.net = w->have_net ? &w->net : NULL;
	if (model_open(&m, &w->conf, &e) < 0) {
		snprintf(out, n, "error %s", e.msg);
	} else if (!text) {
		snprintf(out, n, "ok %s", model_api_name(m.api));
		rc = 0;
	} else {
		struct model_msg msgs[1] = { { "user", text } };
		struct model_request req = { 0 };
		req.msgs = msgs;
		req.nmsgs = 1;
		req.max_tokens = 8;
		if (model_chat(&m, &req, &reply, &e) < 0) {
			snprintf(out, n, "error %s", e.msg);
		} else {
			snprintf(out, n, "ok '%s'", reply.text.ptr);
			rc = 0;
		}
	}
	buf_release(&reply.text);
	model_close(&m);
	return rc;
}
static int act_open(struct world *w, const char *a, char *out, size_t n)
{
	return model(w, NULL, out, n);
}
static int act_chat(struct world *w, const char *a, char *out, size_t n)
{
	return model(w, a, out, n);
}

static const struct action {
	const char *name;
	int (*run)(struct world *w, const char *arg, char *out, size_t n);
} actions[] = {
	{ "read", act_read },       { "write", act_write },   { "create", act_create },
	{ "remove", act_remove },   { "mkdir", act_mkdir },   { "truncate", act_truncate },
	{ "list", act_list },       { "fdread", act_fdread }, { "fdwrite", act_fdwrite },
	{ "connect", act_connect }, { "bind", act_bind },     { "unix", act_unix },
	{ "signal", act_signal },   { "sqlite", act_sqlite }, { "query", act_query },
	{ "open", act_open },       { "chat", act_chat },
};
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

static const struct action *find_action(const char *name)
{
	size_t i;

	for (i = 0; i < NACTIONS; i++)
		if (!strcmp(actions[i].name, name))
			return &actions[i];
	return NULL;
}

/* Makes this process look like one in a container whose seccomp filter refuses Landlock. */
static int refuse_landlock(void)
{
#if defined(SYS_landlock_create_ruleset) && (defined(__x86_64__) || defined(__aarch64__))
#ifdef __x86_64__
#define CHECK_AUDIT_ARCH AUDIT_ARCH_X86_64
#else
#define CHECK_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CHECK_AUDIT_ARCH, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_landlock_create_ruleset, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		log_error("cannot install the seccomp filter: %s", strerror(errno));
		return -1;
	}
	return 0;
#else
	log_error("--no-landlock is not supported on this architecture");
	return -1;
#endif
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "index", required_argument, NULL, 'i' },
		{ "read-only", required_argument, NULL, 'o' },
		{ "port", required_argument, NULL, 'p' },
		{ "endpoint", required_argument, NULL, 'E' },
		{ "ca", required_argument, NULL, 'c' },
		{ "git-paths", no_argument, NULL, 'g' },
		{ "no-landlock", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct sandbox_policy p = SANDBOX_POLICY_INIT;
	struct world w = { 0 };
	struct error e = ERROR_INIT;
	const char **ro = NULL, *endpoint = NULL, *ca = NULL;
	char **gp = NULL;
	size_t nro = 0, rocap = 0, ngp = 0;
	int c, i, role, git_paths = 0, no_landlock = 0, abi = 0, failed = 0;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	/* ROLE stands where getopt expects the program's name */
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'r': w.repo = p.repo_root = optarg; break;
		case 'i': p.index_dir = optarg; break;
		case 'o':
			XGROW(ro, rocap, nro + 1);
			ro[nro++] = optarg;
			break;
		case 'p': p.model_port = atoi(optarg); break;
		case 'E': endpoint = optarg; break;
		case 'c': ca = optarg; break;
		case 'g': git_paths = 1; break;
		case 'L': no_landlock = 1; break;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if ((argc - optind) % 2 != 0) {
		fputs(usage_text, stderr);
		return 2;
	}
	role = strcmp(argv[0], "none") ? sandbox_role_parse(argv[0]) : -2;
	if (role == -1) {
		log_error("no role '%s'", argv[0]);
		return 2;
	}
	for (i = optind; i < argc; i += 2) {
		if (!find_action(argv[i])) {
			log_error("no action '%s'", argv[i]);
			return 2;
		}
	}
	if (git_paths) {
		/* what an Explorer worker adds: libgit2's reads outside the work tree */
		struct repo r = REPO_INIT;
		size_t k;
		if (!w.repo || repo_open(w.repo, &r, &e) < 0) {
			log_error("--git-paths: %s", w.repo ? e.msg : "no --repo");
			return 2;
		}
		gp = repo_outside_paths(&r, &ngp);
		for (k = 0; k < ngp; k++) {
			XGROW(ro, rocap, nro + 1);
			ro[nro++] = gp[k];
		}
		repo_close(&r);
	}
	p.read_only = ro;
	p.nread_only = nro;

	/* what a worker prepares before restricting itself */
	config_init(&w.conf);
	config_load_env(&w.conf);
	if (endpoint) {
		if (config_set(&w.conf, CONF_ENDPOINT, endpoint, CONF_FROM_FLAG, "--endpoint", &e) <
		            0 ||
		    model_net_prepare(&w.net, endpoint, ca, &e) < 0) {
			log_error("%s", e.msg);
			return 2;
		}
		w.have_net = 1;
		if (!p.model_port)
			p.model_port = w.net.port;
	}
	if (no_landlock && refuse_landlock() < 0)
		return 2;
	if (role >= 0) {
		p.role = (enum sandbox_role)role;
		if (p.index_dir)
			db_temp_dir(p.index_dir); /* as the Explorer worker does */
		abi = sandbox_apply(&p, &e);
		if (abi < 0) {
			log_error("%s", e.msg);
			return EXIT_APPLY;
		}
		if (abi == 0)
			log_warn(SANDBOX_NO_LANDLOCK);
	}
	printf("sandbox: %s\n", role < 0 ? "none" : abi ? sandbox_level() : "not applied");

	for (i = optind; i < argc; i += 2) {
		char out[600] = "ok";
		if (find_action(argv[i])->run(&w, argv[i + 1], out, sizeof(out)) < 0)
			failed = 1;
		printf("%s %s: %s\n", argv[i], argv[i + 1], out);
	}

	fflush(stdout);
	if (abi > 0)
		_exit(failed); /* see the top of this file */
	model_net_release(&w.net);
	config_release(&w.conf);
	free(ro);
	while (ngp)
		free(gp[--ngp]);
	free(gp);
	return role >= 0 && abi == 0 ? EXIT_APPLY : failed;
}
