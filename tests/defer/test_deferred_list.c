/* test_deferred_list.c - DeferredList, gather_results and race, with mixed outcomes. */
#include "defer_helpers.h"

TestSuite(deferred_list, .timeout = 10);

static void make_inputs(eddy_deferred **ds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ds[i] = new_deferred();
}

static void drop_inputs(eddy_deferred **ds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        eddy_deferred_unref(ds[i]);
}

/* Keeps the value of the combined Deferred for inspection (freed by the test). */
typedef struct kept {
    int calls;
    eddy_result r;
} kept;

static eddy_result keep(eddy_result in, void *arg)
{
    kept *k = arg;
    k->calls++;
    k->r = in;
    return eddy_result_none();
}

static int tracked_at(const eddy_result_list *l, size_t i)
{
    return *(int *)l->results[i].value;
}

Test(deferred_list, fires_after_the_last_input_with_every_result_in_input_order)
{
    eddy_deferred *ds[3], *dl = NULL;
    make_inputs(ds, 3);
    cr_assert_eq(eddy_deferred_list(ds, 3, EDDY_DL_CONSUME_ERRORS, &dl), 0);
    kept k = {0};
    eddy_deferred_add_both(dl, keep, &k);
    eddy_deferred_fire(ds[2], tracked_result(30));
    eddy_deferred_errback(ds[1], eddy_failure_new(-EIO, "disk"));
    cr_assert_eq(k.calls, 0);
    eddy_deferred_fire(ds[0], tracked_result(10));
    cr_assert_eq(k.calls, 1);
    cr_assert_not(eddy_result_is_failure(&k.r));
    const eddy_result_list *l = k.r.value;
    cr_assert_eq(l->count, 3);
    cr_assert_eq(tracked_at(l, 0), 10);
    cr_assert_eq(eddy_failure_code(l->results[1].failure), -EIO);
    cr_assert_eq(tracked_at(l, 2), 30);
    eddy_result_drop(k.r);
    drop_inputs(ds, 3);
    eddy_deferred_unref(dl);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_list, inputs_that_already_fired_count_at_once)
{
    eddy_deferred *ds[2], *dl = NULL;
    make_inputs(ds, 2);
    eddy_deferred_fire(ds[0], tracked_result(1));
    eddy_deferred_fire(ds[1], tracked_result(2));
    cr_assert_eq(eddy_deferred_list(ds, 2, 0, &dl), 0);
    kept k = {0};
    eddy_deferred_add_both(dl, keep, &k);
    cr_assert_eq(k.calls, 1);
    cr_assert_eq(tracked_at(k.r.value, 1), 2);
    eddy_result_drop(k.r);
    drop_inputs(ds, 2);
    eddy_deferred_unref(dl);
}

Test(deferred_list, empty_list_fires_at_once_with_no_results)
{
    eddy_deferred *dl = NULL;
    cr_assert_eq(eddy_deferred_list(NULL, 0, 0, &dl), 0);
    kept k = {0};
    eddy_deferred_add_both(dl, keep, &k);
    cr_assert_eq(k.calls, 1);
    cr_assert_eq(((eddy_result_list *)k.r.value)->count, 0);
    eddy_result_drop(k.r);
    eddy_deferred_unref(dl);
}

Test(deferred_list, fire_on_one_callback_fires_with_the_first_success_and_its_index)
{
    eddy_deferred *ds[3], *dl = NULL;
    make_inputs(ds, 3);
    cr_assert_eq(
        eddy_deferred_list(ds, 3, EDDY_DL_FIRE_ON_ONE_CALLBACK | EDDY_DL_CONSUME_ERRORS, &dl), 0);
    kept k = {0};
    eddy_deferred_add_both(dl, keep, &k);
    eddy_deferred_errback(ds[0], NULL);
    cr_assert_eq(k.calls, 0, "a failure does not fire it");
    eddy_deferred_fire(ds[2], tracked_result(5));
    cr_assert_eq(k.calls, 1);
    const eddy_first_result *first = k.r.value;
    cr_assert_eq(first->index, 2);
    cr_assert_eq(*(int *)first->value, 5);
    eddy_deferred_fire(ds[1], tracked_result(6));
    cr_assert_eq(k.calls, 1);
    cr_assert_eq(tracked_alive(), 2, "a later value stays in its input");
    eddy_result_drop(k.r);
    drop_inputs(ds, 3);
    eddy_deferred_unref(dl);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_list, fire_on_one_callback_with_every_input_failing_fires_with_the_list)
{
    eddy_deferred *ds[2], *dl = NULL;
    make_inputs(ds, 2);
    eddy_deferred_list(ds, 2, EDDY_DL_FIRE_ON_ONE_CALLBACK | EDDY_DL_CONSUME_ERRORS, &dl);
    kept k = {0};
    eddy_deferred_add_both(dl, keep, &k);
    eddy_deferred_errback(ds[0], eddy_failure_new(-EIO, "a"));
    eddy_deferred_errback(ds[1], eddy_failure_new(-EPIPE, "b"));
    const eddy_result_list *l = k.r.value;
    cr_assert_eq(l->count, 2);
    cr_assert_eq(eddy_failure_code(l->results[1].failure), -EPIPE);
    eddy_result_drop(k.r);
    drop_inputs(ds, 2);
    eddy_deferred_unref(dl);
}

Test(deferred_list, fire_on_one_errback_fails_with_the_first_failure_wrapped)
{
    eddy_deferred *ds[3], *dl = NULL;
    make_inputs(ds, 3);
    eddy_deferred_list(ds, 3, EDDY_DL_FIRE_ON_ONE_ERRBACK | EDDY_DL_CONSUME_ERRORS, &dl);
    capture c = {0};
    capture_add(dl, &c);
    eddy_deferred_fire(ds[0], tracked_result(1));
    eddy_deferred_errback(ds[1], eddy_failure_new(-ETIMEDOUT, "slow"));
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.code, -ETIMEDOUT);
    eddy_deferred_errback(ds[2], eddy_failure_new(-EIO, "later"));
    cr_assert_eq(c.calls, 1);
    drop_inputs(ds, 3);
    eddy_deferred_unref(dl);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_list, first_failure_keeps_the_original_as_cause)
{
    eddy_deferred *ds[1], *dl = NULL;
    make_inputs(ds, 1);
    eddy_deferred_list(ds, 1, EDDY_DL_FIRE_ON_ONE_ERRBACK | EDDY_DL_CONSUME_ERRORS, &dl);
    kept k = {0};
    eddy_deferred_add_both(dl, keep, &k);
    eddy_failure *orig = eddy_failure_new(-ECONNREFUSED, "original");
    eddy_deferred_errback(ds[0], eddy_failure_ref(orig));
    cr_assert_eq(eddy_failure_cause(k.r.failure), orig);
    eddy_failure_unref(orig);
    eddy_result_drop(k.r);
    drop_inputs(ds, 1);
    eddy_deferred_unref(dl);
}

Test(deferred_list, consume_errors_leaves_none_in_failed_inputs)
{
    uint64_t before = eddy_deferred_unhandled_errors();
    eddy_deferred *ds[2], *dl = NULL;
    make_inputs(ds, 2);
    eddy_deferred_list(ds, 2, EDDY_DL_CONSUME_ERRORS, &dl);
    eddy_deferred_errback(ds[0], NULL);
    eddy_deferred_errback(ds[1], NULL);
    capture after = {0};
    capture_add(ds[0], &after);
    cr_assert_not(after.failed);
    eddy_deferred_add_both(dl, capture_fn, &(capture){0});
    drop_inputs(ds, 2);
    eddy_deferred_unref(dl);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before);
}

Test(deferred_list, without_consume_errors_failed_inputs_keep_their_failure)
{
    uint64_t before = eddy_deferred_unhandled_errors();
    eddy_deferred *ds[1], *dl = NULL;
    make_inputs(ds, 1);
    eddy_deferred_list(ds, 1, 0, &dl);
    eddy_deferred_errback(ds[0], NULL);
    eddy_deferred_add_both(dl, capture_fn, &(capture){0});
    eddy_deferred_unref(dl);
    eddy_deferred_unref(ds[0]);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before + 1, "reported by the input");
}

Test(deferred_list, cancelling_the_list_cancels_inputs_that_have_not_fired)
{
    eddy_deferred *ds[2], *dl = NULL;
    make_inputs(ds, 2);
    eddy_deferred_fire(ds[0], tracked_result(1));
    eddy_deferred_list(ds, 2, EDDY_DL_CONSUME_ERRORS, &dl);
    kept k = {0};
    eddy_deferred_add_both(dl, keep, &k);
    eddy_deferred_cancel(dl);
    cr_assert_eq(k.calls, 1);
    const eddy_result_list *l = k.r.value;
    cr_assert_eq(tracked_at(l, 0), 1);
    cr_assert_eq(eddy_failure_code(l->results[1].failure), EDDY_ECANCELLED);
    eddy_result_drop(k.r);
    drop_inputs(ds, 2);
    eddy_deferred_unref(dl);
}

Test(deferred_list, list_fires_even_after_the_caller_dropped_it)
{
    eddy_deferred *ds[1], *dl = NULL;
    make_inputs(ds, 1);
    eddy_deferred_list(ds, 1, 0, &dl);
    capture c = {0};
    capture_add(dl, &c);
    eddy_deferred_unref(dl);
    eddy_deferred_fire(ds[0], tracked_result(1));
    cr_assert_eq(c.calls, 1);
    drop_inputs(ds, 1);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_list, list_over_abandoned_inputs_is_freed_with_them)
{
    eddy_deferred *ds[2], *dl = NULL;
    make_inputs(ds, 2);
    eddy_deferred_fire(ds[0], tracked_result(1));
    eddy_deferred_list(ds, 2, 0, &dl);
    eddy_deferred_add_callbacks_full(dl, NULL, NULL, tracked_new(2), tracked_free);
    drop_inputs(ds, 2);
    eddy_deferred_cancel(dl); /* the inputs are gone: nothing to cancel but dl itself */
    eddy_deferred_add_errback(dl, capture_fn, &(capture){0});
    eddy_deferred_unref(dl);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_list, gather_results_fires_with_every_value)
{
    eddy_deferred *ds[2], *g = NULL;
    make_inputs(ds, 2);
    cr_assert_eq(eddy_gather_results(ds, 2, false, &g), 0);
    kept k = {0};
    eddy_deferred_add_both(g, keep, &k);
    eddy_deferred_fire(ds[1], tracked_result(2));
    eddy_deferred_fire(ds[0], tracked_result(1));
    const eddy_result_list *l = k.r.value;
    cr_assert_eq(tracked_at(l, 0), 1);
    cr_assert_eq(tracked_at(l, 1), 2);
    eddy_result_drop(k.r);
    drop_inputs(ds, 2);
    eddy_deferred_unref(g);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_list, gather_results_fails_as_soon_as_one_input_fails)
{
    eddy_deferred *ds[2], *g = NULL;
    make_inputs(ds, 2);
    eddy_gather_results(ds, 2, true, &g);
    capture c = {0};
    capture_add(g, &c);
    eddy_deferred_errback(ds[1], eddy_failure_new(-EACCES, "no"));
    cr_assert_eq(c.code, -EACCES);
    eddy_deferred_fire(ds[0], tracked_result(1));
    drop_inputs(ds, 2);
    eddy_deferred_unref(g);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_list, gather_results_without_consume_errors_leaves_the_failure_in_the_input)
{
    eddy_deferred *ds[1], *g = NULL;
    make_inputs(ds, 1);
    eddy_gather_results(ds, 1, false, &g);
    eddy_deferred_add_both(g, capture_fn, &(capture){0});
    eddy_deferred_errback(ds[0], NULL);
    cr_assert(eddy_result_is_failure(eddy_deferred_peek(ds[0])));
    eddy_deferred_add_errback(ds[0], capture_fn, &(capture){0});
    drop_inputs(ds, 1);
    eddy_deferred_unref(g);
}

Test(deferred_list, race_fires_with_the_first_success_and_cancels_the_others)
{
    eddy_deferred *ds[3], *r = NULL;
    make_inputs(ds, 3);
    cr_assert_eq(eddy_race(ds, 3, &r), 0);
    kept k = {0};
    eddy_deferred_add_both(r, keep, &k);
    eddy_deferred_errback(ds[0], NULL);
    cr_assert_eq(k.calls, 0, "a failure does not end the race");
    eddy_deferred_fire(ds[1], tracked_result(11));
    cr_assert_eq(k.calls, 1);
    const eddy_first_result *first = k.r.value;
    cr_assert_eq(first->index, 1);
    cr_assert_eq(*(int *)first->value, 11);
    cr_assert(eddy_deferred_called(ds[2]), "the loser was cancelled");
    eddy_result_drop(k.r);
    uint64_t before = eddy_deferred_unhandled_errors();
    drop_inputs(ds, 3);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before, "race consumes its inputs' failures");
    eddy_deferred_unref(r);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_list, race_with_every_input_failing_fails_with_the_first_failure_code)
{
    eddy_deferred *ds[2], *r = NULL;
    make_inputs(ds, 2);
    eddy_race(ds, 2, &r);
    capture c = {0};
    capture_add(r, &c);
    eddy_deferred_errback(ds[1], eddy_failure_new(-EHOSTUNREACH, "first"));
    cr_assert_eq(c.calls, 0);
    eddy_deferred_errback(ds[0], eddy_failure_new(-EIO, "second"));
    cr_assert_eq(c.code, -EHOSTUNREACH);
    drop_inputs(ds, 2);
    eddy_deferred_unref(r);
}

Test(deferred_list, cancelling_a_race_cancels_every_input)
{
    eddy_deferred *ds[2], *r = NULL;
    make_inputs(ds, 2);
    eddy_race(ds, 2, &r);
    capture c = {0};
    capture_add(r, &c);
    eddy_deferred_cancel(r);
    cr_assert(eddy_deferred_called(ds[0]));
    cr_assert(eddy_deferred_called(ds[1]));
    cr_assert_eq(c.code, EDDY_ECANCELLED);
    drop_inputs(ds, 2);
    eddy_deferred_unref(r);
}

Test(deferred_list, race_of_nothing_and_null_inputs_are_rejected)
{
    eddy_deferred *r = NULL, *ds[2] = {new_deferred(), NULL};
    cr_assert_eq(eddy_race(NULL, 0, &r), -EINVAL);
    cr_assert_eq(eddy_deferred_list(ds, 2, 0, &r), -EINVAL);
    eddy_deferred_unref(ds[0]);
}
