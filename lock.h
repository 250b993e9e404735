/* lock.c: the bind that is the lock, and its GatewayLockError lines */
#ifndef LOCK_H
#define LOCK_H

int  lock_listen(int port, int fds[2]);
int  set_flags(int fd);                 /* close-on-exec and non-blocking */

#endif
