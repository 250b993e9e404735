/* pairing.c: silent pairing of verified devices, and node surfaces that wait for approval */
#ifndef PAIRING_H
#define PAIRING_H

#include "conn.h"
#include "json.h"
#include "rpc.h"
#include "state.h"

int  pairing_device(struct conn *c, const unsigned char key[32], char *token, long long *issued, char *why, size_t cap);
void pairing_node(struct conn *c);
int  pairing_connected(const char *id);
void pairing_token_used(struct paired *d, int role);
unsigned pairing_approve_scopes(const char *commands);  /* what approving these commands needs */
void pairing_resolved(const char *request, const char *node, const char *decision, struct conn *to_node);
void pairing_write_request(struct jw *w, const struct paired *d);      /* a pending surface, as listed */
void pairing_write_approved(struct jw *w, const struct paired *d);     /* an approved one */

#endif
