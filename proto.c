/*
 * The core of the OpenClaw gateway protocol over the WebSocket: a challenge,
 * the connect handshake with token auth, a few read-only methods, and the
 * tick, presence and shutdown events. Frames are JSON text, one object each.
 * Replies use the real gateway's error codes, messages and close codes.
 */
#include <sys/utsname.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"

#define UUID_LEN 36

/* what a client said of itself in connect, kept for presence */
enum { F_ID, F_MODE, F_PLATFORM, F_VERSION, F_DISPLAYNAME, F_INSTANCEID, NFIELDS };
static const char *const field_names[NFIELDS] = {
	"id", "mode", "platform", "version", "displayName", "instanceId"
};

struct session {
	unsigned char authed;
	long long deadline;             /* connect must be done by then (monotonic ms) */
	long long connected_at;         /* unix ms */
	unsigned long long seq;         /* events sent on this connection */
	unsigned long long presence_seen;       /* the presence version this client has */
	char connid[UUID_LEN + 1];
	char role[sizeof "operator"];
	char scopes[SCOPES_MAX];        /* the granted scopes, as a JSON array */
	char field[NFIELDS][CLIENT_FIELD_MAX];
};

static const char methods[] = "[\"health\",\"status\",\"system-presence\",\"config.get\"]";
static const char events[] = "[\"connect.challenge\",\"tick\",\"presence\",\"shutdown\"]";

static int random_fd = -1;
static long long started_mono, started_unix, next_tick;
static unsigned long long presence_version = 1;
static int presence_due;                /* a change not yet broadcast */
static long long presence_sent = -PRESENCE_INTERVAL_MS; /* when the last broadcast went out */
static char hostname[256], platform[160];
static struct json_tok tok[JSON_MAX_TOKENS];    /* the request being read */
static char out[JSON_OUT_MAX];                  /* the frame being written */

void
proto_init(void)
{
	struct utsname u;
	size_t i;

	if ((random_fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		die("cannot open /dev/urandom: nonces would be guessable");
	started_mono = now_ms();
	started_unix = unix_ms();
	next_tick = started_mono + opt.tick_ms;
	if (uname(&u) == 0) {
		snprintf(hostname, sizeof hostname, "%s", u.nodename);
		snprintf(platform, sizeof platform, "%s %s", u.sysname, u.release);
		for (i = 0; platform[i]; i++)
			if (platform[i] >= 'A' && platform[i] <= 'Z')
				platform[i] = (char)(platform[i] - 'A' + 'a');
	}
}

/* a random (version 4) UUID: unguessable, so it serves as the nonce too */
static void
uuid(char s[UUID_LEN + 1])
{
	unsigned char b[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof b) {
		if ((n = read(random_fd, b + got, sizeof b - got)) > 0)
			got += (size_t)n;
		else if (n == 0 || errno != EINTR)
			die("cannot read /dev/urandom");
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(s, UUID_LEN + 1, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static struct jw
writer(void)
{
	return jw_init(out, sizeof out);
}

static void
send_frame(struct conn *c, struct jw *w)
{
	if (w->overflow) {
		logmsg("warning: a reply over %d bytes was not sent", JSON_OUT_MAX);
		return;
	}
	ws_send(c, WS_TEXT, w->p, w->len);
}

/* {"type":"event","event":name,"payload":<payload>,"seq":n} */
static void
send_event(struct conn *c, const char *name, const char *payload)
{
	struct jw w = writer();

	jw_printf(&w, "{\"type\":\"event\",\"event\":\"%s\",\"payload\":%s,\"seq\":%llu}",
	    name, payload, ++c->sess->seq);
	send_frame(c, &w);
}

static void
reply_start(struct jw *w, const char *id, int ok)
{
	JW_LIT(w, "{\"type\":\"res\",\"id\":");
	jw_str(w, id);
	jw_printf(w, ",\"ok\":%s,", ok ? "true" : "false");
}

/* an error response; details is a JSON object or NULL */
static void
reply_error(struct conn *c, const char *id, const char *message, const char *details)
{
	struct jw w = writer();

	reply_start(&w, id, 0);
	JW_LIT(&w, "\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":");
	jw_str(&w, message);
	if (details)
		jw_printf(&w, ",\"details\":%s", details);
	JW_LIT(&w, "}}");
	send_frame(c, &w);
}

static int
authed_clients(void)
{
	int i, n = 0;

	for (i = 0; i < nconns; i++)
		n += conns[i]->sess && conns[i]->sess->authed && conns[i]->state != C_DEAD;
	return n;
}

/* one presence entry per connected client, after the gateway's own */
static void
write_presence(struct jw *w)
{
	struct session *s;
	char text[sizeof hostname + 64];
	int i, k, listed = 1;

	JW_LIT(w, "[{\"host\":");
	jw_str(w, hostname);
	jw_printf(w, ",\"ip\":\"127.0.0.1\",\"version\":\"%s\",\"platform\":", GATEWAY_VERSION);
	jw_str(w, platform);
	JW_LIT(w, ",\"mode\":\"gateway\",\"reason\":\"self\",\"text\":");
	snprintf(text, sizeof text, "Gateway: %s (127.0.0.1) \xc2\xb7 app %s \xc2\xb7 mode gateway",
	    hostname, GATEWAY_VERSION);
	jw_str(w, text);
	jw_printf(w, ",\"ts\":%lld}", unix_ms());
	for (i = 0; i < nconns; i++) {
		if ((s = conns[i]->sess) == NULL || !s->authed || conns[i]->state == C_DEAD)
			continue;
		if (listed++ == PRESENCE_MAX)
			break;
		JW_LIT(w, ",{\"host\":");
		jw_str(w, s->field[s->field[F_DISPLAYNAME][0] ? F_DISPLAYNAME : F_ID]);
		JW_LIT(w, ",\"clientId\":");
		jw_str(w, s->field[F_ID]);
		for (k = F_MODE; k < NFIELDS; k++) {
			if (!s->field[k][0])
				continue;
			jw_printf(w, ",\"%s\":", field_names[k]);
			jw_str(w, s->field[k]);
		}
		jw_printf(w, ",\"connId\":\"%s\",\"reason\":\"connect\",\"roles\":[\"%s\"],\"scopes\":%s,"
		    "\"connectedAtMs\":%lld,\"ts\":%lld}", s->connid, s->role, s->scopes,
		    s->connected_at, s->connected_at);
	}
	JW_LIT(w, "]");
}

static void
write_health(struct jw *w, long long t0)
{
	jw_printf(w, "{\"ok\":true,\"ts\":%lld,\"durationMs\":%lld,\"uptimeMs\":%lld,\"connections\":%d}",
	    unix_ms(), now_ms() - t0, now_ms() - started_mono, authed_clients());
}

/* a client with this much unsent is slow: it misses events rather than piling them up */
static int
slow(const struct conn *c)
{
	return conn_pending(c) > OUT_HIGH_WATER;
}

/*
 * Every authenticated client that has not seen the current list hears it.
 * The list is written once; only the seq prefix is each client's own.
 */
static void
broadcast_presence(void)
{
	struct jw w = writer();
	struct iovec part[2];
	struct session *s;
	char prefix[64];
	int i;

	JW_LIT(&w, "\"event\":\"presence\",\"payload\":{\"presence\":");
	write_presence(&w);
	jw_printf(&w, "},\"stateVersion\":{\"presence\":%llu,\"health\":1}}", presence_version);
	if (w.overflow)
		return;
	part[1].iov_base = w.p;
	part[1].iov_len = w.len;
	for (i = 0; i < nconns; i++) {
		if ((s = conns[i]->sess) == NULL || !s->authed || conns[i]->state != C_OPEN || slow(conns[i]) ||
		    s->presence_seen == presence_version)
			continue;
		part[0].iov_base = prefix;
		part[0].iov_len = (size_t)snprintf(prefix, sizeof prefix, "{\"type\":\"event\",\"seq\":%llu,",
		    ++s->seq);
		ws_sendv(conns[i], WS_TEXT, part, 2);
		s->presence_seen = presence_version;
	}
}

/*
 * A join or a leave. The broadcast waits for the tick callback: every change
 * of one loop turn goes out as one broadcast, and at most one a
 * PRESENCE_INTERVAL_MS, so a stream of joins cannot multiply the list by
 * the clients without bound.
 */
static void
presence_changed(void)
{
	presence_version++;
	presence_due = 1;
}

static void
proto_open(struct conn *c)
{
	struct jw w = writer();
	char nonce[UUID_LEN + 1];

	if ((c->sess = calloc(1, sizeof *c->sess)) == NULL) {
		ws_close(c, 1011, "out of memory");
		return;
	}
	c->sess->deadline = now_ms() + HANDSHAKE_TIMEOUT_MS;
	c->ws.max = opt.max_payload < PRECONNECT_MAX ? opt.max_payload : PRECONNECT_MAX;
	uuid(nonce);
	jw_printf(&w, "{\"type\":\"event\",\"event\":\"connect.challenge\",\"payload\":"
	    "{\"nonce\":\"%s\",\"ts\":%lld}}", nonce, unix_ms());
	send_frame(c, &w);
}

/* Constant time in the contents: compare digests of every byte, not the strings. */
static int
token_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char da[SHA1_LEN], db[SHA1_LEN], diff = 0;
	size_t i;

	sha1(a, alen, da);
	sha1(b, blen, db);
	for (i = 0; i < SHA1_LEN; i++)
		diff |= da[i] ^ db[i];
	return diff == 0;
}

/* a handshake failure: the error reply, then the close */
static void
refuse(struct conn *c, const char *id, const char *message, const char *details, unsigned code)
{
	reply_error(c, id, message, details);
	ws_close(c, code, message);
}

static void
hello(struct conn *c, const char *id, long long t0)
{
	struct session *s = c->sess;
	struct jw w = writer();

	reply_start(&w, id, 1);
	jw_printf(&w, "\"payload\":{\"type\":\"hello-ok\",\"protocol\":%d,\"server\":{\"version\":\"%s\","
	    "\"connId\":\"%s\"},\"features\":{\"methods\":%s,\"events\":%s},\"snapshot\":{\"presence\":",
	    PROTOCOL_VERSION, GATEWAY_VERSION, s->connid, methods, events);
	write_presence(&w);
	JW_LIT(&w, ",\"health\":");
	write_health(&w, t0);
	jw_printf(&w, ",\"stateVersion\":{\"presence\":%llu,\"health\":1},\"uptimeMs\":%lld},"
	    "\"auth\":{\"role\":\"%s\",\"scopes\":%s},\"policy\":{\"maxPayload\":%llu,"
	    "\"maxBufferedBytes\":%llu,\"tickIntervalMs\":%ld}}}",
	    presence_version, now_ms() - started_mono, s->role, s->scopes,
	    (unsigned long long)opt.max_payload, (unsigned long long)opt.max_payload + OUT_SLACK,
	    opt.tick_ms);
	send_frame(c, &w);
	s->presence_seen = presence_version;    /* the snapshot above */
}

/* the granted scopes: the requested ones that are strings, as a JSON array */
static void
grant_scopes(struct session *s, const char *p, int scopes)
{
	struct jw w = jw_init(s->scopes, sizeof s->scopes - 1);
	char one[SCOPE_MAX];
	int i, k;

	JW_LIT(&w, "[");
	if (scopes >= 0 && tok[scopes].type == JSON_ARRAY)
		for (i = scopes + 1, k = 0; k < (int)tok[scopes].count; k++, i = tok[i].next)
			if (json_string(p, tok, i, one, sizeof one) > 0) {
				if (w.len > 1)
					JW_LIT(&w, ",");
				jw_str(&w, one);
			}
	JW_LIT(&w, "]");
	if (w.overflow)
		strcpy(s->scopes, "[]");
	else
		s->scopes[w.len] = '\0';
}

static void
connect_request(struct conn *c, const char *p, const char *id, int params, long long t0)
{
	struct session *s = c->sess;
	char token[TOKEN_MAX + 1], details[160];
	const char *bad = NULL;
	long long minp, maxp;
	long n;
	int client, k, v;

	client = json_get(p, tok, params, "client");
	if (params < 0 || tok[params].type != JSON_OBJECT)
		bad = "params must be an object";
	else if (json_integer(p, tok, json_get(p, tok, params, "minProtocol"), &minp) < 0 ||
	    json_integer(p, tok, json_get(p, tok, params, "maxProtocol"), &maxp) < 0)
		bad = "minProtocol and maxProtocol must be integers";
	else if (client < 0 || tok[client].type != JSON_OBJECT)
		bad = "client must be an object";
	for (k = 0; !bad && k < NFIELDS; k++) {
		v = json_get(p, tok, client, field_names[k]);
		if (v < 0 && k > F_VERSION)
			continue;               /* displayName and instanceId are optional */
		if (json_string(p, tok, v, s->field[k], sizeof s->field[k]) < (k > F_VERSION ? 0 : 1))
			bad = "client id, version, platform and mode must be strings of 1 to 127 bytes";
	}
	if (bad) {
		snprintf(details, sizeof details, "invalid connect params: %s", bad);
		refuse(c, id, details, NULL, 1008);
		return;
	}
	if (minp > PROTOCOL_VERSION || maxp < PROTOCOL_VERSION) {
		snprintf(details, sizeof details, "{\"code\":\"PROTOCOL_MISMATCH\",\"clientMinProtocol\":%lld,"
		    "\"clientMaxProtocol\":%lld,\"expectedProtocol\":%d}", minp, maxp, PROTOCOL_VERSION);
		refuse(c, id, "protocol mismatch", details, 1002);
		return;
	}
	v = json_get(p, tok, params, "role");
	if (v < 0)
		strcpy(s->role, "operator");
	else if (json_string(p, tok, v, s->role, sizeof s->role) < 0 ||
	    (strcmp(s->role, "operator") != 0 && strcmp(s->role, "node") != 0)) {
		refuse(c, id, "invalid role", NULL, 1008);
		return;
	}
	if (opt.token) {
		v = json_get(p, tok, json_get(p, tok, params, "auth"), "token");
		if (v < 0 || tok[v].type != JSON_STRING || tok[v].len == 0) {
			refuse(c, id, "unauthorized: gateway token missing",
			    "{\"code\":\"AUTH_TOKEN_MISSING\",\"authReason\":\"token_missing\"}", 1008);
			return;
		}
		if ((n = json_string(p, tok, v, token, sizeof token)) < 0 ||
		    !token_equal(token, (size_t)n, opt.token, strlen(opt.token))) {
			refuse(c, id, "unauthorized: gateway token mismatch",
			    "{\"code\":\"AUTH_TOKEN_MISMATCH\",\"authReason\":\"token_mismatch\"}", 1008);
			return;
		}
	}
	if (conn_authenticated(c) < 0) {
		refuse(c, id, "too many clients; try again later", NULL, 1013);
		return;
	}
	grant_scopes(s, p, json_get(p, tok, params, "scopes"));
	s->authed = 1;
	s->connected_at = unix_ms();
	uuid(s->connid);
	c->ws.max = opt.max_payload;
	if (opt.verbose)                        /* the client's own strings stay out of the log */
		logmsg("client %d: authenticated, connId %s", c->fd, s->connid);
	presence_changed();
	hello(c, id, t0);
}

static void
method(struct conn *c, const char *id, const char *name, long long t0)
{
	struct jw w = writer();
	char msg[64 + METHOD_MAX];

	reply_start(&w, id, 1);
	JW_LIT(&w, "\"payload\":");
	if (strcmp(name, "health") == 0) {
		write_health(&w, t0);
	} else if (strcmp(name, "status") == 0) {
		jw_printf(&w, "{\"version\":\"%s\",\"pid\":%ld,\"port\":%d,\"protocol\":%d,"
		    "\"uptimeMs\":%lld,\"startedAt\":%lld,\"connections\":{\"total\":%d,\"authenticated\":%d,"
		    "\"max\":%d}}", GATEWAY_VERSION, (long)getpid(), opt.port, PROTOCOL_VERSION,
		    now_ms() - started_mono, started_unix, nconns, authed_clients(), opt.max_clients);
	} else if (strcmp(name, "system-presence") == 0) {
		write_presence(&w);
	} else if (strcmp(name, "config.get") == 0) {
		jw_printf(&w, "{\"gateway\":{\"port\":%d,\"bind\":\"loopback\",\"mode\":\"%s\","
		    "\"auth\":{\"mode\":\"%s\"}},\"limits\":{\"maxPayload\":%llu,\"maxBufferedBytes\":%llu,"
		    "\"maxConnections\":%d,\"preauthMaxPayload\":%d,\"handshakeTimeoutMs\":%d,"
		    "\"tickIntervalMs\":%ld,\"idleMs\":%ld}}", opt.port, "gateway",
		    opt.token ? "token" : "none", (unsigned long long)opt.max_payload,
		    (unsigned long long)opt.max_payload + OUT_SLACK, opt.max_clients, PRECONNECT_MAX,
		    HANDSHAKE_TIMEOUT_MS, opt.tick_ms, opt.idle_ms);
	} else {
		snprintf(msg, sizeof msg, "unknown method: %s", name);
		reply_error(c, id, msg, NULL);
		return;
	}
	JW_LIT(&w, "}");
	send_frame(c, &w);
}

/*
 * A request frame: {"type":"req","id":<non-empty string>,"method":<non-empty
 * string>,"params":<any>}. Returns the token count, or 0 if the text is not
 * a JSON object, or -1 if it is one but not a request (*id is set if it can be).
 */
static int
read_request(const char *p, size_t n, char *id, size_t idcap, char *name, size_t namecap, int *params)
{
	char type[8];
	int r;

	id[0] = '\0';
	if ((r = json_parse(p, n, tok, JSON_MAX_TOKENS)) == JSON_TOO_MANY)
		return -1;                      /* valid, perhaps, but more than we read: say so */
	if (r < 0 || tok[0].type != JSON_OBJECT)
		return 0;
	json_string(p, tok, json_get(p, tok, 0, "id"), id, idcap);
	*params = json_get(p, tok, 0, "params");
	if (json_string(p, tok, json_get(p, tok, 0, "type"), type, sizeof type) < 0 ||
	    strcmp(type, "req") != 0 || !id[0] ||
	    json_string(p, tok, json_get(p, tok, 0, "method"), name, namecap) < 1)
		return -1;
	return 1;
}

static void
proto_message(struct conn *c, int opcode, const unsigned char *data, size_t n)
{
	const char *p = (const char *)data;
	char id[REQUEST_ID_MAX], name[METHOD_MAX];
	long long t0 = now_ms();
	int params, r;

	if (!c->sess->authed) {
		r = opcode == WS_TEXT ? read_request(p, n, id, sizeof id, name, sizeof name, &params) : 0;
		if (r <= 0) {
			ws_close(c, 1008, "invalid request frame");
			return;
		}
		if (strcmp(name, "connect") != 0) {
			refuse(c, id, "invalid handshake: first request must be connect", NULL, 1008);
			return;
		}
		connect_request(c, p, id, params, t0);
		return;
	}
	r = read_request(p, n, id, sizeof id, name, sizeof name, &params);
	if (r == 0) {
		if (opt.verbose)
			logmsg("client %d: ignored a frame that is not a JSON object", c->fd);
	} else if (r < 0)
		reply_error(c, id[0] ? id : "invalid", "invalid request frame", NULL);
	else if (strcmp(name, "connect") == 0)
		reply_error(c, id, "connect already completed", NULL);
	else
		method(c, id, name, t0);
}

/* the connect deadline while unauthenticated, else 0 (none) */
static long long
proto_deadline(const struct conn *c)
{
	return c->sess && !c->sess->authed ? c->sess->deadline : 0;
}

/* Send a due presence broadcast and due ticks; the time to be called again. */
static long long
proto_tick(long long now)
{
	char payload[48];
	int i;

	if (presence_due && !draining && now - presence_sent >= PRESENCE_INTERVAL_MS) {
		broadcast_presence();   /* nobody needs presence from a process that is exiting */
		presence_due = 0;
		presence_sent = now;
	}
	if (now >= next_tick) {
		snprintf(payload, sizeof payload, "{\"ts\":%lld}", unix_ms());
		for (i = 0; i < nconns; i++)
			if (conns[i]->sess && conns[i]->sess->authed && conns[i]->state == C_OPEN && !slow(conns[i]))
				send_event(conns[i], "tick", payload);
		next_tick = now + opt.tick_ms;
	}
	if (presence_due && !draining && presence_sent + PRESENCE_INTERVAL_MS < next_tick)
		return presence_sent + PRESENCE_INTERVAL_MS;
	return next_tick;
}

/* before the close 1012 of a shutdown */
static void
proto_shutdown(struct conn *c)
{
	if (c->sess && c->sess->authed && c->state == C_OPEN)
		send_event(c, "shutdown", "{\"reason\":\"gateway stopping\",\"restartExpectedMs\":null}");
}

/* the connection is going: tell the others, free its state */
static void
proto_closed(struct conn *c)
{
	struct session *s = c->sess;

	if (s == NULL)
		return;
	c->sess = NULL;
	if (s->authed)
		presence_changed();
	free(s);
}

const struct app proto_app = {
	proto_open, proto_message, proto_closed, proto_deadline, proto_shutdown, proto_tick
};
