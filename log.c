/*
 * The bottom layer: the log line writer, counted warnings and the clocks.
 * Every other file may call down to these; they call nothing of ours.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static void logv(const char *fmt, va_list ap) PRINTFLIKE(1, 0);

static unsigned long dropped;           /* lines that could not be written without waiting */
static void (*observer)(const char *text, size_t n);

/* every line logged is given to fn too, without its prefix (logs.tail keeps the latest) */
void
log_observe(void (*fn)(const char *text, size_t n))
{
	observer = fn;
}

/*
 * The log must never stop the daemon: a stalled reader of a pipe, or a
 * terminal held with ^S, would freeze every client. So stderr is made
 * non-blocking (a terminal is left alone and polled instead), and a line
 * that cannot go out now is dropped and counted.
 */
void
log_init(void)
{
	if (!isatty(2))
		fcntl(2, F_SETFL, fcntl(2, F_GETFL) | O_NONBLOCK);
}

/* one write(2) per line, so a reader of the log never sees half a line */
static int
put(const char *line, size_t n)
{
	struct pollfd pfd;

	pfd.fd = 2;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT) || write(2, line, n) != (ssize_t)n) {
		dropped++;
		return -1;
	}
	return 0;
}

static void
logv(const char *fmt, va_list ap)
{
	char line[512] = "gateway: ", note[64];
	size_t n = strlen(line);
	int r;

	r = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	if (r < 0)
		return;
	n += (size_t)r < sizeof line - n - 1 ? (size_t)r : sizeof line - n - 2;
	if (observer)
		observer(line + strlen("gateway: "), n - strlen("gateway: "));
	line[n++] = '\n';
	if (dropped) {
		r = snprintf(note, sizeof note, "gateway: %lu log lines dropped\n", dropped);
		if (put(note, (size_t)r) < 0)
			return;                 /* still full: this line is dropped and counted too */
		dropped = 0;
	}
	put(line, n);
}

void
logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(fmt, ap);
	va_end(ap);
}

/*
 * A warning that may come in floods (refused connections, evictions, failed
 * proofs) is counted, and logged at most once per WARN_INTERVAL_MS with its
 * count and the latest reason: a flood must not flood the log too.
 */
static struct tally *tallies;           /* every tally counted so far */

void
tally(struct tally *t, const char *why)
{
	if (!t->listed) {
		t->listed = 1;
		t->reported = now_ms() - WARN_INTERVAL_MS;
		t->next = tallies;
		tallies = t;
	}
	t->n++;
	t->total++;
	t->why = why;
}

unsigned long
tallies_total(const char *verb, const char *noun)
{
	const struct tally *t;
	unsigned long n = 0;

	for (t = tallies; t; t = t->next)
		if (strcmp(t->verb, verb) == 0 && (noun == NULL || strcmp(t->noun, noun) == 0))
			n += t->total;
	return n;
}

/* Log the counts that are due (all of them if final); when the next is due, -1 if none waits. */
long long
tallies_report(long long now, int final)
{
	struct tally *t;
	long long next = -1;

	for (t = tallies; t; t = t->next) {
		if (t->n == 0)
			continue;
		if (!final && now - t->reported < WARN_INTERVAL_MS) {
			if (next < 0 || t->reported + WARN_INTERVAL_MS < next)
				next = t->reported + WARN_INTERVAL_MS;
			continue;
		}
		logmsg("warning: %s %lu %s%s (%s)", t->verb, t->n, t->noun, t->n == 1 ? "" : "s", t->why);
		t->n = 0;
		t->reported = now;
	}
	return next;
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
