/*
 * Echo mode (--echo), the application to point an RFC 6455 conformance
 * suite at: every message goes back as it came, and a WebSocket is a
 * session at once. Everything else (lock, limits, shutdown) is the same code.
 */
#include <stddef.h>

#include "conn.h"
#include "echo.h"

static void
echo_open(struct conn *c)
{
	if (conn_authenticated(c) < 0)
		ws_close(c, 1013, "too many clients; try again later");      /* as the protocol refuses */
}

static void
echo_message(struct conn *c, int opcode, const unsigned char *p, size_t n)
{
	ws_send(c, opcode, p, n);
}

const struct app echo_app = { echo_open, echo_message, NULL, NULL, NULL, NULL, NULL };
