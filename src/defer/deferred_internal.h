/* deferred_internal.h - the Deferred's representation, shared by the files of src/defer. */
#ifndef EDDY_DEFER_DEFERRED_INTERNAL_H
#define EDDY_DEFER_DEFERRED_INTERNAL_H

#include "eddy/deferred.h"

/* What a chain entry does when the result reaches it. */
typedef enum eddy__entry_kind {
    EDDY__ENTRY_PAIR,     /* call cb or eb (or pass through when NULL) */
    EDDY__ENTRY_CONTINUE, /* hand the result to the Deferred `arg` that waits for this one */
    EDDY__ENTRY_CHAIN,    /* fire the Deferred `arg` with the result (eddy_deferred_chain) */
} eddy__entry_kind;

typedef struct eddy__entry {
    eddy_deferred_fn cb;   /* success track, or NULL */
    eddy_deferred_fn eb;   /* failure track, or NULL */
    void *arg;             /* argument; for CONTINUE and CHAIN a Deferred we hold a reference on */
    eddy_free_fn arg_free; /* called once the entry is done with arg; may be NULL */
    eddy__entry_kind kind;
} eddy__entry;

struct eddy_deferred {
    unsigned refs;                /* references; the Deferred is freed with the last */
    unsigned paused;              /* pause() count, plus one while waiting for `waiting_on` */
    bool called;                  /* fired: `result` is meaningful */
    bool on_stack;                /* on some run loop's stack: that loop will run its chain */
    bool waiting;                 /* paused (once) until the Deferred it waits for fires */
    bool suppress_already_called; /* cancelled without a canceller: drop one late fire */
    eddy_result result;           /* current result (never a wait) */
    eddy_deferred *waiting_on;    /* weak: the Deferred our chain waits for, or NULL */
    eddy_deferred *next;          /* link in a run loop's stack or in the free queue */
    eddy_canceller_fn canceller;  /* cleared when the Deferred fires */
    void *canceller_arg;
    eddy__entry *entries; /* chain entries [head, len) not yet run */
    size_t head, len, cap;
};

/* Append an entry of any kind. On error arg_free(arg) has been called. Runs the chain if the
 * Deferred has fired and is not paused. */
int eddy__deferred_add_entry(eddy_deferred *d, eddy__entry e);

/* Forget the canceller (its argument is about to go away). */
void eddy__deferred_clear_canceller(eddy_deferred *d);

/* Log and count a failure that nobody handled. */
void eddy__report_unhandled(const eddy_failure *f, const char *what);

/* Take the result out of `r`, leaving a none result behind. */
static inline eddy_result eddy__result_take(eddy_result *r)
{
    eddy_result out = *r;
    *r = eddy_result_none();
    return out;
}

#endif
