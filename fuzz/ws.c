/*
 * libFuzzer: the frame parser, fed whole, byte by byte, and split at points
 * the input chooses: every way must report the same messages, control frames
 * and error. The UTF-8 validator is checked against a plain reference.
 * Input: 4 bytes that choose the cuts, then the stream (client frames).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../ws.h"

/* what the parser reported, as one byte string, comparable across splits */
struct trace {
	unsigned char *p;
	size_t len, cap;
};

static void
put(struct trace *t, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 64;
		t->p = realloc(t->p, t->cap);
		assert(t->p);
	}
	memcpy(t->p + t->len, p, n);
	t->len += n;
}

/*
 * Feed s[0..n) in pieces ending at the cuts (ascending), keeping the bytes
 * the parser leaves, as conn.c does. Whole messages, control frames and the
 * error go to the trace; data chunks are joined, since their sizes depend
 * on the cuts.
 */
static void
run(const unsigned char *s, size_t n, const size_t *cuts, size_t ncuts, struct trace *t)
{
	struct ws w;
	struct ws_event ev;
	struct trace msg = { NULL, 0, 0 };
	unsigned char *buf = malloc(n + 1), tag[3];
	size_t have = 0, from = 0, off, used, k;

	memset(&w, 0, sizeof w);
	w.max = 1 << 20;
	for (k = 0; k <= ncuts; k++) {
		size_t to = k < ncuts ? cuts[k] : n;
		if (to <= from)
			continue;
		memcpy(buf + have, s + from, to - from);    /* a copy: the parser unmasks in place */
		have += to - from;
		from = to;
		for (off = 0;;) {
			used = ws_parse(&w, buf + off, have - off, &ev);
			off += used;
			if (ev.type == WS_EV_MORE && used == 0)
				break;
			if (ev.type == WS_EV_ERROR) {
				tag[0] = 'E';
				tag[1] = (unsigned char)(ev.code >> 8);
				tag[2] = (unsigned char)ev.code;
				put(t, tag, 3);
				goto out;
			}
			if (ev.type == WS_EV_CONTROL) {
				tag[0] = 'C';
				tag[1] = (unsigned char)ev.opcode;
				tag[2] = (unsigned char)ev.len;
				put(t, tag, 3);
				put(t, ev.data, ev.len);
			} else if (ev.type == WS_EV_DATA) {
				assert(ev.opcode == WS_TEXT || ev.opcode == WS_BINARY);
				put(&msg, ev.data, ev.len);
				if (ev.last) {
					tag[0] = 'M';
					tag[1] = (unsigned char)ev.opcode;
					put(t, tag, 2);
					put(t, &msg.len, sizeof msg.len);
					put(t, msg.p, msg.len);
					msg.len = 0;
				}
			}
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
out:
	free(msg.p);
	free(buf);
}

/* RFC 3629 by code points: 1 valid, 0 invalid, 2 a valid but unfinished tail */
static int
utf8_complete(const unsigned char *s, size_t n)
{
	size_t i = 0, need, k;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		} else if ((s[i] & 0xe0) == 0xc0) {
			need = 1, cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			need = 2, cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			need = 3, cp = s[i] & 0x07;
		} else
			return 0;
		if (n - i - 1 < need)
			return 2;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < (need == 1 ? 0x80u : need == 2 ? 0x800u : 0x10000u) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

static int
utf8_reference(const unsigned char *s, size_t n)
{
	unsigned char pad[4096 + 3];
	int r = utf8_complete(s, n);

	if (r != 2 || n > 4096)
		return r;
	/* an unfinished tail is valid if some ending makes it whole: the lowest or the highest */
	memcpy(pad, s, n);
	memset(pad + n, 0x80, 3);
	if (utf8_complete(pad, n + 1) == 1 || utf8_complete(pad, n + 2) == 1 || utf8_complete(pad, n + 3) == 1)
		return 2;
	memset(pad + n, 0xbf, 3);
	if (utf8_complete(pad, n + 1) == 1 || utf8_complete(pad, n + 2) == 1 || utf8_complete(pad, n + 3) == 1)
		return 2;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace whole = { NULL, 0, 0 }, split = { NULL, 0, 0 };
	size_t cuts[16], *every, i, j, n;
	uint32_t seed, st;
	const unsigned char *s;

	if (size < 4 || size > 4096 + 4)
		return 0;
	seed = (uint32_t)data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3];
	s = data + 4;
	n = size - 4;

	st = utf8_step(UTF8_ACCEPT, s, n);
	assert(utf8_reference(s, n) == (st == UTF8_ACCEPT ? 1 : st == UTF8_REJECT ? 0 : 2));

	run(s, n, NULL, 0, &whole);
	for (i = 0; i < 16 && n > 0; i++) {         /* cuts from the seed, sorted */
		seed = seed * 1103515245u + 12345u;
		cuts[i] = (seed >> 8) % n;
		for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			size_t c = cuts[j];
			cuts[j] = cuts[j - 1];
			cuts[j - 1] = c;
		}
	}
	run(s, n, cuts, n > 0 ? 16 : 0, &split);
	assert(split.len == whole.len && (whole.len == 0 || memcmp(split.p, whole.p, whole.len) == 0));
	split.len = 0;
	every = malloc((n + 1) * sizeof *every);
	for (i = 0; i < n; i++)
		every[i] = i + 1;
	run(s, n, every, n, &split);
	assert(split.len == whole.len && (whole.len == 0 || memcmp(split.p, whole.p, whole.len) == 0));
	free(every);
	free(whole.p);
	free(split.p);
	return 0;
}
