/*
 * libFuzzer: the JSON reader and writer. A document the reader accepts is
 * written again with the writer, token by token; the reader must accept that
 * too, with the same structure and the same decoded strings.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../openclaw/json.h"

#define MAX_TOKENS 512

static struct json_tok a[MAX_TOKENS], b[MAX_TOKENS];
static char out[1 << 17], s1[1 << 16], s2[1 << 16];

/* Write the value at i (and its children); returns the token after them. */
static int
rewrite(struct jw *w, const char *s, const struct json_tok *t, int i)
{
	unsigned k;
	int j = i + 1;
	long n;

	switch (t[i].type) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		jw_raw(w, t[i].type == JSON_OBJECT ? "{" : "[", 1);
		for (k = 0; k < t[i].count; k++) {
			if (k)
				JW_LIT(w, ",");
			if (t[i].type == JSON_OBJECT) {
				j = rewrite(w, s, t, j);        /* the key */
				JW_LIT(w, ":");
			}
			j = rewrite(w, s, t, j);
		}
		jw_raw(w, t[i].type == JSON_OBJECT ? "}" : "]", 1);
		return j;
	case JSON_STRING:
		n = json_string(s, t, i, s1, sizeof s1);
		if (n < 0) {                            /* holds a NUL, or longer than s1: keep the text */
			jw_raw(w, s + t[i].start - 1, t[i].len + 2);
			return j;
		}
		jw_string(w, s1, (size_t)n);
		return j;
	default:
		jw_raw(w, s + t[i].start, t[i].len);
		return j;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct jw w = jw_init(out, sizeof out);
	long n1, n2;
	int na, nb, i;

	na = json_parse(s, size, a, MAX_TOKENS);
	if (na <= 0)
		return 0;
	assert(a[0].next == na);
	rewrite(&w, s, a, 0);
	assert(!w.overflow);
	nb = json_parse(out, w.len, b, MAX_TOKENS);
	assert(nb == na);
	for (i = 0; i < na; i++) {
		assert(a[i].type == b[i].type && a[i].count == b[i].count && a[i].next == b[i].next);
		if (a[i].type != JSON_STRING)
			continue;
		n1 = json_string(s, a, i, s1, sizeof s1);
		n2 = json_string(out, b, i, s2, sizeof s2);
		assert(n1 == n2 && (n1 < 0 || memcmp(s1, s2, (size_t)n1) == 0));
		if (n1 >= 0)
			assert(json_get(out, b, 0, s1) == json_get(s, a, 0, s1) || a[0].type != JSON_OBJECT ||
			    strlen(s1) >= 63);
	}
	return 0;
}
