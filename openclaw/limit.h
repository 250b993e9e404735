/* limit.c: what one local user may do: at most so many in a window, then a lockout */
#ifndef LIMIT_H
#define LIMIT_H

#include "config.h"

struct limit {
	int max;                        /* at most this many events (up to LIMIT_EVENTS_MAX) ... */
	long long window;               /* ... in this many ms, ... */
	long long lockout;              /* ... else locked out this long */
	struct limited {
		long uid;
		long long at[LIMIT_EVENTS_MAX];         /* when its latest events were, a ring */
		unsigned n;                             /* events ever, the ring's next slot */
		long long locked;                       /* until then (monotonic ms) */
	} users[LIMIT_USERS_MAX];
};
long long limit_wait(struct limit *l, long uid, long long now);  /* ms until uid may act; 0: now */
void limit_count(struct limit *l, long uid, long long now);      /* uid acted */
int  limit_any(const struct limit *l, long long now);             /* someone is locked out now */

#endif
