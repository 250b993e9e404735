/* http.c: a pure parser over an HTTP/1.x request head, and responses */
#ifndef HTTP_H
#define HTTP_H

#include "config.h"

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
size_t http_head(char *out, size_t cap, int status, const char *headers, const char *ctype, size_t length);
size_t http_response(char *out, size_t cap, int status, const char *headers,
                     const char *ctype, const char *body, int head_only);

#endif
