/*
 * The shared pools and each local user's share of them. A connection (a
 * holder, embedded in it) holds a slot in one pool (pre-auth or sessions)
 * and bytes of the memory budget; its user is the peer's (peer.c), learned
 * at accept when the application needs it at once, else only when a pool
 * or the budget is full: until then it waits, in no user's share. When a
 * pool or the budget is full, the user holding the most makes room, so a
 * flood from one user only ever displaces its own connections. This is
 * policy only: pool.c counts and names who makes room; conn.c acts and
 * learns the users first.
 */
#include "config.h"
#include "peer.h"
#include "pool.h"

struct user {
	long uid;                       /* PEER_UNKNOWN for peers that cannot be told apart */
	struct holder *holders;         /* its connections; NULL: the entry is free */
	int slots[POOLS];               /* slots held in each pool */
	size_t mem;                     /* bytes its connections hold */
};

static struct user users[PEER_USERS_MAX];      /* past this many users at once, the rest share the last */
static struct user unlearned = { PEER_UNLEARNED, NULL, { 0, 0, 0 }, 0 };       /* not among them: never a victim */
static int pool_total[POOLS];
static size_t mem_total;                /* bytes all connections hold: within opt.max_memory */

/* h is a new connection of the peer uid, in no pool yet */
void
holder_enter(struct holder *h, long uid)
{
	struct user *u = uid == PEER_UNLEARNED ? &unlearned : &users[PEER_USERS_MAX - 1];
	int i;

	for (i = 0; uid != PEER_UNLEARNED && i < PEER_USERS_MAX - 1; i++)
		if (users[i].holders && users[i].uid == uid) {
			u = &users[i];
			break;
		} else if (users[i].holders == NULL && u == &users[PEER_USERS_MAX - 1])
			u = &users[i];                  /* the first free entry, unless uid has one */
	if (u->holders == NULL)
		u->uid = uid;
	h->user = u;
	h->pool = POOL_NONE;
	h->mem = 0;
	h->prev = NULL;
	if ((h->next = u->holders) != NULL)
		h->next->prev = h;
	u->holders = h;
}

/* h's user is known now: it moves, with its slot and its bytes, from the unlearned to that user */
void
holder_learned(struct holder *h, long uid)
{
	const int pool = h->pool;
	const size_t mem = h->mem;
	const long long admitted = h->admitted;

	if (h->user != &unlearned)
		return;
	pool_move(h, POOL_NONE);
	h->user->mem -= mem;
	holder_leave(h);
	holder_enter(h, uid);
	h->mem = mem;
	h->user->mem += mem;
	h->admitted = admitted;
	pool_move(h, pool);
}

struct holder *
pool_unlearned(void)
{
	return unlearned.holders;
}

/* the connection has gone: its slot and its bytes were given back already */
void
holder_leave(struct holder *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		h->user->holders = h->next;
	if (h->next)
		h->next->prev = h->prev;
}

/* h leaves its pool for pool to; POOL_NONE holds no slot and is not counted */
void
pool_move(struct holder *h, int to)
{
	if (h->pool != POOL_NONE) {
		h->user->slots[h->pool]--;
		pool_total[h->pool]--;
	}
	if (to != POOL_NONE) {
		h->user->slots[to]++;
		pool_total[to]++;
	}
	h->pool = (unsigned char)to;
}

int
pool_size(int pool)
{
	return pool_total[pool];
}

/*
 * pool is full and h wants a slot in it. Who makes room, with its oldest
 * connection there (returned):
 * - in the pre-auth pool, h's own user if it holds the most already: a
 *   legitimate client finishes its handshake in milliseconds and a held
 *   socket does not, so a runaway reconnect loop displaces only its own
 *   oldest, never the newcomer;
 * - else the user holding the most, if it would still hold more than h's
 *   once h is in;
 * - else nobody: h is refused (NULL).
 */
struct holder *
pool_victim(const struct holder *h, int pool)
{
	const struct user *most = h->user;
	struct holder *v = NULL, *m;
	int i;

	for (i = 0; i < PEER_USERS_MAX; i++)
		if (users[i].holders && users[i].slots[pool] > most->slots[pool])
			most = &users[i];
	if (!(pool == POOL_PREAUTH && most == h->user && most->slots[pool] > 0) &&
	    most->slots[pool] <= h->user->slots[pool] + 1)
		return NULL;
	for (m = most->holders; m; m = m->next)
		if (m->pool == pool && (v == NULL || m->admitted < v->admitted))
			v = m;
	return v;
}

/* n more bytes for h: 0 if the memory budget has room (they are counted), else -1 */
int
mem_take(struct holder *h, size_t n)
{
	if (n > opt.max_memory - mem_total)
		return -1;
	mem_total += n;
	h->user->mem += n;
	h->mem += n;
	return 0;
}

void
mem_give(struct holder *h, size_t n)
{
	mem_total -= n;
	h->user->mem -= n;
	h->mem -= n;
}

size_t
mem_held(void)
{
	return mem_total;
}

/*
 * The budget is full and h wants more: the largest connection of the user
 * holding the most, if it holds more than want (else NULL: h goes without).
 * busy is never named: its buffers are in use.
 */
struct holder *
mem_victim(const struct holder *h, size_t want, const struct holder *busy)
{
	const struct user *most = &users[0];
	struct holder *v = NULL, *m;
	int i;

	for (i = 1; i < PEER_USERS_MAX; i++)
		if (users[i].mem > most->mem)
			most = &users[i];
	for (m = most->holders; m; m = m->next)
		if (m != h && m != busy && m->mem > want && (v == NULL || m->mem > v->mem))
			v = m;
	return v;
}
