/* clock.c - the monotonic clock and the fake clock used by tests. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "core/reactor_internal.h"
#include "eddy/clock.h"

static int64_t monotonic_now(eddy_clock *self)
{
    (void)self;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static eddy_clock monotonic = {.now_ns = monotonic_now, .fake = false};

eddy_clock *eddy_clock_monotonic(void)
{
    return &monotonic;
}

struct eddy_fake_clock {
    eddy_clock base; /* first: the reactor sees only this */
    int64_t now;
};

static int64_t fake_now(eddy_clock *self)
{
    return ((eddy_fake_clock *)self)->now;
}

eddy_fake_clock *eddy_fake_clock_new(void)
{
    eddy_fake_clock *fc = calloc(1, sizeof *fc);
    if (fc)
        fc->base = (eddy_clock){.now_ns = fake_now, .fake = true};
    return fc;
}

eddy_fake_clock *eddy__fake_clock_from(eddy_clock *c)
{
    return c && c->now_ns == fake_now ? (eddy_fake_clock *)c : NULL;
}

void eddy_fake_clock_free(eddy_fake_clock *fc)
{
    free(fc);
}

eddy_clock *eddy_fake_clock_as_clock(eddy_fake_clock *fc)
{
    return &fc->base;
}

void eddy_fake_clock_advance(eddy_fake_clock *fc, double seconds)
{
    if (!(seconds > 0))
        return;
    /* A step past the end of int64 (a huge or infinite amount) would be an undefined conversion
     * that sends the clock back to a large negative time: stop at the last nanosecond instead. */
    double ns = seconds * 1e9 + 0.5;
    if (ns >= (double)(INT64_MAX - fc->now)) {
        fc->now = INT64_MAX;
        return;
    }
    int64_t step = (int64_t)ns;
    fc->now = step > INT64_MAX - fc->now ? INT64_MAX : fc->now + step;
}

double eddy_fake_clock_seconds(const eddy_fake_clock *fc)
{
    return (double)fc->now / 1e9;
}
