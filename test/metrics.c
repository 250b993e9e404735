/*
 * GET /metrics: the exposition held to the Prometheus text format (0.0.4)
 * by a validator of our own (which must refuse what breaks the format), and
 * its counts checked against what the test did: sessions, messages, wrong
 * tokens, foreign Origins. Clients send strings full of quotes, newlines
 * and label syntax; none of them may reach the exposition.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

#define FAMILIES 64

/* the label values the daemon may write: its own constants, never a client's */
static const char *const fixed_values[] = {
	"pre_auth", "authenticated", "operator", "node", "connected", "pending", "approved", "ok", "error",
	"timeout", "token", "rate_limit", "origin", "full", "eviction", "over_budget", "verified", "refused",
	GATEWAY_VERSION, "epoll", "kqueue", "poll", NULL
};

static int
name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_' || p[0] == ':'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == ':'))
			return 0;
	return 1;
}

/* a label value up to its closing quote, as the format escapes it (\\, \", \n); its length, or 0 */
static size_t
label_value(const char *p, char *out, size_t cap)
{
	size_t i, k = 0;

	for (i = 0; p[i] && p[i] != '"'; i++) {
		if (p[i] == '\n' || k + 1 >= cap)
			return 0;
		if (p[i] == '\\' && (p[i + 1] == '\\' || p[i + 1] == '"' || p[i + 1] == 'n'))
			i++;
		else if (p[i] == '\\')
			return 0;
		out[k++] = p[i];
	}
	out[k] = '\0';
	return p[i] == '"' ? i : 0;
}

static int
fixed(const char *v)
{
	int i;

	for (i = 0; fixed_values[i]; i++)
		if (strcmp(v, fixed_values[i]) == 0)
			return 1;
	return 0;
}

/*
 * Is text a valid exposition by the rules the daemon keeps: every family
 * named gateway_*, once, with # HELP (escaped: only \\ and \n) then # TYPE
 * (counter or gauge; a counter ends in _total) before its samples; every
 * sample of the family last typed, its labels name="value" with values
 * escaped and among the daemon's constants, its value a number; a final
 * newline. 0 and why if not.
 */
static int
valid(const char *text, char *why, size_t cap)
{
	static char seen[FAMILIES][96];
	char help[96] = "", type[96] = "", kind[16], v[128], *end;
	const char *line = text, *nl, *p;
	int nseen = 0, i;

	if (*text == '\0' || text[strlen(text) - 1] != '\n')
		return snprintf(why, cap, "no final newline"), 0;
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (strncmp(line, "# HELP ", 7) == 0) {
			p = line + 7;
			if (!name_ok(p, strcspn(p, " \n")) || strncmp(p, "gateway_", 8) != 0 || p[strcspn(p, " \n")] != ' ')
				return snprintf(why, cap, "HELP of a bad name: %.*s", (int)(nl - line), line), 0;
			snprintf(help, sizeof help, "%.*s", (int)strcspn(p, " "), p);
			for (i = 0; i < nseen; i++)
				if (strcmp(seen[i], help) == 0)
					return snprintf(why, cap, "%s twice", help), 0;
			if (nseen < FAMILIES)
				snprintf(seen[nseen++], sizeof seen[0], "%s", help);
			for (p += strlen(help) + 1; p < nl; p++)
				if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
					return snprintf(why, cap, "HELP of %s escapes badly", help), 0;
				else if (*p == '\\')
					p++;
			type[0] = '\0';
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			if (sscanf(line + 7, "%95s %15s", type, kind) != 2 || strcmp(type, help) != 0 ||
			    (strcmp(kind, "counter") && strcmp(kind, "gauge")) ||
			    (strcmp(kind, "counter") == 0 && (strlen(type) < 6 || strcmp(type + strlen(type) - 6, "_total"))))
				return snprintf(why, cap, "TYPE not after its HELP, or bad: %.*s", (int)(nl - line), line), 0;
		} else {
			size_t n = strcspn(line, "{ \n");
			if (type[0] == '\0' || n != strlen(type) || strncmp(line, type, n) != 0)
				return snprintf(why, cap, "a sample not of the family typed last: %.*s", (int)(nl - line),
				    line), 0;
			p = line + n;
			if (*p == '{') {
				do {
					size_t ln = strcspn(++p, "=");
					if (!name_ok(p, ln) || p[ln] != '=' || p[ln + 1] != '"')
						return snprintf(why, cap, "a bad label: %.*s", (int)(nl - line), line), 0;
					p += ln + 2;
					if ((ln = label_value(p, v, sizeof v)) == 0 && *p != '"')
						return snprintf(why, cap, "a label value escaped badly: %.*s", (int)(nl - line),
						    line), 0;
					if (!fixed(v))
						return snprintf(why, cap, "a label value not the daemon's own: %s", v), 0;
					p += ln + 1;
				} while (*p == ',');
				if (*p++ != '}')
					return snprintf(why, cap, "labels not closed: %.*s", (int)(nl - line), line), 0;
			}
			if (*p++ != ' ' || (strtod(p, &end), end == p) || end != nl)
				return snprintf(why, cap, "a sample's value is not a number: %.*s", (int)(nl - line), line), 0;
		}
	}
	return 1;
}

/* the validator itself: what breaks the format, it refuses */
static void
validator_vectors(void)
{
	static const char good[] = "# HELP gateway_a_total A \\\\ and a \\n.\n# TYPE gateway_a_total counter\n"
	    "gateway_a_total{outcome=\"ok\"} 1\ngateway_a_total{outcome=\"error\"} 2\n";
	static const char *const bad[] = {
		"# HELP gateway_a_total A.\n# TYPE gateway_a_total counter\ngateway_a_total 1",        /* no newline */
		"gateway_a_total 1\n",                                                                  /* no TYPE */
		"# HELP gateway_a A.\n# TYPE gateway_a counter\ngateway_a 1\n",                         /* no _total */
		"# HELP gateway_a A.\n# TYPE gateway_a gauge\ngateway_b 1\n",                           /* not its family */
		"# HELP gateway_a A.\n# TYPE gateway_a gauge\ngateway_a{state=\"x\"} 1\n",              /* a client's? */
		"# HELP gateway_a A.\n# TYPE gateway_a gauge\ngateway_a{state=\"ok\\q\"} 1\n",          /* bad escape */
		"# HELP gateway_a A \\t.\n# TYPE gateway_a gauge\ngateway_a 1\n",                       /* bad escape */
		"# HELP gateway_a A.\n# TYPE gateway_a gauge\ngateway_a one\n",                         /* not a number */
		"# HELP gateway_a A.\n# TYPE gateway_a gauge\n# HELP gateway_a A.\n# TYPE gateway_a gauge\n",
		"# HELP other_a A.\n# TYPE other_a gauge\nother_a 1\n",                                 /* not ours */
	};
	char why[256];
	size_t i;
	int refused = 0;

	check(valid(good, why, sizeof why), "the validator takes a valid exposition (%s)", why);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused += !valid(bad[i], why, sizeof why);
	check(refused == (int)(sizeof bad / sizeof bad[0]), "the validator refuses %d of %zu broken expositions",
	    refused, sizeof bad / sizeof bad[0]);
}

/* GET /metrics: the status, and the body (after the head) in body */
static int
scrape(int port, char *resp, size_t cap, char **body)
{
	int status = http_get(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, cap);

	*body = strstr(resp, "\r\n\r\n");
	*body = *body ? *body + 4 : resp + strlen(resp);
	return status;
}

/* the value of the sample named exactly (with its labels), -1 if none */
static double
sample(const char *body, const char *name)
{
	const char *p = body;
	size_t n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == body || p[-1] == '\n') && p[n] == ' ')
			return atof(p + n + 1);
		p += n;
	}
	return -1;
}

/* a protocol client through connect, with this token and a client id of the test's choosing */
static int
session(int port, const char *token, const char *id)
{
	char text[1024];
	unsigned char *p = NULL;
	size_t n;
	int fd, ok;

	if ((fd = ws_open(port)) < 0 || ws_recv(fd, &p, &n) != WS_TEXT)
		return -1;
	free(p);
	p = NULL;
	snprintf(text, sizeof text, "{\"type\":\"req\",\"id\":\"%s\",\"method\":\"connect\",\"params\":"
	    "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"%s\","
	    "\"mode\":\"cli\",\"displayName\":\"%s\"},\"auth\":{\"token\":\"%s\"}}}", id, id, id, token);
	ws_send_frame(fd, 0x80 | WS_TEXT, text, strlen(text), 0);
	ok = ws_recv(fd, &p, &n) == WS_TEXT && strstr((char *)p, "hello-ok") != NULL;
	free(p);
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
exposition(void)
{
	static const char hostile[] = "x\\\"} 1\\ngateway_evil{a=\\\"b\\\"} 9";      /* JSON for x\"} 1\ngateway_evil... */
	static char resp[65536];
	char tokfile[] = "/tmp/gateway-metrics-XXXXXX", why[256], *body;
	const char *args[] = { "--token-file", tokfile, NULL };
	struct gw g;
	int port = free_port(), fd[3], tf, i, bad;
	double before, after;

	tf = mkstemp(tokfile);
	send_all(tf, "metrics-token\n", 14);
	close(tf);
		check(gw_start(&g, port, args), "gateway with a token");
	check(scrape(port, resp, sizeof resp, &body) == 200 &&
	    strstr(resp, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != NULL,
	    "GET /metrics: 200, text/plain; version=0.0.4 (%.80s)", resp);
	check(valid(body, why, sizeof why), "the exposition is valid (%s)", why);
	before = sample(body, "gateway_messages_received_total");
	for (i = 0; i < 3; i++)
		fd[i] = session(port, "metrics-token", hostile);
	check(fd[0] >= 0 && fd[1] >= 0 && fd[2] >= 0, "three sessions whose client strings are label syntax");
	bad = session(port, "wrong-token", hostile);
	check(bad < 0, "a wrong token is refused");
	if (bad >= 0)
		close(bad);
	check(http_get(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example"
	    "\r\n\r\n", resp, sizeof resp) == 403, "a foreign Origin is refused");
	check(scrape(port, resp, sizeof resp, &body) == 200 && valid(body, why, sizeof why),
	    "after them, still valid (%s)", why);
	check(strstr(body, "evil") == NULL && strstr(body, "x\\") == NULL, "nothing a client sent is in it");
	check(sample(body, "gateway_sessions{role=\"operator\"}") == 3, "three operator sessions (%g)",
	    sample(body, "gateway_sessions{role=\"operator\"}"));
	check(sample(body, "gateway_connections{state=\"authenticated\"}") == 3 &&
	    sample(body, "gateway_connections{state=\"pre_auth\"}") >= 1, "three connections authenticated, "
	    "and the scrape's own before connect");
	after = sample(body, "gateway_messages_received_total");
	check(after - before == 4, "four messages received: the connects (%g to %g)", before, after);
	check(sample(body, "gateway_refused_total{reason=\"token\"}") == 1 &&
	    sample(body, "gateway_refused_total{reason=\"origin\"}") == 1, "one wrong token, one foreign Origin");
	for (i = 0; i < 3; i++)
		close(fd[i]);
	check(http_get(port, "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp) == 200 &&
	    strstr(resp, "\r\n\r\n")[4] == '\0' && strstr(resp, "Content-Length: ") != NULL,
	    "HEAD /metrics: the head only, with the exposition's length");
	check(http_get(port, "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", resp,
	    sizeof resp) == 405 && strstr(resp, "\r\nAllow: GET, HEAD\r\n") != NULL, "POST /metrics: 405, Allow");
	check(http_get(port, "GET /metrics HTTP/1.1\r\nHost: evil.example\r\n\r\n", resp, sizeof resp) == 421,
	    "a Host not this loopback: 421, as on every path");
	check(gw_stop(&g) == 0, "stops");
	unlink(tokfile);
}

void
metrics_tests(void)
{
	char resp[4096], *body;
	struct gw g;
	int port;

	validator_vectors();
	if (!gateway_minimal) {
		exposition();
		return;
	}
	port = free_port();
	check(gw_start(&g, port, (const char *const[]){ "--echo", NULL }), "minimal gateway");
	check(scrape(port, resp, sizeof resp, &body) == 404, "the minimal build has no /metrics: 404");
	check(gw_stop(&g) == 0, "stops");
}
