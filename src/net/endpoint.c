/* endpoint.c - acting on endpoints: listen, connect and free dispatch through each endpoint's
 * table, and the listen half shared by the built-in server endpoints. */
#include "net/endpoint_internal.h"

int eddy_endpoint_listen(eddy_server_endpoint *ep, eddy_factory *factory, eddy_deferred **out)
{
    return ep->ops->listen(ep, factory, out);
}

int eddy_endpoint_connect(eddy_client_endpoint *ep, eddy_factory *factory, eddy_deferred **out)
{
    return ep->ops->connect(ep, factory, out);
}

void eddy_server_endpoint_free(eddy_server_endpoint *ep)
{
    if (ep)
        ep->ops->free(ep);
}

void eddy_client_endpoint_free(eddy_client_endpoint *ep)
{
    if (ep)
        ep->ops->free(ep);
}

int eddy__ep_listen(const eddy_network *net, eddy__listen_fn start, const void *target,
                    const char *what, eddy_factory *factory, eddy_deferred **out)
{
    eddy_listening_port *port = NULL;
    int rc = start(target, net, factory, &port);
    if (rc == 0)
        return eddy_deferred_succeed(port, eddy_listening_port_free, out);
    return eddy_deferred_fail(eddy_failure_new(rc, "%s: %s", what, eddy_strerror(rc)), out);
}
