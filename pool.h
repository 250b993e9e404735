/* pool.c: the shared pools of slots and the memory budget, each local user's share, and who makes room */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>

enum { POOL_NONE, POOL_PREAUTH, POOL_AUTHED, POOLS };  /* POOL_NONE: holds no slot */
struct user;
struct holder {                         /* what pool.c knows of a connection, kept in it */
	struct user *user;
	unsigned char pool;
	size_t mem;                     /* bytes of the budget it holds */
	long long admitted;             /* when it was taken: the oldest makes room first */
	struct holder *prev, *next;     /* its user's connections */
};
void holder_enter(struct holder *h, long uid);     /* PEER_UNLEARNED: in no user's share until learned */
void holder_learned(struct holder *h, long uid);  /* now known: its slots and bytes go to that user */
struct holder *pool_unlearned(void);    /* the first holder not learned yet (the rest follow by next), or NULL */
void holder_leave(struct holder *h);
void pool_move(struct holder *h, int to);
int  pool_size(int pool);
struct holder *pool_victim(const struct holder *h, int pool);      /* who makes room for h, or NULL: refuse */
int  mem_take(struct holder *h, size_t n);      /* 0: counted within the budget; -1: no room */
void mem_give(struct holder *h, size_t n);
size_t mem_held(void);                  /* bytes of the budget all connections hold */
struct holder *mem_victim(const struct holder *h, size_t want, const struct holder *busy);

#endif
