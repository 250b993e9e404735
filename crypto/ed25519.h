/* ed25519.c: Ed25519 signature verification (RFC 8032), as OpenSSL verifies */
#ifndef ED25519_H
#define ED25519_H

#include <stddef.h>

int ed25519_verify(const unsigned char sig[64], const void *msg, size_t len, const unsigned char key[32]);

#endif
