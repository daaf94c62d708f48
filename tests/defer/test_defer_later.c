/* test_defer_later.c - eddy_defer_later on a fake clock. */
#include <math.h>

#include "defer_helpers.h"
#include "eddy_test.h"

TestSuite(defer_later, .timeout = 10);

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

typedef struct job {
    int calls;
    double at;
    int fail_code;
    eddy_deferred *wait;
} job;

static eddy_result run_job(void *arg)
{
    job *j = arg;
    j->calls++;
    j->at = eddy_reactor_seconds(r);
    if (j->fail_code)
        return eddy_result_error(j->fail_code, "job failed");
    if (j->wait)
        return eddy_result_wait(eddy_deferred_ref(j->wait));
    return tracked_result(10);
}

Test(defer_later, fires_with_the_function_result_after_the_delay, .init = setup, .fini = teardown)
{
    job j = {0};
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_defer_later(r, 3, run_job, &j, &d), 0);
    capture c = {0};
    capture_add(d, &c);
    eddy_reactor_advance(r, 2.5);
    cr_assert_eq(j.calls, 0);
    eddy_reactor_advance(r, 0.5);
    cr_assert_eq(j.calls, 1);
    cr_assert_float_eq(j.at, 3.0, 1e-9);
    cr_assert_eq(c.value, 10);
    eddy_deferred_unref(d);
    cr_assert_eq(tracked_alive(), 0);
}

Test(defer_later, without_a_function_fires_with_none, .init = setup, .fini = teardown)
{
    eddy_deferred *d = NULL;
    eddy_defer_later(r, 1, NULL, NULL, &d);
    capture c = {0};
    capture_add(d, &c);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(c.calls, 1);
    cr_assert_not(c.failed);
    cr_assert_not(c.has_value);
    eddy_deferred_unref(d);
}

Test(defer_later, cancel_cancels_the_timer_and_the_function_never_runs, .init = setup,
     .fini = teardown)
{
    job j = {0};
    eddy_deferred *d = NULL;
    eddy_defer_later(r, 1, run_job, &j, &d);
    capture c = {0};
    capture_add(d, &c);
    eddy_deferred_cancel(d);
    cr_assert_eq(c.code, EDDY_ECANCELLED);
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    eddy_reactor_advance(r, 5);
    cr_assert_eq(j.calls, 0);
    eddy_deferred_unref(d);
}

Test(defer_later, function_failure_errbacks, .init = setup, .fini = teardown)
{
    job j = {.fail_code = -EAGAIN};
    eddy_deferred *d = NULL;
    eddy_defer_later(r, 0, run_job, &j, &d);
    capture c = {0};
    capture_add(d, &c);
    eddy_reactor_advance(r, 0);
    cr_assert_eq(c.code, -EAGAIN);
    eddy_deferred_unref(d);
}

Test(defer_later, function_returning_a_deferred_is_waited_for, .init = setup, .fini = teardown)
{
    job j = {.wait = new_deferred()};
    eddy_deferred *d = NULL;
    eddy_defer_later(r, 1, run_job, &j, &d);
    capture c = {0};
    capture_add(d, &c);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(c.calls, 0);
    eddy_deferred_fire(j.wait, tracked_result(5));
    cr_assert_eq(c.value, 5);
    eddy_deferred_unref(j.wait);
    eddy_deferred_unref(d);
}

Test(defer_later, dropped_deferred_still_runs_the_function_and_is_freed, .init = setup,
     .fini = teardown)
{
    job j = {0};
    eddy_deferred *d = NULL;
    eddy_defer_later(r, 1, run_job, &j, &d);
    eddy_deferred_unref(d);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(j.calls, 1);
    cr_assert_eq(tracked_alive(), 0, "its value was freed with it");
}

Test(defer_later, negative_or_nan_delay_is_rejected, .init = setup, .fini = teardown)
{
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_defer_later(r, -1, NULL, NULL, &d), -EINVAL);
    cr_assert_eq(eddy_defer_later(r, NAN, NULL, NULL, &d), -EINVAL);
    cr_assert_null(d);
}
