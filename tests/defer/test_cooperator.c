/* test_cooperator.c - the Cooperator: round-robin steps in time slices. */
#include <stdlib.h>
#include <unistd.h>

#include "defer_helpers.h"
#include "eddy_test.h"

TestSuite(cooperator, .timeout = 10);

/* A clock that moves 1 ms every time it is read: a 10 ms slice lasts about 10 steps. */
typedef struct step_clock {
    eddy_clock base;
    int64_t now;
} step_clock;

static int64_t step_clock_now(eddy_clock *c)
{
    return ((step_clock *)c)->now += 1000000;
}

typedef struct worker {
    char name;
    int steps;   /* steps run */
    int until;   /* EDDY_STEP_DONE after this many; 0: never */
    int fail_at; /* return -EIO at this step */
    char *trace; /* shared: names in step order */
    int *trace_len;
    eddy_deferred *wait_at_2; /* handed out at step 2 */
    eddy_cooperator *free_me; /* freed from inside step 1 */
} worker;

static int work(void *arg, eddy_deferred **wait)
{
    worker *w = arg;
    w->steps++;
    if (w->trace && *w->trace_len < 63)
        w->trace[(*w->trace_len)++] = w->name;
    if (w->free_me) {
        eddy_cooperator_free(w->free_me);
        w->free_me = NULL;
    }
    if (w->wait_at_2 && w->steps == 2)
        *wait = eddy_deferred_ref(w->wait_at_2);
    if (w->fail_at && w->steps == w->fail_at)
        return -EIO;
    return w->until && w->steps >= w->until ? EDDY_STEP_DONE : EDDY_STEP_MORE;
}

static eddy_fake_clock *fc;
static eddy_reactor *r;
static step_clock slice_clock = {.base = {.now_ns = step_clock_now}};
static eddy_cooperator *coop;

static void setup(void)
{
    r = test_reactor_new_fake(&fc);
    eddy_cooperator_options o = {.slice = 0.01, .clock = &slice_clock.base};
    cr_assert_eq(eddy_cooperator_new(r, &o, &coop), 0);
}

static void teardown(void)
{
    eddy_cooperator_free(coop);
    test_reactor_free_fake(r, fc);
}

Test(cooperator, coiterate_runs_steps_until_done_and_fires_with_the_arg, .init = setup,
     .fini = teardown)
{
    worker w = {.until = 5};
    eddy_deferred *done = NULL;
    cr_assert_eq(eddy_coiterate(coop, work, &w, &done), 0);
    capture c = {0};
    capture_add(done, &c);
    cr_assert_eq(w.steps, 0, "nothing runs before the reactor does");
    test_iterate_n(r, 3);
    cr_assert_eq(w.steps, 5);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.ptr, &w);
    eddy_deferred_unref(done);
}

Test(cooperator, tasks_take_turns, .init = setup, .fini = teardown)
{
    char trace[64] = {0};
    int len = 0;
    worker a = {.name = 'a', .until = 3, .trace = trace, .trace_len = &len};
    worker b = {.name = 'b', .until = 3, .trace = trace, .trace_len = &len};
    eddy_cooperate(coop, work, &a, NULL);
    eddy_cooperate(coop, work, &b, NULL);
    test_iterate_n(r, 2);
    cr_assert_str_eq(trace, "ababab");
}

Test(cooperator, one_tick_stops_when_the_slice_is_used_up, .init = setup, .fini = teardown)
{
    worker w = {0};
    eddy_cooperate(coop, work, &w, NULL);
    test_iterate_n(r, 1);
    cr_assert_geq(w.steps, 5);
    cr_assert_leq(w.steps, 12, "a 10 ms slice at 1 ms per step; got %d", w.steps);
    int first = w.steps;
    test_iterate_n(r, 1);
    cr_assert_eq(w.steps, 2 * first, "the next tick runs in the next iteration");
}

Test(cooperator, step_waiting_for_a_deferred_is_not_stepped_until_it_fires, .init = setup,
     .fini = teardown)
{
    worker w = {.until = 4, .wait_at_2 = new_deferred()};
    eddy_deferred *done = NULL;
    eddy_coiterate(coop, work, &w, &done);
    test_iterate_n(r, 3);
    cr_assert_eq(w.steps, 2);
    eddy_deferred_callback(w.wait_at_2, NULL, NULL);
    test_iterate_n(r, 2);
    cr_assert_eq(w.steps, 4);
    cr_assert(eddy_deferred_called(done));
    eddy_deferred_unref(w.wait_at_2);
    eddy_deferred_unref(done);
}

Test(cooperator, failing_step_fails_the_task, .init = setup, .fini = teardown)
{
    worker w = {.fail_at = 2};
    eddy_deferred *done = NULL;
    eddy_coiterate(coop, work, &w, &done);
    capture c = {0};
    capture_add(done, &c);
    test_iterate_n(r, 2);
    cr_assert_eq(c.code, -EIO);
    cr_assert_eq(w.steps, 2);
    eddy_deferred_unref(done);
}

Test(cooperator, failure_of_the_awaited_deferred_fails_the_task, .init = setup, .fini = teardown)
{
    worker w = {.wait_at_2 = new_deferred()};
    eddy_deferred *done = NULL;
    eddy_coiterate(coop, work, &w, &done);
    capture c = {0};
    capture_add(done, &c);
    test_iterate_n(r, 1);
    eddy_deferred_errback(w.wait_at_2, eddy_failure_new(-ECONNRESET, "gone"));
    cr_assert_eq(c.code, -ECONNRESET);
    eddy_deferred_unref(w.wait_at_2);
    eddy_deferred_unref(done);
}

Test(cooperator, paused_task_is_skipped_until_resumed, .init = setup, .fini = teardown)
{
    worker w = {0};
    eddy_cooperative_task *t = NULL;
    eddy_cooperate(coop, work, &w, &t);
    eddy_cooperative_task_pause(t);
    test_iterate_n(r, 2);
    cr_assert_eq(w.steps, 0);
    eddy_cooperative_task_resume(t);
    test_iterate_n(r, 1);
    cr_assert_gt(w.steps, 0);
    eddy_cooperative_task_release(t);
}

Test(cooperator, stopped_task_errbacks_with_cancelled, .init = setup, .fini = teardown)
{
    worker w = {0};
    eddy_cooperative_task *t = NULL;
    eddy_cooperate(coop, work, &w, &t);
    eddy_deferred *done = NULL;
    eddy_cooperative_task_when_done(t, &done);
    capture c = {0};
    capture_add(done, &c);
    cr_assert_eq(eddy_cooperative_task_stop(t), 0);
    cr_assert_eq(c.code, EDDY_ECANCELLED);
    cr_assert_eq(eddy_cooperative_task_stop(t), -EINVAL);
    test_iterate_n(r, 2);
    cr_assert_eq(w.steps, 0);
    eddy_deferred *late = NULL;
    cr_assert_eq(eddy_cooperative_task_when_done(t, &late), 0);
    capture lc = {0};
    capture_add(late, &lc);
    cr_assert_eq(lc.code, EDDY_ECANCELLED, "when_done after the end reports the end");
    eddy_deferred_unref(late);
    eddy_deferred_unref(done);
    eddy_cooperative_task_release(t);
}

Test(cooperator, freeing_the_cooperator_stops_its_tasks)
{
    r = test_reactor_new_fake(&fc);
    cr_assert_eq(eddy_cooperator_new(r, NULL, &coop), 0);
    worker w = {0};
    eddy_deferred *done = NULL;
    eddy_coiterate(coop, work, &w, &done);
    capture c = {0};
    capture_add(done, &c);
    eddy_cooperator_free(coop);
    cr_assert_eq(c.code, EDDY_ECANCELLED);
    cr_assert_eq(eddy_reactor_pending_calls(r), 0);
    eddy_deferred_unref(done);
    test_reactor_free_fake(r, fc);
}

Test(cooperator, freeing_the_cooperator_from_inside_a_step_is_safe)
{
    r = test_reactor_new_fake(&fc);
    eddy_cooperator_options o = {.clock = &slice_clock.base};
    cr_assert_eq(eddy_cooperator_new(r, &o, &coop), 0);
    worker w = {.free_me = coop}, other = {0};
    eddy_deferred *done = NULL;
    eddy_coiterate(coop, work, &w, &done);
    eddy_cooperate(coop, work, &other, NULL);
    capture c = {0};
    capture_add(done, &c);
    test_iterate_n(r, 2);
    cr_assert_eq(w.steps, 1);
    cr_assert_eq(other.steps, 0);
    cr_assert_eq(c.code, EDDY_ECANCELLED);
    eddy_deferred_unref(done);
    test_reactor_free_fake(r, fc);
}

/* I/O keeps flowing while a never-ending task runs (real clock, real poll). */
typedef struct io_case {
    test_desc desc;
    bool read_seen;
} io_case;

static void on_read(test_desc *t)
{
    ((io_case *)t)->read_seen = true;
}

Test(cooperator, endless_task_does_not_starve_io)
{
    r = test_reactor_new();
    cr_assert_eq(eddy_cooperator_new(r, NULL, &coop), 0);
    worker w = {0};
    eddy_cooperate(coop, work, &w, NULL);
    int fds[2];
    test_pipe(fds);
    io_case io;
    test_desc_init(&io.desc, r, fds[0]);
    io.desc.on_read = on_read;
    io.read_seen = false;
    cr_assert_eq(eddy_reactor_add_reader(r, &io.desc.base), 0);
    test_iterate_n(r, 2);
    cr_assert_gt(w.steps, 0);
    test_write_byte(fds[1]);
    test_iterate_until(r, &io.read_seen, 10);
    eddy_reactor_remove_reader(r, &io.desc.base);
    eddy_cooperator_free(coop);
    eddy_reactor_free(r);
    close(fds[0]);
    close(fds[1]);
}
