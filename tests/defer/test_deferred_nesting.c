/* test_deferred_nesting.c - callbacks that return Deferreds: waiting, result hand-over, liveness,
 * and chains a million deep (which must not recurse). */
#include <stdlib.h>

#include "defer_helpers.h"

TestSuite(deferred_nesting, .timeout = 60);

#define DEEP 1000000

/* A callback that makes its Deferred wait for the Deferred given as arg. */
static eddy_result wait_for_arg(eddy_result in, void *arg)
{
    eddy_result_drop(in);
    return eddy_result_wait(eddy_deferred_ref(arg));
}

Test(deferred_nesting, callback_returning_unfired_deferred_pauses_chain_until_it_fires)
{
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    capture c = {0};
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    capture_add(outer, &c);
    eddy_deferred_callback(outer, NULL, NULL);
    cr_assert_eq(c.calls, 0);
    cr_assert(eddy_deferred_paused(outer));
    cr_assert_null(eddy_deferred_peek(outer), "no result while waiting");
    eddy_deferred_fire(inner, tracked_result(21));
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.value, 21);
    cr_assert_not(eddy_deferred_paused(outer));
    eddy_deferred_unref(outer);
    eddy_deferred_unref(inner);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_nesting, failure_of_the_inner_deferred_continues_the_outer_on_failure_track)
{
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    capture c = {0};
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    capture_add(outer, &c);
    eddy_deferred_callback(outer, NULL, NULL);
    eddy_deferred_errback(inner, eddy_failure_new(-ECONNRESET, "reset"));
    cr_assert(c.failed);
    cr_assert_eq(c.code, -ECONNRESET);
    eddy_deferred_unref(outer);
    eddy_deferred_unref(inner);
}

Test(deferred_nesting, callback_returning_fired_deferred_takes_its_result_at_once)
{
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    eddy_deferred_fire(inner, tracked_result(5));
    capture c = {0};
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    capture_add(outer, &c);
    eddy_deferred_callback(outer, NULL, NULL);
    cr_assert_eq(c.value, 5);
    eddy_deferred_unref(outer);
    eddy_deferred_unref(inner);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_nesting, inner_chain_is_consumed_and_left_with_none)
{
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    eddy_deferred_callback(outer, NULL, NULL);
    eddy_deferred_fire(inner, tracked_result(5));
    capture late = {0};
    capture_add(inner, &late);
    cr_assert_eq(late.calls, 1);
    cr_assert_not(late.failed);
    cr_assert_not(late.has_value, "the value moved to the outer Deferred");
    eddy_deferred_unref(outer);
    eddy_deferred_unref(inner);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_nesting, inner_callbacks_added_before_the_wait_run_first)
{
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    int before = 0;
    capture c = {0};
    eddy_deferred_add_callback(inner, count_pass, &before);
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    capture_add(outer, &c);
    eddy_deferred_callback(outer, NULL, NULL);
    eddy_deferred_fire(inner, tracked_result(1));
    cr_assert_eq(before, 1);
    cr_assert_eq(c.value, 1);
    eddy_deferred_unref(outer);
    eddy_deferred_unref(inner);
}

Test(deferred_nesting, paused_inner_deferred_with_a_result_is_waited_for)
{
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    eddy_deferred_pause(inner);
    eddy_deferred_fire(inner, tracked_result(2));
    capture c = {0};
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    capture_add(outer, &c);
    eddy_deferred_callback(outer, NULL, NULL);
    cr_assert_eq(c.calls, 0);
    eddy_deferred_unpause(inner);
    cr_assert_eq(c.value, 2);
    eddy_deferred_unref(outer);
    eddy_deferred_unref(inner);
}

Test(deferred_nesting, three_levels_resume_innermost_first)
{
    eddy_deferred *a = new_deferred(), *b = new_deferred(), *c3 = new_deferred();
    capture c = {0};
    eddy_deferred_add_callback(a, wait_for_arg, b);
    capture_add(a, &c);
    eddy_deferred_add_callback(b, wait_for_arg, c3);
    eddy_deferred_callback(a, NULL, NULL);
    eddy_deferred_callback(b, NULL, NULL);
    cr_assert_eq(c.calls, 0);
    eddy_deferred_fire(c3, tracked_result(3));
    cr_assert_eq(c.value, 3);
    eddy_deferred_unref(a);
    eddy_deferred_unref(b);
    eddy_deferred_unref(c3);
}

Test(deferred_nesting, waiting_deferred_is_kept_alive_by_the_one_it_waits_for)
{
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    capture c = {0};
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    capture_add(outer, &c);
    eddy_deferred_callback(outer, NULL, NULL);
    eddy_deferred_unref(outer); /* only inner's chain holds it now */
    eddy_deferred_fire(inner, tracked_result(8));
    cr_assert_eq(c.value, 8);
    eddy_deferred_unref(inner);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_nesting, abandoned_chain_is_freed_with_its_values_and_args)
{
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    eddy_deferred_add_callbacks_full(outer, NULL, NULL, tracked_new(1), tracked_free);
    eddy_deferred_add_callbacks_full(inner, NULL, NULL, tracked_new(2), tracked_free);
    eddy_deferred_callback(outer, NULL, NULL);
    eddy_deferred_unref(inner); /* nobody can fire inner any more */
    eddy_deferred_unref(outer);
    cr_assert_eq(tracked_alive(), 0); /* and ASan checks both Deferreds were freed */
}

Test(deferred_nesting, waiting_deferred_whose_inner_is_freed_stays_paused)
{
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    capture c = {0};
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    capture_add(outer, &c);
    eddy_deferred_callback(outer, NULL, NULL);
    eddy_deferred_unref(inner);
    eddy_deferred_unpause(outer); /* no pause() to undo: ignored */
    eddy_deferred_cancel(outer);  /* nothing left to cancel */
    cr_assert_eq(c.calls, 0);
    cr_assert(eddy_deferred_paused(outer));
    eddy_deferred_unref(outer);
}

static eddy_result return_self(eddy_result in, void *arg)
{
    eddy_result_drop(in);
    return eddy_result_wait(eddy_deferred_ref(arg));
}

Test(deferred_nesting, callback_returning_its_own_deferred_fails_with_einval)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    eddy_deferred_add_callback(d, return_self, d);
    capture_add(d, &c);
    eddy_deferred_callback(d, NULL, NULL);
    cr_assert_eq(c.code, -EINVAL);
    eddy_deferred_unref(d);
}

/* ds[i]'s callback waits for ds[i+1]; firing ds[0..DEEP-2] builds a chain DEEP long in which each
 * Deferred waits for the next. */
static eddy_deferred **build_deep_chain(capture *c)
{
    eddy_deferred **ds = malloc(DEEP * sizeof *ds);
    cr_assert_not_null(ds);
    for (size_t i = 0; i < DEEP; i++)
        ds[i] = new_deferred();
    for (size_t i = 0; i + 1 < DEEP; i++)
        cr_assert_eq(eddy_deferred_add_callback(ds[i], wait_for_arg, ds[i + 1]), 0);
    capture_add(ds[0], c);
    for (size_t i = 0; i + 1 < DEEP; i++)
        eddy_deferred_callback(ds[i], NULL, NULL);
    for (size_t i = 1; i + 1 < DEEP; i++)
        eddy_deferred_unref(ds[i]); /* kept alive by the next one */
    return ds;
}

Test(deferred_nesting, million_deep_chain_of_waiting_deferreds_fires_without_recursion)
{
    capture c = {0};
    eddy_deferred **ds = build_deep_chain(&c);
    cr_assert_eq(c.calls, 0);
    eddy_deferred_fire(ds[DEEP - 1], tracked_result(99));
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.value, 99);
    eddy_deferred_unref(ds[0]);
    eddy_deferred_unref(ds[DEEP - 1]);
    free(ds);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_nesting, million_deep_abandoned_chain_is_freed_without_recursion)
{
    capture c = {0};
    eddy_deferred **ds = build_deep_chain(&c);
    eddy_deferred_unref(ds[0]);
    eddy_deferred_unref(ds[DEEP - 1]); /* the whole chain goes with it */
    free(ds);
    cr_assert_eq(c.calls, 0);
}

Test(deferred_nesting, million_deep_chain_is_cancelled_from_the_outside_without_recursion)
{
    capture c = {0};
    eddy_deferred **ds = build_deep_chain(&c);
    eddy_deferred_cancel(ds[0]);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.code, EDDY_ECANCELLED);
    eddy_deferred_unref(ds[0]);
    eddy_deferred_unref(ds[DEEP - 1]);
    free(ds);
}

Test(deferred_nesting, million_deep_chain_of_chained_deferreds_fires_without_recursion)
{
    eddy_deferred **ds = malloc(DEEP * sizeof *ds);
    cr_assert_not_null(ds);
    for (size_t i = 0; i < DEEP; i++)
        ds[i] = new_deferred();
    for (size_t i = 0; i + 1 < DEEP; i++) {
        cr_assert_eq(eddy_deferred_chain(ds[i], ds[i + 1]), 0);
        if (i > 0)
            eddy_deferred_unref(ds[i]);
    }
    capture c = {0};
    capture_add(ds[DEEP - 1], &c);
    eddy_deferred_fire(ds[0], tracked_result(1));
    cr_assert_eq(c.value, 1);
    eddy_deferred_unref(ds[0]);
    eddy_deferred_unref(ds[DEEP - 1]);
    free(ds);
    cr_assert_eq(tracked_alive(), 0);
}
