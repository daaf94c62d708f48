/* deferred_list_ticker.c - three slow jobs in parallel, a ticker while they run.
 *
 * Each "job" is a Deferred that fires after a delay (eddy_defer_later stands in for a network
 * request). A DeferredList waits for all three; one of them fails, and the list reports each
 * outcome in order. A LoopingCall prints a tick every 100 ms until the list has fired, then the
 * reactor stops.
 *
 *   $ ./deferred_list_ticker
 *   tick 1 (0.00 s)
 *   ...
 *   job 0: ok, 150 ms
 *   job 1: failed: ETIMEDOUT: mirror too slow (...)
 *   job 2: ok, 300 ms */
#include <stdio.h>
#include <stdlib.h>

#include "eddy.h"

typedef struct job {
    eddy_reactor *reactor;
    int millis; /* how long it takes */
    bool fails;
} job;

/* Runs when the job's delay is over: the job's result (a value or a failure). */
static eddy_result finish_job(void *arg)
{
    job *j = arg;
    if (j->fails)
        return eddy_result_error(-ETIMEDOUT, "mirror too slow");
    int *millis = malloc(sizeof *millis);
    if (!millis)
        return eddy_result_error(-ENOMEM, NULL);
    *millis = j->millis;
    return eddy_result_value(millis, free); /* the chain owns it from here */
}

typedef struct app {
    eddy_reactor *reactor;
    eddy_looping_call *ticker;
    double start; /* reactor time when we began */
    int ticks;
} app;

static eddy_result tick(void *arg)
{
    app *a = arg;
    printf("tick %d (%.2f s)\n", ++a->ticks, eddy_reactor_seconds(a->reactor) - a->start);
    return eddy_result_none();
}

/* The DeferredList fired: its value is an eddy_result_list, one result per job, in order. */
static eddy_result report(eddy_result in, void *arg)
{
    app *a = arg;
    const eddy_result_list *list = in.value;
    for (size_t i = 0; i < list->count; i++) {
        const eddy_result *r = &list->results[i];
        if (eddy_result_is_failure(r)) {
            char text[256];
            eddy_failure_format(r->failure, text, sizeof text);
            printf("job %zu: failed: %s\n", i, text);
        } else {
            printf("job %zu: ok, %d ms\n", i, *(int *)r->value);
        }
    }
    eddy_result_drop(in); /* frees the list and every value in it */
    eddy_looping_call_stop(a->ticker);
    eddy_reactor_stop(a->reactor);
    return eddy_result_none();
}

int main(void)
{
    app a = {0};
    int rc = eddy_reactor_new(NULL, &a.reactor);
    if (rc < 0) {
        fprintf(stderr, "reactor: %s\n", eddy_strerror(rc));
        return 1;
    }
    job jobs[] = {
        {a.reactor, 150, false},
        {a.reactor, 250, true},
        {a.reactor, 300, false},
    };
    eddy_deferred *ds[3], *all = NULL;
    for (size_t i = 0; i < 3; i++)
        if ((rc = eddy_defer_later(a.reactor, jobs[i].millis / 1000.0, finish_job, &jobs[i],
                                   &ds[i])) < 0)
            goto fail;
    /* Consume the errors: the list reports them, the jobs need not. */
    if ((rc = eddy_deferred_list(ds, 3, EDDY_DL_CONSUME_ERRORS, &all)) < 0)
        goto fail;
    for (size_t i = 0; i < 3; i++)
        eddy_deferred_unref(ds[i]); /* their timers keep them alive until they fire */

    a.start = eddy_reactor_seconds(a.reactor);
    if ((rc = eddy_looping_call_new(a.reactor, tick, &a, &a.ticker)) < 0 ||
        (rc = eddy_looping_call_start(a.ticker, 0.1, true, NULL)) < 0 ||
        (rc = eddy_deferred_add_callback(all, report, &a)) < 0)
        goto fail;
    eddy_deferred_unref(all);

    eddy_reactor_run(a.reactor);
    eddy_looping_call_free(a.ticker);
    eddy_reactor_free(a.reactor);
    return 0;

fail:
    fprintf(stderr, "setting up: %s\n", eddy_strerror(rc));
    return 1;
}
