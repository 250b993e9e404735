/* probe.c: gateway health, the client that asks /healthz */
#ifndef PROBE_H
#define PROBE_H

int  probe_health(int port, long timeout_ms);

#endif
