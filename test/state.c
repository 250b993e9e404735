/*
 * The state file as a careless operator and another local user meet it:
 * a damaged file is set aside and the gateway starts anew; a file or a
 * directory another user could have shaped stops the start (78); no name
 * another user can take blocks a save; a crash's temporaries are swept;
 * and every line the daemon writes on its way out has one prefix.
 */
#include <sys/stat.h>
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
		    access(path, F_OK) < 0, "set aside as %s, byte for byte, never deleted", aside_in(g.log));
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
	exits();
	unlink(path);
	rmdir(dir);
}
