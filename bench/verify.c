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
#include "bench/rfc8032.h"
#include "bench/median.h"

#define RUNS 5
#define VERIFIES 4000                   /* a turn */

static double
cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* as the real gateway verifies through Node: a context a verification */
static int
openssl_verify(EVP_PKEY *pk)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, pk) == 1 &&
	    EVP_DigestVerify(c, rfc8032_sig, sizeof rfc8032_sig, rfc8032_msg, sizeof rfc8032_msg) == 1;

	EVP_MD_CTX_free(c);
	return ok;
}

int
main(void)
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, rfc8032_key, sizeof rfc8032_key);
	double ours[RUNS], theirs[RUNS], t0;
	int i, k;

	if (pk == NULL)
		return 1;
	for (k = 0; k < RUNS; k++) {
		t0 = cpu_s();
		for (i = 0; i < VERIFIES; i++)
			if (ed25519_verify(rfc8032_sig, rfc8032_msg, sizeof rfc8032_msg, rfc8032_key) != 1)
				return 1;
		ours[k] = (cpu_s() - t0) / VERIFIES;
		t0 = cpu_s();
		for (i = 0; i < VERIFIES; i++)
			if (!openssl_verify(pk))
				return 1;
		theirs[k] = (cpu_s() - t0) / VERIFIES;
	}
	printf("%.2f %.2f\n", median_of(ours, RUNS) * 1e6, median_of(theirs, RUNS) * 1e6);
	EVP_PKEY_free(pk);
	return 0;
}
