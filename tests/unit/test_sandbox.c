/*
 * test_sandbox.c - the sandbox's view of the kernel (sandbox_abi, sandbox_level),
 * its failures, one enforcement in a child process, and what a worker
 * prepares for the model client before restricting itself (model_net_prepare).
 * tests/t/t0400-sandbox.sh proves each role's limits end to end.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agents/sandbox.h"
#include "check.h"
#include "core/model.h"

static int raw_abi(void)
{
#ifdef SYS_landlock_create_ruleset
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* ..._VERSION */);
	return v > 0 ? (int)v : 0;
#else
	return 0;
#endif
}

static void test_level(void)
{
	int abi = sandbox_abi();
	char want[160];

	CHECK_INT(abi, raw_abi());
	if (!abi) {
		CHECK_STR(sandbox_level(), "not available: running without a sandbox");
		printf("test_sandbox: this kernel has no Landlock; enforcement not tested here\n");
		return;
	}
	if (abi > SANDBOX_ABI_KNOWN)
		snprintf(want, sizeof(want), "Landlock ABI %d (rights of ABI %d used): ", abi,
		         SANDBOX_ABI_KNOWN);
	else
		snprintf(want, sizeof(want), "Landlock ABI %d: ", abi);
	strcat(want, abi >= 6   ? "filesystem, network and IPC scopes enforced per role"
	             : abi >= 4 ? "filesystem and network enforced per role"
	                        : "filesystem enforced per role; network open (needs ABI 4)");
	CHECK_STR(sandbox_level(), want);
}

static void test_roles(void)
{
	CHECK_STR(sandbox_role_name(SANDBOX_ARCHITECT), "architect");
	CHECK_STR(sandbox_role_name(SANDBOX_EXPLORER), "explorer");
	CHECK_STR(sandbox_role_name(SANDBOX_CODER), "coder");
	CHECK_INT(sandbox_role_parse("coder"), SANDBOX_CODER);
	CHECK_INT(sandbox_role_parse("explorer"), SANDBOX_EXPLORER);
	CHECK_INT(sandbox_role_parse("Coder"), -1);
	CHECK_INT(sandbox_role_parse(""), -1);
}

/*
 * Runs fn in a child and returns its exit status: a restricted process stays
 * restricted, and must leave with _exit (LeakSanitizer cannot read /proc).
 */
static int in_child(int (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* 0: the policy failed whole, with the expected messages, and nothing was enforced. */
static int failures(void)
{
	struct sandbox_policy p = SANDBOX_POLICY_INIT;
	struct error e = ERROR_INIT;
	int fd, bad = 0;

	p.role = SANDBOX_EXPLORER;
	bad |= sandbox_apply(&p, &e) != -1;
	bad |= strcmp(e.msg, "the explorer's sandbox needs the repository and the index") != 0;
	p.repo_root = "/";
	p.index_dir = "/nonexistent/loom-index";
	bad |= sandbox_apply(&p, &e) != -1;
	bad |= strcmp(e.msg, "cannot open '/nonexistent/loom-index' for the sandbox: No such "
	                     "file or directory") != 0;
	p.role = (enum sandbox_role)7;
	bad |= sandbox_apply(&p, &e) != -1;
	bad |= strcmp(e.msg, "no sandbox role 7") != 0;
	fd = open("/etc/passwd", O_RDONLY);
	bad |= fd < 0;
	if (fd >= 0)
		close(fd);
	if (bad)
		fprintf(stderr, "failures: last message '%s'\n", e.msg);
	return bad;
}

/* 0: the Coder reads neither /etc/passwd nor /, yet still writes to stdout. */
static int coder(void)
{
	struct sandbox_policy p = SANDBOX_POLICY_INIT;
	struct error e = ERROR_INIT;
	int abi, fd;

	p.role = SANDBOX_CODER;
	abi = sandbox_apply(&p, &e);
	if (abi != (sandbox_abi() < SANDBOX_ABI_KNOWN ? sandbox_abi() : SANDBOX_ABI_KNOWN)) {
		fprintf(stderr, "coder: sandbox_apply returned %d: %s\n", abi, e.msg);
		return 1;
	}
	fd = open("/etc/passwd", O_RDONLY);
	if (fd >= 0 || errno != EACCES)
		return 2;
	fd = open("/", O_RDONLY | O_DIRECTORY);
	if (fd >= 0 || errno != EACCES)
		return 3;
	return write(1, "", 0) == 0 ? 0 : 4;
}

static void test_apply(void)
{
	CHECK_INT(in_child(failures), 0);
	if (sandbox_abi())
		CHECK_INT(in_child(coder), 0);
}

static void test_net(void)
{
	struct model_net n = MODEL_NET_INIT;
	struct error e = ERROR_INIT;
	char ca[] = "/tmp/loom-test-sandbox-XXXXXX";
	const char *entry;
	int fd = mkstemp(ca);
	const char *def = curl_version_info(CURLVERSION_NOW)->cainfo;

	CHECK(fd >= 0);
	CHECK_INT(write(fd, "-----BEGIN CERTIFICATE-----\n", 28), 28);
	close(fd);

	CHECK_INT(model_net_prepare(&n, "http://127.0.0.1:8080", NULL, &e), 0);
	CHECK_INT(n.port, 8080);
	CHECK(n.resolve == NULL);
	CHECK_INT(n.ca.len, 0);
	model_net_release(&n);

	/* a name becomes one CURLOPT_RESOLVE entry with every address */
	CHECK_INT(model_net_prepare(&n, "http://localhost/", NULL, &e), 0);
	CHECK_INT(n.port, 80);
	CHECK(n.resolve != NULL);
	entry = n.resolve ? ((struct curl_slist *)n.resolve)->data : "";
	CHECK(!strncmp(entry, "localhost:80:", 13));
	CHECK(strstr(entry, "127.0.0.1") || strstr(entry, "[::1]"));
	model_net_release(&n);
	CHECK(n.resolve == NULL);

	/* https: the bundle is read now; a missing scheme is guessed as libcurl does */
	CHECK_INT(model_net_prepare(&n, "https://[::1]:8443", ca, &e), 0);
	CHECK_INT(n.port, 8443);
	CHECK(n.resolve == NULL);
	CHECK_STR(n.ca.ptr, "-----BEGIN CERTIFICATE-----\n");
	model_net_release(&n);
	CHECK_INT(model_net_prepare(&n, "127.0.0.1:9000", ca, &e), 0);
	CHECK_INT(n.port, 9000);
	CHECK_INT(n.ca.len, 0);
	model_net_release(&n);
	if (def && access(def, R_OK) == 0) {
		CHECK_INT(model_net_prepare(&n, "https://127.0.0.1", NULL, &e), 0);
		CHECK_INT(n.port, 443);
		CHECK(n.ca.len > 0);
		model_net_release(&n);
	}

	CHECK_INT(model_net_prepare(&n, "https://127.0.0.1", "/nonexistent/ca.pem", &e), -1);
	CHECK_STR(e.msg, "cannot load the CA bundle: cannot open '/nonexistent/ca.pem': No such "
	                 "file or directory");
	CHECK(n.resolve == NULL && n.ca.len == 0);
	CHECK_INT(model_net_prepare(&n, "http://[::1", NULL, &e), -1);
	CHECK_STR(e.msg, "cannot parse the endpoint 'http://[::1'");
	unlink(ca);
}

int main(void)
{
	test_level();
	test_roles();
	test_apply();
	test_net();
	return check_done("test_sandbox");
}
