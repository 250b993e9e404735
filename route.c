/*
 * Which answer a request head gets, decided from the head alone: /healthz
 * and /readyz, the application's pages (the status page, /metrics), the
 * WebSocket upgrade, or an error. The rules that keep web pages out are
 * here too: a Host that is not this host's loopback (DNS rebinding) gets
 * 421 on every path, and an upgrade from a foreign Origin 403, counted for
 * /metrics. serve.c acts on the answer.
 */
#include <ctype.h>
#include <string.h>

#include "http.h"
#include "route.h"

/* ":N", N a port written as its number is (1-65535, no zero first); port, unless port is 0 (any) */
static int
port_is(struct span s, int port)
{
	long v = 0;
	size_t i;

	if (s.n < 2 || s.n > 6 || s.p[0] != ':' || s.p[1] == '0')
		return 0;
	for (i = 1; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return 0;
		v = v * 10 + (s.p[i] - '0');
	}
	return v <= 65535 && (port == 0 || v == port);
}

/*
 * Does s name this host's loopback (127.0.0.1, localhost or [::1]) at this
 * port (0: any)? Without a port it matches only if bare_ok. A Host header
 * may leave the port out; an Origin leaves it out only for port 80.
 */
int
http_loopback(struct span s, int port, int bare_ok)
{
	static const char *const names[] = { "127.0.0.1", "localhost", "[::1]" };
	size_t i, n;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		n = strlen(names[i]);
		if (s.n < n || !span_eq((struct span){ s.p, n }, names[i]))
			continue;
		return s.n == n ? bare_ok : port_is((struct span){ s.p + n, s.n - n }, port);
	}
	return 0;
}

/* Is origin one of the daemon's own (http://<loopback>:<port>) or one allowed by name? */
int
http_origin_allowed(struct span origin, int port, const char *const *allowed, int nallowed)
{
	int i;

	for (i = 0; i < nallowed; i++)
		if (span_eq(origin, allowed[i]))
			return 1;
	return origin.n > 7 && span_eq((struct span){ origin.p, 7 }, "http://") &&
	    http_loopback((struct span){ origin.p + 7, origin.n - 7 }, port, port == 80);
}

/*
 * Is origin the page's own: "http://" and then the Host it came by? Host
 * is loopback here (the 421 rule), so the page was served by whatever
 * answers at that loopback port: this daemon, or a tunnel to it (ssh -L
 * 18790:127.0.0.1:18789), which a page of another origin cannot be.
 */
static int
same_origin(struct span origin, struct span host)
{
	size_t i;

	if (origin.n != 7 + host.n || !span_eq((struct span){ origin.p, 7 }, "http://"))
		return 0;
	for (i = 0; i < host.n; i++)
		if (tolower((unsigned char)origin.p[7 + i]) != tolower((unsigned char)host.p[i]))
			return 0;
	return 1;
}

/* exact comparison: methods and paths are case-sensitive */
static int
span_is(struct span s, const char *str)
{
	return s.n == strlen(str) && memcmp(s.p, str, s.n) == 0;
}

static void
answer(struct route *r, int status, const char *headers, const char *body)
{
	r->kind = ROUTE_ANSWER;
	r->status = status;
	r->headers = headers;
	r->body = body;
}

static unsigned long origins_refused;

unsigned long
route_origins_refused(void)
{
	return origins_refused;
}

/*
 * The answer to a head that http_parse returned status for (not
 * HTTP_INCOMPLETE), for a daemon on port that also lets pages of the
 * allowed origins open a WebSocket.
 */
void
route(const struct http_req *req, int status, int draining, int port, const char *const *allowed, int nallowed,
    struct route *r)
{
	static const char allow[] = "Allow: GET, HEAD\r\n", busy[] = "{\"ok\":false,\"status\":\"draining\"}";
	struct span v, host = { NULL, 0 };
	int get, live, ready, metrics;

	r->kind = ROUTE_ANSWER;
	r->status = r->head = r->page = 0;
	r->headers = "";
	if (status == 431 || status == 505) {
		r->status = status;
		r->body = status == 431 ? "request head too large\n" : "HTTP/1.x only\n";
		return;
	}
	if (status != 200) {
		r->status = 400;
		r->body = "malformed request\n";
		return;
	}
	r->head = span_is(req->method, "HEAD");
	get = r->head || span_is(req->method, "GET");
	live = span_is(req->path, "/health") || span_is(req->path, "/healthz");
	ready = span_is(req->path, "/ready") || span_is(req->path, "/readyz");
	metrics = span_is(req->path, "/metrics");
	/* DNS rebinding brings a name that is not loopback; any port, as a tunnel from another one forwards its own */
	if (http_header(req, "host", &host) && !http_loopback(host, 0, 1))
		answer(r, 421, "", "Host must name this host's loopback\n");
	else if (live || ready || metrics) {
		if (!get)
			answer(r, 405, allow, "method not allowed\n");
		else if (metrics) {
			r->kind = ROUTE_PAGE;   /* the application's, as the status page is */
			r->page = PAGE_METRICS;
		} else if (live)
			answer(r, 200, "", "{\"ok\":true,\"status\":\"live\"}");
		else if (draining)
			answer(r, 503, "", busy);
		else
			answer(r, 200, "", "{\"ok\":true,\"status\":\"ready\"}");
	} else if (!span_is(req->path, "/"))
		answer(r, 404, "", "not found\n");
	else if (!get)
		answer(r, 405, allow, "method not allowed\n");
	else if (r->head || (!http_header(req, "upgrade", NULL) && !http_header(req, "sec-websocket-key", NULL)))
		r->kind = ROUTE_PAGE;           /* a browser asking for the page, not a WebSocket */
	else if (draining)
		answer(r, 503, "", busy);
	else if (http_header(req, "origin", &v) && !http_origin_allowed(v, port, allowed, nallowed) &&
	    !(host.p && same_origin(v, host))) {
		answer(r, 403, "", "origin not allowed\n");     /* a page of another origin, or a file: page ("null") */
		origins_refused++;
	} else
		r->kind = ROUTE_UPGRADE;
	if (r->status == 405)
		r->head = 0;                    /* a method not allowed hears why, even to HEAD */
}
