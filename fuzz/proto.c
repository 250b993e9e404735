/*
 * libFuzzer: the protocol handler (proto.c) with the connection layer's send
 * and close primitives captured. Every frame it sends must be one JSON object
 * in valid UTF-8; every close a valid code with a UTF-8 reason.
 * Input: a flags byte (bit 0: a token is required; bit 1: shut down at the
 * end; bit 3: the second connection finds no room), then records of
 * [connection, opcode and tick byte][length, 2 bytes][message].
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../log.h"
#include "../conn.h"
#include "../openclaw/rpc.h"
#include "../openclaw/proto.h"

/* what conn.c and gateway.c would provide */
struct options opt;
static struct conn *table[2];
struct conn **conns = table;
int nconns, conns_max = 2, draining;
const struct app *app = &proto_app;

static struct json_tok tok[JSON_MAX_TOKENS];
static int flags;

int
conn_authenticated(struct conn *c)
{
	return (c->fd & 1) && (flags & 8) ? -1 : 0;     /* the second connection may find no room */
}

size_t
conn_pending(const struct conn *c)
{
	(void)c;
	return 0;
}

int
conn_room(struct conn *c, size_t n)
{
	(void)c, (void)n;
	return flags & 16 ? -1 : 0;     /* a budget with no room left */
}

void
conn_unroom(struct conn *c, size_t n)
{
	(void)c, (void)n;
}

long
conn_uid(struct conn *c)
{
	return c->uid;
}

size_t
conn_backlog(const struct conn *c)
{
	(void)c;
	return 0;
}

/* the status page's and /metrics' writes: no input here asks for them */
int
conn_writev(struct conn *c, const struct iovec *iov, int n)
{
	(void)c, (void)iov, (void)n;
	return 0;
}

int
conn_write(struct conn *c, const void *p, size_t n)
{
	(void)c, (void)p, (void)n;
	return 0;
}

void
conn_drain(struct conn *c)
{
	(void)c;
}

int
ws_sendv(struct conn *c, int opcode, const struct iovec *parts, int n)
{
	unsigned char *p;
	size_t len = 0, off = 0;
	int i, r;

	if (c->state != C_OPEN)
		return -1;
	assert(n >= 1 && n <= WS_PARTS_MAX);
	for (i = 0; i < n; i++)
		len += parts[i].iov_len;
	p = malloc(len + 1);
	for (i = 0; i < n; i++) {
		if (parts[i].iov_len)
			memcpy(p + off, parts[i].iov_base, parts[i].iov_len);
		off += parts[i].iov_len;
	}
	assert(opcode == WS_TEXT);
	assert(utf8_step(UTF8_ACCEPT, p, len) == UTF8_ACCEPT);
	r = json_parse((const char *)p, len, tok, JSON_MAX_TOKENS);
	assert(r > 0 && tok[0].type == JSON_OBJECT);
	free(p);
	return 0;
}

int
ws_send(struct conn *c, int opcode, const void *p, size_t n)
{
	struct iovec iov;

	iov.iov_base = (void *)p;
	iov.iov_len = n;
	return ws_sendv(c, opcode, &iov, 1);
}

void
ws_close(struct conn *c, unsigned code, const char *reason)
{
	if (c->state != C_OPEN)
		return;
	assert(code == 0 || ws_close_code_valid(code));
	assert(utf8_step(UTF8_ACCEPT, (const unsigned char *)reason, strlen(reason)) == UTF8_ACCEPT);
	c->state = C_CLOSING;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static struct conn c[2];
	size_t off = 1, len;
	int i, which;

	if (size < 1)
		return 0;
	if (!ready) {
		opt.max_payload = WS_MAX_PAYLOAD;
		opt.tick_ms = TICK_INTERVAL_MS;
		opt.idle_ms = WS_IDLE_MS;
		opt.port = DEFAULT_PORT;
		proto_init(1);
		ready = 1;
	}
	flags = data[0];
	opt.token = data[0] & 1 ? "s3cret" : NULL;
	draining = 0;
	nconns = 2;
	for (i = 0; i < 2; i++) {
		memset(&c[i], 0, sizeof c[i]);
		c[i].fd = 100 + i;
		c[i].state = C_OPEN;
		conns[i] = &c[i];
		app->open(&c[i]);
	}
	while (size - off >= 3) {
		which = data[off] & 1;
		len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		if (c[which].state == C_OPEN)
			app->message(&c[which], data[off - 3] & 2 ? WS_BINARY : WS_TEXT, data + off, len);
		off += len;
		if (data[off - len - 3] & 4)
			app->tick(now_ms() + TICK_INTERVAL_MS);
	}
	if (data[0] & 2) {                      /* shut down, as gateway.c does */
		draining = 1;
		for (i = 0; i < 2; i++) {
			app->shutdown(&c[i]);
			ws_close(&c[i], 1012, "service restart");
		}
	}
	for (i = 1; i >= 0; i--) {              /* each leaves the table before it is freed */
		nconns = i;
		app->closed(&c[i]);
		assert(c[i].sess == NULL);
	}
	return 0;
}
