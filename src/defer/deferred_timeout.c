/* deferred_timeout.c - eddy_deferred_add_timeout: cancel a Deferred that is too slow.
 *
 * Two parties share the bookkeeping: the timer (which holds a reference on the Deferred so it can
 * cancel it) and a chain entry (which cancels the timer when the result arrives, and turns the
 * cancellation the timer caused into a timeout). Each clears its flag when done; the last one
 * frees the record. */
#include <math.h>
#include <stdlib.h>

#include "defer/deferred_internal.h"
#include "eddy/delayed_call.h"

typedef struct timeout {
    eddy_reactor *reactor;
    eddy_delayed_call call;
    eddy_deferred *d; /* the timer's reference, while timer_live */
    double seconds;   /* for the message */
    bool timer_live;  /* the timer has neither run nor been cancelled */
    bool entry_live;  /* the chain entry has not been run or discarded */
    bool timed_out;   /* the timer ran and cancelled d */
} timeout;

static void timeout_expired(void *arg)
{
    timeout *t = arg;
    eddy_deferred *d = t->d;
    t->timed_out = true; /* timer_live stays set meanwhile, so the entry cannot free t */
    eddy_deferred_cancel(d);
    t->timer_live = false;
    /* Decide before the unref: if it frees d (paused, or waiting for a Deferred nobody can fire)
     * it discards the entry, which then frees t itself. */
    if (!t->entry_live)
        free(t);
    eddy_deferred_unref(d);
}

static eddy_result timeout_result(eddy_result in, void *arg)
{
    timeout *t = arg;
    if (t->timer_live && !t->timed_out) {
        eddy_delayed_call_cancel(t->reactor, t->call);
        t->timer_live = false;
        eddy_deferred_unref(t->d); /* never the last: the run loop holds one */
    }
    if (t->timed_out && in.failure && eddy_failure_code(in.failure) == EDDY_ECANCELLED) {
        eddy_result_drop(in);
        return eddy_result_error(EDDY_ETIMEOUT, "Deferred timed out after %g seconds", t->seconds);
    }
    return in;
}

static void timeout_entry_done(void *arg)
{
    timeout *t = arg;
    t->entry_live = false;
    if (!t->timer_live)
        free(t);
}

int eddy_deferred_add_timeout(eddy_deferred *d, eddy_reactor *r, double seconds)
{
    if (!(seconds >= 0) || isinf(seconds))
        return -EINVAL;
    timeout *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    *t = (timeout){.reactor = r, .d = d, .seconds = seconds, .entry_live = true};
    if (d->called && d->paused == 0 && !d->on_stack) {
        /* The entry runs at once: nothing to time out, but it still goes in, to keep the chain's
         * shape. A fired Deferred that is paused (waiting for another one, say) still gets the
         * timer, as in Twisted: the cancel then goes to what it waits for. */
        return eddy_deferred_add_callbacks_full(d, timeout_result, timeout_result, t,
                                                timeout_entry_done);
    }
    t->call = eddy_call_later(r, seconds, timeout_expired, t);
    if (t->call.id == 0) {
        free(t);
        return -ENOMEM;
    }
    t->timer_live = true;
    eddy_deferred_ref(d);
    int rc =
        eddy_deferred_add_callbacks_full(d, timeout_result, timeout_result, t, timeout_entry_done);
    if (rc < 0 && t->timer_live) {
        /* The entry is gone (and entry_live cleared): stop the timer too. */
        eddy_delayed_call_cancel(r, t->call);
        free(t);
        eddy_deferred_unref(d);
    }
    return rc;
}
