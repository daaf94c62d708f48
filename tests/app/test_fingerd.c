/* The tutorial's finger protocol (examples/finger_protocol.h), tested with the testing kit's
 * string transport: no sockets, no reactor loop. This is the code docs/tutorial.md shows. */
#include <string.h>

#include "../../examples/finger_protocol.h"
#include "eddy_test.h"

TestSuite(fingerd, .timeout = 10);

static const finger_user users[] = {{"moshez", "Happy and well"}};

typedef struct finger_test {
    finger_factory factory;
    eddy_string_transport *st;
} finger_test;

static void connect_one(finger_test *t)
{
    finger_factory_init(&t->factory, users, 1);
    eddy_protocol *p = t->factory.base.ops->build_protocol(&t->factory.base, NULL);
    cr_assert_not_null(p);
    /* closing delivers connection_lost, which frees the protocol, as a real transport does */
    eddy_string_transport_options opts = {.disconnect_on_lose = true};
    cr_assert_eq(eddy_string_transport_new(&opts, &t->st), 0);
    cr_assert_eq(eddy_string_transport_connect(t->st, p), 0);
}

static void expect_reply(finger_test *t, const char *want)
{
    size_t len;
    const char *got = eddy_string_transport_value(t->st, &len);
    cr_assert_eq(len, strlen(want), "got '%.*s'", (int)len, got);
    cr_assert_eq(memcmp(got, want, len), 0);
}

Test(fingerd, known_user_gets_their_status_then_the_connection_closes)
{
    finger_test t;
    connect_one(&t);
    eddy_string_transport_receive(t.st, "moshez\r\n", 8);
    expect_reply(&t, "Happy and well\r\n");
    cr_assert(eddy_string_transport_lost(t.st), "the server closed the connection");
    eddy_string_transport_free(t.st);
}

Test(fingerd, unknown_user_gets_no_such_user)
{
    finger_test t;
    connect_one(&t);
    eddy_string_transport_receive(t.st, "nobody\r\n", 8);
    expect_reply(&t, "No such user\r\n");
    cr_assert(eddy_string_transport_lost(t.st));
    eddy_string_transport_free(t.st);
}

Test(fingerd, query_split_across_reads_is_answered_once_complete)
{
    finger_test t;
    connect_one(&t);
    eddy_string_transport_receive(t.st, "mos", 3);
    expect_reply(&t, "");
    eddy_string_transport_receive(t.st, "hez\r\n", 5);
    expect_reply(&t, "Happy and well\r\n");
    eddy_string_transport_free(t.st);
}

Test(fingerd, overlong_query_drops_the_connection_without_a_reply)
{
    finger_test t;
    connect_one(&t);
    char junk[400];
    memset(junk, 'a', sizeof junk);
    eddy_string_transport_receive(t.st, junk, sizeof junk);
    expect_reply(&t, "");
    cr_assert(eddy_string_transport_lost(t.st), "the server closed the connection");
    eddy_string_transport_free(t.st);
}
