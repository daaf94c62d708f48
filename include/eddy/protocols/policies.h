/* eddy/protocols/policies.h - wrappers that stack on any protocol and factory without the protocol
 * knowing (Twisted's twisted.protocols.policies): idle timeouts, throttling, connection limits,
 * and the generic wrapping protocol and factory they are built from.
 *
 * A wrapper sits between a transport and a protocol. To the transport it is the protocol (its
 * `protocol` member); to the wrapped protocol it is the transport (its `transport` member), so
 * every call the protocol makes on its transport goes through the wrapper, and every event the
 * transport delivers goes through it too. A wrapping factory builds one wrapper per connection
 * around the protocol its wrapped factory builds, and keeps the list of live wrappers.
 *
 * Policies compose: each is a wrapping factory, so
 *     timeout(limit(throttle(your_factory)))
 * is three factories, each wrapping the one inside (give the outermost's `&...base` to listen).
 *
 * Writing your own: embed eddy_protocol_wrapper first in your wrapper struct, write your own
 * eddy_protocol_ops and/or eddy_transport_ops tables using the eddy_protocol_wrapper_* defaults
 * for the entries you do not change, and point a wrapping factory's wrapper_size and
 * wrapper_*_ops at them. docs/protocols.md has a worked example (a byte counter).
 *
 * Lifetime: a factory must outlive the connections it built. The wrappers a factory builds are
 * freed by the library after the wrapped protocol's connection_lost returns. */
#ifndef EDDY_PROTOCOLS_POLICIES_H
#define EDDY_PROTOCOLS_POLICIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eddy/delayed_call.h"
#include "eddy/protocol.h"
#include "eddy/reactor.h"
#include "eddy/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the generic wrapper ------------------------------------------------------------------- */

typedef struct eddy_protocol_wrapper eddy_protocol_wrapper;
typedef struct eddy_wrapping_factory eddy_wrapping_factory;

struct eddy_protocol_wrapper {
    eddy_protocol protocol;   /**< the wrapper as the real transport's protocol;
                                   protocol.transport is the real transport */
    eddy_transport transport; /**< the wrapper as the wrapped protocol's transport */
    eddy_protocol *wrapped;   /**< the wrapped protocol (borrowed); NULL after connection_lost */
    eddy_wrapping_factory *factory;     /**< the factory that built it, or NULL */
    eddy_protocol_wrapper *prev, *next; /**< the factory's list of live wrappers */
    /** Called last by the default connection_lost, after the wrapped protocol's: releases the
     * wrapper's memory. Factory-built wrappers get free(); NULL does nothing. The wrapper must
     * stay valid until then (free a stand-alone wrapper here, not in the wrapped protocol's
     * connection_lost). */
    void (*release)(eddy_protocol_wrapper *w);
    bool disconnecting; /**< lose_connection or abort_connection went through the wrapper */
};

/** Make `w` wrap `wrapped` (borrowed). `protocol_ops` and `transport_ops` (borrowed) are the two
 * faces of the wrapper; NULL selects the defaults below, which forward everything unchanged.
 * Then connect &w->protocol to a transport (eddy_protocol_make_connection, or return it from a
 * factory): its connection_made connects the wrapped protocol to &w->transport. */
void eddy_protocol_wrapper_init(eddy_protocol_wrapper *w, eddy_protocol *wrapped,
                                const eddy_protocol_ops *protocol_ops,
                                const eddy_transport_ops *transport_ops);

/** The wrapper embedding `p` (which must be a wrapper's `protocol` member). */
static inline eddy_protocol_wrapper *eddy_protocol_wrapper_of(eddy_protocol *p)
{
    return (eddy_protocol_wrapper *)((char *)p - offsetof(eddy_protocol_wrapper, protocol));
}

/** The wrapper whose `transport` member is `t`, or NULL if `t` is not a wrapper's transport
 * (any transport may be asked). A protocol finds its wrapper with p->transport. */
eddy_protocol_wrapper *eddy_protocol_wrapper_from_transport(eddy_transport *t);

/** The defaults: every entry forwards to the wrapped protocol / the real transport. */
extern const eddy_protocol_ops eddy_protocol_wrapper_protocol_ops;
extern const eddy_transport_ops eddy_protocol_wrapper_transport_ops;

/* The protocol-side defaults, for your own tables. connection_made connects the wrapped protocol
 * to the wrapper; connection_lost unregisters the wrapper from its factory, calls the wrapped
 * protocol's connection_lost, then w->release. Call it last from your own connection_lost. */
void eddy_protocol_wrapper_connection_made(eddy_protocol *p, eddy_transport *t);
void eddy_protocol_wrapper_data_received(eddy_protocol *p, const void *data, size_t len);
bool eddy_protocol_wrapper_eof_received(eddy_protocol *p);
void eddy_protocol_wrapper_connection_lost(eddy_protocol *p, const eddy_failure *reason);
void eddy_protocol_wrapper_write_connection_lost(eddy_protocol *p);

/* The transport-side defaults, for your own tables: each forwards to the real transport, with the
 * same contract as the eddy_transport_* function of the same name. Before the wrapper is
 * connected and once its connection is lost they fail with -ENOTCONN (or do nothing). */
int eddy_protocol_wrapper_write(eddy_transport *t, const void *data, size_t len);
int eddy_protocol_wrapper_write_sequence(eddy_transport *t, const struct iovec *iov, int iovcnt);
int eddy_protocol_wrapper_write_owned(eddy_transport *t, void *data, size_t len,
                                      eddy_free_fn free_fn);
int eddy_protocol_wrapper_lose_connection(eddy_transport *t);
int eddy_protocol_wrapper_abort_connection(eddy_transport *t);
int eddy_protocol_wrapper_lose_write_connection(eddy_transport *t);
int eddy_protocol_wrapper_get_peer(const eddy_transport *t, eddy_address *out);
int eddy_protocol_wrapper_get_host(const eddy_transport *t, eddy_address *out);
int eddy_protocol_wrapper_fileno(const eddy_transport *t);
void eddy_protocol_wrapper_pause_producing(eddy_transport *t);
void eddy_protocol_wrapper_resume_producing(eddy_transport *t);
void eddy_protocol_wrapper_stop_producing(eddy_transport *t);
int eddy_protocol_wrapper_register_producer(eddy_transport *t, eddy_producer *p, bool streaming);
void eddy_protocol_wrapper_unregister_producer(eddy_transport *t);
size_t eddy_protocol_wrapper_buffered(const eddy_transport *t);
void eddy_protocol_wrapper_set_water_marks(eddy_transport *t, size_t low, size_t high);
const char *eddy_protocol_wrapper_log_prefix(const eddy_transport *t);
bool eddy_protocol_wrapper_disconnecting(const eddy_transport *t);

/* ---- the generic wrapping factory ---------------------------------------------------------- */

struct eddy_wrapping_factory {
    eddy_factory base;     /**< give &wf->base to listen/connect; base.ops may be replaced */
    eddy_factory *wrapped; /**< the factory whose protocols are wrapped (borrowed) */
    size_t wrapper_size;   /**< bytes per wrapper: your struct, with eddy_protocol_wrapper first */
    const eddy_protocol_ops *wrapper_protocol_ops; /**< the wrappers' tables (NULL: defaults) */
    const eddy_transport_ops *wrapper_transport_ops;
    size_t count;                 /**< live wrappers (read only) */
    eddy_protocol_wrapper *first; /**< the live wrappers, newest first, linked by next (read
                                       only; a wrapper leaves the list before its wrapped
                                       protocol's connection_lost) */
};

/** Make `wf` a plain wrapping factory around `wrapped` (borrowed): it builds default wrappers
 * (sizeof(eddy_protocol_wrapper), default tables), forwards start/stop and the client callbacks
 * to `wrapped`. Change the fields above after init to build your own wrappers. */
void eddy_wrapping_factory_init(eddy_wrapping_factory *wf, eddy_factory *wrapped);

/** The default factory table and its entries, for your own tables. build_protocol returns
 * eddy_wrapping_factory_wrap(wf, wf->wrapped, peer). */
extern const eddy_factory_ops eddy_wrapping_factory_ops;
eddy_protocol *eddy_wrapping_factory_build_protocol(eddy_factory *f, const eddy_address *peer);
void eddy_wrapping_factory_start_factory(eddy_factory *f);
void eddy_wrapping_factory_stop_factory(eddy_factory *f);
void eddy_wrapping_factory_started_connecting(eddy_factory *f, eddy_connector *c);
void eddy_wrapping_factory_client_connection_failed(eddy_factory *f, eddy_connector *c,
                                                    const eddy_failure *why);
void eddy_wrapping_factory_client_connection_lost(eddy_factory *f, eddy_connector *c,
                                                  const eddy_failure *why);

/** Build one wrapper (wf->wrapper_size bytes, zeroed, initialised with wf's tables, release =
 * free) around the protocol `inner` builds for `peer`, and list it as live. Returns &w->protocol,
 * or NULL if `inner` refused or memory ran out (then `inner` was not asked). */
eddy_protocol *eddy_wrapping_factory_wrap(eddy_wrapping_factory *wf, eddy_factory *inner,
                                          const eddy_address *peer);

/* ---- idle timeout (Twisted's TimeoutFactory / TimeoutProtocol) ----------------------------- */

typedef struct eddy_timeout_factory eddy_timeout_factory;

/** Closes connections idle for `timeout` seconds: no byte received and none written. Traffic
 * costs one store of the reactor's cached time; the timer is touched only when it fires (and
 * then re-armed for the remaining time if there was traffic), so a busy connection does no timer
 * work at all. */
struct eddy_timeout_factory {
    eddy_wrapping_factory wrapping; /**< give &tf->wrapping.base to listen/connect */
    eddy_reactor *reactor;          /**< the reactor whose time and timers are used (borrowed) */
    double timeout;                 /**< idle seconds allowed for new connections */
    /** Called (once per arming of the timeout) when a connection has been idle too long.
     * NULL: lose_connection through the wrapper, so a receiver behind it stops at once. */
    void (*timed_out)(eddy_timeout_factory *tf, eddy_protocol_wrapper *w);
};

/** Twisted's default TimeoutFactory period: 30 minutes. */
#define EDDY_TIMEOUT_DEFAULT (30.0 * 60.0)

/** Make `tf` close connections of `wrapped`'s protocols after `timeout` idle seconds.
 * Errors: -EINVAL (timeout not > 0). */
int eddy_timeout_factory_init(eddy_timeout_factory *tf, eddy_reactor *r, eddy_factory *wrapped,
                              double timeout);
/** Change the idle timeout of one connection: `t` is the transport a protocol got from a timeout
 * factory (possibly through other eddy policies stacked inside it). The idle clock restarts now;
 * `seconds` <= 0 disables the timeout (Twisted's cancelTimeout). Errors: -EINVAL (no timeout
 * wrapper under `t`), -ENOMEM. */
int eddy_timeout_set(eddy_transport *t, double seconds);

/* ---- throttling (Twisted's ThrottlingFactory) ---------------------------------------------- */

/** A byte-rate meter. Private. */
typedef struct eddy_rate_meter {
    double window_start;      /* start of the current accounting window (reactor time) */
    double bytes;             /* bytes counted in the window */
    eddy_delayed_call resume; /* ends the throttling */
    bool throttled;
} eddy_rate_meter;

/** Limits; zero means none. */
typedef struct eddy_throttle_options {
    size_t max_connections;        /**< more simultaneous connections are refused (dropped) */
    double read_limit;             /**< bytes/s read, all connections together */
    double write_limit;            /**< bytes/s written, all connections together */
    double connection_read_limit;  /**< bytes/s read, per connection */
    double connection_write_limit; /**< bytes/s written, per connection */
} eddy_throttle_options;

typedef struct eddy_throttling_factory eddy_throttling_factory;

/** Throttles bandwidth by pausing: over a read limit, the transports stop reading; over a write
 * limit, the producers registered on the wrapped protocols' transports are paused (as in Twisted,
 * writes themselves are never refused: a protocol that writes without a producer is only
 * counted). The rule is Twisted's: after B bytes in a window that started at T, with limit L,
 * the connection is held until T + B/L, so the average rate stays at L. eddy checks it on every
 * read and write instead of once a second, so a burst is cut short at once. */
struct eddy_throttling_factory {
    eddy_wrapping_factory wrapping; /**< give &tf->wrapping.base to listen/connect */
    eddy_reactor *reactor;          /**< borrowed */
    eddy_throttle_options options;  /**< may be changed at any time */
    size_t refused;                 /**< connections refused by max_connections (read only) */
    /* Private. */
    eddy_rate_meter read_meter, write_meter; /* factory-wide */
};

/** Make `tf` throttle `wrapped`'s connections. `options` (copied) may be NULL: no limits.
 * Errors: -EINVAL (a negative or NaN limit). */
int eddy_throttling_factory_init(eddy_throttling_factory *tf, eddy_reactor *r,
                                 eddy_factory *wrapped, const eddy_throttle_options *options);

/* ---- connection limits (LimitTotalConnectionsFactory, LimitConnectionsByPeer) -------------- */

/** Limits; zero means none. */
typedef struct eddy_limit_options {
    size_t max_connections; /**< simultaneous connections served by the wrapped factory */
    size_t max_per_peer;    /**< the same, per peer host (IP address; every non-IP peer, such as a
                                 Unix socket client, counts as one host). Twisted's
                                 LimitConnectionsByPeer uses 5. */
    /** Over a limit: NULL drops the connection; else this factory's protocol serves it (a "too
     * busy" message, say). Overflow connections do not take a slot: they are counted apart. */
    eddy_factory *overflow;
} eddy_limit_options;

typedef struct eddy_limit_factory eddy_limit_factory;

struct eddy_limit_factory {
    eddy_wrapping_factory wrapping; /**< give &lf->wrapping.base to listen/connect */
    eddy_limit_options options;     /**< may be changed at any time */
    size_t connections;             /**< live connections of the wrapped factory (read only) */
    size_t overflowed;              /**< live overflow connections (read only) */
    size_t refused;                 /**< connections dropped so far (read only) */
    /* Private: per-peer counts, an open-addressing table. */
    struct eddy__peer_slot *peers;
    size_t peers_cap, peers_used;
};

/** Make `lf` limit `wrapped`'s connections. `options` (copied) may be NULL: no limits.
 * Allocates nothing until a peer is counted. */
void eddy_limit_factory_init(eddy_limit_factory *lf, eddy_factory *wrapped,
                             const eddy_limit_options *options);
/** Free the per-peer table. Call it when no connection of `lf` is left. */
void eddy_limit_factory_fini(eddy_limit_factory *lf);
/** Live connections of the wrapped factory from `peer`'s host. */
size_t eddy_limit_factory_peer_connections(const eddy_limit_factory *lf, const eddy_address *peer);

#ifdef __cplusplus
}
#endif
#endif
