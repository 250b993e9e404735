/* log.c: the bottom layer: log lines (one write each), counted warnings, the clocks */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>
#include <stdlib.h>

#include "config.h"

void log_init(void);
void log_observe(void (*fn)(const char *text, size_t n));
void logmsg(const char *fmt, ...) PRINTFLIKE(1, 2);
#define die(...) (logmsg(__VA_ARGS__), exit(1))      /* say why, then exit 1 */
#define VERBOSE(...) do { if (opt.verbose) logmsg(__VA_ARGS__); } while (0)      /* a line for --verbose only */
long long now_ms(void);                 /* monotonic, for timers */
long long unix_ms(void);                /* wall clock, for what clients see */

struct tally {                          /* "warning: <verb> <n> <noun>s (<why>)", at most once a WARN_INTERVAL_MS */
	const char *verb, *noun;
	const char *why;                /* the latest reason, a string that stays */
	unsigned long n;                /* counted and not yet logged */
	long long reported;
	struct tally *next;
	int listed;
	unsigned long total;            /* counted since the start */
};
void tally(struct tally *t, const char *why);
unsigned long tallies_total(const char *verb, const char *noun);   /* since the start; noun NULL: any */
long long tallies_report(long long now, int final);

#endif
