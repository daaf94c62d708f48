/* cooperator.c - run many step functions in time slices without starving the reactor.
 *
 * Runnable tasks wait in a FIFO. A tick (a delayed call with delay 0, so it runs after the
 * reactor has polled for I/O) takes tasks from the front, runs one step each and puts them back,
 * until the slice is used up; then it schedules the next tick. A task that waits for a Deferred,
 * is paused or has ended is simply not in the FIFO.
 *
 * Tasks are reference counted: the Cooperator (while the task is active), the user's handle, a
 * tick running its step and a pending Deferred it waits for each hold one. */
#include <stdlib.h>

#include "defer/deferred_internal.h"
#include "eddy/delayed_call.h"
#include "eddy/task.h"

#define DEFAULT_SLICE 0.01

typedef struct task_list {
    eddy_cooperative_task *head, *tail;
} task_list;

struct eddy_cooperative_task {
    unsigned refs;
    eddy_cooperator *coop; /* NULL once ended */
    eddy_step_fn step;
    void *arg;
    unsigned paused;           /* pause() count */
    bool waiting;              /* for the Deferred of a step */
    bool queued;               /* in the run FIFO */
    eddy_failure *failure;     /* how it ended, if it failed or was stopped */
    eddy_deferred **when_done; /* our references, fired at the end */
    size_t nwhen_done;
    eddy_cooperative_task *all_prev, *all_next; /* every active task */
    eddy_cooperative_task *run_prev, *run_next; /* runnable tasks, FIFO */
};

struct eddy_cooperator {
    eddy_reactor *reactor;
    eddy_clock *clock;
    int64_t slice_ns;
    eddy_delayed_call tick;
    bool tick_scheduled;
    bool ticking; /* inside tick(): a free waits until it ends */
    bool free_pending;
    task_list all; /* linked through all_prev/all_next */
    task_list run; /* linked through run_prev/run_next */
};

/* ---- lists -------------------------------------------------------------------------------- */

#define LIST_PUSH(list, t, prev, next)                                                             \
    do {                                                                                           \
        (t)->prev = (list)->tail;                                                                  \
        (t)->next = NULL;                                                                          \
        if ((list)->tail)                                                                          \
            (list)->tail->next = (t);                                                              \
        else                                                                                       \
            (list)->head = (t);                                                                    \
        (list)->tail = (t);                                                                        \
    } while (0)

#define LIST_REMOVE(list, t, prev, next)                                                           \
    do {                                                                                           \
        if ((t)->prev)                                                                             \
            (t)->prev->next = (t)->next;                                                           \
        else                                                                                       \
            (list)->head = (t)->next;                                                              \
        if ((t)->next)                                                                             \
            (t)->next->prev = (t)->prev;                                                           \
        else                                                                                       \
            (list)->tail = (t)->prev;                                                              \
    } while (0)

/* ---- tasks -------------------------------------------------------------------------------- */

static void task_unref(void *p)
{
    eddy_cooperative_task *t = p;
    if (--t->refs > 0)
        return;
    eddy_failure_unref(t->failure);
    free(t->when_done);
    free(t);
}

static void tick(void *arg);

static void schedule_tick(eddy_cooperator *c)
{
    if (c->tick_scheduled || c->ticking || !c->run.head)
        return;
    c->tick = eddy_call_later(c->reactor, 0, tick, c);
    c->tick_scheduled = c->tick.id != 0;
}

static void enqueue(eddy_cooperative_task *t)
{
    if (t->queued || !t->coop || t->paused || t->waiting)
        return;
    LIST_PUSH(&t->coop->run, t, run_prev, run_next);
    t->queued = true;
    schedule_tick(t->coop);
}

static void dequeue(eddy_cooperative_task *t)
{
    if (!t->queued)
        return;
    LIST_REMOVE(&t->coop->run, t, run_prev, run_next);
    t->queued = false;
}

/* End the task: take it out of the Cooperator and fire its when_done Deferreds. `f` (taken) is
 * NULL for success. */
static void end_task(eddy_cooperative_task *t, eddy_failure *f)
{
    if (!t->coop) {
        eddy_failure_unref(f);
        return;
    }
    dequeue(t);
    LIST_REMOVE(&t->coop->all, t, all_prev, all_next);
    t->coop = NULL;
    t->failure = f;
    eddy_deferred **ds = t->when_done;
    size_t n = t->nwhen_done;
    t->when_done = NULL;
    t->nwhen_done = 0;
    for (size_t i = 0; i < n; i++) {
        if (f)
            eddy_deferred_errback(ds[i], eddy_failure_ref(f));
        else
            eddy_deferred_callback(ds[i], t->arg, NULL);
        eddy_deferred_unref(ds[i]);
    }
    free(ds);
    task_unref(t); /* the Cooperator's reference, kept while the Deferreds fired */
}

static eddy_result wait_ended(eddy_result in, void *arg)
{
    eddy_cooperative_task *t = arg;
    t->waiting = false;
    if (in.failure)
        end_task(t, eddy_failure_ref(in.failure));
    else if (!t->step)
        end_task(t, NULL); /* the last step asked to finish once this fired */
    else
        enqueue(t);
    eddy_result_drop(in);
    return eddy_result_none();
}

/* Run one step of `t` (which the caller keeps a reference on). */
static void run_step(eddy_cooperative_task *t)
{
    eddy_deferred *wait = NULL;
    int rc = t->step(t->arg, &wait);
    if (wait && t->coop) {
        t->waiting = true;
        t->refs++;
        int arc = eddy_deferred_add_callbacks_full(wait, wait_ended, wait_ended, t, task_unref);
        eddy_deferred_unref(wait);
        if (arc < 0)
            end_task(t, eddy_failure_new(arc, "cannot wait for the step's Deferred"));
    } else {
        eddy_deferred_unref(wait);
    }
    if (rc < 0)
        end_task(t, eddy_failure_new(rc, "cooperative task failed"));
    else if (rc == EDDY_STEP_DONE && !t->waiting)
        end_task(t, NULL);
    else if (rc == EDDY_STEP_DONE)
        t->step = NULL; /* finish when the Deferred fires */
    else
        enqueue(t);
}

static void free_now(eddy_cooperator *c);

static void tick(void *arg)
{
    eddy_cooperator *c = arg;
    c->tick_scheduled = false;
    c->ticking = true;
    int64_t start = c->clock->now_ns(c->clock);
    eddy_cooperative_task *t;
    while (!c->free_pending && (t = c->run.head) != NULL) {
        dequeue(t);
        t->refs++;
        run_step(t);
        task_unref(t);
        if (c->clock->now_ns(c->clock) - start >= c->slice_ns)
            break;
    }
    c->ticking = false;
    if (c->free_pending)
        free_now(c);
    else
        schedule_tick(c);
}

/* ---- the Cooperator ----------------------------------------------------------------------- */

int eddy_cooperator_new(eddy_reactor *r, const eddy_cooperator_options *options,
                        eddy_cooperator **out)
{
    *out = NULL;
    double slice = options && options->slice > 0 ? options->slice : DEFAULT_SLICE;
    if (options && options->slice < 0)
        return -EINVAL;
    eddy_cooperator *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->reactor = r;
    c->clock = options && options->clock ? options->clock : eddy_clock_monotonic();
    c->slice_ns = (int64_t)(slice * 1e9);
    *out = c;
    return 0;
}

static void free_now(eddy_cooperator *c)
{
    while (c->all.head)
        end_task(c->all.head, eddy_failure_new(EDDY_ECANCELLED, "the Cooperator was freed"));
    if (c->tick_scheduled)
        eddy_delayed_call_cancel(c->reactor, c->tick);
    free(c);
}

void eddy_cooperator_free(eddy_cooperator *c)
{
    if (!c)
        return;
    if (c->ticking)
        c->free_pending = true;
    else
        free_now(c);
}

int eddy_cooperate(eddy_cooperator *c, eddy_step_fn step, void *arg, eddy_cooperative_task **out)
{
    if (out)
        *out = NULL;
    eddy_cooperative_task *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    *t = (eddy_cooperative_task){.refs = 1, .coop = c, .step = step, .arg = arg};
    LIST_PUSH(&c->all, t, all_prev, all_next);
    enqueue(t);
    if (out) {
        t->refs++;
        *out = t;
    }
    return 0;
}

int eddy_coiterate(eddy_cooperator *c, eddy_step_fn step, void *arg, eddy_deferred **done)
{
    eddy_cooperative_task *t;
    int rc = eddy_cooperate(c, step, arg, &t);
    if (rc < 0) {
        *done = NULL;
        return rc;
    }
    rc = eddy_cooperative_task_when_done(t, done);
    if (rc < 0)
        eddy_cooperative_task_stop(t);
    eddy_cooperative_task_release(t);
    return rc;
}

/* ---- task handles ------------------------------------------------------------------------- */

int eddy_cooperative_task_when_done(eddy_cooperative_task *t, eddy_deferred **out)
{
    if (!t->coop) {
        if (t->failure)
            return eddy_deferred_fail(eddy_failure_ref(t->failure), out);
        return eddy_deferred_succeed(t->arg, NULL, out);
    }
    eddy_deferred **ds = realloc(t->when_done, (t->nwhen_done + 1) * sizeof *ds);
    if (!ds) {
        *out = NULL;
        return -ENOMEM;
    }
    t->when_done = ds;
    int rc = eddy_deferred_new(NULL, NULL, &ds[t->nwhen_done]);
    if (rc < 0) {
        *out = NULL;
        return rc;
    }
    *out = eddy_deferred_ref(ds[t->nwhen_done++]);
    return 0;
}

void eddy_cooperative_task_pause(eddy_cooperative_task *t)
{
    if (!t->coop)
        return;
    t->paused++;
    dequeue(t);
}

void eddy_cooperative_task_resume(eddy_cooperative_task *t)
{
    if (!t->coop || t->paused == 0)
        return;
    if (--t->paused == 0)
        enqueue(t);
}

int eddy_cooperative_task_stop(eddy_cooperative_task *t)
{
    if (!t->coop)
        return -EINVAL;
    end_task(t, eddy_failure_new(EDDY_ECANCELLED, "the task was stopped"));
    return 0;
}

void eddy_cooperative_task_release(eddy_cooperative_task *t)
{
    if (t)
        task_unref(t);
}
