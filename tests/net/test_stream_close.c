/* test_stream_close.c - how connections end: lose (flush, then close), abort (reset), the peer
 * closing or resetting, the protocol closing itself mid-callback, the reactor stopping; and the
 * promise that connection_lost comes once, last, with the right reason. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_helpers.h"

TestSuite(stream_close, .timeout = 60);

#define BIG (4u * 1024u * 1024u)

Test(stream_close, lose_connection_flushes_the_queue_then_closes_cleanly)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *out = malloc(BIG), *in = malloc(BIG);
    fill_pattern(out, BIG, 9);
    cr_assert_eq(eddy_transport_write(p.t, out, BIG), 0);
    cr_assert_gt(eddy_transport_buffered(p.t), 0);
    cr_assert_eq(eddy_transport_lose_connection(p.t), 0);
    cr_assert(!p.server->lost);
    bool eof;
    cr_assert_eq(raw_read(p.r, p.client, in, BIG, &eof), BIG, "every queued byte arrives");
    cr_assert(memcmp(in, out, BIG) == 0);
    cr_assert_eq(raw_wait_closed(p.r, p.client), 0, "then a clean EOF");
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE);
    cr_assert_str_eq(p.server->events, "ml");
    free(out);
    free(in);
    tcp_pair_close(&p);
}

Test(stream_close, lose_connection_with_nothing_queued_reports_from_the_loop)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    cr_assert_eq(eddy_transport_lose_connection(p.t), 0);
    cr_assert(!p.server->lost, "not inside the call");
    cr_assert_eq(eddy_transport_lose_connection(p.t), 0, "idempotent");
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_calls, 1);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(raw_wait_closed(p.r, p.client), 0);
    tcp_pair_close(&p);
}

Test(stream_close, abort_resets_the_peer_drops_the_queue_and_reports_eaborted_from_the_loop)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *out = calloc(1, BIG);
    cr_assert_eq(eddy_transport_write(p.t, out, BIG), 0);
    cr_assert_eq(eddy_transport_abort_connection(p.t), 0);
    cr_assert_eq(eddy_transport_buffered(p.t), 0, "the queue is dropped");
    cr_assert_eq(eddy_transport_write(p.t, "x", 1), -ENOTCONN);
    cr_assert(!p.server->lost, "connection_lost comes from the loop");
    cr_assert_eq(eddy_transport_abort_connection(p.t), 0, "idempotent");
    cr_assert_eq(eddy_transport_lose_connection(p.t), 0, "losing an aborted connection is a no-op");
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_calls, 1);
    cr_assert_eq(p.server->lost_code, EDDY_EABORTED);
    cr_assert_eq(raw_wait_closed(p.r, p.client), -ECONNRESET, "an RST, not a FIN");
    free(out);
    tcp_pair_close(&p);
}

Test(stream_close, peer_closing_is_a_clean_close)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    raw_write(p.r, p.client, "bye", 3);
    close(p.client);
    p.client = -1;
    test_iterate_until_fn(p.r, rec_lost, p.server, 200);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(p.server->len, 3);
    cr_assert_str_eq(p.server->events, "mdel", "made, data, eof, lost");
    tcp_pair_close(&p);
}

Test(stream_close, peer_reset_is_econnreset)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    raw_reset(p.client);
    p.client = -1;
    test_iterate_until_fn(p.r, rec_lost, p.server, 200);
    cr_assert_eq(p.server->lost_code, -ECONNRESET);
    tcp_pair_close(&p);
}

static void abort_on_data(rec_protocol *p, const void *data, size_t len)
{
    eddy_transport_abort_connection(p->transport);
}

Test(stream_close, aborting_inside_data_received_delivers_nothing_more)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    p.server->on_data = abort_on_data;
    char *data = calloc(1, 1 << 20);
    /* Plenty of data in the socket: the first chunk arrives, then nothing. */
    send(p.client, data, 1 << 20, MSG_DONTWAIT);
    test_iterate_until_fn(p.r, rec_lost, p.server, 200);
    cr_assert_eq(p.server->data_calls, 1);
    cr_assert_eq(p.server->lost_code, EDDY_EABORTED);
    cr_assert_str_eq(p.server->events, "mdl");
    free(data);
    tcp_pair_close(&p);
}

static void lose_on_data(rec_protocol *p, const void *data, size_t len)
{
    eddy_transport_write(p->transport, "reply", 5);
    eddy_transport_lose_connection(p->transport);
}

static void free_self_when_lost(rec_protocol *p, void *arg)
{
    (void)arg;
    p->free_on_lost = true;
    p->on_data = lose_on_data;
    p->lost_flag = arg;
}

Test(stream_close, protocol_that_closes_in_data_received_and_frees_itself_when_lost)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    bool lost = false;
    f.configure = free_self_when_lost;
    f.configure_arg = &lost;
    eddy_port *port;
    cr_assert_eq(
        eddy_listen_tcp(r, 0, &f.base, &(eddy_tcp_listen_options){.interface = "127.0.0.1"}, &port),
        0);
    int fd = raw_connect("127.0.0.1", port_number(port));
    raw_write(r, fd, "hi", 2);
    char buf[5];
    cr_assert_eq(raw_read(r, fd, buf, 5, NULL), 5);
    cr_assert(memcmp(buf, "reply", 5) == 0);
    test_iterate_until(r, &lost, 100);
    cr_assert_null(f.built[0], "freed itself (ASan checks nothing touches it afterwards)");
    cr_assert_eq(raw_wait_closed(r, fd), 0);
    close(fd);
    eddy_port_free(port);
    eddy_reactor_free(r);
    rec_factory_cleanup(&f);
}

static void lose_in_made(rec_protocol *p)
{
    eddy_transport_lose_connection(p->transport);
}

static void configure_lose_in_made(rec_protocol *p, void *arg)
{
    p->on_made = lose_in_made;
}

Test(stream_close, closing_inside_connection_made_ends_after_it)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", configure_lose_in_made, NULL);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_str_eq(p.server->events, "ml");
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE);
    tcp_pair_close(&p);
}

static void stop_reactor(void *r)
{
    eddy_reactor_stop(r);
}

Test(stream_close, reactor_stop_loses_open_connections_with_econnlost)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    eddy_call_later(p.r, 0, stop_reactor, p.r);
    cr_assert_eq(eddy_reactor_run(p.r), 0);
    cr_assert(p.server->lost);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNLOST);
    tcp_pair_close(&p);
}

Test(stream_close, reactor_stop_loses_paused_connections_with_econnlost)
{
    /* A paused connection is not watched, so the reactor's own sweep does not see it. */
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    eddy_transport_pause_producing(p.t);
    eddy_call_later(p.r, 0, stop_reactor, p.r);
    cr_assert_eq(eddy_reactor_run(p.r), 0);
    cr_assert(p.server->lost);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNLOST);
    tcp_pair_close(&p);
}

static void lose_pair_connection(void *arg)
{
    eddy_transport_lose_connection(((tcp_pair *)arg)->t);
}

Test(stream_close, reactor_stop_ends_a_close_still_pending_with_econndone)
{
    /* Closed from a before-shutdown trigger: the close would finish on the next turn of a loop
     * that is ending, so shutdown itself must finish it. */
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    cr_assert_eq(eddy_reactor_add_system_event_trigger(p.r, EDDY_PHASE_BEFORE, "shutdown",
                                                       lose_pair_connection, &p, NULL),
                 0);
    eddy_call_later(p.r, 0, stop_reactor, p.r);
    cr_assert_eq(eddy_reactor_run(p.r), 0);
    cr_assert(p.server->lost);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(p.server->lost_calls, 1);
    tcp_pair_close(&p);
}

Test(stream_close, freeing_the_reactor_with_open_connections_frees_the_transports)
{
    /* ASan's leak check is the assertion: the library's transports go with the reactor. */
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    eddy_transport_write(p.t, "queued?", 7);
    eddy_port_free(p.port);
    eddy_reactor_free(p.r);
    cr_assert(!p.server->lost, "connection_lost is not called by eddy_reactor_free");
    close(p.client);
    rec_factory_cleanup(&p.factory);
}

Test(stream_close, connection_lost_comes_once_even_after_lose_then_abort)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *out = calloc(1, BIG);
    eddy_transport_write(p.t, out, BIG);
    eddy_transport_lose_connection(p.t);
    eddy_transport_abort_connection(p.t);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    for (int i = 0; i < 5; i++)
        eddy_reactor_iterate(p.r, 0.01);
    cr_assert_eq(p.server->lost_calls, 1);
    cr_assert_eq(p.server->lost_code, EDDY_EABORTED);
    free(out);
    tcp_pair_close(&p);
}

Test(stream_close, transport_is_unset_when_connection_lost_is_called)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    eddy_transport_abort_connection(p.t);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_null(p.server->base.transport);
    tcp_pair_close(&p);
}

/* ---- disconnecting --------------------------------------------------------------------------- */

Test(stream_close, disconnecting_turns_true_at_lose_connection)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    cr_assert(!eddy_transport_disconnecting(p.t), "an open connection is not disconnecting");
    cr_assert_eq(eddy_transport_lose_connection(p.t), 0);
    cr_assert(eddy_transport_disconnecting(p.t), "at once, before connection_lost");
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    tcp_pair_close(&p);
}

Test(stream_close, disconnecting_turns_true_at_abort)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    cr_assert_eq(eddy_transport_abort_connection(p.t), 0);
    cr_assert(eddy_transport_disconnecting(p.t));
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    tcp_pair_close(&p);
}

Test(stream_close, half_close_is_not_disconnecting)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    cr_assert_eq(eddy_transport_lose_write_connection(p.t), 0);
    cr_assert(!eddy_transport_disconnecting(p.t), "reading goes on");
    tcp_pair_close(&p);
}

Test(stream_close, disconnecting_turns_true_when_a_write_finds_the_connection_lost)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    cr_assert_eq(setsockopt(p.client, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    close(p.client); /* an RST: the next send fails */
    p.client = -1;
    cr_assert_lt(eddy_transport_write(p.t, "x", 1), 0);
    cr_assert(!p.server->lost, "connection_lost is still to come");
    cr_assert(eddy_transport_disconnecting(p.t));
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    tcp_pair_close(&p);
}

/* A protocol whose connection_lost opens a new transport (here: over a pipe, which begins at
 * once). The new one goes to the head of the reactor's list of streams. */
typedef struct reopener {
    eddy_reactor *r;
    rec_protocol *opened[8]; /* the protocols of the transports opened from connection_lost */
    int nopened;
    int pipes[8][2];
} reopener;

static void open_another_when_lost(rec_protocol *p)
{
    reopener *o = p->user;
    cr_assert_lt(o->nopened, 8);
    int *fds = o->pipes[o->nopened];
    test_pipe(fds);
    rec_protocol *np = rec_new();
    o->opened[o->nopened++] = np;
    cr_assert_eq(eddy_fdio_connect(o->r, fds[0], -1, &np->base, NULL), 0);
}

Test(stream_close, reactor_stop_ends_every_connection_even_when_connection_lost_opens_new_ones)
{
    eddy_reactor *r = test_reactor_new();
    reopener o = {.r = r};
    rec_protocol *ps[3];
    int fds[3][2];
    for (int i = 0; i < 3; i++) {
        test_pipe(fds[i]);
        ps[i] = rec_new();
        ps[i]->on_lost = open_another_when_lost;
        ps[i]->user = &o;
        eddy_transport *t;
        cr_assert_eq(eddy_fdio_connect(r, fds[i][0], -1, &ps[i]->base, &t), 0);
        eddy_transport_pause_producing(t); /* not watched: ended by the net layer, not the sweep */
    }
    eddy_call_later(r, 0, stop_reactor, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    for (int i = 0; i < 3; i++) {
        cr_assert(ps[i]->lost, "connection %d, open at shutdown, was told connection_lost", i);
        cr_assert_eq(ps[i]->lost_calls, 1);
        cr_assert_eq(ps[i]->lost_code, EDDY_ECONNLOST);
    }
    eddy_reactor_free(r);
    for (int i = 0; i < 3; i++) {
        close(fds[i][1]);
        rec_free(ps[i]);
    }
    for (int i = 0; i < o.nopened; i++) {
        close(o.pipes[i][1]);
        rec_free(o.opened[i]);
    }
}
