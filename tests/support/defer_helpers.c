/* defer_helpers.c - see defer_helpers.h. */
#include "defer_helpers.h"

#include <stdlib.h>
#include <string.h>

static long made, freed;

int *tracked_new(int v)
{
    int *p = malloc(sizeof *p);
    cr_assert_not_null(p);
    *p = v;
    made++;
    return p;
}

void tracked_free(void *p)
{
    freed++;
    free(p);
}

long tracked_alive(void)
{
    return made - freed;
}

eddy_result tracked_result(int v)
{
    return eddy_result_value(tracked_new(v), tracked_free);
}

eddy_result capture_fn(eddy_result in, void *arg)
{
    capture *c = arg;
    c->calls++;
    c->failed = in.failure != NULL;
    c->code = in.failure ? eddy_failure_code(in.failure) : 0;
    c->has_value = in.value != NULL;
    c->ptr = in.value;
    c->value = in.value && in.free_fn == tracked_free ? *(int *)in.value : 0;
    eddy_result_drop(in);
    return eddy_result_none();
}

void capture_add(eddy_deferred *d, capture *c)
{
    cr_assert_eq(eddy_deferred_add_both(d, capture_fn, c), 0);
}

eddy_result count_pass(eddy_result in, void *arg)
{
    (*(int *)arg)++;
    return in;
}

eddy_deferred *new_deferred(void)
{
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_deferred_new(NULL, NULL, &d), 0);
    return d;
}

static void log_capture_fn(const eddy_log_event *ev, void *arg)
{
    log_capture *lc = arg;
    if (strcmp(ev->ns, "eddy.defer") != 0)
        return;
    lc->count++;
    lc->level = ev->level;
    snprintf(lc->last_message, sizeof lc->last_message, "%s", ev->message);
    lc->last_failure[0] = '\0';
    for (size_t i = 0; i < ev->nfields; i++)
        if (strcmp(ev->fields[i].key, "failure") == 0 && ev->fields[i].type == EDDY_LOG_FIELD_STR)
            snprintf(lc->last_failure, sizeof lc->last_failure, "%s", ev->fields[i].v.s);
}

void log_capture_start(log_capture *lc, eddy_log_level min_level)
{
    memset(lc, 0, sizeof *lc);
    cr_assert_eq(eddy_log_add_observer(log_capture_fn, lc, min_level, &lc->id), 0);
}

void log_capture_stop(log_capture *lc)
{
    cr_assert_eq(eddy_log_remove_observer(lc->id), 0);
}
