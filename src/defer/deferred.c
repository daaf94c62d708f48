/* deferred.c - the Deferred's chain: life cycle, adding callbacks, firing, and the run loop.
 *
 * Two things must stay true here, whatever the shape of the chains users build:
 *  - No recursion proportional to chain length. When a Deferred that others wait for fires, the
 *    result climbs from the innermost to the outermost Deferred through CONTINUE entries; the run
 *    loop follows them with an explicit stack (linked through `next`) instead of calling itself.
 *    Freeing is iterative for the same reason (a free queue), and so is cancel.
 *  - Liveness follows "who can still fire it". A Deferred that waits for another is referenced by
 *    that other one's CONTINUE entry; the waiting one only keeps a weak pointer back. So an
 *    abandoned chain (nobody can fire the innermost Deferred) is freed entirely, with no cycle. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "defer/deferred_internal.h"
#include "eddy/log.h"

static atomic_uint_least64_t unhandled_count;

/* Deferreds whose last reference went while another one was being freed (per thread: Deferreds
 * belong to one thread, but different reactors may run in different threads). */
static _Thread_local eddy_deferred *free_queue;
static _Thread_local bool freeing;

/* ---- results ------------------------------------------------------------------------------ */

eddy_result eddy_result_failure(eddy_failure *f)
{
    return (eddy_result){.failure = f ? f : eddy_failure_from_code(EDDY_EFAILED)};
}

void eddy_result_drop(eddy_result r)
{
    if (r.free_fn)
        r.free_fn(r.value);
    eddy_failure_unref(r.failure);
    eddy_deferred_unref(r.deferred);
}

/* A result holds one thing: a failure wins over a wait, and either frees a stray value. */
static eddy_result normalize(eddy_result r)
{
    if (r.failure || r.deferred) {
        if (r.free_fn)
            r.free_fn(r.value);
        r.value = NULL;
        r.free_fn = NULL;
    }
    if (r.failure && r.deferred) {
        eddy_deferred_unref(r.deferred);
        r.deferred = NULL;
    }
    return r;
}

void eddy__report_unhandled(const eddy_failure *f, const char *what)
{
    atomic_fetch_add_explicit(&unhandled_count, 1, memory_order_relaxed);
    eddy_log_failure(EDDY_LOG_CRITICAL, "eddy.defer", NULL, f, "%s", what);
}

uint64_t eddy_deferred_unhandled_errors(void)
{
    return atomic_load_explicit(&unhandled_count, memory_order_relaxed);
}

/* ---- life cycle --------------------------------------------------------------------------- */

int eddy_deferred_new(eddy_canceller_fn canceller, void *arg, eddy_deferred **out)
{
    eddy_deferred *d = calloc(1, sizeof *d);
    *out = d;
    if (!d)
        return -ENOMEM;
    d->refs = 1;
    d->canceller = canceller;
    d->canceller_arg = arg;
    return 0;
}

eddy_deferred *eddy_deferred_ref(eddy_deferred *d)
{
    d->refs++;
    return d;
}

/* An entry that will never run gives up what it holds. */
static void discard_entry(eddy__entry *e)
{
    switch (e->kind) {
    case EDDY__ENTRY_CONTINUE: {
        eddy_deferred *outer = e->arg;
        outer->waiting_on = NULL; /* it stays paused: what it waited for can never come */
        eddy_deferred_unref(outer);
        break;
    }
    case EDDY__ENTRY_CHAIN:
        eddy_deferred_unref(e->arg);
        break;
    case EDDY__ENTRY_PAIR:
        if (e->arg_free)
            e->arg_free(e->arg);
        break;
    }
}

static void destroy(eddy_deferred *d)
{
    if (d->called && d->result.failure)
        eddy__report_unhandled(d->result.failure, "Unhandled error in Deferred");
    eddy_result_drop(d->result);
    for (size_t i = d->head; i < d->len; i++)
        discard_entry(&d->entries[i]);
    free(d->entries);
    free(d);
}

void eddy_deferred_unref(eddy_deferred *d)
{
    if (!d || --d->refs > 0)
        return;
    d->next = free_queue;
    free_queue = d;
    if (freeing)
        return; /* the loop below, further up the stack, frees it */
    freeing = true;
    while ((d = free_queue) != NULL) {
        free_queue = d->next;
        destroy(d);
    }
    freeing = false;
}

void eddy__deferred_clear_canceller(eddy_deferred *d)
{
    d->canceller = NULL;
    d->canceller_arg = NULL;
}

/* Add an entry at the end of the chain without running anything. Errors: -ENOMEM. */
static int append(eddy_deferred *d, eddy__entry e)
{
    if (d->len == d->cap && d->head > 0) {
        memmove(d->entries, d->entries + d->head, (d->len - d->head) * sizeof *d->entries);
        d->len -= d->head;
        d->head = 0;
    } else if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4;
        eddy__entry *p = realloc(d->entries, cap * sizeof *p);
        if (!p)
            return -ENOMEM;
        d->entries = p;
        d->cap = cap;
    }
    d->entries[d->len++] = e;
    return 0;
}

/* ---- the run loop ------------------------------------------------------------------------- */

static void push(eddy_deferred **top, eddy_deferred *d)
{
    d->on_stack = true;
    d->next = *top;
    *top = d;
}

/* A callback returned "wait for inner": take inner's result now if it is final, else pause `cur`
 * until inner's chain reaches the CONTINUE entry appended here. */
static void await_inner(eddy_deferred *cur)
{
    eddy_deferred *inner = cur->result.deferred;
    cur->result.deferred = NULL;
    if (inner == cur) {
        eddy_deferred_unref(inner);
        cur->result = eddy_result_error(-EINVAL, "a callback returned its own Deferred");
        return;
    }
    if (inner->called && inner->paused == 0 && !inner->on_stack) {
        cur->result = eddy__result_take(&inner->result);
        eddy_deferred_unref(inner);
        return;
    }
    if (append(inner, (eddy__entry){.kind = EDDY__ENTRY_CONTINUE, .arg = cur}) < 0) {
        eddy_deferred_unref(inner);
        cur->result = eddy_result_failure(eddy_failure_from_code(-ENOMEM));
        return;
    }
    eddy_deferred_ref(cur);
    cur->paused++;
    cur->waiting_on = inner;
    cur->waiting = true;
    eddy_deferred_unref(inner); /* if that was the last reference, cur is simply never resumed */
}

/* Hand `cur`'s result to `other` (a CHAIN entry). Returns `other` (with our reference) if it must
 * run now, else NULL. */
static eddy_deferred *chain_into(eddy_deferred *cur, eddy_deferred *other)
{
    if (other->called) {
        eddy_result_drop(eddy__result_take(&cur->result));
        if (other->suppress_already_called)
            other->suppress_already_called = false;
        else
            cur->result =
                eddy_result_error(EDDY_EALREADYCALLED, "chained Deferred has already been fired");
        eddy_deferred_unref(other);
        return NULL;
    }
    other->called = true;
    other->result = eddy__result_take(&cur->result);
    eddy__deferred_clear_canceller(other);
    if (other->paused == 0 && !other->on_stack)
        return other;
    eddy_deferred_unref(other);
    return NULL;
}

/* Run `cur`'s entries until its chain is exhausted or paused. Returns a Deferred to run first (it
 * received our result through a CONTINUE or CHAIN entry, and carries the entry's reference), or
 * NULL when `cur` is done for now. */
static eddy_deferred *run_entries(eddy_deferred *cur)
{
    while (cur->paused == 0 && cur->head < cur->len) {
        eddy__entry e = cur->entries[cur->head++];
        if (cur->head == cur->len)
            cur->head = cur->len = 0;
        switch (e.kind) {
        case EDDY__ENTRY_CONTINUE: {
            eddy_deferred *outer = e.arg;
            outer->result = eddy__result_take(&cur->result);
            outer->waiting_on = NULL;
            outer->waiting = false;
            outer->paused--;
            if (outer->paused == 0 && !outer->on_stack)
                return outer;
            eddy_deferred_unref(outer);
            break;
        }
        case EDDY__ENTRY_CHAIN: {
            eddy_deferred *next = chain_into(cur, e.arg);
            if (next)
                return next;
            break;
        }
        case EDDY__ENTRY_PAIR: {
            eddy_deferred_fn fn = cur->result.failure ? e.eb : e.cb;
            if (fn)
                cur->result = normalize(fn(eddy__result_take(&cur->result), e.arg));
            if (e.arg_free)
                e.arg_free(e.arg);
            if (cur->result.deferred)
                await_inner(cur);
            break;
        }
        }
    }
    return NULL;
}

static void run_chain(eddy_deferred *d)
{
    if (!d->called || d->paused || d->on_stack)
        return;
    eddy_deferred *top = NULL;
    push(&top, eddy_deferred_ref(d));
    while (top) {
        eddy_deferred *cur = top;
        eddy_deferred *next = run_entries(cur);
        if (next) {
            push(&top, next);
            continue;
        }
        top = cur->next;
        cur->on_stack = false;
        eddy_deferred_unref(cur);
    }
}

/* ---- firing ------------------------------------------------------------------------------- */

int eddy_deferred_fire(eddy_deferred *d, eddy_result result)
{
    if (result.deferred) {
        eddy_result_drop(result);
        return -EINVAL;
    }
    if (d->called) {
        eddy_result_drop(result);
        if (!d->suppress_already_called)
            return EDDY_EALREADYCALLED;
        d->suppress_already_called = false;
        return 0;
    }
    d->called = true;
    d->result = normalize(result);
    eddy__deferred_clear_canceller(d);
    run_chain(d);
    return 0;
}

int eddy_deferred_callback(eddy_deferred *d, void *value, eddy_free_fn free_fn)
{
    return eddy_deferred_fire(d, eddy_result_value(value, free_fn));
}

int eddy_deferred_errback(eddy_deferred *d, eddy_failure *failure)
{
    return eddy_deferred_fire(d, eddy_result_failure(failure));
}

/* ---- the chain ---------------------------------------------------------------------------- */

int eddy__deferred_add_entry(eddy_deferred *d, eddy__entry e)
{
    if (append(d, e) < 0) {
        discard_entry(&e);
        return -ENOMEM;
    }
    run_chain(d);
    return 0;
}

int eddy_deferred_add_callbacks_full(eddy_deferred *d, eddy_deferred_fn cb, eddy_deferred_fn eb,
                                     void *arg, eddy_free_fn arg_free)
{
    return eddy__deferred_add_entry(
        d, (eddy__entry){
               .kind = EDDY__ENTRY_PAIR, .cb = cb, .eb = eb, .arg = arg, .arg_free = arg_free});
}

int eddy_deferred_add_callbacks(eddy_deferred *d, eddy_deferred_fn cb, eddy_deferred_fn eb,
                                void *arg)
{
    return eddy_deferred_add_callbacks_full(d, cb, eb, arg, NULL);
}

int eddy_deferred_add_callback(eddy_deferred *d, eddy_deferred_fn cb, void *arg)
{
    return eddy_deferred_add_callbacks_full(d, cb, NULL, arg, NULL);
}

int eddy_deferred_add_errback(eddy_deferred *d, eddy_deferred_fn eb, void *arg)
{
    return eddy_deferred_add_callbacks_full(d, NULL, eb, arg, NULL);
}

int eddy_deferred_add_both(eddy_deferred *d, eddy_deferred_fn fn, void *arg)
{
    return eddy_deferred_add_callbacks_full(d, fn, fn, arg, NULL);
}

int eddy_deferred_chain(eddy_deferred *d, eddy_deferred *other)
{
    if (other == d)
        return -EINVAL;
    return eddy__deferred_add_entry(
        d, (eddy__entry){.kind = EDDY__ENTRY_CHAIN, .arg = eddy_deferred_ref(other)});
}

void eddy_deferred_pause(eddy_deferred *d)
{
    d->paused++;
}

void eddy_deferred_unpause(eddy_deferred *d)
{
    if (d->paused == (d->waiting ? 1u : 0u))
        return; /* no pause() to undo: only the wait remains */
    d->paused--;
    run_chain(d);
}

/* ---- cancellation ------------------------------------------------------------------------- */

void eddy_deferred_cancel(eddy_deferred *d)
{
    /* A fired Deferred waiting for another forwards the cancel, so go straight to the innermost
     * one: a loop, not recursion, however deep the chain. */
    while (d->called && d->waiting_on)
        d = d->waiting_on;
    if (d->called)
        return;
    eddy_deferred_ref(d);
    if (d->canceller)
        d->canceller(d, d->canceller_arg);
    else
        d->suppress_already_called = true;
    if (!d->called)
        eddy_deferred_fire(d, eddy_result_error(EDDY_ECANCELLED, "Deferred was cancelled"));
    eddy_deferred_unref(d);
}

/* ---- state -------------------------------------------------------------------------------- */

bool eddy_deferred_called(const eddy_deferred *d)
{
    return d->called;
}

bool eddy_deferred_paused(const eddy_deferred *d)
{
    return d->paused > 0;
}

const eddy_result *eddy_deferred_peek(const eddy_deferred *d)
{
    return d->called && !d->waiting ? &d->result : NULL;
}
