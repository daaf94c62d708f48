/* basic_line.c - the line receiver (Twisted's LineReceiver): lines, raw mode, and switching
 * between them in the middle of a chunk.
 *
 * Over-long lines follow Twisted 22's rules, which do not depend on how the input is split: a
 * delimited line longer than max_length is too long, and so is a buffer of max_length + the
 * delimiter's length bytes with no delimiter in it (it cannot end in an acceptable line). The
 * search for a delimiter resumes where the last one stopped, so a long line trickling in byte by
 * byte costs linear time, not quadratic. */
#include <stdlib.h>
#include <sys/uio.h>

#include "protocols/receiver.h"

static eddy_line_receiver *of(eddy_receiver *r)
{
    return eddy__container_of(r, eddy_line_receiver, base);
}

static int step(eddy_receiver *r, const char *win, size_t len)
{
    eddy_line_receiver *lr = of(r);
    if (lr->raw_mode) {
        eddy__receiver_consume(r, len);
        if (lr->ops->raw_data_received)
            lr->ops->raw_data_received(lr, win, len);
        return EDDY__STEP_CALLED;
    }
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

EDDY__RECEIVER_KIND(eddy_line_receiver, step);

/* ---- public ---------------------------------------------------------------------------------- */

void eddy_line_receiver_init(eddy_line_receiver *lr, const eddy_line_receiver_ops *ops)
{
    *lr = (eddy_line_receiver){
        .ops = ops, .max_length = EDDY_LINE_MAX_LENGTH, .delimiter_len = 2, .delimiter = "\r\n"};
    eddy__receiver_init(&lr->base, &kind);
}

int eddy_line_receiver_set_delimiter(eddy_line_receiver *lr, const void *delim, size_t len)
{
    return eddy__line_set_delimiter(lr->delimiter, &lr->delimiter_len, &lr->scan, delim, len);
}

int eddy_line_receiver_send_line(eddy_line_receiver *lr, const void *line, size_t len)
{
    struct iovec iov[2] = {{(void *)line, len}, {lr->delimiter, lr->delimiter_len}};
    return eddy__receiver_send(&lr->base, iov, 2);
}

void eddy_line_receiver_set_raw_mode(eddy_line_receiver *lr)
{
    lr->raw_mode = true;
    lr->scan = 0;
}

void eddy_line_receiver_set_line_mode(eddy_line_receiver *lr, const void *extra, size_t len)
{
    lr->raw_mode = false;
    lr->scan = 0;
    if (len)
        eddy_receiver_data_received(&lr->base, extra, len);
}

bool eddy_line_receiver_line_mode(const eddy_line_receiver *lr)
{
    return !lr->raw_mode;
}

int eddy_line_receiver_clear_line_buffer(eddy_line_receiver *lr, void **data, size_t *len)
{
    size_t n = eddy_receiver_buffered(&lr->base);
    char *copy = NULL;
    if (data && n) {
        copy = malloc(n);
        if (!copy)
            return -ENOMEM;
        eddy__receiver_copy_unparsed(&lr->base, copy);
    }
    eddy__receiver_discard(&lr->base);
    lr->scan = 0;
    if (data)
        *data = copy;
    if (len)
        *len = n;
    return 0;
}
