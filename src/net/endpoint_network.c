/* endpoint_network.c - eddy_network: the calls through the table, the reactor's real network
 * (sockets), and listening-port handles over real ports. */
#include <stdlib.h>

#include "eddy/deferred.h"
#include "eddy/network.h"

/* ---- listening-port handles ------------------------------------------------------------------ */

eddy_deferred *eddy_listening_port_stop_listening(eddy_listening_port *p)
{
    return p->ops->stop_listening(p);
}

int eddy_listening_port_get_host(const eddy_listening_port *p, eddy_address *out)
{
    return p->ops->get_host(p, out);
}

void eddy_listening_port_free(void *p)
{
    eddy_listening_port *lp = p;
    if (lp)
        lp->ops->free(lp);
}

typedef struct real_port {
    eddy_listening_port base;
    eddy_port *port; /* owned */
} real_port;

static eddy_deferred *real_stop_listening(eddy_listening_port *p)
{
    return eddy_port_stop_listening(((real_port *)p)->port);
}

static int real_get_host(const eddy_listening_port *p, eddy_address *out)
{
    return eddy_port_get_host(((const real_port *)p)->port, out);
}

static void real_free(eddy_listening_port *p)
{
    eddy_port_free(((real_port *)p)->port);
    free(p);
}

static const eddy_listening_port_ops real_port_ops = {
    .stop_listening = real_stop_listening,
    .get_host = real_get_host,
    .free = real_free,
};

eddy_port *eddy_listening_port_port(eddy_listening_port *p)
{
    return p->ops == &real_port_ops ? ((real_port *)p)->port : NULL;
}

/* Wrap a new real port; frees it if out of memory. */
static int wrap_port(int rc, eddy_port *port, eddy_listening_port **out)
{
    if (rc < 0)
        return rc;
    real_port *rp = malloc(sizeof *rp);
    if (!rp) {
        eddy_port_free(port);
        return -ENOMEM;
    }
    rp->base.ops = &real_port_ops;
    rp->port = port;
    *out = &rp->base;
    return 0;
}

/* ---- the real network ------------------------------------------------------------------------ */

static eddy_reactor *real_reactor(void *self)
{
    return self;
}

static int real_listen_tcp(void *self, int port, eddy_factory *factory,
                           const eddy_tcp_listen_options *options, eddy_listening_port **out)
{
    eddy_port *p = NULL;
    int rc = eddy_listen_tcp(self, port, factory, options, &p);
    return wrap_port(rc, p, out);
}

static int real_listen_unix(void *self, const char *path, eddy_factory *factory,
                            const eddy_unix_listen_options *options, eddy_listening_port **out)
{
    eddy_port *p = NULL;
    int rc = eddy_listen_unix(self, path, factory, options, &p);
    return wrap_port(rc, p, out);
}

static int real_connect_tcp(void *self, const char *host, int port, eddy_factory *factory,
                            const eddy_tcp_connect_options *options, eddy_connector **out)
{
    return eddy_connect_tcp(self, host, port, factory, options, out);
}

static int real_connect_unix(void *self, const char *path, eddy_factory *factory,
                             const eddy_unix_connect_options *options, eddy_connector **out)
{
    return eddy_connect_unix(self, path, factory, options, out);
}

static int real_connector_connect(void *self, eddy_connector *c)
{
    (void)self;
    return eddy_connector_connect(c);
}

static void real_connector_stop_connecting(void *self, eddy_connector *c)
{
    (void)self;
    eddy_connector_stop_connecting(c);
}

static void real_connector_disconnect(void *self, eddy_connector *c)
{
    (void)self;
    eddy_connector_disconnect(c);
}

static void real_connector_free(void *self, eddy_connector *c)
{
    (void)self;
    eddy_connector_free(c);
}

static const eddy_network_ops real_network_ops = {
    .reactor = real_reactor,
    .listen_tcp = real_listen_tcp,
    .listen_unix = real_listen_unix,
    .connect_tcp = real_connect_tcp,
    .connect_unix = real_connect_unix,
    .connector_connect = real_connector_connect,
    .connector_stop_connecting = real_connector_stop_connecting,
    .connector_disconnect = real_connector_disconnect,
    .connector_free = real_connector_free,
};

eddy_network eddy_reactor_network(eddy_reactor *r)
{
    return (eddy_network){.ops = &real_network_ops, .self = r};
}

/* ---- calls through the table ----------------------------------------------------------------- */

eddy_reactor *eddy_network_reactor(const eddy_network *n)
{
    return n->ops->reactor(n->self);
}

int eddy_network_listen_tcp(const eddy_network *n, int port, eddy_factory *factory,
                            const eddy_tcp_listen_options *options, eddy_listening_port **out)
{
    return n->ops->listen_tcp(n->self, port, factory, options, out);
}

int eddy_network_listen_unix(const eddy_network *n, const char *path, eddy_factory *factory,
                             const eddy_unix_listen_options *options, eddy_listening_port **out)
{
    return n->ops->listen_unix(n->self, path, factory, options, out);
}

int eddy_network_connect_tcp(const eddy_network *n, const char *host, int port,
                             eddy_factory *factory, const eddy_tcp_connect_options *options,
                             eddy_connector **out)
{
    return n->ops->connect_tcp(n->self, host, port, factory, options, out);
}

int eddy_network_connect_unix(const eddy_network *n, const char *path, eddy_factory *factory,
                              const eddy_unix_connect_options *options, eddy_connector **out)
{
    return n->ops->connect_unix(n->self, path, factory, options, out);
}

int eddy_network_connector_connect(const eddy_network *n, eddy_connector *c)
{
    return n->ops->connector_connect(n->self, c);
}

void eddy_network_connector_stop_connecting(const eddy_network *n, eddy_connector *c)
{
    n->ops->connector_stop_connecting(n->self, c);
}

void eddy_network_connector_disconnect(const eddy_network *n, eddy_connector *c)
{
    n->ops->connector_disconnect(n->self, c);
}

void eddy_network_connector_free(const eddy_network *n, eddy_connector *c)
{
    if (c)
        n->ops->connector_free(n->self, c);
}
