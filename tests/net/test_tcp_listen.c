/* test_tcp_listen.c - listening TCP ports: binding, families, factories, accepting, stopping. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "net_helpers.h"

TestSuite(tcp_listen, .timeout = 30);

static void stop_reactor(void *r)
{
    eddy_reactor_stop(r);
}

static bool factory_built_n(void *arg)
{
    rec_factory *f = arg;
    return f->nbuilt >= *(int *)f->configure_arg;
}

static void listen_and_accept_one(const char *interface, const char *connect_ip)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    int want = 1;
    f.configure_arg = &want;
    eddy_port *port;
    eddy_tcp_listen_options o = {.interface = interface};
    cr_assert_eq(eddy_listen_tcp(r, 0, &f.base, &o, &port), 0);
    int fd = raw_connect(connect_ip, port_number(port));
    test_iterate_until_fn(r, factory_built_n, &f, 200);
    eddy_address peer;
    cr_assert_eq(eddy_transport_get_peer(f.built[0]->transport, &peer), 0);
    cr_assert_eq(peer.kind, EDDY_ADDRESS_TCP);
    close(fd);
    test_iterate_until_fn(r, rec_lost, f.built[0], 200);
    eddy_port_free(port);
    eddy_reactor_free(r);
    rec_factory_cleanup(&f);
}

Test(tcp_listen, port_zero_picks_a_free_port)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *port;
    cr_assert_eq(
        eddy_listen_tcp(r, 0, &f.base, &(eddy_tcp_listen_options){.interface = "127.0.0.1"}, &port),
        0);
    cr_assert_gt(port_number(port), 0);
    cr_assert(eddy_port_listening(port));
    cr_assert_geq(eddy_port_fileno(port), 0);
    eddy_port_free(port);
    eddy_reactor_free(r);
}

Test(tcp_listen, ipv4_loopback_accepts_connections)
{
    listen_and_accept_one("127.0.0.1", "127.0.0.1");
}

Test(tcp_listen, ipv6_loopback_accepts_connections)
{
    if (!have_ipv6())
        cr_skip_test("no IPv6 on this machine");
    listen_and_accept_one("::1", "::1");
}

Test(tcp_listen, dual_stack_any_accepts_ipv4_clients)
{
    if (!have_ipv6())
        cr_skip_test("no IPv6 on this machine");
    listen_and_accept_one("::", "127.0.0.1");
}

Test(tcp_listen, default_interface_is_all_ipv4)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *port;
    cr_assert_eq(eddy_listen_tcp(r, 0, &f.base, NULL, &port), 0);
    eddy_address a;
    eddy_port_get_host(port, &a);
    char text[64];
    eddy_address_format(&a, text, sizeof text);
    cr_assert(strncmp(text, "0.0.0.0:", 8) == 0, "host is %s", text);
    eddy_port_free(port);
    eddy_reactor_free(r);
}

Test(tcp_listen, same_port_twice_fails_with_eaddrinuse)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_tcp_listen_options o = {.interface = "127.0.0.1"};
    eddy_port *a, *b = NULL;
    cr_assert_eq(eddy_listen_tcp(r, 0, &f.base, &o, &a), 0);
    cr_assert_eq(eddy_listen_tcp(r, port_number(a), &f.base, &o, &b), -EADDRINUSE);
    cr_assert_eq(f.starts, 1, "a port that failed does not start the factory");
    eddy_port_free(a);
    eddy_reactor_free(r);
}

Test(tcp_listen, reuse_port_lets_two_ports_share_a_number)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_tcp_listen_options o = {.interface = "127.0.0.1", .reuse_port = true};
    eddy_port *a, *b;
    cr_assert_eq(eddy_listen_tcp(r, 0, &f.base, &o, &a), 0);
    cr_assert_eq(eddy_listen_tcp(r, port_number(a), &f.base, &o, &b), 0);
    eddy_port_free(a);
    eddy_port_free(b);
    eddy_reactor_free(r);
}

Test(tcp_listen, bad_interface_or_port_is_einval)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *port;
    cr_assert_eq(
        eddy_listen_tcp(r, 0, &f.base, &(eddy_tcp_listen_options){.interface = "localhost"}, &port),
        -EINVAL);
    cr_assert_eq(eddy_listen_tcp(r, 70000, &f.base, NULL, &port), -EINVAL);
    cr_assert_eq(f.starts, 0);
    eddy_reactor_free(r);
}

Test(tcp_listen, factory_starts_once_for_two_ports_and_stops_after_the_last)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_tcp_listen_options o = {.interface = "127.0.0.1"};
    eddy_port *a, *b;
    cr_assert_eq(eddy_listen_tcp(r, 0, &f.base, &o, &a), 0);
    cr_assert_eq(eddy_listen_tcp(r, 0, &f.base, &o, &b), 0);
    cr_assert_eq(f.starts, 1);
    eddy_deferred *d = eddy_port_stop_listening(a);
    cr_assert_not_null(d);
    cr_assert(eddy_deferred_called(d), "the port is closed when stop_listening returns");
    eddy_deferred_unref(d);
    cr_assert_eq(f.stops, 0);
    eddy_port_free(b);
    cr_assert_eq(f.stops, 1);
    eddy_port_free(a);
    cr_assert_eq(f.stops, 1, "stopping twice stops the factory once");
    eddy_reactor_free(r);
}

Test(tcp_listen, stop_listening_refuses_new_connections)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *port;
    cr_assert_eq(
        eddy_listen_tcp(r, 0, &f.base, &(eddy_tcp_listen_options){.interface = "127.0.0.1"}, &port),
        0);
    int number = port_number(port);
    eddy_deferred_unref(eddy_port_stop_listening(port));
    cr_assert(!eddy_port_listening(port));
    cr_assert_eq(eddy_port_fileno(port), -1);
    eddy_deferred *again = eddy_port_stop_listening(port);
    cr_assert_not_null(again, "stopping twice is allowed");
    eddy_deferred_unref(again);
    eddy_address a;
    eddy_address_from_ip("127.0.0.1", number, EDDY_ADDRESS_TCP, &a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a.sa, a.len), -1);
    cr_assert_eq(errno, ECONNREFUSED);
    close(fd);
    eddy_port_free(port);
    eddy_reactor_free(r);
}

Test(tcp_listen, build_protocol_returning_null_closes_the_connection)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    f.refuse = true;
    eddy_port *port;
    cr_assert_eq(
        eddy_listen_tcp(r, 0, &f.base, &(eddy_tcp_listen_options){.interface = "127.0.0.1"}, &port),
        0);
    int fd = raw_connect("127.0.0.1", port_number(port));
    cr_assert_eq(raw_wait_closed(r, fd), 0, "the client sees the connection closed");
    close(fd);
    eddy_port_free(port);
    eddy_reactor_free(r);
}

Test(tcp_listen, accepts_a_burst_of_connections)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    int want = 60;
    f.configure_arg = &want;
    eddy_port *port;
    eddy_tcp_listen_options o = {.interface = "127.0.0.1", .backlog = 128};
    cr_assert_eq(eddy_listen_tcp(r, 0, &f.base, &o, &port), 0);
    int fds[60];
    for (int i = 0; i < want; i++)
        fds[i] = raw_connect("127.0.0.1", port_number(port));
    test_iterate_until_fn(r, factory_built_n, &f, 100);
    for (int i = 0; i < want; i++)
        close(fds[i]);
    for (int i = 0; i < want; i++)
        test_iterate_until_fn(r, rec_lost, f.built[i], 200);
    eddy_port_free(port);
    eddy_reactor_free(r);
    rec_factory_cleanup(&f);
}

Test(tcp_listen, accepted_sockets_are_nonblocking_and_close_on_exec)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    int fd = eddy_transport_fileno(p.t);
    cr_assert_geq(fd, 0);
    cr_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
    cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    tcp_pair_close(&p);
}

Test(tcp_listen, reactor_stop_closes_ports_and_stops_factories)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *port;
    cr_assert_eq(
        eddy_listen_tcp(r, 0, &f.base, &(eddy_tcp_listen_options){.interface = "127.0.0.1"}, &port),
        0);
    eddy_call_later(r, 0, stop_reactor, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert(!eddy_port_listening(port));
    cr_assert_eq(f.stops, 1);
    eddy_port_free(port);
    eddy_reactor_free(r);
}
