/*
 * client.c - figures for the model client, against loom-fakesrv on 127.0.0.1.
 *
 *   overhead: the median time of a model_chat() call for a short streamed reply,
 *             against the median time of the same HTTP request made with bare
 *             libcurl, reading the same bytes but parsing nothing; measured
 *             alternately in one run, so machine noise hits both alike;
 *   cancel:   the time from setting the cancel flag to model_chat() returning,
 *             during a stalled stream;
 *   extract:  the lenient extractor's throughput (contract_parse on a 1 MB reply
 *             of prose around a fenced plan).
 *
 * usage: loom-bench-client FAKESRV [ROUNDS]
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/contract.h"
#include "core/fs.h"
#include "core/model.h"
#include "core/xalloc.h"

extern char **environ;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static pid_t start(const char *bin, const char *dir, char *url, size_t n)
{
	char *port = xasprintf("%s/port", dir);
	char *argv[] = { (char *)bin, "--script", (char *)dir, "--port-file", port, NULL };
	pid_t pid;
	int i, p = 0;

	unlink(port);
	if (posix_spawn(&pid, bin, NULL, NULL, argv, environ) != 0)
		fatal("cannot start %s", bin);
	for (i = 0; i < 200 && p <= 0; i++) {
		FILE *f = fopen(port, "r");
		if (f) {
			if (fscanf(f, "%d", &p) != 1)
				p = 0;
			fclose(f);
		}
		if (p <= 0)
			usleep(20000);
	}
	snprintf(url, n, "http://127.0.0.1:%d", p);
	free(port);
	return pid;
}

static void stop(pid_t pid)
{
	int st;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

static size_t discard(char *d, size_t s, size_t n, void *ctx)
{
	(void)d;
	*(size_t *)ctx += s * n;
	return s * n;
}

static volatile sig_atomic_t cancel_flag;
static uint64_t cancel_at;

static void *canceller(void *arg)
{
	struct timespec ts = { 0, 200 * 1000000L };
	(void)arg;
	nanosleep(&ts, NULL);
	cancel_at = fs_now_ns();
	cancel_flag = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	const char *bin = argc > 1 ? argv[1] : NULL;
	int rounds = argc > 2 ? atoi(argv[2]) : 200, i;
	char dir[] = "/tmp/loom-bench-client-XXXXXX", url[64], *body;
	double *t_loom, *t_curl, cancel_ms[20];
	struct config c;
	struct model m = MODEL_INIT;
	struct error e = ERROR_INIT;
	struct model_msg msg = { "user", "Say hello." };
	struct model_request req = { 0 };
	pid_t pid;

	if (!bin || rounds < 1 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: loom-bench-client FAKESRV [ROUNDS]\n");
		return 2;
	}
	/* one reply per round for each of the two clients */
	for (i = 0; i < 2 * rounds; i++) {
		char *p = xasprintf("%s/%06d.reply", dir, i);
		FILE *f = fopen(p, "w");
		fputs("---\nHello! How can I help you with your code today?", f);
		fclose(f);
		free(p);
	}
	pid = start(bin, dir, url, sizeof(url));
	config_init(&c);
	config_set(&c, CONF_ENDPOINT, url, CONF_FROM_FLAG, NULL, &e);
	config_set(&c, CONF_API, "llamacpp", CONF_FROM_FLAG, NULL, &e);
	if (model_open(&m, &c, &e) < 0)
		fatal("%s", e.msg);
	req.msgs = &msg;
	req.nmsgs = 1;
	req.max_tokens = 64;
	body = xasprintf("{\"messages\":[{\"role\":\"user\",\"content\":\"Say hello.\"}],"
	                 "\"stream\":true,\"max_tokens\":64}");
	t_loom = xcalloc((size_t)rounds, sizeof(double));
	t_curl = xcalloc((size_t)rounds, sizeof(double));
	for (i = 0; i < rounds; i++) {
		struct model_reply r = MODEL_REPLY_INIT;
		CURL *h = curl_easy_init();
		struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
		char *u = xasprintf("%s/v1/chat/completions", url);
		size_t got = 0;
		uint64_t t0 = fs_now_ns();

		if (model_chat(&m, &req, &r, &e) < 0)
			fatal("model_chat: %s", e.msg);
		t_loom[i] = (double)(fs_now_ns() - t0) / 1e6;
		buf_release(&r.text);

		curl_easy_setopt(h, CURLOPT_URL, u);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &got);
		t0 = fs_now_ns();
		if (curl_easy_perform(h) != CURLE_OK || !got)
			fatal("bare curl request failed");
		t_curl[i] = (double)(fs_now_ns() - t0) / 1e6;
		curl_slist_free_all(hd);
		curl_easy_cleanup(h);
		free(u);
	}
	printf("overhead: model_chat median %.3f ms, bare libcurl median %.3f ms, "
	       "difference %.3f ms (%d rounds)\n",
	       median(t_loom, (size_t)rounds), median(t_curl, (size_t)rounds),
	       median(t_loom, (size_t)rounds) - median(t_curl, (size_t)rounds), rounds);
	model_close(&m);
	stop(pid);

	/* cancel during a stall */
	for (i = 0; i < 2 * rounds; i++) {
		char *p = xasprintf("%s/%06d.reply", dir, i);
		unlink(p);
		free(p);
	}
	for (i = 0; i < 20; i++) {
		char *p = xasprintf("%s/%06d.reply", dir, i);
		FILE *f = fopen(p, "w");
		fputs("fault: stall 5000 after 1\n---\nthe stalled reply", f);
		fclose(f);
		free(p);
	}
	pid = start(bin, dir, url, sizeof(url));
	config_set(&c, CONF_ENDPOINT, url, CONF_FROM_FLAG, NULL, &e);
	if (model_open(&m, &c, &e) < 0)
		fatal("%s", e.msg);
	req.cancel = &cancel_flag;
	for (i = 0; i < 20; i++) {
		struct model_reply r = MODEL_REPLY_INIT;
		pthread_t t;
		cancel_flag = 0;
		pthread_create(&t, NULL, canceller, NULL);
		if (model_chat(&m, &req, &r, &e) == 0 || m.fail != MODEL_FAIL_CANCELLED)
			fatal("the stalled call did not end by cancel: %s", e.msg);
		cancel_ms[i] = (double)(fs_now_ns() - cancel_at) / 1e6;
		pthread_join(t, NULL);
		buf_release(&r.text);
	}
	{
		double med = median(cancel_ms, 20); /* sorts: the max is last afterwards */
		printf("cancel: median %.1f ms, max %.1f ms from the flag to the return (20 "
		       "calls)\n",
		       med, cancel_ms[19]);
	}
	model_close(&m);
	stop(pid);
	config_release(&c);

	/* the lenient extractor */
	{
		struct buf reply = BUF_INIT;
		double ms[20];
		int k;
		buf_adds(&reply, "Sure! Here is the plan you asked for. ");
		while (reply.len < 300000)
			buf_adds(&reply,
			         "I looked at the repository and thought about it carefully. ");
		buf_adds(&reply, "\n```json\n{\"steps\": [");
		for (k = 0; reply.len < 700000; k++)
			buf_addf(&reply,
			         "%s{\"goal\": \"change step %d of the plan, with care\", "
			         "\"files\": [\"src/file%d.c\", \"include/file%d.h\"]}",
			         k ? ", " : "", k, k % 12, k % 12);
		buf_adds(&reply, "]}\n```\n");
		while (reply.len < 1000000)
			buf_adds(&reply, "That is all; tell me if you want changes. ");
		for (k = 0; k < 20; k++) {
			cJSON *doc = NULL;
			uint64_t t0 = fs_now_ns();
			if (contract_extract(reply.ptr, reply.len, &doc, &e) < 0)
				fatal("extract: %s", e.msg);
			ms[k] = (double)(fs_now_ns() - t0) / 1e6;
			cJSON_Delete(doc);
		}
		printf("extract: %.0f MB/s (median of 20 runs over a %.2f MB reply)\n",
		       (double)reply.len / 1e6 / (median(ms, 20) / 1e3), (double)reply.len / 1e6);
		buf_release(&reply);
	}
	{
		char *cmd = xasprintf("rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
		free(cmd);
	}
	free(t_loom);
	free(t_curl);
	free(body);
	return 0;
}
