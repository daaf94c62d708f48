/* test_deferred_lock.c - DeferredLock, DeferredSemaphore and DeferredQueue. */
#include "defer_helpers.h"

TestSuite(deferred_lock, .timeout = 10);

/* ---- lock --------------------------------------------------------------------------------- */

Test(deferred_lock, acquiring_a_free_lock_fires_at_once_with_the_lock)
{
    eddy_deferred_lock *l = NULL;
    cr_assert_eq(eddy_deferred_lock_new(&l), 0);
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_deferred_lock_acquire(l, &d), 0);
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.ptr, l);
    cr_assert(eddy_deferred_lock_locked(l));
    eddy_deferred_unref(d);
    eddy_deferred_lock_free(l);
}

Test(deferred_lock, second_acquire_waits_for_the_release)
{
    eddy_deferred_lock *l = NULL;
    eddy_deferred_lock_new(&l);
    eddy_deferred *a = NULL, *b = NULL;
    eddy_deferred_lock_acquire(l, &a);
    eddy_deferred_lock_acquire(l, &b);
    capture c = {0};
    capture_add(b, &c);
    cr_assert_eq(c.calls, 0);
    cr_assert_eq(eddy_deferred_lock_release(l), 0);
    cr_assert_eq(c.calls, 1);
    cr_assert(eddy_deferred_lock_locked(l), "the lock passed straight to the waiter");
    cr_assert_eq(eddy_deferred_lock_release(l), 0);
    cr_assert_not(eddy_deferred_lock_locked(l));
    eddy_deferred_unref(a);
    eddy_deferred_unref(b);
    eddy_deferred_lock_free(l);
}

Test(deferred_lock, releasing_an_unlocked_lock_is_einval)
{
    eddy_deferred_lock *l = NULL;
    eddy_deferred_lock_new(&l);
    cr_assert_eq(eddy_deferred_lock_release(l), -EINVAL);
    eddy_deferred_lock_free(l);
}

Test(deferred_lock, cancelled_waiter_leaves_the_line)
{
    eddy_deferred_semaphore *s = NULL;
    eddy_deferred_semaphore_new(1, &s);
    eddy_deferred *a = NULL, *b = NULL, *c2 = NULL;
    eddy_deferred_semaphore_acquire(s, &a);
    eddy_deferred_semaphore_acquire(s, &b);
    eddy_deferred_semaphore_acquire(s, &c2);
    cr_assert_eq(eddy_deferred_semaphore_waiting(s), 2);
    capture cb = {0}, cc = {0};
    capture_add(b, &cb);
    capture_add(c2, &cc);
    eddy_deferred_cancel(b);
    cr_assert_eq(cb.code, EDDY_ECANCELLED);
    cr_assert_eq(eddy_deferred_semaphore_waiting(s), 1);
    eddy_deferred_semaphore_release(s);
    cr_assert_eq(cc.calls, 1);
    cr_assert_not(cc.failed, "the token skipped the cancelled waiter");
    eddy_deferred_unref(a);
    eddy_deferred_unref(b);
    eddy_deferred_unref(c2);
    eddy_deferred_semaphore_free(s);
}

Test(deferred_lock, freeing_with_waiters_cancels_them)
{
    eddy_deferred_lock *l = NULL;
    eddy_deferred_lock_new(&l);
    eddy_deferred *a = NULL, *b = NULL;
    eddy_deferred_lock_acquire(l, &a);
    eddy_deferred_lock_acquire(l, &b);
    capture c = {0};
    capture_add(b, &c);
    eddy_deferred_lock_free(l);
    cr_assert_eq(c.code, EDDY_ECANCELLED);
    eddy_deferred_unref(a);
    eddy_deferred_unref(b);
}

typedef struct job {
    eddy_deferred_lock *lock;
    bool was_locked;
    eddy_deferred *wait; /* returned as a wait when set */
    int fail_code;       /* returned as a failure when set */
} job;

static eddy_result run_job(void *arg)
{
    job *j = arg;
    j->was_locked = eddy_deferred_lock_locked(j->lock);
    if (j->fail_code)
        return eddy_result_error(j->fail_code, "job failed");
    if (j->wait)
        return eddy_result_wait(eddy_deferred_ref(j->wait));
    return tracked_result(1);
}

Test(deferred_lock, run_holds_the_lock_while_the_function_runs_then_releases_it)
{
    job j = {0};
    eddy_deferred_lock_new(&j.lock);
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_deferred_lock_run(j.lock, run_job, &j, &d), 0);
    capture c = {0};
    capture_add(d, &c);
    cr_assert(j.was_locked);
    cr_assert_eq(c.value, 1);
    cr_assert_not(eddy_deferred_lock_locked(j.lock));
    eddy_deferred_unref(d);
    eddy_deferred_lock_free(j.lock);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_lock, run_keeps_the_lock_until_the_functions_deferred_fires)
{
    job j = {.wait = new_deferred()};
    eddy_deferred_lock_new(&j.lock);
    eddy_deferred *d = NULL;
    eddy_deferred_lock_run(j.lock, run_job, &j, &d);
    capture c = {0};
    capture_add(d, &c);
    cr_assert(eddy_deferred_lock_locked(j.lock));
    eddy_deferred_fire(j.wait, tracked_result(4));
    cr_assert_not(eddy_deferred_lock_locked(j.lock));
    cr_assert_eq(c.value, 4);
    eddy_deferred_unref(j.wait);
    eddy_deferred_unref(d);
    eddy_deferred_lock_free(j.lock);
}

Test(deferred_lock, run_releases_the_lock_when_the_function_fails)
{
    job j = {.fail_code = -EIO};
    eddy_deferred_lock_new(&j.lock);
    eddy_deferred *d = NULL;
    eddy_deferred_lock_run(j.lock, run_job, &j, &d);
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.code, -EIO);
    cr_assert_not(eddy_deferred_lock_locked(j.lock));
    eddy_deferred_unref(d);
    eddy_deferred_lock_free(j.lock);
}

Test(deferred_lock, run_waits_its_turn_behind_a_holder)
{
    job j = {0};
    eddy_deferred_lock_new(&j.lock);
    eddy_deferred *holder = NULL, *d = NULL;
    eddy_deferred_lock_acquire(j.lock, &holder);
    eddy_deferred_lock_run(j.lock, run_job, &j, &d);
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(c.calls, 0);
    eddy_deferred_lock_release(j.lock);
    cr_assert_eq(c.value, 1);
    eddy_deferred_unref(holder);
    eddy_deferred_unref(d);
    eddy_deferred_lock_free(j.lock);
}

static int quick_runs;

static eddy_result quick_job(void *arg)
{
    quick_runs++;
    return eddy_result_none();
}

Test(deferred_lock, many_queued_runs_that_finish_at_once_do_not_nest_on_the_stack)
{
    /* Each run releases the lock as soon as it gets it. Handing the lock on from inside that
     * release, waiter after waiter, used to nest a few frames per waiter until the stack ran out
     * (Twisted's DeferredLock has this bug, twisted#9304). */
    enum { RUNS = 200000 };
    eddy_deferred_lock *l = NULL;
    eddy_deferred_lock_new(&l);
    eddy_deferred *holder = NULL;
    eddy_deferred_lock_acquire(l, &holder);
    quick_runs = 0;
    for (int i = 0; i < RUNS; i++) {
        eddy_deferred *d = NULL;
        cr_assert_eq(eddy_deferred_lock_run(l, quick_job, NULL, &d), 0);
        eddy_deferred_unref(d);
    }
    eddy_deferred_lock_release(l);
    cr_assert_eq(quick_runs, RUNS);
    cr_assert_not(eddy_deferred_lock_locked(l));
    eddy_deferred_unref(holder);
    eddy_deferred_lock_free(l);
}

/* ---- semaphore ---------------------------------------------------------------------------- */

Test(deferred_lock, semaphore_lets_as_many_holders_as_it_has_tokens)
{
    eddy_deferred_semaphore *s = NULL;
    cr_assert_eq(eddy_deferred_semaphore_new(2, &s), 0);
    eddy_deferred *ds[3];
    capture c[3] = {{0}};
    for (int i = 0; i < 3; i++) {
        eddy_deferred_semaphore_acquire(s, &ds[i]);
        capture_add(ds[i], &c[i]);
    }
    cr_assert_eq(c[0].calls + c[1].calls + c[2].calls, 2);
    cr_assert_eq(c[2].calls, 0);
    cr_assert_eq(eddy_deferred_semaphore_tokens(s), 0);
    eddy_deferred_semaphore_release(s);
    cr_assert_eq(c[2].calls, 1);
    eddy_deferred_semaphore_release(s);
    eddy_deferred_semaphore_release(s);
    cr_assert_eq(eddy_deferred_semaphore_tokens(s), 2);
    cr_assert_eq(eddy_deferred_semaphore_release(s), -EINVAL);
    for (int i = 0; i < 3; i++)
        eddy_deferred_unref(ds[i]);
    eddy_deferred_semaphore_free(s);
}

Test(deferred_lock, semaphore_without_tokens_is_rejected)
{
    eddy_deferred_semaphore *s = NULL;
    cr_assert_eq(eddy_deferred_semaphore_new(0, &s), -EINVAL);
    cr_assert_null(s);
}

/* ---- queue -------------------------------------------------------------------------------- */

Test(deferred_lock, queue_get_before_put_fires_on_put)
{
    eddy_deferred_queue *q = NULL;
    cr_assert_eq(eddy_deferred_queue_new(EDDY_QUEUE_UNLIMITED, EDDY_QUEUE_UNLIMITED, &q), 0);
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_deferred_queue_get(q, &d), 0);
    capture c = {0};
    capture_add(d, &c);
    cr_assert_eq(eddy_deferred_queue_waiting(q), 1);
    cr_assert_eq(eddy_deferred_queue_put(q, tracked_new(8), tracked_free), 0);
    cr_assert_eq(c.value, 8);
    cr_assert_eq(eddy_deferred_queue_pending(q), 0);
    eddy_deferred_unref(d);
    eddy_deferred_queue_free(q);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_lock, queue_put_before_get_hands_values_out_in_order)
{
    eddy_deferred_queue *q = NULL;
    eddy_deferred_queue_new(EDDY_QUEUE_UNLIMITED, EDDY_QUEUE_UNLIMITED, &q);
    for (int i = 0; i < 20; i++)
        eddy_deferred_queue_put(q, tracked_new(i), tracked_free);
    cr_assert_eq(eddy_deferred_queue_pending(q), 20);
    for (int i = 0; i < 20; i++) {
        eddy_deferred *d = NULL;
        eddy_deferred_queue_get(q, &d);
        capture c = {0};
        capture_add(d, &c);
        cr_assert_eq(c.value, i);
        eddy_deferred_unref(d);
    }
    eddy_deferred_queue_free(q);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_lock, queue_put_beyond_size_fails_with_enospc_and_frees_the_value)
{
    eddy_deferred_queue *q = NULL;
    eddy_deferred_queue_new(1, EDDY_QUEUE_UNLIMITED, &q);
    cr_assert_eq(eddy_deferred_queue_put(q, tracked_new(1), tracked_free), 0);
    cr_assert_eq(eddy_deferred_queue_put(q, tracked_new(2), tracked_free), -ENOSPC);
    cr_assert_eq(tracked_alive(), 1);
    eddy_deferred_queue_free(q);
    cr_assert_eq(tracked_alive(), 0, "freeing the queue frees what it holds");
}

Test(deferred_lock, queue_get_beyond_backlog_fails_with_ebusy)
{
    eddy_deferred_queue *q = NULL;
    eddy_deferred_queue_new(EDDY_QUEUE_UNLIMITED, 1, &q);
    eddy_deferred *a = NULL, *b = NULL;
    cr_assert_eq(eddy_deferred_queue_get(q, &a), 0);
    cr_assert_eq(eddy_deferred_queue_get(q, &b), -EBUSY);
    cr_assert_null(b);
    capture c = {0};
    capture_add(a, &c);
    eddy_deferred_queue_free(q);
    cr_assert_eq(c.code, EDDY_ECANCELLED, "freeing the queue cancels waiting gets");
    eddy_deferred_unref(a);
}

Test(deferred_lock, cancelled_get_leaves_the_queue)
{
    eddy_deferred_queue *q = NULL;
    eddy_deferred_queue_new(EDDY_QUEUE_UNLIMITED, EDDY_QUEUE_UNLIMITED, &q);
    eddy_deferred *a = NULL, *b = NULL;
    eddy_deferred_queue_get(q, &a);
    eddy_deferred_queue_get(q, &b);
    eddy_deferred_add_errback(a, capture_fn, &(capture){0});
    eddy_deferred_cancel(a);
    cr_assert_eq(eddy_deferred_queue_waiting(q), 1);
    capture c = {0};
    capture_add(b, &c);
    eddy_deferred_queue_put(q, tracked_new(3), tracked_free);
    cr_assert_eq(c.value, 3);
    eddy_deferred_unref(a);
    eddy_deferred_unref(b);
    eddy_deferred_queue_free(q);
}

/* A get's callback that puts its value plus one back into the queue, and checks that the values
 * arrive in order: the i-th get gets i. */
typedef struct relay {
    eddy_deferred_queue *q;
    int expected;
    int wrong;
} relay;

static eddy_result relay_fn(eddy_result in, void *arg)
{
    relay *rl = arg;
    int v = *(int *)in.value;
    if (v != rl->expected++)
        rl->wrong++;
    eddy_result_drop(in);
    eddy_deferred_queue_put(rl->q, tracked_new(v + 1), tracked_free);
    return eddy_result_none();
}

Test(deferred_lock, queue_many_waiting_gets_whose_callbacks_put_again_do_not_nest_on_the_stack)
{
    /* Each put from inside a get's callback used to fire the next get from inside itself, one
     * nesting per waiting get, until the stack ran out. */
    enum { GETS = 200000 };
    relay rl = {0};
    eddy_deferred_queue_new(EDDY_QUEUE_UNLIMITED, EDDY_QUEUE_UNLIMITED, &rl.q);
    for (int i = 0; i < GETS; i++) {
        eddy_deferred *d = NULL;
        cr_assert_eq(eddy_deferred_queue_get(rl.q, &d), 0);
        cr_assert_eq(eddy_deferred_add_callback(d, relay_fn, &rl), 0);
        eddy_deferred_unref(d);
    }
    cr_assert_eq(eddy_deferred_queue_put(rl.q, tracked_new(0), tracked_free), 0);
    cr_assert_eq(rl.expected, GETS, "every get fired before the first put returned");
    cr_assert_eq(rl.wrong, 0, "in FIFO order");
    cr_assert_eq(eddy_deferred_queue_waiting(rl.q), 0);
    cr_assert_eq(eddy_deferred_queue_pending(rl.q), 1, "the last get's put is queued");
    eddy_deferred_queue_free(rl.q);
    cr_assert_eq(tracked_alive(), 0);
}

/* What the first get's callback does to the queue in the hand-off tests below. */
typedef struct first_get {
    eddy_deferred_queue *q;
    eddy_deferred *cancel;   /* a waiting get to cancel after putting, or NULL */
    capture *second;         /* the second get's capture, looked at from inside the callback */
    int second_calls_inside; /* its calls right after the put */
    bool put_twice;          /* put 2 then 3 */
    bool free_queue;         /* free the queue after putting */
} first_get;

static eddy_result first_get_fn(eddy_result in, void *arg)
{
    first_get *fg = arg;
    eddy_result_drop(in);
    eddy_deferred_queue_put(fg->q, tracked_new(2), tracked_free);
    if (fg->put_twice)
        eddy_deferred_queue_put(fg->q, tracked_new(3), tracked_free);
    if (fg->second)
        fg->second_calls_inside = fg->second->calls;
    if (fg->cancel)
        eddy_deferred_cancel(fg->cancel);
    if (fg->free_queue)
        eddy_deferred_queue_free(fg->q);
    return eddy_result_none();
}

static eddy_deferred *waiting_get(eddy_deferred_queue *q)
{
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_deferred_queue_get(q, &d), 0);
    cr_assert_not(eddy_deferred_called(d));
    return d;
}

Test(deferred_lock, queue_put_from_a_gets_callback_fires_the_next_get_when_that_callback_returns)
{
    first_get fg = {0};
    eddy_deferred_queue_new(EDDY_QUEUE_UNLIMITED, EDDY_QUEUE_UNLIMITED, &fg.q);
    eddy_deferred *a = waiting_get(fg.q), *b = waiting_get(fg.q);
    capture cb = {0};
    capture_add(b, &cb);
    fg.second = &cb;
    eddy_deferred_add_callback(a, first_get_fn, &fg);
    eddy_deferred_queue_put(fg.q, tracked_new(1), tracked_free);
    cr_assert_eq(fg.second_calls_inside, 0, "not from inside the first get's callback");
    cr_assert_eq(cb.calls, 1, "but before the first put returned");
    cr_assert_eq(cb.value, 2);
    eddy_deferred_unref(a);
    eddy_deferred_unref(b);
    eddy_deferred_queue_free(fg.q);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_lock, queue_value_promised_to_a_get_cancelled_meanwhile_goes_to_the_next_get)
{
    first_get fg = {0};
    eddy_deferred_queue_new(EDDY_QUEUE_UNLIMITED, EDDY_QUEUE_UNLIMITED, &fg.q);
    eddy_deferred *a = waiting_get(fg.q), *b = waiting_get(fg.q), *c = waiting_get(fg.q);
    capture cb = {0}, cc = {0};
    capture_add(b, &cb);
    capture_add(c, &cc);
    fg.cancel = b;
    eddy_deferred_add_callback(a, first_get_fn, &fg);
    eddy_deferred_queue_put(fg.q, tracked_new(1), tracked_free);
    cr_assert_eq(cb.code, EDDY_ECANCELLED);
    cr_assert_eq(cc.calls, 1);
    cr_assert_eq(cc.value, 2);
    cr_assert_eq(eddy_deferred_queue_pending(fg.q), 0);
    eddy_deferred_unref(a);
    eddy_deferred_unref(b);
    eddy_deferred_unref(c);
    eddy_deferred_queue_free(fg.q);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_lock, queue_value_promised_to_a_get_cancelled_meanwhile_is_queued_ahead_of_later_puts)
{
    first_get fg = {.put_twice = true};
    eddy_deferred_queue_new(EDDY_QUEUE_UNLIMITED, EDDY_QUEUE_UNLIMITED, &fg.q);
    eddy_deferred *a = waiting_get(fg.q), *b = waiting_get(fg.q);
    capture cb = {0};
    capture_add(b, &cb);
    fg.cancel = b;
    eddy_deferred_add_callback(a, first_get_fn, &fg);
    eddy_deferred_queue_put(fg.q, tracked_new(1), tracked_free);
    cr_assert_eq(cb.code, EDDY_ECANCELLED);
    cr_assert_eq(eddy_deferred_queue_pending(fg.q), 2);
    for (int want = 2; want <= 3; want++) {
        eddy_deferred *d = NULL;
        cr_assert_eq(eddy_deferred_queue_get(fg.q, &d), 0);
        capture c = {0};
        capture_add(d, &c);
        cr_assert_eq(c.value, want);
        eddy_deferred_unref(d);
    }
    eddy_deferred_unref(a);
    eddy_deferred_unref(b);
    eddy_deferred_queue_free(fg.q);
    cr_assert_eq(tracked_alive(), 0);
}

Test(deferred_lock, queue_freed_from_a_gets_callback_cancels_the_get_it_promised_a_value)
{
    first_get fg = {.free_queue = true};
    eddy_deferred_queue *q = NULL;
    eddy_deferred_queue_new(EDDY_QUEUE_UNLIMITED, EDDY_QUEUE_UNLIMITED, &q);
    fg.q = q;
    eddy_deferred *a = waiting_get(q), *b = waiting_get(q);
    capture cb = {0};
    capture_add(b, &cb);
    eddy_deferred_add_callback(a, first_get_fn, &fg);
    eddy_deferred_queue_put(q, tracked_new(1), tracked_free);
    cr_assert_eq(cb.code, EDDY_ECANCELLED);
    cr_assert_eq(tracked_alive(), 0, "the value promised to it was freed with the queue");
    eddy_deferred_unref(a);
    eddy_deferred_unref(b);
}
