/* serve.c: what arrives on the connections, their timers, what the event backend watches them for */
#ifndef SERVE_H
#define SERVE_H

#include "conn.h"

void conns_timers(long long now);       /* fires the due (timer_next: the next deadline) */
void conns_settle(int *freed);          /* the turn's end: the touched watched anew, the dead freed */
void conn_io(struct conn *c, int mask);
void conns_shutdown(void);
void conns_free_all(void);

#endif
