/* waiters.c - a cancellable FIFO of Deferreds (see waiters.h). */
#include <stdlib.h>

#include "defer/deferred_internal.h"
#include "defer/waiters.h"

struct eddy__waiter {
    eddy_deferred *d; /* the line's reference */
    eddy__waiter *prev, *next;
    eddy__waiters *line;
};

static void unlink_waiter(eddy__waiter *w)
{
    eddy__waiters *line = w->line;
    if (w->prev)
        w->prev->next = w->next;
    else
        line->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        line->tail = w->prev;
    line->count--;
}

/* The canceller: leave the line; eddy_deferred_cancel then errbacks the Deferred. */
static void leave_line(eddy_deferred *d, void *arg)
{
    eddy__waiter *w = arg;
    unlink_waiter(w);
    free(w);
    eddy_deferred_unref(d); /* cancel holds a reference meanwhile */
}

int eddy__waiters_add(eddy__waiters *line, eddy_deferred **out)
{
    eddy__waiter *w = calloc(1, sizeof *w);
    if (!w) {
        *out = NULL;
        return -ENOMEM;
    }
    int rc = eddy_deferred_new(leave_line, w, &w->d);
    if (rc < 0) {
        free(w);
        *out = NULL;
        return rc;
    }
    w->line = line;
    w->prev = line->tail;
    if (line->tail)
        line->tail->next = w;
    else
        line->head = w;
    line->tail = w;
    line->count++;
    *out = eddy_deferred_ref(w->d);
    return 0;
}

eddy_deferred *eddy__waiters_pop(eddy__waiters *line)
{
    eddy__waiter *w = line->head;
    if (!w)
        return NULL;
    unlink_waiter(w);
    eddy_deferred *d = w->d;
    free(w);
    eddy__deferred_clear_canceller(d);
    return d;
}

void eddy__waiters_cancel_all(eddy__waiters *line)
{
    eddy_deferred *d;
    while ((d = eddy__waiters_pop(line)) != NULL) {
        eddy_deferred_errback(d, eddy_failure_new(EDDY_ECANCELLED, "freed while waiting"));
        eddy_deferred_unref(d);
    }
}
