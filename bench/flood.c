/*
 * make bench, the hostile profiles: floods as a neighbour runs them. The
 * flooder, another user or the daemon's own, opens FLOOD_SOCKETS sockets
 * at once (non-blocking, so the kernel's backlog fills as it would),
 * upgrades each and leaves it before connect, and reopens every one as
 * soon as it is dropped. Meanwhile
 * legitimate clients try one after another, each within gateway health's
 * default timeout: a session (upgrade, challenge, connect with the token,
 * hello-ok) and a /healthz probe in turn. The share that gets through in
 * time is the figure; make test checks only what the daemon decides.
 */
#define _POSIX_C_SOURCE 200809L
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../config.h"
#include "../sha1.h"
#include "../base64.h"
#include "../ws.h"
#include "bench.h"

#define FLOOD_SOCKETS 1024
#define TRIES 100                       /* of each kind: sessions and probes */
#define TOKEN "bench-flood-token"

/* does p[0..n) hold s? */
static int
has(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

/* a non-blocking connect to the daemon; -1 if the socket cannot even be made */
static int
open_nb(void)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(0x7f000001);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The flooder: n sockets at once, each upgraded once it connects, reopened
 * as soon as it is dropped, until killed. It says "r" on ready once the
 * pre-auth pool is surely full, and on SIGTERM writes how many connects it made.
 */
static volatile sig_atomic_t flood_stop;

static void
on_term(int sig)
{
	(void)sig;
	flood_stop = 1;
}

static void
flooder(int n, int ready)
{
	static struct pollfd pf[FLOOD_SOCKETS];
	static char sent[FLOOD_SOCKETS];
	char buf[4096], line[32];
	unsigned long connects = 0;
	int i, held = 0, said = 0, err;
	socklen_t len;
	ssize_t r;

	signal(SIGTERM, on_term);
	for (i = 0; i < n; i++)
		pf[i].fd = -1;
	while (!flood_stop) {
		for (i = 0; i < n; i++)
			if (pf[i].fd < 0 && (pf[i].fd = open_nb()) >= 0) {
				pf[i].events = POLLOUT;
				sent[i] = 0;
				connects++;
			}
		if (!said && held >= PREAUTH_MAX)
			said = write(ready, "r", 1) == 1;
		if (poll(pf, (nfds_t)n, 100) < 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			len = sizeof err;
			if (!sent[i] && (pf[i].revents & POLLOUT)) {
				if (getsockopt(pf[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0 &&
				    write(pf[i].fd, upgrade, strlen(upgrade)) > 0) {
					sent[i] = 1;
					pf[i].events = POLLIN;
					continue;
				}
			} else if ((r = read(pf[i].fd, buf, sizeof buf)) > 0) {
				if (sent[i] == 1 && has(buf, (size_t)r, " 101 ")) {
					sent[i] = 2;    /* it holds a slot */
					held++;
				}
				continue;
			}
			held -= sent[i] == 2;
			close(pf[i].fd);        /* dropped, refused or evicted: again */
			pf[i].fd = -1;
		}
	}
	snprintf(line, sizeof line, "%lu\n", connects);
	_exit(write(ready, line, strlen(line)) > 0 ? 0 : 1);
}

/* wait until fd is ready for events, or the deadline (now_s seconds); 1 if ready */
static int
ready_by(int fd, short events, double deadline)
{
	struct pollfd p;
	double left;

	p.fd = fd;
	p.events = events;
	while ((left = deadline - now_s()) > 0)
		if (poll(&p, 1, (int)(left * 1000) + 1) > 0)
			return 1;
	return 0;
}

/* read into buf (NUL-terminated) until it holds needle; 1 if it did before the deadline */
static int
read_for(int fd, char *buf, size_t cap, const char *needle, double deadline)
{
	size_t n = 0;
	ssize_t r;

	buf[0] = '\0';
	while (!has(buf, n, needle)) {
		if (n + 1 >= cap || !ready_by(fd, POLLIN, deadline) || (r = read(fd, buf + n, cap - 1 - n)) <= 0)
			return 0;
		n += (size_t)r;
		buf[n] = '\0';
	}
	return 1;
}

/* one legitimate try within PROBE_TIMEOUT_MS: a session, or a /healthz probe; 1 if it got through */
static int
try_once(int session)
{
	static const char req[] = "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"bench\",\"mode\":\"cli\"},"
	    "\"auth\":{\"token\":\"" TOKEN "\"}}}";
	static char buf[1 << 16];
	unsigned char f[512];
	double deadline = now_s() + PROBE_TIMEOUT_MS / 1000.0;
	int fd = open_nb(), ok = 0, err;
	socklen_t len = sizeof err;

	if (fd < 0)
		return 0;
	if (!ready_by(fd, POLLOUT, deadline) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
		goto out;
	if (!session) {
		static const char get[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
		ok = write(fd, get, sizeof get - 1) == (ssize_t)sizeof get - 1 &&
		    read_for(fd, buf, sizeof buf, "\"status\":\"live\"", deadline) && strncmp(buf, "HTTP/1.1 200", 12) == 0;
		goto out;
	}
	if (write(fd, upgrade, strlen(upgrade)) != (ssize_t)strlen(upgrade) ||
	    !read_for(fd, buf, sizeof buf, "connect.challenge", deadline))
		goto out;
	put(fd, f, frame(f, WS_TEXT, (const unsigned char *)req, strlen(req)));
	ok = read_for(fd, buf, sizeof buf, "hello-ok", deadline);
out:
	close(fd);
	return ok;
}

/* n idle loopback connections between two sockets of ours: other sockets on the host (2n of them) */
static int *
others(int n)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), *fds = malloc(2 * (size_t)n * sizeof *fds), i;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(0x7f000001);
	if (!fds || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 4096) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) < 0)
		fail("the other sockets' listener: %s", strerror(errno));
	for (i = 0; i < n; i++)
		if ((fds[2 * i] = tcp_to(ntohs(a.sin_port))) < 0 || (fds[2 * i + 1] = accept(lfd, NULL, NULL)) < 0)
			fail("other socket %d: %s", i, strerror(errno));
	close(lfd);
	return fds;
}

/* one flood, by the user uid (-1: our own), beside 2 * pairs other sockets, and the legitimate tries through it */
static void
flood(const char *what, int uid, int pairs)
{
	char name[128], fig[32], rate[48], line[32] = "";
	int ready[2], sessions = 0, probes = 0, i, *other = pairs ? others(pairs) : NULL;
	double c0, t0, cpu;
	unsigned long connects = 0;
	pid_t pid;
	char b;

	start((const char *const[]){ "--token", TOKEN, NULL });
	if (pipe(ready) < 0)
		fail("pipe");
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(ready[0]);
		pin(0, 1);
		if (uid >= 0 && (setgid((gid_t)uid) < 0 || setuid((uid_t)uid) < 0))
			_exit(2);
		flooder(FLOOD_SOCKETS, ready[1]);
	}
	close(ready[1]);
	if (read(ready[0], &b, 1) != 1)
		fail("%s: the flooder never filled the pre-auth pool", what);
	load_begin();
	c0 = cpu_of(daemon_pid);
	t0 = now_s();
	for (i = 0; i < TRIES; i++) {
		sessions += try_once(1);
		probes += try_once(0);
	}
	cpu = cpu_of(daemon_pid) - c0;
	kill(pid, SIGTERM);
	if (read(ready[0], line, sizeof line - 1) > 0)
		connects = strtoul(line, NULL, 10);
	close(ready[0]);
	waitpid(pid, NULL, 0);
	snprintf(name, sizeof name, "flood, %s: sessions within %d s", what, PROBE_TIMEOUT_MS / 1000);
	snprintf(fig, sizeof fig, "%d%%", sessions * 100 / TRIES);
	snprintf(rate, sizeof rate, "%d of %d, %.1f s", sessions, TRIES, now_s() - t0);
	cell(name, fig, rate);
	snprintf(name, sizeof name, "flood, %s: /healthz within %d s", what, PROBE_TIMEOUT_MS / 1000);
	snprintf(fig, sizeof fig, "%d%%", probes * 100 / TRIES);
	snprintf(rate, sizeof rate, "%d of %d", probes, TRIES);
	cell(name, fig, rate);
	snprintf(name, sizeof name, "flood, %s: CPU per flood connect", what);
	snprintf(fig, sizeof fig, "%9.2f us", connects ? cpu * 1e6 / connects : 0);
	snprintf(rate, sizeof rate, "%lu connects", connects);
	cell(name, fig, rate);
	stop();
	for (i = 0; i < 2 * pairs; i++)
		close(other[i]);
	free(other);
}

void
flood_profiles(void)
{
	if (geteuid() == 0) {
		flood("another user", 65534, 0);
		flood("another user, 10,000 other sockets", 65534, 5000);
	} else
		printf("skipped: a flood by another user, which needs root to run as nobody\n");
	flood("the same user", -1, 0);
}
