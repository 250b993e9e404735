/*
 * The connection layer, lower half: one client's buffers, its output (the
 * cork, the queue, the frames an application sends), its close, and the
 * slots it holds in the pools. serve.c, above, reads what arrives into it
 * and runs its timers; an application (echo or the protocol) sends and
 * closes through it.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "ws.h"
#include "peer.h"
#include "pool.h"
#include "event.h"
#include "timer.h"
#include "conn.h"

struct conn **conns;
int nconns, conns_max;
struct conn **touched;                  /* conns_max of them: each is there at most once */
int ntouched;
const struct app *app;
int draining;                           /* shutting down: no new WebSocket, /readyz 503 */
unsigned char rbuf[READ_CHUNK];         /* every read lands here; clients own no read buffer */

struct conn *conn_busy;                 /* whose input is being parsed: its buffers are in use */
struct tally conn_over = { "closed", "connection", NULL, 0, 0, NULL, 0, 0 };   /* past a bound or the budget */

static void set_pool(struct conn *c, int pool);
static struct conn *corked;            /* whose output the cork holds (below), or NULL */

/*
 * The memory budget, shared between local users (pool.c charges each
 * connection's bytes to its user). When it is full, the user holding the
 * most makes room with its largest connection, if that one holds more than
 * the newcomer would: so a message under 64 KiB, an HTTP head or a control
 * frame always fits, and parked fragments cannot keep others out.
 */

/* the connection a holder is kept in */
#define CONN_OF(h) ((struct conn *)(void *)((char *)(h) - offsetof(struct conn, hold)))

/* v makes room now: its buffers are freed and it is dropped; a WebSocket hears close 1009 if nothing waits before it */
static void
shed(struct conn *v)
{
	static const unsigned char close1009[4] = { 0x80 | WS_CLOSE, 2, 1009 >> 8, 1009 & 0xff };

	tally(&conn_over, "the memory budget was full; the largest holder made room, close 1009");
	if (v->state == C_OPEN && v->out.len == v->out.off && v != corked)
		(void)!write(v->fd, close1009, sizeof close1009);       /* written at once: no buffer for it */
	conn_drop(v, "over the memory budget");
	buf_free(v, &v->in);
	buf_free(v, &v->out);
	buf_free(v, &v->msg);
}

/* its user, learned now if it was not yet (peer.c): one sock_diag query, or a pass over /proc */
long
conn_uid(struct conn *c)
{
	if (c->uid == PEER_UNLEARNED) {
		peer_uids(&c->fd, &c->uid, 1);
		holder_learned(&c->hold, c->uid);
	}
	return c->uid;
}

/*
 * The pools or the budget must tell users apart to name who makes room:
 * every user not learned yet is learned now, LEARN_BATCH a query where
 * there is no sock_diag (one /proc pass a batch).
 */
static void
learn_users(void)
{
	struct holder *h, *batch[LEARN_BATCH];
	long uids[LEARN_BATCH];
	int fds[LEARN_BATCH], k, n;

	while ((h = pool_unlearned()) != NULL) {
		for (n = 0; h && n < LEARN_BATCH; h = h->next, n++) {
			batch[n] = h;
			fds[n] = CONN_OF(h)->fd;
		}
		peer_uids(fds, uids, n);
		for (k = 0; k < n; k++) {
			CONN_OF(batch[k])->uid = uids[k];
			holder_learned(batch[k], uids[k]);
		}
	}
}

/* n more bytes for c: charged to its user within the budget, room made if need be; -1 if there is none */
int
conn_room(struct conn *c, size_t n)
{
	struct holder *v;

	while (mem_take(&c->hold, n) < 0)
		if (learn_users(), (v = mem_victim(&c->hold, c->hold.mem + n, conn_busy ? &conn_busy->hold : NULL)) != NULL)
			shed(CONN_OF(v));
		else
			return -1;
	return 0;
}

void
conn_unroom(struct conn *c, size_t n)
{
	mem_give(&c->hold, n);
}

/*
 * buffers: p is NULL while empty so an idle client holds nothing. Each is
 * bounded by its own limit, and all of them together by the memory budget:
 * a growth that would pass either fails, and the caller answers the client.
 */

int
buf_append(struct conn *c, struct buf *b, const void *data, size_t n, size_t limit)
{
	size_t want, cap;
	unsigned char *p;

	if (n == 0)
		return 0;
	if (n > limit || b->len - b->off > limit - n)
		return -1;
	if (b->off > 0 && b->len + n > b->cap) {     /* reuse the consumed front first */
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	want = b->len + n;
	if (want > b->cap) {
		for (cap = b->cap ? b->cap : 256; cap < want; cap *= 2)
			if (cap > limit / 2) {
				cap = want;
				break;
			}
		if (conn_room(c, cap - b->cap) < 0)
			return -1;
		if ((p = realloc(b->p, cap)) == NULL) {
			conn_unroom(c, cap - b->cap);
			return -1;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

void
buf_free(struct conn *c, struct buf *b)
{
	conn_unroom(c, b->cap);
	free(b->p);
	memset(b, 0, sizeof *b);
}

void
buf_consume(struct conn *c, struct buf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len)
		buf_free(c, b);
}

static size_t corktotal;
static void cork_drop(void);

/* bytes not yet written: queued, and gathered in the cork */
size_t
conn_pending(const struct conn *c)
{
	return c->out.len - c->out.off + (c == corked ? corktotal : 0);
}

/* bytes the socket would not take: the queue, which the loop drains as the socket takes them */
size_t
conn_backlog(const struct conn *c)
{
	return c->out.len - c->out.off;
}

/* its wants, its timer or its life may have changed: serve.c settles it before the next wait */
void
conn_touch(struct conn *c)
{
	if (c->touched)
		return;
	c->touched = 1;
	touched[ntouched++] = c;
}

/* Every state change but the drop comes through here: nothing leaves C_DEAD. */
void
conn_state(struct conn *c, int state)
{
	if (c->state == C_DEAD)
		return;
	c->state = (unsigned char)state;
	c->since = now_ms();
	c->rearm = 1;
	conn_touch(c);
}

/* output */

void
conn_drop(struct conn *c, const char *why)
{
	if (c->state == C_DEAD)
		return;
	VERBOSE("client %d: closed (%s)", c->fd, why);
	if (c == corked)
		cork_drop();                    /* nobody to write it to */
	c->state = C_DEAD;
	set_pool(c, POOL_NONE);
	conn_touch(c);                          /* to be freed as it settles */
}

/*
 * Send the pieces in order. What the socket does not take now is queued and
 * sent as the socket takes it; a client whose queue would pass its bound is a
 * client that does not read, and is dropped.
 */
static int
conn_send(struct conn *c, const struct iovec *iov, int n)
{
	size_t limit = OUT_QUEUE_MAX, done;
	ssize_t w = 0;
	int i;

	if (c->state == C_DEAD || c->wrshut)
		return -1;
	if (c->out.len == c->out.off && (w = writev(c->fd, iov, n)) < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			conn_drop(c, strerror(errno));
			return -1;
		}
		w = 0;
	}
	for (i = 0; i < n; i++) {
		done = (size_t)w < iov[i].iov_len ? (size_t)w : iov[i].iov_len;
		w -= (ssize_t)done;
		if (done == iov[i].iov_len)
			continue;               /* sent, or empty: an empty piece may have a NULL base */
		if (buf_append(c, &c->out, (const char *)iov[i].iov_base + done, iov[i].iov_len - done, limit) < 0) {
			/* it does not read: a close frame could not reach it either */
			tally(&conn_over, "its output queue passed its bound or the memory budget");
			conn_drop(c, "output queue full");
			return -1;
		}
		conn_touch(c);                  /* queued: it wants to write */
	}
	return 0;
}

/*
 * The cork: what one connection produces in a row (the replies to one read,
 * an event and its frames) is gathered here and leaves in one write, before
 * the next wait or as soon as another connection has something to send.
 * A system call per frame cost most of the daemon's time at small messages.
 * Small pieces are copied in; a large one that lies in the shared read
 * buffer (an echoed payload) is referenced, which is safe because the cork
 * is flushed before that buffer is read into again.
 */
static unsigned char cork[CORK_MAX];    /* the copied pieces, corklen bytes */
static size_t corklen;
static struct iovec corkv[CORK_PIECES]; /* all pieces in order, corktotal bytes */
static int corkn;

static void
cork_drop(void)
{
	corked = NULL;
	corklen = corktotal = 0;
	corkn = 0;
}

void
cork_flush(void)
{
	struct conn *c = corked;
	int n = corkn;

	if (c == NULL)
		return;
	cork_drop();
	conn_send(c, corkv, n);
}

/* in the read buffer, and large enough that a copy would cost more than a piece of the writev */
static int
referable(const struct iovec *v)
{
	const unsigned char *p = v->iov_base;

	return v->iov_len >= CORK_REF_MIN && p >= rbuf && p + v->iov_len <= rbuf + sizeof rbuf;
}

int
conn_writev(struct conn *c, const struct iovec *iov, int n)
{
	size_t copy = 0;
	int i, pieces = 0;

	if (c->state == C_DEAD || c->wrshut)
		return -1;
	if (c != corked)
		cork_flush();
	for (i = 0; i < n; i++) {
		if (referable(&iov[i]))
			pieces += 2;            /* itself, and the copied piece after it */
		else
			copy += iov[i].iov_len;
	}
	if (copy > sizeof cork - corklen || corkn + pieces + 1 > CORK_PIECES) {
		cork_flush();                   /* what is gathered goes first */
		if (copy > sizeof cork || pieces + 1 > CORK_PIECES)
			return conn_send(c, iov, n);    /* too big to gather */
	}
	corked = c;
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len == 0)
			continue;
		corktotal += iov[i].iov_len;
		if (referable(&iov[i])) {
			corkv[corkn++] = iov[i];
			continue;
		}
		if (corkn == 0 || (unsigned char *)corkv[corkn - 1].iov_base + corkv[corkn - 1].iov_len != cork + corklen) {
			corkv[corkn].iov_base = cork + corklen;         /* a new copied piece */
			corkv[corkn++].iov_len = 0;
		}
		memcpy(cork + corklen, iov[i].iov_base, iov[i].iov_len);
		corklen += iov[i].iov_len;
		corkv[corkn - 1].iov_len += iov[i].iov_len;
	}
	return 0;
}

int
conn_write(struct conn *c, const void *p, size_t n)
{
	struct iovec iov;

	iov.iov_base = (void *)p;
	iov.iov_len = n;
	return conn_writev(c, &iov, 1);
}

/* the socket has room: write what is queued */
void
conn_flush(struct conn *c)
{
	ssize_t n;

	if (c == corked)
		cork_flush();                   /* behind what is queued, in order */
	if (c->state == C_DEAD || c->out.len == c->out.off)
		return;
	n = write(c->fd, c->out.p + c->out.off, c->out.len - c->out.off);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_drop(c, strerror(errno));
		return;
	}
	buf_consume(c, &c->out, (size_t)n);
	conn_touch(c);
	if (conn_pending(c) == 0 && c->state == C_DRAIN)
		conn_drain(c);
}
/* Enter C_DRAIN: send what is queued, shut our side, await the peer's FIN. */
void
conn_drain(struct conn *c)
{
	if (c == corked)
		cork_flush();
	conn_state(c, C_DRAIN);
	if (c->state == C_DRAIN && conn_pending(c) == 0 && shutdown(c->fd, SHUT_WR) == 0)
		c->wrshut = 1;
}

/* One frame whose payload is the pieces (at most WS_PARTS_MAX) in order. */
int
ws_sendv(struct conn *c, int opcode, const struct iovec *parts, int n)
{
	struct iovec iov[1 + WS_PARTS_MAX];
	unsigned char hdr[10];
	size_t len = 0;
	int i;

	if (c->state != C_OPEN || n > WS_PARTS_MAX)
		return -1;                      /* nothing follows a close frame */
	for (i = 0; i < n; i++) {
		iov[1 + i] = parts[i];
		len += parts[i].iov_len;
	}
	iov[0].iov_base = hdr;
	iov[0].iov_len = ws_header(hdr, opcode, len);
	return conn_writev(c, iov, 1 + n);
}

int
ws_send(struct conn *c, int opcode, const void *p, size_t n)
{
	struct iovec iov;

	iov.iov_base = (void *)p;
	iov.iov_len = n;
	return ws_sendv(c, opcode, &iov, 1);
}

/* Start the closing handshake: our close frame (code 0: empty), then wait for the peer's. */
void
ws_close(struct conn *c, unsigned code, const char *reason)
{
	unsigned char payload[WS_CONTROL_MAX];
	size_t n = utf8_cut(reason, strlen(reason), CLOSE_REASON_MAX);

	if (c->state != C_OPEN)
		return;
	payload[0] = (unsigned char)(code >> 8);
	payload[1] = (unsigned char)code;
	memcpy(payload + 2, reason, n);
	ws_send(c, WS_CLOSE, payload, code ? n + 2 : 0);
	conn_state(c, C_CLOSING);
}

/* Fail the connection: a close frame, then nothing more is parsed. */
void
ws_fail(struct conn *c, unsigned code)
{
	ws_close(c, code, "");
	conn_drain(c);
}

/* pools: who holds the slots */

static void
set_pool(struct conn *c, int pool)
{
	pool_move(&c->hold, pool);
}

/*
 * Make room by this one: it goes at once. A WebSocket hears close 1013
 * first, but is not waited for: a flooder that never answers must not keep
 * its table entry for the close timeout.
 */
static void
evict(struct conn *c)
{
	static struct tally evicted = { "evicted", "connection", NULL, 0, 0, NULL, 0, 0 };

	tally(&evicted, c->hold.pool == POOL_PREAUTH ? "the pre-auth pool was full; the user holding the most made room" :
	    "the session pool was full; the user holding the most made room");
	set_pool(c, POOL_NONE);
	VERBOSE("client %d: evicted to make room", c->fd);
	if (c->state == C_OPEN) {
		ws_close(c, 1013, "try again later");
		cork_flush();
	}
	conn_drop(c, "evicted");
}

/* pool is full and c wants in: the connection pool.c names makes room; -1: c is refused */
static int
make_room(struct conn *c, int pool)
{
	struct holder *v;

	learn_users();                          /* the pool tells users apart now */
	v = pool_victim(&c->hold, pool);

	if (v == NULL)
		return -1;
	evict(CONN_OF(v));
	return 0;
}

/*
 * The application vouches for c (the protocol after connect, echo at once):
 * it leaves the pre-auth pool for the sessions. -1: no room for it.
 */
int
conn_authenticated(struct conn *c)
{
	if (c->hold.pool != POOL_PREAUTH)
		return c->hold.pool == POOL_AUTHED ? 0 : -1;    /* evicted meanwhile: no room */
	if (pool_size(POOL_AUTHED) >= opt.max_clients && make_room(c, POOL_AUTHED) < 0)
		return -1;
	set_pool(c, POOL_AUTHED);
	return 0;
}

/* the table of connections */

/* The table: the sessions, the pre-auth pool, and room for those closing. Its size. */
int
conns_init(void)
{
	conns_max = opt.max_clients + 2 * PREAUTH_MAX;
	if ((conns = calloc((size_t)conns_max, sizeof *conns)) == NULL ||
	    (touched = calloc((size_t)conns_max, sizeof *touched)) == NULL)
		die("out of memory for %d clients", conns_max);
	if (timers_init(conns_max) < 0)
		die("out of memory for %d clients", conns_max);
	if (ev_init() < 0)
		die("the event backend (%s): %s", ev_backend(), strerror(errno));
	return conns_max;
}

/* Take a new client's socket (non-blocking already) and its peer's user (or PEER_UNLEARNED); why not, else NULL. */
const char *
conn_new(int fd, long uid)
{
	struct conn *c;

	if (nconns == conns_max)
		return "at the client limit";
	if ((c = calloc(1, sizeof *c)) == NULL)
		return "out of memory";
	c->fd = fd;
	c->uid = uid;
	holder_enter(&c->hold, uid);
	/* the cork decides when a write goes out; Nagle would only delay it more */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (pool_size(POOL_PREAUTH) >= PREAUTH_MAX && make_room(c, POOL_PREAUTH) < 0) {
		holder_leave(&c->hold);
		free(c);
		return "too many unauthenticated clients of one user";
	}
	c->state = C_HTTP;
	c->since = c->last_rx = c->hold.admitted = now_ms();
	set_pool(c, POOL_PREAUTH);
	c->slot = nconns;
	conns[nconns++] = c;
	c->rearm = 1;
	conn_touch(c);                          /* to be watched, and timed */
	VERBOSE("client %d: connected", fd);
	return NULL;
}

void
conn_free(struct conn *c)
{
	set_pool(c, POOL_NONE);
	holder_leave(&c->hold);
	if (app->closed)
		app->closed(c);
	if (c == corked)
		cork_drop();
	close(c->fd);
	buf_free(c, &c->in);
	buf_free(c, &c->out);
	buf_free(c, &c->msg);
	free(c);
}

