/* deferred_queue.c - DeferredQueue: values handed to waiting gets, with size and backlog limits. */
#include <stdlib.h>

#include "defer/deferred_internal.h"
#include "defer/waiters.h"

struct eddy_deferred_queue {
    size_t size;        /* most values that may wait in `items` */
    size_t backlog;     /* most gets that may wait in `waiting` */
    eddy_result *items; /* ring of queued values */
    size_t head, count, cap;
    eddy__waiters waiting; /* gets waiting for a value, FIFO */
};

int eddy_deferred_queue_new(size_t size, size_t backlog, eddy_deferred_queue **out)
{
    eddy_deferred_queue *q = calloc(1, sizeof *q);
    *out = q;
    if (!q)
        return -ENOMEM;
    q->size = size;
    q->backlog = backlog;
    return 0;
}

void eddy_deferred_queue_free(eddy_deferred_queue *q)
{
    if (!q)
        return;
    eddy__waiters_cancel_all(&q->waiting);
    for (size_t i = 0; i < q->count; i++)
        eddy_result_drop(q->items[(q->head + i) % q->cap]);
    free(q->items);
    free(q);
}

static int grow(eddy_deferred_queue *q)
{
    size_t cap = q->cap ? q->cap * 2 : 8;
    eddy_result *p = malloc(cap * sizeof *p);
    if (!p)
        return -ENOMEM;
    for (size_t i = 0; i < q->count; i++)
        p[i] = q->items[(q->head + i) % q->cap];
    free(q->items);
    q->items = p;
    q->cap = cap;
    q->head = 0;
    return 0;
}

int eddy_deferred_queue_put(eddy_deferred_queue *q, void *value, eddy_free_fn free_fn)
{
    eddy_deferred *getter = eddy__waiters_pop(&q->waiting);
    if (getter) {
        eddy_deferred_callback(getter, value, free_fn);
        eddy_deferred_unref(getter);
        return 0;
    }
    int rc = q->count >= q->size ? -ENOSPC : q->count == q->cap ? grow(q) : 0;
    if (rc < 0) {
        if (free_fn)
            free_fn(value);
        return rc;
    }
    q->items[(q->head + q->count++) % q->cap] = eddy_result_value(value, free_fn);
    return 0;
}

int eddy_deferred_queue_get(eddy_deferred_queue *q, eddy_deferred **out)
{
    if (q->count > 0) {
        int rc = eddy_deferred_new(NULL, NULL, out);
        if (rc < 0)
            return rc;
        eddy_result item = q->items[q->head];
        q->head = (q->head + 1) % q->cap;
        q->count--;
        eddy_deferred_fire(*out, item);
        return 0;
    }
    if (q->waiting.count >= q->backlog) {
        *out = NULL;
        return -EBUSY;
    }
    return eddy__waiters_add(&q->waiting, out);
}

size_t eddy_deferred_queue_pending(const eddy_deferred_queue *q)
{
    return q->count;
}

size_t eddy_deferred_queue_waiting(const eddy_deferred_queue *q)
{
    return q->waiting.count;
}
