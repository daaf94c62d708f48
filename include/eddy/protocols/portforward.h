/* eddy/protocols/portforward.h - a TCP port forwarder (Twisted's portforward.ProxyFactory).
 *
 * Each accepted connection opens a client connection to a destination endpoint and pipes bytes
 * both ways. Reading from the accepted side is paused until the destination is connected. Each
 * side's transport is registered as the push producer of the other, so a slow reader on either
 * side pauses the fast writer on the other: memory stays bounded by the transports' high water
 * marks (64 KiB each way by default) whatever the speeds. A half-close (EOF) on one side is passed
 * on as a half-close of the other; when both directions are closed, or either connection is lost,
 * both are closed. If the destination cannot be reached the accepted connection is closed. */
#ifndef EDDY_PROTOCOLS_PORTFORWARD_H
#define EDDY_PROTOCOLS_PORTFORWARD_H

#include <stddef.h>

#include "eddy/endpoint.h"
#include "eddy/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eddy_portforward_factory {
    eddy_factory base;            /**< pass &f->base to eddy_listen_tcp or an endpoint */
    eddy_client_endpoint *dest;   /**< where to connect (borrowed; must outlive the factory) */
    size_t sessions;              /**< forwarded connections currently open */
    unsigned long long forwarded; /**< sessions started since init */
} eddy_portforward_factory;

/** Set up a forwarding factory (caller-owned storage) that connects each accepted connection to
 * `dest`. Keep it alive until the port is stopped and `sessions` is 0. */
void eddy_portforward_factory_init(eddy_portforward_factory *f, eddy_client_endpoint *dest);

#ifdef __cplusplus
}
#endif
#endif
