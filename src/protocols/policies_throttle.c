/* policies_throttle.c - bandwidth throttling (Twisted's ThrottlingFactory / ThrottlingProtocol),
 * per factory and per connection.
 *
 * Several parties may want a connection's reading paused: the wrapped protocol itself, its own
 * read meter and the factory's. Each holds a bit in read_hold and the real transport is paused
 * while any bit is set, so one party's resume never undoes another's pause. Writing works the
 * same way on the producer the wrapped protocol registered: the wrapper registers a proxy in its
 * place with the real transport, so the transport's own backpressure is one more bit. A pull
 * producer cannot be paused; its requests for more are held back instead while throttled. */
#include <math.h>
#include <sys/uio.h>

#include "protocols/policies_internal.h"

enum {
    HOLD_OWN = 1,     /* reading: the wrapped protocol paused; writing: the transport is full */
    HOLD_CONN = 2,    /* this connection's meter */
    HOLD_FACTORY = 4, /* the factory's meter */
};

typedef struct throttle_wrapper {
    eddy_protocol_wrapper w; /* first: allocated by the wrapping factory */
    eddy_throttling_factory *tf;
    eddy_producer proxy;     /* registered with the real transport for `producer` */
    eddy_producer *producer; /* the wrapped protocol's, or NULL */
    eddy_rate_meter read, write;
    unsigned char read_hold, write_hold; /* HOLD_* bits */
    bool streaming;                      /* producer is a push producer */
    bool producer_paused;                /* we paused it */
    bool pull_wanted; /* the transport asked a pull producer for more while throttled */
} throttle_wrapper;

static throttle_wrapper *of_wrapper(eddy_protocol_wrapper *w)
{
    return eddy__container_of(w, throttle_wrapper, w);
}

static throttle_wrapper *of_transport(eddy_transport *t)
{
    return of_wrapper(eddy__container_of(t, eddy_protocol_wrapper, transport));
}

static throttle_wrapper *of_protocol(eddy_protocol *p)
{
    return of_wrapper(eddy_protocol_wrapper_of(p));
}

/* ---- meters ---------------------------------------------------------------------------------- */

/* Count `n` bytes. Returns how long to hold the connection(s) if this crosses the limit, else 0. */
static double meter_count(eddy_rate_meter *m, double limit, double now, size_t n)
{
    if (!(limit > 0))
        return 0;
    if (!m->throttled && now - m->window_start >= 1.0) {
        m->window_start = now;
        m->bytes = 0;
    }
    m->bytes += (double)n;
    if (m->throttled || m->bytes <= limit)
        return 0;
    m->throttled = true;
    return m->window_start + m->bytes / limit - now;
}

/* The hold is over: open a new window holding the bytes the time held has not paid for (those
 * that came while held). Returns a new hold time if they alone exceed the limit, else 0. */
static double meter_release(eddy_rate_meter *m, double limit, double now)
{
    double unpaid = limit > 0 ? m->bytes - limit * (now - m->window_start) : 0;
    m->resume = (eddy_delayed_call){0};
    m->window_start = now;
    m->bytes = unpaid > 0 ? unpaid : 0;
    m->throttled = limit > 0 && m->bytes > limit;
    return m->throttled ? m->bytes / limit : 0;
}

/* Schedule the end of a hold. Without a timer there is no way back, so then do not hold at all. */
static bool meter_hold(eddy_reactor *r, eddy_rate_meter *m, double delay, eddy_callback fn,
                       void *arg)
{
    m->resume = eddy_call_later(r, delay, fn, arg);
    if (m->resume.id)
        return true;
    m->throttled = false;
    return false;
}

static void meter_reset(eddy_reactor *r, eddy_rate_meter *m)
{
    eddy_delayed_call_cancel(r, m->resume);
    *m = (eddy_rate_meter){0};
}

/* ---- holds ----------------------------------------------------------------------------------- */

static void set_read_hold(throttle_wrapper *tw, unsigned bit, bool on)
{
    bool was = tw->read_hold != 0;
    tw->read_hold = (unsigned char)(on ? tw->read_hold | bit : tw->read_hold & ~bit);
    bool is = tw->read_hold != 0;
    eddy_transport *rt = tw->w.wrapped ? tw->w.protocol.transport : NULL;
    if (!rt || was == is)
        return;
    if (is)
        eddy_transport_pause_producing(rt);
    else
        eddy_transport_resume_producing(rt);
}

static void set_write_hold(throttle_wrapper *tw, unsigned bit, bool on)
{
    tw->write_hold = (unsigned char)(on ? tw->write_hold | bit : tw->write_hold & ~bit);
    eddy_producer *p = tw->producer;
    if (!p)
        return;
    if (tw->streaming) {
        bool hold = tw->write_hold != 0;
        if (hold && !tw->producer_paused) {
            tw->producer_paused = true;
            if (p->ops->pause_producing)
                p->ops->pause_producing(p);
        } else if (!hold && tw->producer_paused) {
            tw->producer_paused = false;
            if (p->ops->resume_producing)
                p->ops->resume_producing(p);
        }
    } else if (!(tw->write_hold & (HOLD_CONN | HOLD_FACTORY)) && tw->pull_wanted) {
        tw->pull_wanted = false;
        if (p->ops->resume_producing)
            p->ops->resume_producing(p);
    }
}

/* Make every live connection's factory hold match the factory meter. A producer resumed here may
 * write enough to throttle the factory again before the loop is done: then go round again. */
static void factory_hold(eddy_throttling_factory *tf, bool reading)
{
    const eddy_rate_meter *m = reading ? &tf->read_meter : &tf->write_meter;
    bool on;
    do {
        on = m->throttled;
        for (eddy_protocol_wrapper *w = tf->wrapping.first, *next; w; w = next) {
            next = w->next;
            if (reading)
                set_read_hold(of_wrapper(w), HOLD_FACTORY, on);
            else
                set_write_hold(of_wrapper(w), HOLD_FACTORY, on);
        }
    } while (on != m->throttled);
}

/* ---- releasing holds (timers) ---------------------------------------------------------------- */

static void conn_read_release(void *arg)
{
    throttle_wrapper *tw = arg;
    eddy_reactor *r = tw->tf->reactor;
    double hold =
        meter_release(&tw->read, tw->tf->options.connection_read_limit, eddy_reactor_seconds(r));
    if (!(hold > 0 && meter_hold(r, &tw->read, hold, conn_read_release, tw)))
        set_read_hold(tw, HOLD_CONN, false);
}

static void conn_write_release(void *arg)
{
    throttle_wrapper *tw = arg;
    eddy_reactor *r = tw->tf->reactor;
    double hold =
        meter_release(&tw->write, tw->tf->options.connection_write_limit, eddy_reactor_seconds(r));
    if (!(hold > 0 && meter_hold(r, &tw->write, hold, conn_write_release, tw)))
        set_write_hold(tw, HOLD_CONN, false);
}

static void factory_read_release(void *arg)
{
    eddy_throttling_factory *tf = arg;
    double hold =
        meter_release(&tf->read_meter, tf->options.read_limit, eddy_reactor_seconds(tf->reactor));
    if (!(hold > 0 && meter_hold(tf->reactor, &tf->read_meter, hold, factory_read_release, tf)))
        factory_hold(tf, true);
}

static void factory_write_release(void *arg)
{
    eddy_throttling_factory *tf = arg;
    double hold =
        meter_release(&tf->write_meter, tf->options.write_limit, eddy_reactor_seconds(tf->reactor));
    if (!(hold > 0 && meter_hold(tf->reactor, &tf->write_meter, hold, factory_write_release, tf)))
        factory_hold(tf, false);
}

/* ---- counting -------------------------------------------------------------------------------- */

static void count_read(throttle_wrapper *tw, size_t n)
{
    eddy_throttling_factory *tf = tw->tf;
    double now = eddy_reactor_seconds(tf->reactor);
    double hold = meter_count(&tw->read, tf->options.connection_read_limit, now, n);
    if (hold > 0 && meter_hold(tf->reactor, &tw->read, hold, conn_read_release, tw))
        set_read_hold(tw, HOLD_CONN, true);
    hold = meter_count(&tf->read_meter, tf->options.read_limit, now, n);
    if (hold > 0 && meter_hold(tf->reactor, &tf->read_meter, hold, factory_read_release, tf))
        factory_hold(tf, true);
}

/* Called after a write the transport took: a refused write sent nothing, while a producer that
 * finishes its output after lose_connection does send, and must keep to the limits too. */
static void count_written(throttle_wrapper *tw, int rc, size_t n)
{
    eddy_throttling_factory *tf = tw->tf;
    if (rc < 0 || n == 0)
        return;
    double now = eddy_reactor_seconds(tf->reactor);
    double hold = meter_count(&tw->write, tf->options.connection_write_limit, now, n);
    if (hold > 0 && meter_hold(tf->reactor, &tw->write, hold, conn_write_release, tw))
        set_write_hold(tw, HOLD_CONN, true);
    hold = meter_count(&tf->write_meter, tf->options.write_limit, now, n);
    if (hold > 0 && meter_hold(tf->reactor, &tf->write_meter, hold, factory_write_release, tf))
        factory_hold(tf, false);
}

/* ---- the proxy producer the real transport sees -------------------------------------------- */

static void proxy_pause(eddy_producer *p)
{
    set_write_hold(eddy__container_of(p, throttle_wrapper, proxy), HOLD_OWN, true);
}

static void proxy_resume(eddy_producer *p)
{
    throttle_wrapper *tw = eddy__container_of(p, throttle_wrapper, proxy);
    if (tw->streaming || !tw->producer) {
        set_write_hold(tw, HOLD_OWN, false);
    } else if (tw->write_hold & (HOLD_CONN | HOLD_FACTORY)) {
        tw->pull_wanted = true;
    } else if (tw->producer->ops->resume_producing) {
        tw->producer->ops->resume_producing(tw->producer);
    }
}

static void proxy_stop(eddy_producer *p)
{
    throttle_wrapper *tw = eddy__container_of(p, throttle_wrapper, proxy);
    eddy_producer *inner = tw->producer;
    if (inner && inner->ops->stop_producing)
        inner->ops->stop_producing(inner);
}

static const eddy_producer_ops proxy_ops = {
    .pause_producing = proxy_pause,
    .resume_producing = proxy_resume,
    .stop_producing = proxy_stop,
};

/* ---- transport side -------------------------------------------------------------------------- */

static int th_write(eddy_transport *t, const void *data, size_t len)
{
    int rc = eddy_protocol_wrapper_write(t, data, len);
    count_written(of_transport(t), rc, len);
    return rc;
}

static int th_write_sequence(eddy_transport *t, const struct iovec *iov, int iovcnt)
{
    size_t n = 0;
    for (int i = 0; i < iovcnt; i++)
        n += iov[i].iov_len;
    int rc = eddy_protocol_wrapper_write_sequence(t, iov, iovcnt);
    count_written(of_transport(t), rc, n);
    return rc;
}

static int th_write_owned(eddy_transport *t, void *data, size_t len, eddy_free_fn free_fn)
{
    int rc = eddy_protocol_wrapper_write_owned(t, data, len, free_fn);
    count_written(of_transport(t), rc, len);
    return rc;
}

static void th_pause_producing(eddy_transport *t)
{
    set_read_hold(of_transport(t), HOLD_OWN, true);
}

static void th_resume_producing(eddy_transport *t)
{
    set_read_hold(of_transport(t), HOLD_OWN, false);
}

static int th_register_producer(eddy_transport *t, eddy_producer *p, bool streaming)
{
    throttle_wrapper *tw = of_transport(t);
    if (tw->producer)
        return -EBUSY;
    tw->producer = p;
    tw->streaming = streaming;
    tw->producer_paused = tw->pull_wanted = false;
    tw->write_hold &= (unsigned char)~HOLD_OWN;
    int rc = eddy_protocol_wrapper_register_producer(t, &tw->proxy, streaming);
    if (rc < 0) {
        tw->producer = NULL; /* the proxy has passed stop_producing on */
        return rc;
    }
    set_write_hold(tw, 0, false); /* apply holds already in force */
    return 0;
}

static void th_unregister_producer(eddy_transport *t)
{
    throttle_wrapper *tw = of_transport(t);
    eddy_protocol_wrapper_unregister_producer(t);
    tw->producer = NULL;
    tw->producer_paused = tw->pull_wanted = false;
}

static const eddy_transport_ops transport_ops = {
    .write = th_write,
    .write_sequence = th_write_sequence,
    .write_owned = th_write_owned,
    .lose_connection = eddy_protocol_wrapper_lose_connection,
    .abort_connection = eddy_protocol_wrapper_abort_connection,
    .lose_write_connection = eddy_protocol_wrapper_lose_write_connection,
    .get_peer = eddy_protocol_wrapper_get_peer,
    .get_host = eddy_protocol_wrapper_get_host,
    .fileno = eddy_protocol_wrapper_fileno,
    .pause_producing = th_pause_producing,
    .resume_producing = th_resume_producing,
    .stop_producing = eddy_protocol_wrapper_stop_producing,
    .register_producer = th_register_producer,
    .unregister_producer = th_unregister_producer,
    .buffered = eddy_protocol_wrapper_buffered,
    .set_water_marks = eddy_protocol_wrapper_set_water_marks,
    .log_prefix = eddy_protocol_wrapper_log_prefix,
    .disconnecting = eddy_protocol_wrapper_disconnecting,
};

/* ---- protocol side --------------------------------------------------------------------------- */

static void th_connection_made(eddy_protocol *p, eddy_transport *t)
{
    if (of_protocol(p)->read_hold)
        eddy_transport_pause_producing(t); /* the factory is holding reads right now */
    eddy_protocol_wrapper_connection_made(p, t);
}

static void th_data_received(eddy_protocol *p, const void *data, size_t len)
{
    count_read(of_protocol(p), len);
    eddy_protocol_wrapper_data_received(p, data, len);
}

static void th_connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    throttle_wrapper *tw = of_protocol(p);
    eddy_throttling_factory *tf = tw->tf;
    meter_reset(tf->reactor, &tw->read);
    meter_reset(tf->reactor, &tw->write);
    eddy_protocol_wrapper_connection_lost(p, reason); /* frees tw */
    if (tf->wrapping.count == 0) {
        /* Nobody left to hold: start afresh with the next connection, as Twisted does. */
        meter_reset(tf->reactor, &tf->read_meter);
        meter_reset(tf->reactor, &tf->write_meter);
    }
}

static const eddy_protocol_ops protocol_ops = {
    .connection_made = th_connection_made,
    .data_received = th_data_received,
    .eof_received = eddy_protocol_wrapper_eof_received,
    .connection_lost = th_connection_lost,
    .write_connection_lost = eddy_protocol_wrapper_write_connection_lost,
};

/* ---- factory --------------------------------------------------------------------------------- */

static eddy_protocol *build_protocol(eddy_factory *f, const eddy_address *peer)
{
    eddy_throttling_factory *tf = eddy__container_of(f, eddy_throttling_factory, wrapping.base);
    size_t max = tf->options.max_connections;
    if (max && tf->wrapping.count >= max) {
        tf->refused++;
        return NULL;
    }
    eddy_protocol *p = eddy_wrapping_factory_wrap(&tf->wrapping, tf->wrapping.wrapped, peer);
    if (p) {
        throttle_wrapper *tw = of_protocol(p);
        tw->tf = tf;
        tw->proxy.ops = &proxy_ops;
        if (tf->read_meter.throttled)
            tw->read_hold = HOLD_FACTORY;
        if (tf->write_meter.throttled)
            tw->write_hold = HOLD_FACTORY;
    }
    return p;
}

static const eddy_factory_ops factory_ops = {
    .build_protocol = build_protocol,
    .start_factory = eddy_wrapping_factory_start_factory,
    .stop_factory = eddy_wrapping_factory_stop_factory,
    .started_connecting = eddy_wrapping_factory_started_connecting,
    .client_connection_failed = eddy_wrapping_factory_client_connection_failed,
    .client_connection_lost = eddy_wrapping_factory_client_connection_lost,
};

static bool bad_limit(double v)
{
    return !(v >= 0) || isinf(v);
}

int eddy_throttling_factory_init(eddy_throttling_factory *tf, eddy_reactor *r,
                                 eddy_factory *wrapped, const eddy_throttle_options *options)
{
    eddy_throttle_options o = options ? *options : (eddy_throttle_options){0};
    if (bad_limit(o.read_limit) || bad_limit(o.write_limit) || bad_limit(o.connection_read_limit) ||
        bad_limit(o.connection_write_limit))
        return -EINVAL;
    *tf = (eddy_throttling_factory){.reactor = r, .options = o};
    eddy_wrapping_factory_init(&tf->wrapping, wrapped);
    tf->wrapping.base.ops = &factory_ops;
    tf->wrapping.wrapper_size = sizeof(throttle_wrapper);
    tf->wrapping.wrapper_protocol_ops = &protocol_ops;
    tf->wrapping.wrapper_transport_ops = &transport_ops;
    return 0;
}
