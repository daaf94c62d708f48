/* wqueue.h - a stream's write queue: the bytes the kernel has not taken yet, in order.
 *
 * Two kinds of segment share one list: copies (small writes coalesce into pooled 16 KiB chunks,
 * so a connection writing many small messages makes one allocation per chunk, not per write) and
 * owned buffers handed over by write_owned (never copied: the segment points into the caller's
 * buffer and frees it with the caller's function once written or dropped). */
#ifndef EDDY_NET_WQUEUE_H
#define EDDY_NET_WQUEUE_H

#include <stddef.h>
#include <sys/uio.h>

#include "eddy/transport.h"
#include "net/net.h"

struct eddy__wseg {
    eddy__wseg *next;
    char *data;           /* next byte to write */
    size_t len;           /* bytes left to write, starting at data */
    eddy_free_fn free_fn; /* owned segments: frees `owned` (may be NULL: not freed) */
    void *owned;          /* owned segments: the pointer handed over; NULL for copies */
    size_t cap;           /* copies: bytes of storage in buf[]; 0 for owned segments */
    char buf[];           /* copies: the bytes */
};

typedef struct eddy__wqueue {
    eddy__wseg *head, *tail;
    size_t bytes; /* total bytes left to write */
} eddy__wqueue;

/** Append a copy of `len` bytes. Errors: -ENOMEM (part may have been appended). */
int eddy__wqueue_copy(eddy__net *net, eddy__wqueue *q, const void *data, size_t len);
/** Append `len` bytes at `data` (inside the buffer `owned`) without copying; `free_fn(owned)` runs
 * when they are written or dropped. Errors: -ENOMEM (nothing appended, nothing freed). */
int eddy__wqueue_own(eddy__net *net, eddy__wqueue *q, void *owned, const void *data, size_t len,
                     eddy_free_fn free_fn);
/** Describe up to `max` leading segments in `iov`, at most about `max_bytes` in all. Returns the
 * count (0 when empty). */
int eddy__wqueue_iov(const eddy__wqueue *q, struct iovec *iov, int max, size_t max_bytes);
/** Drop the first `n` bytes (written), releasing the segments they empty. */
void eddy__wqueue_consume(eddy__net *net, eddy__wqueue *q, size_t n);
/** Drop everything (owned buffers are freed now, each exactly once). */
void eddy__wqueue_clear(eddy__net *net, eddy__wqueue *q);
/** Return pooled segments to the system (the reactor is going away). */
void eddy__wqueue_pool_free(eddy__net *net);

#endif
