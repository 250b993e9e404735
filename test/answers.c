/*
 * What the real gateway answers without a model, in its shapes, where this
 * gateway holds nothing; the gateway's own identity; and exec approvals:
 * the gateway's (it runs no commands) and a node's, relayed to the node as
 * system.execApprovals.get and .set and answered with its payload.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "crypto/sha2.h"

#define port proto_port

static char dir[64], path[128];

/* op's call of method with params (JSON, or NULL) */
static char *
ask(int op, const char *method, const char *params)
{
	char req[1024];

	snprintf(req, sizeof req, "{\"type\":\"req\",\"id\":\"a\",\"method\":\"%s\"%s%s}", method, params ? ",\"params\":" : "",
	    params ? params : "");
	return call(op, req);
}

/* each answer, as the real gateway's shape with nothing in it */
static void
empty(int op)
{
	static const struct { const char *method, *params, *path, *want; } v[] = {
		{ "agents.list", NULL, "payload.agents", "[]" },
		{ "agents.list", NULL, "payload.defaultId", "main" },
		{ "agents.list", NULL, "payload.scope", "per-sender" },
		{ "agent.identity.get", "{\"agentId\":\"ops\"}", "payload.agentId", "ops" },
		{ "models.list", "{\"view\":\"configured\"}", "payload.models", "[]" },
		{ "chat.history", "{\"sessionKey\":\"main\",\"limit\":20}", "payload.messages", "[]" },
		{ "chat.history", "{\"sessionKey\":\"main\"}", "payload.sessionKey", "main" },
		{ "skills.status", NULL, "payload.skills", "[]" },
		{ "tools.catalog", NULL, "payload.groups", "[]" },
		{ "tools.catalog", NULL, "payload.profiles.3.id", "full" },
		{ "commands.list", "{\"scope\":\"both\"}", "payload.commands", "[]" },
		{ "usage.cost", "{\"days\":7}", "payload.totals.totalTokens", "0" },
		{ "usage.cost", NULL, "payload.cacheStatus.status", "fresh" },
		{ "talk.config", "{\"includeSecrets\":false}", "payload.config", "{}" },
		{ "update.status", NULL, "payload.updateAvailable", "null" },
		{ "doctor.memory.status", "{\"probe\":false}", "payload.embedding.checked", "false" },
		{ "exec.approvals.get", NULL, "payload.exists", "false" },
		{ "exec.approvals.get", NULL, "payload.file.version", "1" },
		{ "exec.approvals.get", NULL, "payload.resolvedDefaults.security", "deny" },
		{ "exec.approvals.get", NULL, "payload.hash",
		  "missing:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	};
	static const struct { const char *method, *params, *message; } bad[] = {
		{ "chat.history", NULL, "invalid chat.history params: must have required property 'sessionKey'" },
		{ "agents.list", "{\"all\":true}", "invalid agents.list params: at root: unexpected property 'all'" },
		{ "commands.list", "{\"scope\":\"all\"}", "invalid commands.list params: at /scope: must be equal to one of" },
		{ "models.list", "[1]", "invalid models.list params: must be object" },
		{ "doctor.memory.status", "{\"agentId\":1}", "agentId must be a string" },
		{ "exec.approvals.set", "{\"file\":{\"version\":1}}", "exec approvals cannot be set on this gateway: it runs "
		  "no commands" },
		{ "exec.approvals.node.get", "{\"nodeId\":\"  \"}", "nodeId required" },
	};
	size_t i;
	char *r;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		r = ask(op, v[i].method, v[i].params);
		check(r && is(r, "ok", "true") && is(r, v[i].path, v[i].want), "%s: %s is %s (%.300s)", v[i].method,
		    v[i].path, v[i].want, r ? r : "");
		free(r);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = ask(op, bad[i].method, bad[i].params);
		check(r && is(r, "ok", "false") && strncmp(jpath(r, "error.message"), bad[i].message, strlen(bad[i].message))
		    == 0, "%s %s: \"%s\" (%.300s)", bad[i].method, bad[i].params ? bad[i].params : "", bad[i].message,
		    r ? r : "");
		free(r);
	}
}

/* gateway.identity.get: its deviceId is the SHA-256 of its public key; the identity it answers, in id */
static void
identity(int op, char id[65])
{
	unsigned char key[40], h[SHA256_LEN];
	char b64[48], hex[65];
	size_t i, n;
	char *r = ask(op, "gateway.identity.get", NULL);
	const char *k = r ? jpath(r, "payload.publicKey") : "";

	/* base64url to Base64, padded, for the strict decoder */
	for (n = 0; k[n] && n < 43; n++)
		b64[n] = k[n] == '-' ? '+' : k[n] == '_' ? '/' : k[n];
	b64[n++] = '=';
	b64[n] = '\0';
	n = strlen(k) == 43 ? (size_t)base64_decode(b64, n, key, sizeof key) : 0;
	sha256(key, 32, h);
	for (i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	check(n == 32 && is(r, "payload.deviceId", hex), "gateway.identity.get: its deviceId is the SHA-256 of its "
	    "32-byte public key (%.200s)", r ? r : "");
	snprintf(id, 65, "%s", r ? jpath(r, "payload.deviceId") : "");
	free(r);
}

/* key n's node, which declares the exec approvals commands, approved by op; its connection */
static int
approved_node(int op, int n)
{
	char *r, req[40];
	int node = keyed_connect(n, "approvals", "[\"system.which\",\"system.execApprovals.get\","
	    "\"system.execApprovals.set\"]", PAIRING_AUTH, NULL, &r);

	free(r);
	snprintf(req, sizeof req, "%s", request_of(op, n));
	r = request(op, "node.pair.approve", "requestId", req);
	check(r && is(r, "ok", "true"), "the node that keeps exec approvals is approved (%.200s)", r ? r : "");
	free(r);
	free(next_text(node));          /* node.pair.resolved */
	return node;
}

/* the node answers the request it was sent with this payload (JSON text, as payloadJSON); its params */
static char *
node_answers(int node, int n, const char *command, const char *payload)
{
	char buf[2048], *r = next_text(node), *params;
	struct jw w;

	check(r && is(r, "event", "node.invoke.request") && is(r, "payload.command", command),
	    "the node is asked %s (%.300s)", command, r ? r : "");
	params = strdup(r ? jpath(r, "payload.paramsJSON") : "");
	w = jw_init(buf, sizeof buf - 1);
	jw_printf(&w, "{\"type\":\"req\",\"id\":\"res\",\"method\":\"node.invoke.result\",\"params\":{\"id\":\"%s\","
	    "\"nodeId\":\"%s\",\"ok\":true,\"payloadJSON\":", r ? jpath(r, "payload.id") : "", id_of(n));
	jw_str(&w, payload);
	JW_LIT(&w, "}}");
	buf[w.len] = '\0';
	free(r);
	free(call(node, buf));
	return params;
}

/* exec.approvals.node.*: relayed to the node as the real gateway relays them */
static void
relayed(int op)
{
	static const char snapshot[] = "{\"path\":\"/home/n/.openclaw/exec-approvals\",\"exists\":true,\"hash\":\"abc\","
	    "\"file\":{\"version\":1,\"defaults\":{\"security\":\"allowlist\"},\"agents\":{}}}";
	char req[512], *r, *params;
	int node = approved_node(op, 30), plain;

	snprintf(req, sizeof req, "{\"type\":\"req\",\"id\":\"g\",\"method\":\"exec.approvals.node.get\",\"params\":"
	    "{\"nodeId\":\" %s \"}}", id_of(30));
	send_text(op, req);
	params = node_answers(node, 30, "system.execApprovals.get", snapshot);
	check(strcmp(params, "{}") == 0, "with no params ({}): %s", params);
	free(params);
	r = next_not_presence(op);
	check(r && is(r, "id", "g") && is(r, "payload.file.defaults.security", "allowlist") &&
	    is(r, "payload.hash", "abc") && !strstr(r, "payloadJSON"), "exec.approvals.node.get answers the node's "
	    "snapshot itself (%.300s)", r ? r : "");
	free(r);
	send_text(op, req);
	free(node_answers(node, 30, "system.execApprovals.get", "{\"nothing\":1}"));
	r = next_not_presence(op);
	check(r && is(r, "error.message", "node returned invalid exec approvals payload"), "a payload that is no "
	    "snapshot: refused, as the real gateway does (%.300s)", r ? r : "");
	free(r);
	snprintf(req, sizeof req, "{\"type\":\"req\",\"id\":\"s\",\"method\":\"exec.approvals.node.set\",\"params\":"
	    "{\"nodeId\":\"%s\",\"file\":{\"version\":1,\"agents\":{}},\"baseHash\":\"abc\"}}", id_of(30));
	send_text(op, req);
	params = node_answers(node, 30, "system.execApprovals.set", snapshot);
	check(strcmp(params, "{\"file\":{\"version\":1,\"agents\":{}},\"baseHash\":\"abc\"}") == 0,
	    "exec.approvals.node.set sends the file and the base hash: %s", params);
	free(params);
	r = next_not_presence(op);
	check(r && is(r, "id", "s") && is(r, "payload.exists", "true"), "and answers the node's payload (%.200s)",
	    r ? r : "");
	free(r);
	r = ask(op, "exec.approvals.node.set", "{\"nodeId\":\"x\",\"file\":{},\"native\":{}}");
	check(r && strstr(jpath(r, "error.message"), "exactly one of file"), "file and native both: refused (%.200s)",
	    r ? r : "");
	free(r);

	/* a node that did not declare them; a node that is not there */
	plain = keyed_connect(31, "plain", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);
	free(r);
	snprintf(req, sizeof req, "{\"nodeId\":\"%s\"}", id_of(31));
	r = ask(op, "exec.approvals.node.get", req);
	check(r && is(r, "error.code", "INVALID_REQUEST") && is(r, "error.details.command", "system.execApprovals.get") &&
	    strncmp(jpath(r, "error.message"), "node command not allowed: system.execApprovals.get (", 52) == 0,
	    "a node that may not be asked: \"node command not allowed\" (%.300s)", r ? r : "");
	free(r);
	r = ask(op, "exec.approvals.node.get", "{\"nodeId\":\"not-a-node\"}");
	check(r && is(r, "error.code", "UNAVAILABLE") && is(r, "error.message", "NOT_CONNECTED: node not connected") &&
	    is(r, "error.details.nodeCommandDispatched", "false"), "a node not connected: the real error (%.300s)",
	    r ? r : "");
	free(r);
	r = ask(op, "node.invoke", "{\"nodeId\":\"x\",\"command\":\"system.execApprovals.get\",\"idempotencyKey\":\"k\"}");
	check(r && strstr(jpath(r, "error.message"), "use exec.approvals.node.*"), "node.invoke still refuses them "
	    "(%.200s)", r ? r : "");
	free(r);
	close(plain);
	close(node);
}

void
answers_tests(void)
{
	struct gw g;
	char first[65], again[65], *r;
	int op;

	snprintf(dir, sizeof dir, "/tmp/gateway-answers-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		check(0, "a directory for the state file: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof path, "%s/state", dir);
	port = free_port();
	if (!gw_start(&g, port, (const char *const[]){ "--token", PAIRING_TOKEN, "--state-file", path, NULL })) {
		check(0, "gateway starts: %s", g.log);
		return;
	}
	{
		char buf[1024], *h;
		int fd = open_challenged(NULL);
		connect_as(buf, sizeof buf, "cli", "cli", "operator", "[\"operator.read\"]", PAIRING_AUTH);
		send_text(fd, buf);
		h = next_text(fd);
		check(h && is(h, "payload.features.capabilities", "[\"published-model-catalog\"]"), "hello-ok says the "
		    "model catalog is published (empty), so openclaw models list asks for it (%.300s)", h ? h : "");
		free(h);
		close(fd);
	}
	op = operator(ALL_SCOPES);
	empty(op);
	identity(op, first);
	relayed(op);
	r = ask(op, "agents.list", NULL);
	close(op);
	free(r);
	gw_stop(&g);

	/* the identity is kept in the state file: the same after a restart; without one, each run's own */
	check(gw_start(&g, port, (const char *const[]){ "--token", PAIRING_TOKEN, "--state-file", path, NULL }),
	    "restarted on the same state file");
	op = operator(ALL_SCOPES);
	identity(op, again);
	check(strcmp(first, again) == 0 && strlen(first) == 64, "the gateway's identity survives a restart (%s)", again);
	close(op);
	gw_stop(&g);
	check(gw_start(&g, port, (const char *const[]){ "--token", PAIRING_TOKEN, NULL }), "a gateway in memory only");
	op = operator(ALL_SCOPES);
	identity(op, again);
	check(strcmp(first, again) != 0, "without a state file, an identity of the run's own (%s)", again);
	close(op);
	gw_stop(&g);
	unlink(path);
	rmdir(dir);
}
