/*
 * HTTP/1.1 request heads (RFC 9112), parsed exactly and without I/O: the
 * result points into the caller's buffer. One request per connection, so
 * bodies and keep-alive never arise.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "http.h"

static int
tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* case-insensitive comparison of a span with a NUL-terminated string */
int
span_eq(struct span s, const char *str)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (str[i] == '\0' || lower((unsigned char)s.p[i]) != lower((unsigned char)str[i]))
			return 0;
	return str[i] == '\0';
}

/* count of headers called name; *value gets the first */
int
http_header(const struct http_req *req, const char *name, struct span *value)
{
	int i, found = 0;

	for (i = 0; i < req->nheaders; i++)
		if (span_eq(req->name[i], name) && found++ == 0 && value)
			*value = req->value[i];
	return found;
}

/* does a comma-separated header value contain token (case-insensitive)? */
int
http_has_token(struct span list, const char *token)
{
	struct span t;
	size_t i = 0, start, end;

	while (i < list.n) {
		while (i < list.n && (list.p[i] == ' ' || list.p[i] == '\t' || list.p[i] == ','))
			i++;
		start = i;
		while (i < list.n && list.p[i] != ',')
			i++;
		end = i;
		while (end > start && (list.p[end - 1] == ' ' || list.p[end - 1] == '\t'))
			end--;
		t.p = list.p + start;
		t.n = end - start;
		if (t.n > 0 && span_eq(t, token))
			return 1;
	}
	return 0;
}

/*
 * HTTP_INCOMPLETE while the head has not ended, 200 for a well-formed head,
 * else the status to answer with: 400 malformed, 431 too large, 505 not HTTP/1.
 * Bad bytes are refused as soon as they arrive, not when the head ends.
 */
int
http_parse(const char *buf, size_t len, struct http_req *req)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i, end = 0, n = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
	size_t vstart, vend;
	int hosts;

	for (i = 0; i < n && end == 0; i++) {
		if (s[i] == '\0' || (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) ||
		    (i > 0 && s[i - 1] == '\r' && s[i] != '\n'))
			return 400;
		if (i >= 3 && memcmp(s + i - 3, "\r\n\r\n", 4) == 0)
			end = i + 1;
	}
	if (end == 0)
		return len >= HTTP_HEAD_MAX ? 431 : HTTP_INCOMPLETE;
	memset(req, 0, sizeof *req);
	req->headlen = end;

	/* request-line = method SP request-target SP HTTP-version CRLF */
	for (i = 0; tchar(s[i]); i++)
		;
	if (i == 0 || s[i] != ' ')
		return 400;
	req->method.p = buf;
	req->method.n = i++;
	req->target.p = buf + i;
	for (; s[i] > ' ' && s[i] < 0x7f; i++)
		;
	req->target.n = (size_t)(buf + i - req->target.p);
	if (req->target.n == 0 || req->target.p[0] != '/' || s[i] != ' ')
		return 400;
	req->path = req->target;
	if (memchr(req->target.p, '?', req->target.n))
		req->path.n = (size_t)((const char *)memchr(req->target.p, '?', req->target.n) -
		    req->target.p);
	i++;
	if (end - i < 12 || memcmp(s + i, "HTTP/", 5) != 0 || s[i + 5] < '0' || s[i + 5] > '9' ||
	    s[i + 6] != '.' || s[i + 7] < '0' || s[i + 7] > '9' || s[i + 8] != '\r')
		return 400;
	if (s[i + 5] != '1')
		return 505;
	req->minor = s[i + 7] - '0';
	i += 10;

	/* field-line = field-name ":" OWS field-value OWS CRLF */
	while (i + 2 < end) {
		if (req->nheaders == HTTP_MAX_HEADERS)
			return 431;
		req->name[req->nheaders].p = buf + i;
		for (vstart = i; tchar(s[i]); i++)
			;
		if (i == vstart || s[i] != ':')
			return 400;     /* also obs-fold and space before the colon */
		req->name[req->nheaders].n = i - vstart;
		for (i++; s[i] == ' ' || s[i] == '\t'; i++)
			;
		for (vstart = vend = i; s[i] != '\r'; i++) {
			if (s[i] < ' ' && s[i] != '\t')
				return 400;
			if (s[i] == 0x7f)
				return 400;
			if (s[i] != ' ' && s[i] != '\t')
				vend = i + 1;
		}
		req->value[req->nheaders].p = buf + vstart;
		req->value[req->nheaders].n = vend - vstart;
		req->nheaders++;
		i += 2;
	}
	hosts = http_header(req, "host", NULL);
	if (hosts > 1 || (hosts == 0 && req->minor >= 1))
		return 400;
	return 200;
}

static const char *
reason(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 421: return "Misdirected Request";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default:  return "Error";
	}
}

/* A complete response that closes the connection; 0 if it does not fit. */
size_t
http_head(char *out, size_t cap, int status, const char *headers, const char *ctype, size_t length)
{
	int n = snprintf(out, cap, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %lu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n", status, reason(status), ctype,
	    (unsigned long)length, headers);

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

size_t
http_response(char *out, size_t cap, int status, const char *headers,
    const char *ctype, const char *body, int head_only)
{
	size_t n = http_head(out, cap, status, headers, ctype, strlen(body)), len = strlen(body);

	if (n == 0 || head_only)
		return n;
	if (len >= cap - n)
		return 0;
	memcpy(out + n, body, len + 1);
	return n + len;
}
