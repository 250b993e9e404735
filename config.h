/*
 * config.h: every limit and timer, as a named constant, and the options
 * that set some of them at run time. The options are filled once by
 * gateway.c from the command line; every layer reads them, none writes.
 */
#ifndef CONFIG_H
#define CONFIG_H

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
#define EXIT_CONFIG          78         /* for the operator to mend: the port is held, a state file is unsafe */
#define EXIT_LOCKED          EXIT_CONFIG

/* connections */
#define MAX_CONNS            1024       /* authenticated clients at once (--max-clients) */
#define MAX_CLIENTS_LIMIT    65536      /* largest --max-clients */
#define PREAUTH_MAX          128        /* connections not yet authenticated: HTTP, pre-connect */
#define PEER_USERS_MAX       64         /* local users told apart when sharing a full pool */
#define LEARN_BATCH          64         /* peers' users learned a query, when a pool or the budget needs them */
#define EVENTS_MAX           256        /* ready descriptors served a turn; the rest, the next turn */
#define METRICS_MAX          8192       /* the /metrics exposition: its families are fixed, a few KiB */
#define ACCEPTS_PER_WAKEUP   64         /* so a flood of connects cannot starve clients */
#define WARN_INTERVAL_MS     1000       /* at most one of each counted warning this often, with a count */
#define READ_CHUNK           65536      /* one shared read buffer, no per-client buffer */
#define CORK_MAX             65536      /* one connection's frames gathered for one write */
#define CORK_PIECES          16         /* pieces of that write (POSIX promises writev 16) */
#define CORK_REF_MIN         1024       /* an echoed payload this large is referenced, not copied */
#define OUT_HIGH_WATER       262144     /* stop reading a client whose unsent output is above this */
#define OUT_SLACK            1048576    /* unsent output allowed beyond two maximal messages */
#define OUT_QUEUE_MAX        (2 * (size_t)opt.max_payload + OUT_SLACK)  /* a client's unsent output: a relayed
                                                           invoke result carries its payload twice */
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
#define CLOSE_REASON_MAX     120        /* bytes of our close reasons, cut as the real gateway cuts them */
#define WS_CLOSE_TIMEOUT_MS  2000       /* wait for the peer's close after ours */
#define WS_IDLE_MS           30000      /* silence before a ping; twice this, a drop */
#define MAX_PAYLOAD_LIMIT    (1u << 30) /* largest --max-payload */
#define SHUTDOWN_DRAIN_MS    2000       /* on SIGTERM, wait this long for close replies (--drain-ms) */

/* OpenClaw protocol */
#define PROTOCOL_VERSION     4
#define HANDSHAKE_TIMEOUT_MS 15000      /* connect must complete within this */
#define DEVICE_SIGNATURE_SKEW_MS 120000 /* a device signature this old or this early is expired */
#define PRECONNECT_MAX       65536      /* frame limit before connect */
#define TICK_INTERVAL_MS     30000
#define TOKEN_MAX            1024
#define AUTH_FAILURES_MAX    10         /* wrong tokens from one local user in AUTH_WINDOW_MS ... */
#define AUTH_WINDOW_MS       60000
#define AUTH_LOCKOUT_MS      300000     /* ... lock it out this long, as the real gateway does */
#define LIMIT_USERS_MAX      64         /* users each limit keeps (wrong tokens, new devices); the quietest goes */
#define LIMIT_EVENTS_MAX     16         /* the most events a limit counts in its window */
#define CLIENT_FIELD_MAX     128        /* each client string kept for presence, with its NUL */
#define REQUEST_ID_MAX       512        /* bytes of a request id as written */
#define SESSION_KEY_MAX      512        /* bytes of a session key a request names, echoed in its answer */
#define METHOD_MAX           128        /* a method name, with its NUL */
#define METHOD_LIST_MAX      1024       /* the methods served, as JSON, for hello-ok */
#define SCOPE_MAX            64         /* one requested scope, with its NUL; longer ones are not granted */
#define SYSTEM_PRESENCE_MAX  16         /* system-event entries shown in presence; the oldest makes room */
#define SYSTEM_ENTRY_MAX     1024       /* bytes of one, as JSON */
#define PRESENCE_MAX         200        /* entries listed, as the real gateway */
#define PRESENCE_INTERVAL_MS 1000       /* at most one presence broadcast this often, changes coalesced */
#define RANDOM_BATCH         4096       /* random bytes read at a time, for UUIDs and nonces */

/* nodes */
#define NODE_CAPS_MAX        64         /* caps a node may declare */
#define NODE_COMMANDS_MAX    256        /* commands a node may declare */
#define NODE_NAME_MAX        128        /* bytes of one cap or command */
#define NODE_PATH_MAX        4096       /* bytes of a node's PATH */
#define NODE_STATS_MAX       1024       /* bytes of a node's latest host stats */
#define NODE_DECL_MAX        16384      /* bytes a node's caps, commands and PATH take in node.list, escaped */
#define NODES_MAX            64         /* nodes at once: node.list of them all fits JSON_OUT_MAX */
#define NODE_ERROR_MAX       512        /* bytes of a node's error message relayed (cut between characters) */
#define INVOKES_PER_NODE     1024       /* invokes waiting on one node */
#define INVOKES_PER_CALLER   256        /* invokes waiting for one operator connection */
#define INVOKES_MAX          4096       /* invokes waiting, all nodes together */
#define INVOKE_TIMEOUT_MS    30000      /* a node's answer, when the caller gives no timeoutMs */
#define INVOKE_TIMEOUT_MAX_MS 600000    /* the longest timeoutMs honoured */

/* paired devices and the state file */
#define DEVICES_MAX          128        /* paired devices; one more retires an unapproved one, or is refused */
#define RETIRE_AFTER_MS      60000      /* a superseded silent pairing this old is retired (--retire-ms) */
#define PAIRINGS_MAX         10         /* new devices from one local user (not the daemon's) in ... */
#define PAIRING_WINDOW_MS    60000      /* ... this long; then it is refused for ... */
#define PAIRING_LOCKOUT_MS   60000      /* ... this long: each pairing is two fsyncs the loop waits for */
#define STATE_ENTRY_MAX      32768      /* bytes of one device in the state file, its node surface included */
#define STATE_TOKENS         1024       /* JSON values in one such line */
#define STATE_TMP_RANDOM     6          /* random bytes in a temporary file's name (PATH.tmp-<12 hex digits>) */
#define STATE_TMP_TRIES      8          /* names tried before a save gives up (each taken already) */
#define STATE_ASIDE_TRIES    100        /* PATH.damaged-<time>[-N] names tried before the start gives up */
#define STATE_SUFFIX_MAX     40         /* the longest of those suffixes, with the NUL */
#define STATE_FILE_MAX       (DEVICES_MAX * (size_t)STATE_ENTRY_MAX + 64)
#define DEVICE_TOKEN_BYTES   32         /* random bytes of a device token (43 characters of base64url) */

/* JSON */
#define JSON_MAX_DEPTH       32
#define JSON_MAX_TOKENS      8192       /* values in one request */
#define JSON_LIST_MAX        256        /* members of a list of names compared (NODE_COMMANDS_MAX) */
#define CRON_PAGE_DEFAULT    50         /* cron.list page without a limit, as the real gateway; */
#define CRON_PAGE_MAX        200        /* at most this (no jobs here, so only the reply says it) */
#define SESSIONS_PAGE_DEFAULT 100       /* sessions.list's limitApplied without a limit */
#define JSON_OUT_MAX         (2u * 1024 * 1024)   /* one reply or event */

/* the log */
#define LOG_RING_LINES       64         /* the latest log lines kept for logs.tail */
#define LOG_LINE_MAX         256        /* each, with its NUL; longer ones are cut */

/* the options: the defaults above, as the command line changed them */
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
	long retire_ms;                 /* a superseded silent pairing this old is retired */
	char *token;                    /* the token in use; NULL: no auth */
	const char *token_file;         /* where it is read from, at start and on SIGHUP; or NULL */
	const char *state_file;         /* paired devices and approvals; NULL: memory only */
	const char *allow_origin[ALLOW_ORIGIN_MAX];     /* browser origins allowed besides our own */
	int nallow_origin;
};
extern struct options opt;

#endif
