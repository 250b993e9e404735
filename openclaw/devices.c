/*
 * The methods that show and change pairings (openclaw 2026.9.6:
 * nodes-*.mjs, devices-*.mjs): node.list and node.describe as the real
 * node catalog shows them, node.pair.list, approve, reject and remove,
 * device.pair.list and remove. Pairing itself is pairing.c's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "conn.h"
#include "rpc.h"
#include "schema.h"
#include "state.h"
#include "statefile.h"
#include "broker.h"
#include "pairing.h"
#include "devices.h"

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* a JSON array of names, sorted and without repeats, as node.list shows them */
static void
write_sorted(struct jw *w, const char *list)
{
	static struct json_tok t[JSON_LIST_MAX + 1];
	static char names[JSON_LIST_MAX][NODE_NAME_MAX];
	const char *sorted[JSON_LIST_MAX];
	int i, k, n = 0, written = 0;

	if (json_parse(list, strlen(list), t, JSON_LIST_MAX + 1) > 0)
		for (i = 1, k = 0; k < (int)t[0].count && n < JSON_LIST_MAX; k++, i = t[i].next)
			if (json_string(list, t, i, names[n], sizeof names[n]) >= 0)
				sorted[n] = names[n], n++;
	qsort(sorted, (size_t)n, sizeof sorted[0], by_name);
	JW_LIT(w, "[");
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0) {
			if (written++)
				JW_LIT(w, ",");
			jw_str(w, sorted[i]);
		}
	JW_LIT(w, "]");
}

/* ---- node.list, node.describe ---- */

struct known {
	const struct paired *d;
	struct conn *live;
	const char *name;
};

struct list_arg {
	struct known *k;
	int n;
	int full;                       /* the caller may see pending requests */
	const char *own;                /* the caller's device id, "" if none */
	const char *reqid;
	int describe;
};

static const char *
first(const char *a, const char *b)
{
	return a && a[0] ? a : b;
}

/* one node, as the real node catalog shows it (buildEffectiveKnownNode) */
static void
write_node(struct jw *w, const struct known *k, const struct list_arg *q)
{
	static char now[NODE_DECL_MAX + 3];
	const struct session *s = k->live ? k->live->sess : NULL;
	const struct node *n = s ? s->node : NULL;
	const struct paired *d = k->d;
	const struct surface *a = d->approved, *p = d->pending;

	jw_printf(w, "\"nodeId\":\"%s\",\"displayName\":", d->id);
	jw_str(w, k->name);
	JW_LIT(w, ",\"platform\":");
	jw_str(w, first(s ? SESSION_FIELD(s, F_PLATFORM) : NULL, d->field[D_PLATFORM]));
	JW_LIT(w, ",\"version\":");
	jw_str(w, first(s ? SESSION_FIELD(s, F_VERSION) : NULL, a ? a->version : p ? p->version : ""));
	JW_LIT(w, ",\"clientId\":");
	jw_str(w, first(s ? SESSION_FIELD(s, F_ID) : NULL, d->field[D_CLIENT]));
	JW_LIT(w, ",\"clientMode\":");
	jw_str(w, first(s ? SESSION_FIELD(s, F_MODE) : NULL, d->field[D_MODE]));
	JW_LIT(w, ",\"deviceFamily\":");
	jw_str(w, first(s ? SESSION_FIELD(s, F_DEVICEFAMILY) : NULL, d->field[D_FAMILY]));
	JW_LIT(w, ",\"caps\":");
	if (n)
		broker_surface(now, sizeof now, n, 0);
	write_sorted(w, n ? now : a ? a->caps : "[]");
	JW_LIT(w, ",\"commands\":");
	if (n)
		broker_surface(now, sizeof now, n, 1);
	write_sorted(w, n ? now : a ? a->commands : "[]");
	JW_LIT(w, ",\"sessionHost\":false");
	if (n && n->stats) {
		JW_LIT(w, ",\"hostStats\":");
		jw_raw(w, n->stats, strlen(n->stats) - 1);      /* its closing brace follows */
		jw_printf(w, ",\"updatedAtMs\":%lld}", n->stats_at);
	}
	if (n) {
		JW_LIT(w, ",\"nodePluginTools\":[]");
		if (n->path[0])
			jw_printf(w, ",\"pathEnv\":%s", n->path);
	}
	jw_printf(w, ",\"approvalState\":\"%s\"", p ? (a ? "pending-reapproval" : "pending-approval") :
	    a ? "approved" : "unapproved");
	if (p && (q->full || strcmp(q->own, d->id) == 0))
		jw_printf(w, ",\"pendingRequestId\":\"%s\"", p->request);
	if (p && q->full) {
		JW_LIT(w, ",\"pendingDeclaredCaps\":");
		write_sorted(w, p->caps);
		JW_LIT(w, ",\"pendingDeclaredCommands\":");
		write_sorted(w, p->commands);
	}
	if (n)
		jw_printf(w, ",\"connectedAtMs\":%lld,\"lastConnectedAtMs\":%lld", n->connected_at, n->connected_at);
	jw_printf(w, ",\"lastSeenAtMs\":%lld,\"lastSeenReason\":\"%s\",\"approvedAtMs\":%lld,\"paired\":true,"
	    "\"connected\":%s", n ? n->connected_at : d->seen_at, n ? "connect" : d->seen_reason,
	    a ? a->approved_at : d->approved_at, n ? "true" : "false");
}

static void
lower(char *out, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < cap && s[i]; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	out[i] = '\0';
}

/* connected first, then by name, then by id (compareKnownNodes) */
static int
by_known(const void *x, const void *y)
{
	const struct known *a = x, *b = y;
	char la[CLIENT_FIELD_MAX], lb[CLIENT_FIELD_MAX];
	int c;

	if ((a->live != NULL) != (b->live != NULL))
		return a->live ? -1 : 1;
	lower(la, sizeof la, a->name);
	lower(lb, sizeof lb, b->name);
	return (c = strcmp(la, lb)) != 0 ? c : strcmp(a->d->id, b->d->id);
}

static void
list_reply(struct jw *w, const void *arg)
{
	const struct list_arg *q = arg;
	int i;

	rpc_reply(w, q->reqid, 1);
	jw_printf(w, "\"payload\":{\"ts\":%lld%s", unix_ms(), q->describe ? "," : ",\"nodes\":[");
	for (i = 0; i < q->n; i++) {
		if (!q->describe)
			jw_cat(w, i ? ",{" : "{");
		write_node(w, &q->k[i], q);
		if (!q->describe)
			JW_LIT(w, "}");
	}
	jw_cat(w, q->describe ? "}}" : "]}}");
}

/* node.list, or with id node.describe of that node */
static void
nodes(struct conn *c, const struct rpc_req *r, const char *id)
{
	static struct known k[DEVICES_MAX];
	struct list_arg q;
	struct paired *d;
	size_t size;
	int i;

	for (i = q.n = 0; i < state_count(); i++) {
		d = state_at(i);
		if (!(d->roles & (1u << ROLE_NODE)) || (id && strcmp(d->id, id) != 0))
			continue;
		k[q.n].d = d;
		k[q.n].live = broker_find(d->id);
		k[q.n].name = first(d->approved ? d->approved->name : NULL, first(k[q.n].live ?
		    SESSION_FIELD(k[q.n].live->sess, F_DISPLAYNAME) : NULL, first(d->field[D_NAME], d->pending ?
		    d->pending->name : "")));
		q.n++;
	}
	if (id && q.n == 0) {
		rpc_error(c, r->id, "INVALID_REQUEST", "unknown nodeId", NULL);
		return;
	}
	qsort(k, (size_t)q.n, sizeof k[0], by_known);
	q.k = k;
	q.full = rpc_allowed(S_PAIRING, c->sess->scopes);
	q.own = SESSION_FIELD(c->sess, F_DEVICE);
	q.reqid = r->id;
	q.describe = id != NULL;
	if ((size = rpc_send_large(c, list_reply, &q)) > 0)
		rpc_error(c, r->id, "UNAVAILABLE", "the node list is larger than this client may have queued", NULL);
}

/* ---- node.pair.*, device.pair.* ---- */

static struct paired *
by_request(const char *request)
{
	int i;

	for (i = 0; i < state_count(); i++)
		if (state_at(i)->pending && strcmp(state_at(i)->pending->request, request) == 0)
			return state_at(i);
	return NULL;
}

static int
newest_request(const void *x, const void *y)
{
	const struct paired *a = *(const struct paired *const *)x, *b = *(const struct paired *const *)y;

	return a->pending->ts < b->pending->ts ? 1 : a->pending->ts > b->pending->ts ? -1 : 0;
}

static int
newest_device(const void *x, const void *y)
{
	const struct paired *a = *(const struct paired *const *)x, *b = *(const struct paired *const *)y;

	return a->created_at < b->created_at ? 1 : a->created_at > b->created_at ? -1 : 0;
}

/*
 * The caller's own device if it signed in with that device's token and is
 * no admin: it may see, change and remove its own device only, as the real
 * gateway's deniesCrossDeviceManagement has it. NULL: any device.
 */
static const char *
own_only(const struct conn *c)
{
	const struct session *s = c->sess;

	return s->device_auth && !(s->scopes & S_ADMIN) ? SESSION_FIELD(s, F_DEVICE) : NULL;
}

struct pairs_arg {
	const char *reqid;
	const char *own;                /* own_only(): list this device alone */
};

/* the devices with a pending surface (pending), or all (else), newest first; own alone if set */
static int
sorted_devices(struct paired **out, int pending, const char *own)
{
	int i, n = 0;

	for (i = 0; i < state_count(); i++)
		if ((!pending || state_at(i)->pending) && (own == NULL || strcmp(state_at(i)->id, own) == 0))
			out[n++] = state_at(i);
	qsort(out, (size_t)n, sizeof out[0], pending ? newest_request : newest_device);
	return n;
}

static void
pair_list(struct jw *w, const void *arg)
{
	const struct pairs_arg *q = arg;
	struct paired *d[DEVICES_MAX];
	int i, n, first_one = 1;

	rpc_reply(w, q->reqid, 1);
	JW_LIT(w, "\"payload\":{\"pending\":[");
	for (i = 0, n = sorted_devices(d, 1, q->own); i < n; i++) {
		if (i)
			JW_LIT(w, ",");
		pairing_write_request(w, d[i]);
	}
	JW_LIT(w, "],\"paired\":[");
	for (i = 0, n = sorted_devices(d, 0, q->own); i < n; i++)
		if (d[i]->approved) {
			if (!first_one)
				JW_LIT(w, ",");
			pairing_write_approved(w, d[i]);
			first_one = 0;
		}
	JW_LIT(w, "]}}");
}

static void
device_list(struct jw *w, const void *arg)
{
	const struct pairs_arg *q = arg;
	struct paired *d[DEVICES_MAX];
	const struct surface *f;
	int i, n, k, sep;

	rpc_reply(w, q->reqid, 1);
	JW_LIT(w, "\"payload\":{\"pending\":[],\"paired\":[");
	for (i = 0, n = sorted_devices(d, 0, q->own); i < n; i++) {
		jw_printf(w, "%s{\"deviceId\":\"%s\",\"publicKey\":\"%s\",\"displayName\":", i ? "," : "", d[i]->id,
		    d[i]->key);
		jw_str(w, d[i]->field[D_NAME]);
		JW_LIT(w, ",\"platform\":");
		jw_str(w, d[i]->field[D_PLATFORM]);
		JW_LIT(w, ",\"deviceFamily\":");
		jw_str(w, d[i]->field[D_FAMILY]);
		JW_LIT(w, ",\"clientId\":");
		jw_str(w, d[i]->field[D_CLIENT]);
		JW_LIT(w, ",\"clientMode\":");
		jw_str(w, d[i]->field[D_MODE]);
		jw_printf(w, ",\"role\":\"%s\",\"roles\":[", role_names[d[i]->roles & (1u << ROLE_NODE) ? ROLE_NODE :
		    ROLE_OPERATOR]);
		for (k = sep = 0; k < 2; k++)
			if (d[i]->roles & (1u << k))
				jw_printf(w, "%s\"%s\"", sep++ ? "," : "", role_names[k]);
		JW_LIT(w, "],\"scopes\":");
		rpc_scopes(w, d[i]->scopes);
		JW_LIT(w, ",\"approvedVia\":\"silent\"");
		if ((f = d[i]->pending) != NULL) {
			jw_printf(w, ",\"pendingNodeSurface\":{\"requestId\":\"%s\",\"revision\":\"%s\",\"displayName\":",
			    f->request, f->revision);
			jw_str(w, f->name);
			JW_LIT(w, ",\"platform\":");
			jw_str(w, d[i]->field[D_PLATFORM]);
			JW_LIT(w, ",\"version\":");
			jw_str(w, f->version);
			JW_LIT(w, ",\"deviceFamily\":");
			jw_str(w, d[i]->field[D_FAMILY]);
			jw_printf(w, ",\"caps\":%s,\"commands\":%s,\"silent\":true,\"ts\":%lld}", f->caps, f->commands, f->ts);
		}
		if ((f = d[i]->approved) != NULL) {
			JW_LIT(w, ",\"nodeSurface\":{\"displayName\":");
			jw_str(w, f->name);
			JW_LIT(w, ",\"version\":");
			jw_str(w, f->version);
			jw_printf(w, ",\"caps\":%s,\"commands\":%s,\"createdAtMs\":%lld,\"approvedAtMs\":%lld,"
			    "\"sessionHost\":false}", f->caps, f->commands, f->created_at, f->approved_at);
		}
		jw_printf(w, ",\"createdAtMs\":%lld,\"approvedAtMs\":%lld,\"lastSeenAtMs\":%lld,\"lastSeenReason\":\"%s\","
		    "\"connected\":%s,\"tokens\":[", d[i]->created_at, d[i]->approved_at, d[i]->seen_at,
		    d[i]->seen_reason, pairing_connected(d[i]->id) ? "true" : "false");
		for (k = sep = 0; k < 2; k++)
			if (d[i]->token[k].set) {
				jw_printf(w, "%s{\"role\":\"%s\",\"scopes\":", sep++ ? "," : "", role_names[k]);
				rpc_scopes(w, d[i]->token[k].scopes);
				jw_printf(w, ",\"createdAtMs\":%lld", d[i]->token[k].created_at);
				if (d[i]->token[k].used_at)
					jw_printf(w, ",\"lastUsedAtMs\":%lld", d[i]->token[k].used_at);
				JW_LIT(w, "}");
			}
		JW_LIT(w, "]}");
	}
	JW_LIT(w, "]}}");
}

/* the missing scope's refusal, as missingScopeErrorShape writes it */
static void
missing(struct conn *c, const char *id, unsigned scope)
{
	char msg[96], more[200];
	int k;

	for (k = 0; !(scope & (1u << k)); k++)
		;
	snprintf(msg, sizeof msg, "missing scope: %s", scope_names[k]);
	snprintf(more, sizeof more, ",\"details\":{\"code\":\"MISSING_SCOPE\",\"missingScope\":\"%s\",\"requiredScopes\":"
	    "[%s\"%s\"]}", scope_names[k], scope == S_PAIRING ? "" : "\"operator.pairing\",", scope_names[k]);
	rpc_error(c, id, "FORBIDDEN", msg, more);
}

static void
approve(struct conn *c, const struct rpc_req *r, const char *request)
{
	struct paired *d = by_request(request);
	struct surface *before, *f;
	struct conn *live;
	char why[PATH_MAX + 80], msg[PATH_MAX + 80 + 64];
	unsigned need;
	struct jw w;

	if (d == NULL) {
		rpc_error(c, r->id, "INVALID_REQUEST", "unknown requestId", NULL);
		return;
	}
	need = pairing_approve_scopes(d->pending->commands);
	if (!(c->sess->scopes & S_ADMIN) && (need & ~c->sess->scopes & ~S_PAIRING) != 0) {
		missing(c, r->id, need & ~S_PAIRING);
		return;
	}
	before = d->approved;
	f = d->pending;
	f->created_at = before ? before->created_at : unix_ms();
	f->approved_at = unix_ms();
	d->approved = f;
	d->pending = NULL;
	if (state_save(why, sizeof why) < 0) {
		d->pending = f;
		d->approved = before;
		snprintf(msg, sizeof msg, "the approval cannot be kept: %s", why);
		rpc_error(c, r->id, "UNAVAILABLE", msg, NULL);
		return;
	}
	free(before);
	if ((live = broker_find(d->id)) != NULL)
		broker_effective(live->sess->node, d->approved);
	pairing_resolved(request, d->id, "approved", live);
	w = rpc_writer();
	rpc_reply(&w, r->id, 1);
	jw_printf(&w, "\"payload\":{\"requestId\":\"%s\",\"node\":", request);
	pairing_write_approved(&w, d);
	JW_LIT(&w, "}}");
	rpc_send(c, &w);
}

/*
 * Forget a device: its pairing, tokens and surfaces; its connections close.
 * With node_only, its node role alone (removePairedDeviceRole): an operator
 * role stays, with its token; a device with no role left is forgotten.
 */
static void
forget(struct conn *c, const struct rpc_req *r, struct paired *d, int node_only)
{
	char why[PATH_MAX + 80], msg[PATH_MAX + 144], id[2 * SHA256_LEN + 1], payload[2 * SHA256_LEN + 96];
	const unsigned roles = d->roles;
	const struct device_token token = d->token[ROLE_NODE];
	struct surface *approved = d->approved;
	int i;

	if (node_only && (roles & ~(1u << ROLE_NODE))) {
		d->roles &= ~(1u << ROLE_NODE);
		memset(&d->token[ROLE_NODE], 0, sizeof d->token[ROLE_NODE]);
		d->approved = NULL;
	} else
		d->dropping = 1;
	if (state_save(why, sizeof why) < 0) {
		d->dropping = 0;
		d->roles = roles;
		d->token[ROLE_NODE] = token;
		d->approved = approved;
		snprintf(msg, sizeof msg, "the removal cannot be kept: %s", why);
		rpc_error(c, r->id, "UNAVAILABLE", msg, NULL);
		return;
	}
	snprintf(id, sizeof id, "%s", d->id);
	if (d->dropping)
		state_drop(d);
	else {
		free(approved);
		free(d->pending);
		d->pending = NULL;
	}
	if (node_only)
		pairing_resolved("", id, "removed", NULL);
	snprintf(payload, sizeof payload, node_only ? "{\"nodeId\":\"%s\"}" : "{\"deviceId\":\"%s\"}", id);
	rpc_ok(c, r->id, payload);
	for (i = 0; i < nconns; i++)
		if (conns[i]->sess && conns[i]->sess->authed && conns[i]->state == C_OPEN &&
		    strcmp(SESSION_FIELD(conns[i]->sess, F_DEVICE), id) == 0 &&
		    (!node_only || conns[i]->sess->role == ROLE_NODE))
			ws_close(conns[i], 4001, "device removed");
}

static const char *const served[] = {
	"node.list", "node.describe", "node.pair.list", "node.pair.approve", "node.pair.reject", "node.pair.remove",
	"device.pair.list", "device.pair.remove", NULL
};

int
devices_serves(const char *method)
{
	return str_in(method, served);
}

/*
 * What a caller that may manage its own device only is refused, in the
 * real gateway's words and order (nodes.pairing.ts, devices.ts); NULL if
 * it may go on: the request's own checks come next. A device that is a
 * node is an admin's to remove.
 */
static const char *
denial(const struct conn *c, const char *m, const char *id)
{
	const char *own = own_only(c);
	const struct paired *d;

	if (own == NULL)
		return NULL;
	if (strcmp(m, "node.pair.approve") == 0 || strcmp(m, "node.pair.reject") == 0) {
		d = by_request(id);
		return d && strcmp(d->id, own) == 0 ? NULL : m[10] == 'a' ? "node pairing approval denied" :
		    "node pairing rejection denied";
	}
	d = state_find(id);
	if (strcmp(m, "node.pair.remove") == 0)
		return d == NULL || !(d->roles & (1u << ROLE_NODE)) ? NULL : "node pairing removal denied";
	return strcmp(id, own) != 0 || (d && (d->roles & (1u << ROLE_NODE))) ? "device pairing removal denied" : NULL;
}

/* a method of devices_serves(), authorized already */
void
devices_method(struct conn *c, const struct rpc_req *r)
{
	char id[NODE_NAME_MAX * 4], payload[UUID_LEN + 2 * SHA256_LEN + 64];
	struct pairs_arg q;
	struct paired *d;
	const char *m = r->method, *key, *denied;

	if (strcmp(m, "node.list") == 0) {
		if (rpc_checked(c, r, no_params) == 0)
			nodes(c, r, NULL);
		return;
	}
	if (strcmp(m, "node.pair.list") == 0 || strcmp(m, "device.pair.list") == 0) {
		q.reqid = r->id;
		q.own = own_only(c);
		if (rpc_checked(c, r, no_params) == 0 &&
		    rpc_send_large(c, strcmp(m, "node.pair.list") == 0 ? pair_list : device_list, &q) > 0)
			rpc_error(c, r->id, "UNAVAILABLE", "the list is larger than this client may have queued", NULL);
		return;
	}
	key = strcmp(m, "node.pair.approve") == 0 || strcmp(m, "node.pair.reject") == 0 ? "requestId" :
	    strcmp(m, "device.pair.remove") == 0 ? "deviceId" : "nodeId";
	if (rpc_checked(c, r, key[0] == 'r' ? request_params : key[0] == 'd' ? device_params : describe_params) < 0)
		return;
	json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, key), id, sizeof id);
	if (strcmp(m, "node.describe") == 0) {
		nodes(c, r, id);
		return;
	}
	if ((denied = denial(c, m, id)) != NULL) {
		rpc_error(c, r->id, "INVALID_REQUEST", denied, NULL);
		return;
	}
	if (strcmp(m, "node.pair.approve") == 0)
		approve(c, r, id);
	else if (strcmp(m, "node.pair.reject") == 0) {
		if ((d = by_request(id)) == NULL) {
			rpc_error(c, r->id, "INVALID_REQUEST", "unknown requestId", NULL);
			return;
		}
		snprintf(payload, sizeof payload, "{\"requestId\":\"%s\",\"nodeId\":\"%s\"}", d->pending->request, d->id);
		pairing_resolved(d->pending->request, d->id, "rejected", NULL);
		free(d->pending);
		d->pending = NULL;
		rpc_ok(c, r->id, payload);
	} else if ((d = state_find(id)) == NULL || (strcmp(m, "node.pair.remove") == 0 &&
	    !(d->roles & (1u << ROLE_NODE))))
		rpc_error(c, r->id, "INVALID_REQUEST", strcmp(m, "node.pair.remove") == 0 ? "unknown nodeId" :
		    "unknown deviceId", NULL);
	else
		forget(c, r, d, strcmp(m, "node.pair.remove") == 0);
}
