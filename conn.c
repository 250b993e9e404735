/*
 * The connection layer: one client from its first byte to its close. It
 * reads into the shared buffer, routes the HTTP head, turns frames into
 * messages for the application (echo or the protocol, through the app
 * table), queues and flushes output, and runs each connection's timers.
 * It exports the send and close primitives that an application uses.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "page.h"
#include "http.h"
#include "ws.h"
#include "pool.h"
#include "conn.h"

struct conn **conns;
int nconns, conns_max;
const struct app *app;
int draining;                           /* shutting down: no new WebSocket, /readyz 503 */
static unsigned char rbuf[READ_CHUNK];  /* every read lands here; clients own no read buffer */
static size_t mem_used;                 /* bytes every client buffer holds: within opt.max_memory */

static void set_pool(struct conn *c, int pool);

/*
 * buffers: p is NULL while empty so an idle client holds nothing. Each is
 * bounded by its own limit, and all of them together by --max-memory: a
 * growth that would pass either fails, and the caller answers the client.
 */

static int
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
		if (cap - b->cap > opt.max_memory - mem_used || (p = realloc(b->p, cap)) == NULL)
			return -1;
		mem_used += cap - b->cap;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

static void
buf_free(struct buf *b)
{
	mem_used -= b->cap;
	free(b->p);
	memset(b, 0, sizeof *b);
}

static void
buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len)
		buf_free(b);
}

static struct conn *corked;            /* whose output the cork holds (below), or NULL */
static size_t corktotal;
static void cork_drop(void);

/* bytes not yet written: queued, and gathered in the cork */
size_t
conn_pending(const struct conn *c)
{
	return c->out.len - c->out.off + (c == corked ? corktotal : 0);
}

/* bytes the socket would not take: the queue, which poll() drains */
size_t
conn_backlog(const struct conn *c)
{
	return c->out.len - c->out.off;
}

/* Every state change but the drop comes through here: nothing leaves C_DEAD. */
static void
set_state(struct conn *c, int state)
{
	if (c->state == C_DEAD)
		return;
	c->state = (unsigned char)state;
	c->since = now_ms();
}

/* output */

static void
conn_drop(struct conn *c, const char *why)
{
	if (c->state == C_DEAD)
		return;
	if (opt.verbose)
		logmsg("client %d: closed (%s)", c->fd, why);
	if (c == corked)
		cork_drop();                    /* nobody to write it to */
	c->state = C_DEAD;
	set_pool(c, POOL_NONE);
}

/*
 * Send the pieces in order. What the socket does not take now is queued and
 * sent as poll() finds room; a client whose queue would pass its bound is a
 * client that does not read, and is dropped.
 */
static int
conn_send(struct conn *c, const struct iovec *iov, int n)
{
	size_t limit = (size_t)opt.max_payload + OUT_SLACK, done;
	ssize_t w = 0;
	int i;

	if (c->state == C_DEAD || c->wrshut)
		return -1;
	if (c->out.len == c->out.off && (w = writev(c->fd, iov, n)) < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			conn_drop(c, strerror(errno));
			return -1;
		}
		w = 0;
	}
	for (i = 0; i < n; i++) {
		done = (size_t)w < iov[i].iov_len ? (size_t)w : iov[i].iov_len;
		w -= (ssize_t)done;
		if (done == iov[i].iov_len)
			continue;               /* sent, or empty: an empty piece may have a NULL base */
		if (buf_append(&c->out, (const char *)iov[i].iov_base + done, iov[i].iov_len - done, limit) < 0) {
			/* it does not read: a close frame could not reach it either */
			logmsg("warning: client %d: output queue over its bound or the memory budget; dropped", c->fd);
			conn_drop(c, "output queue full");
			return -1;
		}
	}
	return 0;
}

/*
 * The cork: what one connection produces in a row (the replies to one read,
 * an event and its frames) is gathered here and leaves in one write, before
 * the next poll() or as soon as another connection has something to send.
 * A system call per frame cost most of the daemon's time at small messages.
 * Small pieces are copied in; a large one that lies in the shared read
 * buffer (an echoed payload) is referenced, which is safe because the cork
 * is flushed before that buffer is read into again.
 */
static unsigned char cork[CORK_MAX];    /* the copied pieces, corklen bytes */
static size_t corklen;
static struct iovec corkv[CORK_PIECES]; /* all pieces in order, corktotal bytes */
static int corkn;

static void
cork_drop(void)
{
	corked = NULL;
	corklen = corktotal = 0;
	corkn = 0;
}

static void
cork_flush(void)
{
	struct conn *c = corked;
	int n = corkn;

	if (c == NULL)
		return;
	cork_drop();
	conn_send(c, corkv, n);
}

/* in the read buffer, and large enough that a copy would cost more than a piece of the writev */
static int
referable(const struct iovec *v)
{
	const unsigned char *p = v->iov_base;

	return v->iov_len >= CORK_REF_MIN && p >= rbuf && p + v->iov_len <= rbuf + sizeof rbuf;
}

static int
conn_writev(struct conn *c, const struct iovec *iov, int n)
{
	size_t copy = 0;
	int i, pieces = 0;

	if (c->state == C_DEAD || c->wrshut)
		return -1;
	if (c != corked)
		cork_flush();
	for (i = 0; i < n; i++) {
		if (referable(&iov[i]))
			pieces += 2;            /* itself, and the copied piece after it */
		else
			copy += iov[i].iov_len;
	}
	if (copy > sizeof cork - corklen || corkn + pieces + 1 > CORK_PIECES) {
		cork_flush();                   /* what is gathered goes first */
		if (copy > sizeof cork || pieces + 1 > CORK_PIECES)
			return conn_send(c, iov, n);    /* too big to gather */
	}
	corked = c;
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len == 0)
			continue;
		corktotal += iov[i].iov_len;
		if (referable(&iov[i])) {
			corkv[corkn++] = iov[i];
			continue;
		}
		if (corkn == 0 || (unsigned char *)corkv[corkn - 1].iov_base + corkv[corkn - 1].iov_len != cork + corklen) {
			corkv[corkn].iov_base = cork + corklen;         /* a new copied piece */
			corkv[corkn++].iov_len = 0;
		}
		memcpy(cork + corklen, iov[i].iov_base, iov[i].iov_len);
		corklen += iov[i].iov_len;
		corkv[corkn - 1].iov_len += iov[i].iov_len;
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
	if (c == corked)
		cork_flush();
	set_state(c, C_DRAIN);
	if (c->state == C_DRAIN && conn_pending(c) == 0 && shutdown(c->fd, SHUT_WR) == 0)
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
	set_state(c, C_CLOSING);
}

/* Fail the connection: a close frame, then nothing more is parsed. */
static void
ws_fail(struct conn *c, unsigned code)
{
	ws_close(c, code, "");
	conn_drain(c);
}

/* pools: who holds the slots */

static void
set_pool(struct conn *c, int pool)
{
	pool_move(c->user, c->pool, pool);
	c->pool = (unsigned char)pool;
}

/* make room by this one: it goes at once, with a close frame if it can hear one */
static void
evict(struct conn *c)
{
	static struct tally evicted = { "evicted", "connection", NULL, 0, 0, NULL, 0 };

	tally(&evicted, c->pool == POOL_PREAUTH ? "the pre-auth pool was full; the user holding the most made room" :
	    "the session pool was full; the user holding the most made room");
	set_pool(c, POOL_NONE);
	if (opt.verbose)
		logmsg("client %d: evicted, to make room for another user's client", c->fd);
	if (c->state == C_OPEN)
		ws_close(c, 1013, "try again later");
	else
		conn_drop(c, "evicted");
}

/* pool is full and c wants in: the user pool.c names makes room with its oldest there; -1: c is refused */
static int
make_room(struct conn *c, int pool)
{
	struct user *u = pool_yields(c->user, pool);
	struct conn *victim = NULL;
	int i;

	for (i = 0; u && i < nconns; i++)
		if (conns[i]->pool == pool && conns[i]->user == u && (victim == NULL || conns[i]->admitted < victim->admitted))
			victim = conns[i];
	if (victim == NULL)
		return -1;
	evict(victim);
	return 0;
}

/*
 * The application vouches for c (the protocol after connect, echo at once):
 * it leaves the pre-auth pool for the sessions. -1: no room for it.
 */
int
conn_authenticated(struct conn *c)
{
	if (c->pool != POOL_PREAUTH)
		return c->pool == POOL_AUTHED ? 0 : -1;         /* evicted meanwhile: no room */
	if (pool_size(POOL_AUTHED) >= opt.max_clients && make_room(c, POOL_AUTHED) < 0)
		return -1;
	set_pool(c, POOL_AUTHED);
	return 0;
}

/* input: frames */

static void
on_control(struct conn *c, const struct ws_event *ev)
{
	if (ev->opcode == WS_PING && c->state == C_OPEN)
		ws_send(c, WS_PONG, ev->data, ev->len);
	else if (ev->opcode == WS_CLOSE) {
		/* echo the code and the reason (checked by the parser), as the real gateway's ws does */
		if (c->state == C_OPEN)
			ws_send(c, WS_CLOSE, ev->data, ev->len < 2 ? 0 : ev->len);
		conn_drain(c);
	}
}

static void
on_data(struct conn *c, const struct ws_event *ev)
{
	if (c->state != C_OPEN)
		return;                         /* after our close, data is discarded */
	if (ev->last && c->msg.len == 0) {      /* a whole message in one piece: no copy */
		app->message(c, ev->opcode, ev->data, ev->len);
		return;
	}
	if (buf_append(&c->msg, ev->data, ev->len, (size_t)c->ws.max) < 0) {
		logmsg("warning: client %d: a message over the memory budget; close 1009", c->fd);
		ws_fail(c, 1009);
		return;
	}
	if (ev->last) {
		app->message(c, ev->opcode, c->msg.p, c->msg.len);
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

/* a whole response, then the drain; a HEAD request hears the headers only */
static void
respond(struct conn *c, int status, const char *headers, const char *body, int head)
{
	char out[512];
	size_t n;

	n = http_response(out, sizeof out, status, headers,
	    body[0] == '{' ? "application/json" : "text/plain; charset=utf-8", body, head);
	conn_write(c, out, n);
	conn_drain(c);
}

/* the status page; it may run script and talk to this origin, load nothing, and never be framed */
static void
send_page(struct conn *c, int head)
{
	static const char policy[] = "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "
	    "style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'\r\n"
	    "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n";
	struct iovec iov[2];
	char out[512];

	iov[0].iov_base = out;
	iov[0].iov_len = http_response(out, sizeof out, 200, policy, "text/html; charset=utf-8", status_page, 1);
	iov[1].iov_base = (void *)status_page;
	iov[1].iov_len = head ? 0 : strlen(status_page);
	conn_writev(c, iov, 2);
	conn_drain(c);
}

/* Returns the bytes of the head once it is complete and answered, else 0. */
static size_t
http_input(struct conn *c, unsigned char *p, size_t len)
{
	struct http_req req;
	struct span v;
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
	if (http_header(&req, "host", &v) && !http_loopback(v, opt.port, 1)) {
		/* DNS rebinding: a page on another name resolved to us; not ours to serve */
		respond(c, 421, "", "Host must name this host's loopback\n", head);
	} else if (span_is(req.path, "/health") || span_is(req.path, "/healthz")) {
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
		if (!head && !span_is(req.method, "GET"))
			respond(c, 405, "Allow: GET, HEAD\r\n", "method not allowed\n", 0);
		else if (head || (!http_header(&req, "upgrade", NULL) && !http_header(&req, "sec-websocket-key", NULL)))
			send_page(c, head);             /* a browser asking for the page, not a WebSocket */
		else if (draining)
			respond(c, 503, "", "{\"ok\":false,\"status\":\"draining\"}", 0);
		else if (http_header(&req, "origin", &v) && !http_origin_allowed(v, opt.port,
		    opt.allow_origin, opt.nallow_origin)) {
			/* a web page of another origin (or a file: page, "null") must not reach us */
			if (opt.verbose)
				logmsg("client %d: refused a WebSocket from another origin (403)", c->fd);
			respond(c, 403, "", "origin not allowed\n", 0);
		} else if (ws_handshake(&req, out, sizeof out, &n) != 101) {
			conn_write(c, out, n);
			conn_drain(c);
		} else {
			conn_write(c, out, n);
			set_state(c, C_OPEN);
			c->last_rx = c->since;
			c->ws.max = opt.max_payload;
			if (app->open)
				app->open(c);
			cork_flush();           /* the 101 and the application's first words, in one write */
			if (c->state == C_DEAD)
				return len;     /* they could not be written: it never was a WebSocket */
			if (opt.verbose)
				logmsg("client %d: WebSocket open", c->fd);
			return req.headlen;     /* what follows the head is frames */
		}
	} else {
		respond(c, 404, "", "not found\n", head);
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

/* no room to keep what it sent: 1008 for a WebSocket, a plain drop before */
static void
conn_over_budget(struct conn *c)
{
	logmsg("warning: client %d: input over the memory budget; closed", c->fd);
	if (c->state == C_OPEN)
		ws_fail(c, 1008);
	else
		conn_drop(c, "over the memory budget");
}

static void
conn_read(struct conn *c)
{
	ssize_t n;
	size_t used;

	cork_flush();                           /* it may point into rbuf, which this read overwrites */
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
			conn_over_budget(c);
		return;
	}
	if (buf_append(&c->in, rbuf, (size_t)n, HTTP_HEAD_MAX + READ_CHUNK) < 0) {
		conn_over_budget(c);
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

	if (c == corked)
		cork_flush();                   /* behind what is queued, in order */
	if (c->state == C_DEAD || c->out.len == c->out.off)
		return;
	n = write(c->fd, c->out.p + c->out.off, c->out.len - c->out.off);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_drop(c, strerror(errno));
		return;
	}
	buf_consume(&c->out, (size_t)n);
	if (conn_pending(c) == 0 && c->state == C_DRAIN)
		conn_drain(c);
}

/* timers */

/* the application's own deadline (connect, for the protocol), else 0 */
static long long
app_deadline(const struct conn *c)
{
	return app->deadline ? app->deadline(c) : 0;
}

static long long
conn_deadline(const struct conn *c)
{
	long long d, by;

	switch (c->state) {
	case C_HTTP:
		return c->since + HTTP_HEAD_TIMEOUT_MS;
	case C_OPEN:
		d = c->last_rx + opt.idle_ms * (c->pinged ? 2 : 1);
		by = app_deadline(c);
		return by && by < d ? by : d;
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
	if (c->state == C_OPEN && app_deadline(c) && now >= app_deadline(c)) {
		ws_close(c, 1000, "");          /* no connect in time: 1000, no reason, as the real gateway */
		return;
	}
	if (c->state == C_OPEN && !c->pinged) {
		c->pinged = 1;
		ws_send(c, WS_PING, NULL, 0);
		return;
	}
	conn_drop(c, c->state == C_OPEN ? "idle" : "timeout");
}

/* the table of connections */

/* The table: the sessions, the pre-auth pool, and room for those closing. Its size. */
int
conns_init(void)
{
	conns_max = opt.max_clients + 2 * PREAUTH_MAX;
	if ((conns = calloc((size_t)conns_max, sizeof *conns)) == NULL)
		die("out of memory for %d clients", conns_max);
	return conns_max;
}

/* Take a new client's socket (non-blocking already) and its peer's user; why not, else NULL. */
const char *
conn_new(int fd, long uid)
{
	struct conn *c;

	if (nconns == conns_max)
		return "at the client limit";
	if ((c = calloc(1, sizeof *c)) == NULL)
		return "out of memory";
	c->fd = fd;
	c->uid = uid;
	c->user = user_get(uid);
	/* the cork decides when a write goes out; Nagle would only delay it more */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (pool_size(POOL_PREAUTH) >= PREAUTH_MAX && make_room(c, POOL_PREAUTH) < 0) {
		user_put(c->user);
		free(c);
		return "too many unauthenticated clients of one user";
	}
	c->state = C_HTTP;
	c->since = c->last_rx = c->admitted = now_ms();
	set_pool(c, POOL_PREAUTH);
	conns[nconns++] = c;
	if (opt.verbose)
		logmsg("client %d: connected", fd);
	return NULL;
}

static void
conn_free(struct conn *c)
{
	set_pool(c, POOL_NONE);
	user_put(c->user);
	if (app->closed)
		app->closed(c);
	if (c == corked)
		cork_drop();
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->msg);
	free(c);
}

/*
 * Fire the timers that are due and free the dead. Returns the next deadline
 * (-1: none); *freed says whether a descriptor came free.
 */
long long
conns_sweep(long long now, int *freed)
{
	long long next = -1, d;
	int i;

	*freed = 0;
	for (i = 0; i < nconns; i++) {
		d = conn_deadline(conns[i]);
		if (d <= now && conns[i]->state != C_DEAD) {
			conn_timeout(conns[i], now);
			d = conn_deadline(conns[i]);
		}
		if (conns[i]->state == C_DEAD) {
			conn_free(conns[i]);
			conns[i--] = conns[--nconns];
			*freed = 1;
			continue;
		}
		if (next < 0 || d < next)
			next = d;
	}
	return next;
}

/* one poll entry per connection, in table order; a client that does not read is not read */
int
conns_pollset(struct pollfd *pfd)
{
	int i;

	cork_flush();                           /* nothing waits through a poll() */
	for (i = 0; i < nconns; i++) {
		pfd[i].fd = conns[i]->fd;
		pfd[i].events = 0;
		if (conn_pending(conns[i]) <= OUT_HIGH_WATER)
			pfd[i].events |= POLLIN;
		if (conn_pending(conns[i]) > 0)
			pfd[i].events |= POLLOUT;
	}
	return nconns;
}

/* Serve what poll() found for the n entries conns_pollset() wrote. */
void
conns_io(const struct pollfd *pfd, int n)
{
	int i;

	for (i = 0; i < nconns && i < n; i++) {
		if ((pfd[i].revents & POLLOUT) && conns[i]->state != C_DEAD)
			conn_flush(conns[i]);
		if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) && conns[i]->state != C_DEAD)
			conn_read(conns[i]);
	}
}

/* Shutting down: the application says goodbye, then every WebSocket hears 1012. */
void
conns_shutdown(void)
{
	int i;

	draining = 1;
	for (i = 0; i < nconns; i++) {
		if (app->shutdown)
			app->shutdown(conns[i]);
		ws_close(conns[i], 1012, "service restart");
	}
}

/* Each leaves the table before it is freed, so no callback can reach a freed one. */
void
conns_free_all(void)
{
	while (nconns > 0)
		conn_free(conns[--nconns]);
}
