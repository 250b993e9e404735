/* the test suite's shared pieces */
#include <sys/types.h>
#include <stddef.h>

#include "config.h"      /* PRINTFLIKE, and the limits the tests probe */
#include "sha1.h"
#include "base64.h"
#include "http.h"
#include "route.h"
#include "ws.h"
#include "openclaw/json.h"

/*
 * A step that takes this long has hung: fail it. Every wait is for an
 * event, so this never decides a pass; it is long because a daemon under
 * valgrind or qemu, on a busy machine, is slow, not hung.
 */
#define HANG_MS 60000

extern int passed, failed;
void check(int ok, const char *fmt, ...) PRINTFLIKE(2, 3);
void unit_tests(void);
void crypto_tests(void);
void layers_tests(void);
void core_tests(void);
void ws_tests(void);
void proto_tests(void);
void nodes_tests(void);
void hostile_tests(void);
void ops_tests(void);
void pairing_tests(void);
void state_tests(void);
void answers_tests(void);
void metrics_tests(void);

/* client.c */
struct gw {
	pid_t pid;
	int err;                /* read end of its stderr, -1 once it closed */
	int port;
	char log[16384];        /* all it wrote on stderr */
	size_t loglen;
};
extern const char *gateway_path;
extern int gateway_minimal;            /* the daemon under test is the minimal build: echo, no application */
extern int spawn_nofile, spawn_soft_nofile;
long long unix_now(void);              /* ms */
int     free_port(void);
int     tcp_listen(int *port);
int     gw_spawn(struct gw *g, const char *path, const char *envport, int uid, const char *const *args);
int     gw_start(struct gw *g, int port, const char *const *args);
int     gw_expect(struct gw *g, const char *needle, int ms);
int     gw_expect_n(struct gw *g, const char *needle, int times, int ms);
int     gw_wait(struct gw *g);
int     gw_stop(struct gw *g);
const char *gw_public_copy(void);      /* a copy of the daemon any user may run */
void    gw_public_remove(void);
int     tcp_connect(int port);
int     send_all(int fd, const void *p, size_t n);
ssize_t read_some(int fd, void *p, size_t n, int ms);
int     read_exact(int fd, void *p, size_t n, int ms);
long    read_all(int fd, char *p, size_t cap, int ms);
int     http_request(int port, const char *req, size_t len, char *resp, size_t cap);
int     http_get(int port, const char *req, char *resp, size_t cap);
int     ws_open(int port);
int     ws_open_extra(int port, const char *extra, size_t extralen);
size_t  ws_frame(unsigned char *out, int b0, const void *payload, size_t n);
int     ws_send_frame(int fd, int b0, const void *payload, size_t n, size_t chop);
int     ws_recv(int fd, unsigned char **payload, size_t *n);
int     expect_frame(int fd, int op, const void *p, size_t n);
int     expect_close(int fd, int code);
int     close_clean(int fd);
long    proc_kib(pid_t pid, const char *field);
int     wait_read(int fd);

/* sign.c: test-only Ed25519 signing on the daemon's arithmetic; the test keys and their device members */
void    test_sign(unsigned char sig[64], const void *msg, size_t len, const unsigned char seed[32]);
void    test_key(int n, unsigned char seed[32], unsigned char pk[32], char id[65]);
void    test_device(char *out, size_t cap, int n, const char *nonce, const char *client, const char *mode,
                    const char *role, const char *scopes, const char *token, const char *platform, const char *family,
                    long long signed_at, int v2);

/* proto.c: a protocol client, shared with nodes.c */
extern int proto_port;
const char *jpath(const char *doc, const char *path);
int     is(const char *doc, const char *path, const char *want);
char   *next_text(int fd);
void    send_text(int fd, const char *s);
int     open_challenged(char **challenge);
int     close_with_reason(int fd, int code, const char *reason);
void    connect_as(char *buf, size_t cap, const char *id, const char *mode, const char *name, const char *scopes,
                   const char *auth);
int     open_as(const char *id, const char *mode, const char *name, const char *scopes, const char *want_scopes);
char   *call(int fd, const char *req);

/* pairing.c: keyed nodes and pairing operators, shared with state.c */
#define PAIRING_TOKEN "pairing-token"
#define PAIRING_AUTH ",\"auth\":{\"token\":\"" PAIRING_TOKEN "\"}"
#define ALL_SCOPES "[\"operator.admin\",\"operator.pairing\",\"operator.read\",\"operator.write\"]"
struct forge {
	int key;                        /* the key that signs and is sent (its id may be another's) */
	const char *nonce;              /* NULL: the challenge's */
	long long at;                   /* 0: now */
	const char *claim;              /* NULL: the key's own id */
};
const char *id_of(int n);
int     keyed_send(int n, const char *name, const char *commands, const char *auth, const struct forge *f);
int     keyed_connect(int n, const char *name, const char *commands, const char *auth, const struct forge *f,
                     char **reply);
int     operator(const char *scopes);
char   *next_not_presence(int fd);
const char *request_of(int op, int n);
char   *request(int fd, const char *method, const char *key, const char *value);
void    invoke_round_trip(int op, int node, int n, const char *what);
