/*
 * The bottom layer: the log line writer and the clock. Every other file may
 * call down to these; they call nothing of ours.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway.h"

static void logv(const char *fmt, va_list ap) PRINTFLIKE(1, 0);

/* one write(2) per line, so a reader of the log never sees half a line */
static void
logv(const char *fmt, va_list ap)
{
	char line[512] = "gateway: ";
	size_t n = strlen(line);
	int r;

	r = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	if (r < 0)
		return;
	n += (size_t)r < sizeof line - n - 1 ? (size_t)r : sizeof line - n - 2;
	line[n++] = '\n';
	(void)!write(2, line, n);
}

void
logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(fmt, ap);
	va_end(ap);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(fmt, ap);
	va_end(ap);
	exit(1);
}

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
