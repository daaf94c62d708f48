/* stream_producer.c - backpressure in both directions.
 *
 * As a producer, a stream reads from its peer until paused (pause_producing removes the reader,
 * so the kernel's receive buffer fills and TCP flow control slows the peer down).
 * As a consumer, a stream has at most one registered producer: a push producer is paused when
 * the queue passes the high water mark and resumed below the low water mark (or when it drains);
 * a pull producer is asked for one more chunk each time the queue drains. Between them the
 * library keeps no queue a peer can grow: what a protocol writes is bounded by what it chooses to
 * buffer, and the water marks tell it when to stop.
 *
 * These calls may come from inside another callback of the same stream (register_producer from
 * data_received, say), so `busy` is saved and restored around the callbacks made here. */
#include <stdint.h>

#include "net/stream.h"

#define CALL_PRODUCER(s, p, fn)                                                                    \
    do {                                                                                           \
        bool was_busy_ = (s)->busy;                                                                \
        (s)->busy = true;                                                                          \
        (p)->ops->fn(p);                                                                           \
        (s)->busy = was_busy_;                                                                     \
    } while (0)

void eddy__stream_pause_producing(eddy_transport *t)
{
    eddy__stream *s = eddy__stream_of(t);
    if (s->paused)
        return;
    s->paused = true;
    eddy__stream_update_watchers(s);
}

void eddy__stream_resume_producing(eddy_transport *t)
{
    eddy__stream *s = eddy__stream_of(t);
    if (!s->paused)
        return;
    s->paused = false;
    eddy__stream_update_watchers(s);
}

void eddy__stream_stop_producing(eddy_transport *t)
{
    eddy__stream_lose(eddy__stream_of(t));
}

int eddy__stream_register_producer(eddy_transport *t, eddy_producer *p, bool streaming)
{
    eddy__stream *s = eddy__stream_of(t);
    if (s->producer)
        return -EBUSY;
    if (s->finishing || s->write_closed || s->shut_pending) {
        p->ops->stop_producing(p);
        return -ENOTCONN;
    }
    s->producer = p;
    s->streaming = streaming;
    s->producer_paused = false;
    s->ask_producer = false;
    if (streaming)
        eddy__stream_check_high_water(s);
    else
        CALL_PRODUCER(s, p, resume_producing);
    return 0;
}

void eddy__stream_unregister_producer(eddy_transport *t)
{
    eddy__stream *s = eddy__stream_of(t);
    if (!s->producer)
        return;
    s->producer = NULL;
    s->streaming = s->producer_paused = s->ask_producer = false;
    if (s->disconnecting && !s->finishing && s->queue.bytes == 0)
        eddy__stream_finish_later(s, EDDY_ECONNDONE);
    else
        eddy__stream_update_watchers(s);
}

size_t eddy__stream_buffered(const eddy_transport *t)
{
    return eddy__stream_of(t)->queue.bytes;
}

void eddy__stream_set_water_marks(eddy_transport *t, size_t low, size_t high)
{
    eddy__stream *s = eddy__stream_of(t);
    if (high > UINT32_MAX)
        high = UINT32_MAX;
    if (low > high)
        low = high;
    s->low_water = (uint32_t)low;
    s->high_water = (uint32_t)high;
    eddy__stream_check_high_water(s);
    if (s->queue.bytes)
        eddy__stream_check_low_water(s);
}

void eddy__stream_check_high_water(eddy__stream *s)
{
    eddy_producer *p = s->producer;
    if (p && s->streaming && !s->producer_paused && s->queue.bytes > s->high_water) {
        s->producer_paused = true;
        CALL_PRODUCER(s, p, pause_producing);
    }
}

void eddy__stream_check_low_water(eddy__stream *s)
{
    eddy_producer *p = s->producer;
    if (p && s->streaming && s->producer_paused && s->queue.bytes < s->low_water) {
        s->producer_paused = false;
        CALL_PRODUCER(s, p, resume_producing);
    }
}
