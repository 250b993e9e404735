/*
 * The node broker: a node (`openclaw node run`) registers with connect and
 * role "node"; what it declared, and what of that it may be asked, is kept
 * here, with its stats and its updates. Invoking it is invoke.c's. Codes,
 * messages and shapes are the real gateway's (openclaw 2026.9.6:
 * nodes-*.mjs, node-registry-*.mjs).
 *
 * A node's device identity is verified before it gets here (device.c), and
 * what it may be asked to run is what it declared and an operator approved
 * (state.c keeps the approvals, pairing.c makes them): until then, nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "json.h"
#include "conn.h"
#include "ws.h"
#include "rpc.h"
#include "schema.h"
#include "policy.h"
#include "state.h"
#include "broker.h"

/* mark the members of declared that are in approved (none if approved is NULL) */
static void
mark(unsigned char *bits, const char *declared, const char *approved)
{
	static struct json_tok t[JSON_LIST_MAX + 1];
	char one[NODE_NAME_MAX];
	int i, k;

	if (json_parse(declared, strlen(declared), t, JSON_LIST_MAX + 1) > 0)
		for (i = 1, k = 0; k < (int)t[0].count; k++, i = t[i].next) {
			if (approved && json_string(declared, t, i, one, sizeof one) >= 0 && json_list_has(approved, one))
				bits[k / 8] |= (unsigned char)(1u << (k % 8));
			else
				bits[k / 8] &= (unsigned char)~(1u << (k % 8));
		}
}

/* what the node may be asked: what it declared and the approval holds */
void
broker_effective(struct node *n, const struct surface *approved)
{
	mark(n->caps, n->declared_caps, approved ? approved->caps : NULL);
	mark(n->commands, n->declared_commands, approved ? approved->commands : NULL);
}

/* the caps (or the commands) the node may be asked, as a JSON array in out; its length */
size_t
broker_surface(char *out, size_t cap, const struct node *n, int commands)
{
	static struct json_tok t[JSON_LIST_MAX + 1];
	const char *list = commands ? n->declared_commands : n->declared_caps;
	const unsigned char *bits = commands ? n->commands : n->caps;
	struct jw w = jw_init(out, cap - 1);
	int i, k, first = 1;

	JW_LIT(&w, "[");
	if (json_parse(list, strlen(list), t, JSON_LIST_MAX + 1) > 0)
		for (i = 1, k = 0; k < (int)t[0].count; k++, i = t[i].next)
			if (bits[k / 8] & (1u << (k % 8))) {
				jw_raw(&w, first ? "" : ",", !first);
				jw_raw(&w, list + t[i].start - 1, t[i].len + 2);        /* as written, quotes and all */
				first = 0;
			}
	JW_LIT(&w, "]");
	out[w.len] = '\0';
	return w.len;
}

/* may the node be asked this command? */
int
broker_may_ask(const struct node *n, const char *command)
{
	static struct json_tok t[JSON_LIST_MAX + 1];
	const char *list = n->declared_commands;
	char one[NODE_NAME_MAX];
	int i, k;

	if (json_parse(list, strlen(list), t, JSON_LIST_MAX + 1) > 0)
		for (i = 1, k = 0; k < (int)t[0].count; k++, i = t[i].next)
			if ((n->commands[k / 8] & (1u << (k % 8))) && json_string(list, t, i, one, sizeof one) >= 0 &&
			    strcmp(one, command) == 0)
				return 1;
	return 0;
}

/*
 * A node's connect, once its token is good: keep what it declared, with
 * only the commands the policy allows, counted in the memory budget. -1
 * (and why) if its params are over a limit, -2 if there is no room for it.
 */
int
broker_register(struct conn *c, const struct rpc_req *r, char *why, size_t cap)
{
	const int caps = json_get(r->p, rpc_tok, r->params, "caps");
	const int cmds = json_get(r->p, rpc_tok, r->params, "commands");
	const int path = json_get(r->p, rpc_tok, r->params, "pathEnv");
	char name[NODE_NAME_MAX];
	struct jw w;
	struct node *n;
	size_t start, pathat, size;
	unsigned k;
	int i;

	if ((caps >= 0 && rpc_tok[caps].count > NODE_CAPS_MAX) || (cmds >= 0 && rpc_tok[cmds].count > NODE_COMMANDS_MAX)) {
		snprintf(why, cap, "at /%s: must not have more than %d items", caps >= 0 &&
		    rpc_tok[caps].count > NODE_CAPS_MAX ? "caps" : "commands",
		    caps >= 0 && rpc_tok[caps].count > NODE_CAPS_MAX ? NODE_CAPS_MAX : NODE_COMMANDS_MAX);
		return -1;
	}
	if (path >= 0 && rpc_tok[path].len > NODE_PATH_MAX) {
		snprintf(why, cap, "at /pathEnv: must not have more than %d bytes", NODE_PATH_MAX);
		return -1;
	}
	/* written out again as JSON in the frame scratch, then kept at their size */
	w = rpc_writer();
	JW_LIT(&w, "[");
	w.p[w.len] = '\0';                     /* in_array reads what is written so far */
	for (i = caps + 1, k = 0; caps >= 0 && k < rpc_tok[caps].count; k++, i = rpc_tok[i].next)
		if (json_string(r->p, rpc_tok, i, name, sizeof name) > 0 && !json_list_has(w.p, name)) {
			if (w.len > 1)
				JW_LIT(&w, ",");
			jw_str(&w, name);
			w.p[w.len] = '\0';
		}
	JW_LIT(&w, "]");
	jw_raw(&w, "", 1);
	start = w.len;
	JW_LIT(&w, "[");
	w.p[w.len] = '\0';
	for (i = cmds + 1, k = 0; cmds >= 0 && k < rpc_tok[cmds].count; k++, i = rpc_tok[i].next)
		if (json_string(r->p, rpc_tok, i, name, sizeof name) > 0 && policy_allows(c->sess, name) &&
		    !json_list_has(w.p + start, name)) {
			if (w.len > start + 1)
				JW_LIT(&w, ",");
			jw_str(&w, name);
			w.p[w.len] = '\0';
		}
	JW_LIT(&w, "]");
	jw_raw(&w, "", 1);
	pathat = w.len;
	if (path >= 0)
		jw_raw(&w, r->p + rpc_tok[path].start - 1, rpc_tok[path].len + 2);      /* as sent: valid JSON */
	jw_raw(&w, "", 1);
	if (w.overflow || w.len > NODE_DECL_MAX) {
		snprintf(why, cap, "at /commands: caps, commands and pathEnv must not take more than %d bytes",
		    NODE_DECL_MAX);
		return -1;
	}
	for (i = k = 0; i < nconns; i++)
		k += conns[i] != c && conns[i]->sess && conns[i]->sess->node && conns[i]->state == C_OPEN &&
		    strcmp(SESSION_FIELD(conns[i]->sess, F_DEVICE), SESSION_FIELD(c->sess, F_DEVICE)) != 0;
	size = sizeof *n + w.len;
	if (k >= NODES_MAX || conn_room(c, size) < 0) {
		snprintf(why, cap, k >= NODES_MAX ? "too many nodes; try again later" : "out of memory");
		return -2;
	}
	if ((n = calloc(1, size)) == NULL) {
		conn_unroom(c, size);
		snprintf(why, cap, "out of memory");
		return -2;
	}
	n->held = size;
	memcpy(n->data, w.p, w.len);
	n->declared_caps = n->data;
	n->declared_commands = n->data + start;
	n->path = n->data + pathat;
	broker_effective(n, NULL);
	n->connected_at = c->sess->connected_at;
	c->sess->node = n;
	/* the same node connecting again replaces the old connection */
	for (i = 0; i < nconns; i++)
		if (conns[i] != c && conns[i]->sess && conns[i]->sess->node && conns[i]->state == C_OPEN &&
		    strcmp(SESSION_FIELD(conns[i]->sess, F_DEVICE), SESSION_FIELD(c->sess, F_DEVICE)) == 0)
			ws_close(conns[i], 1008, "replaced by a newer connection of this node");
	return 0;
}

/* the connected node with this id, or NULL */
struct conn *
broker_find(const char *id)
{
	int i;

	for (i = 0; i < nconns; i++)
		if (conns[i]->sess && conns[i]->sess->node && conns[i]->state == C_OPEN &&
		    strcmp(SESSION_FIELD(conns[i]->sess, F_DEVICE), id) == 0)
			return conns[i];
	return NULL;
}

/* node.event: the host's stats are kept for node.list; the rest is not handled here */
static void
node_event(struct conn *c, const struct rpc_req *r)
{
	char event[NODE_NAME_MAX], reply[NODE_NAME_MAX * 6 + 80];
	const int payload = json_get(r->p, rpc_tok, r->params, "payload");
	const int pjson = json_get(r->p, rpc_tok, r->params, "payloadJSON");
	const char *reason = "unsupported_event";
	struct node *n = c->sess->node;
	const struct paired *d;
	struct jw w;
	char *text = NULL;
	long len = -1;

	if (rpc_checked(c, r, event_params) < 0)
		return;
	json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "event"), event, sizeof event);
	if (strcmp(event, "node.host.stats") == 0 && (d = state_find(SESSION_FIELD(c->sess, F_DEVICE))) != NULL &&
	    d->approved == NULL) {          /* not approved: the real gateway's words for a node it does not know */
		rpc_error(c, r->id, "UNAVAILABLE", "node pairing changed while invocation was active",
		    ",\"retryable\":true,\"details\":{\"code\":\"PAIRING_CHANGED\"}");
		return;
	}
	if (strcmp(event, "node.host.stats") == 0) {
		reason = "invalid_payload";
		if (pjson >= 0 && rpc_tok[pjson].len < NODE_STATS_MAX * 6 && (text = malloc(rpc_tok[pjson].len + 1)))
			len = json_string(r->p, rpc_tok, pjson, text, rpc_tok[pjson].len + 1);
		else if (pjson < 0 && payload >= 0 && rpc_tok[payload].type == JSON_OBJECT &&
		    rpc_tok[payload].len < NODE_STATS_MAX && (text = malloc(rpc_tok[payload].len + 1))) {
			memcpy(text, r->p + rpc_tok[payload].start, rpc_tok[payload].len);
			text[len = (long)rpc_tok[payload].len] = '\0';
		}
		if (len > 1 && len < NODE_STATS_MAX && json_parse(text, (size_t)len, rpc_tok, JSON_MAX_TOKENS) > 0 &&
		    rpc_tok[0].type == JSON_OBJECT && rpc_tok[0].count > 0 &&
		    (n->stats || conn_room(c, NODE_STATS_MAX) == 0)) {   /* counted once, at its most */
			/* kept from its { to its }, so updatedAtMs can be added before the } */
			memmove(text, text + rpc_tok[0].start, rpc_tok[0].len);
			text[rpc_tok[0].len] = '\0';
			if (n->stats == NULL)
				n->held += NODE_STATS_MAX;
			free(n->stats);
			n->stats = text;
			text = NULL;
			n->stats_at = unix_ms();
			reason = "updated";
		}
		free(text);
	}
	w = jw_init(reply, sizeof reply);
	JW_LIT(&w, "{\"ok\":true,\"event\":");
	jw_str(&w, event);
	jw_printf(&w, ",\"handled\":%s,\"reason\":\"%s\"}", strcmp(reason, "updated") == 0 ? "true" : "false", reason);
	jw_raw(&w, "", 1);
	rpc_ok(c, r->id, reply);
}

/* node.skills.update, node.pluginTools.update: acknowledged with what was sent */
static void
node_update(struct conn *c, const struct rpc_req *r, const struct json_field *schema)
{
	struct jw w = rpc_writer();
	int list;

	if (rpc_checked(c, r, schema) < 0)
		return;
	list = json_get(r->p, rpc_tok, r->params, schema[0].name);
	rpc_reply(&w, r->id, 1);
	JW_LIT(&w, "\"payload\":{\"nodeId\":");
	jw_str(&w, SESSION_FIELD(c->sess, F_DEVICE));
	jw_printf(&w, ",\"%s\":", schema[0].name);
	jw_raw(&w, r->p + rpc_tok[list].start, rpc_tok[list].len);
	JW_LIT(&w, "}}");
	rpc_send(c, &w);
}

static const char *const served[] = {
	"node.event", "node.runnerInventory.update", "node.skills.update", "node.pluginTools.update", NULL
};

int
broker_serves(const char *method)
{
	return str_in(method, served);
}

/* a method of broker_serves(), authorized already */
void
broker_method(struct conn *c, const struct rpc_req *r)
{
	struct jw w;

	const struct paired *d = state_find(SESSION_FIELD(c->sess, F_DEVICE));
	char msg[UUID_LEN + 160];

	if (strcmp(r->method, "node.event") == 0)
		node_event(c, r);
	else if (strcmp(r->method, "node.runnerInventory.update") == 0 && d && d->pending && !d->approved) {
		snprintf(msg, sizeof msg, "node capability surface is awaiting operator approval; run `openclaw nodes "
		    "approve %s` (see `openclaw nodes pending`), then this node retries automatically", d->pending->request);
		rpc_error(c, r->id, "UNAVAILABLE", msg, NULL);
	} else if (strcmp(r->method, "node.runnerInventory.update") == 0) {
		w = rpc_writer();
		rpc_reply(&w, r->id, 1);
		JW_LIT(&w, "\"payload\":{\"nodeId\":");
		jw_str(&w, SESSION_FIELD(c->sess, F_DEVICE));
		JW_LIT(&w, "}}");
		rpc_send(c, &w);
	} else if (strcmp(r->method, "node.skills.update") == 0)
		node_update(c, r, skills_params);
	else
		node_update(c, r, tools_params);
}

/* A node's connection goes: what it holds is given back */
void
broker_closed(struct conn *c)
{
	if (c->sess == NULL || c->sess->node == NULL)
		return;
	conn_unroom(c, c->sess->node->held);
	free(c->sess->node->stats);
	free(c->sess->node);
	c->sess->node = NULL;
}
