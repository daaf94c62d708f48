/* policies_timeout.c - idle timeouts (Twisted's TimeoutFactory / TimeoutProtocol).
 *
 * Traffic only records the reactor's cached time in the wrapper: no timer work per read or write
 * (nginx's lazy re-arm). The one timer per connection fires at last_activity + period as it stood
 * when the timer was armed; if there was traffic since, it re-arms itself for the time that is
 * left, else the connection has been idle for the whole period. */
#include <math.h>

#include "protocols/policies_internal.h"

typedef struct timeout_wrapper {
    eddy_protocol_wrapper w; /* first: the wrapping factory allocates us as a wrapper */
    eddy_timeout_factory *tf;
    double period;          /* idle seconds allowed; 0: no timeout */
    double last_activity;   /* reactor time of the last byte in or out */
    eddy_delayed_call call; /* fires at or after last_activity + period */
} timeout_wrapper;

/* Slack for comparing reactor times: they are nanoseconds turned into doubles. */
#define TIME_EPSILON 1e-9

static timeout_wrapper *of_transport(eddy_transport *t)
{
    return eddy__container_of(eddy__container_of(t, eddy_protocol_wrapper, transport),
                              timeout_wrapper, w);
}

static timeout_wrapper *of_protocol(eddy_protocol *p)
{
    return eddy__container_of(eddy_protocol_wrapper_of(p), timeout_wrapper, w);
}

static void touch(timeout_wrapper *tw)
{
    tw->last_activity = eddy_reactor_seconds(tw->tf->reactor);
}

static void fire(void *arg);

static int arm(timeout_wrapper *tw, double delay)
{
    tw->call = eddy_call_later(tw->tf->reactor, delay, fire, tw);
    return tw->call.id ? 0 : -ENOMEM;
}

static void fire(void *arg)
{
    timeout_wrapper *tw = arg;
    eddy_reactor *r = tw->tf->reactor;
    tw->call = (eddy_delayed_call){0};
    double left = tw->last_activity + tw->period - eddy_reactor_seconds(r);
    if (left > TIME_EPSILON && arm(tw, left) == 0)
        return;
    if (tw->tf->timed_out)
        tw->tf->timed_out(tw->tf, &tw->w);
    else
        eddy_transport_lose_connection(&tw->w.transport);
}

static void cancel(timeout_wrapper *tw)
{
    eddy_delayed_call_cancel(tw->tf->reactor, tw->call);
    tw->call = (eddy_delayed_call){0};
}

/* ---- transport side: writes are activity --------------------------------------------------- */

static int tw_write(eddy_transport *t, const void *data, size_t len)
{
    if (len)
        touch(of_transport(t));
    return eddy_protocol_wrapper_write(t, data, len);
}

static int tw_write_sequence(eddy_transport *t, const struct iovec *iov, int iovcnt)
{
    if (iovcnt > 0)
        touch(of_transport(t));
    return eddy_protocol_wrapper_write_sequence(t, iov, iovcnt);
}

static int tw_write_owned(eddy_transport *t, void *data, size_t len, eddy_free_fn free_fn)
{
    if (len)
        touch(of_transport(t));
    return eddy_protocol_wrapper_write_owned(t, data, len, free_fn);
}

static const eddy_transport_ops transport_ops = {
    .write = tw_write,
    .write_sequence = tw_write_sequence,
    .write_owned = tw_write_owned,
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

/* ---- protocol side: reads are activity ----------------------------------------------------- */

static void tw_connection_made(eddy_protocol *p, eddy_transport *t)
{
    timeout_wrapper *tw = of_protocol(p);
    touch(tw);
    /* Armed before the wrapped protocol runs, which may change its timeout at once. */
    bool unarmed = tw->period > 0 && arm(tw, tw->period) < 0;
    eddy_protocol_wrapper_connection_made(p, t);
    if (unarmed)
        eddy_transport_abort_connection(&tw->w.transport); /* cannot keep the promise */
}

static void tw_data_received(eddy_protocol *p, const void *data, size_t len)
{
    touch(of_protocol(p));
    eddy_protocol_wrapper_data_received(p, data, len);
}

static void tw_connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    cancel(of_protocol(p));
    eddy_protocol_wrapper_connection_lost(p, reason);
}

static const eddy_protocol_ops protocol_ops = {
    .connection_made = tw_connection_made,
    .data_received = tw_data_received,
    .eof_received = eddy_protocol_wrapper_eof_received,
    .connection_lost = tw_connection_lost,
    .write_connection_lost = eddy_protocol_wrapper_write_connection_lost,
};

/* ---- factory --------------------------------------------------------------------------------- */

static eddy_protocol *build_protocol(eddy_factory *f, const eddy_address *peer)
{
    eddy_timeout_factory *tf = eddy__container_of(f, eddy_timeout_factory, wrapping.base);
    eddy_protocol *p = eddy_wrapping_factory_wrap(&tf->wrapping, tf->wrapping.wrapped, peer);
    if (p) {
        timeout_wrapper *tw = of_protocol(p);
        tw->tf = tf;
        tw->period = tf->timeout;
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

int eddy_timeout_factory_init(eddy_timeout_factory *tf, eddy_reactor *r, eddy_factory *wrapped,
                              double timeout)
{
    if (!(timeout > 0) || !isfinite(timeout))
        return -EINVAL;
    *tf = (eddy_timeout_factory){.reactor = r, .timeout = timeout};
    eddy_wrapping_factory_init(&tf->wrapping, wrapped);
    tf->wrapping.base.ops = &factory_ops;
    tf->wrapping.wrapper_size = sizeof(timeout_wrapper);
    tf->wrapping.wrapper_protocol_ops = &protocol_ops;
    tf->wrapping.wrapper_transport_ops = &transport_ops;
    return 0;
}

int eddy_timeout_set(eddy_transport *t, double seconds)
{
    eddy_protocol_wrapper *w = eddy__find_wrapper(t, &transport_ops);
    if (!w || isnan(seconds))
        return -EINVAL;
    timeout_wrapper *tw = eddy__container_of(w, timeout_wrapper, w);
    cancel(tw);
    tw->period = seconds > 0 ? seconds : 0;
    touch(tw);
    return tw->period > 0 ? arm(tw, tw->period) : 0;
}
