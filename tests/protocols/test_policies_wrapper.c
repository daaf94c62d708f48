/* test_policies_wrapper.c - the generic protocol wrapper and wrapping factory (Twisted's
 * ProtocolWrapper and WrappingFactory): everything passes through, live wrappers are tracked, and
 * a custom wrapper can be built from the defaults. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "eddy.h"

TestSuite(policies_wrapper, .timeout = 10);

/* The address build_protocol is given. */
static const eddy_address *peer(void)
{
    static eddy_address a;
    cr_assert_eq(eddy_address_from_ip("192.168.1.1", 54321, EDDY_ADDRESS_TCP, &a), 0);
    return &a;
}

/* One wrapped connection over a string transport. */
typedef struct fixture {
    eddy_recording_factory rf;
    eddy_wrapping_factory wf;
    eddy_string_transport *st;
    eddy_protocol *outer;           /* the wrapper, as the string transport's protocol */
    eddy_recording_protocol *inner; /* the wrapped protocol */
    eddy_transport *t;              /* the wrapped protocol's transport: the wrapper */
} fixture;

static void open_with(fixture *f, bool disconnect_on_lose)
{
    eddy_recording_factory_init(&f->rf);
    eddy_wrapping_factory_init(&f->wf, &f->rf.base);
    eddy_string_transport_options o = {.disconnect_on_lose = disconnect_on_lose};
    cr_assert_eq(eddy_string_transport_new(&o, &f->st), 0);
    f->outer = f->wf.base.ops->build_protocol(&f->wf.base, peer());
    cr_assert_not_null(f->outer);
    cr_assert_eq(eddy_string_transport_connect(f->st, f->outer), 0);
    f->inner = eddy_recording_factory_protocol(&f->rf, 0);
    cr_assert_not_null(f->inner);
    f->t = f->inner->base.transport;
}

static void close_fixture(fixture *f)
{
    if (!eddy_string_transport_lost(f->st))
        eddy_string_transport_lose(f->st, EDDY_ECONNDONE);
    eddy_string_transport_free(f->st);
    eddy_recording_factory_release(&f->rf);
}

Test(policies_wrapper, wrapped_protocol_sees_the_wrapper_as_its_transport)
{
    fixture f;
    open_with(&f, false);
    cr_assert_eq(f.inner->made, 1);
    cr_assert_neq(f.t, eddy_string_transport_transport(f.st));
    cr_assert_eq(eddy_protocol_wrapper_from_transport(f.t), eddy_protocol_wrapper_of(f.outer));
    cr_assert_null(eddy_protocol_wrapper_from_transport(eddy_string_transport_transport(f.st)));
    close_fixture(&f);
}

Test(policies_wrapper, data_is_forwarded_to_the_wrapped_protocol)
{
    fixture f;
    open_with(&f, false);
    eddy_string_transport_receive(f.st, "abc", 3);
    eddy_string_transport_receive(f.st, "def", 3);
    cr_assert_str_eq(eddy_recording_protocol_received(f.inner), "abcdef");
    close_fixture(&f);
}

static void free_buffer(void *p)
{
    free(p);
}

Test(policies_wrapper, every_kind_of_write_reaches_the_real_transport)
{
    fixture f;
    open_with(&f, false);
    cr_assert_eq(eddy_transport_write(f.t, "one ", 4), 0);
    struct iovec iov[2] = {{"two", 3}, {" ", 1}};
    cr_assert_eq(eddy_transport_write_sequence(f.t, iov, 2), 0);
    char *owned = strdup("three");
    cr_assert_eq(eddy_transport_write_owned(f.t, owned, 5, free_buffer), 0);
    cr_assert_str_eq(eddy_string_transport_value(f.st, NULL), "one two three");
    close_fixture(&f);
}

Test(policies_wrapper, lose_connection_is_forwarded_and_marks_the_wrapper)
{
    fixture f;
    open_with(&f, false);
    cr_assert_eq(eddy_transport_lose_connection(f.t), 0);
    cr_assert(eddy_string_transport_disconnecting(f.st));
    cr_assert(eddy_protocol_wrapper_of(f.outer)->disconnecting);
    cr_assert_eq(eddy_transport_write(f.t, "x", 1), -ENOTCONN, "the real transport refuses");
    close_fixture(&f);
}

Test(policies_wrapper, abort_is_forwarded)
{
    fixture f;
    open_with(&f, false);
    eddy_transport_abort_connection(f.t);
    cr_assert(eddy_string_transport_aborted(f.st));
    close_fixture(&f);
}

Test(policies_wrapper, disconnecting_is_true_once_the_wrapper_closes)
{
    fixture f;
    open_with(&f, false);
    cr_assert(!eddy_transport_disconnecting(f.t));
    eddy_transport_lose_connection(f.t);
    cr_assert(eddy_transport_disconnecting(f.t));
    close_fixture(&f);
}

Test(policies_wrapper, disconnecting_asks_the_wrapped_transport)
{
    fixture f;
    open_with(&f, false);
    eddy_transport_lose_connection(eddy_string_transport_transport(f.st)); /* not through f.t */
    cr_assert(!eddy_protocol_wrapper_of(f.outer)->disconnecting);
    cr_assert(eddy_transport_disconnecting(f.t), "the real transport is closing");
    close_fixture(&f);
}

Test(policies_wrapper, addresses_and_fileno_come_from_the_real_transport)
{
    fixture f;
    open_with(&f, false);
    eddy_address a, b;
    cr_assert_eq(eddy_transport_get_peer(f.t, &a), 0);
    cr_assert_eq(eddy_transport_get_peer(eddy_string_transport_transport(f.st), &b), 0);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
    cr_assert_eq(eddy_transport_get_host(f.t, &a), 0);
    cr_assert_eq(eddy_transport_fileno(f.t), -1);
    close_fixture(&f);
}

Test(policies_wrapper, pausing_the_wrapper_pauses_the_real_transport)
{
    fixture f;
    open_with(&f, false);
    eddy_transport_pause_producing(f.t);
    cr_assert_eq(eddy_string_transport_producer_state(f.st), EDDY_PRODUCER_PAUSED);
    f.t->as_producer.ops->resume_producing(&f.t->as_producer);
    cr_assert_eq(eddy_string_transport_producer_state(f.st), EDDY_PRODUCER_PRODUCING);
    close_fixture(&f);
}

typedef struct counting_producer {
    eddy_producer base;
    int pauses, resumes, stops;
} counting_producer;

static void cp_pause(eddy_producer *p)
{
    ((counting_producer *)p)->pauses++;
}

static void cp_resume(eddy_producer *p)
{
    ((counting_producer *)p)->resumes++;
}

static void cp_stop(eddy_producer *p)
{
    ((counting_producer *)p)->stops++;
}

static const eddy_producer_ops cp_ops = {cp_pause, cp_resume, cp_stop};

Test(policies_wrapper, producers_register_with_the_real_transport)
{
    fixture f;
    open_with(&f, false);
    counting_producer cp = {.base = {&cp_ops}};
    cr_assert_eq(eddy_transport_register_producer(f.t, &cp.base, true), 0);
    bool streaming = false;
    cr_assert_eq(eddy_string_transport_producer(f.st, &streaming), &cp.base);
    cr_assert(streaming);
    eddy_transport_unregister_producer(f.t);
    cr_assert_null(eddy_string_transport_producer(f.st, NULL));
    close_fixture(&f);
}

Test(policies_wrapper, eof_answer_of_the_wrapped_protocol_is_passed_back)
{
    fixture f;
    open_with(&f, true);
    f.inner->keep_half_open = true;
    eddy_string_transport_receive_eof(f.st);
    cr_assert_eq(f.inner->eofs, 1);
    cr_assert_not(eddy_string_transport_lost(f.st), "kept half open");
    close_fixture(&f);
}

Test(policies_wrapper, connection_lost_reaches_the_wrapped_protocol_once_with_the_reason)
{
    fixture f;
    open_with(&f, false);
    eddy_string_transport_lose(f.st, -ECONNRESET);
    cr_assert_null(f.inner->base.transport);
    cr_assert_eq(f.inner->lost, 1);
    cr_assert_eq(f.inner->lost_code, -ECONNRESET);
    cr_assert_not(f.inner->events_after_lost);
    close_fixture(&f);
}

Test(policies_wrapper, factory_lists_live_wrappers_until_they_are_lost)
{
    eddy_recording_factory rf;
    eddy_recording_factory_init(&rf);
    eddy_wrapping_factory wf;
    eddy_wrapping_factory_init(&wf, &rf.base);
    eddy_string_transport *st[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(eddy_string_transport_new(NULL, &st[i]), 0);
        eddy_protocol *p = wf.base.ops->build_protocol(&wf.base, peer());
        cr_assert_eq(eddy_string_transport_connect(st[i], p), 0);
    }
    cr_assert_eq(wf.count, 3);
    eddy_string_transport_lose(st[1], EDDY_ECONNDONE);
    cr_assert_eq(wf.count, 2);
    size_t listed = 0;
    for (eddy_protocol_wrapper *w = wf.first; w; w = w->next)
        listed++;
    cr_assert_eq(listed, 2);
    eddy_string_transport_lose(st[0], EDDY_ECONNDONE);
    eddy_string_transport_lose(st[2], EDDY_ECONNDONE);
    cr_assert_eq(wf.count, 0);
    cr_assert_null(wf.first);
    for (int i = 0; i < 3; i++)
        eddy_string_transport_free(st[i]);
    eddy_recording_factory_release(&rf);
}

Test(policies_wrapper, refusal_by_the_wrapped_factory_refuses_the_connection)
{
    eddy_recording_factory rf;
    eddy_recording_factory_init(&rf);
    rf.refuse = true;
    eddy_wrapping_factory wf;
    eddy_wrapping_factory_init(&wf, &rf.base);
    cr_assert_null(wf.base.ops->build_protocol(&wf.base, peer()));
    cr_assert_eq(wf.count, 0);
    eddy_recording_factory_release(&rf);
}

Test(policies_wrapper, start_and_stop_reach_the_wrapped_factory)
{
    eddy_recording_factory rf;
    eddy_recording_factory_init(&rf);
    eddy_wrapping_factory wf;
    eddy_wrapping_factory_init(&wf, &rf.base);
    eddy_factory_do_start(&wf.base);
    eddy_factory_do_start(&wf.base);
    cr_assert_eq(rf.started, 1);
    eddy_factory_do_stop(&wf.base);
    eddy_factory_do_stop(&wf.base);
    cr_assert_eq(rf.stopped, 1);
    eddy_recording_factory_release(&rf);
}

Test(policies_wrapper, client_callbacks_reach_the_wrapped_factory)
{
    eddy_recording_factory rf;
    eddy_recording_factory_init(&rf);
    eddy_wrapping_factory wf;
    eddy_wrapping_factory_init(&wf, &rf.base);
    eddy_failure *why = eddy_failure_from_code(-ECONNREFUSED);
    wf.base.ops->started_connecting(&wf.base, NULL);
    wf.base.ops->client_connection_failed(&wf.base, NULL, why);
    wf.base.ops->client_connection_lost(&wf.base, NULL, why);
    cr_assert_eq(rf.connecting, 1);
    cr_assert_eq(rf.failed_code, -ECONNREFUSED);
    cr_assert_eq(rf.client_lost, 1);
    eddy_failure_unref(why);
    eddy_recording_factory_release(&rf);
}

/* ---- a custom wrapper built from the defaults: counts bytes both ways -------------------------
 */

typedef struct counter {
    eddy_protocol_wrapper w; /* first */
    size_t in, out;
} counter;

static size_t total_in, total_out;

static void counter_data(eddy_protocol *p, const void *data, size_t len)
{
    ((counter *)eddy_protocol_wrapper_of(p))->in += len;
    eddy_protocol_wrapper_data_received(p, data, len);
}

static void counter_lost(eddy_protocol *p, const eddy_failure *reason)
{
    counter *c = (counter *)eddy_protocol_wrapper_of(p);
    total_in += c->in;
    total_out += c->out;
    eddy_protocol_wrapper_connection_lost(p, reason);
}

static int counter_write(eddy_transport *t, const void *data, size_t len)
{
    ((counter *)eddy_protocol_wrapper_from_transport(t))->out += len;
    return eddy_protocol_wrapper_write(t, data, len);
}

static const eddy_protocol_ops counter_protocol_ops = {
    .connection_made = eddy_protocol_wrapper_connection_made,
    .data_received = counter_data,
    .eof_received = eddy_protocol_wrapper_eof_received,
    .connection_lost = counter_lost,
};

static eddy_transport_ops counter_transport_ops;

Test(policies_wrapper, custom_wrapper_overrides_entries_and_keeps_the_rest)
{
    counter_transport_ops = eddy_protocol_wrapper_transport_ops;
    counter_transport_ops.write = counter_write;
    fixture f;
    eddy_recording_factory_init(&f.rf);
    eddy_wrapping_factory_init(&f.wf, &f.rf.base);
    f.wf.wrapper_size = sizeof(counter);
    f.wf.wrapper_protocol_ops = &counter_protocol_ops;
    f.wf.wrapper_transport_ops = &counter_transport_ops;
    cr_assert_eq(eddy_string_transport_new(NULL, &f.st), 0);
    f.outer = f.wf.base.ops->build_protocol(&f.wf.base, peer());
    cr_assert_eq(eddy_string_transport_connect(f.st, f.outer), 0);
    f.inner = eddy_recording_factory_protocol(&f.rf, 0);
    f.t = f.inner->base.transport;
    total_in = total_out = 0;
    eddy_string_transport_receive(f.st, "12345", 5);
    eddy_transport_write(f.t, "abc", 3);
    eddy_transport_pause_producing(f.t); /* a default entry, still forwarded */
    cr_assert_eq(eddy_string_transport_producer_state(f.st), EDDY_PRODUCER_PAUSED);
    close_fixture(&f);
    cr_assert_eq(total_in, 5);
    cr_assert_eq(total_out, 3);
}

/* ---- receivers over wrappers ----------------------------------------------------------------- */

typedef struct closer {
    eddy_line_receiver lr;
    int lines;
} closer;

static void closer_line(eddy_line_receiver *lr, const char *line, size_t len)
{
    ((closer *)lr)->lines++;
    eddy_transport_lose_connection(lr->base.protocol.transport);
}

static const eddy_line_receiver_ops closer_ops = {.line_received = closer_line};

Test(policies_wrapper, receiver_behind_a_wrapper_stops_once_it_closes)
{
    closer c;
    eddy_line_receiver_init(&c.lr, &closer_ops);
    c.lines = 0;
    eddy_protocol_wrapper w;
    eddy_protocol_wrapper_init(&w, &c.lr.base.protocol, NULL, NULL);
    eddy_string_transport *st;
    cr_assert_eq(eddy_string_transport_new(NULL, &st), 0);
    cr_assert_eq(eddy_string_transport_connect(st, &w.protocol), 0);
    eddy_string_transport_receive(st, "a\r\nb\r\nc\r\n", 9);
    cr_assert_eq(c.lines, 1);
    eddy_string_transport_lose(st, EDDY_ECONNDONE);
    eddy_string_transport_free(st);
}
