/* pairing.c: silent pairing of verified devices, node approval, node.list and the pairing methods */
#ifndef PAIRING_H
#define PAIRING_H

#include "conn.h"
#include "rpc.h"

int  pairing_device(struct conn *c, const unsigned char key[32], char *token, long long *issued, char *why, size_t cap);
void pairing_node(struct conn *c);
int  pairing_connected(const char *id);
int  pairing_serves(const char *method);
void pairing_method(struct conn *c, const struct rpc_req *r);

#endif
