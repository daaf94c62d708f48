/* wire.c - the small RFC services (see eddy/protocols/wire.h). */
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "eddy/protocols/wire.h"
#include "eddy/transport.h"

#define CONTAINER(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* ---- echo and discard ------------------------------------------------------------------------ */

static void echo_data_received(eddy_protocol *p, const void *data, size_t len)
{
    eddy_transport_write(p->transport, data, len);
}

static void discard_data_received(eddy_protocol *p, const void *data, size_t len)
{
    (void)p, (void)data, (void)len;
}

static void nothing_lost(eddy_protocol *p, const eddy_failure *reason)
{
    (void)p, (void)reason;
}

/* A client that sends without reading must not make the echo queue grow without bound: the
 * transport is registered as the push producer of its own output, so its reading pauses above the
 * high water mark and resumes once the peer has read enough. */
static void echo_connection_made(eddy_protocol *p, eddy_transport *t)
{
    (void)p;
    eddy_transport_register_producer(t, &t->as_producer, true);
}

static bool echo_eof_received(eddy_protocol *p)
{
    /* the peer is done: close once what it sent has been echoed (lose_connection waits for a
     * registered producer, so unregister the transport's own first) */
    eddy_transport_unregister_producer(p->transport);
    return false;
}

static const eddy_protocol_ops echo_ops = {
    .connection_made = echo_connection_made,
    .data_received = echo_data_received,
    .eof_received = echo_eof_received,
    .connection_lost = nothing_lost,
};

static const eddy_protocol_ops discard_ops = {
    .data_received = discard_data_received,
    .connection_lost = nothing_lost,
};

void eddy_echo_factory_init(eddy_simple_factory *f)
{
    eddy_simple_factory_init(f, &echo_ops, sizeof(eddy_protocol), NULL, NULL);
}

void eddy_discard_factory_init(eddy_simple_factory *f)
{
    eddy_simple_factory_init(f, &discard_ops, sizeof(eddy_protocol), NULL, NULL);
}

/* ---- chargen --------------------------------------------------------------------------------- */

#define CHARGEN_LINE        72
#define CHARGEN_CHUNK_LINES 64 /* lines written per resume_producing: ~4.7 KB */

void eddy_chargen_line(uint64_t n, char out[74])
{
    for (int i = 0; i < CHARGEN_LINE; i++)
        out[i] = (char)(' ' + (n + (uint64_t)i) % 95);
    out[72] = '\r';
    out[73] = '\n';
}

typedef struct chargen {
    eddy_protocol proto;
    eddy_producer producer; /* pull producer registered with the transport */
    uint64_t line;
} chargen;

static void chargen_resume(eddy_producer *pr)
{
    chargen *c = CONTAINER(pr, chargen, producer);
    char chunk[CHARGEN_CHUNK_LINES * 74];
    for (int i = 0; i < CHARGEN_CHUNK_LINES; i++)
        eddy_chargen_line(c->line++, chunk + i * 74);
    eddy_transport_write(c->proto.transport, chunk, sizeof chunk);
}

static void chargen_pause(eddy_producer *pr)
{
    (void)pr; /* a pull producer is only asked when there is room: nothing to do */
}

static void chargen_stop(eddy_producer *pr)
{
    (void)pr;
}

static const eddy_producer_ops chargen_producer_ops = {
    .pause_producing = chargen_pause,
    .resume_producing = chargen_resume,
    .stop_producing = chargen_stop,
};

static void chargen_connection_made(eddy_protocol *p, eddy_transport *t)
{
    chargen *c = (chargen *)p;
    c->producer.ops = &chargen_producer_ops;
    eddy_transport_register_producer(t, &c->producer, false);
}

static void chargen_connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    (void)p, (void)reason;
}

static const eddy_protocol_ops chargen_ops = {
    .connection_made = chargen_connection_made,
    .data_received = discard_data_received,
    .connection_lost = chargen_connection_lost,
};

void eddy_chargen_factory_init(eddy_simple_factory *f)
{
    eddy_simple_factory_init(f, &chargen_ops, sizeof(chargen), NULL, NULL);
}

/* ---- say something, then close -------------------------------------------------------------- */

static void say_and_close(eddy_transport *t, const void *data, size_t len)
{
    eddy_transport_write(t, data, len);
    eddy_transport_lose_connection(t);
}

static void qotd_connection_made(eddy_protocol *p, eddy_transport *t)
{
    const char *quote = eddy_simple_factory_ctx(p);
    if (!quote)
        quote = "An apple a day keeps the doctor away.";
    /* Written from where it is, whatever its length: a copy into a fixed buffer would cut a long
     * quote short and lose its CRLF. */
    struct iovec iov[2] = {{(void *)quote, strlen(quote)}, {(void *)"\r\n", 2}};
    eddy_transport_write_sequence(t, iov, 2);
    eddy_transport_lose_connection(t);
}

static void daytime_connection_made(eddy_protocol *p, eddy_transport *t)
{
    (void)p;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char line[128];
    size_t n = strftime(line, sizeof line, "%A, %B %d, %Y %H:%M:%S-UTC\r\n", &tm);
    say_and_close(t, line, n);
}

uint32_t eddy_rfc868_time(int64_t unix_seconds)
{
    /* 70 years, 17 of them leap years, between 1900-01-01 and 1970-01-01 */
    return (uint32_t)(unix_seconds + 2208988800LL);
}

static void time_connection_made(eddy_protocol *p, eddy_transport *t)
{
    (void)p;
    uint32_t v = eddy_rfc868_time((int64_t)time(NULL));
    unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v};
    say_and_close(t, be, sizeof be);
}

static const eddy_protocol_ops qotd_ops = {
    .connection_made = qotd_connection_made,
    .data_received = discard_data_received,
    .connection_lost = nothing_lost,
};

static const eddy_protocol_ops daytime_ops = {
    .connection_made = daytime_connection_made,
    .data_received = discard_data_received,
    .connection_lost = nothing_lost,
};

static const eddy_protocol_ops time_ops = {
    .connection_made = time_connection_made,
    .data_received = discard_data_received,
    .connection_lost = nothing_lost,
};

void eddy_qotd_factory_init(eddy_simple_factory *f, const char *quote)
{
    eddy_simple_factory_init(f, &qotd_ops, sizeof(eddy_protocol), NULL, (void *)quote);
}

void eddy_daytime_factory_init(eddy_simple_factory *f)
{
    eddy_simple_factory_init(f, &daytime_ops, sizeof(eddy_protocol), NULL, NULL);
}

void eddy_time_factory_init(eddy_simple_factory *f)
{
    eddy_simple_factory_init(f, &time_ops, sizeof(eddy_protocol), NULL, NULL);
}
