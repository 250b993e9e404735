/* json.c: a strict JSON reader over the caller's bytes, a writer into a fixed buffer, closed-object checks */
#ifndef JSON_H
#define JSON_H

#include "config.h"

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
int  json_list_has(const char *list, const char *name);        /* list: a JSON array of strings */
int  json_list_within(const char *a, const char *b);           /* every member of a is in b */

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
	unsigned max;                   /* strings: most bytes, decoded (as kept, whatever the escapes); 0: none */
	const struct json_field *sub;   /* JS_OBJECT: its members (NULL: any object) */
	const char *const *values;      /* JS_ENUM, JS_CONST: the allowed strings, NULL-terminated */
};
int  str_in(const char *s, const char *const *list);
int  json_check(const char *s, const struct json_tok *t, int obj, const struct json_field *fields,
                char *out, size_t cap);

#endif
