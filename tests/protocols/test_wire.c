/* The small RFC services over real TCP on 127.0.0.1, on every backend. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eddy/protocols/wire.h"
#include "net_helpers.h"

TestSuite(wire, .timeout = 20);

typedef struct service {
    eddy_reactor *r;
    eddy_simple_factory factory;
    eddy_port *port;
    int client;
} service;

static void service_start(service *s)
{
    s->r = test_reactor_new();
    eddy_tcp_listen_options opts = {.interface = "127.0.0.1"};
    cr_assert_eq(eddy_listen_tcp(s->r, 0, &s->factory.base, &opts, &s->port), 0);
    s->client = raw_connect("127.0.0.1", port_number(s->port));
}

static bool no_live(void *arg)
{
    return ((service *)arg)->factory.live == 0;
}

static void service_stop(service *s)
{
    if (s->client >= 0)
        close(s->client);
    test_iterate_until_fn(s->r, no_live, s, 200);
    eddy_port_free(s->port);
    eddy_reactor_free(s->r);
}

Test(wire, echo_sends_back_every_byte)
{
    service s = {0};
    eddy_echo_factory_init(&s.factory);
    service_start(&s);
    char out[100000], in[sizeof out];
    fill_pattern(out, sizeof out, 7);
    raw_write(s.r, s.client, out, sizeof out);
    cr_assert_eq(raw_read(s.r, s.client, in, sizeof in, NULL), sizeof in);
    cr_assert_arr_eq(in, out, sizeof out);
    service_stop(&s);
}

Test(wire, echo_closes_after_the_client_half_closes)
{
    service s = {0};
    eddy_echo_factory_init(&s.factory);
    service_start(&s);
    raw_write(s.r, s.client, "bye", 3);
    shutdown(s.client, SHUT_WR);
    char in[8];
    bool eof = false;
    cr_assert_eq(raw_read(s.r, s.client, in, sizeof in, &eof), 3);
    cr_assert(eof, "the echo service closes once the client is done");
    service_stop(&s);
}

static bool echo_paused_reading(void *arg)
{
    service *s = arg;
    /* keep pushing until the kernel refuses: the server has stopped reading */
    static char chunk[65536];
    ssize_t n = send(s->client, chunk, sizeof chunk, MSG_DONTWAIT);
    return n < 0;
}

Test(wire, echo_stops_reading_from_a_client_that_does_not_read)
{
    service s = {0};
    eddy_echo_factory_init(&s.factory);
    service_start(&s);
    /* The client never reads: once the echo queue passes the high water mark the server stops
     * reading, the socket buffers fill, and sending blocks instead of server memory growing. */
    test_iterate_until_fn(s.r, echo_paused_reading, &s, 5000);
    service_stop(&s);
}

Test(wire, discard_reads_and_sends_nothing)
{
    service s = {0};
    eddy_discard_factory_init(&s.factory);
    service_start(&s);
    char out[50000];
    fill_pattern(out, sizeof out, 3);
    raw_write(s.r, s.client, out, sizeof out);
    shutdown(s.client, SHUT_WR);
    char in[16];
    bool eof = false;
    cr_assert_eq(raw_read(s.r, s.client, in, sizeof in, &eof), 0);
    cr_assert(eof);
    service_stop(&s);
}

Test(wire, chargen_lines_are_72_printable_characters_rotating_by_one)
{
    char a[74], b[74];
    eddy_chargen_line(0, a);
    eddy_chargen_line(1, b);
    cr_assert_eq(a[0], ' ');
    cr_assert_eq(b[0], '!');
    cr_assert_eq(memcmp(a + 1, b, 71), 0, "each line starts one character later");
    cr_assert_eq(a[72], '\r');
    cr_assert_eq(a[73], '\n');
    eddy_chargen_line(94, a);
    eddy_chargen_line(95, b);
    cr_assert_eq(b[0], ' ', "the pattern wraps after the 95 printable characters");
}

Test(wire, chargen_streams_lines_to_the_client)
{
    service s = {0};
    eddy_chargen_factory_init(&s.factory);
    service_start(&s);
    char in[74 * 100];
    cr_assert_eq(raw_read(s.r, s.client, in, sizeof in, NULL), sizeof in);
    for (int i = 0; i < 100; i++) {
        char want[74];
        eddy_chargen_line((uint64_t)i, want);
        cr_assert_eq(memcmp(in + i * 74, want, 74), 0, "line %d", i);
    }
    service_stop(&s);
}

static int capture_protocol(eddy_protocol *p, const eddy_address *peer, void *ctx)
{
    *(eddy_protocol **)ctx = p;
    return 0;
}

Test(wire, chargen_queues_no_more_than_a_chunk_beyond_the_water_mark)
{
    service s = {0};
    eddy_protocol *proto = NULL;
    eddy_chargen_factory_init(&s.factory);
    s.factory.init = capture_protocol;
    s.factory.ctx = &proto;
    service_start(&s);
    for (int i = 0; i < 300; i++) /* the client reads nothing meanwhile */
        eddy_reactor_iterate(s.r, 0.001);
    cr_assert_not_null(proto);
    size_t queued = eddy_transport_buffered(proto->transport);
    cr_assert_leq(queued, EDDY_TRANSPORT_HIGH_WATER + 74 * 64,
                  "a pull producer writes only when asked: %zu bytes queued", queued);
    service_stop(&s);
}

Test(wire, qotd_sends_its_quote_then_closes)
{
    service s = {0};
    eddy_qotd_factory_init(&s.factory, "Eddies in the space-time continuum.");
    service_start(&s);
    char in[128] = {0};
    bool eof = false;
    size_t n = raw_read(s.r, s.client, in, sizeof in - 1, &eof);
    cr_assert(eof);
    cr_assert_str_eq(in, "Eddies in the space-time continuum.\r\n");
    cr_assert_eq(n, strlen(in));
    service_stop(&s);
}

Test(wire, daytime_sends_the_utc_time_as_one_line_then_closes)
{
    service s = {0};
    eddy_daytime_factory_init(&s.factory);
    service_start(&s);
    char in[128] = {0};
    bool eof = false;
    raw_read(s.r, s.client, in, sizeof in - 1, &eof);
    cr_assert(eof);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char year[8];
    strftime(year, sizeof year, "%Y", &tm);
    cr_assert_not_null(strstr(in, year), "'%s' has this year", in);
    cr_assert_not_null(strstr(in, "-UTC\r\n"), "'%s' ends in -UTC CRLF", in);
    service_stop(&s);
}

Test(wire, time_sends_seconds_since_1900_big_endian_then_closes)
{
    service s = {0};
    eddy_time_factory_init(&s.factory);
    service_start(&s);
    unsigned char in[8];
    bool eof = false;
    cr_assert_eq(raw_read(s.r, s.client, (char *)in, sizeof in, &eof), 4);
    cr_assert(eof);
    uint32_t got = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
    uint32_t want = eddy_rfc868_time((int64_t)time(NULL));
    cr_assert_leq(want - got, 2u, "got %u, now is %u", got, want);
    service_stop(&s);
}

Test(wire, rfc868_epoch_is_1900)
{
    cr_assert_eq(eddy_rfc868_time(0), 2208988800u);
}

Test(wire, qotd_sends_a_long_quote_whole_with_its_crlf)
{
    static char quote[3000];
    memset(quote, 'q', sizeof quote - 1);
    service s = {0};
    eddy_qotd_factory_init(&s.factory, quote);
    service_start(&s);
    static char in[4000];
    bool eof = false;
    size_t n = raw_read(s.r, s.client, in, sizeof in - 1, &eof);
    cr_assert(eof);
    cr_assert_eq(n, sizeof quote + 1, "got %zu bytes, want the quote and CRLF", n);
    cr_assert_eq(memcmp(in, quote, sizeof quote - 1), 0);
    cr_assert_eq(memcmp(in + sizeof quote - 1, "\r\n", 2), 0);
    service_stop(&s);
}
