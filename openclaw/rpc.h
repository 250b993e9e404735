/* rpc.c: the protocol's frames (replies, errors, events, the request's tokens) and the session they travel on */
#ifndef RPC_H
#define RPC_H

#include "config.h"
#include "conn.h"
#include "json.h"

#define UUID_LEN 36
/* the operator scopes, one bit each, in the real gateway's names (scope_names, in this order) */
enum {
	S_ADMIN = 1, S_READ = 2, S_WRITE = 4, S_SESSIONS_READ = 8, S_SESSIONS_WRITE = 16,
	S_APPROVALS = 32, S_QUESTIONS = 64, S_PAIRING = 128, S_TALK = 256, S_TALK_SECRETS = 512,
	S_NODE = 1024,                  /* not a scope: a method for nodes only */
	S_DYNAMIC = 2048                /* not a scope: node.invoke's depends on the command */
};
extern const char *const scope_names[];
void rpc_scopes(struct jw *w, unsigned scopes);         /* as a JSON array of names */
int  rpc_allowed(unsigned need, unsigned granted);      /* write implies read, admin all, as the real gateway */
enum { ROLE_OPERATOR, ROLE_NODE };
/* what a client said of itself in connect */
enum { F_ID, F_MODE, F_PLATFORM, F_VERSION, F_DISPLAYNAME, F_INSTANCEID, F_DEVICEFAMILY, F_DEVICE, NFIELDS };
struct node;
struct session {
	unsigned char authed;
	unsigned char role;
	unsigned char listed;           /* shown in presence: not a cli, backend or probe client */
	unsigned char device_auth;      /* it signed in with its device token: it manages its own device only */
	unsigned scopes;                /* granted operator scopes, one bit each */
	long long deadline;             /* connect must be done by then (monotonic ms) */
	long long connected_at;         /* unix ms */
	unsigned long long seq;         /* numbered events sent on this connection */
	unsigned long long presence_seen;       /* the presence version this client has */
	char connid[UUID_LEN + 1];
	char nonce[UUID_LEN + 1];       /* the challenge: a device signs it */
	struct node *node;              /* the broker's, for a node */
	unsigned short field[NFIELDS];  /* where each string starts in text; 0: absent */
	char text[];                    /* the strings, NUL-terminated; text[0] is the empty one */
};
#define SESSION_FIELD(s, k) ((s)->text + (s)->field[k])
struct rpc_req {
	const char *p;                  /* the frame */
	const char *id;                 /* its id, as the client wrote it (JSON) */
	const char *method;
	int params;                     /* the params' token, -1 if none */
	long long t0;
};
extern struct json_tok rpc_tok[JSON_MAX_TOKENS];
void rpc_init(void);
int  rpc_reads(const struct session *s);         /* may it hear presence? */
void rpc_random(unsigned char *b, size_t n);
void uuid(char s[UUID_LEN + 1]);
struct jw rpc_writer(void);
void rpc_send(struct conn *c, struct jw *w);
size_t rpc_send_large(struct conn *to, void (*build)(struct jw *w, const void *arg), const void *arg);
void rpc_reply(struct jw *w, const char *id, int ok);
void rpc_ok(struct conn *c, const char *id, const char *payload);
void rpc_error(struct conn *c, const char *id, const char *code, const char *message, const char *more);
void rpc_event(struct conn *c, const char *name, const char *payload, int numbered);
void rpc_broadcast(unsigned need, const char *name, const char *payload);
int  rpc_checked(struct conn *c, const struct rpc_req *r, const struct json_field *schema);

typedef void method_fn(struct conn *c, const struct rpc_req *r);
struct method {                         /* a table of methods ends with { NULL, NULL } */
	const char *name;
	method_fn *handle;
};

#endif
