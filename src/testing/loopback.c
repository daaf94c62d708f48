/* loopback.c - two protocols joined in memory (Twisted's iosim / loopbackAsync).
 *
 * Each side has a managed string transport: what a protocol writes stays in its transport's buffer
 * until a pump moves it to the other side, so the buffer is exactly "bytes in flight" and the
 * string transport's water marks give real backpressure. Closes are decided here, not by the
 * transports, so that a close waits for the closing side's bytes to be delivered first. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "testing/string_transport_internal.h"

#define DEFAULT_MAX_ROUNDS 100000

struct eddy_loopback {
    eddy_string_transport *side[2]; /* [0] server, [1] client */
    bool eof_sent[2];               /* side i's half-close was delivered to the other side */
    size_t max_chunk;               /* 0: no limit */
};

static void loopback_address(eddy_address *a, int port)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)&a->sa;
    memset(a, 0, sizeof *a);
    a->kind = EDDY_ADDRESS_TCP;
    a->len = sizeof *sin;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    sin->sin_addr.s_addr = htonl(0x7f000001);
}

int eddy_loopback_new(eddy_protocol *server, eddy_protocol *client,
                      const eddy_loopback_options *options, eddy_loopback **out)
{
    eddy_address server_addr, client_addr;
    loopback_address(&server_addr, 8000);
    loopback_address(&client_addr, 40000);
    if (options && options->server_address)
        server_addr = *options->server_address;
    if (options && options->client_address)
        client_addr = *options->client_address;

    eddy_loopback *lb = calloc(1, sizeof *lb);
    if (!lb)
        return -ENOMEM;
    lb->max_chunk = options ? options->max_chunk : 0;
    eddy_string_transport_options so = {.host = &server_addr, .peer = &client_addr};
    eddy_string_transport_options co = {.host = &client_addr, .peer = &server_addr};
    if (eddy_string_transport_new(&so, &lb->side[0]) < 0 ||
        eddy_string_transport_new(&co, &lb->side[1]) < 0) {
        eddy_loopback_free(lb);
        return -ENOMEM;
    }
    for (int i = 0; i < 2; i++)
        eddy__string_transport_set_managed(lb->side[i], true);
    eddy_string_transport_connect(lb->side[0], server);
    eddy_string_transport_connect(lb->side[1], client);
    *out = lb;
    return 0;
}

void eddy_loopback_free(eddy_loopback *lb)
{
    if (!lb)
        return;
    eddy_string_transport_free(lb->side[0]);
    eddy_string_transport_free(lb->side[1]);
    free(lb);
}

eddy_string_transport *eddy_loopback_server(eddy_loopback *lb)
{
    return lb->side[0];
}

eddy_string_transport *eddy_loopback_client(eddy_loopback *lb)
{
    return lb->side[1];
}

static void lose_both(eddy_string_transport *closer, int closer_code, eddy_string_transport *other,
                      int other_code)
{
    eddy__string_transport_deliver_lost(closer, closer_code);
    eddy__string_transport_deliver_lost(other, other_code);
}

/* Whether `r` takes bytes and EOFs: not while paused, and not once it closed or aborted (reading
 * stops at lose_connection, as on a real transport). */
static bool reads(const eddy_string_transport *r)
{
    return r->reading == EDDY_PRODUCER_PRODUCING && !r->disconnecting && !r->aborted;
}

/* Move one chunk of s's bytes to r. The chunk is copied out first: r's handler may write to s
 * (a proxy holding both ends), which can move s's buffer. */
static bool deliver_chunk(eddy_loopback *lb, eddy_string_transport *s, eddy_string_transport *r)
{
    if (s->len == 0 || !reads(r))
        return false;
    size_t n = lb->max_chunk && lb->max_chunk < s->len ? lb->max_chunk : s->len;
    char *chunk = malloc(n);
    if (!chunk)
        return false;
    memcpy(chunk, s->buf, n);
    eddy__string_transport_consume(s, n);
    eddy_string_transport_receive(r, chunk, n);
    free(chunk);
    return true;
}

/* One direction of a round: side i talks to side 1 - i. */
static bool step(eddy_loopback *lb, int i)
{
    eddy_string_transport *s = lb->side[i], *r = lb->side[1 - i];
    if (!eddy__string_transport_live(s))
        return false;
    if (!eddy__string_transport_live(r)) { /* the test dropped the other side */
        eddy__string_transport_deliver_lost(s, EDDY_ECONNLOST);
        return true;
    }
    if (s->aborted) {
        lose_both(s, EDDY_EABORTED, r, EDDY_ECONNLOST);
        return true;
    }
    bool moved = deliver_chunk(lb, s, r);
    if (!eddy__string_transport_live(s) || !eddy__string_transport_live(r))
        return moved;
    bool s_closes = s->disconnecting && !eddy__st_producer_holds_close(s);
    if (s_closes && r->disconnecting && !eddy__st_producer_holds_close(r)) {
        /* Both closing: neither reads any more, so what either still had in flight is dropped. */
        lose_both(s, EDDY_ECONNDONE, r, EDDY_ECONNDONE);
        return true;
    }
    /* The end of the stream comes after its bytes, and like them only to a side that reads. */
    if (s->len > 0 || !reads(r))
        return moved;
    if (s_closes) {
        lose_both(s, EDDY_ECONNDONE, r, EDDY_ECONNDONE);
        return true;
    }
    if (s->write_closed && !lb->eof_sent[i]) {
        lb->eof_sent[i] = true;
        eddy__string_transport_deliver_write_lost(s);
        if (!eddy__string_transport_deliver_eof(r))
            r->disconnecting = true; /* not half-closeable: it closes once its bytes are out */
        return true;
    }
    return moved;
}

bool eddy_loopback_pump(eddy_loopback *lb)
{
    bool moved = step(lb, 0);
    moved = step(lb, 1) || moved;
    eddy_string_transport *a = lb->side[0], *b = lb->side[1];
    if (lb->eof_sent[0] && lb->eof_sent[1] && a->len == 0 && b->len == 0 &&
        eddy__string_transport_live(a) && eddy__string_transport_live(b)) {
        lose_both(a, EDDY_ECONNDONE, b, EDDY_ECONNDONE); /* both halves closed: done */
        moved = true;
    }
    return moved;
}

int eddy_loopback_pump_until_quiet(eddy_loopback *lb, int max_rounds)
{
    if (max_rounds <= 0)
        max_rounds = DEFAULT_MAX_ROUNDS;
    for (int rounds = 0; rounds < max_rounds; rounds++) {
        if (!eddy_loopback_pump(lb))
            return rounds;
    }
    return EDDY_ETIMEOUT;
}

bool eddy_loopback_closed(const eddy_loopback *lb)
{
    return lb->side[0]->lost && lb->side[1]->lost;
}
