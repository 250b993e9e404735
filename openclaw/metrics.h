/* metrics.c: GET /metrics, the Prometheus text exposition, served through the application's table */
#ifndef METRICS_H
#define METRICS_H

#include "conn.h"

void metrics_send(struct conn *c, int head);    /* its head, the exposition unless HEAD, then the drain */

#endif
