/* eddy/tcp.h - TCP servers and clients (Twisted's IReactorTCP, IListeningPort, IConnector), and
 * adopting sockets that are already open (IReactorSocket, used for socket activation).
 *
 * Ownership: ports and connectors belong to the caller, who frees them with eddy_port_free /
 * eddy_connector_free (freeing stops them), before freeing the reactor; either may be freed from
 * inside one of its own callbacks. Connections (transports) belong to the library: freeing the
 * reactor frees those still open, without calling their protocols.
 * IPv4 and IPv6 both work; host names need the resolver (a later issue): an IP literal works. */
#ifndef EDDY_TCP_H
#define EDDY_TCP_H

#include <stdbool.h>

#include "eddy/address.h"
#include "eddy/protocol.h"
#include "eddy/reactor.h"
#include "eddy/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eddy_port eddy_port;
typedef struct eddy_deferred eddy_deferred;

/** Listening options; zero-initialise for Twisted's defaults. */
typedef struct eddy_tcp_listen_options {
    int backlog;           /**< listen() backlog; 0 means 50 */
    const char *interface; /**< IP literal to bind; NULL or "" = all IPv4 (0.0.0.0); "::" is
                                dual-stack (IPv4 and IPv6) */
    bool reuse_port;       /**< set SO_REUSEPORT (several processes share the port) */
} eddy_tcp_listen_options;

/** Listen on TCP `port` (0 picks a free port: see eddy_port_get_host) and build a protocol with
 * `factory` for each accepted connection. SO_REUSEADDR is always set; accepted sockets are
 * non-blocking and close-on-exec. Running out of descriptors (EMFILE/ENFILE) pauses accepting
 * with back-off instead of spinning; the port keeps listening. `options` may be NULL.
 * Errors: -EADDRINUSE, -EACCES, -EINVAL (bad interface), -ENOMEM, other socket/bind/listen errnos.
 */
int eddy_listen_tcp(eddy_reactor *r, int port, eddy_factory *factory,
                    const eddy_tcp_listen_options *options, eddy_port **out);

/** Stop accepting and close the listening socket (a Unix socket file and pid lock it made are
 * removed); the factory is stopped if this was its last user. Returns a Deferred (owned by the
 * caller) that fires with no result once the port is closed - already fired, as the close is
 * synchronous - or NULL if out of memory (the port is closed anyway). Connections already
 * accepted are not touched. Calling it twice is allowed. */
eddy_deferred *eddy_port_stop_listening(eddy_port *p);
/** The address the port is bound to (the real port number when 0 was asked for). */
int eddy_port_get_host(const eddy_port *p, eddy_address *out);
/** The listening descriptor, or -1 once stopped. */
int eddy_port_fileno(const eddy_port *p);
/** True while the port accepts connections. */
bool eddy_port_listening(const eddy_port *p);
/** Stop (if needed) and free the port. NULL is a no-op. */
void eddy_port_free(eddy_port *p);

/** Client options; zero-initialise for Twisted's defaults. */
typedef struct eddy_tcp_connect_options {
    double timeout;                   /**< seconds; 0 means 30; negative means none */
    const eddy_address *bind_address; /**< local address to bind first, or NULL */
} eddy_tcp_connect_options;

/** Connect to `host` (an IP literal for now) and `port`; the factory's build_protocol makes the
 * protocol when the connection is up. The factory's started_connecting runs first (from inside
 * this call), then either the protocol's connection_made or client_connection_failed (refused,
 * timed out: EDDY_ETIMEOUT, unreachable...), and after a connection ends client_connection_lost.
 * On success *out is the connector (caller frees it). Errors: -EINVAL (bad host or port),
 * -ENOMEM, socket()'s errno. */
int eddy_connect_tcp(eddy_reactor *r, const char *host, int port, eddy_factory *factory,
                     const eddy_tcp_connect_options *options, eddy_connector **out);

/** Abandon a connection attempt in progress: client_connection_failed(EDDY_ECANCELLED), from
 * inside this call. Nothing happens if it is not connecting. */
void eddy_connector_stop_connecting(eddy_connector *c);
/** Close the current connection if connected, else stop connecting. */
void eddy_connector_disconnect(eddy_connector *c);
/** Connect again with the same destination and factory (after a failure or loss).
 * Errors: -EBUSY if already connecting or connected. */
int eddy_connector_connect(eddy_connector *c);
/** Where it connects to. */
int eddy_connector_get_destination(const eddy_connector *c, eddy_address *out);
/** The transport of the current connection, or NULL. */
eddy_transport *eddy_connector_transport(const eddy_connector *c);
/** Stop, disconnect (without calling the factory again) and free. NULL is a no-op. */
void eddy_connector_free(eddy_connector *c);

/** Adopt an already bound, listening, stream socket `fd` (AF_INET, AF_INET6 or AF_UNIX) as a
 * port. eddy dups it: the caller still owns and closes `fd`. Errors: -EINVAL (not a listening
 * stream socket), -ENOMEM, dup's errno. */
int eddy_adopt_stream_port(eddy_reactor *r, int fd, eddy_factory *factory, eddy_port **out);
/** Adopt a connected stream socket `fd` as a new connection built by `factory` (made
 * non-blocking and close-on-exec). On success, or EDDY_ECANCELLED (build_protocol refused it),
 * eddy has taken `fd` over and closes it; on the other errors the caller still owns it.
 * Errors: -EINVAL (not a connected stream socket), -ENOMEM, fcntl's errno, EDDY_ECANCELLED. */
int eddy_adopt_stream_connection(eddy_reactor *r, int fd, eddy_factory *factory);

#ifdef __cplusplus
}
#endif
#endif
