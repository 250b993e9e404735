/*
 * A strict JSON (RFC 8259) reader and a writer, both over caller memory.
 *
 * The reader checks a whole document and lays it out as tokens, each value
 * followed by its children, with no allocation. Limits: JSON_MAX_DEPTH
 * nesting, JSON_MAX_TOKENS values, and the caller's length. Strings must be
 * valid UTF-8; a \u escape of a lone surrogate is refused, since it cannot be
 * written as UTF-8. Duplicate keys: the last one wins, as in JavaScript's
 * JSON.parse, so this reader and the real gateway see the same value.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ws.h"
#include "json.h"

struct reader {
	const unsigned char *s;
	size_t len, pos;
	struct json_tok *t;
	int ntok, max;
	int full;                       /* ran out of tokens */
};

static void
skip_ws(struct reader *r)
{
	while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
	    r->s[r->pos] == '\n' || r->s[r->pos] == '\r'))
		r->pos++;
}

static int
hex4(const unsigned char *p, unsigned *v)
{
	int i;

	for (*v = 0, i = 0; i < 4; i++) {
		*v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			*v |= p[i] - '0';
		else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')
			*v |= (p[i] | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return 0;
}

/*
 * Decode the string whose raw text (between the quotes) is s[0..n) into out
 * (NULL: only check it). Returns the decoded length, or -1 if invalid or if
 * it does not fit in cap.
 */
static long
decode(const unsigned char *s, size_t n, char *out, size_t cap)
{
	size_t i = 0, o = 0, k;
	unsigned cp, lo;
	unsigned char u[4];
	uint32_t st = UTF8_ACCEPT;

	while (i < n) {
		if (s[i] != '\\') {
			if (s[i] < 0x20)
				return -1;
			if (s[i] < 0x80 && st == UTF8_ACCEPT) {        /* ASCII: nothing to check */
				if (out && o < cap)
					out[o] = (char)s[i];
				o++;
				i++;
				continue;
			}
			st = utf8_step(st, s + i, 1);
			if (st == UTF8_REJECT)
				return -1;
			if (out && o < cap)
				out[o] = (char)s[i];
			o++;
			i++;
			continue;
		}
		if (st != UTF8_ACCEPT || ++i >= n)
			return -1;
		k = 0;
		switch (s[i++]) {
		case '"': u[k++] = '"'; break;
		case '\\': u[k++] = '\\'; break;
		case '/': u[k++] = '/'; break;
		case 'b': u[k++] = '\b'; break;
		case 'f': u[k++] = '\f'; break;
		case 'n': u[k++] = '\n'; break;
		case 'r': u[k++] = '\r'; break;
		case 't': u[k++] = '\t'; break;
		case 'u':
			if (n - i < 4 || hex4(s + i, &cp) < 0)
				return -1;
			i += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1;              /* a low surrogate first */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u' ||
				    hex4(s + i + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
					return -1;
				i += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp < 0x80)
				u[k++] = (unsigned char)cp;
			else if (cp < 0x800) {
				u[k++] = (unsigned char)(0xc0 | cp >> 6);
				u[k++] = (unsigned char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				u[k++] = (unsigned char)(0xe0 | cp >> 12);
				u[k++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
				u[k++] = (unsigned char)(0x80 | (cp & 0x3f));
			} else {
				u[k++] = (unsigned char)(0xf0 | cp >> 18);
				u[k++] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
				u[k++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
				u[k++] = (unsigned char)(0x80 | (cp & 0x3f));
			}
			break;
		default:
			return -1;
		}
		if (out && o + k <= cap)
			memcpy(out + o, u, k);
		o += k;
	}
	if (st != UTF8_ACCEPT || (out && o > cap))
		return -1;
	return (long)o;
}

static int value(struct reader *r, int depth);

static int
token(struct reader *r, int type, size_t start)
{
	struct json_tok *t;

	if (r->ntok == r->max) {
		r->full = 1;
		return -1;
	}
	if (r->t == NULL)
		return r->ntok++;               /* only checking: nothing is kept */
	t = &r->t[r->ntok];
	t->type = type;
	t->start = start;
	t->len = 0;
	t->count = 0;
	return r->ntok++;
}

static int
string(struct reader *r)
{
	size_t start = ++r->pos;
	int i;

	while (r->pos < r->len && r->s[r->pos] != '"')
		r->pos += r->s[r->pos] == '\\' ? 2 : 1;
	if (r->pos >= r->len || decode(r->s + start, r->pos - start, NULL, 0) < 0)
		return -1;
	if ((i = token(r, JSON_STRING, start)) < 0)
		return -1;
	if (r->t) {
		r->t[i].len = r->pos - start;
		r->t[i].next = r->ntok;
	}
	r->pos++;
	return i;
}

static int
digits(struct reader *r)
{
	size_t start = r->pos;

	while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
		r->pos++;
	return r->pos > start ? 0 : -1;
}

static int
number(struct reader *r)
{
	size_t start = r->pos;
	int i;

	if (r->s[r->pos] == '-')
		r->pos++;
	if (r->pos < r->len && r->s[r->pos] == '0')
		r->pos++;
	else if (digits(r) < 0)
		return -1;
	if (r->pos < r->len && r->s[r->pos] == '.') {
		r->pos++;
		if (digits(r) < 0)
			return -1;
	}
	if (r->pos < r->len && (r->s[r->pos] | 0x20) == 'e') {
		r->pos++;
		if (r->pos < r->len && (r->s[r->pos] == '+' || r->s[r->pos] == '-'))
			r->pos++;
		if (digits(r) < 0)
			return -1;
	}
	if ((i = token(r, JSON_NUMBER, start)) < 0)
		return -1;
	if (r->t) {
		r->t[i].len = r->pos - start;
		r->t[i].next = r->ntok;
	}
	return i;
}

static int
literal(struct reader *r, const char *word, int type)
{
	size_t n = strlen(word);
	int i;

	if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
		return -1;
	if ((i = token(r, type, r->pos)) < 0)
		return -1;
	r->pos += n;
	if (r->t) {
		r->t[i].len = n;
		r->t[i].next = r->ntok;
	}
	return i;
}

/* an array or an object: members separated by commas */
static int
container(struct reader *r, int depth)
{
	int obj = r->s[r->pos] == '{', i;
	unsigned char close = obj ? '}' : ']';

	if (depth >= JSON_MAX_DEPTH || (i = token(r, obj ? JSON_OBJECT : JSON_ARRAY, r->pos)) < 0)
		return -1;
	r->pos++;
	skip_ws(r);
	if (r->pos < r->len && r->s[r->pos] == close)
		goto done;
	for (;;) {
		skip_ws(r);
		if (obj) {
			if (r->pos >= r->len || r->s[r->pos] != '"' || string(r) < 0)
				return -1;
			skip_ws(r);
			if (r->pos >= r->len || r->s[r->pos++] != ':')
				return -1;
		}
		if (value(r, depth + 1) < 0)
			return -1;
		if (r->t)
			r->t[i].count++;
		skip_ws(r);
		if (r->pos >= r->len)
			return -1;
		if (r->s[r->pos] == close)
			break;
		if (r->s[r->pos++] != ',')
			return -1;
	}
done:
	r->pos++;
	if (r->t) {
		r->t[i].len = r->pos - r->t[i].start;
		r->t[i].next = r->ntok;
	}
	return i;
}

static int
value(struct reader *r, int depth)
{
	skip_ws(r);
	if (r->pos >= r->len)
		return -1;
	switch (r->s[r->pos]) {
	case '{':
	case '[':
		return container(r, depth);
	case '"':
		return string(r);
	case 't':
		return literal(r, "true", JSON_TRUE);
	case 'f':
		return literal(r, "false", JSON_FALSE);
	case 'n':
		return literal(r, "null", JSON_NULL);
	default:
		if (r->s[r->pos] == '-' || (r->s[r->pos] >= '0' && r->s[r->pos] <= '9'))
			return number(r);
		return -1;
	}
}

/*
 * The number of tokens of a valid document, JSON_TOO_MANY if it has more
 * than max values, else -1. With t NULL the document is only checked.
 */
int
json_parse(const char *s, size_t len, struct json_tok *t, int max)
{
	struct reader r;

	r.s = (const unsigned char *)s;
	r.len = len;
	r.pos = 0;
	r.t = t;
	r.ntok = 0;
	r.max = max;
	r.full = 0;
	if (value(&r, 0) < 0)
		return r.full ? JSON_TOO_MANY : -1;
	skip_ws(&r);
	return r.pos == len ? r.ntok : -1;  /* nothing may follow the value */
}

/* The value of key in object obj (the last if repeated), else -1. */
int
json_get(const char *s, const struct json_tok *t, int obj, const char *key)
{
	char name[64];
	int i, found = -1;
	unsigned k;
	long n;

	if (obj < 0 || t[obj].type != JSON_OBJECT)
		return -1;
	for (i = obj + 1, k = 0; k < t[obj].count; k++, i = t[i + 1].next) {
		if (memchr(s + t[i].start, '\\', t[i].len) == NULL) {  /* no escape: the text is the key */
			if (t[i].len == strlen(key) && memcmp(s + t[i].start, key, t[i].len) == 0)
				found = i + 1;
			continue;
		}
		n = decode((const unsigned char *)s + t[i].start, t[i].len, name, sizeof name);
		if (n >= 0 && (size_t)n == strlen(key) && memcmp(name, key, (size_t)n) == 0)
			found = i + 1;
	}
	return found;
}

/*
 * Copy the string value at i into out as a C string; its length, or -1. A
 * string holding a NUL (\u0000) is refused: as a C string it would be cut.
 */
long
json_string(const char *s, const struct json_tok *t, int i, char *out, size_t cap)
{
	long n;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	if (i < 0 || t[i].type != JSON_STRING)
		return -1;
	n = decode((const unsigned char *)s + t[i].start, t[i].len, out, cap - 1);
	if (n > 0 && memchr(out, '\0', (size_t)n) != NULL)
		n = -1;
	out[n < 0 ? 0 : n] = '\0';
	return n;
}

/* The integer value at i: whole, no fraction or exponent, within +-2^53. */
int
json_integer(const char *s, const struct json_tok *t, int i, long long *v)
{
	const char *p;
	size_t k;
	int neg;

	if (i < 0 || t[i].type != JSON_NUMBER || t[i].len > 17)
		return -1;
	p = s + t[i].start;
	neg = p[0] == '-';
	for (*v = 0, k = (size_t)neg; k < t[i].len; k++) {
		if (p[k] < '0' || p[k] > '9')
			return -1;
		*v = *v * 10 + (p[k] - '0');
	}
	if (neg)
		*v = -*v;
	return 0;
}

/* is name a member of list, a JSON array of at most JSON_LIST_MAX strings? */
int
json_list_has(const char *list, const char *name)
{
	static struct json_tok t[JSON_LIST_MAX + 1];
	char one[256];
	int i, k;

	if (json_parse(list, strlen(list), t, JSON_LIST_MAX + 1) < 1)
		return 0;
	for (i = 1, k = 0; k < (int)t[0].count; k++, i = t[i].next)
		if (json_string(list, t, i, one, sizeof one) >= 0 && strcmp(one, name) == 0)
			return 1;
	return 0;
}

/* is every member of the list a also in b? */
int
json_list_within(const char *a, const char *b)
{
	static struct json_tok t[JSON_LIST_MAX + 1];
	char one[256];
	int i, k;

	if (json_parse(a, strlen(a), t, JSON_LIST_MAX + 1) < 1)
		return 0;
	for (i = 1, k = 0; k < (int)t[0].count; k++, i = t[i].next)
		if (json_string(a, t, i, one, sizeof one) < 0 || !json_list_has(b, one))
			return 0;
	return 1;
}

/* the writer: appends to a fixed buffer (with none, it only counts); on overflow it says so, once, at the end */

struct jw
jw_init(char *p, size_t cap)
{
	struct jw w;

	w.p = p;
	w.len = 0;
	w.cap = cap;
	w.overflow = 0;
	return w;
}

void
jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->len + n > w->cap) {
		w->overflow = 1;
		return;
	}
	if (w->p)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

void
jw_printf(struct jw *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(w->p ? w->p + w->len : NULL, w->p ? w->cap - w->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->cap - w->len)
		w->overflow = 1;
	else
		w->len += (size_t)n;
}

/* a string, quoted; quote, backslash and every control character escaped */
void
jw_string(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char e[6];
	size_t i, start;

	JW_LIT(w, "\"");
	for (i = start = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		jw_raw(w, s + start, i - start);
		start = i + 1;
		e[0] = '\\';
		switch (c) {
		case '"': JW_LIT(w, "\\\""); break;
		case '\\': JW_LIT(w, "\\\\"); break;
		case '\n': JW_LIT(w, "\\n"); break;
		case '\r': JW_LIT(w, "\\r"); break;
		case '\t': JW_LIT(w, "\\t"); break;
		default:
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			jw_raw(w, e, 6);
		}
	}
	jw_raw(w, s + start, n - start);
	JW_LIT(w, "\"");
}

void
jw_str(struct jw *w, const char *s)
{
	jw_string(w, s, strlen(s));
}

/* text that is JSON already */
void
jw_cat(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

/*
 * Schema checks, with the real gateway's wording (its validator reports
 * every error, joined by "; "): per object, missing required members first,
 * then unexpected ones, then each member in schema order.
 */
struct check {
	struct jw w;
	const char *s;
	const struct json_tok *t;
};

static void
check_error(struct check *k, const char *path, const char *message)
{
	char one[512];

	snprintf(one, sizeof one, "%s%s%s", path[0] ? "at " : "", path, path[0] ? ": " : "");
	snprintf(one + strlen(one), sizeof one - strlen(one), "%s", message);
	if (k->w.len && strstr(k->w.p, one))
		return;                 /* each message once */
	if (k->w.len)
		JW_LIT(&k->w, "; ");
	jw_raw(&k->w, one, strlen(one));
	k->w.p[k->w.len] = '\0';      /* the writer keeps a byte spare for it */
}

/* is s one of the list, which a NULL ends? */
int
str_in(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(v, *list) == 0)
			return 1;
	return 0;
}

static void check_object(struct check *k, int obj, const struct json_field *f, const char *path);

static void
check_value(struct check *k, int i, const struct json_field *f, const char *path)
{
	const unsigned char *u = (const unsigned char *)k->s;
	char v[256], sub[256];
	long long num;
	unsigned j;
	int e;

	switch (f->type) {
	case JS_ANY:
		return;
	case JS_OBJECT:
		if (f->sub)
			check_object(k, i, f->sub, path);
		else if (k->t[i].type != JSON_OBJECT)
			check_error(k, path, "must be object");        /* any object: another checks what is in it */
		return;
	case JS_BOOL:
		if (k->t[i].type != JSON_TRUE && k->t[i].type != JSON_FALSE)
			check_error(k, path, "must be boolean");
		return;
	case JS_INT:
		if (json_integer(k->s, k->t, i, &num) < 0)
			check_error(k, path, "must be integer");
		else if (num < f->min)
			check_error(k, path, f->min ? "must be >= 1" : "must be >= 0");
		return;
	case JS_ARRAY:                  /* with sub: an array of such objects */
		if (k->t[i].type != JSON_ARRAY)
			check_error(k, path, "must be array");
		for (e = i + 1, j = 0; f->sub && k->t[i].type == JSON_ARRAY && j < k->t[i].count; j++, e = k->t[e].next)
			if (snprintf(sub, sizeof sub, "%s/%u", path, j) < (int)sizeof sub)
				check_object(k, e, f->sub, sub);
		return;
	case JS_STRINGS:
		if (k->t[i].type != JSON_ARRAY) {
			check_error(k, path, "must be array");
			return;
		}
		for (e = i + 1, j = 0; j < k->t[i].count; j++, e = k->t[e].next) {
			if (snprintf(sub, sizeof sub, "%s/%u", path, j) >= (int)sizeof sub)
				continue;       /* deeper than any schema of ours */
			if (k->t[e].type != JSON_STRING)
				check_error(k, sub, "must be string");
			else if (f->min && k->t[e].len == 0)
				check_error(k, sub, "must not have fewer than 1 characters");
		}
		return;
	default:                        /* strings */
		if (k->t[i].type != JSON_STRING) {
			check_error(k, path, "must be string");
			return;
		}
		if (f->values) {
			if (json_string(k->s, k->t, i, v, sizeof v) < 0 || !str_in(v, f->values))
				check_error(k, path, f->type == JS_CONST ? "must be equal to constant" :
				    "must be equal to one of the allowed values");
			return;
		}
		if (f->min && k->t[i].len == 0)
			check_error(k, path, "must not have fewer than 1 characters");
		else if (f->max && decode(u + k->t[i].start, k->t[i].len, NULL, 0) > (long)f->max) {   /* decoded: as kept */
			snprintf(v, sizeof v, "must not have more than %u bytes", f->max);
			check_error(k, path, v);
		}
	}
}

static const struct json_field *
field_named(const struct json_field *f, const char *s, const struct json_tok *key)
{
	for (; f->name; f++)
		if (strlen(f->name) == key->len && memcmp(f->name, s + key->start, key->len) == 0)
			return f;
	return NULL;
}

static void
check_object(struct check *k, int obj, const struct json_field *f, const char *path)
{
	const struct json_field *g;
	char sub[256], key[128];
	unsigned j;
	int i, v;

	if (k->t[obj].type != JSON_OBJECT) {
		check_error(k, path, "must be object");
		return;
	}
	for (g = f; g->name; g++)
		if (g->required && json_get(k->s, k->t, obj, g->name) < 0)
		{
			snprintf(sub, sizeof sub, "must have required property '%s'", g->name);
			check_error(k, path, sub);
		}
	for (i = obj + 1, j = 0; j < k->t[obj].count; j++, i = k->t[i + 1].next)
		if (!field_named(f, k->s, &k->t[i])) {
			snprintf(key, sizeof key, "%.*s", (int)utf8_cut(k->s + k->t[i].start, k->t[i].len, sizeof key - 1),
			    k->s + k->t[i].start);
			snprintf(sub, sizeof sub, "at %s: unexpected property '%s'", path[0] ? path : "root", key);
			check_error(k, "", sub);
		}
	for (g = f; g->name; g++)
		if ((v = json_get(k->s, k->t, obj, g->name)) >= 0) {
			if (snprintf(sub, sizeof sub, "%s/%s", path, g->name) < (int)sizeof sub)
				check_value(k, v, g, sub);
		}
}

/*
 * Check the object at obj (-1: absent, checked as {}) against the fields (a
 * closed object). Returns 0 if it passes, else -1 with the reasons in out.
 */
int
json_check(const char *s, const struct json_tok *t, int obj, const struct json_field *fields, char *out, size_t cap)
{
	struct check k;

	k.w = jw_init(out, cap - 1);
	k.s = s;
	k.t = t;
	out[0] = '\0';
	if (obj < 0) {                          /* absent: as {}, so only its required members are missing */
		char one[128];
		const struct json_field *g;
		for (g = fields; g->name; g++)
			if (g->required) {
				snprintf(one, sizeof one, "must have required property '%s'", g->name);
				check_error(&k, "", one);
			}
	} else
		check_object(&k, obj, fields, "");
	return k.w.len ? -1 : 0;
}
