/* test_policies_timeout.c - idle timeouts (Twisted's TimeoutFactory), on a fake clock. */
#include <criterion/criterion.h>
#include <string.h>

#include "eddy.h"
#include "eddy_test.h"

TestSuite(policies_timeout, .timeout = 10);

typedef struct fixture {
    eddy_fake_clock *fc;
    eddy_reactor *r;
    eddy_recording_factory rf;
    eddy_timeout_factory tf;
    eddy_string_transport *st;
    eddy_recording_protocol *inner;
    eddy_transport *t; /* the wrapped protocol's transport */
} fixture;

static const eddy_address *peer(void)
{
    static eddy_address a;
    cr_assert_eq(eddy_address_from_ip("10.1.2.3", 4000, EDDY_ADDRESS_TCP, &a), 0);
    return &a;
}

static void open_fixture(fixture *f, double timeout)
{
    f->r = test_reactor_new_fake(&f->fc);
    eddy_recording_factory_init(&f->rf);
    cr_assert_eq(eddy_timeout_factory_init(&f->tf, f->r, &f->rf.base, timeout), 0);
    eddy_string_transport_options o = {.disconnect_on_lose = true};
    cr_assert_eq(eddy_string_transport_new(&o, &f->st), 0);
    eddy_protocol *p = f->tf.wrapping.base.ops->build_protocol(&f->tf.wrapping.base, peer());
    cr_assert_not_null(p);
    cr_assert_eq(eddy_string_transport_connect(f->st, p), 0);
    f->inner = eddy_recording_factory_protocol(&f->rf, 0);
    f->t = f->inner->base.transport;
}

static void advance(fixture *f, double seconds)
{
    cr_assert_eq(eddy_reactor_advance(f->r, seconds), 0);
}

static void close_fixture(fixture *f)
{
    if (!eddy_string_transport_lost(f->st))
        eddy_string_transport_lose(f->st, EDDY_ECONNDONE);
    eddy_string_transport_free(f->st);
    eddy_recording_factory_release(&f->rf);
    test_reactor_free_fake(f->r, f->fc);
}

Test(policies_timeout, idle_connection_is_closed_after_the_timeout)
{
    fixture f;
    open_fixture(&f, 10);
    advance(&f, 9.9);
    cr_assert_eq(f.inner->lost, 0);
    advance(&f, 0.2);
    cr_assert_eq(f.inner->lost, 1);
    cr_assert_eq(f.inner->lost_code, EDDY_ECONNDONE);
    close_fixture(&f);
}

Test(policies_timeout, reading_pushes_the_timeout_back)
{
    fixture f;
    open_fixture(&f, 10);
    advance(&f, 8);
    eddy_string_transport_receive(f.st, "x", 1);
    advance(&f, 8);
    cr_assert_eq(f.inner->lost, 0, "16 s after start, 8 s after the read");
    advance(&f, 2.1);
    cr_assert_eq(f.inner->lost, 1);
    close_fixture(&f);
}

Test(policies_timeout, writing_pushes_the_timeout_back)
{
    fixture f;
    open_fixture(&f, 10);
    advance(&f, 8);
    cr_assert_eq(eddy_transport_write(f.t, "y", 1), 0);
    advance(&f, 8);
    cr_assert_eq(f.inner->lost, 0);
    advance(&f, 2.1);
    cr_assert_eq(f.inner->lost, 1);
    close_fixture(&f);
}

Test(policies_timeout, steady_traffic_keeps_one_timer_and_the_connection)
{
    fixture f;
    open_fixture(&f, 10);
    size_t before = eddy_reactor_pending_calls(f.r);
    cr_assert_eq(before, 1);
    for (int i = 0; i < 1000; i++) {
        eddy_string_transport_receive(f.st, "x", 1);
        eddy_transport_write(f.t, "y", 1);
        advance(&f, 0.05);
        cr_assert_eq(eddy_reactor_pending_calls(f.r), 1);
    }
    cr_assert_eq(f.inner->lost, 0, "50 s of steady traffic");
    close_fixture(&f);
}

Test(policies_timeout, timer_is_cancelled_when_the_connection_ends)
{
    fixture f;
    open_fixture(&f, 10);
    eddy_string_transport_lose(f.st, -ECONNRESET);
    cr_assert_eq(eddy_reactor_pending_calls(f.r), 0);
    close_fixture(&f);
}

Test(policies_timeout, set_timeout_changes_one_connection)
{
    fixture f;
    open_fixture(&f, 10);
    advance(&f, 5);
    cr_assert_eq(eddy_timeout_set(f.t, 2), 0);
    advance(&f, 1.9);
    cr_assert_eq(f.inner->lost, 0);
    advance(&f, 0.2);
    cr_assert_eq(f.inner->lost, 1);
    close_fixture(&f);
}

Test(policies_timeout, zero_disables_the_timeout)
{
    fixture f;
    open_fixture(&f, 10);
    cr_assert_eq(eddy_timeout_set(f.t, 0), 0);
    cr_assert_eq(eddy_reactor_pending_calls(f.r), 0);
    advance(&f, 1000);
    cr_assert_eq(f.inner->lost, 0);
    close_fixture(&f);
}

static int hook_calls;

static void hook(eddy_timeout_factory *tf, eddy_protocol_wrapper *w)
{
    hook_calls++;
    eddy_transport_write(&w->transport, "bye", 3);
    eddy_transport_lose_connection(&w->transport);
}

Test(policies_timeout, timed_out_hook_replaces_the_close)
{
    fixture f;
    open_fixture(&f, 1);
    f.tf.timed_out = hook;
    hook_calls = 0;
    advance(&f, 1.5);
    cr_assert_eq(hook_calls, 1);
    cr_assert_str_eq(eddy_string_transport_value(f.st, NULL), "bye");
    cr_assert_eq(f.inner->lost, 1);
    close_fixture(&f);
}

Test(policies_timeout, set_timeout_on_a_transport_without_one_is_einval)
{
    eddy_string_transport *st;
    cr_assert_eq(eddy_string_transport_new(NULL, &st), 0);
    cr_assert_eq(eddy_timeout_set(eddy_string_transport_transport(st), 5), -EINVAL);
    eddy_string_transport_free(st);
}

Test(policies_timeout, timeout_must_be_positive)
{
    eddy_timeout_factory tf;
    eddy_recording_factory rf;
    eddy_recording_factory_init(&rf);
    cr_assert_eq(eddy_timeout_factory_init(&tf, NULL, &rf.base, 0), -EINVAL);
    cr_assert_eq(eddy_timeout_factory_init(&tf, NULL, &rf.base, -1), -EINVAL);
    cr_assert_eq(eddy_timeout_factory_init(&tf, NULL, &rf.base, 0.0 / 0.0), -EINVAL);
    eddy_recording_factory_release(&rf);
}

Test(policies_timeout, timeout_is_found_under_other_policies)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    eddy_recording_factory rf;
    eddy_recording_factory_init(&rf);
    eddy_wrapping_factory inner;
    eddy_wrapping_factory_init(&inner, &rf.base);
    eddy_timeout_factory tf;
    cr_assert_eq(eddy_timeout_factory_init(&tf, r, &inner.base, 10), 0);
    eddy_string_transport *st;
    cr_assert_eq(eddy_string_transport_new(NULL, &st), 0);
    eddy_protocol *p = tf.wrapping.base.ops->build_protocol(&tf.wrapping.base, peer());
    cr_assert_eq(eddy_string_transport_connect(st, p), 0);
    eddy_transport *t = eddy_recording_factory_protocol(&rf, 0)->base.transport;
    cr_assert_eq(eddy_timeout_set(t, 1), 0);
    cr_assert_eq(eddy_reactor_advance(r, 1.5), 0);
    cr_assert(eddy_string_transport_disconnecting(st));
    eddy_string_transport_lose(st, EDDY_ECONNDONE);
    eddy_string_transport_free(st);
    eddy_recording_factory_release(&rf);
    test_reactor_free_fake(r, fc);
}
