/* basic_receiver.c - what every framing receiver shares: buffering, the parse loop, re-entrancy,
 * pausing, and closing with a reason. See receiver.h for the rules a parser step follows. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/receiver.h"

/* An idle receiver keeps at most this much buffer memory; a larger one is freed once empty, so a
 * connection that once received a long message does not hold on to it. */
#define IDLE_KEEP 4096u
#define MIN_ALLOC 256u

/* ---- buffers --------------------------------------------------------------------------------- */

static int buf_append(eddy_receiver_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (n > SIZE_MAX / 2 - b->len)
        return -ENOMEM;
    if (b->head + b->len + n > b->cap) {
        /* Slide the unparsed bytes to the front first: often that is room enough. */
        if (b->head) {
            memmove(b->data, b->data + b->head, b->len);
            b->head = 0;
        }
        if (b->len + n > b->cap) {
            size_t cap = b->cap ? b->cap : MIN_ALLOC;
            while (cap < b->len + n)
                cap *= 2;
            char *nd = realloc(b->data, cap);
            if (!nd)
                return -ENOMEM;
            b->data = nd;
            b->cap = cap;
        }
    }
    memcpy(b->data + b->head + b->len, p, n);
    b->len += n;
    return 0;
}

static void buf_free(eddy_receiver_buf *b)
{
    free(b->data);
    *b = (eddy_receiver_buf){0};
}

/* Forget the contents; give the memory back if it grew large. */
static void buf_empty(eddy_receiver_buf *b)
{
    if (b->cap > IDLE_KEEP)
        buf_free(b);
    b->head = b->len = 0;
}

/* ---- the parse window ------------------------------------------------------------------------ */

static const char *win_ptr(const eddy_receiver *r)
{
    return r->in_ext ? r->ext : r->buf.data + r->buf.head;
}

static size_t win_len(const eddy_receiver *r)
{
    return r->in_ext ? r->ext_len : r->buf.len;
}

void eddy__receiver_consume(eddy_receiver *r, size_t n)
{
    if (r->in_ext) {
        r->ext += n;
        r->ext_len -= n;
        return;
    }
    r->buf.head += n;
    r->buf.len -= n;
    if (r->buf.len == 0)
        r->buf.head = 0; /* no memory moves: a callback may still be reading these bytes */
}

void eddy__receiver_discard(eddy_receiver *r)
{
    r->ext_len = 0;
    r->in_ext = false;
    r->buf.head = r->buf.len = 0;
    r->pending.head = r->pending.len = 0;
}

static void fail_nomem(eddy_receiver *r)
{
    eddy_receiver_close(r, -ENOMEM, "out of memory buffering input");
}

/* Make `buf` hold every unparsed byte, in order: the rest of the caller's chunk, then what was fed
 * in re-entrantly. Only called when no callback holds a pointer into the window. */
static bool keep_unparsed(eddy_receiver *r)
{
    if (r->broken) {
        r->in_ext = false;
        r->ext_len = 0;
        buf_free(&r->buf);
        buf_free(&r->pending);
        return false;
    }
    int rc = 0;
    if (r->in_ext) {
        rc = buf_append(&r->buf, r->ext, r->ext_len); /* buf is empty while parsing in place */
        r->in_ext = false;
        r->ext_len = 0;
    }
    if (rc == 0 && r->pending.len) {
        rc = buf_append(&r->buf, r->pending.data + r->pending.head, r->pending.len);
        buf_free(&r->pending); /* rarely used: do not keep it */
    }
    if (rc < 0) {
        fail_nomem(r);
        return false;
    }
    if (r->buf.len == 0)
        buf_empty(&r->buf);
    return true;
}

/* ---- the parse loop -------------------------------------------------------------------------- */

static void parse(eddy_receiver *r)
{
    bool gone = false;
    r->busy = true;
    r->gone = &gone;
    for (;;) {
        if (r->pending.len && !keep_unparsed(r))
            break;
        size_t len = win_len(r);
        if (len == 0 || r->paused || r->broken)
            break;
        int st = r->kind->step(r, win_ptr(r), len);
        if (gone)
            return; /* connection_lost ran inside the callback: `r` may be freed */
        if (st == EDDY__STEP_MORE || st == EDDY__STEP_STOP)
            break;
        if (st == EDDY__STEP_CALLED && eddy__transport_closing(r->protocol.transport))
            break;
    }
    r->gone = NULL;
    r->busy = false;
    keep_unparsed(r);
}

void eddy_receiver_data_received(eddy_receiver *r, const void *data, size_t len)
{
    if (r->broken)
        return;
    if (r->busy) {
        if (buf_append(&r->pending, data, len) < 0)
            fail_nomem(r);
        return;
    }
    if (eddy__transport_closing(r->protocol.transport))
        return;
    if (len) {
        if (r->buf.len) {
            if (buf_append(&r->buf, data, len) < 0) {
                fail_nomem(r);
                return;
            }
        } else {
            r->ext = data;
            r->ext_len = len;
            r->in_ext = true;
        }
    }
    parse(r);
}

size_t eddy_receiver_buffered(const eddy_receiver *r)
{
    return win_len(r) + r->pending.len;
}

void eddy__receiver_copy_unparsed(const eddy_receiver *r, char *out)
{
    size_t n = win_len(r);
    if (n)
        memcpy(out, win_ptr(r), n);
    if (r->pending.len)
        memcpy(out + n, r->pending.data + r->pending.head, r->pending.len);
}

/* ---- producer -------------------------------------------------------------------------------- */

void eddy_receiver_pause_producing(eddy_receiver *r)
{
    r->paused = true;
    if (r->protocol.transport)
        eddy_transport_pause_producing(r->protocol.transport);
}

void eddy_receiver_resume_producing(eddy_receiver *r)
{
    r->paused = false;
    if (r->protocol.transport)
        eddy_transport_resume_producing(r->protocol.transport);
    /* From inside one of our callbacks the running loop picks the buffer up when it returns. */
    if (!r->busy && !r->paused && !r->broken && eddy_receiver_buffered(r))
        eddy_receiver_data_received(r, NULL, 0);
}

void eddy_receiver_stop_producing(eddy_receiver *r)
{
    r->paused = true;
    if (r->protocol.transport)
        eddy_transport_stop_producing(r->protocol.transport);
}

bool eddy_receiver_paused(const eddy_receiver *r)
{
    return r->paused;
}

static void producer_pause(eddy_producer *p)
{
    eddy_receiver_pause_producing(eddy__container_of(p, eddy_receiver, producer));
}

static void producer_resume(eddy_producer *p)
{
    eddy_receiver_resume_producing(eddy__container_of(p, eddy_receiver, producer));
}

static void producer_stop(eddy_producer *p)
{
    eddy_receiver_stop_producing(eddy__container_of(p, eddy_receiver, producer));
}

static const eddy_producer_ops producer_ops = {
    .pause_producing = producer_pause,
    .resume_producing = producer_resume,
    .stop_producing = producer_stop,
};

/* ---- life cycle ------------------------------------------------------------------------------ */

int eddy_receiver_close(eddy_receiver *r, int code, const char *fmt, ...)
{
    if (!r->error && code < 0) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        r->error = eddy_failure_new(code, "%s", msg);
    }
    r->broken = true;
    if (!r->protocol.transport)
        return -ENOTCONN;
    return eddy_transport_lose_connection(r->protocol.transport);
}

/* Free the buffers and stop any parsing in progress. Returns the failure to report: the receiver's
 * own reason for closing (the caller unrefs it), or NULL to report the transport's. */
static eddy_failure *lost(eddy_receiver *r)
{
    if (r->gone)
        *r->gone = true;
    r->gone = NULL;
    r->busy = false;
    r->broken = true;
    r->in_ext = false;
    r->ext_len = 0;
    buf_free(&r->buf);
    buf_free(&r->pending);
    eddy_failure *f = r->error;
    r->error = NULL;
    return f;
}

void eddy_receiver_release(eddy_receiver *r)
{
    eddy_failure_unref(lost(r));
}

/* ---- protocol ops: one table for every framing, which differ only in their kind ------------- */

static eddy_receiver *of_protocol(eddy_protocol *p)
{
    return eddy__container_of(p, eddy_receiver, protocol);
}

static void connection_made(eddy_protocol *p, eddy_transport *t)
{
    eddy_receiver *r = of_protocol(p);
    r->kind->connection_made(r);
}

static void data_received(eddy_protocol *p, const void *data, size_t len)
{
    eddy_receiver_data_received(of_protocol(p), data, len);
}

static bool eof_received(eddy_protocol *p)
{
    eddy_receiver *r = of_protocol(p);
    return r->kind->eof_received(r);
}

static void write_connection_lost(eddy_protocol *p)
{
    eddy_receiver *r = of_protocol(p);
    r->kind->write_connection_lost(r);
}

static void connection_lost(eddy_protocol *p, const eddy_failure *reason)
{
    eddy_receiver *r = of_protocol(p);
    eddy_failure *own = lost(r);
    r->kind->connection_lost(r, own ? own : reason); /* may free `r` */
    eddy_failure_unref(own);
}

static const eddy_protocol_ops protocol_ops = {
    .connection_made = connection_made,
    .data_received = data_received,
    .eof_received = eof_received,
    .connection_lost = connection_lost,
    .write_connection_lost = write_connection_lost,
};

void eddy__receiver_init(eddy_receiver *r, const struct eddy__receiver_kind *kind)
{
    *r = (eddy_receiver){
        .protocol = {.ops = &protocol_ops}, .producer = {.ops = &producer_ops}, .kind = kind};
}

int eddy__receiver_send(eddy_receiver *r, const struct iovec *iov, int n)
{
    if (!r->protocol.transport)
        return -ENOTCONN;
    return eddy_transport_write_sequence(r->protocol.transport, iov, n);
}

/* ---- finding lines, for both line receivers -------------------------------------------------- */

/* Find the first `delim` in win[from..len). On success *at is its offset. */
static bool find_delimiter(const char *win, size_t len, size_t from, const char *delim, size_t dlen,
                           size_t *at)
{
    if (from >= len)
        return false;
    const char *hit = dlen == 1 ? memchr(win + from, delim[0], len - from)
                                : memmem(win + from, len - from, delim, dlen);
    if (!hit)
        return false;
    *at = (size_t)(hit - win);
    return true;
}

int eddy__line_next(eddy_receiver *r, const char *win, size_t len, const char *delim, size_t dlen,
                    size_t max_length, size_t *scan, size_t *line_len)
{
    size_t at;
    bool found = find_delimiter(win, len, *scan, delim, dlen, &at);
    /* Too long: a delimited line over max_length, or so many bytes with no delimiter that no
     * acceptable line can end in them. */
    if (found ? at > max_length : len >= dlen && len - dlen >= max_length) {
        eddy__receiver_discard(r);
        *scan = 0;
        return EDDY__LINE_TOO_LONG;
    }
    if (!found) {
        /* A delimiter may still start in the last dlen - 1 bytes. */
        *scan = len >= dlen ? len - dlen + 1 : 0;
        return EDDY__LINE_MORE;
    }
    *scan = 0;
    eddy__receiver_consume(r, at + dlen);
    *line_len = at;
    return EDDY__LINE_FOUND;
}

int eddy__line_set_delimiter(char *delimiter, unsigned char *delimiter_len, size_t *scan,
                             const void *delim, size_t len)
{
    if (!delim || len == 0 || len > EDDY_LINE_DELIMITER_MAX)
        return -EINVAL;
    memcpy(delimiter, delim, len);
    *delimiter_len = (unsigned char)len;
    *scan = 0;
    return 0;
}
