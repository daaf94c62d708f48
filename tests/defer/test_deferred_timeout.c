/* test_deferred_timeout.c - eddy_deferred_add_timeout, driven by a fake clock. */
#include <math.h>

#include "defer_helpers.h"
#include "eddy_test.h"

TestSuite(deferred_timeout, .timeout = 10);

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

static eddy_result wait_for_arg(eddy_result in, void *arg)
{
    eddy_result_drop(in);
    return eddy_result_wait(eddy_deferred_ref(arg));
}

Test(deferred_timeout, unfired_deferred_errbacks_with_timeout_when_the_time_comes, .init = setup,
     .fini = teardown)
{
    eddy_deferred *d = new_deferred();
    cr_assert_eq(eddy_deferred_add_timeout(d, r, 5), 0);
    capture c = {0};
    capture_add(d, &c);
    eddy_reactor_advance(r, 4.9);
    cr_assert_eq(c.calls, 0);
    eddy_reactor_advance(r, 0.1);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.code, EDDY_ETIMEOUT);
    eddy_deferred_unref(d);
}

Test(deferred_timeout, firing_in_time_cancels_the_timer_and_keeps_the_result, .init = setup,
     .fini = teardown)
{
    eddy_deferred *d = new_deferred();
    eddy_deferred_add_timeout(d, r, 5);
    cr_assert_eq(eddy_reactor_pending_calls(r), 1);
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_fire(d, tracked_result(3));
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    cr_assert_eq(c.value, 3);
    eddy_reactor_advance(r, 10);
    cr_assert_eq(c.calls, 1);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_timeout, callbacks_added_before_the_timeout_see_the_cancellation, .init = setup,
     .fini = teardown)
{
    eddy_deferred *d = new_deferred();
    int seen_cancel = 0;
    capture late = {0};
    eddy_deferred_add_errback(d, count_pass, &seen_cancel);
    eddy_deferred_add_timeout(d, r, 1);
    capture_add(d, &late);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(seen_cancel, 1);
    cr_assert_eq(late.code, EDDY_ETIMEOUT);
    eddy_deferred_unref(d);
}

typedef struct canceller_state {
    int calls;
    int fire_code;
} canceller_state;

static void canceller(eddy_deferred *d, void *arg)
{
    canceller_state *s = arg;
    s->calls++;
    if (s->fire_code)
        eddy_deferred_errback(d, eddy_failure_new(s->fire_code, "canceller's own error"));
}

Test(deferred_timeout, timeout_goes_through_the_canceller, .init = setup, .fini = teardown)
{
    canceller_state s = {0};
    eddy_deferred *d = NULL;
    eddy_deferred_new(canceller, &s, &d);
    eddy_deferred_add_timeout(d, r, 2);
    capture c = {0};
    capture_add(d, &c);
    eddy_reactor_advance(r, 2);
    cr_assert_eq(s.calls, 1);
    cr_assert_eq(c.code, EDDY_ETIMEOUT);
    eddy_deferred_unref(d);
}

Test(deferred_timeout, a_canceller_failure_other_than_cancelled_is_kept, .init = setup,
     .fini = teardown)
{
    canceller_state s = {.fire_code = -ECONNABORTED};
    eddy_deferred *d = NULL;
    eddy_deferred_new(canceller, &s, &d);
    eddy_deferred_add_timeout(d, r, 2);
    capture c = {0};
    capture_add(d, &c);
    eddy_reactor_advance(r, 2);
    cr_assert_eq(c.code, -ECONNABORTED);
    eddy_deferred_unref(d);
}

Test(deferred_timeout, timeout_of_a_waiting_deferred_cancels_the_inner_one, .init = setup,
     .fini = teardown)
{
    canceller_state s = {0};
    eddy_deferred *outer = new_deferred(), *inner = NULL;
    eddy_deferred_new(canceller, &s, &inner);
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    eddy_deferred_add_timeout(outer, r, 3);
    capture c = {0};
    capture_add(outer, &c);
    eddy_deferred_callback(outer, NULL, NULL);
    cr_assert_eq(c.calls, 0, "waiting for inner");
    eddy_reactor_advance(r, 3);
    cr_assert_eq(s.calls, 1);
    cr_assert_eq(c.code, EDDY_ETIMEOUT);
    eddy_deferred_unref(outer);
    eddy_deferred_unref(inner);
}

Test(deferred_timeout, timeout_added_while_waiting_for_another_deferred_cancels_that_one,
     .init = setup, .fini = teardown)
{
    /* Twisted schedules the timer whatever the state: a Deferred that fired but waits for another
     * one has no result yet, and the cancel goes to the one it waits for. */
    canceller_state s = {0};
    eddy_deferred *outer = new_deferred(), *inner = NULL;
    eddy_deferred_new(canceller, &s, &inner);
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    eddy_deferred_callback(outer, NULL, NULL);
    cr_assert_eq(eddy_deferred_add_timeout(outer, r, 3), 0);
    capture c = {0};
    capture_add(outer, &c);
    eddy_reactor_advance(r, 3);
    cr_assert_eq(s.calls, 1, "the inner Deferred was not cancelled");
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.code, EDDY_ETIMEOUT, "got code %d", c.code);
    eddy_deferred_unref(outer);
    eddy_deferred_unref(inner);
}

Test(deferred_timeout, timeout_of_a_paused_deferred_that_only_the_timer_holds_frees_it_once,
     .init = setup, .fini = teardown)
{
    uint64_t before = eddy_deferred_unhandled_errors();
    eddy_deferred *d = new_deferred();
    eddy_deferred_add_callbacks_full(d, NULL, NULL, tracked_new(1), tracked_free);
    cr_assert_eq(eddy_deferred_add_timeout(d, r, 1), 0);
    eddy_deferred_pause(d);
    eddy_deferred_unref(d);
    eddy_reactor_advance(r, 1); /* the timer's reference was the last: d goes with its entries */
    cr_assert_eq(tracked_alive(), 0);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before + 1,
                 "the cancellation was never handled");
}

Test(deferred_timeout, abandoned_deferred_still_times_out_and_is_then_freed, .init = setup,
     .fini = teardown)
{
    uint64_t before = eddy_deferred_unhandled_errors();
    eddy_deferred *d = new_deferred();
    eddy_deferred_add_timeout(d, r, 1);
    eddy_deferred_add_callbacks_full(d, NULL, NULL, tracked_new(1), tracked_free);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 1, "the timer keeps it alive");
    eddy_reactor_advance(r, 1);
    cr_assert_eq(tracked_alive(), 0);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before + 1, "nobody handled the timeout");
}

Test(deferred_timeout, timeout_on_a_fired_deferred_schedules_nothing, .init = setup,
     .fini = teardown)
{
    eddy_deferred *d = new_deferred();
    eddy_deferred_fire(d, tracked_result(1));
    cr_assert_eq(eddy_deferred_add_timeout(d, r, 1), 0);
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    eddy_deferred_unref(d);
}

Test(deferred_timeout, negative_or_nan_timeout_is_rejected, .init = setup, .fini = teardown)
{
    eddy_deferred *d = new_deferred();
    cr_assert_eq(eddy_deferred_add_timeout(d, r, -1), -EINVAL);
    cr_assert_eq(eddy_deferred_add_timeout(d, r, NAN), -EINVAL);
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    eddy_deferred_unref(d);
}

static eddy_result stop_reactor(eddy_result in, void *arg)
{
    eddy_reactor_stop(arg);
    return in;
}

Test(deferred_timeout, timeout_works_with_the_real_clock)
{
    r = test_reactor_new();
    eddy_deferred *d = new_deferred();
    cr_assert_eq(eddy_deferred_add_timeout(d, r, 0.02), 0);
    capture c = {0};
    eddy_deferred_add_both(d, stop_reactor, r);
    eddy_deferred_add_both(d, capture_fn, &c);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_eq(c.code, EDDY_ETIMEOUT);
    eddy_deferred_unref(d);
    eddy_reactor_free(r);
}
