/*
 * Base64 (RFC 4648 section 4), strict: padding required, no whitespace;
 * and base64url without padding (section 5) out, for device keys and tokens.
 */
#include <stdint.h>

#include "base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* n bytes as Base64 into out, with its padding (pad) or not; its length */
static size_t
encode(const unsigned char *in, size_t n, char *out, int pad)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < n) {
		v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = alphabet[v >> 6 & 63];
		else if (pad)
			out[o++] = '=';
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

size_t
base64_encode(const unsigned char *in, size_t n, char *out)
{
	return encode(in, n, out, 1);
}

/* base64url without padding, as Node's toString("base64url"): never longer than its output */
size_t
base64url_encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = encode(in, n, out, 0), i;

	for (i = 0; i < o; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	return o;
}

/* the value of a Base64 digit, -1 if c is none */
int
base64_sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decoded length, or -1 if the input is not canonical Base64 or does not fit. */
long
base64_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
	size_t i, o = 0;
	int j, pad, s[4];
	uint32_t v;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		pad = 0;
		for (j = 0; j < 4; j++) {
			if (in[i + j] == '=' && i + 4 == n && j >= 2) {
				s[j] = 0;
				pad++;
				continue;
			}
			if (pad || (s[j] = base64_sextet(in[i + j])) < 0)
				return -1;
		}
		v = (uint32_t)s[0] << 18 | (uint32_t)s[1] << 12 | (uint32_t)s[2] << 6 | (uint32_t)s[3];
		/* the bits padding leaves over must be zero (canonical form) */
		if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
			return -1;
		if (o + 3 - (size_t)pad > cap)
			return -1;
		out[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)v;
	}
	return (long)o;
}
