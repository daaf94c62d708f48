/* log_filter.c - per-namespace level filters and the fast "would this be logged?" test.
 *
 * The filters live in a small table under a mutex. What makes a filtered-out event cheap is one
 * 64-bit atomic word, rebuilt whenever a filter or the set of observers changes:
 *
 *   bits 0-7   floor: below it nothing can pass (the lowest filter level, raised to the sink level)
 *   bits 8-15  ceil:  at or above it everything passes (the highest filter level, likewise raised)
 *   bits 16-63 generation, bumped on every rebuild
 *
 * eddy_log_would_log() loads that word relaxed and compares: with the default configuration
 * (info everywhere) floor == ceil and the namespace is never looked at. Only a level between floor
 * and ceil (some namespaces pass it, others don't) needs the namespace's own threshold, which each
 * thread caches keyed by the namespace string and the generation, so a rebuild invalidates every
 * cache at once. A relaxed load suffices: a thread that still sees the previous word decides as if
 * it had called a moment earlier, which no caller can tell apart. A thread that learns of a change
 * through some other synchronisation (a lock, an acquire load) sees the new word, and the table
 * itself is only ever read under the mutex. */
#include "base/log_filter.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eddy/error.h"

typedef struct ns_filter {
    char *ns;             /* owned copy of the namespace */
    size_t len;           /* strlen(ns) */
    eddy_log_level level; /* threshold for ns and the namespaces below it */
} ns_filter;

static pthread_mutex_t filter_lock = PTHREAD_MUTEX_INITIALIZER;
static ns_filter *filters;                           /* guarded by filter_lock */
static size_t nfilters, filters_cap;                 /* guarded by filter_lock */
static eddy_log_level default_level = EDDY_LOG_INFO; /* guarded by filter_lock */
static eddy_log_level sink_level = EDDY_LOG_WARN;    /* guarded by filter_lock */
static uint64_t generation;                          /* guarded by filter_lock */

/* The word described above; its initial value matches the initial table (info, stderr: warn). */
static _Atomic uint64_t state = (uint64_t)EDDY_LOG_WARN | (uint64_t)EDDY_LOG_WARN << 8;

#define STATE_FLOOR(s) ((unsigned)((s)&0xff))
#define STATE_CEIL(s)  ((unsigned)(((s) >> 8) & 0xff))
#define STATE_GEN(s)   ((s) >> 16)

/* Per-thread cache of namespace thresholds. The key is the namespace pointer (callers pass string
 * literals, so it is a good hash) and the entry keeps a copy of the text, so a reused buffer with
 * new contents never hits a stale entry. Longer namespaces are simply looked up each time. */
#define CACHE_SLOTS  32
#define CACHE_NS_MAX 48

typedef struct cache_entry {
    const char *ptr;          /* namespace pointer it was computed for, NULL when empty */
    uint64_t gen;             /* STATE_GEN when it was computed */
    eddy_log_level threshold; /* the namespace's level at that generation */
    char ns[CACHE_NS_MAX];    /* copy of the namespace text */
} cache_entry;

static _Thread_local cache_entry cache[CACHE_SLOTS];

static void rebuild_locked(void)
{
    unsigned lo = (unsigned)default_level, hi = lo;
    for (size_t i = 0; i < nfilters; i++) {
        lo = (unsigned)filters[i].level < lo ? (unsigned)filters[i].level : lo;
        hi = (unsigned)filters[i].level > hi ? (unsigned)filters[i].level : hi;
    }
    unsigned sink = (unsigned)sink_level;
    lo = lo > sink ? lo : sink;
    hi = hi > sink ? hi : sink;
    generation++;
    atomic_store_explicit(&state, generation << 16 | (uint64_t)hi << 8 | lo, memory_order_release);
}

/* True if filter `f` covers namespace `ns`: equal, or an ancestor ending at a dot. */
static bool covers(const ns_filter *f, const char *ns)
{
    return strncmp(f->ns, ns, f->len) == 0 && (ns[f->len] == '\0' || ns[f->len] == '.');
}

static eddy_log_level threshold_locked(const char *ns)
{
    const ns_filter *best = NULL;
    for (size_t i = 0; i < nfilters; i++)
        if (covers(&filters[i], ns) && (!best || filters[i].len > best->len))
            best = &filters[i];
    return best ? best->level : default_level;
}

static ns_filter *find_locked(const char *ns)
{
    for (size_t i = 0; i < nfilters; i++)
        if (strcmp(filters[i].ns, ns) == 0)
            return &filters[i];
    return NULL;
}

static eddy_log_level cached_threshold(const char *ns, uint64_t gen)
{
    size_t len = strlen(ns);
    cache_entry *e = &cache[((uintptr_t)ns >> 3 ^ (uintptr_t)ns >> 9) % CACHE_SLOTS];
    if (e->ptr == ns && e->gen == gen && len < CACHE_NS_MAX && memcmp(e->ns, ns, len + 1) == 0)
        return e->threshold;
    pthread_mutex_lock(&filter_lock);
    eddy_log_level threshold = threshold_locked(ns);
    /* Tag the entry with the generation the table had, which may be newer than `gen`. */
    uint64_t current = generation;
    pthread_mutex_unlock(&filter_lock);
    if (len < CACHE_NS_MAX) {
        *e = (cache_entry){.ptr = ns, .gen = current, .threshold = threshold};
        memcpy(e->ns, ns, len + 1);
    }
    return threshold;
}

bool eddy_log_would_log(eddy_log_level level, const char *ns)
{
    uint64_t s = atomic_load_explicit(&state, memory_order_relaxed);
    if ((unsigned)level < STATE_FLOOR(s))
        return false;
    if ((unsigned)level > EDDY_LOG_CRITICAL)
        return false;
    if ((unsigned)level >= STATE_CEIL(s))
        return true;
    return (unsigned)level >= (unsigned)cached_threshold(ns ? ns : "", STATE_GEN(s));
}

int eddy_log_set_level(const char *ns, eddy_log_level level)
{
    if ((unsigned)level > EDDY_LOG_OFF)
        return -EINVAL;
    pthread_mutex_lock(&filter_lock);
    int rc = 0;
    ns_filter *f = ns && *ns ? find_locked(ns) : NULL;
    if (!ns || !*ns) {
        default_level = level;
    } else if (f) {
        f->level = level;
    } else {
        char *copy = strdup(ns);
        if (copy && nfilters == filters_cap) {
            size_t cap = filters_cap ? 2 * filters_cap : 8;
            ns_filter *grown = realloc(filters, cap * sizeof *grown);
            if (grown)
                filters = grown, filters_cap = cap;
        }
        if (copy && nfilters < filters_cap)
            filters[nfilters++] = (ns_filter){.ns = copy, .len = strlen(copy), .level = level};
        else
            free(copy), rc = -ENOMEM;
    }
    if (rc == 0)
        rebuild_locked();
    pthread_mutex_unlock(&filter_lock);
    return rc;
}

int eddy_log_unset_level(const char *ns)
{
    pthread_mutex_lock(&filter_lock);
    int rc = 0;
    ns_filter *f = ns && *ns ? find_locked(ns) : NULL;
    if (!ns || !*ns) {
        default_level = EDDY_LOG_INFO;
    } else if (f) {
        free(f->ns);
        *f = filters[--nfilters];
    } else {
        rc = EDDY_ENOTFOUND;
    }
    if (rc == 0)
        rebuild_locked();
    pthread_mutex_unlock(&filter_lock);
    return rc;
}

eddy_log_level eddy_log_get_level(const char *ns)
{
    pthread_mutex_lock(&filter_lock);
    eddy_log_level level = threshold_locked(ns ? ns : "");
    pthread_mutex_unlock(&filter_lock);
    return level;
}

void eddy__log_filter_set_sink_level(eddy_log_level level)
{
    pthread_mutex_lock(&filter_lock);
    if (sink_level != level) {
        sink_level = level;
        rebuild_locked();
    }
    pthread_mutex_unlock(&filter_lock);
}

void eddy__log_filter_reset(void)
{
    pthread_mutex_lock(&filter_lock);
    for (size_t i = 0; i < nfilters; i++)
        free(filters[i].ns);
    free(filters);
    filters = NULL;
    nfilters = filters_cap = 0;
    default_level = EDDY_LOG_INFO;
    rebuild_locked();
    pthread_mutex_unlock(&filter_lock);
}

/* Cut leading and trailing blanks off `s` in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

typedef struct spec_item {
    const char *ns;       /* NULL for the default level */
    eddy_log_level level; /* what to set */
} spec_item;

/* Split `spec` (modified in place) into items; -EINVAL at the first malformed one. */
static int parse_spec(char *spec, spec_item *items, size_t *count)
{
    *count = 0;
    for (char *item = spec, *next; item; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        const char *ns = NULL;
        if (eq) {
            *eq = '\0';
            ns = trim(item);
            if (!*ns)
                return -EINVAL;
        }
        char *name = trim(eq ? eq + 1 : item);
        if (!eq && !*name)
            continue; /* empty item, e.g. a trailing comma */
        eddy_log_level level;
        if (eddy_log_level_parse(name, &level) != 0)
            return -EINVAL;
        items[(*count)++] = (spec_item){.ns = ns, .level = level};
    }
    return 0;
}

int eddy_log_configure(const char *spec)
{
    if (!spec)
        return -EINVAL;
    size_t max = 1;
    for (const char *p = spec; *p; p++)
        max += *p == ',';
    char *copy = strdup(spec);
    spec_item *items = malloc(max * sizeof *items);
    size_t count = 0;
    int rc = copy && items ? parse_spec(copy, items, &count) : -ENOMEM;
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = eddy_log_set_level(items[i].ns, items[i].level);
    free(items);
    free(copy);
    return rc;
}
