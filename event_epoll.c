/* event.c's backend on Linux: epoll, level-triggered, as poll() is (included by event.c) */
#include <sys/epoll.h>

#if defined(__x86_64__)                 /* the kernel's layout there is packed: a compiler that ignores it cannot build this */
typedef char epoll_event_is_packed[sizeof(struct epoll_event) == 12 ? 1 : -1];
#endif

static int epfd = -1;
static struct epoll_event ready[EVENTS_MAX];

static int
backend_init(void)
{
	return (epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ? -1 : 0;
}

const char *
ev_backend(void)
{
	return "epoll";
}

int
ev_watch(int fd, int old, int mask, void *data)
{
	struct epoll_event e;

	e.events = (mask & EV_READ ? EPOLLIN : 0) | (mask & EV_WRITE ? EPOLLOUT : 0);
	e.data.ptr = data;
	if (old == mask)
		return 0;
	return epoll_ctl(epfd, old == 0 ? EPOLL_CTL_ADD : mask == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD, fd, &e);
}

/* the close takes fd out of the set (nothing else holds it: the daemon never forks) */
void
ev_closing(int fd, int old)
{
	(void)fd, (void)old;
}

int
ev_wait(struct ev_fired *fired, int max, int timeout_ms)
{
	int i, n = epoll_wait(epfd, ready, max < EVENTS_MAX ? max : EVENTS_MAX, timeout_ms);

	for (i = 0; i < n; i++) {
		fired[i].data = ready[i].data.ptr;
		fired[i].mask = (ready[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR) ? EV_READ : 0) |
		    (ready[i].events & EPOLLOUT ? EV_WRITE : 0);
	}
	return n;
}
