/*
 * make bench, the state file: a burst of pairings, each saved with two
 * fsyncs the loop waits for, while a client asks health one request at a
 * time. Its worst round trip is the loop's longest stall; beside it, the
 * same client's worst with no pairing. The state file is on disk
 * (/var/tmp), not in memory, since fsync is the cost. The devices sign with
 * test/sign.c's keys.
 */
#define _POSIX_C_SOURCE 200809L
#include <sys/types.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../config.h"
#include "../ws.h"
#include "../test/t.h"
#include "bench.h"

#define PAIRINGS 100

static char buf[1 << 16];

/* a health request on fd, answered: its round trip in seconds */
static double
health(int fd)
{
	static const char req[] = "{\"type\":\"req\",\"id\":\"h\",\"method\":\"health\"}";
	unsigned char f[128];
	double t0 = now_s();

	put(fd, f, frame(f, WS_TEXT, (const unsigned char *)req, sizeof req - 1));
	do
		next_frame(fd, buf, sizeof buf);
	while (!strstr(buf, "\"id\":\"h\""));           /* presence and ticks may come between */
	return now_s() - t0;
}

/* the wall clock in ms, which a device signs */
static long long
unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* a fresh node of key n, from connect to hello-ok: it is paired, and saved */
static void
pair(int n)
{
	char req[4096], member[1024];
	unsigned char f[4200];
	int fd = ws_connect(port);

	next_frame(fd, buf, sizeof buf);
	if (!strstr(buf, "connect.challenge"))
		fail("no challenge: %.100s", buf);
	*strstr(strstr(buf, "\"nonce\":\"") + 9, "\"") = '\0';
	test_device(member, sizeof member, n, strstr(buf, "\"nonce\":\"") + 9, "node-host", "node", "node", "", "",
	    "linux", "linux", unix_ms(), 0);
	snprintf(req, sizeof req, "{\"type\":\"req\",\"id\":\"n\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"node-host\",\"displayName\":\"burst %d\",\"version\":\"1\","
	    "\"platform\":\"linux\",\"deviceFamily\":\"Linux\",\"mode\":\"node\"},\"caps\":[],\"commands\":[],"
	    "\"role\":\"node\",\"scopes\":[]%s}}", n, member);
	put(fd, f, frame(f, WS_TEXT, (const unsigned char *)req, strlen(req)));
	next_frame(fd, buf, sizeof buf);
	if (!strstr(buf, "hello-ok"))
		fail("a pairing was refused: %.200s", buf);
	close(fd);
}

/*
 * The burst: each pairing runs in a child, the pinger here, so that the
 * pinger's request waits on the daemon alone. Returns the pinger's worst
 * round trip while the burst lasts, in seconds; *seconds the burst's length.
 */
static double
burst(int pinger, int first, double *seconds)
{
	double worst = 0, t, t0 = now_s();
	int st, k, done;
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		for (k = 0; k < PAIRINGS; k++)
			pair(first + k);
		_exit(0);
	}
	for (done = 0; !done; ) {
		if ((t = health(pinger)) > worst)
			worst = t;
		done = waitpid(pid, &st, WNOHANG) == pid;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("the burst of pairings failed");
	*seconds = now_s() - t0;
	return worst;
}

void
state_profiles(void)
{
	char dir[] = "/var/tmp/gateway-bench-XXXXXX", path[64], f[32], r[64];
	double quiet[RUNS], stall[RUNS], took[RUNS], t;
	int pinger, k, i;

	if (mkdtemp(dir) == NULL)
		fail("mkdtemp in /var/tmp");
	snprintf(path, sizeof path, "%s/state", dir);
	start((const char *const[]){ "--state-file", path, "--idle-ms", "600000", "--retire-ms", "86400000", NULL });
	pinger = proto_open("cli", "cli");
	load_begin();
	for (k = 0; k < RUNS; k++) {
		for (quiet[k] = 0, i = 0; i < 2000; i++)
			if ((t = health(pinger)) > quiet[k])
				quiet[k] = t;
		stall[k] = burst(pinger, 20000 + k * PAIRINGS, &took[k]);
	}
	snprintf(f, sizeof f, "%9.2f ms", median(stall) * 1e3);
	snprintf(r, sizeof r, "%.2f ms quiet; %.0f pairs/s", median(quiet) * 1e3, PAIRINGS / median(took));
	cell("state file: longest loop stall, 100 pairings (2 fsyncs)", f, r);
	close(pinger);
	stop();
	unlink(path);
	rmdir(dir);
}
