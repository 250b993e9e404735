/*
 * What the application counts as it happens, in one place: each module
 * adds to it where the event is, so that /metrics (metrics.c) reads
 * counts and never walks the connections to make them.
 */
#include "counters.h"

struct counters counters;
