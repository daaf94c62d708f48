/* deferred_trigger.c - system events that wait for Deferreds ("shutdown" waits for cleanup).
 *
 * Built on the core's holds: a before trigger takes a hold on the firing event and releases it
 * when the Deferred fires. The release is the argument destructor of a chain entry, so it happens
 * exactly once on every path: the Deferred fires, is freed unfired, or the entry cannot be added.
 *
 * eddy_reactor_add_before_trigger_deferred needs a record (fn, arg, event name) that the core's
 * triggers do not own, so each reactor keeps a list of them in its reactor-local storage: a record
 * is freed by eddy_reactor_remove_before_trigger_deferred or with the reactor. */
#include <stdlib.h>
#include <string.h>

#include "core/reactor_internal.h"
#include "defer/deferred_internal.h"
#include "eddy/log.h"

static eddy_result log_hold_failure(eddy_result in, void *arg)
{
    eddy_log_failure(EDDY_LOG_ERROR, "eddy.defer", NULL, in.failure,
                     "a Deferred that a system event waited for failed");
    eddy_result_drop(in);
    return eddy_result_none();
}

static void release_hold(void *hold)
{
    eddy_reactor_release_system_event(hold);
}

/* Make the event behind `hold` wait for `d`; takes both. */
static int hold_until_fired(eddy_event_hold *hold, eddy_deferred *d)
{
    int rc = eddy_deferred_add_callbacks_full(d, NULL, log_hold_failure, hold, release_hold);
    eddy_deferred_unref(d);
    return rc;
}

int eddy_deferred_hold_system_event(eddy_reactor *r, const char *event, eddy_deferred *d)
{
    eddy_event_hold *hold = eddy_reactor_hold_system_event(r, event);
    if (!hold) {
        eddy_deferred_unref(d);
        return -EINVAL;
    }
    return hold_until_fired(hold, d);
}

typedef struct before_trigger {
    eddy_reactor *reactor;
    eddy_trigger_id id;
    eddy_deferred_trigger_fn fn;
    void *arg;
    struct before_trigger *next;
    char event[]; /* the event's name */
} before_trigger;

/* The records of one reactor, kept as reactor-local storage so they go with the reactor. */
static const char registry_key;

static void free_registry(void *p)
{
    before_trigger **head = p;
    while (*head) {
        before_trigger *t = *head;
        *head = t->next;
        free(t);
    }
    free(head);
}

static before_trigger **registry(eddy_reactor *r, bool create)
{
    before_trigger **head = eddy__reactor_get_local(r, &registry_key);
    if (head || !create)
        return head;
    head = calloc(1, sizeof *head);
    if (head && eddy__reactor_set_local(r, &registry_key, head, free_registry) < 0) {
        free(head);
        head = NULL;
    }
    return head;
}

static void run_before_trigger(void *p)
{
    before_trigger *t = p;
    /* Hold first: fn may remove (and so free) this very trigger. */
    eddy_event_hold *hold = eddy_reactor_hold_system_event(t->reactor, t->event);
    eddy_deferred *d = t->fn(t->arg);
    if (!d) {
        eddy_reactor_release_system_event(hold);
        return;
    }
    if (!hold || hold_until_fired(hold, d) < 0)
        eddy_log(EDDY_LOG_ERROR, "eddy.defer", NULL, "cannot make a system event wait");
    if (!hold)
        eddy_deferred_unref(d);
}

int eddy_reactor_add_before_trigger_deferred(eddy_reactor *r, const char *event,
                                             eddy_deferred_trigger_fn fn, void *arg,
                                             eddy_trigger_id *id)
{
    if (!event || !fn)
        return -EINVAL;
    before_trigger **head = registry(r, true);
    size_t len = strlen(event);
    before_trigger *t = head ? malloc(sizeof *t + len + 1) : NULL;
    if (!t)
        return -ENOMEM;
    *t = (before_trigger){.reactor = r, .fn = fn, .arg = arg};
    memcpy(t->event, event, len + 1);
    int rc = eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, event, run_before_trigger,
                                                   t, &t->id);
    if (rc < 0) {
        free(t);
        return rc;
    }
    t->next = *head;
    *head = t;
    if (id)
        *id = t->id;
    return 0;
}

int eddy_reactor_remove_before_trigger_deferred(eddy_reactor *r, eddy_trigger_id id)
{
    before_trigger **head = registry(r, false);
    for (before_trigger **p = head; p && *p; p = &(*p)->next)
        if ((*p)->id == id) {
            before_trigger *t = *p;
            *p = t->next;
            int rc = eddy_reactor_remove_system_event_trigger(r, id);
            free(t);
            return rc;
        }
    return EDDY_ENOTFOUND;
}
