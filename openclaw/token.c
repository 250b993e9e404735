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
#include "peer.h"
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
 * user's guessing never locks out another. The daemon's own user is
 * exempt, as are peers that cannot be told apart (the real gateway exempts
 * loopback): they would lock each other out.
 */
static struct guesser {
	long uid;
	long long at[AUTH_FAILURES_MAX];        /* when its latest failures were, a ring */
	unsigned n;                             /* failures ever, the ring's next slot */
	long long locked;                       /* until then (monotonic ms) */
} guessers[AUTH_USERS_MAX];

/* when g last failed; 0 if it is free */
static long long
last(const struct guesser *g)
{
	return g->n ? g->at[(g->n - 1) % AUTH_FAILURES_MAX] : 0;
}

/* uid's entry, or with add a new one (a free one, else the one quiet the longest is forgotten) */
static struct guesser *
guesser(long uid, int add)
{
	struct guesser *g, *quiet = guessers;

	for (g = guessers; g < guessers + AUTH_USERS_MAX; g++) {
		if (g->n && g->uid == uid)
			return g;
		if (last(g) < last(quiet))
			quiet = g;
	}
	if (!add)
		return NULL;
	memset(quiet, 0, sizeof *quiet);
	quiet->uid = uid;
	return quiet;
}

/* how long uid must wait before its next attempt, in ms; 0 if it may try now */
long long
token_locked(long uid, long long now)
{
	struct guesser *g = uid == PEER_UNKNOWN || uid == (long)getuid() ? NULL : guesser(uid, 0);

	return g && g->locked > now ? g->locked - now : 0;
}

/* uid presented a wrong token */
void
token_failed(long uid, long long now)
{
	struct guesser *g;

	if (uid == PEER_UNKNOWN || uid == (long)getuid())
		return;
	g = guesser(uid, 1);
	g->at[g->n++ % AUTH_FAILURES_MAX] = now;
	if (g->n >= AUTH_FAILURES_MAX && now - g->at[g->n % AUTH_FAILURES_MAX] < AUTH_WINDOW_MS)
		g->locked = now + AUTH_LOCKOUT_MS;
}
