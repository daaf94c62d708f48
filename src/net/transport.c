/* transport.c - the public face of every transport: eddy_transport_* dispatch through the
 * transport's table, so a protocol works the same over TCP, a pipe or the testing kit. Also the
 * protocol and factory helpers of protocol.h. */
#include <stddef.h>

#include "eddy/log.h"
#include "eddy/transport.h"
#include "net/stream.h"

#define TRANSPORT_OF_PRODUCER(p)                                                                   \
    ((eddy_transport *)((char *)(p)-offsetof(eddy_transport, as_producer)))

static void as_producer_pause(eddy_producer *p)
{
    eddy_transport_pause_producing(TRANSPORT_OF_PRODUCER(p));
}

static void as_producer_resume(eddy_producer *p)
{
    eddy_transport_resume_producing(TRANSPORT_OF_PRODUCER(p));
}

static void as_producer_stop(eddy_producer *p)
{
    eddy_transport_stop_producing(TRANSPORT_OF_PRODUCER(p));
}

static const eddy_producer_ops as_producer_ops = {
    .pause_producing = as_producer_pause,
    .resume_producing = as_producer_resume,
    .stop_producing = as_producer_stop,
};

void eddy__transport_init(eddy_transport *t, const eddy_transport_ops *ops)
{
    t->ops = ops;
    t->as_producer.ops = &as_producer_ops;
}

int eddy_transport_write(eddy_transport *t, const void *data, size_t len)
{
    return t->ops->write ? t->ops->write(t, data, len) : -EOPNOTSUPP;
}

int eddy_transport_write_sequence(eddy_transport *t, const struct iovec *iov, int iovcnt)
{
    if (t->ops->write_sequence)
        return t->ops->write_sequence(t, iov, iovcnt);
    if (iovcnt < 0 || (iovcnt > 0 && !iov))
        return -EINVAL;
    for (int i = 0; i < iovcnt; i++) {
        int rc = eddy_transport_write(t, iov[i].iov_base, iov[i].iov_len);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int eddy_transport_write_owned(eddy_transport *t, void *data, size_t len, eddy_free_fn free_fn)
{
    if (t->ops->write_owned)
        return t->ops->write_owned(t, data, len, free_fn);
    /* A transport without zero-copy writes takes a copy. */
    int rc = eddy_transport_write(t, data, len);
    if (free_fn)
        free_fn(data);
    return rc;
}

int eddy_transport_lose_connection(eddy_transport *t)
{
    return t->ops->lose_connection ? t->ops->lose_connection(t) : -EOPNOTSUPP;
}

int eddy_transport_abort_connection(eddy_transport *t)
{
    return t->ops->abort_connection ? t->ops->abort_connection(t) : -EOPNOTSUPP;
}

int eddy_transport_lose_write_connection(eddy_transport *t)
{
    return t->ops->lose_write_connection ? t->ops->lose_write_connection(t) : -EOPNOTSUPP;
}

bool eddy_transport_disconnecting(const eddy_transport *t)
{
    return t->ops->disconnecting ? t->ops->disconnecting(t) : false;
}

int eddy_transport_get_peer(const eddy_transport *t, eddy_address *out)
{
    return t->ops->get_peer ? t->ops->get_peer(t, out) : -EOPNOTSUPP;
}

int eddy_transport_get_host(const eddy_transport *t, eddy_address *out)
{
    return t->ops->get_host ? t->ops->get_host(t, out) : -EOPNOTSUPP;
}

int eddy_transport_fileno(const eddy_transport *t)
{
    return t->ops->fileno ? t->ops->fileno(t) : -1;
}

void eddy_transport_pause_producing(eddy_transport *t)
{
    if (t->ops->pause_producing)
        t->ops->pause_producing(t);
}

void eddy_transport_resume_producing(eddy_transport *t)
{
    if (t->ops->resume_producing)
        t->ops->resume_producing(t);
}

void eddy_transport_stop_producing(eddy_transport *t)
{
    if (t->ops->stop_producing)
        t->ops->stop_producing(t);
    else
        eddy_transport_lose_connection(t);
}

int eddy_transport_register_producer(eddy_transport *t, eddy_producer *p, bool streaming)
{
    if (t->ops->register_producer)
        return t->ops->register_producer(t, p, streaming);
    return -EOPNOTSUPP;
}

void eddy_transport_unregister_producer(eddy_transport *t)
{
    if (t->ops->unregister_producer)
        t->ops->unregister_producer(t);
}

size_t eddy_transport_buffered(const eddy_transport *t)
{
    return t->ops->buffered ? t->ops->buffered(t) : 0;
}

void eddy_transport_set_water_marks(eddy_transport *t, size_t low, size_t high)
{
    if (t->ops->set_water_marks)
        t->ops->set_water_marks(t, low, high);
}

const char *eddy_transport_log_prefix(const eddy_transport *t)
{
    const char *prefix = t->ops->log_prefix ? t->ops->log_prefix(t) : NULL;
    return prefix ? prefix : "transport";
}

/* ---- protocols and factories ---------------------------------------------------------------- */

void eddy_protocol_make_connection(eddy_protocol *p, eddy_transport *t)
{
    p->transport = t;
    if (p->ops->connection_made)
        p->ops->connection_made(p, t);
}

void eddy_factory_do_start(eddy_factory *f)
{
    if (f->num_ports++ == 0 && f->ops->start_factory)
        f->ops->start_factory(f);
}

void eddy_factory_do_stop(eddy_factory *f)
{
    if (f->num_ports <= 0) {
        eddy_log(EDDY_LOG_WARN, "eddy.net", NULL, "factory stopped more often than started");
        return;
    }
    if (--f->num_ports == 0 && f->ops->stop_factory)
        f->ops->stop_factory(f);
}
