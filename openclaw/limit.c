/*
 * What one local user may do in a window, as the real gateway limits an
 * address: every local client shares one address, so here it is the user,
 * and one user's excess never locks out another. The daemon's own user is
 * exempt, as are peers that cannot be told apart (the real gateway exempts
 * loopback): they would lock each other out. LIMIT_USERS_MAX users are
 * kept; the one quiet the longest makes room.
 */
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "peer.h"
#include "limit.h"

/* when u last acted; 0 if the entry is free */
static long long
last(const struct limited *u, const struct limit *l)
{
	return u->n ? u->at[(u->n - 1) % (unsigned)l->max] : 0;
}

/* uid's entry, or with add a new one (a free one, else the one quiet the longest is forgotten) */
static struct limited *
entry(struct limit *l, long uid, int add)
{
	struct limited *u, *quiet = l->users;

	for (u = l->users; u < l->users + LIMIT_USERS_MAX; u++) {
		if (u->n && u->uid == uid)
			return u;
		if (last(u, l) < last(quiet, l))
			quiet = u;
	}
	if (!add)
		return NULL;
	memset(quiet, 0, sizeof *quiet);
	quiet->uid = uid;
	return quiet;
}

static int
exempt(long uid)
{
	return uid == PEER_UNKNOWN || uid == (long)getuid();
}

long long
limit_wait(struct limit *l, long uid, long long now)
{
	struct limited *u = exempt(uid) ? NULL : entry(l, uid, 0);

	return u && u->locked > now ? u->locked - now : 0;
}

/* whether anyone is locked out now: if not, nobody need be told apart yet */
int
limit_any(const struct limit *l, long long now)
{
	const struct limited *u;

	for (u = l->users; u < l->users + LIMIT_USERS_MAX; u++)
		if (u->locked > now)
			return 1;
	return 0;
}

void
limit_count(struct limit *l, long uid, long long now)
{
	const unsigned max = (unsigned)l->max;
	struct limited *u;

	if (exempt(uid))
		return;
	u = entry(l, uid, 1);
	u->at[u->n++ % max] = now;
	if (u->n >= max && now - u->at[u->n % max] < l->window)
		u->locked = now + l->lockout;
}
