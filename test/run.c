/* test runner: unit vectors, then the daemon as a process. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "t.h"

int passed, failed;

/* one assertion: a failure names itself, a pass only counts */
void
check(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	va_start(ap, fmt);
	fputs("FAIL: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
}

/*
 * The build of the daemon at path, as its --version says in parentheses:
 * its event backend, and whether it is the minimal build (make minimal)
 */
static const char *
build(const char *path)
{
	static char what[64];
	char cmd[512], line[128] = "";
	FILE *p;

	snprintf(cmd, sizeof cmd, "%s --version", path);
	what[0] = '\0';
	if ((p = popen(cmd, "r")) == NULL)
		return what;
	if (fgets(line, sizeof line, p) != NULL)
		sscanf(line, "gateway %*s (%63[^)])", what);
	pclose(p);
	return what;
}

/*
 * ./test/run [GATEWAY [SUITE...]]...: the unit vectors, then on each
 * GATEWAY (an argument with a '/') its SUITEs, or every suite
 */
int
main(int argc, char *argv[])
{
	static const struct { const char *name; void (*run)(void); } suites[] = {
		{ "core", core_tests }, { "websocket", ws_tests }, { "protocol", proto_tests },
		{ "nodes", nodes_tests }, { "pairing", pairing_tests }, { "state", state_tests }, { "answers", answers_tests },
		{ "hostile", hostile_tests }, { "ops", ops_tests }, { "metrics", metrics_tests },
	};
		const char *what;
	size_t i;
	int a, k, named;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);       /* a daemon that hangs up is a failed check, not our death */
	unit_tests();
	crypto_tests();
	layers_tests();
	printf("unit: %d passed, %d failed so far\n", passed, failed);
	for (a = 1; a < argc; a = k) {
		gateway_path = argv[a];
		what = build(gateway_path);
		gateway_minimal = strstr(what, "minimal") != NULL;
		for (k = a + 1; k < argc && !strchr(argv[k], '/'); k++)
			;
		for (i = 0; i < sizeof suites / sizeof suites[0]; i++) {
			for (named = a + 1; named < k && strcmp(argv[named], suites[i].name) != 0; named++)
				;
			if (k > a + 1 && named == k)
				continue;
			suites[i].run();
			printf("%s (%s): %d passed, %d failed so far\n", suites[i].name, what, passed, failed);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
