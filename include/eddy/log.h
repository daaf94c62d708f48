/* eddy/log.h - structured logging.
 *
 * An event has a time, a level, a namespace ("eddy.reactor", "myapp.db"), a message, an optional
 * prefix (the log_prefix of the descriptor or transport the event is about) and any number of
 * key/value fields. Events go to every registered observer whose minimum level they reach.
 *
 * Filtering happens first, per namespace and hierarchically: a level set for "eddy.net" applies
 * to "eddy.net.tcp" unless "eddy.net.tcp" has its own; namespaces without a filter use the
 * default level (info). An event below every filter costs one relaxed atomic load and a compare,
 * so debug calls can stay in hot paths.
 *
 * Until an observer is added, events at EDDY_LOG_WARN and above go to stderr as text.
 * Every function here is thread-safe. Observers run one at a time (a lock serialises them), in
 * the emitting thread. See docs/logging.md for the text and JSON formats. */
#ifndef EDDY_LOG_H
#define EDDY_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "eddy/failure.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum eddy_log_level {
    EDDY_LOG_DEBUG = 0,
    EDDY_LOG_INFO = 1,
    EDDY_LOG_WARN = 2,
    EDDY_LOG_ERROR = 3,
    EDDY_LOG_CRITICAL = 4,
    EDDY_LOG_OFF = 5, /**< for filters only: nothing passes; events never have this level */
} eddy_log_level;

typedef enum eddy_log_field_type {
    EDDY_LOG_FIELD_STR,
    EDDY_LOG_FIELD_INT,
    EDDY_LOG_FIELD_DOUBLE,
    EDDY_LOG_FIELD_BOOL,
} eddy_log_field_type;

/** One key/value pair of an event. Strings are borrowed for the duration of the emit call.
 * A NULL string value is written as an empty string (text) or null (JSON). */
typedef struct eddy_log_field {
    const char *key; /**< never NULL */
    eddy_log_field_type type;
    union {
        const char *s;
        long long i;
        double d;
        bool b;
    } v;
} eddy_log_field;

#define EDDY_LOG_STR(k, x) ((eddy_log_field){.key = (k), .type = EDDY_LOG_FIELD_STR, .v.s = (x)})
#define EDDY_LOG_INT(k, x) ((eddy_log_field){.key = (k), .type = EDDY_LOG_FIELD_INT, .v.i = (x)})
#define EDDY_LOG_DOUBLE(k, x)                                                                      \
    ((eddy_log_field){.key = (k), .type = EDDY_LOG_FIELD_DOUBLE, .v.d = (x)})
#define EDDY_LOG_BOOL(k, x) ((eddy_log_field){.key = (k), .type = EDDY_LOG_FIELD_BOOL, .v.b = (x)})

/** Expands to the two arguments `fields, nfields` for a literal list of one or more fields:
 * eddy_log_emit(EDDY_LOG_INFO, "app", NULL, EDDY_LOG_FIELDS(EDDY_LOG_INT("n", 3)), "hi"). */
#define EDDY_LOG_FIELDS(...)                                                                       \
    ((const eddy_log_field[]){__VA_ARGS__}),                                                       \
        (sizeof((eddy_log_field[]){__VA_ARGS__}) / sizeof(eddy_log_field))

/** A formatted event as observers see it. Everything is borrowed for the call only. */
typedef struct eddy_log_event {
    double time;                  /**< wall-clock seconds since the Unix epoch */
    eddy_log_level level;         /**< EDDY_LOG_DEBUG .. EDDY_LOG_CRITICAL */
    const char *ns;               /**< namespace, never NULL */
    const char *prefix;           /**< log prefix of the object it is about, or NULL */
    const char *message;          /**< formatted text, never NULL */
    const eddy_log_field *fields; /**< `nfields` key/value pairs */
    size_t nfields;
} eddy_log_event;

/* ---- emitting -------------------------------------------------------------------------------- */

/** True if an event at `level` in namespace `ns` would reach an observer (or the stderr
 * fallback). Costs a relaxed atomic load and a compare when `level` is below every filter. */
bool eddy_log_would_log(eddy_log_level level, const char *ns);

/** Emit an event. `ns` is the namespace (NULL counts as ""); `prefix` (may be NULL) is the log
 * prefix of the object concerned (a descriptor's or transport's log_prefix); `fields` may be NULL
 * when `nfields` is 0. Filters apply. An event emitted from inside an observer is dropped (the
 * observer lock is held), never deadlocks. */
void eddy_log_emit(eddy_log_level level, const char *ns, const char *prefix,
                   const eddy_log_field *fields, size_t nfields, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/** eddy_log_emit with a va_list, for wrappers. */
void eddy_log_emitv(eddy_log_level level, const char *ns, const char *prefix,
                    const eddy_log_field *fields, size_t nfields, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

/** Emit with no fields, skipping all formatting work (and argument evaluation) when the event is
 * filtered out. */
#define eddy_log(level, ns, prefix, ...)                                                           \
    do {                                                                                           \
        if (eddy_log_would_log((level), (ns)))                                                     \
            eddy_log_emit((level), (ns), (prefix), NULL, 0, __VA_ARGS__);                          \
    } while (0)

/** Emit with fields, skipping all work when filtered out; `fields` is EDDY_LOG_FIELDS(...):
 * eddy_log_kv(EDDY_LOG_INFO, "app", NULL, EDDY_LOG_FIELDS(EDDY_LOG_INT("n", n)), "got %d", n). */
#define eddy_log_kv(level, ns, prefix, fields, ...)                                                \
    do {                                                                                           \
        if (eddy_log_would_log((level), (ns)))                                                     \
            eddy_log_emit((level), (ns), (prefix), fields, __VA_ARGS__);                           \
    } while (0)

/** Log `failure` with its cause chain: the message is `fmt` formatted; the event carries the
 * fields "failure" (the chain as eddy_failure_format() writes it, causes after " <- ") and
 * "failure_code" (the outermost code). `failure` is borrowed and may be NULL (no fields). */
void eddy_log_failure(eddy_log_level level, const char *ns, const char *prefix,
                      const eddy_failure *failure, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- filters --------------------------------------------------------------------------------- */

/** Set the level of namespace `ns` and every namespace below it ("eddy.net" covers
 * "eddy.net.tcp" but not "eddy.network"); the most specific filter wins. NULL or "" sets the
 * default level for namespaces without a filter. `level` may be EDDY_LOG_OFF.
 * Returns 0, -EINVAL for a bad level, or -ENOMEM. */
int eddy_log_set_level(const char *ns, eddy_log_level level);

/** Remove the filter of `ns` so it inherits again; NULL or "" restores the default level (info).
 * Returns 0 or EDDY_ENOTFOUND when `ns` has no filter of its own. */
int eddy_log_unset_level(const char *ns);

/** The level that applies to `ns` (its own filter, the nearest ancestor's, or the default). */
eddy_log_level eddy_log_get_level(const char *ns);

/** Apply filters from a spec such as "warn,eddy.net=debug,myapp.db=off": a bare level sets the
 * default, NS=LEVEL sets a filter; items are separated by commas, spaces around them ignored.
 * Existing filters not named stay. Returns 0, or -EINVAL (and changes nothing) when any item is
 * malformed, or -ENOMEM. Suits an environment variable such as EDDY_LOG. */
int eddy_log_configure(const char *spec);

/* ---- observers ------------------------------------------------------------------------------- */

/** Identifies a registered observer; 0 is never a valid id. */
typedef uint64_t eddy_log_observer_id;

/** Observer callback: called with the event, in the emitting thread, under the lock that
 * serialises observers. It may set filters, but events it emits are dropped and it must not add or
 * remove observers (those calls fail with EDDY_EREENTRANT). */
typedef void (*eddy_log_observer_fn)(const eddy_log_event *event, void *arg);

/** Register `fn(event, arg)` for events at `min_level` and above (after filters). `arg` stays
 * owned by the caller and must outlive the registration. The first observer turns the stderr
 * fallback off. `id` (may be NULL) receives the id for eddy_log_remove_observer().
 * Returns 0, -EINVAL (NULL fn, bad level), -ENOMEM, or EDDY_EREENTRANT from inside an observer. */
int eddy_log_add_observer(eddy_log_observer_fn fn, void *arg, eddy_log_level min_level,
                          eddy_log_observer_id *id);

/** Unregister an observer. When this returns, the observer is not running in any thread and will
 * not be called again, so its `arg` may be freed. When the last one goes, the stderr fallback
 * returns. Returns 0, EDDY_ENOTFOUND, or EDDY_EREENTRANT from inside an observer. */
int eddy_log_remove_observer(eddy_log_observer_id id);

/** Remove every observer and filter and restore the default level (info): the state of a fresh
 * process. Returns 0 or EDDY_EREENTRANT from inside an observer. */
int eddy_log_reset(void);

/* ---- text and JSON output -------------------------------------------------------------------- */

/** Write `event` as one text line (with '\n') into `buf`, NUL-terminated when size > 0:
 *   2024-05-01T12:00:00.250Z warn eddy.net.tcp [Echo,3,127.0.0.1] peer reset n=3 who="a b"
 * Time in UTC, then level, namespace, [prefix] when there is one, message, key=value fields
 * (string values quoted when needed). Control characters are escaped, invalid UTF-8 becomes
 * U+FFFD. Returns the length the whole line needs, like snprintf. */
size_t eddy_log_format_text(const eddy_log_event *event, char *buf, size_t size);

/** Write `event` as one record of Twisted's JSON log format into `buf` (NUL-terminated when
 * size > 0): 0x1E, one JSON object, '\n'. Keys: log_time, log_level ({"name", "__class_uuid__"}),
 * log_namespace, log_format (the message with braces doubled), log_system (the prefix, if any),
 * then the fields (a field key starting with "log_" gets a leading '_'). Returns the length the
 * whole record needs, like snprintf. twisted.logger.eventsFromJSONLogFile reads it. */
size_t eddy_log_format_json(const eddy_log_event *event, char *buf, size_t size);

/** Register an observer writing text lines to `fp` (flushed after each event). `fp` stays owned
 * by the caller and must stay open until the observer is removed. Errors as add_observer. */
int eddy_log_add_text_file(FILE *fp, eddy_log_level min_level, eddy_log_observer_id *id);
/** Register an observer writing text lines to `fd` with one write() per event (so lines from
 * several processes appending to one file do not interleave). `fd` stays owned by the caller.
 * A write that fails (EAGAIN on a non-blocking fd included) drops the rest of that event. If `fd`
 * is a socket when this is called, it is written with send(MSG_NOSIGNAL) where the platform has
 * it: a reader that went away gives no SIGPIPE. */
int eddy_log_add_text_fd(int fd, eddy_log_level min_level, eddy_log_observer_id *id);
/** As eddy_log_add_text_file, in Twisted's JSON log format (eddy_log_format_json). */
int eddy_log_add_json_file(FILE *fp, eddy_log_level min_level, eddy_log_observer_id *id);
/** As eddy_log_add_text_fd, in Twisted's JSON log format (eddy_log_format_json). */
int eddy_log_add_json_fd(int fd, eddy_log_level min_level, eddy_log_observer_id *id);

/* ---- levels ---------------------------------------------------------------------------------- */

/** Return the name of a level ("debug", "info", "warn", "error", "critical", "off"); "unknown"
 * for anything else. Static string. */
const char *eddy_log_level_name(eddy_log_level level);
/** Parse a level name (as above, case-insensitive; "warning" accepted). 0 or -EINVAL. */
int eddy_log_level_parse(const char *name, eddy_log_level *out);

#ifdef __cplusplus
}
#endif
#endif
