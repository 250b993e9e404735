/* the daemon core: the lock, options, HTTP, signals and exit statuses */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "t.h"

static char resp[65536];
static const char healthz[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
static const char readyz_unfinished[] = "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n";   /* no empty line yet */

/* the number the README writes after this phrase (with thousands commas), or -1 */
static long
readme_figure(const char *phrase)
{
	static char text[1 << 17];
	FILE *f = fopen("README", "r");
	const char *p;
	long n = -1;
	size_t len;

	if (f == NULL)
		return -1;
	len = fread(text, 1, sizeof text - 1, f);
	text[len] = '\0';
	fclose(f);
	if ((p = strstr(text, phrase)) != NULL)
		for (p += strlen(phrase), n = 0; (*p >= '0' && *p <= '9') || *p == ','; p++)
			if (*p != ',')
				n = n * 10 + (*p - '0');
	return n;
}

/* GET / without an upgrade: the status page, small, self-contained, locked down */
static void
page_test(int port)
{
	const char *body;
	long len = -1;
	int st;

	st = http_get(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp);
	body = strstr(resp, "\r\n\r\n");
	if (strstr(resp, "Content-Length: "))
		len = atol(strstr(resp, "Content-Length: ") + 16);
	check(st == 200 && strstr(resp, "Content-Type: text/html; charset=utf-8\r\n") && body &&
	    len == (long)strlen(body + 4) && len <= 8192 && strncmp(body + 4, "<!doctype html>", 15) == 0,
	    "GET /: the status page, at most 8 KiB (%ld bytes): %.200s", len, resp);
	check(strstr(resp, "Content-Security-Policy: default-src 'none'; ") && strstr(resp, "connect-src 'self'") &&
	    strstr(resp, "frame-ancestors 'none'") && strstr(resp, "X-Frame-Options: DENY"),
	    "the page may load nothing, talk only to its origin, and never be framed");
	check(body && !strstr(body, "src=") && !strstr(body, "href=") && !strstr(body, "http"),
	    "the page asks for nothing outside itself");
	check(len == readme_figure("self-contained page of "), "the README gives the page's size: %ld bytes", len);
}

static void
http_routes(int port)
{
	static const struct { const char *req; int status; const char *has; } v[] = {
		{ "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200, "\r\n\r\n{\"ok\":true,\"status\":\"live\"}" },
		{ "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200, "Content-Type: application/json\r\n" },
		{ "GET /healthz?probe=1 HTTP/1.0\r\n\r\n", 200, "{\"ok\":true,\"status\":\"live\"}" },
		{ "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200, "\r\n\r\n{\"ok\":true,\"status\":\"ready\"}" },
		{ "GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200, "{\"ok\":true,\"status\":\"ready\"}" },
		{ "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404, "Connection: close\r\n" },
		{ "GET /Healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404, "not found" },
		{ "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405, "\r\nAllow: GET, HEAD\r\n" },
		{ "DELETE /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405, "\r\nAllow: GET, HEAD\r\n" },
		{ "PUT / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405, "\r\nAllow: GET, HEAD\r\n" },
		{ "get /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405, "Allow" },
		{ "GET /healthz HTTP/1.1\r\n\r\n", 400, "Connection: close\r\n" },
		{ "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "malformed" },
		{ "GET /healthz HTTP/1.1\nHost: 127.0.0.1\n\n", 400, "malformed" },
		{ "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400, "malformed" },
		{ "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n folded\r\n\r\n", 400, "malformed" },
		{ "GET healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, "malformed" },
		{ "GET /healthz HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505, "Connection: close" },
		{ "BREW /healthz\r\n\r\n", 400, "malformed" },
	};
	char big[HTTP_HEAD_MAX + 100];
	size_t i;
	int st;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		st = http_get(port, v[i].req, resp, sizeof resp);
		check(st == v[i].status && strstr(resp, v[i].has) && strstr(resp, "Connection: close\r\n"),
		    "HTTP %.30s: got %d, want %d with \"%s\"", v[i].req, st, v[i].status, v[i].has);
	}
	st = http_request(port, "GET /healthz HTTP/1.1\r\nHost: x\0\r\n\r\n", 34, resp, sizeof resp);
	check(st == 400, "NUL in a head: %d", st);
	st = http_get(port, "HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp);
	check(st == 200 && strstr(resp, "Content-Length: 27\r\n") &&
	    strcmp(strstr(resp, "\r\n\r\n"), "\r\n\r\n") == 0, "HEAD /healthz: headers, no body");
	/* a HEAD response never carries a body, whatever its status */
	st = http_get(port, "HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp);
	check(st == (gateway_minimal ? 404 : 200) && strstr(resp, gateway_minimal ? "text/plain" : "text/html") &&
	    strstr(resp, "\r\n\r\n") && strcmp(strstr(resp, "\r\n\r\n"), "\r\n\r\n") == 0,
	    "HEAD /: the page's headers (404 in the minimal build, which has no page), no body: %s", resp);
	if (!gateway_minimal)
		page_test(port);
	else
		check(http_get(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 404,
		    "GET / in the minimal build: 404, no status page");
	st = http_get(port, "HEAD /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp);
	check(st == 404 && strstr(resp, "\r\n\r\n") && strcmp(strstr(resp, "\r\n\r\n"), "\r\n\r\n") == 0,
	    "HEAD on an unknown path: 404, no body: %s", resp);
	memset(big, 'a', sizeof big);
	memcpy(big, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ", 47);
	st = http_request(port, big, sizeof big, resp, sizeof resp);
	check(st == 431 && strstr(resp, "Connection: close"), "head over 8 KiB: %d", st);
}

/* a listener on [::1]:port (port 0: any), or -1 where the host has no IPv6 loopback */
static int
listen6(int port)
{
	struct sockaddr_in6 sin6;
	int fd = socket(AF_INET6, SOCK_STREAM, 0), on = 1;

	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	sin6.sin6_port = htons((unsigned short)port);
	if (fd >= 0 && (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||  /* so the daemon is never a holder too */
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0 ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof sin6) < 0 || listen(fd, 1) < 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* [::1] is served too, wherever the host has IPv6 loopback */
static void
ipv6_test(int port)
{
	struct sockaddr_in6 sin6;
	char buf[256];
	int fd, probe = listen6(0), has_ipv6 = probe >= 0, ok = 0;

	if (probe >= 0)
		close(probe);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	sin6.sin6_port = htons((unsigned short)port);
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) >= 0 &&
	    connect(fd, (struct sockaddr *)&sin6, sizeof sin6) == 0 &&
	    send_all(fd, healthz, strlen(healthz)) == 0 &&
	    read_all(fd, buf, sizeof buf, HANG_MS) > 0)
		ok = strncmp(buf, "HTTP/1.1 200 ", 13) == 0;
	if (fd >= 0)
		close(fd);
	check(ok == has_ipv6, "[::1]:%d served exactly when the host has IPv6 loopback (%d)", port, has_ipv6);
}

static int has_proc;    /* Linux /proc: the lock error names the port's holder */

/* the line after the lock line names the holder, where /proc can show it */
static int
holder_line(const char *line, int port, pid_t pid)
{
	char want[64];

	snprintf(want, sizeof want, "port %d is held by pid %ld (", port, (long)pid);
	return has_proc ? strncmp(line, want, strlen(want)) == 0 : strncmp(line, "port ", 5) != 0;
}

static int occurrences(const char *hay, const char *needle);

/*
 * Bug: a local user holding only [::1]:PORT got every ::1 client (a browser
 * tries localhost as [::1] first) while the daemon warned and served
 * 127.0.0.1. Now [::1] is the lock too: 78, the lock line with the address
 * held, and its holder.
 */
static void
squat6(void)
{
	const char *args[] = { NULL };
	struct gw b;
	char want[200];
	int port = free_port(), fd = listen6(port), st;

	if (fd < 0) {
		printf("skipped: a squatter on [::1], which needs IPv6 loopback\n");
		return;
	}
	gw_start(&b, port, args);
	st = gw_wait(&b);
	snprintf(want, sizeof want, "GatewayLockError: another gateway instance is already "
	    "listening on ws://[::1]:%d\n", port);
	check(st == EXIT_LOCKED && strncmp(b.log, want, strlen(want)) == 0 &&
	    holder_line(b.log + strlen(want), port, getpid()),
	    "only [::1]:%d held by another process: 78, the lock line for [::1] and its holder (%d: %s)", port, st, b.log);
	close(fd);
}

/*
 * Bug: the lock error printed the holder's command name raw, so any local
 * program could write terminal escapes to the operator's terminal. Its
 * name is now escaped, byte by byte.
 */
static void
escaped_holder(void)
{
	char dir[] = "/tmp/gateway-name-XXXXXX", path[128], want[160], b0;
	const char *args[] = { NULL };
	struct gw b;
	int port, lfd, ready[2], st;
	pid_t pid;

	if (!has_proc || mkdtemp(dir) == NULL || pipe(ready) < 0) {
		printf("skipped: a holder with escapes in its name, which needs /proc to be named\n");
		return;
	}
	snprintf(path, sizeof path, "%s/\033[2J\007evil", dir);
	lfd = tcp_listen(&port);
	if (symlink("/bin/sleep", path) < 0)
		check(0, "a symlink for the holder's name");
	fflush(NULL);
	fcntl(ready[1], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) == 0) {
		close(ready[0]);
		execl(path, path, "600", (char *)NULL);       /* it keeps lfd; its name is the link's */
		_exit(127);
	}
	close(lfd);
	close(ready[1]);
	(void)!read(ready[0], &b0, 1);                   /* end of file: it has exec'd */
	close(ready[0]);
	gw_start(&b, port, args);
	st = gw_wait(&b);
	snprintf(want, sizeof want, "port %d is held by pid %ld (\\x1b[2J\\x07evil)\n", port, (long)pid);
	check(st == EXIT_LOCKED && strstr(b.log, want) && !strchr(b.log, '\033') && !strchr(b.log, '\007'),
	    "a holder named with terminal escapes is named escaped: %s", b.log);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(path);
	rmdir(dir);
}

static void
lock_tests(void)
{
	struct gw a, b;
	struct sockaddr_in sin;
	const char *args[] = { NULL };
	int port = free_port(), fd, st, on = 1;
	char want[160];

	has_proc = access("/proc/net/tcp", R_OK) == 0;
	check(gw_start(&a, port, args), "gateway starts on %d", port);
	if (gateway_minimal)
		snprintf(want, sizeof want, "gateway: listening on ws://127.0.0.1:%d (pid %ld); echo mode: no authentication\n",
		    port, (long)a.pid);
	else
		snprintf(want, sizeof want, "gateway: listening on ws://127.0.0.1:%d (pid %ld); no token: only user %s may "
		    "connect; approvals are kept in memory only\n",
		    port, (long)a.pid, geteuid() == 0 ? "root" : getenv("USER") ? getenv("USER") : "?");
	check(strstr(a.log, want) != NULL, "startup line: %s", a.log);
	http_routes(port);
	ipv6_test(port);

	/* a second instance: the exact line, a hint, 78 */
	gw_start(&b, port, args);
	st = gw_wait(&b);
	snprintf(want, sizeof want, "GatewayLockError: another gateway instance is already "
	    "listening on ws://127.0.0.1:%d\n", port);
	check(st == EXIT_LOCKED, "second instance exits 78 (got %d)", st);
	check(strncmp(b.log, want, strlen(want)) == 0 && holder_line(b.log + strlen(want), port, a.pid) &&
	    strstr(b.log, "--port") && occurrences(b.log, "\n") == (has_proc ? 3 : 2),
	    "second instance says exactly the lock line, who holds the port, then one hint: %s", b.log);
	check(http_get(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200,
	    "the first instance still serves");
	check(gw_stop(&a) == 0, "SIGTERM: exit 0");

	/* a foreign listener holds the port */
	port = free_port();
	fd = socket(AF_INET, SOCK_STREAM, 0);
	fcntl(fd, F_SETFD, FD_CLOEXEC);         /* held by this test only, never by a daemon it starts */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(0x7f000001);    /* 127.0.0.1 */
	check(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 && listen(fd, 1) == 0, "foreign listener");
	gw_start(&b, port, args);
	st = gw_wait(&b);
	snprintf(want, sizeof want, "GatewayLockError: another gateway instance is already "
	    "listening on ws://127.0.0.1:%d\n", port);
	check(st == EXIT_LOCKED && strncmp(b.log, want, strlen(want)) == 0,
	    "port held by a foreign listener: 78 and the lock line (%d: %s)", st, b.log);
	check(holder_line(b.log + strlen(want), port, getpid()), "and who holds it: this test (%s)", b.log);
	close(fd);
	squat6();
	escaped_holder();
}

/* an unprivileged user binding a port below 1024 gets EACCES: status 1, the bind line */
static void
eacces_test(void)
{
	const char *args[] = { "--port", "1", NULL };
	char want[160];
	struct gw g;
	int st;

	gw_spawn(&g, gw_public_copy(), NULL, geteuid() == 0 ? 65534 : -1, args);
	st = gw_wait(&g);
	snprintf(want, sizeof want, "GatewayLockError: failed to bind gateway socket on "
	    "ws://127.0.0.1:1: Permission denied\n");
	check(st == 1 && strcmp(g.log, want) == 0, "EACCES: status 1 and the bind line (%d: %s)", st, g.log);
	gw_public_remove();
}

/* kill -9 with live clients leaves nothing behind: a new gateway starts at once */
static void
crash_test(void)
{
	struct gw a, b;
	const char *args[] = { NULL };
	int port = free_port(), ws, half, st;
	char buf[64];

	check(gw_start(&a, port, args), "gateway starts");
	ws = ws_open(port);
	half = tcp_connect(port);
	send_all(half, "GET /healthz HTTP/1.1\r\n", 23);
	check(ws >= 0 && half >= 0, "live clients before kill -9");
	kill(a.pid, SIGKILL);
	st = gw_wait(&a);
	check(st == 128 + SIGKILL, "killed (%d)", st);
	check(gw_start(&b, port, args), "restart right after kill -9 with live clients: %s", b.log);
	check(read_all(ws, buf, sizeof buf, HANG_MS) >= 0, "the old client saw its connection end");
	close(ws);
	close(half);
	check(gw_stop(&b) == 0, "stop");
}

static void
signal_tests(void)
{
	struct gw a, b;
	const char *args[] = { NULL };
	const char *long_drain[] = { "--drain-ms", "600000", NULL };
	static const char upgrade[] =
	    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
	int port = free_port(), ws, http, late, st;
	unsigned char *p;
	size_t n;

	/*
	 * SIGTERM with a WebSocket client that never answers the close: the port
	 * is free at once. The half-sent request connects first, so once the
	 * WebSocket is open the daemon has accepted both (accept is in order).
	 * The drain outlasts the test, whatever the machine's speed: it ends
	 * when the last client is gone.
	 */
	check(gw_start(&a, port, long_drain), "gateway starts");
	http = tcp_connect(port);
	send_all(http, readyz_unfinished, strlen(readyz_unfinished));
	late = tcp_connect(port);
	send_all(late, upgrade, strlen(upgrade) - 2);
	ws = ws_open(port);
	kill(a.pid, SIGTERM);
	check(gw_expect(&a, "gateway: received SIGTERM; shutting down\n", HANG_MS), "SIGTERM is logged");
	if (!gateway_minimal) {
		st = ws_recv(ws, &p, &n);        /* the protocol's connect.challenge */
		free(p);
	}
	st = ws_recv(ws, &p, &n);
	check(st == WS_CLOSE && n == 17 && (p[0] << 8 | p[1]) == 1012 &&
	    memcmp(p + 2, "service restart", 15) == 0, "SIGTERM: WebSocket client gets close 1012 \"service restart\"");
	free(p);
	check(gw_start(&b, port, args), "a successor binds while the old one drains: %s", b.log);
	check(gw_stop(&b) == 0, "successor stops");
	send_all(http, "\r\n", 2);
	check(read_all(http, resp, sizeof resp, HANG_MS) > 0 && strncmp(resp, "HTTP/1.1 503 ", 13) == 0 &&
	    strstr(resp, "{\"ok\":false,\"status\":\"draining\"}"), "/readyz while draining: 503 (%.40s)", resp);
	send_all(late, "\r\n", 2);
	check(read_all(late, resp, sizeof resp, HANG_MS) > 0 && strncmp(resp, "HTTP/1.1 503 ", 13) == 0,
	    "a WebSocket upgrade while draining: 503 (%.40s)", resp);
	close(late);
	close(ws);
	close(http);
	st = gw_wait(&a);
	check(st == 0, "SIGTERM: exit 0 once the last client is gone (got %d)", st);
	check(strstr(a.log, "gateway: stopped\n") != NULL, "stop is logged");

	/* SIGINT */
	check(gw_start(&a, port, args), "gateway starts");
	kill(a.pid, SIGINT);
	st = gw_wait(&a);
	check(st == 0 && strstr(a.log, "gateway: received SIGINT; shutting down\n"), "SIGINT: exit 0 (%d)", st);

	/* a second signal while draining ends it at once */
	check(gw_start(&a, port, args), "gateway starts");
	ws = ws_open(port);
	kill(a.pid, SIGTERM);
	check(gw_expect(&a, "shutting down", HANG_MS), "draining");
	kill(a.pid, SIGTERM);
	st = gw_wait(&a);
	check(st == 1 && strstr(a.log, "again"), "second signal: exit 1 at once (%d)", st);
	close(ws);
}

/* the options only the full build takes: the application's */
static const char *const application[] = {
	"--token", "--token-file", "--state-file", "--tick-ms", "--retire-ms"
};

static int
is_application(const char *option)
{
	size_t i;

	for (i = 0; i < sizeof application / sizeof application[0]; i++)
		if (strcmp(application[i], option) == 0)
			return 1;
	return 0;
}

static void
option_tests(void)
{
	static const char *bad[] = { "abc", "0", "70000", "12x", "", "-1", "+80", " 80", "99999999999999999999" };
	static const char *numeric[] = { "--max-payload", "--max-memory", "--max-clients", "--idle-ms", "--drain-ms",
	    "--ready-fd", "--tick-ms", "--retire-ms" };        /* the last two are the application's */
	struct gw g;
	const char *args[4];
	char envp[16], want[128];
	int p1 = free_port(), p2, st;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		args[0] = "--port";
		args[1] = bad[i];
		args[2] = NULL;
		gw_spawn(&g, gateway_path, NULL, -1, args);
		st = gw_wait(&g);
		snprintf(want, sizeof want, "gateway: invalid port '%s': must be a whole number from 1 to 65535\n", bad[i]);
		check(st == EXIT_USAGE && strncmp(g.log, want, strlen(want)) == 0 && strstr(g.log, "usage: gateway"),
		    "--port '%s': 64, the value and the range, the usage (%d: %s)", bad[i], st, g.log);
		args[0] = NULL;
		gw_spawn(&g, gateway_path, bad[i], -1, args);
		st = gw_wait(&g);
		check(st == EXIT_USAGE && strstr(g.log, "OPENCLAW_GATEWAY_PORT") && strstr(g.log, "1 to 65535"),
		    "OPENCLAW_GATEWAY_PORT='%s': 64 (%d: %s)", bad[i], st, g.log);
	}
	args[0] = "--bogus";
	args[1] = NULL;
	gw_spawn(&g, gateway_path, NULL, -1, args);
	st = gw_wait(&g);
	check(st == EXIT_USAGE && strstr(g.log, "unknown option '--bogus'") && strstr(g.log, "usage:"),
	    "unknown option: 64 (%d: %s)", st, g.log);
	args[0] = "--port";
	args[1] = "1";
	args[2] = "health";
	args[3] = NULL;
	gw_spawn(&g, gateway_path, NULL, -1, args);
	st = gw_wait(&g);
	check(st == EXIT_USAGE && strstr(g.log, "health is a subcommand, and comes first: gateway health [--port PORT]"),
	    "health after an option: 64, and where it goes (%d: %s)", st, g.log);
	args[1] = NULL;
	gw_spawn(&g, gateway_path, NULL, -1, args);
	check(gw_wait(&g) == EXIT_USAGE, "--port without a value: 64");
	for (i = 0; i < sizeof numeric / sizeof numeric[0] - 2 * (size_t)gateway_minimal; i++) {
		args[0] = numeric[i];
		args[1] = "0x10";
		args[2] = NULL;
		gw_spawn(&g, gateway_path, NULL, -1, args);
		snprintf(want, sizeof want, "invalid %s '0x10'", numeric[i]);
		st = gw_wait(&g);
		check(st == EXIT_USAGE && strstr(g.log, want), "%s 0x10: 64 (%d: %s)", numeric[i], st, g.log);
	}
	/* the minimal build takes no option of the application: none is silently ignored */
	for (i = 0; gateway_minimal && i < sizeof application / sizeof application[0]; i++) {
		args[0] = application[i];
		args[1] = "x";
		args[2] = NULL;
		gw_spawn(&g, gateway_path, NULL, -1, args);
		snprintf(want, sizeof want, "unknown option '%s'", application[i]);
		st = gw_wait(&g);
		check(st == EXIT_USAGE && strstr(g.log, want), "minimal build: %s is refused, 64 (%d: %s)", application[i],
		    st, g.log);
	}
	args[0] = "--help";
	args[1] = NULL;
	gw_spawn(&g, gateway_path, NULL, -1, args);
	check(gw_wait(&g) == 0 && g.loglen == 0, "--help: exit 0, nothing on stderr");
	args[0] = "--version";
	gw_spawn(&g, gateway_path, NULL, -1, args);
	check(gw_wait(&g) == 0 && g.loglen == 0, "--version: exit 0");

	/* precedence: --port, then the environment, then 18789 */
	snprintf(envp, sizeof envp, "%d", p1);
	args[0] = NULL;
	gw_spawn(&g, gateway_path, envp, -1, args);
	snprintf(want, sizeof want, "listening on ws://127.0.0.1:%d ", p1);
	check(gw_expect(&g, want, HANG_MS), "OPENCLAW_GATEWAY_PORT chooses the port: %s", g.log);
	gw_stop(&g);
	p2 = free_port();
	snprintf(want, sizeof want, "%d", p2);
	args[0] = "--port";
	args[1] = want;
	args[2] = NULL;
	gw_spawn(&g, gateway_path, envp, -1, args);
	snprintf(envp, sizeof envp, ":%d ", p2);
	check(gw_expect(&g, envp, HANG_MS), "--port wins over the environment: %s", g.log);
	gw_stop(&g);
	args[0] = "--port=abc";
	args[1] = NULL;
	gw_spawn(&g, gateway_path, "x", -1, args);
	check(gw_wait(&g) == EXIT_USAGE && strstr(g.log, "invalid port 'abc'"), "--port=VALUE form");
}

static int
occurrences(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/*
 * Out of descriptors: refuse the surplus at once from the reserve, keep
 * serving, and say so at most once a second however many are refused.
 */
static void
emfile_test(void)
{
	enum { N = 300 };
	struct gw g;
	struct pollfd pfd;
	const char *args[] = { "--verbose", NULL };
	int port = free_port(), fds[N], i, accepted = 0, closed = 0, refused = 0, r, lines;
	const char *line;
	char buf[64];
	time_t start = time(NULL);

	/* valgrind hands out descriptors past the guest's limit, then closes them itself */
	if (getenv("GATEWAY_UNDER_VALGRIND")) {
		printf("skipped: descriptor exhaustion, which valgrind emulates with its own closes\n");
		return;
	}
	spawn_nofile = 64;
	check(gw_start(&g, port, args), "gateway with 64 descriptors");
	spawn_nofile = 0;
	for (i = 0; i < N; i++)
		fds[i] = tcp_connect(port);
	/* read its log until every connection is accounted for: accepted, or counted as refused */
	for (;;) {
		accepted = occurrences(g.log, ": connected\n");
		for (refused = 0, line = g.log; (line = strstr(line, "refused ")) != NULL; line++)
			if (sscanf(line, "refused %d", &r) == 1)
				refused += r;
		if (accepted + refused >= N || !gw_expect_n(&g, "\n", occurrences(g.log, "\n") + 1, HANG_MS))
			break;
	}
	check(refused > 0 && accepted + refused == N && strstr(g.log, "(out of file descriptors)\n"),
	    "out of descriptors: %d accepted, %d refused, with a warning: %s", accepted, refused, g.log);
	lines = occurrences(g.log, "warning: refused");
	check(lines <= 1 + (int)(time(NULL) - start),
	    "%d refusals over several wakeups: %d warning lines in %ld s, at most one a second",
	    refused, lines, (long)(time(NULL) - start));
	/* the refused ones were closed before their count was written */
	for (i = 0; i < N; i++) {
		pfd.fd = fds[i];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) == 1 && read(fds[i], buf, sizeof buf) <= 0)
			closed++;
		close(fds[i]);
	}
	check(closed == refused, "exactly the refused connections were closed (%d of %d)", closed, refused);
	check(gw_expect_n(&g, "closed (end of stream)", accepted, HANG_MS), "the others end as we close them");
	check(http_get(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200,
	    "and the gateway serves once descriptors are free again");
	check(gw_stop(&g) == 0, "stops");
}

/* the --NAME words of text, each once, into words; how many */
static int
option_words(const char *text, const char *prefix, char words[][32], int max)
{
	const char *p = text;
	int n = 0, k, len;

	while ((p = strstr(p, prefix)) != NULL) {
		p += strlen(prefix);
		for (len = 0; (p[len] >= 'a' && p[len] <= 'z') || p[len] == '-'; len++)
			;
		if (len == 0 || len > 29)
			continue;
		for (k = 0; k < n && !(strncmp(words[k] + 2, p, (size_t)len) == 0 && words[k][len + 2] == '\0'); k++)
			;
		if (k == n && n < max)
			snprintf(words[n++], 32, "--%.*s", len, p);
	}
	return n;
}

/* the man page names every option --help names, and no other */
static void
man_page_test(void)
{
	static char help[8192], page[65536], a[64][32], b[64][32];
	char cmd[512];
	FILE *f;
	size_t n;
	int na, nb, i, k;

	snprintf(cmd, sizeof cmd, "%s --help", gateway_path);
	if ((f = popen(cmd, "r")) == NULL)
		return;
	help[fread(help, 1, sizeof help - 1, f)] = '\0';
	pclose(f);
	if ((f = fopen("gateway.1", "r")) == NULL) {
		check(0, "gateway.1 is readable from the directory of the tests");
		return;
	}
	n = fread(page, 1, sizeof page - 1, f);
	page[n] = '\0';
	fclose(f);
	na = option_words(help, "--", a, 64);
	nb = option_words(page, "Fl -", b, 64);
	check(na >= (gateway_minimal ? 10 : 14), "--help names the options (%d)", na);
	for (i = 0; i < na; i++) {
		for (k = 0; k < nb && strcmp(a[i], b[k]) != 0; k++)
			;
		check(k < nb, "the man page documents %s", a[i]);
	}
	for (k = 0; k < nb; k++) {
		for (i = 0; i < na && strcmp(a[i], b[k]) != 0; i++)
			;
		check(i < na || (gateway_minimal && is_application(b[k])),
		    "%s of the man page is in --help (the minimal build leaves out only the application's)", b[k]);
	}
}

void
core_tests(void)
{
	man_page_test();
	lock_tests();
	eacces_test();
	crash_test();
	signal_tests();
	option_tests();
	emfile_test();
}
