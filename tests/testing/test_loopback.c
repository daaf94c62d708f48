/* test_loopback.c - the in-memory loopback (eddy/testing.h): bytes, half-closes, closes and
 * backpressure between two protocols, pumped by hand. */
#include <criterion/criterion.h>
#include <string.h>

#include "eddy.h"

TestSuite(loopback, .timeout = 10);

typedef struct fixture {
    eddy_recording_protocol server, client;
    eddy_loopback *lb;
    eddy_transport *st, *ct; /* the server's and the client's transports */
} fixture;

static void setup_with(fixture *f, const eddy_loopback_options *o)
{
    eddy_recording_protocol_init(&f->server);
    eddy_recording_protocol_init(&f->client);
    cr_assert_eq(eddy_loopback_new(&f->server.base, &f->client.base, o, &f->lb), 0);
    f->st = eddy_string_transport_transport(eddy_loopback_server(f->lb));
    f->ct = eddy_string_transport_transport(eddy_loopback_client(f->lb));
}

static void setup(fixture *f)
{
    setup_with(f, NULL);
}

static void teardown(fixture *f)
{
    eddy_loopback_free(f->lb);
    eddy_recording_protocol_release(&f->server);
    eddy_recording_protocol_release(&f->client);
}

Test(loopback, both_sides_are_connected_and_nothing_moves_until_pumped)
{
    fixture f;
    setup(&f);
    cr_assert_eq(f.server.made, 1);
    cr_assert_eq(f.client.made, 1);
    eddy_transport_write(f.ct, "hi", 2);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.server), "");
    cr_assert(eddy_loopback_pump(f.lb));
    cr_assert_str_eq(eddy_recording_protocol_received(&f.server), "hi");
    cr_assert_not(eddy_loopback_pump(f.lb), "nothing left to move");
    teardown(&f);
}

Test(loopback, bytes_flow_both_ways)
{
    fixture f;
    setup(&f);
    eddy_transport_write(f.ct, "question", 8);
    eddy_transport_write(f.st, "answer", 6);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.server), "question");
    cr_assert_str_eq(eddy_recording_protocol_received(&f.client), "answer");
    teardown(&f);
}

Test(loopback, sides_see_each_other_as_peers)
{
    fixture f;
    setup(&f);
    eddy_address a;
    char buf[64];
    eddy_transport_get_host(f.st, &a);
    eddy_address_format(&a, buf, sizeof buf);
    cr_assert_str_eq(buf, "127.0.0.1:8000");
    eddy_transport_get_peer(f.ct, &a);
    eddy_address_format(&a, buf, sizeof buf);
    cr_assert_str_eq(buf, "127.0.0.1:8000");
    eddy_transport_get_peer(f.st, &a);
    eddy_address_format(&a, buf, sizeof buf);
    cr_assert_str_eq(buf, "127.0.0.1:40000");
    teardown(&f);
}

/* An echo server: everything it receives goes back. */
static void echo_data(eddy_protocol *p, const void *data, size_t len)
{
    eddy_transport_write(p->transport, data, len);
}
static void echo_lost(eddy_protocol *p, const eddy_failure *why) {}
static const eddy_protocol_ops echo_ops = {.data_received = echo_data,
                                           .connection_lost = echo_lost};

Test(loopback, a_conversation_runs_until_quiet)
{
    eddy_protocol echo = {.ops = &echo_ops};
    eddy_recording_protocol client;
    eddy_recording_protocol_init(&client);
    eddy_loopback *lb;
    eddy_loopback_new(&echo, &client.base, NULL, &lb);
    eddy_transport_write(client.base.transport, "hello", 5);
    int rounds = eddy_loopback_pump_until_quiet(lb, 0);
    cr_assert_eq(rounds, 2, "one round there, one back");
    cr_assert_str_eq(eddy_recording_protocol_received(&client), "hello");
    eddy_loopback_free(lb);
    eddy_recording_protocol_release(&client);
}

Test(loopback, max_chunk_feeds_the_peer_in_small_pieces)
{
    fixture f;
    eddy_loopback_options o = {.max_chunk = 1};
    setup_with(&f, &o);
    eddy_transport_write(f.ct, "abcd", 4);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_eq(f.server.data_calls, 4);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.server), "abcd");
    teardown(&f);
}

Test(loopback, lose_connection_delivers_pending_bytes_then_closes_both_cleanly)
{
    fixture f;
    setup(&f);
    eddy_transport_write(f.st, "bye", 3);
    eddy_transport_lose_connection(f.st);
    cr_assert_eq(f.server.lost, 0, "the close waits for a pump");
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.client), "bye");
    cr_assert_eq(f.server.lost, 1);
    cr_assert_eq(f.client.lost, 1);
    cr_assert_eq(f.server.lost_code, EDDY_ECONNDONE);
    cr_assert_eq(f.client.lost_code, EDDY_ECONNDONE);
    cr_assert(eddy_loopback_closed(f.lb));
    cr_assert_not(f.client.events_after_lost);
    teardown(&f);
}

Test(loopback, abort_drops_pending_bytes)
{
    fixture f;
    setup(&f);
    eddy_transport_write(f.ct, "never", 5);
    eddy_transport_abort_connection(f.ct);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.server), "");
    cr_assert_eq(f.client.lost_code, EDDY_EABORTED);
    cr_assert_eq(f.server.lost_code, EDDY_ECONNLOST);
    teardown(&f);
}

Test(loopback, half_close_gives_eof_and_the_other_side_may_still_answer)
{
    fixture f;
    setup(&f);
    f.server.keep_half_open = true;
    eddy_transport_write(f.ct, "request", 7);
    eddy_transport_lose_write_connection(f.ct);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.server), "request");
    cr_assert_eq(f.server.eofs, 1);
    cr_assert_eq(f.client.write_lost, 1);
    cr_assert_eq(f.server.lost, 0);
    eddy_transport_write(f.st, "response", 8);
    eddy_transport_lose_connection(f.st);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.client), "response");
    cr_assert(eddy_loopback_closed(f.lb));
    teardown(&f);
}

Test(loopback, half_close_to_a_side_that_does_not_keep_half_open_closes_both)
{
    fixture f;
    setup(&f);
    eddy_transport_lose_write_connection(f.ct);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_eq(f.server.eofs, 1);
    cr_assert_eq(f.server.lost_code, EDDY_ECONNDONE);
    cr_assert_eq(f.client.lost_code, EDDY_ECONNDONE);
    teardown(&f);
}

Test(loopback, both_halves_closed_ends_the_connection)
{
    fixture f;
    setup(&f);
    f.server.keep_half_open = true;
    f.client.keep_half_open = true;
    eddy_transport_lose_write_connection(f.ct);
    eddy_transport_lose_write_connection(f.st);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert(eddy_loopback_closed(f.lb));
    cr_assert_eq(f.client.lost_code, EDDY_ECONNDONE);
    teardown(&f);
}

Test(loopback, a_side_that_paused_reading_receives_nothing_until_it_resumes)
{
    fixture f;
    setup(&f);
    eddy_transport_pause_producing(f.st);
    eddy_transport_write(f.ct, "wait", 4);
    eddy_transport_lose_connection(f.ct);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.server), "");
    cr_assert_eq(f.server.lost, 0, "the close comes after the bytes");
    eddy_transport_resume_producing(f.st);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.server), "wait");
    cr_assert_eq(f.server.lost, 1);
    teardown(&f);
}

typedef struct counting_producer {
    eddy_producer base;
    int pauses, resumes;
} counting_producer;
static void cp_pause(eddy_producer *p)
{
    ((counting_producer *)p)->pauses++;
}
static void cp_resume(eddy_producer *p)
{
    ((counting_producer *)p)->resumes++;
}
static void cp_stop(eddy_producer *p) {}
static const eddy_producer_ops cp_ops = {cp_pause, cp_resume, cp_stop};

Test(loopback, push_producer_is_paused_while_bytes_wait_and_resumed_once_delivered)
{
    fixture f;
    setup(&f);
    counting_producer cp = {.base.ops = &cp_ops};
    eddy_transport_set_water_marks(f.ct, 2, 4);
    eddy_transport_register_producer(f.ct, &cp.base, true);
    eddy_transport_pause_producing(f.st);
    eddy_transport_write(f.ct, "12345", 5);
    cr_assert_eq(cp.pauses, 1);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_eq(cp.resumes, 0, "the reader is paused: nothing drains");
    eddy_transport_resume_producing(f.st);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_eq(cp.resumes, 1);
    teardown(&f);
}

/* Two of these talk forever. */
static void ping_made(eddy_protocol *p, eddy_transport *t)
{
    eddy_transport_write(t, "ping", 4);
}
static const eddy_protocol_ops ping_ops = {
    .connection_made = ping_made, .data_received = echo_data, .connection_lost = echo_lost};

Test(loopback, pump_until_quiet_gives_up_on_protocols_that_never_stop)
{
    eddy_protocol a = {.ops = &ping_ops}, b = {.ops = &ping_ops};
    eddy_loopback *lb;
    eddy_loopback_new(&a, &b, NULL, &lb);
    cr_assert_eq(eddy_loopback_pump_until_quiet(lb, 50), EDDY_ETIMEOUT);
    eddy_loopback_free(lb);
}

Test(loopback, losing_one_side_by_hand_loses_the_other_on_the_next_pump)
{
    fixture f;
    setup(&f);
    eddy_string_transport_lose(eddy_loopback_server(f.lb), -ECONNRESET);
    cr_assert_eq(f.server.lost_code, -ECONNRESET);
    eddy_loopback_pump(f.lb);
    cr_assert_eq(f.client.lost_code, EDDY_ECONNLOST);
    teardown(&f);
}

Test(loopback, a_loopback_may_be_freed_while_connected)
{
    fixture f;
    setup(&f);
    eddy_transport_write(f.ct, "unsent", 6);
    teardown(&f);
    cr_assert_eq(f.server.lost, 0);
}

/* An echo that registers its own transport as its producer, as docs/transports.md advises, and
 * closes on the first byte "q". */
static void self_made(eddy_protocol *p, eddy_transport *t)
{
    eddy_transport_register_producer(t, &t->as_producer, true);
}
static void self_data(eddy_protocol *p, const void *data, size_t len)
{
    if (memchr(data, 'q', len))
        eddy_transport_lose_connection(p->transport);
    else
        eddy_transport_write(p->transport, data, len);
}
static const eddy_protocol_ops self_echo_ops = {
    .connection_made = self_made, .data_received = self_data, .connection_lost = echo_lost};

Test(loopback, a_side_with_a_push_producer_registered_still_closes)
{
    eddy_protocol echo = {.ops = &self_echo_ops};
    eddy_recording_protocol client;
    eddy_recording_protocol_init(&client);
    eddy_loopback *lb;
    eddy_loopback_new(&echo, &client.base, NULL, &lb);
    eddy_transport_write(client.base.transport, "hi", 2);
    eddy_loopback_pump_until_quiet(lb, 0);
    eddy_transport_write(client.base.transport, "q", 1);
    eddy_loopback_pump_until_quiet(lb, 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&client), "hi");
    cr_assert_eq(client.lost, 1);
    cr_assert_eq(client.lost_code, EDDY_ECONNDONE);
    cr_assert(eddy_loopback_closed(lb));
    eddy_loopback_free(lb);
    eddy_recording_protocol_release(&client);
}

Test(loopback, a_side_that_aborted_receives_nothing_more)
{
    fixture f;
    setup(&f);
    eddy_transport_write(f.st, "late", 4);
    eddy_transport_abort_connection(f.ct);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.client), "");
    cr_assert_eq(f.client.lost_code, EDDY_EABORTED);
    cr_assert_eq(f.server.lost_code, EDDY_ECONNLOST);
    teardown(&f);
}

Test(loopback, a_side_that_called_lose_connection_stops_reading)
{
    fixture f;
    setup(&f);
    eddy_transport_write(f.st, "late", 4);
    eddy_transport_write(f.ct, "bye", 3);
    eddy_transport_lose_connection(f.ct);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert_str_eq(eddy_recording_protocol_received(&f.server), "bye");
    cr_assert_str_eq(eddy_recording_protocol_received(&f.client), "");
    cr_assert_eq(f.client.lost_code, EDDY_ECONNDONE);
    cr_assert_eq(f.server.lost_code, EDDY_ECONNDONE);
    teardown(&f);
}

Test(loopback, both_sides_closing_at_once_close_cleanly)
{
    fixture f;
    setup(&f);
    eddy_transport_write(f.st, "s", 1);
    eddy_transport_write(f.ct, "c", 1);
    eddy_transport_lose_connection(f.st);
    eddy_transport_lose_connection(f.ct);
    eddy_loopback_pump_until_quiet(f.lb, 0);
    cr_assert(eddy_loopback_closed(f.lb));
    cr_assert_eq(f.server.lost_code, EDDY_ECONNDONE);
    cr_assert_eq(f.client.lost_code, EDDY_ECONNDONE);
    teardown(&f);
}
