/* test_policies_sockets.c - the policies over real TCP connections on loopback, on every backend:
 * a timeout closes an idle socket, a limit drops the connection over it, a throttle slows a real
 * transfer, and all of them stacked carry a line protocol. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "eddy.h"
#include "eddy_test.h"
#include "net_helpers.h"

TestSuite(policies_sockets, .timeout = 60);

/* Listen on 127.0.0.1 with `f`; returns the port number. */
static int listen_on(eddy_reactor *r, eddy_factory *f, eddy_port **port)
{
    eddy_tcp_listen_options o = {.interface = "127.0.0.1"};
    cr_assert_eq(eddy_listen_tcp(r, 0, f, &o, port), 0);
    return port_number(*port);
}

static bool built_n(rec_factory *rf, int n, eddy_reactor *r)
{
    for (int i = 0; i < 500 && rf->nbuilt < n; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0.01), 0);
    return rf->nbuilt >= n;
}

Test(policies_sockets, idle_tcp_connection_is_closed_by_the_timeout)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory rf;
    rec_factory_init(&rf);
    eddy_timeout_factory tf;
    cr_assert_eq(eddy_timeout_factory_init(&tf, r, &rf.base, 0.1), 0);
    eddy_port *port;
    int fd = raw_connect("127.0.0.1", listen_on(r, &tf.wrapping.base, &port));
    cr_assert(built_n(&rf, 1, r));
    double start = eddy_reactor_seconds(r);
    cr_assert_eq(raw_wait_closed(r, fd), 0, "the server closed cleanly");
    cr_assert_geq(eddy_reactor_seconds(r) - start, 0.09);
    test_iterate_until(r, &rf.built[0]->lost, 100);
    cr_assert_eq(rf.built[0]->lost_code, EDDY_ECONNDONE);
    close(fd);
    eddy_port_free(port);
    rec_factory_cleanup(&rf);
    eddy_reactor_free(r);
}

Test(policies_sockets, connection_over_the_limit_is_dropped_and_the_first_served)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory rf;
    rec_factory_init(&rf);
    eddy_limit_factory lf;
    eddy_limit_factory_init(&lf, &rf.base, &(eddy_limit_options){.max_per_peer = 1});
    eddy_port *port;
    int portno = listen_on(r, &lf.wrapping.base, &port);
    int a = raw_connect("127.0.0.1", portno);
    cr_assert(built_n(&rf, 1, r));
    int b = raw_connect("127.0.0.1", portno);
    int rc = raw_wait_closed(r, b);
    cr_assert(rc == 0 || rc == -ECONNRESET, "the second connection is dropped: %d", rc);
    cr_assert_eq(lf.refused, 1);
    raw_write(r, a, "still here", 10);
    rf.built[0]->want = 10;
    test_iterate_until_fn(r, rec_has_bytes, rf.built[0], 500);
    close(a);
    close(b);
    test_iterate_until(r, &rf.built[0]->lost, 500);
    cr_assert_eq(lf.connections, 0);
    eddy_port_free(port);
    eddy_limit_factory_fini(&lf);
    rec_factory_cleanup(&rf);
    eddy_reactor_free(r);
}

Test(policies_sockets, read_throttle_slows_a_real_transfer_to_the_limit)
{
    enum { TOTAL = 1500000, LIMIT = 1000000 };
    eddy_reactor *r = test_reactor_new();
    rec_factory rf;
    rec_factory_init(&rf);
    eddy_throttling_factory tf;
    cr_assert_eq(eddy_throttling_factory_init(
                     &tf, r, &rf.base, &(eddy_throttle_options){.connection_read_limit = LIMIT}),
                 0);
    eddy_port *port;
    int fd = raw_connect("127.0.0.1", listen_on(r, &tf.wrapping.base, &port));
    cr_assert(built_n(&rf, 1, r));
    char *data = malloc(TOTAL);
    cr_assert_not_null(data);
    fill_pattern(data, TOTAL, 7);
    double start = eddy_reactor_seconds(r);
    raw_write(r, fd, data, TOTAL);
    rf.built[0]->want = TOTAL;
    test_iterate_until_fn(r, rec_has_bytes, rf.built[0], 2000);
    double took = eddy_reactor_seconds(r) - start;
    /* After the first 1 MB the connection is held until TOTAL / LIMIT seconds have passed. */
    cr_assert_geq(took, 1.0, "took %.3f s", took);
    cr_assert_eq(memcmp(rf.built[0]->data, data, TOTAL), 0);
    free(data);
    close(fd);
    test_iterate_until(r, &rf.built[0]->lost, 500);
    eddy_port_free(port);
    rec_factory_cleanup(&rf);
    eddy_reactor_free(r);
}

/* An echo server of lines, to run under the stacked policies. */
typedef struct echo {
    eddy_line_receiver lr;
} echo;

static void echo_line(eddy_line_receiver *lr, const char *line, size_t len)
{
    eddy_line_receiver_send_line(lr, line, len);
}

static void echo_lost(eddy_line_receiver *lr, const eddy_failure *reason)
{
    free(lr);
}

static const eddy_line_receiver_ops echo_ops = {.line_received = echo_line,
                                                .connection_lost = echo_lost};

static eddy_protocol *echo_build(eddy_factory *f, const eddy_address *peer)
{
    echo *e = malloc(sizeof *e);
    cr_assert_not_null(e);
    eddy_line_receiver_init(&e->lr, &echo_ops);
    return &e->lr.base.protocol;
}

static const eddy_factory_ops echo_factory_ops = {.build_protocol = echo_build};

Test(policies_sockets, stacked_policies_carry_a_line_protocol)
{
    eddy_reactor *r = test_reactor_new();
    eddy_factory echo_factory = {.ops = &echo_factory_ops};
    eddy_throttling_factory throttle;
    cr_assert_eq(eddy_throttling_factory_init(&throttle, r, &echo_factory,
                                              &(eddy_throttle_options){.read_limit = 1e6}),
                 0);
    eddy_limit_factory limit;
    eddy_limit_factory_init(&limit, &throttle.wrapping.base,
                            &(eddy_limit_options){.max_connections = 10});
    eddy_timeout_factory timeout;
    cr_assert_eq(eddy_timeout_factory_init(&timeout, r, &limit.wrapping.base, 30), 0);
    eddy_port *port;
    int fd = raw_connect("127.0.0.1", listen_on(r, &timeout.wrapping.base, &port));
    raw_write(r, fd, "hello\r\nworld\r\n", 14);
    char buf[32] = {0};
    cr_assert_eq(raw_read(r, fd, buf, 14, NULL), 14);
    cr_assert_str_eq(buf, "hello\r\nworld\r\n");
    cr_assert_eq(limit.connections, 1);
    close(fd);
    for (int i = 0; i < 500 && limit.connections; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0.01), 0);
    cr_assert_eq(limit.connections, 0);
    cr_assert_eq(eddy_reactor_pending_calls(r), 0, "no timer outlives its connection");
    eddy_port_free(port);
    eddy_limit_factory_fini(&limit);
    eddy_reactor_free(r);
}
