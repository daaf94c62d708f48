/* test_memory_reactor.c - the memory reactor (eddy/testing.h): recorded listens and connects,
 * driving factories by hand, its network, and fake time (advance, pump). */
#include <criterion/criterion.h>
#include <string.h>

#include "eddy.h"

TestSuite(memory_reactor, .timeout = 10);

typedef struct fixture {
    eddy_memory_reactor *mr;
    eddy_network net;
    eddy_recording_factory f;
} fixture;

static void setup(fixture *fx)
{
    cr_assert_eq(eddy_memory_reactor_new(&fx->mr), 0);
    fx->net = eddy_memory_reactor_network(fx->mr);
    eddy_recording_factory_init(&fx->f);
}

static void teardown(fixture *fx)
{
    eddy_memory_reactor_free(fx->mr);
    eddy_recording_factory_release(&fx->f);
}

static void format(const eddy_address *a, char *buf, size_t size)
{
    eddy_address_format(a, buf, size);
}

/* ---- listening ------------------------------------------------------------------------------ */

Test(memory_reactor, listen_tcp_records_port_factory_and_a_copy_of_the_options)
{
    fixture fx;
    setup(&fx);
    char iface[16] = "127.0.0.1";
    eddy_tcp_listen_options o = {.backlog = 7, .interface = iface, .reuse_port = true};
    eddy_listening_port *lp;
    cr_assert_eq(eddy_memory_reactor_listen_tcp(fx.mr, 8080, &fx.f.base, &o, &lp), 0);
    strcpy(iface, "garbage");
    cr_assert_eq(eddy_memory_reactor_listen_count(fx.mr), 1);
    const eddy_memory_listen *rec = eddy_memory_reactor_listen_at(fx.mr, 0);
    cr_assert_eq(rec->kind, EDDY_ADDRESS_TCP);
    cr_assert_eq(rec->port, 8080);
    cr_assert_eq(rec->factory, &fx.f.base);
    cr_assert_eq(rec->tcp.backlog, 7);
    cr_assert(rec->tcp.reuse_port);
    cr_assert_str_eq(rec->tcp.interface, "127.0.0.1");
    cr_assert_eq(rec->port_handle, lp);
    cr_assert_null(eddy_memory_reactor_listen_at(fx.mr, 1));
    teardown(&fx);
}

Test(memory_reactor, listen_starts_the_factory_and_stop_listening_stops_it)
{
    fixture fx;
    setup(&fx);
    eddy_listening_port *lp;
    eddy_memory_reactor_listen_tcp(fx.mr, 80, &fx.f.base, NULL, &lp);
    cr_assert_eq(fx.f.started, 1);
    eddy_deferred *d = eddy_listening_port_stop_listening(lp);
    cr_assert(eddy_deferred_called(d));
    eddy_deferred_unref(d);
    cr_assert_eq(fx.f.stopped, 1);
    cr_assert_not(eddy_memory_reactor_listen_at(fx.mr, 0)->listening);
    eddy_listening_port_free(lp);
    cr_assert_eq(fx.f.stopped, 1, "stopping twice stops the factory once");
    teardown(&fx);
}

Test(memory_reactor, port_reports_the_asked_port_or_a_fake_one_for_zero)
{
    fixture fx;
    setup(&fx);
    eddy_listening_port *a, *b;
    eddy_tcp_listen_options o = {.interface = "::1"};
    eddy_memory_reactor_listen_tcp(fx.mr, 8080, &fx.f.base, NULL, &a);
    eddy_memory_reactor_listen_tcp(fx.mr, 0, &fx.f.base, &o, &b);
    eddy_address addr;
    char buf[64];
    eddy_listening_port_get_host(a, &addr);
    format(&addr, buf, sizeof buf);
    cr_assert_str_eq(buf, "0.0.0.0:8080");
    eddy_listening_port_get_host(b, &addr);
    format(&addr, buf, sizeof buf);
    cr_assert_str_eq(buf, "[::1]:30001");
    cr_assert_null(eddy_listening_port_port(a), "a recorded port has no socket behind it");
    teardown(&fx);
}

Test(memory_reactor, listen_unix_records_path_and_options)
{
    fixture fx;
    setup(&fx);
    eddy_unix_listen_options o = {.mode = 0600, .want_pid = true};
    eddy_listening_port *lp;
    cr_assert_eq(eddy_network_listen_unix(&fx.net, "/run/x.sock", &fx.f.base, &o, &lp), 0);
    const eddy_memory_listen *rec = eddy_memory_reactor_listen_at(fx.mr, 0);
    cr_assert_eq(rec->kind, EDDY_ADDRESS_UNIX);
    cr_assert_str_eq(rec->path, "/run/x.sock");
    cr_assert_eq(rec->unix_options.mode, 0600);
    cr_assert(rec->unix_options.want_pid);
    eddy_address addr;
    char buf[64];
    eddy_listening_port_get_host(lp, &addr);
    format(&addr, buf, sizeof buf);
    cr_assert_str_eq(buf, "unix:/run/x.sock");
    teardown(&fx);
}

Test(memory_reactor, accept_builds_a_protocol_for_the_peer_and_connects_it)
{
    fixture fx;
    setup(&fx);
    eddy_memory_reactor_listen_tcp(fx.mr, 80, &fx.f.base, NULL, NULL);
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_protocol *p;
    cr_assert_eq(eddy_memory_reactor_accept(fx.mr, 0, st, &p), 0);
    cr_assert_eq(p, &eddy_recording_factory_protocol(&fx.f, 0)->base);
    cr_assert_eq(eddy_recording_factory_protocol(&fx.f, 0)->made, 1);
    char buf[64];
    format(&fx.f.last_peer, buf, sizeof buf);
    cr_assert_str_eq(buf, "192.168.1.1:54321");
    eddy_string_transport_lose(st, EDDY_ECONNDONE);
    eddy_string_transport_free(st);
    teardown(&fx);
}

Test(memory_reactor, accept_on_a_port_that_stopped_listening_is_refused)
{
    fixture fx;
    setup(&fx);
    eddy_listening_port *lp;
    eddy_memory_reactor_listen_tcp(fx.mr, 80, &fx.f.base, NULL, &lp);
    eddy_listening_port_free(lp);
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    cr_assert_eq(eddy_memory_reactor_accept(fx.mr, 0, st, NULL), -EINVAL);
    cr_assert_eq(eddy_memory_reactor_accept(fx.mr, 5, st, NULL), -EINVAL);
    eddy_string_transport_free(st);
    teardown(&fx);
}

Test(memory_reactor, accept_refused_by_the_factory_closes_the_transport)
{
    fixture fx;
    setup(&fx);
    fx.f.refuse = true;
    eddy_memory_reactor_listen_tcp(fx.mr, 80, &fx.f.base, NULL, NULL);
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_protocol *p = (eddy_protocol *)&fx;
    cr_assert_eq(eddy_memory_reactor_accept(fx.mr, 0, st, &p), 0);
    cr_assert_null(p);
    cr_assert(eddy_string_transport_disconnecting(st));
    eddy_string_transport_free(st);
    teardown(&fx);
}

/* ---- connecting ----------------------------------------------------------------------------- */

Test(memory_reactor, connect_records_the_attempt_and_calls_started_connecting)
{
    fixture fx;
    setup(&fx);
    eddy_address bind;
    eddy_address_from_ip("10.1.1.1", 0, EDDY_ADDRESS_TCP, &bind);
    eddy_tcp_connect_options o = {.timeout = 5, .bind_address = &bind};
    eddy_memory_reactor_advance(fx.mr, 2.5);
    eddy_connector *c;
    cr_assert_eq(eddy_memory_reactor_connect_tcp(fx.mr, "127.0.0.1", 80, &fx.f.base, &o, &c), 0);
    memset(&bind, 0, sizeof bind);
    const eddy_memory_connect *rec = eddy_memory_reactor_connect_at(fx.mr, 0);
    cr_assert_str_eq(rec->host, "127.0.0.1");
    cr_assert_eq(rec->port, 80);
    cr_assert_eq(rec->tcp.timeout, 5);
    cr_assert_eq(rec->tcp.bind_address, &rec->bind_address);
    char buf[64];
    format(&rec->bind_address, buf, sizeof buf);
    cr_assert_str_eq(buf, "10.1.1.1:0");
    cr_assert_eq(rec->connector, c);
    cr_assert_eq(rec->state, EDDY_MEMORY_CONNECTING);
    cr_assert_float_eq(rec->time, 2.5, 1e-9);
    cr_assert_eq(fx.f.started, 1);
    cr_assert_eq(fx.f.connecting, 1);
    cr_assert_eq(fx.f.last_connector, c);
    teardown(&fx);
}

Test(memory_reactor, complete_connect_builds_a_protocol_for_the_destination)
{
    fixture fx;
    setup(&fx);
    eddy_memory_reactor_connect_tcp(fx.mr, "::1", 443, &fx.f.base, NULL, NULL);
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_protocol *p;
    cr_assert_eq(eddy_memory_reactor_complete_connect(fx.mr, 0, st, &p), 0);
    cr_assert_eq(eddy_recording_factory_protocol(&fx.f, 0)->made, 1);
    cr_assert_eq(p->transport, eddy_string_transport_transport(st));
    char buf[64];
    format(&fx.f.last_peer, buf, sizeof buf);
    cr_assert_str_eq(buf, "[::1]:443");
    cr_assert_eq(eddy_memory_reactor_connect_at(fx.mr, 0)->state, EDDY_MEMORY_CONNECTED);
    cr_assert_eq(eddy_memory_reactor_complete_connect(fx.mr, 0, st, NULL), -EINVAL,
                 "an attempt completes once");
    eddy_string_transport_lose(st, EDDY_ECONNDONE);
    eddy_string_transport_free(st);
    teardown(&fx);
}

Test(memory_reactor, a_completed_connect_the_factory_refuses_fails_as_cancelled)
{
    fixture fx;
    setup(&fx);
    fx.f.refuse = true;
    eddy_memory_reactor_connect_tcp(fx.mr, "127.0.0.1", 80, &fx.f.base, NULL, NULL);
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_protocol *p = (eddy_protocol *)&fx;
    cr_assert_eq(eddy_memory_reactor_complete_connect(fx.mr, 0, st, &p), 0);
    cr_assert_null(p);
    cr_assert_eq(fx.f.failed, 1);
    cr_assert_eq(fx.f.failed_code, EDDY_ECANCELLED);
    cr_assert_eq(fx.f.stopped, 1);
    eddy_string_transport_free(st);
    teardown(&fx);
}

Test(memory_reactor, fail_connect_reports_the_failure_and_stops_the_factory)
{
    fixture fx;
    setup(&fx);
    eddy_memory_reactor_connect_unix(fx.mr, "/x.sock", &fx.f.base, NULL, NULL);
    cr_assert_eq(eddy_memory_reactor_fail_connect(fx.mr, 0, -ECONNREFUSED), 0);
    cr_assert_eq(fx.f.failed, 1);
    cr_assert_eq(fx.f.failed_code, -ECONNREFUSED);
    cr_assert_eq(fx.f.stopped, 1);
    cr_assert_eq(eddy_memory_reactor_connect_at(fx.mr, 0)->state, EDDY_MEMORY_FAILED);
    cr_assert_eq(eddy_memory_reactor_fail_connect(fx.mr, 0, -ECONNREFUSED), -EINVAL);
    teardown(&fx);
}

Test(memory_reactor, losing_a_completed_connection_calls_client_connection_lost)
{
    fixture fx;
    setup(&fx);
    eddy_memory_reactor_connect_tcp(fx.mr, "127.0.0.1", 80, &fx.f.base, NULL, NULL);
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_memory_reactor_complete_connect(fx.mr, 0, st, NULL);
    eddy_string_transport_lose(st, -ECONNRESET);
    cr_assert_eq(eddy_recording_factory_protocol(&fx.f, 0)->lost, 1);
    cr_assert_eq(fx.f.client_lost, 1);
    cr_assert_eq(fx.f.client_lost_code, -ECONNRESET);
    cr_assert_eq(fx.f.stopped, 1);
    cr_assert_eq(eddy_memory_reactor_connect_at(fx.mr, 0)->state, EDDY_MEMORY_CLOSED);
    eddy_string_transport_free(st);
    teardown(&fx);
}

Test(memory_reactor, connector_connect_records_a_retry_to_the_same_destination)
{
    fixture fx;
    setup(&fx);
    eddy_connector *c;
    eddy_network_connect_tcp(&fx.net, "127.0.0.1", 80, &fx.f.base, NULL, &c);
    cr_assert_eq(eddy_network_connector_connect(&fx.net, c), -EBUSY);
    eddy_memory_reactor_fail_connect(fx.mr, 0, EDDY_ETIMEOUT);
    cr_assert_eq(eddy_network_connector_connect(&fx.net, c), 0);
    cr_assert_eq(eddy_memory_reactor_connect_count(fx.mr), 2);
    const eddy_memory_connect *retry = eddy_memory_reactor_connect_at(fx.mr, 1);
    cr_assert_str_eq(retry->host, "127.0.0.1");
    cr_assert_eq(retry->port, 80);
    cr_assert_eq(retry->connector, c);
    cr_assert_eq(fx.f.connecting, 2);
    teardown(&fx);
}

Test(memory_reactor, stop_connecting_fails_the_attempt_as_cancelled)
{
    fixture fx;
    setup(&fx);
    eddy_connector *c;
    eddy_network_connect_tcp(&fx.net, "127.0.0.1", 80, &fx.f.base, NULL, &c);
    eddy_network_connector_stop_connecting(&fx.net, c);
    cr_assert_eq(fx.f.failed, 1);
    cr_assert_eq(fx.f.failed_code, EDDY_ECANCELLED);
    teardown(&fx);
}

Test(memory_reactor, disconnect_closes_the_connection_cleanly)
{
    fixture fx;
    setup(&fx);
    eddy_connector *c;
    eddy_network_connect_tcp(&fx.net, "127.0.0.1", 80, &fx.f.base, NULL, &c);
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_memory_reactor_complete_connect(fx.mr, 0, st, NULL);
    eddy_network_connector_disconnect(&fx.net, c);
    cr_assert(eddy_string_transport_disconnecting(st));
    cr_assert_eq(eddy_recording_factory_protocol(&fx.f, 0)->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(fx.f.client_lost, 1);
    eddy_string_transport_free(st);
    teardown(&fx);
}

Test(memory_reactor, freeing_a_connector_closes_its_connection_without_calling_the_factory)
{
    fixture fx;
    setup(&fx);
    eddy_connector *c;
    eddy_network_connect_tcp(&fx.net, "127.0.0.1", 80, &fx.f.base, NULL, &c);
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_memory_reactor_complete_connect(fx.mr, 0, st, NULL);
    eddy_network_connector_free(&fx.net, c);
    cr_assert_eq(eddy_recording_factory_protocol(&fx.f, 0)->lost, 1);
    cr_assert_eq(fx.f.client_lost, 0);
    cr_assert_eq(fx.f.stopped, 1);
    eddy_string_transport_free(st);
    teardown(&fx);
}

Test(memory_reactor, a_string_transport_may_be_freed_before_the_reactor)
{
    fixture fx;
    setup(&fx);
    eddy_memory_reactor_connect_tcp(fx.mr, "127.0.0.1", 80, &fx.f.base, NULL, NULL);
    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_memory_reactor_complete_connect(fx.mr, 0, st, NULL);
    eddy_string_transport_free(st);
    cr_assert_eq(eddy_memory_reactor_connect_at(fx.mr, 0)->state, EDDY_MEMORY_CLOSED);
    cr_assert_eq(fx.f.client_lost, 0);
    teardown(&fx);
}

Test(memory_reactor, set_errors_fails_listens_and_connects_without_recording_them)
{
    fixture fx;
    setup(&fx);
    eddy_memory_reactor_set_errors(fx.mr, -EADDRINUSE, -ENETUNREACH);
    cr_assert_eq(eddy_memory_reactor_listen_tcp(fx.mr, 80, &fx.f.base, NULL, NULL), -EADDRINUSE);
    cr_assert_eq(eddy_memory_reactor_connect_tcp(fx.mr, "10.0.0.1", 80, &fx.f.base, NULL, NULL),
                 -ENETUNREACH);
    cr_assert_eq(eddy_memory_reactor_listen_count(fx.mr), 0);
    cr_assert_eq(eddy_memory_reactor_connect_count(fx.mr), 0);
    cr_assert_eq(fx.f.started, 0);
    eddy_memory_reactor_set_errors(fx.mr, 0, 0);
    cr_assert_eq(eddy_memory_reactor_listen_tcp(fx.mr, 80, &fx.f.base, NULL, NULL), 0);
    teardown(&fx);
}

/* ---- fake time ------------------------------------------------------------------------------ */

typedef struct clock_probe {
    eddy_reactor *r;
    double ran_at[4];
    int runs;
} clock_probe;

static void note_time(void *arg)
{
    clock_probe *cp = arg;
    cp->ran_at[cp->runs++] = eddy_reactor_seconds(cp->r);
}

Test(memory_reactor, advance_runs_delayed_calls_when_they_become_due)
{
    fixture fx;
    setup(&fx);
    clock_probe cp = {.r = eddy_memory_reactor_reactor(fx.mr)};
    eddy_call_later(cp.r, 10, note_time, &cp);
    eddy_memory_reactor_advance(fx.mr, 9.5);
    cr_assert_eq(cp.runs, 0);
    eddy_memory_reactor_advance(fx.mr, 0.5);
    cr_assert_eq(cp.runs, 1);
    cr_assert_float_eq(eddy_memory_reactor_seconds(fx.mr), 10.0, 1e-9);
    teardown(&fx);
}

Test(memory_reactor, pump_advances_through_each_step_in_turn)
{
    fixture fx;
    setup(&fx);
    clock_probe cp = {.r = eddy_memory_reactor_reactor(fx.mr)};
    eddy_call_later(cp.r, 1, note_time, &cp);
    eddy_call_later(cp.r, 2.5, note_time, &cp);
    eddy_call_later(cp.r, 3, note_time, &cp);
    const double steps[] = {1, 1, 1};
    cr_assert_eq(eddy_reactor_pump(cp.r, steps, 3), 0);
    cr_assert_eq(cp.runs, 3);
    cr_assert_float_eq(cp.ran_at[0], 1.0, 1e-9);
    cr_assert_float_eq(cp.ran_at[1], 3.0, 1e-9, "2.5 is due at the third step");
    cr_assert_float_eq(cp.ran_at[2], 3.0, 1e-9);
    teardown(&fx);
}

Test(memory_reactor, pump_needs_a_fake_clock)
{
    eddy_reactor *r;
    cr_assert_eq(eddy_reactor_new(NULL, &r), 0);
    const double steps[] = {1};
    cr_assert_eq(eddy_reactor_pump(r, steps, 1), -EINVAL);
    cr_assert_eq(eddy_reactor_pump(r, NULL, 1), -EINVAL);
    eddy_reactor_free(r);
}
