/* page.c: the status page, as one string */
#ifndef PAGE_H
#define PAGE_H

extern const char status_page[];

#endif
