/* test_reconnect.c - the reconnecting client factory (eddy/reconnect.h) on a memory reactor:
 * Twisted's back-off, jitter, reset, stop and give-up rules, driven by fake time. */
#include <criterion/criterion.h>
#include <math.h>

#include "eddy.h"

static eddy_memory_reactor *mr;
static eddy_network net;
static eddy_recording_factory inner;
static eddy_reconnecting_factory *rf;
static eddy_string_transport *st;

static void setup(void)
{
    cr_assert_eq(eddy_memory_reactor_new(&mr), 0);
    net = eddy_memory_reactor_network(mr);
    eddy_recording_factory_init(&inner);
    cr_assert_eq(eddy_string_transport_new(NULL, &st), 0);
}

static void teardown(void)
{
    eddy_reconnecting_factory_free(rf);
    eddy_string_transport_free(st);
    eddy_memory_reactor_free(mr);
    eddy_recording_factory_release(&inner);
}

TestSuite(reconnect, .init = setup, .fini = teardown, .timeout = 10);

#define E 2.7182818284590451

/* Make the factory with `o` and start connecting; returns the connector. */
static eddy_connector *start(const eddy_reconnecting_options *o)
{
    cr_assert_eq(eddy_reconnecting_factory_new(&net, &inner.base, o, &rf), 0);
    eddy_connector *c;
    cr_assert_eq(eddy_network_connect_tcp(&net, "127.0.0.1", 80,
                                          eddy_reconnecting_factory_factory(rf), NULL, &c),
                 0);
    return c;
}

static const eddy_reconnecting_options no_jitter = {.jitter = -1};

/* Fail the latest attempt. */
static void fail_latest(void)
{
    size_t n = eddy_memory_reactor_connect_count(mr);
    cr_assert_eq(eddy_memory_reactor_fail_connect(mr, n - 1, -ECONNREFUSED), 0);
}

static size_t attempts(void)
{
    return eddy_memory_reactor_connect_count(mr);
}

Test(reconnect, the_first_retry_waits_the_initial_delay_times_e)
{
    start(&no_jitter);
    fail_latest();
    cr_assert(eddy_reconnecting_factory_retry_pending(rf));
    cr_assert_float_eq(eddy_reconnecting_factory_delay(rf), 1.0 * E, 1e-12);
    eddy_memory_reactor_advance(mr, 2.71);
    cr_assert_eq(attempts(), 1);
    eddy_memory_reactor_advance(mr, 0.01);
    cr_assert_eq(attempts(), 2);
    cr_assert_float_eq(eddy_memory_reactor_connect_at(mr, 1)->time, 2.72, 1e-6);
}

Test(reconnect, delays_grow_by_the_factor_up_to_the_max_delay)
{
    eddy_reconnecting_options o = {.jitter = -1, .initial_delay = 1, .factor = 2, .max_delay = 5};
    start(&o);
    const double expected[] = {2, 4, 5, 5};
    for (int i = 0; i < 4; i++) {
        fail_latest();
        cr_assert_float_eq(eddy_reconnecting_factory_delay(rf), expected[i], 1e-12, "retry %d", i);
        eddy_memory_reactor_advance(mr, expected[i]);
    }
    cr_assert_eq(attempts(), 5);
    cr_assert_eq(eddy_reconnecting_factory_retries(rf), 4);
}

/* The first delay a fresh factory with `seed` and default jitter picks after a failure. */
static double first_delay(uint64_t seed)
{
    eddy_reconnecting_options o = {.seed = seed};
    eddy_reconnecting_factory *f;
    cr_assert_eq(eddy_reconnecting_factory_new(&net, &inner.base, &o, &f), 0);
    eddy_network_connect_tcp(&net, "127.0.0.1", 80, eddy_reconnecting_factory_factory(f), NULL,
                             NULL);
    fail_latest();
    double d = eddy_reconnecting_factory_delay(f);
    eddy_reconnecting_factory_free(f);
    return d;
}

Test(reconnect, the_same_seed_gives_the_same_delays)
{
    cr_assert_float_eq(first_delay(42), first_delay(42), 0);
    cr_assert_neq(first_delay(42), first_delay(43));
}

Test(reconnect, jitter_spreads_delays_normally_around_the_nominal_delay)
{
    const int n = 400;
    double sum = 0, sumsq = 0;
    for (int i = 1; i <= n; i++) {
        double d = first_delay((uint64_t)i);
        sum += d;
        sumsq += d * d;
    }
    double mean = sum / n, sd = sqrt(sumsq / n - mean * mean);
    cr_assert_float_eq(mean, E, 0.06, "mean %f", mean);
    cr_assert_float_eq(sd, E * EDDY_RECONNECT_JITTER, 0.06, "standard deviation %f", sd);
}

Test(reconnect, a_successful_connection_resets_the_delay)
{
    start(&no_jitter);
    fail_latest();
    eddy_memory_reactor_advance(mr, E);
    fail_latest();
    cr_assert_eq(eddy_reconnecting_factory_retries(rf), 2);
    eddy_memory_reactor_advance(mr, E * E);
    cr_assert_eq(eddy_memory_reactor_complete_connect(mr, attempts() - 1, st, NULL), 0);
    cr_assert_float_eq(eddy_reconnecting_factory_delay(rf), 1.0, 1e-12);
    cr_assert_eq(eddy_reconnecting_factory_retries(rf), 0);
    eddy_string_transport_lose(st, EDDY_ECONNLOST);
}

Test(reconnect, a_connection_the_factory_refuses_does_not_reset_the_delay)
{
    start(&no_jitter);
    fail_latest();
    eddy_memory_reactor_advance(mr, E);
    inner.refuse = true;
    eddy_protocol *p = NULL;
    cr_assert_eq(eddy_memory_reactor_complete_connect(mr, attempts() - 1, st, &p), 0);
    cr_assert_null(p);
    cr_assert_eq(inner.failed_code, EDDY_ECANCELLED);
    cr_assert_eq(eddy_reconnecting_factory_retries(rf), 2, "a refusal is a failure, not a success");
    cr_assert_float_eq(eddy_reconnecting_factory_delay(rf), E * E, 1e-12);
}

Test(reconnect, manual_reset_leaves_the_delay_to_the_protocol)
{
    eddy_reconnecting_options o = {.jitter = -1, .manual_reset = true};
    start(&o);
    fail_latest();
    eddy_memory_reactor_advance(mr, E);
    eddy_memory_reactor_complete_connect(mr, 1, st, NULL);
    cr_assert_float_eq(eddy_reconnecting_factory_delay(rf), E, 1e-12);
    eddy_reconnecting_factory_reset_delay(rf);
    cr_assert_float_eq(eddy_reconnecting_factory_delay(rf), 1.0, 1e-12);
    eddy_string_transport_lose(st, EDDY_ECONNLOST);
}

Test(reconnect, a_lost_connection_is_reconnected)
{
    start(&no_jitter);
    eddy_memory_reactor_complete_connect(mr, 0, st, NULL);
    eddy_string_transport_lose(st, -ECONNRESET);
    cr_assert(eddy_reconnecting_factory_retry_pending(rf));
    eddy_memory_reactor_advance(mr, E);
    cr_assert_eq(attempts(), 2);
    cr_assert_eq(eddy_memory_reactor_connect_at(mr, 1)->state, EDDY_MEMORY_CONNECTING);
}

Test(reconnect, stop_trying_cancels_the_pending_retry)
{
    start(&no_jitter);
    fail_latest();
    eddy_reconnecting_factory_stop_trying(rf);
    cr_assert_not(eddy_reconnecting_factory_retry_pending(rf));
    cr_assert_not(eddy_reconnecting_factory_trying(rf));
    eddy_memory_reactor_advance(mr, 100);
    cr_assert_eq(attempts(), 1);
}

Test(reconnect, stop_trying_while_connecting_stops_the_connector_for_good)
{
    start(&no_jitter);
    fail_latest();
    eddy_memory_reactor_advance(mr, E);
    eddy_reconnecting_factory_stop_trying(rf);
    cr_assert_eq(eddy_memory_reactor_connect_at(mr, 1)->state, EDDY_MEMORY_FAILED);
    cr_assert_eq(inner.failed_code, EDDY_ECANCELLED);
    cr_assert_not(eddy_reconnecting_factory_retry_pending(rf));
}

Test(reconnect, it_gives_up_after_max_retries)
{
    eddy_reconnecting_options o = {.jitter = -1, .max_retries = 2};
    start(&o);
    for (int i = 0; i < 3; i++) {
        fail_latest();
        eddy_memory_reactor_advance(mr, 100);
    }
    cr_assert_eq(attempts(), 3, "the first attempt and two retries");
    cr_assert_not(eddy_reconnecting_factory_retry_pending(rf));
}

Test(reconnect, the_wrapped_factory_sees_every_callback)
{
    start(&no_jitter);
    cr_assert_eq(inner.started, 1);
    cr_assert_eq(inner.connecting, 1);
    fail_latest();
    cr_assert_eq(inner.failed, 1);
    cr_assert_eq(inner.failed_code, -ECONNREFUSED);
    eddy_memory_reactor_advance(mr, E);
    cr_assert_eq(inner.connecting, 2);
    eddy_protocol *p;
    eddy_memory_reactor_complete_connect(mr, 1, st, &p);
    cr_assert_eq(p, &eddy_recording_factory_protocol(&inner, 0)->base);
    cr_assert_eq(p->factory, &inner.base);
    eddy_string_transport_lose(st, EDDY_ECONNDONE);
    cr_assert_eq(inner.client_lost, 1);
    cr_assert_eq(inner.client_lost_code, EDDY_ECONNDONE);
}

Test(reconnect, freeing_the_factory_cancels_a_pending_retry)
{
    start(&no_jitter);
    fail_latest();
    eddy_reconnecting_factory_free(rf);
    rf = NULL;
    cr_assert_eq(eddy_reactor_pending_calls(eddy_memory_reactor_reactor(mr)), 0);
}

Test(reconnect, nonsense_options_are_refused)
{
    eddy_reconnecting_factory *f = NULL;
    eddy_reconnecting_options slower = {.factor = 0.5};
    eddy_reconnecting_options negative = {.initial_delay = -1};
    cr_assert_eq(eddy_reconnecting_factory_new(&net, &inner.base, &slower, &f), -EINVAL);
    cr_assert_eq(eddy_reconnecting_factory_new(&net, &inner.base, &negative, &f), -EINVAL);
    cr_assert_eq(eddy_reconnecting_factory_new(&net, NULL, NULL, &f), -EINVAL);
}
