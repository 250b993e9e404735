/* sha1.c: SHA-1 (FIPS 180-4) */
#ifndef SHA1_H
#define SHA1_H

#include <stddef.h>

#define SHA1_LEN 20
void sha1(const void *data, size_t len, unsigned char out[SHA1_LEN]);

#endif
