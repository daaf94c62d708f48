/* echoclient.c - Twisted's classic echo client: connect, send one line, print what comes back,
 * and stop once the connection is over.
 *
 *   echoclient [HOST [PORT [MESSAGE]]]     defaults: 127.0.0.1 8000 "hello, world"
 *
 * Run echoserv first (echoserv 8000). It shows a client factory: started_connecting, then either
 * the protocol's connection_made or client_connection_failed, and client_connection_lost after
 * a connection ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eddy.h"

typedef struct echo_client {
    eddy_protocol base; /* first */
    const char *message;
    size_t expected, received; /* bytes to wait for, bytes echoed so far */
} echo_client;

typedef struct client_factory {
    eddy_factory base; /* first */
    eddy_reactor *reactor;
    echo_client protocol; /* one connection at a time: the protocol lives here */
    int status;           /* exit status */
} client_factory;

static void client_connection_made(eddy_protocol *p, eddy_transport *t)
{
    echo_client *c = (echo_client *)p;
    eddy_transport_write(t, c->message, c->expected);
}

static void client_data_received(eddy_protocol *p, const void *data, size_t len)
{
    echo_client *c = (echo_client *)p;
    printf("Server said: %.*s\n", (int)len, (const char *)data);
    c->received += len;
    if (c->received >= c->expected)
        eddy_transport_lose_connection(p->transport);
}

static void client_connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    (void)p;
    if (!eddy_failure_is_connection_done(reason))
        printf("Connection lost: %s\n", eddy_failure_message(reason));
}

static const eddy_protocol_ops client_ops = {
    .connection_made = client_connection_made,
    .data_received = client_data_received,
    .connection_lost = client_connection_lost,
};

static eddy_protocol *build_client(eddy_factory *f, const eddy_address *peer)
{
    (void)peer;
    client_factory *cf = (client_factory *)f;
    cf->protocol.base = (eddy_protocol){.ops = &client_ops};
    cf->protocol.received = 0;
    return &cf->protocol.base;
}

static void started_connecting(eddy_factory *f, eddy_connector *c)
{
    (void)f, (void)c;
    printf("Started to connect.\n");
}

static void connection_failed(eddy_factory *f, eddy_connector *c, const eddy_failure *why)
{
    (void)c;
    client_factory *cf = (client_factory *)f;
    printf("Connection failed: %s\n", eddy_failure_message(why));
    cf->status = 1;
    eddy_reactor_stop(cf->reactor);
}

static void connection_lost(eddy_factory *f, eddy_connector *c, const eddy_failure *why)
{
    (void)c, (void)why;
    eddy_reactor_stop(((client_factory *)f)->reactor);
}

static const eddy_factory_ops client_factory_ops = {
    .build_protocol = build_client,
    .started_connecting = started_connecting,
    .client_connection_failed = connection_failed,
    .client_connection_lost = connection_lost,
};

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    int port = argc > 2 ? atoi(argv[2]) : 8000;
    const char *message = argc > 3 ? argv[3] : "hello, world";
    eddy_reactor *r;
    int rc = eddy_reactor_new(NULL, &r);
    if (rc < 0) {
        fprintf(stderr, "echoclient: %s\n", eddy_strerror(rc));
        return 1;
    }
    client_factory factory = {.base.ops = &client_factory_ops, .reactor = r};
    factory.protocol.message = message;
    factory.protocol.expected = strlen(message);
    eddy_connector *connector;
    rc = eddy_connect_tcp(r, host, port, &factory.base, NULL, &connector);
    if (rc < 0) {
        fprintf(stderr, "echoclient: cannot connect to %s port %d: %s\n", host, port,
                eddy_strerror(rc));
        eddy_reactor_free(r);
        return 1;
    }
    eddy_reactor_run(r);
    eddy_connector_free(connector);
    eddy_reactor_free(r);
    return factory.status;
}
