/* eddy/network.h - the seam between code that opens connections and what opens them.
 *
 * Endpoints (eddy/endpoint.h) and the reconnecting client factory (eddy/reconnect.h) never call
 * eddy_listen_tcp and friends directly: they go through an eddy_network, a small table of the
 * reactor's listen and connect calls. eddy_reactor_network() gives the real one (sockets);
 * the testing kit's memory reactor gives one that only records calls, so code written against
 * endpoints is testable without sockets (eddy/testing.h).
 *
 * An eddy_network is a two-pointer value: copy it freely. It does not own what it points to.
 *
 * Listening ports come back as eddy_listening_port, a handle that works the same for real and
 * recorded ports. Connectors come back as eddy_connector (eddy/tcp.h); a connector must be used
 * through the network that made it (eddy_network_connector_*), which for the real network is the
 * same as calling eddy_connector_* directly. */
#ifndef EDDY_NETWORK_H
#define EDDY_NETWORK_H

#include "eddy/address.h"
#include "eddy/protocol.h"
#include "eddy/reactor.h"
#include "eddy/tcp.h"
#include "eddy/unix.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- listening ports ----------------------------------------------------------------------- */

typedef struct eddy_listening_port eddy_listening_port;

/** What a kind of listening port implements. */
typedef struct eddy_listening_port_ops {
    eddy_deferred *(*stop_listening)(eddy_listening_port *p);         /**< see the function below */
    int (*get_host)(const eddy_listening_port *p, eddy_address *out); /**< ditto */
    void (*free)(eddy_listening_port *p); /**< stop if needed and free the handle */
} eddy_listening_port_ops;

/** Implementations start with this. */
struct eddy_listening_port {
    const eddy_listening_port_ops *ops; /**< the implementation */
};

/** Stop accepting. Returns a Deferred (caller's reference) that fires with no result once the
 * port is closed, or NULL if out of memory (the port is stopped anyway). Idempotent. */
eddy_deferred *eddy_listening_port_stop_listening(eddy_listening_port *p);
/** The address the port is bound to (the real port number when 0 was asked for). Errors: those
 * of eddy_port_get_host. */
int eddy_listening_port_get_host(const eddy_listening_port *p, eddy_address *out);
/** The real port behind `p`, or NULL if `p` is not a socket (a memory reactor's record).
 * Borrowed. */
eddy_port *eddy_listening_port_port(eddy_listening_port *p);
/** Stop (if needed) and free the handle. Takes a void * so it can be a Deferred value's
 * destructor. NULL is a no-op. */
void eddy_listening_port_free(void *p);

/* ---- networks ------------------------------------------------------------------------------ */

/** The calls a network implements; `self` is eddy_network.self. Same contracts and errors as
 * the functions of eddy/tcp.h and eddy/unix.h they mirror. */
typedef struct eddy_network_ops {
    eddy_reactor *(*reactor)(void *self);
    int (*listen_tcp)(void *self, int port, eddy_factory *factory,
                      const eddy_tcp_listen_options *options, eddy_listening_port **out);
    int (*listen_unix)(void *self, const char *path, eddy_factory *factory,
                       const eddy_unix_listen_options *options, eddy_listening_port **out);
    int (*connect_tcp)(void *self, const char *host, int port, eddy_factory *factory,
                       const eddy_tcp_connect_options *options, eddy_connector **out);
    int (*connect_unix)(void *self, const char *path, eddy_factory *factory,
                        const eddy_unix_connect_options *options, eddy_connector **out);
    int (*connector_connect)(void *self, eddy_connector *c);
    void (*connector_stop_connecting)(void *self, eddy_connector *c);
    void (*connector_disconnect)(void *self, eddy_connector *c);
    void (*connector_free)(void *self, eddy_connector *c);
} eddy_network_ops;

/** A network: a table and the object it works on. */
typedef struct eddy_network {
    const eddy_network_ops *ops; /**< the calls */
    void *self;                  /**< the implementation's object (a reactor, a memory reactor) */
} eddy_network;

/** The real network of `r`: sockets, through eddy_listen_tcp and friends. Borrows `r`. */
eddy_network eddy_reactor_network(eddy_reactor *r);

/** The reactor whose clock and loop the network's connections use. */
eddy_reactor *eddy_network_reactor(const eddy_network *n);
/** Listen on TCP; *out is owned by the caller (eddy_listening_port_free). See eddy_listen_tcp. */
int eddy_network_listen_tcp(const eddy_network *n, int port, eddy_factory *factory,
                            const eddy_tcp_listen_options *options, eddy_listening_port **out);
/** Listen on a Unix socket; see eddy_listen_unix. */
int eddy_network_listen_unix(const eddy_network *n, const char *path, eddy_factory *factory,
                             const eddy_unix_listen_options *options, eddy_listening_port **out);
/** Connect over TCP; *out is the connector (free it with eddy_network_connector_free). See
 * eddy_connect_tcp. */
int eddy_network_connect_tcp(const eddy_network *n, const char *host, int port,
                             eddy_factory *factory, const eddy_tcp_connect_options *options,
                             eddy_connector **out);
/** Connect to a Unix socket; see eddy_connect_unix. */
int eddy_network_connect_unix(const eddy_network *n, const char *path, eddy_factory *factory,
                              const eddy_unix_connect_options *options, eddy_connector **out);
/** eddy_connector_connect for a connector made by `n`. Errors: -EBUSY if it is busy. */
int eddy_network_connector_connect(const eddy_network *n, eddy_connector *c);
/** eddy_connector_stop_connecting for a connector made by `n`. */
void eddy_network_connector_stop_connecting(const eddy_network *n, eddy_connector *c);
/** eddy_connector_disconnect for a connector made by `n`. */
void eddy_network_connector_disconnect(const eddy_network *n, eddy_connector *c);
/** eddy_connector_free for a connector made by `n`. Allowed from inside the connector's own
 * factory callbacks (the free then completes when the callback returns); every network keeps
 * that promise. NULL is a no-op. */
void eddy_network_connector_free(const eddy_network *n, eddy_connector *c);

#ifdef __cplusplus
}
#endif
#endif
