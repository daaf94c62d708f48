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

EDDY__RECEIVER_KIND(eddy_netstring_receiver, step);

void eddy_netstring_receiver_init(eddy_netstring_receiver *nr,
                                  const eddy_netstring_receiver_ops *ops)
{
    *nr = (eddy_netstring_receiver){.ops = ops, .max_length = EDDY_STRING_MAX_LENGTH};
    eddy__receiver_init(&nr->base, &kind);
}

int eddy_netstring_receiver_send_string(eddy_netstring_receiver *nr, const void *data, size_t len)
{
    char prefix[24];
    int n = snprintf(prefix, sizeof prefix, "%zu:", len);
    struct iovec iov[3] = {{prefix, (size_t)n}, {(void *)data, len}, {(void *)",", 1}};
    return eddy__receiver_send(&nr->base, iov, 3);
}
