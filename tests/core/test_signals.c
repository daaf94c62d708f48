/* Signal handlers that run in the reactor's loop, and the SIGINT/SIGTERM handlers of run(). */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "eddy_test.h"

TestSuite(signals, .timeout = 10);

struct caught {
    int calls;
    int signo;
    void *arg;
    bool in_iterate_each_time;
};

static bool inside_iterate; /* set by iterate_marked around each iteration */

static void on_signal(int signo, void *arg)
{
    struct caught *c = arg;
    if (c->calls == 0)
        c->in_iterate_each_time = true;
    c->in_iterate_each_time &= inside_iterate;
    c->calls++;
    c->signo = signo;
    c->arg = arg;
}

static bool has_caught(void *arg)
{
    return ((struct caught *)arg)->calls > 0;
}

static void iterate_marked_until_caught(eddy_reactor *r, struct caught *c)
{
    for (int i = 0; i < 20 && !c->calls; i++) {
        inside_iterate = true;
        int rc = eddy_reactor_iterate(r, 0.05);
        inside_iterate = false;
        cr_assert_eq(rc, 0);
    }
    cr_assert_gt(c->calls, 0, "the handler never ran");
}

static void (*disposition(int signo))(int)
{
    struct sigaction sa;
    cr_assert_eq(sigaction(signo, NULL, &sa), 0);
    return sa.sa_handler;
}

static void test_own_handler(int signo)
{
    (void)signo;
}

static void install_test_handler(int signo)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = test_own_handler;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(signo, &sa, NULL), 0);
}

/* ---- eddy_reactor_add_signal_handler --------------------------------------------------------- */

Test(signals, handler_runs_from_the_loop_not_in_signal_context)
{
    eddy_reactor *r = test_reactor_new();
    struct caught c = {0};
    cr_assert_eq(eddy_reactor_add_signal_handler(r, SIGUSR1, on_signal, &c), 0);
    cr_assert_eq(raise(SIGUSR1), 0);
    cr_assert_eq(c.calls, 0, "the handler ran inside the signal handler");
    iterate_marked_until_caught(r, &c);
    cr_assert(c.in_iterate_each_time);
    eddy_reactor_free(r);
}

Test(signals, handler_gets_its_signal_number_and_argument)
{
    eddy_reactor *r = test_reactor_new();
    struct caught c = {0};
    eddy_reactor_add_signal_handler(r, SIGUSR2, on_signal, &c);
    raise(SIGUSR2);
    test_iterate_until_fn(r, has_caught, &c, 20);
    cr_assert_eq(c.signo, SIGUSR2);
    cr_assert_eq(c.arg, &c);
    eddy_reactor_free(r);
}

Test(signals, each_signal_goes_to_its_own_handler)
{
    eddy_reactor *r = test_reactor_new();
    struct caught one = {0}, two = {0};
    eddy_reactor_add_signal_handler(r, SIGUSR1, on_signal, &one);
    eddy_reactor_add_signal_handler(r, SIGUSR2, on_signal, &two);
    raise(SIGUSR2);
    test_iterate_until_fn(r, has_caught, &two, 20);
    test_iterate_n(r, 2);
    cr_assert_eq(one.calls, 0);
    raise(SIGUSR1);
    test_iterate_until_fn(r, has_caught, &one, 20);
    cr_assert_eq(two.calls, 1);
    eddy_reactor_free(r);
}

Test(signals, signal_raised_again_after_handling_is_handled_again)
{
    eddy_reactor *r = test_reactor_new();
    struct caught c = {0};
    eddy_reactor_add_signal_handler(r, SIGUSR1, on_signal, &c);
    raise(SIGUSR1);
    test_iterate_until_fn(r, has_caught, &c, 20);
    raise(SIGUSR1);
    for (int i = 0; i < 20 && c.calls < 2; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0.05), 0);
    cr_assert_eq(c.calls, 2);
    eddy_reactor_free(r);
}

struct reraiser {
    int calls;
    int raises_left;
};

static void raise_own_signal(int signo, void *arg)
{
    struct reraiser *m = arg;
    m->calls++;
    if (m->raises_left-- > 0)
        raise(signo);
}

Test(signals, signal_raised_by_its_own_handler_waits_for_the_next_iteration)
{
    /* A handler that signals its own process (say, forwarding SIGTERM to its process group) must
     * not be called again and again inside one iteration: with no limit that never returns. */
    eddy_reactor *r = test_reactor_new();
    struct reraiser m = {.raises_left = 5};
    cr_assert_eq(eddy_reactor_add_signal_handler(r, SIGUSR1, raise_own_signal, &m), 0);
    raise(SIGUSR1);
    for (int i = 0; i < 20 && !m.calls; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0.05), 0);
    cr_assert_eq(m.calls, 1, "called %d times in one iteration", m.calls);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert_eq(m.calls, 2);
    eddy_reactor_free(r);
}

struct remover {
    eddy_reactor *r;
    int calls;
    int rc;
};

static void remove_own_handler(int signo, void *arg)
{
    struct remover *m = arg;
    m->calls++;
    m->rc = eddy_reactor_remove_signal_handler(m->r, signo);
}

Test(signals, handler_may_remove_itself)
{
    install_test_handler(SIGUSR1);
    eddy_reactor *r = test_reactor_new();
    struct remover m = {.r = r};
    eddy_reactor_add_signal_handler(r, SIGUSR1, remove_own_handler, &m);
    raise(SIGUSR1);
    for (int i = 0; i < 20 && !m.calls; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0.05), 0);
    cr_assert_eq(m.calls, 1);
    cr_assert_eq(m.rc, 0);
    cr_assert_eq(disposition(SIGUSR1), test_own_handler);
    raise(SIGUSR1); /* goes to the restored test handler, not to eddy */
    test_iterate_n(r, 3);
    cr_assert_eq(m.calls, 1);
    eddy_reactor_free(r);
}

/* Announces that the reactor is about to block, so the signal arrives while it waits. */
static sem_t polling;

static int announcing_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    sem_post(&polling);
    return eddy_syscalls_default()->poll(fds, n, timeout_ms);
}

static int announcing_select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    sem_post(&polling);
    return eddy_syscalls_default()->select(n, rd, wr, ex, tv);
}

#ifdef __linux__
static int announcing_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
    sem_post(&polling);
    return eddy_syscalls_default()->epoll_wait(epfd, ev, max, timeout_ms);
}
#endif

static void *signal_when_polling(void *arg)
{
    (void)arg;
    while (sem_wait(&polling) != 0)
        ;
    kill(getpid(), SIGUSR1);
    return NULL;
}

Test(signals, signal_wakes_a_reactor_blocked_in_poll)
{
    cr_assert_eq(sem_init(&polling, 0, 0), 0);
    eddy_syscalls table = *eddy_syscalls_default();
    table.poll = announcing_poll;
    table.select = announcing_select;
#ifdef __linux__
    table.epoll_wait = announcing_epoll_wait;
#endif
    eddy_syscalls_set(&table);
    eddy_reactor *r = test_reactor_new();
    struct caught c = {0};
    eddy_reactor_add_signal_handler(r, SIGUSR1, on_signal, &c);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, signal_when_polling, NULL), 0);
    /* Without a wakeup this wait outlasts the suite's timeout. */
    cr_assert_eq(eddy_reactor_iterate(r, 60), 0);
    pthread_join(t, NULL);
    for (int i = 0; i < 3 && !c.calls; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert_eq(c.calls, 1);
    eddy_reactor_free(r);
    eddy_syscalls_set(NULL);
    sem_destroy(&polling);
}

/* ---- dispositions --------------------------------------------------------------------------- */

Test(signals, removing_the_handler_restores_the_previous_disposition)
{
    install_test_handler(SIGUSR1);
    eddy_reactor *r = test_reactor_new();
    struct caught c = {0};
    cr_assert_eq(eddy_reactor_add_signal_handler(r, SIGUSR1, on_signal, &c), 0);
    cr_assert_neq(disposition(SIGUSR1), test_own_handler);
    cr_assert_eq(eddy_reactor_remove_signal_handler(r, SIGUSR1), 0);
    cr_assert_eq(disposition(SIGUSR1), test_own_handler);
    eddy_reactor_free(r);
}

Test(signals, freeing_the_reactor_restores_the_previous_disposition)
{
    install_test_handler(SIGUSR2);
    eddy_reactor *r = test_reactor_new();
    struct caught c = {0};
    eddy_reactor_add_signal_handler(r, SIGUSR2, on_signal, &c);
    eddy_reactor_free(r);
    cr_assert_eq(disposition(SIGUSR2), test_own_handler);
}

Test(signals, default_disposition_is_restored_too)
{
    signal(SIGUSR1, SIG_DFL);
    eddy_reactor *r = test_reactor_new();
    struct caught c = {0};
    eddy_reactor_add_signal_handler(r, SIGUSR1, on_signal, &c);
    eddy_reactor_remove_signal_handler(r, SIGUSR1);
    cr_assert_eq(disposition(SIGUSR1), SIG_DFL);
    eddy_reactor_free(r);
}

Test(signals, second_reactor_for_the_same_signal_is_refused_with_ebusy)
{
    eddy_reactor *a = test_reactor_new();
    eddy_reactor *b = test_reactor_new();
    struct caught ca = {0}, cb = {0};
    cr_assert_eq(eddy_reactor_add_signal_handler(a, SIGUSR1, on_signal, &ca), 0);
    cr_assert_eq(eddy_reactor_add_signal_handler(b, SIGUSR1, on_signal, &cb), -EBUSY);
    cr_assert_eq(eddy_reactor_remove_signal_handler(a, SIGUSR1), 0);
    cr_assert_eq(eddy_reactor_add_signal_handler(b, SIGUSR1, on_signal, &cb), 0,
                 "free again once the first reactor let go");
    raise(SIGUSR1);
    test_iterate_until_fn(b, has_caught, &cb, 20);
    test_iterate_n(a, 2);
    cr_assert_eq(ca.calls, 0);
    eddy_reactor_free(b);
    eddy_reactor_free(a);
}

Test(signals, bad_signals_are_refused_with_einval)
{
    eddy_reactor *r = test_reactor_new();
    struct caught c = {0};
    cr_assert_eq(eddy_reactor_add_signal_handler(r, SIGKILL, on_signal, &c), -EINVAL);
    cr_assert_eq(eddy_reactor_add_signal_handler(r, SIGSTOP, on_signal, &c), -EINVAL);
    cr_assert_eq(eddy_reactor_add_signal_handler(r, 0, on_signal, &c), -EINVAL);
    cr_assert_eq(eddy_reactor_add_signal_handler(r, -3, on_signal, &c), -EINVAL);
    cr_assert_eq(eddy_reactor_add_signal_handler(r, 100000, on_signal, &c), -EINVAL);
    cr_assert_eq(eddy_reactor_add_signal_handler(r, SIGUSR1, NULL, &c), -EINVAL);
    eddy_reactor_free(r);
}

Test(signals, removing_a_handler_never_added_is_refused_with_enotfound)
{
    eddy_reactor *r = test_reactor_new();
    cr_assert_eq(eddy_reactor_remove_signal_handler(r, SIGUSR1), EDDY_ENOTFOUND);
    eddy_reactor_free(r);
}

/* ---- run() and SIGINT/SIGTERM --------------------------------------------------------------- */

struct run_signal {
    eddy_reactor *r;
    int signo;
    bool shutdown_ran;
    void (*during_run[2])(int); /* dispositions of SIGINT and SIGTERM seen inside run */
};

static void raise_it(void *arg)
{
    struct run_signal *s = arg;
    cr_assert_eq(raise(s->signo), 0);
}

static void note_shutdown(void *arg)
{
    ((struct run_signal *)arg)->shutdown_ran = true;
}

static eddy_reactor *reactor_with_signal_option(void)
{
    eddy_reactor_options opts = {.install_signal_handlers = true};
    eddy_reactor *r = NULL;
    cr_assert_eq(eddy_reactor_new(&opts, &r), 0);
    return r;
}

static void check_signal_stops_run(int signo)
{
    install_test_handler(signo);
    eddy_reactor *r = reactor_with_signal_option();
    struct run_signal s = {.r = r, .signo = signo};
    eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "shutdown", note_shutdown, &s,
                                          NULL);
    eddy_reactor_call_when_running(r, raise_it, &s);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert(s.shutdown_ran, "the signal must stop the reactor, not crash it");
    cr_assert_eq(disposition(signo), test_own_handler, "run must restore the disposition");
    eddy_reactor_free(r);
}

Test(signals, with_the_option_sigterm_stops_run)
{
    check_signal_stops_run(SIGTERM);
}

Test(signals, with_the_option_sigint_stops_run)
{
    check_signal_stops_run(SIGINT);
}

static void look_at_dispositions(void *arg)
{
    struct run_signal *s = arg;
    s->during_run[0] = disposition(SIGINT);
    s->during_run[1] = disposition(SIGTERM);
    eddy_reactor_stop(s->r);
}

Test(signals, with_the_option_an_ignored_sigint_stays_ignored)
{
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    cr_assert_eq(sigaction(SIGINT, &ign, &old), 0);
    install_test_handler(SIGTERM);
    eddy_reactor *r = reactor_with_signal_option();
    struct run_signal s = {.r = r};
    eddy_reactor_call_when_running(r, look_at_dispositions, &s);
    eddy_reactor_run(r);
    cr_assert_eq(s.during_run[0], SIG_IGN, "nohup's choice is kept");
    cr_assert_neq(s.during_run[1], test_own_handler, "SIGTERM still stops the reactor");
    eddy_reactor_free(r);
    sigaction(SIGINT, &old, NULL);
}

Test(signals, without_the_option_run_leaves_sigint_and_sigterm_alone)
{
    install_test_handler(SIGINT);
    install_test_handler(SIGTERM);
    eddy_reactor *r = test_reactor_new();
    struct run_signal s = {.r = r};
    eddy_reactor_call_when_running(r, look_at_dispositions, &s);
    eddy_reactor_run(r);
    cr_assert_eq(s.during_run[0], test_own_handler);
    cr_assert_eq(s.during_run[1], test_own_handler);
    eddy_reactor_free(r);
}

Test(signals, with_the_option_run_changes_sigint_and_sigterm_only_while_running)
{
    install_test_handler(SIGINT);
    install_test_handler(SIGTERM);
    eddy_reactor *r = reactor_with_signal_option();
    cr_assert_eq(disposition(SIGTERM), test_own_handler, "nothing changes before run");
    struct run_signal s = {.r = r};
    eddy_reactor_call_when_running(r, look_at_dispositions, &s);
    eddy_reactor_run(r);
    cr_assert_neq(s.during_run[0], test_own_handler);
    cr_assert_neq(s.during_run[1], test_own_handler);
    cr_assert_eq(disposition(SIGINT), test_own_handler);
    cr_assert_eq(disposition(SIGTERM), test_own_handler);
    eddy_reactor_free(r);
}

Test(signals, reactor_without_signal_handlers_changes_no_disposition)
{
    install_test_handler(SIGUSR1);
    install_test_handler(SIGINT);
    eddy_reactor *r = test_reactor_new();
    test_iterate_n(r, 2);
    cr_assert_eq(disposition(SIGUSR1), test_own_handler);
    cr_assert_eq(disposition(SIGINT), test_own_handler);
    eddy_reactor_free(r);
    cr_assert_eq(disposition(SIGUSR1), test_own_handler);
}
