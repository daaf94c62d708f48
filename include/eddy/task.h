/* eddy/task.h - helpers built on the reactor's time: LoopingCall, defer_later, Cooperator.
 *
 * Everything here runs in the reactor's thread, reads time from eddy_reactor_seconds() and
 * schedules with eddy_call_later(), so tests drive it with a fake clock (eddy/clock.h,
 * eddy_reactor_advance). The reactor must outlive the objects made here. */
#ifndef EDDY_TASK_H
#define EDDY_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "eddy/clock.h"
#include "eddy/deferred.h"
#include "eddy/reactor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- LoopingCall -------------------------------------------------------------------------- */

typedef struct eddy_looping_call eddy_looping_call;

/** The function a LoopingCall calls. Return a value (ignored and freed), a failure (the loop stops
 * and its Deferred errbacks with it) or a wait (the next call waits until that Deferred fires; a
 * failure of it stops the loop the same way). */
typedef eddy_result (*eddy_looping_fn)(void *arg);
/** The with-count variant: `count` is the number of intervals that have passed since the previous
 * call (1 normally; more when the reactor was late and intervals were skipped; always 1 when the
 * interval is 0). */
typedef eddy_result (*eddy_looping_count_fn)(uint64_t count, void *arg);

/** Make a LoopingCall of `fn(arg)` on reactor `r`. `arg` is borrowed. Caller owns *out.
 * Errors: -ENOMEM, -EINVAL (NULL fn). */
int eddy_looping_call_new(eddy_reactor *r, eddy_looping_fn fn, void *arg, eddy_looping_call **out);
/** As eddy_looping_call_new() with a function that is told how many intervals passed. */
int eddy_looping_call_new_with_count(eddy_reactor *r, eddy_looping_count_fn fn, void *arg,
                                     eddy_looping_call **out);
/** Stop it if running (its Deferred fires) and free it; safe from inside its own function (it is
 * then freed when that call ends). NULL is a no-op. */
void eddy_looping_call_free(eddy_looping_call *lc);

/** Start calling every `interval` seconds (0: once per reactor iteration), first at once if `now`
 * (before this returns), else after one interval. Calls stay on the grid start + k * interval:
 * a late call does not shift later ones, and intervals missed entirely are skipped. If `done` is
 * not NULL it gets a new reference on a Deferred that fires with the LoopingCall (borrowed) when
 * it is stopped, or errbacks with the function's failure.
 * Errors: -EALREADY (running, or stopped while the Deferred of its last call is still pending:
 * its Deferred has not fired yet), -EINVAL (negative or NaN interval), -ENOMEM. */
int eddy_looping_call_start(eddy_looping_call *lc, double interval, bool now, eddy_deferred **done);
/** Stop: no more calls. The Deferred fires now, or, if the function's Deferred is pending (or
 * this is called from inside the function), when that call ends. Errors: -EINVAL (not running). */
int eddy_looping_call_stop(eddy_looping_call *lc);
/** Restart the interval from now (skipping the call that was due). Errors: -EINVAL (not
 * running). */
int eddy_looping_call_reset(eddy_looping_call *lc);
/** True between start and stop (or failure). */
bool eddy_looping_call_running(const eddy_looping_call *lc);

/* ---- defer_later -------------------------------------------------------------------------- */

/** *out (a new reference) fires `delay` seconds from now with the result of `fn(arg)` (a value,
 * a failure or a wait, as in a callback); `fn` may be NULL for a none result. Cancelling *out
 * before then cancels the timer (fn is not called) and errbacks with EDDY_ECANCELLED. `arg` is
 * borrowed until fn runs or the Deferred is cancelled. Errors: -EINVAL (negative or NaN delay),
 * -ENOMEM. */
int eddy_defer_later(eddy_reactor *r, double delay, eddy_result (*fn)(void *arg), void *arg,
                     eddy_deferred **out);

/* ---- Cooperator --------------------------------------------------------------------------- */

typedef struct eddy_cooperator eddy_cooperator;
typedef struct eddy_cooperative_task eddy_cooperative_task;

/** Return values of a step function. */
enum {
    EDDY_STEP_DONE = 0, /**< the task is finished */
    EDDY_STEP_MORE = 1, /**< call me again */
};

/** One step of a cooperative task: do a little work and return EDDY_STEP_MORE, EDDY_STEP_DONE,
 * or a negative error code (the task fails with it). To make the task wait for a Deferred, store
 * a new reference in *wait (and return EDDY_STEP_MORE): the task is not stepped until it fires,
 * and fails with its failure if it fails. */
typedef int (*eddy_step_fn)(void *arg, eddy_deferred **wait);

/** Options for eddy_cooperator_new(); zero-initialise. */
typedef struct eddy_cooperator_options {
    /** Longest run of steps before the reactor gets back control (seconds); 0: 0.01. */
    double slice;
    /** Clock measuring the slice (borrowed; it must advance); NULL: the monotonic clock. */
    eddy_clock *clock;
} eddy_cooperator_options;

/** Make a Cooperator: it runs its tasks' steps round-robin from a delayed call, for at most one
 * slice per reactor iteration, so I/O and timers keep running. `options` may be NULL. Caller owns
 * *out. Errors: -ENOMEM, -EINVAL (negative slice). */
int eddy_cooperator_new(eddy_reactor *r, const eddy_cooperator_options *options,
                        eddy_cooperator **out);
/** Stop every task (their Deferreds errback with EDDY_ECANCELLED) and free the Cooperator. May be
 * called from inside a step. NULL is a no-op. */
void eddy_cooperator_free(eddy_cooperator *c);

/** Add a task running `step(arg)` until it is done. `arg` is borrowed until the task ends (free it
 * from a when_done callback). If `out` is not NULL it gets a reference on the task (release it
 * with eddy_cooperative_task_release; the task runs on regardless). Errors: -ENOMEM. */
int eddy_cooperate(eddy_cooperator *c, eddy_step_fn step, void *arg, eddy_cooperative_task **out);
/** As eddy_cooperate(), and *done gets a new reference on eddy_cooperative_task_when_done().
 * Errors: -ENOMEM. */
int eddy_coiterate(eddy_cooperator *c, eddy_step_fn step, void *arg, eddy_deferred **done);

/** A new Deferred that fires with the task's `arg` (borrowed) when it finishes, or errbacks with
 * its failure (EDDY_ECANCELLED if stopped). Works after the end too. Errors: -ENOMEM. */
int eddy_cooperative_task_when_done(eddy_cooperative_task *t, eddy_deferred **out);
/** Stop stepping until resumed (counted). No effect on an ended task. */
void eddy_cooperative_task_pause(eddy_cooperative_task *t);
/** Undo one pause. */
void eddy_cooperative_task_resume(eddy_cooperative_task *t);
/** End the task now: no more steps; when_done Deferreds errback with EDDY_ECANCELLED.
 * Errors: -EINVAL (already ended). */
int eddy_cooperative_task_stop(eddy_cooperative_task *t);
/** Drop the reference from eddy_cooperate(). NULL is a no-op. */
void eddy_cooperative_task_release(eddy_cooperative_task *t);

#ifdef __cplusplus
}
#endif
#endif
