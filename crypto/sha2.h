/* sha2.c: SHA-256 and SHA-512 (FIPS 180-4) */
#ifndef SHA2_H
#define SHA2_H

#include <stddef.h>

#define SHA256_LEN 32
#define SHA512_LEN 64
void sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);
void sha2(int bits, const void *const part[], const size_t len[], int n, unsigned char *out);   /* 256 or 512, of the parts in a row */

#endif
