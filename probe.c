/*
 * gateway health: the probe for hosts without curl (a Docker HEALTHCHECK, a
 * monit check). It asks /healthz on 127.0.0.1:<port>, prints one line, and
 * exits 0 if a gateway answered that it is live, else 1: nothing listening,
 * silence within the timeout, an unhealthy answer, or something else on the
 * port. It binds nothing, so it never touches the lock.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "lock.h"
#include "probe.h"

/* wait for fd to be ready for events until the deadline; 1 ready, 0 timed out */
static int
wait_for(int fd, short events, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int r;

	pfd.fd = fd;
	pfd.events = events;
	while ((left = deadline - now_ms()) > 0) {
		if ((r = poll(&pfd, 1, left > 86400000 ? 86400000 : (int)left)) > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 0;
	}
	return 0;
}

int
probe_health(int port, long timeout_ms)
{
	struct sockaddr_in sin;
	char req[128], resp[1024];
	long long deadline = now_ms() + timeout_ms;
	size_t got = 0;
	ssize_t n;
	socklen_t len = sizeof n;
	int fd, err = 0, status = 0;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(0x7f000001);        /* 127.0.0.1 */
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 || set_flags(fd) < 0) {
		printf("gateway health: %s\n", strerror(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0 && errno != EINPROGRESS)
		err = errno;
	else if (!wait_for(fd, POLLOUT, deadline))
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		printf("gateway health: nothing answers on 127.0.0.1:%d (%s)\n", port, strerror(err));
		close(fd);
		return 1;
	}
	snprintf(req, sizeof req, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", port);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		printf("gateway health: cannot ask 127.0.0.1:%d (%s)\n", port, strerror(errno));
		close(fd);
		return 1;
	}
	/* the whole answer: it is short, and ends when the gateway closes */
	while (got < sizeof resp - 1 && wait_for(fd, POLLIN, deadline) && (n = read(fd, resp + got,
	    sizeof resp - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	resp[got] = '\0';
	if (got == 0) {
		printf("gateway health: no answer from 127.0.0.1:%d within %ld ms\n", port, timeout_ms);
		return 1;
	}
	if (sscanf(resp, "HTTP/1.%*d %d ", &status) != 1 || !strstr(resp, "\"status\":")) {
		printf("gateway health: port %d is held by something that is not a gateway\n", port);
		return 1;
	}
	if (status != 200 || !strstr(resp, "{\"ok\":true,\"status\":\"live\"}")) {
		printf("gateway health: the gateway on 127.0.0.1:%d is not healthy (HTTP %d)\n", port, status);
		return 1;
	}
	printf("gateway health: live on 127.0.0.1:%d\n", port);
	return 0;
}
