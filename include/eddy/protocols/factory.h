/* eddy/protocols/factory.h - a factory that makes one protocol object per connection from a size,
 * an ops table and an optional initialiser (Twisted's Factory.forProtocol).
 *
 * The factory allocates each protocol (zeroed, `size` bytes, starting with an eddy_protocol) when
 * a connection arrives and frees it right after the protocol's connection_lost returns, so the
 * protocol's own connection_lost must not free it. */
#ifndef EDDY_PROTOCOLS_FACTORY_H
#define EDDY_PROTOCOLS_FACTORY_H

#include <stddef.h>

#include "eddy/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Called on each new protocol before connection_made; return 0, or a negative code to refuse
 * the connection (it is closed). `ctx` is the factory's context. */
typedef int (*eddy_protocol_init_fn)(eddy_protocol *p, const eddy_address *peer, void *ctx);

typedef struct eddy_simple_factory {
    eddy_factory base;            /**< pass &f->base wherever a factory is wanted */
    const eddy_protocol_ops *ops; /**< the protocol's handlers */
    size_t size;                  /**< size of the protocol struct (>= sizeof(eddy_protocol)) */
    eddy_protocol_init_fn init;   /**< may be NULL */
    void *ctx;                    /**< handed to init; reachable as the factory's ctx */
    size_t live;                  /**< protocols currently connected */
} eddy_simple_factory;

/** Set up `f` (caller-owned storage, e.g. static or embedded). `size` must be at least
 * sizeof(eddy_protocol) and `ops` must not be NULL. */
void eddy_simple_factory_init(eddy_simple_factory *f, const eddy_protocol_ops *ops, size_t size,
                              eddy_protocol_init_fn init, void *ctx);

/** The context of the factory that built `p` (NULL if `p` was not built by a simple factory). */
void *eddy_simple_factory_ctx(const eddy_protocol *p);

#ifdef __cplusplus
}
#endif
#endif
