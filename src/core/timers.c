/* timers.c - delayed calls.
 *
 * Calls live in a pool of fixed-size slots (no malloc per call once the pool has grown) and are
 * ordered by a 4-ary min-heap whose nodes carry their key inline: sifting compares 16-byte nodes
 * packed four to a cache line and never dereferences a slot. Ties on the deadline are broken by a
 * sequence number, so equal deadlines run in scheduling order.
 *
 * Handles are (generation, slot index) pairs. A slot's generation changes every time it is freed,
 * so a handle to a call that already ran or was cancelled is recognised as stale instead of
 * touching a reused slot.
 *
 * Moving a deadline later (the idle-timeout pattern) only writes the slot's `deadline`: the heap
 * still holds the old key, and when that key comes up the node is re-keyed and sifted down once.
 * Moving it earlier re-keys the node at once so the wait is never too long. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/reactor_internal.h"
#include "eddy/delayed_call.h"

#define HEAP_ARITY    4
#define NO_INDEX      UINT32_MAX
#define PENDING_INDEX (UINT32_MAX - 1) /* heap_index of a call waiting in the side list */

void eddy__timers_init(eddy__timers *t)
{
    memset(t, 0, sizeof *t);
    t->free_head = NO_INDEX;
    t->next_seq = 1;
}

void eddy__timers_free(eddy__timers *t)
{
    free(t->slots);
    free(t->heap);
    free(t->pending);
    memset(t, 0, sizeof *t);
}

static inline bool node_less(const eddy__heap_node *a, const eddy__heap_node *b)
{
    return a->key < b->key || (a->key == b->key && (int32_t)(a->seq - b->seq) < 0);
}

static inline void heap_place(eddy__timers *t, uint32_t i, eddy__heap_node n)
{
    t->heap[i] = n;
    t->slots[n.slot].heap_index = i;
}

static void sift_up(eddy__timers *t, uint32_t i)
{
    eddy__heap_node n = t->heap[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / HEAP_ARITY;
        if (!node_less(&n, &t->heap[parent]))
            break;
        heap_place(t, i, t->heap[parent]);
        i = parent;
    }
    heap_place(t, i, n);
}

static void sift_down(eddy__timers *t, uint32_t i)
{
    eddy__heap_node n = t->heap[i];
    for (;;) {
        uint32_t first = i * HEAP_ARITY + 1;
        if (first >= t->heap_len)
            break;
        uint32_t last = first + HEAP_ARITY < t->heap_len ? first + HEAP_ARITY : t->heap_len;
        uint32_t best = first;
        for (uint32_t c = first + 1; c < last; c++)
            if (node_less(&t->heap[c], &t->heap[best]))
                best = c;
        if (!node_less(&t->heap[best], &n))
            break;
        heap_place(t, i, t->heap[best]);
        i = best;
    }
    heap_place(t, i, n);
}

static void heap_remove(eddy__timers *t, uint32_t i)
{
    eddy__heap_node last = t->heap[--t->heap_len];
    if (i == t->heap_len)
        return;
    heap_place(t, i, last);
    if (i > 0 && node_less(&last, &t->heap[(i - 1) / HEAP_ARITY]))
        sift_up(t, i);
    else
        sift_down(t, i);
}

static void slot_release(eddy__timers *t, uint32_t index)
{
    eddy__timer_slot *s = &t->slots[index];
    s->fn = NULL;
    s->arg = NULL;
    s->gen++;
    s->heap_index = t->free_head;
    t->free_head = index;
}

static bool grow(void **array, uint32_t *cap, size_t elem)
{
    uint32_t want = *cap ? *cap * 2 : 256;
    if (want <= *cap)
        return false;
    void *p = realloc(*array, (size_t)want * elem);
    if (!p)
        return false;
    *array = p;
    *cap = want;
    return true;
}

static uint32_t slot_acquire(eddy__timers *t)
{
    if (t->free_head != NO_INDEX) {
        uint32_t index = t->free_head;
        t->free_head = t->slots[index].heap_index;
        return index;
    }
    if (t->nslots == t->cap_slots && !grow((void **)&t->slots, &t->cap_slots, sizeof *t->slots))
        return NO_INDEX;
    uint32_t index = t->nslots++;
    t->slots[index].gen = 1;
    return index;
}

int64_t eddy__timers_next(const eddy__timers *t)
{
    return t->heap_len ? t->heap[0].key : INT64_MAX;
}

static bool heap_insert(eddy__timers *t, uint32_t index)
{
    if (t->heap_len == t->heap_cap && !grow((void **)&t->heap, &t->heap_cap, sizeof *t->heap))
        return false;
    eddy__timer_slot *s = &t->slots[index];
    uint32_t i = t->heap_len++;
    t->heap[i] = (eddy__heap_node){.key = s->deadline, .slot = index, .seq = t->next_seq++};
    s->heap_index = i;
    sift_up(t, i);
    return true;
}

void eddy__timers_defer(eddy__timers *t)
{
    t->deferring = true;
}

void eddy__timers_flush(eddy__timers *t)
{
    t->deferring = false;
    for (uint32_t i = 0; i < t->npending; i++) {
        eddy__pending_call pc = t->pending[i];
        eddy__timer_slot *s = &t->slots[pc.slot];
        if (s->gen != pc.gen || s->heap_index != PENDING_INDEX)
            continue; /* cancelled meanwhile */
        if (!heap_insert(t, pc.slot))
            slot_release(t, pc.slot); /* no memory for the heap: the call is dropped */
    }
    t->npending = 0;
}

size_t eddy__timers_run(eddy__timers *t, const int64_t *now, const volatile int *stop)
{
    size_t ran = 0;
    t->running++;
    while (t->heap_len && !*stop) {
        eddy__heap_node top = t->heap[0];
        if (top.key > *now)
            break;
        eddy__timer_slot *s = &t->slots[top.slot];
        if (s->deadline > top.key) { /* pushed back lazily: re-key and look again */
            t->heap[0].key = s->deadline;
            sift_down(t, 0);
            continue;
        }
        eddy_callback fn = s->fn;
        void *arg = s->arg;
        heap_remove(t, 0);
        slot_release(t, top.slot);
        fn(arg); /* may schedule, cancel or reset calls: the arrays may move */
        ran++;
    }
    t->running--;
    return ran;
}

/* ---- public API ------------------------------------------------------------------------------ */

static eddy__timer_slot *lookup(const eddy__timers *t, eddy_delayed_call dc)
{
    uint32_t index = (uint32_t)(dc.id & 0xffffffffu) - 1;
    if (dc.id == 0 || index >= t->nslots)
        return NULL;
    eddy__timer_slot *s = &t->slots[index];
    return s->fn && s->gen == (uint32_t)(dc.id >> 32) ? s : NULL;
}

/* seconds -> ns, rounded to the nearest ns as the fake clock rounds its steps, so that
 * call_later(d) followed by advance(d) runs the call (rounding up made 0.067 s one ns longer than
 * an advance of 0.067 s). Calls still never run before their deadline in ns. */
static bool delay_to_ns(double seconds, int64_t *out)
{
    if (isnan(seconds))
        return false;
    double ns = round(seconds * 1e9);
    if (ns > (double)(INT64_MAX / 4))
        ns = (double)(INT64_MAX / 4);
    if (ns < -(double)(INT64_MAX / 4))
        ns = -(double)(INT64_MAX / 4);
    *out = (int64_t)ns;
    return true;
}

/* a + b, saturated: repeated delay() calls or a fake clock moved to the end of time must pin a
 * deadline at the far end instead of overflowing (undefined behaviour, and a wrapped deadline
 * would run at once). */
static int64_t add_ns(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

eddy_delayed_call eddy_call_later(eddy_reactor *r, double seconds, eddy_callback fn, void *arg)
{
    eddy__timers *t = &r->timers;
    int64_t delay;
    if (!fn || !delay_to_ns(seconds, &delay) || delay < 0)
        return (eddy_delayed_call){0};
    if (t->deferring && t->npending == t->cap_pending &&
        !grow((void **)&t->pending, &t->cap_pending, sizeof *t->pending))
        return (eddy_delayed_call){0};
    uint32_t index = slot_acquire(t);
    if (index == NO_INDEX)
        return (eddy_delayed_call){0};
    eddy__timer_slot *s = &t->slots[index];
    s->deadline = add_ns(r->now, delay);
    s->fn = fn;
    s->arg = arg;
    if (t->deferring) {
        s->heap_index = PENDING_INDEX;
        t->pending[t->npending++] = (eddy__pending_call){.slot = index, .gen = s->gen};
    } else if (!heap_insert(t, index)) {
        slot_release(t, index);
        return (eddy_delayed_call){0};
    }
    return (eddy_delayed_call){.id = ((uint64_t)s->gen << 32) | (index + 1)};
}

bool eddy_delayed_call_active(const eddy_reactor *r, eddy_delayed_call dc)
{
    return lookup(&r->timers, dc) != NULL;
}

int eddy_delayed_call_cancel(eddy_reactor *r, eddy_delayed_call dc)
{
    eddy__timers *t = &r->timers;
    eddy__timer_slot *s = lookup(t, dc);
    if (!s)
        return EDDY_EINACTIVE;
    if (s->heap_index != PENDING_INDEX) /* a pending one is skipped at flush by its generation */
        heap_remove(t, s->heap_index);
    slot_release(t, (uint32_t)(s - t->slots));
    return 0;
}

static int move_deadline(eddy__timers *t, eddy__timer_slot *s, int64_t deadline)
{
    s->deadline = deadline;
    if (s->heap_index == PENDING_INDEX)
        return 0; /* enters the heap with its final deadline at flush */
    eddy__heap_node *n = &t->heap[s->heap_index];
    if (deadline < n->key) { /* earlier: re-key now, or the poll would sleep too long */
        n->key = deadline;
        sift_up(t, s->heap_index);
    }
    return 0;
}

int eddy_delayed_call_reset(eddy_reactor *r, eddy_delayed_call dc, double seconds)
{
    eddy__timer_slot *s = lookup(&r->timers, dc);
    int64_t delay;
    if (!s)
        return EDDY_EINACTIVE;
    if (!delay_to_ns(seconds, &delay) || delay < 0)
        return -EINVAL;
    return move_deadline(&r->timers, s, add_ns(r->now, delay));
}

int eddy_delayed_call_delay(eddy_reactor *r, eddy_delayed_call dc, double seconds)
{
    eddy__timer_slot *s = lookup(&r->timers, dc);
    int64_t delta;
    if (!s)
        return EDDY_EINACTIVE;
    if (!delay_to_ns(seconds, &delta))
        return -EINVAL;
    return move_deadline(&r->timers, s, add_ns(s->deadline, delta));
}

int eddy_delayed_call_get_time(const eddy_reactor *r, eddy_delayed_call dc, double *out)
{
    eddy__timer_slot *s = lookup(&r->timers, dc);
    if (!s)
        return EDDY_EINACTIVE;
    *out = (double)s->deadline / 1e9;
    return 0;
}

size_t eddy_reactor_pending_calls(const eddy_reactor *r)
{
    const eddy__timers *t = &r->timers;
    size_t n = t->heap_len;
    for (uint32_t i = 0; i < t->npending; i++) {
        const eddy__timer_slot *s = &t->slots[t->pending[i].slot];
        n += s->gen == t->pending[i].gen && s->heap_index == PENDING_INDEX;
    }
    return n;
}
