/*
 * The connections' deadlines (idle ping, head, close, linger) in a binary
 * heap, the earliest on top, so that a turn of the loop costs what
 * expires, not how many connections exist. Each timer knows its place in
 * the heap, so moving or disarming one is O(log n) too.
 */
#include <stdlib.h>

#include "timer.h"

static struct timer **heap;
static int nheap, heapmax;

static void
place(struct timer *t, int at)
{
	heap[at] = t;
	t->slot = at + 1;
}

static void
sift_up(int at)
{
	struct timer *t = heap[at];

	for (; at > 0 && t->when < heap[(at - 1) / 2]->when; at = (at - 1) / 2)
		place(heap[(at - 1) / 2], at);
	place(t, at);
}

static void
sift_down(int at)
{
	struct timer *t = heap[at];
	int child;

	for (; (child = 2 * at + 1) < nheap; at = child) {
		if (child + 1 < nheap && heap[child + 1]->when < heap[child]->when)
			child++;
		if (heap[child]->when >= t->when)
			break;
		place(heap[child], at);
	}
	place(t, at);
}

/* the last takes t's place, and goes up or down from there */
static void
take_out(struct timer *t)
{
	const int at = t->slot - 1;

	t->slot = 0;
	if (--nheap == at)
		return;
	place(heap[nheap], at);
	sift_up(at);
	sift_down(heap[at]->slot - 1);
}

int
timers_init(int max)
{
	if ((heap = calloc((size_t)max, sizeof *heap)) == NULL)
		return -1;
	heapmax = max;
	return 0;
}

void
timer_set(struct timer *t, long long when)
{
	if (when < 0) {
		if (t->slot)
			take_out(t);
		return;
	}
	t->when = when;
	if (t->slot == 0) {
		if (nheap == heapmax)
			return;                 /* cannot be: one timer a connection, and the heap is the table's size */
		place(t, nheap++);
	}
	sift_up(t->slot - 1);
	sift_down(t->slot - 1);
}

struct timer *
timer_due(long long now)
{
	struct timer *t;

	if (nheap == 0 || heap[0]->when > now)
		return NULL;
	t = heap[0];
	take_out(t);
	return t;
}

long long
timer_next(void)
{
	return nheap ? heap[0]->when : -1;
}
