/* test_example_shout.c - the worked example of docs/testing.md: a small protocol tested with the
 * testing kit (string transport, memory reactor with fake time, endpoints, loopback). Keep the two
 * in step: the guide quotes this file. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "eddy.h"

/* ---- the protocol under test: greets, shouts each line back, closes on "quit" or when idle --- */

typedef struct shout_factory {
    eddy_factory base;
    eddy_reactor *reactor; /* for the idle timer */
    double idle_timeout;   /* seconds */
} shout_factory;

typedef struct shout {
    eddy_protocol base;
    shout_factory *factory;
    eddy_delayed_call idle;
    char line[256];
    size_t len;
} shout;

static void idle_expired(void *arg)
{
    shout *s = arg;
    s->idle.id = 0;
    eddy_transport_lose_connection(s->base.transport);
}

static void shout_made(eddy_protocol *p, eddy_transport *t)
{
    shout *s = (shout *)p;
    eddy_transport_write(t, "hello\n", 6);
    s->idle = eddy_call_later(s->factory->reactor, s->factory->idle_timeout, idle_expired, s);
}

static void shout_line(shout *s)
{
    if (s->len == 4 && memcmp(s->line, "quit", 4) == 0) {
        eddy_transport_lose_connection(s->base.transport);
        return;
    }
    for (size_t i = 0; i < s->len; i++)
        s->line[i] = (char)toupper((unsigned char)s->line[i]);
    s->line[s->len] = '\n';
    eddy_transport_write(s->base.transport, s->line, s->len + 1);
}

static void shout_data(eddy_protocol *p, const void *data, size_t len)
{
    shout *s = (shout *)p;
    eddy_delayed_call_reset(s->factory->reactor, s->idle, s->factory->idle_timeout);
    for (const char *c = data; c < (const char *)data + len; c++) {
        if (*c == '\n') {
            shout_line(s);
            s->len = 0;
        } else if (s->len < sizeof s->line - 1) {
            s->line[s->len++] = *c;
        }
    }
}

static void shout_lost(eddy_protocol *p, const eddy_failure *why)
{
    shout *s = (shout *)p;
    if (eddy_delayed_call_active(s->factory->reactor, s->idle))
        eddy_delayed_call_cancel(s->factory->reactor, s->idle);
    free(s);
}

static const eddy_protocol_ops shout_ops = {
    .connection_made = shout_made,
    .data_received = shout_data,
    .connection_lost = shout_lost,
};

static eddy_protocol *shout_build(eddy_factory *f, const eddy_address *peer)
{
    shout *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &shout_ops;
    s->factory = (shout_factory *)f;
    return &s->base;
}

static const eddy_factory_ops shout_factory_ops = {.build_protocol = shout_build};

/* ---- the tests ------------------------------------------------------------------------------ */

static eddy_memory_reactor *mr;
static shout_factory factory;

static void setup(void)
{
    cr_assert_eq(eddy_memory_reactor_new(&mr), 0);
    factory = (shout_factory){
        .base.ops = &shout_factory_ops,
        .reactor = eddy_memory_reactor_reactor(mr),
        .idle_timeout = 60,
    };
}

static void teardown(void)
{
    eddy_memory_reactor_free(mr);
}

TestSuite(shout, .init = setup, .fini = teardown, .timeout = 10);

/* A shout protocol connected to a string transport that delivers closes. */
static eddy_string_transport *connected(void)
{
    eddy_string_transport_options o = {.disconnect_on_lose = true};
    eddy_string_transport *st;
    cr_assert_eq(eddy_string_transport_new(&o, &st), 0);
    eddy_address peer;
    eddy_transport_get_peer(eddy_string_transport_transport(st), &peer);
    eddy_string_transport_connect(st, shout_build(&factory.base, &peer));
    return st;
}

Test(shout, greets_the_client)
{
    eddy_string_transport *st = connected();
    cr_assert_str_eq(eddy_string_transport_value(st, NULL), "hello\n");
    eddy_string_transport_lose(st, EDDY_ECONNDONE);
    eddy_string_transport_free(st);
}

Test(shout, shouts_back_each_line_however_it_is_split)
{
    eddy_string_transport *st = connected();
    eddy_string_transport_clear(st);
    eddy_string_transport_receive(st, "abc\nd", 5);
    eddy_string_transport_receive(st, "ef\n", 3);
    cr_assert_str_eq(eddy_string_transport_value(st, NULL), "ABC\nDEF\n");
    eddy_string_transport_lose(st, EDDY_ECONNDONE);
    eddy_string_transport_free(st);
}

Test(shout, quit_closes_the_connection)
{
    eddy_string_transport *st = connected();
    eddy_string_transport_receive(st, "quit\n", 5);
    cr_assert(eddy_string_transport_disconnecting(st));
    cr_assert(eddy_string_transport_lost(st)); /* and the protocol has freed itself */
    eddy_string_transport_free(st);
}

Test(shout, an_idle_connection_is_closed_after_the_timeout)
{
    eddy_string_transport *st = connected();
    eddy_memory_reactor_advance(mr, 59);
    eddy_string_transport_receive(st, "still here\n", 11); /* pushes the deadline to 119 s */
    eddy_memory_reactor_advance(mr, 59);
    cr_assert_not(eddy_string_transport_disconnecting(st));
    eddy_memory_reactor_advance(mr, 1);
    cr_assert(eddy_string_transport_disconnecting(st));
    eddy_string_transport_free(st);
}

Test(shout, serves_connections_accepted_on_its_endpoint)
{
    eddy_network net = eddy_memory_reactor_network(mr);
    eddy_server_endpoint *ep;
    cr_assert_eq(eddy_server_endpoint_parse(&net, "tcp:7000", &ep, NULL), 0);
    eddy_deferred *listening;
    eddy_endpoint_listen(ep, &factory.base, &listening);
    cr_assert_eq(eddy_memory_reactor_listen_at(mr, 0)->port, 7000);

    eddy_string_transport *st;
    eddy_string_transport_new(NULL, &st);
    eddy_memory_reactor_accept(mr, 0, st, NULL); /* a client arrives */
    cr_assert_str_eq(eddy_string_transport_value(st, NULL), "hello\n");

    eddy_string_transport_lose(st, EDDY_ECONNLOST);
    eddy_string_transport_free(st);
    eddy_deferred_unref(listening); /* closes the port */
    eddy_server_endpoint_free(ep);
}

Test(shout, talks_to_a_client_over_a_loopback)
{
    eddy_address peer = {0};
    eddy_recording_protocol client;
    eddy_recording_protocol_init(&client);
    eddy_loopback *lb;
    eddy_loopback_new(shout_build(&factory.base, &peer), &client.base, NULL, &lb);

    eddy_transport_write(client.base.transport, "hi\nquit\n", 8);
    eddy_loopback_pump_until_quiet(lb, 0);

    cr_assert_str_eq(eddy_recording_protocol_received(&client), "hello\nHI\n");
    cr_assert_eq(client.lost_code, EDDY_ECONNDONE);
    cr_assert(eddy_loopback_closed(lb));
    eddy_loopback_free(lb);
    eddy_recording_protocol_release(&client);
}
