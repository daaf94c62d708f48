/* looping_call.c - LoopingCall: call a function every interval, on a fixed grid.
 *
 * Calls are aligned to start + k * interval. Each call records the grid index k it ran at; the
 * next one is scheduled at the next index after "now", so a late call never shifts the grid and
 * intervals missed entirely are skipped (and counted, for the with-count variant).
 *
 * The LoopingCall is reference counted internally: the user's handle, a call in progress and a
 * pending Deferred returned by the function each hold a reference, so freeing it from inside its
 * own function or while its Deferred is pending is safe. */
#include <math.h>
#include <stdlib.h>

#include "defer/deferred_internal.h"
#include "eddy/delayed_call.h"
#include "eddy/task.h"

/* Slack when mapping a time onto the grid: reactor times are nanoseconds turned into doubles. */
#define GRID_EPSILON 1e-9

struct eddy_looping_call {
    unsigned refs; /* handle + call in progress + pending wait entry */
    eddy_reactor *reactor;
    eddy_looping_fn fn; /* one of fn / count_fn */
    eddy_looping_count_fn count_fn;
    void *arg;
    eddy_deferred *done;    /* our reference, from start until it fires */
    eddy_delayed_call call; /* the next call, while scheduled */
    double interval;
    double start;       /* origin of the grid */
    int64_t last_index; /* grid index of the previous call */
    bool running;
    bool scheduled; /* `call` is pending */
};

static void lc_unref(void *p)
{
    eddy_looping_call *lc = p;
    if (--lc->refs > 0)
        return;
    eddy_deferred_unref(lc->done);
    free(lc);
}

static int make(eddy_reactor *r, eddy_looping_fn fn, eddy_looping_count_fn count_fn, void *arg,
                eddy_looping_call **out)
{
    *out = NULL;
    if (!fn && !count_fn)
        return -EINVAL;
    eddy_looping_call *lc = calloc(1, sizeof *lc);
    if (!lc)
        return -ENOMEM;
    *lc = (eddy_looping_call){.refs = 1, .reactor = r, .fn = fn, .count_fn = count_fn, .arg = arg};
    *out = lc;
    return 0;
}

int eddy_looping_call_new(eddy_reactor *r, eddy_looping_fn fn, void *arg, eddy_looping_call **out)
{
    return make(r, fn, NULL, arg, out);
}

int eddy_looping_call_new_with_count(eddy_reactor *r, eddy_looping_count_fn fn, void *arg,
                                     eddy_looping_call **out)
{
    return make(r, NULL, fn, arg, out);
}

bool eddy_looping_call_running(const eddy_looping_call *lc)
{
    return lc->running;
}

static int64_t grid_index(const eddy_looping_call *lc, double now)
{
    return (int64_t)floor((now - lc->start) / lc->interval + GRID_EPSILON);
}

/* Fire the Deferred of start() with `result`, once. */
static void finish(eddy_looping_call *lc, eddy_result result)
{
    eddy_deferred *done = lc->done;
    lc->done = NULL;
    if (done) {
        eddy_deferred_fire(done, result);
        eddy_deferred_unref(done);
    } else {
        eddy_result_drop(result);
    }
}

static void fail(eddy_looping_call *lc, eddy_failure *f)
{
    lc->running = false;
    if (lc->scheduled) {
        eddy_delayed_call_cancel(lc->reactor, lc->call);
        lc->scheduled = false;
    }
    finish(lc, eddy_result_failure(f));
}

static void timer_fired(void *arg);

static void schedule_next(eddy_looping_call *lc)
{
    double now = eddy_reactor_seconds(lc->reactor);
    double delay = 0;
    if (lc->interval > 0) {
        /* Never a grid point at or before the last call's: a timer deadline is rounded to the
         * nanosecond, so when the interval is not a whole number of them the call may run a
         * fraction of a nanosecond before its grid point, and "now" then maps to the point
         * before it (which would bring the same call round again at once, forever). */
        int64_t index = grid_index(lc, now);
        if (index < lc->last_index)
            index = lc->last_index;
        double next = lc->start + (double)(index + 1) * lc->interval;
        delay = next > now ? next - now : 0;
    }
    lc->call = eddy_call_later(lc->reactor, delay, timer_fired, lc);
    if (lc->call.id == 0) {
        fail(lc, eddy_failure_new(-ENOMEM, "cannot schedule the next call"));
        return;
    }
    lc->scheduled = true;
}

/* The call that was in progress has ended: go on, or report the stop. */
static void call_ended(eddy_looping_call *lc)
{
    if (lc->running)
        schedule_next(lc);
    else
        finish(lc, eddy_result_value(lc, NULL));
}

static eddy_result wait_ended(eddy_result in, void *arg)
{
    eddy_looping_call *lc = arg;
    if (in.failure && lc->done)
        fail(lc, eddy_failure_ref(in.failure));
    else if (!in.failure)
        call_ended(lc);
    eddy_result_drop(in);
    return eddy_result_none();
}

static void call_now(eddy_looping_call *lc)
{
    uint64_t count = 1;
    if (lc->interval > 0) {
        int64_t index = grid_index(lc, eddy_reactor_seconds(lc->reactor));
        count = index > lc->last_index ? (uint64_t)(index - lc->last_index) : 1;
        lc->last_index = index > lc->last_index ? index : lc->last_index + 1;
    }
    lc->refs++;
    eddy_result r = lc->count_fn ? lc->count_fn(count, lc->arg) : lc->fn(lc->arg);
    if (r.failure) {
        if (r.deferred)
            eddy_deferred_unref(r.deferred);
        fail(lc, r.failure);
    } else if (r.deferred) {
        lc->refs++;
        int rc = eddy_deferred_add_callbacks_full(r.deferred, wait_ended, wait_ended, lc, lc_unref);
        eddy_deferred_unref(r.deferred);
        if (rc < 0)
            fail(lc, eddy_failure_new(rc, "cannot wait for the function's Deferred"));
    } else {
        eddy_result_drop(r);
        call_ended(lc);
    }
    lc_unref(lc);
}

static void timer_fired(void *arg)
{
    eddy_looping_call *lc = arg;
    lc->scheduled = false;
    call_now(lc);
}

int eddy_looping_call_start(eddy_looping_call *lc, double interval, bool now, eddy_deferred **done)
{
    if (done)
        *done = NULL;
    if (lc->running || lc->done)
        return -EALREADY;
    if (!(interval >= 0) || isinf(interval))
        return -EINVAL;
    int rc = eddy_deferred_new(NULL, NULL, &lc->done);
    if (rc < 0)
        return rc;
    if (done)
        *done = eddy_deferred_ref(lc->done);
    lc->running = true;
    lc->interval = interval;
    lc->start = eddy_reactor_seconds(lc->reactor);
    if (now) {
        lc->last_index = -1;
        call_now(lc);
    } else {
        lc->last_index = 0;
        schedule_next(lc);
    }
    return 0;
}

int eddy_looping_call_stop(eddy_looping_call *lc)
{
    if (!lc->running)
        return -EINVAL;
    lc->running = false;
    if (lc->scheduled) {
        /* Between calls: report now. Otherwise the call in progress reports when it ends. */
        eddy_delayed_call_cancel(lc->reactor, lc->call);
        lc->scheduled = false;
        finish(lc, eddy_result_value(lc, NULL));
    }
    return 0;
}

int eddy_looping_call_reset(eddy_looping_call *lc)
{
    if (!lc->running)
        return -EINVAL;
    if (lc->scheduled) {
        eddy_delayed_call_cancel(lc->reactor, lc->call);
        lc->scheduled = false;
        lc->start = eddy_reactor_seconds(lc->reactor);
        lc->last_index = 0;
        schedule_next(lc);
    }
    return 0;
}

void eddy_looping_call_free(eddy_looping_call *lc)
{
    if (!lc)
        return;
    if (lc->running)
        eddy_looping_call_stop(lc);
    lc_unref(lc);
}
