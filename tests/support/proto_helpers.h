/* proto_helpers.h - what the framing-receiver tests share: one recorder that can be any of the
 * receivers, logging every event as readable text, and the split check that feeds an input in one
 * piece, split at every byte boundary, and byte by byte, and demands the same log each time.
 *
 * Log format: one token per event. L[line] R[raw bytes] S[string] X[exceeded data] N[length]
 * (int prefix over the limit) !CODE (connection_lost, with the reason's symbolic name).
 * Consecutive raw bytes form one R token whatever their chunking. Bytes outside printable ASCII
 * are written \xNN.
 *
 * Scripted mode (rec->scripted): a line or string starting with a command acts on the receiver:
 *   "RAW n"   line receiver: switch to raw mode for the next n bytes, then back to lines, passing
 *             the bytes after them to set_line_mode
 *   "PAUSE"   pause_producing (the test resumes)
 *   "CLOSE"   lose_connection on the transport
 *   "SEND x"  send x back (send_line / send_string) */
#ifndef EDDY_TEST_PROTO_HELPERS_H
#define EDDY_TEST_PROTO_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include "eddy.h"

typedef enum rec_kind {
    REC_LINE,
    REC_LINE_ONLY,
    REC_NETSTRING,
    REC_INT8,
    REC_INT16,
    REC_INT32
} rec_kind;

typedef struct proto_rec {
    union {
        eddy_line_receiver line;
        eddy_line_only_receiver line_only;
        eddy_netstring_receiver netstring;
        eddy_intn_receiver intn;
    } u; /* first: callbacks cast back */
    rec_kind kind;
    eddy_string_transport *st;
    char *log; /* NUL-terminated event log */
    size_t log_len, log_cap;
    char last;          /* type of the last token, to merge raw bytes */
    bool scripted;      /* act on commands (see above) */
    bool hook_exceeded; /* install a length hook that logs X/N instead of the default close */
    size_t raw_left;    /* bytes still due to raw mode after "RAW n" */
    int made, lost, lost_code;
    char lost_message[256];
    bool free_on_lost; /* free(rec) in connection_lost (heap-allocated recorders only) */
} proto_rec;

/** Set up `r` as a receiver of `kind` (zeroes it). Configure (max_length, delimiter, scripted,
 * hook_exceeded) before proto_rec_connect. */
void proto_rec_init(proto_rec *r, rec_kind kind);
/** The shared part of whichever receiver `r` is. */
eddy_receiver *proto_rec_receiver(proto_rec *r);
/** Connect `r` to a new string transport that delivers connection_lost on lose_connection. */
void proto_rec_connect(proto_rec *r);
/** Deliver bytes as the peer (ignored once the connection is lost). */
void proto_rec_feed(proto_rec *r, const void *data, size_t len);
/** What the receiver wrote, NUL-terminated. Borrowed. */
const char *proto_rec_written(proto_rec *r, size_t *len);
/** Lose the connection if still up, then free the transport and the log. */
void proto_rec_finish(proto_rec *r);
/** Make `len` bytes of `in` printable as the log does (into a static buffer; for messages). */
const char *proto_escape(const void *in, size_t len);

/** Feed `input` to fresh receivers of `kind` in one piece, split in two at every byte boundary,
 * and byte by byte; `setup` (may be NULL) configures each before it connects. Fails the test
 * unless all logs are equal. Returns the one-piece log (malloc'ed; the caller frees it). */
char *assert_split_invariant(rec_kind kind, const void *input, size_t len,
                             void (*setup)(proto_rec *r));

/** A string literal as (pointer, length), for proto_rec_feed and friends. */
#define S(lit) lit, sizeof(lit) - 1

/** A calloc'd recorder of `kind`, set up by `setup` (may be NULL), then connected to a string
 * transport. Free it with proto_rec_free. */
proto_rec *proto_rec_new(rec_kind kind, void (*setup)(proto_rec *));
/** Finish (lose the connection, check the log) and free a recorder made by proto_rec_new. */
void proto_rec_free(proto_rec *r);
/** A setup for proto_rec_new: the recorder follows its script of reactions. */
void proto_rec_scripted(proto_rec *r);

#endif
