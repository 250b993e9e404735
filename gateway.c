/*
 * gateway: main, options, and the one event loop that serves every socket
 * (event.c: epoll, kqueue or poll()). Signals reach the loop through a
 * self-pipe; the timers' earliest deadline is the wait's timeout.
 * The connection layer (conn.c) does the work for each client; the
 * application behind it, echo or the OpenClaw protocol, is chosen here once.
 * Built with GATEWAY_MINIMAL (make minimal), it is the daemon the design
 * card names and nothing more: the root's files alone, echo on every
 * WebSocket, and no option of the application.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "notify.h"
#include "peer.h"
#include "lock.h"
#include "probe.h"
#include "pool.h"
#include "event.h"
#include "timer.h"
#include "conn.h"
#include "serve.h"
#include "echo.h"
#ifndef GATEWAY_MINIMAL
#include "openclaw/token.h"
#include "openclaw/proto.h"
#define APPLICATION(s) s        /* what only the full build takes, in the usage and help texts */
#define BUILD ""                /* after the event backend, in --version */
#else
#define APPLICATION(s) ""
#define BUILD ", minimal"
#endif

struct options opt;
static int listeners[2], nlisteners;
static int sigpipe[2];
static int reserve_fd = -1;             /* spare descriptor, given up to shed a connection on EMFILE */
static int accepting;                   /* the listeners are watched: not out of descriptors, not shutting down */
static int users_at_accept;             /* the application needs each peer's user at once (no token) */
static long long drain_deadline;
static struct tally refused = { "refused", "connection", NULL, 0, 0, NULL, 0, 0 };

static const char usage_text[] =
    "usage: gateway [--port PORT]" APPLICATION(" [--token-file PATH | --token TOKEN] [--state-file PATH]") " [--echo]\n"
    "               [--max-payload BYTES] [--max-memory BYTES] [--max-clients N]\n"
    "               [--idle-ms MS]" APPLICATION(" [--tick-ms MS] [--retire-ms MS]") " [--drain-ms MS] [--ready-fd N]\n"
    "               [--allow-origin ORIGIN]... [--verbose] [--help] [--version]\n"
    "       gateway health [--port PORT] [--timeout MS]\n";

static const char help_text[] =
    "\n"
    "Serve the gateway WebSocket on ws://127.0.0.1:PORT (and [::1] where present).\n"
    "Holding the port is the lock: one gateway per port per host.\n"
    "\n"
    "  --port PORT          port, 1-65535 (else $OPENCLAW_GATEWAY_PORT, else 18789)\n"
    APPLICATION(
    "  --token-file PATH    require this token from clients (first line of PATH)\n"
    "  --token TOKEN        the same, but other users can read argv with ps:\n"
    "                       prefer --token-file or $OPENCLAW_GATEWAY_TOKEN\n"
    "                       (no token: only this user, and root, may connect)\n"
    "  --state-file PATH    keep paired devices and node approvals in PATH, across\n"
    "                       restarts (else $GATEWAY_STATE_FILE; else in memory only)\n"
    "  --echo               plain RFC 6455 echo server, for conformance suites\n")
#ifdef GATEWAY_MINIMAL
    "  --echo               what this build always is: a plain RFC 6455 echo server\n"
#endif
    "  --allow-origin ORIGIN  let web pages of ORIGIN (scheme://host[:port]) connect,\n"
    "                       besides http://127.0.0.1:PORT, localhost and [::1]; repeatable\n"
    "  --max-payload BYTES  largest WebSocket message (default 16777216)\n"
    "  --max-memory BYTES   all client buffers together (default 67108864)\n"
    "  --max-clients N      authenticated clients at once (default 1024)\n"
    "  --idle-ms MS         ping a silent client after MS, drop it after 2*MS (default 30000)\n"
    APPLICATION("  --tick-ms MS         tick event interval (default 30000; shorter only for tests)\n"
    "  --retire-ms MS       retire a device's silent pairing once a newer one of the same\n"
    "                       client replaced it and it is MS old (default 60000)\n")
    "  --drain-ms MS        on SIGTERM/SIGINT, wait at most MS for clients to close (default 2000)\n"
    "  --ready-fd N         once listening, write a newline to descriptor N and close it\n"
    "                       (s6); with $NOTIFY_SOCKET, READY=1 is sent there (systemd)\n"
    "  --verbose            log every connection\n"
    "  --help, --version\n"
    "\n"
    "gateway health asks /healthz on 127.0.0.1:PORT and prints one line: exit 0 if a\n"
    "gateway is live, 1 if not (--timeout MS, default 3000), 64 usage.\n"
    "\n"
    "Exit status: 0 clean stop, 1 failure, 64 usage, 78 port already held"
    APPLICATION(" or a state file\nanother user could have shaped") ".\n";

/* the complaint, then the usage, then exit 64; an expression, for VALUE() below */
#define usage_error(...) (logmsg(__VA_ARGS__), fputs(usage_text, stderr), exit(EXIT_USAGE))

/* options */

static long
number(const char *what, const char *s, long min, long max)
{
	long v = 0;
	int big = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (*p - '0')) / 10)
			big = 1;                /* checked before it can overflow, even with a 32-bit long */
		else
			v = v * 10 + (*p - '0');
	}
	if (p == s || *p != '\0' || big || v < min)
		usage_error("invalid %s '%s': must be a whole number from %ld to %ld",
		    what, s, min, max);
	return v;
}

/* what gateway health takes */
static int
probe_option(const char *name)
{
	return strcmp(name, "--port") == 0 || strcmp(name, "--timeout") == 0 || strcmp(name, "--help") == 0 ||
	    strcmp(name, "--version") == 0;
}

/* a browser origin as browsers send it: scheme://host[:port], nothing after */
static void
allow_origin(const char *o)
{
	const char *host = strstr(o, "://");

	if (host == o || host == NULL || host[3] == '\0' || strchr(host + 3, '/') || strlen(o) > 255)
		usage_error("invalid --allow-origin '%s': must be scheme://host[:port]", o);
	if (opt.nallow_origin == ALLOW_ORIGIN_MAX)
		usage_error("at most %d --allow-origin", ALLOW_ORIGIN_MAX);
	opt.allow_origin[opt.nallow_origin++] = o;
}

static void
parse_options(int argc, char *argv[])
{
	const char *env;
	char *arg, *val;
	size_t n;
	int i, port = 0;

	opt.max_payload = WS_MAX_PAYLOAD;
	opt.max_memory = MEMORY_BUDGET;
	opt.max_clients = MAX_CONNS;
	opt.ready_fd = -1;
	opt.timeout_ms = PROBE_TIMEOUT_MS;
	opt.idle_ms = WS_IDLE_MS;
	opt.tick_ms = TICK_INTERVAL_MS;
	opt.drain_ms = SHUTDOWN_DRAIN_MS;
	opt.retire_ms = RETIRE_AFTER_MS;
	i = 1;
	if (argc > 1 && strcmp(argv[1], "health") == 0)
		opt.health = i++;               /* the probe: only --port and --timeout */
	for (; i < argc; i++) {
		arg = argv[i];
		val = NULL;
		n = strcspn(arg, "=");
		if (arg[n] == '=')
			val = arg + n + 1;
#define OPTION(name) (strncmp(arg, name, n) == 0 && name[n] == '\0' && (!opt.health || probe_option(name)))
#define VALUE(name) (val ? val : i + 1 < argc ? argv[++i] : \
	    (usage_error("option %s needs a value", name), ""))
		if (OPTION("--help") && !val) {
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			exit(0);
		} else if (OPTION("--version") && !val) {
			printf("gateway %s (%s%s)\n", GATEWAY_VERSION, ev_backend(), BUILD);
			exit(0);
		} else if (OPTION("--verbose") && !val) {
			opt.verbose = 1;
		} else if (OPTION("--echo") && !val) {
			opt.echo = 1;
		} else if (OPTION("--port")) {
			port = (int)number("port", VALUE("--port"), 1, 65535);
		} else if (OPTION("--max-payload")) {
			opt.max_payload = (uint64_t)number("--max-payload", VALUE("--max-payload"),
			    1, MAX_PAYLOAD_LIMIT);
		} else if (OPTION("--max-memory")) {
			opt.max_memory = (size_t)number("--max-memory", VALUE("--max-memory"), 65536,
			    (long)MEMORY_BUDGET_LIMIT);
		} else if (OPTION("--max-clients")) {
			opt.max_clients = (int)number("--max-clients", VALUE("--max-clients"), 1, MAX_CLIENTS_LIMIT);
		} else if (OPTION("--ready-fd")) {
			opt.ready_fd = (int)number("--ready-fd", VALUE("--ready-fd"), 0, 65535);
		} else if (OPTION("--idle-ms")) {
			opt.idle_ms = number("--idle-ms", VALUE("--idle-ms"), 1, 86400000);
		} else if (OPTION("--drain-ms")) {
			opt.drain_ms = number("--drain-ms", VALUE("--drain-ms"), 1, 86400000);
		} else if (OPTION("--allow-origin")) {
			allow_origin(VALUE("--allow-origin"));
		} else if (OPTION("--timeout") && opt.health) {
			opt.timeout_ms = number("--timeout", VALUE("--timeout"), 1, 86400000);
#ifndef GATEWAY_MINIMAL
		} else if (OPTION("--tick-ms")) {
			opt.tick_ms = number("--tick-ms", VALUE("--tick-ms"), 1, 86400000);
		} else if (OPTION("--retire-ms")) {
			opt.retire_ms = number("--retire-ms", VALUE("--retire-ms"), 0, 86400000);
		} else if (OPTION("--token")) {
			opt.token = VALUE("--token");
		} else if (OPTION("--token-file")) {
			opt.token_file = VALUE("--token-file");
		} else if (OPTION("--state-file")) {
			opt.state_file = VALUE("--state-file");
#endif
		} else if (strcmp(arg, "health") == 0) {
			usage_error("health is a subcommand, and comes first: gateway health [--port PORT] [--timeout MS]");
		} else {
			usage_error("unknown option '%s'", arg);
		}
#undef OPTION
#undef VALUE
	}
	if (port == 0 && (env = getenv("OPENCLAW_GATEWAY_PORT")) != NULL)
		port = (int)number("OPENCLAW_GATEWAY_PORT", env, 1, 65535);
	opt.port = port ? port : DEFAULT_PORT;
	/* checked before anything is opened: a closed N would become our listener, and be closed */
	if (opt.ready_fd >= 0 && (opt.ready_fd <= 2 || fcntl(opt.ready_fd, F_SETFD, FD_CLOEXEC) < 0))
		usage_error("--ready-fd %d: must be an open descriptor above 2 (0, 1 and 2 are stdin, stdout, stderr)",
		    opt.ready_fd);
#ifndef GATEWAY_MINIMAL
	if (opt.token && opt.token_file)
		usage_error("--token and --token-file exclude each other");
	if (!opt.token && !opt.token_file && (env = getenv("OPENCLAW_GATEWAY_TOKEN")) != NULL) {
		if (!*env)      /* a token meant and lost (an unset variable expanded): never silently none */
			usage_error("$OPENCLAW_GATEWAY_TOKEN is set but empty: give it the token, or unset it for none");
		opt.token = (char *)env;
	}
	if (!opt.state_file && (env = getenv("GATEWAY_STATE_FILE")) != NULL && *env)
		opt.state_file = env;
	if (opt.state_file && (!*opt.state_file || strlen(opt.state_file) + STATE_SUFFIX_MAX > PATH_MAX))
		usage_error("--state-file: a path of 1 to %d bytes", PATH_MAX - STATE_SUFFIX_MAX);
	if ((opt.token && (!*opt.token || strlen(opt.token) > TOKEN_MAX)))
		usage_error("the token must be 1 to %d bytes", TOKEN_MAX);
#endif
}

#ifndef GATEWAY_MINIMAL
/* the OpenClaw protocol, or echo mode for conformance suites; the listening line's note */
static const char *
application(int users_known)
{
	const char *why;

	if (opt.token_file && (why = token_load()) != NULL)
		die("%s", why);
	if (opt.echo) {
		app = &echo_app;
		return "echo mode: no authentication";
	}
	app = &proto_app;
	users_at_accept = !opt.token;           /* with no token, only the daemon's own user may connect */
	return proto_init(users_known);
}
#else
/* the card's daemon alone: echo on every WebSocket */
static const char *
application(int users_known)
{
	(void)users_known;
	app = &echo_app;
	return "echo mode: no authentication";
}
#endif

/* signals arrive as bytes on a pipe, read by the loop like any socket */

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	(void)!write(sigpipe[1], &b, 1);
	errno = saved;
}

static void
setup_signals(void)
{
	struct sigaction sa;

	if (pipe(sigpipe) < 0 || set_flags(sigpipe[0]) < 0 || set_flags(sigpipe[1]) < 0)
		die("pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);          /* a vanished peer is an EPIPE, not our death */
	sigaction(SIGUSR1, &sa, NULL);          /* stray signals are no reason to drop every client */
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);           /* reread the token file (the minimal build has none) */
}

/* accept */

static int
is_listener(const void *data)
{
	return data == &listeners[0] || data == &listeners[1];
}

/*
 * The listeners watched for connects, or not (out of descriptors, or
 * shutting down). A kernel with no memory to watch them cannot serve: it
 * is said, and the daemon exits, rather than sit deaf.
 */
static void
watch_listeners(int on)
{
	int i;

	if (accepting == on)
		return;
	for (i = 0; i < nlisteners; i++)
		if (ev_watch(listeners[i], on ? 0 : EV_READ, on ? EV_READ : 0, &listeners[i]) < 0)
			die("%s: cannot watch the listener: %s", ev_backend(), strerror(errno));
	accepting = on;
}

/*
 * Take what waits on the listener, at most ACCEPTS_PER_WAKEUP a turn so a
 * flood of connects cannot starve the clients. Where the application needs
 * each peer's user at once, or the pre-auth pool will make room as they
 * come, their users are learned together (one /proc pass for the batch
 * where there is no sock_diag, not one for each); then each is given to
 * conn.c, which may refuse it.
 */
static void
accept_clients(int lfd)
{
	int fds[ACCEPTS_PER_WAKEUP], i, n = 0, fd;
	long uids[ACCEPTS_PER_WAKEUP];
	const char *why;

	if (reserve_fd < 0)                     /* lost to a full table before: take it back */
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
		if ((fd = ev_accept(lfd)) >= 0) {
			fds[n++] = fd;
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EMFILE && errno != ENFILE)
			break;
		if (reserve_fd < 0) {
			/* nothing to shed with: stop watching the listeners until a client closes */
			watch_listeners(0);
			break;
		}
		/* out of descriptors: spend the reserve to refuse one, rather than spin on it */
		close(reserve_fd);
		if ((fd = accept(lfd, NULL, NULL)) >= 0)
			close(fd);
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;                  /* nobody was waiting after all */
		tally(&refused, "out of file descriptors");
	}
	if (users_at_accept || pool_size(POOL_PREAUTH) + n > PREAUTH_MAX)
		peer_uids(fds, uids, n);        /* the pool makes room as they come: all told apart in one query */
	else
		for (i = 0; i < n; i++)
			uids[i] = PEER_UNLEARNED;       /* learned if the pools or the budget need to tell users apart */
	for (i = 0; i < n; i++)
		if ((why = conn_new(fds[i], uids[i])) != NULL) {
			close(fds[i]);
			tally(&refused, why);
		}
}

/* shutdown */

static void
start_drain(int sig)
{
	int i;

	logmsg("received %s; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	notify("STOPPING=1");
	drain_deadline = now_ms() + opt.drain_ms;
	watch_listeners(0);
	for (i = 0; i < nlisteners; i++)
		close(listeners[i]);            /* the port is free for a successor now */
	nlisteners = 0;
	/* a request in progress may finish (and hear 503 from /readyz) until the deadline */
	conns_shutdown();
}

static void
read_signals(void)
{
	unsigned char b;

	while (read(sigpipe[0], &b, 1) == 1) {
		if (b == SIGHUP) {
#ifndef GATEWAY_MINIMAL
			token_reread();
#endif
			continue;
		}
		if (draining) {
			logmsg("received %s again; exiting now", b == SIGINT ? "SIGINT" : "SIGTERM");
			exit(1);
		}
		start_drain(b);
	}
}

/* the loop */

static void
serve(void)
{
	static struct ev_fired fired[EVENTS_MAX];
	long long now, next, tick, report;
	int i, n, timeout, freed;

	if (ev_watch(sigpipe[0], 0, EV_READ, &sigpipe[0]) < 0)
		die("%s: %s", ev_backend(), strerror(errno));
	watch_listeners(1);
	for (;;) {
		now = now_ms();
		conns_timers(now);
		tick = app->tick ? app->tick(now) : -1;
		report = tallies_report(now, 0);
		conns_settle(&freed);           /* last: what the timers and the tick did is watched and timed */
		if (freed && !draining)
			watch_listeners(1);     /* a descriptor is free again */
		next = timer_next();
		if (tick >= 0 && (tick < next || next < 0))
			next = tick;
		if (report >= 0 && (report < next || next < 0))
			next = report;
		if (draining) {
			if (nconns == 0 || now >= drain_deadline)
				break;
			if (next < 0 || drain_deadline < next)
				next = drain_deadline;
		}
		timeout = next < 0 ? -1 : next - now > 86400000 ? 86400000 : next < now ? 0 : (int)(next - now);
		if ((n = ev_wait(fired, EVENTS_MAX, timeout)) < 0) {
			if (errno == EINTR)
				continue;
			die("%s: %s", ev_backend(), strerror(errno));
		}
		/* the clients first, then newcomers, then signals: what is under way finishes before more come */
		for (i = 0; i < n; i++)
			if (fired[i].data != &sigpipe[0] && !is_listener(fired[i].data))
				conn_io(fired[i].data, fired[i].mask);
		for (i = 0; i < n; i++)
			if (accepting && is_listener(fired[i].data))    /* not if closed, or paused, since the wait */
				accept_clients(*(int *)fired[i].data);
		for (i = 0; i < n; i++)
			if (fired[i].data == &sigpipe[0])
				read_signals();
	}
	conns_free_all();
	tallies_report(now_ms(), 1);
}

/* the soft descriptor limit up to the hard one: the client limits, not the table, should bind first */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char *argv[])
{
	const char *note;
	int users_known;

	parse_options(argc, argv);
	if (opt.health)
		return probe_health(opt.port, opt.timeout_ms);
	/* the bind comes first: it is the lock */
	nlisteners = lock_listen(opt.port, listeners);
	log_init();
	setup_signals();
	users_known = peer_init();
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	note = application(users_known);
	raise_nofile();
	conns_init();
	logmsg("listening on ws://127.0.0.1:%d (pid %ld); %s", opt.port, (long)getpid(), note);
	notify("READY=1");
	notify_fd(opt.ready_fd);
	serve();
	logmsg("stopped");
	return 0;
}
