/*
 * What the tests drive the daemon with: start it as a process and read its
 * stderr, raw TCP, HTTP, and a WebSocket client that sends any frame, good or
 * bad. Every wait is a poll() on a socket or on the stderr pipe; HANG_MS only
 * turns a hang into a failure, it never decides a pass.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "t.h"

const char *gateway_path;
int gateway_minimal;
int spawn_nofile;               /* if set, the daemon's descriptor limit */
int spawn_soft_nofile;          /* if set, its soft limit only (the hard one stays) */

/* processes */

/* a listening socket on 127.0.0.1 at a port the kernel picks; *port is set */
int
tcp_listen(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);    /* 127.0.0.1 */
	bind(fd, (struct sockaddr *)&sin, sizeof sin);
	listen(fd, 4);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* is [::1]:port free too, where the host has IPv6 loopback? (the daemon binds both) */
static int
free6(int port)
{
	struct sockaddr_in6 sin6;
	int fd = socket(AF_INET6, SOCK_STREAM, 0), on = 1, ok;

	if (fd < 0)
		return 1;
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons((unsigned short)port);
	sin6.sin6_addr = in6addr_loopback;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof sin6) == 0 || errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT;
	close(fd);
	return ok;
}

/*
 * A port for a daemon under test. It is taken from below the kernel's
 * ephemeral range, where no connect() or bind(0) on the host ever picks a
 * port, so nothing can take it between this check and the daemon's bind;
 * each runner starts at its own point (by pid) and goes up, so two suites
 * run side by side do not meet.
 */
long long
unix_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int
free_port(void)
{
	static int next;
	struct sockaddr_in sin;
	int fd, low = 32768, tries, on = 1;
	FILE *f;

	if (next == 0) {
		if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) != NULL) {
			if (fscanf(f, "%d", &low) != 1 || low < 12000)
				low = 32768;    /* an odd range: the usual one */
			fclose(f);
		}
		next = 10000 + (int)((unsigned)getpid() * 997u % (unsigned)(low - 10000));
	}
	for (tries = 0; tries < 30000; tries++) {
		if (next >= low)
			next = 10000;
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_port = htons((unsigned short)next++);
		sin.sin_addr.s_addr = htonl(0x7f000001);    /* 127.0.0.1 */
		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);   /* as the daemon binds */
		if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 && free6(next - 1)) {
			close(fd);
			return next - 1;
		}
		close(fd);
	}
	return -1;
}

/*
 * Start the daemon with args (NULL-terminated). envport: the value of
 * OPENCLAW_GATEWAY_PORT, NULL to unset it. uid: run as this user if not -1.
 */
int
gw_spawn(struct gw *g, const char *path, const char *envport, int uid, const char *const *args)
{
	const char *argv[32];
	int p[2], n = 0, devnull;

	memset(g, 0, sizeof *g);
	argv[n++] = path;
	while (args && *args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (pipe(p) < 0)
		return -1;
	fflush(NULL);
	if ((g->pid = fork()) == 0) {
		dup2(p[1], 2);
		devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		close(p[0]);
		close(p[1]);
		if (envport)
			setenv("OPENCLAW_GATEWAY_PORT", envport, 1);
		else
			unsetenv("OPENCLAW_GATEWAY_PORT");
		if (uid != -1 && (setgid((gid_t)uid) < 0 || setuid((uid_t)uid) < 0))
			_exit(111);
		if (spawn_nofile) {     /* soft and hard: the daemon raises its soft limit to the hard one */
			struct rlimit rl;
			rl.rlim_cur = rl.rlim_max = (rlim_t)spawn_nofile;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (spawn_soft_nofile) {
			struct rlimit rl;
			getrlimit(RLIMIT_NOFILE, &rl);
			rl.rlim_cur = (rlim_t)spawn_soft_nofile;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		execv(path, (char *const *)argv);
		_exit(112);
	}
	close(p[1]);
	g->err = p[0];
	return g->pid < 0 ? -1 : 0;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Read the daemon's stderr until needle appears (1) or it closes (0). */
int
gw_expect(struct gw *g, const char *needle, int ms)
{
	return gw_expect_n(g, needle, 1, ms);
}

/* Read the daemon's stderr until needle has appeared n times (1) or it closes (0). */
int
gw_expect_n(struct gw *g, const char *needle, int times, int ms)
{
	struct pollfd pfd;
	ssize_t n;

	for (;;) {
		if (count(g->log, needle) >= times)
			return 1;
		pfd.fd = g->err;
		pfd.events = POLLIN;
		if (g->err < 0 || poll(&pfd, 1, ms) <= 0)
			return 0;
		n = read(g->err, g->log + g->loglen, sizeof g->log - 1 - g->loglen);
		if (n <= 0) {
			close(g->err);
			g->err = -1;
			return count(g->log, needle) >= times;
		}
		g->loglen += (size_t)n;
		g->log[g->loglen] = '\0';
	}
}

/* Wait for the daemon to exit; its exit status, 128+signal, or -1 if it hangs. */
int
gw_wait(struct gw *g)
{
	int st;

	while (g->err >= 0 && gw_expect(g, "\1never\1", HANG_MS))
		;
	if (g->err >= 0) {
		kill(g->pid, SIGKILL);
		waitpid(g->pid, &st, 0);
		close(g->err);
		g->err = -1;
		return -1;
	}
	if (waitpid(g->pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
gw_start(struct gw *g, int port, const char *const *args)
{
	char portarg[16], want[40];
	const char *argv[32];
	int n = 0;

	snprintf(portarg, sizeof portarg, "%d", port);
	argv[n++] = "--port";
	argv[n++] = portarg;
	/* the timers a test does not set (a later option wins) are a day: a slow machine must not put a
	   tick or an idle ping where a test reads an answer */
	if (!gateway_minimal) {
		argv[n++] = "--tick-ms";    /* the application's tick: the minimal build has none */
		argv[n++] = "86400000";
	}
	argv[n++] = "--idle-ms";
	argv[n++] = "86400000";
	while (args && *args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (gw_spawn(g, gateway_path, NULL, -1, argv) < 0)
		return 0;
	g->port = port;
	snprintf(want, sizeof want, "(pid %ld); ", (long)g->pid);
	return gw_expect(g, want, HANG_MS);
}

/* a copy of the daemon that any user may run, wherever the checkout lives: its path ("" if none) */
static char public_dir[64], public_path[96];

const char *
gw_public_copy(void)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	snprintf(public_dir, sizeof public_dir, "/tmp/gateway-test-XXXXXX");
	public_path[0] = '\0';
	if (mkdtemp(public_dir) == NULL || chmod(public_dir, 0755) < 0)
		return public_path;
	snprintf(public_path, sizeof public_path, "%s/gateway", public_dir);
	in = open(gateway_path, O_RDONLY);
	out = open(public_path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		send_all(out, buf, (size_t)n);
	close(in);
	close(out);
	return public_path;
}

void
gw_public_remove(void)
{
	unlink(public_path);
	rmdir(public_dir);
}

int
gw_stop(struct gw *g)
{
	kill(g->pid, SIGTERM);
	return gw_wait(g);
}

/* sockets */

int
tcp_connect(int port)
{
	struct sockaddr_in sin;
	int fd, on = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(0x7f000001);    /* 127.0.0.1 */
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	return fd;
}

int
send_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* one read, after at most ms of waiting: bytes, 0 at end of stream, -1 on timeout or error */
ssize_t
read_some(int fd, void *p, size_t n, int ms)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	return read(fd, p, n);
}

int
read_exact(int fd, void *p, size_t n, int ms)
{
	char *s = p;
	ssize_t r;

	while (n > 0) {
		if ((r = read_some(fd, s, n, ms)) <= 0)
			return -1;
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

/* read to end of stream; bytes read, -1 if the stream does not end */
long
read_all(int fd, char *p, size_t cap, int ms)
{
	size_t n = 0;
	ssize_t r;
	char sink[4096];

	for (;;) {
		if (n + 1 < cap)
			r = read_some(fd, p + n, cap - 1 - n, ms);
		else
			r = read_some(fd, sink, sizeof sink, ms);
		if (r < 0)
			return errno == ECONNRESET ? (long)n : -1;
		if (r == 0)
			break;
		if (n + 1 < cap)
			n += (size_t)r;
	}
	p[n] = '\0';
	return (long)n;
}

/* Send a raw request, read the response to its end; the status code or -1. */
int
http_request(int port, const char *req, size_t len, char *resp, size_t cap)
{
	int fd, status = -1;

	resp[0] = '\0';
	if ((fd = tcp_connect(port)) < 0)
		return -1;
	if (send_all(fd, req, len) == 0 && read_all(fd, resp, cap, HANG_MS) >= 0)
		sscanf(resp, "HTTP/1.1 %d ", &status);
	close(fd);
	return status;
}

int
http_get(int port, const char *req, char *resp, size_t cap)
{
	return http_request(port, req, strlen(req), resp, cap);
}

/* WebSocket client */

int
ws_open_extra(int port, const char *extra, size_t extralen)
{
	static const char req[] =
	    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
	char head[1024], buf[2048];
	size_t n = 0;
	int fd;

	if ((fd = tcp_connect(port)) < 0)
		return -1;
	memcpy(buf, req, sizeof req - 1);
	memcpy(buf + sizeof req - 1, extra, extralen);
	send_all(fd, buf, sizeof req - 1 + extralen);
	/* a byte at a time, so no frame after the head is taken */
	while (n < sizeof head - 1 && read_some(fd, head + n, 1, HANG_MS) == 1) {
		n++;
		head[n] = '\0';
		if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	if (strncmp(head, "HTTP/1.1 101 ", 13) != 0 ||
	    !strstr(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n")) {
		close(fd);
		return -1;
	}
	return fd;
}

int
ws_open(int port)
{
	return ws_open_extra(port, "", 0);
}

/* A masked client frame; b0 carries FIN, RSV and opcode. */
size_t
ws_frame(unsigned char *out, int b0, const void *payload, size_t n)
{
	static const unsigned char key[4] = { 0x8a, 0x01, 0x5c, 0xe3 };
	size_t h = 0, i;

	out[h++] = (unsigned char)b0;
	if (n < 126)
		out[h++] = (unsigned char)(0x80 | n);
	else if (n < 65536) {
		out[h++] = 0x80 | 126;
		out[h++] = (unsigned char)(n >> 8);
		out[h++] = (unsigned char)n;
	} else {
		out[h++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			out[h++] = (unsigned char)((unsigned long long)n >> (56 - 8 * i));
	}
	memcpy(out + h, key, 4);
	h += 4;
	for (i = 0; i < n; i++)
		out[h + i] = ((const unsigned char *)payload)[i] ^ key[i & 3];
	return h + n;
}

/* Send a frame; chop > 0 writes it in pieces of that many bytes. */
int
ws_send_frame(int fd, int b0, const void *payload, size_t n, size_t chop)
{
	unsigned char *f = malloc(n + 14);
	size_t len = ws_frame(f, b0, payload, n), off;
	int r = 0;

	if (chop == 0)
		chop = len;
	for (off = 0; off < len && r == 0; off += chop)
		r = send_all(fd, f + off, len - off < chop ? len - off : chop);
	free(f);
	return r;
}

/* Read one server frame; its opcode (FIN and RSV must be clear, no mask), or -1. */
int
ws_recv(int fd, unsigned char **payload, size_t *n)
{
	unsigned char h[10];
	unsigned long long len;
	int i, hl;

	*payload = NULL;
	*n = 0;
	if (read_exact(fd, h, 2, HANG_MS) < 0)
		return -1;
	if ((h[0] & 0xf0) != 0x80 || (h[1] & 0x80))
		return -2;                      /* not FIN, RSV set, or masked: a bad server frame */
	len = h[1] & 0x7f;
	hl = len == 126 ? 2 : len == 127 ? 8 : 0;
	if (hl && read_exact(fd, h + 2, (size_t)hl, HANG_MS) < 0)
		return -1;
	if (hl == 2)
		len = (unsigned long long)h[2] << 8 | h[3];
	else if (hl == 8)
		for (len = 0, i = 2; i < 10; i++)
			len = len << 8 | h[i];
	if ((hl == 2 && len < 126) || (hl == 8 && len < 65536))
		return -3;                      /* not the shortest encoding */
	*payload = malloc((size_t)len + 1);
	*n = (size_t)len;
	if (read_exact(fd, *payload, (size_t)len, HANG_MS) < 0) {
		free(*payload);
		*payload = NULL;
		return -1;
	}
	(*payload)[len] = '\0';
	return h[0] & 0x0f;
}

/* The next frame is this one: opcode and payload. */
int
expect_frame(int fd, int op, const void *p, size_t n)
{
	unsigned char *got;
	size_t len;
	int gop, ok;

	gop = ws_recv(fd, &got, &len);
	ok = gop == op && len == n && (n == 0 || memcmp(got, p, n) == 0);
	free(got);
	return ok;
}

/*
 * The next frame is a close with this code (0: empty close), and after our
 * reply the server ends the TCP stream. Returns 1 if so.
 */
int
expect_close(int fd, int code)
{
	unsigned char *got, reply[2];
	size_t len;
	int op, ok;
	char rest[64];

	op = ws_recv(fd, &got, &len);
	ok = op == WS_CLOSE && (code == 0 ? len == 0 : len >= 2 && (got[0] << 8 | got[1]) == code);
	if (!ok)
		fprintf(stdout, "  (got opcode %d, %zu bytes, code %d)\n", op, len,
		    got && len >= 2 ? got[0] << 8 | got[1] : -1);
	free(got);
	reply[0] = (unsigned char)(code >> 8);
	reply[1] = (unsigned char)code;
	ws_send_frame(fd, 0x88, reply, code ? 2 : 0, 0);
	return ok && read_all(fd, rest, sizeof rest, HANG_MS) == 0;
}

/* we close: close 1000 out, the same back, then the server ends the stream */
int
close_clean(int fd)
{
	char rest[16];

	ws_send_frame(fd, 0x80 | WS_CLOSE, "\x03\xe8", 2, 0);
	return expect_frame(fd, WS_CLOSE, "\x03\xe8", 2) && read_all(fd, rest, sizeof rest, HANG_MS) == 0;
}

/*
 * Wait until the daemon has read everything sent on fd: its socket's
 * receive queue, as /proc/net/tcp lists it, is empty. No frame or line
 * says so, so the kernel's count is the event. 0 where it cannot be seen.
 */
int
wait_read(int fd)
{
	struct sockaddr_in us, them;
	socklen_t ul = sizeof us, tl = sizeof them;
	unsigned lport, rport, rx;
	long long deadline;
	char line[256];
	int seen;
	FILE *f;

	if (getsockname(fd, (struct sockaddr *)&us, &ul) < 0 || getpeername(fd, (struct sockaddr *)&them, &tl) < 0)
		return 0;
	for (deadline = 0; deadline < HANG_MS; deadline++) {       /* checked each millisecond, up to HANG_MS */
		if ((f = fopen("/proc/net/tcp", "r")) == NULL)
			return 0;
		for (seen = 0; fgets(line, sizeof line, f);)
			if (sscanf(line, "%*d: %*x:%x %*x:%x %*x %*x:%x", &lport, &rport, &rx) == 3 &&
			    lport == ntohs(them.sin_port) && rport == ntohs(us.sin_port)) {
				seen = 1;
				break;
			}
		fclose(f);
		if (!seen || rx == 0)
			return seen;
		poll(NULL, 0, 1);
	}
	return 0;
}

/* a figure of the daemon's memory in KiB ("VmRSS", "VmHWM") from /proc (Linux); -1 where it cannot be read */
long
proc_kib(pid_t pid, const char *field)
{
	char path[64], line[128];
	long kib = -1;
	size_t n = strlen(field);
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0 && line[n] == ':' && sscanf(line + n + 1, "%ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}
