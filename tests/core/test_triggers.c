/* System events and their triggers (startup, shutdown, user-named), holds, call_when_running. */
#include <string.h>

#include "eddy_test.h"

TestSuite(triggers, .timeout = 10);

/* A trace of trigger runs as a string of one-letter names. */
struct trace {
    eddy_reactor *r;
    char seen[64];
    bool running[64]; /* eddy_reactor_running() at each step */
};

struct step {
    struct trace *trace;
    char name;
};

static void record(void *arg)
{
    struct step *s = arg;
    size_t n = strlen(s->trace->seen);
    cr_assert_lt(n, sizeof s->trace->seen - 1);
    s->trace->running[n] = s->trace->r ? eddy_reactor_running(s->trace->r) : false;
    s->trace->seen[n] = s->name;
}

static void stop_reactor(void *arg)
{
    cr_assert_eq(eddy_reactor_stop(arg), 0);
}

static void crash_reactor(void *arg)
{
    eddy_reactor_crash(arg);
}

static eddy_trigger_id add(eddy_reactor *r, eddy_trigger_phase phase, const char *event,
                           struct step *s)
{
    eddy_trigger_id id = 0;
    cr_assert_eq(eddy_reactor_add_system_event_trigger(r, phase, event, record, s, &id), 0);
    cr_assert_neq(id, 0);
    return id;
}

/* ---- user-named events ---------------------------------------------------------------------- */

Test(triggers, phases_run_before_then_during_then_after)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct step a = {&t, 'a'}, b = {&t, 'b'}, d = {&t, 'd'};
    add(r, EDDY_PHASE_AFTER, "custom", &a);
    add(r, EDDY_PHASE_DURING, "custom", &d);
    add(r, EDDY_PHASE_BEFORE, "custom", &b);
    cr_assert_eq(eddy_reactor_fire_system_event(r, "custom"), 0);
    cr_assert_str_eq(t.seen, "bda");
    eddy_reactor_free(r);
}

Test(triggers, triggers_of_one_phase_run_in_the_order_they_were_added)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct step s[5] = {{&t, '1'}, {&t, '2'}, {&t, '3'}, {&t, '4'}, {&t, '5'}};
    for (int i = 0; i < 5; i++)
        add(r, EDDY_PHASE_DURING, "custom", &s[i]);
    eddy_reactor_fire_system_event(r, "custom");
    cr_assert_str_eq(t.seen, "12345");
    eddy_reactor_free(r);
}

Test(triggers, only_the_triggers_of_the_fired_event_run)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct step x = {&t, 'x'}, y = {&t, 'y'};
    add(r, EDDY_PHASE_DURING, "one", &x);
    add(r, EDDY_PHASE_DURING, "other", &y);
    eddy_reactor_fire_system_event(r, "one");
    cr_assert_str_eq(t.seen, "x");
    eddy_reactor_fire_system_event(r, "nobody-listens");
    cr_assert_str_eq(t.seen, "x");
    eddy_reactor_free(r);
}

Test(triggers, user_event_can_fire_again)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct step x = {&t, 'x'};
    add(r, EDDY_PHASE_DURING, "again", &x);
    eddy_reactor_fire_system_event(r, "again");
    eddy_reactor_fire_system_event(r, "again");
    cr_assert_str_eq(t.seen, "xx");
    eddy_reactor_free(r);
}

Test(triggers, trigger_ids_are_distinct_and_non_zero)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct step x = {&t, 'x'};
    eddy_trigger_id a = add(r, EDDY_PHASE_DURING, "e", &x);
    eddy_trigger_id b = add(r, EDDY_PHASE_DURING, "e", &x);
    eddy_trigger_id c = add(r, EDDY_PHASE_BEFORE, "f", &x);
    cr_assert(a != b && b != c && a != c);
    eddy_reactor_free(r);
}

Test(triggers, bad_arguments_are_refused_with_einval)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct step x = {&t, 'x'};
    eddy_trigger_id id;
    cr_assert_eq(
        eddy_reactor_add_system_event_trigger(r, (eddy_trigger_phase)7, "e", record, &x, &id),
        -EINVAL);
    cr_assert_eq(eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_DURING, NULL, record, &x, &id),
                 -EINVAL);
    cr_assert_eq(eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_DURING, "e", NULL, &x, &id),
                 -EINVAL);
    cr_assert_eq(eddy_reactor_fire_system_event(r, NULL), -EINVAL);
    eddy_reactor_free(r);
}

/* ---- removal -------------------------------------------------------------------------------- */

Test(triggers, removed_trigger_does_not_run)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct step x = {&t, 'x'}, y = {&t, 'y'};
    eddy_trigger_id id = add(r, EDDY_PHASE_DURING, "e", &x);
    add(r, EDDY_PHASE_DURING, "e", &y);
    cr_assert_eq(eddy_reactor_remove_system_event_trigger(r, id), 0);
    eddy_reactor_fire_system_event(r, "e");
    cr_assert_str_eq(t.seen, "y");
    eddy_reactor_free(r);
}

Test(triggers, removing_an_unknown_or_removed_id_is_refused_with_enotfound)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct step x = {&t, 'x'};
    eddy_trigger_id id = add(r, EDDY_PHASE_DURING, "e", &x);
    cr_assert_eq(eddy_reactor_remove_system_event_trigger(r, id + 1000), EDDY_ENOTFOUND);
    cr_assert_eq(eddy_reactor_remove_system_event_trigger(r, id), 0);
    cr_assert_eq(eddy_reactor_remove_system_event_trigger(r, id), EDDY_ENOTFOUND);
    eddy_reactor_free(r);
}

struct remover {
    struct step step;
    eddy_reactor *r;
    eddy_trigger_id victim;
    int rc;
};

static void record_and_remove(void *arg)
{
    struct remover *m = arg;
    record(&m->step);
    m->rc = eddy_reactor_remove_system_event_trigger(m->r, m->victim);
}

Test(triggers, trigger_removed_while_its_event_fires_does_not_run)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct remover m = {.step = {&t, 'm'}, .r = r};
    struct step same = {&t, 's'}, later = {&t, 'l'};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "e", record_and_remove, &m, NULL);
    add(r, EDDY_PHASE_BEFORE, "e", &same); /* same phase, after the remover */
    eddy_trigger_id later_id = add(r, EDDY_PHASE_AFTER, "e", &later);
    m.victim = later_id;
    eddy_reactor_fire_system_event(r, "e");
    cr_assert_eq(m.rc, 0);
    cr_assert_str_eq(t.seen, "ms");
    eddy_reactor_free(r);
}

Test(triggers, trigger_removed_by_an_earlier_trigger_of_the_same_phase_does_not_run)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct remover m = {.step = {&t, 'm'}, .r = r};
    struct step victim = {&t, 'v'}, other = {&t, 'o'};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_DURING, "e", record_and_remove, &m, NULL);
    m.victim = add(r, EDDY_PHASE_DURING, "e", &victim);
    add(r, EDDY_PHASE_DURING, "e", &other);
    eddy_reactor_fire_system_event(r, "e");
    cr_assert_eq(m.rc, 0);
    cr_assert_str_eq(t.seen, "mo");
    eddy_reactor_fire_system_event(r, "e");
    cr_assert_str_eq(t.seen, "momo", "the removal lasts");
    eddy_reactor_free(r);
}

struct self_remover {
    struct step step;
    eddy_reactor *r;
    eddy_trigger_id id;
};

static void record_and_remove_self(void *arg)
{
    struct self_remover *m = arg;
    record(&m->step);
    cr_assert_eq(eddy_reactor_remove_system_event_trigger(m->r, m->id), 0);
}

Test(triggers, trigger_can_remove_itself_while_running)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct self_remover m = {.step = {&t, 'm'}, .r = r};
    struct step after = {&t, 'n'};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_DURING, "e", record_and_remove_self, &m,
                                          &m.id);
    add(r, EDDY_PHASE_DURING, "e", &after);
    eddy_reactor_fire_system_event(r, "e");
    eddy_reactor_fire_system_event(r, "e");
    cr_assert_str_eq(t.seen, "mnn");
    eddy_reactor_free(r);
}

/* ---- holds ---------------------------------------------------------------------------------- */

struct holder {
    struct step step;
    eddy_reactor *r;
    const char *event;
    eddy_event_hold *hold;
};

static void record_and_hold(void *arg)
{
    struct holder *h = arg;
    record(&h->step);
    h->hold = eddy_reactor_hold_system_event(h->r, h->event);
    cr_assert_not_null(h->hold);
}

Test(triggers, hold_delays_during_and_after_until_released)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct holder h = {.step = {&t, 'b'}, .r = r, .event = "e"};
    struct step d = {&t, 'd'}, a = {&t, 'a'};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "e", record_and_hold, &h, NULL);
    add(r, EDDY_PHASE_DURING, "e", &d);
    add(r, EDDY_PHASE_AFTER, "e", &a);
    cr_assert_eq(eddy_reactor_fire_system_event(r, "e"), 0);
    test_iterate_n(r, 3);
    cr_assert_str_eq(t.seen, "b", "during ran while a hold was outstanding");
    eddy_reactor_release_system_event(h.hold);
    cr_assert_str_eq(t.seen, "b", "the rest runs from the loop, not inside release");
    test_iterate_n(r, 1);
    cr_assert_str_eq(t.seen, "bda");
    eddy_reactor_free(r);
}

Test(triggers, event_waits_for_every_hold)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct holder h1 = {.step = {&t, '1'}, .r = r, .event = "e"};
    struct holder h2 = {.step = {&t, '2'}, .r = r, .event = "e"};
    struct step d = {&t, 'd'};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "e", record_and_hold, &h1, NULL);
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "e", record_and_hold, &h2, NULL);
    add(r, EDDY_PHASE_DURING, "e", &d);
    eddy_reactor_fire_system_event(r, "e");
    eddy_reactor_release_system_event(h2.hold);
    test_iterate_n(r, 3);
    cr_assert_str_eq(t.seen, "12");
    eddy_reactor_release_system_event(h1.hold);
    test_iterate_n(r, 1);
    cr_assert_str_eq(t.seen, "12d");
    eddy_reactor_free(r);
}

static void hold_and_release_at_once(void *arg)
{
    struct holder *h = arg;
    record_and_hold(h);
    eddy_reactor_release_system_event(h->hold);
}

Test(triggers, hold_released_inside_the_before_phase_does_not_delay_the_event)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct holder h = {.step = {&t, 'b'}, .r = r, .event = "e"};
    struct step d = {&t, 'd'};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "e", hold_and_release_at_once, &h,
                                          NULL);
    add(r, EDDY_PHASE_DURING, "e", &d);
    eddy_reactor_fire_system_event(r, "e");
    cr_assert_str_eq(t.seen, "bd");
    eddy_reactor_free(r);
}

Test(triggers, hold_is_refused_outside_a_before_phase)
{
    eddy_reactor *r = test_reactor_new();
    cr_assert_null(eddy_reactor_hold_system_event(r, "e"), "the event is not firing");
    cr_assert_null(eddy_reactor_hold_system_event(r, "startup"));
    eddy_reactor_free(r);
}

struct wrong_phase {
    eddy_reactor *r;
    eddy_event_hold *hold;
    bool called;
};

static void try_hold_during(void *arg)
{
    struct wrong_phase *w = arg;
    w->called = true;
    w->hold = eddy_reactor_hold_system_event(w->r, "e");
}

Test(triggers, hold_is_refused_in_the_during_phase)
{
    eddy_reactor *r = test_reactor_new();
    struct wrong_phase w = {.r = r};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_DURING, "e", try_hold_during, &w, NULL);
    eddy_reactor_fire_system_event(r, "e");
    cr_assert(w.called);
    cr_assert_null(w.hold);
    eddy_reactor_free(r);
}

Test(triggers, reactor_freed_with_a_held_event_leaks_nothing)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct holder h = {.step = {&t, 'b'}, .r = r, .event = "e"};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "e", record_and_hold, &h, NULL);
    eddy_reactor_fire_system_event(r, "e");
    eddy_reactor_release_system_event(h.hold);
    eddy_reactor_free(r);
}

Test(triggers, hold_released_after_the_reactor_was_freed_only_frees_the_hold)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {0};
    struct holder h = {.step = {&t, 'b'}, .r = r, .event = "e"};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "e", record_and_hold, &h, NULL);
    eddy_reactor_fire_system_event(r, "e");
    cr_assert_not_null(h.hold);
    eddy_reactor_free(r);
    eddy_reactor_release_system_event(h.hold); /* ASan: no use of the freed reactor */
}

/* ---- startup, shutdown, call_when_running -------------------------------------------------- */

Test(triggers, run_fires_startup_phases_in_order_with_running_set_during)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct step b = {&t, 'b'}, d = {&t, 'd'}, a = {&t, 'a'};
    add(r, EDDY_PHASE_AFTER, "startup", &a);
    add(r, EDDY_PHASE_DURING, "startup", &d);
    add(r, EDDY_PHASE_BEFORE, "startup", &b);
    eddy_reactor_call_when_running(r, stop_reactor, r);
    eddy_reactor_run(r);
    cr_assert_str_eq(t.seen, "bda");
    cr_assert_not(t.running[0], "not running yet in before startup");
    cr_assert(t.running[2], "running in after startup");
    eddy_reactor_free(r);
}

Test(triggers, stop_fires_every_shutdown_phase_before_run_returns)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct step b = {&t, 'b'}, d = {&t, 'd'}, a = {&t, 'a'};
    add(r, EDDY_PHASE_AFTER, "shutdown", &a);
    add(r, EDDY_PHASE_DURING, "shutdown", &d);
    add(r, EDDY_PHASE_BEFORE, "shutdown", &b);
    eddy_reactor_call_when_running(r, stop_reactor, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_str_eq(t.seen, "bda");
    cr_assert(t.running[0], "still running in before shutdown");
    cr_assert_not(t.running[2], "no longer running in after shutdown");
    eddy_reactor_free(r);
}

Test(triggers, shutdown_triggers_run_after_the_iteration_that_called_stop)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct step s = {&t, 's'}, same = {&t, 'c'};
    add(r, EDDY_PHASE_BEFORE, "shutdown", &s);
    eddy_call_later(r, 0, stop_reactor, r);
    eddy_call_later(r, 0, record, &same); /* due in the same batch as the stop */
    eddy_reactor_run(r);
    cr_assert_str_eq(t.seen, "cs");
    eddy_reactor_free(r);
}

Test(triggers, crash_fires_no_shutdown_triggers)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct step b = {&t, 'b'}, d = {&t, 'd'}, a = {&t, 'a'};
    add(r, EDDY_PHASE_BEFORE, "shutdown", &b);
    add(r, EDDY_PHASE_DURING, "shutdown", &d);
    add(r, EDDY_PHASE_AFTER, "shutdown", &a);
    eddy_reactor_call_when_running(r, crash_reactor, r);
    eddy_reactor_run(r);
    cr_assert_str_eq(t.seen, "");
    eddy_reactor_free(r);
}

struct delayed_release {
    struct holder holder;
    eddy_reactor *r;
};

static void release_hold(void *arg)
{
    struct holder *h = arg;
    cr_assert_not_null(h->hold);
    eddy_reactor_release_system_event(h->hold);
}

static void hold_shutdown_and_release_later(void *arg)
{
    struct holder *h = arg;
    record_and_hold(h);
    cr_assert_neq(eddy_call_later(h->r, 0.01, release_hold, h).id, 0);
}

Test(triggers, hold_on_shutdown_keeps_run_going_until_released)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct holder h = {.step = {&t, 'b'}, .r = r, .event = "shutdown"};
    struct step d = {&t, 'd'}, a = {&t, 'a'};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "shutdown",
                                          hold_shutdown_and_release_later, &h, NULL);
    add(r, EDDY_PHASE_DURING, "shutdown", &d);
    add(r, EDDY_PHASE_AFTER, "shutdown", &a);
    eddy_reactor_call_when_running(r, stop_reactor, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_str_eq(t.seen, "bda", "run returned before the hold was released");
    cr_assert(t.running[0]);
    eddy_reactor_free(r);
}

Test(triggers, call_when_running_before_run_waits_for_startup)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct step w = {&t, 'w'}, d = {&t, 'd'};
    cr_assert_eq(eddy_reactor_call_when_running(r, record, &w), 0);
    add(r, EDDY_PHASE_DURING, "startup", &d);
    cr_assert_str_eq(t.seen, "");
    eddy_reactor_call_when_running(r, stop_reactor, r);
    eddy_reactor_run(r);
    cr_assert_str_eq(t.seen, "dw", "it runs after the during phase of startup");
    cr_assert(t.running[1]);
    eddy_reactor_free(r);
}

struct when_running {
    struct trace *trace;
    struct step step;
    bool ran_at_once;
};

static void call_when_running_now(void *arg)
{
    struct when_running *w = arg;
    eddy_reactor *r = w->trace->r;
    cr_assert_eq(eddy_reactor_call_when_running(r, record, &w->step), 0);
    w->ran_at_once = strchr(w->trace->seen, 'n') != NULL;
    eddy_reactor_stop(r);
}

Test(triggers, call_when_running_while_running_calls_at_once)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct when_running w = {.trace = &t, .step = {&t, 'n'}};
    eddy_call_later(r, 0, call_when_running_now, &w);
    eddy_reactor_run(r);
    cr_assert(w.ran_at_once);
    eddy_reactor_free(r);
}

/* ---- stop while startup is held ------------------------------------------------------------- */

Test(triggers, stop_while_startup_is_held_runs_every_shutdown_phase_once_and_ends_run)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct holder h = {.step = {&t, 'h'}, .r = r, .event = "startup"};
    struct step b = {&t, 'B'}, d = {&t, 'D'}, a = {&t, 'A'};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "startup", record_and_hold, &h,
                                          NULL);
    add(r, EDDY_PHASE_BEFORE, "shutdown", &b);
    add(r, EDDY_PHASE_DURING, "shutdown", &d);
    add(r, EDDY_PHASE_AFTER, "shutdown", &a);
    eddy_call_later(r, 0, stop_reactor, r); /* asserts that stop() is accepted */
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_str_eq(t.seen, "hBDA");
    cr_assert_not(eddy_reactor_running(r));
    eddy_reactor_release_system_event(h.hold);
    eddy_reactor_free(r);
}

Test(triggers, startup_still_held_when_shutdown_begins_never_finishes)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct holder h = {.step = {&t, 'h'}, .r = r, .event = "startup"};
    struct step d = {&t, 'd'}, a = {&t, 'a'}, w = {&t, 'w'};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "startup", record_and_hold, &h,
                                          NULL);
    add(r, EDDY_PHASE_DURING, "startup", &d);
    add(r, EDDY_PHASE_AFTER, "startup", &a);
    eddy_reactor_call_when_running(r, record, &w);
    eddy_call_later(r, 0, stop_reactor, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    eddy_reactor_release_system_event(h.hold); /* too late: it only frees the hold */
    test_iterate_n(r, 2);
    cr_assert_str_eq(t.seen, "h", "startup finished after shutdown");
    cr_assert_not(eddy_reactor_running(r));
    eddy_reactor_free(r);
}

static void record_and_stop(void *arg)
{
    struct step *s = arg;
    record(s);
    stop_reactor(s->trace->r);
}

Test(triggers, stop_from_a_before_startup_trigger_lets_startup_finish_then_shuts_down)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct step s = {&t, 's'}, d = {&t, 'd'}, a = {&t, 'a'}, b = {&t, 'B'};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "startup", record_and_stop, &s,
                                          NULL);
    add(r, EDDY_PHASE_DURING, "startup", &d);
    add(r, EDDY_PHASE_AFTER, "startup", &a);
    add(r, EDDY_PHASE_BEFORE, "shutdown", &b);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_str_eq(t.seen, "sdaB");
    eddy_reactor_free(r);
}

static void crash_then_stop(void *arg)
{
    struct step *s = arg;
    eddy_reactor_crash(s->trace->r);
    if (eddy_reactor_stop(s->trace->r) == EDDY_ENOTRUNNING)
        record(s);
}

Test(triggers, stop_after_a_crash_inside_run_is_refused_with_enotrunning)
{
    eddy_reactor *r = test_reactor_new();
    struct trace t = {.r = r};
    struct step refused = {&t, 'r'}, b = {&t, 'B'};
    add(r, EDDY_PHASE_BEFORE, "shutdown", &b);
    eddy_reactor_call_when_running(r, crash_then_stop, &refused);
    cr_assert_eq(eddy_reactor_run(r), 0);
    test_iterate_n(r, 2);
    cr_assert_str_eq(t.seen, "r", "a crashed run is not stopped later");
    eddy_reactor_free(r);
}
