/* peer.c: who is behind a local socket: a peer's user (sock_diag, else /proc), a port's holder */
#ifndef PEER_H
#define PEER_H

#include <stddef.h>

#define PEER_UNKNOWN (-1L)               /* cannot be told (another system, no /proc) */
#define PEER_UNLEARNED (-2L)             /* not asked yet: asked when something needs to know */
int  peer_init(void);                   /* 1 if peers' users can be told here */
int  peer_trusted(long uid);
void peer_uids(const int *fds, long *uids, int n);
int  port_holder(int port, int family, char *out, size_t cap);

#endif
