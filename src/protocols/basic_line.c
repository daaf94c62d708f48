/* basic_line.c - the line receiver (Twisted's LineReceiver): lines, raw mode, and switching
 * between them in the middle of a chunk.
 *
 * Over-long lines follow Twisted 22's rules, which do not depend on how the input is split: a
 * delimited line longer than max_length is too long, and so is a buffer of max_length + the
 * delimiter's length bytes with no delimiter in it (it cannot end in an acceptable line). The
 * search for a delimiter resumes where the last one stopped, so a long line trickling in byte by
 * byte costs linear time, not quadratic. */
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "protocols/receiver.h"

static eddy_line_receiver *of(eddy_receiver *r)
{
    return eddy__container_of(r, eddy_line_receiver, base);
}

static eddy_line_receiver *of_protocol(eddy_protocol *p)
{
    return of(eddy__container_of(p, eddy_receiver, protocol));
}

static int too_long(eddy_receiver *r, const char *win, size_t len)
{
    eddy_line_receiver *lr = of(r);
    eddy__receiver_discard(r);
    lr->scan = 0;
    if (lr->ops->line_length_exceeded)
        lr->ops->line_length_exceeded(lr, win, len);
    else
        eddy_receiver_close(r, EDDY_ETOOLONG, "line longer than %zu bytes", lr->max_length);
    return EDDY__STEP_STOP;
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
    size_t dlen = lr->delimiter_len, at;
    if (!eddy__find_delimiter(win, len, lr->scan, lr->delimiter, dlen, &at)) {
        if (len >= dlen && len - dlen >= lr->max_length)
            return too_long(r, win, len);
        /* A delimiter may still start in the last dlen - 1 bytes. */
        lr->scan = len >= dlen ? len - dlen + 1 : 0;
        return EDDY__STEP_MORE;
    }
    if (at > lr->max_length)
        return too_long(r, win, len);
    lr->scan = 0;
    eddy__receiver_consume(r, at + dlen);
    lr->ops->line_received(lr, win, at);
    return EDDY__STEP_CALLED;
}

static const struct eddy__receiver_kind kind = {.step = step};

/* ---- protocol ops ---------------------------------------------------------------------------- */

static void connection_made(eddy_protocol *p, eddy_transport *t)
{
    eddy_line_receiver *lr = of_protocol(p);
    if (lr->ops->connection_made)
        lr->ops->connection_made(lr);
}

static bool eof_received(eddy_protocol *p)
{
    eddy_line_receiver *lr = of_protocol(p);
    return lr->ops->eof_received ? lr->ops->eof_received(lr) : false;
}

static void write_connection_lost(eddy_protocol *p)
{
    eddy_line_receiver *lr = of_protocol(p);
    if (lr->ops->write_connection_lost)
        lr->ops->write_connection_lost(lr);
}

static void connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    eddy_line_receiver *lr = of_protocol(p);
    eddy_failure *own = eddy__receiver_lost(&lr->base);
    if (lr->ops->connection_lost)
        lr->ops->connection_lost(lr, own ? own : reason);
    eddy_failure_unref(own);
}

static const eddy_protocol_ops protocol_ops = {
    .connection_made = connection_made,
    .data_received = eddy__receiver_data_received,
    .eof_received = eof_received,
    .connection_lost = connection_lost,
    .write_connection_lost = write_connection_lost,
};

/* ---- public ---------------------------------------------------------------------------------- */

void eddy_line_receiver_init(eddy_line_receiver *lr, const eddy_line_receiver_ops *ops)
{
    *lr = (eddy_line_receiver){
        .ops = ops, .max_length = EDDY_LINE_MAX_LENGTH, .delimiter_len = 2, .delimiter = "\r\n"};
    eddy__receiver_init(&lr->base, &kind, &protocol_ops);
}

int eddy_line_receiver_set_delimiter(eddy_line_receiver *lr, const void *delim, size_t len)
{
    if (!delim || len == 0 || len > EDDY_LINE_DELIMITER_MAX)
        return -EINVAL;
    memcpy(lr->delimiter, delim, len);
    lr->delimiter_len = (unsigned char)len;
    lr->scan = 0;
    return 0;
}

int eddy_line_receiver_send_line(eddy_line_receiver *lr, const void *line, size_t len)
{
    eddy_transport *t = lr->base.protocol.transport;
    if (!t)
        return -ENOTCONN;
    struct iovec iov[2] = {{(void *)line, len}, {lr->delimiter, lr->delimiter_len}};
    return eddy_transport_write_sequence(t, iov, 2);
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
