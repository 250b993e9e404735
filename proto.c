/*
 * The core of the OpenClaw gateway protocol over the WebSocket: a challenge,
 * the connect handshake with token auth and scopes, the read-only methods,
 * and the tick, presence and shutdown events. Frames are JSON text, one
 * object each. Replies use the real gateway's error codes, messages and
 * close codes (openclaw 2026.9.6); the nodes are broker.c's.
 */
#include <sys/utsname.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "sha1.h"
#include "ws.h"
#include "json.h"
#include "conn.h"
#include "rpc.h"
#include "broker.h"
#include "proto.h"

/* the operator scopes, one bit each, in the real gateway's names */
enum {
	S_ADMIN = 1, S_READ = 2, S_WRITE = 4, S_SESSIONS_READ = 8, S_SESSIONS_WRITE = 16,
	S_APPROVALS = 32, S_QUESTIONS = 64, S_PAIRING = 128, S_TALK = 256, S_TALK_SECRETS = 512,
	S_NODE = 1024,                  /* not a scope: a method for nodes only */
	S_DYNAMIC = 2048                /* not a scope: node.invoke's depends on the command */
};
static const char *const scope_names[] = {
	"operator.admin", "operator.read", "operator.write", "operator.sessions.read",
	"operator.sessions.write", "operator.approvals", "operator.questions", "operator.pairing",
	"operator.talk", "operator.talk.secrets", NULL
};

struct method {
	const char *name;
	unsigned scope;                 /* from the real method catalog (method-scopes-*.mjs) */
	void (*handle)(struct conn *c, const struct rpc_req *r);       /* NULL: the broker's */
};

static const char *const client_ids[] = {
	"webchat-ui", "openclaw-control-ui", "openclaw-browser-copilot", "openclaw-tui", "webchat", "cli",
	"gateway-client", "openclaw-macos", "openclaw-linux", "openclaw-ios", "openclaw-watchos",
	"openclaw-android", "node-host", "openclaw-worker", "test", "fingerprint", "openclaw-probe", NULL
};
static const char *const client_modes[] = {
	"webchat", "cli", "ui", "backend", "node", "worker", "probe", "test", NULL
};
static const char *const frame_type[] = { "req", NULL };

/* the real schemas (gateway-protocol), closed objects */
static const struct json_field request_frame[] = {
	{ "type", JS_CONST, 1, 0, 0, NULL, frame_type },
	{ "id", JS_STRING, 1, 1, REQUEST_ID_MAX, NULL, NULL },
	{ "method", JS_STRING, 1, 1, METHOD_MAX - 1, NULL, NULL },
	{ "params", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "traceparent", JS_STRING, 0, 0, 128, NULL, NULL },
	{ "expectedProfileId", JS_STRING, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
static const struct json_field client_fields[] = {
	{ "id", JS_ENUM, 1, 0, 0, NULL, client_ids },
	{ "displayName", JS_STRING, 0, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "version", JS_STRING, 1, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "buildId", JS_STRING, 0, 1, 96, NULL, NULL },
	{ "platform", JS_STRING, 1, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "deviceFamily", JS_STRING, 0, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "modelIdentifier", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "timeZone", JS_STRING, 0, 1, 64, NULL, NULL },
	{ "mode", JS_ENUM, 1, 0, 0, NULL, client_modes },
	{ "instanceId", JS_STRING, 0, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
static const struct json_field device_fields[] = {
	{ "id", JS_STRING, 1, 1, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "publicKey", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "signature", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "signedAt", JS_INT, 1, 0, 0, NULL, NULL },
	{ "nonce", JS_STRING, 1, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
static const struct json_field auth_fields[] = {
	{ "token", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "bootstrapToken", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "deviceToken", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "password", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "approvalRuntimeToken", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "agentRuntimeIdentityToken", JS_STRING, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
static const struct json_field connect_params[] = {
	{ "minProtocol", JS_INT, 1, 1, 0, NULL, NULL },
	{ "maxProtocol", JS_INT, 1, 1, 0, NULL, NULL },
	{ "client", JS_OBJECT, 1, 0, 0, client_fields, NULL },
	{ "caps", JS_STRINGS, 0, 1, 0, NULL, NULL },
	{ "commands", JS_STRINGS, 0, 1, 0, NULL, NULL },
	{ "computerUse", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "workerRuns", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "permissions", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "pathEnv", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "role", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "scopes", JS_STRINGS, 0, 1, 0, NULL, NULL },
	{ "modelCatalog", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "device", JS_OBJECT, 0, 0, 0, device_fields, NULL },
	{ "auth", JS_OBJECT, 0, 0, 0, auth_fields, NULL },
	{ "locale", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "userAgent", JS_STRING, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
static const char *const wake_modes[] = { "now", "next-heartbeat", NULL };
static const struct json_field wake_params[] = {
	{ "mode", JS_ENUM, 1, 0, 0, NULL, wake_modes },
	{ "text", JS_STRING, 1, 1, 0, NULL, NULL },
	{ "sessionKey", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "agentId", JS_STRING, 0, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
static const struct json_field system_event_params[] = {
	{ "text", JS_STRING, 1, 0, 0, NULL, NULL },
	{ "idempotencyKey", JS_STRING, 0, 1, 0, NULL, NULL },
	{ "sessionKey", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "wake", JS_BOOL, 0, 0, 0, NULL, NULL },
	{ "deviceId", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "instanceId", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "host", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "ip", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "mode", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "version", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "platform", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "deviceFamily", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "modelIdentifier", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "lastInputSeconds", JS_ANY, 0, 0, 0, NULL, NULL },
	{ "reason", JS_STRING, 0, 0, 0, NULL, NULL },
	{ "roles", JS_STRINGS, 0, 0, 0, NULL, NULL },
	{ "scopes", JS_STRINGS, 0, 0, 0, NULL, NULL },
	{ "tags", JS_STRINGS, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
static const struct json_field logs_params[] = {
	{ "cursor", JS_INT, 0, 0, 0, NULL, NULL },
	{ "limit", JS_INT, 0, 1, 0, NULL, NULL },
	{ "maxBytes", JS_INT, 0, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* the client strings kept, their connect paths, and their presence names */
static const char *const field_paths[NFIELDS][2] = {
	{ "client", "id" }, { "client", "mode" }, { "client", "platform" }, { "client", "version" },
	{ "client", "displayName" }, { "client", "instanceId" }, { "client", "deviceFamily" }, { "device", "id" }
};
static const char *const field_names[NFIELDS] = {
	"clientId", "mode", "platform", "version", "displayName", "instanceId", "deviceFamily", "deviceId"
};

/* entries added by system-event, beside the connected clients */
struct system_entry {
	char key[CLIENT_FIELD_MAX];
	char json[SYSTEM_ENTRY_MAX];    /* its presence members, without braces; "" if unused */
	long long ts;
};
static struct system_entry system_entries[SYSTEM_PRESENCE_MAX];

static long long started_mono, started_unix, next_tick;
static unsigned long long presence_version = 1;
static int presence_due;                /* a change not yet broadcast */
static long long presence_sent = -PRESENCE_INTERVAL_MS; /* when the last broadcast went out */
static char hostname[256], platform[160];

void
proto_init(void)
{
	struct utsname u;
	size_t i;

	rpc_init();
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

static int
authed_clients(void)
{
	int i, n = 0;

	for (i = 0; i < nconns; i++)
		n += conns[i]->sess && conns[i]->sess->authed && conns[i]->state != C_DEAD;
	return n;
}

static void
write_scopes(struct jw *w, unsigned scopes)
{
	int k, first = 1;

	JW_LIT(w, "[");
	for (k = 0; scope_names[k]; k++)
		if (scopes & (1u << k)) {
			jw_printf(w, "%s\"%s\"", first ? "" : ",", scope_names[k]);
			first = 0;
		}
	JW_LIT(w, "]");
}

/*
 * The gateway's own entry, one per listed client (CLI, backend and probe
 * clients are not listed, as in the real gateway), then system-event's.
 */
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
		if ((s = conns[i]->sess) == NULL || !s->authed || !s->listed || conns[i]->state == C_DEAD)
			continue;
		if (listed++ == PRESENCE_MAX)
			break;
		JW_LIT(w, ",{\"host\":");
		jw_str(w, SESSION_FIELD(s, s->field[F_DISPLAYNAME] ? F_DISPLAYNAME : F_ID));
		for (k = 0; k < NFIELDS; k++) {
			if (!s->field[k])
				continue;
			jw_printf(w, ",\"%s\":", field_names[k]);
			jw_str(w, SESSION_FIELD(s, k));
		}
		jw_printf(w, ",\"connId\":\"%s\",\"reason\":\"connect\",\"roles\":[\"%s\"],\"scopes\":", s->connid,
		    s->role == ROLE_NODE ? "node" : "operator");
		write_scopes(w, s->scopes);
		jw_printf(w, ",\"connectedAtMs\":%lld,\"ts\":%lld}", s->connected_at, s->connected_at);
	}
	for (k = 0; k < SYSTEM_PRESENCE_MAX && listed < PRESENCE_MAX; k++)
		if (system_entries[k].json[0]) {
			jw_printf(w, ",{%s,\"ts\":%lld}", system_entries[k].json, system_entries[k].ts);
			listed++;
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
 * The list is written once; only the seq prefix is each client's own. A
 * client whose socket has not taken what was queued for it (an older list,
 * perhaps) is passed over and hears the newest list once it has: a client
 * never holds two lists. Returns how many were passed over.
 */
static int
broadcast_presence(void)
{
	struct jw w = rpc_writer();
	struct iovec part[2];
	struct session *s;
	char prefix[64];
	int i, later = 0;

	JW_LIT(&w, "\"event\":\"presence\",\"payload\":{\"presence\":");
	write_presence(&w);
	jw_printf(&w, "},\"stateVersion\":{\"presence\":%llu,\"health\":1}}", presence_version);
	if (w.overflow)
		return 0;
	part[1].iov_base = w.p;
	part[1].iov_len = w.len;
	for (i = 0; i < nconns; i++) {
		if ((s = conns[i]->sess) == NULL || !s->authed || conns[i]->state != C_OPEN ||
		    s->presence_seen == presence_version)
			continue;
		if (conn_backlog(conns[i]) > 0) {
			later++;
			continue;
		}
		part[0].iov_base = prefix;
		part[0].iov_len = (size_t)snprintf(prefix, sizeof prefix, "{\"type\":\"event\",\"seq\":%llu,",
		    ++s->seq);
		ws_sendv(conns[i], WS_TEXT, part, 2);
		s->presence_seen = presence_version;
	}
	return later;
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
	struct jw w = rpc_writer();
	char nonce[UUID_LEN + 1];

	if ((c->sess = calloc(1, sizeof *c->sess + 1)) == NULL) {
		ws_close(c, 1011, "out of memory");
		return;
	}
	c->sess->deadline = now_ms() + HANDSHAKE_TIMEOUT_MS;
	c->ws.max = opt.max_payload < PRECONNECT_MAX ? opt.max_payload : PRECONNECT_MAX;
	uuid(nonce);
	/* no capabilities: this gateway serves no model catalog snapshot */
	jw_printf(&w, "{\"type\":\"event\",\"event\":\"connect.challenge\",\"payload\":"
	    "{\"nonce\":\"%s\",\"ts\":%lld,\"capabilities\":[]}}", nonce, unix_ms());
	rpc_send(c, &w);
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

/* a handshake failure: the error reply, then the close with the message */
static void
refuse(struct conn *c, const char *id, const char *code, const char *message, const char *more, unsigned close_code)
{
	rpc_error(c, id, code, message, more);
	ws_close(c, close_code, message);
}

/* methods */

static void
status(struct conn *c, const struct rpc_req *r)
{
	struct jw w = rpc_writer();

	rpc_reply(&w, r->id, 1);
	jw_printf(&w, "\"payload\":{\"version\":\"%s\",\"pid\":%ld,\"port\":%d,\"protocol\":%d,"
	    "\"uptimeMs\":%lld,\"startedAt\":%lld,\"connections\":{\"total\":%d,\"authenticated\":%d,"
	    "\"max\":%d},\"heartbeat\":{\"defaultAgentId\":\"main\",\"agents\":[]},\"channelSummary\":[],"
	    "\"queuedSystemEvents\":[],\"sessions\":{\"paths\":[],\"count\":0,\"defaults\":{\"model\":null,"
	    "\"contextTokens\":null},\"recent\":[],\"byAgent\":[]}}}", GATEWAY_VERSION, (long)getpid(),
	    opt.port, PROTOCOL_VERSION, now_ms() - started_mono, started_unix, nconns, authed_clients(),
	    opt.max_clients);
	rpc_send(c, &w);
}

static void
health(struct conn *c, const struct rpc_req *r)
{
	struct jw w = rpc_writer();

	rpc_reply(&w, r->id, 1);
	JW_LIT(&w, "\"payload\":");
	write_health(&w, r->t0);
	JW_LIT(&w, "}");
	rpc_send(c, &w);
}

static void
system_presence(struct conn *c, const struct rpc_req *r)
{
	struct jw w = rpc_writer();

	rpc_reply(&w, r->id, 1);
	JW_LIT(&w, "\"payload\":");
	write_presence(&w);
	JW_LIT(&w, "}");
	rpc_send(c, &w);
}

static void
config_get(struct conn *c, const struct rpc_req *r)
{
	struct jw w = rpc_writer();

	rpc_reply(&w, r->id, 1);
	jw_printf(&w, "\"payload\":{\"gateway\":{\"port\":%d,\"bind\":\"loopback\",\"mode\":\"%s\","
	    "\"auth\":{\"mode\":\"%s\"}},\"limits\":{\"maxPayload\":%llu,\"maxBufferedBytes\":%llu,"
	    "\"maxConnections\":%d,\"preauthMaxPayload\":%d,\"handshakeTimeoutMs\":%d,"
	    "\"tickIntervalMs\":%ld,\"idleMs\":%ld}}}", opt.port, "gateway",
	    opt.token ? "token" : "none", (unsigned long long)opt.max_payload,
	    (unsigned long long)opt.max_payload + OUT_SLACK, opt.max_clients, PRECONNECT_MAX,
	    HANDSHAKE_TIMEOUT_MS, opt.tick_ms, opt.idle_ms);
	rpc_send(c, &w);
}

static void
last_heartbeat(struct conn *c, const struct rpc_req *r)
{
	rpc_ok(c, r->id, "null");               /* no agent here, so no heartbeat yet */
}

static void
wake(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, wake_params) == 0)
		rpc_ok(c, r->id, "{\"ok\":true}");
}

/* system-event: its text is shown in presence, as the real gateway does */
static void
system_event(struct conn *c, const struct rpc_req *r)
{
	static const char *const keys[] = { "instanceId", "deviceId", "host", "text" };
	static const char *const shown[] = { "text", "host", "ip", "mode", "version", "platform", "deviceFamily",
		"modelIdentifier", "deviceId", "instanceId", "reason" };
	struct system_entry *e = NULL, *oldest = &system_entries[0];
	char key[CLIENT_FIELD_MAX], text[SYSTEM_ENTRY_MAX];
	struct jw w;
	size_t k;
	int v;

	if (rpc_checked(c, r, system_event_params) < 0)
		return;
	if (json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "text"), text, sizeof text) < 1) {
		rpc_error(c, r->id, "INVALID_REQUEST", "text required", NULL);
		return;
	}
	for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
		if (json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, keys[k]), key, sizeof key) > 0)
			break;
	for (k = 0; k < SYSTEM_PRESENCE_MAX && !e; k++)
		if (system_entries[k].json[0] && strcmp(system_entries[k].key, key) == 0)
			e = &system_entries[k];
		else if (!system_entries[k].json[0] || system_entries[k].ts < oldest->ts)
			oldest = &system_entries[k];
	if (e == NULL)
		e = oldest;                     /* new, or the oldest makes room */
	w = jw_init(e->json, sizeof e->json - 1);
	for (k = 0; k < sizeof shown / sizeof shown[0]; k++)
		if ((v = json_get(r->p, rpc_tok, r->params, shown[k])) >= 0) {
			jw_printf(&w, "%s\"%s\":", w.len ? "," : "", shown[k]);
			jw_raw(&w, r->p + rpc_tok[v].start - 1, rpc_tok[v].len + 2);  /* strings, as sent */
		}
	if (w.overflow) {
		e->json[0] = '\0';
		rpc_error(c, r->id, "INVALID_REQUEST", "system event too large", NULL);
		return;
	}
	e->json[w.len] = '\0';
	snprintf(e->key, sizeof e->key, "%s", key);
	e->ts = unix_ms();
	presence_changed();
	rpc_ok(c, r->id, "{\"ok\":true}");
}

/* logs.tail: the daemon's own latest lines, from log.c's ring, as JSON log records */
static void
logs_tail(struct conn *c, const struct rpc_req *r)
{
	const struct log_line *l;
	long long cursor = -1, limit = 500, max_bytes = 250000;
	unsigned back, n = 0;
	int reset = 0, truncated = 0;
	size_t bytes = 0;
	struct jw w;
	char when[32], rec[LOG_LINE_MAX * 6 + 128];
	struct tm tm;
	time_t t;

	if (rpc_checked(c, r, logs_params) < 0)
		return;
	json_integer(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "cursor"), &cursor);
	json_integer(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "limit"), &limit);
	json_integer(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "maxBytes"), &max_bytes);
	if (cursor > (long long)log_size())
		reset = 1, cursor = -1;         /* from another run of the log */
	/* count back: lines after the cursor, at most limit, at most max_bytes */
	for (back = 0; (l = log_line(back)) != NULL; back++) {
		if (cursor >= 0 && l->end <= (unsigned long long)cursor)
			break;
		if ((long long)n >= limit || (long long)(bytes + strlen(l->text) + 1) > max_bytes) {
			truncated = 1;
			break;
		}
		bytes += strlen(l->text) + 1;
		n++;
	}
	if (cursor >= 0 && l == NULL && back > 0) {     /* lines after the cursor are gone from the ring */
		l = log_line(back - 1);
		if (l->end - strlen(l->text) - 1 > (unsigned long long)cursor)
			reset = 1;
	}
	w = rpc_writer();
	rpc_reply(&w, r->id, 1);
	jw_printf(&w, "\"payload\":{\"file\":\"memory (the latest %d lines of this gateway's log)\","
	    "\"cursor\":%llu,\"size\":%llu,\"lines\":[", LOG_RING_LINES, log_size(), log_size());
	while (n-- > 0) {
		struct jw one = jw_init(rec, sizeof rec);
		l = log_line(n);
		t = (time_t)(l->ts / 1000);
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
		jw_printf(&one, "{\"time\":\"%s.%03dZ\",\"level\":\"%s\",\"subsystem\":\"gateway\",\"message\":", when,
		    (int)(l->ts % 1000), strncmp(l->text, "warning:", 8) == 0 ? "warn" : "info");
		jw_str(&one, l->text);
		JW_LIT(&one, "}");
		jw_string(&w, rec, one.len);
		if (n)
			JW_LIT(&w, ",");
	}
	jw_printf(&w, "]%s%s}}", truncated ? ",\"truncated\":true" : "", reset ? ",\"reset\":true" : "");
	rpc_send(c, &w);
}

static void
channels_status(struct conn *c, const struct rpc_req *r)
{
	char payload[320];

	snprintf(payload, sizeof payload, "{\"ts\":%lld,\"channelOrder\":[],\"channelLabels\":{},"
	    "\"channelDetailLabels\":{},\"channelSystemImages\":{},\"channelMeta\":[],\"channels\":{},"
	    "\"channelAccounts\":{},\"channelDefaultAccountId\":{},\"statusIssues\":[]}", unix_ms());
	rpc_ok(c, r->id, payload);              /* no chat channels on this host */
}

static void
diagnostics_stability(struct conn *c, const struct rpc_req *r)
{
	char payload[192], when[32];
	struct tm tm;
	long long ms = unix_ms();
	time_t t = (time_t)(ms / 1000);

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(payload, sizeof payload, "{\"generatedAt\":\"%s.%03dZ\",\"capacity\":0,\"count\":0,\"dropped\":0,"
	    "\"events\":[],\"summary\":{\"byType\":{}}}", when, (int)(ms % 1000));
	rpc_ok(c, r->id, payload);              /* no diagnostic events are recorded here */
}

/* connect is in the catalog (operator.admin); once connected it is refused */
static void
connect_again(struct conn *c, const struct rpc_req *r)
{
	rpc_error(c, r->id, "INVALID_REQUEST", "connect is only valid as the first request", NULL);
}

/* every method served, with its scope from the real method catalog; then the node-only ones not served */
static const struct method methods[] = {
	{ "health", S_READ, health },
	{ "status", S_READ, status },
	{ "system-presence", S_READ, system_presence },
	{ "config.get", S_READ, config_get },
	{ "last-heartbeat", S_READ, last_heartbeat },
	{ "wake", S_WRITE, wake },
	{ "system-event", S_ADMIN, system_event },
	{ "logs.tail", S_READ, logs_tail },
	{ "channels.status", S_READ, channels_status },
	{ "diagnostics.stability", S_READ, diagnostics_stability },
	{ "node.list", S_READ, NULL },
	{ "node.describe", S_READ, NULL },
	{ "node.invoke", S_DYNAMIC, NULL },
	{ "node.pair.list", S_PAIRING, NULL },
	{ "device.pair.list", S_PAIRING, NULL },
	{ "node.invoke.result", S_NODE, NULL },
	{ "node.event", S_NODE, NULL },
	{ "node.runnerInventory.update", S_NODE, NULL },
	{ "node.skills.update", S_NODE, NULL },
	{ "node.pluginTools.update", S_NODE, NULL },
	{ "node.pluginSurface.refresh", S_NODE, NULL },
	{ "node.pending.drain", S_NODE, NULL },
	{ "node.pending.pull", S_NODE, NULL },
	{ "node.pending.ack", S_NODE, NULL },
	{ "node.invoke.progress", S_NODE, NULL },
	{ "connect", S_ADMIN, connect_again },
	{ NULL, 0, NULL }
};

/* the method named, or NULL */
static const struct method *
find_method(const char *name)
{
	const struct method *m;

	for (m = methods; m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

static void
hello(struct conn *c, const char *id, long long t0)
{
	struct session *s = c->sess;
	struct jw w = rpc_writer();
	const char *sep = "";
	int k;

	static char served[METHOD_LIST_MAX];    /* the methods served, as JSON: written once */

	if (!served[0]) {
		struct jw m = jw_init(served, sizeof served - 1);
		for (k = 0; methods[k].name; k++)
			if (methods[k].handle != connect_again && (methods[k].handle || broker_serves(methods[k].name))) {
				jw_printf(&m, "%s\"%s\"", sep, methods[k].name);
				sep = ",";
			}
		served[m.len] = '\0';
	}
	rpc_reply(&w, id, 1);
	jw_printf(&w, "\"payload\":{\"type\":\"hello-ok\",\"protocol\":%d,\"server\":{\"version\":\"%s\","
	    "\"connId\":\"%s\"},\"features\":{\"methods\":[", PROTOCOL_VERSION, GATEWAY_VERSION, s->connid);
	jw_cat(&w, served);
	JW_LIT(&w, "],\"events\":[\"connect.challenge\",\"tick\",\"presence\",\"shutdown\",\"node.invoke.request\"]},"
	    "\"snapshot\":{\"presence\":");
	write_presence(&w);
	JW_LIT(&w, ",\"health\":");
	write_health(&w, t0);
	jw_printf(&w, ",\"stateVersion\":{\"presence\":%llu,\"health\":1},\"uptimeMs\":%lld},"
	    "\"auth\":{\"role\":\"%s\",\"scopes\":", presence_version, now_ms() - started_mono,
	    s->role == ROLE_NODE ? "node" : "operator");
	write_scopes(&w, s->scopes);
	jw_printf(&w, "},\"policy\":{\"maxPayload\":%llu,\"maxBufferedBytes\":%llu,\"tickIntervalMs\":%ld}}}",
	    (unsigned long long)opt.max_payload, (unsigned long long)opt.max_payload + OUT_SLACK, opt.tick_ms);
	rpc_send(c, &w);
	s->presence_seen = presence_version;    /* the snapshot above */
}

/*
 * The scopes granted without a verified device identity, as the real
 * gateway grants them: the requested operator scopes are kept for the CLI
 * (client cli, mode cli) and the backend client (gateway-client, mode
 * backend) on loopback; every other client gets none.
 */
static unsigned
grant_scopes(const struct session *s, const char *p, int scopes)
{
	char one[SCOPE_MAX];
	unsigned granted = 0;
	int i, k, n;

	if (!((strcmp(SESSION_FIELD(s, F_ID), "cli") == 0 && strcmp(SESSION_FIELD(s, F_MODE), "cli") == 0) ||
	    (strcmp(SESSION_FIELD(s, F_ID), "gateway-client") == 0 && strcmp(SESSION_FIELD(s, F_MODE), "backend") == 0)) ||
	    s->role != ROLE_OPERATOR || scopes < 0)
		return 0;
	for (i = scopes + 1, n = 0; n < (int)rpc_tok[scopes].count; n++, i = rpc_tok[i].next)
		if (json_string(p, rpc_tok, i, one, sizeof one) > 0)
			for (k = 0; scope_names[k]; k++)
				if (strcmp(one, scope_names[k]) == 0)
					granted |= 1u << k;
	return granted;
}

/* keep the client's strings in the session, grown to hold them */
static int
keep_fields(struct conn *c, const char *p, int params, int *bad)
{
	size_t need = 1, len[NFIELDS];
	struct session *s;
	int k, v;

	for (k = 0; k < NFIELDS; k++) {
		v = json_get(p, rpc_tok, json_get(p, rpc_tok, params, field_paths[k][0]), field_paths[k][1]);
		len[k] = v >= 0 ? rpc_tok[v].len + 1 : 0;      /* decoded is never longer */
		need += len[k];
	}
	*bad = -1;
	if ((s = realloc(c->sess, sizeof *s + need)) == NULL)
		return -1;
	c->sess = s;
	for (need = 1, k = 0; k < NFIELDS; k++) {
		s->field[k] = 0;
		v = json_get(p, rpc_tok, json_get(p, rpc_tok, params, field_paths[k][0]), field_paths[k][1]);
		if (v < 0)
			continue;
		if (json_string(p, rpc_tok, v, s->text + need, len[k]) < 0) {
			*bad = k;               /* holds a NUL: as a C string it would be cut */
			return -1;
		}
		s->field[k] = (unsigned short)need;
		need += strlen(s->text + need) + 1;
	}
	return 0;
}

/* the hint the real gateway gives after a token refusal, by client */
static const char *
token_hint(const char *id, const char *mode, int missing)
{
	if (strcmp(mode, "cli") == 0)
		return "use this gateway's gateway.auth.token or pair the device";
	if (!strcmp(id, "openclaw-control-ui") || !strcmp(id, "openclaw-browser-copilot") ||
	    !strcmp(id, "openclaw-tui") || !strcmp(id, "webchat-ui") || !strcmp(mode, "webchat"))
		return missing ? "paste in Control UI settings or openclaw doctor --generate-gateway-token; restart" :
		    "open the dashboard URL and paste the token in Control UI settings";
	return "provide gateway auth token";
}

static int
is_ui(const char *id, const char *mode)
{
	return !strcmp(id, "openclaw-control-ui") || !strcmp(id, "openclaw-browser-copilot") ||
	    !strcmp(id, "openclaw-tui") || !strcmp(id, "webchat-ui") || !strcmp(mode, "webchat");
}

static void
connect_request(struct conn *c, const struct rpc_req *r)
{
	const char *p = r->p;
	const int params = r->params;
	const int device = json_get(p, rpc_tok, params, "device");
	char why[768], msg[896], role[16], token[TOKEN_MAX + 1];
	struct session *s;
	long long minp, maxp;
	long n;
	int v;

	if (params < 0)
		strcpy(why, "must be object");  /* no params at all: the real validator's words */
	if (params < 0 || json_check(p, rpc_tok, params, connect_params, why, sizeof why) < 0) {
		snprintf(msg, sizeof msg, "invalid connect params: %s", why);
		refuse(c, r->id, "INVALID_REQUEST", msg, NULL, 1008);
		return;
	}
	json_integer(p, rpc_tok, json_get(p, rpc_tok, params, "minProtocol"), &minp);
	json_integer(p, rpc_tok, json_get(p, rpc_tok, params, "maxProtocol"), &maxp);
	if (minp > PROTOCOL_VERSION || maxp < PROTOCOL_VERSION) {
		snprintf(msg, sizeof msg, ",\"details\":{\"code\":\"PROTOCOL_MISMATCH\",\"clientMinProtocol\":%lld,"
		    "\"clientMaxProtocol\":%lld,\"expectedProtocol\":%d,\"minimumProbeProtocol\":3}", minp, maxp,
		    PROTOCOL_VERSION);
		refuse(c, r->id, "INVALID_REQUEST", "protocol mismatch", msg, 1002);
		return;
	}
	v = json_get(p, rpc_tok, params, "role");
	if (v < 0)
		strcpy(role, "operator");
	else if (json_string(p, rpc_tok, v, role, sizeof role) < 0 ||
	    (strcmp(role, "operator") != 0 && strcmp(role, "node") != 0)) {
		refuse(c, r->id, "INVALID_REQUEST", "invalid role", NULL, 1008);
		return;
	}
	if (keep_fields(c, p, params, &v) < 0) {
		if (v < 0) {
			refuse(c, r->id, "UNAVAILABLE", "out of memory", NULL, 1011);
			return;
		}
		snprintf(msg, sizeof msg, "invalid connect params: at /%s/%s: must not contain NUL (\\u0000)",
		    field_paths[v][0], field_paths[v][1]);
		refuse(c, r->id, "INVALID_REQUEST", msg, NULL, 1008);
		return;
	}
	s = c->sess;
	s->role = strcmp(role, "node") == 0 ? ROLE_NODE : ROLE_OPERATOR;
	if (opt.token) {
		v = json_get(p, rpc_tok, json_get(p, rpc_tok, params, "auth"), "token");
		n = v >= 0 ? json_string(p, rpc_tok, v, token, sizeof token) : 0;
		if (v < 0 || rpc_tok[v].len == 0) {
			if (device < 0 && !is_ui(SESSION_FIELD(s, F_ID), SESSION_FIELD(s, F_MODE))) {
				refuse(c, r->id, "NOT_PAIRED", "device identity required",
				    ",\"details\":{\"code\":\"DEVICE_IDENTITY_REQUIRED\"}", 1008);
				return;
			}
			snprintf(msg, sizeof msg, "unauthorized: gateway token missing (%s)",
			    token_hint(SESSION_FIELD(s, F_ID), SESSION_FIELD(s, F_MODE), 1));
			refuse(c, r->id, "INVALID_REQUEST", msg, ",\"details\":{\"code\":\"AUTH_TOKEN_MISSING\","
			    "\"authReason\":\"token_missing\",\"canRetryWithDeviceToken\":false,"
			    "\"recommendedNextStep\":\"update_auth_credentials\"}", 1008);
			return;
		}
		if (n < 0 || !token_equal(token, (size_t)n, opt.token, strlen(opt.token))) {
			snprintf(msg, sizeof msg, "unauthorized: gateway token mismatch (%s)",
			    token_hint(SESSION_FIELD(s, F_ID), SESSION_FIELD(s, F_MODE), 0));
			refuse(c, r->id, "INVALID_REQUEST", msg, ",\"details\":{\"code\":\"AUTH_TOKEN_MISMATCH\","
			    "\"authReason\":\"token_mismatch\",\"canRetryWithDeviceToken\":false,"
			    "\"recommendedNextStep\":\"update_auth_credentials\"}", 1008);
			return;
		}
	}
	if (s->role == ROLE_NODE && device < 0) {      /* a node is known by its device id */
		refuse(c, r->id, "NOT_PAIRED", "device identity required",
		    ",\"details\":{\"code\":\"DEVICE_IDENTITY_REQUIRED\"}", 1008);
		return;
	}
	if (conn_authenticated(c) < 0) {
		refuse(c, r->id, "UNAVAILABLE", "too many clients; try again later", NULL, 1013);
		return;
	}
	s->scopes = grant_scopes(s, p, json_get(p, rpc_tok, params, "scopes"));
	s->listed = !str_in(SESSION_FIELD(s, F_MODE), (const char *const[]){ "cli", "backend", "probe", NULL });
	s->connected_at = unix_ms();
	uuid(s->connid);
	if (s->role == ROLE_NODE && broker_register(c, r, why, sizeof why) < 0) {
		snprintf(msg, sizeof msg, "invalid connect params: %s", why);
		refuse(c, r->id, "INVALID_REQUEST", msg, NULL, 1008);
		return;
	}
	s->authed = 1;
	c->ws.max = opt.max_payload;
	if (opt.verbose)                        /* the client's own strings stay out of the log */
		logmsg("client %d: authenticated as %s, connId %s", c->fd, role, s->connid);
	if (s->listed)
		presence_changed();
	hello(c, r->id, r->t0);
}

/* the real operatorScopeSatisfied: write implies read, talk and the session scopes */
static int
satisfied(unsigned need, unsigned granted)
{
	if (granted & (need | S_ADMIN))
		return 1;
	if ((need & (S_READ | S_TALK | S_SESSIONS_READ | S_SESSIONS_WRITE)) && (granted & S_WRITE))
		return 1;
	return need == S_SESSIONS_READ && (granted & (S_READ | S_SESSIONS_WRITE));
}

/* May this session call this method? If not, the real gateway's refusal is sent. */
static int
authorized(struct conn *c, const struct rpc_req *r, const struct method *m)
{
	const struct session *s = c->sess;
	unsigned need = m ? m->scope : S_ADMIN;         /* an unknown method needs admin */
	char command[NODE_NAME_MAX], more[200];
	const char *name;
	int k;

	if (strcmp(r->method, "health") == 0)
		return 1;
	if ((need == S_NODE) != (s->role == ROLE_NODE)) {
		rpc_error(c, r->id, "INVALID_REQUEST", s->role == ROLE_NODE ? "unauthorized role: node" :
		    "unauthorized role: operator", NULL);
		return 0;
	}
	if (s->role == ROLE_NODE || (s->scopes & S_ADMIN))
		return 1;
	if (need == S_DYNAMIC) {
		json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "command"), command, sizeof command);
		need = broker_admin_only(command) ? S_ADMIN : S_WRITE;
	}
	if (satisfied(need, s->scopes))
		return 1;
	for (k = 0; !(need & (1u << k)); k++)
		;
	name = scope_names[k];
	snprintf(command, sizeof command, "missing scope: %s", name);
	snprintf(more, sizeof more, ",\"details\":{\"code\":\"MISSING_SCOPE\",\"missingScope\":\"%s\","
	    "\"requiredScopes\":[\"%s\"]}", name, name);
	rpc_error(c, r->id, "FORBIDDEN", command, more);
	return 0;
}

/*
 * Read a frame as a request (binary frames too, as the real gateway reads
 * them). Returns 1 for a request, 0 if the text is not JSON, -1 if it is
 * JSON but not a request frame: why says so, and id holds the frame's id
 * as JSON, or "invalid".
 */
static int
read_request(const unsigned char *data, size_t n, int opcode, struct rpc_req *r, char *id, char *name,
    char *why, size_t whycap)
{
	const char *p = (const char *)data;
	int v;

	strcpy(id, "\"invalid\"");
	r->p = p;
	r->id = id;
	r->method = name;
	name[0] = why[0] = '\0';
	if (opcode == WS_BINARY && utf8_step(UTF8_ACCEPT, data, n) != UTF8_ACCEPT)
		return 0;
	if ((v = json_parse(p, n, rpc_tok, JSON_MAX_TOKENS)) == JSON_TOO_MANY) {
		snprintf(why, whycap, "more than %d values", JSON_MAX_TOKENS);
		return -1;                      /* valid, perhaps, but more than we read: say so */
	}
	if (v < 0)
		return 0;
	v = json_get(p, rpc_tok, 0, "id");
	if (v >= 0 && rpc_tok[v].len <= REQUEST_ID_MAX) {
		size_t q = rpc_tok[v].type == JSON_STRING;
		memcpy(id, p + rpc_tok[v].start - q, rpc_tok[v].len + 2 * q);
		id[rpc_tok[v].len + 2 * q] = '\0';
	}
	if (json_check(p, rpc_tok, 0, request_frame, why, whycap) < 0)
		return -1;
	json_string(p, rpc_tok, json_get(p, rpc_tok, 0, "method"), name, METHOD_MAX);
	r->params = json_get(p, rpc_tok, 0, "params");
	return 1;
}

static void
proto_message(struct conn *c, int opcode, const unsigned char *data, size_t n)
{
	char id[REQUEST_ID_MAX + 3], name[METHOD_MAX], why[512], msg[600];
	const struct method *m;
	struct rpc_req r;
	int k;

	r.t0 = now_ms();
	k = read_request(data, n, opcode, &r, id, name, why, sizeof why);
	if (!c->sess->authed) {
		if (k == 0)
			ws_close(c, 1000, "");          /* not JSON: as the real gateway, a plain close */
		else if (k < 0)
			ws_close(c, 1008, "invalid request frame");
		else if (strcmp(name, "connect") != 0)
			refuse(c, id, "INVALID_REQUEST", "invalid handshake: first request must be connect", NULL, 1008);
		else
			connect_request(c, &r);
		return;
	}
	if (k == 0) {
		if (opt.verbose)
			logmsg("client %d: ignored a frame that is not JSON", c->fd);
		return;
	}
	if (k < 0) {
		snprintf(msg, sizeof msg, "invalid request frame: %s", why);
		rpc_error(c, id, "INVALID_REQUEST", msg, NULL);
		return;
	}
	m = find_method(name);
	if (!authorized(c, &r, m))
		return;
	if (m && m->handle)
		m->handle(c, &r);
	else if (m && broker_serves(name))
		broker_method(c, &r);
	else {
		snprintf(msg, sizeof msg, "unknown method: %s", name);
		rpc_error(c, id, "INVALID_REQUEST", msg, NULL);
	}
}

/* the connect deadline while unauthenticated, else 0 (none) */
static long long
proto_deadline(const struct conn *c)
{
	return c->sess && !c->sess->authed ? c->sess->deadline : 0;
}

/* Send a due presence broadcast, due ticks, expired invokes; the time to be called again. */
static long long
proto_tick(long long now)
{
	char payload[48];
	long long next, invoke_due;
	int i;

	if (presence_due && !draining && now - presence_sent >= PRESENCE_INTERVAL_MS) {
		/* nobody needs presence from a process that is exiting; the passed over get it later */
		presence_due = broadcast_presence() > 0;
		presence_sent = now;
	}
	if (now >= next_tick) {
		snprintf(payload, sizeof payload, "{\"ts\":%lld}", unix_ms());
		for (i = 0; i < nconns; i++)
			if (conns[i]->sess && conns[i]->sess->authed && conns[i]->state == C_OPEN && !slow(conns[i]))
				rpc_event(conns[i], "tick", payload, 1);
		next_tick = now + opt.tick_ms;
	}
	next = next_tick;
	if (presence_due && !draining && presence_sent + PRESENCE_INTERVAL_MS < next)
		next = presence_sent + PRESENCE_INTERVAL_MS;
	invoke_due = broker_tick(now);
	return invoke_due && invoke_due < next ? invoke_due : next;
}

/* before the close 1012 of a shutdown */
static void
proto_shutdown(struct conn *c)
{
	if (c->sess && c->sess->authed && c->state == C_OPEN)
		rpc_event(c, "shutdown", "{\"reason\":\"gateway stopping\",\"restartExpectedMs\":null}", 1);
}

/* the connection is going: its invokes are answered, the others told, its state freed */
static void
proto_closed(struct conn *c)
{
	struct session *s = c->sess;

	if (s == NULL)
		return;
	broker_closed(c);
	c->sess = NULL;
	if (s->authed && s->listed)
		presence_changed();
	free(s);
}

const struct app proto_app = {
	proto_open, proto_message, proto_closed, proto_deadline, proto_shutdown, proto_tick
};
