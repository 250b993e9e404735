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
#include "base64.h"
#include "crypto/sha2.h"
#include "crypto/ed25519.h"
#include "rpc.h"
#include "state.h"
#include "statefile.h"

static char line[STATE_ENTRY_MAX];              /* one line of the file, read or written */
static struct json_tok tok[STATE_TOKENS];
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

/* one device as a line of the file; its length, 0 if it would pass STATE_ENTRY_MAX */
static size_t
device_line(const struct paired *d)
{
	static const char *const names[] = { "displayName", "platform", "deviceFamily", "clientId", "clientMode" };
	struct jw w = jw_init(line, sizeof line);
	int k, first = 1;
	size_t i;

	jw_printf(&w, "{\"deviceId\":\"%s\",\"publicKey\":\"%s\"", d->id, d->key);
	for (k = 0; k < D_FIELDS; k++) {
		jw_printf(&w, ",\"%s\":", names[k]);
		jw_str(&w, d->field[k]);
	}
	JW_LIT(&w, ",\"roles\":[");
	for (k = 0; role_names[k]; k++)
		if (d->roles & (1u << k)) {
			jw_printf(&w, "%s\"%s\"", first ? "" : ",", role_names[k]);
			first = 0;
		}
	JW_LIT(&w, "],\"scopes\":");
	rpc_scopes(&w, d->scopes);
	jw_printf(&w, ",\"createdAtMs\":%lld,\"approvedAtMs\":%lld,\"tokens\":[", d->created_at, d->approved_at);
	for (k = 0, first = 1; role_names[k]; k++)
		if (d->token[k].set) {
			jw_printf(&w, "%s{\"role\":\"%s\",\"sha256\":\"", first ? "" : ",", role_names[k]);
			for (i = 0; i < SHA256_LEN; i++)
				jw_printf(&w, "%02x", d->token[k].hash[i]);
			JW_LIT(&w, "\",\"scopes\":");
			rpc_scopes(&w, d->token[k].scopes);
			jw_printf(&w, ",\"createdAtMs\":%lld", d->token[k].created_at);
			if (d->token[k].used_at)
				jw_printf(&w, ",\"usedAtMs\":%lld", d->token[k].used_at);
			JW_LIT(&w, "}");
			first = 0;
		}
	JW_LIT(&w, "]");
	if (d->approved) {
		JW_LIT(&w, ",\"nodeSurface\":{\"displayName\":");
		jw_str(&w, d->approved->name);
		JW_LIT(&w, ",\"version\":");
		jw_str(&w, d->approved->version);
		jw_printf(&w, ",\"caps\":%s,\"commands\":%s,\"createdAtMs\":%lld,\"approvedAtMs\":%lld}",
		    d->approved->caps, d->approved->commands, d->approved->created_at, d->approved->approved_at);
	}
	JW_LIT(&w, "}\n");
	return w.overflow ? 0 : w.len;
}

/* the gateway's own identity as the line after the header; its length, 0 if it has none */
static size_t
identity_line(void)
{
	unsigned char key[32], h[SHA256_LEN];
	char b64[44];
	long long created;
	size_t i;
	struct jw w = jw_init(line, sizeof line);

	if (!state_identity(key, &created))
		return 0;
	sha256(key, sizeof key, h);
	base64url_encode(key, sizeof key, b64);
	JW_LIT(&w, "{\"gatewayIdentity\":{\"deviceId\":\"");
	for (i = 0; i < SHA256_LEN; i++)
		jw_printf(&w, "%02x", h[i]);
	jw_printf(&w, "\",\"publicKey\":\"%s\",\"createdAtMs\":%lld}}\n", b64, created);
	return w.len;
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
	if (write_all(fd, header, sizeof header - 1) < 0 || ((n = identity_line()) > 0 && write_all(fd, line, n) < 0))
		goto close_fail;
	for (i = 0; i < state_count(); i++) {
		if (state_at(i)->dropping)
			continue;
		if ((n = device_line(state_at(i))) == 0) {
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
	return -1;
}

/* ---- reading it back ---- */

static const char *const role_values[] = { "operator", "node", NULL };
static const struct json_field token_fields[] = {
	{ "role", JS_ENUM, 1, 0, 0, NULL, role_values },
	{ "sha256", JS_STRING, 1, 1, 2 * SHA256_LEN, NULL, NULL },
	{ "scopes", JS_STRINGS, 1, 0, 0, NULL, NULL },
	{ "createdAtMs", JS_INT, 1, 0, 0, NULL, NULL },
	{ "usedAtMs", JS_INT, 0, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
static const struct json_field surface_fields[] = {
	{ "displayName", JS_STRING, 1, 0, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "version", JS_STRING, 1, 0, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "caps", JS_STRINGS, 1, 0, 0, NULL, NULL },
	{ "commands", JS_STRINGS, 1, 0, 0, NULL, NULL },
	{ "createdAtMs", JS_INT, 1, 0, 0, NULL, NULL },
	{ "approvedAtMs", JS_INT, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
static const struct json_field device_fields[] = {
	{ "deviceId", JS_STRING, 1, 1, 2 * SHA256_LEN, NULL, NULL },
	{ "publicKey", JS_STRING, 1, 1, 43, NULL, NULL },
	{ "displayName", JS_STRING, 1, 0, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "platform", JS_STRING, 1, 0, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "deviceFamily", JS_STRING, 1, 0, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "clientId", JS_STRING, 1, 0, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "clientMode", JS_STRING, 1, 0, CLIENT_FIELD_MAX - 1, NULL, NULL },
	{ "roles", JS_STRINGS, 1, 0, 0, NULL, NULL },
	{ "scopes", JS_STRINGS, 1, 0, 0, NULL, NULL },
	{ "createdAtMs", JS_INT, 1, 0, 0, NULL, NULL },
	{ "approvedAtMs", JS_INT, 1, 0, 0, NULL, NULL },
	{ "tokens", JS_ARRAY, 1, 0, 0, token_fields, NULL },
	{ "nodeSurface", JS_OBJECT, 0, 0, 0, surface_fields, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct json_field identity_members[] = {
	{ "deviceId", JS_STRING, 1, 1, 2 * SHA256_LEN, NULL, NULL },
	{ "publicKey", JS_STRING, 1, 1, 43, NULL, NULL },
	{ "createdAtMs", JS_INT, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};
static const struct json_field identity_fields[] = {
	{ "gatewayIdentity", JS_OBJECT, 1, 0, 0, identity_members, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* the bits of a JSON array of names (scopes or roles); -1 if one is unknown */
static long
bits_of(const char *p, int arr, const char *const *names)
{
	char one[SCOPE_MAX];
	long bits = 0;
	int i, k, n;

	for (i = arr + 1, n = 0; n < (int)tok[arr].count; n++, i = tok[i].next) {
		if (json_string(p, tok, i, one, sizeof one) < 0)
			return -1;
		for (k = 0; names[k] && strcmp(one, names[k]) != 0; k++)
			;
		if (!names[k])
			return -1;
		bits |= 1L << k;
	}
	return bits;
}

static long long
integer(const char *p, int obj, const char *key)
{
	long long v = 0;

	json_integer(p, tok, json_get(p, tok, obj, key), &v);
	return v;
}

/* JSON array text of obj's member key, NUL-terminated in place of the byte after it */
static const char *
array_text(char *p, int obj, const char *key)
{
	const int a = json_get(p, tok, obj, key);
	char *s = p + tok[a].start;
	size_t n = tok[a].len;

	s[n] = '\0';
	return s;
}

/* 32 bytes from 43 characters of base64url, as state_add wrote them (canonical: strict Base64 decides) */
static int
key_of(const char *s, size_t n, unsigned char key[32])
{
	char b64[44];
	size_t i;

	if (n != 43)
		return 0;
	for (i = 0; i < n; i++)
		b64[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i] == '+' || s[i] == '/' ? '!' : s[i];
	b64[43] = '=';
	return base64_decode(b64, sizeof b64, key, 32) == 32;
}

/* the token at i, into d; -1 if it is not one */
static int
read_token(const char *p, int i, struct paired *d)
{
	char role[16], hex[2 * SHA256_LEN + 1];
	struct device_token *t;
	unsigned v;
	long scopes;
	int k;

	json_string(p, tok, json_get(p, tok, i, "role"), role, sizeof role);
	t = &d->token[strcmp(role, "node") == 0 ? ROLE_NODE : ROLE_OPERATOR];
	json_string(p, tok, json_get(p, tok, i, "sha256"), hex, sizeof hex);
	if (t->set || strlen(hex) != 2 * SHA256_LEN || (scopes = bits_of(p, json_get(p, tok, i, "scopes"), scope_names)) < 0)
		return -1;
	for (k = 0; k < SHA256_LEN; k++) {
		if (!isxdigit((unsigned char)hex[2 * k]) || !isxdigit((unsigned char)hex[2 * k + 1]) ||
		    sscanf(hex + 2 * k, "%2x", &v) != 1)
			return -1;
		t->hash[k] = (unsigned char)v;
	}
	t->set = 1;
	t->scopes = (unsigned)scopes;
	t->created_at = integer(p, i, "createdAtMs");
	t->used_at = integer(p, i, "usedAtMs");         /* 0 where it is absent: never used */
	return 0;
}

/* a key in base64url and its id, as written for a device or the gateway; 0 and why if they do not match */
static int
key_and_id(const char *p, int obj, unsigned char key[32], char id[2 * SHA256_LEN + 1], char *why, size_t cap)
{
	const int k = json_get(p, tok, obj, "publicKey");
	unsigned char h[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	unsigned j;

	json_string(p, tok, json_get(p, tok, obj, "deviceId"), id, 2 * SHA256_LEN + 1);
	if (!key_of(p + tok[k].start, tok[k].len, key)) {
		snprintf(why, cap, "publicKey is not 32 bytes of base64url");
		return 0;
	}
	sha256(key, 32, h);
	for (j = 0; j < SHA256_LEN; j++)
		snprintf(hex + 2 * j, 3, "%02x", h[j]);
	if (strcmp(hex, id) != 0) {
		snprintf(why, cap, "deviceId is not the SHA-256 of publicKey");
		return 0;
	}
	return 1;
}

/* the gateway's identity line; 0 and why if it is not one */
static int
read_identity(char *p, size_t n, char *why, size_t cap)
{
	unsigned char key[32];
	char id[2 * SHA256_LEN + 1];
	int g;

	if (json_parse(p, n, tok, STATE_TOKENS) < 1 || json_check(p, tok, 0, identity_fields, why, cap) < 0)
		return 0;
	g = json_get(p, tok, 0, "gatewayIdentity");
	if (!key_and_id(p, g, key, id, why, cap))
		return 0;
	state_set_identity(key, integer(p, g, "createdAtMs"));
	return 1;
}

/* one line (NUL-terminated, without its newline) as a device; NULL and why if it is not one */
static struct paired *
read_device(char *p, size_t n, char *why, size_t cap)
{
	static const char *const names[] = { "displayName", "platform", "deviceFamily", "clientId", "clientMode" };
	unsigned char key[32];
	char id[2 * SHA256_LEN + 1];
	const char *caps, *commands;
	struct paired *d;
	long roles, scopes;
	int i, k, t, surf;
	unsigned j;

	if (json_parse(p, n, tok, STATE_TOKENS) < 1 || tok[0].type != JSON_OBJECT) {
		snprintf(why, cap, "not a JSON object");
		return NULL;
	}
	if (json_check(p, tok, 0, device_fields, why, cap) < 0 || !key_and_id(p, 0, key, id, why, cap))
		return NULL;
	if (state_find(id)) {
		snprintf(why, cap, "device %s is listed twice", id);
		return NULL;
	}
	roles = bits_of(p, json_get(p, tok, 0, "roles"), role_names);
	scopes = bits_of(p, json_get(p, tok, 0, "scopes"), scope_names);
	if (roles <= 0 || scopes < 0) {
		snprintf(why, cap, roles <= 0 ? "roles: none, or an unknown one" : "scopes: an unknown one");
		return NULL;
	}
	if ((d = state_add(id, key, integer(p, 0, "createdAtMs"))) == NULL) {
		snprintf(why, cap, state_count() == DEVICES_MAX ? "more than %d devices" : "out of memory", DEVICES_MAX);
		return NULL;
	}
	d->approved_at = integer(p, 0, "approvedAtMs");
	d->roles = (unsigned)roles;
	d->scopes = (unsigned)scopes;
	for (k = 0; k < D_FIELDS; k++)
		json_string(p, tok, json_get(p, tok, 0, names[k]), d->field[k], sizeof d->field[k]);
	t = json_get(p, tok, 0, "tokens");
	for (i = t + 1, j = 0; j < tok[t].count; j++, i = tok[i].next)
		if (read_token(p, i, d) < 0) {
			snprintf(why, cap, "at /tokens/%u: a role with two tokens, a sha256 not of 64 hex digits, "
			    "or an unknown scope", j);
			state_drop(d);
			return NULL;
		}
	if ((surf = json_get(p, tok, 0, "nodeSurface")) >= 0) {
		if (tok[json_get(p, tok, surf, "caps")].count > NODE_CAPS_MAX ||
		    tok[json_get(p, tok, surf, "commands")].count > NODE_COMMANDS_MAX) {
			snprintf(why, cap, "nodeSurface: more caps or commands than a node may declare");
			state_drop(d);
			return NULL;
		}
		caps = array_text(p, surf, "caps");
		commands = array_text(p, surf, "commands");
		if ((d->approved = surface_new(caps, commands, 0)) == NULL) {
			snprintf(why, cap, "out of memory");
			state_drop(d);
			return NULL;
		}
		d->approved->created_at = integer(p, surf, "createdAtMs");
		d->approved->approved_at = integer(p, surf, "approvedAtMs");
		json_string(p, tok, json_get(p, tok, surf, "displayName"), d->approved->name, sizeof d->approved->name);
		json_string(p, tok, json_get(p, tok, surf, "version"), d->approved->version, sizeof d->approved->version);
	}
	return d;
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
			if (!read_identity(p, (size_t)(nl - p), why, sizeof why))
				at = (long)(p - data);
			continue;
		}
		if ((size_t)(nl - p) >= STATE_ENTRY_MAX || read_device(p, (size_t)(nl - p), why, sizeof why) == NULL)
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
