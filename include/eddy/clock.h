/* eddy/clock.h - where a reactor gets its time.
 *
 * A reactor reads a monotonic clock once per iteration. Tests give it a fake clock instead, which
 * only moves when told (eddy_fake_clock_advance, or eddy_reactor_advance which also runs the calls
 * that became due, like Twisted's task.Clock.advance). */
#ifndef EDDY_CLOCK_H
#define EDDY_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A clock: a function returning monotonic nanoseconds. Users may provide their own. */
typedef struct eddy_clock {
    int64_t (*now_ns)(struct eddy_clock *self); /**< current time in nanoseconds */
    bool fake; /**< true if time only moves when told: the reactor then never sleeps for timers */
} eddy_clock;

/** The system's monotonic clock (CLOCK_MONOTONIC). Static; never freed. */
eddy_clock *eddy_clock_monotonic(void);

/** A fake clock starting at 0 s. Caller owns it: free it with eddy_fake_clock_free() after every
 * reactor using it has been freed. Returns NULL when out of memory. */
typedef struct eddy_fake_clock eddy_fake_clock;
eddy_fake_clock *eddy_fake_clock_new(void);
void eddy_fake_clock_free(eddy_fake_clock *fc);
/** The fake clock as an eddy_clock, for eddy_reactor_options.clock. */
eddy_clock *eddy_fake_clock_as_clock(eddy_fake_clock *fc);
/** Move time forward by `seconds` (negative values are ignored: time never goes back). */
void eddy_fake_clock_advance(eddy_fake_clock *fc, double seconds);
/** Current fake time in seconds. */
double eddy_fake_clock_seconds(const eddy_fake_clock *fc);

#ifdef __cplusplus
}
#endif
#endif
