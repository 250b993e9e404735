/* notify.c: readiness for a service manager (NOTIFY_SOCKET, --ready-fd) */
#ifndef NOTIFY_H
#define NOTIFY_H

void notify(const char *msg);
void notify_fd(int fd);

#endif
