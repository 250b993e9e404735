/* conn.c: a client connection: its buffers, output, close and slots; the table of them */
#ifndef CONN_H
#define CONN_H

#include <sys/types.h>
#include <sys/uio.h>
#include <stddef.h>

#include "config.h"
#include "log.h"
#include "ws.h"
#include "pool.h"
#include "timer.h"

/* buffers exist only while they hold bytes */
struct buf {
	unsigned char *p;               /* NULL while empty, so an idle client holds nothing */
	size_t off, len, cap;           /* unconsumed bytes are p[off..len) */
};
enum { C_HTTP, C_OPEN, C_CLOSING, C_DRAIN, C_DEAD };
struct conn {
	int fd;
	unsigned char state;
	unsigned char pinged;           /* an idle ping is out */
	unsigned char wrshut;           /* our side is shut down for writing */
	unsigned char wants;            /* what the event backend watches it for: EV_READ, EV_WRITE */
	unsigned char touched;          /* among those to settle at the turn's end (conn_touch) */
	unsigned char rearm;            /* its state changed: its timer is set anew as it settles */
	int slot;                       /* its place in conns */
	struct timer timer;             /* its deadline: idle, head, close, linger (serve.c) */
	long uid;                       /* the peer's user: PEER_UNLEARNED until something needs it (conn_uid) */
	struct holder hold;             /* its pool, its bytes of the budget, its user's share (pool.c) */
	long long since;                /* when the current state began */
	long long last_rx;
	struct buf in;                  /* received bytes not yet parsed */
	struct buf out;                 /* bytes not yet sent */
	struct buf msg;                 /* a fragmented message being assembled */
	struct ws ws;
	struct session *sess;           /* the application's state; NULL in echo mode */
};
/* what runs on a WebSocket, chosen once in main; NULL members do nothing */
struct app {
	void (*open)(struct conn *c);
	void (*message)(struct conn *c, int opcode, const unsigned char *p, size_t n);
	void (*closed)(struct conn *c);
	long long (*deadline)(const struct conn *c);    /* when it is passed, close; 0: none */
	void (*shutdown)(struct conn *c);               /* before the close 1012 */
	long long (*tick)(long long now);               /* returns when to call it next */
	void (*page)(struct conn *c, int page, int head);       /* GET / or /metrics (route.h); NULL: 404 */
};
extern struct conn **conns;
extern int nconns, conns_max;
extern struct conn **touched;           /* this turn's: their wants, timers or lives to settle */
extern int ntouched;
extern const struct app *app;
extern int draining;
extern unsigned char rbuf[READ_CHUNK]; /* every read lands here; the cork may point into it */
extern struct conn *conn_busy;          /* serve.c: whose input is being parsed */
extern struct tally conn_over;          /* connections closed past a bound or the memory budget */
int  conns_init(void);
const char *conn_new(int fd, long uid);
void conn_touch(struct conn *c);        /* its wants, its timer or its life may have changed */
long conn_uid(struct conn *c);          /* the peer's user, learned now if it was not yet */
void conn_free(struct conn *c);
void conn_state(struct conn *c, int state);             /* nothing leaves C_DEAD */
int  conn_authenticated(struct conn *c);
size_t conn_pending(const struct conn *c);
size_t conn_backlog(const struct conn *c);
int  conn_room(struct conn *c, size_t n);       /* n bytes of the budget for c: 0, or -1 if there is no room */
void conn_unroom(struct conn *c, size_t n);
int  buf_append(struct conn *c, struct buf *b, const void *data, size_t n, size_t limit);
void buf_free(struct conn *c, struct buf *b);
void buf_consume(struct conn *c, struct buf *b, size_t n);
void conn_drop(struct conn *c, const char *why);
int  conn_write(struct conn *c, const void *p, size_t n);
int  conn_writev(struct conn *c, const struct iovec *iov, int n);
void cork_flush(void);                  /* what the cork holds goes out now */
void conn_flush(struct conn *c);
void conn_drain(struct conn *c);
#define WS_PARTS_MAX 2
int  ws_send(struct conn *c, int opcode, const void *p, size_t n);
int  ws_sendv(struct conn *c, int opcode, const struct iovec *parts, int n);
void ws_close(struct conn *c, unsigned code, const char *reason);
void ws_fail(struct conn *c, unsigned code);

#endif
