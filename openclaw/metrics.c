/*
 * GET /metrics: the Prometheus text exposition (format 0.0.4). Every value
 * is a count kept as its events happened (counters.c, the tallies of
 * log.c, the pools of pool.c, route.c's Origin refusals) or a gauge read
 * in O(1), and the paired devices (at most DEVICES_MAX) are looked over
 * once: a scrape costs the families, never the connections. Every label
 * value is a constant here, so nothing a client sends can reach the
 * exposition. Like /healthz, any local user may read it: it holds counts,
 * no names, ids or addresses, and Prometheus scrapes it with no secret.
 */
#include <sys/types.h>
#include <sys/uio.h>
#include <stddef.h>

#include "config.h"
#include "log.h"
#include "http.h"
#include "route.h"
#include "event.h"
#include "pool.h"
#include "conn.h"
#include "json.h"
#include "counters.h"
#include "state.h"
#include "metrics.h"

static char text[METRICS_MAX];

static void
family(struct jw *w, const char *name, const char *type, const char *help)
{
	jw_printf(w, "# HELP gateway_%s %s\n# TYPE gateway_%s %s\n", name, help, name, type);
}

/* a family of one sample */
static void
one(struct jw *w, const char *name, const char *type, const char *help, unsigned long long v)
{
	family(w, name, type, help);
	jw_printf(w, "gateway_%s %llu\n", name, v);
}

/* a family of one sample for each value of its label, as the constants say */
static void
labelled(struct jw *w, const char *name, const char *type, const char *help, const char *label,
    const char *const *values, const unsigned long *v, int n)
{
	int i;

	family(w, name, type, help);
	for (i = 0; i < n; i++)
		jw_printf(w, "gateway_%s{%s=\"%s\"} %lu\n", name, label, values[i], v[i]);
}

static void
write_metrics(struct jw *w)
{
	static const char *const states[] = { "pre_auth", "authenticated" }, *const roles[] = { "operator", "node" },
	    *const nodes[] = { "connected", "pending", "approved" }, *const outcomes[] = { "ok", "error", "timeout" },
	    *const reasons[] = { "token", "rate_limit", "origin", "full", "eviction", "over_budget" },
	    *const proofs[] = { "verified", "refused" };
	unsigned long v[6];
	int i;

	family(w, "build_info", "gauge", "The daemon's version and event backend, as labels; the value is 1.");
	jw_printf(w, "gateway_build_info{version=\"%s\",backend=\"%s\"} 1\n", GATEWAY_VERSION, ev_backend());
	family(w, "start_time_seconds", "gauge", "When the daemon started, in seconds since the Unix epoch.");
	jw_printf(w, "gateway_start_time_seconds %lld.%03lld\n", counters.started / 1000, counters.started % 1000);
	v[0] = (unsigned long)pool_size(POOL_PREAUTH);
	v[1] = (unsigned long)pool_size(POOL_AUTHED);
	labelled(w, "connections", "gauge", "Connections open: before connect (HTTP, or a WebSocket not yet "
	    "authenticated), and authenticated.", "state", states, v, 2);
	labelled(w, "sessions", "gauge", "Authenticated sessions, by role.", "role", roles, counters.sessions, 2);
	v[0] = counters.sessions[1];
	v[1] = v[2] = 0;
	for (i = 0; i < state_count(); i++) {
		v[1] += state_at(i)->pending != NULL;
		v[2] += state_at(i)->approved != NULL;
	}
	labelled(w, "nodes", "gauge", "Nodes connected now; node surfaces waiting for approval; approved "
	    "(paired) nodes, connected or not.", "state", nodes, v, 3);
	one(w, "paired_devices", "gauge", "Devices in the state file.", (unsigned long long)state_count());
	one(w, "paired_devices_retired_total", "counter", "Paired devices retired to make room or superseded.",
	    tallies_total("retired", "paired device"));
	one(w, "invokes_in_flight", "gauge", "Node invokes waiting on a node.", counters.in_flight);
	labelled(w, "invokes_total", "counter", "Node invokes done: the node answered ok, or an error (the "
	    "node's, its going, or a request that could not be relayed), or none in time.", "outcome", outcomes,
	    counters.invokes, INVOKE_OUTCOMES);
	v[0] = counters.refused[REFUSED_TOKEN];
	v[1] = counters.refused[REFUSED_RATE_LIMIT] + tallies_total("refused", "new device");
	v[2] = route_origins_refused();
	v[3] = tallies_total("refused", "connection");
	v[4] = tallies_total("evicted", "connection");
	v[5] = tallies_total("closed", "connection");
	labelled(w, "refused_total", "counter", "Connections and connects refused or closed, by reason: a "
	    "wrong or missing token; a user locked out (wrong tokens, new devices); a foreign Origin; the pools "
	    "full or no descriptor; evicted to make room; past the memory budget or an output bound.", "reason",
	    reasons, v, 6);
	one(w, "memory_used_bytes", "gauge", "Bytes of the memory budget that client buffers, node data and "
	    "relays hold.", mem_held());
	one(w, "memory_limit_bytes", "gauge", "The memory budget (--max-memory).", opt.max_memory);
	one(w, "messages_received_total", "counter", "WebSocket messages received by the protocol.",
	    counters.messages_in);
	one(w, "received_bytes_total", "counter", "Bytes of the WebSocket messages received by the protocol.",
	    counters.bytes_in);
	one(w, "messages_sent_total", "counter", "WebSocket messages sent by the protocol.", counters.messages_out);
	one(w, "sent_bytes_total", "counter", "Bytes of the WebSocket messages sent by the protocol.",
	    counters.bytes_out);
	one(w, "state_file_saves_total", "counter", "State file saves written and renamed into place.",
	    counters.saves);
	one(w, "state_file_save_failures_total", "counter", "State file saves that failed (the change was not "
	    "made).", counters.save_failures);
	v[0] = counters.proofs_verified;
	v[1] = tallies_total("refused", "device proof");
	labelled(w, "device_proofs_total", "counter", "Device proofs at connect, verified or refused.",
	    "outcome", proofs, v, 2);
}

void
metrics_send(struct conn *c, int head)
{
	char out[256];
	struct iovec iov[2];
	struct jw w = jw_init(text, sizeof text);

	write_metrics(&w);
	if (w.overflow) {                       /* a bug: the families are fixed, METRICS_MAX holds them */
		conn_write(c, out, http_response(out, sizeof out, 500, "", "text/plain; charset=utf-8",
		    "metrics past METRICS_MAX\n", head));
		conn_drain(c);
		return;
	}
	iov[0].iov_base = out;
	iov[0].iov_len = http_head(out, sizeof out, 200, "", "text/plain; version=0.0.4; charset=utf-8", w.len);
	iov[1].iov_base = text;
	iov[1].iov_len = head ? 0 : w.len;
	conn_writev(c, iov, 2);
	conn_drain(c);
}
