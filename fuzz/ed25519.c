/*
 * libFuzzer: our Ed25519 verification against OpenSSL's (libcrypto, here
 * only: the daemon never links it), which is what the real gateway
 * verifies with through Node. OpenSSL signs the input's message with a key
 * from the input's seed; then the signature, the key or the message may be
 * damaged: a bit flipped, S made S + L, the key a non-canonical y, or key
 * and signature taken raw from the input. Both must give the same answer.
 *
 * Input: mode, two bytes of position, a 32-byte seed, the message.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "../crypto/ed25519.h"

/* the group order L, little-endian */
static const unsigned char L[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
};

static int
openssl_verify(const unsigned char sig[64], const unsigned char *msg, size_t len, const unsigned char key[32])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = 0;

	assert(ctx != NULL);
	if (pk != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1)
		ok = EVP_DigestVerify(ctx, sig, 64, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

static void
openssl_sign(unsigned char sig[64], unsigned char key[32], const unsigned char seed[32], const unsigned char *msg,
    size_t len)
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = 64, keylen = 32;

	assert(pk != NULL && ctx != NULL);
	assert(EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1 && EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1);
	assert(EVP_PKEY_get_raw_public_key(pk, key, &keylen) == 1 && keylen == 32);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char sig[64], key[32], msg[1024];
	unsigned pos, carry, i;
	size_t len;
	int ours;

	if (size < 35)
		return 0;
	pos = (unsigned)data[1] << 8 | data[2];
	len = size - 35 < sizeof msg ? size - 35 : sizeof msg;
	memcpy(msg, data + 35, len);
	openssl_sign(sig, key, data + 3, msg, len);
	switch (data[0] % 7) {
	case 1:
		sig[pos / 8 % 64] ^= (unsigned char)(1u << pos % 8);
		break;
	case 2:
		key[pos / 8 % 32] ^= (unsigned char)(1u << pos % 8);
		break;
	case 3:
		if (len)
			msg[pos / 8 % len] ^= (unsigned char)(1u << pos % 8);
		break;
	case 4:                         /* S + L: the same scalar, not canonical */
		for (carry = 0, i = 0; i < 32; i++) {
			carry += sig[32 + i] + L[i];
			sig[32 + i] = (unsigned char)carry;
			carry >>= 8;
		}
		break;
	case 5:                         /* y = p + a little (p = 2^255 - 19), either sign of x */
		memset(key, 0xff, 32);
		key[0] = (unsigned char)(0xed + pos % 19);
		key[31] = pos & 0x100 ? 0xff : 0x7f;
		break;
	case 6:                         /* key and signature as the input has them */
		memcpy(key, data + 3, 32);
		for (i = 0; i < 64; i++)
			sig[i] = i < len ? msg[i] : 0;
		break;
	}
	ours = ed25519_verify(sig, msg, len, key);
	assert(ours == openssl_verify(sig, msg, len, key));
	return 0;
}
