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

/* ./test/run [GATEWAY [SUITE]]: unit vectors, then the daemon's suites (or only SUITE) */
int
main(int argc, char *argv[])
{
	static const struct { const char *name; void (*run)(void); } suites[] = {
		{ "core", core_tests }, { "websocket", ws_tests }, { "protocol", proto_tests },
		{ "nodes", nodes_tests }, { "pairing", pairing_tests },
		{ "hostile", hostile_tests }, { "ops", ops_tests },
	};
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);       /* a daemon that hangs up is a failed check, not our death */
	unit_tests();
	crypto_tests();
	layers_tests();
	printf("unit: %d passed, %d failed so far\n", passed, failed);
	gateway_path = argc > 1 ? argv[1] : NULL;
	for (i = 0; gateway_path && i < sizeof suites / sizeof suites[0]; i++) {
		if (argc > 2 && strcmp(argv[2], suites[i].name) != 0)
			continue;
		suites[i].run();
		printf("%s: %d passed, %d failed so far\n", suites[i].name, passed, failed);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
