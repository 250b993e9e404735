/*
 * The state file (--state-file): the paired devices of state.c, kept across
 * restarts. It is JSON lines: a header line, then one line per device. It
 * is written as a database writes: the whole of it to a temporary file of
 * an unguessable name in the same directory, fsync, rename over PATH, fsync
 * the directory, so a SIGKILL at any moment leaves the old file or the new
 * one. Read once, at start: a file another user could have shaped stops the
 * start (exit 78); a damaged one is set aside, and the gateway starts anew.
 */
#include <sys/stat.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "json.h"
#include "crypto/ed25519.h"
#include "rpc.h"
#include "counters.h"
#include "state.h"
#include "record.h"
#include "statefile.h"

static char line[STATE_ENTRY_MAX];              /* one line of the file, written */
static const char header[] = "{\"gatewayState\":1}\n";

/* ---- the file ---- */

static const char *state_path;                  /* NULL: memory only */
static struct {                                 /* a damaged file set aside at start */
	char path[PATH_MAX];                    /* where it went; "" if nothing was set aside */
	long at;                                /* the byte where the damage starts */
	char why[160];
	long long when;                         /* unix ms */
} aside;

const char *
state_note(void)
{
	static char note[PATH_MAX + 64];

	if (state_path == NULL)
		return "approvals are kept in memory only";
	snprintf(note, sizeof note, "approvals in %s%s", state_path, aside.path[0] ? " (started anew: see above)" : "");
	return note;
}

/* status's daemon.stateFile: the path, and what was set aside at start */
void
state_status(struct jw *w)
{
	JW_LIT(w, ",\"stateFile\":");
	if (state_path == NULL) {
		JW_LIT(w, "null");
		return;
	}
	JW_LIT(w, "{\"path\":");
	jw_str(w, state_path);
	if (aside.path[0]) {
		JW_LIT(w, ",\"setAside\":{\"path\":");
		jw_str(w, aside.path);
		jw_printf(w, ",\"atByte\":%ld,\"reason\":", aside.at);
		jw_str(w, aside.why);
		jw_printf(w, ",\"atMs\":%lld}", aside.when);
	}
	JW_LIT(w, "}");
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k, n -= (size_t)k;
	}
	return 0;
}

/* the directory of path into dir; where the base name starts in path */
static const char *
split(const char *path, char dir[PATH_MAX])
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		strcpy(dir, ".");
		return path;
	}
	snprintf(dir, PATH_MAX, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return slash + 1;
}

/* the rename of path's entry, on disk */
static void
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	split(path, dir);
	if ((fd = open(dir, O_RDONLY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* PATH.tmp-<12 hex digits>: no other user can guess the name, so none can take it first */
static int
open_temporary(char tmp[PATH_MAX])
{
	unsigned char r[STATE_TMP_RANDOM];
	int fd, tries, k;
	size_t n;

	for (tries = 0; tries < STATE_TMP_TRIES; tries++) {
		rpc_random(r, sizeof r);
		n = (size_t)snprintf(tmp, PATH_MAX, "%s.tmp-", state_path);
		for (k = 0; k < STATE_TMP_RANDOM && n + 3 < PATH_MAX; k++, n += 2)
			snprintf(tmp + n, 3, "%02x", r[k]);
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/*
 * Write every device (but those dropping) to the file, atomically:
 * all of it to a temporary file beside it, fsync, rename over the file,
 * fsync the directory. 0, or -1 and why if the file is as it was: the
 * caller undoes its change.
 */
int
state_save(char *why, size_t cap)
{
	char tmp[PATH_MAX];
	size_t n;
	int fd, i, e;

	if (state_path == NULL)
		return 0;
	if ((fd = open_temporary(tmp)) < 0)
		goto fail;
	if (write_all(fd, header, sizeof header - 1) < 0 || ((n = record_identity(line, sizeof line)) > 0 && write_all(fd, line, n) < 0))
		goto close_fail;
	for (i = 0; i < state_count(); i++) {
		if (state_at(i)->dropping)
			continue;
		if ((n = record_device(line, sizeof line, state_at(i))) == 0) {
			errno = EFBIG;
			goto close_fail;
		}
		if (write_all(fd, line, n) < 0)
			goto close_fail;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto close_fail;
	}
	if (rename(tmp, state_path) < 0)
		goto unlink_fail;
	sync_dir(state_path);
	counters.saves++;
	return 0;
close_fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
unlink_fail:
	e = errno;
	unlink(tmp);
	errno = e;
fail:
	snprintf(why, cap, "cannot write %s: %s", tmp, strerror(errno));
	logmsg("warning: state file: %s; the change is not made", why);
	counters.save_failures++;
	return -1;
}

#ifndef S_ISVTX
#define S_ISVTX 01000                   /* the sticky bit: XSI, the same bit on every system */
#endif

/* what only the operator can mend: say which path breaks which rule, and exit 78 */
#define refuse_start(...) (logmsg(__VA_ARGS__), exit(EXIT_CONFIG))

/*
 * Only the daemon's own user may shape its state (OpenSSH's StrictModes):
 * the directory belongs to it or to root, and nobody else may write in it
 * unless it is sticky; the file, if there, is a regular file of its own
 * that nobody else may write. Returns the file, open, or -1 if there is none.
 */
static int
open_strictly(const char *path)
{
	static const char rule[] = "only the daemon's own user may write its state";
	const uid_t me = geteuid();
	char dir[PATH_MAX];
	struct stat st;
	int fd;

	split(path, dir);
	if (stat(dir, &st) < 0)
		refuse_start("state file %s: its directory %s: %s", path, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		refuse_start("state file %s: %s is not a directory", path, dir);
	if (st.st_uid != me && st.st_uid != 0)
		refuse_start("state file %s: its directory %s belongs to uid %ld, not to this user (uid %ld) or root: %s",
		    path, dir, (long)st.st_uid, (long)me, rule);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		refuse_start("state file %s: its directory %s may be written by group or others (mode %04o) and is not "
		    "sticky: %s", path, dir, (unsigned)(st.st_mode & 07777), rule);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return -1;
		refuse_start("state file %s: %s", path, errno == ELOOP ? "a symbolic link: refused" : strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		refuse_start("state file %s: not a regular file", path);
	if (st.st_uid != me)
		refuse_start("state file %s: belongs to uid %ld, not to this user (uid %ld): %s", path, (long)st.st_uid,
		    (long)me, rule);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		refuse_start("state file %s: may be written by group or others (mode %04o): %s", path,
		    (unsigned)(st.st_mode & 07777), rule);
	return fd;
}

/* a crash's leftovers beside path: our own PATH.tmp-<hex> files (and PATH.tmp, as older versions named it) */
static void
sweep_temporaries(const char *path)
{
	char dir[PATH_MAX];
	const char *base = split(path, dir), *rest;
	const size_t n = strlen(base);
	struct dirent *e;
	struct stat st;
	size_t k;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, base, n) != 0 || strncmp(e->d_name + n, ".tmp", 4) != 0)
			continue;
		rest = e->d_name + n + 4;
		for (k = 1; rest[0] == '-' && isxdigit((unsigned char)rest[k]); k++)
			;
		if (!(rest[0] == '\0' || (rest[0] == '-' && k == 1 + 2 * STATE_TMP_RANDOM && rest[k] == '\0')))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid())
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/*
 * The file is damaged from byte at: set it aside as PATH.damaged-<unix
 * time>, never deleted or overwritten, and start with no paired device,
 * which fails closed (every node is approved again, as after a lost file).
 */
static void
set_aside(const char *path, long at, const char *why)
{
	const long long when = unix_ms();
	struct stat st;
	int n;

	while (state_count() > 0)
		state_drop(state_at(0));
	for (n = 0; n < STATE_ASIDE_TRIES; n++) {
		snprintf(aside.path, sizeof aside.path, n ? "%s.damaged-%lld-%d" : "%s.damaged-%lld", path, when / 1000, n);
		if (lstat(aside.path, &st) < 0 && errno == ENOENT)
			break;
	}
	if (n == STATE_ASIDE_TRIES || rename(path, aside.path) < 0)
		refuse_start("state file %s: damaged at byte %ld (%s), and it cannot be set aside as %s: %s", path, at, why,
		    aside.path, n == STATE_ASIDE_TRIES ? "that name is taken" : strerror(errno));
	sync_dir(path);
	aside.at = at;
	aside.when = when;
	snprintf(aside.why, sizeof aside.why, "%s", why);
	logmsg("warning: state file %s: damaged at byte %ld (%s); set aside as %s; serving with no paired device: "
	    "every node must be approved again", path, at, why, aside.path);
}

/* the file at path, open on fd: its lines read back; damage set aside */
static void
read_file(const char *path, int fd)
{
	char why[256], *data, *p, *nl, *first;
	struct stat st;
	ssize_t got;
	size_t have = 0;
	long at = -1;

	if (fstat(fd, &st) < 0 || st.st_size > (off_t)STATE_FILE_MAX) {
		close(fd);
		set_aside(path, STATE_FILE_MAX, "larger than any state file this daemon writes");
		return;
	}
	if ((data = malloc((size_t)st.st_size + 1)) == NULL)
		die("state file %s: out of memory", path);
	while (have < (size_t)st.st_size && (got = read(fd, data + have, (size_t)st.st_size - have)) != 0) {
		if (got < 0 && errno != EINTR) {
			snprintf(why, sizeof why, "%s", strerror(errno));
			at = (long)have;
			break;
		}
		have += got > 0 ? (size_t)got : 0;
	}
	close(fd);
	data[have] = '\0';
	if (at < 0 && (have < sizeof header - 1 || memcmp(data, header, sizeof header - 1) != 0)) {
		snprintf(why, sizeof why, "not a gateway state file: no %.*s header", (int)sizeof header - 2, header);
		at = 0;
	}
	for (first = p = data + sizeof header - 1; at < 0 && p < data + have; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(data + have - p))) == NULL) {
			snprintf(why, sizeof why, "the last line is cut short");
			at = (long)(p - data);
			break;
		}
		*nl = '\0';
		if ((size_t)(nl - p) >= STATE_ENTRY_MAX)
			snprintf(why, sizeof why, "a line longer than STATE_ENTRY_MAX");
		else if (p == first && strncmp(p, "{\"gatewayIdentity\":", 19) == 0) {
			if (!record_read_identity(p, (size_t)(nl - p), why, sizeof why))
				at = (long)(p - data);
			continue;
		}
		if ((size_t)(nl - p) >= STATE_ENTRY_MAX || record_read_device(p, (size_t)(nl - p), why, sizeof why) == NULL)
			at = (long)(p - data);
	}
	free(data);
	if (at >= 0)
		set_aside(path, at, why);
}

/*
 * The gateway's own identity, made at its first start: an Ed25519 key from
 * the system's random source. Only the public key is kept (in the state
 * file, if there is one): the daemon never signs, so the seed is forgotten.
 */
static void
make_identity(void)
{
	unsigned char seed[32], key[32];
	char why[PATH_MAX + 80];

	rpc_random(seed, sizeof seed);
	ed25519_public(seed, key);
	memset(seed, 0, sizeof seed);
	state_set_identity(key, unix_ms());
	if (state_path && state_save(why, sizeof why) < 0)
		logmsg("warning: the gateway's identity is this run's only: %s", why);
}

/*
 * Read the state file at start. A file that is not there is an empty one.
 * One that another user could have shaped stops the start (exit 78). One
 * that is damaged, cut short or not a state file is set aside, and the
 * daemon starts without it: nothing on disk keeps the gateway down.
 */
void
state_load(const char *path)
{
	unsigned char key[32];
	long long created;
	int fd;

	while (state_count() > 0)
		state_drop(state_at(0));
	state_set_identity(NULL, 0);
	aside.path[0] = '\0';
	if ((state_path = path) != NULL) {
		fd = open_strictly(path);
		sweep_temporaries(path);
		if (fd >= 0)
			read_file(path, fd);
	}
	if (!state_identity(key, &created))
		make_identity();
}
