/*
 * What a hostile neighbour or web page tries: each case is an attack found
 * against an earlier build, and the answer the daemon must give now.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"
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
	unsigned char *p;
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
	unsigned char *p, reply[2] = { 1012 >> 8, 1012 & 0xff };
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

/* Signals that once killed the daemon without a word are ignored. */
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

/* Bug: a reader of stderr that stalls froze the whole daemon in write(2). */
static void
stalled_log(void)
{
	struct gw g;
	const char *args[] = { "--verbose", NULL };
	char sink[65536];
	int port = free_port(), i, ok = 1;

	check(gw_start(&g, port, args), "gateway with --verbose");
	/* nobody reads its stderr now: two lines a request fill a 64 KiB pipe long before the end */
	for (i = 0; i < 1500 && ok; i++)
		ok = http_get(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200;
	check(ok, "1500 requests are served while nobody reads the log (stopped at %d)", i);
	while (read_some(g.err, sink, sizeof sink, 0) > 0)
		;
	g.loglen = 0;
	g.log[0] = '\0';
	kill(g.pid, SIGTERM);
	check(gw_expect(&g, " log lines dropped\n", HANG_MS) && gw_expect(&g, "received SIGTERM", HANG_MS),
	    "once the log drains, the next line says how many were dropped: %s", g.log);
	check(gw_wait(&g) == 0, "stops");
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
	const char *bad_host[] = { "evil.example", "evil.example:%d", "127.0.0.2", "127.0.0.1:1", "localhost.evil",
	    "[::1]x", "127.0.0.1:%d0" };
	const char *good_host[] = { "127.0.0.1", "127.0.0.1:%d", "localhost", "LOCALHOST:%d", "[::1]", "[::1]:%d" };
	const char *paths[] = { "/healthz", "/readyz", "/", "/nope" };
	char line[128], req[256];
	int port = free_port(), st;
	size_t i, k;

	check(gw_start(&g, port, args), "echo gateway with --allow-origin");
	for (i = 0; i < sizeof bad_origin / sizeof bad_origin[0]; i++) {
		snprintf(line, sizeof line, bad_origin[i], port);
		st = upgrade_with(port, "127.0.0.1", line);
		check(st == 403 && strstr(resp, "origin not allowed"), "upgrade with %.*s: 403, no upgrade (%d)",
		    (int)strlen(line) - 2, line, st);
	}
	for (i = 0; i < sizeof good_origin / sizeof good_origin[0]; i++) {
		snprintf(line, sizeof line, good_origin[i], port);
		st = upgrade_with(port, "127.0.0.1", line);
		check(st == 101, "upgrade with %s: 101 (%d)", line[0] ? line : "no Origin", st);
	}
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

void
hostile_tests(void)
{
	dead_stays_dead();
	small_max_payload();
	drain_with_clients();
	stray_signals();
	stalled_log();
	browsers();
}
