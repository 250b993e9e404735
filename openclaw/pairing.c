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
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "json.h"
#include "base64.h"
#include "conn.h"
#include "rpc.h"
#include "policy.h"
#include "limit.h"
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

/* ---- retirement ---- */

static struct tally retired = { "retired", "paired device", NULL, 0, 0, NULL, 0, 0 };
static struct tally limited = { "refused", "new device", NULL, 0, 0, NULL, 0, 0 };

/*
 * New devices from one local user other than the daemon's own: each costs
 * two fsyncs while the loop waits, so no user may turn pairing into a
 * stall of everyone's (limit.c, as wrong tokens are limited).
 */
static struct limit newcomers = { PAIRINGS_MAX, PAIRING_WINDOW_MS, PAIRING_LOCKOUT_MS, { { 0 } } };

/* did an operator approve this device for anything: a node surface, or an operator role whose token is in use? */
static int
approved(const struct paired *d)
{
	return d->approved != NULL || ((d->roles & (1u << ROLE_OPERATOR)) && d->token[ROLE_OPERATOR].used_at != 0);
}

/* a and b, trimmed, the same but for ASCII case */
static int
same_text(const char *a, const char *b)
{
	size_t n, m;

	a += strspn(a, " \t\n\r");
	b += strspn(b, " \t\n\r");
	for (n = strlen(a); n > 0 && strchr(" \t\n\r", a[n - 1]); n--)
		;
	for (m = strlen(b); m > 0 && strchr(" \t\n\r", b[m - 1]); m--)
		;
	for (; n == m && n > 0 && tolower((unsigned char)*a) == tolower((unsigned char)*b); a++, b++, n--, m--)
		;
	return n == 0 && m == 0;
}

/* the same client as the real gateway's silentPairingClusterKey: clientId, clientMode and displayName */
static int
same_client(const struct paired *a, const struct paired *b)
{
	static const int fields[] = { D_CLIENT, D_MODE, D_NAME };
	int k, named = 0;

	for (k = 0; k < 3; k++) {
		if (!same_text(a->field[fields[k]], b->field[fields[k]]))
			return 0;
		named |= a->field[fields[k]][strspn(a->field[fields[k]], " \t\n\r")] != '\0';
	}
	return named;                           /* three empty names are no client */
}

/*
 * Retire the devices marked dropping: saved without them, then forgotten,
 * each counted and logged (at most a line a WARN_INTERVAL_MS). 0, or -1
 * and why: the file is as it was, and they stay.
 */
static int
retire(const char *reason, char *why, size_t cap)
{
	struct paired *d;
	int i;

	if (state_save(why, cap) < 0) {
		for (i = 0; i < state_count(); i++)
			state_at(i)->dropping = 0;
		return -1;
	}
	for (i = state_count() - 1; i >= 0; i--) {
		if (!(d = state_at(i))->dropping)
			continue;
		if (d->roles & (1u << ROLE_NODE))
			pairing_resolved("", d->id, "removed", NULL);
		tally(&retired, reason);
		state_drop(d);
	}
	return 0;
}

/*
 * A new silent pairing of a client retires its older ones, as the real
 * gateway does (pruneSupersededSilentPairedDevices): the same client, not
 * connected, paired at least --retire-ms ago, and here also never approved
 * by an operator. A node host with a fresh state directory is a new device
 * each run; without this, its old selves would fill the table.
 */
static void
retire_superseded(const struct paired *d, long long now)
{
	char why[PATH_MAX + 80];
	struct paired *e;
	int i, n = 0;

	for (i = 0; i < state_count(); i++)
		if ((e = state_at(i)) != d && same_client(e, d) && now - e->approved_at >= opt.retire_ms && !approved(e) &&
		    !pairing_connected(e->id))
			e->dropping = 1, n++;
	if (n)
		retire("superseded by a newer pairing of the same client", why, sizeof why);
}

/*
 * The table is full: the disconnected device seen least recently that no
 * operator approved makes room. 0, or -1 if every device is connected or
 * approved (or the save failed: why).
 */
static int
make_room(char *why, size_t cap)
{
	struct paired *e, *quiet = NULL;
	int i;

	for (i = 0; i < state_count(); i++)
		if (!approved(e = state_at(i)) && !pairing_connected(e->id) && (quiet == NULL || e->seen_at < quiet->seen_at))
			quiet = e;
	if (quiet == NULL) {
		snprintf(why, cap, "too many paired devices (%d), each connected or approved; remove one with `openclaw "
		    "devices remove <deviceId>`", DEVICES_MAX);
		return -1;
	}
	quiet->dropping = 1;
	return retire("to make room: the device table was full", why, cap);
}

/* ---- pairing ---- */

/* the device's token for role opened a connection; an operator token's first use is kept: it protects the device */
void
pairing_token_used(struct paired *d, int role)
{
	const int first = d->token[role].used_at == 0;
	char why[PATH_MAX + 80];

	d->token[role].used_at = d->seen_at = unix_ms();
	d->seen_reason = "device-token-auth";
	if (first && role == ROLE_OPERATOR)
		state_save(why, sizeof why);    /* a failure is logged; the device is only less protected */
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
	long long wait;

	token[0] = '\0';
	if (created && (wait = limit_wait(&newcomers, conn_uid(c), now_ms())) > 0) {
		snprintf(why, cap, "too many new devices from this local user (%d in %d s); try again in %lld s",
		    PAIRINGS_MAX, PAIRING_WINDOW_MS / 1000, (wait + 999) / 1000);
		tally(&limited, "too many from that local user");
		return -1;
	}
	if (created && state_count() == DEVICES_MAX && make_room(why, cap) < 0)
		return -1;
	if (created && (d = state_add(id, key, now)) == NULL) {
		snprintf(why, cap, "out of memory");
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
		limit_count(&newcomers, conn_uid(c), now_ms());
		uuid(request);
		snprintf(payload, sizeof payload, "{\"requestId\":\"%s\",\"deviceId\":\"%s\",\"decision\":\"approved\","
		    "\"ts\":%lld}", request, id, now);
		rpc_broadcast(S_PAIRING, "device.pair.resolved", payload);
		retire_superseded(d, now);
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
