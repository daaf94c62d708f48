/* basic_netstring.c - the netstring receiver (Twisted's NetstringReceiver).
 *
 * The length is read digit by digit, so a bad or oversized length is refused the moment it shows
 * up, whatever the split, exactly where Twisted's regular expressions refuse it: a length must
 * match (0|[1-9][0-9]*) followed by ':'. Twisted also refuses a length with more digits than
 * MAX_LENGTH has plus one before converting it; that is implied here, as the value is checked
 * after every digit. The payload is not copied as it arrives: the receiver waits until the
 * window holds payload and comma, then hands the payload over in place. */
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#include "protocols/receiver.h"

static eddy_netstring_receiver *of(eddy_receiver *r)
{
    return eddy__container_of(r, eddy_netstring_receiver, base);
}

static eddy_netstring_receiver *of_protocol(eddy_protocol *p)
{
    return of(eddy__container_of(p, eddy_receiver, protocol));
}

static int broken(eddy_receiver *r, int code, const char *why)
{
    eddy_receiver_close(r, code, "bad netstring: %s", why);
    return EDDY__STEP_STOP;
}

/* Read length digits up to ':'. */
static int step_length(eddy_netstring_receiver *nr, const char *win, size_t len)
{
    size_t i = 0;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)win[i];
        if (c == ':') {
            if (nr->digits == 0)
                return broken(&nr->base, EDDY_EPROTOCOL, "no length before ':'");
            nr->in_payload = true;
            eddy__receiver_consume(&nr->base, i + 1);
            return EDDY__STEP_AGAIN;
        }
        if (c < '0' || c > '9')
            return broken(&nr->base, EDDY_EPROTOCOL,
                          nr->digits ? "length not followed by ':'"
                                     : "does not start with a length");
        if (nr->digits == 1 && nr->length == 0)
            return broken(&nr->base, EDDY_EPROTOCOL, "length with a leading zero");
        size_t d = (size_t)(c - '0');
        if (nr->length > (SIZE_MAX - d) / 10 || nr->length * 10 + d > nr->max_length) {
            eddy_receiver_close(&nr->base, EDDY_ETOOLONG,
                                "netstring longer than the maximum of %zu bytes", nr->max_length);
            return EDDY__STEP_STOP;
        }
        nr->length = nr->length * 10 + d;
        nr->digits++;
    }
    eddy__receiver_consume(&nr->base, i);
    return EDDY__STEP_MORE;
}

static int step(eddy_receiver *r, const char *win, size_t len)
{
    eddy_netstring_receiver *nr = of(r);
    if (!nr->in_payload)
        return step_length(nr, win, len);
    size_t n = nr->length;
    if (len <= n)
        return EDDY__STEP_MORE; /* payload and comma not all here yet */
    if (win[n] != ',')
        return broken(r, EDDY_EPROTOCOL, "payload not followed by ','");
    nr->in_payload = false;
    nr->length = 0;
    nr->digits = 0;
    eddy__receiver_consume(r, n + 1);
    nr->ops->string_received(nr, win, n);
    return EDDY__STEP_CALLED;
}

static const struct eddy__receiver_kind kind = {.step = step};

static void connection_made(eddy_protocol *p, eddy_transport *t)
{
    eddy_netstring_receiver *nr = of_protocol(p);
    if (nr->ops->connection_made)
        nr->ops->connection_made(nr);
}

static bool eof_received(eddy_protocol *p)
{
    eddy_netstring_receiver *nr = of_protocol(p);
    return nr->ops->eof_received ? nr->ops->eof_received(nr) : false;
}

static void write_connection_lost(eddy_protocol *p)
{
    eddy_netstring_receiver *nr = of_protocol(p);
    if (nr->ops->write_connection_lost)
        nr->ops->write_connection_lost(nr);
}

static void connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    eddy_netstring_receiver *nr = of_protocol(p);
    eddy_failure *own = eddy__receiver_lost(&nr->base);
    if (nr->ops->connection_lost)
        nr->ops->connection_lost(nr, own ? own : reason);
    eddy_failure_unref(own);
}

static const eddy_protocol_ops protocol_ops = {
    .connection_made = connection_made,
    .data_received = eddy__receiver_data_received,
    .eof_received = eof_received,
    .connection_lost = connection_lost,
    .write_connection_lost = write_connection_lost,
};

void eddy_netstring_receiver_init(eddy_netstring_receiver *nr,
                                  const eddy_netstring_receiver_ops *ops)
{
    *nr = (eddy_netstring_receiver){.ops = ops, .max_length = EDDY_STRING_MAX_LENGTH};
    eddy__receiver_init(&nr->base, &kind, &protocol_ops);
}

int eddy_netstring_receiver_send_string(eddy_netstring_receiver *nr, const void *data, size_t len)
{
    eddy_transport *t = nr->base.protocol.transport;
    if (!t)
        return -ENOTCONN;
    char prefix[24];
    int n = snprintf(prefix, sizeof prefix, "%zu:", len);
    struct iovec iov[3] = {{prefix, (size_t)n}, {(void *)data, len}, {(void *)",", 1}};
    return eddy_transport_write_sequence(t, iov, 3);
}
