/* counters.c: what the application counts as it happens, for /metrics (metrics.c) */
#ifndef COUNTERS_H
#define COUNTERS_H

enum { INVOKE_OK, INVOKE_ERROR, INVOKE_TIMEOUT, INVOKE_OUTCOMES };
enum { REFUSED_TOKEN, REFUSED_RATE_LIMIT, REFUSED_BY_PROTOCOL };

struct counters {
	long long started;                      /* unix ms, at start */
	unsigned long sessions[2];              /* authenticated now, by role (rpc.h: operator, node) */
	unsigned long in_flight;                 /* invokes waiting on a node */
	unsigned long invokes[INVOKE_OUTCOMES]; /* done, by outcome */
	unsigned long refused[REFUSED_BY_PROTOCOL];     /* connects refused, by reason */
	unsigned long proofs_verified;          /* device proofs that held */
	unsigned long saves, save_failures;     /* of the state file */
	unsigned long long messages_in, bytes_in, messages_out, bytes_out;      /* WebSocket messages, payloads */
};
extern struct counters counters;

#define COUNT_SENT(n) (counters.messages_out++, counters.bytes_out += (n))

#endif
