/* deferred_ready.c - ready-made Deferreds: succeed, fail, maybe_deferred. */
#include "defer/deferred_internal.h"

int eddy_deferred_succeed(void *value, eddy_free_fn free_fn, eddy_deferred **out)
{
    int rc = eddy_deferred_new(NULL, NULL, out);
    if (rc < 0) {
        if (free_fn)
            free_fn(value);
        return rc;
    }
    return eddy_deferred_callback(*out, value, free_fn);
}

int eddy_deferred_fail(eddy_failure *failure, eddy_deferred **out)
{
    int rc = eddy_deferred_new(NULL, NULL, out);
    if (rc < 0) {
        eddy_failure_unref(failure);
        return rc;
    }
    return eddy_deferred_errback(*out, failure);
}

int eddy_maybe_deferred(eddy_result (*fn)(void *arg), void *arg, eddy_deferred **out)
{
    eddy_result r = fn(arg);
    if (r.deferred && !r.failure) {
        if (r.free_fn)
            r.free_fn(r.value);
        *out = r.deferred;
        return 0;
    }
    int rc = eddy_deferred_new(NULL, NULL, out);
    if (rc < 0) {
        eddy_result_drop(r);
        return rc;
    }
    return eddy_deferred_fire(*out, r);
}
