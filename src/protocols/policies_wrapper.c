/* policies_wrapper.c - the generic protocol wrapper (Twisted's ProtocolWrapper): a protocol to
 * its transport, a transport to its protocol, forwarding everything by default.
 *
 * A wrapper's transport face is recognised by its as_producer table, which only wrappers use:
 * that is how eddy_protocol_wrapper_from_transport can tell a wrapper from any other transport
 * without knowing the (possibly user-written) transport table. */
#include <stddef.h>

#include "eddy/protocols/policies.h"
#include "protocols/policies_internal.h"

static eddy_protocol_wrapper *of_transport(const eddy_transport *t)
{
    return (eddy_protocol_wrapper *)((char *)t - offsetof(eddy_protocol_wrapper, transport));
}

/* The real transport, or NULL before connection_made and after connection_lost. */
static eddy_transport *real(const eddy_transport *t)
{
    const eddy_protocol_wrapper *w = of_transport(t);
    return w->wrapped ? w->protocol.transport : NULL;
}

/* ---- the wrapper's transport as a producer (pausing the wrapped protocol's reading) ---------- */

static eddy_transport *of_as_producer(eddy_producer *p)
{
    return (eddy_transport *)((char *)p - offsetof(eddy_transport, as_producer));
}

static void as_producer_pause(eddy_producer *p)
{
    eddy_transport_pause_producing(of_as_producer(p));
}

static void as_producer_resume(eddy_producer *p)
{
    eddy_transport_resume_producing(of_as_producer(p));
}

static void as_producer_stop(eddy_producer *p)
{
    eddy_transport_stop_producing(of_as_producer(p));
}

static const eddy_producer_ops wrapper_as_producer_ops = {
    .pause_producing = as_producer_pause,
    .resume_producing = as_producer_resume,
    .stop_producing = as_producer_stop,
};

eddy_protocol_wrapper *eddy_protocol_wrapper_from_transport(eddy_transport *t)
{
    if (!t || t->as_producer.ops != &wrapper_as_producer_ops)
        return NULL;
    return of_transport(t);
}

/* ---- set-up ---------------------------------------------------------------------------------- */

void eddy_protocol_wrapper_init(eddy_protocol_wrapper *w, eddy_protocol *wrapped,
                                const eddy_protocol_ops *protocol_ops,
                                const eddy_transport_ops *transport_ops)
{
    *w = (eddy_protocol_wrapper){
        .protocol = {.ops = protocol_ops ? protocol_ops : &eddy_protocol_wrapper_protocol_ops},
        .transport = {.ops = transport_ops ? transport_ops : &eddy_protocol_wrapper_transport_ops,
                      .as_producer = {.ops = &wrapper_as_producer_ops}},
        .wrapped = wrapped,
    };
}

/* ---- protocol side --------------------------------------------------------------------------- */

void eddy_protocol_wrapper_connection_made(eddy_protocol *p, eddy_transport *t)
{
    eddy_protocol_wrapper *w = eddy_protocol_wrapper_of(p);
    eddy_protocol_make_connection(w->wrapped, &w->transport);
}

void eddy_protocol_wrapper_data_received(eddy_protocol *p, const void *data, size_t len)
{
    eddy_protocol *wrapped = eddy_protocol_wrapper_of(p)->wrapped;
    if (wrapped)
        wrapped->ops->data_received(wrapped, data, len);
}

bool eddy_protocol_wrapper_eof_received(eddy_protocol *p)
{
    eddy_protocol *wrapped = eddy_protocol_wrapper_of(p)->wrapped;
    return wrapped && wrapped->ops->eof_received ? wrapped->ops->eof_received(wrapped) : false;
}

void eddy_protocol_wrapper_write_connection_lost(eddy_protocol *p)
{
    eddy_protocol *wrapped = eddy_protocol_wrapper_of(p)->wrapped;
    if (wrapped && wrapped->ops->write_connection_lost)
        wrapped->ops->write_connection_lost(wrapped);
}

void eddy_protocol_wrapper_connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    eddy_protocol_wrapper *w = eddy_protocol_wrapper_of(p);
    w->disconnecting = true; /* writes now fail, as on a transport whose connection is over */
    if (w->factory)
        eddy__wrapping_factory_unlist(w->factory, w);
    if (w->wrapped) {
        w->wrapped->transport = NULL; /* as transports do (protocol.h) */
        w->wrapped->ops->connection_lost(w->wrapped, reason);
    }
    w->wrapped = NULL; /* the wrapper's transport is dead from now on */
    if (w->release)
        w->release(w);
}

const eddy_protocol_ops eddy_protocol_wrapper_protocol_ops = {
    .connection_made = eddy_protocol_wrapper_connection_made,
    .data_received = eddy_protocol_wrapper_data_received,
    .eof_received = eddy_protocol_wrapper_eof_received,
    .connection_lost = eddy_protocol_wrapper_connection_lost,
    .write_connection_lost = eddy_protocol_wrapper_write_connection_lost,
};

/* ---- transport side -------------------------------------------------------------------------- */

int eddy_protocol_wrapper_write(eddy_transport *t, const void *data, size_t len)
{
    eddy_transport *rt = real(t);
    return rt ? eddy_transport_write(rt, data, len) : -ENOTCONN;
}

int eddy_protocol_wrapper_write_sequence(eddy_transport *t, const struct iovec *iov, int iovcnt)
{
    eddy_transport *rt = real(t);
    return rt ? eddy_transport_write_sequence(rt, iov, iovcnt) : -ENOTCONN;
}

int eddy_protocol_wrapper_write_owned(eddy_transport *t, void *data, size_t len,
                                      eddy_free_fn free_fn)
{
    eddy_transport *rt = real(t);
    if (rt)
        return eddy_transport_write_owned(rt, data, len, free_fn);
    if (free_fn)
        free_fn(data);
    return -ENOTCONN;
}

int eddy_protocol_wrapper_lose_connection(eddy_transport *t)
{
    eddy_transport *rt = real(t);
    of_transport(t)->disconnecting = true;
    return rt ? eddy_transport_lose_connection(rt) : 0;
}

int eddy_protocol_wrapper_abort_connection(eddy_transport *t)
{
    eddy_transport *rt = real(t);
    of_transport(t)->disconnecting = true;
    return rt ? eddy_transport_abort_connection(rt) : 0;
}

int eddy_protocol_wrapper_lose_write_connection(eddy_transport *t)
{
    eddy_transport *rt = real(t);
    return rt ? eddy_transport_lose_write_connection(rt) : -ENOTCONN;
}

int eddy_protocol_wrapper_get_peer(const eddy_transport *t, eddy_address *out)
{
    eddy_transport *rt = real(t);
    return rt ? eddy_transport_get_peer(rt, out) : -ENOTCONN;
}

int eddy_protocol_wrapper_get_host(const eddy_transport *t, eddy_address *out)
{
    eddy_transport *rt = real(t);
    return rt ? eddy_transport_get_host(rt, out) : -ENOTCONN;
}

int eddy_protocol_wrapper_fileno(const eddy_transport *t)
{
    eddy_transport *rt = real(t);
    return rt ? eddy_transport_fileno(rt) : -1;
}

void eddy_protocol_wrapper_pause_producing(eddy_transport *t)
{
    eddy_transport *rt = real(t);
    if (rt)
        eddy_transport_pause_producing(rt);
}

void eddy_protocol_wrapper_resume_producing(eddy_transport *t)
{
    eddy_transport *rt = real(t);
    if (rt)
        eddy_transport_resume_producing(rt);
}

void eddy_protocol_wrapper_stop_producing(eddy_transport *t)
{
    eddy_transport *rt = real(t);
    if (rt)
        eddy_transport_stop_producing(rt);
}

int eddy_protocol_wrapper_register_producer(eddy_transport *t, eddy_producer *p, bool streaming)
{
    eddy_transport *rt = real(t);
    if (rt)
        return eddy_transport_register_producer(rt, p, streaming);
    if (p->ops->stop_producing)
        p->ops->stop_producing(p);
    return -ENOTCONN;
}

void eddy_protocol_wrapper_unregister_producer(eddy_transport *t)
{
    eddy_transport *rt = real(t);
    if (rt)
        eddy_transport_unregister_producer(rt);
}

size_t eddy_protocol_wrapper_buffered(const eddy_transport *t)
{
    eddy_transport *rt = real(t);
    return rt ? eddy_transport_buffered(rt) : 0;
}

void eddy_protocol_wrapper_set_water_marks(eddy_transport *t, size_t low, size_t high)
{
    eddy_transport *rt = real(t);
    if (rt)
        eddy_transport_set_water_marks(rt, low, high);
}

const char *eddy_protocol_wrapper_log_prefix(const eddy_transport *t)
{
    eddy_transport *rt = real(t);
    return rt ? eddy_transport_log_prefix(rt) : "wrapper";
}

/* The wrapper's own flag first: a wrapper that closed, or whose connection is lost, is
 * disconnecting even once it no longer has a transport to ask. */
bool eddy_protocol_wrapper_disconnecting(const eddy_transport *t)
{
    if (of_transport(t)->disconnecting)
        return true;
    eddy_transport *rt = real(t);
    return rt && eddy_transport_disconnecting(rt);
}

const eddy_transport_ops eddy_protocol_wrapper_transport_ops = {
    .write = eddy_protocol_wrapper_write,
    .write_sequence = eddy_protocol_wrapper_write_sequence,
    .write_owned = eddy_protocol_wrapper_write_owned,
    .lose_connection = eddy_protocol_wrapper_lose_connection,
    .abort_connection = eddy_protocol_wrapper_abort_connection,
    .lose_write_connection = eddy_protocol_wrapper_lose_write_connection,
    .get_peer = eddy_protocol_wrapper_get_peer,
    .get_host = eddy_protocol_wrapper_get_host,
    .fileno = eddy_protocol_wrapper_fileno,
    .pause_producing = eddy_protocol_wrapper_pause_producing,
    .resume_producing = eddy_protocol_wrapper_resume_producing,
    .stop_producing = eddy_protocol_wrapper_stop_producing,
    .register_producer = eddy_protocol_wrapper_register_producer,
    .unregister_producer = eddy_protocol_wrapper_unregister_producer,
    .buffered = eddy_protocol_wrapper_buffered,
    .set_water_marks = eddy_protocol_wrapper_set_water_marks,
    .log_prefix = eddy_protocol_wrapper_log_prefix,
    .disconnecting = eddy_protocol_wrapper_disconnecting,
};
