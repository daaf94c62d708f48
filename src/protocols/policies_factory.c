/* policies_factory.c - the generic wrapping factory (Twisted's WrappingFactory): builds a wrapper
 * around each protocol of the factory it wraps, keeps the live ones in a list, and passes the
 * factory events through. */
#include <stdlib.h>

#include "protocols/policies_internal.h"

static eddy_wrapping_factory *of(eddy_factory *f)
{
    return eddy__container_of(f, eddy_wrapping_factory, base);
}

static void release(eddy_protocol_wrapper *w)
{
    free(w);
}

eddy_protocol *eddy_wrapping_factory_wrap(eddy_wrapping_factory *wf, eddy_factory *inner,
                                          const eddy_address *peer)
{
    size_t size = wf->wrapper_size > sizeof(eddy_protocol_wrapper) ? wf->wrapper_size
                                                                   : sizeof(eddy_protocol_wrapper);
    /* Allocate first: once `inner` has built a protocol there must be a wrapper to run it. */
    eddy_protocol_wrapper *w = calloc(1, size);
    if (!w)
        return NULL;
    eddy_protocol *wrapped = inner->ops->build_protocol(inner, peer);
    if (!wrapped) {
        free(w);
        return NULL;
    }
    if (!wrapped->factory)
        wrapped->factory = inner; /* what a transport does for the protocols it is given */
    eddy_protocol_wrapper_init(w, wrapped, wf->wrapper_protocol_ops, wf->wrapper_transport_ops);
    w->factory = wf;
    w->release = release;
    w->protocol.factory = &wf->base;
    w->next = wf->first;
    if (wf->first)
        wf->first->prev = w;
    wf->first = w;
    wf->count++;
    return &w->protocol;
}

void eddy__wrapping_factory_unlist(eddy_wrapping_factory *wf, eddy_protocol_wrapper *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else if (wf->first == w)
        wf->first = w->next;
    else
        return; /* not listed */
    if (w->next)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
    wf->count--;
}

eddy_protocol_wrapper *eddy__find_wrapper(eddy_transport *t, const eddy_transport_ops *ops)
{
    for (eddy_protocol_wrapper *w; (w = eddy_protocol_wrapper_from_transport(t));) {
        if (w->transport.ops == ops)
            return w;
        t = w->protocol.transport;
    }
    return NULL;
}

eddy_protocol *eddy_wrapping_factory_build_protocol(eddy_factory *f, const eddy_address *peer)
{
    eddy_wrapping_factory *wf = of(f);
    return eddy_wrapping_factory_wrap(wf, wf->wrapped, peer);
}

void eddy_wrapping_factory_start_factory(eddy_factory *f)
{
    eddy_factory_do_start(of(f)->wrapped);
}

void eddy_wrapping_factory_stop_factory(eddy_factory *f)
{
    eddy_factory_do_stop(of(f)->wrapped);
}

void eddy_wrapping_factory_started_connecting(eddy_factory *f, eddy_connector *c)
{
    eddy_factory *inner = of(f)->wrapped;
    if (inner->ops->started_connecting)
        inner->ops->started_connecting(inner, c);
}

void eddy_wrapping_factory_client_connection_failed(eddy_factory *f, eddy_connector *c,
                                                    const eddy_failure *why)
{
    eddy_factory *inner = of(f)->wrapped;
    if (inner->ops->client_connection_failed)
        inner->ops->client_connection_failed(inner, c, why);
}

void eddy_wrapping_factory_client_connection_lost(eddy_factory *f, eddy_connector *c,
                                                  const eddy_failure *why)
{
    eddy_factory *inner = of(f)->wrapped;
    if (inner->ops->client_connection_lost)
        inner->ops->client_connection_lost(inner, c, why);
}

const eddy_factory_ops eddy_wrapping_factory_ops = {
    .build_protocol = eddy_wrapping_factory_build_protocol,
    .start_factory = eddy_wrapping_factory_start_factory,
    .stop_factory = eddy_wrapping_factory_stop_factory,
    .started_connecting = eddy_wrapping_factory_started_connecting,
    .client_connection_failed = eddy_wrapping_factory_client_connection_failed,
    .client_connection_lost = eddy_wrapping_factory_client_connection_lost,
};

void eddy_wrapping_factory_init(eddy_wrapping_factory *wf, eddy_factory *wrapped)
{
    *wf = (eddy_wrapping_factory){
        .base = {.ops = &eddy_wrapping_factory_ops},
        .wrapped = wrapped,
        .wrapper_size = sizeof(eddy_protocol_wrapper),
    };
}
