/* broker.c: the node broker: nodes, invokes and their timers */
#ifndef BROKER_H
#define BROKER_H

#include <stddef.h>

#include "rpc.h"
#include "state.h"

struct node {
	size_t held;                    /* bytes of the memory budget it takes, stats included */
	long long connected_at;         /* unix ms */
	long long stats_at;
	char *stats;                    /* the latest node.host.stats, a JSON object; NULL: none */
	int pending;                    /* invokes waiting on it */
	const char *declared_caps, *declared_commands;  /* what it declared (commands: those the policy allows) */
	unsigned char caps[NODE_CAPS_MAX / 8], commands[NODE_COMMANDS_MAX / 8];      /* of those, by position,
	                                   what the approval holds: what it may be asked */
	const char *path;               /* JSON string; "" if none */
	char data[];                    /* all of the above */
};

int  broker_register(struct conn *c, const struct rpc_req *r, char *why, size_t cap);
void broker_effective(struct node *n, const struct surface *approved);
size_t broker_surface(char *out, size_t cap, const struct node *n, int commands);
struct conn *broker_find(const char *id);               /* the connected node with this id */
int  broker_serves(const char *method);
void broker_method(struct conn *c, const struct rpc_req *r);
void broker_closed(struct conn *c);
long long broker_tick(long long now);
enum { INVOKE_RESULT, RELAY_PAYLOAD, RELAY_SNAPSHOT };  /* node.invoke's answer; the payload; it, if a snapshot */
void broker_relay(struct conn *c, const struct rpc_req *r, const char *nodeid, const char *command, const char *params,
                  int answer);

#endif
