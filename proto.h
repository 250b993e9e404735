/* proto.c: the OpenClaw protocol's core, an application behind conn.c's table */
#ifndef PROTO_H
#define PROTO_H

#include "conn.h"

void proto_init(void);
extern const struct app proto_app;

#endif
