/* test runner: unit vectors, then the daemon as a process. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

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

int
main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);       /* a daemon that hangs up is a failed check, not our death */
	unit_tests();
	printf("unit: %d passed, %d failed so far\n", passed, failed);
	if (argc > 1) {
		gateway_path = argv[1];
		core_tests();
		printf("core: %d passed, %d failed so far\n", passed, failed);
		ws_tests();
		printf("websocket: %d passed, %d failed so far\n", passed, failed);
		proto_tests();
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
