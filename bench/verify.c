/*
 * make bench: the daemon's Ed25519 verification against OpenSSL 3's
 * EVP_DigestVerify, on the same message (RFC 8032 7.1 test 3) in the same
 * process, in turns, so that both meet the same machine. A tool: the
 * daemon never links OpenSSL. bench/run.sh builds it where libssl-dev is
 * installed. Prints the medians of RUNS turns: "OURS_US OPENSSL_US".
 */
#define _POSIX_C_SOURCE 200809L
#include <openssl/evp.h>
#include <stdio.h>
#include <time.h>

#include "crypto/ed25519.h"

#define RUNS 5
#define VERIFIES 4000                   /* a turn */

static const unsigned char key[32] = {
	0xfc, 0x51, 0xcd, 0x8e, 0x62, 0x18, 0xa1, 0xa3, 0x8d, 0xa4, 0x7e, 0xd0, 0x02, 0x30, 0xf0, 0x58,
	0x08, 0x16, 0xed, 0x13, 0xba, 0x33, 0x03, 0xac, 0x5d, 0xeb, 0x91, 0x15, 0x48, 0x90, 0x80, 0x25,
}, msg[2] = { 0xaf, 0x82 }, sig[64] = {
	0x62, 0x91, 0xd6, 0x57, 0xde, 0xec, 0x24, 0x02, 0x48, 0x27, 0xe6, 0x9c, 0x3a, 0xbe, 0x01, 0xa3,
	0x0c, 0xe5, 0x48, 0xa2, 0x84, 0x74, 0x3a, 0x44, 0x5e, 0x36, 0x80, 0xd7, 0xdb, 0x5a, 0xc3, 0xac,
	0x18, 0xff, 0x9b, 0x53, 0x8d, 0x16, 0xf2, 0x90, 0xae, 0x67, 0xf7, 0x60, 0x98, 0x4d, 0xc6, 0x59,
	0x4a, 0x7c, 0x15, 0xe9, 0x71, 0x6e, 0xd2, 0x8d, 0xc0, 0x27, 0xbe, 0xce, 0xea, 0x1e, 0xc4, 0x0a,
};

static double
cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double
median(double *v)
{
	double t;
	int i, j;

	for (i = 0; i < RUNS; i++)
		for (j = i + 1; j < RUNS; j++)
			if (v[j] < v[i])
				t = v[i], v[i] = v[j], v[j] = t;
	return v[RUNS / 2];
}

/* as the real gateway verifies through Node: a context a verification */
static int
openssl_verify(EVP_PKEY *pk)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, pk) == 1 && EVP_DigestVerify(c, sig, 64, msg, 2) == 1;

	EVP_MD_CTX_free(c);
	return ok;
}

int
main(void)
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key, sizeof key);
	double ours[RUNS], theirs[RUNS], t0;
	int i, k;

	if (pk == NULL)
		return 1;
	for (k = 0; k < RUNS; k++) {
		t0 = cpu_s();
		for (i = 0; i < VERIFIES; i++)
			if (ed25519_verify(sig, msg, sizeof msg, key) != 1)
				return 1;
		ours[k] = (cpu_s() - t0) / VERIFIES;
		t0 = cpu_s();
		for (i = 0; i < VERIFIES; i++)
			if (!openssl_verify(pk))
				return 1;
		theirs[k] = (cpu_s() - t0) / VERIFIES;
	}
	printf("%.2f %.2f\n", median(ours) * 1e6, median(theirs) * 1e6);
	EVP_PKEY_free(pk);
	return 0;
}
