/* string_transport_internal.h - the string transport's insides, shared by its two files and used
 * by the memory reactor and the loopback (src/testing only). */
#ifndef EDDY_TESTING_STRING_TRANSPORT_INTERNAL_H
#define EDDY_TESTING_STRING_TRANSPORT_INTERNAL_H

#include "eddy/testing.h"

/** Called after the protocol's connection_lost returned (the protocol may be gone), or with
 * `why` NULL when the transport is freed before its connection was lost. */
typedef void (*eddy__lost_hook)(void *arg, eddy_string_transport *st, const eddy_failure *why);

struct eddy_string_transport {
    eddy_transport base;                /* first: eddy_transport * and this convert both ways */
    eddy_protocol *protocol;            /* attached protocol; NULL before connect and once lost */
    eddy_address host;                  /* what get_host reports */
    eddy_address peer;                  /* what get_peer reports */
    char *buf;                          /* bytes written since the last clear, NUL-terminated */
    size_t len;                         /* bytes in buf, not counting the NUL */
    size_t cap;                         /* allocated size of buf */
    size_t low, high;                   /* water marks for a registered push producer */
    eddy_producer *producer;            /* registered producer, or NULL */
    eddy_producer_state producer_state; /* what we last told the producer */
    eddy_producer_state reading;        /* our own state as a producer (reading) */
    eddy__lost_hook lost_hook;          /* see eddy__string_transport_on_lost */
    void *lost_arg;
    int depth;               /* calls out in progress; closes wait until it is 0 */
    int close_code;          /* a close the transport decided itself (eof not kept), or 0 */
    bool streaming;          /* the producer is a push producer */
    bool paused_by_marks;    /* the producer was paused by the high water mark */
    bool disconnect_on_lose; /* lose/abort deliver connection_lost */
    bool managed;            /* a loopback delivers eof and closes, not the transport */
    bool connected;          /* connect was called */
    bool disconnecting;      /* lose_connection was called */
    bool aborted;            /* abort_connection was called */
    bool write_closed;       /* lose_write_connection was called */
    bool write_lost_pending; /* write_connection_lost is owed */
    bool write_lost_done;    /* write_connection_lost was delivered */
    bool read_closed;        /* the test delivered the peer's EOF (receive_eof) */
    bool lost;               /* connection_lost was delivered */
};

/* Bracket every call out to the protocol or producer; the last leave settles. */
void eddy__st_enter(eddy_string_transport *st);
void eddy__st_leave(eddy_string_transport *st);
/* Deliver what is owed (write_connection_lost, a pending close) if no call out is running. */
void eddy__st_settle(eddy_string_transport *st);
/* True while a lose_connection must wait: a pull producer is registered (real transports ask it
 * for more until it unregisters; a push producer is stopped instead). */
bool eddy__st_producer_holds_close(const eddy_string_transport *st);
/* Pause / resume the registered producer (pausing touches only a push producer). */
void eddy__st_pause_registered(eddy_string_transport *st, bool by_marks);
void eddy__st_resume_registered(eddy_string_transport *st);

/** Run `fn(arg, st, why)` once the connection is lost or the transport freed (one hook; NULL
 * removes it). */
void eddy__string_transport_on_lost(eddy_string_transport *st, eddy__lost_hook fn, void *arg);

/** Managed transports (the loopback's) never close on their own: lose_connection, abort and
 * half-close are only recorded, and the manager delivers eof, write_connection_lost and
 * connection_lost itself with the functions below. */
void eddy__string_transport_set_managed(eddy_string_transport *st, bool managed);

/** Drop the first `n` written bytes (the peer read them); resumes or pulls the producer as
 * eddy_string_transport_clear does. */
void eddy__string_transport_consume(eddy_string_transport *st, size_t n);

/** Call eof_received; returns true if the protocol keeps the connection half-open. */
bool eddy__string_transport_deliver_eof(eddy_string_transport *st);

/** Call write_connection_lost (once). */
void eddy__string_transport_deliver_write_lost(eddy_string_transport *st);

/** Stop the producer and call connection_lost with `code` (once). */
void eddy__string_transport_deliver_lost(eddy_string_transport *st, int code);

/** True if the protocol is attached and has not lost its connection. */
bool eddy__string_transport_live(const eddy_string_transport *st);

#endif
