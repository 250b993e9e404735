/* log.c: the bottom layer: log lines (one write each), counted warnings, the clocks */
#ifndef LOG_H
#define LOG_H

#include "config.h"

struct log_line {
	long long ts;                   /* unix ms */
	unsigned long long end;         /* bytes logged up to the end of this line: its cursor */
	char text[LOG_LINE_MAX];
};
void log_init(void);
const struct log_line *log_line(unsigned back);
unsigned long long log_size(void);
void logmsg(const char *fmt, ...) PRINTFLIKE(1, 2);
void die(const char *fmt, ...) PRINTFLIKE(1, 2);
long long now_ms(void);                 /* monotonic, for timers */
long long unix_ms(void);                /* wall clock, for what clients see */

struct tally {                          /* "warning: <verb> <n> <noun>s (<why>)", at most once a WARN_INTERVAL_MS */
	const char *verb, *noun;
	const char *why;                /* the latest reason, a string that stays */
	unsigned long n;                /* counted and not yet logged */
	long long reported;
	struct tally *next;
	int listed;
};
void tally(struct tally *t, const char *why);
long long tallies_report(long long now, int final);

#endif
