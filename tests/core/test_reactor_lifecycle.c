/* The reactor's life: creation, backend choice, run/stop/crash, iterate and re-entrancy. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eddy_test.h"

TestSuite(reactor_lifecycle, .timeout = 10);

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stop_reactor(void *arg)
{
    cr_assert_eq(eddy_reactor_stop(arg), 0);
}

static void crash_reactor(void *arg)
{
    eddy_reactor_crash(arg);
}

static void set_flag(void *arg)
{
    *(bool *)arg = true;
}

static void count(void *arg)
{
    ++*(int *)arg;
}

static bool list_has(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

static eddy_reactor *new_with_backend(const char *name)
{
    eddy_reactor_options opts = {.backend = name};
    eddy_reactor *r = NULL;
    int rc = eddy_reactor_new(&opts, &r);
    cr_assert_eq(rc, 0, "eddy_reactor_new(%s): %s", name, eddy_strerror(rc));
    return r;
}

/* ---- creation and backends ------------------------------------------------------------------ */

Test(reactor_lifecycle, new_reactor_is_idle_and_frees_clean)
{
    eddy_reactor *r = test_reactor_new();
    cr_assert_not(eddy_reactor_running(r));
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    cr_assert_eq(test_count_readers(r), 0, "the internal waker must not be listed");
    cr_assert_eq(test_count_writers(r), 0);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, free_of_null_is_a_no_op)
{
    eddy_reactor_free(NULL);
}

Test(reactor_lifecycle, backend_in_use_is_the_one_named_by_eddy_reactor)
{
    eddy_reactor *r = test_reactor_new();
    const char *want = test_backend();
    if (strcmp(want, "default") == 0)
        want = eddy_reactor_backends()[0];
    cr_assert_str_eq(eddy_reactor_backend_name(r), want);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, environment_variable_picks_the_backend)
{
    const char *const *names = eddy_reactor_backends();
    for (size_t i = 0; names[i]; i++) {
        cr_assert_eq(setenv("EDDY_REACTOR", names[i], 1), 0);
        eddy_reactor *r = NULL;
        cr_assert_eq(eddy_reactor_new(NULL, &r), 0);
        cr_assert_str_eq(eddy_reactor_backend_name(r), names[i]);
        eddy_reactor_free(r);
    }
}

Test(reactor_lifecycle, backend_option_overrides_the_environment)
{
    cr_assert_eq(setenv("EDDY_REACTOR", "select", 1), 0);
    eddy_reactor *r = new_with_backend("poll");
    cr_assert_str_eq(eddy_reactor_backend_name(r), "poll");
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, without_a_choice_the_best_backend_is_used)
{
    cr_assert_eq(unsetenv("EDDY_REACTOR"), 0);
    eddy_reactor *r = NULL;
    cr_assert_eq(eddy_reactor_new(NULL, &r), 0);
    cr_assert_str_eq(eddy_reactor_backend_name(r), eddy_reactor_backends()[0]);
#ifdef __linux__
    cr_assert_str_eq(eddy_reactor_backend_name(r), "epoll");
#endif
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, empty_environment_variable_means_no_choice)
{
    cr_assert_eq(setenv("EDDY_REACTOR", "", 1), 0);
    eddy_reactor *r = NULL;
    cr_assert_eq(eddy_reactor_new(NULL, &r), 0);
    cr_assert_str_eq(eddy_reactor_backend_name(r), eddy_reactor_backends()[0]);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, unknown_backend_option_is_refused_with_ebackend)
{
    eddy_reactor_options opts = {.backend = "no-such-backend"};
    eddy_reactor *r = NULL;
    cr_assert_eq(eddy_reactor_new(&opts, &r), EDDY_EBACKEND);
    cr_assert_null(r, "nothing is returned on failure");
}

Test(reactor_lifecycle, unknown_backend_in_the_environment_is_refused_with_ebackend)
{
    cr_assert_eq(setenv("EDDY_REACTOR", "no-such-backend", 1), 0);
    eddy_reactor *r = NULL;
    cr_assert_eq(eddy_reactor_new(NULL, &r), EDDY_EBACKEND);
    cr_assert_null(r);
}

#ifdef __linux__
Test(reactor_lifecycle, backend_unavailable_here_is_refused_with_ebackend)
{
    eddy_reactor_options opts = {.backend = "kqueue"};
    eddy_reactor *r = NULL;
    cr_assert_eq(eddy_reactor_new(&opts, &r), EDDY_EBACKEND);
    cr_assert_null(r);
}
#endif

Test(reactor_lifecycle, backend_list_names_each_usable_backend_once)
{
    const char *const *names = eddy_reactor_backends();
    cr_assert_not_null(names[0], "at least one backend");
    cr_assert(list_has(names, "poll"));
    cr_assert(list_has(names, "select"));
#ifdef __linux__
    cr_assert(list_has(names, "epoll"));
    cr_assert_not(list_has(names, "kqueue"));
#endif
    for (size_t i = 0; names[i]; i++) {
        for (size_t j = i + 1; names[j]; j++)
            cr_assert_str_neq(names[i], names[j]);
        eddy_reactor *r = new_with_backend(names[i]);
        cr_assert_str_eq(eddy_reactor_backend_name(r), names[i]);
        eddy_reactor_free(r);
    }
}

/* ---- run, stop, crash ---------------------------------------------------------------------- */

struct run_probe {
    eddy_reactor *r;
    bool running_inside;
    int run_again;
    int stop_again;
};

static void probe_and_stop(void *arg)
{
    struct run_probe *p = arg;
    p->running_inside = eddy_reactor_running(p->r);
    p->run_again = eddy_reactor_run(p->r);
    cr_assert_eq(eddy_reactor_stop(p->r), 0);
    p->stop_again = eddy_reactor_stop(p->r);
}

Test(reactor_lifecycle, run_returns_zero_after_stop)
{
    eddy_reactor *r = test_reactor_new();
    cr_assert_eq(eddy_reactor_call_when_running(r, stop_reactor, r), 0);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_not(eddy_reactor_running(r));
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, reactor_is_running_only_inside_run)
{
    eddy_reactor *r = test_reactor_new();
    struct run_probe p = {.r = r};
    cr_assert_not(eddy_reactor_running(r));
    eddy_reactor_call_when_running(r, probe_and_stop, &p);
    eddy_reactor_run(r);
    cr_assert(p.running_inside);
    cr_assert_not(eddy_reactor_running(r));
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, run_while_running_is_refused_with_ealreadyrunning)
{
    eddy_reactor *r = test_reactor_new();
    struct run_probe p = {.r = r};
    eddy_reactor_call_when_running(r, probe_and_stop, &p);
    eddy_reactor_run(r);
    cr_assert_eq(p.run_again, EDDY_EALREADYRUNNING);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, stop_while_stopping_is_refused_with_enotrunning)
{
    eddy_reactor *r = test_reactor_new();
    struct run_probe p = {.r = r};
    eddy_reactor_call_when_running(r, probe_and_stop, &p);
    eddy_reactor_run(r);
    cr_assert_eq(p.stop_again, EDDY_ENOTRUNNING);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, run_after_stop_is_refused_with_enotrestartable)
{
    eddy_reactor *r = test_reactor_new();
    eddy_reactor_call_when_running(r, stop_reactor, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_eq(eddy_reactor_run(r), EDDY_ENOTRESTARTABLE);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, run_after_crash_is_refused_with_enotrestartable)
{
    eddy_reactor *r = test_reactor_new();
    eddy_reactor_call_when_running(r, crash_reactor, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_eq(eddy_reactor_run(r), EDDY_ENOTRESTARTABLE);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, stop_before_run_is_refused_with_enotrunning)
{
    eddy_reactor *r = test_reactor_new();
    cr_assert_eq(eddy_reactor_stop(r), EDDY_ENOTRUNNING);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, stop_after_run_returned_is_refused_with_enotrunning)
{
    eddy_reactor *r = test_reactor_new();
    eddy_reactor_call_when_running(r, stop_reactor, r);
    eddy_reactor_run(r);
    cr_assert_eq(eddy_reactor_stop(r), EDDY_ENOTRUNNING);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, stop_from_a_delayed_call_ends_run)
{
    eddy_reactor *r = test_reactor_new();
    int ticks = 0;
    eddy_call_later(r, 0, count, &ticks);
    eddy_call_later(r, 0.01, stop_reactor, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_eq(ticks, 1);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, crash_returns_as_soon_as_the_current_callback_returns)
{
    eddy_reactor *r = test_reactor_new();
    int after = 0;
    bool shutdown = false;
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "shutdown", set_flag, &shutdown,
                                          NULL);
    eddy_call_later(r, 0, crash_reactor, r);
    eddy_delayed_call later = eddy_call_later(r, 0, count, &after);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_eq(after, 0, "a call due in the same batch must not run after crash");
    cr_assert(eddy_delayed_call_active(r, later), "it stays scheduled");
    cr_assert_not(shutdown, "crash fires no shutdown triggers");
    cr_assert_not(eddy_reactor_running(r));
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, crash_leaves_descriptors_registered_and_connected)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    eddy_reactor_call_when_running(r, crash_reactor, r);
    eddy_reactor_run(r);
    cr_assert_eq(d.lost, 0);
    cr_assert(test_is_reader(r, &d.base));
    eddy_reactor_free(r);
    cr_assert_eq(d.lost, 0, "free forgets descriptors without calling them");
    close(sv[0]);
    close(sv[1]);
}

Test(reactor_lifecycle, stop_disconnects_every_descriptor_once_with_econnlost)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc both, reader_only;
    test_desc_init(&both, r, sv[0]);
    test_desc_init(&reader_only, r, sv[1]);
    cr_assert_eq(eddy_reactor_add_reader(r, &both.base), 0);
    cr_assert_eq(eddy_reactor_add_writer(r, &both.base), 0);
    cr_assert_eq(eddy_reactor_add_reader(r, &reader_only.base), 0);
    eddy_reactor_call_when_running(r, stop_reactor, r);
    eddy_reactor_run(r);
    cr_assert_eq(both.lost, 1, "an object that reads and writes is disconnected once");
    cr_assert_eq(both.lost_code, EDDY_ECONNLOST);
    cr_assert_eq(reader_only.lost, 1);
    cr_assert_eq(reader_only.lost_code, EDDY_ECONNLOST);
    cr_assert_eq(test_count_readers(r), 0);
    cr_assert_eq(test_count_writers(r), 0);
    eddy_reactor_free(r);
    close(sv[0]);
    close(sv[1]);
}

Test(reactor_lifecycle, free_discards_pending_work_without_calling_it)
{
    eddy_reactor *r = test_reactor_new();
    int calls = 0;
    eddy_call_later(r, 0, count, &calls);
    eddy_call_later(r, 100, count, &calls);
    cr_assert_eq(eddy_call_from_thread(r, count, &calls), 0);
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "shutdown", count, &calls, NULL);
    eddy_reactor_call_when_running(r, count, &calls);
    eddy_reactor_free(r);
    cr_assert_eq(calls, 0);
}

/* ---- iterate ------------------------------------------------------------------------------- */

Test(reactor_lifecycle, iterate_works_without_run)
{
    eddy_reactor *r = test_reactor_new();
    bool fired = false;
    eddy_call_later(r, 0, set_flag, &fired);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert(fired);
    cr_assert_not(eddy_reactor_running(r), "iterate does not start the reactor");
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, iterate_with_nothing_to_do_returns_within_its_wait)
{
    eddy_reactor *r = test_reactor_new();
    double start = monotonic_seconds();
    cr_assert_eq(eddy_reactor_iterate(r, 0.02), 0);
    double elapsed = monotonic_seconds() - start;
    cr_assert_lt(elapsed, 2.0, "iterate(0.02) took %.3f s", elapsed);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, iterate_wait_ends_at_the_next_delayed_call)
{
    /* If the wait were not cut short, iterate(30) would block past the suite's timeout. The call
     * runs at the start of the next iteration (delayed calls come before the poll). */
    eddy_reactor *r = test_reactor_new();
    bool fired = false;
    eddy_delayed_call dc = eddy_call_later(r, 0.02, set_flag, &fired);
    double deadline;
    cr_assert_eq(eddy_delayed_call_get_time(r, dc, &deadline), 0);
    cr_assert_eq(eddy_reactor_iterate(r, 30), 0);
    cr_assert_geq(monotonic_seconds(), deadline, "the poll must not end before the deadline");
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert(fired);
    eddy_reactor_free(r);
}

/* The timeout the backend was last asked to wait, in ms; the real call is made without waiting
 * so that a wrong timeout fails the assertion instead of the suite's clock. */
static int asked_timeout_ms;

static int recording_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    asked_timeout_ms = timeout_ms;
    return eddy_syscalls_default()->poll(fds, n, 0);
}

static int recording_select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    asked_timeout_ms = tv ? (int)(tv->tv_sec * 1000 + tv->tv_usec / 1000) : -1;
    struct timeval none = {0, 0};
    return eddy_syscalls_default()->select(n, rd, wr, ex, &none);
}

#ifdef __linux__
static int recording_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
    asked_timeout_ms = timeout_ms;
    return eddy_syscalls_default()->epoll_wait(epfd, ev, max, 0);
}
#endif

static void record_poll_timeouts(void)
{
    eddy_syscalls table = *eddy_syscalls_default();
    table.poll = recording_poll;
    table.select = recording_select;
#ifdef __linux__
    table.epoll_wait = recording_epoll_wait;
#endif
    eddy_syscalls_set(&table);
}

struct rescheduler {
    eddy_reactor *r;
    int calls;
};

static void schedule_another_now(void *arg)
{
    struct rescheduler *s = arg;
    eddy_call_later(s->r, 0, count, &s->calls);
}

Test(reactor_lifecycle, with_a_fake_clock_a_call_already_due_keeps_the_poll_from_waiting)
{
    /* A fake clock never makes the poll wait for a deadline, since time will not move by itself;
     * but a call that is due already must run without waiting: run() would otherwise block for
     * ever on a call_later(0) made by a delayed call. */
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct rescheduler s = {.r = r};
    eddy_call_later(r, 0, schedule_another_now, &s); /* its call_later(0) waits for the poll */
    record_poll_timeouts();
    asked_timeout_ms = -2;
    int rc = eddy_reactor_iterate(r, 5);
    eddy_syscalls_set(NULL);
    cr_assert_eq(rc, 0);
    cr_assert_eq(s.calls, 0);
    cr_assert_eq(asked_timeout_ms, 0, "the poll was asked to wait %d ms with a call due",
                 asked_timeout_ms);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert_eq(s.calls, 1);
    test_reactor_free_fake(r, fc);
}

Test(reactor_lifecycle, negative_or_nan_wait_means_do_not_block)
{
    eddy_reactor *r = test_reactor_new();
    cr_assert_eq(eddy_reactor_iterate(r, -1), 0);
    cr_assert_eq(eddy_reactor_iterate(r, 0.0 / 0.0), 0);
    eddy_reactor_free(r);
}

struct reentry {
    eddy_reactor *r;
    int rc;
    bool called;
};

static void try_iterate(void *arg)
{
    struct reentry *e = arg;
    e->called = true;
    e->rc = eddy_reactor_iterate(e->r, 0);
}

static void try_iterate_then_stop(void *arg)
{
    struct reentry *e = arg;
    try_iterate(e);
    eddy_reactor_stop(e->r);
}

Test(reactor_lifecycle, iterate_from_a_delayed_call_is_refused_with_ereentrant)
{
    eddy_reactor *r = test_reactor_new();
    struct reentry e = {.r = r};
    eddy_call_later(r, 0, try_iterate, &e);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert(e.called);
    cr_assert_eq(e.rc, EDDY_EREENTRANT);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, iterate_from_a_callback_inside_run_is_refused_with_ereentrant)
{
    eddy_reactor *r = test_reactor_new();
    struct reentry e = {.r = r};
    eddy_call_later(r, 0, try_iterate_then_stop, &e);
    eddy_reactor_run(r);
    cr_assert(e.called);
    cr_assert_eq(e.rc, EDDY_EREENTRANT);
    eddy_reactor_free(r);
}

Test(reactor_lifecycle, iterate_from_a_thread_call_is_refused_with_ereentrant)
{
    eddy_reactor *r = test_reactor_new();
    struct reentry e = {.r = r};
    cr_assert_eq(eddy_call_from_thread(r, try_iterate, &e), 0);
    test_iterate_until(r, &e.called, 10);
    cr_assert_eq(e.rc, EDDY_EREENTRANT);
    eddy_reactor_free(r);
}

static void iterate_in_read(test_desc *t)
{
    struct reentry *e = t->user;
    try_iterate(e);
}

Test(reactor_lifecycle, iterate_from_a_read_handler_is_refused_with_ereentrant)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    struct reentry e = {.r = r};
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    d.on_read = iterate_in_read;
    d.user = &e;
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    test_write_byte(sv[1]);
    test_iterate_until(r, &e.called, 20);
    cr_assert_eq(e.rc, EDDY_EREENTRANT);
    eddy_reactor_free(r);
    close(sv[0]);
    close(sv[1]);
}

Test(reactor_lifecycle, iterate_from_a_call_fired_by_advance_is_refused_with_ereentrant)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    struct reentry e = {.r = r};
    eddy_call_later(r, 1, try_iterate, &e);
    cr_assert_eq(eddy_reactor_advance(r, 1), 0);
    cr_assert(e.called);
    cr_assert_eq(e.rc, EDDY_EREENTRANT);
    test_reactor_free_fake(r, fc);
}

Test(reactor_lifecycle, advance_needs_a_fake_clock)
{
    eddy_reactor *r = test_reactor_new();
    cr_assert_eq(eddy_reactor_advance(r, 1), -EINVAL);
    eddy_reactor_free(r);
}
