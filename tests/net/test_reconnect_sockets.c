/* test_reconnect_sockets.c - the reconnecting client factory with real TCP connectors on every
 * backend: refused connects are retried on the reactor's (fake) clock until a server appears. */
#include <criterion/criterion.h>

#include "eddy_test.h"

TestSuite(reconnect_sockets, .timeout = 30);

static eddy_recording_factory client;

static bool failed_n(void *arg)
{
    const int *want = arg;
    return client.failed >= *want;
}

static bool made_one(void *arg)
{
    eddy_recording_protocol *p = eddy_recording_factory_protocol(&client, 0);
    return p && p->made == 1;
}

Test(reconnect_sockets, refused_connects_are_retried_until_a_server_listens)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    eddy_recording_factory server;
    eddy_recording_factory_init(&server);
    eddy_recording_factory_init(&client);

    /* Find a free port, then close it so connects are refused. */
    eddy_tcp_listen_options lo = {.interface = "127.0.0.1"};
    eddy_port *port;
    cr_assert_eq(eddy_listen_tcp(r, 0, &server.base, &lo, &port), 0);
    eddy_address host;
    eddy_port_get_host(port, &host);
    int portno = eddy_address_port(&host);
    eddy_port_free(port);

    eddy_network net = eddy_reactor_network(r);
    eddy_reconnecting_options o = {.jitter = -1};
    eddy_reconnecting_factory *rf;
    cr_assert_eq(eddy_reconnecting_factory_new(&net, &client.base, &o, &rf), 0);
    eddy_connector *c;
    cr_assert_eq(
        eddy_connect_tcp(r, "127.0.0.1", portno, eddy_reconnecting_factory_factory(rf), NULL, &c),
        0);
    int want = 1;
    test_iterate_until_fn(r, failed_n, &want, 200);
    cr_assert_eq(client.failed_code, -ECONNREFUSED);
    cr_assert(eddy_reconnecting_factory_retry_pending(rf));

    eddy_reactor_advance(r, eddy_reconnecting_factory_delay(rf)); /* retry, refused again */
    want = 2;
    test_iterate_until_fn(r, failed_n, &want, 200);
    cr_assert_eq(eddy_reconnecting_factory_retries(rf), 2);

    cr_assert_eq(eddy_listen_tcp(r, portno, &server.base, &lo, &port), 0);
    eddy_reactor_advance(r, eddy_reconnecting_factory_delay(rf)); /* this retry connects */
    test_iterate_until_fn(r, made_one, NULL, 200);
    cr_assert_eq(eddy_reconnecting_factory_retries(rf), 0, "connecting resets the back-off");
    cr_assert_float_eq(eddy_reconnecting_factory_delay(rf), 1.0, 1e-12);

    eddy_reconnecting_factory_stop_trying(rf);
    eddy_connector_free(c);
    eddy_reconnecting_factory_free(rf);
    eddy_port_free(port);
    eddy_reactor_free(r);
    eddy_fake_clock_free(fc);
    eddy_recording_factory_release(&server);
    eddy_recording_factory_release(&client);
}
