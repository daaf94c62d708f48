/* basic_intn.c - strings prefixed by a 1, 2 or 4 byte big-endian length (Twisted's
 * Int8StringReceiver, Int16StringReceiver, Int32StringReceiver). As with netstrings, a string is
 * delivered in place once the window holds all of it. */
#include <stdint.h>
#include <sys/uio.h>

#include "protocols/receiver.h"

static eddy_intn_receiver *of(eddy_receiver *r)
{
    return eddy__container_of(r, eddy_intn_receiver, base);
}

static int step(eddy_receiver *r, const char *win, size_t len)
{
    eddy_intn_receiver *ir = of(r);
    size_t plen = ir->prefix_len;
    if (len < plen)
        return EDDY__STEP_MORE;
    uint32_t n = 0;
    for (size_t i = 0; i < plen; i++)
        n = n << 8 | (unsigned char)win[i];
    if (n > ir->max_length) {
        /* Nothing after a bad prefix can be trusted to be a prefix: stop reading for good. */
        eddy__receiver_discard(r);
        r->broken = true;
        if (ir->ops->length_limit_exceeded)
            ir->ops->length_limit_exceeded(ir, n);
        else
            eddy_receiver_close(r, EDDY_ETOOLONG,
                                "length prefix %lu exceeds the maximum of %zu bytes",
                                (unsigned long)n, ir->max_length);
        return EDDY__STEP_STOP;
    }
    if (len - plen < n)
        return EDDY__STEP_MORE;
    eddy__receiver_consume(r, plen + n);
    ir->ops->string_received(ir, win + plen, n);
    return EDDY__STEP_CALLED;
}

EDDY__RECEIVER_KIND(eddy_intn_receiver, step);

int eddy_intn_receiver_init(eddy_intn_receiver *ir, unsigned prefix_len,
                            const eddy_intn_receiver_ops *ops)
{
    if (prefix_len != 1 && prefix_len != 2 && prefix_len != 4)
        return -EINVAL;
    *ir = (eddy_intn_receiver){
        .ops = ops, .max_length = EDDY_STRING_MAX_LENGTH, .prefix_len = (unsigned char)prefix_len};
    eddy__receiver_init(&ir->base, &kind);
    return 0;
}

int eddy_intn_receiver_send_string(eddy_intn_receiver *ir, const void *data, size_t len)
{
    size_t plen = ir->prefix_len;
    if (plen < sizeof(size_t) && len >> (8 * plen) != 0)
        return -EMSGSIZE;
    unsigned char prefix[4];
    for (size_t i = 0; i < plen; i++)
        prefix[i] = (unsigned char)(len >> (8 * (plen - 1 - i)));
    struct iovec iov[2] = {{prefix, plen}, {(void *)data, len}};
    return eddy__receiver_send(&ir->base, iov, 2);
}
