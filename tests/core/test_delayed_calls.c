/* Delayed calls (call_later and its handle). Time comes from a fake clock unless a test is about
 * the real one. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eddy_test.h"

TestSuite(delayed_calls, .timeout = 20);

/* A log of which calls ran, in order. */
#define LOG_MAX 20000
struct call_log {
    int order[LOG_MAX];
    int n;
};

struct logged_call {
    struct call_log *log;
    int id;
};

static void log_call(void *arg)
{
    struct logged_call *c = arg;
    cr_assert_lt(c->log->n, LOG_MAX);
    c->log->order[c->log->n++] = c->id;
}

static void count(void *arg)
{
    ++*(int *)arg;
}

static void set_flag(void *arg)
{
    *(bool *)arg = true;
}

/* Deterministic pseudo-random numbers (splitmix64). */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* ---- when calls run ------------------------------------------------------------------------- */

Test(delayed_calls, call_runs_when_time_reaches_its_deadline_and_not_a_nanosecond_before)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_call_later(r, 1.5, count, &calls);
    cr_assert_eq(eddy_reactor_advance(r, 1.499999999), 0);
    cr_assert_eq(calls, 0, "ran 1 ns early");
    cr_assert_eq(eddy_reactor_advance(r, 0.000000001), 0);
    cr_assert_eq(calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, call_runs_when_the_clock_advances_by_exactly_its_delay)
{
    /* Whatever rounding eddy uses, a delay of d seconds and an advance of d seconds agree. */
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    for (int ms = 1; ms <= 2000; ms++) {
        int calls = 0;
        double d = ms / 1000.0;
        eddy_call_later(r, d, count, &calls);
        cr_assert_eq(eddy_reactor_advance(r, d), 0);
        cr_assert_eq(calls, 1, "call_later(%.3f) did not run after advance(%.3f)", d, d);
    }
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, call_runs_once)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_call_later(r, 1, count, &calls);
    for (int i = 0; i < 5; i++)
        eddy_reactor_advance(r, 1);
    test_iterate_n(r, 3);
    cr_assert_eq(calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, iterate_runs_calls_that_are_due)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    bool fired = false;
    eddy_call_later(r, 2, set_flag, &fired);
    eddy_fake_clock_advance(fc, 1);
    test_iterate_n(r, 1);
    cr_assert_not(fired);
    eddy_fake_clock_advance(fc, 1);
    test_iterate_n(r, 1);
    cr_assert(fired);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, equal_deadlines_fire_in_scheduling_order)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    enum { N = 200 };
    struct call_log log = {0};
    struct logged_call calls[N];
    int others = 0;
    for (int i = 0; i < N; i++) {
        calls[i] = (struct logged_call){.log = &log, .id = i};
        /* interleave other deadlines so the heap has to move things around */
        eddy_call_later(r, i % 3 == 0 ? 0.5 : 2, count, &others);
        eddy_call_later(r, 1, log_call, &calls[i]);
    }
    eddy_reactor_advance(r, 1);
    cr_assert_eq(log.n, N);
    for (int i = 0; i < N; i++)
        cr_assert_eq(log.order[i], i, "position %d ran call %d", i, log.order[i]);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, equal_deadlines_reached_from_different_times_keep_scheduling_order)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct call_log log = {0};
    struct logged_call a = {&log, 1}, b = {&log, 2}, c = {&log, 3};
    eddy_call_later(r, 3, log_call, &a); /* deadline 3 */
    eddy_reactor_advance(r, 1);
    eddy_call_later(r, 2, log_call, &b); /* deadline 3 */
    eddy_reactor_advance(r, 1.5);
    eddy_call_later(r, 0.5, log_call, &c); /* deadline 3 */
    eddy_reactor_advance(r, 0.5);
    cr_assert_eq(log.n, 3);
    cr_assert_arr_eq(log.order, ((int[]){1, 2, 3}), 3 * sizeof(int));
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, earlier_deadline_runs_first_whatever_the_scheduling_order)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct call_log log = {0};
    struct logged_call a = {&log, 3}, b = {&log, 1}, c = {&log, 2};
    eddy_call_later(r, 3, log_call, &a);
    eddy_call_later(r, 1, log_call, &b);
    eddy_call_later(r, 2, log_call, &c);
    eddy_reactor_advance(r, 10);
    cr_assert_eq(log.n, 3);
    cr_assert_arr_eq(log.order, ((int[]){1, 2, 3}), 3 * sizeof(int));
    test_reactor_free_fake(r, fc);
}

struct resched {
    eddy_reactor *r;
    int runs;
    double delay;
};

static void reschedule_self(void *arg)
{
    struct resched *s = arg;
    s->runs++;
    eddy_delayed_call dc = eddy_call_later(s->r, s->delay, reschedule_self, s);
    cr_assert_neq(dc.id, 0);
}

Test(delayed_calls, zero_delay_call_scheduled_by_a_delayed_call_waits_for_the_next_iteration)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct resched s = {.r = r, .delay = 0};
    eddy_call_later(r, 0, reschedule_self, &s);
    test_iterate_n(r, 1);
    cr_assert_eq(s.runs, 1, "a call that reschedules itself with delay 0 must not loop");
    test_iterate_n(r, 1);
    cr_assert_eq(s.runs, 2);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, advance_runs_zero_delay_calls_made_by_the_calls_it_ran)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct resched s = {.r = r, .delay = 0};
    eddy_call_later(r, 1, reschedule_self, &s);
    eddy_reactor_advance(r, 1); /* as Twisted's Clock.advance: the delay-0 follow-ups run too */
    cr_assert_gt(s.runs, 1);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, advance_with_a_zero_delay_loop_returns_after_a_bounded_number_of_rounds)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct resched s = {.r = r, .delay = 0};
    eddy_call_later(r, 0, reschedule_self, &s);
    eddy_reactor_advance(r, 0);
    cr_assert_eq(s.runs, 1000);
    test_reactor_free_fake(r, fc);
}

struct schedule_from {
    eddy_reactor *r;
    bool scheduled;
    bool fired;
};

static void schedule_zero(void *arg)
{
    struct schedule_from *s = arg;
    eddy_call_later(s->r, 0, set_flag, &s->fired);
    s->scheduled = true;
}

Test(delayed_calls, zero_delay_call_scheduled_by_a_thread_call_waits_for_the_next_iteration)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct schedule_from s = {.r = r};
    cr_assert_eq(eddy_call_from_thread(r, schedule_zero, &s), 0);
    for (int i = 0; i < 3 && !s.scheduled; i++)
        test_iterate_n(r, 1);
    cr_assert(s.scheduled, "the thread call did not run");
    cr_assert_not(s.fired, "scheduled from a callback of this iteration, it ran in it");
    test_iterate_n(r, 1);
    cr_assert(s.fired);
    test_reactor_free_fake(r, fc);
}

static void schedule_zero_in_read(test_desc *t)
{
    schedule_zero(t->user);
}

Test(delayed_calls, zero_delay_call_scheduled_by_a_read_handler_waits_for_the_next_iteration)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int sv[2];
    test_socketpair(sv);
    struct schedule_from s = {.r = r};
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    d.on_read = schedule_zero_in_read;
    d.user = &s;
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    test_write_byte(sv[1]);
    for (int i = 0; i < 20 && d.reads == 0; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0.05), 0);
    cr_assert_eq(d.reads, 1);
    cr_assert_not(s.fired);
    test_iterate_n(r, 1);
    cr_assert(s.fired);
    eddy_reactor_free(r);
    eddy_fake_clock_free(fc);
    close(sv[0]);
    close(sv[1]);
}

Test(delayed_calls, call_later_with_a_bad_delay_or_no_function_returns_id_zero)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    cr_assert_eq(eddy_call_later(r, -1, count, &calls).id, 0);
    cr_assert_eq(eddy_call_later(r, NAN, count, &calls).id, 0);
    cr_assert_eq(eddy_call_later(r, 1, NULL, &calls).id, 0);
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    cr_assert_not(eddy_delayed_call_active(r, (eddy_delayed_call){0}));
    eddy_reactor_advance(r, 10);
    cr_assert_eq(calls, 0);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, huge_delay_is_accepted_and_never_runs)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_delayed_call dc = eddy_call_later(r, 1e300, count, &calls);
    cr_assert_neq(dc.id, 0);
    eddy_reactor_advance(r, 1e6);
    cr_assert_eq(calls, 0);
    cr_assert(eddy_delayed_call_active(r, dc));
    test_reactor_free_fake(r, fc);
}

/* ---- the handle ----------------------------------------------------------------------------- */

Test(delayed_calls, handle_is_active_until_the_call_runs)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_delayed_call dc = eddy_call_later(r, 1, count, &calls);
    cr_assert_neq(dc.id, 0);
    cr_assert(eddy_delayed_call_active(r, dc));
    cr_assert_eq(eddy_reactor_pending_calls(r), 1);
    eddy_reactor_advance(r, 1);
    cr_assert_not(eddy_delayed_call_active(r, dc));
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, cancelled_call_never_runs)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_delayed_call dc = eddy_call_later(r, 1, count, &calls);
    cr_assert_eq(eddy_delayed_call_cancel(r, dc), 0);
    cr_assert_not(eddy_delayed_call_active(r, dc));
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    eddy_reactor_advance(r, 5);
    test_iterate_n(r, 2);
    cr_assert_eq(calls, 0);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, cancelling_one_of_equal_deadlines_keeps_the_others_in_order)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct call_log log = {0};
    struct logged_call c[6];
    eddy_delayed_call dc[6];
    for (int i = 0; i < 6; i++) {
        c[i] = (struct logged_call){&log, i};
        dc[i] = eddy_call_later(r, 1, log_call, &c[i]);
    }
    eddy_delayed_call_cancel(r, dc[0]);
    eddy_delayed_call_cancel(r, dc[3]);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(log.n, 4);
    cr_assert_arr_eq(log.order, ((int[]){1, 2, 4, 5}), 4 * sizeof(int));
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, handle_of_a_call_that_ran_reports_einactive)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    double t;
    eddy_delayed_call dc = eddy_call_later(r, 1, count, &calls);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(eddy_delayed_call_cancel(r, dc), EDDY_EINACTIVE);
    cr_assert_eq(eddy_delayed_call_reset(r, dc, 1), EDDY_EINACTIVE);
    cr_assert_eq(eddy_delayed_call_delay(r, dc, 1), EDDY_EINACTIVE);
    cr_assert_eq(eddy_delayed_call_get_time(r, dc, &t), EDDY_EINACTIVE);
    eddy_reactor_advance(r, 5);
    cr_assert_eq(calls, 1, "reset on a stale handle must not bring the call back");
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, handle_of_a_cancelled_call_reports_einactive)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    double t;
    eddy_delayed_call dc = eddy_call_later(r, 1, count, &calls);
    eddy_delayed_call_cancel(r, dc);
    cr_assert_eq(eddy_delayed_call_cancel(r, dc), EDDY_EINACTIVE);
    cr_assert_eq(eddy_delayed_call_reset(r, dc, 1), EDDY_EINACTIVE);
    cr_assert_eq(eddy_delayed_call_delay(r, dc, 1), EDDY_EINACTIVE);
    cr_assert_eq(eddy_delayed_call_get_time(r, dc, &t), EDDY_EINACTIVE);
    eddy_reactor_advance(r, 5);
    cr_assert_eq(calls, 0);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, stale_handle_does_not_touch_the_call_that_reused_its_slot)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int first = 0, second = 0;
    eddy_delayed_call old = eddy_call_later(r, 1, count, &first);
    eddy_delayed_call_cancel(r, old);
    eddy_delayed_call fresh = eddy_call_later(r, 1, count, &second);
    cr_assert_neq(old.id, fresh.id);
    cr_assert_not(eddy_delayed_call_active(r, old));
    cr_assert_eq(eddy_delayed_call_cancel(r, old), EDDY_EINACTIVE);
    cr_assert_eq(eddy_delayed_call_reset(r, old, 100), EDDY_EINACTIVE);
    cr_assert(eddy_delayed_call_active(r, fresh));
    eddy_reactor_advance(r, 1);
    cr_assert_eq(second, 1);
    cr_assert_eq(first, 0);
    test_reactor_free_fake(r, fc);
}

struct self_handle {
    eddy_reactor *r;
    eddy_delayed_call dc;
    bool active_inside;
    int cancel_inside;
};

static void inspect_own_handle(void *arg)
{
    struct self_handle *s = arg;
    s->active_inside = eddy_delayed_call_active(s->r, s->dc);
    s->cancel_inside = eddy_delayed_call_cancel(s->r, s->dc);
}

Test(delayed_calls, call_is_inactive_while_it_runs)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct self_handle s = {.r = r};
    s.dc = eddy_call_later(r, 1, inspect_own_handle, &s);
    s.active_inside = true;
    eddy_reactor_advance(r, 1);
    cr_assert_not(s.active_inside);
    cr_assert_eq(s.cancel_inside, EDDY_EINACTIVE);
    test_reactor_free_fake(r, fc);
}

struct canceller {
    eddy_reactor *r;
    eddy_delayed_call victim;
};

static void cancel_victim(void *arg)
{
    struct canceller *c = arg;
    cr_assert_eq(eddy_delayed_call_cancel(c->r, c->victim), 0);
}

Test(delayed_calls, call_cancelled_by_an_earlier_call_of_the_same_batch_does_not_run)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int victim_runs = 0;
    struct canceller c = {.r = r};
    eddy_call_later(r, 1, cancel_victim, &c);
    c.victim = eddy_call_later(r, 1, count, &victim_runs);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(victim_runs, 0);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, get_time_is_the_reactor_time_plus_the_delay)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    eddy_reactor_advance(r, 10);
    double t = 0;
    eddy_delayed_call dc = eddy_call_later(r, 2.5, count, &(int){0});
    cr_assert_eq(eddy_delayed_call_get_time(r, dc, &t), 0);
    cr_assert_float_eq(t, 12.5, 1e-9);
    cr_assert_float_eq(eddy_reactor_seconds(r), 10.0, 1e-9);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, reset_to_later_postpones_the_call)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    double t;
    eddy_delayed_call dc = eddy_call_later(r, 1, count, &calls);
    eddy_reactor_advance(r, 0.5);
    cr_assert_eq(eddy_delayed_call_reset(r, dc, 1), 0);
    cr_assert_eq(eddy_delayed_call_get_time(r, dc, &t), 0);
    cr_assert_float_eq(t, 1.5, 1e-9);
    eddy_reactor_advance(r, 0.5); /* t = 1: the old deadline */
    cr_assert_eq(calls, 0, "ran at its old deadline");
    cr_assert(eddy_delayed_call_active(r, dc));
    eddy_reactor_advance(r, 0.499999999);
    cr_assert_eq(calls, 0, "ran early");
    eddy_reactor_advance(r, 0.000000001);
    cr_assert_eq(calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, reset_to_earlier_brings_the_call_forward)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_delayed_call dc = eddy_call_later(r, 10, count, &calls);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(eddy_delayed_call_reset(r, dc, 1), 0);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, reset_later_then_earlier_runs_at_the_last_deadline)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_delayed_call dc = eddy_call_later(r, 5, count, &calls);
    eddy_delayed_call_reset(r, dc, 50);
    eddy_delayed_call_reset(r, dc, 2);
    eddy_reactor_advance(r, 1.999);
    cr_assert_eq(calls, 0);
    eddy_reactor_advance(r, 0.001);
    cr_assert_eq(calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, reset_rejects_negative_or_nan_delays)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    eddy_delayed_call dc = eddy_call_later(r, 5, count, &(int){0});
    cr_assert_eq(eddy_delayed_call_reset(r, dc, -1), -EINVAL);
    cr_assert_eq(eddy_delayed_call_reset(r, dc, NAN), -EINVAL);
    cr_assert_eq(eddy_delayed_call_delay(r, dc, NAN), -EINVAL);
    double t;
    eddy_delayed_call_get_time(r, dc, &t);
    cr_assert_float_eq(t, 5.0, 1e-9, "a refused change leaves the deadline alone");
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, idle_timeout_pushed_back_on_every_event_runs_once_at_the_last_deadline)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_delayed_call timeout = eddy_call_later(r, 1, count, &calls);
    for (int i = 0; i < 1000; i++) {
        eddy_reactor_advance(r, 0.5);
        cr_assert_eq(eddy_delayed_call_reset(r, timeout, 1), 0);
    }
    cr_assert_eq(calls, 0);
    cr_assert_eq(eddy_reactor_pending_calls(r), 1);
    eddy_reactor_advance(r, 0.999);
    cr_assert_eq(calls, 0);
    eddy_reactor_advance(r, 0.001);
    cr_assert_eq(calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, delay_moves_the_deadline_relative_to_the_current_one)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    double t;
    eddy_delayed_call dc = eddy_call_later(r, 2, count, &calls);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(eddy_delayed_call_delay(r, dc, 3), 0);
    eddy_delayed_call_get_time(r, dc, &t);
    cr_assert_float_eq(t, 5.0, 1e-9, "delay counts from the old deadline, not from now");
    eddy_reactor_advance(r, 3.9);
    cr_assert_eq(calls, 0);
    eddy_reactor_advance(r, 0.1);
    cr_assert_eq(calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, negative_delay_moves_the_deadline_earlier)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_delayed_call dc = eddy_call_later(r, 5, count, &calls);
    cr_assert_eq(eddy_delayed_call_delay(r, dc, -4), 0);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, delay_pushed_past_the_end_of_time_stays_there)
{
    /* Each huge delay adds the largest step eddy accepts; a few of them used to overflow the
     * deadline (undefined behaviour, and a wrapped deadline lies in the past). */
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_delayed_call dc = eddy_call_later(r, 1, count, &calls);
    double previous = 1;
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(eddy_delayed_call_delay(r, dc, 1e300), 0);
        double t;
        cr_assert_eq(eddy_delayed_call_get_time(r, dc, &t), 0);
        cr_assert_geq(t, previous, "delay %d moved the deadline back to %g s", i + 1, t);
        previous = t;
    }
    eddy_reactor_advance(r, 1e6);
    cr_assert_eq(calls, 0);
    cr_assert(eddy_delayed_call_active(r, dc));
    test_reactor_free_fake(r, fc);
}

/* ---- many calls ----------------------------------------------------------------------------- */

/* A reference model of the schedule: each call's deadline (ns), cancelled flag and order. */
struct model_call {
    struct call_log *log;
    int id;
    int64_t deadline_ms;
    int64_t ordinal; /* scheduling order */
    bool cancelled;
    eddy_delayed_call dc;
};

static void model_fired(void *arg)
{
    struct model_call *m = arg;
    log_call(&(struct logged_call){m->log, m->id});
}

static int model_cmp(const void *a, const void *b)
{
    const struct model_call *x = *(struct model_call *const *)a,
                            *y = *(struct model_call *const *)b;
    if (x->deadline_ms != y->deadline_ms)
        return x->deadline_ms < y->deadline_ms ? -1 : 1;
    return x->ordinal < y->ordinal ? -1 : x->ordinal > y->ordinal;
}

Test(delayed_calls, many_calls_in_random_order_run_sorted_by_deadline_then_scheduling_order)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    enum { N = 10000 };
    static struct call_log log;
    static struct model_call calls[N];
    static struct model_call *sorted[N];
    uint64_t seed = 42;
    for (int i = 0; i < N; i++) {
        /* few distinct deadlines, so ties are frequent */
        int64_t ms = (int64_t)(next_random(&seed) % 500);
        calls[i] = (struct model_call){.log = &log, .id = i, .deadline_ms = ms, .ordinal = i};
        calls[i].dc = eddy_call_later(r, (double)ms / 1000.0, model_fired, &calls[i]);
        cr_assert_neq(calls[i].dc.id, 0);
        sorted[i] = &calls[i];
    }
    qsort(sorted, N, sizeof sorted[0], model_cmp);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(log.n, N);
    for (int i = 0; i < N; i++)
        cr_assert_eq(log.order[i], sorted[i]->id, "position %d: ran %d, expected %d", i,
                     log.order[i], sorted[i]->id);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, random_cancels_and_resets_match_a_reference_model)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    enum { N = 5000 };
    static struct call_log log;
    static struct model_call calls[N];
    static struct model_call *expected[N];
    uint64_t seed = 7;
    for (int i = 0; i < N; i++) {
        int64_t ms = 1 + (int64_t)(next_random(&seed) % 1000);
        calls[i] = (struct model_call){.log = &log, .id = i, .deadline_ms = ms, .ordinal = i};
        calls[i].dc = eddy_call_later(r, (double)ms / 1000.0, model_fired, &calls[i]);
    }
    /* Distinct new deadlines, so the expected order does not depend on how resets rank ties. */
    for (int i = 0; i < N; i++) {
        uint64_t pick = next_random(&seed) % 4;
        if (pick == 0) {
            cr_assert_eq(eddy_delayed_call_cancel(r, calls[i].dc), 0);
            calls[i].cancelled = true;
        } else if (pick == 1) { /* later: the lazy path */
            calls[i].deadline_ms = 2000 + i;
            cr_assert_eq(eddy_delayed_call_reset(r, calls[i].dc, calls[i].deadline_ms / 1e3), 0);
        } else if (pick == 2) { /* earlier, between the original deadlines */
            calls[i].deadline_ms = 0;
            double at = (double)(i + 1) / (N + 1) / 1000.0; /* sub-millisecond, distinct */
            cr_assert_eq(eddy_delayed_call_reset(r, calls[i].dc, at), 0);
            calls[i].ordinal = -N + i;
        }
    }
    size_t n = 0, live = 0;
    for (int i = 0; i < N; i++)
        if (!calls[i].cancelled) {
            expected[n++] = &calls[i];
            live++;
        }
    qsort(expected, n, sizeof expected[0], model_cmp);
    cr_assert_eq(eddy_reactor_pending_calls(r), live);
    /* advance in steps so some lazy re-keys happen across passes */
    for (int step = 0; step < 80; step++)
        eddy_reactor_advance(r, 0.1);
    cr_assert_eq((size_t)log.n, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(log.order[i], expected[i]->id, "position %zu: ran %d, expected %d", i,
                     log.order[i], expected[i]->id);
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, cancelled_calls_cost_nothing_later)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    enum { N = 100000 };
    int calls = 0;
    static eddy_delayed_call dc[N];
    for (int i = 0; i < N; i++)
        dc[i] = eddy_call_later(r, 1 + i % 100, count, &calls);
    for (int i = 0; i < N; i++)
        cr_assert_eq(eddy_delayed_call_cancel(r, dc[i]), 0);
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    eddy_reactor_advance(r, 1000);
    cr_assert_eq(calls, 0);
    /* The freed slots are reused: scheduling again works and runs. */
    for (int i = 0; i < N; i++)
        eddy_call_later(r, 1, count, &calls);
    eddy_reactor_advance(r, 1);
    cr_assert_eq(calls, N);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, reactor_freed_with_pending_calls_leaks_nothing)
{
    /* ASan's leak check fails this test if the pending calls' memory is not freed. */
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    for (int i = 0; i < 1000; i++)
        eddy_call_later(r, i, count, &calls);
    eddy_reactor_advance(r, 10.5);
    cr_assert_eq(calls, 11);
    test_reactor_free_fake(r, fc);
    cr_assert_eq(calls, 11);
}

/* ---- the reactor's time --------------------------------------------------------------------- */

Test(delayed_calls, reactor_time_is_cached_until_updated)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    double before = eddy_reactor_seconds(r);
    eddy_fake_clock_advance(fc, 3);
    cr_assert_float_eq(eddy_reactor_seconds(r), before, 1e-12);
    eddy_reactor_update_time(r);
    cr_assert_float_eq(eddy_reactor_seconds(r), before + 3, 1e-9);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, iterate_refreshes_the_reactor_time)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    eddy_fake_clock_advance(fc, 2);
    test_iterate_n(r, 1);
    cr_assert_float_eq(eddy_reactor_seconds(r), 2.0, 1e-9);
    test_reactor_free_fake(r, fc);
}

struct time_seen {
    eddy_reactor *r;
    double at[2];
    int n;
};

static void see_time(void *arg)
{
    struct time_seen *s = arg;
    s->at[s->n++] = eddy_reactor_seconds(s->r);
}

Test(delayed_calls, calls_of_one_pass_see_the_same_time)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct time_seen s = {.r = r};
    eddy_call_later(r, 1, see_time, &s);
    eddy_call_later(r, 2, see_time, &s);
    eddy_reactor_advance(r, 5);
    cr_assert_eq(s.n, 2);
    cr_assert_float_eq(s.at[0], 5.0, 1e-9);
    cr_assert_float_eq(s.at[1], 5.0, 1e-9);
    test_reactor_free_fake(r, fc);
}

Test(delayed_calls, fake_clock_never_goes_back)
{
    eddy_fake_clock *fc = eddy_fake_clock_new();
    cr_assert_not_null(fc);
    eddy_fake_clock_advance(fc, 1);
    eddy_fake_clock_advance(fc, -5);
    cr_assert_float_eq(eddy_fake_clock_seconds(fc), 1.0, 1e-9);
    eddy_fake_clock_free(fc);
}

Test(delayed_calls, fake_clock_advanced_by_an_endless_amount_stops_at_the_end_of_time)
{
    /* Like Twisted's Clock.advance(inf): every pending call runs, and time does not wrap round
     * to a negative value (the nanosecond count used to be converted out of range). */
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    int calls = 0;
    eddy_call_later(r, 10, count, &calls);
    cr_assert_eq(eddy_reactor_advance(r, 5), 0);
    cr_assert_eq(eddy_reactor_advance(r, INFINITY), 0);
    cr_assert_geq(eddy_fake_clock_seconds(fc), 5.0, "the clock went back to %g s",
                  eddy_fake_clock_seconds(fc));
    cr_assert_eq(calls, 1);
    /* At the end of time a new call is due at once instead of overflowing. */
    eddy_call_later(r, 1, count, &calls);
    cr_assert_eq(eddy_reactor_advance(r, 1e300), 0);
    cr_assert_eq(calls, 2);
    test_reactor_free_fake(r, fc);
}

/* A user clock that jumps back, as a badly behaved clock source might. */
struct jumpy_clock {
    eddy_clock base; /* first */
    int64_t now;
};

static int64_t jumpy_now(eddy_clock *c)
{
    return ((struct jumpy_clock *)c)->now;
}

Test(delayed_calls, reactor_time_never_goes_back_even_if_its_clock_does)
{
    struct jumpy_clock clock = {.base = {.now_ns = jumpy_now, .fake = false}, .now = 5000000000};
    eddy_reactor_options opts = {.clock = &clock.base};
    eddy_reactor *r = NULL;
    cr_assert_eq(eddy_reactor_new(&opts, &r), 0);
    int calls = 0;
    eddy_call_later(r, 1, count, &calls); /* due at 6 s */
    clock.now = 6000000000;
    test_iterate_n(r, 1);
    cr_assert_eq(calls, 1);
    eddy_call_later(r, 1, count, &calls); /* due at 7 s */
    clock.now = 1000000000;               /* the clock jumps back 5 s */
    test_iterate_n(r, 1);
    cr_assert_float_eq(eddy_reactor_seconds(r), 6.0, 1e-9);
    clock.now = 6500000000;
    test_iterate_n(r, 1);
    cr_assert_eq(calls, 1, "ran early");
    clock.now = 7000000000;
    test_iterate_n(r, 1);
    cr_assert_eq(calls, 2);
    eddy_reactor_free(r);
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct real_call {
    eddy_reactor *r;
    double deadline;
    double ran_at_reactor, ran_at_real;
    bool fired;
};

static void note_real_time(void *arg)
{
    struct real_call *c = arg;
    c->ran_at_reactor = eddy_reactor_seconds(c->r);
    c->ran_at_real = monotonic_seconds();
    c->fired = true;
}

Test(delayed_calls, with_the_real_clock_a_call_never_runs_before_its_deadline)
{
    eddy_reactor *r = test_reactor_new();
    struct real_call c = {.r = r};
    eddy_delayed_call dc = eddy_call_later(r, 0.03, note_real_time, &c);
    cr_assert_eq(eddy_delayed_call_get_time(r, dc, &c.deadline), 0);
    test_iterate_until(r, &c.fired, 100);
    cr_assert_geq(c.ran_at_reactor, c.deadline);
    cr_assert_geq(c.ran_at_real, c.deadline);
    eddy_reactor_free(r);
}
