/*
 * event.c's portable backend: poll(), over an array of the watched
 * descriptors kept between turns (included by event.c). A wait still
 * scans every one: that is poll() itself.
 */
#include <poll.h>
#include <stdlib.h>

static struct pollfd *pfd;
static void **datas;                    /* beside each pollfd, what ev_watch was given */
static int *at;                         /* by descriptor: its place in pfd, plus one; 0: not watched */
static int n, cap, atcap;

static int
backend_init(void)
{
	return 0;
}

const char *
ev_backend(void)
{
	return "poll";
}

/* room for one more entry, and for descriptor fd in the map; -1 if there is no memory */
static int
grow(int fd)
{
	void *p;
	int want;

	if (n == cap) {
		want = cap ? 2 * cap : 64;
		if ((p = realloc(pfd, (size_t)want * sizeof *pfd)) == NULL)
			return -1;
		pfd = p;
		if ((p = realloc(datas, (size_t)want * sizeof *datas)) == NULL)
			return -1;
		datas = p;
		cap = want;
	}
	if (fd >= atcap) {
		for (want = atcap ? atcap : 64; want <= fd; want *= 2)
			;
		if ((p = realloc(at, (size_t)want * sizeof *at)) == NULL)
			return -1;
		at = p;
		while (atcap < want)
			at[atcap++] = 0;
	}
	return 0;
}

int
ev_watch(int fd, int old, int mask, void *data)
{
	int k;

	(void)old;
	if (mask == 0) {                        /* out: the last entry takes its place */
		if (fd >= atcap || (k = at[fd] - 1) < 0)
			return 0;
		at[fd] = 0;
		if (k != --n) {
			pfd[k] = pfd[n];
			datas[k] = datas[n];
			at[pfd[k].fd] = k + 1;
		}
		return 0;
	}
	if (fd >= atcap || at[fd] == 0) {
		if (grow(fd) < 0) {
			errno = ENOMEM;
			return -1;
		}
		pfd[n].fd = fd;
		at[fd] = ++n;
	}
	k = at[fd] - 1;
	pfd[k].events = (short)((mask & EV_READ ? POLLIN : 0) | (mask & EV_WRITE ? POLLOUT : 0));
	datas[k] = data;
	return 0;
}

void
ev_closing(int fd, int old)
{
	ev_watch(fd, old, 0, NULL);
}

int
ev_wait(struct ev_fired *fired, int max, int timeout_ms)
{
	static int from;                /* where the last turn stopped: past max ready, none waits for ever */
	int i, k, got = 0, r = poll(pfd, (nfds_t)n, timeout_ms);

	for (k = 0; r > 0 && k < n && got < max; k++) {
		if (pfd[i = (from + k) % n].revents == 0)
			continue;
		fired[got].data = datas[i];
		fired[got++].mask = (pfd[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL) ? EV_READ : 0) |
		    		    (pfd[i].revents & POLLOUT ? EV_WRITE : 0);
	}
	if (n > 0)
		from = (from + k) % n;
	return r < 0 ? -1 : got;
}
