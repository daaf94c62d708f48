/* deferred_lock.c - DeferredSemaphore and DeferredLock (a semaphore with one token). */
#include <stdlib.h>

#include "defer/deferred_internal.h"
#include "defer/waiters.h"

struct eddy_deferred_semaphore {
    size_t limit;          /* tokens in all */
    size_t tokens;         /* tokens free now */
    size_t granted;        /* tokens given to the first waiters, whose Deferreds fire next */
    bool handing_out;      /* a release is firing waiters: releases inside it only grant */
    bool free_pending;     /* freed while handing out: the release loop frees it */
    eddy__waiters waiting; /* acquires waiting for a token, FIFO */
};

/* The lock is a one-token semaphore; acquires fire with the lock's own address. */
struct eddy_deferred_lock {
    eddy_deferred_semaphore s;
};

int eddy_deferred_semaphore_new(size_t tokens, eddy_deferred_semaphore **out)
{
    *out = NULL;
    if (tokens == 0)
        return -EINVAL;
    eddy_deferred_semaphore *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->limit = s->tokens = tokens;
    *out = s;
    return 0;
}

void eddy_deferred_semaphore_free(eddy_deferred_semaphore *s)
{
    if (!s)
        return;
    eddy__waiters_cancel_all(&s->waiting);
    if (s->handing_out)
        s->free_pending = true; /* freed from a waiter's callback: the release loop frees it */
    else
        free(s);
}

int eddy_deferred_semaphore_acquire(eddy_deferred_semaphore *s, eddy_deferred **out)
{
    if (s->tokens > 0) {
        int rc = eddy_deferred_new(NULL, NULL, out);
        if (rc < 0)
            return rc;
        s->tokens--;
        eddy_deferred_callback(*out, s, NULL);
        return 0;
    }
    return eddy__waiters_add(&s->waiting, out);
}

int eddy_deferred_semaphore_release(eddy_deferred_semaphore *s)
{
    if (s->tokens + s->granted == s->limit)
        return -EINVAL;
    /* The token goes straight to the first waiter that has none yet. */
    if (s->waiting.count > s->granted)
        s->granted++;
    else
        s->tokens++;
    if (s->handing_out)
        return 0; /* a release further up the stack fires that waiter once this callback ends */
    /* Fire the waiters in a loop rather than from each release: a waiter whose callback releases
     * at once would otherwise nest one release per waiter, and thousands of them overflow the
     * stack. */
    s->handing_out = true;
    while (s->granted > 0 && !s->free_pending) {
        s->granted--;
        eddy_deferred *next = eddy__waiters_pop(&s->waiting);
        if (!next) {
            s->tokens++; /* the waiter it was for was cancelled meanwhile */
            continue;
        }
        eddy_deferred_callback(next, s, NULL);
        eddy_deferred_unref(next);
    }
    s->handing_out = false;
    if (s->free_pending)
        free(s);
    return 0;
}

size_t eddy_deferred_semaphore_tokens(const eddy_deferred_semaphore *s)
{
    return s->tokens;
}

size_t eddy_deferred_semaphore_waiting(const eddy_deferred_semaphore *s)
{
    return s->waiting.count;
}

/* ---- run: acquire, call, release ---------------------------------------------------------- */

typedef struct run_call {
    eddy_result (*fn)(void *arg);
    void *arg;
} run_call;

static void release_token(void *s)
{
    eddy_deferred_semaphore_release(s);
}

/* Called with the token held: the token goes back when fn's result is final. A pass-through pair
 * whose argument destructor releases it covers every path: the inner Deferred fires, is freed
 * unfired, or the pair cannot be added. */
static eddy_result run_with_token(eddy_result in, void *arg)
{
    run_call *call = arg;
    eddy_deferred_semaphore *s = in.value;
    eddy_result out = call->fn(call->arg);
    if (!out.deferred || out.failure) {
        release_token(s);
        return out;
    }
    eddy_deferred *inner = out.deferred;
    if (eddy_deferred_add_callbacks_full(inner, NULL, NULL, s, release_token) < 0) {
        eddy_result_drop(out);
        return eddy_result_error(-ENOMEM, "cannot watch the function's Deferred");
    }
    return out;
}

int eddy_deferred_semaphore_run(eddy_deferred_semaphore *s, eddy_result (*fn)(void *arg), void *arg,
                                eddy_deferred **out)
{
    run_call *call = malloc(sizeof *call);
    if (!call) {
        *out = NULL;
        return -ENOMEM;
    }
    *call = (run_call){.fn = fn, .arg = arg};
    int rc = eddy_deferred_semaphore_acquire(s, out);
    if (rc < 0) {
        free(call);
        return rc;
    }
    rc = eddy_deferred_add_callbacks_full(*out, run_with_token, NULL, call, free);
    if (rc < 0) {
        /* The acquire is pending or holds the token: cancel or give it back. */
        if (eddy_deferred_called(*out))
            eddy_deferred_semaphore_release(s);
        else
            eddy_deferred_cancel(*out);
        eddy_deferred_unref(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- the lock ----------------------------------------------------------------------------- */

int eddy_deferred_lock_new(eddy_deferred_lock **out)
{
    eddy_deferred_semaphore *s;
    int rc = eddy_deferred_semaphore_new(1, &s);
    *out = (eddy_deferred_lock *)s; /* a struct and its first member share an address */
    return rc;
}

void eddy_deferred_lock_free(eddy_deferred_lock *l)
{
    if (l)
        eddy_deferred_semaphore_free(&l->s);
}

int eddy_deferred_lock_acquire(eddy_deferred_lock *l, eddy_deferred **out)
{
    return eddy_deferred_semaphore_acquire(&l->s, out);
}

int eddy_deferred_lock_release(eddy_deferred_lock *l)
{
    return eddy_deferred_semaphore_release(&l->s);
}

int eddy_deferred_lock_run(eddy_deferred_lock *l, eddy_result (*fn)(void *arg), void *arg,
                           eddy_deferred **out)
{
    return eddy_deferred_semaphore_run(&l->s, fn, arg, out);
}

bool eddy_deferred_lock_locked(const eddy_deferred_lock *l)
{
    return l->s.tokens == 0;
}
