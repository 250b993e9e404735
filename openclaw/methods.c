/*
 * The methods that report the gateway's state, and presence: who is here
 * (the gateway itself, the listed clients, system events), broadcast to
 * every client when it changes, coalesced to at most one a second. proto.c
 * authorizes and dispatches; these only answer.
 */
#include <sys/utsname.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "ws.h"
#include "base64.h"
#include "crypto/sha2.h"
#include "json.h"
#include "conn.h"
#include "pool.h"
#include "rpc.h"
#include "counters.h"
#include "schema.h"
#include "state.h"
#include "statefile.h"
#include "broker.h"
#include "approvals.h"
#include "empty.h"
#include "methods.h"

/* the presence names of the client strings kept (rpc.h's F_ order) */
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

/* the log's latest lines, for logs.tail */
struct log_line {
	long long ts;                   /* unix ms */
	unsigned long long end;         /* bytes logged up to the end of this line: its cursor */
	char text[LOG_LINE_MAX];
};
static struct log_line ring[LOG_RING_LINES];
static unsigned long long nlines, logged;       /* lines and bytes ever logged */

/* keep a line in the ring: its time, its text cut to LOG_LINE_MAX, where it ends in the log */
static void
remember(const char *text, size_t n)
{
	struct log_line *l = &ring[nlines++ % LOG_RING_LINES];

	n = utf8_cut(text, n, LOG_LINE_MAX - 1);
	memcpy(l->text, text, n);
	l->text[n] = '\0';
	l->ts = unix_ms();
	logged += n + 1;
	l->end = logged;
}

/* the line back lines before the latest (0: the latest), NULL past the oldest kept */
static const struct log_line *
log_line(unsigned back)
{
	if (back >= nlines || back >= LOG_RING_LINES)
		return NULL;
	return &ring[(nlines - 1 - back) % LOG_RING_LINES];
}

static unsigned long long
log_size(void)
{
	return logged;
}

static long long started_mono, started_unix;
static unsigned long long presence_version = 1;
static int presence_due;                /* a change not yet broadcast */
static int heartbeats = 1;              /* set-heartbeats: heartbeat wakes on, as the real gateway starts */
static long long presence_sent = -PRESENCE_INTERVAL_MS; /* when the last broadcast went out */
static char hostname[256], platform[160];

void
methods_init(void)
{
	struct utsname u;
	size_t i;

	log_observe(remember);
	started_mono = now_ms();
	started_unix = unix_ms();
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
		rpc_scopes(w, s->scopes);
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
		    s->presence_seen == presence_version || !rpc_reads(s))
			continue;
		if (conn_backlog(conns[i]) > 0) {
			later++;
			continue;
		}
		part[0].iov_base = prefix;
		part[0].iov_len = (size_t)snprintf(prefix, sizeof prefix, "{\"type\":\"event\",\"seq\":%llu,",
		    ++s->seq);
		if (ws_sendv(conns[i], WS_TEXT, part, 2) == 0)
			COUNT_SENT(part[0].iov_len + part[1].iov_len);
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
void
presence_changed(void)
{
	presence_version++;
	presence_due = 1;
}

/* Send the broadcast if one is due; when to be called again, 0 if none waits. */
long long
presence_tick(long long now)
{
	if (!presence_due || draining)
		return 0;               /* nobody needs presence from a process that is exiting */
	if (now - presence_sent >= PRESENCE_INTERVAL_MS) {
		presence_due = broadcast_presence() > 0;        /* the passed over get it later */
		presence_sent = now;
	}
	return presence_due ? presence_sent + PRESENCE_INTERVAL_MS : 0;
}

/* hello-ok's snapshot members for s: presence (if it may read it), health, stateVersion, uptimeMs; the presence version */
unsigned long long
methods_snapshot(struct jw *w, long long t0, const struct session *s)
{
	JW_LIT(w, "\"presence\":");
	if (rpc_reads(s))
		write_presence(w);
	else
		JW_LIT(w, "[]");                /* as the real gateway, to a client without operator.read */
	JW_LIT(w, ",\"health\":");
	write_health(w, t0);
	jw_printf(w, ",\"stateVersion\":{\"presence\":%llu,\"health\":1},\"uptimeMs\":%lld", presence_version,
	    now_ms() - started_mono);
	return presence_version;
}

/*
 * What only this daemon has, under "daemon" in status: the memory budget
 * in use, the connections and connects refused or evicted since the start
 * (the page makes a rate of it), and the invokes waiting on each node.
 */
static void
write_daemon(struct jw *w)
{
	const char *sep = "";
	int i;

	jw_printf(w, ",\"daemon\":{\"memoryUsed\":%zu,\"memoryMax\":%zu,\"refused\":%lu,\"invokesWaiting\":{",
	    mem_held(), opt.max_memory, tallies_total("refused", NULL) + tallies_total("evicted", NULL));
	for (i = 0; i < nconns; i++)
		if (conns[i]->sess && conns[i]->sess->node) {
			jw_printf(w, "%s", sep);
			jw_str(w, SESSION_FIELD(conns[i]->sess, F_DEVICE));
			jw_printf(w, ":%d", conns[i]->sess->node->pending);
			sep = ",";
		}
	JW_LIT(w, "}");
	state_status(w);
	JW_LIT(w, "}");
}

/* methods */

static void
status(struct conn *c, const struct rpc_req *r)
{
	struct jw w = rpc_writer();

	rpc_reply(&w, r->id, 1);
	jw_printf(&w, "\"payload\":{\"version\":\"%s\",\"pid\":%ld,\"port\":%d,\"protocol\":%d,"
	    "\"uptimeMs\":%lld,\"startedAt\":%lld,\"connections\":{\"total\":%d,\"authenticated\":%d,"
	    "\"max\":%d},\"heartbeat\":{\"defaultAgentId\":\"main\",\"agents\":[],\"enabled\":%s},\"channelSummary\":[],"
	    "\"queuedSystemEvents\":[],\"sessions\":{\"paths\":[],\"count\":0,\"defaults\":{\"model\":null,"
	    "\"contextTokens\":null},\"recent\":[],\"byAgent\":[]}", GATEWAY_VERSION, (long)getpid(),
	    opt.port, PROTOCOL_VERSION, now_ms() - started_mono, started_unix, nconns, authed_clients(),
	    opt.max_clients, heartbeats ? "true" : "false");
	write_daemon(&w);
	JW_LIT(&w, "}}");
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
	    (unsigned long long)OUT_QUEUE_MAX, opt.max_clients, PRECONNECT_MAX,
	    HANDSHAKE_TIMEOUT_MS, opt.tick_ms, opt.idle_ms);
	rpc_send(c, &w);
}

static void
last_heartbeat(struct conn *c, const struct rpc_req *r)
{
	rpc_ok(c, r->id, "null");               /* no agent here, so no heartbeat yet */
}

/* the real gateway's switch for heartbeat wakes; with no agent it wakes nothing, but it is kept and shown */
static void
set_heartbeats(struct conn *c, const struct rpc_req *r)
{
	int v = json_get(r->p, rpc_tok, r->params, "enabled");

	if (v < 0 || (rpc_tok[v].type != JSON_TRUE && rpc_tok[v].type != JSON_FALSE)) {
		rpc_error(c, r->id, "INVALID_REQUEST", "invalid set-heartbeats params: enabled (boolean) required", NULL);
		return;
	}
	heartbeats = rpc_tok[v].type == JSON_TRUE;
	rpc_ok(c, r->id, heartbeats ? "{\"ok\":true,\"enabled\":true}" : "{\"ok\":true,\"enabled\":false}");
}

/* is this request's params member there, and a value of this type (JSON_TRUE, JSON_FALSE)? */
static int
param_is(const struct rpc_req *r, const char *key, int type)
{
	int v = json_get(r->p, rpc_tok, r->params, key);

	return v >= 0 && rpc_tok[v].type == type;
}

/* the integer in this request's params member, or dflt */
static long long
param_int(const struct rpc_req *r, const char *key, long long dflt)
{
	json_integer(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, key), &dflt);
	return dflt;
}

/*
 * No agents here, so no automations, sessions or providers: the real
 * gateway's replies with nothing in them, so that the CLI says "No
 * automations." rather than an error. A cron.list page's revision is the
 * real one of an empty list: sha256 of "[]".
 */
static void
cron_list(struct conn *c, const struct rpc_req *r)
{
	struct jw w = rpc_writer();
	long long limit;

	if (rpc_checked(c, r, cron_list_params) < 0)
		return;
	limit = param_int(r, "limit", CRON_PAGE_DEFAULT);
	rpc_reply(&w, r->id, 1);
	jw_printf(&w, "\"payload\":{\"jobs\":[],\"snapshotRevision\":\"sha256:T1PNoYwrqgwDVLtfmj7L5e0Sq02OEbqHPC8RFhICuUU\","
	    "\"total\":0,\"offset\":0,\"limit\":%lld,\"hasMore\":false,\"nextOffset\":null%s}}",
	    limit > CRON_PAGE_MAX ? CRON_PAGE_MAX : limit, param_is(r, "compact", JSON_TRUE) ||
	    param_is(r, "includeDeliveryPreviews", JSON_FALSE) ? "" : ",\"deliveryPreviews\":{}");
	rpc_send(c, &w);
}

static void
cron_status(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, no_params) == 0)  /* no scheduler runs here: not enabled */
		rpc_ok(c, r->id, "{\"enabled\":false,\"triggersEnabled\":false,\"storage\":\"none\",\"jobs\":0,"
		    "\"nextWakeAtMs\":null}");
}

static void
sessions_list(struct conn *c, const struct rpc_req *r)
{
	struct jw w = rpc_writer();

	if (rpc_checked(c, r, sessions_list_params) < 0)
		return;
	rpc_reply(&w, r->id, 1);
	jw_printf(&w, "\"payload\":{\"ts\":%lld,\"path\":null,\"count\":0,\"totalCount\":0,\"limitApplied\":%lld,"
	    "\"nextOffset\":null,\"hasMore\":false,\"owners\":[],\"defaults\":{\"modelProvider\":null,\"model\":null,"
	    "\"contextTokens\":null},\"sessions\":[]}}", unix_ms(), param_int(r, "limit", SESSIONS_PAGE_DEFAULT));
	rpc_send(c, &w);
}

static void
usage_status(struct conn *c, const struct rpc_req *r)
{
	char payload[64];

	snprintf(payload, sizeof payload, "{\"updatedAt\":%lld,\"providers\":[]}", unix_ms());
	rpc_ok(c, r->id, payload);
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

/* gateway.identity.get: the gateway's own key (made at its first start, kept in the state file) and its id */
static void
gateway_identity(struct conn *c, const struct rpc_req *r)
{
	unsigned char key[32], h[SHA256_LEN];
	char b64[44], payload[2 * SHA256_LEN + 96];
	long long created;
	int n, k;

	if (rpc_checked(c, r, no_params) < 0)
		return;
	if (!state_identity(key, &created)) {
		rpc_error(c, r->id, "UNAVAILABLE", "this gateway has no identity", NULL);
		return;
	}
	sha256(key, sizeof key, h);
	base64url_encode(key, sizeof key, b64);
	n = snprintf(payload, sizeof payload, "{\"deviceId\":\"");
	for (k = 0; k < SHA256_LEN; k++)
		n += snprintf(payload + n, sizeof payload - (size_t)n, "%02x", h[k]);
	snprintf(payload + n, sizeof payload - (size_t)n, "\",\"publicKey\":\"%s\"}", b64);
	rpc_ok(c, r->id, payload);
}

static const struct method served[] = {
	{ "health", health }, { "status", status }, { "system-presence", system_presence },
	{ "config.get", config_get }, { "last-heartbeat", last_heartbeat }, { "set-heartbeats", set_heartbeats },
	{ "wake", wake }, { "cron.list", cron_list }, { "cron.status", cron_status }, { "sessions.list", sessions_list },
	{ "usage.status", usage_status },
	{ "system-event", system_event }, { "logs.tail", logs_tail }, { "channels.status", channels_status },
	{ "diagnostics.stability", diagnostics_stability }, { "gateway.identity.get", gateway_identity }, { NULL, NULL }
};

/* the tables of the methods served here and in the modules below */
method_fn *
methods_find(const char *name)
{
	static const struct method *const tables[] = { served, empty_methods, approvals_methods };
	const struct method *m;
	size_t k;

	for (k = 0; k < sizeof tables / sizeof tables[0]; k++)
		for (m = tables[k]; m->name; m++)
			if (strcmp(m->name, name) == 0)
				return m->handle;
	return NULL;
}
