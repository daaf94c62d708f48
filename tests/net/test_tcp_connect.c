/* test_tcp_connect.c - TCP clients: connectors and the client factory's callbacks. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_helpers.h"

TestSuite(tcp_connect, .timeout = 30);

typedef struct server {
    eddy_reactor *r;
    rec_factory f;
    eddy_port *port;
    int number;
} server;

static void server_open(server *s, const char *ip)
{
    memset(s, 0, sizeof *s);
    s->r = test_reactor_new();
    rec_factory_init(&s->f);
    eddy_tcp_listen_options o = {.interface = ip};
    cr_assert_eq(eddy_listen_tcp(s->r, 0, &s->f.base, &o, &s->port), 0);
    s->number = port_number(s->port);
}

static void server_close(server *s)
{
    eddy_port_free(s->port);
    eddy_reactor_free(s->r);
    rec_factory_cleanup(&s->f);
}

static bool client_made(void *arg)
{
    rec_factory *f = arg;
    return f->nbuilt > 0 && f->built[0]->made;
}

static bool built_and_lost(void *arg)
{
    rec_factory *f = arg;
    return f->nbuilt > 0 && f->built[0] && f->built[0]->lost;
}

Test(tcp_connect, connects_and_calls_started_connecting_first)
{
    server s;
    server_open(&s, "127.0.0.1");
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &conn), 0);
    cr_assert_eq(c.started_connecting, 1, "from inside eddy_connect_tcp");
    cr_assert_eq(c.starts, 1);
    cr_assert_eq(c.nbuilt, 0);
    cr_assert_null(eddy_connector_transport(conn));
    test_iterate_until_fn(s.r, client_made, &c, 200);
    cr_assert_eq(eddy_connector_transport(conn), c.built[0]->transport);
    eddy_address peer, dest;
    cr_assert_eq(eddy_transport_get_peer(c.built[0]->transport, &peer), 0);
    cr_assert_eq(eddy_connector_get_destination(conn, &dest), 0);
    cr_assert_eq(eddy_address_port(&peer), s.number);
    cr_assert_eq(eddy_address_port(&dest), s.number);
    /* Both ends talk. */
    eddy_transport_write(c.built[0]->transport, "hi", 2);
    test_iterate_until_fn(s.r, client_made, &s.f, 200);
    s.f.built[0]->want = 2;
    test_iterate_until_fn(s.r, rec_has_bytes, s.f.built[0], 200);
    eddy_connector_disconnect(conn);
    test_iterate_until(s.r, &c.client_lost_flag, 200);
    cr_assert_eq(c.client_lost_code, EDDY_ECONNDONE);
    cr_assert_eq(c.built[0]->lost_code, EDDY_ECONNDONE);
    cr_assert_null(eddy_connector_transport(conn));
    cr_assert_eq(c.stops, 1, "stopped once the connector is done");
    test_iterate_until_fn(s.r, rec_lost, s.f.built[0], 200);
    eddy_connector_free(conn);
    cr_assert_eq(c.stops, 1);
    server_close(&s);
    rec_factory_cleanup(&c);
}

Test(tcp_connect, ipv6_loopback)
{
    if (!have_ipv6())
        cr_skip_test("no IPv6 on this machine");
    server s;
    server_open(&s, "::1");
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "::1", s.number, &c.base, NULL, &conn), 0);
    test_iterate_until_fn(s.r, client_made, &c, 200);
    eddy_connector_free(conn); /* disconnects */
    test_iterate_until_fn(s.r, built_and_lost, &c, 200);
    cr_assert_eq(c.client_lost, 0, "a freed connector calls the factory no more");
    server_close(&s);
    rec_factory_cleanup(&c);
}

Test(tcp_connect, refused_reports_econnrefused)
{
    server s;
    server_open(&s, "127.0.0.1");
    eddy_deferred_unref(eddy_port_stop_listening(s.port));
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &conn), 0);
    cr_assert_eq(c.failed, 0, "reported from the loop, not inside the call");
    test_iterate_until(s.r, &c.failed_flag, 200);
    cr_assert_eq(c.failed_code, -ECONNREFUSED);
    cr_assert_eq(c.nbuilt, 0);
    cr_assert_eq(c.stops, 1);
    eddy_connector_free(conn);
    server_close(&s);
}

Test(tcp_connect, times_out_with_etimeout)
{
    /* A listener whose backlog is full drops further SYNs: the connect hangs. */
    server s;
    memset(&s, 0, sizeof s);
    s.r = test_reactor_new();
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(l, 0), 0);
    socklen_t len = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &len);
    int fill[4];
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fill[i], (struct sockaddr *)&a, sizeof a);
    }
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    eddy_tcp_connect_options o = {.timeout = 0.2};
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", ntohs(a.sin_port), &c.base, &o, &conn), 0);
    test_iterate_until(s.r, &c.failed_flag, 400);
    cr_assert_eq(c.failed_code, EDDY_ETIMEOUT);
    eddy_connector_free(conn);
    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(l);
    eddy_reactor_free(s.r);
}

Test(tcp_connect, stop_connecting_reports_ecancelled)
{
    server s;
    server_open(&s, "127.0.0.1");
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &conn), 0);
    eddy_connector_stop_connecting(conn);
    cr_assert_eq(c.failed, 1);
    cr_assert_eq(c.failed_code, EDDY_ECANCELLED);
    for (int i = 0; i < 10; i++)
        eddy_reactor_iterate(s.r, 0.01);
    cr_assert_eq(c.nbuilt, 0);
    cr_assert_eq(c.failed, 1);
    eddy_connector_free(conn);
    server_close(&s);
}

Test(tcp_connect, connect_again_after_a_failure_and_ebusy_while_connected)
{
    server s;
    server_open(&s, "127.0.0.1");
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &conn), 0);
    cr_assert_eq(eddy_connector_connect(conn), -EBUSY, "already connecting");
    eddy_connector_stop_connecting(conn);
    cr_assert_eq(eddy_connector_connect(conn), 0);
    cr_assert_eq(c.started_connecting, 2);
    test_iterate_until_fn(s.r, client_made, &c, 200);
    cr_assert_eq(eddy_connector_connect(conn), -EBUSY, "already connected");
    eddy_connector_disconnect(conn);
    test_iterate_until(s.r, &c.client_lost_flag, 200);
    cr_assert_eq(eddy_connector_connect(conn), 0, "again after the connection ended");
    for (int i = 0; i < 200 && c.nbuilt < 2; i++)
        eddy_reactor_iterate(s.r, 0.01);
    cr_assert_eq(c.nbuilt, 2);
    eddy_connector_free(conn);
    server_close(&s);
    rec_factory_cleanup(&c);
}

static void reconnect(rec_factory *f, eddy_connector *c)
{
    if (f->failed < 3)
        cr_assert_eq(eddy_connector_connect(c), 0);
}

Test(tcp_connect, factory_stays_started_while_it_retries_from_its_callback)
{
    server s;
    server_open(&s, "127.0.0.1");
    eddy_deferred_unref(eddy_port_stop_listening(s.port));
    rec_factory c;
    rec_factory_init(&c);
    c.on_failed = reconnect;
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &conn), 0);
    for (int i = 0; i < 200 && c.failed < 3; i++)
        eddy_reactor_iterate(s.r, 0.01);
    cr_assert_eq(c.failed, 3);
    cr_assert_eq(c.starts, 1);
    cr_assert_eq(c.stops, 1, "stopped once, after the last attempt");
    eddy_connector_free(conn);
    server_close(&s);
}

static void free_connector(rec_factory *f, eddy_connector *c)
{
    eddy_connector_free(c);
}

Test(tcp_connect, freeing_the_connector_inside_client_connection_failed_is_safe)
{
    server s;
    server_open(&s, "127.0.0.1");
    eddy_deferred_unref(eddy_port_stop_listening(s.port));
    rec_factory c;
    rec_factory_init(&c);
    c.on_failed = free_connector;
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &conn), 0);
    test_iterate_until(s.r, &c.failed_flag, 200);
    cr_assert_eq(c.stops, 1);
    server_close(&s);
}

Test(tcp_connect, freeing_the_connector_inside_client_connection_lost_is_safe)
{
    server s;
    server_open(&s, "127.0.0.1");
    rec_factory c;
    rec_factory_init(&c);
    c.on_client_lost = free_connector;
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &conn), 0);
    test_iterate_until_fn(s.r, client_made, &c, 200);
    eddy_transport_abort_connection(c.built[0]->transport);
    test_iterate_until(s.r, &c.client_lost_flag, 200);
    cr_assert_eq(c.client_lost_code, EDDY_EABORTED);
    cr_assert_eq(c.stops, 1);
    server_close(&s);
    rec_factory_cleanup(&c);
}

Test(tcp_connect, binds_the_local_address_it_is_given)
{
    server s;
    server_open(&s, "127.0.0.1");
    /* Find a free local port to bind to. */
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(probe, (struct sockaddr *)&a, sizeof a);
    socklen_t len = sizeof a;
    getsockname(probe, (struct sockaddr *)&a, &len);
    close(probe);
    eddy_address local;
    eddy_address_from_ip("127.0.0.1", ntohs(a.sin_port), EDDY_ADDRESS_TCP, &local);
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    eddy_tcp_connect_options o = {.bind_address = &local};
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, &o, &conn), 0);
    test_iterate_until_fn(s.r, client_made, &c, 200);
    eddy_address host;
    cr_assert_eq(eddy_transport_get_host(c.built[0]->transport, &host), 0);
    cr_assert_eq(eddy_address_port(&host), ntohs(a.sin_port));
    eddy_connector_free(conn);
    test_iterate_until_fn(s.r, built_and_lost, &c, 200);
    server_close(&s);
    rec_factory_cleanup(&c);
}

Test(tcp_connect, refused_by_build_protocol_reports_ecancelled)
{
    server s;
    server_open(&s, "127.0.0.1");
    rec_factory c;
    rec_factory_init(&c);
    c.refuse = true;
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &conn), 0);
    test_iterate_until(s.r, &c.failed_flag, 200);
    cr_assert_eq(c.failed_code, EDDY_ECANCELLED);
    eddy_connector_free(conn);
    server_close(&s);
}

/* Stop the attempt from inside build_protocol: `arg` is the connector. */
static void stop_while_building(rec_protocol *p, void *arg)
{
    (void)p;
    eddy_connector_stop_connecting(*(eddy_connector **)arg);
}

Test(tcp_connect, stop_connecting_inside_build_protocol_reports_ecancelled_once)
{
    server s;
    server_open(&s, "127.0.0.1");
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    c.configure = stop_while_building;
    c.configure_arg = &conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &conn), 0);
    test_iterate_until(s.r, &c.failed_flag, 200);
    cr_assert_eq(c.failed_code, EDDY_ECANCELLED);
    cr_assert_eq(c.nbuilt, 1);
    cr_assert_not(c.built[0]->made, "a cancelled attempt makes no connection");
    cr_assert_null(eddy_connector_transport(conn));
    /* The server side sees the cancelled connection close. */
    test_iterate_until_fn(s.r, client_made, &s.f, 200);
    test_iterate_until_fn(s.r, rec_lost, s.f.built[0], 200);
    cr_assert_eq(c.failed, 1);
    cr_assert_eq(c.client_lost, 0, "the attempt ended once, as failed");
    cr_assert_eq(c.starts, 1);
    cr_assert_eq(c.stops, 1);
    eddy_connector_free(conn);
    server_close(&s);
    rec_factory_cleanup(&c);
}

typedef struct build_count {
    int builds;
    eddy_connector *conn;
} build_count;

/* Stop only the first attempt from inside build_protocol. */
static void stop_first_while_building(rec_protocol *p, void *arg)
{
    (void)p;
    build_count *b = arg;
    if (++b->builds == 1)
        eddy_connector_stop_connecting(b->conn);
}

static void connect_again_once(rec_factory *f, eddy_connector *c)
{
    if (f->failed == 1)
        cr_assert_eq(eddy_connector_connect(c), 0);
}

static bool second_made(void *arg)
{
    rec_factory *f = arg;
    return f->nbuilt > 1 && f->built[1]->made;
}

Test(tcp_connect, a_new_attempt_begun_inside_build_protocol_is_not_taken_over)
{
    server s;
    server_open(&s, "127.0.0.1");
    rec_factory c;
    rec_factory_init(&c);
    build_count arg = {0, NULL};
    c.configure = stop_first_while_building;
    c.configure_arg = &arg;
    c.on_failed = connect_again_once; /* runs inside build_protocol, via stop_connecting */
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &arg.conn), 0);
    test_iterate_until_fn(s.r, second_made, &c, 200);
    cr_assert_not(c.built[0]->made, "the stopped attempt makes no connection");
    cr_assert_eq(eddy_connector_transport(arg.conn), c.built[1]->transport);
    eddy_connector_disconnect(arg.conn);
    test_iterate_until(s.r, &c.client_lost_flag, 200);
    cr_assert_eq(c.failed, 1);
    cr_assert_eq(c.client_lost, 1);
    cr_assert_eq(c.starts, 1);
    cr_assert_eq(c.stops, 1);
    eddy_connector_free(arg.conn);
    server_close(&s);
    rec_factory_cleanup(&c);
}

Test(tcp_connect, bad_host_or_port_is_einval)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(r, "example.org", 80, &c.base, NULL, &conn), -EINVAL);
    cr_assert_eq(eddy_connect_tcp(r, "127.0.0.1", 0, &c.base, NULL, &conn), -EINVAL);
    cr_assert_eq(eddy_connect_tcp(r, "127.0.0.1", 65536, &c.base, NULL, &conn), -EINVAL);
    cr_assert_eq(c.started_connecting, 0);
    cr_assert_eq(c.starts, 0);
    eddy_reactor_free(r);
}

Test(tcp_connect, reactor_stop_while_connecting_fails_the_attempt)
{
    eddy_reactor *r = test_reactor_new();
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 0);
    socklen_t len = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &len);
    int fill[4];
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fill[i], (struct sockaddr *)&a, sizeof a);
    }
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(r, "127.0.0.1", ntohs(a.sin_port), &c.base, NULL, &conn), 0);
    eddy_reactor_fire_system_event(r, "shutdown"); /* what stop() leads to */
    cr_assert(c.failed_flag);
    cr_assert_eq(c.failed_code, EDDY_ECONNLOST);
    eddy_connector_free(conn);
    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(l);
    eddy_reactor_free(r);
}

Test(tcp_connect, reactor_stop_before_an_early_failure_is_reported_still_reports_it)
{
    /* Binding to an address this host does not have fails inside eddy_connect_tcp; the report
     * waits for the loop, and a shutdown first must not swallow it. */
    eddy_reactor *r = test_reactor_new();
    eddy_address local;
    eddy_address_from_ip("192.0.2.1", 0, EDDY_ADDRESS_TCP, &local); /* TEST-NET-1 */
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    eddy_tcp_connect_options o = {.bind_address = &local};
    cr_assert_eq(eddy_connect_tcp(r, "127.0.0.1", 9, &c.base, &o, &conn), 0);
    cr_assert_eq(c.failed, 0, "reported from the loop, not inside the call");
    eddy_reactor_fire_system_event(r, "shutdown"); /* what stop() leads to */
    cr_assert_eq(c.failed, 1);
    cr_assert_eq(c.failed_code, -EADDRNOTAVAIL);
    cr_assert_eq(c.stops, 1, "and the factory is stopped");
    eddy_connector_free(conn);
    eddy_reactor_free(r);
    rec_factory_cleanup(&c);
}

/* A factory whose start_factory frees the connector it is started for. */
static eddy_connector *to_free;
static eddy_factory_ops freeing_ops;

static void free_on_start(eddy_factory *f)
{
    (void)f;
    eddy_connector_free(to_free);
}

Test(tcp_connect, freeing_the_connector_inside_start_factory_is_safe)
{
    server s;
    server_open(&s, "127.0.0.1");
    rec_factory c;
    rec_factory_init(&c);
    eddy_connector *conn;
    cr_assert_eq(eddy_connect_tcp(s.r, "127.0.0.1", s.number, &c.base, NULL, &conn), 0);
    eddy_connector_stop_connecting(conn); /* the factory is stopped: the next attempt starts it */
    freeing_ops = *c.base.ops;
    freeing_ops.start_factory = free_on_start;
    c.base.ops = &freeing_ops;
    to_free = conn;
    cr_assert_eq(eddy_connector_connect(conn), 0); /* ASan: nothing touches it afterwards */
    for (int i = 0; i < 3; i++)
        eddy_reactor_iterate(s.r, 0);
    server_close(&s);
    rec_factory_cleanup(&c);
}
