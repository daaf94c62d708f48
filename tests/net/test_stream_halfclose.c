/* test_stream_halfclose.c - half-open connections in both directions: the peer's EOF
 * (eof_received) and our own lose_write_connection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_helpers.h"

TestSuite(stream_halfclose, .timeout = 60);

#define BIG (4u * 1024u * 1024u)

static bool has_eof(void *p)
{
    return ((rec_protocol *)p)->eof;
}

Test(stream_halfclose, eof_received_true_keeps_writing_after_the_peer_shut_down)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    p.server->keep_open_on_eof = true;
    cr_assert_eq(shutdown(p.client, SHUT_WR), 0);
    test_iterate_until_fn(p.r, has_eof, p.server, 200);
    for (int i = 0; i < 5; i++)
        eddy_reactor_iterate(p.r, 0.01);
    cr_assert(!p.server->lost, "half-open: still connected");
    cr_assert_eq(eddy_transport_write(p.t, "late", 4), 0);
    char buf[4];
    cr_assert_eq(raw_read(p.r, p.client, buf, 4, NULL), 4);
    cr_assert(memcmp(buf, "late", 4) == 0);
    eddy_transport_lose_connection(p.t);
    cr_assert_eq(raw_wait_closed(p.r, p.client), 0);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE);
    cr_assert_str_eq(p.server->events, "mel");
    tcp_pair_close(&p);
}

Test(stream_halfclose, eof_received_false_flushes_then_closes_cleanly)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *out = malloc(BIG), *in = malloc(BIG);
    fill_pattern(out, BIG, 5);
    cr_assert_eq(eddy_transport_write(p.t, out, BIG), 0);
    cr_assert_eq(shutdown(p.client, SHUT_WR), 0);
    bool eof;
    cr_assert_eq(raw_read(p.r, p.client, in, BIG, &eof), BIG, "what was queued still arrives");
    cr_assert(memcmp(in, out, BIG) == 0);
    cr_assert_eq(raw_wait_closed(p.r, p.client), 0);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE);
    cr_assert_str_eq(p.server->events, "mel");
    free(out);
    free(in);
    tcp_pair_close(&p);
}

static bool write_lost(void *p)
{
    return ((rec_protocol *)p)->write_lost;
}

Test(stream_halfclose, lose_write_connection_shuts_down_after_the_queue_drains)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *out = malloc(BIG), *in = malloc(BIG);
    fill_pattern(out, BIG, 6);
    cr_assert_eq(eddy_transport_write(p.t, out, BIG), 0);
    cr_assert_eq(eddy_transport_lose_write_connection(p.t), 0);
    cr_assert(!p.server->write_lost, "only once drained");
    cr_assert_eq(eddy_transport_write(p.t, "x", 1), -ENOTCONN, "no writes after it");
    cr_assert_eq(raw_read(p.r, p.client, in, BIG, NULL), BIG);
    cr_assert(memcmp(in, out, BIG) == 0);
    cr_assert_eq(raw_wait_closed(p.r, p.client), 0, "the peer sees EOF");
    test_iterate_until_fn(p.r, write_lost, p.server, 100);
    /* Reading goes on. */
    raw_write(p.r, p.client, "still here", 10);
    p.server->want = 10;
    test_iterate_until_fn(p.r, rec_has_bytes, p.server, 200);
    cr_assert(!p.server->lost);
    /* The peer closes too: both directions are done. */
    close(p.client);
    p.client = -1;
    test_iterate_until_fn(p.r, rec_lost, p.server, 200);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE);
    cr_assert_str_eq(p.server->events, "mwdel");
    free(out);
    free(in);
    tcp_pair_close(&p);
}

/* Both ends are eddy connections that stay half-open: each shuts its writing side in turn. */
static bool both_lost(void *arg)
{
    rec_protocol **two = arg;
    return two[0] && two[1] && two[0]->lost && two[1]->lost;
}

static void keep_open(rec_protocol *p, void *arg)
{
    (void)arg;
    p->keep_open_on_eof = true;
}

Test(stream_halfclose, both_directions_half_closed_end_in_a_clean_close)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory server, client;
    rec_factory_init(&server);
    rec_factory_init(&client);
    server.configure = client.configure = keep_open;
    eddy_port *port;
    cr_assert_eq(eddy_listen_tcp(r, 0, &server.base,
                                 &(eddy_tcp_listen_options){.interface = "127.0.0.1"}, &port),
                 0);
    eddy_connector *c;
    cr_assert_eq(eddy_connect_tcp(r, "127.0.0.1", port_number(port), &client.base, NULL, &c), 0);
    for (int i = 0; i < 200 && (server.nbuilt == 0 || client.nbuilt == 0); i++)
        eddy_reactor_iterate(r, 0.01);
    rec_protocol *s = server.built[0], *k = client.built[0];
    cr_assert(s && k && s->made && k->made);
    /* Client: send, then shut its side. */
    eddy_transport_write(k->transport, "question", 8);
    eddy_transport_lose_write_connection(k->transport);
    test_iterate_until_fn(r, has_eof, s, 200);
    cr_assert_eq(s->len, 8);
    /* Server: answer, then shut its side. */
    eddy_transport_write(s->transport, "answer", 6);
    eddy_transport_lose_write_connection(s->transport);
    rec_protocol *two[2] = {s, k};
    test_iterate_until_fn(r, both_lost, two, 200);
    cr_assert_eq(k->len, 6);
    cr_assert_eq(s->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(k->lost_code, EDDY_ECONNDONE);
    cr_assert_str_eq(k->events, "mwdel", "the peer's EOF is reported, then the end");
    cr_assert_str_eq(s->events, "mdewl");
    eddy_connector_free(c);
    eddy_port_free(port);
    eddy_reactor_free(r);
    rec_factory_cleanup(&server);
    rec_factory_cleanup(&client);
}

Test(stream_halfclose, lose_write_connection_is_idempotent)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    cr_assert_eq(eddy_transport_lose_write_connection(p.t), 0);
    cr_assert_eq(eddy_transport_lose_write_connection(p.t), 0);
    test_iterate_until_fn(p.r, write_lost, p.server, 100);
    cr_assert_eq(eddy_transport_lose_write_connection(p.t), 0);
    cr_assert_eq(raw_wait_closed(p.r, p.client), 0);
    tcp_pair_close(&p);
}

Test(stream_halfclose, lose_write_connection_without_a_write_side_is_enotconn)
{
    eddy_reactor *r = test_reactor_new();
    int fds[2];
    test_pipe(fds);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, fds[0], -1, &proto->base, &t), 0);
    int rc = eddy_transport_lose_write_connection(t);
    cr_assert_eq(rc, -ENOTCONN, "a read-only transport has no writing side to shut (got %s)",
                 eddy_err_name(rc));
    for (int i = 0; i < 5; i++)
        eddy_reactor_iterate(r, 0);
    cr_assert(!proto->write_lost);
    cr_assert(!proto->lost, "reading goes on");
    close(fds[1]);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_str_eq(proto->events, "mel");
    eddy_reactor_free(r);
    rec_free(proto);
}
