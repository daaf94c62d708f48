/* receiver.h - the machinery the framing receivers share (basic_receiver.c), and how a framing
 * plugs its parser into it.
 *
 * The core owns the bytes. It parses the caller's chunk in place while nothing is buffered, and
 * copies only what is left over (a partial message, or everything while paused). A parser sees a
 * window of unparsed bytes and takes one step: it consumes what it recognised and calls at most
 * one user callback, as the very last thing it does (the callback may free the receiver, or feed
 * it, or pause it). The core then decides whether to go on. Bytes fed in while a callback runs go
 * to a separate buffer, so the window a callback is looking at never moves under it. */
#ifndef EDDY_PROTOCOLS_RECEIVER_H
#define EDDY_PROTOCOLS_RECEIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "eddy/protocols/basic.h"

#define eddy__container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/** What a parser step did. */
enum eddy__step {
    EDDY__STEP_MORE,   /* the window holds no complete message: wait for more bytes */
    EDDY__STEP_AGAIN,  /* consumed bytes without calling back: step again */
    EDDY__STEP_CALLED, /* delivered a message to a callback */
    EDDY__STEP_STOP,   /* stop parsing this input (a limit hook ran, or the input is broken) */
};

/** A framing: its parser, and the calls into the user's hooks that every framing has. The hooks
 * are the framing's own because each user table takes its own receiver type (a call through a
 * pointer of another function type is undefined); EDDY__RECEIVER_KIND writes them. */
struct eddy__receiver_kind {
    /** Parse the window `win[0..len)` (len > 0): consume with eddy__receiver_consume, then make
     * at most one callback, last. Returns an eddy__step. */
    int (*step)(eddy_receiver *r, const char *win, size_t len);
    /** Call the user's hook of that name, if set; eof_received returns false when it is not. */
    void (*connection_made)(eddy_receiver *r);
    bool (*eof_received)(eddy_receiver *r);
    void (*write_connection_lost)(eddy_receiver *r);
    void (*connection_lost)(eddy_receiver *r, const eddy_failure *reason);
};

/* Define `static const struct eddy__receiver_kind kind` for the receiver struct `type`, with
 * `step_fn` as its parser. `type` must begin with `eddy_receiver base` and have an `ops` table
 * whose connection_made, eof_received, write_connection_lost and connection_lost take `type *`
 * first, as every receiver in basic.h does. */
#define EDDY__RECEIVER_KIND(type, step_fn)                                                         \
    static void hook_connection_made(eddy_receiver *r)                                             \
    {                                                                                              \
        type *x = eddy__container_of(r, type, base);                                               \
        if (x->ops->connection_made)                                                               \
            x->ops->connection_made(x);                                                            \
    }                                                                                              \
    static bool hook_eof_received(eddy_receiver *r)                                                \
    {                                                                                              \
        type *x = eddy__container_of(r, type, base);                                               \
        return x->ops->eof_received ? x->ops->eof_received(x) : false;                             \
    }                                                                                              \
    static void hook_write_connection_lost(eddy_receiver *r)                                       \
    {                                                                                              \
        type *x = eddy__container_of(r, type, base);                                               \
        if (x->ops->write_connection_lost)                                                         \
            x->ops->write_connection_lost(x);                                                      \
    }                                                                                              \
    static void hook_connection_lost(eddy_receiver *r, const eddy_failure *reason)                 \
    {                                                                                              \
        type *x = eddy__container_of(r, type, base);                                               \
        if (x->ops->connection_lost)                                                               \
            x->ops->connection_lost(x, reason);                                                    \
    }                                                                                              \
    static const struct eddy__receiver_kind kind = {                                               \
        .step = step_fn,                                                                           \
        .connection_made = hook_connection_made,                                                   \
        .eof_received = hook_eof_received,                                                         \
        .write_connection_lost = hook_write_connection_lost,                                       \
        .connection_lost = hook_connection_lost,                                                   \
    }

/** Zero `r` and make it a receiver of `kind`. Its protocol ops (one table for every framing) call
 * the kind's hooks; connection_lost frees the buffers first and reports the receiver's own reason
 * for closing, if it has one, instead of the transport's. */
void eddy__receiver_init(eddy_receiver *r, const struct eddy__receiver_kind *kind);
/** Mark the first `n` bytes of the window parsed. Their memory stays valid until the step's
 * callback returns. */
void eddy__receiver_consume(eddy_receiver *r, size_t n);
/** Drop the window and anything queued (limits exceeded, clear_line_buffer). */
void eddy__receiver_discard(eddy_receiver *r);
/** Copy the unparsed bytes (window, then queued) into `out` (which has eddy_receiver_buffered(r)
 * bytes of room). */
void eddy__receiver_copy_unparsed(const eddy_receiver *r, char *out);
/** Write `iov[0..n)` to the receiver's transport in one write_sequence. Returns its result, or
 * -ENOTCONN when not connected. */
int eddy__receiver_send(eddy_receiver *r, const struct iovec *iov, int n);

/** True once the connection is closing (eddy_transport_disconnecting). False without a
 * transport (a receiver fed by hand, before connection_made). */
static inline bool eddy__transport_closing(const eddy_transport *t)
{
    return t && eddy_transport_disconnecting(t);
}

/** What eddy__line_next found. */
enum eddy__line {
    EDDY__LINE_MORE,     /* no complete line in the window: wait for more bytes */
    EDDY__LINE_FOUND,    /* a line at the window's start, consumed with its delimiter */
    EDDY__LINE_TOO_LONG, /* a line longer than max_length: the window and the queue are dropped */
};

/** The line step both line receivers share (the rules are in basic_line.c): find the next line in
 * `win[0..len)` with delimiter `delim[0..dlen)`, resuming the search at `*scan`, which it keeps
 * up to date. On EDDY__LINE_FOUND, *line_len is the line's length, delimiter excluded. */
int eddy__line_next(eddy_receiver *r, const char *win, size_t len, const char *delim, size_t dlen,
                    size_t max_length, size_t *scan, size_t *line_len);
/** Copy `delim` (1 to EDDY_LINE_DELIMITER_MAX bytes, else -EINVAL) into a line receiver's
 * `delimiter` and `delimiter_len`, and restart its search (`scan`). */
int eddy__line_set_delimiter(char *delimiter, unsigned char *delimiter_len, size_t *scan,
                             const void *delim, size_t len);

#endif
