/* policies_peers.h - per-peer-host connection counts for the limit factory: an open-addressing
 * hash table (linear probing, backward-shift deletion, so no tombstones pile up) keyed by the
 * peer's IP address. */
#ifndef EDDY_PROTOCOLS_POLICIES_PEERS_H
#define EDDY_PROTOCOLS_POLICIES_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eddy/address.h"
#include "eddy/protocols/policies.h"

/** A peer host: an IPv4 or IPv6 address (IPv4-mapped IPv6 counts as IPv4), or one key for every
 * peer without an IP address. */
typedef struct eddy__peer_key {
    uint8_t family; /* 4, 6, or 0 for "not IP" */
    uint8_t addr[16];
} eddy__peer_key;

struct eddy__peer_slot {
    eddy__peer_key key;
    size_t count; /* 0: the slot is free */
};

/** The key of `peer` (NULL is a peer without an IP address). */
eddy__peer_key eddy__peer_key_of(const eddy_address *peer);
/** The count for `key` (0 if absent). */
size_t eddy__peers_get(const eddy_limit_factory *lf, const eddy__peer_key *key);
/** Add one to `key`'s count. Errors: -ENOMEM. */
int eddy__peers_add(eddy_limit_factory *lf, const eddy__peer_key *key);
/** Take one from `key`'s count, removing it at zero. */
void eddy__peers_remove(eddy_limit_factory *lf, const eddy__peer_key *key);

#endif
