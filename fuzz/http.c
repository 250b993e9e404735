/* libFuzzer: the HTTP head parser, the handshake and the Host/Origin rules, as conn.c calls them. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "../config.h"
#include "../http.h"
#include "../route.h"

#include "../ws.h"

static int
inside(struct span s, const char *buf, size_t len)
{
	return s.n == 0 || (s.p >= buf && s.p + s.n <= buf + len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = { "https://app.example" };
	struct http_req req;
	struct span v;
	char out[512];
	size_t outlen = 0;
	int st, i;

	struct route r;

	st = http_parse((const char *)data, size, &req);
	assert(st == HTTP_INCOMPLETE || st == 200 || st == 400 || st == 431 || st == 505);
	if (st == HTTP_INCOMPLETE)
		return 0;
	/* every head gets one answer, and an error is a status with a body */
	route(&req, st, size & 1, 18789, allowed, 1, &r);
	assert(r.kind == ROUTE_PAGE || r.kind == ROUTE_UPGRADE || (r.kind == ROUTE_ANSWER && r.status >= 200 &&
	    r.status < 600 && r.body && r.headers));
	assert(st == 200 || (r.kind == ROUTE_ANSWER && r.status == st));
	if (st != 200)
		return 0;
	assert(req.headlen <= size && req.headlen <= HTTP_HEAD_MAX);
	assert(inside(req.method, (const char *)data, req.headlen) && inside(req.path, (const char *)data, req.headlen));
	for (i = 0; i < req.nheaders; i++)
		assert(inside(req.name[i], (const char *)data, req.headlen) &&
		    inside(req.value[i], (const char *)data, req.headlen));
	if (http_header(&req, "host", &v))
		http_loopback(v, 18789, 1);
	if (http_header(&req, "origin", &v))
		http_origin_allowed(v, 18789, allowed, 1);
	st = ws_handshake(&req, out, sizeof out, &outlen);
	assert((st == 101 || st == 400 || st == 426) && outlen > 0 && outlen < sizeof out);
	assert(memcmp(out, "HTTP/1.1 ", 9) == 0);
	assert(st != 101 || memcmp(out + outlen - 4, "\r\n\r\n", 4) == 0);     /* frames follow a 101 at once */
	return 0;
}
