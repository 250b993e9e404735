/* timer.c: deadlines in a binary heap: a turn costs what expires, not what exists */
#ifndef TIMER_H
#define TIMER_H

struct timer {                          /* kept in what it times */
	long long when;
	int slot;                       /* its place in the heap, plus one; 0: not armed */
};

int  timers_init(int max);              /* room for max armed at once; -1 if there is no memory */
void timer_set(struct timer *t, long long when);        /* arm, or move; when < 0: disarm */
struct timer *timer_due(long long now);                 /* the first due, disarmed; NULL if none is */
long long timer_next(void);                             /* the earliest armed; -1 if none */

#endif
