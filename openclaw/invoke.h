/* invoke.c: invoking nodes: node.invoke, and the methods that are a node's command; their timers */
#ifndef INVOKE_H
#define INVOKE_H

#include "conn.h"
#include "rpc.h"

enum { INVOKE_RESULT, RELAY_PAYLOAD, RELAY_SNAPSHOT };  /* node.invoke's answer; the payload; it, if a snapshot */
void invoke_relay(struct conn *c, const struct rpc_req *r, const char *nodeid, const char *command, const char *params,
                  int answer);
int  invoke_serves(const char *method);
void invoke_method(struct conn *c, const struct rpc_req *r);
void invoke_closed(struct conn *c);
long long invoke_tick(long long now);

#endif
