/* broker.c: the node broker: nodes, what they declared and may be asked, their stats */
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
int  broker_may_ask(const struct node *n, const char *command);        /* declared, and the approval holds */

#endif
