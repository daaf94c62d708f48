/* eddy/failure.h - Failure: an error value that travels through errbacks and connection_lost.
 *
 * A failure carries a code (a negated errno or an EDDY_E* value, see eddy/error.h), a message,
 * optionally a cause (another failure) and the place it was raised. Failures are reference
 * counted and immutable once made, so one failure can be handed to many callbacks.
 *
 * Ownership: eddy_failure_new*() return a failure with one reference, owned by the caller.
 * Callbacks that receive a `const eddy_failure *` borrow it for the duration of the call; keep it
 * longer with eddy_failure_ref(). */
#ifndef EDDY_FAILURE_H
#define EDDY_FAILURE_H

#include <stdbool.h>
#include <stddef.h>

#include "eddy/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eddy_failure eddy_failure;

/** Make a failure with `code` and a printf-style message (NULL fmt: eddy_strerror(code)).
 * A `code` that is not negative is a caller's mistake and becomes EDDY_EFAILED.
 * `cause`, if not NULL, gains a reference held by the new failure. Never returns NULL: when memory
 * is short it returns a static "out of memory" failure (references on it are no-ops).
 * Use the eddy_failure_new() macro, which records the file, line and function. */
eddy_failure *eddy_failure_new_at(int code, eddy_failure *cause, const char *file, int line,
                                  const char *func, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#define eddy_failure_new(code, ...)                                                                \
    eddy_failure_new_at((code), NULL, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define eddy_failure_wrap(code, cause, ...)                                                        \
    eddy_failure_new_at((code), (cause), __FILE__, __LINE__, __func__, __VA_ARGS__)
/** A failure for `code` with eddy_strerror(code) as its message. */
#define eddy_failure_from_code(code)                                                               \
    eddy_failure_new_at((code), NULL, __FILE__, __LINE__, __func__, NULL)

/** Take another reference; returns `f`. NULL is allowed and returned as is. */
eddy_failure *eddy_failure_ref(const eddy_failure *f);
/** Drop a reference; the failure (and its cause chain) is freed with the last one. NULL is a no-op.
 */
void eddy_failure_unref(eddy_failure *f);

/** The failure's code (negative). */
int eddy_failure_code(const eddy_failure *f);
/** The failure's message (never NULL; valid as long as the failure). */
const char *eddy_failure_message(const eddy_failure *f);
/** The failure this one wraps, or NULL. Borrowed. */
const eddy_failure *eddy_failure_cause(const eddy_failure *f);
/** Where it was raised: file and line (file may be NULL when unknown). */
const char *eddy_failure_file(const eddy_failure *f);
int eddy_failure_line(const eddy_failure *f);
const char *eddy_failure_function(const eddy_failure *f);

/** True if `f` or any failure in its cause chain has `code` (Twisted's Failure.check). */
bool eddy_failure_check(const eddy_failure *f, int code);

/** True for the well-known kinds. */
static inline bool eddy_failure_is_cancelled(const eddy_failure *f)
{
    return eddy_failure_check(f, EDDY_ECANCELLED);
}
static inline bool eddy_failure_is_timeout(const eddy_failure *f)
{
    return eddy_failure_check(f, EDDY_ETIMEOUT);
}
static inline bool eddy_failure_is_connection_done(const eddy_failure *f)
{
    return eddy_failure_code(f) == EDDY_ECONNDONE;
}
static inline bool eddy_failure_is_connection_lost(const eddy_failure *f)
{
    return eddy_failure_code(f) != EDDY_ECONNDONE;
}

/** Write a one-line description into buf (always NUL-terminated when size > 0), e.g.
 * "ECONNREFUSED: connection refused (at tcp.c:120 in connect_done) <- cause ...".
 * Returns the length the full text needs, like snprintf. */
size_t eddy_failure_format(const eddy_failure *f, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
