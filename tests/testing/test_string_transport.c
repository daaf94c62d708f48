/* test_string_transport.c - the testing kit's string transport (eddy/testing.h): what it records
 * for the protocol's requests, and how it plays the peer. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "eddy.h"

TestSuite(string_transport, .timeout = 10);

static eddy_string_transport *new_st(bool disconnect_on_lose)
{
    eddy_string_transport *st = NULL;
    eddy_string_transport_options o = {.disconnect_on_lose = disconnect_on_lose};
    cr_assert_eq(eddy_string_transport_new(&o, &st), 0);
    return st;
}

/* A connected recording protocol over a fresh string transport. */
typedef struct fixture {
    eddy_string_transport *st;
    eddy_transport *t;
    eddy_recording_protocol p;
} fixture;

static void setup(fixture *f, bool disconnect_on_lose)
{
    f->st = new_st(disconnect_on_lose);
    f->t = eddy_string_transport_transport(f->st);
    eddy_recording_protocol_init(&f->p);
    cr_assert_eq(eddy_string_transport_connect(f->st, &f->p.base), 0);
}

static void teardown(fixture *f)
{
    eddy_string_transport_free(f->st);
    eddy_recording_protocol_release(&f->p);
}

/* ---- a producer that counts what it is told ------------------------------------------------- */

typedef struct counting_producer {
    eddy_producer base;
    int pauses, resumes, stops;
    eddy_transport *feed; /* if set, each resume writes `chunk` to it (a pull producer) */
    const char *chunk;
    int *order; /* if set, stop records ++*order here */
    int stopped_at;
} counting_producer;

static void cp_pause(eddy_producer *p)
{
    ((counting_producer *)p)->pauses++;
}

static void cp_resume(eddy_producer *p)
{
    counting_producer *cp = (counting_producer *)p;
    cp->resumes++;
    if (cp->feed)
        eddy_transport_write(cp->feed, cp->chunk, strlen(cp->chunk));
}

static void cp_stop(eddy_producer *p)
{
    counting_producer *cp = (counting_producer *)p;
    cp->stops++;
    if (cp->order)
        cp->stopped_at = ++*cp->order;
}

static const eddy_producer_ops cp_ops = {cp_pause, cp_resume, cp_stop};

/* ---- writes --------------------------------------------------------------------------------- */

static int frees;
static void count_free(void *p)
{
    frees++;
    free(p);
}

Test(string_transport, records_every_kind_of_write_in_order)
{
    fixture f;
    setup(&f, false);
    eddy_transport_write(f.t, "ab", 2);
    struct iovec iov[2] = {{"cd", 2}, {"e", 1}};
    eddy_transport_write_sequence(f.t, iov, 2);
    eddy_transport_write_owned(f.t, strdup("fg"), 2, count_free);
    size_t len;
    cr_assert_str_eq(eddy_string_transport_value(f.st, &len), "abcdefg");
    cr_assert_eq(len, 7);
    cr_assert_eq(eddy_transport_buffered(f.t), 7);
    teardown(&f);
}

Test(string_transport, clear_forgets_what_was_written)
{
    fixture f;
    setup(&f, false);
    eddy_transport_write(f.t, "hello", 5);
    eddy_string_transport_clear(f.st);
    size_t len = 99;
    cr_assert_str_eq(eddy_string_transport_value(f.st, &len), "");
    cr_assert_eq(len, 0);
    teardown(&f);
}

Test(string_transport, write_owned_frees_the_buffer_even_when_the_write_fails)
{
    fixture f;
    setup(&f, false);
    frees = 0;
    eddy_transport_lose_connection(f.t);
    int rc = eddy_transport_write_owned(f.t, strdup("x"), 1, count_free);
    cr_assert_eq(rc, -ENOTCONN);
    cr_assert_eq(frees, 1);
    teardown(&f);
}

Test(string_transport, writes_after_lose_connection_fail_with_enotconn)
{
    fixture f;
    setup(&f, false);
    eddy_transport_lose_connection(f.t);
    cr_assert_eq(eddy_transport_write(f.t, "late", 4), -ENOTCONN);
    cr_assert_str_eq(eddy_string_transport_value(f.st, NULL), "");
    teardown(&f);
}

/* ---- attaching a protocol ------------------------------------------------------------------- */

Test(string_transport, connect_calls_connection_made_and_sets_the_transport)
{
    fixture f;
    setup(&f, false);
    cr_assert_eq(f.p.made, 1);
    cr_assert_eq(f.p.base.transport, f.t);
    cr_assert_eq(eddy_string_transport_protocol(f.st), &f.p.base);
    teardown(&f);
}

Test(string_transport, connecting_a_second_protocol_is_refused)
{
    fixture f;
    setup(&f, false);
    eddy_recording_protocol other;
    eddy_recording_protocol_init(&other);
    cr_assert_eq(eddy_string_transport_connect(f.st, &other.base), -EBUSY);
    cr_assert_eq(other.made, 0);
    teardown(&f);
}

Test(string_transport, from_recognises_only_string_transports)
{
    fixture f;
    setup(&f, false);
    cr_assert_eq(eddy_string_transport_from(f.t), f.st);
    eddy_transport_ops other_ops = {0};
    eddy_transport other = {.ops = &other_ops};
    cr_assert_null(eddy_string_transport_from(&other));
    cr_assert_eq(eddy_transport_fileno(f.t), -1);
    teardown(&f);
}

Test(string_transport, reports_default_host_and_peer_addresses)
{
    fixture f;
    setup(&f, false);
    eddy_address a;
    char buf[64];
    cr_assert_eq(eddy_transport_get_host(f.t, &a), 0);
    eddy_address_format(&a, buf, sizeof buf);
    cr_assert_str_eq(buf, "10.0.0.1:12345");
    cr_assert_eq(eddy_transport_get_peer(f.t, &a), 0);
    eddy_address_format(&a, buf, sizeof buf);
    cr_assert_str_eq(buf, "192.168.1.1:54321");
    teardown(&f);
}

Test(string_transport, reports_configured_host_and_peer_addresses)
{
    eddy_address host, peer;
    cr_assert_eq(eddy_address_from_ip("::1", 80, EDDY_ADDRESS_TCP, &host), 0);
    cr_assert_eq(eddy_address_from_ip("127.0.0.1", 4000, EDDY_ADDRESS_TCP, &peer), 0);
    eddy_string_transport_options o = {.host = &host, .peer = &peer};
    eddy_string_transport *st;
    cr_assert_eq(eddy_string_transport_new(&o, &st), 0);
    eddy_address a;
    char buf[64];
    eddy_transport_get_host(eddy_string_transport_transport(st), &a);
    eddy_address_format(&a, buf, sizeof buf);
    cr_assert_str_eq(buf, "[::1]:80");
    eddy_transport_get_peer(eddy_string_transport_transport(st), &a);
    eddy_address_format(&a, buf, sizeof buf);
    cr_assert_str_eq(buf, "127.0.0.1:4000");
    eddy_string_transport_free(st);
}

/* ---- playing the peer ----------------------------------------------------------------------- */

Test(string_transport, receive_delivers_bytes_to_data_received)
{
    fixture f;
    setup(&f, false);
    cr_assert_eq(eddy_string_transport_receive(f.st, "ping", 4), 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.p), "ping");
    teardown(&f);
}

Test(string_transport, receive_without_a_protocol_is_not_connected)
{
    eddy_string_transport *st = new_st(false);
    cr_assert_eq(eddy_string_transport_receive(st, "x", 1), -ENOTCONN);
    cr_assert_eq(eddy_string_transport_receive_eof(st), -ENOTCONN);
    cr_assert_eq(eddy_string_transport_lose(st, EDDY_ECONNLOST), -ENOTCONN);
    eddy_string_transport_free(st);
}

Test(string_transport, lose_delivers_the_chosen_reason_exactly_once)
{
    fixture f;
    setup(&f, false);
    cr_assert_eq(eddy_string_transport_lose(f.st, -ECONNRESET), 0);
    cr_assert_eq(eddy_string_transport_lose(f.st, EDDY_ECONNDONE), 0);
    cr_assert_eq(f.p.lost, 1);
    cr_assert_eq(f.p.lost_code, -ECONNRESET);
    cr_assert(eddy_string_transport_lost(f.st));
    teardown(&f);
}

Test(string_transport, protocol_transport_is_cleared_when_the_connection_is_lost)
{
    fixture f;
    setup(&f, false);
    eddy_string_transport_lose(f.st, EDDY_ECONNLOST);
    cr_assert_null(f.p.base.transport);
    cr_assert_null(eddy_string_transport_protocol(f.st));
    cr_assert_eq(eddy_string_transport_receive(f.st, "x", 1), -ENOTCONN);
    teardown(&f);
}

Test(string_transport, eof_closes_a_protocol_that_does_not_keep_half_open)
{
    fixture f;
    setup(&f, false);
    cr_assert_eq(eddy_string_transport_receive_eof(f.st), 0);
    cr_assert_eq(f.p.eofs, 1);
    cr_assert_eq(f.p.lost, 1);
    cr_assert_eq(f.p.lost_code, EDDY_ECONNDONE);
    teardown(&f);
}

Test(string_transport, eof_leaves_a_half_closeable_protocol_connected_and_writable)
{
    fixture f;
    setup(&f, false);
    f.p.keep_half_open = true;
    eddy_string_transport_receive_eof(f.st);
    cr_assert_eq(f.p.eofs, 1);
    cr_assert_eq(f.p.lost, 0);
    cr_assert_eq(eddy_transport_write(f.t, "bye", 3), 0);
    cr_assert_str_eq(eddy_string_transport_value(f.st, NULL), "bye");
    teardown(&f);
}

Test(string_transport, a_second_eof_is_not_delivered_again)
{
    fixture f;
    setup(&f, false);
    f.p.keep_half_open = true;
    eddy_string_transport_receive_eof(f.st);
    cr_assert_eq(eddy_string_transport_receive_eof(f.st), 0);
    cr_assert_eq(f.p.eofs, 1, "a peer closes its side once");
    teardown(&f);
}

/* ---- closing -------------------------------------------------------------------------------- */

Test(string_transport, lose_connection_is_only_recorded_by_default)
{
    fixture f;
    setup(&f, false);
    eddy_transport_lose_connection(f.t);
    cr_assert(eddy_string_transport_disconnecting(f.st));
    cr_assert_eq(f.p.lost, 0);
    teardown(&f);
}

Test(string_transport, abort_is_recorded)
{
    fixture f;
    setup(&f, false);
    eddy_transport_abort_connection(f.t);
    cr_assert(eddy_string_transport_aborted(f.st));
    cr_assert_not(eddy_string_transport_disconnecting(f.st));
    cr_assert_eq(f.p.lost, 0);
    teardown(&f);
}

Test(string_transport, disconnect_on_lose_delivers_a_clean_close)
{
    fixture f;
    setup(&f, true);
    eddy_transport_lose_connection(f.t);
    cr_assert_eq(f.p.lost, 1);
    cr_assert_eq(f.p.lost_code, EDDY_ECONNDONE);
    teardown(&f);
}

Test(string_transport, disconnect_on_lose_delivers_aborted_for_an_abort)
{
    fixture f;
    setup(&f, true);
    eddy_transport_abort_connection(f.t);
    eddy_transport_abort_connection(f.t);
    cr_assert_eq(f.p.lost, 1);
    cr_assert_eq(f.p.lost_code, EDDY_EABORTED);
    teardown(&f);
}

/* A protocol that closes its transport from inside data_received and checks that
 * connection_lost did not run inside that request. */
typedef struct closer {
    eddy_protocol base;
    bool inside;      /* in data_received */
    bool lost_inside; /* connection_lost ran while inside: wrong */
    int lost;
} closer;

static void closer_data(eddy_protocol *p, const void *data, size_t len)
{
    closer *c = (closer *)p;
    c->inside = true;
    eddy_transport_lose_connection(p->transport);
    c->inside = false;
}

static void closer_lost(eddy_protocol *p, const eddy_failure *why)
{
    closer *c = (closer *)p;
    c->lost_inside = c->inside;
    c->lost++;
}

static const eddy_protocol_ops closer_ops = {.data_received = closer_data,
                                             .connection_lost = closer_lost};

Test(string_transport, close_requested_inside_a_handler_is_delivered_after_it_returns)
{
    eddy_string_transport *st = new_st(true);
    closer c = {.base.ops = &closer_ops};
    eddy_string_transport_connect(st, &c.base);
    eddy_string_transport_receive(st, "quit", 4);
    cr_assert_eq(c.lost, 1);
    cr_assert_not(c.lost_inside);
    eddy_string_transport_free(st);
}

Test(string_transport, disconnecting_is_true_after_lose_connection)
{
    fixture f;
    setup(&f, false);
    cr_assert(!eddy_transport_disconnecting(f.t));
    eddy_transport_lose_connection(f.t);
    cr_assert(eddy_transport_disconnecting(f.t), "even though the close is only recorded");
    teardown(&f);
}

Test(string_transport, disconnecting_is_true_after_abort_and_after_the_loss)
{
    fixture f;
    setup(&f, false);
    eddy_transport_abort_connection(f.t);
    cr_assert(eddy_transport_disconnecting(f.t));
    teardown(&f);
    setup(&f, false);
    eddy_string_transport_lose(f.st, EDDY_ECONNLOST);
    cr_assert(eddy_transport_disconnecting(f.t), "a lost connection is disconnecting");
    teardown(&f);
}

Test(string_transport, half_close_is_not_disconnecting)
{
    fixture f;
    setup(&f, false);
    eddy_transport_lose_write_connection(f.t);
    cr_assert(!eddy_transport_disconnecting(f.t));
    teardown(&f);
}

Test(string_transport, half_close_after_lose_connection_is_a_no_op)
{
    fixture f;
    setup(&f, false);
    eddy_transport_lose_connection(f.t);
    cr_assert_eq(eddy_transport_lose_write_connection(f.t), 0, "as on a real transport");
    cr_assert_eq(f.p.write_lost, 0);
    teardown(&f);
}

Test(string_transport, half_close_is_recorded_and_calls_write_connection_lost)
{
    fixture f;
    setup(&f, false);
    cr_assert_eq(eddy_transport_lose_write_connection(f.t), 0);
    cr_assert(eddy_string_transport_write_closed(f.st));
    cr_assert_eq(f.p.write_lost, 1);
    cr_assert_eq(f.p.lost, 0);
    teardown(&f);
}

/* eddy/transport.h: writes are refused with -ENOTCONN from lose_write_connection on, as on a
 * socket; a protocol checking for that code must see it here too. */
Test(string_transport, writes_after_half_close_fail_with_enotconn)
{
    fixture f;
    setup(&f, false);
    eddy_transport_lose_write_connection(f.t);
    cr_assert_eq(eddy_transport_write(f.t, "x", 1), -ENOTCONN);
    struct iovec iov = {"y", 1};
    cr_assert_eq(eddy_transport_write_sequence(f.t, &iov, 1), -ENOTCONN);
    teardown(&f);
}

Test(string_transport, eof_after_a_half_close_ends_the_connection)
{
    fixture f;
    setup(&f, false);
    f.p.keep_half_open = true;
    eddy_transport_lose_write_connection(f.t);
    eddy_string_transport_receive_eof(f.st);
    cr_assert_eq(f.p.lost, 1, "both directions are done");
    cr_assert_eq(f.p.lost_code, EDDY_ECONNDONE);
    teardown(&f);
}

Test(string_transport, half_close_after_a_kept_eof_ends_the_connection)
{
    fixture f;
    setup(&f, false);
    f.p.keep_half_open = true;
    eddy_string_transport_receive_eof(f.st);
    cr_assert_eq(f.p.lost, 0);
    eddy_transport_lose_write_connection(f.t);
    cr_assert_eq(f.p.write_lost, 1);
    cr_assert_eq(f.p.lost, 1, "both directions are done");
    cr_assert_eq(f.p.lost_code, EDDY_ECONNDONE);
    cr_assert_not(f.p.events_after_lost, "write_connection_lost comes before connection_lost");
    teardown(&f);
}

/* ---- the transport as a producer ------------------------------------------------------------ */

Test(string_transport, pause_and_resume_producing_show_in_producer_state)
{
    fixture f;
    setup(&f, false);
    cr_assert_eq(eddy_string_transport_producer_state(f.st), EDDY_PRODUCER_PRODUCING);
    eddy_transport_pause_producing(f.t);
    cr_assert_eq(eddy_string_transport_producer_state(f.st), EDDY_PRODUCER_PAUSED);
    eddy_transport_resume_producing(f.t);
    cr_assert_eq(eddy_string_transport_producer_state(f.st), EDDY_PRODUCER_PRODUCING);
    teardown(&f);
}

Test(string_transport, stop_producing_stops_reading_and_closes)
{
    fixture f;
    setup(&f, false);
    eddy_transport_stop_producing(f.t);
    cr_assert_eq(eddy_string_transport_producer_state(f.st), EDDY_PRODUCER_STOPPED);
    cr_assert(eddy_string_transport_disconnecting(f.st));
    teardown(&f);
}

Test(string_transport, as_producer_drives_the_transports_reading_state)
{
    fixture f;
    setup(&f, false);
    f.t->as_producer.ops->pause_producing(&f.t->as_producer);
    cr_assert_eq(eddy_string_transport_producer_state(f.st), EDDY_PRODUCER_PAUSED);
    teardown(&f);
}

/* ---- the transport as a consumer ------------------------------------------------------------ */

Test(string_transport, registers_one_producer_at_a_time)
{
    fixture f;
    setup(&f, false);
    counting_producer a = {.base.ops = &cp_ops}, b = {.base.ops = &cp_ops};
    cr_assert_eq(eddy_transport_register_producer(f.t, &a.base, true), 0);
    cr_assert_eq(eddy_transport_register_producer(f.t, &b.base, true), -EBUSY);
    bool streaming = false;
    cr_assert_eq(eddy_string_transport_producer(f.st, &streaming), &a.base);
    cr_assert(streaming);
    eddy_transport_unregister_producer(f.t);
    cr_assert_null(eddy_string_transport_producer(f.st, NULL));
    teardown(&f);
}

Test(string_transport, push_producer_is_paused_above_high_water_and_resumed_by_clear)
{
    fixture f;
    setup(&f, false);
    counting_producer cp = {.base.ops = &cp_ops};
    eddy_transport_set_water_marks(f.t, 2, 4);
    eddy_transport_register_producer(f.t, &cp.base, true);
    eddy_transport_write(f.t, "1234", 4);
    cr_assert_eq(cp.pauses, 0, "at the mark is not above it");
    eddy_transport_write(f.t, "5", 1);
    cr_assert_eq(cp.pauses, 1);
    cr_assert_eq(eddy_string_transport_registered_state(f.st), EDDY_PRODUCER_PAUSED);
    eddy_string_transport_clear(f.st);
    cr_assert_eq(cp.resumes, 1);
    cr_assert_eq(eddy_string_transport_registered_state(f.st), EDDY_PRODUCER_PRODUCING);
    teardown(&f);
}

Test(string_transport, pull_producer_is_asked_for_a_chunk_on_register_and_after_each_clear)
{
    fixture f;
    setup(&f, false);
    counting_producer cp = {.base.ops = &cp_ops, .feed = f.t, .chunk = "chunk"};
    eddy_transport_register_producer(f.t, &cp.base, false);
    cr_assert_str_eq(eddy_string_transport_value(f.st, NULL), "chunk");
    eddy_string_transport_clear(f.st);
    cr_assert_eq(cp.resumes, 2);
    cr_assert_str_eq(eddy_string_transport_value(f.st, NULL), "chunk");
    teardown(&f);
}

Test(string_transport, pause_producer_plays_a_slow_peer)
{
    fixture f;
    setup(&f, false);
    counting_producer cp = {.base.ops = &cp_ops};
    eddy_transport_register_producer(f.t, &cp.base, true);
    eddy_string_transport_pause_producer(f.st);
    cr_assert_eq(cp.pauses, 1);
    eddy_string_transport_clear(f.st);
    cr_assert_eq(cp.resumes, 0, "a pause by the test is only undone by the test");
    eddy_string_transport_resume_producer(f.st);
    cr_assert_eq(cp.resumes, 1);
    teardown(&f);
}

/* Records the order of stop_producing and connection_lost. */
static int order;
static int lost_at;
static void order_lost(eddy_protocol *p, const eddy_failure *why)
{
    lost_at = ++order;
}
static void ignore_data(eddy_protocol *p, const void *data, size_t len) {}
static const eddy_protocol_ops order_ops = {.data_received = ignore_data,
                                            .connection_lost = order_lost};

Test(string_transport, loss_stops_the_producer_before_connection_lost)
{
    eddy_string_transport *st = new_st(false);
    eddy_protocol p = {.ops = &order_ops};
    eddy_string_transport_connect(st, &p);
    order = 0;
    counting_producer cp = {.base.ops = &cp_ops, .order = &order};
    eddy_transport_register_producer(eddy_string_transport_transport(st), &cp.base, true);
    eddy_string_transport_lose(st, EDDY_ECONNLOST);
    cr_assert_eq(cp.stopped_at, 1);
    cr_assert_eq(lost_at, 2);
    cr_assert_eq(eddy_string_transport_registered_state(st), EDDY_PRODUCER_STOPPED);
    eddy_string_transport_free(st);
}

Test(string_transport, lose_connection_waits_for_a_pull_producer_to_unregister)
{
    fixture f;
    setup(&f, true);
    counting_producer cp = {.base.ops = &cp_ops};
    eddy_transport_register_producer(f.t, &cp.base, false);
    eddy_transport_lose_connection(f.t);
    cr_assert_eq(f.p.lost, 0);
    eddy_transport_unregister_producer(f.t);
    cr_assert_eq(f.p.lost, 1);
    cr_assert_eq(f.p.lost_code, EDDY_ECONNDONE);
    teardown(&f);
}

Test(string_transport, registering_on_a_closed_transport_stops_the_producer)
{
    fixture f;
    setup(&f, false);
    eddy_transport_lose_connection(f.t);
    counting_producer cp = {.base.ops = &cp_ops};
    cr_assert_eq(eddy_transport_register_producer(f.t, &cp.base, true), -ENOTCONN);
    cr_assert_eq(cp.stops, 1);
    teardown(&f);
}

/* Real transports hold a close only for a pull producer; a push producer (an echo that registered
 * its own transport, as docs/transports.md advises) is stopped and the connection closes. */
Test(string_transport, lose_connection_does_not_wait_for_a_push_producer)
{
    fixture f;
    setup(&f, true);
    order = 0;
    counting_producer cp = {.base.ops = &cp_ops, .order = &order};
    eddy_transport_register_producer(f.t, &cp.base, true);
    eddy_transport_lose_connection(f.t);
    cr_assert_eq(cp.stops, 1);
    cr_assert_eq(f.p.lost, 1);
    cr_assert_eq(f.p.lost_code, EDDY_ECONNDONE);
    teardown(&f);
}

Test(string_transport, a_registered_producer_may_write_after_lose_connection)
{
    fixture f;
    setup(&f, false);
    counting_producer cp = {.base.ops = &cp_ops, .feed = f.t, .chunk = "more"};
    eddy_transport_register_producer(f.t, &cp.base, false);
    eddy_transport_lose_connection(f.t);
    eddy_string_transport_clear(f.st);
    cr_assert_eq(cp.resumes, 2);
    cr_assert_str_eq(eddy_string_transport_value(f.st, NULL), "more",
                     "the close waits for the producer's output");
    eddy_transport_unregister_producer(f.t);
    cr_assert_eq(eddy_transport_write(f.t, "late", 4), -ENOTCONN);
    teardown(&f);
}

Test(string_transport, registering_after_a_half_close_stops_the_producer)
{
    fixture f;
    setup(&f, false);
    eddy_transport_lose_write_connection(f.t);
    counting_producer cp = {.base.ops = &cp_ops};
    cr_assert_eq(eddy_transport_register_producer(f.t, &cp.base, true), -ENOTCONN);
    cr_assert_eq(cp.stops, 1);
    cr_assert_null(eddy_string_transport_producer(f.st, NULL));
    teardown(&f);
}

/* Real transports check the new marks at once (eddy__stream_set_water_marks). */
Test(string_transport, lowering_the_high_water_mark_pauses_a_push_producer_already_above_it)
{
    fixture f;
    setup(&f, false);
    counting_producer cp = {.base.ops = &cp_ops};
    eddy_transport_register_producer(f.t, &cp.base, true);
    eddy_transport_write(f.t, "12345", 5);
    eddy_transport_set_water_marks(f.t, 2, 4);
    cr_assert_eq(cp.pauses, 1);
    cr_assert_eq(eddy_string_transport_registered_state(f.st), EDDY_PRODUCER_PAUSED);
    eddy_string_transport_clear(f.st);
    cr_assert_eq(cp.resumes, 1, "a pause by the marks is undone by the reader");
    teardown(&f);
}

/* A producer that unregisters itself when it is stopped. */
typedef struct self_unregistering {
    eddy_producer base;
    eddy_transport *t;
} self_unregistering;
static void su_stop(eddy_producer *p)
{
    eddy_transport_unregister_producer(((self_unregistering *)p)->t);
}
static const eddy_producer_ops su_ops = {.stop_producing = su_stop};

Test(string_transport, registered_state_stays_stopped_when_the_producer_unregisters_as_it_stops)
{
    fixture f;
    setup(&f, false);
    self_unregistering su = {.base.ops = &su_ops, .t = f.t};
    eddy_transport_register_producer(f.t, &su.base, true);
    eddy_string_transport_lose(f.st, EDDY_ECONNLOST);
    cr_assert_eq(eddy_string_transport_registered_state(f.st), EDDY_PRODUCER_STOPPED);
    teardown(&f);
}
