/* page.c: the status page, in parts */
#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>

#define PAGE_PARTS 3
extern const char *const page_parts[PAGE_PARTS];       /* the page is these, one after another */
size_t page_head(char *out, size_t cap);       /* its HTTP head, with the policy it is served under */

#endif
