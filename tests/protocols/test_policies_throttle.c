/* test_policies_throttle.c - bandwidth throttling (Twisted's ThrottlingFactory), per factory and
 * per connection, on a fake clock. */
#include <criterion/criterion.h>
#include <string.h>

#include "eddy.h"
#include "eddy_test.h"

TestSuite(policies_throttle, .timeout = 10);

#define NCONN 3

typedef struct fixture {
    eddy_fake_clock *fc;
    eddy_reactor *r;
    eddy_recording_factory rf;
    eddy_throttling_factory tf;
    eddy_string_transport *st[NCONN];
    eddy_transport *t[NCONN]; /* the wrapped protocols' transports */
    int n;
} fixture;

static const eddy_address *peer(void)
{
    static eddy_address a;
    cr_assert_eq(eddy_address_from_ip("10.1.2.3", 4000, EDDY_ADDRESS_TCP, &a), 0);
    return &a;
}

static void open_fixture(fixture *f, const eddy_throttle_options *o)
{
    memset(f, 0, sizeof *f);
    f->r = test_reactor_new_fake(&f->fc);
    eddy_recording_factory_init(&f->rf);
    cr_assert_eq(eddy_throttling_factory_init(&f->tf, f->r, &f->rf.base, o), 0);
}

/* Accept one more connection; returns its index. */
static int connect_one(fixture *f)
{
    int i = f->n++;
    cr_assert_eq(eddy_string_transport_new(NULL, &f->st[i]), 0);
    eddy_protocol *p = f->tf.wrapping.base.ops->build_protocol(&f->tf.wrapping.base, peer());
    cr_assert_not_null(p);
    cr_assert_eq(eddy_string_transport_connect(f->st[i], p), 0);
    f->t[i] = eddy_recording_factory_protocol(&f->rf, (size_t)i)->base.transport;
    return i;
}

static eddy_producer_state reading(fixture *f, int i)
{
    return eddy_string_transport_producer_state(f->st[i]);
}

static void feed(fixture *f, int i, size_t n)
{
    char buf[4096];
    memset(buf, 'r', sizeof buf);
    cr_assert_leq(n, sizeof buf);
    cr_assert_eq(eddy_string_transport_receive(f->st[i], buf, n), 0);
}

static void put(fixture *f, int i, size_t n)
{
    char buf[4096];
    memset(buf, 'w', sizeof buf);
    cr_assert_eq(eddy_transport_write(f->t[i], buf, n), 0);
}

static void advance(fixture *f, double s)
{
    cr_assert_eq(eddy_reactor_advance(f->r, s), 0);
}

static void close_fixture(fixture *f)
{
    for (int i = 0; i < f->n; i++) {
        if (!eddy_string_transport_lost(f->st[i]))
            eddy_string_transport_lose(f->st[i], EDDY_ECONNDONE);
        eddy_string_transport_free(f->st[i]);
    }
    eddy_recording_factory_release(&f->rf);
    test_reactor_free_fake(f->r, f->fc);
}

typedef struct counting_producer {
    eddy_producer base;
    int pauses, resumes, stops;
    eddy_transport *feed; /* pull producers write `chunk` bytes per resume */
    size_t chunk;
} counting_producer;

static void cp_pause(eddy_producer *p)
{
    ((counting_producer *)p)->pauses++;
}

static void cp_resume(eddy_producer *p)
{
    counting_producer *cp = (counting_producer *)p;
    cp->resumes++;
    if (cp->feed) {
        char buf[256];
        memset(buf, 'p', sizeof buf);
        eddy_transport_write(cp->feed, buf, cp->chunk);
    }
}

static void cp_stop(eddy_producer *p)
{
    ((counting_producer *)p)->stops++;
}

static const eddy_producer_ops cp_ops = {cp_pause, cp_resume, cp_stop};

/* ---- reading --------------------------------------------------------------------------------- */

Test(policies_throttle, factory_read_limit_pauses_every_connection_for_bytes_over_limit)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.read_limit = 100});
    connect_one(&f);
    connect_one(&f);
    feed(&f, 0, 60);
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PRODUCING);
    feed(&f, 1, 90); /* 150 bytes in this second: hold until 1.5 s */
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PAUSED);
    cr_assert_eq(reading(&f, 1), EDDY_PRODUCER_PAUSED);
    advance(&f, 1.45);
    cr_assert_eq(reading(&f, 1), EDDY_PRODUCER_PAUSED);
    advance(&f, 0.1);
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PRODUCING);
    cr_assert_eq(reading(&f, 1), EDDY_PRODUCER_PRODUCING);
    cr_assert_str_eq(
        eddy_recording_protocol_received(eddy_recording_factory_protocol(&f.rf, 1)),
        "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
        "rrrrr",
        "the bytes that crossed the limit are still delivered");
    close_fixture(&f);
}

Test(policies_throttle, traffic_under_the_limit_is_never_held)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.read_limit = 100, .connection_read_limit = 100});
    connect_one(&f);
    for (int i = 0; i < 50; i++) {
        feed(&f, 0, 90);
        advance(&f, 1.0);
        cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PRODUCING);
    }
    close_fixture(&f);
}

Test(policies_throttle, connection_read_limit_pauses_only_that_connection)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.connection_read_limit = 100});
    connect_one(&f);
    connect_one(&f);
    feed(&f, 0, 300); /* hold until 3 s */
    feed(&f, 1, 100);
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PAUSED);
    cr_assert_eq(reading(&f, 1), EDDY_PRODUCER_PRODUCING);
    advance(&f, 2.9);
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PAUSED);
    advance(&f, 0.2);
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PRODUCING);
    close_fixture(&f);
}

Test(policies_throttle, bytes_arriving_while_held_extend_the_hold)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.connection_read_limit = 100});
    connect_one(&f);
    feed(&f, 0, 150); /* held until 1.5 s */
    feed(&f, 0, 200); /* a read already in flight: 350 bytes have to be paid for, 3.5 s */
    advance(&f, 1.6);
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PAUSED);
    advance(&f, 2.0);
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PRODUCING);
    close_fixture(&f);
}

Test(policies_throttle, protocol_pause_survives_the_end_of_a_throttle)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.connection_read_limit = 100});
    connect_one(&f);
    feed(&f, 0, 150);
    eddy_transport_pause_producing(f.t[0]); /* the protocol wants no more for now */
    advance(&f, 2);
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PAUSED);
    eddy_transport_resume_producing(f.t[0]);
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PRODUCING);
    close_fixture(&f);
}

Test(policies_throttle, protocol_resume_does_not_end_a_throttle)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.connection_read_limit = 100});
    connect_one(&f);
    feed(&f, 0, 150);
    eddy_transport_pause_producing(f.t[0]);
    eddy_transport_resume_producing(f.t[0]);
    cr_assert_eq(reading(&f, 0), EDDY_PRODUCER_PAUSED);
    close_fixture(&f);
}

Test(policies_throttle, new_connection_starts_held_while_the_factory_is_throttled)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.read_limit = 100});
    connect_one(&f);
    feed(&f, 0, 200);
    connect_one(&f);
    cr_assert_eq(reading(&f, 1), EDDY_PRODUCER_PAUSED);
    advance(&f, 2.1);
    cr_assert_eq(reading(&f, 1), EDDY_PRODUCER_PRODUCING);
    close_fixture(&f);
}

/* ---- writing --------------------------------------------------------------------------------- */

Test(policies_throttle, write_limit_pauses_the_registered_push_producer)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.connection_write_limit = 100});
    connect_one(&f);
    counting_producer cp = {.base = {&cp_ops}};
    cr_assert_eq(eddy_transport_register_producer(f.t[0], &cp.base, true), 0);
    put(&f, 0, 250);
    cr_assert_eq(cp.pauses, 1);
    advance(&f, 2.4);
    cr_assert_eq(cp.resumes, 0);
    advance(&f, 0.2);
    cr_assert_eq(cp.resumes, 1);
    cr_assert_eq(eddy_string_transport_value(f.st[0], NULL)[0], 'w', "writes are never refused");
    close_fixture(&f);
}

Test(policies_throttle, factory_write_limit_pauses_every_producer)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.write_limit = 100});
    connect_one(&f);
    connect_one(&f);
    counting_producer a = {.base = {&cp_ops}}, b = {.base = {&cp_ops}};
    cr_assert_eq(eddy_transport_register_producer(f.t[0], &a.base, true), 0);
    cr_assert_eq(eddy_transport_register_producer(f.t[1], &b.base, true), 0);
    put(&f, 1, 150);
    cr_assert_eq(a.pauses, 1);
    cr_assert_eq(b.pauses, 1);
    advance(&f, 1.6);
    cr_assert_eq(a.resumes, 1);
    cr_assert_eq(b.resumes, 1);
    close_fixture(&f);
}

Test(policies_throttle, producer_registered_while_throttled_starts_paused)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.connection_write_limit = 100});
    connect_one(&f);
    put(&f, 0, 200);
    counting_producer cp = {.base = {&cp_ops}};
    cr_assert_eq(eddy_transport_register_producer(f.t[0], &cp.base, true), 0);
    cr_assert_eq(cp.pauses, 1);
    advance(&f, 2.1);
    cr_assert_eq(cp.resumes, 1);
    close_fixture(&f);
}

Test(policies_throttle, transport_backpressure_and_throttle_must_both_clear)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.connection_write_limit = 100});
    connect_one(&f);
    eddy_transport_set_water_marks(f.t[0], 10, 50);
    counting_producer cp = {.base = {&cp_ops}};
    cr_assert_eq(eddy_transport_register_producer(f.t[0], &cp.base, true), 0);
    put(&f, 0, 150); /* over the high water mark and over the limit */
    cr_assert_eq(cp.pauses, 1);
    advance(&f, 2);
    cr_assert_eq(cp.resumes, 0, "the transport is still full");
    eddy_string_transport_clear(f.st[0]);
    cr_assert_eq(cp.resumes, 1);
    close_fixture(&f);
}

Test(policies_throttle, pull_producer_requests_wait_for_the_throttle)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.connection_write_limit = 100});
    connect_one(&f);
    counting_producer cp = {.base = {&cp_ops}, .feed = f.t[0], .chunk = 150};
    cr_assert_eq(eddy_transport_register_producer(f.t[0], &cp.base, false), 0);
    cr_assert_eq(cp.resumes, 1, "asked for a first chunk, which crossed the limit");
    eddy_string_transport_clear(f.st[0]); /* the peer read it: the transport asks for more */
    cr_assert_eq(cp.resumes, 1);
    advance(&f, 1.6);
    cr_assert_eq(cp.resumes, 2);
    close_fixture(&f);
}

Test(policies_throttle, producer_finishing_after_lose_connection_is_still_throttled)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.connection_write_limit = 100});
    connect_one(&f);
    counting_producer cp = {.base = {&cp_ops}, .feed = f.t[0], .chunk = 150};
    cr_assert_eq(eddy_transport_register_producer(f.t[0], &cp.base, false), 0);
    /* The close waits for the producer, whose remaining output must keep to the limit. */
    cr_assert_eq(eddy_transport_lose_connection(f.t[0]), 0);
    eddy_string_transport_clear(f.st[0]); /* the transport asks for more: held */
    advance(&f, 1.6);
    cr_assert_eq(cp.resumes, 2);
    eddy_string_transport_clear(f.st[0]); /* its second chunk crossed the limit again */
    cr_assert_eq(cp.resumes, 2, "asked %d times", cp.resumes);
    eddy_transport_unregister_producer(f.t[0]);
    close_fixture(&f);
}

Test(policies_throttle, unregistering_forgets_the_producer)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.connection_write_limit = 100});
    connect_one(&f);
    counting_producer cp = {.base = {&cp_ops}};
    cr_assert_eq(eddy_transport_register_producer(f.t[0], &cp.base, true), 0);
    eddy_transport_unregister_producer(f.t[0]);
    put(&f, 0, 200);
    advance(&f, 3);
    cr_assert_eq(cp.pauses + cp.resumes, 0);
    close_fixture(&f);
}

/* ---- connections and clean-up ---------------------------------------------------------------- */

Test(policies_throttle, max_connections_refuses_the_extra_ones)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.max_connections = 2});
    connect_one(&f);
    connect_one(&f);
    cr_assert_null(f.tf.wrapping.base.ops->build_protocol(&f.tf.wrapping.base, peer()));
    cr_assert_eq(f.tf.refused, 1);
    eddy_string_transport_lose(f.st[0], EDDY_ECONNDONE);
    connect_one(&f);
    close_fixture(&f);
}

Test(policies_throttle, timers_are_cancelled_when_the_last_connection_ends)
{
    fixture f;
    open_fixture(&f, &(eddy_throttle_options){.read_limit = 100, .connection_read_limit = 50});
    connect_one(&f);
    feed(&f, 0, 500);
    cr_assert_eq(eddy_reactor_pending_calls(f.r), 2);
    eddy_string_transport_lose(f.st[0], EDDY_ECONNDONE);
    cr_assert_eq(eddy_reactor_pending_calls(f.r), 0);
    connect_one(&f);
    feed(&f, 1, 45);
    cr_assert_eq(reading(&f, 1), EDDY_PRODUCER_PRODUCING, "a fresh start");
    close_fixture(&f);
}

Test(policies_throttle, limits_must_be_non_negative_numbers)
{
    eddy_throttling_factory tf;
    eddy_recording_factory rf;
    eddy_recording_factory_init(&rf);
    cr_assert_eq(eddy_throttling_factory_init(&tf, NULL, &rf.base,
                                              &(eddy_throttle_options){.read_limit = -1}),
                 -EINVAL);
    cr_assert_eq(eddy_throttling_factory_init(&tf, NULL, &rf.base,
                                              &(eddy_throttle_options){.write_limit = 0.0 / 0.0}),
                 -EINVAL);
    cr_assert_eq(eddy_throttling_factory_init(&tf, NULL, &rf.base, NULL), 0);
    eddy_recording_factory_release(&rf);
}
