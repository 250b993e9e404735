/* device.c: a connect's device proof (id, freshness, nonce, Ed25519 signature), as the real gateway checks it */
#ifndef DEVICE_H
#define DEVICE_H

#include "json.h"

enum { DEVICE_OK, DEVICE_ID_MISMATCH, DEVICE_EXPIRED, DEVICE_NONCE_REQUIRED, DEVICE_NONCE_MISMATCH,
	DEVICE_SIGNATURE_INVALID };
extern const char *const device_failures[][3];  /* by answer: message, details.code, details.reason */
/* params holds a device block (the schema checked its members); key gets the verified raw key */
int device_check(const char *p, const struct json_tok *t, int params, const char *role, const char *nonce,
                 long long now, unsigned char key[32]);

#endif
