/* basic_line_only.c - the line-only receiver (Twisted's LineOnlyReceiver): lines and nothing
 * else, so its step has no mode to consult.
 *
 * One deliberate difference from Twisted: Twisted closes when an undelimited buffer passes
 * max_length bytes, so a line of exactly max_length bytes is refused if its delimiter happens to
 * arrive split across reads. Here the limit is max_length + the delimiter's length, as in the line
 * receiver, so whether a line is accepted never depends on how the input was split. */
#include <sys/uio.h>

#include "protocols/receiver.h"

static eddy_line_only_receiver *of(eddy_receiver *r)
{
    return eddy__container_of(r, eddy_line_only_receiver, base);
}

static int step(eddy_receiver *r, const char *win, size_t len)
{
    eddy_line_only_receiver *lr = of(r);
    size_t n;
    switch (eddy__line_next(r, win, len, lr->delimiter, lr->delimiter_len, lr->max_length,
                            &lr->scan, &n)) {
    case EDDY__LINE_FOUND:
        lr->ops->line_received(lr, win, n);
        return EDDY__STEP_CALLED;
    case EDDY__LINE_TOO_LONG:
        if (lr->ops->line_length_exceeded)
            lr->ops->line_length_exceeded(lr, win, len);
        else
            eddy_receiver_close(r, EDDY_ETOOLONG, "line longer than %zu bytes", lr->max_length);
        return EDDY__STEP_STOP;
    }
    return EDDY__STEP_MORE;
}

EDDY__RECEIVER_KIND(eddy_line_only_receiver, step);

void eddy_line_only_receiver_init(eddy_line_only_receiver *lr,
                                  const eddy_line_only_receiver_ops *ops)
{
    *lr = (eddy_line_only_receiver){
        .ops = ops, .max_length = EDDY_LINE_MAX_LENGTH, .delimiter_len = 2, .delimiter = "\r\n"};
    eddy__receiver_init(&lr->base, &kind);
}

int eddy_line_only_receiver_set_delimiter(eddy_line_only_receiver *lr, const void *delim,
                                          size_t len)
{
    return eddy__line_set_delimiter(lr->delimiter, &lr->delimiter_len, &lr->scan, delim, len);
}

int eddy_line_only_receiver_send_line(eddy_line_only_receiver *lr, const void *line, size_t len)
{
    struct iovec iov[2] = {{(void *)line, len}, {lr->delimiter, lr->delimiter_len}};
    return eddy__receiver_send(&lr->base, iov, 2);
}
