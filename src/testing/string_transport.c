/* string_transport.c - the string transport: the transport side (what a protocol calls).
 * The peer side (what a test calls to play the other end) is in string_transport_peer.c.
 *
 * Re-entrancy: every call out to the protocol or the producer runs with `depth` raised. Requests
 * made meanwhile (close, abort, half-close) are only recorded; settle() acts on them when the
 * outermost call returns, so a protocol never sees connection_lost inside its own request, the
 * way real transports behave. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "testing/string_transport_internal.h"

static const eddy_transport_ops string_ops;
static const eddy_producer_ops as_producer_ops;

static void default_address(eddy_address *a, const char *ip, int port)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)&a->sa;
    memset(a, 0, sizeof *a);
    a->kind = EDDY_ADDRESS_TCP;
    a->len = sizeof *sin;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, ip, &sin->sin_addr);
}

int eddy_string_transport_new(const eddy_string_transport_options *options,
                              eddy_string_transport **out)
{
    eddy_string_transport *st = calloc(1, sizeof *st);
    char *buf = malloc(64);
    if (!st || !buf) {
        free(st);
        free(buf);
        return -ENOMEM;
    }
    st->base.ops = &string_ops;
    st->base.as_producer.ops = &as_producer_ops;
    st->buf = buf;
    st->buf[0] = '\0';
    st->cap = 64;
    st->low = EDDY_TRANSPORT_LOW_WATER;
    st->high = EDDY_TRANSPORT_HIGH_WATER;
    if (options && options->host)
        st->host = *options->host;
    else
        default_address(&st->host, "10.0.0.1", 12345);
    if (options && options->peer)
        st->peer = *options->peer;
    else
        default_address(&st->peer, "192.168.1.1", 54321);
    st->disconnect_on_lose = options && options->disconnect_on_lose;
    *out = st;
    return 0;
}

void eddy_string_transport_free(eddy_string_transport *st)
{
    if (!st)
        return;
    if (st->lost_hook && !st->lost)
        st->lost_hook(st->lost_arg, st, NULL); /* whoever watches it must forget it */
    free(st->buf);
    free(st);
}

eddy_transport *eddy_string_transport_transport(eddy_string_transport *st)
{
    return &st->base;
}

eddy_string_transport *eddy_string_transport_from(eddy_transport *t)
{
    return t && t->ops == &string_ops ? (eddy_string_transport *)t : NULL;
}

static eddy_string_transport *st_of(const eddy_transport *t)
{
    return (eddy_string_transport *)t;
}

/* ---- calling out ----------------------------------------------------------------------------- */

void eddy__st_enter(eddy_string_transport *st)
{
    st->depth++;
}

void eddy__st_leave(eddy_string_transport *st)
{
    if (--st->depth == 0)
        eddy__st_settle(st);
}

bool eddy__st_producer_holds_close(const eddy_string_transport *st)
{
    return st->producer && !st->streaming;
}

/* The close a standalone transport owes its protocol now, or 0. */
static int pending_close(const eddy_string_transport *st)
{
    if (st->close_code)
        return st->close_code;
    if (st->managed)
        return 0;
    /* Like a socket, the transport ends a connection whose two directions are both closed. */
    if (st->read_closed && st->write_lost_done)
        return EDDY_ECONNDONE;
    if (!st->disconnect_on_lose)
        return 0;
    if (st->aborted)
        return EDDY_EABORTED;
    if (st->disconnecting && !eddy__st_producer_holds_close(st))
        return EDDY_ECONNDONE;
    return 0;
}

void eddy__st_settle(eddy_string_transport *st)
{
    if (st->depth > 0 || !eddy__string_transport_live(st))
        return;
    if (st->write_lost_pending)
        eddy__string_transport_deliver_write_lost(st);
    int code = eddy__string_transport_live(st) ? pending_close(st) : 0;
    if (code)
        eddy__string_transport_deliver_lost(st, code);
}

void eddy__st_pause_registered(eddy_string_transport *st, bool by_marks)
{
    eddy_producer *p = st->producer;
    if (!p || !st->streaming || st->producer_state != EDDY_PRODUCER_PRODUCING)
        return;
    st->producer_state = EDDY_PRODUCER_PAUSED;
    st->paused_by_marks = by_marks;
    if (p->ops->pause_producing) {
        eddy__st_enter(st);
        p->ops->pause_producing(p);
        eddy__st_leave(st);
    }
}

void eddy__st_resume_registered(eddy_string_transport *st)
{
    eddy_producer *p = st->producer;
    if (!p || st->producer_state == EDDY_PRODUCER_STOPPED)
        return;
    st->producer_state = EDDY_PRODUCER_PRODUCING;
    st->paused_by_marks = false;
    if (p->ops->resume_producing) {
        eddy__st_enter(st);
        p->ops->resume_producing(p);
        eddy__st_leave(st);
    }
}

/* ---- writing --------------------------------------------------------------------------------- */

/* As on real transports, after lose_connection only a registered producer may still write (the
 * close waits for its output). The kit's half-close is immediate (there is no queue to drain),
 * so after it nobody may write, where a real transport still lets a registered producer finish. */
static int writable(const eddy_string_transport *st)
{
    if (st->lost || st->aborted || st->write_closed || (st->disconnecting && !st->producer))
        return -ENOTCONN;
    return 0;
}

static int append(eddy_string_transport *st, const void *data, size_t len)
{
    if (len > SIZE_MAX / 2 - st->len)
        return -ENOMEM;
    if (st->len + len + 1 > st->cap) {
        size_t cap = st->cap;
        while (cap < st->len + len + 1)
            cap *= 2;
        char *nb = realloc(st->buf, cap);
        if (!nb)
            return -ENOMEM;
        st->buf = nb;
        st->cap = cap;
    }
    if (len)
        memcpy(st->buf + st->len, data, len);
    st->len += len;
    st->buf[st->len] = '\0';
    return 0;
}

/* After a write: a push producer feeding a full buffer is paused, as real transports do. */
static void check_high_water(eddy_string_transport *st)
{
    if (st->len > st->high)
        eddy__st_pause_registered(st, true);
}

static int st_write(eddy_transport *t, const void *data, size_t len)
{
    eddy_string_transport *st = st_of(t);
    int rc = writable(st);
    if (rc == 0)
        rc = append(st, data, len);
    if (rc == 0)
        check_high_water(st);
    return rc;
}

static int st_write_sequence(eddy_transport *t, const struct iovec *iov, int iovcnt)
{
    eddy_string_transport *st = st_of(t);
    if (iovcnt < 0 || (iovcnt > 0 && !iov))
        return -EINVAL;
    int rc = writable(st);
    for (int i = 0; rc == 0 && i < iovcnt; i++)
        rc = append(st, iov[i].iov_base, iov[i].iov_len);
    if (rc == 0)
        check_high_water(st);
    return rc;
}

static int st_write_owned(eddy_transport *t, void *data, size_t len, eddy_free_fn free_fn)
{
    int rc = st_write(t, data, len);
    if (free_fn)
        free_fn(data);
    return rc;
}

/* ---- closing --------------------------------------------------------------------------------- */

static int st_lose_connection(eddy_transport *t)
{
    eddy_string_transport *st = st_of(t);
    st->disconnecting = true;
    eddy__st_settle(st);
    return 0;
}

static int st_abort_connection(eddy_transport *t)
{
    eddy_string_transport *st = st_of(t);
    st->aborted = true;
    eddy__st_settle(st);
    return 0;
}

static int st_lose_write_connection(eddy_transport *t)
{
    eddy_string_transport *st = st_of(t);
    if (st->lost)
        return -ENOTCONN;
    if (st->disconnecting || st->aborted)
        return 0; /* as on a real transport: the close under way covers it */
    if (!st->write_closed && !st->managed)
        st->write_lost_pending = true;
    st->write_closed = true;
    eddy__st_settle(st);
    return 0;
}

/* ---- the rest of the table ------------------------------------------------------------------- */

static int st_get_peer(const eddy_transport *t, eddy_address *out)
{
    *out = st_of(t)->peer;
    return 0;
}

static int st_get_host(const eddy_transport *t, eddy_address *out)
{
    *out = st_of(t)->host;
    return 0;
}

static int st_fileno(const eddy_transport *t)
{
    (void)t;
    return -1;
}

static void st_pause_producing(eddy_transport *t)
{
    eddy_string_transport *st = st_of(t);
    if (st->reading != EDDY_PRODUCER_STOPPED)
        st->reading = EDDY_PRODUCER_PAUSED;
}

static void st_resume_producing(eddy_transport *t)
{
    eddy_string_transport *st = st_of(t);
    if (st->reading != EDDY_PRODUCER_STOPPED)
        st->reading = EDDY_PRODUCER_PRODUCING;
}

/* Twisted: stopping a transport as a producer closes it. */
static void st_stop_producing(eddy_transport *t)
{
    st_of(t)->reading = EDDY_PRODUCER_STOPPED;
    st_lose_connection(t);
}

static int st_register_producer(eddy_transport *t, eddy_producer *p, bool streaming)
{
    eddy_string_transport *st = st_of(t);
    if (st->producer)
        return -EBUSY;
    if (st->lost || st->disconnecting || st->aborted || st->write_closed) {
        if (p->ops->stop_producing) {
            eddy__st_enter(st);
            p->ops->stop_producing(p);
            eddy__st_leave(st);
        }
        return -ENOTCONN;
    }
    st->producer = p;
    st->streaming = streaming;
    st->producer_state = EDDY_PRODUCER_PRODUCING;
    st->paused_by_marks = false;
    if (streaming)
        check_high_water(st);
    else
        eddy__st_resume_registered(st); /* a pull producer is asked for its first chunk */
    return 0;
}

static void st_unregister_producer(eddy_transport *t)
{
    eddy_string_transport *st = st_of(t);
    if (!st->producer)
        return; /* nothing to forget: keep the state the loss left (STOPPED) */
    st->producer = NULL;
    st->producer_state = EDDY_PRODUCER_PRODUCING;
    eddy__st_settle(st); /* a lose_connection may have been waiting for this */
}

static size_t st_buffered(const eddy_transport *t)
{
    return st_of(t)->len;
}

static void st_set_water_marks(eddy_transport *t, size_t low, size_t high)
{
    eddy_string_transport *st = st_of(t);
    st->low = low < high ? low : high;
    st->high = high;
    /* As real transports do, apply the new marks to what is already buffered. */
    check_high_water(st);
    if (st->producer && st->streaming && st->paused_by_marks && st->len < st->low)
        eddy__st_resume_registered(st);
}

static const char *st_log_prefix(const eddy_transport *t)
{
    (void)t;
    return "string";
}

static bool st_disconnecting(const eddy_transport *t)
{
    const eddy_string_transport *st = st_of(t);
    return st->disconnecting || st->aborted || st->lost;
}

static const eddy_transport_ops string_ops = {
    .write = st_write,
    .write_sequence = st_write_sequence,
    .write_owned = st_write_owned,
    .lose_connection = st_lose_connection,
    .abort_connection = st_abort_connection,
    .lose_write_connection = st_lose_write_connection,
    .get_peer = st_get_peer,
    .get_host = st_get_host,
    .fileno = st_fileno,
    .pause_producing = st_pause_producing,
    .resume_producing = st_resume_producing,
    .stop_producing = st_stop_producing,
    .register_producer = st_register_producer,
    .unregister_producer = st_unregister_producer,
    .buffered = st_buffered,
    .set_water_marks = st_set_water_marks,
    .log_prefix = st_log_prefix,
    .disconnecting = st_disconnecting,
};

/* The transport as a producer (its reading side), for registering with another transport. */
static eddy_transport *of_producer(eddy_producer *p)
{
    return (eddy_transport *)((char *)p - offsetof(eddy_transport, as_producer));
}

static void as_pause(eddy_producer *p)
{
    st_pause_producing(of_producer(p));
}

static void as_resume(eddy_producer *p)
{
    st_resume_producing(of_producer(p));
}

static void as_stop(eddy_producer *p)
{
    st_stop_producing(of_producer(p));
}

static const eddy_producer_ops as_producer_ops = {
    .pause_producing = as_pause,
    .resume_producing = as_resume,
    .stop_producing = as_stop,
};
