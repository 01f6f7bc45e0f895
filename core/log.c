/*
 * log.c - the user-facing message channel of the command-line tools.
 *
 * Each message is formatted whole and written with one call so that lines from
 * concurrent processes do not interleave mid-line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static void (*sink_fn)(void *ctx, enum log_level level, const char *msg);
static void *sink_ctx;

void log_set_sink(void (*sink)(void *ctx, enum log_level level, const char *msg), void *ctx)
{
	sink_fn = sink;
	sink_ctx = ctx;
}

static void log_line(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (sink_fn) {
		vsnprintf(line, sizeof(line), fmt, ap);
		sink_fn(sink_ctx,
		        *prefix == 'e'   ? LOG_ERROR
		        : *prefix == 'w' ? LOG_WARN
		                         : LOG_NOTE,
		        line);
		return;
	}
	n = snprintf(line, sizeof(line), "loom: %s", prefix);
	if (n < 0)
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	for (n = 0; line[n]; n++)
		;
	line[n++] = '\n';
	fflush(stdout);
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("error: ", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("warning: ", fmt, ap);
	va_end(ap);
}

void log_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("", fmt, ap);
	va_end(ap);
}
