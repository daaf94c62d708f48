/* test_deferred_unhandled.c - a failure left at the end of a chain is logged when the Deferred is
 * freed ("Unhandled error in Deferred"), and only then. */
#include <string.h>

#include "defer_helpers.h"

TestSuite(deferred_unhandled, .timeout = 10);

static eddy_result wait_for_arg(eddy_result in, void *arg)
{
    eddy_result_drop(in);
    return eddy_result_wait(eddy_deferred_ref(arg));
}

Test(deferred_unhandled, failure_left_in_a_freed_deferred_is_logged_as_critical)
{
    log_capture lc;
    log_capture_start(&lc, EDDY_LOG_DEBUG);
    uint64_t before = eddy_deferred_unhandled_errors();
    eddy_deferred *d = new_deferred();
    eddy_deferred_errback(d, eddy_failure_new(-ECONNREFUSED, "nobody listens on port 9"));
    cr_assert_eq(lc.count, 0, "nothing is reported while the Deferred lives");
    eddy_deferred_unref(d);
    log_capture_stop(&lc);
    cr_assert_eq(lc.count, 1);
    cr_assert_eq(lc.level, EDDY_LOG_CRITICAL);
    cr_assert_str_eq(lc.last_message, "Unhandled error in Deferred");
    cr_assert_not_null(strstr(lc.last_failure, "nobody listens on port 9"), "got: %s",
                       lc.last_failure);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before + 1);
}

Test(deferred_unhandled, failure_handled_by_an_errback_is_not_logged)
{
    log_capture lc;
    log_capture_start(&lc, EDDY_LOG_DEBUG);
    eddy_deferred *d = new_deferred();
    eddy_deferred_add_errback(d, capture_fn, &(capture){0});
    eddy_deferred_errback(d, eddy_failure_new(EDDY_EFAILED, "handled"));
    eddy_deferred_unref(d);
    log_capture_stop(&lc);
    cr_assert_eq(lc.count, 0);
}

Test(deferred_unhandled, failure_that_moved_to_a_waiting_deferred_is_reported_only_there)
{
    uint64_t before = eddy_deferred_unhandled_errors();
    eddy_deferred *outer = new_deferred(), *inner = new_deferred();
    eddy_deferred_add_callback(outer, wait_for_arg, inner);
    eddy_deferred_callback(outer, NULL, NULL);
    eddy_deferred_errback(inner, eddy_failure_new(EDDY_EFAILED, "inner failed"));
    eddy_deferred_unref(inner);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before, "inner no longer holds it");
    eddy_deferred_unref(outer);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before + 1, "outer never handled it");
}

Test(deferred_unhandled, unfired_and_successful_deferreds_report_nothing)
{
    uint64_t before = eddy_deferred_unhandled_errors();
    eddy_deferred *unfired = new_deferred(), *ok = new_deferred();
    eddy_deferred_fire(ok, tracked_result(1));
    eddy_deferred_unref(unfired);
    eddy_deferred_unref(ok);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before);
}

Test(deferred_unhandled, unhandled_cancellation_is_reported_too)
{
    uint64_t before = eddy_deferred_unhandled_errors();
    eddy_deferred *d = new_deferred();
    eddy_deferred_cancel(d);
    eddy_deferred_unref(d);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before + 1);
}

Test(deferred_unhandled, filtered_out_log_still_counts_the_unhandled_error)
{
    cr_assert_eq(eddy_log_set_level("eddy.defer", EDDY_LOG_OFF), 0);
    log_capture lc;
    log_capture_start(&lc, EDDY_LOG_DEBUG);
    uint64_t before = eddy_deferred_unhandled_errors();
    eddy_deferred *d = new_deferred();
    eddy_deferred_errback(d, NULL);
    eddy_deferred_unref(d);
    log_capture_stop(&lc);
    cr_assert_eq(lc.count, 0);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before + 1);
}
