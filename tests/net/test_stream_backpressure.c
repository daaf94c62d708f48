/* test_stream_backpressure.c - producers and consumers: push producers paused at the high water
 * mark and resumed below the low one, pull producers asked for more as the queue drains, and the
 * transport itself pausing its reading. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_helpers.h"

TestSuite(stream_backpressure, .timeout = 60);

typedef struct counting_producer {
    eddy_producer base; /* first */
    int pauses, resumes, stops;
    bool paused;
    /* pull mode: write `chunk` bytes per resume, `chunks` times, then unregister */
    eddy_transport *t;
    size_t chunk;
    int chunks, written;
    bool lose_when_done;
} counting_producer;

static void cp_pause(eddy_producer *p)
{
    counting_producer *c = (counting_producer *)p;
    cr_assert(!c->paused, "paused twice in a row");
    c->pauses++;
    c->paused = true;
}

static void cp_resume(eddy_producer *p)
{
    counting_producer *c = (counting_producer *)p;
    c->resumes++;
    c->paused = false;
    if (c->t && c->written < c->chunks) {
        char *buf = malloc(c->chunk);
        memset(buf, 'a' + c->written % 26, c->chunk);
        cr_assert_eq(eddy_transport_write(c->t, buf, c->chunk), 0);
        free(buf);
        if (++c->written == c->chunks) {
            eddy_transport_unregister_producer(c->t);
            if (c->lose_when_done)
                eddy_transport_lose_connection(c->t);
        }
    }
}

static void cp_stop(eddy_producer *p)
{
    ((counting_producer *)p)->stops++;
}

static const eddy_producer_ops cp_ops = {cp_pause, cp_resume, cp_stop};

#define BIG (4u * 1024u * 1024u)

static bool cp_resumed(void *arg)
{
    return ((counting_producer *)arg)->resumes > 0;
}

Test(stream_backpressure, push_producer_is_paused_above_high_water_and_resumed_below_low_water)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    counting_producer cp = {.base.ops = &cp_ops};
    cr_assert_eq(eddy_transport_register_producer(p.t, &cp.base, true), 0);
    cr_assert_eq(cp.pauses, 0);
    char *out = calloc(1, BIG);
    cr_assert_eq(eddy_transport_write(p.t, out, BIG), 0);
    cr_assert_gt(eddy_transport_buffered(p.t), EDDY_TRANSPORT_HIGH_WATER);
    cr_assert_eq(cp.pauses, 1);
    cr_assert_eq(cp.resumes, 0);
    /* The peer reads: the queue drains and the producer resumes. */
    char *in = malloc(BIG);
    cr_assert_eq(raw_read(p.r, p.client, in, BIG, NULL), BIG);
    test_iterate_until_fn(p.r, cp_resumed, &cp, 100);
    cr_assert_eq(cp.resumes, 1);
    cr_assert_lt(eddy_transport_buffered(p.t), EDDY_TRANSPORT_LOW_WATER);
    eddy_transport_unregister_producer(p.t);
    free(out);
    free(in);
    tcp_pair_close(&p);
    cr_assert_eq(cp.stops, 0, "an unregistered producer is not stopped");
}

Test(stream_backpressure, set_water_marks_moves_the_pause_point)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    counting_producer cp = {.base.ops = &cp_ops};
    eddy_transport_register_producer(p.t, &cp.base, true);
    char *out = calloc(1, BIG);
    eddy_transport_write(p.t, out, BIG);
    size_t queued = eddy_transport_buffered(p.t);
    cr_assert_eq(cp.pauses, 1);
    eddy_transport_set_water_marks(p.t, queued + 1, queued + 100);
    cr_assert_eq(cp.resumes, 1, "now below the low water mark: resumed");
    eddy_transport_set_water_marks(p.t, 10, queued - 1);
    cr_assert_eq(cp.pauses, 2, "now above the high water mark: paused");
    eddy_transport_unregister_producer(p.t);
    free(out);
    tcp_pair_close(&p);
}

Test(stream_backpressure, pull_producer_is_asked_for_one_chunk_each_time_the_queue_drains)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    counting_producer cp = {.base.ops = &cp_ops, .t = p.t, .chunk = 100000, .chunks = 20};
    cr_assert_eq(eddy_transport_register_producer(p.t, &cp.base, false), 0);
    cr_assert_eq(cp.resumes, 1, "asked at once, as Twisted does");
    char *in = malloc(20 * 100000);
    cr_assert_eq(raw_read(p.r, p.client, in, 20 * 100000, NULL), 20 * 100000);
    for (int i = 0; i < 20; i++)
        cr_assert_eq(in[i * 100000], 'a' + i, "chunk %d in order", i);
    cr_assert_eq(cp.written, 20);
    cr_assert_eq(cp.pauses, 0);
    free(in);
    tcp_pair_close(&p);
}

Test(stream_backpressure, lose_connection_waits_for_the_pull_producer_to_finish)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    counting_producer cp = {.base.ops = &cp_ops, .t = p.t, .chunk = 1000, .chunks = 10};
    eddy_transport_register_producer(p.t, &cp.base, false);
    eddy_transport_lose_connection(p.t);
    char in[10000];
    bool eof;
    cr_assert_eq(raw_read(p.r, p.client, in, sizeof in, &eof), sizeof in);
    cr_assert_eq(raw_wait_closed(p.r, p.client), 0);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(cp.written, 10);
    tcp_pair_close(&p);
}

static bool write_lost(void *p)
{
    return ((rec_protocol *)p)->write_lost;
}

Test(stream_backpressure, half_close_waits_for_a_pull_producer_without_asking_it_in_a_loop)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    counting_producer cp = {.base.ops = &cp_ops}; /* writes nothing when asked */
    cr_assert_eq(eddy_transport_register_producer(p.t, &cp.base, false), 0);
    cr_assert_eq(cp.resumes, 1);
    cr_assert_eq(eddy_transport_lose_write_connection(p.t), 0);
    for (int i = 0; i < 20; i++)
        eddy_reactor_iterate(p.r, 0);
    cr_assert_leq(cp.resumes, 2, "asked %d times: a producer that wrote nothing is not polled",
                  cp.resumes);
    cr_assert(!p.server->write_lost, "the half-close waits for the producer");
    eddy_transport_unregister_producer(p.t);
    cr_assert_eq(raw_wait_closed(p.r, p.client), 0, "then the peer sees EOF");
    test_iterate_until_fn(p.r, write_lost, p.server, 100);
    tcp_pair_close(&p);
}

Test(stream_backpressure, a_pull_producer_finishes_its_output_before_the_half_close)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    counting_producer cp = {.base.ops = &cp_ops, .t = p.t, .chunk = 1000, .chunks = 5};
    cr_assert_eq(eddy_transport_register_producer(p.t, &cp.base, false), 0);
    cr_assert_eq(eddy_transport_lose_write_connection(p.t), 0);
    char in[5000];
    cr_assert_eq(raw_read(p.r, p.client, in, sizeof in, NULL), sizeof in);
    cr_assert_eq(in[4999], 'e', "the last chunk arrived");
    cr_assert_eq(raw_wait_closed(p.r, p.client), 0, "then the EOF");
    cr_assert_eq(cp.written, 5);
    tcp_pair_close(&p);
}

Test(stream_backpressure, registering_a_second_producer_is_ebusy)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    counting_producer a = {.base.ops = &cp_ops}, b = {.base.ops = &cp_ops};
    cr_assert_eq(eddy_transport_register_producer(p.t, &a.base, true), 0);
    cr_assert_eq(eddy_transport_register_producer(p.t, &b.base, true), -EBUSY);
    cr_assert_eq(b.stops, 0);
    eddy_transport_unregister_producer(p.t);
    cr_assert_eq(eddy_transport_register_producer(p.t, &b.base, true), 0, "free again");
    eddy_transport_unregister_producer(p.t);
    tcp_pair_close(&p);
}

Test(stream_backpressure, registering_on_a_closed_transport_stops_the_producer)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    eddy_transport_abort_connection(p.t);
    counting_producer cp = {.base.ops = &cp_ops};
    cr_assert_eq(eddy_transport_register_producer(p.t, &cp.base, true), -ENOTCONN);
    cr_assert_eq(cp.stops, 1);
    tcp_pair_close(&p);
}

Test(stream_backpressure, producer_is_stopped_when_the_connection_is_lost)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    counting_producer cp = {.base.ops = &cp_ops};
    eddy_transport_register_producer(p.t, &cp.base, true);
    raw_reset(p.client);
    p.client = -1;
    test_iterate_until_fn(p.r, rec_lost, p.server, 200);
    cr_assert_eq(cp.stops, 1);
    tcp_pair_close(&p);
}

Test(stream_backpressure, pause_producing_stops_data_received_until_resumed)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    eddy_transport_pause_producing(p.t);
    raw_write(p.r, p.client, "waiting", 7);
    for (int i = 0; i < 10; i++)
        eddy_reactor_iterate(p.r, 0.01);
    cr_assert_eq(p.server->len, 0, "nothing is read while paused");
    eddy_transport_resume_producing(p.t);
    p.server->want = 7;
    test_iterate_until_fn(p.r, rec_has_bytes, p.server, 100);
    tcp_pair_close(&p);
}

Test(stream_backpressure, the_transport_as_producer_pauses_another_transports_reading)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    eddy_producer *as = &p.t->as_producer;
    as->ops->pause_producing(as);
    raw_write(p.r, p.client, "x", 1);
    for (int i = 0; i < 10; i++)
        eddy_reactor_iterate(p.r, 0.01);
    cr_assert_eq(p.server->len, 0);
    as->ops->resume_producing(as);
    p.server->want = 1;
    test_iterate_until_fn(p.r, rec_has_bytes, p.server, 100);
    as->ops->stop_producing(as);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE, "stop_producing closes the connection");
    tcp_pair_close(&p);
}

/* An echo that registers its own transport as its producer: reading stops while echoes pile up. */
static void echo_data(rec_protocol *p, const void *data, size_t len)
{
    eddy_transport_write(p->transport, data, len);
}

static void self_producing_echo(rec_protocol *p, void *arg)
{
    (void)arg;
    p->on_data = echo_data;
}

Test(stream_backpressure, a_peer_that_never_reads_cannot_grow_a_self_paced_echo_queue)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", self_producing_echo, NULL);
    cr_assert_eq(eddy_transport_register_producer(p.t, &p.t->as_producer, true), 0);
    char *junk = calloc(1, 1 << 20);
    size_t sent = 0;
    for (int i = 0; i < 400; i++) {
        ssize_t n = send(p.client, junk, 1 << 20, MSG_DONTWAIT);
        if (n > 0)
            sent += (size_t)n;
        eddy_reactor_iterate(p.r, 0.005);
    }
    cr_assert_gt(sent, 0);
    size_t queued = eddy_transport_buffered(p.t);
    cr_assert_leq(queued, EDDY_TRANSPORT_HIGH_WATER + 4 * 65536,
                  "the queue stays near the high water mark (%zu)", queued);
    /* Now the peer reads: everything comes back. */
    char *in = malloc(sent);
    cr_assert_eq(raw_read(p.r, p.client, in, sent, NULL), sent);
    free(in);
    free(junk);
    tcp_pair_close(&p);
}
