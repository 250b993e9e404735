/* page.c: the status page, served for GET / through the application's table */
#ifndef PAGE_H
#define PAGE_H

#include "conn.h"

void page_send(struct conn *c, int head);       /* its head, the page unless HEAD, then the drain */

#endif
