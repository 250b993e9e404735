/*
 * libFuzzer: the whole connection path. The input is what a client sends;
 * it goes through a socketpair into conn.c's own read, HTTP, frame and
  * protocol code, and the loop runs as gateway.c runs it (timers, settle,
 * wait, io) until the connection is gone. The other end reads and discards.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <assert.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../config.h"
#include "../log.h"
#include "../peer.h"
#include "../lock.h"
#include "../event.h"
#include "../conn.h"
#include "../serve.h"
#include "../openclaw/proto.h"

struct options opt;                     /* gateway.c's, which is not linked */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
		static struct ev_fired fired[4];
	static char sink[65536];
	size_t fed = 0;
	ssize_t w;
		int sv[2], i, n, freed, turns, shut = 0;

	if (!ready) {
		opt.port = DEFAULT_PORT;
		opt.max_payload = 1 << 20;
		opt.max_memory = MEMORY_BUDGET;
		opt.idle_ms = WS_IDLE_MS;
		opt.tick_ms = TICK_INTERVAL_MS;
		opt.drain_ms = SHUTDOWN_DRAIN_MS;
		opt.max_clients = MAX_CONNS;
		conns_init();
		proto_init(1);
		app = &proto_app;
		ready = 1;
	}
	assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	assert(set_flags(sv[0]) == 0 && set_flags(sv[1]) == 0);
	assert(conn_new(sv[0], PEER_UNKNOWN) == NULL);
	for (turns = 0; nconns > 0 && turns < 100000; turns++) {
		if (fed < size && (w = write(sv[1], data + fed, size - fed)) > 0)
			fed += (size_t)w;
		if (fed == size && !shut) {
			shutdown(sv[1], SHUT_WR);       /* all sent: the client's FIN */
			shut = 1;
		}
		conns_timers(now_ms());
		conns_settle(&freed);
		n = ev_wait(fired, 4, 0);
		for (i = 0; i < n; i++)
			conn_io(fired[i].data, fired[i].mask);
		while (read(sv[1], sink, sizeof sink) > 0)
			;
	}
	assert(nconns == 0);                    /* a client that hung up is always let go */
	close(sv[1]);
	return 0;
}
