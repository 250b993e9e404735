/* the OpenClaw protocol core against the daemon: frames, errors, events */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"
#include "t.h"

#define FIN 0x80
static int port;
static struct json_tok tok[4096];

/*
 * The value at a dotted path in a JSON document, as text: a string decoded,
 * anything else as written. "" if absent.
 */
static const char *
jpath(const char *doc, const char *path)
{
	static char out[4096];
	char key[64];
	const char *dot;
	int i = 0;

	out[0] = '\0';
	if (json_parse(doc, strlen(doc), tok, 4096) < 0)
		return "(not JSON)";
	while (*path && i >= 0) {
		dot = strchr(path, '.');
		snprintf(key, sizeof key, "%.*s", (int)(dot ? (size_t)(dot - path) : strlen(path)), path);
		i = json_get(doc, tok, i, key);
		path = dot ? dot + 1 : "";
	}
	if (i < 0)
		return "";
	if (tok[i].type == JSON_STRING)
		json_string(doc, tok, i, out, sizeof out);
	else
		snprintf(out, sizeof out, "%.*s", (int)tok[i].len, doc + tok[i].start);
	return out;
}

static int
is(const char *doc, const char *path, const char *want)
{
	const char *got = jpath(doc, path);

	if (strcmp(got, want) != 0) {
		printf("  %s = %s, want %s\n", path, got, want);
		return 0;
	}
	return 1;
}

/*
 * The next text frame, as a string the caller frees; NULL if the next frame
 * is not text. Tick events are passed over unless ticks is set: they may
 * come at any time.
 */
static int ticks;

static char *
next_text(int fd)
{
	unsigned char *p;
	size_t n;

	while (ws_recv(fd, &p, &n) == WS_TEXT) {
		if (ticks || !strstr((char *)p, "\"event\":\"tick\""))
			return (char *)p;
		free(p);
	}
	free(p);
	return NULL;
}

static void
send_text(int fd, const char *s)
{
	ws_send_frame(fd, FIN | WS_TEXT, s, strlen(s), 0);
}

static const char connect_tpl[] =
    "{\"type\":\"req\",\"id\":\"c1\",\"method\":\"connect\",\"params\":{\"minProtocol\":%d,"
    "\"maxProtocol\":%d,\"client\":{\"id\":\"%s\",\"version\":\"1.0\",\"platform\":\"test\","
    "\"mode\":\"cli\",\"displayName\":\"tester\"},\"role\":\"operator\",\"scopes\":[\"operator.read\"]%s}}";

static void
connect_frame(char *buf, size_t cap, int minp, int maxp, const char *client, const char *auth)
{
	snprintf(buf, cap, connect_tpl, minp, maxp, client, auth);
}

/* a connection past the challenge: the challenge is checked and returned */
static int
open_challenged(char **challenge)
{
	int fd = ws_open(port);
	char *c;

	if (challenge)
		*challenge = NULL;      /* so a failed open leaves nothing undefined to compare */
	if (fd < 0) {
		check(0, "WebSocket to the protocol gateway");
		return -1;
	}
	c = next_text(fd);
	check(c && is(c, "type", "event") && is(c, "event", "connect.challenge") &&
	    strlen(jpath(c, "payload.nonce")) >= 16 && strspn(jpath(c, "payload.ts"), "0123456789") > 10,
	    "connect.challenge comes first, with a nonce and a ts: %s", c ? c : "(none)");
	if (challenge)
		*challenge = c;
	else
		free(c);
	return fd;
}

/* connected and greeted; the hello-ok frame is checked */
static int
open_hello(const char *client)
{
	char buf[1024], *r;
	int fd = open_challenged(NULL);

	connect_frame(buf, sizeof buf, 3, 4, client, "");
	send_text(fd, buf);
	r = next_text(fd);
	check(r && is(r, "type", "res") && is(r, "id", "c1") && is(r, "ok", "true") &&
	    is(r, "payload.type", "hello-ok") && is(r, "payload.protocol", "4") &&
	    is(r, "payload.server.version", GATEWAY_VERSION) && strlen(jpath(r, "payload.server.connId")) == 36 &&
	    strstr(jpath(r, "payload.features.methods"), "\"health\"") &&
	    strstr(jpath(r, "payload.features.events"), "\"tick\"") &&
	    jpath(r, "payload.snapshot.presence")[0] == '[' && is(r, "payload.snapshot.health.ok", "true") &&
	    jpath(r, "payload.snapshot.stateVersion.presence")[0] != '\0' &&
	    is(r, "payload.auth.role", "operator") && is(r, "payload.auth.scopes", "[\"operator.read\"]") &&
	    is(r, "payload.policy.maxPayload", "16777216") && jpath(r, "payload.policy.maxBufferedBytes")[0] &&
	    jpath(r, "payload.policy.tickIntervalMs")[0], "hello-ok for %s: %.300s", client, r ? r : "(none)");
	free(r);
	return fd;
}

/* expect an error reply with this message, then close code (0: no close expected) */
static void
expect_refusal(int fd, const char *what, const char *id, const char *message, int code)
{
	char *r = next_text(fd);

	check(r && is(r, "type", "res") && is(r, "id", id) && is(r, "ok", "false") &&
	    is(r, "error.code", "INVALID_REQUEST") && is(r, "error.message", message),
	    "%s: error \"%s\" (%s)", what, message, r ? r : "(none)");
	free(r);
	if (code)
		check(expect_close(fd, code), "%s: then close %d", what, code);
}

/* the close frame's reason */
static int
close_with_reason(int fd, int code, const char *reason)
{
	unsigned char *p;
	size_t n;
	int op = ws_recv(fd, &p, &n), ok;

	ok = op == WS_CLOSE && n == 2 + strlen(reason) && (p[0] << 8 | p[1]) == code &&
	    memcmp(p + 2, reason, n - 2) == 0;
	if (!ok)
		printf("  got opcode %d: %.*s\n", op, (int)(n > 2 ? n - 2 : 0), p ? (char *)p + 2 : "");
	free(p);
	return ok;
}

static void
handshake_errors(void)
{
	char buf[1024], *c1, *c2;
	unsigned char *big;
	int fd;

	fd = open_challenged(&c1);
	close(fd);
	fd = open_challenged(&c2);
	{
		char n1[64];
		snprintf(n1, sizeof n1, "%s", c1 ? jpath(c1, "payload.nonce") : "");
		check(c1 && c2 && strcmp(n1, jpath(c2, "payload.nonce")) != 0, "every challenge has its own nonce");
	}
	free(c1);
	free(c2);
	send_text(fd, "{\"type\":\"req\",\"id\":\"h1\",\"method\":\"health\"}");
	expect_refusal(fd, "first request not connect", "h1", "invalid handshake: first request must be connect", 0);
	check(close_with_reason(fd, 1008, "invalid handshake: first request must be connect"),
	    "first request not connect: close 1008 with the message");
	close(fd);

	fd = open_challenged(NULL);
	send_text(fd, "[1,2,3]");
	check(close_with_reason(fd, 1008, "invalid request frame"), "a JSON array before connect: close 1008");
	close(fd);
	fd = open_challenged(NULL);
	send_text(fd, "{\"type\":\"req\",");
	check(close_with_reason(fd, 1008, "invalid request frame"), "broken JSON before connect: close 1008");
	close(fd);
	fd = open_challenged(NULL);
	ws_send_frame(fd, FIN | WS_BINARY, "{}", 2, 0);
	check(close_with_reason(fd, 1008, "invalid request frame"), "a binary frame before connect: close 1008");
	close(fd);
	fd = open_challenged(NULL);
	big = calloc(1, PRECONNECT_MAX + 1);
	memset(big, ' ', PRECONNECT_MAX + 1);
	ws_send_frame(fd, FIN | WS_TEXT, big, PRECONNECT_MAX + 1, 0);
	free(big);
	check(expect_close(fd, 1009), "a frame over 64 KiB before connect: close 1009");
	close(fd);

	fd = open_challenged(NULL);
	connect_frame(buf, sizeof buf, 5, 6, "cli", "");
	send_text(fd, buf);
	{
		char *r = next_text(fd);
		check(r && is(r, "error.message", "protocol mismatch") &&
		    is(r, "error.details.code", "PROTOCOL_MISMATCH") && is(r, "error.details.expectedProtocol", "4"),
		    "protocol mismatch: the error and its details (%s)", r ? r : "(none)");
		free(r);
	}
	check(close_with_reason(fd, 1002, "protocol mismatch"), "protocol mismatch: close 1002");
	close(fd);

	fd = open_challenged(NULL);
	send_text(fd, "{\"type\":\"req\",\"id\":\"c8\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"x\",\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\"},"
	    "\"role\":\"superuser\"}}");
	expect_refusal(fd, "an unknown role", "c8", "invalid role", 0);
	check(close_with_reason(fd, 1008, "invalid role"), "an unknown role: close 1008");
	close(fd);

	fd = open_challenged(NULL);
	send_text(fd, "{\"type\":\"req\",\"id\":\"c9\",\"method\":\"connect\",\"params\":{\"minProtocol\":4}}");
	expect_refusal(fd, "connect without client", "c9", "invalid connect params: minProtocol and maxProtocol must be integers", 0);
	check(close_with_reason(fd, 1008, "invalid connect params: minProtocol and maxProtocol must be integers"),
	    "invalid connect params: close 1008");
	close(fd);
	/* a NUL in a client string was stored as an empty string */
	fd = open_challenged(NULL);
	connect_frame(buf, sizeof buf, 4, 4, "\\u0000x", "");
	send_text(fd, buf);
	expect_refusal(fd, "client id with a NUL", "c1",
	    "invalid connect params: client id, version, platform and mode must be strings of 1 to 127 bytes", 1008);
	close(fd);
}

static void
requests(void)
{
	char buf[4096], *r;
	int fd;

	/* pipelined: connect and three requests in one write, answered in order */
	fd = open_challenged(NULL);
	connect_frame(buf, sizeof buf, 4, 4, "pipeliner", "");
	{
		unsigned char all[8192];
		size_t n = ws_frame(all, FIN | WS_TEXT, buf, strlen(buf));
		const char *reqs[] = {
			"{\"type\":\"req\",\"id\":\"r1\",\"method\":\"health\"}",
			"{\"type\":\"req\",\"id\":\"a\\\"b\\\\c\\n\\u0001\\u00e9\\ud83d\\ude00\",\"method\":\"status\",\"params\":{}}",
			"{\"type\":\"req\",\"id\":\"r3\",\"method\":\"system-presence\"}",
		};
		size_t i;
		for (i = 0; i < 3; i++)
			n += ws_frame(all + n, FIN | WS_TEXT, reqs[i], strlen(reqs[i]));
		send_all(fd, all, n);
	}
	r = next_text(fd);
	check(r && is(r, "payload.type", "hello-ok"), "pipelined connect answered first");
	free(r);
	r = next_text(fd);
	check(r && is(r, "id", "r1") && is(r, "ok", "true") && is(r, "payload.ok", "true") &&
	    jpath(r, "payload.ts")[0] && jpath(r, "payload.durationMs")[0] && jpath(r, "payload.uptimeMs")[0] &&
	    jpath(r, "payload.connections")[0] && !strstr(r, "eventLoop"), "health: %s", r ? r : "");
	free(r);
	r = next_text(fd);
	check(r && is(r, "id", "a\"b\\c\n\001\xc3\xa9\xf0\x9f\x98\x80") && is(r, "payload.version", GATEWAY_VERSION) &&
	    jpath(r, "payload.pid")[0] && is(r, "payload.protocol", "4") && jpath(r, "payload.uptimeMs")[0] &&
	    jpath(r, "payload.connections.total")[0], "status, with an id that needs escaping: %s", r ? r : "");
	check(r && strstr(r, "\"id\":\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\xf0\x9f\x98\x80\"") != NULL,
	    "the id is written back escaped");
	free(r);
	r = next_text(fd);
	check(r && is(r, "id", "r3") && strstr(r, "\"reason\":\"self\"") &&
	    strstr(r, "\"mode\":\"gateway\"") && strstr(r, "\"clientId\":\"pipeliner\"") &&
	    strstr(r, "\"displayName\":\"tester\"") && strstr(r, "\"connId\":"), "system-presence: %s", r ? r : "");
	free(r);

	send_text(fd, "{\"type\":\"req\",\"id\":\"u1\",\"method\":\"no.such\"}");
	expect_refusal(fd, "unknown method", "u1", "unknown method: no.such", 0);
	send_text(fd, "{\"type\":\"req\",\"method\":\"health\"}");
	expect_refusal(fd, "request without an id", "invalid", "invalid request frame", 0);
	send_text(fd, "{\"type\":\"rq\",\"id\":\"t1\",\"method\":\"health\"}");
	expect_refusal(fd, "wrong frame type", "t1", "invalid request frame", 0);
	{
		/* more values than a request may have; an id longer than we keep */
		static char many[2 * JSON_MAX_TOKENS + 64], longid[1200];
		size_t k;
		strcpy(many, "{\"type\":\"req\",\"id\":\"m1\",\"method\":\"health\",\"params\":[");
		for (k = strlen(many); k < sizeof many - 4; k += 2)
			memcpy(many + k, "0,", 2);
		strcpy(many + k - 1, "]}");
		send_text(fd, many);
		expect_refusal(fd, "a request of more than JSON_MAX_TOKENS values", "invalid", "invalid request frame", 0);
		memset(longid, 'i', sizeof longid);
		memcpy(longid, "{\"type\":\"req\",\"method\":\"health\",\"id\":\"", strlen("{\"type\":\"req\",\"method\":\"health\",\"id\":\""));
		strcpy(longid + sizeof longid - 3, "\"}");
		send_text(fd, longid);
		expect_refusal(fd, "an id over 511 bytes", "invalid", "invalid request frame", 0);
	}
	send_text(fd, "not json");
	send_text(fd, "{\"type\":\"req\",\"id\":\"g1\",\"method\":\"config.get\"}");
	r = next_text(fd);
	check(r && is(r, "id", "g1") && atoi(jpath(r, "payload.gateway.port")) == port &&
	    is(r, "payload.gateway.bind", "loopback") && is(r, "payload.gateway.auth.mode", "none") &&
	    jpath(r, "payload.limits.maxPayload")[0], "config.get after ignored junk; the connection stays open: %s", r ? r : "");
	free(r);
	check(close_clean(fd), "a client's close 1000 is echoed");
	close(fd);
}

static void
presence(void)
{
	char *r;
	int a, b;

	a = open_hello("first");
	b = open_hello("second");
	r = next_text(a);
	check(r && is(r, "type", "event") && is(r, "event", "presence") && strstr(r, "\"clientId\":\"second\"") &&
	    is(r, "seq", "1"), "a client hears another join: %s", r ? r : "");
	free(r);
	close(b);
	r = next_text(a);
	check(r && is(r, "event", "presence") && !strstr(r, "\"clientId\":\"second\"") &&
	    strstr(r, "\"clientId\":\"first\"") && is(r, "seq", "2"), "and leave: %s", r ? r : "");
	free(r);
	close(a);
}

/* with a short --tick-ms: ticks, seq counting up per connection */
static void
tick_test(void)
{
	struct gw g;
	const char *args[] = { "--tick-ms", "50", NULL };
	char *r, want[8];
	int fd, i;

	port = free_port();
	check(gw_start(&g, port, args), "gateway with --tick-ms 50");
	fd = open_hello("ticker");
	ticks = 1;
	for (i = 1; i <= 3; i++) {
		r = next_text(fd);
		snprintf(want, sizeof want, "%d", i);
		check(r && is(r, "event", "tick") && strspn(jpath(r, "payload.ts"), "0123456789") > 10 &&
		    is(r, "seq", want), "tick %d: %s", i, r ? r : "");
		free(r);
	}
	ticks = 0;
	close(fd);
	check(gw_stop(&g) == 0, "stops");
}

/* connect with this auth; the refusal, its details.code, then close 1008 with the message */
static void
auth_refused(const char *auth, const char *message, const char *code)
{
	char buf[4096], *r;
	int fd = open_challenged(NULL);

	connect_frame(buf, sizeof buf, 4, 4, "cli", auth);
	send_text(fd, buf);
	r = next_text(fd);
	check(r && is(r, "error.message", message) && is(r, "error.details.code", code),
	    "auth %.40s: \"%s\" (%s)", auth, message, r ? r : "");
	free(r);
	check(close_with_reason(fd, 1008, message), "auth %.40s: close 1008 with the message", auth);
	close(fd);
}

/* connect with this auth and be greeted; the connection is returned */
static int
auth_accepted(const char *auth)
{
	char buf[1024], *r;
	int fd = open_challenged(NULL);

	connect_frame(buf, sizeof buf, 4, 4, "cli", auth);
	send_text(fd, buf);
	r = next_text(fd);
	check(r && is(r, "payload.type", "hello-ok"), "auth %s: hello-ok", auth);
	free(r);
	return fd;
}

static void
auth_tests(void)
{
	struct gw g;
	char tokfile[] = "/tmp/gateway-token-XXXXXX", huge[TOKEN_MAX + 100], *r;
	const char *args[] = { "--token-file", tokfile, "--verbose", NULL };
	const char *both[] = { "--token-file", tokfile, "--token", "x", NULL };
	const char *empty[] = { "--token", "", NULL };
	int fd, tf;

	tf = mkstemp(tokfile);
	send_all(tf, "s3cret-token\n", 13);
	close(tf);
	port = free_port();
	check(gw_start(&g, port, args), "gateway with --token-file");
	auth_refused(",\"auth\":{\"token\":\"wrong\"}", "unauthorized: gateway token mismatch", "AUTH_TOKEN_MISMATCH");
	memset(huge, 't', sizeof huge);
	memcpy(huge, ",\"auth\":{\"token\":\"", strlen(",\"auth\":{\"token\":\""));
	strcpy(huge + sizeof huge - 3, "\"}");
	auth_refused(huge, "unauthorized: gateway token mismatch", "AUTH_TOKEN_MISMATCH");
	auth_refused("", "unauthorized: gateway token missing", "AUTH_TOKEN_MISSING");
	/* a NUL once cut the token short, so the real one with anything after it passed */
	auth_refused(",\"auth\":{\"token\":\"s3cret-token\\u0000anything\"}", "unauthorized: gateway token mismatch",
	    "AUTH_TOKEN_MISMATCH");
	auth_refused(",\"auth\":{\"password\":\"s3cret-token\"}", "unauthorized: gateway token missing",
	    "AUTH_TOKEN_MISSING");
	fd = auth_accepted(",\"auth\":{\"token\":\"s3cret-token\"}");
	send_text(fd, "{\"type\":\"req\",\"id\":\"g\",\"method\":\"config.get\"}");
	r = next_text(fd);
	check(r && is(r, "payload.gateway.auth.mode", "token") && !strstr(r, "s3cret"), "config.get never shows the token");
	free(r);
	close(fd);
	gw_stop(&g);
	check(!strstr(g.log, "s3cret"), "the token is never logged");

	/* the environment, and the options that exclude each other */
	setenv("OPENCLAW_GATEWAY_TOKEN", "from-env", 1);
	check(gw_start(&g, port, NULL), "gateway with OPENCLAW_GATEWAY_TOKEN");
	auth_refused(",\"auth\":{\"token\":\"s3cret-token\"}", "unauthorized: gateway token mismatch", "AUTH_TOKEN_MISMATCH");
	close(auth_accepted(",\"auth\":{\"token\":\"from-env\"}"));
	gw_stop(&g);
	check(gw_start(&g, port, args), "--token-file wins over the environment");
	close(auth_accepted(",\"auth\":{\"token\":\"s3cret-token\"}"));
	gw_stop(&g);
	unsetenv("OPENCLAW_GATEWAY_TOKEN");
	gw_start(&g, port, both);
	check(gw_wait(&g) == EXIT_USAGE && strstr(g.log, "exclude each other"), "--token with --token-file: 64");
	gw_start(&g, port, empty);
	check(gw_wait(&g) == EXIT_USAGE && strstr(g.log, "token must be"), "an empty --token: 64");
	unlink(tokfile);
	args[1] = tokfile;
	gw_start(&g, port, args);
	check(gw_wait(&g) == 1 && strstr(g.log, "cannot read token file"), "a missing token file: 1 (%s)", g.log);
}

static void
shutdown_test(void)
{
	struct gw g;
	const char *args[] = { NULL };
	char *r;
	int fd;

	port = free_port();
	check(gw_start(&g, port, args), "protocol gateway");
	fd = open_hello("stayer");
	kill(g.pid, SIGTERM);
	r = next_text(fd);
	check(r && is(r, "event", "shutdown") && is(r, "payload.reason", "gateway stopping") &&
	    is(r, "payload.restartExpectedMs", "null"), "SIGTERM: the shutdown event (%s)", r ? r : "");
	free(r);
	check(close_with_reason(fd, 1012, "service restart"), "then close 1012 \"service restart\"");
	close(fd);
	check(gw_wait(&g) == 0, "exit 0");
}

void
proto_tests(void)
{
	struct gw g;
	const char *args[] = { NULL };
	char buf[64];
	int idle, slow;

	port = free_port();
	if (!gw_start(&g, port, args)) {
		check(0, "protocol gateway starts: %s", g.log);
		return;
	}
	/* the two slow timers run while the rest is tested, and are checked last */
	idle = open_challenged(NULL);           /* never sends connect */
	slow = tcp_connect(port);               /* never finishes its head */
	send_all(slow, "GET / HTTP/1.1\r\n", 16);
	handshake_errors();
	requests();
	presence();
	check(read_all(slow, buf, sizeof buf, HANG_MS) == 0, "an unfinished head is dropped after %d ms",
	    HTTP_HEAD_TIMEOUT_MS);
	close(slow);
	check(expect_close(idle, 0), "no connect within %d ms: a bare close", HANDSHAKE_TIMEOUT_MS);
	close(idle);
	check(gw_stop(&g) == 0, "protocol gateway stops");
	auth_tests();
	tick_test();
	shutdown_test();
}
