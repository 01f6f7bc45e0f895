/*
 * demo.c - `loom demo`: a guided session on a sample repository, with a
 * scripted model instead of a model server.
 *
 * Everything it needs is inside the loom binary (demo_files.c, generated from
 * tui/demo/ by tui/demo/embed.cmake) except loom-fakesrv, which is built
 * beside loom. It writes the sample repository into a directory the user
 * keeps (a new git repository with one commit), the script into a private
 * temporary directory, and starts loom-fakesrv on the script. The server
 * reads its script once, at start, and writes its port only after that, so
 * the temporary directory is removed as soon as the port is known: nothing is
 * left on disk to clean up on any later path. The session then runs in this
 * process with LOOM_* variables pointing at the server; the environment
 * overrides the user's and the repository's config files, and the workers
 * inherit it.
 *
 * The server must not outlive loom, whatever ends it: it is told to die with
 * its parent (PR_SET_PDEATHSIG), SIGINT, SIGTERM and SIGHUP stop it from a
 * handler (unless the session installs its own and returns), and a normal
 * return stops it with SIGTERM and reaps it. It runs in its own process
 * group, so a Ctrl-C on the terminal does not end it behind the session's
 * back. The script answers requests in file order whatever they say, which
 * the intro tells the user.
 */
#define _GNU_SOURCE
#include "tui/demo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/gitx.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "tui/app.h"

#define DEMO_LABEL    "scripted model (demo)"
#define DEMO_START_MS 5000 /* for the server to write its port */
#define DEMO_STOP_MS  2000 /* for it to end after SIGTERM, before SIGKILL */

/* How loom-fakesrv is started, after --script and --port-file. */
static const char *const server_opts[] = {
	"--api",
	"llamacpp",
	"--model",
	"scripted-demo",
	"--n-ctx",
	"8192",
	/*
	 * The key the demo's server wants and its client sends (demo_env below): a key
	 * the user's config names (api_key_env) is never sent to the demo's server.
	 */
	"--api-key",
	"loom-demo",
	NULL,
};

/*
 * The session's settings, over the user's, besides LOOM_ENDPOINT (the
 * server's address). The script holds SEARCH/REPLACE blocks of its own
 * length, written for a model the server describes.
 */
static const char *const demo_env[][2] = {
	{ "LOOM_API", "llamacpp" },
	{ "LOOM_MODEL", "scripted-demo" },
	{ "LOOM_API_KEY_ENV", "LOOM_DEMO_API_KEY" },
	{ "LOOM_DEMO_API_KEY", "loom-demo" },
	{ "LOOM_EDIT_FORMAT", "search-replace" },
	{ "LOOM_MAX_TOKENS", "1024" },
	/* the sample's own test, for the session's check command */
	{ "LOOM_CHECK", "make test" },
};
#define NENV (sizeof(demo_env) / sizeof(demo_env[0]))

static const char demo_usage[] =
        "usage: loom demo [DIR]\n"
        "       loom demo --export DIR\n"
        "\n"
        "Shows Loom's whole flow in a minute, without a model server. Writes a small\n"
        "sample project (greet, a C program) into DIR as a new git repository with one\n"
        "commit (default: a new directory loom-demo-XXXXXX under $TMPDIR or /tmp),\n"
        "starts loom-fakesrv, a fake model server that replays a script, and opens the\n"
        "terminal interface on the repository with a request typed in. The model is a\n"
        "script: whatever you type, it answers one request, with the same plan and\n"
        "edits. Nothing leaves this machine. DIR is left for you to look at.\n"
        "\n"
        "  --export DIR  only write the sample repository (DIR/repo), the script\n"
        "                (DIR/script/*.reply), the request (DIR/request) and the\n"
        "                settings (DIR/env) as plain files, to read, change or replay\n"
        "                them (tui/demo/README.md)\n"
        "\n"
        "exit status: the session's; 1 when DIR exists and is not empty or the scripted\n"
        "server does not start; 2 usage\n";

/* What a signal handler needs: the server to stop and the line to leave. */
static volatile pid_t sig_server;
static char sig_bye[PATH_MAX + 128];
static volatile size_t sig_bye_len;

static void on_signal(int sig)
{
	struct sigaction sa;
	int saved = errno;

	if (sig_server > 0)
		kill(sig_server, SIGTERM);
	if (sig_bye_len && write(STDERR_FILENO, sig_bye, sig_bye_len) < 0)
		errno = saved;
	/* die of the signal, as without the handler: the parent sees why */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	raise(sig);
	errno = saved;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

/* 1 when dir holds anything, 0 when empty, -1 with e set when it cannot be listed. */
static int dir_has_entries(const char *dir, struct error *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int any = 0;

	if (!d)
		return error_errno(e, "cannot list '%s'", dir);
	while (!any && (de = readdir(d)))
		any = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return any;
}

/*
 * Makes dir ready to be written: created when missing, refused (nothing
 * written) when it exists and is not an empty directory.
 */
static int fresh_dir(const char *dir, struct error *e)
{
	struct stat st;
	int rc;

	if (lstat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return error_set(e, "'%s' exists and is not a directory", dir);
		rc = dir_has_entries(dir, e);
		if (rc != 0)
			return rc < 0 ? -1
			              : error_set(
			                        e,
			                        "'%s' is not empty: give a new or empty directory",
			                        dir);
		return 0;
	}
	if (errno != ENOENT)
		return error_errno(e, "cannot use '%s'", dir);
	return fs_mkdir_p(dir, 0777, e);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int demo_write_files(const char *dir, const struct demo_file *files, struct error *e)
{
	const struct demo_file *f;

	for (f = files; f->path; f++) {
		char *path = fs_join(dir, f->path), *slash = strrchr(path, '/');
		int fd, rc = 0;

		if (slash > path + strlen(dir)) {
			*slash = '\0';
			rc = fs_mkdir_p(path, 0777, e);
			*slash = '/';
		}
		if (rc == 0) {
			/* the umask applies, as to any file the user makes */
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			          (mode_t)f->mode);
			if (fd < 0) {
				rc = error_errno(e, "cannot create '%s'", path);
			} else {
				if (write_all(fd, f->text, strlen(f->text)) < 0)
					rc = error_errno(e, "cannot write '%s'", path);
				if (close(fd) < 0 && rc == 0)
					rc = error_errno(e, "cannot write '%s'", path);
			}
		}
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Makes dir, which holds the sample's files, a git repository with them in one commit. */
static int git_commit_all(const char *dir, struct error *e)
{
	if (gitx_commit_all(dir, "greet: a tiny command-line greeter (the sample of loom demo)\n",
	                    e) < 0)
		return error_prefix(e, "'%s'", dir);
	return 0;
}

/* The directory temporary files go in: $TMPDIR, else /tmp. */
static const char *tmp_root(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

/* A new private directory PREFIX-XXXXXX under tmp_root(); NULL with e set. */
static char *tmp_dir(const char *prefix, struct error *e)
{
	char *d = xasprintf("%s/%s-XXXXXX", tmp_root(), prefix);

	if (!mkdtemp(d)) {
		error_errno(e, "cannot create a directory in '%s'", tmp_root());
		free(d);
		return NULL;
	}
	return d;
}

/*
 * Removes the script's private directory (mode 0700, made by mkdtemp) and
 * every file in it: the script, the port file, and the server's temporary
 * port file if it was stopped before renaming it.
 */
static void tmp_remove(char **dir)
{
	DIR *d;
	struct dirent *de;

	if (!*dir)
		return;
	d = opendir(*dir);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(*dir);
	free(*dir);
	*dir = NULL;
}

/* path, or 'path' quoted for a POSIX shell when it needs it. */
static char *shell_quote(const char *path)
{
	struct buf b = BUF_INIT;
	const char *p;

	if (*path && strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "0123456789/._-+,:@%") == strlen(path))
		return xstrdup(path);
	buf_addch(&b, '\'');
	for (p = path; *p; p++)
		if (*p == '\'')
			buf_adds(&b, "'\\''");
		else
			buf_addch(&b, *p);
	buf_addch(&b, '\'');
	return buf_detach(&b, NULL);
}

/* The server: its process, its stderr (an unlinked file), and where it listens. */
struct server {
	pid_t pid;
	int errfd;
	int port;
};

/* The first line the server wrote on stderr, or "" (a static buffer). */
static const char *server_said(const struct server *s)
{
	static char line[256];
	ssize_t n = s->errfd >= 0 ? pread(s->errfd, line, sizeof(line) - 1, 0) : -1;

	line[n > 0 ? n : 0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* Whether one of the stop signals (blocked meanwhile) is pending. */
static int stop_pending(void)
{
	sigset_t p;
	size_t i;

	if (sigpending(&p) < 0)
		return 0;
	for (i = 0; i < NSTOP; i++)
		if (sigismember(&p, stop_signals[i]))
			return 1;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Starts loom-fakesrv from beside this executable on the script in dir and
 * waits for its port. The stop signals are blocked by the caller; the child
 * gets the mask it had before (old). Returns 0, LOOM_EXIT_INTERRUPT when a
 * stop signal came meanwhile, or -1 with e set; the server is stopped again on
 * failure.
 */
static int server_start(struct server *s, const char *dir, const sigset_t *old, struct error *e)
{
	char *exe = realpath("/proc/self/exe", NULL), *bin, *script, *port_file, *errpath;
	char *argv[sizeof(server_opts) / sizeof(server_opts[0]) + 5];
	struct buf port = BUF_INIT;
	size_t k;
	pid_t parent = getpid();
	int waited, rc = -1, i = 0, nullfd, st;

	if (!exe)
		return error_errno(e, "cannot find the loom executable");
	bin = xasprintf("%.*sloom-fakesrv", (int)(strrchr(exe, '/') - exe + 1), exe);
	free(exe);
	script = xstrdup(dir);
	port_file = fs_join(dir, "port");
	errpath = fs_join(dir, "server.err");
	if (access(bin, X_OK) != 0) {
		error_errno(e,
		            "cannot run the scripted model server '%s' (it is built beside loom)",
		            bin);
		goto out;
	}
	s->errfd = open(errpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (s->errfd < 0 || nullfd < 0) {
		error_errno(e, "cannot create '%s'", errpath);
		if (nullfd >= 0)
			close(nullfd);
		goto out;
	}
	unlink(errpath); /* only the descriptors keep it */
	argv[i++] = bin;
	argv[i++] = "--script";
	argv[i++] = script;
	argv[i++] = "--port-file";
	argv[i++] = port_file;
	for (k = 0; server_opts[k]; k++)
		argv[i++] = (char *)server_opts[k];
	argv[i] = NULL;
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		error_errno(e, "cannot start the scripted model server");
		close(nullfd);
		goto out;
	}
	if (s->pid == 0) {
		struct sigaction sa;
		/* never outlive loom, never get the terminal's signals */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(127);
		setpgid(0, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (k = 0; k < NSTOP; k++)
			sigaction(stop_signals[k], &sa, NULL);
		sigprocmask(SIG_SETMASK, old, NULL);
		if (dup2(nullfd, STDIN_FILENO) < 0 || dup2(nullfd, STDOUT_FILENO) < 0 ||
		    dup2(s->errfd, STDERR_FILENO) < 0)
			_exit(127);
		execv(bin, argv);
		dprintf(STDERR_FILENO, "cannot run '%s': %s\n", bin, strerror(errno));
		_exit(127);
	}
	close(nullfd);
	sig_server = s->pid;
	/* the port file appears (by rename: whole) once the script is read and the socket listens */
	for (waited = 0;; waited += 10) {
		struct error ignore = ERROR_INIT;
		if (stop_pending()) {
			rc = LOOM_EXIT_INTERRUPT;
			goto out;
		}
		buf_setlen(&port, 0);
		if (fs_read_file(port_file, 64, &port, &ignore) == 0 && port.len) {
			char *end;
			long p = strtol(port.ptr, &end, 10);
			if (p > 0 && p < 65536 && *end == '\n') {
				s->port = (int)p;
				rc = 0;
				goto out;
			}
		}
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = sig_server = 0;
			if (*server_said(s))
				error_set(e, "the scripted model server did not start: %s",
				          server_said(s));
			else
				error_set(e, "the scripted model server did not start (status %d)",
				          WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			goto out;
		}
		if (waited >= DEMO_START_MS) {
			error_set(e, "the scripted model server did not start within %d s",
			          DEMO_START_MS / 1000);
			goto out;
		}
		sleep_ms(10);
	}
out:
	buf_release(&port);
	free(bin);
	free(script);
	free(port_file);
	free(errpath);
	return rc;
}

/* SIGTERM, then SIGKILL if it has not ended in DEMO_STOP_MS; reaps it. */
static void server_stop(struct server *s)
{
	int waited, st;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (waited = 0; waited < DEMO_STOP_MS; waited += 10) {
			pid_t r = waitpid(s->pid, &st, WNOHANG);
			if (r == s->pid || (r < 0 && errno != EINTR))
				break;
			sleep_ms(10);
		}
		if (waited >= DEMO_STOP_MS) {
			kill(s->pid, SIGKILL);
			while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
				;
		}
	}
	s->pid = sig_server = 0;
	if (s->errfd >= 0)
		close(s->errfd);
	s->errfd = -1;
}

/*
 * The settings as sh assignments, for replaying the script with `loom run`
 * (tui/demo/README.md); the comment says how to start the server.
 */
static char *env_text(void)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_adds(&b, "# loom demo's settings, over the user's. LOOM_ENDPOINT is\n"
	             "# http://127.0.0.1:PORT of loom-fakesrv, started with\n"
	             "# --script script --port-file FILE and these options:\n"
	             "# fakesrv:");
	for (i = 0; server_opts[i]; i++)
		buf_addf(&b, " %s", server_opts[i]);
	buf_addch(&b, '\n');
	for (i = 0; i < NENV; i++)
		buf_addf(&b, "%s='%s'\n", demo_env[i][0], demo_env[i][1]);
	return buf_detach(&b, NULL);
}

/*
 * `loom demo --export DIR`: the embedded files as plain files, nothing
 * started: DIR/repo, DIR/script, DIR/request and DIR/env.
 */
static int demo_export(const char *dir)
{
	struct error e = ERROR_INIT;
	char *repo = fs_join(dir, "repo"), *script = fs_join(dir, "script");
	char *request = xasprintf("%s\n", demo_request), *env = env_text();
	const struct demo_file top[] = {
		{ "request", request, 0644 },
		{ "env", env, 0644 },
		{ NULL, NULL, 0 },
	};
	int rc;

	rc = fresh_dir(dir, &e) < 0 || fs_mkdir_p(repo, 0777, &e) < 0 ||
	     fs_mkdir_p(script, 0777, &e) < 0 || demo_write_files(repo, demo_repo_files, &e) < 0 ||
	     demo_write_files(script, demo_script_files, &e) < 0 ||
	     demo_write_files(dir, top, &e) < 0;
	if (rc)
		log_error("%s", e.msg);
	free(request);
	free(env);
	free(repo);
	free(script);
	return rc ? LOOM_EXIT_FAIL : LOOM_EXIT_OK;
}

/* The lines the session opens with; dir is where the sample is. */
static char **intro_lines(const char *dir)
{
	static const char *const fixed[] = {
		"This is a demo. The model is a script, not a real model: no model server is "
		"needed and nothing leaves this machine.",
		NULL, /* the repository */
		"The request is typed in for you: press Enter to send it.",
		"The scripted model plans two steps, then proposes edits for each: watch the "
		"steps tick.",
		"Tab moves to the Ledger (why each file is in the model's context) and to the "
		"Diff (the proposed edits).",
		"In the Diff, a approves a hunk and x rejects it; Enter applies the approved "
		"hunks.",
		"/undo puts back the files of the last applied change; /quit ends the demo.",
		"The script answers this one request, whatever you type: the same plan and edits "
		"come back, and a second request finds the script used up.",
	};
	size_t n = sizeof(fixed) / sizeof(fixed[0]), i;
	char **v = xcalloc(n + 1, sizeof(*v));

	for (i = 0; i < n; i++)
		v[i] = fixed[i] ? xstrdup(fixed[i])
		                : xasprintf("The repository is greet, a small C program, in %s.",
		                            dir);
	return v;
}

/* Points the session and its workers at the server (over the user's settings). */
static int set_env(int port, struct error *e)
{
	char url[64];
	size_t i;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	if (setenv("LOOM_ENDPOINT", url, 1) < 0)
		return error_errno(e, "cannot set LOOM_ENDPOINT");
	for (i = 0; i < NENV; i++)
		if (setenv(demo_env[i][0], demo_env[i][1], 1) < 0)
			return error_errno(e, "cannot set %s", demo_env[i][0]);
	return 0;
}

int demo_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "export", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct error e = ERROR_INIT;
	struct server srv = { 0, -1, 0 };
	struct sigaction sa, old_sa[NSTOP];
	struct tui_opts to;
	sigset_t stops, old_mask;
	const char *export = NULL, *want = NULL;
	char *repo = NULL, *tmp = NULL, *quoted = NULL, **intro = NULL;
	int c, rc = LOOM_EXIT_FAIL, handlers = 0;
	size_t i;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'x': export = optarg; break;
		case 'h': fputs(demo_usage, stdout); return LOOM_EXIT_OK;
		default: fputs(demo_usage, stderr); return LOOM_EXIT_USAGE;
		}
	}
	if (optind < argc)
		want = argv[optind++];
	if (optind < argc || (export && want)) {
		log_error("too many arguments");
		fputs(demo_usage, stderr);
		return LOOM_EXIT_USAGE;
	}
	if (export)
		return demo_export(export);

	/* the sample repository, which the user keeps */
	if (want) {
		if (fresh_dir(want, &e) < 0) {
			log_error("%s", e.msg);
			return LOOM_EXIT_FAIL;
		}
		repo = realpath(want, NULL);
		if (!repo) {
			log_error("cannot resolve '%s': %s", want, strerror(errno));
			return LOOM_EXIT_FAIL;
		}
	} else if (!(repo = tmp_dir("loom-demo", &e))) {
		log_error("%s", e.msg);
		return LOOM_EXIT_FAIL;
	}
	quoted = shell_quote(repo);
	snprintf(sig_bye, sizeof(sig_bye),
	         "loom: the sample repository is in %s; remove it with rm -rf %s\n", quoted,
	         quoted);
	sig_bye_len = strlen(sig_bye);

	/*
	 * From here on a stop signal kills the server and says where the sample
	 * is. While the script's directory exists the signals wait (the start
	 * polls for them), so that directory never outlives this function.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&stops);
	for (i = 0; i < NSTOP; i++) {
		sigaddset(&stops, stop_signals[i]);
		sigaddset(&sa.sa_mask, stop_signals[i]);
	}
	sigprocmask(SIG_BLOCK, &stops, &old_mask);
	for (i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &sa, &old_sa[i]);
	handlers = 1;

	if (demo_write_files(repo, demo_repo_files, &e) < 0 || git_commit_all(repo, &e) < 0) {
		log_error("%s", e.msg);
		goto out;
	}
	if (!(tmp = tmp_dir("loom-demo-script", &e)) ||
	    demo_write_files(tmp, demo_script_files, &e) < 0) {
		log_error("%s", e.msg);
		goto out;
	}
	c = server_start(&srv, tmp, &old_mask, &e);
	tmp_remove(&tmp); /* read: the server has its script in memory */
	if (c != 0) {
		if (c < 0)
			log_error("%s", e.msg);
		rc = c < 0 ? LOOM_EXIT_FAIL : LOOM_EXIT_INTERRUPT;
		goto out;
	}
	if (set_env(srv.port, &e) < 0) {
		log_error("%s", e.msg);
		goto out;
	}
	sigprocmask(SIG_SETMASK, &old_mask, NULL);

	/* before the screen is taken: left in the scrollback, and for tests */
	log_note("demo: the scripted model server (loom-fakesrv, pid %ld) answers on "
	         "http://127.0.0.1:%d",
	         (long)srv.pid, srv.port);
	intro = intro_lines(quoted);
	memset(&to, 0, sizeof(to));
	to.dir = repo;
	to.label = DEMO_LABEL;
	to.intro = (const char *const *)intro;
	to.prefill = demo_request;
	rc = tui_run(&to);
out:
	/* nothing from here may be cut short by a stop signal */
	if (handlers)
		sigprocmask(SIG_BLOCK, &stops, NULL);
	server_stop(&srv);
	tmp_remove(&tmp);
	if (quoted)
		printf("the sample repository is in %s; remove it with rm -rf %s\n", quoted,
		       quoted);
	fflush(stdout);
	sig_bye_len = 0;
	if (handlers) {
		for (i = 0; i < NSTOP; i++)
			sigaction(stop_signals[i], &old_sa[i], NULL);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
	}
	for (i = 0; intro && intro[i]; i++)
		free(intro[i]);
	free(intro);
	free(quoted);
	free(repo);
	return rc;
}
