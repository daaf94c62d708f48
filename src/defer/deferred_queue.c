/* deferred_queue.c - DeferredQueue: values handed to waiting gets, with size and backlog limits.
 *
 * A put that finds a waiting get fires it, and that get's callback may put again (a pipeline
 * stage feeding the next one). Firing each waiter from inside the put made by the previous one
 * would nest one put per waiter on the stack, so, as the semaphore does (deferred_lock.c), the
 * outermost put fires the waiters in a loop: a put from inside that loop only promises its value
 * to the next waiter by appending it to `handoff`, and the loop fires that waiter once the current
 * callback returns. */
#include <stdlib.h>

#include "defer/deferred_internal.h"
#include "defer/waiters.h"

/* A FIFO of values in a growable circular array. */
typedef struct ring {
    eddy_result *v;
    size_t head, count, cap;
} ring;

struct eddy_deferred_queue {
    size_t size;    /* most values that may wait in `items` */
    size_t backlog; /* most gets that may wait in `waiting` */
    ring items;     /* queued values nobody waits for yet */
    /* Values put from inside the hand-off loop, promised in order to the first waiters. If some
     * of those waiters are cancelled meanwhile, the values beyond the line's length belong to no
     * one: settle() moves them to the front of `items` (they were put before anything there). */
    ring handoff;
    bool handing_out;      /* the hand-off loop is running further up the stack */
    bool free_pending;     /* freed from a callback of that loop: the loop frees it */
    eddy__waiters waiting; /* gets waiting for a value, FIFO */
};

static eddy_result *ring_at(const ring *r, size_t i)
{
    return &r->v[(r->head + i) % r->cap];
}

/* Make room for `want` values in all. */
static int ring_reserve(ring *r, size_t want)
{
    if (want <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : 8;
    while (cap < want)
        cap *= 2;
    eddy_result *p = malloc(cap * sizeof *p);
    if (!p)
        return -ENOMEM;
    for (size_t i = 0; i < r->count; i++)
        p[i] = *ring_at(r, i);
    free(r->v);
    r->v = p;
    r->cap = cap;
    r->head = 0;
    return 0;
}

static eddy_result ring_pop_front(ring *r)
{
    eddy_result item = r->v[r->head];
    r->head = (r->head + 1) % r->cap;
    r->count--;
    return item;
}

static void ring_drop_all(ring *r)
{
    for (size_t i = 0; i < r->count; i++)
        eddy_result_drop(*ring_at(r, i));
    free(r->v);
    *r = (ring){0};
}

/* Room for one more value in `where`, keeping `items` large enough to take back every promised
 * value too, so settle() never needs memory. */
static int make_room(eddy_deferred_queue *q, ring *where)
{
    int rc = ring_reserve(&q->items, q->items.count + q->handoff.count + 1);
    return rc < 0 ? rc : ring_reserve(where, where->count + 1);
}

/* Promised values beyond the line's length (their gets were cancelled) go back to `items`, ahead
 * of what is there, the last first. */
static void settle(eddy_deferred_queue *q)
{
    while (q->handoff.count > q->waiting.count) {
        eddy_result item = *ring_at(&q->handoff, --q->handoff.count);
        q->items.head = (q->items.head + q->items.cap - 1) % q->items.cap;
        q->items.v[q->items.head] = item;
        q->items.count++;
    }
}

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
    ring_drop_all(&q->items);
    ring_drop_all(&q->handoff);
    if (q->handing_out)
        q->free_pending = true; /* freed from a get's callback: the hand-off loop frees it */
    else
        free(q);
}

/* Fire the first waiting get with `value`, then every get that a put from inside those callbacks
 * promised a value to, in order, until no promise is left. */
static void hand_out(eddy_deferred_queue *q, eddy_deferred *getter, eddy_result value)
{
    q->handing_out = true;
    for (;;) {
        eddy_deferred_fire(getter, value);
        eddy_deferred_unref(getter);
        if (q->free_pending)
            break;
        settle(q);
        if (q->handoff.count == 0)
            break;
        /* settle() left no more promised values than waiters: there is one to fire */
        getter = eddy__waiters_pop(&q->waiting);
        value = ring_pop_front(&q->handoff);
    }
    q->handing_out = false;
    if (q->free_pending)
        free(q);
}

int eddy_deferred_queue_put(eddy_deferred_queue *q, void *value, eddy_free_fn free_fn)
{
    settle(q);
    int rc;
    if (q->waiting.count > q->handoff.count) { /* a get is waiting with no value promised yet */
        if (!q->handing_out) {
            hand_out(q, eddy__waiters_pop(&q->waiting), eddy_result_value(value, free_fn));
            return 0;
        }
        if ((rc = make_room(q, &q->handoff)) == 0) {
            *ring_at(&q->handoff, q->handoff.count++) = eddy_result_value(value, free_fn);
            return 0;
        }
    } else {
        rc = q->items.count >= q->size ? -ENOSPC : make_room(q, &q->items);
        if (rc == 0) {
            *ring_at(&q->items, q->items.count++) = eddy_result_value(value, free_fn);
            return 0;
        }
    }
    if (free_fn)
        free_fn(value);
    return rc;
}

int eddy_deferred_queue_get(eddy_deferred_queue *q, eddy_deferred **out)
{
    settle(q);
    if (q->items.count > 0) {
        int rc = eddy_deferred_new(NULL, NULL, out);
        if (rc < 0)
            return rc;
        eddy_deferred_fire(*out, ring_pop_front(&q->items));
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
    /* promised values whose gets were cancelled are queued again at the next settle() */
    size_t orphans = q->handoff.count > q->waiting.count ? q->handoff.count - q->waiting.count : 0;
    return q->items.count + orphans;
}

size_t eddy_deferred_queue_waiting(const eddy_deferred_queue *q)
{
    return q->waiting.count;
}
