/*
 * Who makes room when a pool of connections is full. The slots are shared
 * between the local users the peers belong to (learned at accept, peer.c):
 * a flood from one user then only ever displaces its own connections.
 * Peers that cannot be told apart count as one user. conn.c counts the
 * pools and evicts; this only chooses.
 */
#include "gateway.h"

/*
 * pool is full and c wants a slot in it. If the user holding the most would
 * still hold more than c's user once c is in, that user's oldest connection
 * is the one to make room (returned); else c is refused (NULL).
 */
struct conn *
pool_victim(struct conn *c, int pool)
{
	struct { long uid; int n; struct conn *oldest; } u[PEER_USERS_MAX];
	struct conn *m;
	int i, k, nu = 0, most = 0, mine = 0;

	for (i = 0; i < nconns; i++) {
		if ((m = conns[i])->pool != pool)
			continue;
		for (k = 0; k < nu && u[k].uid != m->uid; k++)
			;
		if (k == nu && nu < PEER_USERS_MAX) {
			u[nu].uid = m->uid;
			u[nu].n = 0;
			u[nu++].oldest = m;
		} else if (k == nu)
			k = nu - 1;             /* more users than we count: the rest share the last */
		if (++u[k].n > u[most].n)
			most = k;
		if (m->admitted < u[k].oldest->admitted)
			u[k].oldest = m;
		if (m->uid == c->uid)
			mine++;
	}
	return nu == 0 || u[most].n <= mine + 1 ? NULL : u[most].oldest;
}
