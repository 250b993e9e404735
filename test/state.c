/*
 * The state file as a careless operator and another local user meet it:
 * a damaged file is set aside and the gateway starts anew; a file or a
 * directory another user could have shaped stops the start (78); no name
 * another user can take blocks a save; a crash's temporaries are swept;
 * and every line the daemon writes on its way out has one prefix.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

#define port proto_port
#define NOBODY 65534

static char dir[64], path[192];

static void
put(const char *file, const char *text, int mode)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	send_all(fd, text, strlen(text));
	close(fd);
	chmod(file, (mode_t)mode);
}

/* the file's bytes, NUL-terminated; "" if it cannot be read */
static const char *
slurp(const char *file)
{
	static char text[4096];
	int fd = open(file, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;

	text[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return text;
}

/* the gateway's start on path with a token; its port is proto_port */
static int
start(struct gw *g)
{
	port = free_port();
	return gw_start(g, port, (const char *const[]){ "--token", PAIRING_TOKEN, "--state-file", path, NULL });
}

/* the path a damaged file was set aside as, from the log line that says so; "" if none */
static const char *
aside_in(const char *log)
{
	static char aside[256];
	const char *p = strstr(log, "; set aside as ");

	aside[0] = '\0';
	if (p)
		snprintf(aside, sizeof aside, "%.*s", (int)strcspn(p + 15, ";\n"), p + 15);
	return aside;
}

/*
 * Damaged, cut short, foreign: set aside under a new name, never deleted,
 * one line naming both paths and the byte, and the gateway serves with no
 * paired device, which fails closed. status and the listening line say so.
 */
static void
damaged(void)
{
	static const struct { const char *text; long at; const char *why; } v[] = {
		{ "not a state file\n", 0, "not a gateway state file" },
		{ "{\"gatewayState\":1}\n{\"deviceId\":", 19, "the last line is cut short" },
		{ "{\"gatewayState\":1}\n[1,2]\n", 19, "not a JSON object" },
		{ "{\"gatewayState\":1}\n{\"deviceId\":\"x\"}\n", 19, "must have required property" },
		{ "", 0, "not a gateway state file" },
	};
	char want[512], before[512], first[256] = "", *r;
	struct gw g;
	size_t i;
	int op, node;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		put(path, v[i].text, 0600);
		check(start(&g), "a damaged state file (%s) does not stop the start: %s", v[i].why, g.log);
		snprintf(want, sizeof want, "gateway: warning: state file %s: damaged at byte %ld (%s", path, v[i].at,
		    v[i].why);
		check(strstr(g.log, want) && strstr(g.log, "; serving with no paired device: every node must be approved "
		    "again\n") && strstr(g.log, "; approvals in ") && strstr(g.log, "(started anew: see above)"),
		    "one line names the file, the byte and why; the listening line says it started anew: %s", g.log);
		snprintf(before, sizeof before, "%s.damaged-", path);
		check(strncmp(aside_in(g.log), before, strlen(before)) == 0 && strcmp(slurp(aside_in(g.log)), v[i].text) == 0 &&
		    strncmp(slurp(path), "{\"gatewayState\":1}\n{\"gatewayIdentity\":", 38) == 0,
		    "set aside as %s, byte for byte, never deleted; a new file in its place", aside_in(g.log));
		op = operator(ALL_SCOPES);
		r = call(op, "{\"type\":\"req\",\"id\":\"s\",\"method\":\"status\"}");
		snprintf(want, sizeof want, "%ld", v[i].at);
		check(r && is(r, "payload.daemon.stateFile.path", path) &&
		    is(r, "payload.daemon.stateFile.setAside.path", aside_in(g.log)) &&
		    is(r, "payload.daemon.stateFile.setAside.atByte", want) &&
		    strstr(jpath(r, "payload.daemon.stateFile.setAside.reason"), v[i].why), "status says the same (%.300s)",
		    r ? jpath(r, "payload.daemon") : "");
		free(r);
		if (i == 0)
			snprintf(first, sizeof first, "%s", aside_in(g.log));
		else if (i == 1)
			check(strcmp(first, aside_in(g.log)) != 0 && access(first, F_OK) == 0,
			    "a second damaged file never takes the first one's name (%s, %s)", first, aside_in(g.log));
		close(op);
		gw_stop(&g);
	}

	/* a good device, then damage: none is kept, so every node is approved again */
	check(start(&g), "a gateway on a fresh state file");
	node = keyed_connect(3, "kept?", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);
	free(r);
	close(node);
	gw_stop(&g);
	snprintf(want, sizeof want, "%s{\"deviceId\":\"damaged\"}\n", slurp(path));
	put(path, want, 0600);
	check(start(&g), "a state file damaged after its first device");
	node = keyed_connect(3, "kept?", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);
	check(r && strlen(jpath(r, "payload.auth.deviceToken")) == 43, "the device before the damage is not kept: it "
	    "pairs anew, with a new device token (%.200s)", r ? jpath(r, "payload.auth") : "");
	free(r);
	close(node);
	gw_stop(&g);
	unlink(path);
}

/* a gateway (as uid, -1: ourselves) refuses this state file with 78, naming the path and the rule */
static void
refused(const char *file, int uid, const char *rule, const char *what)
{
	char portarg[16];
	struct gw g;
	int st;

	snprintf(portarg, sizeof portarg, "%d", free_port());
	gw_spawn(&g, uid == -1 ? gateway_path : gw_public_copy(), NULL, uid,
	    (const char *const[]){ "--port", portarg, "--state-file", file, NULL });
	st = gw_wait(&g);
	if (uid != -1)
		gw_public_remove();
	check(st == EXIT_CONFIG && strstr(g.log, file) && strstr(g.log, rule) && !strstr(g.log, "listening"),
	    "%s: exit 78, the path and the rule (%d: %s)", what, st, g.log);
}

/*
 * Only the daemon's own user may shape its state, as OpenSSH's StrictModes
 * has it. The attacker is user nobody, which plants a file, leaves it
 * writable, owns the directory or may write in it.
 */
static void
strict(void)
{
	char shared[128], file[256];
	int fd;

	if (geteuid() != 0) {
		printf("skipped: state files of another user, which needs root to be user nobody\n");
		return;
	}
	put(path, "{\"gatewayState\":1}\n", 0600);
	chown(path, NOBODY, NOBODY);
	refused(path, -1, "belongs to uid 65534, not to this user (uid 0): only the daemon's own user may write its state",
	    "a state file planted by nobody");
	check(strcmp(slurp(path), "{\"gatewayState\":1}\n") == 0, "and it is left as it was");
	chown(path, 0, 0);
	chmod(path, 0620);
	refused(path, -1, "may be written by group or others (mode 0620)", "a state file the group may write");
	chmod(path, 0644);
	chmod(dir, 0755);
	refused(path, NOBODY, "belongs to uid 0, not to this user (uid 65534)", "the daemon as nobody, on root's file");
	chmod(dir, 0700);
	unlink(path);
	symlink("/etc/passwd", path);
	refused(path, -1, "a symbolic link: refused", "a symbolic link");
	unlink(path);
	mkdir(path, 0700);
	refused(path, -1, "not a regular file", "a directory");
	rmdir(path);
	chmod(dir, 0777);
	refused(path, -1, "its directory", "a directory anyone may write, not sticky");
	refused(path, -1, "(mode 0777) and is not sticky", "the same, its mode named");
	chmod(dir, 0755);
	chown(dir, NOBODY, NOBODY);
	refused(path, -1, "belongs to uid 65534, not to this user (uid 0) or root", "a directory that nobody owns");
	chown(dir, 0, 0);
	chmod(dir, 0700);

	/* a sticky shared directory, as /tmp: allowed, and no name nobody takes blocks a save */
	snprintf(shared, sizeof shared, "%s/shared", dir);
	mkdir(shared, 0755);
	chmod(shared, 01777);
	snprintf(path, sizeof path, "%s/state", shared);
	snprintf(file, sizeof file, "%s.tmp", path);
	mkdir(file, 0700);                              /* the name older versions wrote to */
	chown(file, NOBODY, NOBODY);
	snprintf(file, sizeof file, "%s.tmp-aaaaaaaaaaaa", path);
	fd = open(file, O_WRONLY | O_CREAT, 0600);      /* a name of the new form */
	close(fd);
	chown(file, NOBODY, NOBODY);
	{
		struct gw g;
		struct stat st = { 0 };
		char *r;
		int node;

		check(start(&g), "a state file in a sticky directory anyone may write: %s", g.log);
		node = keyed_connect(3, "sticky", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);
		check(r && is(r, "payload.type", "hello-ok"), "nobody's squatted names do not block the save of a pairing "
		    "(%.200s)", r ? r : "");
		free(r);
		close(node);
		check(stat(path, &st) == 0 && st.st_uid == 0 && (st.st_mode & 0777) == 0600 &&
		    strstr(slurp(path), id_of(3)), "the state file is written, root's, 0600");
		check(access(file, F_OK) == 0, "nobody's file is left as it was");
		gw_stop(&g);
	}
	unlink(file);
	snprintf(file, sizeof file, "%s.tmp", path);
	rmdir(file);
	unlink(path);
	rmdir(shared);
	snprintf(path, sizeof path, "%s/state", dir);
}

/* a crash's temporaries of ours are swept at start; nobody else's, and other names, are not */
static void
leftovers(void)
{
	static const char *const ours[] = { ".tmp", ".tmp-0123456789ab" }, *const kept[] = { ".tmp-0123", ".tmpx" };
	char file[256];
	struct gw g;
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(file, sizeof file, "%s%s", path, ours[i]);
		put(file, "left by a crash", 0600);
		snprintf(file, sizeof file, "%s%s", path, kept[i]);
		put(file, "not ours to sweep", 0600);
	}
	check(start(&g), "a gateway beside a crash's leftovers");
	gw_stop(&g);
	for (i = 0; i < 2; i++) {
		snprintf(file, sizeof file, "%s%s", path, ours[i]);
		check(access(file, F_OK) < 0, "the temporary %s is swept", ours[i]);
		snprintf(file, sizeof file, "%s%s", path, kept[i]);
		check(access(file, F_OK) == 0, "%s, not of the temporaries' form, is kept", kept[i]);
		unlink(file);
	}
}

/* every line on stderr: "gateway: " once, but the lock's lines and the usage that follows a 64 */
static int
one_prefix(const char *log)
{
	const char *line, *end;

	for (line = log; *line; line = end + 1) {
		if ((end = strchr(line, '\n')) == NULL)
			return 0;               /* every line ends */
		if (strncmp(line, "GatewayLockError: ", 18) == 0 || strncmp(line, "port ", 5) == 0 ||
		    strncmp(line, "hint: ", 6) == 0 || strncmp(line, "usage: gateway ", 15) == 0 ||
		    strncmp(line, "               [", 16) == 0 || strncmp(line, "       gateway health", 21) == 0)
			continue;
		if (strncmp(line, "gateway: ", 9) != 0 || strncmp(line + 9, "gateway:", 8) == 0)
			return 0;
	}
	return 1;
}

/* no format the daemon logs with begins with the prefix log.c adds itself */
static void
prefixed_formats(void)
{
	static const char *const dirs[] = { ".", "openclaw", "crypto" };
	static const char *const calls[] = { "logmsg(\"gateway:", "die(\"gateway:", "usage_error(\"gateway:",
		"refuse_start(\"gateway:" };
	char file[300], line[512];
	struct dirent *e;
	size_t i, k;
	FILE *f;
	DIR *d;
	int files = 0, bad;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if ((d = opendir(dirs[i])) == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			if (strlen(e->d_name) < 3 || strcmp(e->d_name + strlen(e->d_name) - 2, ".c") != 0)
				continue;
			snprintf(file, sizeof file, "%s/%s", dirs[i], e->d_name);
			if ((f = fopen(file, "r")) == NULL)
				continue;
			files++;
			for (bad = 0; !bad && fgets(line, sizeof line, f); )
				for (k = 0; k < sizeof calls / sizeof calls[0]; k++)
					bad |= strstr(line, calls[k]) != NULL;
			check(!bad, "%s logs with the prefix in its format: %s", file, line);
			fclose(f);
		}
		closedir(d);
	}
	check(files > 20, "the daemon's sources were read for their formats (%d)", files);
}

/* every exit path's lines have one prefix (the bug: "gateway: gateway: state file ...") */
static void
exits(void)
{
	static const char *const bad[][5] = {
		{ "--bogus" }, { "--port", "0" }, { "--token", "" }, { "--token", "a", "--token-file", "b" },
		{ "--ready-fd", "1" }, { "--allow-origin", "x" }, { "--port", "1", "health" }, { "--state-file", "" },
		{ "--token-file", "/nonexistent/token" }, { "--state-file", "/nonexistent/dir/state" },
	};
	char portarg[16];
	struct gw g, holder;
	size_t i;
	int st;

	prefixed_formats();
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		gw_spawn(&g, gateway_path, NULL, -1, bad[i]);
		st = gw_wait(&g);
		check(st != 0 && g.loglen > 0 && one_prefix(g.log), "%s %s: one prefix on every line (%d: %s)", bad[i][0],
		    bad[i][1] ? bad[i][1] : "", st, g.log);
	}
	put(path, "damaged\n", 0600);
	check(start(&g) && one_prefix(g.log), "a damaged state file's lines: one prefix (%s)", g.log);
	kill(g.pid, SIGTERM);
	check(gw_wait(&g) == 0 && one_prefix(g.log), "a clean stop's lines: one prefix (%s)", g.log);
	unlink(aside_in(g.log));
	put(path, "{\"gatewayState\":1}\n", 0666);
	snprintf(portarg, sizeof portarg, "%d", free_port());
	gw_spawn(&g, gateway_path, NULL, -1, (const char *const[]){ "--port", portarg, "--state-file", path, NULL });
	check(gw_wait(&g) == EXIT_CONFIG && one_prefix(g.log), "an unsafe state file's line: one prefix (%s)", g.log);
	unlink(path);
	check(gw_start(&holder, port = free_port(), NULL), "a gateway that holds its port");
	gw_start(&g, port, NULL);
	check(gw_wait(&g) == EXIT_LOCKED && one_prefix(g.log), "the lock's lines, as the card writes them (%s)", g.log);
	kill(holder.pid, SIGTERM);
	check(gw_wait(&holder) == 0 && one_prefix(holder.log), "and the holder's stop (%s)", holder.log);
}

/*
 * An operator of test key n with a device block, as client "cli": scopes
 * as JSON and as the signed payload joins them, auth as members. Its
 * reply in *reply.
 */
static int
keyed_operator(int n, const char *scopes, const char *signed_scopes, const char *auth, char **reply)
{
	char buf[4096], member[1024], token[64] = "", *c;
	const char *t;
	int fd = ws_open(port);

	c = next_text(fd);
	if ((t = strstr(auth, "\"token\":\"")) != NULL || (t = strstr(auth, "\"deviceToken\":\"")) != NULL) {
		t = strchr(t, ':') + 2;
		snprintf(token, sizeof token, "%.*s", (int)strcspn(t, "\""), t);
	}
	test_device(member, sizeof member, n, c ? jpath(c, "payload.nonce") : "", "cli", "cli", "operator",
	    signed_scopes, token, "linux", "", unix_now(), 0);
	free(c);
	snprintf(buf, sizeof buf, "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"2026.9.6\",\"platform\":\"linux\","
	    "\"mode\":\"cli\"},\"role\":\"operator\",\"scopes\":%s%s%s}}", scopes, auth, member);
	send_text(fd, buf);
	*reply = next_text(fd);
	return fd;
}

/* is key n's device paired, as device.pair.list shows it to op? */
static int
paired(int op, int n)
{
	char *r = call(op, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"device.pair.list\",\"params\":{}}");
	int found = r && strstr(r, id_of(n)) != NULL;

	free(r);
	return found;
}

/* key n's node connects and leaves at once; did it get in? */
static int
passing(int n, const char *name)
{
	char *r;
	int fd = keyed_connect(n, name, "[\"system.which\"]", PAIRING_AUTH, NULL, &r), in = r && strstr(r, "hello-ok");

	free(r);
	close(fd);
	return in;
}

/*
 * A node host with a fresh state directory is a new device every run: the
 * older silent pairings of the same client are retired once superseded,
 * as the real gateway does, but not while connected, not before
 * --retire-ms, and never one an operator approved.
 */
static void
superseded(void)
{
	struct gw g;
	char *r, req[40];
	int op, k, kept, live, node, again, in;

	unlink(path);
	port = free_port();
	check(gw_start(&g, port, (const char *const[]){ "--token", PAIRING_TOKEN, "--state-file", path, "--retire-ms", "0",
	    NULL }), "a gateway that retires superseded pairings at once (--retire-ms 0)");
	op = operator(ALL_SCOPES);
	node = keyed_connect(3, "fresh", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);     /* approved: kept */
	free(r);
	snprintf(req, sizeof req, "%s", request_of(op, 3));
	free(request(op, "node.pair.approve", "requestId", req));
	close(node);
	live = keyed_connect(200, "fresh", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);   /* connected: kept */
	free(r);
	for (in = 0, k = 0; k < 10; k++)
		in += passing(300 + k, "Fresh ");     /* the same client: case and spaces aside */
	for (kept = 0, k = 0; k < 9; k++)
		kept += paired(op, 300 + k);
	check(in == 10 && kept == 0 && paired(op, 309), "ten fresh node hosts of one client: each retires the last (%d "
	    "in, %d of the older kept)", in, kept);
	check(paired(op, 3) && paired(op, 200), "but not the approved one, nor the connected one");
	check(gw_expect(&g, "warning: retired 1 paired device (superseded by a newer pairing of the same client)",
	    HANG_MS), "a retirement is logged, counted: %s", g.log);
	check(passing(400, "another") && paired(op, 309), "another client's pairing retires none of these");
	again = keyed_connect(3, "fresh", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);
	check(r && is(r, "payload.type", "hello-ok") && request_of(op, 3)[0] == '\0', "the approved node comes back "
	    "approved (%.200s)", r ? r : "");
	free(r);
	invoke_round_trip(op, again, 3, "the approved node, after its fresh siblings");
	close(again);
	close(live);
	close(op);
	gw_stop(&g);

	/* the default: a pairing superseded less than a minute ago stays */
	check(start(&g), "a gateway with the default --retire-ms (60 s)");
	op = operator(ALL_SCOPES);
	check(passing(500, "young") && passing(501, "young") && paired(op, 500) && paired(op, 501),
	    "a pairing superseded seconds ago is kept");
	close(op);
	gw_stop(&g);
}

/*
 * 300 throwaway identities, past the cap: each is paired (the disconnected
 * one seen least recently that no operator approved makes room), and the
 * legitimate node stays approved, before and after a restart, and after a
 * SIGKILL in the stream of retirements.
 */
static void
throwaways(void)
{
	struct gw g;
	char *r, req[40];
	int op, node, k, in, dev;

	unlink(path);
	check(start(&g), "a gateway for a stream of throwaway identities");
	op = operator(ALL_SCOPES);
	node = keyed_connect(3, "legit", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);
	free(r);
	snprintf(req, sizeof req, "%s", request_of(op, 3));
	free(request(op, "node.pair.approve", "requestId", req));
	close(node);
	dev = keyed_operator(4, "[\"operator.read\"]", "operator.read", PAIRING_AUTH, &r);  /* an operator device */
	{
		char auth[128];
		snprintf(auth, sizeof auth, ",\"auth\":{\"deviceToken\":\"%s\"}", r ? jpath(r, "payload.auth.deviceToken") : "");
		free(r);
		close(dev);
		dev = keyed_operator(4, "[\"operator.read\"]", "operator.read", auth, &r);     /* its token in use */
		check(r && is(r, "payload.auth.method", "device-token"), "an operator device signs in with its device "
		    "token (%.200s)", r ? r : "");
		free(r);
		close(dev);
	}
	for (in = 0, k = 0; k < 300; k++) {
		char name[32];
		snprintf(name, sizeof name, "throwaway %d", k);
		in += passing(1000 + k, name);
	}
	check(in == 300, "300 throwaway identities, past the cap of %d: each is paired (%d)", DEVICES_MAX, in);
	check(gw_expect(&g, "(to make room: the device table was full)", HANG_MS), "the room made is logged: %s", g.log);
	check(paired(op, 3) && paired(op, 4) && paired(op, 1299) && !paired(op, 1000),
	    "the approved node and the operator whose token is in use stay; the oldest throwaway made room");
	node = keyed_connect(3, "legit", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);
	check(r && is(r, "payload.type", "hello-ok") && request_of(op, 3)[0] == '\0', "the legitimate node: still approved "
	    "(%.200s)", r ? r : "");
	free(r);
	invoke_round_trip(op, node, 3, "after 300 throwaways");
	close(node);
	close(op);

	/* killed while throwaways keep coming: the file reads back, the node is approved still */
	for (k = 0; k < 20; k++)
		passing(2000 + k, "more");
	node = keyed_send(2100, "in flight", "[]", PAIRING_AUTH, NULL);
	kill(g.pid, SIGKILL);
	gw_wait(&g);
	close(node);
	check(start(&g) && !strstr(g.log, "damaged"), "after a SIGKILL in a stream of retirements, the file reads back: %s",
	    g.log);
	op = operator(ALL_SCOPES);
	for (in = 0, k = 0; k < 150; k++)
		in += passing(3000 + k, "after the restart");
	node = keyed_connect(3, "legit", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);
	check(in == 150 && r && is(r, "payload.type", "hello-ok") && request_of(op, 3)[0] == '\0' && paired(op, 4),
	    "after the restart and 150 more: the node approved, the operator device kept (%.200s)", r ? r : "");
	free(r);
	invoke_round_trip(op, node, 3, "after the restart");
	close(node);
	close(op);
	gw_stop(&g);
}

/* key n's operator device, signed in with its device token (issued on a first connect) and scopes */
static int
token_operator(int n, const char *scopes, const char *signed_scopes)
{
	char auth[128], *r;
	int fd = keyed_operator(n, scopes, signed_scopes, PAIRING_AUTH, &r);

	snprintf(auth, sizeof auth, ",\"auth\":{\"deviceToken\":\"%s\"}", r ? jpath(r, "payload.auth.deviceToken") : "");
	free(r);
	close(fd);
	fd = keyed_operator(n, scopes, signed_scopes, auth, &r);
	check(r && is(r, "payload.auth.method", "device-token"), "operator device %d signs in with its device token (%.200s)",
	    n, r ? r : "");
	free(r);
	return fd;
}

/* what op's request of method on id answers: "ok", or its error message */
static const char *
answer(int op, const char *method, const char *key, const char *id)
{
	static char said[128];
	char *r = request(op, method, key, id);

	snprintf(said, sizeof said, "%s", r && strcmp(jpath(r, "ok"), "true") == 0 ? "ok" : r ? jpath(r, "error.message") :
	    "(nothing)");
	free(r);
	return said;
}

/*
 * Device management as the real gateway does it: a caller that signed in
 * with its device token and holds no operator.admin may see, change and
 * remove its own device only, and a node is an admin's to remove; the
 * shared token's operators manage every device. node.pair.remove removes
 * the node role alone: an operator role stays, with its token.
 */
static void
management(void)
{
	struct gw g;
	char *r, req[40], auth[128];
	int admin, mine, boss, node, both, op_both;

	unlink(path);
	check(start(&g), "a gateway for device management");
	admin = operator(ALL_SCOPES);                   /* the shared token: every device */
	node = keyed_connect(20, "a node", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);
	free(r);
	both = keyed_connect(21, "node and operator", "[\"system.which\"]", PAIRING_AUTH, NULL, &r);
	free(r);
	close(both);
	op_both = keyed_operator(21, "[\"operator.read\"]", "operator.read", PAIRING_AUTH, &r);
	snprintf(auth, sizeof auth, ",\"auth\":{\"deviceToken\":\"%s\"}", r ? jpath(r, "payload.auth.deviceToken") : "");
	free(r);
	close(op_both);
	mine = token_operator(22, "[\"operator.pairing\"]", "operator.pairing");    /* its own device only */
	boss = token_operator(23, ALL_SCOPES, "operator.admin,operator.pairing,operator.read,operator.write");
	passing(24, "another operator's node");

	/* the lists: its own device alone */
	r = call(mine, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"device.pair.list\",\"params\":{}}");
	check(r && is(r, "payload.paired.0.deviceId", id_of(22)) && !jpath(r, "payload.paired.1.deviceId")[0],
	    "device.pair.list to a device-token caller without admin: its own device alone (%.200s)", r ? r : "");
	free(r);
	r = call(mine, "{\"type\":\"req\",\"id\":\"p\",\"method\":\"node.pair.list\",\"params\":{}}");
	check(r && is(r, "payload.pending", "[]"), "node.pair.list: no other device's request (%.200s)", r ? r : "");
	free(r);
	r = call(boss, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"device.pair.list\",\"params\":{}}");
	check(r && strstr(r, id_of(20)) && strstr(r, id_of(21)) && strstr(r, id_of(22)), "to an admin device: every one");
	free(r);

	/* the matrix: a device-token caller without admin */
	snprintf(req, sizeof req, "%s", request_of(admin, 20));
	check(strcmp(answer(mine, "node.pair.approve", "requestId", req), "node pairing approval denied") == 0 &&
	    strcmp(answer(mine, "node.pair.reject", "requestId", req), "node pairing rejection denied") == 0 &&
	    strcmp(answer(mine, "node.pair.approve", "requestId", "no-such"), "node pairing approval denied") == 0,
	    "another device's node request: approval and rejection denied");
	check(strcmp(answer(mine, "device.pair.remove", "deviceId", id_of(20)), "device pairing removal denied") == 0 &&
	    strcmp(answer(mine, "device.pair.remove", "deviceId", id_of(23)), "device pairing removal denied") == 0 &&
	    strcmp(answer(mine, "device.pair.remove", "deviceId", id_of(21)), "device pairing removal denied") == 0 &&
	    strcmp(answer(mine, "device.pair.remove", "deviceId", "ffff"), "device pairing removal denied") == 0,
	    "device.pair.remove of a node, another operator, a node and operator, an unknown id: denied");
	check(strcmp(answer(mine, "node.pair.remove", "nodeId", id_of(20)), "node pairing removal denied") == 0 &&
	    strcmp(answer(mine, "node.pair.remove", "nodeId", id_of(22)), "unknown nodeId") == 0,
	    "node.pair.remove of a node: denied; of its own device, not a node: unknown nodeId");
	r = request(admin, "node.describe", "nodeId", id_of(20));
	check(r && is(r, "payload.connected", "true") && is(r, "payload.approvalState", "pending-approval"),
	    "and the node it tried to remove is connected, as it was (%.200s)", r ? r : "");
	free(r);

	/* an admin device, and the shared token's operator, manage every device */
	check(strcmp(answer(boss, "node.pair.remove", "nodeId", id_of(21)), "ok") == 0,
	    "an admin device removes the node role of a node and operator");
	op_both = keyed_operator(21, "[\"operator.read\"]", "operator.read", auth, &r);
	check(r && is(r, "payload.auth.method", "device-token"), "whose operator token still works (%.200s)", r ? r : "");
	free(r);
	close(op_both);
	r = call(admin, "{\"type\":\"req\",\"id\":\"d\",\"method\":\"device.pair.list\",\"params\":{}}");
	check(r && strstr(r, "\"roles\":[\"operator\"]") && strstr(r, id_of(21)), "device.pair.list: operator alone now");
	free(r);
	check(strcmp(answer(admin, "device.pair.remove", "deviceId", id_of(24)), "ok") == 0,
	    "the shared token's operator removes any device");
	check(strcmp(answer(mine, "device.pair.remove", "deviceId", id_of(22)), "ok") == 0 &&
	    close_with_reason(mine, 4001, "device removed"), "a caller removes its own device, and is closed 4001");
	close(mine);
	close(boss);
	close(node);
	close(admin);
	gw_stop(&g);
	unlink(path);
}

/* as user nobody, n new devices of keys from first pair one after another: how many got in; -1 if none could try */
static int
nobody_pairs(int first, int n)
{
	pid_t pid;
	int st, in = 0, k;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(255);
		for (k = 0; k < n; k++)
			in += passing(first + k, "nobody's");
		_exit(in);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) != 255 ? WEXITSTATUS(st) : -1;
}

/*
 * Each new device is two fsyncs the loop waits for: another local user may
 * pair PAIRINGS_MAX in PAIRING_WINDOW_MS, then is refused for a while, as
 * wrong tokens are. The daemon's own user is not limited.
 */
static void
pairings_limited(void)
{
	struct gw g;
	int in;

	if (geteuid() != 0) {
		printf("skipped: new devices from another user, which needs root to be user nobody\n");
		return;
	}
	unlink(path);
	check(start(&g), "a gateway for new devices from another user");
	in = nobody_pairs(6000, PAIRINGS_MAX + 5);
	check(in == PAIRINGS_MAX, "user nobody pairs %d new devices in a minute, then is refused (%d got in)", PAIRINGS_MAX,
	    in);
	check(gw_expect(&g, "warning: refused 1 new device (too many from that local user)", HANG_MS),
	    "the refusal is logged, counted: %s", g.log);
	check(passing(6100, "the owner's") && passing(6101, "the owner's"), "meanwhile the daemon's own user pairs as "
	    "it likes");
	gw_stop(&g);
	unlink(path);
}

/* DEVICES_MAX paired, each connected: nothing can make room, so the next is refused, clearly */
static void
full(void)
{
	struct gw g;
	int fd[DEVICES_MAX], k, ok = 0, more;
	char *r;

	port = free_port();
	check(gw_start(&g, port, (const char *const[]){ "--token", PAIRING_TOKEN, NULL }), "a gateway in memory only");
	for (k = 0; k < DEVICES_MAX; k++) {
		if (k < NODES_MAX)
			fd[k] = keyed_connect(5000 + k, "connected", "[]", PAIRING_AUTH, NULL, &r);
		else
			fd[k] = keyed_operator(5000 + k, "[\"operator.read\"]", "operator.read", PAIRING_AUTH, &r);
		ok += r && strstr(r, "hello-ok") != NULL;
		free(r);
	}
	check(ok == DEVICES_MAX, "%d devices paired, each connected", ok);
	more = keyed_connect(5000 + DEVICES_MAX, "one more", "[]", PAIRING_AUTH, NULL, &r);
	check(r && is(r, "error.code", "UNAVAILABLE") && strstr(jpath(r, "error.message"), "too many paired devices (128), "
	    "each connected or approved"), "device %d: refused, clearly (%.200s)", DEVICES_MAX + 1, r ? r : "");
	check(close_with_reason(more, 1013, r ? jpath(r, "error.message") : ""), "and closed 1013 with that reason");
	free(r);
	close(more);
	check(close_clean(fd[0]), "one of them leaves, and the gateway has closed it");
	close(fd[0]);
	check(passing(5000 + DEVICES_MAX, "one more"), "then the newcomer is paired: the one that left makes room");
	for (k = 1; k < DEVICES_MAX; k++)
		close(fd[k]);
	gw_stop(&g);
}

void
state_tests(void)
{
	snprintf(dir, sizeof dir, "/tmp/gateway-state-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		check(0, "a directory for the state file: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof path, "%s/state", dir);
	damaged();
	strict();
	leftovers();
	superseded();
	throwaways();
	management();
	pairings_limited();
	full();
	exits();
	unlink(path);
	rmdir(dir);
}
