/* the crypto's vectors: SHA-256 and SHA-512 (FIPS 180), Ed25519 (RFC 8032 7.1, Wycheproof), the device proof */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha2.h"
#include "crypto/ed25519.h"
#include "openclaw/device.h"
#include "t.h"

static void
hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static size_t
unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (s[0] && s[1] && n < cap && sscanf(s, "%2x", &v) == 1)
		out[n++] = (unsigned char)v, s += 2;
	return n;
}

static void
sha2_vectors(void)
{
	static const struct { const char *in, *s256, *s512; } v[] = {   /* FIPS 180-2 appendices, and "" */
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		  "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f"
		  "63b931bd47417a81a538327af927da3e" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
		  "454d4423643ce80e2a9ac94fa54ca49f" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", NULL },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
		  "mnopqrstnopqrstu", NULL,
		  "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433a"
		  "c7d329eeb6dd26545e96e55b874be909" },
	};
	unsigned char d[SHA512_LEN];
	char h[2 * SHA512_LEN + 1], *a;
	const void *part[2];
	size_t size[2], i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (v[i].s256) {
			sha256(v[i].in, strlen(v[i].in), d);
			hex(d, SHA256_LEN, h);
			check(strcmp(h, v[i].s256) == 0, "sha256(\"%.20s\") = %s", v[i].in, h);
		}
		if (v[i].s512) {        /* in two parts, split in the middle: the parts are one message */
			part[0] = v[i].in, size[0] = strlen(v[i].in) / 2;
			part[1] = v[i].in + size[0], size[1] = strlen(v[i].in) - size[0];
			sha2(512, part, size, 2, d);
			hex(d, SHA512_LEN, h);
			check(strcmp(h, v[i].s512) == 0, "sha512(\"%.20s\") = %s", v[i].in, h);
		}
	}
	a = malloc(1000000);
	memset(a, 'a', 1000000);
	sha256(a, 1000000, d);
	hex(d, SHA256_LEN, h);
	check(strcmp(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0, "sha256(a x 1e6) = %s", h);
	part[0] = a, size[0] = 1000000;
	sha2(512, part, size, 1, d);
	hex(d, SHA512_LEN, h);
	check(strcmp(h, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577"
	    "c31beb009c5c2c49aa2e4eadb217ad8cc09b") == 0, "sha512(a x 1e6) = %s", h);
	free(a);
}

static void
ed25519_vectors(void)
{
	static const struct { const char *seed, *pk, *msg, *sig; } v[] = {     /* RFC 8032 7.1, tests 1 to 3 */
		{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5"
		  "f0595bbe24655141438e7a100b" },
		{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2e"
		  "aeb4302aeeb00d291612bb0c00" },
		{ "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
		  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
		  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15"
		  "e9716ed28dc027beceea1ec40a" },
	};
	unsigned char seed[32], pk[32], mine[32], msg[8], sig[64], made[64];
	char h[129];
	size_t i, n;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		unhex(v[i].seed, seed, 32);
		unhex(v[i].pk, pk, 32);
		unhex(v[i].sig, sig, 64);
		n = unhex(v[i].msg, msg, sizeof msg);
		check(ed25519_verify(sig, msg, n, pk) == 1, "RFC 8032 test %zu verifies", i + 1);
		sig[10] ^= 1;
		check(ed25519_verify(sig, msg, n, pk) == 0, "RFC 8032 test %zu with one bit of R changed: refused", i + 1);
		sig[10] ^= 1;
		sig[40] ^= 1;
		check(ed25519_verify(sig, msg, n, pk) == 0, "RFC 8032 test %zu with one bit of S changed: refused", i + 1);
		sig[40] ^= 1;
		msg[0] ^= 1;
		check(n == 0 || ed25519_verify(sig, msg, n, pk) == 0, "RFC 8032 test %zu, another message: refused", i + 1);
		msg[0] ^= 1;
		ed25519_public(seed, mine);
		check(memcmp(mine, pk, 32) == 0, "RFC 8032 test %zu: ed25519_public derives its public key from its seed",
		    i + 1);
		test_sign(made, msg, n, seed);  /* the test signer, on the same arithmetic, agrees */
		hex(made, 64, h);
		check(strcmp(h, v[i].sig) == 0, "RFC 8032 test %zu: the test signer makes the same signature (%s)", i + 1, h);
	}
}

/*
 * Bug: the reduction mod L could leave a value in [L, 2L), so a signature
 * with S + L passed as canonical, and one in 25 signatures the test signer
 * made had S >= L. Signed 500 times: each verifies, its S is below L, and
 * the same signature with S + L is refused.
 */
static void
canonical_s(void)
{
	static const unsigned char order[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2,
		0xde, 0xf9, 0xde, 0x14, [31] = 0x10 };
	unsigned char seed[32], pk[32], sig[64], big[64];
	char id[65], msg[32];
	int n, i, sum, good = 0, below = 0, refused = 0;

	for (n = 0; n < 500; n++) {
		test_key(n, seed, pk, id);
		snprintf(msg, sizeof msg, "message %d", n);
		test_sign(sig, msg, strlen(msg), seed);
		good += ed25519_verify(sig, msg, strlen(msg), pk);
		for (i = 31; i >= 0 && sig[32 + i] == order[i]; i--)
			;
		below += i >= 0 && sig[32 + i] < order[i];
		memcpy(big, sig, 64);
		for (i = 0, sum = 0; i < 32; i++, sum >>= 8) {
			sum += big[32 + i] + order[i];
			big[32 + i] = (unsigned char)sum;
		}
		refused += !ed25519_verify(big, msg, strlen(msg), pk);
	}
	check(good == 500 && below == 500 && refused == 500, "500 signatures of the test signer: %d verify, %d have S < L, "
	    "%d with S + L are refused", good, below, refused);
}

/* every case of test/vectors/wycheproof-ed25519_test.json (Apache 2.0, beside it) */
static void
wycheproof(void)
{
	static struct json_tok t[16384];
	static char text[200000];
	unsigned char pk[64], msg[1024], sig[128];
	char pkhex[130], buf[2100], result[16];
	int groups, g, tests, e, i, j, ok, right = 0, valid = 0, invalid = 0, cases = 0;
	FILE *f = fopen("test/vectors/wycheproof-ed25519_test.json", "r");
	size_t n = f ? fread(text, 1, sizeof text, f) : 0;
	unsigned gi, ti;

	if (f)
		fclose(f);
	if (json_parse(text, n, t, (int)(sizeof t / sizeof t[0])) < 1) {
		check(0, "test/vectors/wycheproof-ed25519_test.json reads as JSON");
		return;
	}
	groups = json_get(text, t, 0, "testGroups");
	for (g = groups + 1, gi = 0; gi < t[groups].count; gi++, g = t[g].next) {
		json_string(text, t, json_get(text, t, json_get(text, t, g, "publicKey"), "pk"), pkhex, sizeof pkhex);
		unhex(pkhex, pk, sizeof pk);
		tests = json_get(text, t, g, "tests");
		for (e = tests + 1, ti = 0; ti < t[tests].count; ti++, e = t[e].next) {
			json_string(text, t, json_get(text, t, e, "msg"), buf, sizeof buf);
			i = (int)unhex(buf, msg, sizeof msg);
			json_string(text, t, json_get(text, t, e, "sig"), buf, sizeof buf);
			j = (int)unhex(buf, sig, sizeof sig);
			json_string(text, t, json_get(text, t, e, "result"), result, sizeof result);
			ok = j == 64 && ed25519_verify(sig, msg, (size_t)i, pk);
			cases++;
			valid += strcmp(result, "valid") == 0;
			invalid += strcmp(result, "invalid") == 0;
			if (ok == (strcmp(result, "valid") == 0))
				right++;
			else {
				long long id = 0;
				json_integer(text, t, json_get(text, t, e, "tcId"), &id);
				check(0, "Wycheproof tcId %lld: %s, but verify said %d", id, result, ok);
			}
		}
	}
	check(cases == 150 && valid == 88 && invalid == 62 && right == cases, "Wycheproof Ed25519: %d of %d cases", right,
	    cases);
	printf("Wycheproof Ed25519: %d of %d cases as expected (%d valid verify, %d invalid are refused, S >= L and "
	    "non-canonical encodings among them)\n", right, cases, valid, invalid);
}

/* one connect's params with this device member; device_check's answer */
static int
proof(const char *device, const char *client, const char *auth, const char *nonce, long long now)
{
	static struct json_tok t[256];
	char params[4096];
	int n;

	snprintf(params, sizeof params, "{\"client\":%s,\"role\":\"node\",\"scopes\":[]%s%s}", client, auth, device);
	if ((n = json_parse(params, strlen(params), t, 256)) < 1)
		return -1;
	{
		unsigned char key[32];
		return device_check(params, t, 0, "node", nonce, now, key);
	}
}

/* the device proof, step by step, as the real gateway's verifyGatewayConnectDeviceProof */
static void
device_vectors(void)
{
	static const char client[] = "{\"id\":\"node-host\",\"mode\":\"node\",\"platform\":\" Linux \","
	    "\"deviceFamily\":\"LINUX\"}";
	static const char nonce[] = "6f7c2a3e-1111-4222-8333-944455556666";
	const long long now = 1796000000000LL;
	char dev[1024], other[1024], *k, *s;
	unsigned char seed[32], pk[32];
	char id[65];

#define SIGNED(out, n, nonce_, token, at, v2) test_device(out, sizeof out, n, nonce_, "node-host", "node", "node", "", \
	token, "linux", "linux", at, v2)
	SIGNED(dev, 1, nonce, "", now, 0);
	check(proof(dev, client, "", nonce, now) == DEVICE_OK, "device proof: a v3 signature verifies");
	check(proof(dev, client, "", nonce, now + DEVICE_SIGNATURE_SKEW_MS) == DEVICE_OK &&
	    proof(dev, client, "", nonce, now - DEVICE_SIGNATURE_SKEW_MS) == DEVICE_OK,
	    "device proof: 120 s either way is fresh");
	check(proof(dev, client, "", nonce, now + DEVICE_SIGNATURE_SKEW_MS + 1) == DEVICE_EXPIRED &&
	    proof(dev, client, "", nonce, now - DEVICE_SIGNATURE_SKEW_MS - 1) == DEVICE_EXPIRED,
	    "device proof: a ms more either way is \"%s\"", device_failures[DEVICE_EXPIRED][0]);
	check(proof(dev, client, "", "another-nonce", now) == DEVICE_NONCE_MISMATCH, "device proof: another "
	    "connection's nonce: \"%s\"", device_failures[DEVICE_NONCE_MISMATCH][0]);
	SIGNED(dev, 1, nonce, "", now, 1);
	check(proof(dev, client, "", nonce, now) == DEVICE_OK, "device proof: a v2 signature verifies");
	SIGNED(dev, 1, nonce, "tok", now, 0);
	check(proof(dev, client, ",\"auth\":{\"token\":\"tok\"}", nonce, now) == DEVICE_OK &&
	    proof(dev, client, ",\"auth\":{\"deviceToken\":\"tok\"}", nonce, now) == DEVICE_OK,
	    "device proof: the token signed is auth.token, else auth.deviceToken");
	check(proof(dev, client, ",\"auth\":{\"token\":\"other\"}", nonce, now) == DEVICE_SIGNATURE_INVALID &&
	    proof(dev, client, "", nonce, now) == DEVICE_SIGNATURE_INVALID, "device proof: another token: \"%s\"",
	    device_failures[DEVICE_SIGNATURE_INVALID][0]);
	/* the id must be the key's */
	SIGNED(dev, 1, nonce, "", now, 0);
	test_key(2, seed, pk, id);
	snprintf(other, sizeof other, "%s", dev);
	memcpy(strstr(other, "\"id\":\"") + 6, id, 64);
	check(proof(other, client, "", nonce, now) == DEVICE_ID_MISMATCH, "device proof: another device's id: \"%s\"",
	    device_failures[DEVICE_ID_MISMATCH][0]);
	snprintf(other, sizeof other, "%s", dev);
	k = strstr(other, "\"publicKey\":\"") + 13;
	memcpy(k, "!!!!", 4);          /* skipped by the permissive decoding: 29 bytes, not the key */
	check(proof(other, client, "", nonce, now) == DEVICE_ID_MISMATCH, "device proof: a key that is not the id's");
	snprintf(other, sizeof other, ",\"device\":{\"id\":\"x\",\"publicKey\":\"-----BEGIN PUBLIC KEY-----\\nAA==\\n"
	    "-----END PUBLIC KEY-----\\n\",\"signature\":\"s\",\"signedAt\":%lld,\"nonce\":\"%s\"}", now, nonce);
	check(proof(other, client, "", nonce, now) == DEVICE_ID_MISMATCH, "device proof: a PEM that is no Ed25519 key");
	/* the nonce, trimmed as JavaScript trims */
	snprintf(other, sizeof other, "%s", dev);
	s = strstr(other, nonce);
	memmove(s + 8, s, strlen(s) + 1);
	memcpy(s, "\\t\\u3000", 8);   /* a tab and an ideographic space before it */
	check(proof(other, client, "", nonce, now) == DEVICE_OK, "device proof: the nonce is trimmed of JS white space");
	snprintf(other, sizeof other, "%s", dev);
	s = strstr(other, nonce);
	memmove(s + 2, s + strlen(nonce), strlen(s + strlen(nonce)) + 1);
	memcpy(s, "  ", 2);
	check(proof(other, client, "", nonce, now) == DEVICE_NONCE_REQUIRED, "device proof: a blank nonce: \"%s\"",
	    device_failures[DEVICE_NONCE_REQUIRED][0]);
	/* the signature */
	snprintf(other, sizeof other, "%s", dev);
	s = strstr(other, "\"signature\":\"") + 13;
	s[0] = s[0] == 'A' ? 'B' : 'A';
	check(proof(other, client, "", nonce, now) == DEVICE_SIGNATURE_INVALID, "device proof: a changed signature: \"%s\"",
	    device_failures[DEVICE_SIGNATURE_INVALID][0]);
	check(proof(dev, "{\"id\":\"node-host\",\"mode\":\"node\",\"platform\":\"linux\",\"deviceFamily\":\"mac\"}",
	    "", nonce, now) == DEVICE_SIGNATURE_INVALID, "device proof: another device family is another payload");
#undef SIGNED
}

void
crypto_tests(void)
{
	sha2_vectors();
	ed25519_vectors();
	canonical_s();
	wycheproof();
	device_vectors();
}
