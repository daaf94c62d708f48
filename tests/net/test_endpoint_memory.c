/* test_endpoint_memory.c - listening and connecting through endpoints (eddy/endpoint.h), driven by
 * hand on a memory reactor: what the Deferreds fire with, cancellation, and what reaches the
 * protocol. */
#include <criterion/criterion.h>
#include <string.h>

#include "eddy.h"

static eddy_memory_reactor *mr;
static eddy_network net;
static eddy_recording_factory factory;

static void setup(void)
{
    cr_assert_eq(eddy_memory_reactor_new(&mr), 0);
    net = eddy_memory_reactor_network(mr);
    eddy_recording_factory_init(&factory);
}

static void teardown(void)
{
    eddy_memory_reactor_free(mr);
    eddy_recording_factory_release(&factory);
}

TestSuite(endpoint_memory, .init = setup, .fini = teardown, .timeout = 10);

static eddy_server_endpoint *server(const char *desc)
{
    eddy_server_endpoint *ep = NULL;
    cr_assert_eq(eddy_server_endpoint_parse(&net, desc, &ep, NULL), 0);
    return ep;
}

static eddy_deferred *connect_to(const char *desc)
{
    eddy_client_endpoint *ep = NULL;
    cr_assert_eq(eddy_client_endpoint_parse(&net, desc, &ep, NULL), 0);
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_endpoint_connect(ep, &factory.base, &d), 0);
    eddy_client_endpoint_free(ep); /* the attempt does not need it */
    return d;
}

/* Take the value out of a fired Deferred (the caller now owns it). */
static eddy_result take(eddy_result in, void *arg)
{
    *(void **)arg = in.value;
    return eddy_result_none();
}

/* The code of the failure `d` fired with; the failure is consumed. */
static eddy_result take_code(eddy_result in, void *arg)
{
    *(int *)arg = eddy_failure_code(in.failure);
    eddy_result_drop(in);
    return eddy_result_none();
}

static int failure_code(eddy_deferred *d)
{
    cr_assert(eddy_deferred_called(d));
    int code = 0;
    eddy_deferred_add_errback(d, take_code, &code);
    return code;
}

/* ---- listen --------------------------------------------------------------------------------- */

Test(endpoint_memory, listen_fires_with_a_port_that_reports_its_address)
{
    eddy_server_endpoint *ep = server("tcp:8080:interface=127.0.0.1");
    eddy_deferred *d;
    cr_assert_eq(eddy_endpoint_listen(ep, &factory.base, &d), 0);
    eddy_listening_port *port = NULL;
    eddy_deferred_add_callback(d, take, &port);
    cr_assert_not_null(port);
    eddy_address a;
    char buf[64];
    eddy_listening_port_get_host(port, &a);
    eddy_address_format(&a, buf, sizeof buf);
    cr_assert_str_eq(buf, "127.0.0.1:8080");
    cr_assert_eq(factory.started, 1);
    eddy_listening_port_free(port);
    cr_assert_eq(factory.stopped, 1);
    eddy_deferred_unref(d);
    eddy_server_endpoint_free(ep);
}

Test(endpoint_memory, a_port_nobody_takes_is_closed_with_its_deferred)
{
    eddy_server_endpoint *ep = server("unix:/run/x.sock");
    eddy_deferred *d;
    eddy_endpoint_listen(ep, &factory.base, &d);
    cr_assert(eddy_memory_reactor_listen_at(mr, 0)->listening);
    eddy_deferred_unref(d);
    cr_assert_not(eddy_memory_reactor_listen_at(mr, 0)->listening);
    eddy_server_endpoint_free(ep);
}

Test(endpoint_memory, a_failed_listen_errbacks_with_the_reason_and_names_the_endpoint)
{
    eddy_memory_reactor_set_errors(mr, -EADDRINUSE, 0);
    eddy_server_endpoint *ep = server("tcp:80");
    eddy_deferred *d;
    cr_assert_eq(eddy_endpoint_listen(ep, &factory.base, &d), 0);
    const eddy_result *r = eddy_deferred_peek(d);
    cr_assert(eddy_result_is_failure(r));
    cr_assert(strstr(eddy_failure_message(r->failure), "listen on tcp port 80"));
    cr_assert_eq(failure_code(d), -EADDRINUSE);
    eddy_deferred_unref(d);
    eddy_server_endpoint_free(ep);
}

/* ---- connect -------------------------------------------------------------------------------- */

Test(endpoint_memory, connect_fires_with_the_protocol_once_connection_made_has_run)
{
    eddy_deferred *d = connect_to("tcp:127.0.0.1:80");
    cr_assert_not(eddy_deferred_called(d));
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    cr_assert_eq(eddy_memory_reactor_complete_connect(mr, 0, st, NULL), 0);
    eddy_protocol *p = NULL;
    eddy_deferred_add_callback(d, take, &p);
    eddy_recording_protocol *rp = eddy_recording_factory_protocol(&factory, 0);
    cr_assert_eq(p, &rp->base);
    cr_assert_eq(rp->made, 1);
    cr_assert_eq(p->transport, eddy_string_transport_transport(st));
    cr_assert_eq(p->factory, &factory.base);
    eddy_string_transport_lose(st, EDDY_ECONNDONE);
    eddy_string_transport_free(st);
    eddy_deferred_unref(d);
}

Test(endpoint_memory, every_event_reaches_the_factorys_protocol)
{
    eddy_deferred *d = connect_to("tcp:127.0.0.1:80");
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_memory_reactor_complete_connect(mr, 0, st, NULL);
    eddy_recording_protocol *rp = eddy_recording_factory_protocol(&factory, 0);
    rp->keep_half_open = true;
    eddy_string_transport_receive(st, "data", 4);
    eddy_string_transport_receive_eof(st);
    /* With both directions closed the connection ends cleanly, as a socket's would. */
    eddy_transport_lose_write_connection(rp->base.transport);
    cr_assert_str_eq(eddy_recording_protocol_received(rp), "data");
    cr_assert_eq(rp->eofs, 1);
    cr_assert_eq(rp->write_lost, 1);
    cr_assert_eq(rp->lost, 1);
    cr_assert_eq(rp->lost_code, EDDY_ECONNDONE);
    cr_assert_null(rp->base.transport);
    eddy_string_transport_free(st);
    eddy_deferred_unref(d);
}

Test(endpoint_memory, the_factory_is_started_for_the_connection_and_stopped_after_it)
{
    eddy_deferred *d = connect_to("tcp:127.0.0.1:80");
    cr_assert_eq(factory.started, 1);
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_memory_reactor_complete_connect(mr, 0, st, NULL);
    cr_assert_eq(factory.stopped, 0);
    eddy_string_transport_lose(st, EDDY_ECONNDONE);
    cr_assert_eq(factory.stopped, 1);
    cr_assert_eq(factory.client_lost, 0, "endpoints report through the Deferred only");
    eddy_string_transport_free(st);
    eddy_deferred_unref(d);
}

Test(endpoint_memory, a_failed_connect_errbacks_with_the_connectors_reason)
{
    eddy_deferred *d = connect_to("unix:/run/x.sock");
    cr_assert_eq(eddy_memory_reactor_connect_at(mr, 0)->kind, EDDY_ADDRESS_UNIX);
    eddy_memory_reactor_fail_connect(mr, 0, -ECONNREFUSED);
    cr_assert_eq(failure_code(d), -ECONNREFUSED);
    cr_assert_eq(factory.failed, 0, "endpoints report through the Deferred only");
    cr_assert_eq(factory.stopped, 1);
    eddy_deferred_unref(d);
}

Test(endpoint_memory, a_connect_the_network_refuses_at_once_errbacks_at_once)
{
    eddy_memory_reactor_set_errors(mr, 0, -ENETUNREACH);
    eddy_deferred *d = connect_to("tcp:10.9.9.9:80");
    cr_assert_eq(failure_code(d), -ENETUNREACH);
    cr_assert_eq(factory.started, 0);
    eddy_deferred_unref(d);
}

Test(endpoint_memory, cancelling_a_connect_stops_the_attempt)
{
    eddy_deferred *d = connect_to("tcp:127.0.0.1:80");
    eddy_deferred_cancel(d);
    cr_assert_eq(failure_code(d), EDDY_ECANCELLED);
    cr_assert_eq(eddy_memory_reactor_connect_at(mr, 0)->state, EDDY_MEMORY_FAILED);
    cr_assert_eq(factory.stopped, 1);
    eddy_deferred_unref(d);
}

Test(endpoint_memory, cancelling_after_the_connection_is_made_changes_nothing)
{
    eddy_deferred *d = connect_to("tcp:127.0.0.1:80");
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_memory_reactor_complete_connect(mr, 0, st, NULL);
    eddy_deferred_cancel(d);
    eddy_protocol *p = NULL;
    eddy_deferred_add_callback(d, take, &p);
    cr_assert_not_null(p);
    cr_assert_eq(eddy_recording_factory_protocol(&factory, 0)->lost, 0);
    eddy_string_transport_lose(st, EDDY_ECONNDONE);
    eddy_string_transport_free(st);
    eddy_deferred_unref(d);
}

Test(endpoint_memory, a_factory_that_builds_no_protocol_fails_the_connect)
{
    factory.refuse = true;
    eddy_deferred *d = connect_to("tcp:127.0.0.1:80");
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_memory_reactor_complete_connect(mr, 0, st, NULL);
    cr_assert_eq(failure_code(d), EDDY_EFAILED);
    eddy_string_transport_free(st);
    eddy_deferred_unref(d);
}

Test(endpoint_memory, endpoints_made_without_strings_act_the_same)
{
    eddy_tcp_connect_options o = {.timeout = 3};
    eddy_client_endpoint *ep;
    cr_assert_eq(eddy_tcp_client_endpoint_new(&net, "::1", 8443, &o, &ep), 0);
    eddy_deferred *d;
    eddy_endpoint_connect(ep, &factory.base, &d);
    const eddy_memory_connect *c = eddy_memory_reactor_connect_at(mr, 0);
    cr_assert_str_eq(c->host, "::1");
    cr_assert_eq(c->port, 8443);
    cr_assert_float_eq(c->tcp.timeout, 3.0, 1e-9);
    eddy_deferred_cancel(d);
    failure_code(d);
    eddy_deferred_unref(d);
    eddy_client_endpoint_free(ep);
    cr_assert_eq(eddy_tcp_client_endpoint_new(&net, "", 80, NULL, &ep), -EINVAL);
    cr_assert_eq(eddy_tcp_client_endpoint_new(&net, "h", 0, NULL, &ep), -EINVAL);
    eddy_server_endpoint *sep;
    cr_assert_eq(eddy_tcp_server_endpoint_new(&net, 65536, NULL, &sep), -EINVAL);
    cr_assert_eq(eddy_unix_server_endpoint_new(&net, "", NULL, &sep), -EINVAL);
}
