/* endpoint_tcp.c - TCP endpoints (Twisted's TCP4/TCP6 server and client endpoints) and their
 * string parsers: tcp:PORT, tcp6:PORT, tcp:HOST:PORT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/endpoint_internal.h"

#define DEFAULT_BACKLOG 50
#define DEFAULT_TIMEOUT 30.0

/* ---- server ---------------------------------------------------------------------------------- */

typedef struct tcp_server {
    eddy_server_endpoint base;
    int port;
    eddy_tcp_listen_options options; /* interface points to `interface` */
    char *interface;                 /* owned copy, or NULL */
} tcp_server;

static int start_listen(const void *target, const eddy_network *net, eddy_factory *factory,
                        eddy_listening_port **port)
{
    const tcp_server *ep = target;
    return eddy_network_listen_tcp(net, ep->port, factory, &ep->options, port);
}

static int server_listen(eddy_server_endpoint *base, eddy_factory *factory, eddy_deferred **out)
{
    tcp_server *ep = (tcp_server *)base;
    char what[96];
    snprintf(what, sizeof what, "listen on tcp port %d%s%s", ep->port,
             ep->interface ? " interface " : "", ep->interface ? ep->interface : "");
    return eddy__ep_listen(&base->network, start_listen, ep, what, factory, out);
}

static void server_free(eddy_server_endpoint *base)
{
    tcp_server *ep = (tcp_server *)base;
    free(ep->interface);
    free(ep);
}

static const eddy_server_endpoint_ops tcp_server_ops = {.listen = server_listen,
                                                        .free = server_free};

int eddy_tcp_server_endpoint_new(const eddy_network *net, int port,
                                 const eddy_tcp_listen_options *options, eddy_server_endpoint **out)
{
    if (port < 0 || port > 65535)
        return -EINVAL;
    tcp_server *ep = calloc(1, sizeof *ep);
    if (!ep)
        return -ENOMEM;
    if (options) {
        ep->options = *options;
        if (options->interface && !(ep->interface = strdup(options->interface))) {
            free(ep);
            return -ENOMEM;
        }
    }
    ep->options.interface = ep->interface;
    ep->base.ops = &tcp_server_ops;
    ep->base.network = *net;
    ep->port = port;
    *out = &ep->base;
    return 0;
}

static int parse_server(const eddy_network *net, const eddy_endpoint_args *args, int family,
                        eddy_server_endpoint **out, eddy_failure **error)
{
    static const char *const names[] = {"port", "interface", "backlog"};
    const char *v[3];
    const char *type = family == AF_INET6 ? "tcp6" : "tcp";
    int rc = eddy_endpoint_args_bind(args, names, 3, v, error);
    if (rc < 0)
        return rc;
    if (!v[0])
        return eddy__ep_fail(error, "%s: port is required (%s:PORT or %s:port=PORT)", type, type,
                             type);
    int port;
    long backlog = DEFAULT_BACKLOG;
    eddy_tcp_listen_options o = {.interface = family == AF_INET6 ? "::" : NULL};
    if ((rc = eddy__ep_port(type, "port", v[0], 0, &port, error)) < 0)
        return rc;
    if (v[1] && *v[1]) {
        if ((rc = eddy__ep_ip(type, "interface", v[1], family, error)) < 0)
            return rc;
        o.interface = v[1];
    }
    if (v[2] && (rc = eddy__ep_uint(type, "backlog", v[2], 65535, &backlog, error)) < 0)
        return rc;
    o.backlog = (int)backlog;
    return eddy_tcp_server_endpoint_new(net, port, &o, out);
}

int eddy__ep_parse_tcp_server(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                              eddy_server_endpoint **out, eddy_failure **error)
{
    (void)arg;
    return parse_server(net, args, AF_UNSPEC, out, error);
}

int eddy__ep_parse_tcp6_server(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                               eddy_server_endpoint **out, eddy_failure **error)
{
    (void)arg;
    return parse_server(net, args, AF_INET6, out, error);
}

/* ---- client ---------------------------------------------------------------------------------- */

typedef struct tcp_client {
    eddy_client_endpoint base;
    char *host; /* owned */
    int port;
    eddy_tcp_connect_options options; /* bind_address points to `bind` */
    eddy_address bind;
} tcp_client;

static int start_connect(const void *target, const eddy_network *net, eddy_factory *factory,
                         eddy_connector **connector)
{
    const tcp_client *ep = target;
    return eddy_network_connect_tcp(net, ep->host, ep->port, factory, &ep->options, connector);
}

static int client_connect(eddy_client_endpoint *base, eddy_factory *factory, eddy_deferred **out)
{
    tcp_client *ep = (tcp_client *)base;
    char what[128];
    snprintf(what, sizeof what, "connect to tcp %s port %d", ep->host, ep->port);
    return eddy__ep_connect(&base->network, start_connect, ep, what, factory, out);
}

static void client_free(eddy_client_endpoint *base)
{
    tcp_client *ep = (tcp_client *)base;
    free(ep->host);
    free(ep);
}

static const eddy_client_endpoint_ops tcp_client_ops = {.connect = client_connect,
                                                        .free = client_free};

int eddy_tcp_client_endpoint_new(const eddy_network *net, const char *host, int port,
                                 const eddy_tcp_connect_options *options,
                                 eddy_client_endpoint **out)
{
    if (!host || !*host || port < 1 || port > 65535)
        return -EINVAL;
    tcp_client *ep = calloc(1, sizeof *ep);
    if (!ep || !(ep->host = strdup(host))) {
        free(ep);
        return -ENOMEM;
    }
    if (options) {
        ep->options = *options;
        if (options->bind_address) {
            ep->bind = *options->bind_address;
            ep->options.bind_address = &ep->bind;
        }
    }
    ep->base.ops = &tcp_client_ops;
    ep->base.network = *net;
    ep->port = port;
    *out = &ep->base;
    return 0;
}

int eddy__ep_parse_tcp_client(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                              eddy_client_endpoint **out, eddy_failure **error)
{
    (void)arg;
    static const char *const names[] = {"host", "port", "timeout", "bindAddress"};
    const char *v[4];
    int rc = eddy_endpoint_args_bind(args, names, 4, v, error);
    if (rc < 0)
        return rc;
    if (!v[0] || !*v[0])
        return eddy__ep_fail(error,
                             "tcp: host is required (tcp:HOST:PORT or tcp:host=HOST:port=PORT)");
    if (!v[1])
        return eddy__ep_fail(error,
                             "tcp: port is required (tcp:HOST:PORT or tcp:host=HOST:port=PORT)");
    int port;
    eddy_tcp_connect_options o = {.timeout = DEFAULT_TIMEOUT};
    eddy_address bind;
    if ((rc = eddy__ep_port("tcp", "port", v[1], 1, &port, error)) < 0)
        return rc;
    if (v[2] && (rc = eddy__ep_seconds("tcp", "timeout", v[2], &o.timeout, error)) < 0)
        return rc;
    if (v[3]) {
        if ((rc = eddy__ep_ip("tcp", "bindAddress", v[3], AF_UNSPEC, error)) < 0)
            return rc;
        if ((rc = eddy_address_from_ip(v[3], 0, EDDY_ADDRESS_TCP, &bind)) < 0)
            return eddy__ep_fail(error, "tcp: bindAddress: '%s': %s", v[3], eddy_strerror(rc));
        o.bind_address = &bind;
    }
    return eddy_tcp_client_endpoint_new(net, v[0], port, &o, out);
}
