/* eddy/delayed_call.h - delayed calls (Twisted's callLater / IDelayedCall).
 *
 * A delayed call runs `fn(arg)` once, in the reactor's thread, when the reactor's time reaches its
 * deadline: never earlier (by the reactor's clock), and calls with equal deadlines run in the order
 * they were scheduled. A call scheduled from inside a callback, even with delay 0, runs in a later
 * iteration, never inside the current one.
 *
 * Handles are small values, not pointers: a handle stays safe to use after its call has run or
 * been cancelled (the functions then report EDDY_EINACTIVE), so the common
 * "if active, cancel" pattern cannot touch freed memory. Scheduling takes no allocation in the
 * steady state (calls live in a per-reactor pool).
 *
 * The idle-timeout pattern ("one timeout per connection, pushed back on every read") is cheap:
 * eddy_delayed_call_reset() or eddy_delayed_call_delay() to a later time is O(1), it only records
 * the new deadline; the call is re-queued once, when the old deadline comes. */
#ifndef EDDY_DELAYED_CALL_H
#define EDDY_DELAYED_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include "eddy/reactor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A handle to a delayed call. id 0 means "none" (a failed eddy_call_later). */
typedef struct eddy_delayed_call {
    uint64_t id;
} eddy_delayed_call;

/** Schedule `fn(arg)` to run `seconds` (>= 0) from the reactor's current time. Returns the handle;
 * its id is 0 if `seconds` is negative or not a number, `fn` is NULL, or memory ran out.
 * `arg` is borrowed: eddy never frees it (not even when the reactor is freed with the call
 * pending). */
eddy_delayed_call eddy_call_later(eddy_reactor *r, double seconds, eddy_callback fn, void *arg);

/** True until the call has run or been cancelled. False for id 0. */
bool eddy_delayed_call_active(const eddy_reactor *r, eddy_delayed_call dc);

/** Unschedule the call. Errors: EDDY_EINACTIVE (already run or cancelled). Cost: O(log n). */
int eddy_delayed_call_cancel(eddy_reactor *r, eddy_delayed_call dc);

/** Reschedule to `seconds` from now. Errors: EDDY_EINACTIVE, -EINVAL (negative or NaN).
 * O(1) when the new deadline is later than the old, O(log n) otherwise. */
int eddy_delayed_call_reset(eddy_reactor *r, eddy_delayed_call dc, double seconds);

/** Push the call `seconds` later than its current deadline (negative moves it earlier).
 * Errors: EDDY_EINACTIVE, -EINVAL (NaN). */
int eddy_delayed_call_delay(eddy_reactor *r, eddy_delayed_call dc, double seconds);

/** The absolute reactor time (see eddy_reactor_seconds) at which the call will run.
 * Errors: EDDY_EINACTIVE. */
int eddy_delayed_call_get_time(const eddy_reactor *r, eddy_delayed_call dc, double *out);

/** Number of pending (active) delayed calls. */
size_t eddy_reactor_pending_calls(const eddy_reactor *r);

#ifdef __cplusplus
}
#endif
#endif
