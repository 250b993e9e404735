/* statefile.c: the state file, which keeps state.c's paired devices across restarts */
#ifndef STATEFILE_H
#define STATEFILE_H

#include <stddef.h>

#include "state.h"

void state_load(const char *path);              /* at start: exits 78 if another user could have shaped it */
const char *state_note(void);                   /* for the listening line */
void state_status(struct jw *w);                /* status's daemon.stateFile */
int  state_save(char *why, size_t cap);         /* all but those dropping: 0, or -1 (why) and the file as it was */

#endif
