/* test_policies_limit.c - connection limits, total and per peer host (Twisted's
 * LimitTotalConnectionsFactory and LimitConnectionsByPeer). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eddy.h"

TestSuite(policies_limit, .timeout = 10);

#define MAXCONN 64

typedef struct fixture {
    eddy_recording_factory rf, overflow;
    eddy_limit_factory lf;
    eddy_string_transport *st[MAXCONN];
    int n;
} fixture;

static eddy_address ip(const char *addr, int port)
{
    eddy_address a;
    cr_assert_eq(eddy_address_from_ip(addr, port, EDDY_ADDRESS_TCP, &a), 0);
    return a;
}

static void open_fixture(fixture *f, eddy_limit_options o, bool with_overflow)
{
    memset(f, 0, sizeof *f);
    eddy_recording_factory_init(&f->rf);
    eddy_recording_factory_init(&f->overflow);
    if (with_overflow)
        o.overflow = &f->overflow.base;
    eddy_limit_factory_init(&f->lf, &f->rf.base, &o);
}

/* A connection from `peer`: its index, or -1 if it was refused. */
static int accept_from(fixture *f, const eddy_address *peer)
{
    eddy_protocol *p = f->lf.wrapping.base.ops->build_protocol(&f->lf.wrapping.base, peer);
    if (!p)
        return -1;
    int i = f->n++;
    cr_assert_lt(i, MAXCONN);
    cr_assert_eq(eddy_string_transport_new(NULL, &f->st[i]), 0);
    cr_assert_eq(eddy_string_transport_connect(f->st[i], p), 0);
    return i;
}

static void drop(fixture *f, int i)
{
    eddy_string_transport_lose(f->st[i], EDDY_ECONNDONE);
}

static void close_fixture(fixture *f)
{
    for (int i = 0; i < f->n; i++) {
        if (!eddy_string_transport_lost(f->st[i]))
            drop(f, i);
        eddy_string_transport_free(f->st[i]);
    }
    eddy_limit_factory_fini(&f->lf);
    eddy_recording_factory_release(&f->rf);
    eddy_recording_factory_release(&f->overflow);
}

Test(policies_limit, connections_over_the_total_are_dropped)
{
    fixture f;
    open_fixture(&f, (eddy_limit_options){.max_connections = 2}, false);
    eddy_address a = ip("10.0.0.1", 1000), b = ip("10.0.0.2", 1000), c = ip("10.0.0.3", 1000);
    cr_assert_geq(accept_from(&f, &a), 0);
    cr_assert_geq(accept_from(&f, &b), 0);
    cr_assert_eq(accept_from(&f, &c), -1);
    cr_assert_eq(f.lf.connections, 2);
    cr_assert_eq(f.lf.refused, 1);
    cr_assert_eq(f.rf.built, 2, "the wrapped factory is not asked for refused connections");
    close_fixture(&f);
}

Test(policies_limit, a_slot_frees_when_a_connection_ends)
{
    fixture f;
    open_fixture(&f, (eddy_limit_options){.max_connections = 1}, false);
    eddy_address a = ip("10.0.0.1", 1000);
    int first = accept_from(&f, &a);
    cr_assert_eq(accept_from(&f, &a), -1);
    drop(&f, first);
    cr_assert_eq(f.lf.connections, 0);
    cr_assert_geq(accept_from(&f, &a), 0);
    close_fixture(&f);
}

Test(policies_limit, per_peer_limit_counts_hosts_not_ports)
{
    fixture f;
    open_fixture(&f, (eddy_limit_options){.max_per_peer = 2}, false);
    eddy_address a1 = ip("10.0.0.1", 1000), a2 = ip("10.0.0.1", 1001), a3 = ip("10.0.0.1", 1002);
    eddy_address b = ip("10.0.0.2", 1000);
    cr_assert_geq(accept_from(&f, &a1), 0);
    cr_assert_geq(accept_from(&f, &a2), 0);
    cr_assert_eq(accept_from(&f, &a3), -1);
    cr_assert_geq(accept_from(&f, &b), 0);
    cr_assert_eq(eddy_limit_factory_peer_connections(&f.lf, &a3), 2);
    cr_assert_eq(eddy_limit_factory_peer_connections(&f.lf, &b), 1);
    close_fixture(&f);
}

Test(policies_limit, ipv4_mapped_ipv6_is_the_same_host)
{
    fixture f;
    open_fixture(&f, (eddy_limit_options){.max_per_peer = 1}, false);
    eddy_address v4 = ip("192.0.2.7", 1), mapped = ip("::ffff:192.0.2.7", 2);
    cr_assert_geq(accept_from(&f, &v4), 0);
    cr_assert_eq(accept_from(&f, &mapped), -1);
    close_fixture(&f);
}

Test(policies_limit, ipv6_hosts_are_told_apart)
{
    fixture f;
    open_fixture(&f, (eddy_limit_options){.max_per_peer = 1}, false);
    eddy_address a = ip("2001:db8::1", 1), b = ip("2001:db8::2", 1);
    cr_assert_geq(accept_from(&f, &a), 0);
    cr_assert_geq(accept_from(&f, &b), 0);
    close_fixture(&f);
}

Test(policies_limit, unix_socket_clients_count_as_one_host)
{
    fixture f;
    open_fixture(&f, (eddy_limit_options){.max_per_peer = 1}, false);
    eddy_address u = {.kind = EDDY_ADDRESS_UNIX};
    cr_assert_geq(accept_from(&f, &u), 0);
    cr_assert_eq(accept_from(&f, &u), -1);
    close_fixture(&f);
}

Test(policies_limit, overflow_factory_serves_the_excess_without_taking_a_slot)
{
    fixture f;
    open_fixture(&f, (eddy_limit_options){.max_connections = 1}, true);
    eddy_address a = ip("10.0.0.1", 1000);
    int normal = accept_from(&f, &a);
    int extra = accept_from(&f, &a);
    cr_assert_geq(extra, 0);
    cr_assert_eq(f.overflow.built, 1);
    cr_assert_eq(f.rf.built, 1);
    cr_assert_eq(f.lf.overflowed, 1);
    cr_assert_eq(f.lf.connections, 1);
    drop(&f, extra);
    cr_assert_eq(f.lf.overflowed, 0);
    cr_assert_eq(f.lf.connections, 1);
    drop(&f, normal);
    cr_assert_eq(f.lf.connections, 0);
    close_fixture(&f);
}

Test(policies_limit, starting_starts_the_overflow_factory_too)
{
    fixture f;
    open_fixture(&f, (eddy_limit_options){.max_connections = 1}, true);
    eddy_factory_do_start(&f.lf.wrapping.base);
    cr_assert_eq(f.rf.started, 1);
    cr_assert_eq(f.overflow.started, 1);
    eddy_factory_do_stop(&f.lf.wrapping.base);
    cr_assert_eq(f.rf.stopped, 1);
    cr_assert_eq(f.overflow.stopped, 1);
    close_fixture(&f);
}

Test(policies_limit, refusal_by_the_wrapped_factory_leaves_no_count)
{
    fixture f;
    open_fixture(&f, (eddy_limit_options){.max_per_peer = 3}, false);
    f.rf.refuse = true;
    eddy_address a = ip("10.0.0.1", 1000);
    cr_assert_eq(accept_from(&f, &a), -1);
    cr_assert_eq(eddy_limit_factory_peer_connections(&f.lf, &a), 0);
    cr_assert_eq(f.lf.connections, 0);
    close_fixture(&f);
}

Test(policies_limit, many_peers_are_counted_exactly_as_they_come_and_go)
{
    enum { PEERS = 600 };
    eddy_recording_factory rf;
    eddy_recording_factory_init(&rf);
    eddy_limit_factory lf;
    eddy_limit_factory_init(&lf, &rf.base, &(eddy_limit_options){.max_per_peer = 2});
    static eddy_string_transport *st[2 * PEERS];
    static eddy_address addr[PEERS];
    for (int i = 0; i < PEERS; i++) {
        char s[32];
        snprintf(s, sizeof s, "10.%d.%d.1", i / 256, i % 256);
        addr[i] = ip(s, 80);
        for (int k = 0; k < 2; k++) {
            eddy_protocol *p = lf.wrapping.base.ops->build_protocol(&lf.wrapping.base, &addr[i]);
            cr_assert_not_null(p);
            cr_assert_eq(eddy_string_transport_new(NULL, &st[2 * i + k]), 0);
            cr_assert_eq(eddy_string_transport_connect(st[2 * i + k], p), 0);
        }
    }
    /* Drop one connection of every peer in a scrambled order; then every other peer entirely. */
    for (int j = 0; j < PEERS; j++) {
        int i = (j * 7919) % PEERS;
        eddy_string_transport_lose(st[2 * i], EDDY_ECONNDONE);
    }
    for (int i = 0; i < PEERS; i += 2)
        eddy_string_transport_lose(st[2 * i + 1], EDDY_ECONNDONE);
    for (int i = 0; i < PEERS; i++)
        cr_assert_eq(eddy_limit_factory_peer_connections(&lf, &addr[i]), (size_t)(i % 2), "peer %d",
                     i);
    cr_assert_eq(lf.connections, PEERS / 2);
    for (int i = 0; i < 2 * PEERS; i++) {
        if (!eddy_string_transport_lost(st[i]))
            eddy_string_transport_lose(st[i], EDDY_ECONNDONE);
        eddy_string_transport_free(st[i]);
    }
    cr_assert_eq(lf.connections, 0);
    cr_assert_eq(lf.peers_used, 0);
    eddy_limit_factory_fini(&lf);
    eddy_recording_factory_release(&rf);
}
