/* test_deferred_chain.c - the callback chain: tracks, pairs, firing, pausing, ownership. */
#include <stdlib.h>

#include "defer_helpers.h"

TestSuite(deferred_chain, .timeout = 10);

static eddy_result double_it(eddy_result in, void *arg)
{
    int v = *(int *)in.value;
    eddy_result_drop(in);
    return tracked_result(v * 2);
}

static eddy_result fail_with_arg_code(eddy_result in, void *arg)
{
    eddy_result_drop(in);
    return eddy_result_error(*(int *)arg, "failed on purpose");
}

static eddy_result fail_eproto(eddy_result in, void *arg)
{
    eddy_result_drop(in);
    return eddy_result_error(-EPROTO, "bad");
}

static eddy_result recover_with_7(eddy_result in, void *arg)
{
    eddy_result_drop(in);
    return tracked_result(7);
}

Test(deferred_chain, callback_receives_the_fired_value)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.calls, 0);
    cr_assert_eq(eddy_deferred_fire(d, tracked_result(42)), 0);
    cr_assert_eq(c.calls, 1);
    cr_assert_not(c.failed);
    cr_assert_eq(c.value, 42);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_chain, errback_receives_the_fired_failure)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(eddy_deferred_errback(d, eddy_failure_new(-ECONNREFUSED, "refused")), 0);
    cr_assert_eq(c.calls, 1);
    cr_assert(c.failed);
    cr_assert_eq(c.code, -ECONNREFUSED);
    eddy_deferred_unref(d);
}

Test(deferred_chain, each_callback_return_is_the_next_input)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    eddy_deferred_add_callback(d, double_it, NULL);
    eddy_deferred_add_callback(d, double_it, NULL);
    capture_add(d, &c);
    eddy_deferred_fire(d, tracked_result(3));
    cr_assert_eq(c.value, 12);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_chain, failure_skips_callbacks_until_an_errback)
{
    eddy_deferred *d = new_deferred();
    int skipped = 0;
    capture c = {0};
    eddy_deferred_add_callback(d, count_pass, &skipped);
    eddy_deferred_add_callback(d, count_pass, &skipped);
    eddy_deferred_add_errback(d, capture_fn, &c);
    eddy_deferred_errback(d, eddy_failure_new(EDDY_EFAILED, "boom"));
    cr_assert_eq(skipped, 0);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.code, EDDY_EFAILED);
    eddy_deferred_unref(d);
}

Test(deferred_chain, value_skips_errbacks_until_a_callback)
{
    eddy_deferred *d = new_deferred();
    int skipped = 0;
    capture c = {0};
    eddy_deferred_add_errback(d, count_pass, &skipped);
    eddy_deferred_add_callback(d, capture_fn, &c);
    eddy_deferred_fire(d, tracked_result(1));
    cr_assert_eq(skipped, 0);
    cr_assert_eq(c.value, 1);
    eddy_deferred_unref(d);
}

Test(deferred_chain, errback_returning_a_value_switches_back_to_success)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    eddy_deferred_add_errback(d, recover_with_7, NULL);
    capture_add(d, &c);
    eddy_deferred_errback(d, eddy_failure_new(EDDY_EFAILED, "boom"));
    cr_assert_not(c.failed);
    cr_assert_eq(c.value, 7);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_chain, callback_returning_a_failure_switches_to_failure_track)
{
    eddy_deferred *d = new_deferred();
    int code = -EPIPE, later = 0;
    capture c = {0};
    eddy_deferred_add_callback(d, fail_with_arg_code, &code);
    eddy_deferred_add_callback(d, count_pass, &later);
    eddy_deferred_add_errback(d, capture_fn, &c);
    eddy_deferred_fire(d, tracked_result(1));
    cr_assert_eq(later, 0);
    cr_assert_eq(c.code, -EPIPE);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_chain, failure_from_callback_does_not_reach_errback_of_same_pair)
{
    eddy_deferred *d = new_deferred();
    capture same_pair = {0}, next_pair = {0};
    eddy_deferred_add_callbacks(d, fail_eproto, capture_fn, &same_pair);
    eddy_deferred_add_errback(d, capture_fn, &next_pair);
    eddy_deferred_fire(d, tracked_result(1));
    cr_assert_eq(same_pair.calls, 0, "the errback of the same pair does not see it");
    cr_assert_eq(next_pair.calls, 1, "the next pair's errback handles it");
    cr_assert_eq(next_pair.code, -EPROTO);
    eddy_deferred_unref(d);
}

static eddy_result record_which(eddy_result in, void *arg)
{
    *(char *)arg = in.failure ? 'e' : 'c';
    return in;
}

Test(deferred_chain, pair_runs_only_the_errback_for_a_failure)
{
    eddy_deferred *d = new_deferred();
    char which = 0;
    eddy_deferred_add_callbacks(d, double_it, record_which, &which);
    eddy_deferred_add_errback(d, recover_with_7, NULL);
    eddy_deferred_errback(d, NULL);
    cr_assert_eq(which, 'e');
    eddy_deferred_unref(d);
}

Test(deferred_chain, add_both_runs_for_success_and_for_failure)
{
    char a = 0, b = 0;
    eddy_deferred *ok = new_deferred(), *bad = new_deferred();
    eddy_deferred_add_both(ok, record_which, &a);
    eddy_deferred_add_both(bad, record_which, &b);
    eddy_deferred_callback(ok, NULL, NULL);
    eddy_deferred_errback(bad, eddy_failure_new(EDDY_EFAILED, "x"));
    cr_assert_eq(a, 'c');
    cr_assert_eq(b, 'e');
    eddy_deferred_add_errback(bad, recover_with_7, NULL);
    eddy_deferred_unref(ok);
    eddy_deferred_unref(bad);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_chain, callback_added_to_fired_deferred_runs_at_once)
{
    eddy_deferred *d = new_deferred();
    eddy_deferred_fire(d, tracked_result(5));
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.value, 5);
    eddy_deferred_unref(d);
}

Test(deferred_chain, firing_twice_fails_with_already_called_and_frees_the_second_value)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(eddy_deferred_fire(d, tracked_result(1)), 0);
    cr_assert_eq(eddy_deferred_fire(d, tracked_result(2)), EDDY_EALREADYCALLED);
    cr_assert_eq(eddy_deferred_errback(d, eddy_failure_new(EDDY_EFAILED, "late")),
                 EDDY_EALREADYCALLED);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.value, 1);
    cr_assert_eq(tracked_alive(), 0);
    eddy_deferred_unref(d);
}

Test(deferred_chain, firing_with_a_failure_result_runs_the_errbacks)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_fire(d, eddy_result_error(EDDY_ETIMEOUT, "slow"));
    cr_assert(c.failed);
    cr_assert_eq(c.code, EDDY_ETIMEOUT);
    eddy_deferred_unref(d);
}

Test(deferred_chain, firing_with_a_wait_result_is_rejected)
{
    eddy_deferred *d = new_deferred(), *other = new_deferred();
    cr_assert_eq(eddy_deferred_fire(d, eddy_result_wait(other)), -EINVAL);
    cr_assert_not(eddy_deferred_called(d));
    eddy_deferred_unref(d);
}

Test(deferred_chain, errback_with_null_failure_gives_a_generic_failure)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_errback(d, NULL);
    cr_assert_eq(c.code, EDDY_EFAILED);
    eddy_deferred_unref(d);
}

/* Re-entrancy: a callback that adds a callback to its own Deferred does not run it nested. */
typedef struct reentry {
    eddy_deferred *d;
    bool inside;
    bool nested;
    int order[3];
    int n;
} reentry;

static eddy_result second(eddy_result in, void *arg)
{
    reentry *r = arg;
    r->nested = r->inside;
    r->order[r->n++] = 2;
    return in;
}

static eddy_result first_adds_second(eddy_result in, void *arg)
{
    reentry *r = arg;
    r->inside = true;
    r->order[r->n++] = 1;
    eddy_deferred_add_callback(r->d, second, r);
    r->inside = false;
    return in;
}

Test(deferred_chain, callback_added_from_a_running_callback_runs_after_it_not_inside_it)
{
    reentry r = {.d = new_deferred()};
    eddy_deferred_add_callback(r.d, first_adds_second, &r);
    eddy_deferred_callback(r.d, NULL, NULL);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.order[0], 1);
    cr_assert_eq(r.order[1], 2);
    cr_assert_not(r.nested);
    eddy_deferred_unref(r.d);
}

Test(deferred_chain, pause_holds_the_chain_until_unpause)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_pause(d);
    eddy_deferred_fire(d, tracked_result(9));
    cr_assert(eddy_deferred_called(d));
    cr_assert(eddy_deferred_paused(d));
    cr_assert_eq(c.calls, 0);
    eddy_deferred_unpause(d);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.value, 9);
    eddy_deferred_unref(d);
}

Test(deferred_chain, pauses_are_counted)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_pause(d);
    eddy_deferred_pause(d);
    eddy_deferred_callback(d, NULL, NULL);
    eddy_deferred_unpause(d);
    cr_assert_eq(c.calls, 0);
    eddy_deferred_unpause(d);
    cr_assert_eq(c.calls, 1);
    eddy_deferred_unref(d);
}

Test(deferred_chain, callback_added_while_paused_waits_for_unpause)
{
    eddy_deferred *d = new_deferred();
    eddy_deferred_callback(d, NULL, NULL);
    eddy_deferred_pause(d);
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.calls, 0);
    eddy_deferred_unpause(d);
    cr_assert_eq(c.calls, 1);
    eddy_deferred_unref(d);
}

Test(deferred_chain, unpause_without_pause_is_ignored)
{
    eddy_deferred *d = new_deferred();
    eddy_deferred_unpause(d);
    cr_assert_not(eddy_deferred_paused(d));
    eddy_deferred_pause(d);
    eddy_deferred_unpause(d);
    eddy_deferred_unpause(d);
    cr_assert_not(eddy_deferred_paused(d));
    eddy_deferred_unref(d);
}

Test(deferred_chain, value_left_at_end_of_chain_is_freed_with_the_deferred)
{
    eddy_deferred *d = new_deferred();
    int n = 0;
    eddy_deferred_add_callback(d, count_pass, &n);
    eddy_deferred_fire(d, tracked_result(1));
    cr_assert_eq(tracked_alive(), 1);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_chain, value_of_unfired_deferred_is_never_made_and_args_are_freed)
{
    eddy_deferred *d = new_deferred();
    eddy_deferred_add_callbacks_full(d, double_it, NULL, tracked_new(1), tracked_free);
    eddy_deferred_add_callbacks_full(d, NULL, recover_with_7, tracked_new(2), tracked_free);
    cr_assert_eq(tracked_alive(), 2);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

static eddy_result check_arg_alive(eddy_result in, void *arg)
{
    cr_assert_eq(*(int *)arg, 11, "arg is valid while its pair runs");
    return in;
}

Test(deferred_chain, arg_free_runs_once_right_after_the_pair_ran)
{
    eddy_deferred *d = new_deferred();
    eddy_deferred_add_callbacks_full(d, check_arg_alive, NULL, tracked_new(11), tracked_free);
    eddy_deferred_add_callbacks_full(d, NULL, check_arg_alive, tracked_new(11), tracked_free);
    eddy_deferred_callback(d, NULL, NULL);
    cr_assert_eq(tracked_alive(), 0, "the skipped pair's arg is freed too");
    eddy_deferred_unref(d);
}

Test(deferred_chain, peek_shows_the_current_result)
{
    eddy_deferred *d = new_deferred();
    cr_assert_null(eddy_deferred_peek(d));
    eddy_deferred_add_callback(d, double_it, NULL);
    eddy_deferred_fire(d, tracked_result(4));
    const eddy_result *r = eddy_deferred_peek(d);
    cr_assert_not_null(r);
    cr_assert_eq(*(int *)r->value, 8);
    eddy_deferred_unref(d);
}

static eddy_result unref_self(eddy_result in, void *arg)
{
    eddy_deferred_unref(arg);
    return in;
}

Test(deferred_chain, dropping_the_last_reference_inside_a_callback_finishes_the_chain_first)
{
    eddy_deferred *d = new_deferred();
    capture c = {0};
    eddy_deferred_add_callback(d, unref_self, d);
    capture_add(d, &c);
    eddy_deferred_fire(d, tracked_result(3));
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_chain, chain_hands_the_result_to_the_other_deferred_and_leaves_none)
{
    eddy_deferred *d = new_deferred(), *other = new_deferred();
    capture mine = {0}, theirs = {0};
    capture_add(other, &theirs);
    cr_assert_eq(eddy_deferred_chain(d, other), 0);
    capture_add(d, &mine);
    eddy_deferred_fire(d, tracked_result(6));
    cr_assert_eq(theirs.value, 6);
    cr_assert_eq(mine.calls, 1);
    cr_assert_not(mine.failed);
    cr_assert_not(mine.has_value);
    eddy_deferred_unref(d);
    eddy_deferred_unref(other);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_chain, chain_keeps_the_other_deferred_alive_until_it_fires_it)
{
    eddy_deferred *d = new_deferred(), *other = new_deferred();
    capture theirs = {0};
    capture_add(other, &theirs);
    eddy_deferred_chain(d, other);
    eddy_deferred_unref(other);
    eddy_deferred_errback(d, eddy_failure_new(-EIO, "io"));
    cr_assert_eq(theirs.code, -EIO);
    eddy_deferred_unref(d);
}

Test(deferred_chain, chain_into_a_fired_deferred_fails_with_already_called)
{
    eddy_deferred *d = new_deferred(), *other = new_deferred();
    eddy_deferred_callback(other, NULL, NULL);
    capture mine = {0};
    eddy_deferred_chain(d, other);
    capture_add(d, &mine);
    eddy_deferred_fire(d, tracked_result(1));
    cr_assert_eq(mine.code, EDDY_EALREADYCALLED);
    eddy_deferred_unref(d);
    eddy_deferred_unref(other);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_chain, chain_to_itself_is_rejected)
{
    eddy_deferred *d = new_deferred();
    cr_assert_eq(eddy_deferred_chain(d, d), -EINVAL);
    eddy_deferred_unref(d);
}
