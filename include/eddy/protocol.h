/* eddy/protocol.h - protocols, factories and producers (Twisted's IProtocol, IProtocolFactory,
 * IPushProducer/IPullProducer).
 *
 * A protocol is the per-connection state machine. It sees the same events whatever carries it
 * (TCP, a Unix socket, a pipe, TLS, a test transport):
 *   connection_made(transport)  once, first
 *   data_received(data, len)    any number of times, arbitrary chunking; `data` is borrowed for
 *                               the call only (it points into a read buffer the reactor shares
 *                               between its connections): copy what you keep
 *   eof_received()              the peer closed its writing side (optional, see below)
 *   connection_lost(reason)     once, last; reason is EDDY_ECONNDONE for a clean close, anything
 *                               else for a lost connection (the failure says why)
 * Embed eddy_protocol in your own struct. The protocol may free itself inside connection_lost; any
 * handler may close or abort its transport. The transport is valid from connection_made until
 * connection_lost returns.
 *
 * A factory builds one protocol per connection and holds what connections share. It is started
 * (start_factory) when the first port or connector begins using it and stopped (stop_factory) when
 * the last one stops, however many use it. */
#ifndef EDDY_PROTOCOL_H
#define EDDY_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#include "eddy/address.h"
#include "eddy/failure.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eddy_transport eddy_transport;
typedef struct eddy_protocol eddy_protocol;
typedef struct eddy_factory eddy_factory;
typedef struct eddy_connector eddy_connector;

/** A protocol's handlers. Only data_received and connection_lost are required. */
typedef struct eddy_protocol_ops {
    void (*connection_made)(eddy_protocol *p, eddy_transport *t);
    void (*data_received)(eddy_protocol *p, const void *data, size_t len);
    /** The peer will send no more (TCP FIN, pipe EOF). Return true to keep the connection
     * half-open and go on writing (close it later with lose_connection); NULL or false closes it
     * cleanly (Twisted's default for protocols that are not IHalfCloseableProtocol). */
    bool (*eof_received)(eddy_protocol *p);
    void (*connection_lost)(eddy_protocol *p, const eddy_failure *reason);
    /** Optional: our writing side was closed by lose_write_connection (after the buffer drained).
     */
    void (*write_connection_lost)(eddy_protocol *p);
} eddy_protocol_ops;

struct eddy_protocol {
    const eddy_protocol_ops *ops;
    eddy_transport *transport; /**< set before connection_made; NULL from connection_lost on (the
                                    transport passed to connection_made stays valid until
                                    connection_lost returns) */
    eddy_factory *factory;     /**< the factory that built it, if any */
};

/** Attach `p` to `t` (sets p->transport) and call connection_made. Transports call this. */
void eddy_protocol_make_connection(eddy_protocol *p, eddy_transport *t);

/* ---- factories ------------------------------------------------------------------------------ */

/** A factory's handlers. build_protocol is required; the rest are optional. */
typedef struct eddy_factory_ops {
    /** Make the protocol for a new connection from/to `peer`. Return NULL to refuse: the
     * connection is closed at once (a client connector reports client_connection_failed with
     * EDDY_ECANCELLED). The factory (or the protocol) owns what it returns. If the protocol's
     * `factory` is NULL it is set to `f`. A client factory that stops or frees its connector from
     * in here should return NULL: a protocol returned then is not used and gets no callback. */
    eddy_protocol *(*build_protocol)(eddy_factory *f, const eddy_address *peer);
    void (*start_factory)(eddy_factory *f);
    void (*stop_factory)(eddy_factory *f);
    /* Client factories (connect_tcp etc.): */
    void (*started_connecting)(eddy_factory *f, eddy_connector *c);
    void (*client_connection_failed)(eddy_factory *f, eddy_connector *c, const eddy_failure *why);
    void (*client_connection_lost)(eddy_factory *f, eddy_connector *c, const eddy_failure *why);
} eddy_factory_ops;

/** Embed in your own struct; zero-initialise, then set ops. */
struct eddy_factory {
    const eddy_factory_ops *ops;
    int num_ports; /**< ports and connectors using it; start/stop_factory run at 0 <-> 1 */
};

/** Count one more user of `f`; the first calls start_factory. */
void eddy_factory_do_start(eddy_factory *f);
/** Count one user less; the last calls stop_factory. */
void eddy_factory_do_stop(eddy_factory *f);

/* ---- producers ------------------------------------------------------------------------------ */

typedef struct eddy_producer eddy_producer;

/** A producer feeds a consumer (a transport). A push ("streaming") producer writes until paused;
 * a pull producer writes one chunk per resume_producing. stop_producing is final. */
typedef struct eddy_producer_ops {
    void (*pause_producing)(eddy_producer *p);
    void (*resume_producing)(eddy_producer *p);
    void (*stop_producing)(eddy_producer *p);
} eddy_producer_ops;

struct eddy_producer {
    const eddy_producer_ops *ops;
};

#ifdef __cplusplus
}
#endif
#endif
