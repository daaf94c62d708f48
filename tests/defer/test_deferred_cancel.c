/* test_deferred_cancel.c - cancellation in every state of a Deferred. */
#include "defer_helpers.h"

TestSuite(deferred_cancel, .timeout = 10);

typedef struct canceller_log {
    int calls;
    eddy_deferred *seen;
    int fire_code; /* 0: do not fire; else errback with this code */
    bool fire_value;
} canceller_log;

static void log_canceller(eddy_deferred *d, void *arg)
{
    canceller_log *l = arg;
    l->calls++;
    l->seen = d;
    if (l->fire_value)
        eddy_deferred_fire(d, tracked_result(77));
    else if (l->fire_code)
        eddy_deferred_errback(d, eddy_failure_new(l->fire_code, "stopped by canceller"));
}

static eddy_deferred *new_cancellable(canceller_log *l)
{
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_deferred_new(log_canceller, l, &d), 0);
    return d;
}

static eddy_result wait_for_arg(eddy_result in, void *arg)
{
    eddy_result_drop(in);
    return eddy_result_wait(eddy_deferred_ref(arg));
}

Test(deferred_cancel, cancel_before_fire_without_canceller_errbacks_with_cancelled)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_cancel(d);
    cr_assert(eddy_deferred_called(d));
    cr_assert_eq(c.code, EDDY_ECANCELLED);
    eddy_deferred_unref(d);
}

Test(deferred_cancel, late_fire_after_cancel_without_canceller_is_dropped_once)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_cancel(d);
    cr_assert_eq(eddy_deferred_fire(d, tracked_result(1)), 0, "the work could not be stopped");
    cr_assert_eq(tracked_alive(), 0, "its late value is freed");
    cr_assert_eq(eddy_deferred_fire(d, tracked_result(2)), EDDY_EALREADYCALLED);
    cr_assert_eq(c.calls, 1);
    eddy_deferred_unref(d);
}

Test(deferred_cancel, cancel_calls_the_canceller_with_the_deferred_and_its_arg)
{
    canceller_log l = {0};
    eddy_deferred *d = new_cancellable(&l);
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_cancel(d);
    cr_assert_eq(l.calls, 1);
    cr_assert_eq(l.seen, d);
    cr_assert_eq(c.code, EDDY_ECANCELLED, "a canceller that does not fire leads to cancelled");
    eddy_deferred_unref(d);
}

Test(deferred_cancel, canceller_that_fires_decides_the_result)
{
    canceller_log l = {.fire_code = -ECONNABORTED};
    eddy_deferred *d = new_cancellable(&l);
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_cancel(d);
    cr_assert_eq(c.code, -ECONNABORTED);
    eddy_deferred_unref(d);
}

Test(deferred_cancel, canceller_may_fire_with_a_value)
{
    canceller_log l = {.fire_value = true};
    eddy_deferred *d = new_cancellable(&l);
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_cancel(d);
    cr_assert_not(c.failed);
    cr_assert_eq(c.value, 77);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_cancel, late_fire_after_cancel_with_a_canceller_is_already_called)
{
    canceller_log l = {0};
    eddy_deferred *d = new_cancellable(&l);
    eddy_deferred_add_errback(d, capture_fn, &(capture){0});
    eddy_deferred_cancel(d);
    cr_assert_eq(eddy_deferred_fire(d, tracked_result(1)), EDDY_EALREADYCALLED);
    cr_assert_eq(tracked_alive(), 0);
    eddy_deferred_unref(d);
}

Test(deferred_cancel, cancel_after_fire_changes_nothing_and_skips_the_canceller)
{
    canceller_log l = {0};
    eddy_deferred *d = new_cancellable(&l);
    eddy_deferred_fire(d, tracked_result(4));
    eddy_deferred_cancel(d);
    cr_assert_eq(l.calls, 0);
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.value, 4);
    eddy_deferred_unref(d);
}

Test(deferred_cancel, cancelling_twice_calls_the_canceller_once)
{
    canceller_log l = {0};
    eddy_deferred *d = new_cancellable(&l);
    eddy_deferred_add_errback(d, capture_fn, &(capture){0});
    eddy_deferred_cancel(d);
    eddy_deferred_cancel(d);
    cr_assert_eq(l.calls, 1);
    eddy_deferred_unref(d);
}

Test(deferred_cancel, cancel_of_a_paused_fired_deferred_is_a_no_op)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_pause(d);
    eddy_deferred_fire(d, tracked_result(3));
    eddy_deferred_cancel(d);
    eddy_deferred_unpause(d);
    cr_assert_not(c.failed);
    cr_assert_eq(c.value, 3);
    eddy_deferred_unref(d);
}

Test(deferred_cancel, cancel_of_a_waiting_deferred_cancels_the_inner_one)
{
    canceller_log l = {0};
    eddy_deferred *outer = new_deferred(), *inner = new_cancellable(&l);
    capture c = {0};
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    capture_add(outer, &c);
    eddy_deferred_callback(outer, NULL, NULL);
    eddy_deferred_cancel(outer);
    cr_assert_eq(l.calls, 1);
    cr_assert_eq(l.seen, inner);
    cr_assert_eq(c.code, EDDY_ECANCELLED, "the inner failure continues the outer chain");
    eddy_deferred_unref(outer);
    eddy_deferred_unref(inner);
}

Test(deferred_cancel, cancel_of_a_waiting_deferred_whose_inner_has_fired_but_is_paused_is_a_no_op)
{
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    eddy_deferred_pause(inner);
    eddy_deferred_fire(inner, tracked_result(1));
    capture c = {0};
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    capture_add(outer, &c);
    eddy_deferred_callback(outer, NULL, NULL);
    eddy_deferred_cancel(outer);
    eddy_deferred_unpause(inner);
    cr_assert_eq(c.value, 1);
    eddy_deferred_unref(outer);
    eddy_deferred_unref(inner);
}

static eddy_result cancel_self(eddy_result in, void *arg)
{
    eddy_deferred_cancel(arg);
    return in;
}

Test(deferred_cancel, cancel_from_inside_its_own_callback_is_a_no_op)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    eddy_deferred_add_callback(d, cancel_self, d);
    capture_add(d, &c);
    eddy_deferred_fire(d, tracked_result(2));
    cr_assert_eq(c.value, 2);
    eddy_deferred_unref(d);
}

Test(deferred_cancel, cancelled_chain_target_swallows_the_later_result)
{
    eddy_deferred *d = new_deferred(), *target = new_deferred();
    capture mine = {0}, theirs = {0};
    capture_add(target, &theirs);
    eddy_deferred_chain(d, target);
    capture_add(d, &mine);
    eddy_deferred_cancel(target);
    eddy_deferred_fire(d, tracked_result(1));
    cr_assert_eq(theirs.code, EDDY_ECANCELLED);
    cr_assert_not(mine.failed, "no already-called error for a target cancelled without canceller");
    cr_assert_eq(tracked_alive(), 0);
    eddy_deferred_unref(d);
    eddy_deferred_unref(target);
}

Test(deferred_cancel, cancelling_an_unfired_deferred_frees_every_callback_arg)
{
    eddy_deferred *d = new_deferred();
    eddy_deferred_add_callbacks_full(d, NULL, NULL, tracked_new(1), tracked_free);
    eddy_deferred_add_errback(d, capture_fn, &(capture){0});
    eddy_deferred_add_callbacks_full(d, NULL, NULL, tracked_new(2), tracked_free);
    eddy_deferred_cancel(d);
    cr_assert_eq(tracked_alive(), 0);
    eddy_deferred_unref(d);
}
