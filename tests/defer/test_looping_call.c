/* test_looping_call.c - LoopingCall on a fake clock. */
#include <math.h>

#include "defer_helpers.h"
#include "eddy_test.h"

TestSuite(looping_call, .timeout = 10);

static eddy_fake_clock *fc;
static eddy_reactor *r;

static void setup(void)
{
    r = test_reactor_new_fake(&fc);
}

static void teardown(void)
{
    test_reactor_free_fake(r, fc);
}

typedef struct ticker {
    int calls;
    double times[16];      /* reactor time of each call */
    uint64_t counts[16];   /* count given to the with-count variant */
    int fail_on;           /* fail on this call number (1-based), 0: never */
    eddy_deferred *wait;   /* returned as a wait when set (taken: set to NULL) */
    eddy_looping_call *lc; /* for stop/free from inside */
    bool stop_inside, free_inside;
} ticker;

static eddy_result tick_body(ticker *t)
{
    t->times[t->calls % 16] = eddy_reactor_seconds(r);
    t->calls++;
    if (t->stop_inside)
        eddy_looping_call_stop(t->lc);
    if (t->free_inside)
        eddy_looping_call_free(t->lc);
    if (t->fail_on == t->calls)
        return eddy_result_error(-EIO, "tick failed");
    if (t->wait) {
        eddy_deferred *w = t->wait;
        t->wait = NULL;
        return eddy_result_wait(w);
    }
    return tracked_result(t->calls);
}

static eddy_result tick(void *arg)
{
    return tick_body(arg);
}

static eddy_result tick_count(uint64_t count, void *arg)
{
    ticker *t = arg;
    t->counts[t->calls % 16] = count;
    return tick_body(t);
}

static eddy_looping_call *new_lc(ticker *t)
{
    cr_assert_eq(eddy_looping_call_new(r, tick, t, &t->lc), 0);
    return t->lc;
}

Test(looping_call, start_now_calls_at_once_then_every_interval, .init = setup, .fini = teardown)
{
    ticker t = {0};
    eddy_looping_call *lc = new_lc(&t);
    cr_assert_eq(eddy_looping_call_start(lc, 1.0, true, NULL), 0);
    cr_assert_eq(t.calls, 1);
    eddy_reactor_advance(r, 0.5);
    cr_assert_eq(t.calls, 1);
    eddy_reactor_advance(r, 0.5);
    cr_assert_eq(t.calls, 2);
    eddy_reactor_advance(r, 1.0);
    cr_assert_eq(t.calls, 3);
    cr_assert_float_eq(t.times[2], 2.0, 1e-9);
    eddy_looping_call_free(lc);
    cr_assert_eq(tracked_alive(), 0, "values the function returns are freed");
}

Test(looping_call, start_later_waits_one_interval, .init = setup, .fini = teardown)
{
    ticker t = {0};
    eddy_looping_call *lc = new_lc(&t);
    eddy_looping_call_start(lc, 2.0, false, NULL);
    cr_assert_eq(t.calls, 0);
    eddy_reactor_advance(r, 2.0);
    cr_assert_eq(t.calls, 1);
    eddy_looping_call_free(lc);
}

Test(looping_call, stop_fires_the_deferred_with_the_looping_call, .init = setup, .fini = teardown)
{
    ticker t = {0};
    eddy_looping_call *lc = new_lc(&t);
    eddy_deferred *done = NULL;
    eddy_looping_call_start(lc, 1.0, true, &done);
    capture c = {0};
    capture_add(done, &c);
    cr_assert(eddy_looping_call_running(lc));
    cr_assert_eq(eddy_looping_call_stop(lc), 0);
    cr_assert_not(eddy_looping_call_running(lc));
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.ptr, lc);
    eddy_reactor_advance(r, 5);
    cr_assert_eq(t.calls, 1, "no calls after stop");
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    eddy_deferred_unref(done);
    eddy_looping_call_free(lc);
}

Test(looping_call, function_failure_stops_the_loop_and_errbacks, .init = setup, .fini = teardown)
{
    ticker t = {.fail_on = 2};
    eddy_looping_call *lc = new_lc(&t);
    eddy_deferred *done = NULL;
    eddy_looping_call_start(lc, 1.0, true, &done);
    capture c = {0};
    capture_add(done, &c);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(c.code, -EIO);
    cr_assert_not(eddy_looping_call_running(lc));
    eddy_reactor_advance(r, 5);
    cr_assert_eq(t.calls, 2);
    eddy_deferred_unref(done);
    eddy_looping_call_free(lc);
}

Test(looping_call, returned_deferred_delays_the_next_call_until_it_fires, .init = setup,
     .fini = teardown)
{
    eddy_deferred *w = new_deferred();
    ticker t = {.wait = eddy_deferred_ref(w)};
    eddy_looping_call *lc = new_lc(&t);
    eddy_looping_call_start(lc, 1.0, true, NULL);
    eddy_reactor_advance(r, 3.5);
    cr_assert_eq(t.calls, 1, "waiting for the Deferred");
    eddy_deferred_callback(w, NULL, NULL);
    cr_assert_eq(t.calls, 1);
    eddy_reactor_advance(r, 0.5);
    cr_assert_eq(t.calls, 2, "next call back on the grid, at 4.0");
    cr_assert_float_eq(t.times[1], 4.0, 1e-9);
    eddy_deferred_unref(w);
    eddy_looping_call_free(lc);
}

Test(looping_call, failure_of_the_returned_deferred_stops_the_loop, .init = setup, .fini = teardown)
{
    eddy_deferred *w = new_deferred();
    ticker t = {.wait = eddy_deferred_ref(w)};
    eddy_looping_call *lc = new_lc(&t);
    eddy_deferred *done = NULL;
    eddy_looping_call_start(lc, 1.0, true, &done);
    capture c = {0};
    capture_add(done, &c);
    eddy_deferred_errback(w, eddy_failure_new(-EPIPE, "broken"));
    cr_assert_eq(c.code, -EPIPE);
    cr_assert_not(eddy_looping_call_running(lc));
    eddy_deferred_unref(w);
    eddy_deferred_unref(done);
    eddy_looping_call_free(lc);
}

Test(looping_call, with_count_reports_skipped_intervals, .init = setup, .fini = teardown)
{
    ticker t = {0};
    cr_assert_eq(eddy_looping_call_new_with_count(r, tick_count, &t, &t.lc), 0);
    eddy_looping_call_start(t.lc, 1.0, true, NULL);
    eddy_reactor_advance(r, 1);
    eddy_reactor_advance(r, 3.5);
    eddy_reactor_advance(r, 0.5);
    cr_assert_eq(t.calls, 4);
    cr_assert_eq(t.counts[0], 1);
    cr_assert_eq(t.counts[1], 1);
    cr_assert_eq(t.counts[2], 3, "intervals 2, 3 and 4 passed; got %lu",
                 (unsigned long)t.counts[2]);
    cr_assert_eq(t.counts[3], 1);
    eddy_looping_call_free(t.lc);
}

Test(looping_call, interval_of_a_fraction_of_a_nanosecond_calls_once_per_interval, .init = setup,
     .fini = teardown)
{
    /* Grid points of 1/3 ms fall between nanoseconds: the timer, rounded to the nanosecond, may
     * run a hair before its point. That call must still count as the one due there. */
    double interval = 1e-3 / 3;
    ticker t = {0};
    eddy_reactor_advance(r, 0.3);
    cr_assert_eq(eddy_looping_call_new_with_count(r, tick_count, &t, &t.lc), 0);
    eddy_looping_call_start(t.lc, interval, true, NULL);
    eddy_reactor_advance(r, interval);
    cr_assert_eq(t.calls, 2, "one call at the start and one an interval later, got %d", t.calls);
    cr_assert_eq(t.counts[1], 1);
    eddy_reactor_advance(r, 10 * interval);
    cr_assert_eq(t.calls, 3, "one late call for the intervals that passed, got %d", t.calls);
    eddy_looping_call_free(t.lc);
}

Test(looping_call, late_call_does_not_shift_the_grid, .init = setup, .fini = teardown)
{
    ticker t = {0};
    eddy_looping_call *lc = new_lc(&t);
    eddy_looping_call_start(lc, 1.0, true, NULL);
    eddy_reactor_advance(r, 1.75); /* the call due at 1.0 runs late, at 1.75 */
    cr_assert_eq(t.calls, 2);
    eddy_reactor_advance(r, 0.25);
    cr_assert_eq(t.calls, 3, "the next one is still at 2.0");
    eddy_looping_call_free(lc);
}

Test(looping_call, stop_from_inside_the_function_reports_after_the_call, .init = setup,
     .fini = teardown)
{
    ticker t = {.stop_inside = true};
    eddy_looping_call *lc = new_lc(&t);
    eddy_deferred *done = NULL;
    eddy_looping_call_start(lc, 1.0, true, &done);
    capture c = {0};
    capture_add(done, &c);
    cr_assert_eq(c.calls, 1);
    cr_assert_not(c.failed);
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    eddy_deferred_unref(done);
    eddy_looping_call_free(lc);
}

Test(looping_call, stop_while_the_functions_deferred_is_pending_reports_when_it_fires,
     .init = setup, .fini = teardown)
{
    eddy_deferred *w = new_deferred();
    ticker t = {.wait = eddy_deferred_ref(w)};
    eddy_looping_call *lc = new_lc(&t);
    eddy_deferred *done = NULL;
    eddy_looping_call_start(lc, 1.0, true, &done);
    capture c = {0};
    capture_add(done, &c);
    eddy_looping_call_stop(lc);
    cr_assert_eq(c.calls, 0);
    eddy_deferred_callback(w, NULL, NULL);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(t.calls, 1);
    eddy_deferred_unref(w);
    eddy_deferred_unref(done);
    eddy_looping_call_free(lc);
}

Test(looping_call, misuse_is_reported, .init = setup, .fini = teardown)
{
    ticker t = {0};
    eddy_looping_call *lc = new_lc(&t);
    cr_assert_eq(eddy_looping_call_stop(lc), -EINVAL);
    cr_assert_eq(eddy_looping_call_reset(lc), -EINVAL);
    cr_assert_eq(eddy_looping_call_start(lc, -1, true, NULL), -EINVAL);
    cr_assert_eq(eddy_looping_call_start(lc, NAN, true, NULL), -EINVAL);
    cr_assert_eq(eddy_looping_call_start(lc, 1, false, NULL), 0);
    cr_assert_eq(eddy_looping_call_start(lc, 1, false, NULL), -EALREADY);
    eddy_looping_call_free(lc);
}

Test(looping_call, interval_zero_calls_once_per_iteration, .init = setup, .fini = teardown)
{
    ticker t = {0};
    eddy_looping_call *lc = new_lc(&t);
    eddy_looping_call_start(lc, 0, true, NULL);
    cr_assert_eq(t.calls, 1);
    test_iterate_n(r, 3);
    cr_assert_eq(t.calls, 4);
    eddy_looping_call_free(lc);
}

Test(looping_call, reset_restarts_the_interval_from_now, .init = setup, .fini = teardown)
{
    ticker t = {0};
    eddy_looping_call *lc = new_lc(&t);
    eddy_looping_call_start(lc, 2.0, true, NULL);
    eddy_reactor_advance(r, 1.5);
    cr_assert_eq(eddy_looping_call_reset(lc), 0);
    eddy_reactor_advance(r, 1.0);
    cr_assert_eq(t.calls, 1, "the call due at 2.0 was skipped");
    eddy_reactor_advance(r, 1.0);
    cr_assert_eq(t.calls, 2);
    cr_assert_float_eq(t.times[1], 3.5, 1e-9);
    eddy_looping_call_free(lc);
}

Test(looping_call, freeing_a_running_loop_stops_it_and_fires_its_deferred, .init = setup,
     .fini = teardown)
{
    ticker t = {0};
    eddy_looping_call *lc = new_lc(&t);
    eddy_deferred *done = NULL;
    eddy_looping_call_start(lc, 1.0, true, &done);
    capture c = {0};
    capture_add(done, &c);
    eddy_looping_call_free(lc);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    eddy_deferred_unref(done);
}

Test(looping_call, freeing_from_inside_the_function_is_safe, .init = setup, .fini = teardown)
{
    ticker t = {.free_inside = true};
    eddy_looping_call *lc = new_lc(&t);
    eddy_deferred *done = NULL;
    eddy_looping_call_start(lc, 1.0, false, &done);
    capture c = {0};
    capture_add(done, &c);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(t.calls, 1);
    cr_assert_eq(c.calls, 1);
    eddy_reactor_advance(r, 5);
    cr_assert_eq(t.calls, 1);
    eddy_deferred_unref(done);
}

Test(looping_call, can_start_again_after_stop, .init = setup, .fini = teardown)
{
    ticker t = {0};
    eddy_looping_call *lc = new_lc(&t);
    eddy_looping_call_start(lc, 1.0, true, NULL);
    eddy_looping_call_stop(lc);
    cr_assert_eq(eddy_looping_call_start(lc, 1.0, true, NULL), 0);
    cr_assert_eq(t.calls, 2);
    eddy_looping_call_free(lc);
}
