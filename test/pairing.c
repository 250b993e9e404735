/*
 * Device identities, pairing and node approval against the daemon, with
 * signed device blocks (test/sign.c): the proof's answers, a forged node,
 * a node from first connect to approval, its device token, reapproval,
 * rejection, removal, and the state file across restarts, SIGKILL and
 * damage.
 */
#include <sys/stat.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

#define port proto_port
#define TOKEN PAIRING_TOKEN
#define AUTH PAIRING_AUTH

static char dir[64], state_path[128];

const char *
id_of(int n)
{
	static char id[8][65];
	static int next;
	unsigned char seed[32], pk[32];
	char *out = id[next++ % 8];

	test_key(n, seed, pk, out);
	return out;
}

/*
 * A node of test key n connects: commands (JSON), auth (members). The
 * device block is signed over what the connect says, unless the forgery
 * (a key, a nonce, a time, a claimed id) says otherwise. keyed_send sends
 * the connect; keyed_connect also reads the reply (hello-ok or refusal).
 */
int
keyed_send(int n, const char *name, const char *commands, const char *auth, const struct forge *f)
{
	char buf[8192], member[1024], token[64] = "", *c;
	const char *t;
	int fd = ws_open(port);

	c = next_text(fd);
	if ((t = strstr(auth, "\"token\":\"")) != NULL || (t = strstr(auth, "\"deviceToken\":\"")) != NULL) {
		t = strchr(t, ':') + 2;         /* the token signed: auth.token, else auth.deviceToken */
		snprintf(token, sizeof token, "%.*s", (int)strcspn(t, "\""), t);
	}
	test_device(member, sizeof member, f ? f->key : n, f && f->nonce ? f->nonce : c ? jpath(c, "payload.nonce") : "",
	    "node-host", "node", "node", "", token, "linux", "linux", f && f->at ? f->at : unix_now(), 0);
	free(c);
	if (f && f->claim)
		memcpy(strstr(member, "\"id\":\"") + 6, f->claim, 64);
	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"n\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"node-host\",\"displayName\":\"%s\",\"version\":\"2026.9.6\","
	    "\"platform\":\"linux\",\"deviceFamily\":\"Linux\",\"mode\":\"node\"},\"caps\":[\"system\"],\"commands\":%s,"
	    "\"role\":\"node\",\"scopes\":[]%s%s}}", name, commands, auth, member);
	send_text(fd, buf);
	return fd;
}

int
keyed_connect(int n, const char *name, const char *commands, const char *auth, const struct forge *f, char **reply)
{
	int fd = keyed_send(n, name, commands, auth, f);

	*reply = next_text(fd);
	return fd;
}

int
operator(const char *scopes)
{
	char buf[1024], *r;
	int fd = open_challenged(NULL);

	connect_as(buf, sizeof buf, "cli", "cli", "operator", scopes, AUTH);
	send_text(fd, buf);
	r = next_text(fd);
	check(r && is(r, "payload.type", "hello-ok") && is(r, "payload.auth.method", "token"), "operator %s connects",
	    scopes);
	free(r);
	return fd;
}

/* the next frame on fd that is not presence */
char *
next_not_presence(int fd)
{
	char *r;

	while ((r = next_text(fd)) != NULL && strstr(r, "\"event\":\"presence\""))
		free(r);
	return r;
}

/* the pending request id of key n's node, as node.pair.list shows it to op ("" if none) */
const char *
request_of(int op, int n)
{
	static char req[40];
	char *r = call(op, "{\"type\":\"req\",\"id\":\"pl\",\"method\":\"node.pair.list\",\"params\":{}}");
	const char *p;

	req[0] = '\0';
	for (p = r; p && (p = strstr(p, "{\"requestId\":\"")) != NULL; p++)
		if (strncmp(p + 62, id_of(n), 64) == 0)
			snprintf(req, sizeof req, "%.36s", p + 14);
	free(r);
	return req;
}

char *
request(int fd, const char *method, const char *key, const char *value)
{
	char buf[512];

	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"q\",\"method\":\"%s\",\"params\":{\"%s\":\"%s\"}}", method, key,
	    value);
	return call(fd, buf);
}

void
invoke_round_trip(int op, int node, int n, const char *what)
{
	char buf[512], *r;

	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"i\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":\"%s\","
	    "\"command\":\"system.which\",\"params\":{\"bins\":[\"sh\"]},\"idempotencyKey\":\"k\"}}", id_of(n));
	send_text(op, buf);
	r = next_text(node);
	check(r && is(r, "event", "node.invoke.request"), "%s: the invoke reaches the node (%.200s)", what, r ? r : "");
	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"res\",\"method\":\"node.invoke.result\",\"params\":{\"id\":"
	    "\"%s\",\"nodeId\":\"%s\",\"ok\":true,\"payloadJSON\":\"{\\\"sh\\\":\\\"/bin/sh\\\"}\"}}",
	    r ? jpath(r, "payload.id") : "", id_of(n));
	free(r);
	free(call(node, buf));
	r = next_not_presence(op);
	check(r && is(r, "id", "i") && is(r, "payload.payload.sh", "/bin/sh"), "%s: and its answer comes back (%.200s)",
	    what, r ? r : "");
	free(r);
}

/* the device proof's answers, each an INVALID_REQUEST with details, then close 1008 with the message */
static void
proofs(void)
{
	static const struct { struct forge f; const char *message, *code, *reason; } v[] = {
		{ { 1, NULL, 0, "0000000000000000000000000000000000000000000000000000000000000000" },
		  "device identity mismatch", "DEVICE_AUTH_DEVICE_ID_MISMATCH", "device-id-mismatch" },
		{ { 1, NULL, 1000, NULL }, "device signature expired", "DEVICE_AUTH_SIGNATURE_EXPIRED",
		  "device-signature-stale" },
		{ { 1, "  ", 0, NULL }, "device nonce required", "DEVICE_AUTH_NONCE_REQUIRED", "device-nonce-missing" },
		{ { 1, "a-nonce-of-another-connection", 0, NULL }, "device nonce mismatch", "DEVICE_AUTH_NONCE_MISMATCH",
		  "device-nonce-mismatch" },
	};
	char *r;
	size_t i;
	int fd;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		fd = keyed_connect(1, "proof", "[]", AUTH, &v[i].f, &r);
		check(r && is(r, "ok", "false") && is(r, "error.code", "INVALID_REQUEST") &&
		    is(r, "error.message", v[i].message) && is(r, "error.details.code", v[i].code) &&
		    is(r, "error.details.reason", v[i].reason), "device proof over the wire: \"%s\" (%.200s)", v[i].message,
		    r ? r : "");
		free(r);
		check(close_with_reason(fd, 1008, v[i].message), "and close 1008 \"%s\"", v[i].message);
		close(fd);
	}
	/* signed by key 2 but sent with key 1: the signature is not the key's */
	{
		struct forge f = { 1, NULL, 0, NULL };
		char buf[8192], member[1024], other[1024], *c;
		fd = ws_open(port);
		c = next_text(fd);
		test_device(member, sizeof member, 1, jpath(c, "payload.nonce"), "node-host", "node", "node", "", TOKEN,
		    "linux", "linux", unix_now(), 0);
		test_device(other, sizeof other, 2, jpath(c, "payload.nonce"), "node-host", "node", "node", "", TOKEN,
		    "linux", "linux", unix_now(), 0);
		free(c);
		memcpy(strstr(member, "\"signature\":\"") + 13, strstr(other, "\"signature\":\"") + 13, 86);
		snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"n\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
		    "\"maxProtocol\":4,\"client\":{\"id\":\"node-host\",\"version\":\"1\",\"platform\":\"linux\","
		    "\"deviceFamily\":\"Linux\",\"mode\":\"node\"},\"role\":\"node\",\"scopes\":[]" AUTH "%s}}", member);
		send_text(fd, buf);
		r = next_text(fd);
		check(r && is(r, "error.message", "device signature invalid") &&
		    is(r, "error.details.code", "DEVICE_AUTH_SIGNATURE_INVALID") && is(r, "error.details.reason",
		    "device-signature"), "another key's signature: \"device signature invalid\" (%.200s)", r ? r : "");
		free(r);
		close(fd);
		(void)f;
	}
}

/* a node from its first connect to approval, its token, its invokes; a forger; reapproval; rejection */
static void
lifecycle(struct gw *g)
{
	char *r, *hello, token[64], req[40], buf[512];
	int op_pair, op_read, node, forged, again;
	struct forge forge = { 4, NULL, 0, NULL };

	op_pair = operator(ALL_SCOPES);
	op_read = operator("[\"operator.read\",\"operator.write\"]");
	node = keyed_connect(3, "probe", "[\"system.which\",\"system.run\"]", AUTH, NULL, &hello);
	check(hello && is(hello, "payload.type", "hello-ok") && is(hello, "payload.auth.method", "token") &&
	    is(hello, "payload.auth.role", "node") && strlen(jpath(hello, "payload.auth.deviceToken")) == 43 &&
	    jpath(hello, "payload.auth.issuedAtMs")[0], "a new device is paired silently and issued a device token (%.300s)",
	    hello ? jpath(hello, "payload.auth") : "");
	snprintf(token, sizeof token, "%s", hello ? jpath(hello, "payload.auth.deviceToken") : "");
	free(hello);
	r = next_not_presence(op_pair);
	check(r && is(r, "event", "device.pair.resolved") && is(r, "payload.deviceId", id_of(3)) &&
	    is(r, "payload.decision", "approved") && jpath(r, "seq")[0], "pairing operators hear device.pair.resolved (%.200s)",
	    r ? r : "");
	free(r);
	r = next_not_presence(op_pair);
	check(r && is(r, "event", "node.pair.requested") && is(r, "payload.nodeId", id_of(3)) &&
	    is(r, "payload.commands", "[\"system.which\",\"system.run\"]") &&
	    is(r, "payload.requiredApproveScopes", "[\"operator.admin\",\"operator.pairing\"]") &&
	    is(r, "payload.silent", "true"), "and node.pair.requested (%.300s)", r ? r : "");
	snprintf(req, sizeof req, "%s", r ? jpath(r, "payload.requestId") : "");
	free(r);

	/* pending: listed without its surface; nothing may be asked of it */
	r = call(op_read, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\"}");
	check(r && is(r, "payload.nodes.0.approvalState", "pending-approval") && is(r, "payload.nodes.0.commands", "[]") &&
	    is(r, "payload.nodes.0.caps", "[]") && !strstr(r, "pendingRequestId"), "node.list to a reader: pending, "
	    "nothing to ask, no request id (%.300s)", r ? r : "");
	free(r);
	r = call(op_pair, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\"}");
	check(r && is(r, "payload.nodes.0.pendingRequestId", req) &&
	    is(r, "payload.nodes.0.pendingDeclaredCommands", "[\"system.run\",\"system.which\"]") &&
	    is(r, "payload.nodes.0.pendingDeclaredCaps", "[\"system\"]"), "to a pairing operator, the request and what it "
	    "asks, sorted (%.300s)", r ? r : "");
	free(r);
	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"i\",\"method\":\"node.invoke\",\"params\":{\"nodeId\":"
	    "\"%s\",\"command\":\"system.which\",\"idempotencyKey\":\"k\"}}", id_of(3));
	r = call(op_read, buf);
	check(r && is(r, "error.code", "UNAVAILABLE") && is(r, "error.details.code", "PAIRING_CHANGED"),
	    "an invoke on a node not approved: the real gateway's error (%.200s)", r ? r : "");
	free(r);
	r = call(node, "{\"type\":\"req\",\"id\":\"u\",\"method\":\"node.runnerInventory.update\",\"params\":{}}");
	check(r && is(r, "error.code", "UNAVAILABLE") && strstr(jpath(r, "error.message"), req),
	    "the node's runner inventory: awaiting approval, naming the request (%.200s)", r ? r : "");
	free(r);

	/* a forger claims the node's id with its own key: refused; the node keeps its connection */
	forge.claim = id_of(3);
	forged = keyed_connect(4, "forger", "[\"system.which\"]", AUTH, &forge, &r);
	check(r && is(r, "error.message", "device identity mismatch"), "a forged node is refused \"device identity "
	    "mismatch\" (%.200s)", r ? r : "");
	free(r);
	close(forged);

	/* approval needs the scopes the commands need */
	r = request(op_read, "node.pair.approve", "requestId", req);
	check(r && is(r, "error.code", "FORBIDDEN") && is(r, "error.message", "missing scope: operator.pairing"),
	    "node.pair.approve without operator.pairing (%.200s)", r ? r : "");
	free(r);
	{
		int op_only = operator("[\"operator.pairing\"]");
		r = request(op_only, "node.pair.approve", "requestId", req);
		check(r && is(r, "error.code", "FORBIDDEN") && is(r, "error.message", "missing scope: operator.admin") &&
		    is(r, "error.details.requiredScopes", "[\"operator.pairing\",\"operator.admin\"]"),
		    "system.run needs operator.admin to approve (%.200s)", r ? r : "");
		free(r);
		close(op_only);
	}
	r = request(op_pair, "node.pair.approve", "requestId", "no-such-request");
	check(r && is(r, "error.message", "unknown requestId"), "an unknown request id (%.200s)", r ? r : "");
	free(r);
	r = request(op_pair, "node.pair.approve", "requestId", req);
	check(r && is(r, "ok", "true") && is(r, "payload.requestId", req) && is(r, "payload.node.nodeId", id_of(3)) &&
	    is(r, "payload.node.commands", "[\"system.which\",\"system.run\"]"), "node.pair.approve (%.300s)", r ? r : "");
	free(r);
	r = next_text(node);
	check(r && is(r, "event", "node.pair.resolved") && is(r, "payload.decision", "approved") && !strstr(r, "\"seq\""),
	    "the node hears node.pair.resolved, unnumbered (%.200s)", r ? r : "");
	free(r);
	invoke_round_trip(op_read, node, 3, "approved");

	/* its device token opens the device, without the shared token; a wrong one is refused */
	{
		char auth[128];
		snprintf(auth, sizeof auth, ",\"auth\":{\"deviceToken\":\"%s\"}", token);
		again = keyed_connect(3, "probe", "[\"system.which\",\"system.run\"]", auth, NULL, &r);
		check(r && is(r, "payload.type", "hello-ok") && is(r, "payload.auth.method", "device-token") &&
		    !jpath(r, "payload.auth.deviceToken")[0], "the device token opens the device (%.200s)",
		    r ? jpath(r, "payload.auth") : "");
		free(r);
		free(next_text(node));  /* the older connection of the node: closed */
		close(node);
		node = again;
		snprintf(auth, sizeof auth, ",\"auth\":{\"deviceToken\":\"%c%s\"}", token[0] == 'x' ? 'y' : 'x',
		    token + 1);                 /* one character other than the token's */
		again = keyed_connect(3, "probe", "[]", auth, NULL, &r);
		check(r && is(r, "error.message", "unauthorized: device token mismatch (rotate/reissue device token)") &&
		    is(r, "error.details.code", "AUTH_DEVICE_TOKEN_MISMATCH"), "a wrong device token (%.200s)", r ? r : "");
		free(r);
		close(again);
		again = keyed_connect(3, "probe", "[]", ",\"auth\":{\"token\":\"wrong\"}", NULL, &r);
		check(r && is(r, "error.details.code", "AUTH_TOKEN_MISMATCH") &&
		    is(r, "error.details.canRetryWithDeviceToken", "true") &&
		    is(r, "error.details.recommendedNextStep", "retry_with_device_token"),
		    "a wrong shared token from a device: it may retry with its device token (%.200s)", r ? r : "");
		free(r);
		close(again);
	}

	/* more declared: pending again for the difference, the approved part still usable; rejected */
	close(node);
	node = keyed_connect(3, "probe", "[\"system.which\",\"system.run\",\"system.notify\"]", AUTH, NULL, &r);
	free(r);
	r = call(op_read, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\"}");
	check(r && strstr(r, "\"approvalState\":\"pending-reapproval\"") && strstr(r, "\"commands\":[\"system.run\","
	    "\"system.which\"]"), "a node that declares more: pending-reapproval, the approved commands kept (%.300s)",
	    r ? r : "");
	free(r);
	while ((r = next_not_presence(op_pair)) != NULL && !strstr(r, "node.pair.requested"))
		free(r);
	free(r);
	invoke_round_trip(op_read, node, 3, "pending again");
	snprintf(req, sizeof req, "%s", request_of(op_pair, 3));
	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"q\",\"method\":\"node.pair.reject\",\"params\":"
	    "{\"requestId\":\"%s\"}}", req);
	send_text(op_pair, buf);
	r = next_not_presence(op_pair);        /* as in the real gateway: the event, then the answer */
	check(r && is(r, "event", "node.pair.resolved") && is(r, "payload.decision", "rejected") &&
	    is(r, "payload.requestId", req), "node.pair.resolved rejected (%.200s)", r ? r : "");
	free(r);
	r = next_not_presence(op_pair);
	check(r && is(r, "id", "q") && is(r, "payload.requestId", req) && is(r, "payload.nodeId", id_of(3)),
	    "node.pair.reject (%.200s)", r ? r : "");
	free(r);
	r = call(op_read, "{\"type\":\"req\",\"id\":\"l\",\"method\":\"node.list\"}");
	check(r && strstr(r, "\"approvalState\":\"approved\""), "approved again, as before (%.200s)", r ? r : "");
	free(r);

	/* device.pair.list */
	r = call(op_pair, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"device.pair.list\",\"params\":{}}");
	check(r && is(r, "payload.pending", "[]") && is(r, "payload.paired.0.deviceId", id_of(3)) &&
	    is(r, "payload.paired.0.approvedVia", "silent") && is(r, "payload.paired.0.roles", "[\"node\"]") &&
	    is(r, "payload.paired.0.role", "node") && is(r, "payload.paired.0.connected", "true") &&
	    is(r, "payload.paired.0.tokens.0.role", "node") && jpath(r, "payload.paired.0.nodeSurface.approvedAtMs")[0] &&
	    strlen(jpath(r, "payload.paired.0.publicKey")) == 43, "device.pair.list (%.400s)", r ? r : "");
	free(r);
	check(!strstr(g->log, token), "the device token is never logged");
	close(node);
	close(op_read);
	close(op_pair);
}

/* node.pair.remove and device.pair.remove: gone, connections closed 4001 */
static void
removal(void)
{
	char *r;
	int op = operator(ALL_SCOPES), node;

	node = keyed_connect(5, "leaving", "[\"system.which\"]", AUTH, NULL, &r);
	free(r);
	r = request(op, "node.pair.remove", "nodeId", id_of(5));
	check(r && is(r, "ok", "true") && is(r, "payload.nodeId", id_of(5)), "node.pair.remove (%.200s)", r ? r : "");
	free(r);
	check(close_with_reason(node, 4001, "device removed"), "the removed node is closed 4001 \"device removed\"");
	close(node);
	r = request(op, "node.pair.remove", "nodeId", id_of(5));
	check(r && is(r, "error.message", "unknown nodeId"), "removed: unknown now (%.200s)", r ? r : "");
	free(r);
	node = keyed_connect(6, "gone", "[\"system.which\"]", AUTH, NULL, &r);
	free(r);
	close(node);
	r = request(op, "device.pair.remove", "deviceId", id_of(6));
	check(r && is(r, "payload.deviceId", id_of(6)), "device.pair.remove of a device that has left (%.200s)", r ? r : "");
	free(r);
	r = request(op, "device.pair.remove", "deviceId", id_of(6));
	check(r && is(r, "error.message", "unknown deviceId"), "and again: unknown deviceId (%.200s)", r ? r : "");
	free(r);
	close(op);
}

/* the state file: 0600, no .tmp left, and what it holds survives a restart */
static void
restart(struct gw *g)
{
	const char *args[] = { "--token", TOKEN, "--state-file", state_path, NULL };
	char tmp[160], *r;
	struct stat st = { 0 };
	int op, node;

	check(stat(state_path, &st) == 0 && (st.st_mode & 0777) == 0600, "the state file is mode 0600 (%o)",
	    (unsigned)(st.st_mode & 0777));
	snprintf(tmp, sizeof tmp, "%s.tmp", state_path);
	check(access(tmp, F_OK) < 0, "no temporary file is left");
	kill(g->pid, SIGKILL);
	gw_wait(g);
	check(gw_start(g, port, args), "restarted after SIGKILL with the same state file");
	check(strstr(g->log, "; approvals in ") != NULL, "the listening line names the state file");
	op = operator(ALL_SCOPES);
	node = keyed_connect(3, "probe", "[\"system.which\",\"system.run\"]", AUTH, NULL, &r);
	check(r && is(r, "payload.type", "hello-ok") && !jpath(r, "payload.auth.deviceToken")[0],
	    "the node reconnects: paired already, no new token (%.200s)", r ? jpath(r, "payload.auth") : "");
	free(r);
	check(request_of(op, 3)[0] == '\0', "and approved already: nothing pending");
	invoke_round_trip(op, node, 3, "after the restart");
	close(node);
	close(op);
}

/* every device whose hello-ok came before a SIGKILL is in the file after it */
static void
kill_during_approvals(void)
{
	const char *args[] = { "--token", TOKEN, "--state-file", state_path, NULL };
	struct gw g;
	char *r;
	int round, k, n = 10, greeted, fd, op, found;

	for (round = 0; round < 3; round++) {
		check(gw_start(&g, port, args), "gateway for a stream of pairings (round %d)", round);
		for (greeted = 0, k = 0; k < 8 + 9 * round; k++, n++) {
			fd = keyed_connect(n, "stream", "[\"system.which\"]", AUTH, NULL, &r);
			greeted += r && strstr(r, "hello-ok") != NULL;
			free(r);
			close(fd);
		}
		fd = keyed_send(9999, "killed", "[\"system.which\"]", AUTH, NULL);    /* in flight at the kill */
		kill(g.pid, SIGKILL);
		gw_wait(&g);
		close(fd);
		check(gw_start(&g, port, args), "after SIGKILL mid-stream the state file reads back (round %d): %.300s", round,
		    g.log);
		op = operator(ALL_SCOPES);
		r = call(op, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"device.pair.list\",\"params\":{}}");
		for (found = 0, k = 10; k < n; k++)
			found += r && strstr(r, id_of(k)) != NULL;
		check(found == n - 10 && greeted == 8 + 9 * round, "all %d devices greeted before the kill are kept (%d)",
		    n - 10, found);
		free(r);
		close(op);
		gw_stop(&g);
	}
}

void
pairing_tests(void)
{
	const char *args[] = { "--token", TOKEN, "--state-file", state_path, NULL };
	struct gw g;

	snprintf(dir, sizeof dir, "/tmp/gateway-state-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		check(0, "a directory for the state file: %s", strerror(errno));
		return;
	}
	snprintf(state_path, sizeof state_path, "%s/state", dir);
	port = free_port();
	if (!gw_start(&g, port, args)) {
		check(0, "gateway with --state-file starts: %s", g.log);
		return;
	}
	proofs();
	check(gw_expect(&g, "warning: refused 1 device proof (device identity mismatch)", HANG_MS),
	    "the first refused proof is logged at once, the rest counted: %.300s", g.log);
	lifecycle(&g);
	removal();
	restart(&g);
	gw_stop(&g);
	kill_during_approvals();
	unlink(state_path);
	rmdir(dir);
}
