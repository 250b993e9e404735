/*
 * Telling a service manager how we are, without its library: systemd's
 * NOTIFY_SOCKET (one datagram to a unix socket, whose name may start with
 * '@' for the abstract namespace) and s6's readiness descriptor (a newline,
 * then close). Both are best effort and never wait: a manager that is gone
 * or does not read is no reason to stop or stall.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

/* Send msg (READY=1, STOPPING=1) to $NOTIFY_SOCKET, if there is one. */
void
notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	size_t n;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') || (n = strlen(path)) >= sizeof sun.sun_path)
		return;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';         /* the abstract namespace: no file, the name follows a NUL */
	/* never waits: a manager whose queue is full must not keep the loop from starting */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		logmsg("warning: cannot notify %s: %s", path, strerror(errno));
	close(fd);
}

/* Say "ready" on descriptor fd (--ready-fd): a newline, then it is closed. */
void
notify_fd(int fd)
{
	if (fd < 0)
		return;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);     /* a full pipe is no reason to wait */
	if (write(fd, "\n", 1) != 1)
		logmsg("warning: cannot write to --ready-fd %d: %s", fd, strerror(errno));
	close(fd);
}
