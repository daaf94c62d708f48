/* defer_helpers.h - helpers for the Deferred and task tests (tests/defer).
 *
 * Tracked values count their frees, so a test can assert that every value was freed exactly once
 * whatever path it took. A capture records what reached the end of a chain. */
#ifndef EDDY_DEFER_HELPERS_H
#define EDDY_DEFER_HELPERS_H

#include <criterion/criterion.h>
#include <stdbool.h>

#include "eddy.h"

/** A heap int whose free is counted. */
int *tracked_new(int v);
/** The eddy_free_fn of tracked values. */
void tracked_free(void *p);
/** Tracked values made and not yet freed. */
long tracked_alive(void);
/** A success result holding a new tracked value. */
eddy_result tracked_result(int v);

/** What a capture callback saw. */
typedef struct capture {
    int calls;      /* times it ran */
    bool failed;    /* the last result was a failure */
    int code;       /* its code, or 0 */
    bool has_value; /* the last result was a non-NULL value */
    int value;      /* *(int *)value, for tracked values */
    void *ptr;      /* the value pointer (borrowed; it is freed by the capture) */
} capture;

/** A callback/errback (arg: capture *) recording its input and consuming it (returns none). */
eddy_result capture_fn(eddy_result in, void *arg);
/** Add capture_fn as both callback and errback. */
void capture_add(eddy_deferred *d, capture *c);

/** Pass-through callbacks that count their calls in *(int *)arg. */
eddy_result count_pass(eddy_result in, void *arg);

/** A new unfired Deferred without canceller; fails the test on error. */
eddy_deferred *new_deferred(void);

/** Log events of namespace "eddy.defer" at `level` and above, as seen by a test observer. */
typedef struct log_capture {
    eddy_log_observer_id id;
    int count;
    eddy_log_level level;
    char last_message[256];
    char last_failure[256];
} log_capture;
void log_capture_start(log_capture *lc, eddy_log_level min_level);
void log_capture_stop(log_capture *lc);

#endif
