/*
 * make bench: a load generator for gateway (a tool, not the daemon). It
 * starts the daemon as a child, runs each profile three times and prints
 * the median: the daemon's CPU time per operation (from /proc/PID/schedstat,
 * or /proc/PID/stat), which is far steadier than a rate on a shared
 * machine, and the rate. Every echo is checked byte for byte and every
 * reply's id; any error stops the run with a message and exit status 1.
 * Single thread, poll(); the daemon on one core, this on the other.
 *
 * bench/bench GATEWAY [ws-echo-server.mjs]: the second argument, with node,
 * runs the echo profiles against npm ws too.
 */
#define _GNU_SOURCE                     /* sched_setaffinity, for pinning (Linux) */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../config.h"
#include "../sha1.h"
#include "../base64.h"
#include "../ws.h"
#include "../crypto/ed25519.h"
#include "bench.h"
#include "rfc8032.h"
#include "median.h"


const char *gateway;
static const char *ws_server;
int port, ncpu;
pid_t daemon_pid;

void
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench: FAILED: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	if (daemon_pid > 0)
		kill(daemon_pid, SIGKILL);
	exit(1);
}

double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* a process's CPU time so far, in seconds: schedstat (ns) where there is one */
double
cpu_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ns, ut, st;
	FILE *f;
	int i;

	snprintf(path, sizeof path, "/proc/%ld/schedstat", (long)pid);
	if ((f = fopen(path, "r")) != NULL) {
		i = fscanf(f, "%llu", &ns);
		fclose(f);
		if (i == 1)
			return ns / 1e9;
	}
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL || fgets(buf, sizeof buf, f) == NULL)
		fail("cannot read %s", path);
	fclose(f);
	p = strrchr(buf, ')');
	for (i = 0; p && i < 12; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu %llu", &ut, &st) != 2)
		fail("cannot parse %s", path);
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

/*
 * Foreign load: the share of all CPUs busy with work that is not ours (not
 * this generator, its children, or the daemon) while a figure was taken,
 * from /proc/stat. A figure taken on a busy machine says so beside it.
 */
static unsigned long long busy0, ticks0;
static double ours0;

/* the machine's busy and total CPU time so far, in clock ticks; 0 where /proc/stat cannot be read */
static unsigned long long
machine_ticks(unsigned long long *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
	    &v[5], &v[6], &v[7]) : 0;

	if (f)
		fclose(f);
	*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	return n == 8 ? v[0] + v[1] + v[2] + v[5] + v[6] + v[7] : 0;      /* all but idle and iowait */
}

/* the CPU time of this process, its children so far, and the daemon, in seconds */
static double
ours(void)
{
	struct rusage self, kids;
	char path[64];
	double d = 0;
	FILE *f;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)daemon_pid);
	if (daemon_pid > 0 && (f = fopen(path, "r")) != NULL) {
		fclose(f);
		d = cpu_of(daemon_pid);
	}
	return self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 + self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
	    kids.ru_utime.tv_sec + kids.ru_utime.tv_usec / 1e6 + kids.ru_stime.tv_sec + kids.ru_stime.tv_usec / 1e6 + d;
}

void
load_begin(void)
{
	busy0 = machine_ticks(&ticks0);
	ours0 = ours();
}

const char *
load_foreign(void)
{
	static char col[16];
	unsigned long long total, busy = machine_ticks(&total);
	double hz = (double)sysconf(_SC_CLK_TCK), foreign;

	if (busy0 == 0 || busy == 0 || total - ticks0 < 10 * (unsigned long long)ncpu) {
		snprintf(col, sizeof col, "%5s", "-");     /* no /proc/stat, or too short to tell */
		return col;
	}
	foreign = ((busy - busy0) / hz - (ours() - ours0)) / ((total - ticks0) / hz);
	snprintf(col, sizeof col, "%4.0f%%", foreign < 0 ? 0 : foreign * 100);
	return col;
}

long
rss_kib(pid_t pid)
{
	char path[64], line[128];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

void
pin(pid_t pid, int cpu)
{
#ifdef __linux__
	cpu_set_t set;

	if (ncpu < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(pid, sizeof set, &set);
#else
	(void)pid;
	(void)cpu;
#endif
}

/* sockets */

int
tcp_to(int p)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)p);
	a.sin_addr.s_addr = htonl(0x7f000001);
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return fd;
}

void
put(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				struct pollfd pf = { fd, POLLOUT, 0 };
				poll(&pf, 1, 1000);
				continue;
			}
			fail("write: %s", strerror(errno));
		}
		s += w;
		n -= (size_t)w;
	}
}

/* the upgrade, answered 101 with the right accept key (checked with the project's SHA-1 and Base64) */
const char upgrade[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/* what a read brought past the 101's head (the protocol's challenge), for next_frame */
static unsigned char rest[4096];
static size_t restlen;

void
expect_101(int fd)
{
	static const char guid[] = "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char digest[SHA1_LEN];
	char head[4096], accept[64], want[96], *end = NULL;
	size_t n = 0;
	ssize_t r;

	while (n < sizeof head - 1 && end == NULL) {
		if ((r = read(fd, head + n, sizeof head - 1 - n)) <= 0)
			fail("the handshake: %s", r < 0 ? strerror(errno) : "closed");
		n += (size_t)r;
		head[n] = '\0';
		end = strstr(head, "\r\n\r\n");
	}
	if (end == NULL)
		fail("no end to the 101's head");
	restlen = n - (size_t)(end + 4 - head);
	memcpy(rest, end + 4, restlen);
	*end = '\0';
	sha1(guid, strlen(guid), digest);
	base64_encode(digest, SHA1_LEN, accept);
	snprintf(want, sizeof want, "Sec-WebSocket-Accept: %s\r\n", accept);
	strcat(head, "\r\n");
	if (strncmp(head, "HTTP/1.1 101", 12) != 0 || strstr(head, want) == NULL)
		fail("the handshake was not a good 101: %.200s", head);
}

int
ws_connect(int p)
{
	int fd = tcp_to(p);

	if (fd < 0)
		fail("connect: %s", strerror(errno));
	put(fd, upgrade, sizeof upgrade - 1);
	expect_101(fd);
	return fd;
}

/* exactly n bytes: first what the handshake's read brought, then the socket */
void
take(int fd, void *p, size_t n)
{
	unsigned char *b = p;
	size_t k = restlen < n ? restlen : n;
	ssize_t r;

	memcpy(b, rest, k);
	memmove(rest, rest + k, restlen - k);
	restlen -= k;
	while (k < n) {
		if ((r = read(fd, b + k, n - k)) <= 0)
			fail("a frame: %s", r < 0 ? strerror(errno) : "closed");
		k += (size_t)r;
	}
}

/* a masked client frame */
size_t
frame(unsigned char *out, int opcode, const unsigned char *p, size_t n)
{
	static const unsigned char mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
	size_t h = 2, i;

	out[0] = (unsigned char)(0x80 | opcode);
	if (n < 126)
		out[1] = (unsigned char)(0x80 | n);
	else if (n < 65536) {
		out[1] = 0x80 | 126;
		out[2] = (unsigned char)(n >> 8);
		out[3] = (unsigned char)n;
		h = 4;
	} else {
		out[1] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)((unsigned long long)n >> (56 - 8 * i));
		h = 10;
	}
	memcpy(out + h, mask, 4);
	for (i = 0; i < n; i++)
		out[h + 4 + i] = p[i] ^ mask[i & 3];
	return h + 4 + n;
}

/* the payload of message k on connection c: every echo is checked against it */
static void
payload(unsigned char *p, size_t n, int c, unsigned long k)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(k * 131 + (unsigned long)c * 7 + i);
}

/* the daemon */

void
start(const char *const *args)
{
	char *argv[32];
	int i = 0, err[2];
	char line[256];
	ssize_t n;

	argv[i++] = (char *)gateway;
	argv[i++] = "--port";
	snprintf(line, sizeof line, "%d", port);
	argv[i++] = strdup(line);
	while (args && *args)
		argv[i++] = (char *)*args++;
	argv[i] = NULL;
	if (pipe(err) < 0)
		fail("pipe");
	if ((daemon_pid = fork()) == 0) {
		dup2(err[1], 2);
		close(err[0]);
		pin(0, 0);
		execv(gateway, argv);
		_exit(127);
	}
	close(err[1]);
	n = read(err[0], line, sizeof line - 1);       /* its first line: listening */
	line[n > 0 ? n : 0] = '\0';
	if (!strstr(line, "listening"))
		fail("the daemon did not start: %s", line);
	if (fork() == 0) {                      /* drain its log, so it never blocks on it */
		char b[4096];
		while (read(err[0], b, sizeof b) > 0)
			;
		_exit(0);
	}
	close(err[0]);
	free(argv[2]);
}

void
stop(void)
{
	int st;

	kill(daemon_pid, SIGTERM);
	waitpid(daemon_pid, &st, 0);
	daemon_pid = 0;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* the npm ws echo server, as the second subject */
static void
start_ws(void)
{
	char line[256], portarg[16];
	int out[2];
	ssize_t n;

	snprintf(portarg, sizeof portarg, "%d", port);
	if (pipe(out) < 0)
		fail("pipe");
	if ((daemon_pid = fork()) == 0) {
		dup2(out[1], 1);
		close(out[0]);
		pin(0, 0);
		execlp("node", "node", ws_server, portarg, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	n = read(out[0], line, sizeof line - 1);
	line[n > 0 ? n : 0] = '\0';
	close(out[0]);
	if (!strstr(line, "listening"))
		fail("the ws echo server did not start: %s", line);
}

/* echo load: conns connections, depth messages in flight on each, size bytes each, total messages */
struct econn {
	int fd;
	unsigned long sent, got;
	unsigned char *in;
	size_t inlen;
};

double
echo_load(int conns, int depth, size_t size, unsigned long total, double *rate)
{
	static struct econn e[1024];
	static struct pollfd pf[1024];
	size_t cap = (size + 10) * (size_t)depth * 2 + 65536, n, h, olen = 0;
	unsigned char *out = malloc(cap), *pay = malloc(size), *want = malloc(size);
	unsigned long done = 0, per = total / (unsigned long)conns;
	double t0, c0;
	int i, k;

	for (i = 0; i < conns; i++) {
		e[i].fd = ws_connect(port);
		e[i].sent = e[i].got = 0;
		e[i].in = malloc(cap);
		e[i].inlen = 0;
		fcntl(e[i].fd, F_SETFL, O_NONBLOCK);
	}
	total = per * (unsigned long)conns;
	c0 = cpu_of(daemon_pid);
	t0 = now_s();
	for (i = 0; i < conns; i++) {
		for (k = 0; k < depth && e[i].sent < per; k++) {
			payload(pay, size, i, e[i].sent++);
			olen += frame(out + olen, WS_BINARY, pay, size);
		}
		put(e[i].fd, out, olen);
		olen = 0;
	}
	while (done < total) {
		for (i = 0; i < conns; i++) {
			pf[i].fd = e[i].got < per ? e[i].fd : -1;
			pf[i].events = POLLIN;
		}
		if (poll(pf, (nfds_t)conns, 10000) <= 0)
			fail("no echo within 10 s (%lu of %lu)", done, total);
		for (i = 0; i < conns; i++) {
			ssize_t r;
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(e[i].fd, e[i].in + e[i].inlen, cap - e[i].inlen);
			if (r <= 0)
				fail("connection %d: %s", i, r < 0 ? strerror(errno) : "closed");
			e[i].inlen += (size_t)r;
			for (;;) {              /* whole frames: check each against what was sent */
				if (e[i].inlen < 2)
					break;
				n = e[i].in[1] & 0x7f;
				h = n == 126 ? 4 : n == 127 ? 10 : 2;
				if (e[i].inlen < h)
					break;
				if (n == 126)
					n = (size_t)e[i].in[2] << 8 | e[i].in[3];
				else if (n == 127)
					for (n = 0, k = 2; k < 10; k++)
						n = n << 8 | e[i].in[k];
				if (e[i].inlen < h + n)
					break;
				payload(want, size, i, e[i].got);
				if (e[i].in[0] != (0x80 | WS_BINARY) || n != size || memcmp(e[i].in + h, want, size) != 0)
					fail("connection %d: echo %lu is wrong", i, e[i].got);
				e[i].got++;
				done++;
				memmove(e[i].in, e[i].in + h + n, e[i].inlen - h - n);
				e[i].inlen -= h + n;
				if (e[i].sent < per) {  /* the next one, written with the others of this read */
					payload(pay, size, i, e[i].sent++);
					olen += frame(out + olen, WS_BINARY, pay, size);
				}
			}
			put(e[i].fd, out, olen);
			olen = 0;
		}
	}
	*rate = total / (now_s() - t0);
	c0 = (cpu_of(daemon_pid) - c0) / total;
	for (i = 0; i < conns; i++) {
		close(e[i].fd);
		free(e[i].in);
	}
	free(out);
	free(pay);
	free(want);
	return c0;
}

/* idle connections held open; returned so the caller decides when they go */
static int idle[MAXC];

void
hold_idle(int n)
{
	int i;

	for (i = 0; i < n; i++)
		idle[i] = ws_connect(port);
}

void
drop_idle(int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(idle[i]);
}

/* each idle connection still answers: a ping, then its pong */
void
ping_idle(int n)
{
	unsigned char f[16], r[8];
	int i;

	for (i = 0; i < n; i++) {
		ssize_t got;
		put(idle[i], f, frame(f, WS_PING, (const unsigned char *)"p", 1));
		if ((got = read(idle[i], r, 3)) != 3 || r[0] != (0x80 | WS_PONG) || r[1] != 1 || r[2] != 'p')
			fail("idle connection %d did not answer its ping (%zd bytes: %02x %02x)", i, got, r[0], r[1]);
	}
}

/* n connections opened and upgrades sent on each, before any answer is read */
static void
upgrades(int *fds, int n)
{
	int k;

	for (k = 0; k < n; k++) {
		if ((fds[k] = tcp_to(port)) < 0)
			fail("connect: %s", strerror(errno));
		put(fds[k], upgrade, sizeof upgrade - 1);
	}
}

/* handshakes: inflight at a time, total of them */
double
handshakes(int inflight, int total, double *rate)
{
	int fds[64], i, k, done = 0;
	double t0, c0;

	c0 = cpu_of(daemon_pid);
	t0 = now_s();
	while (done < total) {
		upgrades(fds, inflight);
		for (k = 0; k < inflight; k++) {
			expect_101(fds[k]);
			if (restlen)
				fail("bytes after the 101 in echo mode");
			close(fds[k]);
		}
		done += inflight;
	}
	*rate = done / (now_s() - t0);
	(void)i;
	return (cpu_of(daemon_pid) - c0) / done;
}

/* protocol */

static const char connect_req[] = "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
    "\"maxProtocol\":4,\"client\":{\"id\":\"%s\",\"version\":\"1\",\"platform\":\"bench\",\"mode\":\"%s\"},"
    "\"role\":\"operator\",\"scopes\":[\"operator.read\"]}}";

/* the next server frame's payload, into buf (NUL-terminated); its length */
size_t
next_frame(int fd, char *buf, size_t cap)
{
	unsigned char h[10];
	size_t n, i;

	take(fd, h, 2);
	n = h[1] & 0x7f;
	if (n == 126) {
		take(fd, h + 2, 2);
		n = (size_t)h[2] << 8 | h[3];
	} else if (n == 127) {
		take(fd, h + 2, 8);
		for (n = 0, i = 2; i < 10; i++)
			n = n << 8 | h[i];
	}
	if (n >= cap)
		fail("a frame of %zu bytes", n);
	take(fd, buf, n);
	buf[n] = '\0';
	return n;
}

int
proto_open(const char *id, const char *mode)
{
	static char buf[1 << 20];
	unsigned char f[512];
	char req[400];
	int fd = ws_connect(port);

	next_frame(fd, buf, sizeof buf);
	if (!strstr(buf, "connect.challenge"))
		fail("no challenge: %.100s", buf);
	snprintf(req, sizeof req, connect_req, id, mode);
	put(fd, f, frame(f, WS_TEXT, (unsigned char *)req, strlen(req)));
	next_frame(fd, buf, sizeof buf);
	if (!strstr(buf, "\"id\":\"c\",\"ok\":true") || !strstr(buf, "hello-ok"))
		fail("no hello-ok: %.200s", buf);
	return fd;
}

static double
hellos(int inflight, int total, double *rate)
{
	static char buf[1 << 16];
	unsigned char f[512];
	char req[400];
	int fds[64], k, done = 0;
	double t0, c0;

	snprintf(req, sizeof req, connect_req, "cli", "cli");
	c0 = cpu_of(daemon_pid);
	t0 = now_s();
	while (done < total) {                  /* inflight at each step at once */
		upgrades(fds, inflight);
		for (k = 0; k < inflight; k++) {
			expect_101(fds[k]);
			next_frame(fds[k], buf, sizeof buf);
			if (!strstr(buf, "connect.challenge"))
				fail("no challenge: %.100s", buf);
			put(fds[k], f, frame(f, WS_TEXT, (unsigned char *)req, strlen(req)));
		}
		for (k = 0; k < inflight; k++) {
			next_frame(fds[k], buf, sizeof buf);
			if (!strstr(buf, "\"id\":\"c\",\"ok\":true") || !strstr(buf, "hello-ok"))
				fail("no hello-ok: %.200s", buf);
			close(fds[k]);
		}
		done += inflight;
	}
	*rate = done / (now_s() - t0);
	return (cpu_of(daemon_pid) - c0) / done;
}

/* GET path on a connection of its own, total times, one after another; each answer is 200 */
static double
gets(const char *path, int total, double *rate)
{
	static char buf[1 << 16];
	char req[128];
	double t0 = now_s(), c0 = cpu_of(daemon_pid);
	ssize_t n;
	size_t got;
	int i, fd;

	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
	for (i = 0; i < total; i++) {
		fd = tcp_to(port);
		put(fd, req, strlen(req));
		for (got = 0; (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0; got += (size_t)n)
			;
		buf[got] = '\0';
		close(fd);
		if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0)
			fail("GET %s: %.40s", path, buf);
	}
	*rate = total / (now_s() - t0);
	return (cpu_of(daemon_pid) - c0) / total;
}

/* health, pipelined on one connection: every reply's id checked, in order */
static double
health_pipelined(int total, double *rate)
{
	static unsigned char out[1 << 20];
	static char buf[1 << 16];
	char req[96], want[32];
	int fd = proto_open("cli", "cli"), i, sent = 0;
	size_t n = 0;
	double t0, c0;

	c0 = cpu_of(daemon_pid);
	t0 = now_s();
	for (i = 0; i < total; i++) {
		if (i - sent >= 0 && n > sizeof out - 200) {
			put(fd, out, n);
			n = 0;
		}
		snprintf(req, sizeof req, "{\"type\":\"req\",\"id\":\"h%d\",\"method\":\"health\"}", i);
		n += frame(out + n, WS_TEXT, (unsigned char *)req, strlen(req));
		if ((i + 1) % 256 == 0) {       /* at most 256 ahead: the replies are read as they come */
			put(fd, out, n);
			n = 0;
			for (; sent <= i - 128; sent++) {
				next_frame(fd, buf, sizeof buf);
				snprintf(want, sizeof want, "\"id\":\"h%d\",\"ok\":true", sent);
				if (!strstr(buf, want))
					fail("health reply %d: %.100s", sent, buf);
			}
		}
	}
	put(fd, out, n);
	for (; sent < total; sent++) {
		next_frame(fd, buf, sizeof buf);
		snprintf(want, sizeof want, "\"id\":\"h%d\",\"ok\":true", sent);
		if (!strstr(buf, want))
			fail("health reply %d: %.100s", sent, buf);
	}
	*rate = total / (now_s() - t0);
	close(fd);
	return (cpu_of(daemon_pid) - c0) / total;
}

/* n clients join (mode: cli is not listed in presence, test is); seconds, event bytes, RSS per client */
static double
joins(int n, const char *mode, double *event_bytes, double *per_client)
{
	static char buf[1 << 22];
	long r0 = rss_kib(daemon_pid);
	double t0 = now_s(), t;
	long long bytes = 0;
	int i;

	for (i = 0; i < n; i++)
		idle[i] = proto_open("test", mode);
	t = now_s() - t0;
	/* the presence broadcasts still due (at most one a second) arrive, then nothing for two seconds */
	{
		static struct pollfd pf[MAXC];
		for (i = 0; i < n; i++) {
			pf[i].fd = idle[i];
			pf[i].events = POLLIN;
		}
		while (poll(pf, (nfds_t)n, PRESENCE_INTERVAL_MS * 2) > 0)
			for (i = 0; i < n; i++)
				if (pf[i].revents) {
					ssize_t r = read(idle[i], buf, sizeof buf);
					if (r <= 0)
						fail("a joined client was dropped");
					bytes += r;
				}
	}
	*event_bytes = (double)bytes;
	*per_client = (rss_kib(daemon_pid) - r0) * 1024.0 / n;
	drop_idle(n);
	return t;
}

/* processes */

static double
exec_to_exit(const char *arg)
{
	double t0 = now_s();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(gateway, gateway, arg, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return (now_s() - t0) * 1e3;
}

/* exec, then the first connection served (/healthz answered) */
static double
exec_to_served(void)
{
	char resp[256];
	double t0 = now_s(), t;
	pid_t pid = fork();
	int fd, st;

	if (pid == 0) {
		char p[16];
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		snprintf(p, sizeof p, "%d", port);
		execl(gateway, gateway, "--port", p, "--echo", (char *)NULL);
		_exit(127);
	}
	while ((fd = tcp_to(port)) < 0)
		;                               /* refused until it listens: the time is what we measure */
	put(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 42);
	if (read(fd, resp, sizeof resp) < 12 || strncmp(resp, "HTTP/1.1 200", 12) != 0)
		fail("/healthz was not 200");
	t = (now_s() - t0) * 1e3;
	close(fd);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return t;
}

static double
lock_conflict(void)
{
	char p[16];
	double t0 = now_s();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		snprintf(p, sizeof p, "%d", port);
		execl(gateway, gateway, "--port", p, "--echo", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != EXIT_LOCKED)
		fail("the second gateway did not exit %d", EXIT_LOCKED);
	return (now_s() - t0) * 1e3;
}

/* SIGTERM, then the port bindable again; with clients, each must have heard close 1012 */
static double
term_to_bindable(int clients)
{
	struct sockaddr_in a;
	unsigned char f[64];
	double t0, t;
	int fd, i, st;

	start((const char *const[]){ "--echo", "--max-clients", "12000", NULL });
	hold_idle(clients);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(0x7f000001);
	t0 = now_s();
	kill(daemon_pid, SIGTERM);
	for (i = 0; i < clients; i++) {         /* each answers our close, so the drain ends at once */
		if (read(idle[i], f, 4) != 4 || f[0] != (0x80 | WS_CLOSE) || (f[2] << 8 | f[3]) != 1012)
			fail("client %d did not hear close 1012", i);
		put(idle[i], f, frame(f, WS_CLOSE, (const unsigned char *)"\x03\xf4", 2));
	}
	for (;;) {                              /* bindable as the next gateway binds: SO_REUSEADDR */
		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
		if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 1) == 0)
			break;
		close(fd);
	}
	t = (now_s() - t0) * 1e3;
	close(fd);
	waitpid(daemon_pid, &st, 0);
	daemon_pid = 0;
	drop_idle(clients);
	return t;
}

/* the table; BENCH_ONLY=crypto|echo|idle|scale|protocol|process|flood|state|ws runs one part (BENCH_PROFILE one echo shape) */
int
want(const char *part)
{
	return getenv("BENCH_ONLY") == NULL || strcmp(getenv("BENCH_ONLY"), part) == 0;
}

double
median(double v[RUNS])
{
	return median_of(v, RUNS);
}

/* one row of the table: what, its figure, its rate (or a note), and the foreign load since load_begin() */
void
cell(const char *what, const char *figure, const char *rate)
{
	printf("| %-56s | %14s | %24s | %7s |\n", what, figure, rate, load_foreign());
	fflush(stdout);
}

void
row(const char *what, double cpu_us, double rate, const char *unit)
{
	char f[32], r[32];

	snprintf(f, sizeof f, "%9.2f us", cpu_us);
	snprintf(r, sizeof r, "%.0f %s", rate, unit);
	cell(what, f, r);
}

static void
row_ms(const char *what, double ms)
{
	char f[32];

	snprintf(f, sizeof f, "%9.2f ms", ms);
	cell(what, f, "");
}

/* the daemon's Ed25519 verification, n times in this process: CPU seconds per verify, *rate per second */
static double
verify_cost(int n, double *rate)
{
	struct timespec a, b;
	double t0 = now_s();
	int i;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (i = 0; i < n; i++)
		if (ed25519_verify(rfc8032_sig, rfc8032_msg, sizeof rfc8032_msg, rfc8032_key) != 1)
			fail("Ed25519: RFC 8032 test 3 does not verify");
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	*rate = n / (now_s() - t0);
	return (b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) / 1e9) / n;
}

/*
 * The same verification beside OpenSSL 3's EVP_DigestVerify, in one
 * process and in turns (bench/verify, which bench/run.sh builds where
 * libssl-dev is installed)
 */
static void
openssl_rows(void)
{
	double ours = 0, theirs = 0;
	char f[32];
	FILE *p;

	load_begin();
	if (access("bench/verify", X_OK) != 0 || (p = popen("bench/verify", "r")) == NULL) {
		printf("skipped: Ed25519 beside OpenSSL 3 (no bench/verify: make bench builds it where libssl-dev is)\n");
		return;
	}
	if (fscanf(p, "%lf %lf", &ours, &theirs) != 2 || pclose(p) != 0 || theirs <= 0)
		fail("bench/verify: no figures, or a verification failed");
	snprintf(f, sizeof f, "%9.2f us", ours);
	cell("Ed25519 verify: ours, in turns with OpenSSL's", f, "same message, same process");
	snprintf(f, sizeof f, "%9.2f us", theirs);
	cell("Ed25519 verify: OpenSSL 3 EVP_DigestVerify", f, "same message, same process");
	snprintf(f, sizeof f, "%9.2f x", ours / theirs);
	cell("Ed25519 verify: ours / OpenSSL's", f, "");
}

static void
echo_profiles(const char *who)
{
	static const struct { const char *name; int conns, depth; size_t size; unsigned long total; } p[] = {
		{ "100 conns x 16 in flight x 64 B echo", 100, 16, 64, 400000 },
		{ "10 conns x 4 in flight x 16 KiB echo", 10, 4, 16384, 40000 },
		{ "100 conns x 1 in flight x 64 B echo", 100, 1, 64, 100000 },
		{ "1 conn ping-pong 64 B", 1, 1, 64, 40000 },
	};
	char name[128];
	double cpu, rate, rate_;
	size_t i;

	for (i = 0; i < sizeof p / sizeof p[0]; i++) {
		if (getenv("BENCH_PROFILE") && !strstr(p[i].name, getenv("BENCH_PROFILE")))
			continue;       /* one profile, to look at it with perf */
		MEDIAN3(echo_load(p[i].conns, p[i].depth, p[i].size, p[i].total, &rate_), cpu, rate);
		snprintf(name, sizeof name, "%s: %s", who, p[i].name);
		row(name, cpu, rate, "/s");
	}
	if (getenv("BENCH_PROFILE"))
		return;
	hold_idle(1000);
	MEDIAN3(echo_load(1, 1, 64, 20000, &rate_), cpu, rate);
	snprintf(name, sizeof name, "%s: 1,000 idle + 1 ping-pong 64 B", who);
	row(name, cpu, rate, "/s");
	drop_idle(1000);
	MEDIAN3(handshakes(1, 5000, &rate_), cpu, rate);
	snprintf(name, sizeof name, "%s: sequential handshakes", who);
	row(name, cpu, rate, "/s");
	MEDIAN3(handshakes(50, 10000, &rate_), cpu, rate);
	snprintf(name, sizeof name, "%s: 50-in-flight handshakes", who);
	row(name, cpu, rate, "/s");
	{
		long r0 = rss_kib(daemon_pid);
		char f[32];

		load_begin();
		hold_idle(1000);
		snprintf(name, sizeof name, "%s: memory per idle WebSocket (1,000 held)", who);
		snprintf(f, sizeof f, "%.0f B", (rss_kib(daemon_pid) - r0) * 1024.0 / 1000);
		cell(name, f, "");
		drop_idle(1000);
	}
}

int
main(int argc, char *argv[])
{
	struct rlimit rl;
	double cpu, rate, rate_, v[RUNS], bytes, per, junk;
	char f[32], r[48];
	const char *env;
	int k;

	if (argc < 2)
		fail("usage: bench/bench GATEWAY [ws-echo-server.mjs]");
	gateway = argv[1];
	ws_server = argc > 2 ? argv[2] : NULL;
	signal(SIGPIPE, SIG_IGN);
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	pin(0, 1);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {     /* 10,000 connections need their descriptors */
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* BENCH_PORT, else one the kernel says is free now */
	if ((env = getenv("BENCH_PORT")) != NULL && *env) {
		port = atoi(env);
		if (port < 1 || port > 65535)
			fail("BENCH_PORT=%s: must be a port, 1-65535", env);
	} else {
		struct sockaddr_in a;
		socklen_t al = sizeof a;
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		memset(&a, 0, sizeof a);
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(0x7f000001);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &al) < 0)
			fail("no free port: %s", strerror(errno));
		port = ntohs(a.sin_port);
		close(fd);
	}
	printf("gateway bench: port %d, %d CPUs%s; median of %d runs; daemon CPU per operation;\n"
	    "foreign: the share of all CPUs busy with other work meanwhile (from /proc/stat)\n\n", port, ncpu,
	    ncpu >= 2 ? ", daemon pinned to CPU 0 and this generator to CPU 1" : "", RUNS);
	printf("| %-56s | %14s | %24s | %7s |\n", "profile", "daemon CPU/op", "rate", "foreign");
	printf("|%s|%s|%s|%s|\n", "----------------------------------------------------------",
	    "----------------", "--------------------------", "---------");

	if (want("crypto")) {           /* every connect with a device block costs one */
		MEDIAN3(verify_cost(2000, &rate_), cpu, rate);
		row("Ed25519 verify (RFC 8032 test 3), one core, in process", cpu, rate, "/s");
		openssl_rows();
	}
	start((const char *const[]){ "--echo", "--max-clients", "12000", "--idle-ms", "600000", NULL });
	if (want("echo"))
		echo_profiles("gateway");
	if (want("idle")) {
		long r0 = rss_kib(daemon_pid);

		load_begin();
		hold_idle(10000);
		snprintf(f, sizeof f, "%.0f B", (rss_kib(daemon_pid) - r0) * 1024.0 / 10000);
		cell("gateway: memory per idle WebSocket (10,000 held)", f, "");
		ping_idle(10000);
		drop_idle(10000);
	}
	stop();
	if (want("scale"))
		scale_profiles();
	if (!want("protocol"))
		goto processes;
	start((const char *const[]){ "--max-clients", "12000", "--idle-ms", "600000", NULL });
	MEDIAN3(hellos(1, 2000, &rate_), cpu, rate);
	row("protocol: connect -> hello-ok, sequential", cpu, rate, "/s");
	MEDIAN3(hellos(50, 10000, &rate_), cpu, rate);
	row("protocol: connect -> hello-ok, 50 in flight", cpu, rate, "/s");
	MEDIAN3(health_pipelined(100000, &rate_), cpu, rate);
	row("protocol: health pipelined on one connection", cpu, rate, "/s");
	MEDIAN3(gets("/metrics", 2000, &rate_), cpu, rate);
	row("GET /metrics, sequential (a scrape)", cpu, rate, "/s");
	MEDIAN3(gets("/healthz", 2000, &rate_), cpu, rate);
	row("GET /healthz, sequential (the same, the floor)", cpu, rate, "/s");
	load_begin();
	for (k = RUNS - 1; k >= 0; k--)         /* bytes and memory: the first run, on a fresh daemon */
		v[k] = joins(1000, "cli", k == RUNS - 1 ? &bytes : &junk, k == RUNS - 1 ? &per : &junk);
	snprintf(f, sizeof f, "%9.0f ms", median(v) * 1e3);
	snprintf(r, sizeof r, "%.0f B events, %.0f B/client", bytes, per);
	cell("protocol: 1,000 CLI clients join", f, r);
	load_begin();
	for (k = RUNS - 1; k >= 0; k--)
		v[k] = joins(1000, "test", k == RUNS - 1 ? &bytes : &junk, k == RUNS - 1 ? &per : &junk);
	snprintf(f, sizeof f, "%9.0f ms", median(v) * 1e3);
	snprintf(r, sizeof r, "%.1f MB events, %.0f B/client", bytes / 1e6, per);
	cell("protocol: 1,000 listed clients join", f, r);
	stop();
processes:
	if (want("process")) {
		load_begin();
		for (k = 0; k < RUNS; k++)
			v[k] = exec_to_exit("--version");
		row_ms("exec -> exit of gateway --version (spawn floor)", median(v));
		load_begin();
		for (k = 0; k < RUNS; k++)
			v[k] = exec_to_served();
		row_ms("exec -> first connection served", median(v));
		start((const char *const[]){ "--echo", NULL });
		load_begin();
		for (k = 0; k < RUNS; k++)
			v[k] = lock_conflict();
		row_ms("lock conflict: exec -> exit 78", median(v));
		stop();
		load_begin();
		for (k = 0; k < RUNS; k++)
			v[k] = term_to_bindable(0);
		row_ms("SIGTERM -> port bindable, idle", median(v));
		load_begin();
		for (k = 0; k < RUNS; k++)
			v[k] = term_to_bindable(1000);
		row_ms("SIGTERM -> port bindable, 1,000 clients (all 1012)", median(v));
	}
	if (want("flood"))
		flood_profiles();
	if (want("state"))
		state_profiles();
	if (!want("ws"))
		;
	else if (ws_server == NULL || system("node --version >/dev/null 2>&1") != 0)
		printf("\nskipped: npm ws side by side (no node, or no ws echo server given)\n");
	else {
		start_ws();
		echo_profiles("npm ws");
		stop();
	}
	printf("\nbench: done, every echo and reply checked\n");
	return 0;
}
