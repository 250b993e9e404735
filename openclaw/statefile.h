/* statefile.c: the state file, which keeps state.c's paired devices across restarts */
#ifndef STATEFILE_H
#define STATEFILE_H

#include <stddef.h>

#include "state.h"

void state_load(const char *path);              /* at start: exits 1 if the file is not a state file */
const char *state_note(void);                   /* for the listening line */
int  state_save(const struct paired *without, char *why, size_t cap);   /* 0, or -1 (why): as it was */

#endif
