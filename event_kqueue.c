/* event.c's backend on the BSDs and macOS: kqueue, a filter for reading and one for writing (included by event.c) */
#include <sys/event.h>
#include <sys/time.h>
#include <fcntl.h>

static int kq = -1;
static struct kevent ready[EVENTS_MAX];

static int
backend_init(void)
{
	if ((kq = kqueue()) < 0)
		return -1;
	return fcntl(kq, F_SETFD, FD_CLOEXEC);
}

const char *
ev_backend(void)
{
	return "kqueue";
}

int
ev_watch(int fd, int old, int mask, void *data)
{
	struct kevent change[2];
	int n = 0;

	if ((old ^ mask) & EV_READ)
		EV_SET(&change[n++], fd, EVFILT_READ, mask & EV_READ ? EV_ADD : EV_DELETE, 0, 0, data);
	if ((old ^ mask) & EV_WRITE)
		EV_SET(&change[n++], fd, EVFILT_WRITE, mask & EV_WRITE ? EV_ADD : EV_DELETE, 0, 0, data);
	return n ? kevent(kq, change, n, NULL, 0, NULL) : 0;
}

/* the close takes fd's filters out of the queue */
void
ev_closing(int fd, int old)
{
	(void)fd, (void)old;
}

int
ev_wait(struct ev_fired *fired, int max, int timeout_ms)
{
	struct timespec ts;
	int i, n;

	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
	n = kevent(kq, NULL, 0, ready, max < EVENTS_MAX ? max : EVENTS_MAX, timeout_ms < 0 ? NULL : &ts);
	for (i = 0; i < n; i++) {
		fired[i].data = ready[i].udata;
		fired[i].mask = ready[i].filter == EVFILT_WRITE && !(ready[i].flags & EV_ERROR) ? EV_WRITE : EV_READ;
	}
	return n;
}
