/*
 * make bench, scale: what a wakeup costs the daemon as idle connections
 * grow. One client ping-pongs 64 B, first alone, then beside 10,000 idle
 * WebSockets; the daemon's CPU per ping-pong should not grow with
 * connections that do nothing. The same with the daemon built on poll()
 * (BENCH_POLL_GATEWAY, as make bench sets it), and with two floors of our
 * own that do nothing but echo on one socket among as many idle ones: one
 * on poll(), one on epoll (Linux). Then the system calls a handshake
 * costs, counted by strace -c attached to the daemon, where strace is.
 */
#define _GNU_SOURCE                     /* epoll, in glibc */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif

#include "bench.h"

#define IDLE 10000                      /* idle connections beside the one that ping-pongs */
#define PINGPONGS 5000                  /* a run's ping-pongs: 10,000 polled descriptors cost ~1 ms each */
#define HANDSHAKES 2000                 /* sequential, counted by strace */

/* "gateway (epoll)": the daemon at path, by the backend its --version names */
static const char *
named(const char *path)
{
	static char name[64];
	char cmd[512], line[128] = "", what[32] = "?";
	FILE *p;

	snprintf(cmd, sizeof cmd, "%s --version", path);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof line, p))
			sscanf(line, "gateway %*s (%31[^),]", what);
		pclose(p);
	}
	snprintf(name, sizeof name, "gateway (%s)", what);
	return name;
}

/* the share a wakeup with IDLE idle costs of one with none, as a cell */
static void
ratio(const char *what, double many, double none)
{
	char f[32];

	snprintf(f, sizeof f, "%9.2f x", many / none);
	cell(what, f, "");
}

/* the daemon started already: one ping-pong, alone and beside IDLE idle; its cost beside them */
static double
wakeups(const char *who)
{
	char name[128];
	double none, many, rate, rate_;

	MEDIAN3(echo_load(1, 1, 64, PINGPONGS, &rate_), none, rate);
		snprintf(name, sizeof name, "%s: 1 ping-pong 64 B, nothing idle", who);
	row(name, none, rate, "/s");
	hold_idle(IDLE);
	MEDIAN3(echo_load(1, 1, 64, PINGPONGS, &rate_), many, rate);
		snprintf(name, sizeof name, "%s: 1 ping-pong + 10,000 idle WebSockets", who);
	row(name, many, rate, "/s");
	ping_idle(IDLE);                        /* they were served all along */
	drop_idle(IDLE);
	snprintf(name, sizeof name, "%s: a wakeup, 10,000 idle / none", who);
	ratio(name, many, none);
	return many;
}

/* the floor's server: echo on the last accepted, watch the rest, with poll() or epoll */
static void
floor_serve(int lfd, int nidle, int use_epoll)
{
	static struct pollfd pf[MAXC + 1];
	unsigned char b[64];
	ssize_t r;
	int i, active = -1;

	for (i = 0; i <= nidle; i++) {
		pf[i].fd = active = accept(lfd, NULL, NULL);
		pf[i].events = POLLIN;
	}
#ifdef __linux__
	if (use_epoll) {
		struct epoll_event e, got[64];
		int ep = epoll_create1(0);

		for (i = 0; i <= nidle; i++) {
			e.events = EPOLLIN;
			e.data.fd = pf[i].fd;
			epoll_ctl(ep, EPOLL_CTL_ADD, pf[i].fd, &e);
		}
		for (;;) {
			int n = epoll_wait(ep, got, 64, -1);
			for (i = 0; i < n; i++)
				if (got[i].data.fd == active &&
				    ((r = read(active, b, sizeof b)) <= 0 || write(active, b, (size_t)r) != r))
					_exit(0);
		}
	}
#endif
	(void)use_epoll;
	for (;;) {
		if (poll(pf, (nfds_t)nidle + 1, -1) < 0)
			_exit(1);
		if (pf[nidle].revents && ((r = read(active, b, sizeof b)) <= 0 || write(active, b, (size_t)r) != r))
			_exit(0);
	}
}

/* the floor: nidle idle loopback sockets and one that ping-pongs, served by a child; its CPU a ping-pong */
static double
floor_load(int nidle, int use_epoll, unsigned long total, double *rate)
{
	static int held[MAXC];
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), i, fd;
	unsigned char b[64];
	unsigned long k;
	double t0, c0, c;
	pid_t pid;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(0x7f000001);
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 1024) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) < 0)
		fail("floor listener: %s", strerror(errno));
	if ((pid = fork()) == 0) {
		pin(0, 0);
		floor_serve(lfd, nidle, use_epoll);
	}
	close(lfd);
	for (i = 0; i < nidle; i++)
		held[i] = tcp_to(ntohs(a.sin_port));
	fd = tcp_to(ntohs(a.sin_port));
	memset(b, 'x', sizeof b);
	c0 = cpu_of(pid);
	t0 = now_s();
	for (k = 0; k < total; k++)
		if (write(fd, b, 64) != 64 || read(fd, b, 64) != 64)
			fail("floor ping-pong");
	*rate = total / (now_s() - t0);
	c = (cpu_of(pid) - c0) / total;
	close(fd);
	for (i = 0; i < nidle; i++)
		close(held[i]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return c;
}

static double
floor_row(const char *who, int use_epoll)
{
	char name[128];
	double none, many, rate, rate_;

	MEDIAN3(floor_load(0, use_epoll, PINGPONGS, &rate_), none, rate);
		snprintf(name, sizeof name, "%s floor: 1 ping-pong 64 B, nothing idle", who);
	row(name, none, rate, "/s");
	MEDIAN3(floor_load(IDLE, use_epoll, PINGPONGS, &rate_), many, rate);
		snprintf(name, sizeof name, "%s floor: 1 ping-pong + 10,000 idle sockets", who);
	row(name, many, rate, "/s");
	snprintf(name, sizeof name, "%s floor: a wakeup, 10,000 idle / none", who);
	ratio(name, many, none);
	return many;
}

/*
 * The daemon's system calls a sequential handshake (connect, upgrade, 101,
 * close), counted by strace -c attached to it; -1 where strace cannot.
 */
static double
syscalls_per_handshake(void)
{
	char out[64], pidarg[24], line[256], *tok[8];
	double rate, calls = -1;
	int err[2], n;
	FILE *f;
	pid_t s;

	snprintf(out, sizeof out, "/tmp/gateway-bench-strace.%ld", (long)getpid());
	snprintf(pidarg, sizeof pidarg, "%ld", (long)daemon_pid);
	if (pipe(err) < 0)
		fail("pipe");
	if ((s = fork()) == 0) {
		dup2(err[1], 2);
		close(err[0]);
		execlp("strace", "strace", "-c", "-p", pidarg, "-o", out, (char *)NULL);
		_exit(127);
	}
	close(err[1]);
	f = fdopen(err[0], "r");
	while (fgets(line, sizeof line, f) && !strstr(line, "attached"))
		;                               /* it counts from here; EOF: it could not attach */
	if (!feof(f)) {
		handshakes(1, HANDSHAKES, &rate);
		kill(s, SIGINT);
	}
	waitpid(s, NULL, 0);
	fclose(f);
	if ((f = fopen(out, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {           /* "100.00 seconds usecs/call calls [errors] total" */
		for (n = 0, tok[0] = strtok(line, " \n"); tok[n] && n < 7; tok[++n] = strtok(NULL, " \n"))
			;
		if (n >= 5 && strcmp(tok[n - 1], "total") == 0)
			calls = atof(tok[3]) / HANDSHAKES;
	}
	fclose(f);
	unlink(out);
	return calls;
}

static void
syscalls_row(const char *who)
{
	char name[128], f[32];
	double n;

	load_begin();
	if ((n = syscalls_per_handshake()) < 0) {
		printf("skipped: system calls per handshake (%s), which needs strace (apt-get install strace)\n", who);
		return;
	}
	snprintf(name, sizeof name, "%s: system calls a handshake (strace -c)", who);
	snprintf(f, sizeof f, "%9.1f", n);
	cell(name, f, "2,000 sequential");
}

void
scale_profiles(void)
{
		const char *poll_gateway = getenv("BENCH_POLL_GATEWAY"), *native = gateway;
	const char *const args[] = { "--echo", "--max-clients", "12000", "--idle-ms", "600000", NULL };
	char name[128];
	double ours, floor_many;

	snprintf(name, sizeof name, "%s", named(native));
		start(args);
	syscalls_row(name);                     /* first: nothing else is going on in the daemon */
	ours = wakeups(name);
	stop();
	if (poll_gateway && *poll_gateway && strcmp(named(poll_gateway), name) != 0) {
		gateway = poll_gateway;
				start(args);
		syscalls_row(named(poll_gateway));
		wakeups(named(poll_gateway));
		stop();
		gateway = native;
	}
	floor_row("poll()", 0);
#ifdef __linux__
	floor_many = floor_row("epoll", 1);
		snprintf(name + strlen(name), sizeof name - strlen(name), " / epoll floor, 10,000 idle");
	ratio(name, ours, floor_many);
#else
	(void)floor_many;
#endif
}
