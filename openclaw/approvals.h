/* approvals.c: exec approvals: the gateway's (it runs no commands), a node's relayed to it */
#ifndef APPROVALS_H
#define APPROVALS_H

#include "rpc.h"

extern const struct method approvals_methods[];

#endif
