/* log.c - log events: levels, the observer registry, emitting, and the stderr fallback.
 *
 * Emitting formats the message in the caller's thread without any lock, then hands the event to
 * the observers under one mutex, which serialises them (an observer writing to a FILE never sees
 * two events at once) and makes removal final: once eddy_log_remove_observer() has the lock, the
 * observer is not running and will not be called again. A thread-local flag marks "inside an
 * observer" so that an observer that logs, directly or through a library call, loses that event
 * instead of deadlocking on the lock it already holds. */
#include "eddy/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log_buf.h"
#include "base/log_filter.h"

static const char *const level_names[] = {"debug", "info", "warn", "error", "critical", "off"};

const char *eddy_log_level_name(eddy_log_level level)
{
    return (unsigned)level <= EDDY_LOG_OFF ? level_names[level] : "unknown";
}

int eddy_log_level_parse(const char *name, eddy_log_level *out)
{
    for (unsigned i = 0; i <= EDDY_LOG_OFF; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return *out = (eddy_log_level)i, 0;
    if (strcasecmp(name, "warning") == 0)
        return *out = EDDY_LOG_WARN, 0;
    return -EINVAL;
}

typedef struct observer {
    eddy_log_observer_id id;  /* never 0 */
    eddy_log_observer_fn fn;  /* the callback */
    void *arg;                /* its argument, owned by whoever registered it */
    eddy_log_level min_level; /* events below it are not delivered */
} observer;

static pthread_mutex_t observer_lock = PTHREAD_MUTEX_INITIALIZER;
static observer *observers;              /* guarded by observer_lock */
static size_t nobservers, observers_cap; /* guarded by observer_lock */
static eddy_log_observer_id last_id;     /* guarded by observer_lock */
static _Thread_local bool in_observer;   /* this thread holds observer_lock for dispatch */

/* Tell the filters how low the sinks go: the stderr fallback takes warn and above. */
static void update_sink_level_locked(void)
{
    eddy_log_level lowest = nobservers ? EDDY_LOG_OFF : EDDY_LOG_WARN;
    for (size_t i = 0; i < nobservers; i++)
        if (observers[i].min_level < lowest)
            lowest = observers[i].min_level;
    eddy__log_filter_set_sink_level(lowest);
}

int eddy_log_add_observer(eddy_log_observer_fn fn, void *arg, eddy_log_level min_level,
                          eddy_log_observer_id *id)
{
    if (!fn || (unsigned)min_level > EDDY_LOG_CRITICAL)
        return -EINVAL;
    if (in_observer)
        return EDDY_EREENTRANT;
    pthread_mutex_lock(&observer_lock);
    int rc = 0;
    if (nobservers == observers_cap) {
        size_t cap = observers_cap ? 2 * observers_cap : 4;
        observer *grown = realloc(observers, cap * sizeof *grown);
        if (grown)
            observers = grown, observers_cap = cap;
        else
            rc = -ENOMEM;
    }
    if (rc == 0) {
        observers[nobservers++] =
            (observer){.id = ++last_id, .fn = fn, .arg = arg, .min_level = min_level};
        if (id)
            *id = last_id;
        update_sink_level_locked();
    }
    pthread_mutex_unlock(&observer_lock);
    return rc;
}

int eddy_log_remove_observer(eddy_log_observer_id id)
{
    if (in_observer)
        return EDDY_EREENTRANT;
    pthread_mutex_lock(&observer_lock);
    int rc = EDDY_ENOTFOUND;
    for (size_t i = 0; i < nobservers; i++) {
        if (observers[i].id == id) {
            /* Keep registration order: observers see events in the order they were added. */
            memmove(&observers[i], &observers[i + 1], (nobservers - i - 1) * sizeof *observers);
            nobservers--;
            update_sink_level_locked();
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&observer_lock);
    return rc;
}

int eddy_log_reset(void)
{
    if (in_observer)
        return EDDY_EREENTRANT;
    pthread_mutex_lock(&observer_lock);
    free(observers);
    observers = NULL;
    nobservers = observers_cap = 0;
    eddy__log_filter_reset();
    update_sink_level_locked();
    pthread_mutex_unlock(&observer_lock);
    return 0;
}

static int stderr_kind = -1; /* the fallback's fd 2: -1 not asked yet, 1 a socket, 0 not */

static void dispatch(const eddy_log_event *event)
{
    pthread_mutex_lock(&observer_lock);
    in_observer = true;
    if (nobservers == 0 && event->level >= EDDY_LOG_WARN) {
        if (stderr_kind < 0) /* asked once: stderr is a socket under systemd */
            stderr_kind = eddy__log_fd_is_socket(2);
        eddy__log_write_fd(2, stderr_kind == 1, eddy_log_format_text, event);
    }
    for (size_t i = 0; i < nobservers; i++)
        if (event->level >= observers[i].min_level)
            observers[i].fn(event, observers[i].arg);
    in_observer = false;
    pthread_mutex_unlock(&observer_lock);
}

static double wall_clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void eddy_log_emitv(eddy_log_level level, const char *ns, const char *prefix,
                    const eddy_log_field *fields, size_t nfields, const char *fmt, va_list ap)
{
    if (!eddy_log_would_log(level, ns) || in_observer)
        return;
    int saved_errno = errno; /* callers log between a failing call and reading errno */
    char small[512];
    char *message = small;
    va_list again;
    va_copy(again, ap);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    if (len < 0)
        small[0] = '\0';
    if (len >= (int)sizeof small) {
        char *big = malloc((size_t)len + 1); /* out of memory: log the truncated text */
        if (big && vsnprintf(big, (size_t)len + 1, fmt, again) >= 0)
            message = big;
        else
            free(big);
    }
    va_end(again);
    eddy_log_event event = {
        .time = wall_clock_now(),
        .level = level,
        .ns = ns ? ns : "",
        .prefix = prefix,
        .message = message,
        .fields = nfields ? fields : NULL,
        .nfields = fields ? nfields : 0,
    };
    dispatch(&event);
    if (message != small)
        free(message);
    errno = saved_errno;
}

void eddy_log_emit(eddy_log_level level, const char *ns, const char *prefix,
                   const eddy_log_field *fields, size_t nfields, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    eddy_log_emitv(level, ns, prefix, fields, nfields, fmt, ap);
    va_end(ap);
}

void eddy_log_failure(eddy_log_level level, const char *ns, const char *prefix,
                      const eddy_failure *failure, const char *fmt, ...)
{
    if (!eddy_log_would_log(level, ns) || in_observer)
        return;
    char small[512];
    char *chain = small;
    if (failure) {
        size_t need = eddy_failure_format(failure, small, sizeof small);
        char *big = need >= sizeof small ? malloc(need + 1) : NULL;
        if (big) {
            eddy_failure_format(failure, big, need + 1);
            chain = big;
        }
    }
    eddy_log_field fields[] = {
        EDDY_LOG_STR("failure", chain),
        EDDY_LOG_INT("failure_code", failure ? eddy_failure_code(failure) : 0),
    };
    va_list ap;
    va_start(ap, fmt);
    eddy_log_emitv(level, ns, prefix, failure ? fields : NULL, failure ? 2 : 0, fmt, ap);
    va_end(ap);
    if (chain != small)
        free(chain);
}
