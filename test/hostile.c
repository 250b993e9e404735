/*
 * What a hostile neighbour or web page tries: each case is an attack found
 * against an earlier build, and the answer the daemon must give now.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

static char resp[65536];

static const char upgrade[] =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/* close with a reset, not a FIN: the daemon's next write to it fails */
static void
reset(int fd)
{
	struct linger l;

	l.l_onoff = 1;
	l.l_linger = 0;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

/* Bug: a client whose 101 could not be written was marked dead, then served as open. */
static void
dead_stays_dead(void)
{
	struct gw g;
	const char *args[] = { "--echo", "--verbose", NULL };
	int port = free_port(), fd;

	check(gw_start(&g, port, args), "echo gateway starts");
	/* stopped, the daemon reads the upgrade only after the reset has arrived */
	kill(g.pid, SIGSTOP);
	fd = tcp_connect(port);
	send_all(fd, upgrade, strlen(upgrade));
	reset(fd);
	kill(g.pid, SIGCONT);
	check(gw_expect(&g, ": closed (", HANG_MS), "the reset client is dropped: %s", g.log);
	check(http_get(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200 &&
	    gw_expect(&g, "closed (end of stream)", HANG_MS), "and the next client is served");
	check(strstr(g.log, "WebSocket open") == NULL, "a dropped connection never becomes a WebSocket: %s", g.log);
	check(gw_stop(&g) == 0, "stops");
}

/* a protocol WebSocket with its challenge read */
static int
challenged(int port)
{
	unsigned char *p = NULL;
	size_t n;
	int fd = ws_open(port);

	check(fd >= 0 && ws_recv(fd, &p, &n) == WS_TEXT, "the challenge comes");
	free(p);
	return fd;
}

/* Bug: before connect the limit was 64 KiB even when --max-payload is smaller. */
static void
small_max_payload(void)
{
	struct gw g;
	const char *args[] = { "--max-payload", "100", NULL };
	unsigned char big[61440];
	int port = free_port(), fd;

	memset(big, ' ', sizeof big);
	check(gw_start(&g, port, args), "protocol gateway with --max-payload 100");
	fd = challenged(port);
	ws_send_frame(fd, 0x80 | WS_TEXT, big, sizeof big, 0);
	check(expect_close(fd, 1009), "before connect, a 60 KiB frame over --max-payload 100: close 1009");
	close(fd);
	/* two fragments of 60 bytes: the message is over the limit, not either frame */
	fd = challenged(port);
	ws_send_frame(fd, WS_TEXT, big, 60, 0);
	ws_send_frame(fd, 0x80 | WS_CONT, big, 60, 0);
	check(expect_close(fd, 1009), "a fragmented message over --max-payload: close 1009");
	close(fd);
	check(gw_stop(&g) == 0, "stops");
}

/*
 * Bug: a drain that ended with two greeted clients still connected freed them
 * in order while the table still held the freed ones; the next one's leave
 * broadcast presence through them (a use-after-free only ASan and valgrind see).
 */
static void
drain_with_clients(void)
{
	struct gw g;
	const char *args[] = { "--drain-ms", "300", NULL };
	static const char connect[] = "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":"
	    "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\","
	    "\"platform\":\"t\",\"mode\":\"cli\"}}}";
	unsigned char *p = NULL, reply[2] = { 1012 >> 8, 1012 & 0xff };
	size_t n;
	int port = free_port(), fd[2], i, op;

	check(gw_start(&g, port, args), "protocol gateway with --drain-ms 300");
	for (i = 0; i < 2; i++) {
		fd[i] = challenged(port);
		ws_send_frame(fd[i], 0x80 | WS_TEXT, connect, strlen(connect), 0);
		check(ws_recv(fd[i], &p, &n) == WS_TEXT && strstr((char *)p, "hello-ok"), "client %d greeted", i);
		free(p);
	}
	kill(g.pid, SIGTERM);
	for (i = 0; i < 2; i++) {
		while ((op = ws_recv(fd[i], &p, &n)) == WS_TEXT)
			free(p);                /* presence, shutdown */
		check(op == WS_CLOSE && n >= 2 && (p[0] << 8 | p[1]) == 1012, "client %d hears 1012", i);
		free(p);
	}
	/* one answers the close and keeps its socket open, the other stays silent */
	ws_send_frame(fd[0], 0x88, reply, 2, 0);
	check(gw_wait(&g) == 0, "the drain ends with both still connected: exit 0, clean under ASan and valgrind");
	close(fd[0]);
	close(fd[1]);
}

/* Signals that once killed the daemon without a word are ignored (SIGHUP rereads the token file). */
static void
stray_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGUSR1, SIGUSR2, SIGALRM };
	struct gw g;
	int port = free_port(), fd, i;

	check(gw_start(&g, port, NULL), "protocol gateway");
	fd = challenged(port);
	for (i = 0; i < 4; i++) {
		kill(g.pid, sigs[i]);
		check(http_get(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200,
		    "signal %d is ignored: still serving", sigs[i]);
	}
	kill(g.pid, SIGTERM);
	check(expect_close(fd, 1012) && gw_wait(&g) == 0, "and SIGTERM still shuts down cleanly");
	close(fd);
}

/*
 * Bug: a reader of stderr that stalls froze the whole daemon in write(2).
 * The note of what was dropped goes out with the first line that fits once
 * the log is read again: so everything read from then on is searched, up
 * to the daemon's exit, never a slice of it.
 */
static void
stalled_log(void)
{
	enum { CAP = 1 << 20 };
	struct gw g;
	const char *args[] = { "--verbose", NULL };
	char *log = malloc(CAP);
	size_t len = 0;
	ssize_t n;
	int port = free_port(), i, ok = 1, termed = 0;

	check(gw_start(&g, port, args), "gateway with --verbose");
	/* nobody reads its stderr now: two lines a request fill a 64 KiB pipe long before the end */
	for (i = 0; i < 1500 && ok; i++)
		ok = http_get(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200;
	check(ok, "1500 requests are served while nobody reads the log (stopped at %d)", i);
	/* read the log to its end: SIGTERM once the pipe is empty, so its line has room */
	for (;;) {
		n = read_some(g.err, log + len, CAP - 1 - len, termed ? HANG_MS : 0);
		if (n > 0) {
			len += (size_t)n;
			log[len] = '\0';
		} else if (!termed) {
			kill(g.pid, SIGTERM);
			termed = 1;
		} else
			break;                  /* its end (or a hang) */
	}
	check(strstr(log, " log lines dropped\n") && strstr(log, "received SIGTERM"),
	    "once the log is read again, a line says how many were dropped: %.300s", log);
	check(gw_wait(&g) == 0, "stops");
	free(log);
}

/* the status of an upgrade with these extra header lines */
static int
upgrade_with(int port, const char *host, const char *extra)
{
	char req[1024];
	size_t got = 0;
	ssize_t n;
	int fd, status = -1;

	resp[0] = '\0';
	snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\n%sUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", host, extra);
	if ((fd = tcp_connect(port)) < 0 || send_all(fd, req, strlen(req)) < 0)
		return -1;
	/* the head only: after a 101 the socket stays open */
	while (!strstr(resp, "\r\n\r\n") && (n = read_some(fd, resp + got, sizeof resp - 1 - got, HANG_MS)) > 0) {
		got += (size_t)n;
		resp[got] = '\0';
	}
	sscanf(resp, "HTTP/1.1 %d ", &status);
	close(fd);
	return status;
}

/*
 * Bug: any web page the user opened could talk to the daemon (cross-site
 * WebSocket hijacking), and a page on a rebound DNS name could read it.
 */
static void
browsers(void)
{
	struct gw g;
	const char *args[] = { "--echo", "--allow-origin", "http://evil.example:20211", NULL };
	const char *bad_origin[] = { "Origin: http://evil.example\r\n", "Origin: null\r\n",
	    "Origin: http://127.0.0.1\r\n", "Origin: https://127.0.0.1:%d\r\n", "Origin: http://127.0.0.1:1\r\n",
	    "Origin: http://127.0.0.1:%d.evil.example\r\n", "Origin: http://evil.example:20211/\r\n" };
	const char *good_origin[] = { "", "Origin: http://127.0.0.1:%d\r\n", "Origin: http://localhost:%d\r\n",
	    "Origin: http://[::1]:%d\r\n", "Origin: HTTP://LOCALHOST:%d\r\n", "Origin: http://evil.example:20211\r\n" };
	const char *bad_host[] = { "evil.example", "evil.example:%d", "127.0.0.2", "127.0.0.1:0", "localhost.evil",
	    "[::1]x", "127.0.0.1:%d0", "127.0.0.1:0%d" };
	/* any port: ssh -L 18790:127.0.0.1:PORT forwards Host: 127.0.0.1:18790 */
	const char *good_host[] = { "127.0.0.1", "127.0.0.1:%d", "localhost", "LOCALHOST:%d", "[::1]", "[::1]:%d",
	    "127.0.0.1:1", "localhost:65535" };
	const char *paths[] = { "/healthz", "/readyz", "/", "/nope" };
	char line[128], req[256], host[32];
	int port = free_port(), st;
	size_t i, k;

	check(gw_start(&g, port, args), "echo gateway with --allow-origin");
	snprintf(host, sizeof host, "127.0.0.1:%d", port);     /* as a browser sends it */
	for (i = 0; i < sizeof bad_origin / sizeof bad_origin[0]; i++) {
		snprintf(line, sizeof line, bad_origin[i], port);
		st = upgrade_with(port, host, line);
		check(st == 403 && strstr(resp, "origin not allowed"), "upgrade with %.*s: 403, no upgrade (%d)",
		    (int)strlen(line) - 2, line, st);
	}
	for (i = 0; i < sizeof good_origin / sizeof good_origin[0]; i++) {
		snprintf(line, sizeof line, good_origin[i], port);
		st = upgrade_with(port, host, line);
		check(st == 101, "upgrade with %s: 101 (%d)", line[0] ? line : "no Origin", st);
	}
	/* a page served through a tunnel from another port: its own origin is the Host it came by */
	check(upgrade_with(port, "127.0.0.1:18790", "Origin: http://127.0.0.1:18790\r\n") == 101,
	    "upgrade from the page's own origin at a tunnel's port (Host 127.0.0.1:18790): 101");
	check(upgrade_with(port, "127.0.0.1:18790", "Origin: http://127.0.0.1:18791\r\n") == 403,
	    "upgrade from another port's page through that tunnel: 403");
	for (i = 0; i < sizeof bad_host / sizeof bad_host[0]; i++)
		for (k = 0; k < sizeof paths / sizeof paths[0]; k++) {
			snprintf(line, sizeof line, bad_host[i], port);
			snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", paths[k], line);
			st = http_get(port, req, resp, sizeof resp);
			check(st == 421, "Host: %s on %s: 421 (%d)", line, paths[k], st);
		}
	check(upgrade_with(port, "evil.example", "") == 421, "Host: evil.example on an upgrade: 421, no upgrade");
	for (i = 0; i < sizeof good_host / sizeof good_host[0]; i++) {
		snprintf(line, sizeof line, good_host[i], port);
		snprintf(req, sizeof req, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", line);
		st = http_get(port, req, resp, sizeof resp);
		check(st == 200, "Host: %s: 200 (%d)", line, st);
	}
	check(gw_stop(&g) == 0, "stops");
	args[2] = "http://evil.example/path";
	gw_start(&g, port, args);
	check(gw_wait(&g) == EXIT_USAGE && strstr(g.log, "invalid --allow-origin"), "--allow-origin with a path: 64");
}

/* the numbers in every "warning: <verb> N ..." line of the log, summed */
static int
logged_count(const char *log, const char *verb)
{
	char needle[64];
	const char *p = log;
	int n, sum = 0;

	snprintf(needle, sizeof needle, "warning: %s ", verb);
	while ((p = strstr(p, needle)) != NULL) {
		p += strlen(needle);
		if (sscanf(p, "%d", &n) == 1)
			sum += n;
	}
	return sum;
}

/*
 * Bug: memory had no global bound. Clients that park fragmented messages
 * just under the limit, and echo clients that never read, took the daemon
 * to gigabytes. Now the buffers of all clients together stay within
 * --max-memory, whoever is closed to keep them there, and the others go on.
 */
static void
memory_budget(void)
{
	enum { PARKERS = 8, FLOODERS = 4, BUDGET_MIB = 32 };
	struct gw g;
	const char *args[] = { "--echo", "--max-memory", "33554432", NULL };
	unsigned char *big = calloc(1, 12u << 20);
	int port = free_port(), fd[PARKERS + FLOODERS], i;
	long peak;

	check(gw_start(&g, port, args), "echo gateway with --max-memory 32 MiB");
	/* each parks 12 MiB of a message that never ends (no FIN) */
	for (i = 0; i < PARKERS; i++) {
		fd[i] = ws_open(port);
		ws_send_frame(fd[i], WS_BINARY, big, 12u << 20, 0);
	}
	/* each sends a whole 12 MiB message to echo and never reads the echo */
	for (i = PARKERS; i < PARKERS + FLOODERS; i++) {
		fd[i] = ws_open(port);
		ws_send_frame(fd[i], 0x80 | WS_BINARY, big, 12u << 20, 0);
	}
	i = ws_open(port);
	ws_send_frame(i, 0x80 | WS_TEXT, "still here", 10, 0);
	check(expect_frame(i, WS_TEXT, "still here", 10), "a new client is served beside 12 hogs of 12 MiB");
	close(i);
	peak = proc_kib(g.pid, "VmHWM");
	if (getenv("GATEWAY_UNDER_VALGRIND") || getenv("GATEWAY_SANITIZED") || getenv("GATEWAY_EMULATED") || peak < 0)
		printf("skipped: peak RSS, which a checker, an emulator or a system without /proc does not show truly\n");
	else {
		printf("peak RSS under the memory attack: %ld KiB (budget %d MiB)\n", peak, BUDGET_MIB);
		check(peak < (BUDGET_MIB + 16) * 1024, "peak RSS %ld KiB stays under the 32 MiB budget + 16 MiB", peak);
	}
	for (i = 0; i < PARKERS + FLOODERS; i++)
		close(fd[i]);
	check(gw_stop(&g) == 0, "stops");
	check(logged_count(g.log, "closed") + logged_count(g.log, "dropped") > 0,
	    "the hogs that did not fit were closed, each counted in the log: %s", g.log);
	free(big);
}

/*
 * Bug: four sessions parking an unfinished 16 MiB - 1 fragment filled the
 * 64 MiB budget for as long as they answered pings, and every legitimate
 * client that needed a buffer was closed: a frame in two TCP segments
 * (1008), a 100 KB message (1009), a /healthz head in two segments
 * (dropped). Now the largest holder makes room. Scaled down (4 parkers of
 * 1 MiB - 1 against 4 MiB) so checkers stay quick: the parkers park again
 * whenever they are closed, each request is made once they hold the whole
 * budget again, and 100 of 100 of each kind succeed, each after a parker
 * made room.
 */
enum { SHARE_PARKERS = 4, SHARE_FRAG = (1 << 20) - 1, SHARE_TRIES = 100 };

/* a session of this test's user (the daemon's: no token needed), past hello-ok; -1 if not */
static int
session(int port)
{
	static const char req[] = "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"t\",\"mode\":\"cli\"}}}";
	unsigned char *p = NULL;
	size_t n;
	int fd = ws_open(port), ok;

	if (fd < 0)
		return -1;
	ok = ws_recv(fd, &p, &n) == WS_TEXT;
	free(p);
	p = NULL;
	ok = ok && ws_send_frame(fd, 0x80 | WS_TEXT, req, strlen(req), 0) == 0 && ws_recv(fd, &p, &n) == WS_TEXT &&
	    strstr((char *)p, "hello-ok");
	free(p);
	if (!ok)
		close(fd);
	return ok ? fd : -1;
}

/* an unfinished fragment, then a ping: its pong says the daemon holds all of it. 1 if parked */
static int
park(int fd, const unsigned char *frag)
{
	unsigned char *p = NULL;
	size_t n;
	int op;

	if (ws_send_frame(fd, WS_TEXT, frag, SHARE_FRAG, 0) < 0 || ws_send_frame(fd, 0x80 | WS_PING, "p", 1, 0) < 0)
		return 0;
	while ((op = ws_recv(fd, &p, &n)) == WS_TEXT)
		free(p);                        /* an event */
	free(p);
	return op == WS_PONG;
}

/*
 * Has the daemon closed this parker? Its close frame says so before the
 * end of the stream does: ready must not be said while one is going.
 * (Its other frames are events, short: a two-byte header each.) 2 for a
 * close frame, 1 for an end without one, 0 if still parked.
 */
static int
closed_by_peer(int fd, unsigned char *b, size_t cap)
{
	ssize_t n = read(fd, b, cap), off;

	for (off = 0; off + 1 < n; off += 2 + (b[off + 1] & 0x7f))
		if ((b[off] & 0x0f) == WS_CLOSE || (b[off + 1] & 0x7f) > 125)
			return 1 + ((b[off] & 0x0f) == WS_CLOSE);
	return n <= 0;
}

/*
 * The parkers, until ctl closes: "r" on ready once all are parked, and
 * again each time "?" asks; at the end, how many close frames they heard.
 */
static void
parkers(int port, int ctl, int ready)
{
	struct pollfd pf[SHARE_PARKERS + 1];
	unsigned char *frag = malloc(SHARE_FRAG), b[256];
	int i, asked = 1, gone, closes = 0;
	char q;

	memset(frag, 'p', SHARE_FRAG);
	for (i = 0; i < SHARE_PARKERS; i++)
		pf[i].fd = -1;
	pf[SHARE_PARKERS].fd = ctl;
	pf[SHARE_PARKERS].events = POLLIN;
	for (;;) {
		for (i = 0; i < SHARE_PARKERS; i++)
			while (pf[i].fd < 0) {
				if ((pf[i].fd = session(port)) >= 0 && !park(pf[i].fd, frag)) {
					close(pf[i].fd);
					pf[i].fd = -1;
				}
				pf[i].events = POLLIN;
			}
		if (asked)
			asked = write(ready, "r", 1) != 1;
		if (poll(pf, SHARE_PARKERS + 1, -1) < 0)
			_exit(4);
		if (pf[SHARE_PARKERS].revents) {
			if (read(ctl, &q, 1) != 1)
				_exit(write(ready, &closes, sizeof closes) != sizeof closes);
			asked = 1;
		}
		for (i = 0; i < SHARE_PARKERS; i++)
			if (pf[i].revents && (gone = closed_by_peer(pf[i].fd, b, sizeof b)) != 0) {
				closes += gone == 2;
				close(pf[i].fd);        /* made room (close 1009): park again before saying ready */
				pf[i].fd = -1;
			}
	}
}

/* one legitimate request of this kind, made while the budget is full; 1 if it succeeded */
static int
share_try(int port, int kind, int fd)
{
	static const char health[] = "{\"type\":\"req\",\"id\":\"h\",\"method\":\"health\"}";
	static const char get[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	static char big[100000];
	unsigned char frame[100016], *p = NULL;
	size_t n, len;
	int ok = 0, h;

	if (kind == 2) {                        /* the head in two segments, read apart */
		if ((h = tcp_connect(port)) < 0)
			return 0;
		send_all(h, get, 20);
		wait_read(h);
		send_all(h, get + 20, strlen(get) - 20);
		ok = read_all(h, (char *)frame, sizeof frame, HANG_MS) > 0 && strncmp((char *)frame, "HTTP/1.1 200", 12) == 0;
		close(h);
		return ok;
	}
	if (kind == 0) {                        /* a frame in two segments, cut inside its header */
		len = ws_frame(frame, 0x80 | WS_TEXT, health, strlen(health));
		send_all(fd, frame, 3);
		wait_read(fd);
		send_all(fd, frame + 3, len - 3);
	} else {                                /* a 100 KB message: more than one read */
		memset(big, 'x', sizeof big);
		n = (size_t)snprintf(big, sizeof big, "{\"type\":\"req\",\"id\":\"h\",\"method\":\"health\",\"params\":{\"pad\":\"");
		big[n] = 'x';                   /* snprintf's NUL, inside the string */
		memcpy(big + sizeof big - 3, "\"}}", 3);
		len = ws_frame(frame, 0x80 | WS_TEXT, big, sizeof big);
		send_all(fd, frame, len);
	}
	ok = ws_recv(fd, &p, &n) == WS_TEXT && strstr((char *)p, "\"id\":\"h\",\"ok\":true");
	free(p);
	return ok;
}

static void
memory_shares(void)
{
	static const char *const kinds[] = { "a frame in two segments", "a 100 KB message", "a /healthz head in two segments" };
	struct gw g;
	const char *args[] = { "--max-memory", "4194304", "--max-payload", "1048576", NULL };
	int port = free_port(), ctl[2], ready[2], fd, kind, i, ok[3] = { 0, 0, 0 }, st, closes;
	pid_t pid;
	char b;

	check(gw_start(&g, port, args), "protocol gateway with --max-memory 4 MiB, --max-payload 1 MiB");
	if (pipe(ctl) < 0 || pipe(ready) < 0)
		return;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(ctl[1]);
		close(ready[0]);
		parkers(port, ctl[0], ready[1]);
	}
	close(ctl[0]);
	close(ready[1]);
	check(read_some(ready[0], &b, 1, HANG_MS) == 1, "four sessions park unfinished fragments of 1 MiB - 1");
	fd = session(port);
	for (kind = 0; kind < 3; kind++)
		for (i = 0; i < SHARE_TRIES; i++) {
			if (write(ctl[1], "?", 1) != 1 || read_some(ready[0], &b, 1, HANG_MS) != 1)
				break;                  /* they hold the whole budget again */
			ok[kind] += share_try(port, kind, fd);
		}
	close(ctl[1]);
	if (read_exact(ready[0], &closes, sizeof closes, HANG_MS) < 0)
		closes = -1;
	waitpid(pid, &st, 0);
	close(ready[0]);
	close(fd);
	check(gw_stop(&g) == 0, "stops");
	for (kind = 0; kind < 3; kind++)
		check(ok[kind] == SHARE_TRIES, "with the budget held by parkers, %s: %d of %d succeed", kinds[kind],
		    ok[kind], SHARE_TRIES);
	printf("memory shares: %d, %d and %d of %d succeeded; parkers closed to make room: %d\n", ok[0], ok[1], ok[2],
	    SHARE_TRIES, closes);
	check(closes >= 3 * SHARE_TRIES, "each try made room from a parker: the parkers heard %d closes", closes);
	check(logged_count(g.log, "closed") > 0, "and the log counts them (%.300s)", g.log);
}

/* a client listed in presence (a CLI is not), named */
static const char connect_listed[] = "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":"
    "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"test\",\"displayName\":\"%s\",\"version\":\"1\","
    "\"platform\":\"t\",\"mode\":\"test\"}}}";

/*
 * Bug: every join sent the whole presence list to every client, so joins
 * cost clients x list. Joins within one loop turn now make one broadcast
 * (and there is at most one a second): ten clients that join while the
 * daemon is stopped reach an observer as one presence event.
 */
static void
presence_coalesced(void)
{
	enum { JOINERS = 10 };
	struct gw g;
	unsigned char buf[2048], *p = NULL;
	char text[512], id[16];
	size_t n, len;
	int port = free_port(), observer, fd[JOINERS], i, all;

	check(gw_start(&g, port, NULL), "protocol gateway");
	observer = challenged(port);
	snprintf(text, sizeof text, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"t\",\"mode\":\"cli\"},"
	    "\"scopes\":[\"operator.read\"]}}");         /* presence is for operators with read */
	ws_send_frame(observer, 0x80 | WS_TEXT, text, strlen(text), 0);
	check(ws_recv(observer, &p, &n) == WS_TEXT && strstr((char *)p, "hello-ok"), "the observer is greeted");
	free(p);
	kill(g.pid, SIGSTOP);
	for (i = 0; i < JOINERS; i++) {
		snprintf(id, sizeof id, "joiner-%d", i);
		snprintf(text, sizeof text, connect_listed, id);
		len = strlen(upgrade);
		memcpy(buf, upgrade, len);
		len += ws_frame(buf + len, 0x80 | WS_TEXT, text, strlen(text));
		fd[i] = tcp_connect(port);
		send_all(fd[i], buf, len);      /* the head and connect in one write: read in one turn */
	}
	kill(g.pid, SIGCONT);
	for (i = 0; i < JOINERS; i++) {
		read_some(fd[i], buf, 129, HANG_MS);    /* the 101 */
		while (ws_recv(fd[i], &p, &n) == WS_TEXT && !strstr((char *)p, "hello-ok"))
			free(p);
		free(p);
	}
	while (ws_recv(observer, &p, &n) == WS_TEXT && !strstr((char *)p, "\"event\":\"presence\""))
		free(p);
	for (all = p != NULL, i = 0; i < JOINERS && all; i++) {
		snprintf(id, sizeof id, "\"joiner-%d\"", i);
		all = strstr((char *)p, id) != NULL;
	}
	check(all, "ten joins in one turn reach the observer as one presence event listing all ten: %.200s",
	    p ? (char *)p : "(none)");
	free(p);
	for (i = 0; i < JOINERS; i++)
		close(fd[i]);
	close(observer);
	check(gw_stop(&g) == 0, "stops");
}

/*
 * The floods. What they check is what the daemon decided, never how fast:
 * every legitimate attempt gets in once its turn comes (each step waited
 * for by event, HANG_MS only guards against a hang), every probe is
 * answered, and the slots that went were the flooder's (its own close 1013
 * frames, and the daemon's count of evictions in its log). The flooder
 * keeps at most FLOOD_SPARE sockets beyond the slots it holds, fewer than
 * the kernel's backlog, so a legitimate connect is always queued, however
 * slow the daemon is. (make bench runs the flood that fills the backlog,
 * and measures what share gets through in time.)
 */
enum { FLOOD_PREAUTH, FLOOD_SESSIONS, FLOOD_ECHO, FLOOD_SPARE = 64, FLOOD_MAX = PREAUTH_MAX + FLOOD_SPARE };
static const char evicted_close[] = "\x88\x11\x03\xf5try again later";    /* close 1013, as an eviction sends it */
static const char connect_flood[] = "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":"
    "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"test\",\"displayName\":\"flood\",\"version\":\"1\","
    "\"platform\":\"t\",\"mode\":\"test\"},\"auth\":{\"token\":\"flood-token\"}}}";

/* does p[0..n) contain s? (frames may hold NUL bytes, so not strstr) */
static int
contains(const char *p, size_t n, const char *s)
{
	size_t i, k = strlen(s);

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

/*
 * The flooder: it keeps n connections, each upgraded and then (by mode)
 * left before connect, taken past connect, or echoing, and reopens every
 * one the daemon drops, refuses or evicts, at once, until ctl closes. It
 * writes "r" to ready once `target` of them hold a slot at the same time,
 * and again each time a "?" on ctl asks; at the end, the close 1013 frames
 * of evictions it read, as a number. It is a tool of the test, so it exits
 * on any error.
 */
static void
flooder(int port, int n, int mode, int target, int ctl, int ready)
{
	static const char *const marker[] = { "101 Switching", "hello-ok", "held" };
	static struct pollfd pfd[FLOOD_MAX + 1];
	static char held[FLOOD_MAX], tail[FLOOD_MAX][sizeof evicted_close];
	unsigned char out[1024];
	char text[512], in[65536 + sizeof evicted_close];
	int i, opened, holding = 0, evictions = 0, asked = 1, stop = 0;
	char q;
	size_t len, keep = sizeof evicted_close - 2;
	ssize_t r;

	for (i = 0; i < n; i++)
		pfd[i].fd = -1;
	pfd[n].fd = ctl;
	pfd[n].events = POLLIN;
	for (;;) {
		for (i = 0, opened = 0; i < n && !stop; i++) {
			if (pfd[i].fd >= 0)
				continue;
			opened++;
			len = strlen(upgrade);
			memcpy(out, upgrade, len);
			snprintf(text, sizeof text, connect_flood);
			if (mode == FLOOD_SESSIONS)
				len += ws_frame(out + len, 0x80 | WS_TEXT, text, strlen(text));
			else if (mode == FLOOD_ECHO)
				len += ws_frame(out + len, 0x80 | WS_TEXT, "held", 4);
			if ((pfd[i].fd = tcp_connect(port)) < 0 || send_all(pfd[i].fd, out, len) < 0)
				_exit(3);
			pfd[i].events = POLLIN;
			held[i] = 0;
			memset(tail[i], 0, keep);
		}
		if (asked && holding >= target)
			asked = write(ready, "r", 1) != 1;
		if (poll(pfd, (nfds_t)n + 1, stop || opened ? 0 : -1) < 0)
			_exit(4);
		if (stop && poll(pfd, (nfds_t)n, 0) == 0)
			break;                          /* told to stop, and everything sent to it read */
		if (pfd[n].revents && !stop) {
			if (read(ctl, &q, 1) == 1)
				asked = 1;
			else
				stop = 1;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			memcpy(in, tail[i], keep);      /* a frame may straddle two reads */
			if ((r = read(pfd[i].fd, in + keep, sizeof in - keep - 1)) <= 0) {
				close(pfd[i].fd);       /* dropped, refused or evicted: again */
				pfd[i].fd = -1;
				holding -= held[i];
				continue;
			}
			evictions += contains(in, keep + (size_t)r, evicted_close);
			memcpy(tail[i], in + r, keep);
			if (!held[i] && contains(in + keep, (size_t)r, marker[mode])) {
				held[i] = 1;
				holding++;
			}
		}
	}
	snprintf(text, sizeof text, "%d\n", evictions);
	_exit(write(ready, text, strlen(text)) > 0 ? 0 : 5);
}

/* a legitimate client's whole attempt; 1 if it got through */
static int
legit(int port, int mode, const char *auth)
{
	char text[512];
	unsigned char *p = NULL;
	size_t n;
	int fd = ws_open(port), ok = 0;

	if (fd < 0)
		return 0;
	if (mode == FLOOD_ECHO) {
		ws_send_frame(fd, 0x80 | WS_TEXT, "mine", 4, 0);
		ok = expect_frame(fd, WS_TEXT, "mine", 4);
	} else if (ws_recv(fd, &p, &n) == WS_TEXT) {
		free(p);
		p = NULL;
		snprintf(text, sizeof text, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":"
		    "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"displayName\":\"legit\",\"version\":\"1\","
		    "\"platform\":\"t\",\"mode\":\"cli\"}%s}}", auth);
		ws_send_frame(fd, 0x80 | WS_TEXT, text, strlen(text), 0);
		ok = ws_recv(fd, &p, &n) == WS_TEXT && strstr((char *)p, "hello-ok") != NULL;
	}
	free(p);
	close(fd);
	return ok;
}

/*
 * Bug: a local flood locked everyone out. With a token, 1,024 upgraded
 * sockets that never connect (reopened as they are dropped) let 5% of
 * legitimate sessions through; without one, 1,024 sessions or echo
 * WebSockets locked out everyone, /healthz included. Now every legitimate
 * attempt and every /healthz gets through another user's flood, and what
 * made room for them was the flooder's.
 *
 * uid is the flooder's user; -1 is this test's own, as the daemon's: then
 * the flood is paused before each attempt, once it holds every slot again,
 * so the decision is the daemon's alone (the pool is full of the
 * newcomer's own user: its oldest makes room). Under a live flood of the
 * same user, speed decides who wins; make bench measures that.
 */
static void
flood_case(const char *what, int mode, const char *const *args, int uid, int flooders, int target, const char *auth)
{
	enum { ATTEMPTS = 40, PROBES = 20 };
	struct gw g;
	char b, count[16] = "";
	int port = free_port(), ctl[2], ready[2], i, ok = 0, probes = 0, st, seen = -1, evicted;
	pid_t pid;

	check(gw_start(&g, port, args), "%s: gateway starts", what);
	if (pipe(ctl) < 0 || pipe(ready) < 0)
		return;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(ctl[1]);
		close(ready[0]);
		if (uid >= 0 && (setgid((gid_t)uid) < 0 || setuid((uid_t)uid) < 0))
			_exit(2);
		flooder(port, flooders, mode, target, ctl[0], ready[1]);
	}
	close(ctl[0]);
	close(ready[1]);
	check(read_some(ready[0], &b, 1, HANG_MS) == 1, "%s: the flood holds its %d slots", what, target);
	for (i = 0; i < ATTEMPTS + PROBES; i++) {
		if (uid < 0 && i > 0) {         /* again every slot the flooder's, then it stands still */
			check(write(ctl[1], "?", 1) == 1 && read_some(ready[0], &b, 1, HANG_MS) == 1,
			    "%s: the flood holds its %d slots again", what, target);
			kill(pid, SIGSTOP);
		} else if (uid < 0)
			kill(pid, SIGSTOP);
		if (i < ATTEMPTS)
			ok += legit(port, mode, auth);
		else                            /* /healthz and /readyz in turn */
			probes += http_get(port, i % 2 ? "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" :
			    "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200;
		if (uid < 0)
			kill(pid, SIGCONT);
	}
	close(ctl[1]);                          /* stop the flood: it reads what was sent to it, and counts */
	if (read_all(ready[0], count, sizeof count, HANG_MS) > 0)
		sscanf(count, "%d", &seen);
	close(ready[0]);
	waitpid(pid, &st, 0);
	check(gw_stop(&g) == 0, "%s: stops", what);
	evicted = logged_count(g.log, "evicted");
	printf("%s: %d of %d legitimate attempts and %d of %d probes got through; %d evictions, %d heard by the flooder\n",
	    what, ok, ATTEMPTS, probes, PROBES, evicted, seen);
	check(ok == ATTEMPTS, "%s: every legitimate attempt got through (%d of %d)", what, ok, ATTEMPTS);
	check(probes == PROBES, "%s: every /healthz and /readyz answered (%d of %d)", what, probes, PROBES);
	check(evicted >= 1 && seen >= 1 && seen <= evicted, "%s: the flooder's slots made room: %d evicted, "
	    "%d of them heard close 1013 by the flooder (%s)", what, evicted, seen, g.log);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: the flooder ran to the end (%d)", what, st);
}

/* one connect as user uid (this test's: -1), with auth (JSON members); the reply, which the caller frees */
static char *
connect_as_user(int port, int uid, const char *auth)
{
	char text[512], *reply = NULL;
	int fds[2];
	pid_t pid;

	if (pipe(fds) < 0)
		return NULL;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		unsigned char *p = NULL, b[2];
		size_t n;
		int fd, op, refused = 0;

		close(fds[0]);
		if (uid >= 0 && (setgid((gid_t)uid) < 0 || setuid((uid_t)uid) < 0))
			_exit(2);
		if ((fd = ws_open(port)) < 0 || ws_recv(fd, &p, &n) != WS_TEXT)
			_exit(3);
		snprintf(text, sizeof text, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
		    "\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"t\",\"mode\":\"cli\"},"
		    "\"scopes\":[\"operator.admin\"]%s}}", auth);
		ws_send_frame(fd, 0x80 | WS_TEXT, text, strlen(text), 0);
		free(p);
		if (ws_recv(fd, &p, &n) == WS_TEXT) {
			send_all(fds[1], p, n);
			refused = strstr((char *)p, "\"ok\":false") != NULL;
		}
		free(p);
		p = NULL;
		n = 0;
		op = refused ? ws_recv(fd, &p, &n) : 0;         /* a refusal is followed by its close */
		b[0] = (unsigned char)(op == WS_CLOSE && n >= 2 ? '0' + (p[0] << 8 | p[1]) - 1000 : 'o');
		send_all(fds[1], b, 1);
		_exit(0);
	}
	close(fds[1]);
	reply = malloc(65536);
	if (read_all(fds[0], reply, 65536, HANG_MS) < 0)
		reply[0] = '\0';
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return reply;
}

/*
 * Bug: with no token (the default), any local user connected as cli, was
 * granted operator.admin and could invoke commands on every node. Now only
 * the daemon's own user (or root) may connect without a token; the others
 * get the real gateway's token-missing answer and close 1008, counted in
 * the log. And a user who guesses the token is locked out after 10 wrong
 * ones, as the real gateway locks out an address, without locking out
 * anyone else.
 */
static void
strangers(void)
{
	char tokfile[] = "/tmp/gateway-guess-XXXXXX", *r, wrong[64];
	const char *with_token[] = { "--token-file", tokfile, NULL };
	struct gw g;
	int port = free_port(), tf, i;

	if (geteuid() != 0) {
		printf("skipped: another local user, which needs root to run as nobody\n");
		return;
	}
	check(gw_start(&g, port, NULL), "gateway without a token: %s", g.log);
	check(strstr(g.log, "; no token: only user root may connect; approvals are kept in memory only\n") != NULL, "the listening line says who may connect");
	r = connect_as_user(port, 65534, "");
	check(r && strstr(r, "\"message\":\"unauthorized: gateway token missing (use this gateway's gateway.auth.token "
	    "or pair the device)\"") && strstr(r, "\"code\":\"AUTH_TOKEN_MISSING\"") &&
	    strstr(r, "\"recommendedNextStep\":\"update_auth_configuration\"") && r[strlen(r) - 1] == '8',
	    "another local user without a token: token missing, close 1008 (%s)", r ? r : "");
	free(r);
	r = connect_as_user(port, -1, "");
	check(r && strstr(r, "hello-ok") && strstr(r, "\"scopes\":[\"operator.admin\"]"), "the daemon's own user connects");
	free(r);
	check(gw_stop(&g) == 0 && logged_count(g.log, "refused") == 1, "stops; the refusal was counted (%s)", g.log);

	tf = mkstemp(tokfile);
	send_all(tf, "right-token\n", 12);
	close(tf);
	check(gw_start(&g, port, with_token), "gateway with a token");
	check(strstr(g.log, "; token required; approvals are kept in memory only\n") != NULL, "the listening line says a token is required");
	for (i = 0; i < AUTH_FAILURES_MAX; i++) {
		snprintf(wrong, sizeof wrong, ",\"auth\":{\"token\":\"guess-%d\"}", i);
		free(connect_as_user(port, 65534, wrong));
	}
	r = connect_as_user(port, 65534, ",\"auth\":{\"token\":\"right-token\"}");
	check(r && strstr(r, "unauthorized: too many failed authentication attempts (retry later)") &&
	    strstr(r, "\"code\":\"AUTH_RATE_LIMITED\"") && strstr(r, "\"retryAfterMs\":") &&
	    strstr(r, "\"recommendedNextStep\":\"wait_then_retry\""),
	    "after %d wrong tokens, that user is locked out, even with the right one (%s)", AUTH_FAILURES_MAX, r ? r : "");
	free(r);
	r = connect_as_user(port, 1, ",\"auth\":{\"token\":\"right-token\"}");
	check(r && strstr(r, "hello-ok"), "another user with the token is not (%.100s)", r ? r : "");
	free(r);
	r = connect_as_user(port, -1, ",\"auth\":{\"token\":\"right-token\"}");
	check(r && strstr(r, "hello-ok"), "nor is the daemon's own user");
	free(r);
	check(gw_stop(&g) == 0, "stops");
	unlink(tokfile);
}

static void
lockout(void)
{
	char tokfile[] = "/tmp/gateway-flood-XXXXXX";
	const char *preauth[] = { "--token-file", tokfile, NULL };
	const char *sessions[] = { "--token-file", tokfile, "--max-clients", "64", NULL };
	const char *echo[] = { "--echo", "--max-clients", "64", NULL };
	int tf;

	if (geteuid() != 0) {
		printf("skipped: lock-out, which needs root to flood as another user (nobody)\n");
		return;
	}
	tf = mkstemp(tokfile);
	send_all(tf, "flood-token\n", 12);
	close(tf);
	flood_case("pre-auth flood with a token", FLOOD_PREAUTH, preauth, 65534, FLOOD_MAX, PREAUTH_MAX,
	    ",\"auth\":{\"token\":\"flood-token\"}");
	flood_case("pre-auth flood by the same user", FLOOD_PREAUTH, preauth, -1, FLOOD_MAX, PREAUTH_MAX,
	    ",\"auth\":{\"token\":\"flood-token\"}");
	flood_case("session flood", FLOOD_SESSIONS, sessions, 65534, 64 + FLOOD_SPARE, 64,
	    ",\"auth\":{\"token\":\"flood-token\"}");
	flood_case("echo WebSocket flood", FLOOD_ECHO, echo, 65534, 64 + FLOOD_SPARE, 64, "");
	unlink(tokfile);
}

/* is p[0..n) valid UTF-8, with nothing cut in the middle of a character? */
static int
utf8_ok(const unsigned char *p, size_t n)
{
	return utf8_step(UTF8_ACCEPT, p, n) == UTF8_ACCEPT;
}

/*
 * Bug: strings were cut to their buffers in the middle of a character: the
 * "unexpected property" key, close reasons, node errors, log lines. The
 * text frame or close reason was then not UTF-8, and npm ws dropped the
 * whole connection (1006). Every cut is now between characters.
 */
static void
utf8_cuts(void)
{
	char dir[] = "/tmp/gateway-utf8-XXXXXX", path[2048], text[2048], *p;
	const char *args[] = { "--token-file", path, NULL };
	unsigned char *f = NULL;
	struct gw g;
	size_t n, k;
	int port = free_port(), fd, i, ok = 1;

	if (mkdtemp(dir) == NULL)
		return;
	/* a token path of five directories of 100 two-byte characters each */
	n = (size_t)snprintf(path, sizeof path, "%s", dir);
	for (i = 0; i < 5 && ok; i++) {
		n += (size_t)snprintf(path + n, sizeof path - n, "/");
		for (k = 0; k < 100; k++)
			n += (size_t)snprintf(path + n, sizeof path - n, "\xc3\xa9");
		ok = mkdir(path, 0700) == 0;
	}
	snprintf(path + n, sizeof path - n, "/token");
	if (!ok || (i = open(path, O_WRONLY | O_CREAT, 0600)) < 0)
		return;
	send_all(i, "utf8-token\n", 11);
	close(i);
	check(gw_start(&g, port, args), "gateway with a token path of 1,000 bytes of two-byte characters");
	kill(g.pid, SIGHUP);
	check(gw_expect(&g, "token reread from ", HANG_MS), "SIGHUP: a line with that path");
	fd = ws_open(port);
	ws_recv(fd, &f, &n);
	free(f);
	f = NULL;
	snprintf(text, sizeof text, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"t\",\"mode\":\"cli\"},"
	    "\"scopes\":[\"operator.read\"],\"auth\":{\"token\":\"utf8-token\"}}}");
	ws_send_frame(fd, 0x80 | WS_TEXT, text, strlen(text), 0);
	check(ws_recv(fd, &f, &n) == WS_TEXT && strstr((char *)f, "hello-ok"), "the CLI connects");
	free(f);
	f = NULL;
	p = "{\"type\":\"req\",\"id\":\"l\",\"method\":\"logs.tail\"}";
	ws_send_frame(fd, 0x80 | WS_TEXT, p, strlen(p), 0);
	check(ws_recv(fd, &f, &n) == WS_TEXT && strstr((char *)f, "\"id\":\"l\",\"ok\":true") && utf8_ok(f, n) &&
	    strstr((char *)f, "\xc3\xa9\xc3\xa9"), "logs.tail after it: valid UTF-8 (%zu bytes)", n);
	free(f);
	f = NULL;
	close(fd);
	/* an unexpected key of 200 two-byte characters, quoted in the error and its close reason */
	fd = ws_open(port);
	ws_recv(fd, &f, &n);
	free(f);
	f = NULL;
	k = (size_t)snprintf(text, sizeof text, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":{\"");
	for (i = 0; i < 200; i++)
		k += (size_t)snprintf(text + k, sizeof text - k, "\xc3\xa9");
	snprintf(text + k, sizeof text - k, "\":1,\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\","
	    "\"version\":\"1\",\"platform\":\"t\",\"mode\":\"cli\"}}}");
	ws_send_frame(fd, 0x80 | WS_TEXT, text, strlen(text), 0);
	check(ws_recv(fd, &f, &n) == WS_TEXT && strstr((char *)f, "unexpected property") && utf8_ok(f, n),
	    "an unexpected key of 400 bytes: the error is valid UTF-8");
	free(f);
	f = NULL;
	check(ws_recv(fd, &f, &n) == WS_CLOSE && n >= 2 && n - 2 <= CLOSE_REASON_MAX && utf8_ok(f + 2, n - 2),
	    "and its close reason is at most %d bytes of valid UTF-8 (%zu)", CLOSE_REASON_MAX, n >= 2 ? n - 2 : 0);
	free(f);
	close(fd);
	check(gw_stop(&g) == 0, "stops");
	unlink(path);
	for (i = 0; i < 5; i++) {
		*strrchr(path, '/') = '\0';
		rmdir(path);
	}
	rmdir(dir);
}

/*
 * The soft descriptor limit is raised to the hard one at startup, so the
 * client limits bind before the descriptor table: with a soft limit of 64,
 * 100 clients are all taken.
 */
static void
nofile_raised(void)
{
	enum { N = 100 };
	struct gw g;
	const char *args[] = { "--verbose", NULL };
	int port = free_port(), fd[N], i, all;

	if (getenv("GATEWAY_UNDER_VALGRIND")) {
		printf("skipped: the descriptor limit, which valgrind keeps for itself\n");
		return;
	}
	spawn_soft_nofile = 64;
	check(gw_start(&g, port, args), "gateway started with a soft limit of 64 descriptors");
	spawn_soft_nofile = 0;
	for (i = 0; i < N; i++)
		fd[i] = tcp_connect(port);
	all = gw_expect_n(&g, ": connected\n", N, HANG_MS);
	check(all && !strstr(g.log, "refused"), "%d clients past a soft limit of 64 are all taken: %s", N,
	    all ? "" : g.log);
	for (i = 0; i < N; i++)
		close(fd[i]);
	check(gw_stop(&g) == 0, "stops");
}

void
hostile_tests(void)
{
	dead_stays_dead();
	small_max_payload();
	drain_with_clients();
	stray_signals();
	stalled_log();
	browsers();
	memory_budget();
	memory_shares();
	presence_coalesced();
	utf8_cuts();
	strangers();
	lockout();
	nofile_raised();
}
