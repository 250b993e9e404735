/* page.c: the status page, as one string */
#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>

extern const char status_page[];
size_t page_head(char *out, size_t cap);       /* its HTTP head, with the policy it is served under */

#endif
