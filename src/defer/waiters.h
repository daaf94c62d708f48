/* waiters.h - a FIFO of Deferreds waiting for something (a token, a queue item), whose cancel
 * removes them from the line. Shared by the semaphore and the queue. */
#ifndef EDDY_DEFER_WAITERS_H
#define EDDY_DEFER_WAITERS_H

#include <stddef.h>

#include "eddy/deferred.h"

typedef struct eddy__waiter eddy__waiter;

typedef struct eddy__waiters {
    eddy__waiter *head, *tail;
    size_t count;
} eddy__waiters;

/* Queue a new unfired Deferred; *out gets a reference for the caller (the line keeps its own).
 * Cancelling it takes it out of the line (it then errbacks with EDDY_ECANCELLED).
 * Errors: -ENOMEM. */
int eddy__waiters_add(eddy__waiters *w, eddy_deferred **out);
/* Take the first waiter out of the line: returns its Deferred with the line's reference (fire it,
 * then unref it), or NULL if nobody waits. */
eddy_deferred *eddy__waiters_pop(eddy__waiters *w);
/* Errback every waiter with EDDY_ECANCELLED and empty the line. */
void eddy__waiters_cancel_all(eddy__waiters *w);

#endif
