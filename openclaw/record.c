/*
 * A line of the state file: one paired device, or the gateway's own
 * identity, written as JSON and read back, checked as strictly as a
 * client's connect: what is written is read back the same, byte for byte
 * (test/roundtrip.c). The file around the lines is statefile.c's.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "base64.h"
#include "crypto/sha2.h"
#include "rpc.h"
#include "state.h"
#include "record.h"

static struct json_tok tok[STATE_TOKENS];

/* one device as a line of the file, into out; its length, 0 if it would pass cap */
size_t
record_device(char *out, size_t cap, const struct paired *d)
{
	static const char *const names[] = { "displayName", "platform", "deviceFamily", "clientId", "clientMode" };
	struct jw w = jw_init(out, cap);
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

/* the gateway's own identity as the line after the header, into out; its length, 0 if it has none or past cap */
size_t
record_identity(char *out, size_t cap)
{
	unsigned char key[32], h[SHA256_LEN];
	char b64[44];
	long long created;
	size_t i;
	struct jw w = jw_init(out, cap);

	if (!state_identity(key, &created))
		return 0;
	sha256(key, sizeof key, h);
	base64url_encode(key, sizeof key, b64);
	JW_LIT(&w, "{\"gatewayIdentity\":{\"deviceId\":\"");
	for (i = 0; i < SHA256_LEN; i++)
		jw_printf(&w, "%02x", h[i]);
	jw_printf(&w, "\",\"publicKey\":\"%s\",\"createdAtMs\":%lld}}\n", b64, created);
	return w.overflow ? 0 : w.len;
}

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
int
record_read_identity(char *p, size_t n, char *why, size_t cap)
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
struct paired *
record_read_device(char *p, size_t n, char *why, size_t cap)
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
