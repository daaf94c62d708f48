/* string_transport_peer.c - the string transport seen from the test: attaching a protocol,
 * inspecting what it did, and playing the peer (bytes, end of file, loss, a slow reader). */
#include <stdlib.h>
#include <string.h>

#include "testing/string_transport_internal.h"

int eddy_string_transport_connect(eddy_string_transport *st, eddy_protocol *p)
{
    if (st->connected)
        return -EBUSY;
    st->connected = true;
    st->protocol = p;
    eddy__st_enter(st);
    eddy_protocol_make_connection(p, &st->base);
    eddy__st_leave(st);
    return 0;
}

eddy_protocol *eddy_string_transport_protocol(const eddy_string_transport *st)
{
    return st->protocol;
}

bool eddy__string_transport_live(const eddy_string_transport *st)
{
    return st->protocol && !st->lost;
}

/* ---- inspecting ------------------------------------------------------------------------------ */

const char *eddy_string_transport_value(const eddy_string_transport *st, size_t *len)
{
    if (len)
        *len = st->len;
    return st->buf;
}

void eddy__string_transport_consume(eddy_string_transport *st, size_t n)
{
    if (n > st->len)
        n = st->len;
    memmove(st->buf, st->buf + n, st->len - n);
    st->len -= n;
    st->buf[st->len] = '\0';
    if (!st->producer)
        return;
    if (st->streaming ? st->paused_by_marks && st->len <= st->low : st->len == 0)
        eddy__st_resume_registered(st);
}

void eddy_string_transport_clear(eddy_string_transport *st)
{
    eddy__string_transport_consume(st, st->len);
}

bool eddy_string_transport_disconnecting(const eddy_string_transport *st)
{
    return st->disconnecting;
}

bool eddy_string_transport_aborted(const eddy_string_transport *st)
{
    return st->aborted;
}

bool eddy_string_transport_write_closed(const eddy_string_transport *st)
{
    return st->write_closed;
}

bool eddy_string_transport_lost(const eddy_string_transport *st)
{
    return st->lost;
}

eddy_producer_state eddy_string_transport_producer_state(const eddy_string_transport *st)
{
    return st->reading;
}

eddy_producer *eddy_string_transport_producer(const eddy_string_transport *st, bool *streaming)
{
    if (streaming)
        *streaming = st->producer && st->streaming;
    return st->producer;
}

eddy_producer_state eddy_string_transport_registered_state(const eddy_string_transport *st)
{
    return st->producer_state;
}

/* ---- playing the peer ------------------------------------------------------------------------ */

int eddy_string_transport_receive(eddy_string_transport *st, const void *data, size_t len)
{
    if (!eddy__string_transport_live(st))
        return -ENOTCONN;
    eddy_protocol *p = st->protocol;
    eddy__st_enter(st);
    p->ops->data_received(p, data, len);
    eddy__st_leave(st);
    return 0;
}

bool eddy__string_transport_deliver_eof(eddy_string_transport *st)
{
    if (!eddy__string_transport_live(st))
        return false;
    eddy_protocol *p = st->protocol;
    eddy__st_enter(st);
    bool keep = p->ops->eof_received && p->ops->eof_received(p);
    eddy__st_leave(st);
    return keep;
}

int eddy_string_transport_receive_eof(eddy_string_transport *st)
{
    if (!eddy__string_transport_live(st))
        return -ENOTCONN;
    if (st->read_closed)
        return 0;           /* a peer closes its side once: eof_received is not called again */
    st->read_closed = true; /* with our side half-closed too, the connection ends (settle) */
    if (!eddy__string_transport_deliver_eof(st) && !st->close_code) {
        st->close_code = EDDY_ECONNDONE; /* not half-closeable: the transport closes */
        eddy__st_settle(st);
    }
    return 0;
}

int eddy_string_transport_lose(eddy_string_transport *st, int code)
{
    if (!st->connected)
        return -ENOTCONN;
    if (st->depth > 0) {
        if (!st->close_code)
            st->close_code = code; /* delivered when the handler running now returns */
        return 0;
    }
    eddy__string_transport_deliver_lost(st, code);
    return 0;
}

void eddy_string_transport_pause_producer(eddy_string_transport *st)
{
    eddy__st_pause_registered(st, false);
}

void eddy_string_transport_resume_producer(eddy_string_transport *st)
{
    eddy__st_resume_registered(st);
}

/* ---- for the memory reactor and the loopback ------------------------------------------------- */

void eddy__string_transport_on_lost(eddy_string_transport *st, eddy__lost_hook fn, void *arg)
{
    st->lost_hook = fn;
    st->lost_arg = arg;
}

void eddy__string_transport_set_managed(eddy_string_transport *st, bool managed)
{
    st->managed = managed;
}

void eddy__string_transport_deliver_write_lost(eddy_string_transport *st)
{
    st->write_lost_pending = false;
    if (st->write_lost_done || !eddy__string_transport_live(st))
        return;
    st->write_lost_done = true;
    eddy_protocol *p = st->protocol;
    if (p->ops->write_connection_lost) {
        eddy__st_enter(st);
        p->ops->write_connection_lost(p);
        eddy__st_leave(st);
    }
}

void eddy__string_transport_deliver_lost(eddy_string_transport *st, int code)
{
    if (!eddy__string_transport_live(st))
        return;
    st->lost = true;
    st->reading = EDDY_PRODUCER_STOPPED;
    eddy_failure *why = eddy_failure_from_code(code);
    eddy_producer *producer = st->producer;
    st->producer = NULL;
    st->depth++; /* nothing may settle again: the connection is over */
    if (producer) {
        /* Real transports stop the producer before telling the protocol. */
        st->producer_state = EDDY_PRODUCER_STOPPED;
        if (producer->ops->stop_producing)
            producer->ops->stop_producing(producer);
    }
    eddy_protocol *p = st->protocol;
    st->protocol = NULL;
    p->transport = NULL;
    p->ops->connection_lost(p, why);
    st->depth--;
    if (st->lost_hook)
        st->lost_hook(st->lost_arg, st, why);
    eddy_failure_unref(why);
}
