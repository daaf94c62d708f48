/* test_deferred_ready.c - ready-made Deferreds: succeed, fail, maybe_deferred. */
#include "defer_helpers.h"

TestSuite(deferred_ready, .timeout = 10);

Test(deferred_ready, succeed_gives_a_fired_deferred_with_the_value)
{
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_deferred_succeed(tracked_new(3), tracked_free, &d), 0);
    cr_assert(eddy_deferred_called(d));
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.value, 3);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_ready, fail_gives_a_fired_deferred_with_the_failure)
{
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_deferred_fail(eddy_failure_new(-ENOENT, "gone"), &d), 0);
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.code, -ENOENT);
    eddy_deferred_unref(d);
}

static eddy_result give_value(void *arg)
{
    return tracked_result(*(int *)arg);
}

static eddy_result give_failure(void *arg)
{
    return eddy_result_error(-EACCES, "denied");
}

static eddy_result give_wait(void *arg)
{
    return eddy_result_wait(eddy_deferred_ref(arg));
}

Test(deferred_ready, maybe_deferred_wraps_a_value)
{
    int v = 12;
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_maybe_deferred(give_value, &v, &d), 0);
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.value, 12);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_ready, maybe_deferred_wraps_a_failure)
{
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_maybe_deferred(give_failure, NULL, &d), 0);
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.code, -EACCES);
    eddy_deferred_unref(d);
}

Test(deferred_ready, maybe_deferred_passes_a_returned_deferred_through)
{
    eddy_deferred *inner = new_deferred(), *d = NULL;
    cr_assert_eq(eddy_maybe_deferred(give_wait, inner, &d), 0);
    cr_assert_eq(d, inner);
    eddy_deferred_unref(d);
    eddy_deferred_unref(inner);
}
