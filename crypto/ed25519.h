/* ed25519.c: Ed25519 signature verification (RFC 8032), as OpenSSL verifies; a seed's public key */
#ifndef ED25519_H
#define ED25519_H

#include <stddef.h>

int  ed25519_verify(const unsigned char sig[64], const void *msg, size_t len, const unsigned char key[32]);
void ed25519_public(const unsigned char seed[32], unsigned char pk[32]);   /* RFC 8032 5.1.5 */

#endif
