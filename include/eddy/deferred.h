/* eddy/deferred.h - Deferred: a result that is not there yet, with a chain of callbacks.
 *
 * A Deferred holds a chain of (callback, errback) pairs. When it fires, its result runs down the
 * chain: a success result goes to the next callback, a failure to the next errback, and whatever a
 * function returns is the input of the next pair. A callback that returns a failure switches to
 * the failure track; an errback that returns a value switches back (like `except`). A callback
 * that returns another Deferred pauses the chain until that one fires. See docs/deferred.md.
 *
 * Results. An eddy_result is either a value with its own destructor, or a failure (one owned
 * reference), or - only as a callback's return value - "wait for this Deferred". A callback
 * receives the incoming result and owns it: it returns it (pass-through), frees it with
 * eddy_result_drop(), or keeps its parts. Every value is freed exactly once, whatever path it
 * takes: by a callback, or when the Deferred holding it is freed.
 *
 * Ownership of Deferreds. Deferreds are reference counted. eddy_deferred_new() and every function
 * that hands out a Deferred give the caller one reference; drop it with eddy_deferred_unref()
 * when done (the chain carries on without you). Whoever will fire a Deferred keeps a reference
 * until it does (a timer, an operation, a combinator's inputs, a Deferred that another one waits
 * for holds the waiting one). Callbacks never own the Deferred they are attached to. When the last
 * reference goes, the current result is freed (a failure nobody handled is logged as "Unhandled
 * error in Deferred"), and callbacks that never ran have their argument destructors called.
 *
 * Taking ownership. A function that takes a value, a failure, a Deferred reference or a callback
 * argument with a destructor takes it even when it fails: the caller never has to clean up after
 * an error.
 *
 * Threads: a Deferred belongs to one thread (normally the reactor's); nothing here is
 * thread-safe except eddy_deferred_unhandled_errors(). */
#ifndef EDDY_DEFERRED_H
#define EDDY_DEFERRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eddy/common.h"
#include "eddy/failure.h"
#include "eddy/reactor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eddy_deferred eddy_deferred;

/** A result travelling down a chain. At most one of `failure` and `deferred` is set; when neither
 * is, the result is the success value `value` (which may be NULL). */
typedef struct eddy_result {
    void *value;           /**< success value (may be NULL) */
    eddy_free_fn free_fn;  /**< frees `value`; NULL if the value is not owned (borrowed, static) */
    eddy_failure *failure; /**< non-NULL: the result is this failure (one owned reference) */
    eddy_deferred *deferred; /**< non-NULL: wait for this Deferred (one owned reference) */
} eddy_result;

/** A success result owning `value` (freed with `free_fn`, which may be NULL if not owned). */
static inline eddy_result eddy_result_value(void *value, eddy_free_fn free_fn)
{
    return (eddy_result){.value = value, .free_fn = free_fn};
}
/** A success result with no value (Python's None). */
static inline eddy_result eddy_result_none(void)
{
    return (eddy_result){.value = NULL};
}
/** A failure result; takes the caller's reference on `f` (NULL: a generic EDDY_EFAILED). */
eddy_result eddy_result_failure(eddy_failure *f);
/** A failure result made on the spot: eddy_result_error(EDDY_ETIMEOUT, "no answer from %s", h). */
#define eddy_result_error(code, ...) eddy_result_failure(eddy_failure_new((code), __VA_ARGS__))
/** "Wait for `d`": returned from a callback, it pauses the chain until `d` fires and continues
 * with `d`'s result (`d`'s own chain is consumed). Takes the caller's reference on `d`. */
static inline eddy_result eddy_result_wait(eddy_deferred *d)
{
    return (eddy_result){.deferred = d};
}
/** True if `r` is a failure. */
static inline bool eddy_result_is_failure(const eddy_result *r)
{
    return r->failure != NULL;
}
/** Free whatever `r` owns: the value (with its destructor), the failure reference or the Deferred
 * reference. */
void eddy_result_drop(eddy_result r);

/** A callback or errback: receives the incoming result (owned, see above) and returns the next
 * one. `arg` is the argument given when it was added. */
typedef eddy_result (*eddy_deferred_fn)(eddy_result in, void *arg);

/** A canceller: called by eddy_deferred_cancel() on a Deferred that has not fired, to stop the
 * work that would fire it. It may fire `d` itself (with any result); if it does not, `d` errbacks
 * with EDDY_ECANCELLED. `arg` is borrowed: it must stay valid until `d` fires or is freed. */
typedef void (*eddy_canceller_fn)(eddy_deferred *d, void *arg);

/* ---- life cycle --------------------------------------------------------------------------- */

/** Make a Deferred that has not fired. `canceller` may be NULL. On success *out holds the
 * caller's reference. Errors: -ENOMEM. */
int eddy_deferred_new(eddy_canceller_fn canceller, void *arg, eddy_deferred **out);
/** Take another reference; returns `d`. */
eddy_deferred *eddy_deferred_ref(eddy_deferred *d);
/** Drop a reference. With the last one the Deferred is freed: its result is freed (a failure is
 * logged as unhandled), and unrun callbacks' argument destructors are called. NULL is a no-op. */
void eddy_deferred_unref(eddy_deferred *d);

/* ---- firing ------------------------------------------------------------------------------- */

/** Fire `d` with `result` (a value or a failure; not a wait). Always consumes `result`.
 * Errors: EDDY_EALREADYCALLED if `d` has already fired (except once after a cancel without a
 * canceller: that late result is silently dropped, as the work could not be stopped), -EINVAL if
 * `result` is a wait. */
int eddy_deferred_fire(eddy_deferred *d, eddy_result result);
/** Fire `d` with success `value` (destroyed by `free_fn`, may be NULL). Errors as
 * eddy_deferred_fire(). */
int eddy_deferred_callback(eddy_deferred *d, void *value, eddy_free_fn free_fn);
/** Fire `d` with `failure` (the reference is taken; NULL means a generic EDDY_EFAILED). Errors as
 * eddy_deferred_fire(). */
int eddy_deferred_errback(eddy_deferred *d, eddy_failure *failure);

/* ---- the chain ---------------------------------------------------------------------------- */

/** Add a (callback, errback) pair at the end of the chain: exactly one of them runs there, so a
 * failure returned by `cb` goes to the next pair's errback, not to `eb`. Either may be NULL (the
 * result passes through). If `d` has fired and is not paused the pair runs at once. `arg` is
 * borrowed. Errors: -ENOMEM (nothing was added). */
int eddy_deferred_add_callbacks(eddy_deferred *d, eddy_deferred_fn cb, eddy_deferred_fn eb,
                                void *arg);
/** As eddy_deferred_add_callbacks(), and `arg_free(arg)` is called once the pair is done with
 * `arg`: right after it ran (whichever of cb/eb ran, or none because it was NULL) or when `d` is
 * freed without having reached it; on error, before returning. Errors: -ENOMEM. */
int eddy_deferred_add_callbacks_full(eddy_deferred *d, eddy_deferred_fn cb, eddy_deferred_fn eb,
                                     void *arg, eddy_free_fn arg_free);
/** Add `cb` for success; failures pass it by. Errors: -ENOMEM. */
int eddy_deferred_add_callback(eddy_deferred *d, eddy_deferred_fn cb, void *arg);
/** Add `eb` for failures; values pass it by. Errors: -ENOMEM. */
int eddy_deferred_add_errback(eddy_deferred *d, eddy_deferred_fn eb, void *arg);
/** Add `fn` for both tracks (like `finally`). Errors: -ENOMEM. */
int eddy_deferred_add_both(eddy_deferred *d, eddy_deferred_fn fn, void *arg);

/** Make `d`'s result fire `other`: adds a pair that hands the result to `other` (as
 * eddy_deferred_fire) and leaves `d` with a none result. `d` holds a reference on `other` until
 * then. If `other` has already fired, `d` continues with an EDDY_EALREADYCALLED failure (unless
 * `other` was cancelled without a canceller). Runs without recursion, so long chains are safe.
 * Errors: -ENOMEM, -EINVAL (`other` == `d`). */
int eddy_deferred_chain(eddy_deferred *d, eddy_deferred *other);

/** Suspend running the chain (counted: every pause needs an unpause). */
void eddy_deferred_pause(eddy_deferred *d);
/** Undo one pause; with the last one a fired Deferred carries on with its chain. */
void eddy_deferred_unpause(eddy_deferred *d);

/* ---- cancellation and timeouts ------------------------------------------------------------ */

/** Cancel `d`. If it has not fired: call its canceller, then, if it still has not fired, errback
 * it with EDDY_ECANCELLED. If it has fired and waits for another Deferred (returned by one of its
 * callbacks): cancel that one instead. Otherwise nothing happens. Never fails; may be called
 * repeatedly. */
void eddy_deferred_cancel(eddy_deferred *d);

/** Cancel `d` if its result has not reached this point of its chain `seconds` from now (reactor
 * time): it has not fired, or it has and waits for another Deferred (which the cancel then goes
 * to, as in Twisted). The resulting EDDY_ECANCELLED failure becomes EDDY_ETIMEOUT for the
 * callbacks added after this call. The timer keeps a reference on `d` until it runs or the result
 * gets here, and is cancelled then, so the reactor must outlive that. A Deferred that fired and is
 * not paused gets no timer. Errors: -EINVAL (negative or NaN `seconds`), -ENOMEM. */
int eddy_deferred_add_timeout(eddy_deferred *d, eddy_reactor *r, double seconds);

/* ---- state -------------------------------------------------------------------------------- */

/** True once `d` has fired (even if its chain is paused). */
bool eddy_deferred_called(const eddy_deferred *d);
/** True while `d` is paused, by eddy_deferred_pause() or because it waits for another Deferred. */
bool eddy_deferred_paused(const eddy_deferred *d);
/** The current result of a fired Deferred that is not waiting for another one, borrowed (valid
 * until the chain moves on); NULL otherwise. */
const eddy_result *eddy_deferred_peek(const eddy_deferred *d);

/** The number of unhandled failures reported since the process started (each is also logged at
 * EDDY_LOG_CRITICAL in namespace "eddy.defer"). Thread-safe; meant for tests and diagnostics. */
uint64_t eddy_deferred_unhandled_errors(void);

/* ---- ready-made Deferreds ----------------------------------------------------------------- */

/** A Deferred that has already fired with `value` (destroyed by `free_fn`). Errors: -ENOMEM. */
int eddy_deferred_succeed(void *value, eddy_free_fn free_fn, eddy_deferred **out);
/** A Deferred that has already failed with `failure` (reference taken). Errors: -ENOMEM. */
int eddy_deferred_fail(eddy_failure *failure, eddy_deferred **out);
/** Call `fn(arg)` now and wrap what it returns in a Deferred: a value or failure gives a fired
 * Deferred, a wait gives the Deferred waited for. Errors: -ENOMEM (the result is freed). */
int eddy_maybe_deferred(eddy_result (*fn)(void *arg), void *arg, eddy_deferred **out);

/* ---- combinators -------------------------------------------------------------------------- */

/** Results of every input, in input order: the value of a DeferredList and of gather_results. */
typedef struct eddy_result_list {
    size_t count;          /**< number of inputs */
    eddy_result results[]; /**< results[i] is input i's result (a value or a failure) */
} eddy_result_list;
/** Free a result list and every result in it (an eddy_free_fn). */
void eddy_result_list_free(void *list);

/** The value of race() and of a fire-on-one-callback DeferredList: the first success. */
typedef struct eddy_first_result {
    size_t index;         /**< which input */
    void *value;          /**< its value, owned */
    eddy_free_fn free_fn; /**< destroys value; may be NULL */
} eddy_first_result;
/** Free a first-result and its value (an eddy_free_fn). */
void eddy_first_result_free(void *first);

enum {
    /** Fire with the first success (an eddy_first_result) instead of waiting for all. */
    EDDY_DL_FIRE_ON_ONE_CALLBACK = 1 << 0,
    /** Errback with the first failure (wrapped, same code, the original as cause). */
    EDDY_DL_FIRE_ON_ONE_ERRBACK = 1 << 1,
    /** Leave a none result in inputs that fail, so they report no unhandled error. */
    EDDY_DL_CONSUME_ERRORS = 1 << 2,
};

/** A DeferredList over `n` inputs: fires when every input has fired, with an eddy_result_list
 * (free with eddy_result_list_free) holding each input's result, or earlier as `flags` say. The
 * list takes each input's result (values move into the list; a failure is shared and also stays in
 * the input unless EDDY_DL_CONSUME_ERRORS). The inputs are borrowed; the list does not keep them
 * alive. Cancelling the list cancels every input that has not fired. With n == 0 it fires at once
 * with an empty list. Errors: -ENOMEM, -EINVAL (NULL ds with n > 0, or a NULL input). */
int eddy_deferred_list(eddy_deferred *const *ds, size_t n, unsigned flags, eddy_deferred **out);

/** Fire with an eddy_result_list of every input's value when all succeed; fail with the first
 * failure (wrapped, same code) as soon as one fails. `consume_errors` as in the DeferredList.
 * Errors: -ENOMEM, -EINVAL. */
int eddy_gather_results(eddy_deferred *const *ds, size_t n, bool consume_errors,
                        eddy_deferred **out);

/** Fire with the first success (an eddy_first_result) and cancel every other input; if all fail,
 * fail with the first failure's code, wrapping it. Failures of the inputs are consumed.
 * Cancelling the race cancels every input. Errors: -ENOMEM, -EINVAL (n == 0). */
int eddy_race(eddy_deferred *const *ds, size_t n, eddy_deferred **out);

/* ---- lock, semaphore, queue --------------------------------------------------------------- */

typedef struct eddy_deferred_semaphore eddy_deferred_semaphore;
typedef struct eddy_deferred_lock eddy_deferred_lock;
typedef struct eddy_deferred_queue eddy_deferred_queue;

/** A semaphore with `tokens` (>= 1) tokens. Caller owns it. Errors: -EINVAL, -ENOMEM. */
int eddy_deferred_semaphore_new(size_t tokens, eddy_deferred_semaphore **out);
/** Free it; Deferreds still waiting to acquire errback with EDDY_ECANCELLED. May be called from
 * a waiter's callback. NULL is a no-op. */
void eddy_deferred_semaphore_free(eddy_deferred_semaphore *s);
/** *out (a new reference) fires with the semaphore (borrowed) once a token is taken: at once if
 * one is free, else in FIFO order as tokens are released. Cancelling a waiting acquire removes it
 * from the queue. Errors: -ENOMEM. */
int eddy_deferred_semaphore_acquire(eddy_deferred_semaphore *s, eddy_deferred **out);
/** Give a token back (to the first waiter, if any, whose Deferred fires before this returns).
 * Released from inside a callback of a waiter that a release is firing, the token still goes to
 * the first waiter at once, but that waiter's Deferred fires when the callback returns: so the
 * stack does not grow with the number of waiters. Errors: -EINVAL if no token is taken. */
int eddy_deferred_semaphore_release(eddy_deferred_semaphore *s);
/** Acquire, then call fn(arg), then release once its result (a value, failure or wait) is
 * final; *out (a new reference) fires with that result. `arg` is borrowed until fn runs. The
 * semaphore must outlive a run in progress. Errors: -ENOMEM. */
int eddy_deferred_semaphore_run(eddy_deferred_semaphore *s, eddy_result (*fn)(void *arg), void *arg,
                                eddy_deferred **out);
/** The number of free tokens. */
size_t eddy_deferred_semaphore_tokens(const eddy_deferred_semaphore *s);
/** The number of acquires waiting for a token. */
size_t eddy_deferred_semaphore_waiting(const eddy_deferred_semaphore *s);

/** A lock: a semaphore with one token; the same rules apply. Caller owns *out. Errors: -ENOMEM. */
int eddy_deferred_lock_new(eddy_deferred_lock **out);
/** Free it; waiting acquires errback with EDDY_ECANCELLED. NULL is a no-op. */
void eddy_deferred_lock_free(eddy_deferred_lock *l);
/** *out fires with the lock (borrowed) once it is held. Errors: -ENOMEM. */
int eddy_deferred_lock_acquire(eddy_deferred_lock *l, eddy_deferred **out);
/** Unlock (handing the lock to the first waiter, if any). Errors: -EINVAL if it is not locked. */
int eddy_deferred_lock_release(eddy_deferred_lock *l);
/** Run fn(arg) holding the lock, as eddy_deferred_semaphore_run(). Errors: -ENOMEM. */
int eddy_deferred_lock_run(eddy_deferred_lock *l, eddy_result (*fn)(void *arg), void *arg,
                           eddy_deferred **out);
/** True while someone holds the lock. */
bool eddy_deferred_lock_locked(const eddy_deferred_lock *l);

/** No limit, for eddy_deferred_queue_new(). */
#define EDDY_QUEUE_UNLIMITED SIZE_MAX

/** A queue of values: eddy_deferred_queue_get() gives a Deferred that fires with the next value.
 * At most `size` values wait in it and at most `backlog` gets wait for values (either may be
 * EDDY_QUEUE_UNLIMITED). Caller owns it. Errors: -ENOMEM. */
int eddy_deferred_queue_new(size_t size, size_t backlog, eddy_deferred_queue **out);
/** Free it: queued values are freed, waiting gets errback with EDDY_ECANCELLED. May be called
 * from a get's callback. NULL: no-op. */
void eddy_deferred_queue_free(eddy_deferred_queue *q);
/** Hand `value` (destroyed by `free_fn`) to the first waiting get, whose Deferred fires before
 * this returns, or queue it. Put from inside the callback of a get that a put is firing, the value
 * still goes to the first waiting get at once, but that get's Deferred fires when the callback
 * returns (so the stack does not grow with the number of waiting gets); if that get is cancelled
 * meanwhile, the value passes to the next waiting get, or back to the head of the queue. Always
 * takes `value`. Errors: -ENOSPC (the queue holds `size` values; the value is freed), -ENOMEM. */
int eddy_deferred_queue_put(eddy_deferred_queue *q, void *value, eddy_free_fn free_fn);
/** *out (a new reference) fires with the next value. Cancelling a waiting get removes it.
 * Errors: -EBUSY (`backlog` gets are already waiting), -ENOMEM. */
int eddy_deferred_queue_get(eddy_deferred_queue *q, eddy_deferred **out);
/** The number of values queued. */
size_t eddy_deferred_queue_pending(const eddy_deferred_queue *q);
/** The number of gets waiting for a value. */
size_t eddy_deferred_queue_waiting(const eddy_deferred_queue *q);

/* ---- system events ------------------------------------------------------------------------ */

/** A before-trigger that may return a Deferred (a new reference, or NULL for nothing to wait
 * for). */
typedef eddy_deferred *(*eddy_deferred_trigger_fn)(void *arg);

/** Make the system event `event` (which must be in its before phase, i.e. call this from a before
 * trigger) wait until `d` fires: its during and after phases run only then. A failure of `d` is
 * logged at EDDY_LOG_ERROR and consumed. If `d` is freed without firing the event goes on. Takes
 * the caller's reference on `d`. Errors: -EINVAL (the event is not in its before phase), -ENOMEM.
 */
int eddy_deferred_hold_system_event(eddy_reactor *r, const char *event, eddy_deferred *d);

/** Register `fn(arg)` as a before trigger of `event` ("shutdown": stop waits for it) whose
 * returned Deferred the event waits for (as eddy_deferred_hold_system_event). `arg` is borrowed.
 * Remove it with eddy_reactor_remove_before_trigger_deferred() (its small record is otherwise
 * freed with the reactor). Errors: -EINVAL (NULL event or fn), -ENOMEM. */
int eddy_reactor_add_before_trigger_deferred(eddy_reactor *r, const char *event,
                                             eddy_deferred_trigger_fn fn, void *arg,
                                             eddy_trigger_id *id);
/** Remove such a trigger and free its record. Errors: EDDY_ENOTFOUND. */
int eddy_reactor_remove_before_trigger_deferred(eddy_reactor *r, eddy_trigger_id id);

#ifdef __cplusplus
}
#endif
#endif
