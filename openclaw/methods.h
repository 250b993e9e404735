/* methods.c: the methods that report the gateway's state, and presence */
#ifndef METHODS_H
#define METHODS_H

#include "json.h"
#include "conn.h"
#include "rpc.h"

void methods_init(void);
method_fn *methods_find(const char *name);              /* a method served here, or NULL */
void presence_changed(void);                            /* a listed client joined or left */
long long presence_tick(long long now);
unsigned long long methods_snapshot(struct jw *w, long long t0, const struct session *s);

#endif
