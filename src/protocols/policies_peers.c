/* policies_peers.c - see policies_peers.h. The table grows at half full and never shrinks: its
 * size follows the most peers ever connected at once, which the limits bound. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/policies_peers.h"

eddy__peer_key eddy__peer_key_of(const eddy_address *peer)
{
    eddy__peer_key k = {0};
    if (!peer || (peer->kind != EDDY_ADDRESS_TCP && peer->kind != EDDY_ADDRESS_UDP))
        return k;
    if (peer->sa.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&peer->sa;
        k.family = 4;
        memcpy(k.addr, &in->sin_addr, 4);
    } else if (peer->sa.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&peer->sa;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            k.family = 4;
            memcpy(k.addr, in6->sin6_addr.s6_addr + 12, 4);
        } else {
            k.family = 6;
            memcpy(k.addr, in6->sin6_addr.s6_addr, 16);
        }
    }
    return k;
}

static size_t hash(const eddy__peer_key *k)
{
    uint64_t h = 1469598103934665603u ^ k->family; /* FNV-1a */
    for (size_t i = 0; i < sizeof k->addr; i++)
        h = (h ^ k->addr[i]) * 1099511628211u;
    return (size_t)(h ^ h >> 29);
}

static bool same(const eddy__peer_key *a, const eddy__peer_key *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, sizeof a->addr) == 0;
}

/* The slot holding `k`, or the free slot where it would go. The table always has a free slot. */
static struct eddy__peer_slot *find(struct eddy__peer_slot *slots, size_t cap,
                                    const eddy__peer_key *k)
{
    size_t i = hash(k) & (cap - 1);
    while (slots[i].count && !same(&slots[i].key, k))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

size_t eddy__peers_get(const eddy_limit_factory *lf, const eddy__peer_key *key)
{
    return lf->peers_cap ? find(lf->peers, lf->peers_cap, key)->count : 0;
}

static int grow(eddy_limit_factory *lf)
{
    size_t cap = lf->peers_cap ? lf->peers_cap * 2 : 16;
    struct eddy__peer_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < lf->peers_cap; i++)
        if (lf->peers[i].count)
            *find(slots, cap, &lf->peers[i].key) = lf->peers[i];
    free(lf->peers);
    lf->peers = slots;
    lf->peers_cap = cap;
    return 0;
}

int eddy__peers_add(eddy_limit_factory *lf, const eddy__peer_key *key)
{
    if ((lf->peers_used + 1) * 2 > lf->peers_cap && grow(lf) < 0)
        return -ENOMEM;
    struct eddy__peer_slot *s = find(lf->peers, lf->peers_cap, key);
    if (s->count == 0) {
        s->key = *key;
        lf->peers_used++;
    }
    s->count++;
    return 0;
}

void eddy__peers_remove(eddy_limit_factory *lf, const eddy__peer_key *key)
{
    if (!lf->peers_cap)
        return;
    size_t mask = lf->peers_cap - 1;
    struct eddy__peer_slot *slots = lf->peers;
    size_t i = (size_t)(find(slots, lf->peers_cap, key) - slots);
    if (slots[i].count == 0 || --slots[i].count > 0)
        return;
    lf->peers_used--;
    /* Backward-shift: pull later entries of the same probe run into the hole. */
    for (size_t j = (i + 1) & mask; slots[j].count; j = (j + 1) & mask) {
        size_t home = hash(&slots[j].key) & mask;
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            slots[i] = slots[j];
            slots[j].count = 0;
            i = j;
        }
    }
}
