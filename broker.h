/* broker.c: the node broker: nodes, invokes and their timers */
#ifndef BROKER_H
#define BROKER_H

#include <stddef.h>

#include "rpc.h"

int  broker_register(struct conn *c, const struct rpc_req *r, char *why, size_t cap);
int  broker_serves(const char *method);
void broker_method(struct conn *c, const struct rpc_req *r);
void broker_closed(struct conn *c);
long long broker_tick(long long now);

#endif
