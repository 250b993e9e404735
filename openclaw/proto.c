/*
 * The core of the OpenClaw gateway protocol over the WebSocket: a challenge,
 * the connect handshake with token auth and scopes, each request authorized
 * by its method's scope and dispatched (to methods.c, or the node broker),
 * and the tick and shutdown events. Frames are JSON text, one object each.
 * Replies use the real gateway's error codes, messages and close codes
 * (openclaw 2026.9.6).
 */
#include <sys/types.h>
#include <pwd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "peer.h"
#include "token.h"
#include "ws.h"
#include "json.h"
#include "conn.h"
#include "rpc.h"
#include "counters.h"
#include "catalog.h"
#include "schema.h"
#include "policy.h"
#include "device.h"
#include "state.h"
#include "statefile.h"
#include "broker.h"
#include "invoke.h"
#include "pairing.h"
#include "devices.h"
#include "methods.h"
#include "route.h"
#include "page.h"
#include "metrics.h"
#include "proto.h"

/* the client strings kept, their connect paths, and their presence names */
static const char *const field_paths[NFIELDS][2] = {
	{ "client", "id" }, { "client", "mode" }, { "client", "platform" }, { "client", "version" },
	{ "client", "displayName" }, { "client", "instanceId" }, { "client", "deviceFamily" }, { "device", "id" }
};
static long long next_tick;

/* the protocol's start; what the listening line says of who may connect (users_known: peer.c can tell) */
const char *
proto_init(int users_known)
{
	static char note[PATH_MAX + 160];
	const struct passwd *pw = getpwuid(getuid());
	char who[128];

	rpc_init();
	methods_init();
	counters.started = unix_ms();
	state_load(opt.state_file);
	next_tick = now_ms() + opt.tick_ms;
	if (opt.token)
		snprintf(who, sizeof who, "token required");
	else if (!users_known)
		snprintf(who, sizeof who, "no token, and local users cannot be told apart here: a token is required to connect");
	else if (pw)
		snprintf(who, sizeof who, "no token: only user %s%s may connect", pw->pw_name, getuid() ? " (and root)" : "");
	else
		snprintf(who, sizeof who, "no token: only uid %ld%s may connect", (long)getuid(), getuid() ? " (and root)" : "");
	snprintf(note, sizeof note, "%s; %s", who, state_note());
	return note;
}

/* a client with this much unsent is slow: it misses events rather than piling them up */
static int
slow(const struct conn *c)
{
	return conn_pending(c) > OUT_HIGH_WATER;
}

static void
proto_open(struct conn *c)
{
	struct jw w = rpc_writer();

	if ((c->sess = calloc(1, sizeof *c->sess + 1)) == NULL) {
		ws_close(c, 1011, "out of memory");
		return;
	}
	c->sess->deadline = now_ms() + HANDSHAKE_TIMEOUT_MS;
	c->ws.max = opt.max_payload < PRECONNECT_MAX ? opt.max_payload : PRECONNECT_MAX;
	uuid(c->sess->nonce);
	/* no capabilities: this gateway serves no model catalog snapshot */
	jw_printf(&w, "{\"type\":\"event\",\"event\":\"connect.challenge\",\"payload\":"
	    "{\"nonce\":\"%s\",\"ts\":%lld,\"capabilities\":[]}}", c->sess->nonce, unix_ms());
	rpc_send(c, &w);
}

static struct tally refusals = { "refused", "connect", NULL, 0, 0, NULL, 0, 0 };

/* a handshake failure: the error reply, then the close with the message */
static void
refuse(struct conn *c, const char *id, const char *code, const char *message, const char *more, unsigned close_code)
{
	rpc_error(c, id, code, message, more);
	ws_close(c, close_code, message);
}

/* connect is in the catalog (operator.admin); once connected it is refused */
static void
connect_again(struct conn *c, const struct rpc_req *r)
{
	rpc_error(c, r->id, "INVALID_REQUEST", "connect is only valid as the first request", NULL);
}

/* how the client authenticated, and the device token issued to it ("" if none) */
struct auth {
	const char *method;             /* "token", "device-token", "none" */
	char token[2 * DEVICE_TOKEN_BYTES];
	long long issued;
};

static void
hello(struct conn *c, const char *id, long long t0, const struct auth *a)
{
	struct session *s = c->sess;
	struct jw w = rpc_writer();
	const char *sep = "";
	size_t k;
	static char served[METHOD_LIST_MAX];    /* the methods served, as JSON: written once */

	if (!served[0]) {
		struct jw m = jw_init(served, sizeof served - 1);
		for (k = 0; k < catalog_len; k++)
			if (methods_find(catalog[k].name) || broker_serves(catalog[k].name) || invoke_serves(catalog[k].name) ||
			    devices_serves(catalog[k].name)) {
				jw_printf(&m, "%s\"%s\"", sep, catalog[k].name);
				sep = ",";
			}
		served[m.len] = '\0';
	}
	rpc_reply(&w, id, 1);
	jw_printf(&w, "\"payload\":{\"type\":\"hello-ok\",\"protocol\":%d,\"server\":{\"version\":\"%s\","
	    "\"connId\":\"%s\"},\"features\":{\"methods\":[", PROTOCOL_VERSION, GATEWAY_VERSION, s->connid);
	jw_cat(&w, served);
	JW_LIT(&w, "],\"events\":[\"connect.challenge\",\"tick\",\"presence\",\"shutdown\",\"node.invoke.request\","
	    "\"device.pair.resolved\",\"node.pair.requested\",\"node.pair.resolved\"],"
	    "\"capabilities\":[\"published-model-catalog\"]},\"snapshot\":{");        /* models.list: its catalog, empty */
	s->presence_seen = methods_snapshot(&w, t0, s);         /* this client has that list now */
	jw_printf(&w, "},\"auth\":{\"method\":\"%s\",\"role\":\"%s\",\"scopes\":", a->method,
	    s->role == ROLE_NODE ? "node" : "operator");
	rpc_scopes(&w, s->scopes);
	if (a->token[0])                /* issued now: a device that has one keeps it (only its digest is kept here) */
		jw_printf(&w, ",\"deviceToken\":\"%s\",\"issuedAtMs\":%lld", a->token, a->issued);
	jw_printf(&w, "},\"policy\":{\"maxPayload\":%llu,\"maxBufferedBytes\":%llu,\"tickIntervalMs\":%ld}}}",
	    (unsigned long long)opt.max_payload, (unsigned long long)OUT_QUEUE_MAX, opt.tick_ms);
	rpc_send(c, &w);
}

/*
 * The scopes granted without a verified device identity, as the real
 * gateway grants them: the requested operator scopes are kept for the CLI
 * (client cli, mode cli) and the backend client (gateway-client, mode
 * backend) on loopback; every other client gets none. One rule is ours:
 * the status page (openclaw-control-ui) keeps operator.read, so it can
 * show presence. It has passed the token, or is the daemon's own user,
 * like a CLI that could ask for admin. A verified device keeps what it
 * asked for: it is paired with those scopes (silently, on loopback).
 */
static unsigned
grant_scopes(const struct session *s, const char *p, int scopes, int verified)
{
	const int page = strcmp(SESSION_FIELD(s, F_ID), "openclaw-control-ui") == 0;
	char one[SCOPE_MAX];
	unsigned granted = 0;
	int i, k, n;

	if ((!verified && !((strcmp(SESSION_FIELD(s, F_ID), "cli") == 0 && strcmp(SESSION_FIELD(s, F_MODE), "cli") == 0) ||
	    (strcmp(SESSION_FIELD(s, F_ID), "gateway-client") == 0 && strcmp(SESSION_FIELD(s, F_MODE), "backend") == 0) ||
	    page)) || s->role != ROLE_OPERATOR || scopes < 0)
		return 0;
	for (i = scopes + 1, n = 0; n < (int)rpc_tok[scopes].count; n++, i = rpc_tok[i].next)
		if (json_string(p, rpc_tok, i, one, sizeof one) > 0)
			for (k = 0; scope_names[k]; k++)
				if (strcmp(one, scope_names[k]) == 0)
					granted |= 1u << k;
	return page && !verified ? granted & S_READ : granted;
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

/*
 * The real gateway's refusal for a token missing or wrong, a device token
 * wrong or too narrow, or (more: ",retryable...") too many wrong ones, with
 * the hint it gives this client, then close 1008. retry: a device could
 * retry with its device token (a shared token was wrong, none was sent).
 */
static void
token_refused(struct conn *c, const char *id, const char *reason, int retry)
{
	static const char *const reasons[][4] = {       /* reason, details.code, next step, message ("": the hint's) */
		{ "token_missing", "AUTH_TOKEN_MISSING", "update_auth_configuration", "" },
		{ "token_mismatch", "AUTH_TOKEN_MISMATCH", "update_auth_credentials", "" },
		{ "device_token_mismatch", "AUTH_DEVICE_TOKEN_MISMATCH", "update_auth_credentials",
		  "unauthorized: device token mismatch (rotate/reissue device token)" },
		{ "scope_mismatch", "AUTH_SCOPE_MISMATCH", "review_auth_configuration",
		  "unauthorized: device token scope mismatch (re-pair or approve scope upgrade)" },
		{ "rate_limited", "AUTH_RATE_LIMITED", "wait_then_retry",
		  "unauthorized: too many failed authentication attempts (retry later)" },
	};
	const struct session *s = c->sess;
	const char *cid = SESSION_FIELD(s, F_ID), *mode = SESSION_FIELD(s, F_MODE);
	const int limited = reason[0] == ',';
	char msg[256], more[320];
	size_t k;

	for (k = 0; k < 4 && strcmp(reasons[k][0], limited ? "rate_limited" : reason) != 0; k++)
		;
	if (reasons[k][3][0])
		snprintf(msg, sizeof msg, "%s", reasons[k][3]);
	else
		snprintf(msg, sizeof msg, "unauthorized: gateway token %s (%s)", k ? "mismatch" : "missing",
		    token_hint(cid, mode, k == 0));
	snprintf(more, sizeof more, "%s,\"details\":{\"code\":\"%s\",\"authReason\":\"%s\",\"canRetryWithDeviceToken\":"
	    "%s,\"recommendedNextStep\":\"%s\"}", limited ? reason : "", reasons[k][1], reasons[k][0],
	    retry ? "true" : "false", retry ? "retry_with_device_token" : reasons[k][2]);
	refuse(c, id, "INVALID_REQUEST", msg, more, 1008);
	counters.refused[limited ? REFUSED_RATE_LIMIT : REFUSED_TOKEN]++;
}

static struct tally device_refusals = { "refused", "device proof", NULL, 0, 0, NULL, 0, 0 };

/*
 * Is the token right? The shared one, or (for a verified device) its device
 * token, from auth.deviceToken or else auth.token, as the real gateway
 * tries them. 0 and how (a->method), or -1 with the refusal sent.
 */
static int
authenticate(struct conn *c, const struct rpc_req *r, int device, unsigned requested, struct auth *a)
{
	const char *p = r->p;
	const int auth = json_get(p, rpc_tok, r->params, "auth");
	const int v = json_get(p, rpc_tok, auth, "token"), dv = json_get(p, rpc_tok, auth, "deviceToken");
	struct session *s = c->sess;
	char token[TOKEN_MAX + 1], given[TOKEN_MAX + 1], msg[96];
	struct paired *d;
	long long left;
	long n = v >= 0 ? json_string(p, rpc_tok, v, token, sizeof token) : -1;
	int ok;

	a->method = opt.token ? "token" : "none";
	if (!opt.token)
		return 0;
	if ((left = token_locked(c, now_ms())) > 0) {
		tally(&refusals, "too many wrong tokens from that local user");
		snprintf(msg, sizeof msg, ",\"retryable\":true,\"retryAfterMs\":%lld", left);
		token_refused(c, r->id, msg, 0);
		return -1;
	}
	if (n > 0 && token_matches(token, (size_t)n))
		return 0;
	if (device >= 0 && (d = state_find(SESSION_FIELD(s, F_DEVICE))) != NULL &&
	    json_string(p, rpc_tok, dv >= 0 && rpc_tok[dv].len ? dv : v, given, sizeof given) > 0) {
		if ((ok = state_token_ok(d, s->role, given, requested)) > 0) {
			a->method = "device-token";
			s->device_auth = 1;
			pairing_token_used(d, s->role);
			return 0;
		}
		if (ok < 0) {
			token_refused(c, r->id, "scope_mismatch", 0);
			return -1;
		}
	}
	if ((v < 0 || rpc_tok[v].len == 0) && (device < 0 || dv < 0 || rpc_tok[dv].len == 0)) {
		if (device < 0 && !is_ui(SESSION_FIELD(s, F_ID), SESSION_FIELD(s, F_MODE)))
			refuse(c, r->id, "NOT_PAIRED", "device identity required",
			    ",\"details\":{\"code\":\"DEVICE_IDENTITY_REQUIRED\"}", 1008);
		else
			token_refused(c, r->id, "token_missing", 0);
		return -1;
	}
	token_failed(c, now_ms());
	tally(&refusals, "a wrong token");
	if (device >= 0 && dv >= 0 && rpc_tok[dv].len)
		token_refused(c, r->id, "device_token_mismatch", 0);
	else
		token_refused(c, r->id, "token_mismatch", device >= 0);
	return -1;
}

/* the protocols the real gateway admits: 4; also 3 for a probe, and for a node (its previous protocol) */
static int
protocol_ok(const char *p, int params, long long minp, long long maxp)
{
	char mode[16], role[16];

	json_string(p, rpc_tok, json_get(p, rpc_tok, json_get(p, rpc_tok, params, "client"), "mode"), mode, sizeof mode);
	json_string(p, rpc_tok, json_get(p, rpc_tok, params, "role"), role, sizeof role);
	return (minp <= PROTOCOL_VERSION && maxp >= PROTOCOL_VERSION) ||
	    (strcmp(mode, "probe") == 0 && maxp >= 3 && minp <= PROTOCOL_VERSION) ||
	    (strcmp(mode, "node") == 0 && strcmp(role, "node") == 0 && maxp >= 3 && minp <= 3);
}

static void
connect_request(struct conn *c, const struct rpc_req *r)
{
	const char *p = r->p;
	const int params = r->params;
	const int device = json_get(p, rpc_tok, params, "device");
	char why[768], msg[896], role[16];
	unsigned char key[32];
	unsigned requested;
	struct session *s;
	struct auth a;
	long long minp, maxp;
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
	if (!protocol_ok(p, params, minp, maxp)) {
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
	if (!opt.token && !peer_trusted(conn_uid(c))) {
		/* no token: only the daemon's own user, or root, may connect (they could read a token anyway) */
		tally(&refusals, c->uid == PEER_UNKNOWN ? "no token is set, and local users cannot be told apart here" :
		    "no token is set, and the peer is another local user");
		token_refused(c, r->id, "token_missing", 0);
		return;
	}
	if (device >= 0 && (v = device_check(p, rpc_tok, params, role, s->nonce, unix_ms(), key)) != DEVICE_OK) {
		tally(&device_refusals, device_failures[v][0]);
		snprintf(msg, sizeof msg, ",\"details\":{\"code\":\"%s\",\"reason\":\"%s\"}", device_failures[v][1],
		    device_failures[v][2]);
		refuse(c, r->id, "INVALID_REQUEST", device_failures[v][0], msg, 1008);
		return;
	}
	counters.proofs_verified += device >= 0;
	requested = grant_scopes(s, p, json_get(p, rpc_tok, params, "scopes"), 1);
	if (authenticate(c, r, device, requested, &a) < 0)
		return;
	if (s->role == ROLE_NODE && device < 0) {      /* a node is known by its device id */
		refuse(c, r->id, "NOT_PAIRED", "device identity required",
		    ",\"details\":{\"code\":\"DEVICE_IDENTITY_REQUIRED\"}", 1008);
		return;
	}
	if (conn_authenticated(c) < 0) {
		refuse(c, r->id, "UNAVAILABLE", "too many clients; try again later", NULL, 1013);
		return;
	}
	s->scopes = device >= 0 ? requested : grant_scopes(s, p, json_get(p, rpc_tok, params, "scopes"), 0);
	s->listed = !str_in(SESSION_FIELD(s, F_MODE), (const char *const[]){ "cli", "backend", "probe", NULL });
	s->connected_at = unix_ms();
	uuid(s->connid);
	a.token[0] = '\0';
	if (device >= 0 && pairing_device(c, key, a.token, &a.issued, why, sizeof why) < 0) {
		refuse(c, r->id, "UNAVAILABLE", why, ",\"retryable\":true", 1013);
		return;
	}
	if (s->role == ROLE_NODE && (v = broker_register(c, r, why, sizeof why)) < 0) {
		snprintf(msg, sizeof msg, "invalid connect params: %s", why);
		if (v == -2)                    /* no room: a capacity, not the params */
			refuse(c, r->id, "UNAVAILABLE", why, ",\"retryable\":true", 1013);
		else
			refuse(c, r->id, "INVALID_REQUEST", msg, NULL, 1008);
		return;
	}
	if (s->role == ROLE_NODE)
		pairing_node(c);
	s->authed = 1;
	counters.sessions[s->role]++;
	c->ws.max = opt.max_payload;
	VERBOSE("client %d: authenticated as %s, connId %s", c->fd, role, s->connid);   /* never its strings */
	if (s->listed)
		presence_changed();
	hello(c, r->id, r->t0, &a);
}

/* May this session call this method? If not, the real gateway's refusal is sent. */
static int
authorized(struct conn *c, const struct rpc_req *r, unsigned need)
{
	const struct session *s = c->sess;
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
		need = policy_admin_only(command) ? S_ADMIN : S_WRITE;
	}
	if (rpc_allowed(need, s->scopes))
		return 1;
	if (need & ~(S_SESSIONS_READ | S_SESSIONS_WRITE))
		need &= ~(S_SESSIONS_READ | S_SESSIONS_WRITE);  /* the scope named is the method's own */
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
	method_fn *handle;
	struct rpc_req r;
	int k;

	r.t0 = now_ms();
	counters.messages_in++;
	counters.bytes_in += n;
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
		VERBOSE("client %d: ignored a frame that is not JSON", c->fd);
		return;
	}
	if (k < 0) {
		snprintf(msg, sizeof msg, "invalid request frame: %s", why);
		rpc_error(c, id, "INVALID_REQUEST", msg, NULL);
		return;
	}
	if (!authorized(c, &r, catalog_scope(name)))
		return;
	if (strcmp(name, "connect") == 0)
		connect_again(c, &r);
	else if ((handle = methods_find(name)) != NULL)
		handle(c, &r);
	else if (broker_serves(name))
		broker_method(c, &r);
	else if (invoke_serves(name))
		invoke_method(c, &r);
	else if (devices_serves(name))
		devices_method(c, &r);
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
	long long next, presence_due = presence_tick(now), invoke_due;
	int i;

	if (now >= next_tick) {
		snprintf(payload, sizeof payload, "{\"ts\":%lld}", unix_ms());
		for (i = 0; i < nconns; i++)
			if (conns[i]->sess && conns[i]->sess->authed && conns[i]->state == C_OPEN && !slow(conns[i]))
				rpc_event(conns[i], "tick", payload, 1);
		next_tick = now + opt.tick_ms;
	}
	next = presence_due && presence_due < next_tick ? presence_due : next_tick;
	invoke_due = invoke_tick(now);
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
	invoke_closed(c);
	broker_closed(c);
	c->sess = NULL;
	if (s->authed)
		counters.sessions[s->role]--;
	if (s->authed && s->listed)
		presence_changed();
	free(s);
}

/* GET / or GET /metrics (route.h) */
static void
proto_page(struct conn *c, int page, int head)
{
	if (page == PAGE_METRICS)
		metrics_send(c, head);
	else
		page_send(c, head);
}

const struct app proto_app = {
	proto_open, proto_message, proto_closed, proto_deadline, proto_shutdown, proto_tick, proto_page
};
