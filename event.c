/*
 * The loop's one interface to the kernel's readiness: which descriptors
 * may be read or written, as antirez's ae.c has it, with one backend
 * chosen at build time (make EVENTS=poll, else the system's own): epoll on
 * Linux, kqueue on the BSDs and macOS, poll() anywhere else. Interest is
 * registered once and changed only when a connection's wants change, so a
 * wakeup costs what is ready, not what is open (poll() still scans every
 * descriptor: it is the fallback).
 */
#if defined(__linux__)
#define _GNU_SOURCE                     /* accept4, and epoll, in glibc */
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <unistd.h>

#include "config.h"
#include "lock.h"
#include "event.h"

#if defined(EVENTS_poll)
#include "event_poll.c"
#elif defined(EVENTS_kqueue) || (!defined(EVENTS_epoll) && (defined(__APPLE__) || defined(__FreeBSD__) || \
    defined(__OpenBSD__) || defined(__NetBSD__) || defined(__DragonFly__)))
#include "event_kqueue.c"
#elif defined(EVENTS_epoll) || (defined(__linux__) && !defined(__TINYC__))
#include "event_epoll.c"            /* not with tcc, which lays out the kernel's packed epoll_event unpacked */
#else
#include "event_poll.c"
#endif

/* accept4 where there is one: one system call, not three (accept, and two fcntl) */
int
ev_accept(int lfd)
{
	int fd;

#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC) && !defined(__APPLE__)
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0 || errno != ENOSYS)
		return fd;
#endif
	if ((fd = accept(lfd, NULL, NULL)) >= 0 && set_flags(fd) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
ev_init(void)
{
	return backend_init();
}
