/* test_log_threads.c - logging from several threads at once (also run under TSan). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eddy/log.h"

TestSuite(log_threads, .timeout = 60);

#define THREADS 8
#define EVENTS  2000

static void start_all(pthread_t *threads, void *(*fn)(void *), void *args, size_t arg_size)
{
    for (int i = 0; i < THREADS; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, fn, (char *)args + i * arg_size), 0);
}

static void join_all(pthread_t *threads)
{
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
}

/* ---- every event arrives once, observers never overlap --------------------------------------- */

typedef struct tally {
    int next_seq[THREADS]; /* plain ints: the observer lock must be what protects them */
    int out_of_order;
    int total;
} tally;

static void count(const eddy_log_event *ev, void *arg)
{
    tally *t = arg;
    long long thread = ev->fields[0].v.i, seq = ev->fields[1].v.i;
    if (seq != t->next_seq[thread])
        t->out_of_order++;
    t->next_seq[thread] = (int)seq + 1;
    t->total++;
}

typedef struct emitter {
    int index;
} emitter;

static void *emit_many(void *arg)
{
    emitter *e = arg;
    for (int i = 0; i < EVENTS; i++)
        eddy_log_kv(EDDY_LOG_INFO, "app.worker", NULL,
                    EDDY_LOG_FIELDS(EDDY_LOG_INT("thread", e->index), EDDY_LOG_INT("seq", i)),
                    "event %d", i);
    return NULL;
}

Test(log_threads, concurrent_events_each_reach_the_observer_once_in_per_thread_order)
{
    static tally t;
    eddy_log_add_observer(count, &t, EDDY_LOG_DEBUG, NULL);
    pthread_t threads[THREADS];
    emitter args[THREADS];
    for (int i = 0; i < THREADS; i++)
        args[i].index = i;
    start_all(threads, emit_many, args, sizeof *args);
    join_all(threads);
    cr_assert_eq(t.total, THREADS * EVENTS);
    cr_assert_eq(t.out_of_order, 0);
    for (int i = 0; i < THREADS; i++)
        cr_assert_eq(t.next_seq[i], EVENTS);
}

Test(log_threads, concurrent_events_written_to_one_fd_never_interleave)
{
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    eddy_log_add_json_fd(fileno(fp), EDDY_LOG_DEBUG, NULL);
    pthread_t threads[THREADS];
    emitter args[THREADS];
    for (int i = 0; i < THREADS; i++)
        args[i].index = i;
    start_all(threads, emit_many, args, sizeof *args);
    join_all(threads);
    eddy_log_reset();

    rewind(fp);
    char line[512];
    int records = 0;
    while (fgets(line, sizeof line, fp)) {
        int thread, seq;
        const char *tail = strstr(line, ",\"thread\":");
        cr_assert_eq(line[0], '\x1e', "record %d: %s", records, line);
        cr_assert_not_null(tail, "record %d: %s", records, line);
        cr_assert_eq(sscanf(tail, ",\"thread\":%d,\"seq\":%d}", &thread, &seq), 2);
        cr_assert_eq(line[strlen(line) - 1], '\n');
        records++;
    }
    cr_assert_eq(records, THREADS * EVENTS);
    fclose(fp);
}

/* ---- filters changed by one thread are seen by the others ------------------------------------ */

typedef struct watcher {
    atomic_int *phase; /* 0: start, 1: debug enabled, 2: debug disabled, 3: done */
    atomic_int *acked; /* watchers that saw the current phase */
    bool wrong;        /* would_log disagreed with the phase after it was announced */
} watcher;

static void *watch_filters(void *arg)
{
    watcher *w = arg;
    int seen = 0;
    while (seen < 3) {
        /* Keep the namespace cached in this thread: it must be invalidated by the change. */
        (void)eddy_log_would_log(EDDY_LOG_DEBUG, "app.cached.ns");
        int phase = atomic_load_explicit(w->phase, memory_order_acquire);
        if (phase == seen)
            continue;
        bool debug = eddy_log_would_log(EDDY_LOG_DEBUG, "app.cached.ns");
        if (phase < 3 && debug != (phase == 1))
            w->wrong = true;
        seen = phase;
        atomic_fetch_add(w->acked, 1);
    }
    return NULL;
}

static void announce(atomic_int *phase, atomic_int *acked, int value, int expected_acks)
{
    atomic_store_explicit(phase, value, memory_order_release);
    while (atomic_load(acked) < expected_acks)
        sched_yield();
}

static void noop(const eddy_log_event *ev, void *arg) {}

Test(log_threads, filter_changes_are_seen_by_threads_that_cached_the_namespace)
{
    eddy_log_add_observer(noop, NULL, EDDY_LOG_DEBUG, NULL);
    eddy_log_set_level("other", EDDY_LOG_DEBUG); /* so app.cached.ns needs its own lookup */
    atomic_int phase = 0, acked = 0;
    pthread_t threads[THREADS];
    watcher w[THREADS];
    for (int i = 0; i < THREADS; i++)
        w[i] = (watcher){.phase = &phase, .acked = &acked};
    start_all(threads, watch_filters, w, sizeof *w);
    eddy_log_set_level("app", EDDY_LOG_DEBUG);
    announce(&phase, &acked, 1, THREADS);
    eddy_log_set_level("app.cached", EDDY_LOG_INFO);
    announce(&phase, &acked, 2, 2 * THREADS);
    announce(&phase, &acked, 3, 3 * THREADS);
    join_all(threads);
    for (int i = 0; i < THREADS; i++)
        cr_assert_not(w[i].wrong, "thread %d saw a stale level", i);
}

/* ---- removing an observer while others log --------------------------------------------------- */

typedef struct guarded {
    bool removed; /* plain: set after eddy_log_remove_observer() returns */
    int calls;
    int calls_after_removal;
} guarded;

static void check_not_removed(const eddy_log_event *ev, void *arg)
{
    guarded *g = arg;
    g->calls++;
    if (g->removed)
        g->calls_after_removal++;
}

static atomic_bool stop_logging;

static void *log_until_stopped(void *arg)
{
    while (!atomic_load(&stop_logging))
        eddy_log(EDDY_LOG_INFO, "app", NULL, "busy");
    return NULL;
}

Test(log_threads, removed_observer_is_never_called_while_other_threads_log)
{
    pthread_t threads[THREADS];
    start_all(threads, log_until_stopped, NULL, 0);
    for (int round = 0; round < 200; round++) {
        guarded g = {0};
        eddy_log_observer_id id;
        cr_assert_eq(eddy_log_add_observer(check_not_removed, &g, EDDY_LOG_DEBUG, &id), 0);
        eddy_log(EDDY_LOG_INFO, "app", NULL, "registered");
        cr_assert_eq(eddy_log_remove_observer(id), 0);
        cr_assert_gt(g.calls, 0); /* safe to read now: nobody runs the observer any more */
        g.removed = true;
        eddy_log(EDDY_LOG_INFO, "app", NULL, "one more after removal");
        cr_assert_eq(g.calls_after_removal, 0);
    }
    atomic_store(&stop_logging, true);
    join_all(threads);
}
