/* the node broker against the daemon: a node and an operator, as raw frames */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc.h"        /* UUID_LEN */
#include "t.h"

#define port proto_port

static const char node_connect[] =
    "{\"type\":\"req\",\"id\":\"n1\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,\"maxProtocol\":4,"
    "\"client\":{\"id\":\"node-host\",\"displayName\":\"%s\",\"version\":\"2026.9.6\",\"platform\":\"linux\","
    "\"deviceFamily\":\"Linux\",\"mode\":\"node\"},\"caps\":[\"system\",\"browser\",\"system\"],"
    "\"commands\":[\"system.which\",\"system.run\",\"fs.listDir\",\"dir.list\",\"workspace.memory\",\"system.which\"],"
    "\"pathEnv\":\"/usr/bin:/bin\",\"role\":\"node\",\"scopes\":[]%s}}";
static const char device_tpl[] =
    ",\"device\":{\"id\":\"%s\",\"publicKey\":\"k\",\"signature\":\"s\",\"signedAt\":1,\"nonce\":\"n\"}";

/* a node with this device id, connected and greeted */
static int
open_node(const char *id, const char *name)
{
	char buf[2048], dev[256], *r;
	int fd = open_challenged(NULL);

	snprintf(dev, sizeof dev, device_tpl, id);
	snprintf(buf, sizeof buf, node_connect, name, dev);
	send_text(fd, buf);
	r = next_text(fd);
	check(r && is(r, "payload.type", "hello-ok") && is(r, "payload.auth.role", "node") &&
	    is(r, "payload.auth.scopes", "[]"), "node %s: hello-ok, role node, no scopes (%.200s)", id, r ? r : "");
	free(r);
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
	send_text(op, buf);
}

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
	char *r = call(op, req);

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

	node = open_node("dev-1", "box one");
	op = open_operator("[\"operator.read\"]");
	r = call(op, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\",\"params\":{}}");
	check(r && is(r, "payload.nodes.0.nodeId", "dev-1") && is(r, "payload.nodes.0.displayName", "box one") &&
	    is(r, "payload.nodes.0.platform", "linux") && is(r, "payload.nodes.0.clientId", "node-host") &&
	    is(r, "payload.nodes.0.connected", "true") && is(r, "payload.nodes.0.paired", "true") &&
	    is(r, "payload.nodes.0.caps", "[\"system\",\"browser\"]") &&
	    is(r, "payload.nodes.0.commands", "[\"system.which\",\"system.run\",\"fs.listDir\"]") &&
	    is(r, "payload.nodes.0.pathEnv", "/usr/bin:/bin") && jpath(r, "payload.nodes.0.connectedAtMs")[0],
	    "node.list: the node, its caps, and only the commands the policy allows (%s)", r ? r : "");
	free(r);
	r = call(op, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"node.describe\",\"params\":{\"nodeId\":\"dev-1\"}}");
	check(r && is(r, "payload.nodeId", "dev-1") && jpath(r, "payload.ts")[0], "node.describe (%s)", r ? r : "");
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
	check(r && is(r, "payload.nodeId", "dev-1"), "node.runnerInventory.update (%s)", r ? r : "");
	free(r);
	r = call(node, "{\"type\":\"req\",\"id\":\"s\",\"method\":\"node.skills.update\",\"params\":{\"skills\":[]}}");
	check(r && is(r, "payload.nodeId", "dev-1") && is(r, "payload.skills", "[]"), "node.skills.update");
	free(r);
	r = call(node, "{\"type\":\"req\",\"id\":\"t\",\"method\":\"node.pluginTools.update\",\"params\":{\"tools\":[]}}");
	check(r && is(r, "payload.nodeId", "dev-1") && is(r, "payload.tools", "[]"), "node.pluginTools.update");
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
	check(r && strstr(r, "\"deviceId\":\"dev-1\"") && strstr(r, "\"roles\":[\"node\"]"),
	    "presence lists the node (%.300s)", r ? r : "");
	free(r);

	/* the same node again: the newer connection wins, the older is closed */
	fd = open_node("dev-1", "box one again");
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
	check(r && is(r, "payload.nodes.0.displayName", "box one again") && !strstr(r, "\"displayName\":\"box one\""),
	    "node.list: only the newer one (%s)", r ? r : "");
	free(r);
	close(fd);
	close(op);
}

static void
invoking(void)
{
	char id[64], buf[1024], *r;
	int node, op, admin;

	node = open_node("dev-2", "worker");
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
	    is(r, "payload.nodeId", "dev-2") && is(r, "payload.command", "system.which") &&
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
	node = open_node("dev-3", "third");
	admin = open_operator("[\"operator.admin\"]");
	invoke(admin, "adm", "dev-3", "fs.listDir", ",\"params\":{\"path\":\"/\"}");
	check(invoke_request(node, id, sizeof id, "{\"path\":\"/\"}"), "fs.listDir with operator.admin reaches the node");
	close(node);
	free(next_text(admin));
	close(admin);
	close(op);
}

/* INVOKES_PER_NODE waiting on one node: one more is refused; the node goes, all are answered */
static void
limits(void)
{
	static unsigned char all[INVOKES_PER_NODE * 160];
	char req[192], *r;
	int node, op, i, answered = 0, requests = 0;
	size_t n = 0;

	node = open_node("dev-4", "busy");
	op = open_operator("[\"operator.write\"]");
	for (i = 0; i <= INVOKES_PER_NODE; i++) {
		snprintf(req, sizeof req, "{\"type\":\"req\",\"id\":\"p%d\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":"
		    "\"dev-4\",\"command\":\"system.which\",\"idempotencyKey\":\"k%d\"}}", i, i);
		n += ws_frame(all + n, 0x80 | WS_TEXT, req, strlen(req));
		if (n > sizeof all - 200) {
			send_all(op, all, n);
			n = 0;
		}
	}
	send_all(op, all, n);
	r = next_text(op);
	check(r && is(r, "id", "p1024") && is(r, "error.code", "UNAVAILABLE") &&
	    is(r, "error.message", "too many invokes waiting on this node; try again later"),
	    "invoke %d on one node: refused (%s)", INVOKES_PER_NODE + 1, r ? r : "");
	free(r);
	while (requests < INVOKES_PER_NODE && (r = next_text(node)) != NULL) {
		requests += strstr(r, "node.invoke.request") != NULL;
		free(r);
	}
	check(requests == INVOKES_PER_NODE, "the node got %d requests", requests);
	close(node);
	while (answered < INVOKES_PER_NODE && (r = next_text(op)) != NULL) {
		answered += strstr(r, "DISCONNECTED") != NULL;
		free(r);
	}
	check(answered == INVOKES_PER_NODE, "the node goes: all %d waiting invokes answered at once", answered);
	r = call(op, "{\"type\":\"req\",\"id\":\"h\",\"method\":\"health\"}");
	check(r && is(r, "payload.ok", "true"), "and the gateway goes on");
	free(r);
	close(op);
}

/* what a registered node costs: as many as the real node host's declaration, before and after */
#define MEMORY_NODES 200
static void
memory(pid_t pid)
{
	static const char big[] =
	    "{\"type\":\"req\",\"id\":\"n\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,\"maxProtocol\":4,"
	    "\"client\":{\"id\":\"node-host\",\"displayName\":\"node %d\",\"version\":\"2026.9.6\",\"platform\":\"linux\","
	    "\"deviceFamily\":\"Linux\",\"mode\":\"node\",\"instanceId\":\"8037c669-4160-4b15-97a9-0ed39b21b764\"},"
	    "\"caps\":[\"browser\",\"file\",\"local-inference\",\"mcp\",\"system\"],\"commands\":[\"browser.proxy\","
	    "\"browser.proxy.upload.v1\",\"desktop.stream\",\"dir.fetch\",\"dir.list\",\"file.create\",\"file.fetch\","
	    "\"file.stat\",\"file.write\",\"fs.listDir\",\"mcp.tools.call.v1\",\"ollama.chat\",\"ollama.models\","
	    "\"system.execApprovals.get\",\"system.execApprovals.set\",\"system.run\",\"system.run.prepare\",\"system.which\","
	    "\"terminal.upload\",\"workspace.memory\",\"workspace.skills\"],\"pathEnv\":\"/usr/local/sbin:/usr/local/bin:"
	    "/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games:/snap/bin:/opt/node/bin:/home/user/.local/bin\","
	    "\"role\":\"node\",\"scopes\":[],\"device\":{\"id\":\"5ce3a327972bb7f06a6c3bcd19c052f4a2af37507910c2e4e32dc9cef4%04d\","
	    "\"publicKey\":\"Dp_IcjPDiIUBAHiKpKxbOA5RhkHjeVVW57A3oKAwp8U\",\"signature\":\"qpcqhb0SstwiRuA2jdlLAlJfemG8YIzIB"
	    "oB23qN3c9xQP9sga2FSAHXHlsXl75vspI6kmLmiZMr0VKATdsPADg\",\"signedAt\":1795688710979,\"nonce\":\"n\"}}}";
	static int fds[MEMORY_NODES];
	char buf[4096], *r;
	long before, after;
	int i, ok = 0;

	before = proc_kib(pid, "VmRSS");
	for (i = 0; i < MEMORY_NODES; i++) {
		fds[i] = open_challenged(NULL);
		snprintf(buf, sizeof buf, big, i, i);
		send_text(fds[i], buf);
		r = next_text(fds[i]);
		ok += r && is(r, "payload.type", "hello-ok");
		free(r);
	}
	after = proc_kib(pid, "VmRSS");
	check(ok == MEMORY_NODES, "%d nodes with the real node host's declaration registered", ok);
	if (getenv("GATEWAY_UNDER_VALGRIND") || getenv("GATEWAY_SANITIZED") || getenv("GATEWAY_EMULATED") || before < 0)
		printf("skipped: memory per node, which a checker, an emulator or a system without /proc does not show truly\n");
	else {
		printf("memory per registered node: %ld bytes (RSS %ld -> %ld KiB for %d nodes)\n",
		    (after - before) * 1024 / MEMORY_NODES, before, after, MEMORY_NODES);
		check((after - before) * 1024 / MEMORY_NODES <= 4096, "a registered node costs at most 4 KiB: %ld bytes",
		    (after - before) * 1024 / MEMORY_NODES);
	}
	for (i = 0; i < MEMORY_NODES; i++)
		close(fds[i]);
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
	check(gw_stop(&g) == 0, "protocol gateway stops");
}
