/* echoserv.c - Twisted's classic echo server: every byte received is sent back.
 *
 *   echoserv PORT          listens on 127.0.0.1:PORT; SIGINT or SIGTERM stop it cleanly
 *
 * Read it with echoclient.c. It shows a protocol (one small struct per connection), a factory
 * that builds it, and the one line that makes echoing safe against a peer that sends but never
 * reads: the transport is registered as its own producer, so when the echoes pile up past the
 * high water mark it stops reading from that peer until they drain. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "eddy.h"

typedef struct echo {
    eddy_protocol base; /* first: an eddy_protocol * is an echo * */
} echo;

static void echo_connection_made(eddy_protocol *p, eddy_transport *t)
{
    (void)p;
    eddy_transport_set_tcp_nodelay(t, true); /* small echoes go out at once */
    eddy_transport_register_producer(t, &t->as_producer, true);
}

static void echo_data_received(eddy_protocol *p, const void *data, size_t len)
{
    eddy_transport_write(p->transport, data, len);
}

static void echo_connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    (void)reason;
    free(p);
}

static const eddy_protocol_ops echo_ops = {
    .connection_made = echo_connection_made,
    .data_received = echo_data_received,
    .connection_lost = echo_connection_lost,
};

static eddy_protocol *build_echo(eddy_factory *f, const eddy_address *peer)
{
    (void)f, (void)peer;
    echo *e = calloc(1, sizeof *e);
    if (!e)
        return NULL; /* refused: the connection is closed */
    e->base.ops = &echo_ops;
    return &e->base;
}

static const eddy_factory_ops echo_factory_ops = {.build_protocol = build_echo};

/* A server holds one descriptor per connection: allow as many as the hard limit does. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 64;
    }
    raise_fd_limit();
    eddy_reactor *r;
    eddy_reactor_options options = {.install_signal_handlers = true};
    int rc = eddy_reactor_new(&options, &r);
    if (rc < 0) {
        fprintf(stderr, "echoserv: %s\n", eddy_strerror(rc));
        return 1;
    }
    eddy_factory factory = {.ops = &echo_factory_ops};
    eddy_tcp_listen_options listen = {.interface = "127.0.0.1", .backlog = 1024};
    eddy_port *port;
    rc = eddy_listen_tcp(r, atoi(argv[1]), &factory, &listen, &port);
    if (rc < 0) {
        fprintf(stderr, "echoserv: cannot listen on port %s: %s\n", argv[1], eddy_strerror(rc));
        eddy_reactor_free(r);
        return 1;
    }
    eddy_reactor_run(r); /* until SIGINT or SIGTERM */
    eddy_port_free(port);
    eddy_reactor_free(r);
    return 0;
}
