/* proto.c: the OpenClaw protocol's core, an application behind conn.c's table */
#ifndef PROTO_H
#define PROTO_H

#include "conn.h"

const char *proto_init(int users_known);        /* the listening line's note on who may connect */
extern const struct app proto_app;

#endif
