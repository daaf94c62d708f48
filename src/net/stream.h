/* stream.h - the machinery every descriptor-based stream transport shares (TCP, Unix, pipes,
 * stdio, adopted sockets): reading into the reactor's shared buffer, the write queue, closing in
 * its three forms (lose, abort, half-close), producers and consumers, and the promise that
 * connection_lost is called exactly once, last.
 *
 * The life of a stream:
 *   eddy__stream_new()       allocated and listed, fd owned, no protocol yet
 *   eddy__stream_begin()     protocol attached, connection_made, reading starts
 *   ... I/O ...
 *   finish                   watchers removed, fds closed, producer stopped, queue dropped,
 *                            protocol's connection_lost, connector told, memory freed.
 * A finish requested from inside a call made by user code (a write that fails, an abort, a
 * lose_connection with nothing left to write) is deferred to the loop with a zero-delay call, so
 * a protocol never sees connection_lost while one of its own calls is on the stack. Finishes the
 * loop itself discovers (a read error, the queue drained after lose_connection) run at once. */
#ifndef EDDY_NET_STREAM_H
#define EDDY_NET_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "eddy/delayed_call.h"
#include "eddy/descriptor.h"
#include "eddy/tcp.h"
#include "eddy/transport.h"
#include "net/net.h"
#include "net/wqueue.h"

/** What differs between kinds of stream. One static instance per kind. */
typedef struct eddy__stream_kind {
    const char *name;            /* "tcp", "unix", "pipe": log prefixes */
    eddy_address_kind addr_kind; /* what get_peer/get_host report */
    /** Optional: called just before each of the stream's descriptors is closed (fdio puts back
     * the blocking mode it changed on descriptors it may share with others). */
    void (*closing)(eddy__stream *s, int fd);
} eddy__stream_kind;

extern const eddy__stream_kind eddy__kind_tcp;
extern const eddy__stream_kind eddy__kind_unix;

struct eddy__stream {
    eddy_transport base;    /* first, so an eddy_transport * is an eddy__stream * */
    eddy_descriptor desc;   /* the read side; also the write side of a socket */
    eddy_descriptor *wdesc; /* the write side: &desc, a second descriptor (fdio), or NULL */
    eddy__net *net;         /* the reactor's shared buffer, pools and stream list */
    const eddy__stream_kind *kind;
    eddy_protocol *protocol;
    eddy_connector *connector; /* client connections: told when the connection ends */
    eddy_producer *producer;   /* registered producer, or NULL */
    eddy__wqueue queue;
    uint32_t low_water, high_water;
    eddy_delayed_call finish_call; /* a finish deferred to the loop */
    eddy__stream *prev, *next;     /* net->live */
    char *prefix;                  /* log prefix, made on first use */
    int finish_code;               /* why, for the deferred finish */
    /* State. */
    bool sock : 1;            /* one socket: recv, shutdown for half-close, RST on abort */
    bool wsock : 1;           /* wdesc is a socket: send with MSG_NOSIGNAL, shut before close */
    bool started : 1;         /* connection_made has been called */
    bool reading : 1;         /* desc is registered as a reader */
    bool writing : 1;         /* wdesc is registered as a writer */
    bool paused : 1;          /* pause_producing: the user stopped reading */
    bool read_closed : 1;     /* EOF seen, or no read side */
    bool disconnecting : 1;   /* lose_connection: close once drained */
    bool shut_pending : 1;    /* lose_write_connection: shut the write side once drained */
    bool write_closed : 1;    /* the write side is shut */
    bool streaming : 1;       /* the producer is a push producer */
    bool producer_paused : 1; /* we paused the push producer (high water) */
    bool aborted : 1;         /* abort_connection: drop everything, reset */
    bool finishing : 1;       /* no more I/O; connection_lost is coming */
    bool finished : 1;        /* teardown has begun (guards against a second one) */
    bool busy : 1;            /* a protocol or producer callback is running */
    bool ask_producer : 1;    /* a pull producer wrote: ask it for more once writable */
    bool closed : 1;          /* the descriptors are closed */
    bool ending : 1;          /* open when the shutdown began: eddy__stream_end_all ends it */
};

/** Allocate a stream of `size` bytes (>= sizeof(eddy__stream), for kinds that embed it) over
 * `fd`, owned from now on (closed at finish). On failure the caller keeps `fd`.
 * Errors: -ENOMEM. */
int eddy__stream_new(eddy_reactor *r, int fd, const eddy__stream_kind *kind, size_t size,
                     eddy__stream **out);
/** Attach `p`, call connection_made and start reading. The stream may be finishing (or, for a
 * stream the protocol closed at once, scheduled to finish) when this returns. */
void eddy__stream_begin(eddy__stream *s, eddy_protocol *p);
/** Close one of the stream's descriptors (telling its kind first). */
void eddy__stream_close_fd(eddy__stream *s, int fd);
/** Free a stream that never began: close its fds, no callbacks. */
void eddy__stream_discard(eddy__stream *s);
/** Build a protocol for a new connection with `f` (setting p->factory if build_protocol left it
 * NULL). NULL means refused. */
eddy_protocol *eddy__build_protocol(eddy_factory *f, const eddy_address *peer);

/* Closing (stream.c). */
int eddy__stream_lose(eddy__stream *s);
int eddy__stream_abort(eddy__stream *s);
int eddy__stream_lose_write(eddy__stream *s);
/** Finish now with `code` (only from the loop, never under a user call). */
void eddy__stream_finish(eddy__stream *s, int code);
/** Finish from the loop with `code`: stop all I/O now, connection_lost later. */
void eddy__stream_finish_later(eddy__stream *s, int code);
/** Bring the read and write watchers in line with the state. */
void eddy__stream_update_watchers(eddy__stream *s);
/** A descriptor of `s` was removed by the reactor (shutdown, backend refusal): finish. */
void eddy__stream_descriptor_lost(eddy__stream *s, eddy_descriptor *d, const eddy_failure *why);

/* I/O (stream_io.c). */
int eddy__stream_do_read(eddy__stream *s);
int eddy__stream_do_write(eddy__stream *s);
int eddy__stream_write(eddy_transport *t, const void *data, size_t len);
int eddy__stream_write_sequence(eddy_transport *t, const struct iovec *iov, int iovcnt);
int eddy__stream_write_owned(eddy_transport *t, void *data, size_t len, eddy_free_fn free_fn);

/* Producers and consumers (stream_producer.c). */
void eddy__stream_pause_producing(eddy_transport *t);
void eddy__stream_resume_producing(eddy_transport *t);
void eddy__stream_stop_producing(eddy_transport *t);
int eddy__stream_register_producer(eddy_transport *t, eddy_producer *p, bool streaming);
void eddy__stream_unregister_producer(eddy_transport *t);
size_t eddy__stream_buffered(const eddy_transport *t);
void eddy__stream_set_water_marks(eddy_transport *t, size_t low, size_t high);
/** The queue grew: pause a push producer above the high water mark. */
void eddy__stream_check_high_water(eddy__stream *s);
/** The queue shrank to `bytes` (> 0): resume a paused push producer below the low water mark. */
void eddy__stream_check_low_water(eddy__stream *s);

/* Addresses and names (stream_info.c). */
int eddy__stream_get_peer(const eddy_transport *t, eddy_address *out);
int eddy__stream_get_host(const eddy_transport *t, eddy_address *out);
int eddy__stream_fileno(const eddy_transport *t);
const char *eddy__stream_log_prefix(const eddy_transport *t);

/** The transport table shared by every stream kind. */
extern const eddy_transport_ops eddy__stream_ops;

/* The connector side of a client stream (connector.c): the stream is ending (the connector holds
 * itself until connection_lost has told the factory). */
void eddy__connector_stream_gone(eddy_connector *c);
void eddy__connector_connection_lost(eddy_connector *c, const eddy_failure *why);
/** Free every stream of `net` without callbacks (its reactor is being freed). */
void eddy__stream_forget_all(eddy__net *net);
/* At shutdown, after the reactor's sweep of the descriptors it watches: end every connection that
 * has begun and is still open when this is called (paused ones are not watched; a close may still
 * be pending) with connection_lost, so no protocol is left behind when the reactor is freed.
 * `code` is the reason for the ones that were not already closing. */
void eddy__stream_end_all(eddy__net *net, int code);

/* transport.c */
/** Set up the parts of eddy_transport every transport has (the as_producer view). */
void eddy__transport_init(eddy_transport *t, const eddy_transport_ops *ops);

static inline eddy__stream *eddy__stream_of(const eddy_transport *t)
{
    return (eddy__stream *)t;
}

#endif
