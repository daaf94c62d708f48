/* triggers.c - system events and their triggers (Twisted's addSystemEventTrigger).
 *
 * Firing an event runs its "before" triggers; each may take a hold (eddy_reactor_hold_system_event)
 * to make the event wait, e.g. until a Deferred fires. When no hold is outstanding the "during"
 * and then the "after" triggers run. An event released later is finished from the loop (see
 * eddy__triggers_run_ready), never inside the release call, so a release from deep inside some
 * callback cannot re-enter the reactor. Triggers are kept in one array in registration order;
 * removal during a firing only marks them (the array is compacted when no event is firing). */
#include <stdlib.h>
#include <string.h>

#include "core/reactor_internal.h"

int eddy__triggers_init(eddy_reactor *r)
{
    r->next_trigger_id = 1;
    return 0;
}

/* Forget a firing that will never finish (already unlinked from r->firings). */
static void drop_firing(eddy__firing *f)
{
    for (eddy_event_hold *h = f->hold_list; h; h = h->next)
        h->firing = NULL; /* released later, they only free themselves */
    free(f->event);
    free(f);
}

void eddy__triggers_free(eddy_reactor *r)
{
    for (size_t i = 0; i < r->ntriggers; i++)
        free(r->triggers[i].event);
    free(r->triggers);
    r->triggers = NULL;
    r->ntriggers = r->cap_triggers = 0;
    while (r->firings) {
        eddy__firing *f = r->firings;
        r->firings = f->next;
        drop_firing(f);
    }
}

void eddy__triggers_abandon(eddy_reactor *r, const char *event)
{
    for (eddy__firing **p = &r->firings; *p;) {
        eddy__firing *f = *p;
        /* One still in its before phase belongs to the fire call further up the stack. */
        if (f->in_before || strcmp(f->event, event) != 0) {
            p = &f->next;
            continue;
        }
        *p = f->next;
        drop_firing(f);
    }
}

int eddy_reactor_add_system_event_trigger(eddy_reactor *r, eddy_trigger_phase phase,
                                          const char *event, eddy_callback fn, void *arg,
                                          eddy_trigger_id *id)
{
    if (!event || !fn ||
        (phase != EDDY_PHASE_BEFORE && phase != EDDY_PHASE_DURING && phase != EDDY_PHASE_AFTER))
        return -EINVAL;
    if (r->ntriggers == r->cap_triggers) {
        size_t want = r->cap_triggers ? r->cap_triggers * 2 : 8;
        eddy__trigger *p = realloc(r->triggers, want * sizeof *p);
        if (!p)
            return -ENOMEM;
        r->triggers = p;
        r->cap_triggers = want;
    }
    char *name = strdup(event);
    if (!name)
        return -ENOMEM;
    eddy__trigger *t = &r->triggers[r->ntriggers++];
    *t = (eddy__trigger){
        .id = r->next_trigger_id++, .event = name, .phase = phase, .fn = fn, .arg = arg};
    if (id)
        *id = t->id;
    return 0;
}

static void compact(eddy_reactor *r)
{
    if (r->firing_depth)
        return;
    size_t out = 0;
    for (size_t i = 0; i < r->ntriggers; i++) {
        if (r->triggers[i].removed)
            free(r->triggers[i].event);
        else
            r->triggers[out++] = r->triggers[i];
    }
    r->ntriggers = out;
}

int eddy_reactor_remove_system_event_trigger(eddy_reactor *r, eddy_trigger_id id)
{
    for (size_t i = 0; i < r->ntriggers; i++)
        if (r->triggers[i].id == id && !r->triggers[i].removed) {
            r->triggers[i].removed = true;
            compact(r);
            return 0;
        }
    return EDDY_ENOTFOUND;
}

/* Run the triggers of `event` in `phase` that exist now; ones added meanwhile wait for the next
 * firing, ones removed meanwhile are skipped. A phase always runs to its end, even when a trigger
 * ends the loop: the reactor's own "during shutdown" trigger does, and the user's during and after
 * shutdown triggers registered after it must still run (Twisted's crash-in-a-trigger does the
 * same). */
static void run_phase(eddy_reactor *r, const char *event, eddy_trigger_phase phase)
{
    eddy_trigger_id last = r->next_trigger_id;
    r->firing_depth++;
    for (size_t i = 0; i < r->ntriggers; i++) {
        eddy__trigger *t = &r->triggers[i];
        if (t->removed || t->phase != phase || t->id >= last || strcmp(t->event, event) != 0)
            continue;
        eddy_callback fn = t->fn;
        void *arg = t->arg;
        fn(arg); /* may add triggers: the array may move, so `t` is not used after this */
    }
    r->firing_depth--;
    compact(r);
}

static void finish(eddy_reactor *r, const char *event)
{
    run_phase(r, event, EDDY_PHASE_DURING);
    run_phase(r, event, EDDY_PHASE_AFTER);
}

int eddy_reactor_fire_system_event(eddy_reactor *r, const char *event)
{
    if (!event)
        return -EINVAL;
    eddy__firing *f = calloc(1, sizeof *f);
    if (!f || !(f->event = strdup(event))) {
        free(f);
        return -ENOMEM;
    }
    f->r = r;
    f->in_before = true;
    f->next = r->firings;
    r->firings = f;
    run_phase(r, event, EDDY_PHASE_BEFORE);
    f->in_before = false;
    if (f->holds == 0)
        f->ready = true;
    /* Finish now if nothing holds it (the usual case) */
    if (f->ready) {
        for (eddy__firing **p = &r->firings; *p; p = &(*p)->next)
            if (*p == f) {
                *p = f->next;
                break;
            }
        finish(r, f->event);
        free(f->event);
        free(f);
    }
    return 0;
}

eddy_event_hold *eddy_reactor_hold_system_event(eddy_reactor *r, const char *event)
{
    for (eddy__firing *f = r->firings; f; f = f->next)
        if (f->in_before && event && strcmp(f->event, event) == 0) {
            eddy_event_hold *h = malloc(sizeof *h);
            if (!h)
                return NULL;
            h->firing = f;
            h->next = f->hold_list;
            f->hold_list = h;
            f->holds++;
            return h;
        }
    return NULL;
}

void eddy_reactor_release_system_event(eddy_event_hold *h)
{
    if (!h)
        return;
    eddy__firing *f = h->firing;
    if (f)
        for (eddy_event_hold **p = &f->hold_list; *p; p = &(*p)->next)
            if (*p == h) {
                *p = h->next;
                break;
            }
    free(h);
    if (f && --f->holds == 0 && !f->in_before) {
        f->ready = true;
        /* wake the loop in case it is sleeping in poll */
        if (!atomic_exchange(&f->r->waker.pending, true))
            eddy__waker_wake(&f->r->waker);
    }
}

bool eddy__triggers_have_ready(const eddy_reactor *r)
{
    for (eddy__firing *f = r->firings; f; f = f->next)
        if (f->ready)
            return true;
    return false;
}

void eddy__triggers_run_ready(eddy_reactor *r)
{
    for (;;) {
        eddy__firing **p = &r->firings;
        while (*p && !(*p)->ready)
            p = &(*p)->next;
        if (!*p)
            return;
        eddy__firing *f = *p;
        *p = f->next;
        finish(r, f->event);
        free(f->event);
        free(f);
    }
}

int eddy_reactor_call_when_running(eddy_reactor *r, eddy_callback fn, void *arg)
{
    if (!fn)
        return -EINVAL;
    if (r->running) {
        fn(arg);
        return 0;
    }
    return eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_AFTER, "startup", fn, arg, NULL);
}
