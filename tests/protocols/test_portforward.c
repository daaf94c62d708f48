/* The port forwarder over real TCP on 127.0.0.1, on every backend: a raw client talks through
 * the forwarder to an echo or discard service. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eddy/protocols/portforward.h"
#include "eddy/protocols/wire.h"
#include "net_helpers.h"

TestSuite(portforward, .timeout = 30);

typedef struct forward {
    eddy_reactor *r;
    eddy_simple_factory target; /* the destination service */
    eddy_port *target_port;
    eddy_client_endpoint *dest;
    eddy_portforward_factory pf;
    eddy_port *pf_port;
    int client;
} forward;

static void forward_open(forward *f, void (*service_init)(eddy_simple_factory *), bool refused)
{
    f->r = test_reactor_new();
    eddy_tcp_listen_options opts = {.interface = "127.0.0.1"};
    service_init(&f->target);
    cr_assert_eq(eddy_listen_tcp(f->r, 0, &f->target.base, &opts, &f->target_port), 0);
    char desc[64];
    int target = port_number(f->target_port);
    if (refused) { /* nothing listens there any more */
        eddy_port_free(f->target_port);
        f->target_port = NULL;
    }
    snprintf(desc, sizeof desc, "tcp:127.0.0.1:%d", target);
    eddy_network net = eddy_reactor_network(f->r);
    cr_assert_eq(eddy_client_endpoint_parse(&net, desc, &f->dest, NULL), 0);
    eddy_portforward_factory_init(&f->pf, f->dest);
    cr_assert_eq(eddy_listen_tcp(f->r, 0, &f->pf.base, &opts, &f->pf_port), 0);
    f->client = raw_connect("127.0.0.1", port_number(f->pf_port));
}

static bool all_closed(void *arg)
{
    forward *f = arg;
    return f->pf.sessions == 0 && f->target.live == 0;
}

static void forward_close(forward *f)
{
    if (f->client >= 0)
        close(f->client);
    test_iterate_until_fn(f->r, all_closed, f, 500);
    eddy_port_free(f->pf_port);
    eddy_port_free(f->target_port);
    eddy_client_endpoint_free(f->dest);
    eddy_reactor_free(f->r);
}

Test(portforward, bytes_reach_the_destination_and_come_back)
{
    forward f = {0};
    forward_open(&f, eddy_echo_factory_init, false);
    char out[300000], in[sizeof out];
    fill_pattern(out, sizeof out, 11);
    raw_write(f.r, f.client, out, sizeof out);
    cr_assert_eq(raw_read(f.r, f.client, in, sizeof in, NULL), sizeof in);
    cr_assert_arr_eq(in, out, sizeof out);
    cr_assert_eq(f.pf.forwarded, 1);
    forward_close(&f);
}

Test(portforward, client_half_close_reaches_the_destination_and_replies_still_arrive)
{
    forward f = {0};
    forward_open(&f, eddy_echo_factory_init, false);
    raw_write(f.r, f.client, "last words", 10);
    shutdown(f.client, SHUT_WR);
    char in[32];
    bool eof = false;
    /* the echo service answers, then closes because it saw EOF through the forwarder */
    cr_assert_eq(raw_read(f.r, f.client, in, sizeof in, &eof), 10);
    cr_assert_eq(memcmp(in, "last words", 10), 0);
    cr_assert(eof);
    forward_close(&f);
}

static bool destination_connected(void *arg)
{
    return ((forward *)arg)->target.live == 1;
}

Test(portforward, closing_the_client_closes_the_destination_connection)
{
    forward f = {0};
    forward_open(&f, eddy_discard_factory_init, false);
    raw_write(f.r, f.client, "x", 1);
    test_iterate_until_fn(f.r, destination_connected, &f, 500);
    close(f.client);
    f.client = -1;
    test_iterate_until_fn(f.r, all_closed, &f, 500);
    forward_close(&f);
}

Test(portforward, an_unreachable_destination_closes_the_client)
{
    forward f = {0};
    forward_open(&f, eddy_echo_factory_init, true);
    cr_assert_eq(raw_wait_closed(f.r, f.client) <= 0, true);
    forward_close(&f);
}

Test(portforward, the_client_resetting_first_closes_the_destination_side_last)
{
    /* The accepted side is lost first; the destination side's connection_lost then drops the
     * session's last reference, and the endpoint's connector still stops the session's client
     * factory afterwards. */
    forward f = {0};
    forward_open(&f, eddy_discard_factory_init, false);
    raw_write(f.r, f.client, "x", 1);
    test_iterate_until_fn(f.r, destination_connected, &f, 500);
    raw_reset(f.client);
    f.client = -1;
    test_iterate_until_fn(f.r, all_closed, &f, 500);
    cr_assert_eq(f.pf.sessions, 0);
    forward_close(&f);
}

/* The forwarder's own build_protocol, preceded by a stop of the reactor: the shutdown then comes
 * while the session's destination is still connecting and its client is paused. */
static eddy_factory_ops stopping_ops;
static const eddy_factory_ops *forwarder_ops;

static eddy_protocol *stop_then_build(eddy_factory *base, const eddy_address *peer)
{
    forward *f = (forward *)((char *)base - offsetof(forward, pf.base));
    eddy_reactor_stop(f->r);
    return forwarder_ops->build_protocol(base, peer);
}

Test(portforward, stopping_the_reactor_while_the_destination_connects_ends_the_session)
{
    forward f = {0};
    forward_open(&f, eddy_discard_factory_init, false);
    forwarder_ops = f.pf.base.ops;
    stopping_ops = *forwarder_ops;
    stopping_ops.build_protocol = stop_then_build;
    f.pf.base.ops = &stopping_ops;
    cr_assert_eq(eddy_reactor_run(f.r), 0);
    cr_assert_eq(f.pf.forwarded, 1);
    cr_assert_eq(f.pf.sessions, 0, "the paused client was told connection_lost at shutdown");
    cr_assert_eq(raw_wait_closed(f.r, f.client) <= 0, true, "and its connection closed");
    forward_close(&f);
}
