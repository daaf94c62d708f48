/* timers.h - the delayed-call queue: a pool of call slots and a 4-ary min-heap keyed by
 * (deadline, sequence). See timers.c for the layout and why it is this way. */
#ifndef EDDY_CORE_TIMERS_H
#define EDDY_CORE_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eddy/reactor.h"

/** One scheduled call. 32 bytes, so a million pending calls cost 32 MB here + 16 MB of heap. */
typedef struct eddy__timer_slot {
    int64_t deadline; /* when it should run (ns); may be later than its heap key (lazy reset) */
    eddy_callback fn; /* NULL while the slot is free */
    void *arg;
    uint32_t heap_index; /* position in the heap; next free slot while free */
    uint32_t gen;        /* bumped every time the slot is freed: stale handles see a mismatch */
} eddy__timer_slot;

/** One heap entry: the key inline, so sifting never touches the slots. */
typedef struct eddy__heap_node {
    int64_t key; /* deadline when queued */
    uint32_t slot;
    uint32_t seq; /* scheduling order, compared with wrap-around */
} eddy__heap_node;

/** A call scheduled while the reactor defers insertions (see eddy__timers_defer). */
typedef struct eddy__pending_call {
    uint32_t slot;
    uint32_t gen; /* the slot's generation when scheduled: a cancelled-and-reused slot is skipped */
} eddy__pending_call;

typedef struct eddy__timers {
    eddy__timer_slot *slots;
    uint32_t nslots, cap_slots, free_head;
    eddy__heap_node *heap;
    uint32_t heap_len, heap_cap;
    eddy__pending_call *pending; /* scheduled during the current iteration, not yet in the heap */
    uint32_t npending, cap_pending;
    uint32_t next_seq;
    bool deferring; /* new calls go to `pending` until eddy__timers_flush */
    int running;    /* inside eddy__timers_run */
} eddy__timers;

void eddy__timers_init(eddy__timers *t);
void eddy__timers_free(eddy__timers *t);
/** From now until eddy__timers_flush, new calls wait in a side list instead of the heap, so no
 * call scheduled during an iteration (by a thread call, a signal handler, a trigger or a delayed
 * call) can run in the same iteration, even with delay 0. Twisted's reactor does the same. */
void eddy__timers_defer(eddy__timers *t);
/** Move the waiting calls into the heap, in the order they were scheduled. */
void eddy__timers_flush(eddy__timers *t);
/** Run every call in the heap that is due at `*now`. Stops early when `*stop` becomes non-zero.
 * Returns the number run. */
size_t eddy__timers_run(eddy__timers *t, const int64_t *now, const volatile int *stop);
/** Earliest heap key, or INT64_MAX when empty. */
int64_t eddy__timers_next(const eddy__timers *t);

#endif
