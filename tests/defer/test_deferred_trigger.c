/* test_deferred_trigger.c - system events (shutdown above all) that wait for Deferreds. */
#include "defer_helpers.h"
#include "eddy_test.h"

TestSuite(deferred_trigger, .timeout = 10);

typedef struct cleanup {
    eddy_deferred *d; /* what the before trigger returns (a new reference each time) */
    int before_calls;
    int during_calls;
    bool fired_before_during; /* d had fired when the during phase ran */
} cleanup;

static eddy_deferred *before(void *arg)
{
    cleanup *c = arg;
    c->before_calls++;
    return c->d ? eddy_deferred_ref(c->d) : NULL;
}

static void during(void *arg)
{
    cleanup *c = arg;
    c->during_calls++;
    c->fired_before_during = c->d && eddy_deferred_called(c->d);
}

static void add_triggers(eddy_reactor *r, const char *event, cleanup *c, eddy_trigger_id *id)
{
    cr_assert_eq(eddy_reactor_add_before_trigger_deferred(r, event, before, c, id), 0);
    cr_assert_eq(
        eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_DURING, event, during, c, NULL), 0);
}

Test(deferred_trigger, event_waits_for_the_deferred_of_a_before_trigger)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    cleanup c = {.d = new_deferred()};
    add_triggers(r, "flush", &c, NULL);
    eddy_reactor_fire_system_event(r, "flush");
    test_iterate_n(r, 3);
    cr_assert_eq(c.before_calls, 1);
    cr_assert_eq(c.during_calls, 0, "held while the Deferred is pending");
    eddy_deferred_callback(c.d, NULL, NULL);
    test_iterate_n(r, 1);
    cr_assert_eq(c.during_calls, 1);
    cr_assert(c.fired_before_during);
    eddy_deferred_unref(c.d);
    test_reactor_free_fake(r, fc);
}

Test(deferred_trigger, trigger_returning_null_does_not_hold_the_event)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    cleanup c = {0};
    add_triggers(r, "flush", &c, NULL);
    eddy_reactor_fire_system_event(r, "flush");
    test_iterate_n(r, 1);
    cr_assert_eq(c.during_calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(deferred_trigger, failure_of_the_deferred_is_logged_and_the_event_goes_on)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    log_capture lc;
    log_capture_start(&lc, EDDY_LOG_DEBUG);
    uint64_t before_unhandled = eddy_deferred_unhandled_errors();
    cleanup c = {.d = new_deferred()};
    add_triggers(r, "flush", &c, NULL);
    eddy_reactor_fire_system_event(r, "flush");
    eddy_deferred_errback(c.d, eddy_failure_new(-EIO, "flush failed"));
    test_iterate_n(r, 1);
    cr_assert_eq(c.during_calls, 1);
    eddy_deferred_unref(c.d);
    log_capture_stop(&lc);
    cr_assert_eq(lc.count, 1);
    cr_assert_eq(lc.level, EDDY_LOG_ERROR);
    cr_assert_eq(eddy_deferred_unhandled_errors(), before_unhandled, "logged once, as handled");
    test_reactor_free_fake(r, fc);
}

Test(deferred_trigger, deferred_freed_without_firing_releases_the_event)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    cleanup c = {.d = new_deferred()};
    add_triggers(r, "flush", &c, NULL);
    eddy_reactor_fire_system_event(r, "flush");
    eddy_deferred_unref(c.d); /* nobody can fire it now */
    c.d = NULL;
    test_iterate_n(r, 1);
    cr_assert_eq(c.during_calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(deferred_trigger, removed_trigger_does_not_run)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    cleanup c = {.d = new_deferred()};
    eddy_trigger_id id = 0;
    add_triggers(r, "flush", &c, &id);
    cr_assert_eq(eddy_reactor_remove_before_trigger_deferred(r, id), 0);
    cr_assert_eq(eddy_reactor_remove_before_trigger_deferred(r, id), EDDY_ENOTFOUND);
    eddy_reactor_fire_system_event(r, "flush");
    test_iterate_n(r, 1);
    cr_assert_eq(c.before_calls, 0);
    cr_assert_eq(c.during_calls, 1);
    eddy_deferred_unref(c.d);
    test_reactor_free_fake(r, fc);
}

Test(deferred_trigger, hold_outside_the_before_phase_is_einval)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    cr_assert_eq(eddy_deferred_hold_system_event(r, "flush", new_deferred()), -EINVAL);
    test_reactor_free_fake(r, fc);
}

/* The real thing: stop() runs "shutdown", which waits for a cleanup that ends 20 ms later. */
typedef struct shutdown_case {
    eddy_reactor *r;
    eddy_deferred *d;
    bool cleanup_done;
    bool after_ran;
    bool after_saw_cleanup_done;
} shutdown_case;

static void finish_cleanup(void *arg)
{
    shutdown_case *s = arg;
    s->cleanup_done = true;
    eddy_deferred_callback(s->d, NULL, NULL);
    eddy_deferred_unref(s->d);
}

static eddy_deferred *start_cleanup(void *arg)
{
    shutdown_case *s = arg;
    cr_assert_eq(eddy_deferred_new(NULL, NULL, &s->d), 0);
    cr_assert_neq(eddy_call_later(s->r, 0.02, finish_cleanup, s).id, 0);
    return eddy_deferred_ref(s->d);
}

static void after_shutdown(void *arg)
{
    shutdown_case *s = arg;
    s->after_ran = true;
    s->after_saw_cleanup_done = s->cleanup_done;
}

static void stop_now(void *arg)
{
    eddy_reactor_stop(arg);
}

Test(deferred_trigger, reactor_shutdown_waits_for_the_cleanup_deferred)
{
    shutdown_case s = {.r = test_reactor_new()};
    cr_assert_eq(eddy_reactor_add_before_trigger_deferred(s.r, "shutdown", start_cleanup, &s, NULL),
                 0);
    eddy_reactor_add_system_event_trigger(s.r, EDDY_PHASE_AFTER, "shutdown", after_shutdown, &s,
                                          NULL);
    eddy_reactor_call_when_running(s.r, stop_now, s.r);
    cr_assert_eq(eddy_reactor_run(s.r), 0);
    cr_assert(s.after_ran);
    cr_assert(s.after_saw_cleanup_done);
    eddy_reactor_free(s.r); /* also frees the trigger's record */
}

static void count_call(void *arg)
{
    ++*(int *)arg;
}

static void stop_or_fail(void *arg)
{
    cr_assert_eq(eddy_reactor_stop(arg), 0);
}

Test(deferred_trigger, stop_while_startup_waits_for_a_deferred_ends_run_without_starting)
{
    eddy_reactor *r = test_reactor_new();
    cleanup c = {.d = new_deferred()};
    add_triggers(r, "startup", &c, NULL);
    int started = 0;
    eddy_reactor_call_when_running(r, count_call, &started);
    eddy_call_later(r, 0, stop_or_fail, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_eq(c.before_calls, 1);
    eddy_deferred_callback(c.d, NULL, NULL); /* releases a hold on a startup that was dropped */
    test_iterate_n(r, 2);
    cr_assert_eq(c.during_calls, 0);
    cr_assert_eq(started, 0);
    cr_assert_not(eddy_reactor_running(r));
    eddy_deferred_unref(c.d);
    eddy_reactor_free(r);
}
