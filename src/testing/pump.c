/* pump.c - eddy_reactor_pump: Twisted's Clock.pump over a fake-clock reactor. */
#include "eddy/testing.h"

int eddy_reactor_pump(eddy_reactor *r, const double *steps, size_t n)
{
    if (n > 0 && !steps)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        int rc = eddy_reactor_advance(r, steps[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}
