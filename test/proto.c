/* the OpenClaw protocol core against the daemon: frames, errors, events */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

#define FIN 0x80
int proto_port;
#define port proto_port
static struct json_tok tok[65536];      /* a hello-ok lists every client present */

/*
 * The value at a dotted path in a JSON document (a number steps into an
 * array), as text: a string decoded, anything else as written. "" if absent.
 */
const char *
jpath(const char *doc, const char *path)
{
	static char out[4096];
	char key[64];
	const char *dot;
	int i = 0;

	out[0] = '\0';
	if (json_parse(doc, strlen(doc), tok, 65536) < 0)
		return "(not JSON)";
	while (*path && i >= 0) {
		dot = strchr(path, '.');
		snprintf(key, sizeof key, "%.*s", (int)(dot ? (size_t)(dot - path) : strlen(path)), path);
		if (tok[i].type == JSON_ARRAY && key[0] >= '0' && key[0] <= '9') {     /* an index */
			int k = atoi(key), j = i + 1;
			if (k >= (int)tok[i].count)
				return "";
			while (k-- > 0)
				j = tok[j].next;
			i = j;
		} else
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

int
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

char *
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

void
send_text(int fd, const char *s)
{
	ws_send_frame(fd, FIN | WS_TEXT, s, strlen(s), 0);
}

static const char connect_tpl[] =
    "{\"type\":\"req\",\"id\":\"c1\",\"method\":\"connect\",\"params\":{\"minProtocol\":%d,"
    "\"maxProtocol\":%d,\"client\":{\"id\":\"%s\",\"version\":\"1.0\",\"platform\":\"test\","
    "\"mode\":\"%s\",\"displayName\":\"%s\"},\"role\":\"operator\",\"scopes\":%s%s}}";

/* a connect as this client (id and mode), with this display name, scopes (JSON) and auth (members) */
void
connect_as(char *buf, size_t cap, const char *id, const char *mode, const char *name, const char *scopes,
    const char *auth)
{
	snprintf(buf, cap, connect_tpl, 4, 4, id, mode, name, scopes, auth);
}

static void
connect_frame(char *buf, size_t cap, int minp, int maxp, const char *name, const char *auth)
{
	snprintf(buf, cap, connect_tpl, minp, maxp, "cli", "cli", name, "[\"operator.read\"]", auth);
}

/* a connection past the challenge: the challenge is checked and returned */
int
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
	    strlen(jpath(c, "payload.nonce")) >= 16 && strspn(jpath(c, "payload.ts"), "0123456789") > 10 &&
	    is(c, "payload.capabilities", "[]"),
	    "connect.challenge comes first, with a nonce, a ts and no capabilities: %s", c ? c : "(none)");
	if (challenge)
		*challenge = c;
	else
		free(c);
	return fd;
}

/* connected as this client and greeted; the hello-ok frame is checked */
int
open_as(const char *id, const char *mode, const char *name, const char *scopes, const char *want_scopes)
{
	char buf[1024], *r;
	int fd = open_challenged(NULL);

	connect_as(buf, sizeof buf, id, mode, name, scopes, "");
	send_text(fd, buf);
	r = next_text(fd);
	check(r && is(r, "type", "res") && is(r, "id", "c1") && is(r, "ok", "true") &&
	    is(r, "payload.type", "hello-ok") && is(r, "payload.protocol", "4") &&
	    is(r, "payload.server.version", GATEWAY_VERSION) && strlen(jpath(r, "payload.server.connId")) == 36 &&
	    strstr(jpath(r, "payload.features.methods"), "\"health\"") &&
	    strstr(jpath(r, "payload.features.methods"), "\"node.invoke\"") &&
	    !strstr(jpath(r, "payload.features.methods"), "\"connect\"") &&
	    strstr(jpath(r, "payload.features.events"), "\"tick\"") &&
	    jpath(r, "payload.snapshot.presence")[0] == '[' && is(r, "payload.snapshot.health.ok", "true") &&
	    jpath(r, "payload.snapshot.stateVersion.presence")[0] != '\0' &&
	    is(r, "payload.auth.role", "operator") && is(r, "payload.auth.scopes", want_scopes) &&
	    is(r, "payload.policy.maxPayload", "16777216") && jpath(r, "payload.policy.maxBufferedBytes")[0] &&
	    jpath(r, "payload.policy.tickIntervalMs")[0], "hello-ok for %s/%s %s: %.300s", id, mode, name,
	    r ? r : "(none)");
	free(r);
	return fd;
}

/* the CLI (its scopes are kept): connected and greeted */
static int
open_hello(const char *name)
{
	return open_as("cli", "cli", name, "[\"operator.read\"]", "[\"operator.read\"]");
}

/* a client listed in presence (its requested scopes are not granted) */
static int
open_listed(const char *name)
{
	return open_as("test", "test", name, "[\"operator.admin\"]", "[]");
}

/* send a request and return the reply (skipping events), which the caller frees */
char *
call(int fd, const char *req)
{
	char *r;

	send_text(fd, req);
	while ((r = next_text(fd)) != NULL && strstr(r, "\"type\":\"event\""))
		free(r);
	return r;
}

/* expect an error reply with this message, then close code (0: no close expected) */
static void
expect_refusal(int fd, const char *what, const char *id, const char *message, int code)
{
	char *r = next_text(fd);

	check(r && is(r, "type", "res") && is(r, "id", id) && is(r, "ok", "false") &&
	    (!strcmp(jpath(r, "error.code"), "INVALID_REQUEST") || !strcmp(jpath(r, "error.code"), "FORBIDDEN")) &&
	    is(r, "error.message", message),
	    "%s: error \"%s\" (%s)", what, message, r ? r : "(none)");
	free(r);
	if (code)
		check(expect_close(fd, code), "%s: then close %d", what, code);
}

/* the close frame's reason */
int
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
	check(close_with_reason(fd, 1000, ""), "not JSON before connect: close 1000, no reason, as the real gateway");
	close(fd);
	fd = open_challenged(NULL);
	ws_send_frame(fd, FIN | WS_BINARY, "{}", 2, 0);
	check(close_with_reason(fd, 1008, "invalid request frame"), "a binary {} before connect: close 1008");
	close(fd);
	fd = open_challenged(NULL);
	ws_send_frame(fd, FIN | WS_BINARY, "{\"a\":\"\xff\"}", 9, 0);
	check(close_with_reason(fd, 1000, ""), "a binary frame that is not UTF-8: not JSON, close 1000");
	close(fd);
	fd = open_challenged(NULL);
	connect_frame(buf, sizeof buf, 4, 4, "binary", "");
	ws_send_frame(fd, FIN | WS_BINARY, buf, strlen(buf), 0);
	{
		char *r = next_text(fd);
		check(r && is(r, "payload.type", "hello-ok"), "a binary frame holding a valid connect: hello-ok");
		free(r);
	}
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
		    is(r, "error.details.code", "PROTOCOL_MISMATCH") && is(r, "error.details.expectedProtocol", "4") &&
		    is(r, "error.details.clientMinProtocol", "5") && is(r, "error.details.minimumProbeProtocol", "3"),
		    "protocol mismatch: the error and its details (%s)", r ? r : "(none)");
		free(r);
	}
	check(close_with_reason(fd, 1002, "protocol mismatch"), "protocol mismatch: close 1002");
	close(fd);

	fd = open_challenged(NULL);
	send_text(fd, "{\"type\":\"req\",\"id\":\"c8\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\"},"
	    "\"role\":\"superuser\"}}");
	expect_refusal(fd, "an unknown role", "c8", "invalid role", 0);
	check(close_with_reason(fd, 1008, "invalid role"), "an unknown role: close 1008");
	close(fd);

	/* the validation detail, word for word as the real gateway writes it */
	{
		static const char *const bad[][2] = {
			{ "{\"minProtocol\":4}",
			  "invalid connect params: must have required property 'maxProtocol'; must have required property 'client'" },
			{ "{\"minProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"l\",\"mode\":\"cli\"},\"bogus\":1}",
			  "invalid connect params: must have required property 'maxProtocol'; at root: unexpected property 'bogus'" },
			{ "{\"minProtocol\":\"4\",\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"l\",\"mode\":\"cli\",\"x\":1}}",
			  "invalid connect params: at /minProtocol: must be integer; at /client: unexpected property 'x'" },
			{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"nope\",\"version\":\"1\",\"platform\":\"l\",\"mode\":\"cli\"}}",
			  "invalid connect params: at /client/id: must be equal to one of the allowed values" },
			{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"l\",\"mode\":\"nope\"}}",
			  "invalid connect params: at /client/mode: must be equal to one of the allowed values" },
			{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"\",\"platform\":\"l\",\"mode\":\"cli\"}}",
			  "invalid connect params: at /client/version: must not have fewer than 1 characters" },
			{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"version\":\"1\",\"platform\":\"l\",\"mode\":\"cli\"}}",
			  "invalid connect params: at /client: must have required property 'id'" },
			{ "7", "invalid connect params: must be object" },
			/* a NUL in a client string would be cut as a C string: refused */
			{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"l\",\"mode\":\"cli\",\"displayName\":\"\\u0000x\"}}",
			  "invalid connect params: at /client/displayName: must not contain NUL (\\u0000)" },
		};
		size_t k;
		for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			fd = open_challenged(NULL);
			snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"c9\",\"method\":\"connect\",\"params\":%s}", bad[k][0]);
			send_text(fd, buf);
			expect_refusal(fd, "connect params", "c9", bad[k][1], 0);
			check(close_with_reason(fd, 1008, bad[k][1]), "%s: close 1008 with it", bad[k][1]);
			close(fd);
		}
	}
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
	check(r && strstr(r, "\"id\":\"a\\\"b\\\\c\\n\\u0001\\u00e9\\ud83d\\ude00\"") != NULL,
	    "the id is written back as the client wrote it");
	free(r);
	r = next_text(fd);
	check(r && is(r, "id", "r3") && strstr(r, "\"reason\":\"self\"") &&
	    strstr(r, "\"mode\":\"gateway\"") && !strstr(r, "pipeliner"),
	    "system-presence: the gateway itself; a CLI is not listed: %s", r ? r : "");
	free(r);

	send_text(fd, "{\"type\":\"req\",\"id\":\"u1\",\"method\":\"no.such\"}");
	expect_refusal(fd, "unknown method, without operator.admin", "u1", "missing scope: operator.admin", 0);
	send_text(fd, "{\"type\":\"req\",\"method\":\"health\"}");
	expect_refusal(fd, "request without an id", "invalid", "invalid request frame: must have required property 'id'", 0);
	send_text(fd, "{\"type\":\"rq\",\"id\":\"t1\",\"method\":\"health\"}");
	expect_refusal(fd, "wrong frame type", "t1", "invalid request frame: at /type: must be equal to constant", 0);
	send_text(fd, "{\"type\":\"req\",\"id\":5,\"x\":1}");
	r = next_text(fd);
	check(r && strstr(r, "\"id\":5,") && is(r, "error.message", "invalid request frame: must have required "
	    "property 'method'; at root: unexpected property 'x'; at /id: must be string"),
	    "a numeric id is echoed as a number, with every reason: %s", r ? r : "");
	free(r);
	send_text(fd, "{\"type\":\"req\",\"id\":\"a\",\"method\":\"\",\"x\":1}");
	expect_refusal(fd, "an empty method", "a", "invalid request frame: at root: unexpected property 'x'; "
	    "at /method: must not have fewer than 1 characters", 0);
	{
		/* more values than a request may have; an id longer than we keep */
		static char many[2 * JSON_MAX_TOKENS + 64], longid[1200];
		size_t k;
		strcpy(many, "{\"type\":\"req\",\"id\":\"m1\",\"method\":\"health\",\"params\":[");
		for (k = strlen(many); k < sizeof many - 4; k += 2)
			memcpy(many + k, "0,", 2);
		strcpy(many + k - 1, "]}");
		send_text(fd, many);
		snprintf(buf, sizeof buf, "invalid request frame: more than %d values", JSON_MAX_TOKENS);
		expect_refusal(fd, "a request of more than JSON_MAX_TOKENS values", "invalid", buf, 0);
		memset(longid, 'i', sizeof longid);
		memcpy(longid, "{\"type\":\"req\",\"method\":\"health\",\"id\":\"", strlen("{\"type\":\"req\",\"method\":\"health\",\"id\":\""));
		strcpy(longid + sizeof longid - 3, "\"}");
		send_text(fd, longid);
		snprintf(buf, sizeof buf, "invalid request frame: at /id: must not have more than %d bytes", REQUEST_ID_MAX);
		expect_refusal(fd, "an id over REQUEST_ID_MAX bytes", "invalid", buf, 0);
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
	char buf[1024], *r;
	int a, b, reader, fd;

	reader = open_hello("reader");          /* a CLI with operator.read: not listed, but it hears presence */
	a = open_listed("first");
	while ((r = next_text(reader)) != NULL && !strstr(r, "\"displayName\":\"first\""))
		free(r);
	check(r && is(r, "event", "presence") && strstr(r, "\"clientId\":\"test\"") && !strstr(r, "reader"),
	    "an operator with read hears a join; the CLI itself is not listed: %s", r ? r : "");
	free(r);
	b = open_listed("second");
	while ((r = next_text(reader)) != NULL && !strstr(r, "\"displayName\":\"second\""))
		free(r);
	check(r && is(r, "event", "presence") && strstr(r, "\"displayName\":\"first\""), "and another: %s", r ? r : "");
	free(r);
	close(b);
	r = next_text(reader);
	check(r && is(r, "event", "presence") && !strstr(r, "\"displayName\":\"second\"") &&
	    strstr(r, "\"displayName\":\"first\""), "and the leave: %s", r ? r : "");
	free(r);
	/* bug: clients without operator.read (the page, probes, nodes) got the whole list; the real gateway sends none */
	r = call(a, "{\"type\":\"req\",\"id\":\"h\",\"method\":\"health\"}");
	check(r && is(r, "id", "h") && !strstr(r, "presence"), "a client without operator.read heard no presence event");
	free(r);
	fd = open_challenged(NULL);
	connect_as(buf, sizeof buf, "test", "test", "third", "[\"operator.read\"]", "");
	send_text(fd, buf);
	r = next_text(fd);
	check(r && is(r, "payload.type", "hello-ok") && is(r, "payload.snapshot.presence", "[]"),
	    "and its hello-ok snapshot lists nobody (%.200s)", r ? r : "");
	free(r);
	close(fd);
	close(reader);
	close(a);
}

/* a reply refused for want of this scope, in the real gateway's words */
static void
missing_scope(int fd, const char *req, const char *scope, const char *what)
{
	char *r = call(fd, req), want[96];

	snprintf(want, sizeof want, "missing scope: %s", scope);
	check(r && is(r, "ok", "false") && is(r, "error.code", "FORBIDDEN") && is(r, "error.message", want) &&
	    is(r, "error.details.code", "MISSING_SCOPE") && is(r, "error.details.missingScope", scope) &&
	    strstr(jpath(r, "error.details.requiredScopes"), scope), "%s: %s", what, r ? r : "(none)");
	free(r);
}

static void
scopes(void)
{
	char buf[1024], *r;
	int fd;

	/* a client the real gateway does not trust without a device identity gets no scopes */
	fd = open_listed("no scopes");
	r = call(fd, "{\"type\":\"req\",\"id\":\"h\",\"method\":\"health\"}");
	check(r && is(r, "ok", "true"), "health needs no scope");
	free(r);
	missing_scope(fd, "{\"type\":\"req\",\"id\":\"s\",\"method\":\"status\"}", "operator.read", "status, no scopes");
	missing_scope(fd, "{\"type\":\"req\",\"id\":\"u\",\"method\":\"no.such\"}", "operator.admin",
	    "an unknown method needs operator.admin");
	missing_scope(fd, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":{}}", "operator.admin",
	    "connect again, without operator.admin");
	close(fd);

	/* the CLI keeps what it asked for: read */
	fd = open_hello("reader");
	missing_scope(fd, "{\"type\":\"req\",\"id\":\"w\",\"method\":\"wake\",\"params\":{\"mode\":\"now\",\"text\":\"t\"}}",
	    "operator.write", "wake needs operator.write");
	missing_scope(fd, "{\"type\":\"req\",\"id\":\"e\",\"method\":\"system-event\",\"params\":{\"text\":\"t\"}}",
	    "operator.admin", "system-event needs operator.admin");
	missing_scope(fd, "{\"type\":\"req\",\"id\":\"p\",\"method\":\"node.pair.list\",\"params\":{}}",
	    "operator.pairing", "node.pair.list needs operator.pairing");
	missing_scope(fd, "{\"type\":\"req\",\"id\":\"i\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":\"n\","
	    "\"command\":\"system.which\",\"idempotencyKey\":\"k\"}}", "operator.write", "node.invoke needs operator.write");
	r = call(fd, "{\"type\":\"req\",\"id\":\"r\",\"method\":\"node.invoke.result\",\"params\":{}}");
	check(r && is(r, "error.code", "INVALID_REQUEST") && is(r, "error.message", "unauthorized role: operator"),
	    "a node method from an operator: unauthorized role (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\",\"params\":{}}");
	check(r && is(r, "ok", "true") && is(r, "payload.nodes", "[]") && jpath(r, "payload.ts")[0],
	    "node.list with operator.read: no nodes (%s)", r ? r : "");
	free(r);
	/* a method of the real catalog that is not served: its own scope first, then "unknown method" */
	r = call(fd, "{\"type\":\"req\",\"id\":\"k\",\"method\":\"models.authStatus\",\"params\":{}}");
	check(r && is(r, "error.code", "INVALID_REQUEST") && is(r, "error.message", "unknown method: models.authStatus"),
	    "models.authStatus with operator.read: unknown method, as the real gateway without it (%s)", r ? r : "");
	free(r);
	missing_scope(fd, "{\"type\":\"req\",\"id\":\"h\",\"method\":\"set-heartbeats\",\"params\":{\"enabled\":true}}",
	    "operator.admin", "set-heartbeats needs operator.admin");
	missing_scope(fd, "{\"type\":\"req\",\"id\":\"q\",\"method\":\"question.list\",\"params\":{}}",
	    "operator.questions", "question.list needs operator.questions (or sessions.write)");
	/* what a gateway with no agents has: nothing, in the real replies' shapes */
	r = call(fd, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"cron.list\",\"params\":{\"limit\":500}}");
	check(r && is(r, "payload.jobs", "[]") && is(r, "payload.total", "0") && is(r, "payload.limit", "200") &&
	    is(r, "payload.nextOffset", "null") && is(r, "payload.deliveryPreviews", "{}") &&
	    is(r, "payload.snapshotRevision", "sha256:T1PNoYwrqgwDVLtfmj7L5e0Sq02OEbqHPC8RFhICuUU"),
	    "cron.list: no jobs, a page of the real shape (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"cron.list\",\"params\":{\"sortBy\":\"size\"}}");
	check(r && is(r, "error.code", "INVALID_REQUEST") && strstr(jpath(r, "error.message"), "invalid cron.list params"),
	    "cron.list with a filter it does not have: refused as there (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"cron.status\"}");
	check(r && is(r, "payload.enabled", "false") && is(r, "payload.jobs", "0"), "cron.status: no scheduler (%s)",
	    r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"s\",\"method\":\"sessions.list\",\"params\":{\"limit\":5}}");
	check(r && is(r, "payload.sessions", "[]") && is(r, "payload.count", "0") && is(r, "payload.limitApplied", "5") &&
	    is(r, "payload.hasMore", "false"), "sessions.list: none (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"u\",\"method\":\"usage.status\",\"params\":{}}");
	check(r && is(r, "payload.providers", "[]") && jpath(r, "payload.updatedAt")[0], "usage.status: no providers (%s)",
	    r ? r : "");
	free(r);
	close(fd);

	/* write implies read; admin allows all, and a second connect is refused */
	fd = open_as("gateway-client", "backend", "writer", "[\"operator.write\"]", "[\"operator.write\"]");
	r = call(fd, "{\"type\":\"req\",\"id\":\"s\",\"method\":\"status\"}");
	check(r && is(r, "ok", "true"), "operator.write allows status (read)");
	free(r);
	missing_scope(fd, "{\"type\":\"req\",\"id\":\"i\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":\"n\","
	    "\"command\":\"fs.listDir\",\"idempotencyKey\":\"k\"}}", "operator.admin",
	    "node.invoke of an admin-only command needs operator.admin");
	close(fd);
	fd = open_as("cli", "cli", "admin", "[\"operator.admin\",\"operator.pairing\",\"bogus\"]",
	    "[\"operator.admin\",\"operator.pairing\"]");
	connect_as(buf, sizeof buf, "cli", "cli", "again", "[]", "");
	r = call(fd, buf);
	check(r && is(r, "error.message", "connect is only valid as the first request"), "a second connect (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"u\",\"method\":\"no.such\"}");
	check(r && is(r, "error.message", "unknown method: no.such"), "an unknown method with admin (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"h\",\"method\":\"set-heartbeats\",\"params\":{\"enabled\":1}}");
	check(r && is(r, "error.message", "invalid set-heartbeats params: enabled (boolean) required"),
	    "set-heartbeats without a boolean (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"h\",\"method\":\"set-heartbeats\",\"params\":{\"enabled\":false}}");
	check(r && is(r, "payload.ok", "true") && is(r, "payload.enabled", "false"), "set-heartbeats false (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"s\",\"method\":\"status\"}");
	check(r && is(r, "payload.heartbeat.enabled", "false"), "and status shows it (%s)", r ? jpath(r, "payload.heartbeat") : "");
	free(r);
	free(call(fd, "{\"type\":\"req\",\"id\":\"h\",\"method\":\"set-heartbeats\",\"params\":{\"enabled\":true}}"));
	close(fd);
}

/* the read-only methods the real CLI calls, in the shapes it reads */
static void
methods(void)
{
	char buf[256], *r;
	int fd, watcher;

	watcher = open_hello("watcher");
	fd = open_as("cli", "cli", "admin", "[\"operator.admin\"]", "[\"operator.admin\"]");
	r = call(fd, "{\"type\":\"req\",\"id\":\"s\",\"method\":\"status\"}");
	check(r && is(r, "payload.sessions.count", "0") && is(r, "payload.sessions.byAgent", "[]") &&
	    is(r, "payload.sessions.recent", "[]"), "status: the sessions shape the CLI reads (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"h\",\"method\":\"last-heartbeat\"}");
	check(r && is(r, "ok", "true") && is(r, "payload", "null"), "last-heartbeat: null, none yet");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"w\",\"method\":\"wake\",\"params\":{\"mode\":\"next-heartbeat\",\"text\":\"hi\"}}");
	check(r && is(r, "payload.ok", "true"), "wake: ok");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"w\",\"method\":\"wake\",\"params\":{\"mode\":\"later\"}}");
	check(r && is(r, "error.message", "invalid wake params: must have required property 'text'; "
	    "at /mode: must be equal to one of the allowed values"), "wake: bad params (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"e\",\"method\":\"system-event\",\"params\":{\"text\":\"disk almost full\","
	    "\"host\":\"box\"}}");
	check(r && is(r, "payload.ok", "true"), "system-event: ok");
	free(r);
	r = next_text(watcher);
	check(r && is(r, "event", "presence") && strstr(r, "\"text\":\"disk almost full\",\"host\":\"box\""),
	    "system-event: its text is in the presence broadcast (%.400s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"e\",\"method\":\"system-event\",\"params\":{\"text\":\"\"}}");
	check(r && is(r, "error.message", "text required"), "system-event: empty text");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"channels.status\",\"params\":{\"probe\":false}}");
	check(r && is(r, "payload.channels", "{}") && is(r, "payload.channelOrder", "[]"), "channels.status: none");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"diagnostics.stability\",\"params\":{\"limit\":25}}");
	check(r && is(r, "payload.count", "0") && is(r, "payload.events", "[]") && is(r, "payload.summary.byType", "{}") &&
	    strlen(jpath(r, "payload.generatedAt")) == 24, "diagnostics.stability: no events (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"p\",\"method\":\"node.pair.list\",\"params\":{}}");
	check(r && is(r, "payload.pending", "[]") && is(r, "payload.paired", "[]"), "node.pair.list: no pairing here");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"p\",\"method\":\"device.pair.list\",\"params\":{\"x\":1}}");
	check(r && is(r, "error.message", "invalid device.pair.list params: at root: unexpected property 'x'"),
	    "device.pair.list: its params are checked (%s)", r ? r : "");
	free(r);
	/* logs.tail: the daemon's own lines, newest last, and a cursor to go on from */
	r = call(fd, "{\"type\":\"req\",\"id\":\"t\",\"method\":\"logs.tail\",\"params\":{\"limit\":5}}");
	snprintf(buf, sizeof buf, "listening on ws://127.0.0.1:%d", port);
	check(r && strstr(jpath(r, "payload.lines"), buf) && strstr(jpath(r, "payload.lines"), "\\\"level\\\":\\\"info\\\"") &&
	    atoll(jpath(r, "payload.cursor")) > 0 && !strcmp(jpath(r, "payload.cursor"), jpath(r, "payload.size")),
	    "logs.tail: the daemon's lines as JSON records (%.300s)", r ? r : "");
	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"t\",\"method\":\"logs.tail\",\"params\":{\"cursor\":%s}}",
	    r ? jpath(r, "payload.cursor") : "0");
	free(r);
	r = call(fd, buf);
	check(r && is(r, "payload.lines", "[]"), "logs.tail from the last cursor: nothing new (%s)", r ? r : "");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"t\",\"method\":\"logs.tail\",\"params\":{\"cursor\":99999999999}}");
	check(r && is(r, "payload.reset", "true"), "logs.tail from a cursor past the end: reset");
	free(r);
	r = call(fd, "{\"type\":\"req\",\"id\":\"t\",\"method\":\"logs.tail\",\"params\":{\"limit\":0}}");
	check(r && is(r, "error.message", "invalid logs.tail params: at /limit: must be >= 1"), "logs.tail: limit 0 (%s)", r ? r : "");
	free(r);
	close(fd);
	close(watcher);
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
#define MISMATCH "unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)"
	auth_refused(",\"auth\":{\"token\":\"wrong\"}", MISMATCH, "AUTH_TOKEN_MISMATCH");
	memset(huge, 't', sizeof huge);
	memcpy(huge, ",\"auth\":{\"token\":\"", strlen(",\"auth\":{\"token\":\""));
	strcpy(huge + sizeof huge - 3, "\"}");
	auth_refused(huge, MISMATCH, "AUTH_TOKEN_MISMATCH");
	/* no token and no device identity: the real gateway asks for the device first */
	auth_refused("", "device identity required", "DEVICE_IDENTITY_REQUIRED");
	auth_refused(",\"auth\":{\"password\":\"s3cret-token\"}", "device identity required", "DEVICE_IDENTITY_REQUIRED");
	/* a device block is checked before the token, as the real gateway checks it */
	auth_refused(",\"device\":{\"id\":\"d\",\"publicKey\":\"k\",\"signature\":\"s\",\"signedAt\":1,\"nonce\":\"n\"}",
	    "device identity mismatch", "DEVICE_AUTH_DEVICE_ID_MISMATCH");
	/* a NUL once cut the token short, so the real one with anything after it passed */
	auth_refused(",\"auth\":{\"token\":\"s3cret-token\\u0000anything\"}", MISMATCH, "AUTH_TOKEN_MISMATCH");
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
	auth_refused(",\"auth\":{\"token\":\"s3cret-token\"}", MISMATCH, "AUTH_TOKEN_MISMATCH");
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
	setenv("OPENCLAW_GATEWAY_TOKEN", "", 1);
	gw_start(&g, port, NULL);
	check(gw_wait(&g) == EXIT_USAGE && strstr(g.log, "$OPENCLAW_GATEWAY_TOKEN is set but empty") &&
	    strstr(g.log, "usage:"), "an empty $OPENCLAW_GATEWAY_TOKEN: 64, not silently no token (%s)", g.log);
	check(gw_start(&g, port, args), "an empty $OPENCLAW_GATEWAY_TOKEN beside --token-file: the file's token");
	gw_stop(&g);
	unsetenv("OPENCLAW_GATEWAY_TOKEN");
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
	scopes();
	methods();
	check(read_all(slow, buf, sizeof buf, HANG_MS) == 0, "an unfinished head is dropped after %d ms",
	    HTTP_HEAD_TIMEOUT_MS);
	close(slow);
	check(close_with_reason(idle, 1000, ""), "no connect within %d ms: close 1000, no reason", HANDSHAKE_TIMEOUT_MS);
	close(idle);
	check(gw_stop(&g) == 0, "protocol gateway stops");
	auth_tests();
	tick_test();
	shutdown_test();
}
