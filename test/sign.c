/*
 * Test-only Ed25519 signing (RFC 8032 5.1.6), on the daemon's own field and
 * group arithmetic: this file includes ../crypto/ed25519.c, so the tests link it
 * instead of ed25519.o. The daemon itself never signs.
 */
#include "../crypto/ed25519.c"

#include <stdio.h>

#include "t.h"

void
test_sign(unsigned char sig[64], const void *msg, size_t len, const unsigned char seed[32])
{
	unsigned char a[32], prefix[32], pk[32], h[SHA512_LEN], r[32], k[32], wide[64];
	const void *part[3];
	size_t size[3];
	int64_t x[64] = { 0 };
	int i, j;

	expand(seed, a, prefix);
	base_times(pk, a);
	part[0] = prefix, size[0] = 32, part[1] = msg, size[1] = len;
	sha2(512, part, size, 2, h);
	sc_reduce(r, h);
	base_times(sig, r);                     /* R = [r]B */
	part[0] = sig, size[0] = 32, part[1] = pk, size[1] = 32, part[2] = msg, size[2] = len;
	sha2(512, part, size, 3, h);
	sc_reduce(k, h);
	/* S = r + k a mod L: the sum as 64 bytes, then reduced */
	for (i = 0; i < 32; i++) {
		x[i] += r[i];
		for (j = 0; j < 32; j++)
			x[i + j] += (int64_t)k[i] * a[j];
	}
	for (i = 0; i < 63; i++) {
		x[i + 1] += x[i] >> 8;
		wide[i] = (unsigned char)(x[i] & 255);
	}
	wide[63] = (unsigned char)x[63];
	sc_reduce(sig + 32, wide);
}

/* the test key number n: its seed, and its device id (hex SHA-256 of the public key) */
void
test_key(int n, unsigned char seed[32], unsigned char pk[32], char id[65])
{
	unsigned char h[SHA256_LEN];
	int i;

	for (i = 0; i < 32; i++)                /* unique for n below 65536; the first 256 as they always were */
		seed[i] = (unsigned char)((n * 37 + i * 11 + 1) ^ ((n >> 8) * (i + 1)));
	ed25519_public(seed, pk);
	sha256(pk, 32, h);
	for (i = 0; i < SHA256_LEN; i++)
		snprintf(id + 2 * i, 3, "%02x", h[i]);
}

/*
 * The device member of a connect, for test key n, signed over the v3
 * payload (v2 if v2 is set) for this nonce, client and role; scopes as the
 * payload joins them, platform and family lowercased already.
 */
void
test_device(char *out, size_t cap, int n, const char *nonce, const char *client, const char *mode, const char *role,
    const char *scopes, const char *token, const char *platform, const char *family, long long signed_at, int v2)
{
	unsigned char seed[32], pk[32], sig[64];
	char id[65], payload[2048], k64[64], s64[100];

	test_key(n, seed, pk, id);
	if (v2)
		snprintf(payload, sizeof payload, "v2|%s|%s|%s|%s|%s|%lld|%s|%s", id, client, mode, role, scopes,
		    signed_at, token, nonce);
	else
		snprintf(payload, sizeof payload, "v3|%s|%s|%s|%s|%s|%lld|%s|%s|%s|%s", id, client, mode, role, scopes,
		    signed_at, token, nonce, platform, family);
	test_sign(sig, payload, strlen(payload), seed);
	base64url_encode(pk, 32, k64);
	base64url_encode(sig, 64, s64);
	snprintf(out, cap, ",\"device\":{\"id\":\"%s\",\"publicKey\":\"%s\",\"signature\":\"%s\",\"signedAt\":%lld,"
	    "\"nonce\":\"%s\"}", id, k64, s64, signed_at, nonce);
}
