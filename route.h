/* route.c: which answer a request head gets, and the rules that keep web pages out */
#ifndef ROUTE_H
#define ROUTE_H

#include "http.h"

enum { ROUTE_ANSWER, ROUTE_PAGE, ROUTE_UPGRADE };
enum { PAGE_STATUS, PAGE_METRICS };     /* ROUTE_PAGE: GET / (the status page), GET /metrics */
struct route {
	int kind;
	int page;                       /* ROUTE_PAGE: which */
	int status;                     /* ROUTE_ANSWER: the response */
	const char *headers, *body;
	int head;                       /* HEAD: the headers only */
};
void route(const struct http_req *req, int status, int draining, int port, const char *const *allowed, int nallowed,
           struct route *r);
int  http_loopback(struct span s, int port, int bare_ok);
int  http_origin_allowed(struct span origin, int port, const char *const *allowed, int nallowed);
unsigned long route_origins_refused(void);      /* upgrades refused 403 for their Origin, since the start */

#endif
