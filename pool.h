/* pool.c: the shared pools of slots, and each local user's share of them */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>

enum { POOL_NONE, POOL_PREAUTH, POOL_AUTHED, POOLS };  /* POOL_NONE: holds no slot */
struct user;                            /* one local user's holdings */
struct user *user_get(long uid);        /* a reference for one connection; never NULL */
void user_put(struct user *u);
void pool_move(struct user *u, int from, int to);
int  pool_size(int pool);
struct user *pool_yields(struct user *u, int pool);   /* who makes room for u, or NULL: refuse */
int  mem_take(struct user *u, size_t n);        /* 0: charged to u within the budget; -1: no room */
void mem_give(struct user *u, size_t n);

#endif
