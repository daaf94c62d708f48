/* policies_limit.c - connection limits, total and per peer host (Twisted's
 * LimitTotalConnectionsFactory and LimitConnectionsByPeer in one factory). A connection over a
 * limit is dropped, or served by the overflow factory's protocol. Each wrapper remembers what it
 * was counted as, so the counts come back down exactly when it goes. */
#include <stdlib.h>

#include "protocols/policies_internal.h"
#include "protocols/policies_peers.h"

typedef struct limit_wrapper {
    eddy_protocol_wrapper w; /* first: allocated by the wrapping factory */
    eddy_limit_factory *lf;
    eddy__peer_key key; /* the peer host it is counted under */
    bool overflow;      /* served by the overflow factory */
} limit_wrapper;

static eddy_limit_factory *of(eddy_factory *f)
{
    return eddy__container_of(f, eddy_limit_factory, wrapping.base);
}

static void lw_connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    limit_wrapper *lw = eddy__container_of(eddy_protocol_wrapper_of(p), limit_wrapper, w);
    eddy_limit_factory *lf = lw->lf;
    if (lw->overflow) {
        lf->overflowed--;
    } else {
        lf->connections--;
        eddy__peers_remove(lf, &lw->key);
    }
    eddy_protocol_wrapper_connection_lost(p, reason);
}

static const eddy_protocol_ops protocol_ops = {
    .connection_made = eddy_protocol_wrapper_connection_made,
    .data_received = eddy_protocol_wrapper_data_received,
    .eof_received = eddy_protocol_wrapper_eof_received,
    .connection_lost = lw_connection_lost,
    .write_connection_lost = eddy_protocol_wrapper_write_connection_lost,
};

static bool over_limit(const eddy_limit_factory *lf, const eddy__peer_key *key)
{
    const eddy_limit_options *o = &lf->options;
    if (o->max_connections && lf->connections >= o->max_connections)
        return true;
    return o->max_per_peer && eddy__peers_get(lf, key) >= o->max_per_peer;
}

static eddy_protocol *build_protocol(eddy_factory *f, const eddy_address *peer)
{
    eddy_limit_factory *lf = of(f);
    eddy__peer_key key = eddy__peer_key_of(peer);
    bool overflow = over_limit(lf, &key);
    eddy_factory *inner = overflow ? lf->options.overflow : lf->wrapping.wrapped;
    /* Reserve the per-peer slot first: running out of memory must refuse, not miscount. */
    if (!inner || (!overflow && eddy__peers_add(lf, &key) < 0)) {
        lf->refused++;
        return NULL;
    }
    eddy_protocol *p = eddy_wrapping_factory_wrap(&lf->wrapping, inner, peer);
    if (!p) {
        if (!overflow)
            eddy__peers_remove(lf, &key);
        lf->refused++;
        return NULL;
    }
    limit_wrapper *lw = eddy__container_of(eddy_protocol_wrapper_of(p), limit_wrapper, w);
    lw->lf = lf;
    lw->key = key;
    lw->overflow = overflow;
    if (overflow)
        lf->overflowed++;
    else
        lf->connections++;
    return p;
}

static void start_factory(eddy_factory *f)
{
    eddy_limit_factory *lf = of(f);
    eddy_wrapping_factory_start_factory(f);
    if (lf->options.overflow)
        eddy_factory_do_start(lf->options.overflow);
}

static void stop_factory(eddy_factory *f)
{
    eddy_limit_factory *lf = of(f);
    if (lf->options.overflow)
        eddy_factory_do_stop(lf->options.overflow);
    eddy_wrapping_factory_stop_factory(f);
}

static const eddy_factory_ops factory_ops = {
    .build_protocol = build_protocol,
    .start_factory = start_factory,
    .stop_factory = stop_factory,
    .started_connecting = eddy_wrapping_factory_started_connecting,
    .client_connection_failed = eddy_wrapping_factory_client_connection_failed,
    .client_connection_lost = eddy_wrapping_factory_client_connection_lost,
};

void eddy_limit_factory_init(eddy_limit_factory *lf, eddy_factory *wrapped,
                             const eddy_limit_options *options)
{
    *lf = (eddy_limit_factory){.options = options ? *options : (eddy_limit_options){0}};
    eddy_wrapping_factory_init(&lf->wrapping, wrapped);
    lf->wrapping.base.ops = &factory_ops;
    lf->wrapping.wrapper_size = sizeof(limit_wrapper);
    lf->wrapping.wrapper_protocol_ops = &protocol_ops;
}

void eddy_limit_factory_fini(eddy_limit_factory *lf)
{
    free(lf->peers);
    lf->peers = NULL;
    lf->peers_cap = lf->peers_used = 0;
}

size_t eddy_limit_factory_peer_connections(const eddy_limit_factory *lf, const eddy_address *peer)
{
    eddy__peer_key key = eddy__peer_key_of(peer);
    return eddy__peers_get(lf, &key);
}
