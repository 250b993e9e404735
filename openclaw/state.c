/*
 * What the gateway knows of devices: the paired ones, their tokens (as
 * SHA-256 digests) and their approved node surfaces, kept in the state file
 * (statefile.c) when there is one; and the node surfaces awaiting an
 * operator, in memory only (a node asks again when it reconnects).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "base64.h"
#include "crypto/sha2.h"
#include "rpc.h"
#include "state.h"

static struct paired *devices[DEVICES_MAX];
static int ndevices;
static struct {
	int set;
	unsigned char key[32];          /* the gateway's own public key; its seed was forgotten when it was made */
	long long created_at;
} identity;
const char *const role_names[] = { "operator", "node", NULL };

int
state_count(void)
{
	return ndevices;
}

struct paired *
state_at(int i)
{
	return devices[i];
}

struct paired *
state_find(const char *id)
{
	int i;

	for (i = 0; i < ndevices; i++)
		if (strcmp(devices[i]->id, id) == 0)
			return devices[i];
	return NULL;
}

struct surface *
surface_new(const char *caps, const char *commands, long long now)
{
	size_t a = strlen(caps) + 1, b = strlen(commands) + 1;
	struct surface *f;

	if ((f = calloc(1, sizeof *f + a + b)) == NULL)
		return NULL;
	f->caps = memcpy(f->data, caps, a);
	f->commands = memcpy(f->data + a, commands, b);
	f->created_at = f->approved_at = f->ts = now;
	return f;
}

/* a new device, paired now; NULL if DEVICES_MAX are paired or memory is short */
struct paired *
state_add(const char *id, const unsigned char key[32], long long now)
{
	struct paired *d;

	if (ndevices == DEVICES_MAX || (d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	snprintf(d->id, sizeof d->id, "%s", id);
	base64url_encode(key, 32, d->key);
	d->created_at = d->approved_at = d->seen_at = now;
	d->seen_reason = "connect";
	devices[ndevices++] = d;
	return d;
}

void
state_drop(struct paired *d)
{
	int i;

	for (i = 0; i < ndevices && devices[i] != d; i++)
		;
	if (i == ndevices)
		return;
	devices[i] = devices[--ndevices];
	free(d->approved);
	free(d->pending);
	free(d);
}

static void
digest(const char *token, unsigned char out[SHA256_LEN])
{
	sha256(token, strlen(token), out);
}

void
state_token(struct paired *d, int role, const char *token, unsigned scopes, long long now)
{
	struct device_token *t = &d->token[role];

	t->set = 1;
	digest(token, t->hash);
	t->scopes = scopes;
	t->created_at = now;
	t->used_at = 0;
}

/* does token open this device for role? 1 yes, 0 no, -1 yes but scopes go beyond the token's */
int
state_token_ok(struct paired *d, int role, const char *token, unsigned scopes)
{
	const struct device_token *t = &d->token[role];
	unsigned char h[SHA256_LEN], diff = 0;
	size_t i;

	if (!t->set)
		return 0;
	digest(token, h);
	for (i = 0; i < sizeof h; i++)          /* in constant time: the digest of a guess says nothing */
		diff |= (unsigned char)(h[i] ^ t->hash[i]);
	return diff != 0 ? 0 : (scopes & ~t->scopes) != 0 ? -1 : 1;
}

/* the gateway's own identity: its public key and when it was made; 0 if it has none yet */
int
state_identity(unsigned char key[32], long long *created)
{
	if (identity.set) {
		memcpy(key, identity.key, 32);
		*created = identity.created_at;
	}
	return identity.set;
}

/* key NULL: none */
void
state_set_identity(const unsigned char key[32], long long created)
{
	identity.set = key != NULL;
	if (key)
		memcpy(identity.key, key, 32);
	identity.created_at = created;
}
