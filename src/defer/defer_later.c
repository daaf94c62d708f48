/* defer_later.c - a Deferred that fires with fn(arg) after a delay; cancel cancels the timer.
 *
 * The timer fires the Deferred with a none result, and fn runs as the first callback of its chain,
 * so whatever fn returns (a value, a failure, a wait) is handled like any callback's result. The
 * record is that callback's argument and is freed with it; the timer holds a reference on the
 * Deferred until it runs or is cancelled. */
#include <math.h>
#include <stdlib.h>

#include "defer/deferred_internal.h"
#include "eddy/delayed_call.h"
#include "eddy/task.h"

typedef struct later {
    eddy_reactor *reactor;
    eddy_delayed_call call;
    eddy_deferred *d; /* the timer's reference, while it is pending */
    eddy_result (*fn)(void *arg);
    void *arg;
} later;

static void later_due(void *arg)
{
    later *l = arg;
    eddy_deferred *d = l->d;
    l->d = NULL;
    eddy_deferred_fire(d, eddy_result_none()); /* runs call_fn, which frees l */
    eddy_deferred_unref(d);
}

static void later_cancel(eddy_deferred *d, void *arg)
{
    later *l = arg;
    eddy_delayed_call_cancel(l->reactor, l->call);
    l->d = NULL;
    eddy_deferred_unref(d); /* the timer's reference; cancel holds another meanwhile */
}

static eddy_result call_fn(eddy_result in, void *arg)
{
    later *l = arg;
    eddy_result_drop(in);
    return l->fn ? l->fn(l->arg) : eddy_result_none();
}

int eddy_defer_later(eddy_reactor *r, double delay, eddy_result (*fn)(void *arg), void *arg,
                     eddy_deferred **out)
{
    *out = NULL;
    if (!(delay >= 0) || isinf(delay))
        return -EINVAL;
    later *l = calloc(1, sizeof *l);
    if (!l)
        return -ENOMEM;
    *l = (later){.reactor = r, .fn = fn, .arg = arg};
    eddy_deferred *d;
    int rc = eddy_deferred_new(later_cancel, l, &d);
    if (rc < 0) {
        free(l);
        return rc;
    }
    rc = eddy_deferred_add_callbacks_full(d, call_fn, NULL, l, free);
    if (rc < 0) {
        eddy_deferred_unref(d);
        return rc;
    }
    l->call = eddy_call_later(r, delay, later_due, l);
    if (l->call.id == 0) {
        eddy_deferred_unref(d); /* frees l with the unrun callback */
        return -ENOMEM;
    }
    l->d = eddy_deferred_ref(d);
    *out = d;
    return 0;
}
