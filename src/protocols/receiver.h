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

#include "eddy/protocols/basic.h"

#define eddy__container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/** What a parser step did. */
enum eddy__step {
    EDDY__STEP_MORE,   /* the window holds no complete message: wait for more bytes */
    EDDY__STEP_AGAIN,  /* consumed bytes without calling back: step again */
    EDDY__STEP_CALLED, /* delivered a message to a callback */
    EDDY__STEP_STOP,   /* stop parsing this input (a limit hook ran, or the input is broken) */
};

/** A framing: its parser. */
struct eddy__receiver_kind {
    /** Parse the window `win[0..len)` (len > 0): consume with eddy__receiver_consume, then make
     * at most one callback, last. Returns an eddy__step. */
    int (*step)(eddy_receiver *r, const char *win, size_t len);
};

/** Zero `r` and set its kind and protocol ops (the framing's table). */
void eddy__receiver_init(eddy_receiver *r, const struct eddy__receiver_kind *kind,
                         const eddy_protocol_ops *ops);
/** Mark the first `n` bytes of the window parsed. Their memory stays valid until the step's
 * callback returns. */
void eddy__receiver_consume(eddy_receiver *r, size_t n);
/** Drop the window and anything queued (limits exceeded, clear_line_buffer). */
void eddy__receiver_discard(eddy_receiver *r);
/** The protocol's data_received for every framing. */
void eddy__receiver_data_received(eddy_protocol *p, const void *data, size_t len);
/** Called first by each framing's connection_lost: frees the buffers, stops any parsing in
 * progress, and returns the failure to report (the receiver's own reason, owned by the caller, to
 * unref after the user's connection_lost), or NULL to report the transport's. */
eddy_failure *eddy__receiver_lost(eddy_receiver *r);
/** Copy the unparsed bytes (window, then queued) into `out` (which has eddy_receiver_buffered(r)
 * bytes of room). */
void eddy__receiver_copy_unparsed(const eddy_receiver *r, char *out);

/** True once the connection is closing: lose_connection or abort_connection was called on `t`
 * or on a transport it wraps, or the connection is over (transport_state.c). */
bool eddy__transport_closing(eddy_transport *t);

/** Find the first `delim` in win[from..len). On success *at is its offset. */
bool eddy__find_delimiter(const char *win, size_t len, size_t from, const char *delim, size_t dlen,
                          size_t *at);

#endif
