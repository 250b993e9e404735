/* serve.c: what arrives on the connections, their timers, their poll entries */
#ifndef SERVE_H
#define SERVE_H

struct pollfd;
long long conns_sweep(long long now, int *freed);
int  conns_pollset(struct pollfd *pfd);
void conns_io(const struct pollfd *pfd, int n);
void conns_shutdown(void);
void conns_free_all(void);

#endif
