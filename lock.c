/*
 * The lock is the bind: exclusive listeners on 127.0.0.1:<port> and, where
 * there is IPv6 loopback, [::1]:<port>. While this process lives nobody else
 * can bind them; when it dies, however it dies, the kernel frees the port.
 * There is no lock file to go stale.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "peer.h"
#include "lock.h"

/* close-on-exec and non-blocking: every descriptor the loop polls */
int
set_flags(int fd)
{
	return fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ? -1 : 0;
}

static int
listener(int family, const struct sockaddr *sa, socklen_t salen)
{
	int fd, on = 1, err;

	if ((fd = socket(family, SOCK_STREAM, 0)) < 0)
		return -1;
	/*
	 * SO_REUSEADDR only lets us past connections of a dead instance left
	 * in TIME_WAIT; a live listener still refuses us. Port sharing between
	 * listeners is never asked for: it would let two instances hold the lock.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
#if defined(IPPROTO_IPV6) && defined(IPV6_V6ONLY)  /* hidden by some BSD headers under POSIX */
	    (family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0) ||
#endif
	    bind(fd, sa, salen) < 0 || listen(fd, LISTEN_BACKLOG) < 0 || set_flags(fd) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* the bind of addr failed with err: the GatewayLockError line (and who holds the port), then exit */
static void
refuse(const char *addr, int family, int port, int err)
{
	char holder[160];

	if (err == EADDRINUSE) {
		fprintf(stderr, "GatewayLockError: another gateway instance is "
		    "already listening on ws://%s:%d\n", addr, port);
		if (port_holder(port, family, holder, sizeof holder) == 0)
			fprintf(stderr, "port %d is held by %s\n", port, holder);
		fprintf(stderr, "hint: stop the process holding port %d, or choose "
		    "another port with: gateway --port <port>\n", port);
		exit(EXIT_LOCKED);
	}
	fprintf(stderr, "GatewayLockError: failed to bind gateway socket on "
	    "ws://%s:%d: %s\n", addr, port, strerror(err));
	exit(1);
}

/*
 * Bind 127.0.0.1 and, where the host has IPv6 loopback, [::1]: together
 * they are the lock, since a client may reach either (a browser tries
 * localhost as [::1] first). On failure print the exact GatewayLockError
 * line and exit. A host without IPv6 loopback has nothing to guard there.
 */
int
lock_listen(int port, int fds[2])
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(0x7f000001);   /* 127.0.0.1; INADDR_LOOPBACK is not POSIX */
	if ((fds[0] = listener(AF_INET, (struct sockaddr *)&sin, sizeof sin)) < 0)
		refuse("127.0.0.1", AF_INET, port, errno);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons((unsigned short)port);
	sin6.sin6_addr = in6addr_loopback;
	fds[1] = listener(AF_INET6, (struct sockaddr *)&sin6, sizeof sin6);
	if (fds[1] < 0 && errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL && errno != EPROTONOSUPPORT)
		refuse("[::1]", AF_INET6, port, errno);
	return fds[1] < 0 ? 1 : 2;
}
