/* wqueue.c - the write queue (see wqueue.h) and the per-reactor pools behind it.
 *
 * The pools keep the steady state free of malloc: a connection that keeps hitting a full socket
 * buffer takes chunks from its reactor's pool and gives them back as they drain. A pool is
 * bounded (EDDY__POOL_CHUNKS, EDDY__POOL_RECORDS), so memory a burst needed goes back to the
 * system afterwards. A copy larger than a chunk is spread over several: a segment allocated to
 * its size could not be pooled, and a proxy behind a slow peer would then allocate one for
 * nearly every read it forwards. */
#include <stdlib.h>
#include <string.h>

#include "net/wqueue.h"

static void push(eddy__wqueue *q, eddy__wseg *seg)
{
    seg->next = NULL;
    if (q->tail)
        q->tail->next = seg;
    else
        q->head = seg;
    q->tail = seg;
}

static eddy__wseg *new_chunk(eddy__net *net)
{
    eddy__wseg *seg;
    if (net->free_chunks) {
        seg = net->free_chunks;
        net->free_chunks = seg->next;
        net->nfree_chunks--;
    } else {
        seg = malloc(sizeof *seg + EDDY__CHUNK_SIZE);
        if (!seg)
            return NULL;
        seg->cap = EDDY__CHUNK_SIZE;
    }
    seg->data = seg->buf;
    seg->len = 0;
    seg->free_fn = NULL;
    seg->owned = NULL;
    return seg;
}

/* Give a segment that has left the queue back: owned buffers to their owner, the segment itself to
 * the pool or the system. */
static void release(eddy__net *net, eddy__wseg *seg)
{
    if (seg->cap == 0) {
        if (seg->free_fn)
            seg->free_fn(seg->owned);
        if (net->nfree_records < EDDY__POOL_RECORDS) {
            seg->next = net->free_records;
            net->free_records = seg;
            net->nfree_records++;
            return;
        }
    } else if (seg->cap == EDDY__CHUNK_SIZE && net->nfree_chunks < EDDY__POOL_CHUNKS) {
        seg->next = net->free_chunks;
        net->free_chunks = seg;
        net->nfree_chunks++;
        return;
    }
    free(seg);
}

int eddy__wqueue_copy(eddy__net *net, eddy__wqueue *q, const void *data, size_t len)
{
    const char *p = data;
    eddy__wseg *tail = q->tail;
    if (tail && tail->cap) {
        size_t room = (size_t)(tail->buf + tail->cap - (tail->data + tail->len));
        size_t n = len < room ? len : room;
        memcpy(tail->data + tail->len, p, n);
        tail->len += n;
        q->bytes += n;
        p += n;
        len -= n;
    }
    while (len > 0) {
        eddy__wseg *seg = new_chunk(net);
        if (!seg)
            return -ENOMEM;
        size_t n = len < EDDY__CHUNK_SIZE ? len : EDDY__CHUNK_SIZE;
        memcpy(seg->buf, p, n);
        seg->len = n;
        push(q, seg);
        q->bytes += n;
        p += n;
        len -= n;
    }
    return 0;
}

int eddy__wqueue_own(eddy__net *net, eddy__wqueue *q, void *owned, const void *data, size_t len,
                     eddy_free_fn free_fn)
{
    eddy__wseg *seg = net->free_records;
    if (seg) {
        net->free_records = seg->next;
        net->nfree_records--;
    } else if (!(seg = malloc(sizeof *seg))) {
        return -ENOMEM;
    }
    seg->data = (char *)data;
    seg->len = len;
    seg->free_fn = free_fn;
    seg->owned = owned;
    seg->cap = 0;
    push(q, seg);
    q->bytes += len;
    return 0;
}

int eddy__wqueue_iov(const eddy__wqueue *q, struct iovec *iov, int max, size_t max_bytes)
{
    int n = 0;
    size_t total = 0;
    for (const eddy__wseg *seg = q->head; seg && n < max && total < max_bytes; seg = seg->next) {
        iov[n++] = (struct iovec){.iov_base = seg->data, .iov_len = seg->len};
        total += seg->len;
    }
    return n;
}

void eddy__wqueue_consume(eddy__net *net, eddy__wqueue *q, size_t n)
{
    q->bytes -= n;
    while (n > 0 && q->head) {
        eddy__wseg *seg = q->head;
        if (n < seg->len) {
            seg->data += n;
            seg->len -= n;
            return;
        }
        n -= seg->len;
        q->head = seg->next;
        if (!q->head)
            q->tail = NULL;
        release(net, seg);
    }
}

void eddy__wqueue_clear(eddy__net *net, eddy__wqueue *q)
{
    eddy__wseg *seg = q->head;
    q->head = q->tail = NULL;
    q->bytes = 0;
    while (seg) {
        eddy__wseg *next = seg->next;
        release(net, seg);
        seg = next;
    }
}

void eddy__wqueue_pool_free(eddy__net *net)
{
    for (eddy__wseg *seg = net->free_chunks, *next; seg; seg = next) {
        next = seg->next;
        free(seg);
    }
    for (eddy__wseg *seg = net->free_records, *next; seg; seg = next) {
        next = seg->next;
        free(seg);
    }
    net->free_chunks = net->free_records = NULL;
    net->nfree_chunks = net->nfree_records = 0;
}
