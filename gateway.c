/*
 * gateway: main, options, and the one poll() loop that serves every socket.
 * Signals reach the loop through a self-pipe; timers are the poll timeout.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway.h"

struct options opt;

struct conn *conns[MAX_CONNS];
int nconns;
static int listeners[2], nlisteners;
static int sigpipe[2];
static int reserve_fd = -1;             /* spare descriptor, given up to shed a connection on EMFILE */
static int accept_paused;               /* out of descriptors and no reserve: wait for a close */
static int draining;
static long long drain_deadline;
static unsigned char rbuf[READ_CHUNK];  /* every read lands here; clients own no read buffer */

static const char usage_text[] =
    "usage: gateway [--port PORT] [--token-file PATH | --token TOKEN] [--echo]\n"
    "               [--max-payload BYTES] [--idle-ms MS] [--tick-ms MS] [--verbose]\n"
    "               [--help] [--version]\n";

static const char help_text[] =
    "\n"
    "Serve the gateway WebSocket on ws://127.0.0.1:PORT (and [::1] where present).\n"
    "Holding the port is the lock: one gateway per port per host.\n"
    "\n"
    "  --port PORT          port, 1-65535 (else $OPENCLAW_GATEWAY_PORT, else 18789)\n"
    "  --token-file PATH    require this token from clients (first line of PATH)\n"
    "  --token TOKEN        the same, but other users can read argv with ps:\n"
    "                       prefer --token-file or $OPENCLAW_GATEWAY_TOKEN\n"
    "                       (no token: any local user or process may connect)\n"
    "  --echo               plain RFC 6455 echo server, for conformance suites\n"
    "  --max-payload BYTES  largest WebSocket message (default 16777216)\n"
    "  --idle-ms MS         ping a silent client after MS, drop it after 2*MS (default 30000)\n"
    "  --tick-ms MS         tick event interval (default 30000; shorter only for tests)\n"
    "  --verbose            log every connection\n"
    "  --help, --version\n"
    "\n"
    "Exit status: 0 clean stop, 1 failure, 64 usage, 78 port already held.\n";

/* one write(2) per line, so a reader of the log never sees half a line */
static void
vlog(const char *fmt, va_list ap)
{
	char line[512] = "gateway: ";
	size_t n = strlen(line);
	int r;

	r = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	if (r < 0)
		return;
	n += (size_t)r < sizeof line - n - 1 ? (size_t)r : sizeof line - n - 2;
	line[n++] = '\n';
	(void)!write(2, line, n);
}

void
logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	exit(1);
}

static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* buffers */

int
buf_append(struct buf *b, const void *data, size_t n, size_t limit)
{
	size_t want, cap;
	unsigned char *p;

	if (n == 0)
		return 0;
	if (n > limit || b->len - b->off > limit - n)
		return -1;
	if (b->off > 0 && b->len + n > b->cap) {     /* reuse the consumed front first */
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	want = b->len + n;
	if (want > b->cap) {
		for (cap = b->cap ? b->cap : 256; cap < want; cap *= 2)
			if (cap > limit / 2) {
				cap = want;
				break;
			}
		if ((p = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len)
		buf_free(b);
}

void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

static size_t
pending(const struct conn *c)
{
	return c->out.len - c->out.off;
}

/* options */

static long
number(const char *what, const char *s, long min, long max)
{
	long v = 0;
	int big = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (*p - '0')) / 10)
			big = 1;                /* checked before it can overflow, even with a 32-bit long */
		else
			v = v * 10 + (*p - '0');
	}
	if (p == s || *p != '\0' || big || v < min)
		usage_error("invalid %s '%s': must be a whole number from %ld to %ld",
		    what, s, min, max);
	return v;
}

static const char *token_file;

static void
parse_options(int argc, char *argv[])
{
	const char *env;
	char *arg, *val;
	size_t n;
	int i, port = 0;

	opt.max_payload = WS_MAX_PAYLOAD;
	opt.idle_ms = WS_IDLE_MS;
	opt.tick_ms = TICK_INTERVAL_MS;
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		val = NULL;
		n = strcspn(arg, "=");
		if (arg[n] == '=')
			val = arg + n + 1;
#define OPTION(name) (strncmp(arg, name, n) == 0 && name[n] == '\0')
#define VALUE(name) (val ? val : i + 1 < argc ? argv[++i] : \
	    (usage_error("option %s needs a value", name), ""))
		if (OPTION("--help") && !val) {
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			exit(0);
		} else if (OPTION("--version") && !val) {
			puts("gateway " GATEWAY_VERSION);
			exit(0);
		} else if (OPTION("--verbose") && !val) {
			opt.verbose = 1;
		} else if (OPTION("--echo") && !val) {
			opt.echo = 1;
		} else if (OPTION("--port")) {
			port = (int)number("port", VALUE("--port"), 1, 65535);
		} else if (OPTION("--max-payload")) {
			opt.max_payload = (uint64_t)number("--max-payload", VALUE("--max-payload"),
			    1, MAX_PAYLOAD_LIMIT);
		} else if (OPTION("--idle-ms")) {
			opt.idle_ms = number("--idle-ms", VALUE("--idle-ms"), 1, 86400000);
		} else if (OPTION("--tick-ms")) {
			opt.tick_ms = number("--tick-ms", VALUE("--tick-ms"), 1, 86400000);
		} else if (OPTION("--token")) {
			opt.token = VALUE("--token");
		} else if (OPTION("--token-file")) {
			token_file = VALUE("--token-file");
		} else {
			usage_error("unknown option '%s'", arg);
		}
#undef OPTION
#undef VALUE
	}
	if (port == 0 && (env = getenv("OPENCLAW_GATEWAY_PORT")) != NULL)
		port = (int)number("OPENCLAW_GATEWAY_PORT", env, 1, 65535);
	opt.port = port ? port : DEFAULT_PORT;
	if (opt.token && token_file)
		usage_error("--token and --token-file exclude each other");
	if (!opt.token && !token_file && (env = getenv("OPENCLAW_GATEWAY_TOKEN")) != NULL && *env)
		opt.token = (char *)env;
	if ((opt.token && (!*opt.token || strlen(opt.token) > TOKEN_MAX)))
		usage_error("the token must be 1 to %d bytes", TOKEN_MAX);
}

/* The token is the first line of the file, without its line ending. */
static void
read_token_file(void)
{
	static char token[TOKEN_MAX + 2];
	FILE *f;
	size_t n;

	if ((f = fopen(token_file, "r")) == NULL)
		die("cannot read token file %s: %s", token_file, strerror(errno));
	if (fgets(token, sizeof token, f) == NULL)
		token[0] = '\0';
	fclose(f);
	n = strcspn(token, "\r\n");
	if (n == 0 || n > TOKEN_MAX)
		die("token file %s: the first line must hold a token of 1 to %d bytes", token_file, TOKEN_MAX);
	token[n] = '\0';
	opt.token = token;
}

/* signals arrive as bytes on a pipe, read by the loop like any socket */

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	(void)!write(sigpipe[1], &b, 1);
	errno = saved;
}

static int
set_flags(int fd)
{
	return fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ? -1 : 0;
}

static void
setup_signals(void)
{
	struct sigaction sa;

	if (pipe(sigpipe) < 0 || set_flags(sigpipe[0]) < 0 || set_flags(sigpipe[1]) < 0)
		die("pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);          /* a vanished peer is an EPIPE, not our death */
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* output */

static void
conn_drop(struct conn *c, const char *why)
{
	if (c->state == C_DEAD)
		return;
	if (opt.verbose)
		logmsg("client %d: closed (%s)", c->fd, why);
	c->state = C_DEAD;
}

/*
 * Send the pieces in order. What the socket does not take now is queued and
 * sent as poll() finds room; a client whose queue would pass its bound is a
 * client that does not read, and is dropped.
 */
static int
conn_writev(struct conn *c, const struct iovec *iov, int n)
{
	size_t limit = (size_t)opt.max_payload + OUT_SLACK, done;
	ssize_t w = 0;
	int i;

	if (c->state == C_DEAD || c->wrshut)
		return -1;
	if (pending(c) == 0 && (w = writev(c->fd, iov, n)) < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			conn_drop(c, strerror(errno));
			return -1;
		}
		w = 0;
	}
	for (i = 0; i < n; i++) {
		done = (size_t)w < iov[i].iov_len ? (size_t)w : iov[i].iov_len;
		w -= (ssize_t)done;
		if (buf_append(&c->out, (const char *)iov[i].iov_base + done, iov[i].iov_len - done, limit) < 0) {
			conn_drop(c, "output queue full");
			return -1;
		}
	}
	return 0;
}

static int
conn_write(struct conn *c, const void *p, size_t n)
{
	struct iovec iov;

	iov.iov_base = (void *)p;
	iov.iov_len = n;
	return conn_writev(c, &iov, 1);
}

/* Enter C_DRAIN: send what is queued, shut our side, await the peer's FIN. */
static void
conn_drain(struct conn *c)
{
	c->state = C_DRAIN;
	c->since = now_ms();
	if (pending(c) == 0 && shutdown(c->fd, SHUT_WR) == 0)
		c->wrshut = 1;
}

/* One frame whose payload is the pieces (at most WS_PARTS_MAX) in order. */
int
ws_sendv(struct conn *c, int opcode, const struct iovec *parts, int n)
{
	struct iovec iov[1 + WS_PARTS_MAX];
	unsigned char hdr[10];
	size_t len = 0;
	int i;

	if (c->state != C_OPEN || n > WS_PARTS_MAX)
		return -1;                      /* nothing follows a close frame */
	for (i = 0; i < n; i++) {
		iov[1 + i] = parts[i];
		len += parts[i].iov_len;
	}
	iov[0].iov_base = hdr;
	iov[0].iov_len = ws_header(hdr, opcode, len);
	return conn_writev(c, iov, 1 + n);
}

int
ws_send(struct conn *c, int opcode, const void *p, size_t n)
{
	struct iovec iov;

	iov.iov_base = (void *)p;
	iov.iov_len = n;
	return ws_sendv(c, opcode, &iov, 1);
}

/* Start the closing handshake: our close frame (code 0: empty), then wait for the peer's. */
void
ws_close(struct conn *c, unsigned code, const char *reason)
{
	unsigned char payload[WS_CONTROL_MAX];
	size_t n = strlen(reason);

	if (c->state != C_OPEN)
		return;
	if (n > WS_CONTROL_MAX - 2)
		n = WS_CONTROL_MAX - 2;
	payload[0] = (unsigned char)(code >> 8);
	payload[1] = (unsigned char)code;
	memcpy(payload + 2, reason, n);
	ws_send(c, WS_CLOSE, payload, code ? n + 2 : 0);
	if (c->state == C_OPEN) {
		c->state = C_CLOSING;
		c->since = now_ms();
	}
}

/* Fail the connection: a close frame, then nothing more is parsed. */
static void
ws_fail(struct conn *c, unsigned code)
{
	ws_close(c, code, "");
	conn_drain(c);
}

/* input: frames */

static void
on_message(struct conn *c, int opcode, unsigned char *p, size_t n)
{
	if (opt.echo)
		ws_send(c, opcode, p, n);
	else
		proto_message(c, opcode, p, n);
}

static void
on_control(struct conn *c, const struct ws_event *ev)
{
	if (ev->opcode == WS_PING && c->state == C_OPEN)
		ws_send(c, WS_PONG, ev->data, ev->len);
	else if (ev->opcode == WS_CLOSE) {
		/* echo the status code; the reason is theirs, not ours */
		if (c->state == C_OPEN)
			ws_send(c, WS_CLOSE, ev->data, ev->len < 2 ? 0 : 2);
		conn_drain(c);
	}
}

static void
on_data(struct conn *c, const struct ws_event *ev)
{
	if (c->state != C_OPEN)
		return;                         /* after our close, data is discarded */
	if (ev->last && c->msg.len == 0) {      /* a whole message in one piece: no copy */
		on_message(c, ev->opcode, ev->data, ev->len);
		return;
	}
	if (buf_append(&c->msg, ev->data, ev->len, (size_t)opt.max_payload) < 0) {
		conn_drop(c, "out of memory");
		return;
	}
	if (ev->last) {
		on_message(c, ev->opcode, c->msg.p, c->msg.len);
		buf_free(&c->msg);
	}
}

static size_t
ws_input(struct conn *c, unsigned char *p, size_t len)
{
	struct ws_event ev;
	size_t off = 0, n;

	while (c->state == C_OPEN || c->state == C_CLOSING) {
		n = ws_parse(&c->ws, p + off, len - off, &ev);
		off += n;
		switch (ev.type) {
		case WS_EV_MORE:
			if (n == 0)
				return off;
			break;
		case WS_EV_ERROR:
			if (opt.verbose)
				logmsg("client %d: protocol error, close %d", c->fd, ev.code);
			ws_fail(c, (unsigned)ev.code);
			return len;
		case WS_EV_CONTROL:
			on_control(c, &ev);
			break;
		case WS_EV_DATA:
			on_data(c, &ev);
			break;
		}
	}
	return len;
}

/* input: HTTP */

/* exact comparison: methods and paths are case-sensitive */
static int
span_is(struct span s, const char *str)
{
	return s.n == strlen(str) && memcmp(s.p, str, s.n) == 0;
}

static void
respond(struct conn *c, int status, const char *headers, const char *body, int head_only)
{
	char out[512];
	size_t n;

	n = http_response(out, sizeof out, status, headers,
	    body[0] == '{' ? "application/json" : "text/plain; charset=utf-8", body, head_only);
	conn_write(c, out, n);
	conn_drain(c);
}

/* Returns the bytes of the head once it is complete and answered, else 0. */
static size_t
http_input(struct conn *c, unsigned char *p, size_t len)
{
	struct http_req req;
	char out[512];
	size_t n;
	int status, head;

	status = http_parse((const char *)p, len, &req);
	switch (status) {
	case HTTP_INCOMPLETE:
		return 0;
	case 200:
		break;
	case 431:
		respond(c, status, "", "request head too large\n", 0);
		return len;
	case 505:
		respond(c, status, "", "HTTP/1.x only\n", 0);
		return len;
	default:
		respond(c, 400, "", "malformed request\n", 0);
		return len;
	}
	head = span_is(req.method, "HEAD");
	if (span_is(req.path, "/health") || span_is(req.path, "/healthz")) {
		if (head || span_is(req.method, "GET"))
			respond(c, 200, "", "{\"ok\":true,\"status\":\"live\"}", head);
		else
			respond(c, 405, "Allow: GET, HEAD\r\n", "method not allowed\n", 0);
	} else if (span_is(req.path, "/ready") || span_is(req.path, "/readyz")) {
		if (!head && !span_is(req.method, "GET"))
			respond(c, 405, "Allow: GET, HEAD\r\n", "method not allowed\n", 0);
		else if (draining)
			respond(c, 503, "", "{\"ok\":false,\"status\":\"draining\"}", head);
		else
			respond(c, 200, "", "{\"ok\":true,\"status\":\"ready\"}", head);
	} else if (span_is(req.path, "/")) {
		if (!span_is(req.method, "GET")) {
			respond(c, 405, "Allow: GET\r\n", "method not allowed\n", 0);
			return len;
		}
		if (draining) {
			respond(c, 503, "", "{\"ok\":false,\"status\":\"draining\"}", 0);
			return len;
		}
		if (ws_handshake(&req, out, sizeof out, &n) != 101) {
			conn_write(c, out, n);
			conn_drain(c);
			return len;
		}
		conn_write(c, out, n);
		c->state = C_OPEN;
		c->since = c->last_rx = now_ms();
		c->ws.max = opt.max_payload;
		if (opt.verbose)
			logmsg("client %d: WebSocket open", c->fd);
		if (!opt.echo)
			proto_open(c);
		return req.headlen;             /* what follows the head is frames */
	} else {
		respond(c, 404, "", "not found\n", 0);
	}
	return len;
}

/* Parse what arrived; returns the bytes used, the rest waits for more. */
static size_t
conn_input(struct conn *c, unsigned char *p, size_t len)
{
	size_t off = 0;

	if (c->state == C_HTTP && (off = http_input(c, p, len)) == 0)
		return 0;
	if (c->state == C_OPEN || c->state == C_CLOSING)
		return off + ws_input(c, p + off, len - off);
	return len;                             /* draining: discard */
}

static void
conn_read(struct conn *c)
{
	ssize_t n;
	size_t used;

	n = read(c->fd, rbuf, sizeof rbuf);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_drop(c, strerror(errno));
		return;
	}
	if (n == 0) {
		conn_drop(c, "end of stream");
		return;
	}
	c->last_rx = now_ms();
	c->pinged = 0;
	if (c->in.len == 0) {
		used = conn_input(c, rbuf, (size_t)n);
		if (used < (size_t)n && c->state != C_DEAD &&
		    buf_append(&c->in, rbuf + used, (size_t)n - used, HTTP_HEAD_MAX + READ_CHUNK) < 0)
			conn_drop(c, "out of memory");
		return;
	}
	if (buf_append(&c->in, rbuf, (size_t)n, HTTP_HEAD_MAX + READ_CHUNK) < 0) {
		conn_drop(c, "out of memory");
		return;
	}
	used = conn_input(c, c->in.p + c->in.off, c->in.len - c->in.off);
	if (c->state != C_DEAD)
		buf_consume(&c->in, used);
}

static void
conn_flush(struct conn *c)
{
	ssize_t n;

	n = write(c->fd, c->out.p + c->out.off, pending(c));
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_drop(c, strerror(errno));
		return;
	}
	buf_consume(&c->out, (size_t)n);
	if (pending(c) == 0 && c->state == C_DRAIN)
		conn_drain(c);
}

/* timers */

static long long
conn_deadline(const struct conn *c)
{
	long long d, connect_by;

	switch (c->state) {
	case C_HTTP:
		return c->since + HTTP_HEAD_TIMEOUT_MS;
	case C_OPEN:
		d = c->last_rx + opt.idle_ms * (c->pinged ? 2 : 1);
		connect_by = proto_deadline(c);
		return connect_by && connect_by < d ? connect_by : d;
	case C_CLOSING:
		return c->since + WS_CLOSE_TIMEOUT_MS;
	case C_DRAIN:
		return c->since + LINGER_MS;
	default:
		return 0;
	}
}

static void
conn_timeout(struct conn *c, long long now)
{
	if (c->state == C_OPEN && proto_deadline(c) && now >= proto_deadline(c)) {
		ws_close(c, 0, "");             /* no connect in time: a bare close, as the real gateway */
		return;
	}
	if (c->state == C_OPEN && !c->pinged) {
		c->pinged = 1;
		ws_send(c, WS_PING, NULL, 0);
		return;
	}
	conn_drop(c, c->state == C_OPEN ? "idle" : "timeout");
}

/* accept */

/* A new client; NULL (and the socket closed) if it cannot be taken. */
static const char *
conn_new(int fd)
{
	struct conn *c = NULL;
	const char *why = NULL;

	if (nconns == MAX_CONNS)
		why = "at the client limit";
	else if (set_flags(fd) < 0)
		why = strerror(errno);
	else if ((c = calloc(1, sizeof *c)) == NULL)
		why = "out of memory";
	if (why) {
		close(fd);
		return why;
	}
	c->fd = fd;
	c->state = C_HTTP;
	c->since = c->last_rx = now_ms();
	conns[nconns++] = c;
	if (opt.verbose)
		logmsg("client %d: connected", fd);
	return NULL;
}

static void
accept_clients(int lfd)
{
	const char *why = NULL, *w;
	int i, fd, refused = 0;

	if (reserve_fd < 0)                     /* lost to a full table before: take it back */
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
		if ((fd = accept(lfd, NULL, NULL)) >= 0) {
			if ((w = conn_new(fd)) != NULL) {
				why = w;
				refused++;
			}
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EMFILE && errno != ENFILE)
			break;
		if (reserve_fd < 0) {
			/* nothing to shed with: stop polling the listener until a client closes */
			accept_paused = 1;
			break;
		}
		/* out of descriptors: spend the reserve to refuse one, rather than spin on it */
		close(reserve_fd);
		if ((fd = accept(lfd, NULL, NULL)) >= 0)
			close(fd);
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;                  /* nobody was waiting after all */
		why = "out of file descriptors";
		refused++;
	}
	/* one line a wakeup, however many: a flood must not flood the log too */
	if (refused)
		logmsg("warning: refused %d connection%s (%s)", refused, refused == 1 ? "" : "s", why);
}

static void
conn_free(struct conn *c)
{
	proto_closed(c);
	close(c->fd);
	accept_paused = 0;                      /* a descriptor is free again */
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->msg);
	free(c);
}

/* shutdown */

static void
start_drain(int sig)
{
	int i;

	logmsg("received %s; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	draining = 1;
	drain_deadline = now_ms() + SHUTDOWN_DRAIN_MS;
	for (i = 0; i < nlisteners; i++)
		close(listeners[i]);            /* the port is free for a successor now */
	nlisteners = 0;
	/* a request in progress may finish (and hear 503 from /readyz) until the deadline */
	for (i = 0; i < nconns; i++) {
		proto_shutdown(conns[i]);
		ws_close(conns[i], 1012, "service restart");
	}
}

static void
read_signals(void)
{
	unsigned char b;

	while (read(sigpipe[0], &b, 1) == 1) {
		if (draining) {
			logmsg("received %s again; exiting now", b == SIGINT ? "SIGINT" : "SIGTERM");
			exit(1);
		}
		start_drain(b);
	}
}

/* the loop */

static void
serve(void)
{
	static struct pollfd pfd[3 + MAX_CONNS];
	long long now, next, d;
	int i, j, n, nfixed, timeout;

	for (;;) {
		now = now_ms();
		next = draining ? drain_deadline : -1;
		for (i = 0; i < nconns; i++) {
			d = conn_deadline(conns[i]);
			if (d <= now && conns[i]->state != C_DEAD) {
				conn_timeout(conns[i], now);
				d = conn_deadline(conns[i]);
			}
			if (conns[i]->state == C_DEAD) {
				conn_free(conns[i]);
				conns[i--] = conns[--nconns];
				continue;
			}
			if (next < 0 || d < next)
				next = d;
		}
		if (draining && (nconns == 0 || now >= drain_deadline))
			break;
		if (!opt.echo && ((d = proto_tick(now)) < next || next < 0))
			next = d;

		n = 0;
		pfd[n].fd = sigpipe[0];
		pfd[n++].events = POLLIN;
		for (i = 0; i < nlisteners && !accept_paused; i++) {
			pfd[n].fd = listeners[i];
			pfd[n++].events = POLLIN;
		}
		nfixed = n;
		for (i = 0; i < nconns; i++, n++) {
			pfd[n].fd = conns[i]->fd;
			pfd[n].events = 0;
			if (pending(conns[i]) <= OUT_HIGH_WATER)
				pfd[n].events |= POLLIN;        /* a client that does not read is not read */
			if (pending(conns[i]) > 0)
				pfd[n].events |= POLLOUT;
		}
		timeout = next < 0 ? -1 : next - now > 86400000 ? 86400000 : (int)(next - now);
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}

		for (i = 0, j = nfixed; i < nconns && j < n; i++, j++) {
			if ((pfd[j].revents & POLLOUT) && conns[i]->state != C_DEAD)
				conn_flush(conns[i]);
			if ((pfd[j].revents & (POLLIN | POLLHUP | POLLERR)) && conns[i]->state != C_DEAD)
				conn_read(conns[i]);
		}
		for (i = 1; i < nfixed; i++)
			if (pfd[i].revents & POLLIN)
				accept_clients(pfd[i].fd);
		if (pfd[0].revents & POLLIN)
			read_signals();
	}
	for (i = 0; i < nconns; i++)
		conn_free(conns[i]);
	nconns = 0;
}

int
main(int argc, char *argv[])
{
	parse_options(argc, argv);
	/* the bind comes first: it is the lock */
	nlisteners = lock_listen(opt.port, listeners);
	setup_signals();
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (token_file)
		read_token_file();
	if (!opt.echo)
		proto_init();
	logmsg("listening on ws://127.0.0.1:%d (pid %ld)", opt.port, (long)getpid());
	serve();
	logmsg("stopped");
	return 0;
}
