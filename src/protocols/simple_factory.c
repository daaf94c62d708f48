/* simple_factory.c - one heap-allocated protocol per connection (see eddy/protocols/factory.h).
 *
 * The protocol's real ops are wrapped so the factory can free the object after connection_lost:
 * each connection gets a small header in front of the user's struct that remembers the factory. */
#include <stdlib.h>

#include "eddy/protocols/factory.h"

typedef struct header {
    eddy_simple_factory *factory;
    eddy_protocol_ops ops; /* the user's ops, with connection_lost redirected to ours */
    max_align_t align[];   /* the user's protocol follows, suitably aligned */
} header;

static header *header_of(const eddy_protocol *p)
{
    return (header *)((char *)p - offsetof(header, align));
}

static void lost(eddy_protocol *p, const eddy_failure *reason)
{
    header *h = header_of(p);
    eddy_simple_factory *f = h->factory;
    if (f->ops->connection_lost)
        f->ops->connection_lost(p, reason);
    f->live--;
    free(h);
}

static eddy_protocol *build(eddy_factory *base, const eddy_address *peer)
{
    eddy_simple_factory *f = (eddy_simple_factory *)base;
    header *h = calloc(1, sizeof *h + f->size);
    if (!h)
        return NULL;
    h->factory = f;
    h->ops = *f->ops;
    h->ops.connection_lost = lost;
    eddy_protocol *p = (eddy_protocol *)h->align;
    p->ops = &h->ops;
    p->factory = base;
    if (f->init && f->init(p, peer, f->ctx) < 0) {
        free(h);
        return NULL;
    }
    f->live++;
    return p;
}

static const eddy_factory_ops simple_factory_ops = {.build_protocol = build};

void eddy_simple_factory_init(eddy_simple_factory *f, const eddy_protocol_ops *ops, size_t size,
                              eddy_protocol_init_fn init, void *ctx)
{
    *f = (eddy_simple_factory){.base = {.ops = &simple_factory_ops},
                               .ops = ops,
                               .size = size < sizeof(eddy_protocol) ? sizeof(eddy_protocol) : size,
                               .init = init,
                               .ctx = ctx};
}

void *eddy_simple_factory_ctx(const eddy_protocol *p)
{
    if (!p->factory || p->factory->ops != &simple_factory_ops)
        return NULL;
    return ((eddy_simple_factory *)p->factory)->ctx;
}
