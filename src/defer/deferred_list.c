/* deferred_list.c - combinators over many Deferreds: DeferredList, gather_results, race.
 *
 * A collector attaches one entry to each input and owns the combined Deferred. It is kept alive
 * by those entries (an input that can still fire can still deliver to it) and points back to the
 * inputs only weakly, so abandoned inputs free the whole structure. The combined Deferred's
 * canceller cancels the inputs that have not fired. */
#include <stdlib.h>

#include "defer/deferred_internal.h"

typedef enum collect_mode { MODE_LIST, MODE_RACE } collect_mode;

typedef struct collector collector;

typedef struct slot {
    collector *c;
    size_t index;
} slot;

struct collector {
    unsigned refs; /* one per attached input entry, plus temporary ones */
    collect_mode mode;
    unsigned flags;              /* EDDY_DL_* */
    eddy_deferred *out;          /* the combined Deferred (our reference) */
    size_t n, remaining;         /* inputs, and inputs that have not delivered yet */
    eddy_result_list *list;      /* MODE_LIST: results so far, until handed to out */
    eddy_failure *first_failure; /* MODE_RACE: kept for the all-failed case */
    eddy_deferred **inputs;      /* weak; NULL once the input's entry ran or was discarded */
    slot *slots;
};

void eddy_result_list_free(void *p)
{
    eddy_result_list *list = p;
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        eddy_result_drop(list->results[i]);
    free(list);
}

void eddy_first_result_free(void *p)
{
    eddy_first_result *first = p;
    if (!first)
        return;
    if (first->free_fn)
        first->free_fn(first->value);
    free(first);
}

static void collector_unref(collector *c)
{
    if (--c->refs > 0)
        return;
    if (!c->out->called)
        eddy__deferred_clear_canceller(c->out); /* its argument is going away */
    eddy_deferred_unref(c->out);
    eddy_result_list_free(c->list);
    eddy_failure_unref(c->first_failure);
    free(c->inputs);
    free(c);
}

/* Cancel every input that has not delivered, except `skip`. */
static void cancel_inputs(collector *c, size_t skip)
{
    c->refs++;
    for (size_t i = 0; i < c->n; i++) {
        if (i == skip || !c->inputs[i])
            continue;
        eddy_deferred *d = eddy_deferred_ref(c->inputs[i]);
        eddy_deferred_cancel(d);
        eddy_deferred_unref(d);
    }
    collector_unref(c);
}

static void cancel_collector(eddy_deferred *out, void *arg)
{
    cancel_inputs(arg, SIZE_MAX);
}

/* Fire `out` with the first success, moving the value out of `in`. */
static void fire_first(collector *c, size_t index, eddy_result *in)
{
    eddy_first_result *first = malloc(sizeof *first);
    if (!first) {
        eddy_deferred_errback(c->out, eddy_failure_from_code(-ENOMEM));
        return;
    }
    *first = (eddy_first_result){.index = index, .value = in->value, .free_fn = in->free_fn};
    *in = eddy_result_none();
    eddy_deferred_callback(c->out, first, eddy_first_result_free);
}

static eddy_result list_delivered(collector *c, size_t i, eddy_result in)
{
    bool done = c->out->called;
    if (!in.failure) {
        if (done)
            return in;
        if (c->flags & EDDY_DL_FIRE_ON_ONE_CALLBACK)
            fire_first(c, i, &in);
        else
            c->list->results[i] = eddy__result_take(&in);
    } else if (!done) {
        if (c->flags & EDDY_DL_FIRE_ON_ONE_ERRBACK)
            eddy_deferred_errback(c->out,
                                  eddy_failure_wrap(eddy_failure_code(in.failure), in.failure,
                                                    "Deferred %zu of %zu failed", i, c->n));
        else
            c->list->results[i] = eddy_result_failure(eddy_failure_ref(in.failure));
    }
    if (c->remaining == 0 && !c->out->called) {
        eddy_result_list *list = c->list;
        c->list = NULL;
        eddy_deferred_callback(c->out, list, eddy_result_list_free);
    }
    if (in.failure && (c->flags & EDDY_DL_CONSUME_ERRORS)) {
        eddy_result_drop(in);
        return eddy_result_none();
    }
    return in;
}

static eddy_result race_delivered(collector *c, size_t i, eddy_result in)
{
    if (c->out->called) {
        eddy_result_drop(in);
        return eddy_result_none();
    }
    if (!in.failure) {
        fire_first(c, i, &in);
        eddy_result_drop(in);
        cancel_inputs(c, i);
        return eddy_result_none();
    }
    if (!c->first_failure)
        c->first_failure = eddy_failure_ref(in.failure);
    eddy_result_drop(in);
    if (c->remaining == 0)
        eddy_deferred_errback(c->out, eddy_failure_wrap(eddy_failure_code(c->first_failure),
                                                        c->first_failure,
                                                        "all %zu raced Deferreds failed", c->n));
    return eddy_result_none();
}

static eddy_result input_delivered(eddy_result in, void *arg)
{
    slot *s = arg;
    collector *c = s->c;
    c->inputs[s->index] = NULL;
    c->remaining--;
    /* c stays alive meanwhile: this entry's reference goes only after we return (slot_done) */
    return c->mode == MODE_RACE ? race_delivered(c, s->index, in) : list_delivered(c, s->index, in);
}

static void slot_done(void *arg)
{
    slot *s = arg;
    s->c->inputs[s->index] = NULL;
    collector_unref(s->c);
}

static int collect(eddy_deferred *const *ds, size_t n, collect_mode mode, unsigned flags,
                   eddy_deferred **out)
{
    *out = NULL;
    if (n > 0 && !ds)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!ds[i])
            return -EINVAL;
    collector *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->inputs = calloc(n ? n : 1, sizeof *c->inputs + sizeof *c->slots);
    if (mode == MODE_LIST)
        c->list = calloc(1, sizeof *c->list + n * sizeof c->list->results[0]);
    int rc = eddy_deferred_new(cancel_collector, c, &c->out);
    if (!c->inputs || (mode == MODE_LIST && !c->list) || rc < 0) {
        eddy_deferred_unref(c->out);
        free(c->list);
        free(c->inputs);
        free(c);
        return -ENOMEM;
    }
    c->slots = (slot *)(c->inputs + (n ? n : 1));
    if (c->list)
        c->list->count = n;
    c->mode = mode;
    c->flags = flags;
    c->n = c->remaining = n;
    c->refs = 1; /* ours, while attaching */
    *out = eddy_deferred_ref(c->out);
    for (size_t i = 0; i < n; i++) {
        c->slots[i] = (slot){.c = c, .index = i};
        c->inputs[i] = ds[i];
    }
    for (size_t i = 0; i < n; i++) {
        c->refs++;
        rc = eddy_deferred_add_callbacks_full(ds[i], input_delivered, input_delivered, &c->slots[i],
                                              slot_done);
        if (rc < 0) {
            eddy_deferred_errback(c->out, eddy_failure_new(rc, "cannot watch Deferred %zu", i));
            break;
        }
    }
    if (n == 0 && mode == MODE_LIST) {
        eddy_result_list *list = c->list;
        c->list = NULL;
        eddy_deferred_callback(c->out, list, eddy_result_list_free);
    }
    collector_unref(c);
    return 0;
}

int eddy_deferred_list(eddy_deferred *const *ds, size_t n, unsigned flags, eddy_deferred **out)
{
    return collect(ds, n, MODE_LIST, flags, out);
}

int eddy_gather_results(eddy_deferred *const *ds, size_t n, bool consume_errors,
                        eddy_deferred **out)
{
    return collect(ds, n, MODE_LIST,
                   EDDY_DL_FIRE_ON_ONE_ERRBACK | (consume_errors ? EDDY_DL_CONSUME_ERRORS : 0u),
                   out);
}

int eddy_race(eddy_deferred *const *ds, size_t n, eddy_deferred **out)
{
    if (n == 0) {
        *out = NULL;
        return -EINVAL;
    }
    return collect(ds, n, MODE_RACE, 0, out);
}
