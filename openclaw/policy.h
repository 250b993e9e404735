/* policy.c: the real gateway's default node command policy */
#ifndef POLICY_H
#define POLICY_H

#include "rpc.h"

int policy_allows(const struct session *s, const char *command);   /* declared and allowed by default? */
int policy_admin_only(const char *command);                         /* needs operator.admin to invoke */
int policy_private(const char *command);                            /* a private node control: never */
int policy_dangerous(const char *command);                          /* needs an explicit opt-in: never here */

#endif
