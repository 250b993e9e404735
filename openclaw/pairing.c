/*
 * Pairing, as the real gateway does it for clients on loopback (openclaw
 * 2026.9.6: node-catalog-*.mjs, nodes-*.mjs, devices-*.mjs,
 * node-connect-reconcile-*.mjs): a device whose proof verified is paired
 * silently at its first connect and given a device token; a node's
 * declared caps and commands wait for an operator (node.pair.approve), and
 * a node that later declares more waits again for the difference, while
 * what was approved stays usable. Here too are the methods that show and
 * change all that are in devices.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "base64.h"
#include "conn.h"
#include "rpc.h"
#include "policy.h"
#include "state.h"
#include "statefile.h"
#include "broker.h"
#include "pairing.h"

/* the scopes an operator needs to approve these commands (resolveNodePairApprovalScopes) */
unsigned
pairing_approve_scopes(const char *commands)
{
	static const char *const run[] = { "system.run.prepare", "system.run", "system.which",
		"system.execApprovals.get", "system.execApprovals.set", NULL };
	static struct json_tok t[JSON_LIST_MAX + 1];
	char one[NODE_NAME_MAX];
	int i, k;

	if (json_parse(commands, strlen(commands), t, JSON_LIST_MAX + 1) < 1 || t[0].count == 0)
		return S_PAIRING;
	for (i = 1, k = 0; k < (int)t[0].count; k++, i = t[i].next)
		if (json_string(commands, t, i, one, sizeof one) > 0 && (policy_admin_only(one) || str_in(one, run)))
			return S_PAIRING | S_ADMIN;
	return S_PAIRING | S_WRITE;
}

void
pairing_resolved(const char *request, const char *node, const char *decision, struct conn *to_node)
{
	char payload[UUID_LEN + 2 * SHA256_LEN + 120];

	snprintf(payload, sizeof payload, "{\"requestId\":\"%s\",\"nodeId\":\"%s\",\"decision\":\"%s\",\"ts\":%lld}",
	    request, node, decision, unix_ms());
	if (to_node)
		rpc_event(to_node, "node.pair.resolved", payload, 0);
	rpc_broadcast(S_PAIRING, "node.pair.resolved", payload);
}

/* who asks, as both a request and an approval show it: from clientId to deviceFamily */
static void
write_identity(struct jw *w, const struct paired *d, const struct surface *f)
{
	jw_str(w, d->field[D_CLIENT]);
	JW_LIT(w, ",\"clientMode\":");
	jw_str(w, d->field[D_MODE]);
	JW_LIT(w, ",\"displayName\":");
	jw_str(w, f->name);
	JW_LIT(w, ",\"platform\":");
	jw_str(w, d->field[D_PLATFORM]);
	JW_LIT(w, ",\"version\":");
	jw_str(w, f->version);
	JW_LIT(w, ",\"deviceFamily\":");
	jw_str(w, d->field[D_FAMILY]);
}

/* a pending node surface as node.pair.list and node.pair.requested show it */
void
pairing_write_request(struct jw *w, const struct paired *d)
{
	const struct surface *s = d->pending;

	jw_printf(w, "{\"requestId\":\"%s\",\"nodeId\":\"%s\",\"clientId\":", s->request, d->id);
	write_identity(w, d, s);
	jw_printf(w, ",\"caps\":%s,\"commands\":%s,\"requiredApproveScopes\":", s->caps, s->commands);
	rpc_scopes(w, pairing_approve_scopes(s->commands));
	jw_printf(w, ",\"silent\":true,\"ts\":%lld}", s->ts);
}

/*
 * A verified device at connect: paired now if it is new, with a token for
 * this role if it has none. 0, with token (and *issued) set if one was
 * issued; -1 and why if the pairing cannot be kept.
 */
int
pairing_device(struct conn *c, const unsigned char key[32], char *token, long long *issued, char *why, size_t cap)
{
	static const int from[D_FIELDS] = { F_DISPLAYNAME, F_PLATFORM, F_DEVICEFAMILY, F_ID, F_MODE };
	struct session *s = c->sess;
	const char *id = SESSION_FIELD(s, F_DEVICE);
	unsigned char raw[DEVICE_TOKEN_BYTES];
	const long long now = unix_ms();
	struct paired *d = state_find(id);
	char payload[UUID_LEN + 2 * SHA256_LEN + 120], request[UUID_LEN + 1];
	int created = d == NULL, k;

	token[0] = '\0';
	if (created && (d = state_add(id, key, now)) == NULL) {
		snprintf(why, cap, "too many paired devices (%d); remove one with `openclaw devices remove <deviceId>`",
		    DEVICES_MAX);
		return -1;
	}
	for (k = 0; k < D_FIELDS; k++)
		snprintf(d->field[k], sizeof d->field[k], "%s", SESSION_FIELD(s, from[k]));
	d->seen_at = now;
	d->seen_reason = "connect";
	d->scopes |= s->scopes;
	if (d->token[s->role].set && (d->roles & (1u << s->role)))
		return 0;
	d->roles |= 1u << s->role;
	rpc_random(raw, sizeof raw);
	base64url_encode(raw, sizeof raw, token);
	memset(raw, 0, sizeof raw);
	state_token(d, s->role, token, s->scopes, now);
	*issued = now;
	if (state_save(why, cap) < 0) {
		if (created)
			state_drop(d);
		else
			d->roles &= ~(1u << s->role), d->token[s->role].set = 0;
		return -1;
	}
	if (created) {
		uuid(request);
		snprintf(payload, sizeof payload, "{\"requestId\":\"%s\",\"deviceId\":\"%s\",\"decision\":\"approved\","
		    "\"ts\":%lld}", request, id, now);
		rpc_broadcast(S_PAIRING, "device.pair.resolved", payload);
	}
	return 0;
}

/*
 * A node's connect, after broker_register: what it may be asked is what it
 * declared and the approval holds; whatever it declared beyond that waits
 * for an operator, as a request (the same one, if nothing changed).
 */
void
pairing_node(struct conn *c)
{
	struct session *s = c->sess;
	struct node *n = s->node;
	struct paired *d = state_find(SESSION_FIELD(s, F_DEVICE));
	static char request[NODE_DECL_MAX + 1024];     /* not rpc_writer's: the event is written there */
	struct surface *f;
	struct jw w;

	broker_effective(n, d->approved);
	if (d->approved && json_list_within(n->declared_caps, d->approved->caps) &&
	    json_list_within(n->declared_commands, d->approved->commands)) {
		free(d->pending);               /* nothing to ask */
		d->pending = NULL;
		return;
	}
	if ((f = d->pending) != NULL && json_list_within(n->declared_caps, f->caps) && json_list_within(f->caps,
	    n->declared_caps) && json_list_within(n->declared_commands, f->commands) &&
	    json_list_within(f->commands, n->declared_commands)) {
		f->ts = unix_ms();              /* the same request, asked again */
		uuid(f->revision);
		return;
	}
	if ((f = surface_new(n->declared_caps, n->declared_commands, unix_ms())) == NULL)
		return;                         /* no memory: the node stays as approved; it asks again later */
	uuid(f->request);
	uuid(f->revision);
	snprintf(f->name, sizeof f->name, "%s", SESSION_FIELD(s, F_DISPLAYNAME));
	snprintf(f->version, sizeof f->version, "%s", SESSION_FIELD(s, F_VERSION));
	if (d->pending) {                       /* superseded */
		pairing_resolved(d->pending->request, d->id, "rejected", NULL);
		free(d->pending);
	}
	d->pending = f;
	w = jw_init(request, sizeof request);
	pairing_write_request(&w, d);
	jw_raw(&w, "", 1);
	if (!w.overflow)
		rpc_broadcast(S_PAIRING, "node.pair.requested", w.p);
}

/* an approved surface as node.pair.list's paired and node.pair.approve's node show it */
void
pairing_write_approved(struct jw *w, const struct paired *d)
{
	const struct surface *a = d->approved;

	jw_printf(w, "{\"nodeId\":\"%s\",\"clientId\":", d->id);
	write_identity(w, d, a);
	jw_printf(w, ",\"caps\":%s,\"commands\":%s,\"createdAtMs\":%lld,\"approvedAtMs\":%lld,\"lastSeenAtMs\":%lld,"
	    "\"lastSeenReason\":\"%s\"}", a->caps, a->commands, a->created_at, a->approved_at, d->seen_at, d->seen_reason);
}

/* is a connection of this device open? */
int
pairing_connected(const char *id)
{
	int i;

	for (i = 0; i < nconns; i++)
		if (conns[i]->sess && conns[i]->sess->authed && conns[i]->state == C_OPEN &&
		    strcmp(SESSION_FIELD(conns[i]->sess, F_DEVICE), id) == 0)
			return 1;
	return 0;
}
