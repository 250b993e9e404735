/* catalog.c: the scope each method of the real gateway's catalog needs */
#ifndef CATALOG_H
#define CATALOG_H

#include <stddef.h>

struct method_scope {
	const char *name;
	unsigned scope;                 /* rpc.h's S_* bits: any one of them will do */
};
extern const struct method_scope catalog[];     /* sorted by name */
extern const size_t catalog_len;

unsigned catalog_scope(const char *method);     /* S_ADMIN for a method outside it, as the real gateway */

#endif
