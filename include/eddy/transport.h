/* eddy/transport.h - stream transports (Twisted's ITransport, ITCPTransport, IConsumer,
 * IPushProducer).
 *
 * A transport carries bytes for one protocol. Every stream transport (TCP, Unix, pipes, stdio,
 * TLS, the testing kit's string transport) implements the same table, so a protocol cannot tell
 * them apart. Use the eddy_transport_* functions, not the table.
 *
 * Writing never blocks: what the kernel does not take at once is queued in order. Backpressure
 * runs both ways:
 *  - as a consumer, a transport pauses a registered push producer when its queue passes the high
 *    water mark and resumes it below the low water mark; a pull producer is asked for more each
 *    time the queue drains;
 *  - as a producer, pause_producing stops reading from the peer, resume_producing restarts it.
 *
 * Ownership: the library owns transports. A transport is valid from its protocol's
 * connection_made until its connection_lost returns; any call in between is allowed, including
 * closing it from inside data_received. */
#ifndef EDDY_TRANSPORT_H
#define EDDY_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "eddy/address.h"
#include "eddy/common.h"
#include "eddy/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The table a transport implements. Entries a kind of transport cannot support return
 * -EOPNOTSUPP; unused optional entries may be NULL. */
typedef struct eddy_transport_ops {
    int (*write)(eddy_transport *t, const void *data, size_t len);
    int (*write_sequence)(eddy_transport *t, const struct iovec *iov, int iovcnt);
    int (*write_owned)(eddy_transport *t, void *data, size_t len, eddy_free_fn free_fn);
    int (*lose_connection)(eddy_transport *t);
    int (*abort_connection)(eddy_transport *t);
    int (*lose_write_connection)(eddy_transport *t);
    int (*get_peer)(const eddy_transport *t, eddy_address *out);
    int (*get_host)(const eddy_transport *t, eddy_address *out);
    int (*fileno)(const eddy_transport *t);
    void (*pause_producing)(eddy_transport *t);
    void (*resume_producing)(eddy_transport *t);
    void (*stop_producing)(eddy_transport *t);
    int (*register_producer)(eddy_transport *t, eddy_producer *p, bool streaming);
    void (*unregister_producer)(eddy_transport *t);
    size_t (*buffered)(const eddy_transport *t);
    void (*set_water_marks)(eddy_transport *t, size_t low, size_t high);
    const char *(*log_prefix)(const eddy_transport *t);
    bool (*disconnecting)(const eddy_transport *t);
} eddy_transport_ops;

/** Every transport starts with this. */
struct eddy_transport {
    const eddy_transport_ops *ops;
    eddy_producer as_producer; /**< the transport as a producer (pauses/resumes its reading), to
                                    register with another transport (see portforward) */
};

/** Default water marks: a push producer is paused above 64 KiB queued, resumed below 16 KiB. */
#define EDDY_TRANSPORT_HIGH_WATER (64u * 1024u)
#define EDDY_TRANSPORT_LOW_WATER  (16u * 1024u)

/** Write `len` bytes: straight to the kernel when nothing is queued, and what it does not take is
 * copied into the queue. Errors (the bytes are dropped): -ENOTCONN after abort_connection or
 * once the connection is being lost, and after lose_connection or lose_write_connection unless a
 * producer is registered (it may finish its output: the close waits for it); -ENOMEM; or the
 * error the kernel gave (-EPIPE, -ECONNRESET...), which also ends the connection:
 * connection_lost follows from the loop with that reason. */
int eddy_transport_write(eddy_transport *t, const void *data, size_t len);
/** Write several buffers in order, gathered with writev where possible (clamped to IOV_MAX).
 * Same errors as write, and -EINVAL for a negative count. */
int eddy_transport_write_sequence(eddy_transport *t, const struct iovec *iov, int iovcnt);
/** Write `data` and take ownership of it: no copy is made; `free_fn(data)` is called exactly once,
 * when the bytes are written or dropped (also on error, and at once if the kernel takes them all).
 * `free_fn` may be NULL for data that needs no freeing (it must then stay unchanged until written).
 * Same errors as write. */
int eddy_transport_write_owned(eddy_transport *t, void *data, size_t len, eddy_free_fn free_fn);
/** Close cleanly after everything queued is written: reading stops now; a registered pull
 * producer is asked for more until it unregisters; a push producer paused by the water marks is
 * resumed when the queue drains (as Twisted does) and may write more; once the queue is empty with
 * no pull producer registered and no push producer paused, the connection closes and
 * connection_lost(EDDY_ECONNDONE) follows, always from the loop (never inside this call).
 * Idempotent. */
int eddy_transport_lose_connection(eddy_transport *t);
/** Close now, dropping queued data (TCP: an RST via SO_LINGER 0). connection_lost follows
 * (EDDY_EABORTED) from the loop, not inside this call. Idempotent. */
int eddy_transport_abort_connection(eddy_transport *t);
/** Half-close: shut down our writing side once the queue has drained (a socket: shutdown(SHUT_WR);
 * a separate write descriptor: it is closed); reading goes on and the protocol's
 * write_connection_lost is called from the loop. When the peer's EOF has also come, the
 * connection ends with EDDY_ECONNDONE. Writes are refused from this call on, except from a
 * registered producer, which the half-close waits for (until it unregisters). Idempotent.
 * Errors: -EOPNOTSUPP where there is no half-close (a tty), -ENOTCONN with no write side. */
int eddy_transport_lose_write_connection(eddy_transport *t);
/** True once the connection is on its way out: lose_connection or abort_connection was called
 * (on this transport, or on one it wraps), or the connection is lost (Twisted's
 * transport.disconnecting). A protocol that parses several messages out of one read asks it
 * between messages, so it stops delivering them once a handler has closed the connection.
 * lose_write_connection alone does not count: reading goes on. False for a transport without
 * the entry. */
bool eddy_transport_disconnecting(const eddy_transport *t);
/** The remote / local address. Errors: -EOPNOTSUPP, -ENOTCONN. */
int eddy_transport_get_peer(const eddy_transport *t, eddy_address *out);
int eddy_transport_get_host(const eddy_transport *t, eddy_address *out);
/** The underlying descriptor (for setsockopt and friends), or -1 if there is none. Do not read,
 * write or close it. */
int eddy_transport_fileno(const eddy_transport *t);
/** Stop / restart reading from the peer (the transport as a push producer). */
void eddy_transport_pause_producing(eddy_transport *t);
void eddy_transport_resume_producing(eddy_transport *t);
/** Stop for good: the connection is closed. */
void eddy_transport_stop_producing(eddy_transport *t);
/** Register the producer that feeds this transport (one at a time). A pull producer
 * (streaming == false) is asked for its first chunk from inside this call. The producer's
 * stop_producing is called when the connection ends (unless unregistered before). A transport
 * may register its own as_producer: it then stops reading while its own output is above the high
 * water mark (an echo that a peer cannot make buffer without bound).
 * Errors: -EBUSY if one is registered, -ENOTCONN if the transport is closed or its writing side
 * is (the producer's stop_producing is called). */
int eddy_transport_register_producer(eddy_transport *t, eddy_producer *p, bool streaming);
void eddy_transport_unregister_producer(eddy_transport *t);
/** Bytes queued and not yet written. */
size_t eddy_transport_buffered(const eddy_transport *t);
/** Change the water marks (low < high). */
void eddy_transport_set_water_marks(eddy_transport *t, size_t low, size_t high);
/** A short name for log messages, e.g. "tcp 127.0.0.1:5000<-127.0.0.1:41234"; made on first use
 * and valid as long as the transport. */
const char *eddy_transport_log_prefix(const eddy_transport *t);

/** TCP_NODELAY and SO_KEEPALIVE on the transport's socket. Errors: -EOPNOTSUPP (not a TCP
 * socket), or setsockopt's negated errno. */
int eddy_transport_set_tcp_nodelay(eddy_transport *t, bool on);
int eddy_transport_get_tcp_nodelay(const eddy_transport *t, bool *on);
int eddy_transport_set_tcp_keepalive(eddy_transport *t, bool on);
int eddy_transport_get_tcp_keepalive(const eddy_transport *t, bool *on);

#ifdef __cplusplus
}
#endif
#endif
