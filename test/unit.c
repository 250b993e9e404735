/* unit vectors: SHA-1, Base64, the handshake sample, HTTP heads, frames, UTF-8 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "openclaw/rpc.h"
#include "openclaw/catalog.h"
#include "timer.h"



static void
hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void
sha1_vectors(void)
{
	static const struct { const char *in, *out; } v[] = {   /* FIPS 180-2 appendix A, and "" */
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	};
	unsigned char d[SHA1_LEN];
	char h[2 * SHA1_LEN + 1], *a;
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		sha1(v[i].in, strlen(v[i].in), d);
		hex(d, sizeof d, h);
		check(strcmp(h, v[i].out) == 0, "sha1(\"%s\") = %s", v[i].in, h);
	}
	a = malloc(1000000);
	memset(a, 'a', 1000000);
	sha1(a, 1000000, d);
	hex(d, sizeof d, h);
	check(strcmp(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f") == 0, "sha1(a x 1e6) = %s", h);
	/* lengths around the padding boundary: 55, 56, 63, 64 bytes */
	sha1(a, 55, d);
	hex(d, sizeof d, h);
	check(strcmp(h, "c1c8bbdc22796e28c0e15163d20899b65621d65a") == 0, "sha1(a x 55) = %s", h);
	sha1(a, 56, d);
	hex(d, sizeof d, h);
	check(strcmp(h, "c2db330f6083854c99d4b5bfb6e8f29f201be699") == 0, "sha1(a x 56) = %s", h);
	sha1(a, 64, d);
	hex(d, sizeof d, h);
	check(strcmp(h, "0098ba824b5c16427bd7a1122a5a442a25ec644d") == 0, "sha1(a x 64) = %s", h);
	free(a);
}

static void
base64_vectors(void)
{
	static const char *v[][2] = {   /* RFC 4648 section 10 */
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *bad[] = { "Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n",
		"=Zm9", "Zg==Zg==", "Zm9v!A==" };
	unsigned char out[16];
	char enc[16];
	size_t i;
	long n;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		base64_encode((const unsigned char *)v[i][0], strlen(v[i][0]), enc);
		check(strcmp(enc, v[i][1]) == 0, "base64(\"%s\") = \"%s\"", v[i][0], enc);
		n = base64_decode(v[i][1], strlen(v[i][1]), out, sizeof out);
		check(n == (long)strlen(v[i][0]) && memcmp(out, v[i][0], (size_t)n) == 0,
		    "unbase64(\"%s\")", v[i][1]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		check(base64_decode(bad[i], strlen(bad[i]), out, sizeof out) < 0,
		    "unbase64 refuses \"%s\"", bad[i]);
	check(base64_decode("Zm9vYmFy", 8, out, 5) < 0, "unbase64 respects the output size");
	/*
	 * Bug: base64url wrote the padding, then took it off, so it wrote a byte
	 * past a buffer sized for its own output (a device key's 43 + 1).
	 */
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		const size_t len = strlen(v[i][0]), want = (4 * len + 2) / 3;
		char exact[16];
		memset(exact, '#', sizeof exact);
		n = (long)base64url_encode((const unsigned char *)v[i][0], len, exact);
		check(n == (long)want && strncmp(exact, v[i][1], want) == 0 && exact[want] == '\0' && exact[want + 1] == '#',
		    "base64url(\"%s\") = \"%s\", no padding, and not a byte past its own length", v[i][0], exact);
	}
	{
		static const unsigned char key[32] = { 0xfb, 0xff, 0xbf };
		char k64[43 + 1 + 1];
		k64[44] = '#';
		n = (long)base64url_encode(key, sizeof key, k64);
		check(n == 43 && strncmp(k64, "-_-_", 4) == 0 && k64[43] == '\0' && k64[44] == '#',
		    "base64url of a 32-byte key: 43 digits of - and _, in 44 bytes (%s)", k64);
	}
}

static struct span
sp(const char *s)
{
	struct span v;

	v.p = s;
	v.n = strlen(s);
	return v;
}

/* the Host and Origin rules against DNS rebinding and cross-site WebSockets */
static void
loopback_vectors(void)
{
	static const char *const allowed[] = { "https://app.example" };
	static const struct { const char *s; int bare_ok, want; } host[] = {
		{ "127.0.0.1", 1, 1 }, { "127.0.0.1", 0, 0 }, { "127.0.0.1:8080", 0, 1 }, { "localhost:8080", 1, 1 },
		{ "LocalHost", 1, 1 }, { "[::1]:8080", 0, 1 }, { "[::1]", 1, 1 }, { "127.0.0.1:80", 1, 0 },
		{ "127.0.0.1:8080x", 1, 0 }, { "127.0.0.1:08080", 1, 0 }, { "127.0.0.10", 1, 0 }, { "localhost.", 1, 0 },
		{ "::1", 1, 0 }, { "", 1, 0 }, { "127.0.0.1:", 1, 0 }, { "evil.example", 1, 0 },
	};
	static const struct { const char *s; int want; } origin[] = {
		{ "http://127.0.0.1:8080", 1 }, { "http://localhost:8080", 1 }, { "http://[::1]:8080", 1 },
		{ "https://app.example", 1 }, { "HTTPS://APP.EXAMPLE", 1 }, { "https://app.example:443", 0 },
		{ "http://127.0.0.1", 0 }, { "https://127.0.0.1:8080", 0 }, { "null", 0 }, { "", 0 }, { "http://", 0 },
		{ "http://127.0.0.1:8080/", 0 }, { "http://evil.example", 0 }, { "file://", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof host / sizeof host[0]; i++)
		check(http_loopback(sp(host[i].s), 8080, host[i].bare_ok) == host[i].want,
		    "Host \"%s\" (bare %s) is %s", host[i].s, host[i].bare_ok ? "ok" : "not ok",
		    host[i].want ? "ours" : "not ours");
	check(http_loopback(sp("127.0.0.1:18790"), 0, 0) && http_loopback(sp("[::1]:1"), 0, 0) &&
	    !http_loopback(sp("127.0.0.1:65536"), 0, 1) && !http_loopback(sp("127.0.0.1:0"), 0, 1) &&
	    !http_loopback(sp("localhost:080"), 0, 1) && !http_loopback(sp("evil.example:80"), 0, 1),
	    "port 0: a loopback Host at any port, written as its number");
	for (i = 0; i < sizeof origin / sizeof origin[0]; i++)
		check(http_origin_allowed(sp(origin[i].s), 8080, allowed, 1) == origin[i].want,
		    "Origin \"%s\" is %s", origin[i].s, origin[i].want ? "allowed" : "refused");
	check(http_origin_allowed(sp("http://127.0.0.1"), 80, NULL, 0), "on port 80 the Origin has no port");
}

/* route.c: every head gets its answer (kind, status, headers only) */
static void
route_vectors(void)
{
	static const char *const allowed[] = { "https://app.example" };
	static const struct { const char *head; int draining, kind, status, headonly; } v[] = {
		{ "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 1, ROUTE_ANSWER, 200, 0 },
		{ "HEAD /health HTTP/1.1\r\nHost: localhost:8080\r\n\r\n", 0, ROUTE_ANSWER, 200, 1 },
		{ "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0, ROUTE_ANSWER, 405, 0 },
		{ "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0, ROUTE_ANSWER, 200, 0 },
		{ "GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 1, ROUTE_ANSWER, 503, 0 },
		{ "GET /readyz HTTP/1.1\r\nHost: evil.example\r\n\r\n", 0, ROUTE_ANSWER, 421, 0 },
		{ "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 1, ROUTE_PAGE, 0, 0 },
		{ "HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n", 0, ROUTE_PAGE, 0, 1 },
		{ "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n", 0, ROUTE_UPGRADE, 0, 0 },
		{ "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n", 1, ROUTE_ANSWER, 503, 0 },
		{ "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nOrigin: null\r\n\r\n", 0, ROUTE_ANSWER, 403, 0 },
		{ "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nSec-WebSocket-Key: x\r\nOrigin: https://app.example\r\n\r\n", 0,
		  ROUTE_UPGRADE, 0, 0 },
		/* the page's own origin, at the port it came by (a tunnel's): the Host it sends */
		{ "GET / HTTP/1.1\r\nHost: 127.0.0.1:18790\r\nUpgrade: websocket\r\nOrigin: http://127.0.0.1:18790\r\n\r\n",
		  0, ROUTE_UPGRADE, 0, 0 },
		{ "GET / HTTP/1.1\r\nHost: localhost:18790\r\nUpgrade: websocket\r\nOrigin: http://LocalHost:18790\r\n\r\n",
		  0, ROUTE_UPGRADE, 0, 0 },
		{ "GET / HTTP/1.1\r\nHost: 127.0.0.1:18790\r\nUpgrade: websocket\r\nOrigin: http://127.0.0.1:18791\r\n\r\n",
		  0, ROUTE_ANSWER, 403, 0 },
		{ "GET / HTTP/1.1\r\nHost: 127.0.0.1:18790\r\nUpgrade: websocket\r\nOrigin: http://localhost:18790\r\n\r\n",
		  0, ROUTE_ANSWER, 403, 0 },
		{ "GET / HTTP/1.1\r\nHost: 127.0.0.1:18790\r\nUpgrade: websocket\r\nOrigin: https://127.0.0.1:18790\r\n\r\n",
		  0, ROUTE_ANSWER, 403, 0 },
		{ "GET / HTTP/1.1\r\nHost: [::1]:18790\r\nUpgrade: websocket\r\nOrigin: http://[::1]:18790/\r\n\r\n",
		  0, ROUTE_ANSWER, 403, 0 },
		{ "GET / HTTP/1.0\r\nUpgrade: websocket\r\nOrigin: http://127.0.0.1:18790\r\n\r\n", 0, ROUTE_ANSWER, 403, 0 },
		{ "PUT / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0, ROUTE_ANSWER, 405, 0 },
		{ "HEAD /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0, ROUTE_ANSWER, 404, 1 },
		{ "GET /Healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0, ROUTE_ANSWER, 404, 0 },
		{ "GET / HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 0, ROUTE_ANSWER, 505, 0 },
		{ "GET /\nHost: x\r\n\r\n", 0, ROUTE_ANSWER, 400, 0 },
	};
	struct http_req req;
	struct route r;
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		route(&req, http_parse(v[i].head, strlen(v[i].head), &req), v[i].draining, 8080, allowed, 1, &r);
		check(r.kind == v[i].kind && r.status == v[i].status && r.head == v[i].headonly,
		    "route %.40s (draining %d): kind %d status %d head %d", v[i].head, v[i].draining, r.kind, r.status, r.head);
	}
}

static int
parse(const char *head, struct http_req *req)
{
	return http_parse(head, strlen(head), req);
}

static void
http_vectors(void)
{
	static const struct { const char *head; int status; } v[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200 },
		{ "GET /x?y HTTP/1.0\r\n\r\n", 200 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\r\n", 200 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n", HTTP_INCOMPLETE },
		{ "GET / HTTP/1.1\r\n", HTTP_INCOMPLETE },
		{ "", HTTP_INCOMPLETE },
		{ "GET / HTTP/1.1\nHost: a\r\n\r\n", 400 },           /* bare LF */
		{ "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400 },      /* bare CR */
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400 },        /* space before colon */
		{ "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", 400 },   /* obs-fold */
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\n\r\n", 400 },                    /* no Host */
		{ "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400 },
		{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400 },
		{ "GET x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTQ/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / \r\n\r\n", 400 },
		{ "GET /\r\n\r\n", 400 },
		{ "\r\n\r\n", 400 },
		{ "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
	};
	struct http_req req;
	struct span s;
	char big[HTTP_HEAD_MAX + 64];
	size_t i;
	int st;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		st = parse(v[i].head, &req);
		check(st == v[i].status, "http_parse(%zu) = %d, want %d", i, st, v[i].status);
	}
	check(http_parse("GET / HTTP/1.1\r\nHost: a\0\r\n\r\n", 28, &req) == 400, "NUL in a head is 400");
	st = parse("GET /p?q=1 HTTP/1.1\r\nhOsT:  h  \r\nConnection: keep-alive, Upgrade\r\n\r\nXYZ", &req);
	check(st == 200 && req.headlen == 68, "head length %zu", req.headlen);
	check(req.path.n == 2 && memcmp(req.path.p, "/p", 2) == 0, "path without query");
	check(http_header(&req, "HOST", &s) == 1 && s.n == 1 && s.p[0] == 'h', "header names ignore case, values trimmed");
	check(http_header(&req, "connection", &s) == 1 && http_has_token(s, "upgrade") &&
	    http_has_token(s, "Keep-Alive") && !http_has_token(s, "keep"), "comma lists are tokens");
	memset(big, 'a', sizeof big);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	check(http_parse(big, sizeof big, &req) == 431, "a head over %d bytes is 431", HTTP_HEAD_MAX);
	check(http_parse(big, HTTP_HEAD_MAX - 1, &req) == HTTP_INCOMPLETE, "a head just under the limit waits");
}

static void
handshake_vectors(void)
{
	struct http_req req;
	char out[512];
	size_t n = 0;
	const char *head =
	    "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n";

	/* RFC 6455 section 1.3 */
	check(parse(head, &req) == 200 && ws_handshake(&req, out, sizeof out, &n) == 101 &&
	    strstr(out, "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != NULL &&
	    strstr(out, "Extensions") == NULL, "RFC 6455 sample key gives s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	check(n == strlen(out), "101 response length");
}

/* A frame as a client sends it: masked with a fixed key. */
static size_t
frame(unsigned char *out, int b0, const void *payload, size_t n)
{
	static const unsigned char key[4] = { 0x37, 0xfa, 0x21, 0x3d };
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

/*
 * Feed a stream to the parser in chunks of `step` bytes, keeping what it
 * does not consume exactly as the daemon does, and write what it reports:
 * "D<op>:<bytes>|" a message however many pieces it came in, "C<op>:<bytes>|"
 * a control frame, "E<code>" an error.
 */
static void
transcript(const unsigned char *stream, size_t len, size_t step, char *out, size_t cap)
{
	unsigned char pend[4096];
	struct ws w;
	struct ws_event ev;
	size_t have = 0, fed = 0, n, o = 0, i;
	int inmsg = 0;

	memset(&w, 0, sizeof w);
	w.max = 1000;
	out[0] = '\0';
	while (fed < len) {
		n = len - fed < step ? len - fed : step;
		memcpy(pend + have, stream + fed, n);
		have += n;
		fed += n;
		for (;;) {
			if (o + 32 > cap)
				return;                     /* the caller's buffer is full */
			n = ws_parse(&w, pend, have, &ev);
			if (ev.type == WS_EV_ERROR) {
				snprintf(out + o, cap - o, "E%d", ev.code);
				return;
			}
			if (ev.type == WS_EV_CONTROL || (ev.type == WS_EV_DATA && !inmsg))
				o += (size_t)snprintf(out + o, cap - o, "%c%d:",
				    ev.type == WS_EV_DATA ? 'D' : 'C', ev.opcode);
			if (ev.type == WS_EV_DATA)
				inmsg = !ev.last;
			for (i = 0; i < ev.len && o + 16 < cap; i++)
				out[o++] = (char)ev.data[i];
			if (ev.type == WS_EV_CONTROL || (ev.type == WS_EV_DATA && ev.last))
				out[o++] = '|';
			out[o] = '\0';
			memmove(pend, pend + n, have - n);
			have -= n;
			if (n == 0 && ev.type == WS_EV_MORE)
				break;
		}
	}
}

/* the stream gives the same messages however it is cut, one byte at a time included */
static void
split_vectors(void)
{
	unsigned char s[2048];
	char one[4096], cut[4096], want[1024];
	size_t n = 0, step;

	n += frame(s + n, 0x81, "hello", 5);
	n += frame(s + n, 0x02, "ab", 2);                          /* fragmented binary */
	n += frame(s + n, 0x89, "pi", 2);                          /* ping in between */
	n += frame(s + n, 0x80, "cd", 2);
	n += frame(s + n, 0x01, "\xce", 1);                        /* a code point split across frames */
	n += frame(s + n, 0x80, "\xba\xe1\xbd\xb9", 4);
	memset(want, 'x', 300);
	n += frame(s + n, 0x82, want, 300);                        /* 16-bit length */
	n += frame(s + n, 0x81, "", 0);
	n += frame(s + n, 0x88, "\x03\xe8" "bye", 5);
	snprintf(want, sizeof want, "D1:hello|D2:abC9:pi|cd|D1:\xce\xba\xe1\xbd\xb9|D2:%0300d|D1:|C8:\x03\xe8" "bye|", 0);
	memset(strstr(want, "D2:0") + 3, 'x', 300);
	transcript(s, n, n, one, sizeof one);
	check(strcmp(one, want) == 0, "one-shot parse: %.60s", one);
	for (step = 1; step <= 32; step++) {
		transcript(s, n, step, cut, sizeof cut);
		check(strcmp(one, cut) == 0, "parse in %zu-byte pieces matches the one-shot parse", step);
	}
}

static void
frame_errors(void)
{
	static const struct { const char *name; int b0; const char *p; size_t n; int code; } v[] = {
		{ "RSV1", 0xc1, "a", 1, 1002 }, { "RSV2", 0xa1, "a", 1, 1002 }, { "RSV3", 0x91, "a", 1, 1002 },
		{ "opcode 3", 0x83, "", 0, 1002 }, { "opcode 7", 0x87, "", 0, 1002 },
		{ "opcode 11", 0x8b, "", 0, 1002 }, { "opcode 15", 0x8f, "", 0, 1002 },
		{ "lone continuation", 0x80, "a", 1, 1002 }, { "fragmented ping", 0x09, "", 0, 1002 },
		{ "invalid UTF-8", 0x81, "\xff", 1, 1007 }, { "surrogate", 0x81, "\xed\xa0\x80", 3, 1007 },
		{ "overlong", 0x81, "\xc0\xaf", 2, 1007 }, { "above U+10FFFF", 0x81, "\xf4\x90\x80\x80", 4, 1007 },
		{ "truncated code point", 0x81, "\xe2\x82", 2, 1007 },
		{ "1-byte close", 0x88, "\x03", 1, 1002 }, { "close 999", 0x88, "\x03\xe7", 2, 1002 },
		{ "close 1005", 0x88, "\x03\xed", 2, 1002 }, { "close 1015", 0x88, "\x03\xf7", 2, 1002 },
		{ "close 5000", 0x88, "\x13\x88", 2, 1002 }, { "close bad reason", 0x88, "\x03\xe8\xff", 3, 1007 },
	};
	unsigned char s[64], big[200];
	char out[256], want[16];
	size_t i, n;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		n = frame(s, v[i].b0, v[i].p, v[i].n);
		snprintf(want, sizeof want, "E%d", v[i].code);
		transcript(s, n, n, out, sizeof out);
		check(strstr(out, want) != NULL, "%s: %s, want %s", v[i].name, out, want);
	}
	s[0] = 0x81;                                        /* unmasked */
	s[1] = 0x01;
	s[2] = 'a';
	transcript(s, 3, 3, out, sizeof out);
	check(strcmp(out, "E1002") == 0, "unmasked frame: %s", out);
	memcpy(big, "\x82\xff\x80\0\0\0\0\0\0\0\1\2\3\4", 14);
	transcript(big, 14, 14, out, sizeof out);
	check(strcmp(out, "E1002") == 0, "64-bit length with top bit: %s", out);
	transcript((const unsigned char *)"\x89\xfe\x00\x7e", 4, 4, out, sizeof out);
	check(strcmp(out, "E1002") == 0, "control frame over 125 bytes: %s", out);
	n = frame(s, 0x01, "a", 1);
	n += frame(s + n, 0x81, "b", 1);
	transcript(s, n, n, out, sizeof out);
	check(strcmp(out, "D1:aE1002") == 0, "new message inside a fragmented one: %s", out);
	/* over the limit (1000 here): refused from the header alone */
	transcript((const unsigned char *)"\x82\xfe\x03\xe9\1\2\3\4", 8, 8, out, sizeof out);
	check(strcmp(out, "E1009") == 0, "message over the limit: %s", out);
	{
		static unsigned char two[1400], part[600];   /* 600 + 600 over 1000 in two fragments */
		memset(part, 'z', sizeof part);
		n = frame(two, 0x02, part, sizeof part);
		n += frame(two + n, 0x80, part, sizeof part);
		static char tout[2048];
		transcript(two, n, n, tout, sizeof tout);
		check(strstr(tout, "E1009") != NULL, "fragmented message over the limit: 1009");
	}
	/* fail fast: the bad byte is refused before the frame's end arrives */
	n = frame(s, 0x81, "ab\xc0xxxxxxxx", 11);
	transcript(s, 9, 9, out, sizeof out);
	check(strcmp(out, "E1007") == 0, "invalid UTF-8 refused at once: %s", out);
}

static void
utf8_vectors(void)
{
	static const struct { const char *s; int ok; } v[] = {
		{ "", 1 }, { "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!", 1 },
		{ "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", 1 }, { "\xf0\x90\x80\x80", 1 },
		{ "\xf4\x8f\xbf\xbf", 1 }, { "\xef\xbf\xbf", 1 }, { "\xed\x9f\xbf", 1 }, { "\xee\x80\x80", 1 },
		{ "\x7f", 1 }, { "\xc2\x80", 1 }, { "\xe0\xa0\x80", 1 },
		{ "\x80", 0 }, { "\xbf", 0 }, { "\xc0\x80", 0 }, { "\xc1\xbf", 0 }, { "\xe0\x9f\xbf", 0 },
		{ "\xf0\x8f\xbf\xbf", 0 }, { "\xed\xa0\x80", 0 }, { "\xed\xbf\xbf", 0 }, { "\xf4\x90\x80\x80", 0 },
		{ "\xf5\x80\x80\x80", 0 }, { "\xfe", 0 }, { "\xff", 0 }, { "\xc2", 0 }, { "\xe0\xa0", 0 },
		{ "\xce\xba\xe1\xbd", 0 }, { "\xc2\x41", 0 },
	};
	size_t i, k, len;
	uint32_t st;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		len = strlen(v[i].s);
		check((utf8_step(UTF8_ACCEPT, (const unsigned char *)v[i].s, len) == UTF8_ACCEPT) == v[i].ok,
		    "utf8 vector %zu", i);
		/* byte by byte gives the same verdict */
		for (st = UTF8_ACCEPT, k = 0; k < len && st != UTF8_REJECT; k++)
			st = utf8_step(st, (const unsigned char *)v[i].s + k, 1);
		check((st == UTF8_ACCEPT) == v[i].ok, "utf8 vector %zu byte by byte", i);
	}
}

static void
json_vectors(void)
{
	static const char *valid[] = {
		"{}", "[]", "0", "-0", "1.5e10", "-12.25E-3", "\"\"", "true", "false", "null", " \t\r\n{} ",
		"{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\\ud83d\\ude00\\n\\/\"}", "\"\xc3\xa9\xf0\x9f\x98\x80\"",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",     /* depth 32 */
	};
	static const char *invalid[] = {
		"", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "+1", "1e", "-",
		"\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
		"\"a\tb\"", "\"\xff\"", "\"\xed\xa0\x80\"", "NaN", "Infinity", "tru", "nul", "{}x", "[] []",
		"{\"a\":1}}", "'a'", "[1 2]",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",   /* depth 33 */
	};
	static const char escaped[] = "\"q\\\"b\\\\n\\n\\r\\t\\u0001\\u001f\\u007f\xc3\xa9\"";
	struct json_tok t[64];
	char buf[64], out[128];
	struct jw w;
	long long v;
	size_t i;
	const char *doc;
	int n;

	for (i = 0; i < sizeof valid / sizeof valid[0]; i++)
		check(json_parse(valid[i], strlen(valid[i]), t, 64) > 0, "json valid: %s", valid[i]);
	for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
		check(json_parse(invalid[i], strlen(invalid[i]), t, 64) < 0, "json invalid: %s", invalid[i]);
	check(json_parse("[1,2,3]", 7, t, 3) == JSON_TOO_MANY, "json: more values than tokens is said so");
	check(json_parse("[1,2,3]", 7, t, 4) == 4, "json: exactly enough tokens");
	check(json_parse("{\"a\":1}\0", 8, t, 64) < 0, "json: a NUL after the value is refused");

	doc = "{\"k\":\"first\",\"n\":{\"x\":[1,2]},\"k\":\"last\",\"\\u006b2\":42,\"f\":4.0}";
	n = json_parse(doc, strlen(doc), t, 64);
	check(n == 15, "json token count %d", n);
	check(json_string(doc, t, json_get(doc, t, 0, "k"), buf, sizeof buf) == 4 && strcmp(buf, "last") == 0,
	    "json duplicate keys: the last wins, as in JSON.parse");
	check(json_integer(doc, t, json_get(doc, t, 0, "k2"), &v) == 0 && v == 42, "json escaped key, integer");
	check(json_integer(doc, t, json_get(doc, t, 0, "f"), &v) < 0, "json 4.0 is not an integer here");
	check(json_get(doc, t, 0, "missing") < 0 && json_get(doc, t, json_get(doc, t, 0, "n"), "x") > 0,
	    "json nested lookup");
	check(json_string(doc, t, json_get(doc, t, 0, "k"), buf, 4) < 0, "json string longer than the buffer is refused");
	doc = "[\"a\\u0000b\"]";
	check(json_parse(doc, strlen(doc), t, 64) == 2 && json_string(doc, t, 1, buf, sizeof buf) < 0 &&
	    buf[0] == '\0', "json: a string with an escaped NUL is not made a C string (it would be cut)");

	w = jw_init(out, sizeof out);
	jw_string(&w, "q\"b\\n\n\r\t\x01\x1f\x7f\xc3\xa9", 13);
	check(!w.overflow && w.len == sizeof escaped - 1 && memcmp(out, escaped, w.len) == 0,
	    "json writer escapes quote, backslash and controls: %.*s", (int)w.len, out);
	n = json_parse(out, w.len, t, 64);
	check(n == 1 && json_string(out, t, 0, buf, sizeof buf) == 13 &&
	    memcmp(buf, "q\"b\\n\n\r\t\x01\x1f\x7f\xc3\xa9", 13) == 0, "json writer output reads back the same");
	w = jw_init(out, 5);
	jw_str(&w, "too long");
	check(w.overflow, "json writer reports overflow");
}

/* the method catalog: every entry found by the search (so it is in order), and what it answers */
static void
catalog_vectors(void)
{
	static const struct { const char *name; unsigned scope; } v[] = {
		{ "cron.list", S_READ }, { "sessions.list", S_READ | S_SESSIONS_READ }, { "set-heartbeats", S_ADMIN },
		{ "node.invoke", S_DYNAMIC }, { "node.event", S_NODE }, { "node.pair.approve", S_PAIRING },
		{ "question.list", S_QUESTIONS | S_SESSIONS_WRITE }, { "config.get", S_READ }, { "config.set", S_ADMIN },
		{ "no.such.method", S_ADMIN }, { "", S_ADMIN }, { "zzz", S_ADMIN },
	};
	size_t i, found = 0;

	for (i = 0; i < catalog_len; i++)
		found += catalog_scope(catalog[i].name) == catalog[i].scope;
	check(catalog_len == 482 && found == catalog_len, "the method catalog: %zu of %zu entries found by the search",
	    found, catalog_len);
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		check(catalog_scope(v[i].name) == v[i].scope, "catalog: %s needs %#x", v[i].name, v[i].scope);
}

/*
 * The state file's round trip over random records (test/roundtrip.c), a
 * program of its own since it links the daemon's objects: its failures
 * become this run's.
 */
static void
state_roundtrip(void)
{
	char line[512];
	long cases = -1, wrong = -1, devices = 0;
	FILE *p = popen("./test/roundtrip 3000 1", "r");

	while (p && fgets(line, sizeof line, p)) {
		if (strncmp(line, "FAIL: ", 6) == 0)
			check(0, "%.*s", (int)strcspn(line + 6, "\n"), line + 6);
		sscanf(line, "roundtrip: %ld cases, %ld devices, %ld failed", &cases, &devices, &wrong);
	}
	check(p != NULL && pclose(p) == 0 && cases == 3000 && wrong == 0,
	    "the state file reads back what it wrote: %ld of 3000 random cases (%ld devices), %ld failed", cases,
	    devices, wrong);
	printf("roundtrip: %ld cases, %ld devices: every file saved, loaded and saved again is the same\n", cases,
	    devices);
}

/* the earliest armed in the model, -1 if none */
static long long
earliest(const long long *model, int n)
{
	long long e = -1;
	int i;

	for (i = 0; i < n; i++)
		if (model[i] >= 0 && (e < 0 || model[i] < e))
			e = model[i];
	return e;
}

/*
 * The timers' heap against a plain array, over random arming, moving,
 * disarming and expiring: the same timers come due, earliest first, and
 * none is left behind or fired early.
 */
static void
timer_property(void)
{
	enum { N = 300, STEPS = 100000 };
	static struct timer t[N];
	long long model[N], now = 0;
	struct timer *due;
	int i, k, step, fired = 0, bad = 0;

	check(timers_init(N) == 0, "the timers' heap is made");
	for (i = 0; i < N; i++)
		model[i] = -1;
	srand(6455);
	for (step = 0; step < STEPS && !bad; step++) {
		i = rand() % N;
		switch (rand() % 4) {
		case 0:
		case 1:
			model[i] = now + rand() % 1000;
			timer_set(&t[i], model[i]);
			break;
		case 2:
			model[i] = -1;
			timer_set(&t[i], -1);
			break;
		default:
			now += rand() % 40;
			while ((due = timer_due(now)) != NULL) {
				k = (int)(due - t);
				bad += model[k] < 0 || model[k] > now || model[k] != earliest(model, N);
				model[k] = -1;
				fired++;
			}
			bad += (earliest(model, N) >= 0 && earliest(model, N) <= now) || due != NULL;
		}
		bad += timer_next() != earliest(model, N);
	}
	check(bad == 0 && fired > STEPS / 10, "timers: %d random steps over %d timers, %d fired, each on time "
	    "and earliest first (%d wrong)", step, N, fired, bad);
}

void
unit_tests(void)
{
	json_vectors();
	sha1_vectors();
	base64_vectors();
	http_vectors();
	loopback_vectors();
	route_vectors();
	handshake_vectors();
	split_vectors();
	frame_errors();
	utf8_vectors();
	catalog_vectors();
		state_roundtrip();
	timer_property();
}
