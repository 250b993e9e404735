/* running under a service manager: readiness, reloads, the probe */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
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

static char resp[4096];

/* the next datagram on fd, as a string; "" if none came */
static const char *
datagram(int fd)
{
	static char buf[256];
	ssize_t n = read_some(fd, buf, sizeof buf - 1, HANG_MS);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* $NOTIFY_SOCKET at a path or in the abstract namespace (@name): READY=1 once it listens, STOPPING=1 */
static void
notify_socket(const char *name)
{
	struct sockaddr_un sun;
	struct gw g;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0), port = free_port();
	socklen_t len;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", name);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		unlink(name);
	check(bind(fd, (struct sockaddr *)&sun, len) == 0, "a service manager's socket at %s", name);
	setenv("NOTIFY_SOCKET", name, 1);
	check(gw_start(&g, port, NULL), "gateway with NOTIFY_SOCKET=%s", name);
	unsetenv("NOTIFY_SOCKET");
	check(strcmp(datagram(fd), "READY=1") == 0 &&
	    http_get(port, "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200,
	    "%s: READY=1, and the port answers", name);
	kill(g.pid, SIGTERM);
	check(strcmp(datagram(fd), "STOPPING=1") == 0, "%s: STOPPING=1 when shutdown starts", name);
	check(gw_wait(&g) == 0, "stops");
	close(fd);
	if (name[0] != '@')
		unlink(name);
}

/*
 * Bug: a NOTIFY_SOCKET whose receive queue was full held the daemon in
 * sendto(2) before its loop, holding the lock and serving nothing.
 */
static void
notify_full(void)
{
	char path[64];
	struct sockaddr_un sun;
	struct gw g;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0), out = socket(AF_UNIX, SOCK_DGRAM, 0), port = free_port();

	snprintf(path, sizeof path, "/tmp/gateway-full-%ld", (long)getpid());
	unlink(path);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	check(bind(fd, (struct sockaddr *)&sun, sizeof sun) == 0, "a service manager's socket that never reads");
	fcntl(out, F_SETFL, O_NONBLOCK);
	while (sendto(out, "x", 1, 0, (struct sockaddr *)&sun, sizeof sun) == 1)
		;                               /* its queue is full */
	setenv("NOTIFY_SOCKET", path, 1);
	check(gw_start(&g, port, NULL), "gateway with NOTIFY_SOCKET on a full queue");
	unsetenv("NOTIFY_SOCKET");
	check(http_get(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200 &&
	    gw_expect(&g, "cannot notify", HANG_MS), "it serves at once, with a warning: %s", g.log);
	check(gw_stop(&g) == 0, "stops");
	close(fd);
	close(out);
	unlink(path);
}

/* --ready-fd N: a newline once listening, then N is closed (s6) */
static void
ready_fd(void)
{
	struct gw g;
	char arg[16], buf[8];
	const char *args[] = { "--ready-fd", arg, NULL };
	int p[2], port = free_port();

	if (pipe(p) < 0)
		return;
	snprintf(arg, sizeof arg, "%d", p[1]);
	check(gw_start(&g, port, args), "gateway with --ready-fd %d", p[1]);
	close(p[1]);
	check(read_some(p[0], buf, sizeof buf, HANG_MS) == 1 && buf[0] == '\n' &&
	    read_some(p[0], buf, sizeof buf, HANG_MS) == 0, "--ready-fd: one newline, then closed");
	check(http_get(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200,
	    "and the port answers");
	check(gw_stop(&g) == 0, "stops");
	close(p[0]);
	/* a descriptor that is not open would become the listener, then be closed by the newline */
	snprintf(arg, sizeof arg, "%d", 99);
	gw_start(&g, port, args);
	check(gw_wait(&g) == EXIT_USAGE && strstr(g.log, "must be an open descriptor above 2"),
	    "--ready-fd naming a closed descriptor: 64 (%s)", g.log);
	/* bug: --ready-fd 2 closed stderr, and the next client got descriptor 2 and the daemon's log */
	snprintf(arg, sizeof arg, "%d", 2);
	gw_start(&g, port, args);
	check(gw_wait(&g) == EXIT_USAGE && strstr(g.log, "must be an open descriptor above 2"),
	    "--ready-fd 2 (stderr): 64 (%s)", g.log);
	/* bug: a full pipe held the daemon in write(2) before its loop, holding the lock and serving nothing */
	if (pipe(p) < 0)
		return;
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	while (write(p[1], "x", 1) == 1)
		;
	fcntl(p[1], F_SETFL, 0);                /* as a supervisor hands it over: blocking */
	snprintf(arg, sizeof arg, "%d", p[1]);
	check(gw_start(&g, port, args), "gateway with --ready-fd on a full pipe");
	close(p[1]);
	check(http_get(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200 &&
	    gw_expect(&g, "cannot write to --ready-fd", HANG_MS), "it serves at once, with a warning: %s", g.log);
	check(gw_stop(&g) == 0, "stops");
	close(p[0]);
}

/* a protocol client through connect with this token; its fd (open) and whether hello-ok came */
static int
greeted(int port, const char *token, int *fd)
{
	char text[512];
	unsigned char *p = NULL;
	size_t n;
	int ok = 0;

	if ((*fd = ws_open(port)) < 0 || ws_recv(*fd, &p, &n) != WS_TEXT)
		return 0;
	free(p);
	p = NULL;
	snprintf(text, sizeof text, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":"
	    "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\","
	    "\"platform\":\"t\",\"mode\":\"cli\"},\"auth\":{\"token\":\"%s\"}}}", token);
	ws_send_frame(*fd, 0x80 | WS_TEXT, text, strlen(text), 0);
	ok = ws_recv(*fd, &p, &n) == WS_TEXT && strstr((char *)p, "hello-ok") != NULL;
	free(p);
	return ok;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* SIGHUP rereads the token file; clients already connected stay */
static void
sighup_reread(void)
{
	static const char health[] = "{\"type\":\"req\",\"id\":\"h\",\"method\":\"health\"}";
	char path[] = "/tmp/gateway-hup-XXXXXX";
	const char *args[] = { "--token-file", path, NULL };
	unsigned char *p = NULL;
	struct gw g;
	size_t n;
	int port = free_port(), old, fd, tf = mkstemp(path);

	close(tf);
	write_file(path, "first-token\n");
	check(gw_start(&g, port, args), "gateway with --token-file");
	check(greeted(port, "first-token", &old), "a client with the first token");
	write_file(path, "second-token\n");
	kill(g.pid, SIGHUP);
	check(gw_expect(&g, "received SIGHUP; token reread from ", HANG_MS), "SIGHUP: one line says so: %s", g.log);
	check(greeted(port, "second-token", &fd), "the new token is accepted");
	close(fd);
	check(!greeted(port, "first-token", &fd), "the old one is refused");
	close(fd);
	ws_send_frame(old, 0x80 | WS_TEXT, health, strlen(health), 0);
	check(ws_recv(old, &p, &n) == WS_TEXT && strstr((char *)p, "\"ok\":true"),
	    "the client connected before is still served");
	free(p);
	close(old);
	write_file(path, "\n");
	kill(g.pid, SIGHUP);
	check(gw_expect(&g, "the token in use is kept", HANG_MS), "an empty token file: a warning, the token kept");
	check(greeted(port, "second-token", &fd), "and the token in use still works");
	close(fd);
	/* bug: a NUL cut the token short (ab\0cd was ab); and a FIFO at the path stalled the loop in open(2) */
	write_file(path, "third");
	tf = open(path, O_WRONLY | O_APPEND);
	send_all(tf, "\0token\n", 7);
	close(tf);
	g.loglen = 0;
	g.log[0] = '\0';
	kill(g.pid, SIGHUP);
	check(gw_expect(&g, "holds a NUL byte; the token in use is kept", HANG_MS) && !greeted(port, "third", &fd),
	    "a NUL in the token line: refused, the token kept, not cut: %s", g.log);
	close(fd);
	unlink(path);
	check(mkfifo(path, 0600) == 0, "a FIFO where the token file was");
	kill(g.pid, SIGHUP);
	check(gw_expect(&g, "not a regular file; the token in use is kept", HANG_MS) && greeted(port, "second-token", &fd),
	    "SIGHUP with a FIFO at the path: not opened to wait on, the token kept (%s)", g.log);
	close(fd);
	check(gw_stop(&g) == 0, "stops");
	unlink(path);
	/* at start, a NUL in the token line is a start error, as an empty one is */
	write_file(path, "ab");
	tf = open(path, O_WRONLY | O_APPEND);
	send_all(tf, "\0cd\n", 4);
	close(tf);
	gw_start(&g, port, args);
	check(gw_wait(&g) == 1 && strstr(g.log, "holds a NUL byte"), "a NUL in the token file at start: exit 1 (%s)", g.log);
	unlink(path);
	check(gw_start(&g, port, NULL), "gateway without a token file");
	kill(g.pid, SIGHUP);
	check(gw_expect(&g, "no --token-file to reread", HANG_MS) && gw_stop(&g) == 0,
	    "SIGHUP without a token file: one line, and it serves on");
}

/* run "gateway health ARGS": its exit status; its line in out */
static int
health(const char *args, char *out, size_t cap)
{
	char cmd[512];
	FILE *f;
	int st;

	snprintf(cmd, sizeof cmd, "%s health %s 2>&1", gateway_path, args);
	out[0] = '\0';
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	out[fread(out, 1, cap - 1, f)] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* gateway health: the probe for hosts without curl */
static void
probe(void)
{
	struct gw g;
	char args[64], out[512];
	pid_t pid;
	int port = free_port(), st, lfd, c;

	check(gw_start(&g, port, NULL), "gateway starts");
	/* the probe's own timer is a deadline: long here, so a slow machine cannot decide the answer */
	snprintf(args, sizeof args, "--port %d --timeout=%d", port, HANG_MS);
	st = health(args, out, sizeof out);
	check(st == 0 && strstr(out, "live on 127.0.0.1:") && strchr(out, '\n') == out + strlen(out) - 1,
	    "health of a live gateway: exit 0, one line (%d: %s)", st, out);
	snprintf(args, sizeof args, "--port=%d --timeout %d", port, HANG_MS);
	check(health(args, out, sizeof out) == 0, "--port=N and --timeout: %s", out);
	check(gw_stop(&g) == 0, "stops");
	st = health(args, out, sizeof out);
	check(st == 1 && strstr(out, "nothing answers"), "nothing listening: exit 1 (%d: %s)", st, out);
	/* a program that is not a gateway holds the port */
	lfd = tcp_listen(&port);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		c = accept(lfd, NULL, NULL);
		send_all(c, "SSH-2.0-OpenSSH_9.2\r\n", 21);
		_exit(0);
	}
	snprintf(args, sizeof args, "--port %d --timeout %d", port, HANG_MS);
	st = health(args, out, sizeof out);
	check(st == 1 && strstr(out, "not a gateway"), "a foreign program on the port: exit 1, said (%d: %s)", st, out);
	waitpid(pid, NULL, 0);
	/* one that accepts and never answers: the timeout ends it */
	snprintf(args, sizeof args, "--port %d --timeout 300", port);
	st = health(args, out, sizeof out);
	check(st == 1 && strstr(out, "no answer"), "a silent listener: exit 1 after --timeout (%d: %s)", st, out);
	close(lfd);
	check(health("--echo", out, sizeof out) == EXIT_USAGE, "health takes only its own options: 64");
}

void
ops_tests(void)
{
	char path[64];

	snprintf(path, sizeof path, "/tmp/gateway-notify-%ld", (long)getpid());
	notify_socket(path);
	snprintf(path, sizeof path, "@gateway-notify-%ld", (long)getpid());
	notify_socket(path);
	notify_full();
	ready_fd();
	sighup_reread();
	probe();
}
