/* eddy/protocols/basic.h - framing receivers: lines, netstrings and length-prefixed strings
 * (Twisted's twisted.protocols.basic), byte for byte compatible with Twisted on the wire.
 *
 * A receiver is a protocol you embed in your own struct and configure with a table of callbacks:
 *
 *     typedef struct chat { eddy_line_receiver lr; int n; } chat;
 *     static void got_line(eddy_line_receiver *lr, const char *line, size_t len)
 *     {
 *         chat *c = (chat *)lr;   (or container_of when lr is not the first member)
 *         eddy_line_receiver_send_line(lr, line, len);
 *     }
 *     static const eddy_line_receiver_ops chat_ops = {.line_received = got_line};
 *     ...
 *     eddy_line_receiver_init(&c->lr, &chat_ops);
 *     return &c->lr.base.protocol;   (from your factory's build_protocol)
 *
 * What every receiver promises:
 *  - Input may arrive split anywhere: the callbacks see the same sequence of messages whatever
 *    the chunking (up to a limit being exceeded, which ends parsing).
 *  - Message pointers are borrowed: they are valid until the callback returns. Lines are not
 *    NUL-terminated (print them with "%.*s").
 *  - Callbacks run one at a time. Bytes fed back in from a callback (data_received called
 *    re-entrantly, set_line_mode with extra bytes) are only queued, behind the bytes already
 *    received, and parsed once the callback returns.
 *  - Once the connection is closing (lose_connection or abort called on the transport, by you or
 *    by the receiver) no further message is delivered, even from bytes already received. (eddy
 *    knows this of its own transports and of protocol wrappers; over another kind of transport,
 *    messages stop when the connection is lost.)
 *  - Broken input (a malformed netstring, a length over the limit) closes the connection with
 *    eddy_transport_lose_connection; your connection_lost then gets a failure saying why:
 *    EDDY_EPROTOCOL (malformed) or EDDY_ETOOLONG (over a limit), instead of EDDY_ECONNDONE.
 *  - A receiver is a push producer (`producer` member): pausing it stops delivering messages and
 *    pauses its transport; resuming delivers what was buffered, then resumes the transport. Give
 *    &r->base.producer to another transport's register_producer to pipe one into the other.
 *  - Memory: init allocates nothing. Unparsed bytes are buffered up to what the limits allow
 *    (max_length plus one read); the buffers are freed before your connection_lost is called, so
 *    connection_lost may free the struct the receiver is embedded in. */
#ifndef EDDY_PROTOCOLS_BASIC_H
#define EDDY_PROTOCOLS_BASIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eddy/failure.h"
#include "eddy/protocol.h"
#include "eddy/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- what every receiver shares ------------------------------------------------------------ */

/** Twisted's defaults: LineReceiver.MAX_LENGTH and NetstringReceiver/IntNStringReceiver's. */
#define EDDY_LINE_MAX_LENGTH    16384u
#define EDDY_STRING_MAX_LENGTH  99999u
/** Longest line delimiter accepted by eddy_line_receiver_set_delimiter. */
#define EDDY_LINE_DELIMITER_MAX 16u

struct eddy__receiver_kind;

/** A byte buffer of a receiver. Private. */
typedef struct eddy_receiver_buf {
    char *data;  /* allocation (NULL when empty) */
    size_t head; /* offset of the first byte not yet parsed */
    size_t len;  /* bytes not yet parsed */
    size_t cap;  /* bytes allocated */
} eddy_receiver_buf;

/** The part every receiver shares; the first member of each receiver struct. */
typedef struct eddy_receiver {
    eddy_protocol protocol; /**< the receiver as a protocol: give &r->protocol to a transport or
                                 return it from build_protocol */
    eddy_producer producer; /**< the receiver as a push producer */
    /* Private. */
    const struct eddy__receiver_kind *kind; /* the framing's parser */
    eddy_receiver_buf buf;                  /* bytes received and not yet parsed */
    eddy_receiver_buf pending; /* bytes fed in re-entrantly, parsed after the current callback */
    const char *ext;           /* the caller's chunk, parsed in place while nothing is buffered */
    size_t ext_len;            /* bytes of `ext` not yet parsed */
    eddy_failure *error;       /* why the receiver closed the connection, for connection_lost */
    bool *gone;                /* set to true if the connection is lost while parsing */
    bool in_ext : 1;           /* the bytes being parsed are `ext`, not `buf` */
    bool busy : 1;             /* a callback is running: feeding only queues */
    bool paused : 1;           /* pause_producing: deliver nothing until resumed */
    bool broken : 1;           /* closed or unparseable: drop every byte from now on */
} eddy_receiver;

/** Stop delivering messages and pause the transport's reading (Twisted's pauseProducing).
 * Bytes already received stay buffered. */
void eddy_receiver_pause_producing(eddy_receiver *r);
/** Resume: resume the transport, then deliver the buffered messages (at once, unless called
 * from inside one of this receiver's callbacks: then when that callback returns). */
void eddy_receiver_resume_producing(eddy_receiver *r);
/** Stop for good: stop delivering and stop the transport (which closes the connection). */
void eddy_receiver_stop_producing(eddy_receiver *r);
/** True while paused or stopped. */
bool eddy_receiver_paused(const eddy_receiver *r);
/** Feed bytes as if the transport had delivered them (copied if they must be kept). Called from
 * one of this receiver's callbacks, it only queues them behind the bytes already received. */
void eddy_receiver_data_received(eddy_receiver *r, const void *data, size_t len);
/** Bytes received and queued but not parsed yet (a partial message, or all input while paused). */
size_t eddy_receiver_buffered(const eddy_receiver *r);
/** Free the buffers of a receiver that will never see connection_lost (one driven by hand with
 * eddy_receiver_data_received and never connected); unparsed bytes are dropped and nothing more
 * is delivered. Connected receivers release themselves. */
void eddy_receiver_release(eddy_receiver *r);
/** Close the connection because of the input: deliver nothing more, drop further input, and call
 * eddy_transport_lose_connection. `code` (negative, e.g. EDDY_EPROTOCOL) and the printf-style
 * message become the failure your connection_lost receives. This is what the receivers do by
 * default on broken input. Returns lose_connection's result, or -ENOTCONN if not connected. */
int eddy_receiver_close(eddy_receiver *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- line receiver (Twisted's LineReceiver) ------------------------------------------------ */

typedef struct eddy_line_receiver eddy_line_receiver;

/** Callbacks of a line receiver. line_received is required; the rest are optional. */
typedef struct eddy_line_receiver_ops {
    /** The connection is up; lr->base.protocol.transport is set. */
    void (*connection_made)(eddy_line_receiver *lr);
    /** One line, without its delimiter (borrowed, not NUL-terminated). */
    void (*line_received)(eddy_line_receiver *lr, const char *line, size_t len);
    /** Raw mode: the next bytes, as they come (borrowed). Needed if you use raw mode; NULL drops
     * raw bytes. Call set_line_mode with the bytes you did not use to go back to lines. */
    void (*raw_data_received)(eddy_line_receiver *lr, const void *data, size_t len);
    /** A line is longer than max_length. `data` is the buffered input from the start of the long
     * line (maybe more than one line, or only its start); it has been discarded, and parsing goes
     * on with the next bytes. NULL: close the connection with EDDY_ETOOLONG. */
    void (*line_length_exceeded)(eddy_line_receiver *lr, const char *data, size_t len);
    /** The peer closed its writing side; see eddy_protocol_ops.eof_received. */
    bool (*eof_received)(eddy_line_receiver *lr);
    /** Our writing side was closed (half-close); see eddy_protocol_ops. */
    void (*write_connection_lost)(eddy_line_receiver *lr);
    /** Last call; may free the struct that embeds `lr`. */
    void (*connection_lost)(eddy_line_receiver *lr, const eddy_failure *reason);
} eddy_line_receiver_ops;

struct eddy_line_receiver {
    eddy_receiver base;                /**< protocol and producer */
    const eddy_line_receiver_ops *ops; /**< borrowed; set by init */
    size_t max_length; /**< longest line accepted, delimiter excluded; 16384 by default. May be
                            changed at any time. */
    /* Private. */
    size_t scan;   /* bytes of the partial line already searched for a delimiter */
    bool raw_mode; /* deliver raw bytes, not lines */
    unsigned char delimiter_len;
    char delimiter[EDDY_LINE_DELIMITER_MAX];
};

/** Make `lr` a line receiver using `ops` (borrowed, must outlive it): delimiter "\r\n",
 * max_length 16384, line mode, not paused. Allocates nothing. */
void eddy_line_receiver_init(eddy_line_receiver *lr, const eddy_line_receiver_ops *ops);
/** Change the delimiter (copied), for both receiving and send_line. Change it before data
 * arrives or from a callback. Errors: -EINVAL (empty or longer than EDDY_LINE_DELIMITER_MAX). */
int eddy_line_receiver_set_delimiter(eddy_line_receiver *lr, const void *delim, size_t len);
/** Send `line` followed by the delimiter (one write_sequence). Returns the transport's result;
 * -ENOTCONN when not connected. */
int eddy_line_receiver_send_line(eddy_line_receiver *lr, const void *line, size_t len);
/** Switch to raw mode: the bytes after the current line go to raw_data_received. */
void eddy_line_receiver_set_raw_mode(eddy_line_receiver *lr);
/** Switch back to line mode. `extra` (may be NULL when `len` is 0) are bytes to parse as lines
 * before anything received later: from raw_data_received, pass the bytes you did not consume.
 * They are copied. Do not pass extra bytes from line_received (they would come after the rest of
 * the current input). */
void eddy_line_receiver_set_line_mode(eddy_line_receiver *lr, const void *extra, size_t len);
/** True in line mode. */
bool eddy_line_receiver_line_mode(const eddy_line_receiver *lr);
/** Take the buffered, unparsed bytes out of the receiver (Twisted's clearLineBuffer): on success
 * *data (if not NULL) is a malloc'ed copy the caller frees, or NULL when there were none, and
 * *len (if not NULL) their number. With data NULL the bytes are just dropped.
 * Errors: -ENOMEM (nothing is cleared). */
int eddy_line_receiver_clear_line_buffer(eddy_line_receiver *lr, void **data, size_t *len);

/* ---- line-only receiver (Twisted's LineOnlyReceiver) ---------------------------------------- */

typedef struct eddy_line_only_receiver eddy_line_only_receiver;

/** Callbacks of a line-only receiver: like the line receiver's, without raw mode. */
typedef struct eddy_line_only_receiver_ops {
    void (*connection_made)(eddy_line_only_receiver *lr);
    /** Required: one line, without its delimiter (borrowed, not NUL-terminated). */
    void (*line_received)(eddy_line_only_receiver *lr, const char *line, size_t len);
    /** A line is longer than max_length; `data` (discarded) starts with it. NULL: close the
     * connection with EDDY_ETOOLONG. */
    void (*line_length_exceeded)(eddy_line_only_receiver *lr, const char *data, size_t len);
    bool (*eof_received)(eddy_line_only_receiver *lr);
    void (*write_connection_lost)(eddy_line_only_receiver *lr);
    void (*connection_lost)(eddy_line_only_receiver *lr, const eddy_failure *reason);
} eddy_line_only_receiver_ops;

/** A receiver of lines only: no raw mode, so its parser is the simplest (Twisted's speed-up). */
struct eddy_line_only_receiver {
    eddy_receiver base;
    const eddy_line_only_receiver_ops *ops;
    size_t max_length; /**< longest line accepted; 16384 by default */
    /* Private. */
    size_t scan;
    unsigned char delimiter_len;
    char delimiter[EDDY_LINE_DELIMITER_MAX];
};

/** Same defaults as eddy_line_receiver_init. Allocates nothing. */
void eddy_line_only_receiver_init(eddy_line_only_receiver *lr,
                                  const eddy_line_only_receiver_ops *ops);
/** Errors: -EINVAL (empty or longer than EDDY_LINE_DELIMITER_MAX). */
int eddy_line_only_receiver_set_delimiter(eddy_line_only_receiver *lr, const void *delim,
                                          size_t len);
/** Send `line` and the delimiter. Returns the transport's result; -ENOTCONN if not connected. */
int eddy_line_only_receiver_send_line(eddy_line_only_receiver *lr, const void *line, size_t len);

/* ---- netstring receiver (Twisted's NetstringReceiver) --------------------------------------- */

typedef struct eddy_netstring_receiver eddy_netstring_receiver;

/** Callbacks of a netstring receiver. string_received is required. */
typedef struct eddy_netstring_receiver_ops {
    void (*connection_made)(eddy_netstring_receiver *nr);
    /** One netstring's payload (borrowed). */
    void (*string_received)(eddy_netstring_receiver *nr, const void *data, size_t len);
    bool (*eof_received)(eddy_netstring_receiver *nr);
    void (*write_connection_lost)(eddy_netstring_receiver *nr);
    void (*connection_lost)(eddy_netstring_receiver *nr, const eddy_failure *reason);
} eddy_netstring_receiver_ops;

/** Netstrings: "<length>:<payload>," with the length in decimal (http://cr.yp.to/proto/
 * netstrings.txt). Strict, as Twisted is: the connection is closed (EDDY_EPROTOCOL) if a length
 * is missing, has a leading zero ("0" alone is fine) or is followed by anything but ':', or if
 * the payload is not followed by ','; and (EDDY_ETOOLONG) as soon as the length being read
 * exceeds max_length. */
struct eddy_netstring_receiver {
    eddy_receiver base;
    const eddy_netstring_receiver_ops *ops;
    size_t max_length; /**< longest payload accepted; 99999 by default */
    /* Private. */
    size_t length;   /* the length read so far, then the payload's length */
    unsigned digits; /* digits of the length read so far */
    bool in_payload; /* the length is complete: waiting for payload and comma */
};

/** Make `nr` a netstring receiver using `ops` (borrowed). Allocates nothing. */
void eddy_netstring_receiver_init(eddy_netstring_receiver *nr,
                                  const eddy_netstring_receiver_ops *ops);
/** Send `data` as one netstring (one write_sequence). Returns the transport's result;
 * -ENOTCONN when not connected. */
int eddy_netstring_receiver_send_string(eddy_netstring_receiver *nr, const void *data, size_t len);

/* ---- length-prefixed strings (Twisted's Int8/Int16/Int32StringReceiver) ---------------------- */

typedef struct eddy_intn_receiver eddy_intn_receiver;

/** Callbacks of a length-prefixed string receiver. string_received is required. */
typedef struct eddy_intn_receiver_ops {
    void (*connection_made)(eddy_intn_receiver *ir);
    /** One string, prefix removed (borrowed). */
    void (*string_received)(eddy_intn_receiver *ir, const void *data, size_t len);
    /** A prefix announced `length` > max_length. The stream cannot be resynchronised, so the
     * receiver drops all further input whatever this does. NULL: close the connection with
     * EDDY_ETOOLONG (Twisted's lengthLimitExceeded). */
    void (*length_limit_exceeded)(eddy_intn_receiver *ir, size_t length);
    bool (*eof_received)(eddy_intn_receiver *ir);
    void (*write_connection_lost)(eddy_intn_receiver *ir);
    void (*connection_lost)(eddy_intn_receiver *ir, const eddy_failure *reason);
} eddy_intn_receiver_ops;

/** Strings prefixed by their length as a 1, 2 or 4 byte big-endian unsigned integer. */
struct eddy_intn_receiver {
    eddy_receiver base;
    const eddy_intn_receiver_ops *ops;
    size_t max_length; /**< longest string accepted; 99999 by default */
    /* Private. */
    unsigned char prefix_len; /* 1, 2 or 4 */
};

/** Make `ir` a receiver of strings with a `prefix_len`-byte prefix (1, 2 or 4) using `ops`
 * (borrowed). Allocates nothing. Errors: -EINVAL (another prefix size). */
int eddy_intn_receiver_init(eddy_intn_receiver *ir, unsigned prefix_len,
                            const eddy_intn_receiver_ops *ops);
/** Twisted's Int8StringReceiver, Int16StringReceiver and Int32StringReceiver. */
static inline void eddy_int8_receiver_init(eddy_intn_receiver *ir,
                                           const eddy_intn_receiver_ops *ops)
{
    (void)eddy_intn_receiver_init(ir, 1, ops);
}
static inline void eddy_int16_receiver_init(eddy_intn_receiver *ir,
                                            const eddy_intn_receiver_ops *ops)
{
    (void)eddy_intn_receiver_init(ir, 2, ops);
}
static inline void eddy_int32_receiver_init(eddy_intn_receiver *ir,
                                            const eddy_intn_receiver_ops *ops)
{
    (void)eddy_intn_receiver_init(ir, 4, ops);
}
/** Send `data` with its length prefix (one write_sequence). Errors: -EMSGSIZE if `len` does not
 * fit the prefix (>= 2^(8 * prefix_len)); nothing is sent. Else the transport's result;
 * -ENOTCONN when not connected. */
int eddy_intn_receiver_send_string(eddy_intn_receiver *ir, const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
