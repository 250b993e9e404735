/*
 * A connect's device proof, checked as the real gateway checks it
 * (verifyGatewayConnectDeviceProof in message-handler-*.mjs, the payloads
 * of device-auth-*.mjs, the key forms of ed25519-signature-*.mjs), in its
 * order: the id is the SHA-256 of the key; the signature is at most two
 * minutes old; the nonce is this connection's; the signature verifies over
 * the v3 payload, or else the v2 one. Pure: no I/O, no allocation.
 *
 * The real gateway has a sixth answer, "device public key invalid", after
 * the signature; it cannot be reached there (a key that does not normalise
 * has already failed the first step, by the same function), so not here.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "base64.h"
#include "crypto/sha2.h"
#include "crypto/ed25519.h"
#include "device.h"

const char *const device_failures[][3] = {      /* message, details.code, details.reason */
	{ "", "", "" },
	{ "device identity mismatch", "DEVICE_AUTH_DEVICE_ID_MISMATCH", "device-id-mismatch" },
	{ "device signature expired", "DEVICE_AUTH_SIGNATURE_EXPIRED", "device-signature-stale" },
	{ "device nonce required", "DEVICE_AUTH_NONCE_REQUIRED", "device-nonce-missing" },
	{ "device nonce mismatch", "DEVICE_AUTH_NONCE_MISMATCH", "device-nonce-mismatch" },
	{ "device signature invalid", "DEVICE_AUTH_SIGNATURE_INVALID", "device-signature" },
};

/* the SPKI DER of an Ed25519 key: this prefix, then the 32 bytes */
static const unsigned char spki_prefix[12] = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };

/*
 * As the real gateway decodes a device's key and signature: base64url read
 * as base64, and Node's Buffer.from(s, "base64"), which skips every byte
 * that is not in the alphabet, stops at the first '=', and makes what it
 * can of a short last group (two sextets: one byte; three: two; one: none).
 * The decoded length, or -1 if it does not fit.
 */
static long
base64_loose(const char *in, size_t n, unsigned char *out, size_t cap)
{
	uint32_t v = 0;
	size_t i, o = 0;
	int k = 0, s;

	for (i = 0; i < n && in[i] != '='; i++) {
		if ((s = base64_sextet(in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i])) < 0)
			continue;
		v = v << 6 | (uint32_t)s;
		if (++k == 4) {
			if (o + 3 > cap)
				return -1;
			out[o++] = (unsigned char)(v >> 16);
			out[o++] = (unsigned char)(v >> 8);
			out[o++] = (unsigned char)v;
			v = 0, k = 0;
		}
	}
	if (o + (k > 1 ? (size_t)k - 1 : 0) > cap)
		return -1;
	if (k >= 2)
		out[o++] = (unsigned char)(v >> (6 * k - 8));
	if (k == 3)
		out[o++] = (unsigned char)(v >> 2);
	return (long)o;
}

/* a string's length in UTF-16 units, as JavaScript counts it */
static size_t
js_length(const char *s, size_t n)
{
	size_t i, units = 0;

	for (i = 0; i < n; i++)
		units += ((unsigned char)s[i] & 0xc0) != 0x80 ? 1 + ((unsigned char)s[i] >= 0xf0) : 0;
	return units;
}

/* the code point at s (valid UTF-8: the JSON reader checked it), and its length */
static unsigned
code_point(const unsigned char *s, size_t *len)
{
	if (s[0] < 0x80)
		return *len = 1, s[0];
	if (s[0] < 0xe0)
		return *len = 2, (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu);
	if (s[0] < 0xf0)
		return *len = 3, (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
	return *len = 4, (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 | (s[2] & 0x3fu) << 6 | (s[3] & 0x3fu);
}

/* JavaScript's white space and line terminators, which String.prototype.trim removes */
static int
js_space(unsigned c)
{
	return (c >= 9 && c <= 13) || c == ' ' || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 || c == 0xfeff;
}

/* s as trim() leaves it: *s and *n move in */
static void
js_trim(const char **s, size_t *n)
{
	size_t len, back;

	while (*n > 0 && js_space(code_point((const unsigned char *)*s, &len)))
		*s += len, *n -= len;
	while (*n > 0) {
		for (back = 1; back < *n && ((unsigned char)(*s)[*n - back] & 0xc0) == 0x80; back++)
			;
		if (!js_space(code_point((const unsigned char *)*s + *n - back, &len)))
			break;
		*n -= back;
	}
}

/*
 * The raw key of a device, from what it sent: PEM (SubjectPublicKeyInfo)
 * if the text holds "BEGIN", else the permissive base64url decoding of at
 * most 4096 characters. Its length, or -1: no key (the real gateway's
 * normalisation throws, or gives nothing).
 */
static long
device_key(const char *s, size_t n, unsigned char *raw, size_t cap)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----", end[] = "-----END PUBLIC KEY-----";
	unsigned char der[64];
	char body[128];
	const char *b, *e;
	size_t k = 0;
	long len;

	if (strstr(s, "BEGIN") == NULL)
		return js_length(s, n) > 4096 ? -1 : base64_loose(s, n, raw, cap);
	if ((b = strstr(s, begin)) == NULL || (e = strstr(b, end)) == NULL)
		return -1;
	for (b += sizeof begin - 1; b < e; b++)
		if (*b != '\n' && *b != '\r' && *b != ' ' && *b != '\t') {
			if (k == sizeof body)
				return -1;
			body[k++] = *b;
		}
	len = base64_decode(body, k, der, sizeof der);
	if (len != (long)sizeof spki_prefix + 32 || memcmp(der, spki_prefix, sizeof spki_prefix) != 0 || cap < 32)
		return -1;
	memcpy(raw, der + sizeof spki_prefix, 32);
	return 32;
}

/* the string member key of obj, decoded into out (a C string); its length, -1 if absent or too long */
static long
member(const char *p, const struct json_tok *t, int obj, const char *key, char *out, size_t cap)
{
	return json_string(p, t, json_get(p, t, obj, key), out, cap);
}

/* platform and deviceFamily as signed in v3: trimmed, A-Z lowercased */
static void
metadata(struct jw *w, const char *p, const struct json_tok *t, int client, const char *key)
{
	char v[CLIENT_FIELD_MAX], c;
	const char *s = v;
	size_t n, i;

	n = member(p, t, client, key, v, sizeof v) > 0 ? strlen(v) : 0;
	js_trim(&s, &n);
	for (i = 0; i < n; i++) {
		c = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
		jw_raw(w, &c, 1);
	}
}

int
device_check(const char *p, const struct json_tok *t, int params, const char *role, const char *nonce,
    long long now, unsigned char key[32])
{
	static char text[PRECONNECT_MAX], payload[2 * PRECONNECT_MAX];
	const int dev = json_get(p, t, params, "device"), client = json_get(p, t, params, "client");
	const int auth = json_get(p, t, params, "auth"), scopes = json_get(p, t, params, "scopes");
	unsigned char raw[3072], sig[3072], digest[SHA256_LEN];
	char id[2 * SHA256_LEN + 1], given[CLIENT_FIELD_MAX];
	const char *trimmed = text;
	long long signed_at;
	long n, keylen;
	size_t len, v2;
	struct jw w;
	int i, k, tok;

	/* 1. the id is the key's */
	if ((n = member(p, t, dev, "publicKey", text, sizeof text)) < 0 ||
	    (keylen = device_key(text, (size_t)n, raw, sizeof raw)) <= 0)
		return DEVICE_ID_MISMATCH;
	sha256(raw, (size_t)keylen, digest);
	for (i = 0; i < SHA256_LEN; i++)
		snprintf(id + 2 * i, 3, "%02x", digest[i]);
	if (member(p, t, dev, "id", given, sizeof given) < 0 || strcmp(given, id) != 0)
		return DEVICE_ID_MISMATCH;
	/* 2. fresh */
	if (json_integer(p, t, json_get(p, t, dev, "signedAt"), &signed_at) < 0 ||
	    now - signed_at > DEVICE_SIGNATURE_SKEW_MS || signed_at - now > DEVICE_SIGNATURE_SKEW_MS)
		return DEVICE_EXPIRED;
	/* 3. this connection's nonce, trimmed */
	if ((n = member(p, t, dev, "nonce", text, sizeof text)) < 0)
		return DEVICE_NONCE_MISMATCH;   /* it holds a NUL: it is not ours */
	len = (size_t)n;
	js_trim(&trimmed, &len);
	if (len == 0)
		return DEVICE_NONCE_REQUIRED;
	if (len != strlen(nonce) || memcmp(trimmed, nonce, len) != 0)
		return DEVICE_NONCE_MISMATCH;
	/* 4. the signature, over v3 or else v2 */
	if ((n = member(p, t, dev, "signature", text, sizeof text)) < 0 || js_length(text, (size_t)n) > 4096 ||
	    base64_loose(text, (size_t)n, sig, sizeof sig) != 64 || keylen != 32)
		return DEVICE_SIGNATURE_INVALID;
	w = jw_init(payload, sizeof payload);
	jw_printf(&w, "v3|%s|", id);
	member(p, t, client, "id", text, sizeof text);
	jw_cat(&w, text);
	JW_LIT(&w, "|");
	member(p, t, client, "mode", text, sizeof text);
	jw_cat(&w, text);
	jw_printf(&w, "|%s|", role);
	for (i = scopes + 1, k = 0; scopes >= 0 && k < (int)t[scopes].count; k++, i = t[i].next) {
		json_string(p, t, i, text, sizeof text);
		jw_printf(&w, "%s%s", k ? "," : "", text);
	}
	jw_printf(&w, "|%lld|", signed_at);
	/* the token signed: auth.token ?? auth.deviceToken ?? auth.bootstrapToken ?? "" */
	if ((tok = json_get(p, t, auth, "token")) < 0 && (tok = json_get(p, t, auth, "deviceToken")) < 0)
		tok = json_get(p, t, auth, "bootstrapToken");
	json_string(p, t, tok, text, sizeof text);
	jw_cat(&w, text);
	JW_LIT(&w, "|");
	jw_cat(&w, nonce);
	v2 = w.len;                     /* v2 is the first nine fields */
	JW_LIT(&w, "|");
	metadata(&w, p, t, client, "platform");
	JW_LIT(&w, "|");
	metadata(&w, p, t, client, "deviceFamily");
	if (w.overflow)
		return DEVICE_SIGNATURE_INVALID;
	if (!ed25519_verify(sig, payload, w.len, raw)) {
		payload[1] = '2';
		if (!ed25519_verify(sig, payload, v2, raw))
			return DEVICE_SIGNATURE_INVALID;
	}
	memcpy(key, raw, 32);
	return DEVICE_OK;
}
