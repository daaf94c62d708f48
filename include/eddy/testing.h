/* eddy/testing.h - what you need to test your own protocols without sockets (Twisted's
 * twisted.internet.testing, task.Clock and iosim/loopback).
 *
 *  - A string transport: a transport that records what the protocol writes and asks for (close,
 *    abort, half-close, pause), and lets the test play the peer: deliver bytes, an end of file, a
 *    lost connection, a slow reader that pauses the protocol's producer.
 *  - A memory reactor: records listen and connect calls instead of opening sockets, so a test
 *    drives factories by hand (accept a connection, complete or fail a connect). It carries a real
 *    reactor on a fake clock, so delayed calls, timeouts and reconnection back-off run under
 *    eddy_memory_reactor_advance(). Endpoints and the reconnecting factory reach it through its
 *    eddy_network (eddy/network.h).
 *  - eddy_reactor_pump(): advance a fake-clock reactor through a list of steps.
 *  - A loopback: two protocols joined in memory, bytes pumped between them until quiet.
 *
 * Everything here runs synchronously in the caller's thread; nothing blocks or sleeps. A worked
 * example is in docs/testing.md.
 *
 * Re-entrancy. Real transports never call connection_lost from inside the call that asked for the
 * close. The kit keeps that rule for requests made inside a call the string transport made (a
 * protocol handler, a producer's method): the close is delivered when that call returns. A close
 * requested outside such a call (by the test itself, or from a timer callback) is delivered
 * before the request returns, so code that closes from a timer must not touch its protocol after
 * the close request - which is good practice with real transports too. */
#ifndef EDDY_TESTING_H
#define EDDY_TESTING_H

#include <stdbool.h>
#include <stddef.h>

#include "eddy/address.h"
#include "eddy/network.h"
#include "eddy/protocol.h"
#include "eddy/reactor.h"
#include "eddy/tcp.h"
#include "eddy/transport.h"
#include "eddy/unix.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- string transport ---------------------------------------------------------------------- */

typedef struct eddy_string_transport eddy_string_transport;

/** A producer's state as the test sees it (Twisted's producerState). */
typedef enum eddy_producer_state {
    EDDY_PRODUCER_PRODUCING = 0, /**< running (never paused, or resumed) */
    EDDY_PRODUCER_PAUSED,        /**< pause_producing was called last */
    EDDY_PRODUCER_STOPPED,       /**< stop_producing was called, or the connection was lost */
} eddy_producer_state;

/** Options; zero-initialise for Twisted's StringTransport defaults. */
typedef struct eddy_string_transport_options {
    const eddy_address *host; /**< what get_host reports (copied); NULL: TCP 10.0.0.1:12345 */
    const eddy_address *peer; /**< what get_peer reports (copied); NULL: TCP 192.168.1.1:54321 */
    /** Twisted's StringTransportWithDisconnection: lose_connection and abort_connection also
     * deliver connection_lost (EDDY_ECONNDONE / EDDY_EABORTED); as on a real transport, a
     * lose_connection waits while a pull producer is registered, and a push producer is stopped.
     * Without it they are only recorded. */
    bool disconnect_on_lose;
} eddy_string_transport_options;

/** Make a string transport. `options` may be NULL. The caller owns *out and frees it with
 * eddy_string_transport_free() (never from inside one of its callbacks).
 * Errors: -ENOMEM. */
int eddy_string_transport_new(const eddy_string_transport_options *options,
                              eddy_string_transport **out);
/** Free it. Its protocol is not told (call eddy_string_transport_lose first if it should be).
 * A registered producer is forgotten. NULL is a no-op. */
void eddy_string_transport_free(eddy_string_transport *st);

/** The transport to hand to eddy_transport_* functions (borrowed, lives as long as `st`). */
eddy_transport *eddy_string_transport_transport(eddy_string_transport *st);
/** The string transport behind `t`, or NULL if `t` is another kind of transport. */
eddy_string_transport *eddy_string_transport_from(eddy_transport *t);

/** Attach `p` and call its connection_made (Twisted's makeConnection). `p` is borrowed; it may
 * free itself in connection_lost. Errors: -EBUSY if a protocol was already attached. */
int eddy_string_transport_connect(eddy_string_transport *st, eddy_protocol *p);
/** The attached protocol, or NULL before connect and after connection_lost. */
eddy_protocol *eddy_string_transport_protocol(const eddy_string_transport *st);

/* What the protocol did. */

/** The bytes written since the last clear, NUL-terminated (the NUL is not counted). Borrowed:
 * valid until the next write or clear. `len` may be NULL. */
const char *eddy_string_transport_value(const eddy_string_transport *st, size_t *len);
/** Forget the bytes written so far, as a peer reading them would. A push producer paused by the
 * high water mark is resumed; a pull producer is asked for more (resume_producing). */
void eddy_string_transport_clear(eddy_string_transport *st);
/** True once lose_connection was called (Twisted's `disconnecting`). */
bool eddy_string_transport_disconnecting(const eddy_string_transport *st);
/** True once abort_connection was called. */
bool eddy_string_transport_aborted(const eddy_string_transport *st);
/** True once lose_write_connection (half-close) was called. Its buffer always counts as
 * drained, so write_connection_lost follows at once (after the calling handler returns), and
 * then connection_lost(EDDY_ECONNDONE) if the peer's EOF had come too. Writes fail with
 * -ENOTCONN from the call on, and register_producer too (it stops the producer). */
bool eddy_string_transport_write_closed(const eddy_string_transport *st);
/** True once the protocol's connection_lost has been called. */
bool eddy_string_transport_lost(const eddy_string_transport *st);
/** The transport's own reading state: PAUSED after eddy_transport_pause_producing, PRODUCING
 * after resume, STOPPED after stop_producing or loss. */
eddy_producer_state eddy_string_transport_producer_state(const eddy_string_transport *st);
/** The registered producer (NULL if none); *streaming (may be NULL) tells push from pull. */
eddy_producer *eddy_string_transport_producer(const eddy_string_transport *st, bool *streaming);
/** The state the transport has put the registered producer in: PRODUCING if none was registered,
 * STOPPED once the connection's loss stopped it. */
eddy_producer_state eddy_string_transport_registered_state(const eddy_string_transport *st);

/* Playing the peer. */

/** Deliver `len` bytes to the protocol's data_received (whatever the reading state: check
 * eddy_string_transport_producer_state if it matters). Errors: -ENOTCONN before connect or after
 * connection_lost. */
int eddy_string_transport_receive(eddy_string_transport *st, const void *data, size_t len);
/** The peer half-closed: call eof_received. If the protocol does not keep the connection
 * half-open (see eddy_protocol_ops), or its own writing side is already closed, the connection
 * is closed: connection_lost(EDDY_ECONNDONE). A second EOF does nothing. Errors: -ENOTCONN. */
int eddy_string_transport_receive_eof(eddy_string_transport *st);
/** The connection is lost with `code` (EDDY_ECONNDONE for a clean close, EDDY_ECONNLOST,
 * -ECONNRESET, ...): a registered producer is stopped, then connection_lost gets a failure with
 * that code. Idempotent: connection_lost is called once. Errors: -ENOTCONN before connect. */
int eddy_string_transport_lose(eddy_string_transport *st, int code);
/** A slow peer: pause / resume the registered producer, as a transport whose buffer filled up or
 * drained would. For a pull producer, resume asks for one more chunk. No-op without a producer. */
void eddy_string_transport_pause_producer(eddy_string_transport *st);
void eddy_string_transport_resume_producer(eddy_string_transport *st);

/* ---- memory reactor ------------------------------------------------------------------------ */

typedef struct eddy_memory_reactor eddy_memory_reactor;

/** A recorded listen call. Strings are owned by the memory reactor. */
typedef struct eddy_memory_listen {
    eddy_address_kind kind;                /**< EDDY_ADDRESS_TCP or EDDY_ADDRESS_UNIX */
    int port;                              /**< TCP: the port asked for */
    const char *path;                      /**< Unix: the path (NULL for TCP) */
    eddy_factory *factory;                 /**< the factory given (borrowed) */
    eddy_tcp_listen_options tcp;           /**< TCP options as given (interface copied) */
    eddy_unix_listen_options unix_options; /**< Unix options as given */
    eddy_listening_port *port_handle;      /**< what the call returned */
    bool listening;                        /**< false once stop_listening or free was called */
} eddy_memory_listen;

/** Where a recorded connection attempt stands. */
typedef enum eddy_memory_connect_state {
    EDDY_MEMORY_CONNECTING = 0, /**< waiting for the test to complete or fail it */
    EDDY_MEMORY_CONNECTED,      /**< completed; the connection is up */
    EDDY_MEMORY_FAILED,         /**< failed or cancelled (client_connection_failed was called) */
    EDDY_MEMORY_CLOSED,         /**< was connected; client_connection_lost was called */
} eddy_memory_connect_state;

/** A recorded connection attempt: one per connect call and one per retry of a connector. */
typedef struct eddy_memory_connect {
    eddy_address_kind kind;       /**< EDDY_ADDRESS_TCP or EDDY_ADDRESS_UNIX */
    const char *host;             /**< TCP: host as given (NULL for Unix) */
    int port;                     /**< TCP: port */
    const char *path;             /**< Unix: path (NULL for TCP) */
    eddy_factory *factory;        /**< the factory given (borrowed) */
    eddy_tcp_connect_options tcp; /**< TCP options as given (bind_address points into here) */
    eddy_unix_connect_options unix_options; /**< Unix options as given */
    eddy_address bind_address;              /**< copy of tcp.bind_address, if one was given */
    eddy_connector *connector;              /**< the connector (same for every retry of it) */
    eddy_memory_connect_state state;        /**< where the attempt stands */
    double time;                            /**< reactor time of the attempt */
} eddy_memory_connect;

/** Make a memory reactor with its own fake clock (at 0 s) and a real reactor on it. The caller
 * owns *out. Errors: -ENOMEM, or eddy_reactor_new's errors. */
int eddy_memory_reactor_new(eddy_memory_reactor **out);
/** Free it with every port and connector it handed out, its reactor and its clock. The
 * protocols it built and the string transports the test gave it are not touched, and nobody is
 * told: cancel endpoint connects still pending first (they hold memory until they end), and free
 * reconnecting factories before it. NULL is a no-op. */
void eddy_memory_reactor_free(eddy_memory_reactor *mr);

/** The reactor on the fake clock (borrowed): use it for eddy_call_later and Deferred timeouts. */
eddy_reactor *eddy_memory_reactor_reactor(eddy_memory_reactor *mr);
/** The network to give endpoints and reconnecting factories (see eddy/network.h). */
eddy_network eddy_memory_reactor_network(eddy_memory_reactor *mr);
/** Move the fake clock forward and run what became due (eddy_reactor_advance). */
int eddy_memory_reactor_advance(eddy_memory_reactor *mr, double seconds);
/** The fake clock's time in seconds. */
double eddy_memory_reactor_seconds(const eddy_memory_reactor *mr);

/** Make later listen calls fail with `listen_error` and connect calls with `connect_error`
 * (negative codes; 0 lets them succeed again): Twisted's RaisingMemoryReactor. Failed calls are
 * not recorded. */
void eddy_memory_reactor_set_errors(eddy_memory_reactor *mr, int listen_error, int connect_error);

/** Record a TCP listen; like eddy_listen_tcp, the factory is started. *out is owned by the memory
 * reactor (eddy_listening_port_free only stops it). Its host is 0.0.0.0 (or the interface) and
 * the port asked for; port 0 gets 30000 + the record's index. Errors: those set with
 * set_errors, -ENOMEM. */
int eddy_memory_reactor_listen_tcp(eddy_memory_reactor *mr, int port, eddy_factory *factory,
                                   const eddy_tcp_listen_options *options,
                                   eddy_listening_port **out);
/** Record a Unix listen (see eddy_memory_reactor_listen_tcp). */
int eddy_memory_reactor_listen_unix(eddy_memory_reactor *mr, const char *path,
                                    eddy_factory *factory, const eddy_unix_listen_options *options,
                                    eddy_listening_port **out);
/** Record a TCP connection attempt. Like eddy_connect_tcp the factory is started and its
 * started_connecting runs inside this call; the attempt then waits for
 * eddy_memory_reactor_complete_connect or _fail_connect. The connector is owned by the memory
 * reactor: use it through the memory reactor's network (eddy_network_connector_*), never with
 * eddy_connector_* (those are for real connectors only). *out may be NULL. */
int eddy_memory_reactor_connect_tcp(eddy_memory_reactor *mr, const char *host, int port,
                                    eddy_factory *factory, const eddy_tcp_connect_options *options,
                                    eddy_connector **out);
/** Record a Unix connection attempt (see eddy_memory_reactor_connect_tcp). */
int eddy_memory_reactor_connect_unix(eddy_memory_reactor *mr, const char *path,
                                     eddy_factory *factory,
                                     const eddy_unix_connect_options *options,
                                     eddy_connector **out);

/** The recorded listen calls, in order; NULL if `index` is out of range. Borrowed. */
size_t eddy_memory_reactor_listen_count(const eddy_memory_reactor *mr);
const eddy_memory_listen *eddy_memory_reactor_listen_at(const eddy_memory_reactor *mr,
                                                        size_t index);
/** The recorded connection attempts, in order; NULL if `index` is out of range. Borrowed. */
size_t eddy_memory_reactor_connect_count(const eddy_memory_reactor *mr);
const eddy_memory_connect *eddy_memory_reactor_connect_at(const eddy_memory_reactor *mr,
                                                          size_t index);

/** A client connects to listen record `index`: the factory builds a protocol for the string
 * transport's peer address and it is connected to `st` (connection_made). *out (may be NULL) is
 * the protocol, NULL if build_protocol refused (then `st` records a lose_connection).
 * Errors: -EINVAL (no such record, or it stopped listening), -EBUSY (`st` is in use). */
int eddy_memory_reactor_accept(eddy_memory_reactor *mr, size_t index, eddy_string_transport *st,
                               eddy_protocol **out);
/** Complete connection attempt `index`: the factory builds a protocol for the destination and
 * it is connected to `st`. When `st` later delivers connection_lost, the factory's
 * client_connection_lost follows. *out (may be NULL) is the protocol, NULL if build_protocol
 * refused (then client_connection_failed(EDDY_ECANCELLED) is called at once, as a real
 * connector does). Errors: -EINVAL (no such attempt or it is not connecting), -EBUSY (`st` in use).
 */
int eddy_memory_reactor_complete_connect(eddy_memory_reactor *mr, size_t index,
                                         eddy_string_transport *st, eddy_protocol **out);
/** Fail connection attempt `index` with `code` (-ECONNREFUSED, EDDY_ETIMEOUT, ...): the
 * factory's client_connection_failed is called. Errors: -EINVAL (no such attempt or it is not
 * connecting). */
int eddy_memory_reactor_fail_connect(eddy_memory_reactor *mr, size_t index, int code);

/* ---- recording protocol and factory -------------------------------------------------------- */

/** A protocol that records what happens to it (Twisted's AccumulatingProtocol). Embed it or use
 * it as is; initialise with eddy_recording_protocol_init. */
typedef struct eddy_recording_protocol {
    eddy_protocol base;     /**< its ops record into the fields below */
    char *received;         /**< all bytes data_received got, NUL-terminated; NULL until
                                 the first (use eddy_recording_protocol_received) */
    size_t received_len;    /**< bytes in `received` */
    size_t received_cap;    /**< allocated size of `received` */
    int made;               /**< connection_made calls */
    int data_calls;         /**< data_received calls */
    int eofs;               /**< eof_received calls */
    int write_lost;         /**< write_connection_lost calls */
    int lost;               /**< connection_lost calls (a correct transport makes 1) */
    int lost_code;          /**< the code of connection_lost's reason */
    bool keep_half_open;    /**< what eof_received answers (false: close) */
    bool events_after_lost; /**< some handler ran after connection_lost: a bug */
} eddy_recording_protocol;

/** Set up `p` (zeroes it and sets its ops). */
void eddy_recording_protocol_init(eddy_recording_protocol *p);
/** Free what `p` recorded (not `p` itself). */
void eddy_recording_protocol_release(eddy_recording_protocol *p);
/** The bytes received so far, NUL-terminated ("" if none). Borrowed. */
const char *eddy_recording_protocol_received(const eddy_recording_protocol *p);

/** A factory that builds recording protocols and records its own calls. */
typedef struct eddy_recording_factory {
    eddy_factory base;                   /**< its ops record into the fields below */
    eddy_recording_protocol **protocols; /**< every protocol built, in order (owned) */
    size_t built;                        /**< number of protocols built */
    size_t cap;                          /**< allocated slots in `protocols` */
    eddy_address last_peer;              /**< the address build_protocol was last given */
    int started;                         /**< start_factory calls */
    int stopped;                         /**< stop_factory calls */
    int connecting;                      /**< started_connecting calls */
    int failed;                          /**< client_connection_failed calls */
    int failed_code;                     /**< the last failure's code */
    int client_lost;                     /**< client_connection_lost calls */
    int client_lost_code;                /**< the last loss's code */
    eddy_connector *last_connector;      /**< from the last client callback */
    bool refuse;                         /**< build_protocol returns NULL */
} eddy_recording_factory;

/** Set up `f` (zeroes it and sets its ops). */
void eddy_recording_factory_init(eddy_recording_factory *f);
/** Free the protocols it built (each after release) and its list. Their connections must be
 * over (or their transports freed) first. */
void eddy_recording_factory_release(eddy_recording_factory *f);
/** Protocol number `i` it built, or NULL. Borrowed. */
eddy_recording_protocol *eddy_recording_factory_protocol(const eddy_recording_factory *f, size_t i);

/* ---- fake time ----------------------------------------------------------------------------- */

/** Twisted's Clock.pump: for each of the `n` steps, advance the fake clock of `r` by steps[i]
 * seconds and run the delayed calls that became due. Errors: as eddy_reactor_advance (-EINVAL if
 * `r` has no fake clock), -EINVAL if steps is NULL with n > 0. */
int eddy_reactor_pump(eddy_reactor *r, const double *steps, size_t n);

/* ---- loopback ------------------------------------------------------------------------------ */

typedef struct eddy_loopback eddy_loopback;

/** Loopback options; zero-initialise for the defaults. */
typedef struct eddy_loopback_options {
    const eddy_address *server_address; /**< NULL: TCP 127.0.0.1:8000 */
    const eddy_address *client_address; /**< NULL: TCP 127.0.0.1:40000 */
    /** Deliver at most this many bytes per data_received (1 feeds a parser byte by byte);
     * 0 delivers everything pending in one call. */
    size_t max_chunk;
} eddy_loopback_options;

/** Join `server` and `client` through two string transports and call connection_made on the
 * server, then on the client. Nothing moves until eddy_loopback_pump. Both protocols are
 * borrowed (each may free itself in its connection_lost). The caller owns *out.
 * Errors: -ENOMEM. */
int eddy_loopback_new(eddy_protocol *server, eddy_protocol *client,
                      const eddy_loopback_options *options, eddy_loopback **out);
/** Free the loopback and its transports. Protocols that have not lost their connection are not
 * told. NULL is a no-op. */
void eddy_loopback_free(eddy_loopback *lb);
/** The server's and the client's transports, for inspection (borrowed). */
eddy_string_transport *eddy_loopback_server(eddy_loopback *lb);
eddy_string_transport *eddy_loopback_client(eddy_loopback *lb);

/** One round: bytes each side wrote go to the other (not to a side that paused reading, nor to
 * one that called lose_connection or abort_connection: reading stops there), then
 * half-closes become eof_received on the other side, closes become connection_lost on both
 * (EDDY_ECONNDONE once the closing side's bytes are delivered; an abort drops them and gives
 * EDDY_EABORTED to the aborting side, EDDY_ECONNLOST to the other). A push producer is paused
 * while more than EDDY_TRANSPORT_HIGH_WATER bytes wait and resumed below the low water mark; a
 * pull producer is asked for more whenever its side's bytes are all delivered. Returns true if
 * anything happened. */
bool eddy_loopback_pump(eddy_loopback *lb);
/** Pump until a round moves nothing. Returns the number of rounds that moved something, or
 * EDDY_ETIMEOUT if the protocols were still talking after `max_rounds` rounds (0: 100000). */
int eddy_loopback_pump_until_quiet(eddy_loopback *lb, int max_rounds);
/** True once both protocols have had connection_lost. */
bool eddy_loopback_closed(const eddy_loopback *lb);

#ifdef __cplusplus
}
#endif
#endif
