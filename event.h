/* event.c: which descriptors are ready: epoll, kqueue or poll(), chosen at build time */
#ifndef EVENT_H
#define EVENT_H

enum { EV_READ = 1, EV_WRITE = 2 };     /* an error or a hangup is reported as EV_READ: the read finds it */
struct ev_fired {
	void *data;                     /* as ev_watch was given it */
		int mask;
};

int  ev_init(void);                     /* -1 (errno) if the backend cannot start */
const char *ev_backend(void);           /* "epoll", "kqueue" or "poll" */
int  ev_watch(int fd, int old, int mask, void *data);  /* from old to mask (0: none): -1 (errno) on failure */
void ev_closing(int fd, int old);       /* fd is watched for old, and about to be closed */
int  ev_wait(struct ev_fired *fired, int max, int timeout_ms);  /* how many; -1 (errno), as poll() */
int  ev_accept(int lfd);                /* a client, non-blocking and close-on-exec already; -1 (errno) */

#endif
