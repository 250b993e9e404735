/*
 * Invoking a node: an operator's node.invoke is relayed to the node as the
 * event node.invoke.request and answered when the node sends
 * node.invoke.result, or when the node goes, or at the deadline; a method
 * that is a node's command (exec.approvals.node.*) is relayed the same
 * way. Codes, messages and shapes are the real gateway's (openclaw
 * 2026.9.6: nodes-*.mjs, node-registry-*.mjs).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "json.h"
#include "conn.h"
#include "ws.h"
#include "rpc.h"
#include "counters.h"
#include "schema.h"
#include "policy.h"
#include "state.h"
#include "broker.h"
#include "invoke.h"

struct invoke {
	struct conn *op;                /* who asked; NULL once it has gone */
	struct conn *node;
	long long deadline;             /* monotonic ms */
	int answer;                     /* how the result is answered: INVOKE_RESULT, RELAY_PAYLOAD... */
	char id[UUID_LEN + 1];
	const char *reqid;              /* the operator's request id (JSON), in data */
	char data[];                    /* command, then reqid */
};

static struct invoke *invokes[INVOKES_MAX];
static int ninvokes;

/* invoke k is done (counted by outcome) and goes */
static void
forget(int k, int outcome)
{
	struct invoke *v = invokes[k];

	counters.invokes[outcome]++;
	counters.in_flight--;
	v->node->sess->node->pending--;
	free(v);
	invokes[k] = invokes[--ninvokes];
}

/* answer the operator with the node's error, as the real gateway wraps it */
static void
invoke_failed(struct invoke *v, const char *code, const char *message)
{
	char text[NODE_NAME_MAX + NODE_ERROR_MAX + 2];
	struct jw w;

	if (v->op == NULL)
		return;
	snprintf(text, sizeof text, "%s: %s", code, message);
	w = rpc_writer();
	rpc_reply(&w, v->reqid, 0);
	JW_LIT(&w, "\"error\":{\"code\":\"UNAVAILABLE\",\"message\":");
	jw_str(&w, text);
	JW_LIT(&w, ",\"details\":{\"nodeError\":{\"code\":");
	jw_str(&w, code);
	JW_LIT(&w, ",\"message\":");
	jw_str(&w, message);
	JW_LIT(&w, "},\"nodeCommandDispatched\":true}}}");
	rpc_send(v->op, &w);
}

static void
refuse_command(struct conn *c, const struct rpc_req *r, const char *command, const char *reason, const char *message)
{
	char more[NODE_NAME_MAX * 6 + 80];
	struct jw w = jw_init(more, sizeof more);

	jw_printf(&w, ",\"details\":{\"reason\":\"%s\",\"command\":", reason);
	jw_str(&w, command);
	JW_LIT(&w, "}");
	jw_raw(&w, "", 1);
	rpc_error(c, r->id, "INVALID_REQUEST", message, w.overflow ? NULL : more);
}

/* what node.invoke.request is built from */
struct invoke_req {
	const struct invoke *v;
	const char *nodeid;
	const char *params;             /* the command's params, JSON text; NULL: none */
	size_t nparams;
	const char *key;                /* the idempotency key, a JSON string */
	size_t nkey;
	long long timeout;
};

/* node.invoke.request, to that node alone: no seq */
static void
invoke_request(struct jw *w, const void *arg)
{
	const struct invoke_req *q = arg;

	jw_printf(w, "{\"type\":\"event\",\"event\":\"node.invoke.request\",\"payload\":{\"id\":\"%s\",\"nodeId\":",
	    q->v->id);
	jw_str(w, q->nodeid);
	JW_LIT(w, ",\"command\":");
	jw_str(w, q->v->data);
	JW_LIT(w, ",\"paramsJSON\":");
	if (q->params)
		jw_string(w, q->params, q->nparams);
	else
		JW_LIT(w, "null");
	jw_printf(w, ",\"timeoutMs\":%lld,\"idempotencyKey\":", q->timeout);
	jw_raw(w, q->key, q->nkey);
	JW_LIT(w, "}}");
}

/*
 * The invoke, now that it may go: waiting for the node's answer until
 * timeout, which answer answers. 0, or -1 with the operator answered.
 */
static int
start(struct conn *c, const char *reqid, struct conn *node, struct invoke_req *q, const char *command, int answer)
{
	char msg[200];
	struct invoke *v;
	size_t size, clen = strlen(command) + 1, rlen = strlen(reqid) + 1;

	if ((v = malloc(sizeof *v + clen + rlen)) == NULL) {
		rpc_error(c, reqid, "UNAVAILABLE", "out of memory", NULL);
		return -1;
	}
	v->op = c;
	v->node = node;
	v->deadline = now_ms() + q->timeout;
	v->answer = answer;
	uuid(v->id);
	memcpy(v->data, command, clen);
	memcpy(v->data + clen, reqid, rlen);
	v->reqid = v->data + clen;
	invokes[ninvokes++] = v;
	counters.in_flight++;
	node->sess->node->pending++;
	q->v = v;
	if ((size = rpc_send_large(node, invoke_request, q)) > 0) {
		forget(ninvokes - 1, INVOKE_ERROR);         /* never relayed */
		snprintf(msg, sizeof msg, "payload too large: the relayed request would be %zu bytes, more than a "
		    "client may have queued (%zu) or the memory budget holds", size, (size_t)OUT_QUEUE_MAX);
		rpc_error(c, reqid, "INVALID_REQUEST", msg, NULL);
		return -1;
	}
	return 0;
}

/* may the operator c have another invoke waiting? If not, it is told why */
static int
room_for_invoke(struct conn *c, const struct rpc_req *r, struct conn *node)
{
	int k, n;

	for (k = n = 0; k < ninvokes; k++)
		n += invokes[k]->op == c;
	if (node->sess->node->pending < INVOKES_PER_NODE && ninvokes < INVOKES_MAX && n < INVOKES_PER_CALLER)
		return 1;
	rpc_error(c, r->id, "UNAVAILABLE", node->sess->node->pending >= INVOKES_PER_NODE ?
	    "too many invokes waiting on this node; try again later" : n >= INVOKES_PER_CALLER ?
	    "too many invokes waiting for this connection; try again later" :
	    "too many invokes waiting; try again later", ",\"retryable\":true");
	return 0;
}

static void
node_invoke(struct conn *c, const struct rpc_req *r)
{
	char id[NODE_NAME_MAX * 4], command[NODE_NAME_MAX], msg[NODE_NAME_MAX * 2 + 160], more[NODE_NAME_MAX * 6 + 40];
	const int params = json_get(r->p, rpc_tok, r->params, "params");
	const int key = json_get(r->p, rpc_tok, r->params, "idempotencyKey");
	const int str = params >= 0 && rpc_tok[params].type == JSON_STRING;
	struct invoke_req req;
	struct jw w;
	struct conn *node;
	struct paired *d;
	long long timeout = INVOKE_TIMEOUT_MS;

	if (rpc_checked(c, r, invoke_params) < 0)
		return;
	json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "nodeId"), id, sizeof id);
	if (json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "command"), command, sizeof command) < 1) {
		rpc_error(c, r->id, "INVALID_REQUEST", "nodeId and command required", NULL);
		return;
	}
	w = jw_init(more, sizeof more);
	JW_LIT(&w, ",\"details\":{\"command\":");
	jw_str(&w, command);
	JW_LIT(&w, "}");
	jw_raw(&w, "", 1);
	if (policy_private(command)) {
		rpc_error(c, r->id, "INVALID_REQUEST", "node.invoke does not allow private node controls", more);
		return;
	}
	if (strcmp(command, "system.execApprovals.get") == 0 || strcmp(command, "system.execApprovals.set") == 0) {
		rpc_error(c, r->id, "INVALID_REQUEST",
		    "node.invoke does not allow system.execApprovals.*; use exec.approvals.node.*", more);
		return;
	}
	if ((node = broker_find(id)) == NULL || (d = state_find(id)) == NULL || d->approved == NULL) {
		/* not connected, or connected but not approved: unknown, as to the real gateway */
		rpc_error(c, r->id, "UNAVAILABLE", "node pairing changed while invocation was active",
		    ",\"retryable\":true,\"details\":{\"code\":\"PAIRING_CHANGED\"}");
		return;
	}
	if (!policy_allows(node->sess, command)) {
		if (strncmp(command, "talk.", 5) == 0)
			snprintf(msg, sizeof msg, "node command not allowed: \"%s\" requires a trusted Talk-capable node", command);
		else if (policy_dangerous(command))
			snprintf(msg, sizeof msg, "node command not allowed: \"%s\" requires explicit "
			    "gateway.nodes.commands.allow opt-in", command);
		else
			snprintf(msg, sizeof msg, "node command not allowed: \"%s\" is not in the allowlist for platform \"%s\"",
			    command, node->sess->field[F_PLATFORM] ? SESSION_FIELD(node->sess, F_PLATFORM) : "unknown");
		refuse_command(c, r, command, "command not allowlisted", msg);
		return;
	}
	if (strcmp(node->sess->node->declared_commands, "[]") == 0) {
		refuse_command(c, r, command, "node did not declare commands",
		    "node command not allowed: the node did not declare any supported commands");
		return;
	}
	if (!broker_may_ask(node->sess->node, command)) {
		snprintf(msg, sizeof msg, "node command not allowed: the node (platform: %s) does not support \"%s\"",
		    node->sess->field[F_PLATFORM] ? SESSION_FIELD(node->sess, F_PLATFORM) : "unknown", command);
		refuse_command(c, r, command, "command not declared by node", msg);
		return;
	}
	if (!room_for_invoke(c, r, node))
		return;
	if (json_integer(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "timeoutMs"), &timeout) < 0 || timeout <= 0)
		timeout = INVOKE_TIMEOUT_MS;
	if (timeout > INVOKE_TIMEOUT_MAX_MS)
		timeout = INVOKE_TIMEOUT_MAX_MS;
	req.nodeid = id;
	req.params = params < 0 ? NULL : r->p + rpc_tok[params].start - str;     /* as sent: a string with its quotes */
	req.nparams = params < 0 ? 0 : rpc_tok[params].len + 2 * (size_t)str;
	req.key = r->p + rpc_tok[key].start - 1;
	req.nkey = rpc_tok[key].len + 2;
	req.timeout = timeout;
	start(c, r->id, node, &req, command, INVOKE_RESULT);
}

/*
 * A method that is a command of a node (exec.approvals.node.*): relayed as
 * the real gateway relays it, without node.invoke's refusals of the command
 * (it checks only that the node declared it and may be asked it), and
 * answered with the node's payload itself. params is the command's, JSON.
 */
void
invoke_relay(struct conn *c, const struct rpc_req *r, const char *nodeid, const char *command, const char *params,
    int answer)
{
	char msg[NODE_NAME_MAX * 2 + 80], more[NODE_NAME_MAX * 2 + 120], key[UUID_LEN + 3];
	const char *reason = NULL;
	struct invoke_req req;
	struct conn *node = broker_find(nodeid);
	struct paired *d = state_find(nodeid);

	if (node == NULL) {
		rpc_error(c, r->id, "UNAVAILABLE", "NOT_CONNECTED: node not connected", ",\"details\":{\"nodeError\":"
		    "{\"code\":\"NOT_CONNECTED\",\"message\":\"node not connected\"},\"nodeCommandDispatched\":false}");
		return;
	}
	if (!policy_allows(node->sess, command))
		reason = "command not allowlisted";
	else if (strcmp(node->sess->node->declared_commands, "[]") == 0 || d == NULL || d->approved == NULL)
		reason = "node did not declare commands";       /* nothing approved: nothing declared, as it counts */
	else if (!broker_may_ask(node->sess->node, command))
		reason = "command not declared by node";
	if (reason) {
		snprintf(msg, sizeof msg, "node command not allowed: %s (%s)", command, reason);
		snprintf(more, sizeof more, ",\"details\":{\"command\":\"%s\",\"reason\":\"%s\"}", command, reason);
		rpc_error(c, r->id, "INVALID_REQUEST", msg, more);
		return;
	}
	if (!room_for_invoke(c, r, node))
		return;
	key[0] = '"';
	uuid(key + 1);
	strcpy(key + 1 + UUID_LEN, "\"");
	req.nodeid = nodeid;
	req.params = params;
	req.nparams = strlen(params);
	req.key = key;
	req.nkey = strlen(key);
	req.timeout = INVOKE_TIMEOUT_MS;
	start(c, r->id, node, &req, command, answer);
}

/* the string at token i, decoded and cut between characters to fit out; "" if it is not one */
static void
string_cut(const struct rpc_req *r, int i, char *out, size_t cap)
{
	char *all;
	long n;

	out[0] = '\0';
	if (i < 0 || rpc_tok[i].type != JSON_STRING || (all = malloc(rpc_tok[i].len + 1)) == NULL)
		return;
	if ((n = json_string(r->p, rpc_tok, i, all, rpc_tok[i].len + 1)) > 0) {
		n = (long)utf8_cut(all, (size_t)n, cap - 1);
		memcpy(out, all, (size_t)n);
		out[n] = '\0';
	}
	free(all);
}

/*
 * Is this (n bytes of JSON) an exec approvals snapshot, as the real
 * gateway's ExecApprovalsNodeSnapshot has it: an object, either of a file
 * (path, exists, hash, file) or of a host-native policy (enabled, and with
 * it hash, defaultAction and rules)? The node is the authority on the rest.
 */
static int
snapshot(const char *json, size_t n)
{
	static struct json_tok t[JSON_MAX_TOKENS];
	const int *typed;
	static const char *const file[] = { "path", "exists", "hash", "file", NULL }, *const native[] = { "enabled", NULL };
	static const int file_types[] = { JSON_STRING, -1, JSON_STRING, JSON_OBJECT };
	const char *const *need;
	int k, v;

	if (n == 0 || json_parse(json, n, t, JSON_MAX_TOKENS) < 1 || t[0].type != JSON_OBJECT)
		return 0;
	need = json_get(json, t, 0, "enabled") >= 0 ? native : file;
	typed = need == file ? file_types : NULL;
	for (k = 0; need[k]; k++) {
		if ((v = json_get(json, t, 0, need[k])) < 0)
			return 0;
		if (typed && typed[k] >= 0 && t[v].type != typed[k])
			return 0;
		if (typed && typed[k] < 0 && t[v].type != JSON_TRUE && t[v].type != JSON_FALSE)
			return 0;
	}
	return 1;
}

/* what the relayed result is built from */
struct invoke_res {
	const struct invoke *v;
	const char *nodeid;
	const char *json;               /* the payload's JSON text, or NULL: none */
	size_t n;
	int valid;                      /* it parses, so it is the payload; else the payload is null */
};

static void
invoke_reply(struct jw *w, const void *arg)
{
	const struct invoke_res *q = arg;

	rpc_reply(w, q->v->reqid, 1);
	if (q->v->answer != INVOKE_RESULT) {             /* the payload is the answer, as for exec.approvals.node.* */
		JW_LIT(w, "\"payload\":");
		if (q->json && q->valid)
			jw_raw(w, q->json, q->n);
		else
			JW_LIT(w, "null");
		JW_LIT(w, "}");
		return;
	}
	JW_LIT(w, "\"payload\":{\"ok\":true,\"nodeId\":");
	jw_str(w, q->nodeid);
	JW_LIT(w, ",\"command\":");
	jw_str(w, q->v->data);
	JW_LIT(w, ",\"payload\":");
	if (q->json && q->valid)
		jw_raw(w, q->json, q->n);
	else
		JW_LIT(w, "null");
	JW_LIT(w, ",\"payloadJSON\":");
	if (q->json)
		jw_string(w, q->json, q->n);
	else
		JW_LIT(w, "null");
	JW_LIT(w, "}}");
}

/* the node's answer: relayed to the operator, acknowledged to the node */
static void
invoke_result(struct conn *c, const struct rpc_req *r)
{
	char id[UUID_LEN + 2], nodeid[NODE_NAME_MAX * 4], code[NODE_NAME_MAX], message[NODE_ERROR_MAX], msg[200];
	const int payload = json_get(r->p, rpc_tok, r->params, "payload");
	const int pjson = json_get(r->p, rpc_tok, r->params, "payloadJSON");
	const int err = json_get(r->p, rpc_tok, r->params, "error");
	struct invoke_res res;
	struct invoke *v;
	char *text = NULL;
	size_t size = 0, held = 0;
	long n;
	int k, ok;

	if (rpc_checked(c, r, result_params) < 0)
		return;
	json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "nodeId"), nodeid, sizeof nodeid);
	if (strcmp(nodeid, SESSION_FIELD(c->sess, F_DEVICE)) != 0) {
		rpc_error(c, r->id, "INVALID_REQUEST", "nodeId mismatch", NULL);
		return;
	}
	json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "id"), id, sizeof id);
	for (k = 0; k < ninvokes; k++)
		if (invokes[k]->node == c && strcmp(invokes[k]->id, id) == 0)
			break;
	if (k == ninvokes) {            /* unknown, late, or answered already */
		rpc_ok(c, r->id, "{\"ok\":true,\"ignored\":true}");
		return;
	}
	v = invokes[k];
	if (!(ok = rpc_tok[json_get(r->p, rpc_tok, r->params, "ok")].type == JSON_TRUE)) {
		string_cut(r, json_get(r->p, rpc_tok, err, "code"), code, sizeof code);
		string_cut(r, json_get(r->p, rpc_tok, err, "message"), message, sizeof message);
		invoke_failed(v, code[0] ? code : "UNAVAILABLE", message[0] ? message : "node invoke failed");
	} else if (v->op) {
		res.v = v;
		res.nodeid = nodeid;
		res.json = NULL;
		if (pjson >= 0 && conn_room(c, rpc_tok[pjson].len + 1) == 0)
			held = rpc_tok[pjson].len + 1;  /* the decoded copy is counted in the budget */
		if (held && (text = malloc(held)) != NULL && (n = json_string(r->p, rpc_tok, pjson, text, held)) >= 0) {
			res.json = text;        /* the payload is payloadJSON parsed, if it parses */
			res.n = (size_t)n;
		} else if (payload >= 0) {
			n = rpc_tok[payload].type == JSON_STRING;
			res.json = r->p + rpc_tok[payload].start - n;
			res.n = rpc_tok[payload].len + 2 * (size_t)n;
		}
		res.valid = res.json && json_parse(res.json, res.n, NULL, INT_MAX) > 0;        /* any size */
		if (v->answer == RELAY_SNAPSHOT && !snapshot(res.json, res.valid ? res.n : 0))
			rpc_error(v->op, v->reqid, "INVALID_REQUEST", "node returned invalid exec approvals payload", NULL);
		else if ((size = rpc_send_large(v->op, invoke_reply, &res)) > 0) {
			snprintf(msg, sizeof msg, "payload too large: the relayed result would be %zu bytes, more than a "
			    "client may have queued (%zu) or the memory budget holds", size, (size_t)OUT_QUEUE_MAX);
			rpc_error(v->op, v->reqid, "INVALID_REQUEST", msg, NULL);
		}
		free(text);
		if (held)
			conn_unroom(c, held);
	}
	forget(k, ok ? INVOKE_OK : INVOKE_ERROR);
	rpc_ok(c, r->id, "{\"ok\":true}");
}

static const char *const served[] = { "node.invoke", "node.invoke.result", NULL };

int
invoke_serves(const char *method)
{
	return str_in(method, served);
}

/* a method of invoke_serves(), authorized already */
void
invoke_method(struct conn *c, const struct rpc_req *r)
{
	if (strcmp(r->method, "node.invoke") == 0)
		node_invoke(c, r);
	else
		invoke_result(c, r);
}

/* A connection goes: a node's waiting invokes are answered at once; an operator's are orphaned. */
void
invoke_closed(struct conn *c)
{
	int k;

	for (k = 0; k < ninvokes; k++)
		if (invokes[k]->op == c)
			invokes[k]->op = NULL;
	for (k = ninvokes - 1; k >= 0; k--)
		if (invokes[k]->node == c) {
			char message[NODE_NAME_MAX + 32];
			snprintf(message, sizeof message, "node disconnected (%s)", invokes[k]->data);
			invoke_failed(invokes[k], "DISCONNECTED", message);
			forget(k, INVOKE_ERROR);
		}
}

/* Invokes past their deadline are answered; returns the next deadline, 0 if none. */
long long
invoke_tick(long long now)
{
	long long next = 0;
	int k;

	for (k = ninvokes - 1; k >= 0; k--)
		if (invokes[k]->deadline <= now) {
			invoke_failed(invokes[k], "TIMEOUT", "node invoke timed out");
			forget(k, INVOKE_TIMEOUT);
		}
	for (k = 0; k < ninvokes; k++)
		if (next == 0 || invokes[k]->deadline < next)
			next = invokes[k]->deadline;
	return next;
}
