/* empty.c: what the real gateway answers without a model, where this gateway holds nothing */
#ifndef EMPTY_H
#define EMPTY_H

#include "rpc.h"

extern const struct method empty_methods[];

#endif
