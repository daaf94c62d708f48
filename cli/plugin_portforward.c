/* plugin_portforward.c - `eddy portforward --dest ENDPOINT`: forward connections to ENDPOINT. */
#include "eddy/protocols/portforward.h"
#include "plugin.h"

typedef struct portforward_state {
    const char *dest;
    eddy_client_endpoint *endpoint;
    eddy_portforward_factory factory;
} portforward_state;

static int pf_option(void *state, const char *name, const char *value, eddy_cli_error *err)
{
    (void)name, (void)err;
    ((portforward_state *)state)->dest = value;
    return 0;
}

static int pf_start(void *state, eddy_reactor *r, eddy_factory **factory, eddy_cli_error *err)
{
    portforward_state *s = state;
    if (!s->dest)
        return eddy_cli_fail(err, "--dest ENDPOINT is required (e.g. tcp:127.0.0.1:80)");
    eddy_network net = eddy_reactor_network(r);
    eddy_failure *why = NULL;
    if (eddy_client_endpoint_parse(&net, s->dest, &s->endpoint, &why) < 0) {
        eddy_cli_fail(err, "bad --dest '%s': %s", s->dest,
                      why ? eddy_failure_message(why) : "out of memory");
        eddy_failure_unref(why);
        return -1;
    }
    eddy_portforward_factory_init(&s->factory, s->endpoint);
    *factory = &s->factory.base;
    return 0;
}

static size_t pf_live(const void *state)
{
    return ((const portforward_state *)state)->factory.sessions;
}

static void pf_stop(void *state)
{
    eddy_client_endpoint_free(((portforward_state *)state)->endpoint);
}

static const eddy_cli_option pf_options[] = {
    {"dest", "ENDPOINT", "where to forward to, a client endpoint: tcp:HOST:PORT, unix:PATH"},
    {NULL, NULL, NULL},
};

const eddy_cli_plugin eddy_cli_plugin_portforward = {
    .name = "portforward",
    .summary = "forward every connection to another address",
    .description = "Each accepted connection opens a connection to --dest and bytes flow both "
                   "ways, with backpressure both ways and half-close passed through.",
    .default_listen = "tcp:8080",
    .options = pf_options,
    .state_size = sizeof(portforward_state),
    .set_option = pf_option,
    .start = pf_start,
    .live = pf_live,
    .stop = pf_stop,
};
