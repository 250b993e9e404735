/* gateway: every limit and timer, and the declarations the files share. */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <sys/types.h>
#include <sys/uio.h>
#include <stddef.h>
#include <stdint.h>

/* let the compiler check the format strings given to our printf-like functions */
#if defined(__GNUC__) || defined(__clang__)
#define PRINTFLIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PRINTFLIKE(fmt, args)
#endif

#define GATEWAY_VERSION      "0.1.0"
#define DEFAULT_PORT         18789
#define LISTEN_BACKLOG       128
#define PROBE_TIMEOUT_MS     3000       /* gateway health: the answer must come within this */

/* exit statuses (sysexits.h values, spelled out: not every libc ships it) */
#define EXIT_USAGE           64
#define EXIT_LOCKED          78

/* connections */
#define MAX_CONNS            1024       /* authenticated clients at once (--max-clients) */
#define MAX_CLIENTS_LIMIT    65536      /* largest --max-clients */
#define PREAUTH_MAX          128        /* connections not yet authenticated: HTTP, pre-connect */
#define PEER_USERS_MAX       64         /* local users told apart when sharing a full pool */
#define ACCEPTS_PER_WAKEUP   64         /* so a flood of connects cannot starve clients */
#define WARN_INTERVAL_MS     1000       /* at most one "refused" warning this often, with a count */
#define READ_CHUNK           65536      /* one shared read buffer, no per-client buffer */
#define CORK_MAX             65536      /* one connection's frames gathered for one write */
#define CORK_PIECES          16         /* pieces of that write (POSIX promises writev 16) */
#define CORK_REF_MIN         1024       /* an echoed payload this large is referenced, not copied */
#define OUT_HIGH_WATER       262144     /* stop reading a client whose unsent output is above this */
#define OUT_SLACK            1048576    /* unsent output allowed beyond one maximal message */
#define MEMORY_BUDGET        (64u * 1024 * 1024)  /* all client buffers together (--max-memory) */
#define MEMORY_BUDGET_LIMIT  (1ul << 30) /* largest --max-memory where long is 32 bits */

/* HTTP */
#define HTTP_HEAD_MAX        8192       /* request head, request line to the empty line */
#define HTTP_MAX_HEADERS     64
#define HTTP_HEAD_TIMEOUT_MS 10000      /* whole head must arrive within this */
#define ALLOW_ORIGIN_MAX     16         /* --allow-origin, repeated */
#define LINGER_MS            2000       /* after a response, wait this long for the peer's FIN */

/* WebSocket */
#define WS_MAX_PAYLOAD       (16u * 1024 * 1024)   /* default message limit, --max-payload */
#define WS_CONTROL_MAX       125
#define WS_CLOSE_TIMEOUT_MS  2000       /* wait for the peer's close after ours */
#define WS_IDLE_MS           30000      /* silence before a ping; twice this, a drop */
#define MAX_PAYLOAD_LIMIT    (1u << 30) /* largest --max-payload */
#define SHUTDOWN_DRAIN_MS    2000       /* on SIGTERM, wait this long for close replies (--drain-ms) */

/* OpenClaw protocol */
#define PROTOCOL_VERSION     4
#define HANDSHAKE_TIMEOUT_MS 15000      /* connect must complete within this */
#define PRECONNECT_MAX       65536      /* frame limit before connect */
#define TICK_INTERVAL_MS     30000
#define TOKEN_MAX            1024
#define CLIENT_FIELD_MAX     128        /* each client string kept for presence, with its NUL */
#define REQUEST_ID_MAX       512        /* bytes of a request id as written */
#define METHOD_MAX           128        /* a method name, with its NUL */
#define METHOD_LIST_MAX      1024       /* the methods served, as JSON, for hello-ok */
#define SCOPE_MAX            64         /* one requested scope, with its NUL; longer ones are not granted */
#define SYSTEM_PRESENCE_MAX  16         /* system-event entries shown in presence; the oldest makes room */
#define SYSTEM_ENTRY_MAX     1024       /* bytes of one, as JSON */
#define PRESENCE_MAX         200        /* entries listed, as the real gateway */
#define PRESENCE_INTERVAL_MS 1000       /* at most one presence broadcast this often, changes coalesced */

/* JSON */
#define JSON_MAX_DEPTH       32
#define JSON_MAX_TOKENS      8192       /* values in one request */
#define JSON_OUT_MAX         (2u * 1024 * 1024)   /* one reply or event */

/* log.c: the bottom layer */
#define LOG_RING_LINES 64               /* the latest log lines kept for logs.tail */
#define LOG_LINE_MAX   256              /* each, with its NUL; longer ones are cut */
struct log_line {
	long long ts;                   /* unix ms */
	unsigned long long end;         /* bytes logged up to the end of this line: its cursor */
	char text[LOG_LINE_MAX];
};
void log_init(void);
const struct log_line *log_line(unsigned back);
unsigned long long log_size(void);
void logmsg(const char *fmt, ...) PRINTFLIKE(1, 2);
void die(const char *fmt, ...) PRINTFLIKE(1, 2);
struct tally {                          /* "warning: <verb> <n> <noun>s (<why>)", at most once a WARN_INTERVAL_MS */
	const char *verb, *noun;
	const char *why;                /* the latest reason, a string that stays */
	unsigned long n;                /* counted and not yet logged */
	long long reported;
	struct tally *next;
	int listed;
};
void tally(struct tally *t, const char *why);
long long tallies_report(long long now, int final);
long long now_ms(void);                 /* monotonic, for timers */
long long unix_ms(void);                /* wall clock, for what clients see */

/* peer.c */
#define PEER_UNKNOWN (-1L)               /* cannot be told (another system, no /proc) */
void peer_init(void);
void peer_uids(const int *fds, long *uids, int n);
int  port_holder(int port, char *out, size_t cap);

/* page.c: the status page */
extern const char status_page[];

/* notify.c: readiness for a service manager */
void notify(const char *msg);
void notify_fd(int fd);

/* probe.c: gateway health */
int  probe_health(int port, long timeout_ms);

/* lock.c */
int  lock_listen(int port, int fds[2]);
int  set_flags(int fd);

/* sha1.c, base64.c */
#define SHA1_LEN 20
void   sha1(const void *data, size_t len, unsigned char out[SHA1_LEN]);
size_t base64_encode(const unsigned char *in, size_t n, char *out);   /* out: 4*ceil(n/3)+1 */
long   base64_decode(const char *in, size_t n, unsigned char *out, size_t cap);

/* http.c: a pure parser over the request head */
struct span { const char *p; size_t n; };
struct http_req {
	struct span method, target, path;
	int minor;                      /* HTTP/1.<minor> */
	int nheaders;
	struct span name[HTTP_MAX_HEADERS], value[HTTP_MAX_HEADERS];
	size_t headlen;                 /* bytes up to and including the empty line */
};
enum { HTTP_INCOMPLETE = 0 };       /* else an HTTP status: 200 parsed, 4xx/5xx rejected */
int  http_parse(const char *buf, size_t len, struct http_req *req);
int  http_header(const struct http_req *req, const char *name, struct span *value);
int  http_has_token(struct span list, const char *token);
int  span_eq(struct span s, const char *str);
int  http_loopback(struct span s, int port, int bare_ok);
int  http_origin_allowed(struct span origin, int port, const char *const *allowed, int nallowed);
size_t http_response(char *out, size_t cap, int status, const char *headers,
                     const char *ctype, const char *body, int head_only);

/* ws.c: handshake and a pure, incremental frame parser */
enum { WS_CONT = 0, WS_TEXT = 1, WS_BINARY = 2, WS_CLOSE = 8, WS_PING = 9, WS_PONG = 10 };
enum { WS_EV_MORE, WS_EV_DATA, WS_EV_CONTROL, WS_EV_ERROR };
struct ws {
	uint64_t left;                  /* payload bytes of the current data frame still to come */
	uint64_t msglen;                /* bytes of the current message so far */
	uint64_t max;                   /* message limit */
	unsigned char mask[4];
	unsigned char maskpos;
	unsigned char msgop;            /* WS_TEXT/WS_BINARY while a message is open, else 0 */
	unsigned char fin;              /* FIN of the current data frame */
	unsigned char inframe;          /* between a data frame's header and its last byte */
	uint32_t utf8;                  /* UTF-8 validator state */
};
struct ws_event {
	int type;
	int opcode;                     /* message opcode for DATA, frame opcode for CONTROL */
	int last;                       /* DATA: this chunk ends the message */
	int code;                       /* ERROR: the close code to send */
	unsigned char *data;
	size_t len;
};
int    ws_handshake(const struct http_req *req, char *out, size_t cap, size_t *outlen);
size_t ws_parse(struct ws *w, unsigned char *buf, size_t len, struct ws_event *ev);
size_t ws_header(unsigned char out[10], int opcode, size_t len);
int    ws_close_code_valid(unsigned code);
uint32_t utf8_step(uint32_t state, const unsigned char *s, size_t n);
#define UTF8_ACCEPT 0
#define UTF8_REJECT 1

/* json.c: a strict reader over the caller's bytes, a writer into a fixed buffer */
enum { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };
struct json_tok {
	int type;
	unsigned count;                 /* members of an object or array */
	size_t start, len;              /* its text; a string's without the quotes */
	int next;                       /* the token after this value and its children */
};
#define JSON_TOO_MANY (-2)
int  json_parse(const char *s, size_t len, struct json_tok *t, int max);
int  json_get(const char *s, const struct json_tok *t, int obj, const char *key);
long json_string(const char *s, const struct json_tok *t, int i, char *out, size_t cap);
int  json_integer(const char *s, const struct json_tok *t, int i, long long *v);
struct jw {
	char *p;
	size_t len, cap;
	int overflow;
};
struct jw jw_init(char *p, size_t cap);
void jw_raw(struct jw *w, const char *s, size_t n);
void jw_printf(struct jw *w, const char *fmt, ...) PRINTFLIKE(2, 3);
void jw_string(struct jw *w, const char *s, size_t n);
void jw_str(struct jw *w, const char *s);
void jw_cat(struct jw *w, const char *s);
#define JW_LIT(w, lit) jw_raw((w), "" lit, sizeof(lit) - 1)   /* "" lit: literals only */
/* a closed object's members, for json_check; the reasons read as the real gateway's */
enum { JS_ANY, JS_STRING, JS_ENUM, JS_CONST, JS_INT, JS_BOOL, JS_ARRAY, JS_STRINGS, JS_OBJECT };
struct json_field {
	const char *name;               /* NULL ends the list */
	unsigned char type;
	unsigned char required;
	unsigned char min;              /* strings: not empty; integers: the least, 0 or 1 */
	unsigned max;                   /* strings: most bytes; 0: no limit */
	const struct json_field *sub;   /* JS_OBJECT: its members */
	const char *const *values;      /* JS_ENUM, JS_CONST: the allowed strings, NULL-terminated */
};
int  str_in(const char *s, const char *const *list);
int  json_check(const char *s, const struct json_tok *t, int obj, const struct json_field *fields,
                char *out, size_t cap);

/* gateway.c */
struct options {
	int port;
	int echo;                       /* plain RFC 6455 echo instead of the protocol */
	int verbose;
	uint64_t max_payload;
	size_t max_memory;              /* all client buffers together */
	int max_clients;                /* authenticated at once */
	int ready_fd;                   /* -1, or where to say "ready" (s6) */
	int health;                     /* gateway health: probe, do not serve */
	long timeout_ms;                /* the probe's */
	long idle_ms;                   /* silence before a ping; twice this, a drop */
	long tick_ms;
	long drain_ms;                  /* on SIGTERM/SIGINT, wait this long for clients to close */
	char *token;                    /* NULL: no auth */
	const char *allow_origin[ALLOW_ORIGIN_MAX];     /* browser origins allowed besides our own */
	int nallow_origin;
};
extern struct options opt;

/* conn.c: a client connection; buffers exist only while they hold bytes */
struct buf {
	unsigned char *p;               /* NULL while empty, so an idle client holds nothing */
	size_t off, len, cap;           /* unconsumed bytes are p[off..len) */
};
enum { C_HTTP, C_OPEN, C_CLOSING, C_DRAIN, C_DEAD };
enum { POOL_NONE, POOL_PREAUTH, POOL_AUTHED };  /* whose slots it holds */
struct conn {
	int fd;
	unsigned char state;
	unsigned char pool;
	long uid;                       /* the peer's user, learned at accept (peer.c) */
	long long admitted;
	unsigned char pinged;           /* an idle ping is out */
	unsigned char wrshut;           /* our side is shut down for writing */
	long long since;                /* when the current state began */
	long long last_rx;
	struct buf in;                  /* received bytes not yet parsed */
	struct buf out;                 /* bytes not yet sent */
	struct buf msg;                 /* a fragmented message being assembled */
	struct ws ws;
	struct session *sess;           /* the application's state; NULL in echo mode */
};
/* what runs on a WebSocket, chosen once in main; NULL members do nothing */
struct app {
	void (*open)(struct conn *c);
	void (*message)(struct conn *c, int opcode, const unsigned char *p, size_t n);
	void (*closed)(struct conn *c);
	long long (*deadline)(const struct conn *c);    /* when it is passed, close; 0: none */
	void (*shutdown)(struct conn *c);               /* before the close 1012 */
	long long (*tick)(long long now);               /* returns when to call it next */
};
struct pollfd;
extern struct conn **conns;
extern int nconns, conns_max;
extern const struct app *app;
extern int draining;
struct conn *pool_victim(struct conn *c, int pool);     /* pool.c */
int  conns_init(void);
const char *conn_new(int fd, long uid);
int  conn_authenticated(struct conn *c);
size_t conn_pending(const struct conn *c);
size_t conn_backlog(const struct conn *c);
long long conns_sweep(long long now, int *freed);
int  conns_pollset(struct pollfd *pfd);
void conns_io(const struct pollfd *pfd, int n);
void conns_shutdown(void);
void conns_free_all(void);
#define WS_PARTS_MAX 2
int  ws_send(struct conn *c, int opcode, const void *p, size_t n);
int  ws_sendv(struct conn *c, int opcode, const struct iovec *parts, int n);
void ws_close(struct conn *c, unsigned code, const char *reason);

/* the OpenClaw protocol, in three layers: rpc.c (frames), broker.c (nodes), proto.c (the rest) */
#define UUID_LEN 36
#define RANDOM_BATCH 4096                /* random bytes read at a time, for UUIDs and nonces */
enum { ROLE_OPERATOR, ROLE_NODE };
/* what a client said of itself in connect */
enum { F_ID, F_MODE, F_PLATFORM, F_VERSION, F_DISPLAYNAME, F_INSTANCEID, F_DEVICEFAMILY, F_DEVICE, NFIELDS };
struct node;
struct session {
	unsigned char authed;
	unsigned char role;
	unsigned char listed;           /* shown in presence: not a cli, backend or probe client */
	unsigned scopes;                /* granted operator scopes, one bit each */
	long long deadline;             /* connect must be done by then (monotonic ms) */
	long long connected_at;         /* unix ms */
	unsigned long long seq;         /* numbered events sent on this connection */
	unsigned long long presence_seen;       /* the presence version this client has */
	char connid[UUID_LEN + 1];
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
void uuid(char s[UUID_LEN + 1]);
struct jw rpc_writer(void);
void rpc_send(struct conn *c, struct jw *w);
void rpc_reply(struct jw *w, const char *id, int ok);
void rpc_ok(struct conn *c, const char *id, const char *payload);
void rpc_error(struct conn *c, const char *id, const char *code, const char *message, const char *more);
void rpc_event(struct conn *c, const char *name, const char *payload, int numbered);
int  rpc_checked(struct conn *c, const struct rpc_req *r, const struct json_field *schema);

/* broker.c: nodes and the commands relayed to them */
#define NODE_CAPS_MAX        64         /* caps a node may declare */
#define NODE_COMMANDS_MAX    256        /* commands a node may declare */
#define NODE_NAME_MAX        128        /* bytes of one cap or command */
#define NODE_PATH_MAX        4096       /* bytes of a node's PATH */
#define NODE_STATS_MAX       1024       /* bytes of a node's latest host stats */
#define INVOKES_PER_NODE     1024       /* invokes waiting on one node */
#define INVOKES_MAX          4096       /* invokes waiting, all nodes together */
#define INVOKE_TIMEOUT_MS    30000      /* a node's answer, when the caller gives no timeoutMs */
#define INVOKE_TIMEOUT_MAX_MS 600000    /* the longest timeoutMs honoured */
int  broker_register(struct conn *c, const struct rpc_req *r, char *why, size_t cap);
int  broker_serves(const char *method);
void broker_method(struct conn *c, const struct rpc_req *r);
void broker_closed(struct conn *c);
long long broker_tick(long long now);
int  broker_admin_only(const char *command);

/* proto.c: the protocol's core */
void proto_init(void);
extern const struct app proto_app;

#endif
