/*
 * Exec approvals: the policy a host applies before it runs a command for an
 * agent (openclaw 2026.9.6: exec-approvals-*.mjs). This gateway runs no
 * command, so its own policy is the real gateway's for a host with no
 * approvals file, failing closed, and there is nothing here to set: a
 * node's own approvals are what count, and exec.approvals.node.get and
 * .set relay them (system.execApprovals.get and .set) to the node, as the
 * real gateway does, through invoke.c.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "conn.h"
#include "rpc.h"
#include "schema.h"
#include "invoke.h"
#include "approvals.h"

/* the real gateway's snapshot of a host with no approvals file (hashExecApprovalsRaw(null)), failing closed */
static void
gateway_get(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, no_params) == 0)
		rpc_ok(c, r->id, "{\"path\":\"(none: this gateway runs no commands)\",\"exists\":false,\"file\":"
		    "{\"version\":1,\"agents\":{}},\"hash\":\"missing:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4"
		    "95991b7852b855\",\"resolvedDefaults\":{\"security\":\"deny\",\"ask\":\"off\",\"askFallback\":"
		    "\"deny\",\"autoAllowSkills\":false}}");
}

static void
gateway_set(struct conn *c, const struct rpc_req *r)
{
	if (rpc_checked(c, r, exec_set_params) == 0)
		rpc_error(c, r->id, "INVALID_REQUEST", "exec approvals cannot be set on this gateway: it runs no commands, "
		    "so nothing here would enforce them; set a node's own with exec.approvals.node.set "
		    "(openclaw approvals set --node <node>)", NULL);
}

/* the node a request names, trimmed as the real gateway trims it; 0 and the answer sent if there is none */
static int
node_of(struct conn *c, const struct rpc_req *r, char *id, size_t cap)
{
	size_t n;
	char *p;

	json_string(r->p, rpc_tok, json_get(r->p, rpc_tok, r->params, "nodeId"), id, cap);
	for (p = id; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
		;
	memmove(id, p, strlen(p) + 1);
	for (n = strlen(id); n > 0 && strchr(" \t\n\r", id[n - 1]); n--)
		id[n - 1] = '\0';
	if (id[0])
		return 1;
	rpc_error(c, r->id, "INVALID_REQUEST", "nodeId required", NULL);
	return 0;
}

static void
node_get(struct conn *c, const struct rpc_req *r)
{
	char id[NODE_NAME_MAX * 4];

	if (rpc_checked(c, r, describe_params) == 0 && node_of(c, r, id, sizeof id))
		invoke_relay(c, r, id, "system.execApprovals.get", "{}", RELAY_SNAPSHOT);
}

/* the file, or the host-native policy, exactly one of them, with the base hash: what the node validates */
static void
node_set(struct conn *c, const struct rpc_req *r)
{
	static char params[JSON_OUT_MAX];
	const int file = json_get(r->p, rpc_tok, r->params, "file"), native = json_get(r->p, rpc_tok, r->params, "native");
	const int base = json_get(r->p, rpc_tok, r->params, "baseHash");
	char id[NODE_NAME_MAX * 4];
	struct jw w = jw_init(params, sizeof params - 1);
	int k;

	if (rpc_checked(c, r, exec_node_set_params) < 0 || !node_of(c, r, id, sizeof id))
		return;
	if ((file >= 0) == (native >= 0) || (native >= 0 && base < 0) ||
	    rpc_tok[file >= 0 ? file : native].type != JSON_OBJECT) {
		rpc_error(c, r->id, "INVALID_REQUEST", "invalid exec.approvals.node.set params: exactly one of file, or "
		    "native with baseHash, as an object", NULL);
		return;
	}
	if (file >= 0) {
		JW_LIT(&w, "{\"file\":");
		jw_raw(&w, r->p + rpc_tok[file].start, rpc_tok[file].len);
	} else                          /* native's members, and the base hash beside them */
		jw_raw(&w, r->p + rpc_tok[native].start, rpc_tok[native].len - 1);
	if (base >= 0) {
		k = native >= 0 && rpc_tok[native].count == 0;  /* an empty native object takes no comma */
		jw_printf(&w, "%s\"baseHash\":", k ? "" : ",");
		jw_raw(&w, r->p + rpc_tok[base].start - 1, rpc_tok[base].len + 2);
	}
	JW_LIT(&w, "}");
	if (w.overflow) {
		rpc_error(c, r->id, "INVALID_REQUEST", "exec approvals too large to relay", NULL);
		return;
	}
	params[w.len] = '\0';
	invoke_relay(c, r, id, "system.execApprovals.set", params, RELAY_PAYLOAD);
}

const struct method approvals_methods[] = {
	{ "exec.approvals.get", gateway_get }, { "exec.approvals.set", gateway_set },
	{ "exec.approvals.node.get", node_get }, { "exec.approvals.node.set", node_set }, { NULL, NULL }
};
