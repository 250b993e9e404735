/* devices.c: the methods that show and change pairings: node.list, node.describe, node.pair.*, device.pair.* */
#ifndef DEVICES_H
#define DEVICES_H

#include "conn.h"
#include "rpc.h"

int  devices_serves(const char *method);
void devices_method(struct conn *c, const struct rpc_req *r);

#endif
