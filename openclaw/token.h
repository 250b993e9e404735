/* token.c: the shared token: read from its file (again on SIGHUP), compared in constant time */
#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>

const char *token_load(void);           /* opt.token_file into opt.token: NULL, or why not */
void token_reread(void);                /* SIGHUP: one line says what happened */
int  token_matches(const char *s, size_t n);
struct conn;
long long token_locked(struct conn *c, long long now);  /* ms until c's user may try again; 0: now */
void token_failed(struct conn *c, long long now);

#endif
