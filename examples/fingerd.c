/* fingerd.c - a finger server (RFC 1288), the program of docs/tutorial.md.
 *
 *   fingerd [ENDPOINT]      default tcp:1079:interface=127.0.0.1
 *   echo moshez | socat - TCP:127.0.0.1:1079,crlf
 *
 * It listens on a Twisted-style endpoint string, answers each query from a small table, and stops
 * cleanly on SIGINT or SIGTERM. */
#include <stdio.h>

#include "finger_protocol.h"

static const finger_user users[] = {
    {"moshez", "Happy and well"},
    {"glyph", "Writing a reactor"},
};

static eddy_result listening(eddy_result in, void *arg)
{
    eddy_listening_port **port = arg;
    *port = in.value; /* keep the port: we free it at the end */
    eddy_address host;
    char where[128] = "?";
    if (eddy_listening_port_get_host(*port, &host) == 0)
        eddy_address_format(&host, where, sizeof where);
    printf("fingerd: listening on %s\n", where);
    fflush(stdout);
    return eddy_result_none();
}

static eddy_result cannot_listen(eddy_result in, void *arg)
{
    eddy_reactor *r = arg;
    fprintf(stderr, "fingerd: %s\n", eddy_failure_message(in.failure));
    eddy_result_drop(in);
    eddy_reactor_stop(r);
    return eddy_result_none();
}

int main(int argc, char **argv)
{
    const char *where = argc > 1 ? argv[1] : "tcp:1079:interface=127.0.0.1";
    eddy_reactor *r;
    eddy_reactor_options opts = {.install_signal_handlers = true}; /* Ctrl-C stops it */
    if (eddy_reactor_new(&opts, &r) < 0)
        return 1;

    finger_factory factory;
    finger_factory_init(&factory, users, sizeof users / sizeof users[0]);

    eddy_network net = eddy_reactor_network(r);
    eddy_server_endpoint *endpoint;
    eddy_failure *why = NULL;
    if (eddy_server_endpoint_parse(&net, where, &endpoint, &why) < 0) {
        fprintf(stderr, "fingerd: %s\n", why ? eddy_failure_message(why) : "out of memory");
        eddy_failure_unref(why);
        eddy_reactor_free(r);
        return 2;
    }
    eddy_listening_port *port = NULL;
    eddy_deferred *d;
    if (eddy_endpoint_listen(endpoint, &factory.base, &d) == 0) {
        eddy_deferred_add_callback(d, listening, &port);
        eddy_deferred_add_errback(d, cannot_listen, r);
        eddy_deferred_unref(d);
        eddy_reactor_run(r);
    }
    eddy_listening_port_free(port);
    eddy_server_endpoint_free(endpoint);
    eddy_reactor_free(r);
    return port ? 0 : 1;
}
