/*
 * The connection layer, upper half: what arrives on each connection (read
 * into the shared buffer, the HTTP head routed, frames made messages for
 * the application), each connection's timer, and at each turn's end what
 * the event backend watches it for. gateway.c's loop calls these; they
 * call down into conn.c.
 */
#include <sys/types.h>
#include <sys/uio.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "http.h"
#include "route.h"
#include "ws.h"
#include "event.h"
#include "timer.h"
#include "conn.h"
#include "serve.h"

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
	if (buf_append(c, &c->msg, ev->data, ev->len, (size_t)c->ws.max) < 0) {
		tally(&conn_over, "a message past the memory budget, close 1009");
		ws_fail(c, 1009);
		return;
	}
	if (ev->last) {
		app->message(c, ev->opcode, c->msg.p, c->msg.len);
		buf_free(c, &c->msg);
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
			VERBOSE("client %d: protocol error, close %d", c->fd, ev.code);
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

/* Returns the bytes of the head once it is complete and answered (route.c decides how), else 0. */
static size_t
http_input(struct conn *c, unsigned char *p, size_t len)
{
	struct http_req req;
	struct route r;
	char out[512];
	size_t n;
	int status = http_parse((const char *)p, len, &req);

	if (status == HTTP_INCOMPLETE)
		return 0;
	route(&req, status, draining, opt.port, opt.allow_origin, opt.nallow_origin, &r);
	if (r.kind == ROUTE_PAGE && app->page)
		app->page(c, r.page, r.head);
	else if (r.kind == ROUTE_PAGE)
		respond(c, 404, "", "not found\n", r.head);    /* echo mode has no page */
	else if (r.kind == ROUTE_ANSWER) {
		if (r.status == 403)
			VERBOSE("client %d: refused a WebSocket from another origin (403)", c->fd);
		respond(c, r.status, r.headers, r.body, r.head);
	} else if (ws_handshake(&req, out, sizeof out, &n) != 101) {
		conn_write(c, out, n);
		conn_drain(c);
	} else {
		conn_write(c, out, n);
		conn_state(c, C_OPEN);
		c->last_rx = c->since;
		c->ws.max = opt.max_payload;
		if (app->open)
			app->open(c);
		cork_flush();                   /* the 101 and the application's first words, in one write */
		if (c->state == C_DEAD)
			return len;             /* they could not be written: it never was a WebSocket */
		VERBOSE("client %d: WebSocket open", c->fd);
		return req.headlen;             /* what follows the head is frames */
	}
	return len;
}

/* reading */

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
	tally(&conn_over, "input past the memory budget");
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
		    buf_append(c, &c->in, rbuf + used, (size_t)n - used, HTTP_HEAD_MAX + READ_CHUNK) < 0)
			conn_over_budget(c);
		return;
	}
	if (buf_append(c, &c->in, rbuf, (size_t)n, HTTP_HEAD_MAX + READ_CHUNK) < 0) {
		conn_over_budget(c);
		return;
	}
	used = conn_input(c, c->in.p + c->in.off, c->in.len - c->in.off);
	if (c->state != C_DEAD)
		buf_consume(c, &c->in, used);
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

/* the table */

#define CONN_OF_TIMER(t) ((struct conn *)(void *)((char *)(t) - offsetof(struct conn, timer)))

/*
 * Fire the timers that are due: a turn costs what expires, never what is
 * open. A connection that has read since its timer was set is timed anew
 * instead (a read does not touch the heap).
 */
void
conns_timers(long long now)
{
	struct timer *t;
	struct conn *c;
	long long d;

	while ((t = timer_due(now)) != NULL) {
		c = CONN_OF_TIMER(t);
		if (c->state == C_DEAD)
			continue;
		if ((d = conn_deadline(c)) > now) {
			timer_set(t, d);
			continue;
		}
		conn_timeout(c, now);
		c->rearm = 1;
		conn_touch(c);
	}
}

/* what to watch c for: reading, unless it has not taken what it was sent; writing, while output waits */
static int
wants(const struct conn *c)
{
	return (conn_pending(c) <= OUT_HIGH_WATER ? EV_READ : 0) | (conn_pending(c) > 0 ? EV_WRITE : 0);
}

/*
 * The turn's end, before the wait: what the cork holds goes out, and each
 * connection touched is settled: a dead one is freed (*freed says a
 * descriptor came free), the rest are watched for what they want now and
 * timed anew if their state changed. Freeing one may touch others: they
 * settle too.
 */
void
conns_settle(int *freed)
{
	struct conn *c;
	long long d;
	int w;

	*freed = 0;
	for (cork_flush(); ntouched > 0; cork_flush()) {
		c = touched[--ntouched];
		c->touched = 0;
		if (c->state == C_DEAD) {
			ev_closing(c->fd, c->wants);
			timer_set(&c->timer, -1);
			conns[c->slot] = conns[--nconns];
			conns[c->slot]->slot = c->slot;
			conn_free(c);
			*freed = 1;
			continue;
		}
		if ((w = wants(c)) != c->wants) {
			if (ev_watch(c->fd, c->wants, w, c) < 0) {
				conn_drop(c, strerror(errno));  /* it cannot be watched: it goes, settled in this loop */
				continue;
			}
			c->wants = (unsigned char)w;
		}
		if (c->rearm) {
			c->rearm = 0;
			d = conn_deadline(c);
			timer_set(&c->timer, d ? d : -1);
		}
	}
}

/* the backend found c ready for mask */
void
conn_io(struct conn *c, int mask)
{
	if ((mask & EV_WRITE) && c->state != C_DEAD)
		conn_flush(c);
	if ((mask & EV_READ) && c->state != C_DEAD) {
		conn_busy = c;                  /* its buffers are in use: it never makes room for another */
		conn_read(c);
		conn_busy = NULL;
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
