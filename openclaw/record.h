/* record.c: a paired device, or the gateway's identity, as a line of the state file, and back */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>

#include "state.h"

size_t record_device(char *out, size_t cap, const struct paired *d);    /* its length; 0 past cap */
size_t record_identity(char *out, size_t cap);                          /* 0: none, or past cap */
struct paired *record_read_device(char *p, size_t n, char *why, size_t cap);     /* NULL: not one (why) */
int    record_read_identity(char *p, size_t n, char *why, size_t cap);          /* 0: not one (why) */

#endif
