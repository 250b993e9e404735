/* the node broker against the daemon: a node and an operator, as raw frames */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "openclaw/rpc.h"        /* UUID_LEN */
#include "openclaw/state.h"      /* struct paired: what a device record costs */
#include "t.h"

#define port proto_port

static const char node_connect[] =
    "{\"type\":\"req\",\"id\":\"n1\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,\"maxProtocol\":4,"
    "\"client\":{\"id\":\"node-host\",\"displayName\":\"%s\",\"version\":\"2026.9.6\",\"platform\":\"linux\","
    "\"deviceFamily\":\"Linux\",\"mode\":\"node\"},\"caps\":[\"system\",\"browser\",\"system\"],"
    "\"commands\":[\"system.which\",\"system.run\",\"fs.listDir\",\"dir.list\",\"workspace.memory\",\"system.which\"],"
    "\"pathEnv\":\"/usr/bin:/bin\",\"role\":\"node\",\"scopes\":[]%s}}";
/* the device id of test key n; "dev-N" in the requests below stands for it */
static const char *
dev(int n)
{
	static char id[256][65];
	unsigned char seed[32], pk[32];

	if (!id[n][0])
		test_key(n, seed, pk, id[n]);
	return id[n];
}

/* text with every "dev-N" replaced by dev(N) */
static const char *
ids(const char *text)
{
	static char out[65536];
	const char *s;
	size_t n = 0;
	char *end;
	long k;

	if (strstr(text, "dev-") == NULL)
		return text;
	while ((s = strstr(text, "dev-")) != NULL && n + (size_t)(s - text) + 65 < sizeof out) {
		memcpy(out + n, text, (size_t)(s - text));
		n += (size_t)(s - text);
		k = strtol(s + 4, &end, 10);
		n += (size_t)snprintf(out + n, sizeof out - n, "%s", dev((int)k));
		text = end;
	}
	snprintf(out + n, sizeof out - n, "%s", text);
	return out;
}

/* the signed device member of key n for the challenge on fd (read here), platform linux */
static void
signed_member(char *out, size_t cap, int fd, int n, const char *family)
{
	char *c = next_text(fd);

	test_device(out, cap, n, c ? jpath(c, "payload.nonce") : "", "node-host", "node", "node", "", "", "linux",
	    family, unix_now(), 0);
	free(c);
}

/* an operator with pairing and admin approves what key n's node asks; its node.pair.resolved is read */
static void
approve(int node, int n)
{
	char buf[512], *r;
	int op = open_as("cli", "cli", "approver", "[\"operator.pairing\",\"operator.admin\"]",
	    "[\"operator.admin\",\"operator.pairing\"]");
	const char *req;

	r = call(op, "{\"type\":\"req\",\"id\":\"pl\",\"method\":\"node.pair.list\",\"params\":{}}");
	/* this node's request: {"requestId":"<36>","nodeId":"<64>",... */
	for (req = r; req && (req = strstr(req, "{\"requestId\":\"")) != NULL; req++)
		if (strncmp(req + 52, "\"nodeId\":\"", 10) == 0 && strncmp(req + 62, dev(n), 64) == 0)
			break;
	if (req) {
		snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"pa\",\"method\":\"node.pair.approve\",\"params\":"
		    "{\"requestId\":\"%.36s\"}}", req + 14);
		free(r);
		r = call(op, buf);
		check(r && is(r, "ok", "true") && is(r, "payload.node.nodeId", dev(n)), "node %d approved (%.200s)", n,
		    r ? r : "");
		free(r);
		r = next_text(node);
		check(r && is(r, "event", "node.pair.resolved") && is(r, "payload.decision", "approved") &&
		    !strstr(r, "\"seq\""), "the node hears it is approved, unnumbered (%.200s)", r ? r : "");
	}
	free(r);
	close(op);
}

/* the node of test key n, connected, greeted and approved */
static int
open_node(int n, const char *name)
{
	char buf[4096], member[512], *r;
	int fd = ws_open(port);

	signed_member(member, sizeof member, fd, n, "linux");
	snprintf(buf, sizeof buf, node_connect, name, member);
	send_text(fd, buf);
	r = next_text(fd);
	check(r && is(r, "payload.type", "hello-ok") && is(r, "payload.auth.role", "node") &&
	    is(r, "payload.auth.scopes", "[]"), "node %d: hello-ok, role node, no scopes (%.200s)", n, r ? r : "");
	free(r);
	approve(fd, n);
	return fd;
}

static int
open_operator(const char *scopes)
{
	return open_as("cli", "cli", "operator", scopes, scopes);
}

static void
invoke(int op, const char *id, const char *node, const char *command, const char *extra)
{
	char buf[1024];

	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"%s\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":\"%s\","
	    "\"command\":\"%s\",\"idempotencyKey\":\"key-%s\"%s}}", id, node, command, id, extra);
	send_text(op, ids(buf));
}

#define call(fd, req) call(fd, ids(req))      /* "dev-N" in a request stands for dev(N) */

/* the next frame the node gets: an invoke request; its id is copied out */
static int
invoke_request(int node, char *id, size_t cap, const char *want_params)
{
	char *r = next_text(node);
	int ok = r && is(r, "event", "node.invoke.request") && !strstr(r, "\"seq\"") &&
	    strlen(jpath(r, "payload.id")) == UUID_LEN && is(r, "payload.paramsJSON", want_params);

	snprintf(id, cap, "%s", r ? jpath(r, "payload.id") : "");
	if (!ok)
		printf("  invoke request: %s\n", r ? r : "(none)");
	free(r);
	return ok;
}

static void
refused(int op, const char *req, const char *code, const char *message, const char *what)
{
	char *r = call(op, ids(req));

	check(r && is(r, "ok", "false") && is(r, "error.code", code) && is(r, "error.message", message),
	    "%s: %s", what, r ? r : "(none)");
	free(r);
}

static void
registering(void)
{
	char buf[2048], *r;
	int fd, node, op;

	/* a node without a device block: the real gateway's refusal */
	fd = open_challenged(NULL);
	snprintf(buf, sizeof buf, node_connect, "nodev", "");
	send_text(fd, buf);
	r = next_text(fd);
	check(r && is(r, "error.code", "NOT_PAIRED") && is(r, "error.message", "device identity required") &&
	    is(r, "error.details.code", "DEVICE_IDENTITY_REQUIRED"), "a node without a device identity: refused (%s)",
	    r ? r : "");
	free(r);
	close(fd);

	node = open_node(1, "box one");
	op = open_operator("[\"operator.read\"]");
	r = call(op, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\",\"params\":{}}");
	check(r && is(r, "payload.nodes.0.nodeId", dev(1)) && is(r, "payload.nodes.0.displayName", "box one") &&
	    is(r, "payload.nodes.0.platform", "linux") && is(r, "payload.nodes.0.clientId", "node-host") &&
	    is(r, "payload.nodes.0.connected", "true") && is(r, "payload.nodes.0.paired", "true") &&
	    is(r, "payload.nodes.0.caps", "[\"browser\",\"system\"]") &&
	    is(r, "payload.nodes.0.commands", "[\"fs.listDir\",\"system.run\",\"system.which\"]") &&
	    is(r, "payload.nodes.0.pathEnv", "/usr/bin:/bin") && jpath(r, "payload.nodes.0.connectedAtMs")[0],
	    "node.list: the node, its caps, and only the commands the policy allows, sorted (%s)", r ? r : "");
	free(r);
	r = call(op, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"node.describe\",\"params\":{\"nodeId\":\"dev-1\"}}");
	check(r && is(r, "payload.nodeId", dev(1)) && jpath(r, "payload.ts")[0], "node.describe (%s)", r ? r : "");
	free(r);
	refused(op, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"node.describe\",\"params\":{\"nodeId\":\"nope\"}}",
	    "INVALID_REQUEST", "unknown nodeId", "node.describe of an unknown node");
	refused(op, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"node.describe\",\"params\":{}}", "INVALID_REQUEST",
	    "invalid node.describe params: must have required property 'nodeId'", "node.describe without nodeId");
	refused(op, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"node.describe\"}", "INVALID_REQUEST",
	    "invalid node.describe params: must have required property 'nodeId'", "node.describe without params: as {}");

	/* what the node host sends after hello-ok, answered as an approved node is */
	r = call(node, "{\"type\":\"req\",\"id\":\"e\",\"method\":\"node.event\",\"params\":{\"event\":\"node.host.stats\","
	    "\"payloadJSON\":\" { } \"}}");
	check(r && is(r, "payload.handled", "false") && is(r, "payload.reason", "invalid_payload"),
	    "node.event stats with no figures: invalid_payload (%s)", r ? r : "");
	free(r);
	r = call(node, "{\"type\":\"req\",\"id\":\"e\",\"method\":\"node.event\",\"params\":{\"event\":\"node.host.stats\","
	    "\"payloadJSON\":\" {\\\"cpuCount\\\":2,\\\"loadAverage\\\":[0.5,0.4,0.3]} \"}}");
	check(r && is(r, "payload.ok", "true") && is(r, "payload.event", "node.host.stats") &&
	    is(r, "payload.handled", "true") && is(r, "payload.reason", "updated"), "node.event stats: updated (%s)", r ? r : "");
	free(r);
	r = call(node, "{\"type\":\"req\",\"id\":\"e\",\"method\":\"node.event\",\"params\":{\"event\":\"x.y\"}}");
	check(r && is(r, "payload.handled", "false") && is(r, "payload.reason", "unsupported_event"),
	    "node.event of another kind: unsupported_event (%s)", r ? r : "");
	free(r);
	r = call(node, "{\"type\":\"req\",\"id\":\"i\",\"method\":\"node.runnerInventory.update\",\"params\":"
	    "{\"protocolFeatures\":[\"node-worker-supervisor-v6\"],\"workerHost\":{\"enabled\":false}}}");
	check(r && is(r, "payload.nodeId", dev(1)), "node.runnerInventory.update (%s)", r ? r : "");
	free(r);
	r = call(node, "{\"type\":\"req\",\"id\":\"s\",\"method\":\"node.skills.update\",\"params\":{\"skills\":[]}}");
	check(r && is(r, "payload.nodeId", dev(1)) && is(r, "payload.skills", "[]"), "node.skills.update");
	free(r);
	r = call(node, "{\"type\":\"req\",\"id\":\"t\",\"method\":\"node.pluginTools.update\",\"params\":{\"tools\":[]}}");
	check(r && is(r, "payload.nodeId", dev(1)) && is(r, "payload.tools", "[]"), "node.pluginTools.update");
	free(r);
	refused(node, "{\"type\":\"req\",\"id\":\"x\",\"method\":\"status\"}", "INVALID_REQUEST", "unauthorized role: node",
	    "an operator method from a node");
	refused(node, "{\"type\":\"req\",\"id\":\"x\",\"method\":\"node.pending.drain\",\"params\":{}}", "INVALID_REQUEST",
	    "unknown method: node.pending.drain", "a node method not served here");
	r = call(op, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\",\"params\":{}}");
	check(r && is(r, "payload.nodes.0.hostStats.cpuCount", "2") && jpath(r, "payload.nodes.0.hostStats.updatedAtMs")[0],
	    "node.list shows the host stats (%s)", r ? r : "");
	free(r);
	r = call(op, "{\"type\":\"req\",\"id\":\"p\",\"method\":\"system-presence\"}");
	check(r && strstr(r, ids("\"deviceId\":\"dev-1\"")) && strstr(r, "\"roles\":[\"node\"]"),
	    "presence lists the node (%.300s)", r ? r : "");
	free(r);

	/* the same node again: the newer connection wins, the older is closed */
	fd = open_node(1, "box one again");
	{
		unsigned char *p;
		size_t n;
		int opc;
		while ((opc = ws_recv(node, &p, &n)) == WS_TEXT)
			free(p);
		check(opc == WS_CLOSE && n > 2 && (p[0] << 8 | p[1]) == 1008,
		    "a node that connects again replaces its older connection (close 1008)");
		free(p);
	}
	close(node);
	r = call(op, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\",\"params\":{}}");
	check(r && is(r, "payload.nodes.0.nodeId", dev(1)) && is(r, "payload.nodes.0.connected", "true") &&
	    !strstr(strstr(r, dev(1)) + 1, dev(1)), "node.list: the node once, connected (%.300s)", r ? r : "");
	free(r);
	close(fd);
	close(op);
}

static void
invoking(void)
{
	char id[64], buf[1024], *r;
	int node, op, admin;

	node = open_node(2, "worker");
	op = open_operator("[\"operator.write\"]");

	/* the round trip */
	invoke(op, "inv1", "dev-2", "system.which", ",\"params\":{\"bins\":[\"sh\"]},\"timeoutMs\":600000");
	check(invoke_request(node, id, sizeof id, "{\"bins\":[\"sh\"]}"), "the node gets node.invoke.request, no seq");
	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"res1\",\"method\":\"node.invoke.result\",\"params\":{\"id\":\"%s\","
	    "\"nodeId\":\"dev-2\",\"ok\":true,\"payloadJSON\":\"{\\\"bins\\\":{\\\"sh\\\":\\\"/bin/sh\\\"}}\"}}", id);
	r = call(node, buf);
	check(r && is(r, "id", "res1") && is(r, "payload.ok", "true") && !strstr(r, "ignored"),
	    "the node's result is acknowledged (%s)", r ? r : "");
	free(r);
	r = next_text(op);
	check(r && is(r, "id", "inv1") && is(r, "ok", "true") && is(r, "payload.ok", "true") &&
	    is(r, "payload.nodeId", dev(2)) && is(r, "payload.command", "system.which") &&
	    is(r, "payload.payload.bins.sh", "/bin/sh") && is(r, "payload.payloadJSON", "{\"bins\":{\"sh\":\"/bin/sh\"}}"),
	    "the operator gets the payload, parsed and as JSON (%s)", r ? r : "");
	free(r);
	r = call(node, buf);
	check(r && is(r, "payload.ok", "true") && is(r, "payload.ignored", "true"), "the same result again: ignored");
	free(r);
	refused(node, "{\"type\":\"req\",\"id\":\"x\",\"method\":\"node.invoke.result\",\"params\":{\"id\":\"z\","
	    "\"nodeId\":\"dev-9\",\"ok\":true}}", "INVALID_REQUEST", "nodeId mismatch", "a result for another node id");

	/* a node's error, wrapped as the real gateway wraps it */
	invoke(op, "inv2", "dev-2", "system.run", "");
	check(invoke_request(node, id, sizeof id, "null"), "without params: paramsJSON null");
	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"res2\",\"method\":\"node.invoke.result\",\"params\":{\"id\":\"%s\","
	    "\"nodeId\":\"dev-2\",\"ok\":false,\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":\"bins required\"}}}", id);
	free(call(node, buf));
	r = next_text(op);
	check(r && is(r, "ok", "false") && is(r, "error.code", "UNAVAILABLE") &&
	    is(r, "error.message", "INVALID_REQUEST: bins required") && is(r, "error.details.nodeError.code", "INVALID_REQUEST") &&
	    is(r, "error.details.nodeCommandDispatched", "true"), "a node's error (%s)", r ? r : "");
	free(r);

	/* every refusal before the node is asked */
	invoke(op, "u", "nope", "system.which", "");
	r = next_text(op);
	check(r && is(r, "error.code", "UNAVAILABLE") && is(r, "error.message", "node pairing changed while invocation was active") &&
	    is(r, "error.retryable", "true") && is(r, "error.details.code", "PAIRING_CHANGED"), "an unknown node (%s)", r ? r : "");
	free(r);
	invoke(op, "a", "dev-2", "dir.list", "");
	r = next_text(op);
	check(r && is(r, "error.message", "node command not allowed: \"dir.list\" is not in the allowlist for platform \"linux\"") &&
	    is(r, "error.details.reason", "command not allowlisted") && is(r, "error.details.command", "dir.list"),
	    "a command the policy refuses (%s)", r ? r : "");
	free(r);
	invoke(op, "b", "dev-2", "system.notify", "");
	r = next_text(op);
	check(r && is(r, "error.message", "node command not allowed: the node (platform: linux) does not support \"system.notify\"") &&
	    is(r, "error.details.reason", "command not declared by node"), "a command the node did not declare (%s)", r ? r : "");
	free(r);
	invoke(op, "c", "dev-2", "camera.snap", "");
	r = next_text(op);
	check(r && is(r, "error.message", "node command not allowed: \"camera.snap\" requires explicit gateway.nodes.commands.allow opt-in"),
	    "a dangerous command (%s)", r ? r : "");
	free(r);
	refused(op, "{\"type\":\"req\",\"id\":\"e\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":\"dev-2\",\"command\":"
	    "\"system.execApprovals.get\",\"idempotencyKey\":\"k\"}}", "INVALID_REQUEST",
	    "node.invoke does not allow system.execApprovals.*; use exec.approvals.node.*", "exec approvals");
	refused(op, "{\"type\":\"req\",\"id\":\"f\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":\"dev-2\",\"command\":"
	    "\"worker.launch.v1\",\"idempotencyKey\":\"k\"}}", "INVALID_REQUEST",
	    "node.invoke does not allow private node controls", "a private control");
	refused(op, "{\"type\":\"req\",\"id\":\"g\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":\"x\"}}", "INVALID_REQUEST",
	    "invalid node.invoke params: must have required property 'command'; must have required property 'idempotencyKey'",
	    "node.invoke without command");
	refused(op, "{\"type\":\"req\",\"id\":\"h\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":\"x\",\"command\":\"c\","
	    "\"idempotencyKey\":\"k\",\"extra\":1}}", "INVALID_REQUEST",
	    "invalid node.invoke params: at root: unexpected property 'extra'", "node.invoke with an unknown key");

	/* the timeout is the caller's own: the node never answers */
	invoke(op, "slow", "dev-2", "system.which", ",\"timeoutMs\":50");
	check(invoke_request(node, id, sizeof id, "null"), "the slow one reaches the node");
	r = next_text(op);
	check(r && is(r, "id", "slow") && is(r, "error.code", "UNAVAILABLE") &&
	    is(r, "error.message", "TIMEOUT: node invoke timed out"), "no answer by timeoutMs: TIMEOUT (%s)", r ? r : "");
	free(r);

	/* the node goes mid-invoke: answered at once, nothing waits for a timeout */
	invoke(op, "gone", "dev-2", "system.run", ",\"timeoutMs\":600000");
	check(invoke_request(node, id, sizeof id, "null"), "the last one reaches the node");
	close(node);
	r = next_text(op);
	check(r && is(r, "id", "gone") && is(r, "error.message", "DISCONNECTED: node disconnected (system.run)") &&
	    is(r, "error.details.nodeError.code", "DISCONNECTED"), "the node disconnects: answered at once (%s)", r ? r : "");
	free(r);

	/* an admin may invoke an admin-only command */
	node = open_node(3, "third");
	admin = open_operator("[\"operator.admin\"]");
	invoke(admin, "adm", "dev-3", "fs.listDir", ",\"params\":{\"path\":\"/\"}");
	check(invoke_request(node, id, sizeof id, "{\"path\":\"/\"}"), "fs.listDir with operator.admin reaches the node");
	close(node);
	free(next_text(admin));
	close(admin);
	close(op);
}

/* INVOKES_PER_NODE waiting on one node: one more is refused; the node goes, all are answered */
/*
 * Bug: params or a result over about 1 MiB overflowed the reply buffer: the
 * node was told ok and the operator never heard, or waited out timeoutMs.
 * Now a relay of any size a client may have queued is carried, a larger
 * one is refused at once, and a node's error is cut between characters.
 */
static void
big_relays(void)
{
	enum { BIG = 3 << 20, DEL = 8 << 20 };
	char id[64], *buf = malloc(DEL + 4096), *r;
	uint32_t st;
	size_t n;
	int node = open_node(5, "big"), op = open_operator("[\"operator.write\"]"), k;

	n = (size_t)sprintf(buf, "{\"type\":\"req\",\"id\":\"big1\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":"
	    "\"%s\",\"command\":\"system.run\",\"idempotencyKey\":\"kb1\",\"params\":{\"blob\":\"", dev(5));
	memset(buf + n, 'x', BIG);
	strcpy(buf + n + BIG, "\"}}}");
	send_text(op, buf);
	r = next_text(node);
	check(r && is(r, "event", "node.invoke.request") && strlen(r) > BIG, "params of 3 MiB reach the node (%zu bytes)",
	    r ? strlen(r) : 0);
	snprintf(id, sizeof id, "%s", r ? jpath(r, "payload.id") : "");
	free(r);
	n = (size_t)sprintf(buf, "{\"type\":\"req\",\"id\":\"rb1\",\"method\":\"node.invoke.result\",\"params\":{\"id\":\"%s\","
	    "\"nodeId\":\"%s\",\"ok\":true,\"payload\":{\"out\":\"", id, dev(5));
	memset(buf + n, 'y', BIG);
	strcpy(buf + n + BIG, "\"}}}");
	r = call(node, buf);
	check(r && is(r, "payload.ok", "true"), "the node's result of 3 MiB is acknowledged");
	free(r);
	r = next_text(op);
	check(r && strstr(r, "\"id\":\"big1\",\"ok\":true") && strlen(r) > 2 * BIG,
	    "and reaches the operator, as payload and payloadJSON (%zu bytes)", r ? strlen(r) : 0);
	free(r);
	/* 8 MiB of DEL (0x7f): payloadJSON would be six times that */
	invoke(op, "big2", "dev-5", "system.run", "");
	check(invoke_request(node, id, sizeof id, "null"), "the node gets the next request");
	n = (size_t)sprintf(buf, "{\"type\":\"req\",\"id\":\"rb2\",\"method\":\"node.invoke.result\",\"params\":{\"id\":\"%s\","
	    "\"nodeId\":\"%s\",\"ok\":true,\"payload\":\"", id, dev(5));
	memset(buf + n, 0x7f, DEL);
	strcpy(buf + n + DEL, "\"}}");
	free(call(node, buf));
	r = next_text(op);
	check(r && is(r, "id", "big2") && is(r, "ok", "false") &&
	    !strncmp(jpath(r, "error.message"), "payload too large: the relayed result would be ", 47),
	    "a result whose relay passes what a client may have queued: refused at once (%.200s)", r ? r : "");
	free(r);
	/* a node's error of 600 bytes, each character two */
	invoke(op, "big3", "dev-5", "system.run", "");
	check(invoke_request(node, id, sizeof id, "null"), "and the next");
	n = (size_t)sprintf(buf, "{\"type\":\"req\",\"id\":\"rb3\",\"method\":\"node.invoke.result\",\"params\":{\"id\":\"%s\","
	    "\"nodeId\":\"%s\",\"ok\":false,\"error\":{\"code\":\"E\",\"message\":\"", id, dev(5));
	for (k = 0; k < 300; k++)
		n += (size_t)sprintf(buf + n, "\xc3\xa9");
	strcpy(buf + n, "\"}}}");
	free(call(node, buf));
	r = next_text(op);
	st = r ? utf8_step(UTF8_ACCEPT, (const unsigned char *)r, strlen(r)) : UTF8_REJECT;
	check(r && st == UTF8_ACCEPT && strlen(jpath(r, "error.details.nodeError.message")) == NODE_ERROR_MAX - 2,
	    "a node's error of 600 bytes is relayed cut between characters, in valid UTF-8 (%zu bytes)",
	    r ? strlen(jpath(r, "error.details.nodeError.message")) : 0);
	free(r);
	close(node);
	close(op);
	free(buf);
}

/* n invokes on dev-4 from op, pipelined, ids prefix0..prefix<n-1> */
static void
pipeline(int op, const char *prefix, int n)
{
	static unsigned char all[INVOKES_PER_CALLER * 300];
	char req[256];
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(req, sizeof req, "{\"type\":\"req\",\"id\":\"%s%d\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":"
		    "\"%s\",\"command\":\"system.which\",\"idempotencyKey\":\"%s%d\"}}", prefix, i, dev(4), prefix, i);
		len += ws_frame(all + len, 0x80 | WS_TEXT, req, strlen(req));
		if (len > sizeof all - 400) {
			send_all(op, all, len);
			len = 0;
		}
	}
	send_all(op, all, len);
}

/* the next reply on fd is the refusal of this id with this message */
static void
refused_as(int fd, const char *id, const char *message, const char *what)
{
	char *r = next_text(fd);

	check(r && is(r, "id", id) && is(r, "error.code", "UNAVAILABLE") && is(r, "error.message", message),
	    "%s: refused \"%s\" (%s)", what, message, r ? r : "");
	free(r);
}

/*
 * Invokes waiting are bounded per operator connection, per node and in
 * all; past a bound the invoke is refused at once. One operator cannot
 * take a node's slots from the others (it was: 4,096 waiting invokes from
 * one operator refused everyone else).
 */
static void
limits(void)
{
	enum { OPS = INVOKES_PER_NODE / INVOKES_PER_CALLER };
	char *r, id[16];
	int node, op[OPS + 1], i, answered = 0, requests = 0;

	node = open_node(4, "busy");
	for (i = 0; i <= OPS; i++)
		op[i] = open_operator("[\"operator.write\"]");
	pipeline(op[0], "p", INVOKES_PER_CALLER + 1);
	snprintf(id, sizeof id, "p%d", INVOKES_PER_CALLER);
	refused_as(op[0], id, "too many invokes waiting for this connection; try again later",
	    "an operator's invoke past INVOKES_PER_CALLER");
	for (i = 1; i < OPS; i++)
		pipeline(op[i], "q", INVOKES_PER_CALLER);
	pipeline(op[OPS], "x", 1);
	refused_as(op[OPS], "x0", "too many invokes waiting on this node; try again later",
	    "another operator's invoke past INVOKES_PER_NODE on one node");
	while (requests < INVOKES_PER_NODE && (r = next_text(node)) != NULL) {
		requests += strstr(r, "node.invoke.request") != NULL;
		free(r);
	}
	check(requests == INVOKES_PER_NODE, "the node got %d requests, from %d operators", requests, OPS);
	close(node);
	for (i = 0; i < OPS; i++)
		while (answered < (i + 1) * INVOKES_PER_CALLER && (r = next_text(op[i])) != NULL) {
			answered += strstr(r, "DISCONNECTED") != NULL;
			free(r);
		}
	check(answered == INVOKES_PER_NODE, "the node goes: all %d waiting invokes answered at once", answered);
	r = call(op[OPS], "{\"type\":\"req\",\"id\":\"h\",\"method\":\"health\"}");
	check(r && is(r, "payload.ok", "true"), "and the gateway goes on");
	free(r);
	for (i = 0; i <= OPS; i++)
		close(op[i]);
}

/* the real node host's declaration (2026.9.6 on Linux), as node %d with a signed device member */
static const char real_node[] =
    "{\"type\":\"req\",\"id\":\"n\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,\"maxProtocol\":4,"
    "\"client\":{\"id\":\"node-host\",\"displayName\":\"node %d\",\"version\":\"2026.9.6\",\"platform\":\"linux\","
    "\"deviceFamily\":\"Linux\",\"mode\":\"node\",\"instanceId\":\"8037c669-4160-4b15-97a9-0ed39b21b764\"},"
    "\"caps\":[\"browser\",\"file\",\"local-inference\",\"mcp\",\"system\"],\"commands\":[\"browser.proxy\","
    "\"browser.proxy.upload.v1\",\"desktop.stream\",\"dir.fetch\",\"dir.list\",\"file.create\",\"file.fetch\","
    "\"file.stat\",\"file.write\",\"fs.listDir\",\"mcp.tools.call.v1\",\"ollama.chat\",\"ollama.models\","
    "\"system.execApprovals.get\",\"system.execApprovals.set\",\"system.run\",\"system.run.prepare\",\"system.which\","
    "\"terminal.upload\",\"workspace.memory\",\"workspace.skills\"],\"pathEnv\":\"/usr/local/sbin:/usr/local/bin:"
    "/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games:/snap/bin:/opt/node/bin:/home/user/.local/bin\","
    "\"role\":\"node\",\"scopes\":[]%s}}";

/* the largest declaration allowed: 64 caps of 127 bytes, a PATH of 4 KiB, every command the policy allows */
static char *
largest_node(int k, const char *member)
{
	static const char *const cmds[] = { "system.run.prepare", "system.run", "system.which", "fs.listDir",
		"terminal.upload", "browser.proxy", "browser.proxy.upload.v1", "mcp.tools.call.v1", "agent.cli.claude.run.v1",
		"screen.snapshot", "desktop.stream", "ollama.chat", "ollama.models", "system.notify", "computer.act" };
	static char buf[32768];
	size_t n, i;

	n = (size_t)snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"n\",\"method\":\"connect\",\"params\":"
	    "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"node-host\",\"displayName\":\"big %d\","
	    "\"version\":\"1\",\"platform\":\"linux\",\"deviceFamily\":\"Linux\",\"mode\":\"node\"},\"caps\":[", k);
	for (i = 0; i < NODE_CAPS_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"%03d%0124d\"", i ? "," : "", (int)i, 0);
	n += (size_t)snprintf(buf + n, sizeof buf - n, "],\"commands\":[");
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"%s\"", i ? "," : "", cmds[i]);
	n += (size_t)snprintf(buf + n, sizeof buf - n, "],\"pathEnv\":\"");
	memset(buf + n, 'p', NODE_PATH_MAX - 2);
	n += NODE_PATH_MAX - 2;
	snprintf(buf + n, sizeof buf - n, "\",\"role\":\"node\",\"scopes\":[]%s}}", member);
	return buf;
}

/* a node whose caps are each 127 control characters (\u0001), so they take six times that escaped */
static char *
escaped_node(const char *member)
{
	static char buf[NODE_CAPS_MAX * (NODE_NAME_MAX * 6 + 4) + 512];
	size_t n, i, k;

	n = (size_t)snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"n\",\"method\":\"connect\",\"params\":"
	    "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"node-host\",\"version\":\"1\","
	    "\"platform\":\"linux\",\"mode\":\"node\"},\"caps\":[");
	for (i = 0; i < NODE_CAPS_MAX; i++) {
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"%02x", i ? "," : "", (unsigned)i);
		for (k = 0; k < NODE_NAME_MAX - 3; k++)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "\\u0001");
		n += (size_t)snprintf(buf + n, sizeof buf - n, "\"");
	}
	snprintf(buf + n, sizeof buf - n, "],\"role\":\"node\",\"scopes\":[]%s}}", member);
	return buf;
}

/* the memory budget in use, as status says it */
static long
budget_used(int op)
{
	char *r = call(op, "{\"type\":\"req\",\"id\":\"s\",\"method\":\"status\"}");
	long used = r ? atol(jpath(r, "payload.daemon.memoryUsed")) : -1;

	free(r);
	return used;
}

/*
 * NODES_MAX nodes of this declaration, connected; the memory each costs, in
 * bytes, or -1 if it cannot be told; in *budget, how much of that the
 * memory budget counts (op asks status)
 */
static long
nodes_cost(pid_t pid, int largest, int *fds, int op, long *budget)
{
	char buf[4096], member[512], *r;
	long before = proc_kib(pid, "VmRSS"), after, used = budget_used(op);
	int i, ok = 0;

	for (i = 0; i < NODES_MAX; i++) {
		fds[i] = ws_open(port);
		signed_member(member, sizeof member, fds[i], 100 + i, "linux");      /* keys 100 on: the memory test's */
		if (largest)
			send_text(fds[i], largest_node(i, member));
		else {
			snprintf(buf, sizeof buf, real_node, i, member);
			send_text(fds[i], buf);
		}
		r = next_text(fds[i]);
		ok += r && is(r, "payload.type", "hello-ok");
		free(r);
	}
	after = proc_kib(pid, "VmRSS");
	check(ok == NODES_MAX, "%d nodes with %s registered", ok, largest ? "the largest declaration" :
	    "the real node host's declaration");
	*budget = (budget_used(op) - used) / NODES_MAX;
	return before < 0 ? -1 : (after - before) * 1024 / NODES_MAX;
}

/*
 * Bug: 45 nodes with large caps pushed node.list past the reply buffer, and
 * it was never answered again; 600 nodes took 53 KB each. Now a node's
 * declaration is bounded, as are the nodes (so node.list of them all
 * fits), their data is counted in the memory budget, and a node past the
 * bound is refused at once.
 */
static void
memory(pid_t pid)
{
	static int fds[NODES_MAX];
	const int checker = getenv("GATEWAY_UNDER_VALGRIND") || getenv("GATEWAY_SANITIZED") || getenv("GATEWAY_EMULATED");
	char member[512], *r;
	long real, big, real_budget, big_budget;
	int i, op, late;

	op = open_operator("[\"operator.read\"]");
	real = nodes_cost(pid, 0, fds, op, &real_budget);
	for (i = 0; i < NODES_MAX; i++)
		close(fds[i]);
	while ((r = call(op, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\"}")) != NULL &&
	    strstr(r, "\"connected\":true"))
		free(r);                        /* until the closes are done (paired, they stay listed) */
	free(r);
	big = nodes_cost(pid, 1, fds, op, &big_budget);
	r = call(op, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\"}");
	check(r && strlen(r) < JSON_OUT_MAX && is(r, "ok", "true") && strstr(r, "\"big 63\""),
	    "node.list of %d nodes with the largest declaration is answered (%zu bytes)", NODES_MAX, r ? strlen(r) : 0);
	free(r);
	late = ws_open(port);
	signed_member(member, sizeof member, late, 100 + NODES_MAX, "linux");
	send_text(late, largest_node(NODES_MAX, member));
	r = next_text(late);
	check(r && is(r, "error.code", "UNAVAILABLE") && is(r, "error.message", "too many nodes; try again later"),
	    "node %d: refused at once (%s)", NODES_MAX + 1, r ? r : "");
	free(r);
	check(close_with_reason(late, 1013, "too many nodes; try again later"), "and closed 1013");
	close(late);
	for (i = 0; i < NODES_MAX; i++)
		close(fds[i]);
	/* caps of 127 control characters each: 762 bytes each escaped, far past NODE_DECL_MAX */
	late = ws_open(port);
	signed_member(member, sizeof member, late, 100 + NODES_MAX + 1, "");
	send_text(late, escaped_node(member));
	r = next_text(late);
	check(r && strstr(jpath(r, "error.message"), "must not take more than"), "a declaration over %d bytes escaped is "
	    "refused: %.200s", NODE_DECL_MAX, r ? jpath(r, "error.message") : "");
	free(r);
	close(late);
	close(op);
	if (checker || real < 0)
		printf("skipped: memory per node, which a checker, an emulator or a system without /proc does not show truly\n");
	else {
		printf("memory per registered node: %ld bytes with the real node host's declaration (%ld in the memory budget),"
		    " %ld with the largest allowed (%ld in the budget; %d nodes each)\n", real, real_budget, big, big_budget,
		    NODES_MAX);
		check(real <= 6144, "a node with the real declaration, its device record and its pending approval "
		    "cost at most 6 KiB: %ld bytes", real);
		check(big <= 24576, "a node with the largest declaration costs at most 24 KiB: %ld bytes", big);
		/* outside the budget: the device table, bounded by DEVICES_MAX (the README's bound) */
		check(big - big_budget <= (long)sizeof(struct paired) + 2 * NODE_DECL_MAX + 4096,
		    "what the budget does not count of a node (%ld bytes) is its device record and node surfaces, within "
		    "their bound of %ld bytes", big - big_budget, (long)sizeof(struct paired) + 2 * NODE_DECL_MAX + 4096);
	}
}

void
nodes_tests(void)
{
	struct gw g;
	const char *args[] = { NULL };

	port = free_port();
	if (!gw_start(&g, port, args)) {
		check(0, "protocol gateway starts: %s", g.log);
		return;
	}
	memory(g.pid);
	registering();
	invoking();
	limits();
	big_relays();
	check(gw_stop(&g) == 0, "protocol gateway stops");
}
