/* echo.c: echo mode, an application behind conn.c's table */
#ifndef ECHO_H
#define ECHO_H

#include "conn.h"

extern const struct app echo_app;

#endif
