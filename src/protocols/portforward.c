/* portforward.c - forward each accepted connection to a destination (see
 * eddy/protocols/portforward.h).
 *
 * One session per accepted connection holds both sides. It lives while either side may still call
 * it: one reference for the accepted connection, one for the client attempt. The attempt's
 * connector stops `client_factory` after everything else it does (connection_lost included), so
 * that reference is dropped there; by the errback only if the factory was never started. */
#include <stdlib.h>

#include "eddy/protocols/portforward.h"
#include "eddy/transport.h"

typedef struct session session;

typedef struct side {
    eddy_protocol proto;
    session *s;
    bool connected; /* connection_made ran */
    bool lost;      /* connection_lost ran */
    bool eof;       /* the peer of this side sent EOF */
} side;

struct session {
    eddy_portforward_factory *factory;
    side server;                 /* the accepted connection */
    side client;                 /* the connection to the destination */
    eddy_factory client_factory; /* builds `client` */
    eddy_deferred *connecting;   /* the endpoint's connect until it fires (borrowed: the endpoint
                                    holds it until then), for cancelling */
    int refs;
    bool client_started; /* client_factory was started: its stop drops the attempt's reference */
};

#define SIDE_SESSION(p) (((side *)(p))->s)

static void session_unref(session *s)
{
    if (--s->refs > 0)
        return;
    s->factory->sessions--;
    free(s);
}

static side *other(side *me)
{
    return me == &me->s->server ? &me->s->client : &me->s->server;
}

static bool alive(const side *x)
{
    return x->connected && !x->lost;
}

/* ---- both sides ------------------------------------------------------------------------------ */

static void side_data_received(eddy_protocol *p, const void *data, size_t len)
{
    side *peer = other((side *)p);
    if (alive(peer))
        eddy_transport_write(peer->proto.transport, data, len);
}

/* Our peer will send nothing more: stop it producing into the other transport and half-close
 * that one; once both directions are done, close both. */
static bool side_eof_received(eddy_protocol *p)
{
    side *me = (side *)p, *peer = other(me);
    me->eof = true;
    if (!alive(peer))
        return false;
    eddy_transport_unregister_producer(peer->proto.transport);
    if (peer->eof) {
        eddy_transport_lose_connection(peer->proto.transport);
        return false;
    }
    if (eddy_transport_lose_write_connection(peer->proto.transport) < 0) {
        eddy_transport_lose_connection(peer->proto.transport);
        return false;
    }
    return true;
}

static void side_connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    (void)reason;
    side *me = (side *)p, *peer = other(me);
    session *s = me->s;
    me->lost = true;
    if (alive(peer)) {
        /* our transport was registered as the peer's producer: it goes away now */
        eddy_transport_unregister_producer(peer->proto.transport);
        eddy_transport_lose_connection(peer->proto.transport);
    }
    if (me == &s->server && !s->client.connected && s->connecting)
        eddy_deferred_cancel(s->connecting); /* the attempt stops: it drops its reference */
    if (me == &s->server)
        session_unref(s); /* the client's reference goes when its factory stops */
}

/* ---- the accepted side ----------------------------------------------------------------------- */

static eddy_result connect_failed(eddy_result in, void *arg)
{
    session *s = arg;
    s->connecting = NULL;
    eddy_result_drop(in); /* the accepted side is simply closed */
    if (alive(&s->server))
        eddy_transport_lose_connection(s->server.proto.transport);
    if (!s->client_started)
        session_unref(s); /* otherwise client_stopped does, once the connector is done */
    return eddy_result_none();
}

static eddy_result connect_done(eddy_result in, void *arg)
{
    session *s = arg;
    s->connecting = NULL;
    eddy_result_drop(in); /* linking happened in the client's connection_made */
    return eddy_result_none();
}

static void server_connection_made(eddy_protocol *p, eddy_transport *t)
{
    session *s = SIDE_SESSION(p);
    s->server.connected = true;
    eddy_transport_pause_producing(t); /* nothing to send it to yet */
    s->refs++;                         /* the client attempt */
    eddy_deferred *d;
    int rc = eddy_endpoint_connect(s->factory->dest, &s->client_factory, &d);
    if (rc < 0) {
        s->refs--;
        eddy_transport_lose_connection(t);
        return;
    }
    s->connecting = d;
    /* the callbacks may run at once if it already failed; either way they clear s->connecting */
    eddy_deferred_add_callbacks(d, connect_done, connect_failed, s);
    eddy_deferred_unref(d);
}

/* ---- the destination side -------------------------------------------------------------------- */

static void client_connection_made(eddy_protocol *p, eddy_transport *t)
{
    session *s = SIDE_SESSION(p);
    s->client.connected = true;
    if (!alive(&s->server)) {
        eddy_transport_lose_connection(t);
        return;
    }
    eddy_transport *st = s->server.proto.transport;
    /* each side's reading is paused while the other side's output is above its high water mark */
    eddy_transport_register_producer(t, &st->as_producer, true);
    eddy_transport_register_producer(st, &t->as_producer, true);
    eddy_transport_resume_producing(st);
}

static const eddy_protocol_ops server_ops = {
    .connection_made = server_connection_made,
    .data_received = side_data_received,
    .eof_received = side_eof_received,
    .connection_lost = side_connection_lost,
};

static const eddy_protocol_ops client_ops = {
    .connection_made = client_connection_made,
    .data_received = side_data_received,
    .eof_received = side_eof_received,
    .connection_lost = side_connection_lost,
};

static eddy_protocol *build_client(eddy_factory *f, const eddy_address *peer)
{
    (void)peer;
    session *s = (session *)((char *)f - offsetof(session, client_factory));
    return &s->client.proto;
}

static void client_started(eddy_factory *f)
{
    session *s = (session *)((char *)f - offsetof(session, client_factory));
    s->client_started = true;
}

/* The connector's last use of the session. */
static void client_stopped(eddy_factory *f)
{
    session_unref((session *)((char *)f - offsetof(session, client_factory)));
}

static const eddy_factory_ops client_factory_ops = {
    .build_protocol = build_client,
    .start_factory = client_started,
    .stop_factory = client_stopped,
};

static eddy_protocol *build_server(eddy_factory *base, const eddy_address *peer)
{
    (void)peer;
    eddy_portforward_factory *f = (eddy_portforward_factory *)base;
    session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->factory = f;
    s->refs = 1;
    s->server = (side){.proto = {.ops = &server_ops, .factory = base}, .s = s};
    s->client = (side){.proto = {.ops = &client_ops, .factory = &s->client_factory}, .s = s};
    s->client_factory.ops = &client_factory_ops;
    f->sessions++;
    f->forwarded++;
    return &s->server.proto;
}

static const eddy_factory_ops portforward_ops = {.build_protocol = build_server};

void eddy_portforward_factory_init(eddy_portforward_factory *f, eddy_client_endpoint *dest)
{
    *f = (eddy_portforward_factory){.base = {.ops = &portforward_ops}, .dest = dest};
}
