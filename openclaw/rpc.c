/*
 * The frames of the OpenClaw protocol, shared by the broker and the protocol
 * core above it: the request being read, the reply being written, errors
 * in the real gateway's shape, events, and the random ids.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "json.h"
#include "conn.h"
#include "rpc.h"
#include "counters.h"

struct json_tok rpc_tok[JSON_MAX_TOKENS];       /* the request being read */
static char out[JSON_OUT_MAX];                  /* the frame being written */
static int random_fd = -1;

void
rpc_init(void)
{
	if ((random_fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		die("cannot open /dev/urandom: nonces would be guessable");
}

/*
 * Random bytes, read RANDOM_BATCH at a time (two UUIDs a connect: one
 * read(2) per 128 connects, not two each); each is handed out once and
 * wiped from the pool.
 */
void
rpc_random(unsigned char *b, size_t n)
{
	static unsigned char pool[RANDOM_BATCH];
	static size_t left;
	size_t got = 0, k;
	ssize_t r;

	while (n > 0) {
		if (left == 0) {
			for (got = 0; got < sizeof pool; ) {
				if ((r = read(random_fd, pool + got, sizeof pool - got)) > 0)
					got += (size_t)r;
				else if (r == 0 || errno != EINTR)
					die("cannot read /dev/urandom");
			}
			left = sizeof pool;
		}
		k = n < left ? n : left;
		memcpy(b, pool + sizeof pool - left, k);
		memset(pool + sizeof pool - left, 0, k);
		left -= k, b += k, n -= k;
	}
}

/* A random (version 4) UUID: unguessable, so it serves as a nonce too. */
void
uuid(char s[UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t i, k;

	rpc_random(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (i = k = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s[k++] = '-';
		s[k++] = hex[b[i] >> 4];
		s[k++] = hex[b[i] & 15];
	}
	s[k] = '\0';
}

const char *const scope_names[] = {
	"operator.admin", "operator.read", "operator.write", "operator.sessions.read",
	"operator.sessions.write", "operator.approvals", "operator.questions", "operator.pairing",
	"operator.talk", "operator.talk.secrets", NULL
};

void
rpc_scopes(struct jw *w, unsigned scopes)
{
	int k, first = 1;

	JW_LIT(w, "[");
	for (k = 0; scope_names[k]; k++)
		if (scopes & (1u << k)) {
			jw_printf(w, "%s\"%s\"", first ? "" : ",", scope_names[k]);
			first = 0;
		}
	JW_LIT(w, "]");
}

/* the real operatorScopeSatisfied: write implies read, talk and the session scopes */
int
rpc_allowed(unsigned need, unsigned granted)
{
	if (granted & (need | S_ADMIN))
		return 1;
	if ((need & (S_READ | S_TALK | S_SESSIONS_READ | S_SESSIONS_WRITE)) && (granted & S_WRITE))
		return 1;
	return need == S_SESSIONS_READ && (granted & (S_READ | S_SESSIONS_WRITE));
}

/* may this session hear what needs operator.read (presence)? as the real gateway's scope-gated broadcasts */
int
rpc_reads(const struct session *s)
{
	return s->role == ROLE_OPERATOR && rpc_allowed(S_READ, s->scopes);
}

struct jw
rpc_writer(void)
{
	return jw_init(out, sizeof out);
}

void
rpc_send(struct conn *c, struct jw *w)
{
	static struct tally unsent = { "dropped", "response", NULL, 0, 0, NULL, 0, 0 };

	if (w->overflow) {
		tally(&unsent, "over the reply buffer, JSON_OUT_MAX");     /* no reply is this large: a bug */
		return;
	}
	if (ws_send(c, WS_TEXT, w->p, w->len) == 0)
		COUNT_SENT(w->len);
}

/*
 * A frame larger than the reply buffer may need (an invoke relayed with
 * its payload): build writes it, once to count its bytes, then into a
 * buffer of that size, charged to the memory budget. Its size, or 0 if it
 * was sent; if it was not (more than a client may have queued, or no room
 * in the budget), nothing is, and the caller answers with an error.
 */
size_t
rpc_send_large(struct conn *to, void (*build)(struct jw *w, const void *arg), const void *arg)
{
	struct jw w = jw_init(NULL, OUT_QUEUE_MAX);
	size_t size;
	char *p;
	int sent = 0;

	build(&w, arg);
	if (!w.overflow && w.len <= JSON_OUT_MAX) {
		w = rpc_writer();
		build(&w, arg);
		rpc_send(to, &w);
		return 0;
	}
	size = w.len;
	if (w.overflow || conn_room(to, size) < 0)
		return size;
	if ((p = malloc(size)) != NULL) {
		w = jw_init(p, size);
		build(&w, arg);
		if (ws_send(to, WS_TEXT, p, w.len) == 0)
			COUNT_SENT(w.len);
		free(p);
		sent = 1;
	}
	conn_unroom(to, size);
	return sent ? 0 : size;
}

/* {"type":"res","id":<id>,"ok":<ok>, -- the id as the client wrote it (raw JSON) */
void
rpc_reply(struct jw *w, const char *id, int ok)
{
	JW_LIT(w, "{\"type\":\"res\",\"id\":");
	jw_cat(w, id);
	jw_printf(w, ",\"ok\":%s,", ok ? "true" : "false");
}

/* a reply with this payload (JSON) */
void
rpc_ok(struct conn *c, const char *id, const char *payload)
{
	struct jw w = rpc_writer();

	rpc_reply(&w, id, 1);
	JW_LIT(&w, "\"payload\":");
	jw_cat(&w, payload);
	JW_LIT(&w, "}");
	rpc_send(c, &w);
}

/* an error reply; more: further members of the error object (",\"details\":{...}"), or NULL */
void
rpc_error(struct conn *c, const char *id, const char *code, const char *message, const char *more)
{
	struct jw w = rpc_writer();

	rpc_reply(&w, id, 0);
	jw_printf(&w, "\"error\":{\"code\":\"%s\",\"message\":", code);
	jw_str(&w, message);
	if (more)
		jw_cat(&w, more);
	JW_LIT(&w, "}}");
	rpc_send(c, &w);
}

/*
 * An event. Broadcasts carry the connection's seq; an event meant for one
 * connection only (a node's invoke request) carries none, as in the real
 * gateway.
 */
void
rpc_event(struct conn *c, const char *name, const char *payload, int numbered)
{
	struct jw w = rpc_writer();

	jw_printf(&w, "{\"type\":\"event\",\"event\":\"%s\",\"payload\":", name);
	jw_cat(&w, payload);
	if (numbered)
		jw_printf(&w, ",\"seq\":%llu", ++c->sess->seq);
	JW_LIT(&w, "}");
	rpc_send(c, &w);
}

/* an event to every operator whose scopes allow need, numbered; a slow one misses it, as in the real gateway */
void
rpc_broadcast(unsigned need, const char *name, const char *payload)
{
	int i;

	for (i = 0; i < nconns; i++)
		if (conns[i]->sess && conns[i]->sess->authed && conns[i]->state == C_OPEN &&
		    conns[i]->sess->role == ROLE_OPERATOR && rpc_allowed(need, conns[i]->sess->scopes) &&
		    conn_pending(conns[i]) <= OUT_HIGH_WATER)
			rpc_event(conns[i], name, payload, 1);
}

/* A method's params (absent: as {}) checked against its schema; -1, and the real error sent, if they fail. */
int
rpc_checked(struct conn *c, const struct rpc_req *r, const struct json_field *schema)
{
	char why[512], msg[640];

	if (json_check(r->p, rpc_tok, r->params, schema, why, sizeof why) == 0)
		return 0;
	snprintf(msg, sizeof msg, "invalid %s params: %s", r->method, why);
	rpc_error(c, r->id, "INVALID_REQUEST", msg, NULL);
	return -1;
}
