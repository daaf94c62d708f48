/* test_endpoint_sockets.c - endpoints over real sockets on loopback and Unix sockets, on every
 * backend: listen, connect, exchange bytes, close; refused and cancelled connects. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eddy_test.h"

static eddy_reactor *r;
static eddy_network net;
static eddy_recording_factory server_factory, client_factory;

static void setup(void)
{
    r = test_reactor_new();
    net = eddy_reactor_network(r);
    eddy_recording_factory_init(&server_factory);
    eddy_recording_factory_init(&client_factory);
}

static void teardown(void)
{
    eddy_reactor_free(r);
    eddy_recording_factory_release(&server_factory);
    eddy_recording_factory_release(&client_factory);
}

TestSuite(endpoint_sockets, .init = setup, .fini = teardown, .timeout = 30);

static eddy_result take(eddy_result in, void *arg)
{
    *(void **)arg = in.value;
    return eddy_result_none();
}

static eddy_result take_code(eddy_result in, void *arg)
{
    *(int *)arg = eddy_failure_code(in.failure);
    eddy_result_drop(in);
    return eddy_result_none();
}

static bool fired(void *d)
{
    return eddy_deferred_called(d);
}

/* Listen on `desc` and return the port (owned by the caller). */
static eddy_listening_port *listen_on(const char *desc)
{
    eddy_server_endpoint *ep = NULL;
    eddy_failure *err = NULL;
    cr_assert_eq(eddy_server_endpoint_parse(&net, desc, &ep, &err), 0, "%s",
                 err ? eddy_failure_message(err) : "");
    eddy_deferred *d;
    cr_assert_eq(eddy_endpoint_listen(ep, &server_factory.base, &d), 0);
    eddy_listening_port *port = NULL;
    eddy_deferred_add_callback(d, take, &port);
    cr_assert_not_null(port, "listen on %s failed", desc);
    eddy_deferred_unref(d);
    eddy_server_endpoint_free(ep);
    return port;
}

static eddy_deferred *connect_to(const char *desc)
{
    eddy_client_endpoint *ep = NULL;
    cr_assert_eq(eddy_client_endpoint_parse(&net, desc, &ep, NULL), 0);
    eddy_deferred *d;
    cr_assert_eq(eddy_endpoint_connect(ep, &client_factory.base, &d), 0);
    eddy_client_endpoint_free(ep);
    return d;
}

static bool server_got_hello(void *arg)
{
    eddy_recording_protocol *p = eddy_recording_factory_protocol(&server_factory, 0);
    return p && strcmp(eddy_recording_protocol_received(p), "hello") == 0;
}

static bool both_lost(void *arg)
{
    eddy_recording_protocol *s = eddy_recording_factory_protocol(&server_factory, 0);
    eddy_recording_protocol *c = eddy_recording_factory_protocol(&client_factory, 0);
    return s && c && s->lost && c->lost;
}

/* Connect to `client_desc`, say hello, and close: the whole life of one connection. */
static void talk(const char *client_desc)
{
    eddy_deferred *d = connect_to(client_desc);
    test_iterate_until_fn(r, fired, d, 200);
    eddy_protocol *p = NULL;
    eddy_deferred_add_callback(d, take, &p);
    cr_assert_not_null(p, "the connect failed");
    cr_assert_eq(p, &eddy_recording_factory_protocol(&client_factory, 0)->base);
    cr_assert_eq(eddy_recording_factory_protocol(&client_factory, 0)->made, 1);
    eddy_transport_write(p->transport, "hello", 5);
    test_iterate_until_fn(r, server_got_hello, NULL, 200);
    eddy_transport_lose_connection(p->transport);
    test_iterate_until_fn(r, both_lost, NULL, 200);
    cr_assert_eq(eddy_recording_factory_protocol(&client_factory, 0)->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(client_factory.stopped, 1);
    eddy_deferred_unref(d);
}

Test(endpoint_sockets, tcp_endpoints_listen_connect_and_talk_over_loopback)
{
    eddy_listening_port *port = listen_on("tcp:0:interface=127.0.0.1");
    eddy_address host;
    cr_assert_eq(eddy_listening_port_get_host(port, &host), 0);
    cr_assert_gt(eddy_address_port(&host), 0);
    cr_assert_not_null(eddy_listening_port_port(port));
    char desc[64];
    snprintf(desc, sizeof desc, "tcp:host=127.0.0.1:port=%d:timeout=5", eddy_address_port(&host));
    talk(desc);
    eddy_listening_port_free(port);
    cr_assert_eq(server_factory.stopped, 1);
}

Test(endpoint_sockets, unix_endpoints_listen_connect_and_talk_through_a_socket_file)
{
    char dir[64];
    test_mkdtemp(dir, sizeof dir, "eddy-endpoint");
    char desc[128], path[96];
    snprintf(path, sizeof path, "%s/s.sock", dir);
    snprintf(desc, sizeof desc, "unix:%s:mode=600", path);
    eddy_listening_port *port = listen_on(desc);
    snprintf(desc, sizeof desc, "unix:path=%s:lockfile=1", path);
    talk(desc);
    eddy_listening_port_free(port);
    unlink(path);
    rmdir(dir);
}

Test(endpoint_sockets, unix_endpoints_work_with_abstract_names)
{
    char desc[96];
    snprintf(desc, sizeof desc, "unix:@eddy-endpoint-%d", (int)getpid());
    eddy_listening_port *port = listen_on(desc);
    talk(desc);
    eddy_listening_port_free(port);
}

Test(endpoint_sockets, connecting_where_nobody_listens_errbacks_with_connection_refused)
{
    eddy_listening_port *port = listen_on("tcp:0:interface=127.0.0.1");
    eddy_address host;
    eddy_listening_port_get_host(port, &host);
    eddy_listening_port_free(port); /* now the port is free and closed */
    char desc[64];
    snprintf(desc, sizeof desc, "tcp:127.0.0.1:%d", eddy_address_port(&host));
    eddy_deferred *d = connect_to(desc);
    test_iterate_until_fn(r, fired, d, 200);
    int code = 0;
    eddy_deferred_add_errback(d, take_code, &code);
    cr_assert_eq(code, -ECONNREFUSED, "got %s", eddy_strerror(code));
    eddy_deferred_unref(d);
}

Test(endpoint_sockets, listening_on_a_port_in_use_errbacks_with_address_in_use)
{
    eddy_listening_port *port = listen_on("tcp:0:interface=127.0.0.1");
    eddy_address host;
    eddy_listening_port_get_host(port, &host);
    char desc[64];
    snprintf(desc, sizeof desc, "tcp:%d:interface=127.0.0.1", eddy_address_port(&host));
    eddy_server_endpoint *ep;
    eddy_server_endpoint_parse(&net, desc, &ep, NULL);
    eddy_deferred *d;
    eddy_endpoint_listen(ep, &server_factory.base, &d);
    int code = 0;
    eddy_deferred_add_errback(d, take_code, &code);
    cr_assert_eq(code, -EADDRINUSE);
    eddy_deferred_unref(d);
    eddy_server_endpoint_free(ep);
    eddy_listening_port_free(port);
}

Test(endpoint_sockets, cancelling_a_connect_in_progress_abandons_it)
{
    eddy_listening_port *port = listen_on("tcp:0:interface=127.0.0.1");
    eddy_address host;
    eddy_listening_port_get_host(port, &host);
    char desc[64];
    snprintf(desc, sizeof desc, "tcp:127.0.0.1:%d", eddy_address_port(&host));
    eddy_deferred *d = connect_to(desc);
    eddy_deferred_cancel(d); /* before the loop has seen the connect finish */
    int code = 0;
    eddy_deferred_add_errback(d, take_code, &code);
    cr_assert_eq(code, EDDY_ECANCELLED);
    for (int i = 0; i < 5; i++)
        eddy_reactor_iterate(r, 0.01);
    cr_assert_eq(client_factory.built, 0);
    cr_assert_eq(client_factory.stopped, 1);
    eddy_deferred_unref(d);
    eddy_listening_port_free(port);
}

/* A client factory that cancels the connect's Deferred from inside build_protocol, the last
 * moment the attempt is still in progress, then builds as client_factory does. */
typedef struct cancelling_factory {
    eddy_factory base; /* first */
    eddy_deferred *d;
} cancelling_factory;

static eddy_protocol *cancel_then_build(eddy_factory *f, const eddy_address *peer)
{
    eddy_deferred_cancel(((cancelling_factory *)f)->d);
    return client_factory.base.ops->build_protocol(&client_factory.base, peer);
}

static bool client_lost(void *arg)
{
    eddy_recording_protocol *c = eddy_recording_factory_protocol(&client_factory, 0);
    return c && c->lost;
}

Test(endpoint_sockets, cancelling_a_connect_from_build_protocol_errbacks_and_aborts_the_connection)
{
    eddy_listening_port *port = listen_on("tcp:0:interface=127.0.0.1");
    eddy_address host;
    eddy_listening_port_get_host(port, &host);
    char desc[64];
    snprintf(desc, sizeof desc, "tcp:127.0.0.1:%d", eddy_address_port(&host));
    eddy_client_endpoint *ep = NULL;
    cr_assert_eq(eddy_client_endpoint_parse(&net, desc, &ep, NULL), 0);
    static const eddy_factory_ops ops = {.build_protocol = cancel_then_build};
    cancelling_factory cf = {.base = {.ops = &ops}};
    cr_assert_eq(eddy_endpoint_connect(ep, &cf.base, &cf.d), 0);
    eddy_client_endpoint_free(ep);
    test_iterate_until_fn(r, fired, cf.d, 200);
    int code = 0;
    eddy_deferred_add_errback(cf.d, take_code, &code);
    cr_assert_eq(code, EDDY_ECANCELLED);
    test_iterate_until_fn(r, client_lost, NULL, 200);
    eddy_recording_protocol *p = eddy_recording_factory_protocol(&client_factory, 0);
    cr_assert_eq(p->made, 1);
    cr_assert_eq(p->lost, 1);
    cr_assert_eq(p->lost_code, EDDY_EABORTED);
    eddy_deferred_unref(cf.d);
    eddy_listening_port_free(port);
}
