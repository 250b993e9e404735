/*
 * The shared pools and each local user's share of them. A connection holds
 * a slot in one pool (pre-auth or sessions), and its buffers hold bytes of
 * the memory budget; its user is the peer's, learned at accept (peer.c).
 * When a pool is full, the user holding the most slots makes room, so a
 * flood from one user only ever displaces its own connections. This is
 * accounting only: conn.c moves connections and evicts; pool.c counts and
 * chooses.
 */
#include "config.h"
#include "pool.h"

struct user {
	long uid;                       /* PEER_UNKNOWN for peers that cannot be told apart */
	int refs;                       /* connections of this user; 0: the entry is free */
	int slots[POOLS];               /* slots held in each pool */
	size_t mem;                     /* bytes its connections' buffers hold */
};

static struct user users[PEER_USERS_MAX];      /* past this many users at once, the rest share the last */
static int pool_total[POOLS];
static size_t mem_total;                /* bytes every client buffer holds: within opt.max_memory */

struct user *
user_get(long uid)
{
	struct user *free_one = NULL;
	int i;

	for (i = 0; i < PEER_USERS_MAX - 1; i++) {
		if (users[i].refs > 0 && users[i].uid == uid)
			break;
		if (users[i].refs == 0 && free_one == NULL)
			free_one = &users[i];
	}
	if (i == PEER_USERS_MAX - 1) {
		i = free_one ? (int)(free_one - users) : PEER_USERS_MAX - 1;
		if (users[i].refs == 0)
			users[i].uid = uid;
	}
	users[i].refs++;
	return &users[i];
}

void
user_put(struct user *u)
{
	u->refs--;
}

/* a connection of u leaves pool from for pool to; POOL_NONE holds no slot and is not counted */
void
pool_move(struct user *u, int from, int to)
{
	if (from != POOL_NONE) {
		u->slots[from]--;
		pool_total[from]--;
	}
	if (to != POOL_NONE) {
		u->slots[to]++;
		pool_total[to]++;
	}
}

int
pool_size(int pool)
{
	return pool_total[pool];
}

/*
 * pool is full and a client of u wants a slot in it. Who makes room, with
 * its oldest connection there:
 * - in the pre-auth pool, u itself if it holds the most already: a
 *   legitimate client finishes its handshake in milliseconds and a held
 *   socket does not, so a runaway reconnect loop displaces only its own
 *   oldest, never the newcomer;
 * - else the user holding the most, if it would still hold more than u
 *   once u's client is in;
 * - else nobody: the newcomer is refused (NULL).
 */
struct user *
pool_yields(struct user *u, int pool)
{
	struct user *most = NULL;
	int i;

	for (i = 0; i < PEER_USERS_MAX; i++)
		if (users[i].refs > 0 && (most == NULL || users[i].slots[pool] > most->slots[pool]))
			most = &users[i];
	if (pool == POOL_PREAUTH && u->slots[pool] > 0 && u->slots[pool] >= most->slots[pool])
		return u;
	return most->slots[pool] > u->slots[pool] + 1 ? most : NULL;
}

/* u's connection would grow a buffer by n bytes: 0 if the memory budget has room (it is charged), else -1 */
int
mem_take(struct user *u, size_t n)
{
	if (n > opt.max_memory - mem_total)
		return -1;
	mem_total += n;
	u->mem += n;
	return 0;
}

void
mem_give(struct user *u, size_t n)
{
	mem_total -= n;
	u->mem -= n;
}
