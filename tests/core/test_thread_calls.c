/* eddy_call_from_thread: the one thread-safe call. This file also runs under ThreadSanitizer. */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>

#include "eddy_test.h"

TestSuite(thread_calls, .timeout = 30);

enum { PRODUCERS = 4, CALLS_PER_PRODUCER = 5000 };

/* What the reactor thread saw. Written only by callbacks, which run in the reactor's thread. */
struct delivery {
    int next_seq[PRODUCERS];
    int delivered;
    int out_of_order;
};

static struct delivery seen;

static void delivered(void *arg)
{
    uintptr_t v = (uintptr_t)arg;
    int producer = (int)(v >> 20), seq = (int)(v & 0xfffff);
    if (seq != seen.next_seq[producer])
        seen.out_of_order++;
    seen.next_seq[producer] = seq + 1;
    seen.delivered++;
}

struct producer {
    eddy_reactor *r;
    int id;
    int failures;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (int i = 0; i < CALLS_PER_PRODUCER; i++)
        if (eddy_call_from_thread(p->r, delivered, (void *)(((uintptr_t)p->id << 20) | i)) != 0)
            p->failures++;
    return NULL;
}

static void start_producers(eddy_reactor *r, pthread_t *threads, struct producer *ps)
{
    for (int i = 0; i < PRODUCERS; i++) {
        ps[i] = (struct producer){.r = r, .id = i};
        cr_assert_eq(pthread_create(&threads[i], NULL, produce, &ps[i]), 0);
    }
}

static void set_flag(void *arg)
{
    *(bool *)arg = true;
}

static void count(void *arg)
{
    ++*(int *)arg;
}

Test(thread_calls, calls_from_several_threads_all_arrive_in_order_per_producer)
{
    eddy_reactor *r = test_reactor_new();
    pthread_t threads[PRODUCERS];
    struct producer ps[PRODUCERS];
    start_producers(r, threads, ps);
    for (int i = 0; i < 100000 && seen.delivered < PRODUCERS * CALLS_PER_PRODUCER; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 1.0), 0);
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(threads[i], NULL);
        cr_assert_eq(ps[i].failures, 0);
    }
    cr_assert_eq(seen.delivered, PRODUCERS * CALLS_PER_PRODUCER);
    cr_assert_eq(seen.out_of_order, 0, "calls of one producer ran out of order");
    eddy_reactor_free(r);
}

struct joiner {
    eddy_reactor *r;
    pthread_t *threads;
};

static void stop_reactor(void *arg)
{
    cr_assert_eq(eddy_reactor_stop(arg), 0);
}

static void *join_then_stop(void *arg)
{
    struct joiner *j = arg;
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(j->threads[i], NULL);
    cr_assert_eq(eddy_call_from_thread(j->r, stop_reactor, j->r), 0);
    return NULL;
}

Test(thread_calls, running_reactor_receives_every_call_and_a_stop_from_threads)
{
    eddy_reactor *r = test_reactor_new();
    pthread_t threads[PRODUCERS], joiner_thread;
    struct producer ps[PRODUCERS];
    start_producers(r, threads, ps);
    struct joiner j = {.r = r, .threads = threads};
    cr_assert_eq(pthread_create(&joiner_thread, NULL, join_then_stop, &j), 0);
    cr_assert_eq(eddy_reactor_run(r), 0); /* blocks in poll until the threads wake it */
    pthread_join(joiner_thread, NULL);
    cr_assert_eq(seen.delivered, PRODUCERS * CALLS_PER_PRODUCER,
                 "the stop, queued last, ran before earlier calls");
    cr_assert_eq(seen.out_of_order, 0);
    eddy_reactor_free(r);
}

/* The poll functions wrapped to announce that the reactor is about to block. */
static sem_t polling;

static int announcing_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    sem_post(&polling);
    return eddy_syscalls_default()->poll(fds, n, timeout_ms);
}

static int announcing_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    sem_post(&polling);
    return eddy_syscalls_default()->select(n, r, w, e, tv);
}

#ifdef __linux__
static int announcing_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
    sem_post(&polling);
    return eddy_syscalls_default()->epoll_wait(epfd, ev, max, timeout_ms);
}
#endif

struct waker_thread {
    eddy_reactor *r;
    bool *flag;
};

static void *call_once_polling(void *arg)
{
    struct waker_thread *w = arg;
    while (sem_wait(&polling) != 0)
        ;
    cr_assert_eq(eddy_call_from_thread(w->r, set_flag, w->flag), 0);
    return NULL;
}

Test(thread_calls, call_from_thread_wakes_a_reactor_blocked_in_poll)
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
    bool flag = false;
    struct waker_thread w = {.r = r, .flag = &flag};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, call_once_polling, &w), 0);
    /* Nothing else can end this wait early: without the wakeup it outlasts the suite's timeout. */
    cr_assert_eq(eddy_reactor_iterate(r, 60), 0);
    pthread_join(t, NULL);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert(flag);
    eddy_reactor_free(r);
    eddy_syscalls_set(NULL);
    sem_destroy(&polling);
}

struct self_call {
    eddy_reactor *r;
    bool flag;
    bool ran_inline;
};

static void queue_from_reactor_thread(void *arg)
{
    struct self_call *s = arg;
    cr_assert_eq(eddy_call_from_thread(s->r, set_flag, &s->flag), 0);
    s->ran_inline = s->flag;
}

Test(thread_calls, call_from_the_reactor_thread_runs_in_a_later_iteration)
{
    eddy_reactor *r = test_reactor_new();
    struct self_call s = {.r = r};
    eddy_call_later(r, 0, queue_from_reactor_thread, &s);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert_not(s.ran_inline);
    cr_assert_not(s.flag);
    test_iterate_until(r, &s.flag, 10);
    eddy_reactor_free(r);
}

static void queue_another(void *arg)
{
    struct self_call *s = arg;
    cr_assert_eq(eddy_call_from_thread(s->r, set_flag, &s->flag), 0);
}

Test(thread_calls, call_queued_by_a_thread_call_waits_for_the_next_iteration)
{
    eddy_reactor *r = test_reactor_new();
    struct self_call s = {.r = r};
    cr_assert_eq(eddy_call_from_thread(r, queue_another, &s), 0);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert_not(s.flag, "a batch must not run calls queued while it runs");
    test_iterate_until(r, &s.flag, 10);
    eddy_reactor_free(r);
}

static void crash_reactor(void *arg)
{
    eddy_reactor_crash(arg);
}

static int order[3], norder;

static void note(void *arg)
{
    order[norder++] = (int)(intptr_t)arg;
}

Test(thread_calls, calls_left_by_a_crash_run_later_in_order)
{
    eddy_reactor *r = test_reactor_new();
    cr_assert_eq(eddy_call_from_thread(r, crash_reactor, r), 0);
    cr_assert_eq(eddy_call_from_thread(r, note, (void *)1), 0);
    cr_assert_eq(eddy_call_from_thread(r, note, (void *)2), 0);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_eq(norder, 0, "calls after the crash ran in the same batch");
    cr_assert_eq(eddy_call_from_thread(r, note, (void *)3), 0);
    for (int i = 0; i < 10 && norder < 3; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0.05), 0);
    cr_assert_eq(norder, 3);
    cr_assert(order[0] == 1 && order[1] == 2 && order[2] == 3);
    eddy_reactor_free(r);
}

Test(thread_calls, null_function_is_refused_with_einval)
{
    eddy_reactor *r = test_reactor_new();
    cr_assert_eq(eddy_call_from_thread(r, NULL, NULL), -EINVAL);
    eddy_reactor_free(r);
}

Test(thread_calls, burst_of_calls_from_one_thread_is_delivered_in_one_iteration)
{
    eddy_reactor *r = test_reactor_new();
    int calls = 0;
    for (int i = 0; i < 10000; i++)
        cr_assert_eq(eddy_call_from_thread(r, count, &calls), 0);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert_eq(calls, 10000);
    eddy_reactor_free(r);
}
