/*
 * SHA-256 and SHA-512 (FIPS 180-4): SHA-256 names a device by its key and
 * keeps device tokens as digests; SHA-512 is the hash inside Ed25519. The
 * two differ in word size, rounds and rotations only, and share their
 * constants: SHA-256's are the top 32 bits of SHA-512's. Input goes in a
 * byte at a time, which is plenty for the few hundred bytes of a connect.
 */
#include <stdint.h>
#include <string.h>

#include "sha2.h"

static const uint64_t K[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL,
	0xe9b5dba58189dbbcULL, 0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
	0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL, 0xd807aa98a3030242ULL,
	0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL,
	0xc19bf174cf692694ULL, 0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
	0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL, 0x2de92c6f592b0275ULL,
	0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL,
	0xbf597fc7beef0ee4ULL, 0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
	0x06ca6351e003826fULL, 0x142929670a0e6e70ULL, 0x27b70a8546d22ffcULL,
	0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL,
	0x92722c851482353bULL, 0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
	0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL, 0xd192e819d6ef5218ULL,
	0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL,
	0x34b0bcb5e19b48a8ULL, 0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
	0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL, 0x748f82ee5defb2fcULL,
	0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL,
	0xc67178f2e372532bULL, 0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
	0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL, 0x06f067aa72176fbaULL,
	0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL,
	0x431d67c49c100d4cULL, 0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
	0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};
static const uint64_t H0[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL,
	0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
	0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
	0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};
/* the rotations of S0 and S1, then those of s0 and s1 each with its shift */
static const int rot256[12] = { 2, 13, 22, 6, 11, 25, 7, 18, 3, 17, 19, 10 };
static const int rot512[12] = { 28, 34, 39, 14, 18, 41, 1, 8, 7, 19, 61, 6 };

struct state {
	uint64_t h[8], len, mask;
	int word;                       /* bytes: 4 (SHA-256) or 8 (SHA-512) */
	unsigned char buf[128];
};

#define ROR(x, n) (((x) >> (n) | (x) << (8 * s->word - (n))) & s->mask)      /* in block(), on s's words */

static void
block(struct state *s)
{
	const int *r = s->word == 4 ? rot256 : rot512, rounds = s->word == 4 ? 64 : 80;
	uint64_t w[80], v[8], t1, t2;
	int i, j;

	for (i = 0; i < 16; i++)
		for (w[i] = 0, j = 0; j < s->word; j++)
			w[i] = w[i] << 8 | s->buf[s->word * i + j];
	for (; i < rounds; i++)
		w[i] = (w[i - 16] + (ROR(w[i - 15], r[6]) ^ ROR(w[i - 15], r[7]) ^ w[i - 15] >> r[8]) +
		    w[i - 7] + (ROR(w[i - 2], r[9]) ^ ROR(w[i - 2], r[10]) ^ w[i - 2] >> r[11])) & s->mask;
	memcpy(v, s->h, sizeof v);
	for (i = 0; i < rounds; i++) {
		t1 = v[7] + (ROR(v[4], r[3]) ^ ROR(v[4], r[4]) ^ ROR(v[4], r[5])) +
		    ((v[4] & v[5]) ^ (~v[4] & v[6])) + (s->word == 4 ? K[i] >> 32 : K[i]) + w[i];
		t2 = (ROR(v[0], r[0]) ^ ROR(v[0], r[1]) ^ ROR(v[0], r[2])) +
		    ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof v[0]);
		v[4] = (v[4] + t1) & s->mask;
		v[0] = (t1 + t2) & s->mask;
	}
	for (i = 0; i < 8; i++)
		s->h[i] = (s->h[i] + v[i]) & s->mask;
}

static void
feed(struct state *s, unsigned char byte)
{
	s->buf[s->len++ % (16 * s->word)] = byte;
	if (s->len % (16 * s->word) == 0)
		block(s);
}

/* the parts one after the other; then a 1 bit, zeros, and the length in bits as the block's last two words */
void
sha2(int bits, const void *const part[], const size_t len[], int n, unsigned char *out)
{
	struct state s;
	uint64_t total;
	size_t k;
	int i;

	s.word = bits / 64;
	s.mask = bits == 256 ? 0xffffffffu : UINT64_MAX;
	for (i = 0; i < 8; i++)
		s.h[i] = bits == 256 ? H0[i] >> 32 : H0[i];
	for (s.len = 0, i = 0; i < n; i++)
		for (k = 0; k < len[i]; k++)
			feed(&s, ((const unsigned char *)part[i])[k]);
	total = s.len * 8;
	feed(&s, 0x80);
	while (s.len % (16 * s.word) != 14 * (uint64_t)s.word)
		feed(&s, 0);
	for (i = 2 * s.word - 1; i >= 0; i--)
		feed(&s, i < 8 ? (unsigned char)(total >> (8 * i)) : 0);
	for (i = 0; i < 8 * s.word; i++)
		out[i] = (unsigned char)(s.h[i / s.word] >> (8 * (s.word - 1 - i % s.word)));
}

void
sha256(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	sha2(256, &data, &len, 1, out);
}
