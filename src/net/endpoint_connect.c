/* endpoint_connect.c - connecting through an endpoint: a Deferred instead of client factory
 * callbacks (Twisted's _WrappingFactory and _WrappingProtocol).
 *
 * Each connect makes one `attempt`: it wraps the user's factory (the network sees `wrap`) and,
 * once connected, stands between the transport and the user's protocol (`proxy` forwards every
 * event). The Deferred fires after the user's protocol's connection_made, or fails with the
 * connector's reason.
 *
 * Lifetime: the connector is the last to use `wrap`, and the last thing it does with it is
 * eddy_factory_do_stop, after client_connection_failed/lost. So the attempt (and the connector)
 * is freed from wrap's stop_factory. A network's connector_free may be called from inside the
 * connector's callbacks (both the real and the memory network allow it). */
#include <stdio.h>
#include <stdlib.h>

#include "net/endpoint_internal.h"

typedef struct attempt {
    eddy_factory wrap;   /* first: the factory the network calls */
    eddy_protocol proxy; /* the protocol the transport calls */
    eddy_network net;
    eddy_factory *inner;       /* the user's factory */
    eddy_protocol *protocol;   /* what inner built, while connected */
    eddy_connector *connector; /* set by the network's connect */
    eddy_deferred *d;          /* our reference, dropped when it fires */
    bool building;             /* inside the user's build_protocol */
    bool cancelled;            /* cancelled while building: abort the connection it makes */
    char what[160];            /* "connect to tcp 127.0.0.1 port 80", for messages */
} attempt;

static attempt *of_factory(eddy_factory *f)
{
    return (attempt *)f;
}

static attempt *of_proxy(eddy_protocol *p)
{
    return (attempt *)((char *)p - offsetof(attempt, proxy));
}

/* Fire the Deferred once; later results are dropped. */
static void finish(attempt *a, eddy_result r)
{
    eddy_deferred *d = a->d;
    if (!d) {
        eddy_result_drop(r);
        return;
    }
    a->d = NULL;
    eddy_deferred_fire(d, r);
    eddy_deferred_unref(d);
}

static void cancel_attempt(eddy_deferred *d, void *arg)
{
    (void)d;
    attempt *a = arg;
    /* Stopping the connector from inside build_protocol would free the attempt under wrap_build
     * (the connector still counts as connecting there). The Deferred fails with ECANCELLED
     * anyway; the connection, once made, is aborted. */
    if (a->building)
        a->cancelled = true;
    else if (a->connector)
        eddy_network_connector_stop_connecting(&a->net, a->connector); /* fails the attempt */
}

/* ---- the wrapping factory -------------------------------------------------------------------- */

static eddy_protocol *wrap_build(eddy_factory *f, const eddy_address *peer)
{
    attempt *a = of_factory(f);
    a->building = true;
    eddy_protocol *p = a->inner->ops->build_protocol(a->inner, peer);
    a->building = false;
    if (!p) {
        finish(a, eddy_result_error(EDDY_EFAILED, "%s: the factory built no protocol", a->what));
        return NULL;
    }
    if (!p->factory)
        p->factory = a->inner;
    a->protocol = p;
    return &a->proxy;
}

static void wrap_start(eddy_factory *f)
{
    eddy_factory_do_start(of_factory(f)->inner);
}

static void wrap_stop(eddy_factory *f)
{
    attempt *a = of_factory(f);
    eddy_factory_do_stop(a->inner);
    finish(a, eddy_result_error(EDDY_ECONNLOST, "%s: the connector stopped", a->what));
    eddy_network_connector_free(&a->net, a->connector);
    free(a);
}

static void wrap_failed(eddy_factory *f, eddy_connector *c, const eddy_failure *why)
{
    (void)c;
    finish(of_factory(f), eddy_result_failure(eddy_failure_ref(why)));
}

static const eddy_factory_ops wrap_ops = {
    .build_protocol = wrap_build,
    .start_factory = wrap_start,
    .stop_factory = wrap_stop,
    .client_connection_failed = wrap_failed,
};

/* ---- the forwarding protocol ----------------------------------------------------------------- */

static void proxy_made(eddy_protocol *p, eddy_transport *t)
{
    attempt *a = of_proxy(p);
    eddy_protocol *inner = a->protocol;
    eddy_protocol_make_connection(inner, t);
    if (a->cancelled)
        eddy_transport_abort_connection(t); /* the Deferred has failed: nobody wants it */
    finish(a, eddy_result_value(inner, NULL));
}

static void proxy_data(eddy_protocol *p, const void *data, size_t len)
{
    eddy_protocol *inner = of_proxy(p)->protocol;
    inner->ops->data_received(inner, data, len);
}

static bool proxy_eof(eddy_protocol *p)
{
    eddy_protocol *inner = of_proxy(p)->protocol;
    return inner->ops->eof_received && inner->ops->eof_received(inner);
}

static void proxy_write_lost(eddy_protocol *p)
{
    eddy_protocol *inner = of_proxy(p)->protocol;
    if (inner->ops->write_connection_lost)
        inner->ops->write_connection_lost(inner);
}

static void proxy_lost(eddy_protocol *p, const eddy_failure *why)
{
    attempt *a = of_proxy(p);
    eddy_protocol *inner = a->protocol;
    a->protocol = NULL;
    inner->transport = NULL;
    inner->ops->connection_lost(inner, why);
}

static const eddy_protocol_ops proxy_ops = {
    .connection_made = proxy_made,
    .data_received = proxy_data,
    .eof_received = proxy_eof,
    .connection_lost = proxy_lost,
    .write_connection_lost = proxy_write_lost,
};

int eddy__ep_connect(const eddy_network *net, eddy__connect_fn start, const void *target,
                     const char *what, eddy_factory *factory, eddy_deferred **out)
{
    attempt *a = calloc(1, sizeof *a);
    if (!a)
        return -ENOMEM;
    a->wrap.ops = &wrap_ops;
    a->proxy.ops = &proxy_ops;
    a->net = *net;
    a->inner = factory;
    snprintf(a->what, sizeof a->what, "%s", what);
    int rc = eddy_deferred_new(cancel_attempt, a, &a->d);
    if (rc < 0) {
        free(a);
        return rc;
    }
    eddy_deferred *d = eddy_deferred_ref(a->d);
    rc = start(target, net, &a->wrap, &a->connector);
    if (rc < 0) {
        /* Nothing started (a network's connect fails before starting the factory). */
        finish(a, eddy_result_error(rc, "%s: %s", what, eddy_strerror(rc)));
        free(a);
    }
    *out = d;
    return 0;
}
