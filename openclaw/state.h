/* state.c: paired devices, their token digests, their node surfaces; the state file that keeps them */
#ifndef STATE_H
#define STATE_H

#include "config.h"
#include "crypto/sha2.h"
#include "rpc.h"

struct surface {                        /* a node's caps and commands, as JSON arrays */
	const char *caps, *commands;    /* in data */
	long long created_at, approved_at;
	long long ts;                   /* pending: when last asked */
	char request[UUID_LEN + 1];     /* pending: the request id, and this version of it */
	char revision[UUID_LEN + 1];
	char name[CLIENT_FIELD_MAX], version[CLIENT_FIELD_MAX];
	char data[];
};
struct device_token {
	int set;
	unsigned char hash[SHA256_LEN]; /* SHA-256 of the token: the token itself is never kept */
	unsigned scopes;
	long long created_at, used_at;
};
enum { D_NAME, D_PLATFORM, D_FAMILY, D_CLIENT, D_MODE, D_FIELDS };
struct paired {
	char id[2 * SHA256_LEN + 1];    /* lowercase hex SHA-256 of the key */
	char key[44];                   /* the raw key, base64url */
	char field[D_FIELDS][CLIENT_FIELD_MAX];         /* as the device last said */
	unsigned roles;                 /* 1 << ROLE_OPERATOR, 1 << ROLE_NODE */
	unsigned scopes;                /* approved operator scopes */
	long long created_at, approved_at;
	long long seen_at;              /* memory only, as is: */
	const char *seen_reason;
	struct device_token token[2];   /* by role */
	struct surface *approved;       /* the node surface an operator approved, or NULL */
	struct surface *pending;        /* the one awaiting approval (memory only), or NULL */
	unsigned char dropping;         /* being removed: the next save leaves it out */
};

extern const char *const role_names[];          /* by role, NULL-terminated */
int  state_count(void);
struct paired *state_at(int i);
struct paired *state_find(const char *id);
struct paired *state_add(const char *id, const unsigned char key[32], long long now);   /* NULL: full */
void state_drop(struct paired *d);
void state_token(struct paired *d, int role, const char *token, unsigned scopes, long long now);
int  state_token_ok(struct paired *d, int role, const char *token, unsigned scopes);
struct surface *surface_new(const char *caps, const char *commands, long long now);
int  state_identity(unsigned char key[32], long long *created);        /* the gateway's own; 0: none yet */
void state_set_identity(const unsigned char key[32], long long created);       /* NULL: none */

#endif
