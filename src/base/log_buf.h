/* log_buf.h - internal: rendering log events into bounded buffers and writing them out.
 *
 * The formatters (log_text.c, log_json.c) build a line with snprintf semantics: they write what
 * fits, count what the whole line needs, and the caller retries with a bigger buffer. Strings are
 * escaped and cleaned (invalid UTF-8 becomes U+FFFD) on the way in. */
#ifndef EDDY_BASE_LOG_BUF_H
#define EDDY_BASE_LOG_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "eddy/log.h"

/** A bounded output buffer that counts what it could not hold. */
typedef struct eddy__log_buf {
    char *p;     /* storage, may be NULL when size is 0 */
    size_t size; /* bytes of storage, room for the NUL included */
    size_t len;  /* bytes the text needs so far (may exceed size) */
} eddy__log_buf;

/** How eddy__log_buf_string() escapes. */
enum {
    EDDY__LOG_ESC_QUOTES = 1, /* escape '"' and '\\' */
    EDDY__LOG_ESC_JSON = 2,   /* JSON escapes (\n, \u001b) instead of text ones (\n, \x1b) */
    EDDY__LOG_ESC_BRACES = 4, /* double '{' and '}' (Twisted's log_format is a format string) */
};

void eddy__log_buf_put(eddy__log_buf *b, const char *s, size_t n);
void eddy__log_buf_puts(eddy__log_buf *b, const char *s);
void eddy__log_buf_printf(eddy__log_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Append `s` cleaned and escaped per `flags`; control characters are always escaped. */
void eddy__log_buf_string(eddy__log_buf *b, const char *s, unsigned flags);
/** Append the shortest decimal form of finite `d` that reads back exactly, with a '.' whatever
 * the locale, and ".0" when it would otherwise read as an integer. */
void eddy__log_buf_double(eddy__log_buf *b, double d);
/** Split wall-clock time `t` into whole seconds and a fraction counted in 1/units of a second,
 * rounded down (`round` false) or to nearest. Out-of-range or non-finite times give 0. */
void eddy__log_split_time(double t, long long units, bool round, long long *secs, long long *frac);
/** NUL-terminate (truncating if needed) and return the length the text needs. */
size_t eddy__log_buf_finish(eddy__log_buf *b);

/** A formatter with snprintf semantics (eddy_log_format_text, eddy_log_format_json). */
typedef size_t (*eddy__log_formatter)(const eddy_log_event *event, char *buf, size_t size);

/** Render `event` with `format` and write it to `fp` (then flush) or to `fd` (one write). */
void eddy__log_write_file(FILE *fp, eddy__log_formatter format, const eddy_log_event *event);
void eddy__log_write_fd(int fd, bool sock, eddy__log_formatter format, const eddy_log_event *event);
/* Whether `fd` is a socket (then written with send(MSG_NOSIGNAL): no SIGPIPE when its reader has
 * gone). Asked once per observer, not per event. */
bool eddy__log_fd_is_socket(int fd);
/* An fd observer's argument: the descriptor and whether it is a socket, in one pointer. */
static inline void *eddy__log_fd_arg(int fd)
{
    return (void *)(((intptr_t)fd << 1) | (intptr_t)eddy__log_fd_is_socket(fd));
}
static inline int eddy__log_arg_fd(void *arg)
{
    return (int)((intptr_t)arg >> 1);
}
static inline bool eddy__log_arg_sock(void *arg)
{
    return (intptr_t)arg & 1;
}

#endif
