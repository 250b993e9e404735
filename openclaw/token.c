/*
 * The shared token clients present: from --token or $OPENCLAW_GATEWAY_TOKEN
 * (gateway.c), or the first line of --token-file, read at start and again
 * on SIGHUP. A file that cannot be read leaves the token in use as it was.
 * Tokens are compared in constant time and never logged.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "sha1.h"
#include "conn.h"
#include "limit.h"
#include "token.h"

/*
 * The token is the first line of the file, without its line ending. NULL,
 * or what is wrong (the token in use is then left as it was). The file is
 * opened without blocking and must be a regular one: a FIFO put at its
 * path must not stall the loop on a SIGHUP.
 */
const char *
token_load(void)
{
	static char token[TOKEN_MAX + 2], why[512];
	char line[TOKEN_MAX + 2];
	const char *err = NULL;
	struct stat st;
	ssize_t got = 0;
	size_t n;
	int fd;

	if ((fd = open(opt.token_file, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
		err = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		err = "not a regular file";
	else if ((got = read(fd, line, sizeof line - 1)) < 0)
		err = strerror(errno);
	if (fd >= 0)
		close(fd);
	if (err) {
		snprintf(why, sizeof why, "cannot read token file %s: %s", opt.token_file, err);
		return why;
	}
	for (n = 0; n < (size_t)got && line[n] != '\n' && line[n] != '\r'; n++)
		;                               /* the first line, NUL bytes and all */
	if (memchr(line, '\0', n)) {
		snprintf(why, sizeof why, "token file %s: the first line holds a NUL byte", opt.token_file);
		return why;
	}
	if (n == 0 || n > TOKEN_MAX) {
		snprintf(why, sizeof why, "token file %s: the first line must hold a token of 1 to %d bytes",
		    opt.token_file, TOKEN_MAX);
		return why;
	}
	memcpy(token, line, n);
	token[n] = '\0';
	opt.token = token;
	return NULL;
}

/* SIGHUP: the token file again; clients already connected stay */
void
token_reread(void)
{
	const char *why;

	if (opt.token_file == NULL)
		logmsg("received SIGHUP; no --token-file to reread");
	else if ((why = token_load()) != NULL)
		logmsg("warning: received SIGHUP; %s; the token in use is kept", why);
	else
		logmsg("received SIGHUP; token reread from %s", opt.token_file);
}

/* Is s[0..n) the token in use? Constant time in the contents: digests of every byte are compared. */
int
token_matches(const char *s, size_t n)
{
	unsigned char da[SHA1_LEN], db[SHA1_LEN], diff = 0;
	size_t i;

	sha1(s, n, da);
	sha1(opt.token, strlen(opt.token), db);
	for (i = 0; i < SHA1_LEN; i++)
		diff |= da[i] ^ db[i];
	return diff == 0;
}

/*
 * Failed token attempts, per local user, as the real gateway limits them
 * per address (AUTH_FAILURES_MAX in AUTH_WINDOW_MS, then AUTH_LOCKOUT_MS):
 * every local client shares one address, so here it is the user, and one
 * user's guessing never locks out another (limit.c).
 */
static struct limit guessing = { AUTH_FAILURES_MAX, AUTH_WINDOW_MS, AUTH_LOCKOUT_MS, { { 0 } } };

/* how long c's user must wait before its next attempt, in ms; 0 if it may try now (asked only if anyone must) */
long long
token_locked(struct conn *c, long long now)
{
	return limit_any(&guessing, now) ? limit_wait(&guessing, conn_uid(c), now) : 0;
}

/* c presented a wrong token: its user is learned, to be counted */
void
token_failed(struct conn *c, long long now)
{
	limit_count(&guessing, conn_uid(c), now);
}
