/* stream_io.c - moving bytes: reads into the reactor's shared buffer, writes straight to the
 * kernel when nothing is queued, and the queue flush when the descriptor becomes writable.
 *
 * The steady state of an echo-like connection costs one read and one send per readiness event
 * and no allocation: a read that returns less than asked means the socket is empty (no extra
 * read just to see EAGAIN), and a write with an empty queue goes to the kernel at once; only what
 * the kernel does not take is copied into the queue, and only then is the writer registered. */
#include <limits.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "base/syscalls.h"
#include "eddy_config.h"
#include "net/stream.h"

#ifdef EDDY_HAVE_MSG_NOSIGNAL
#define SEND_FLAGS MSG_NOSIGNAL
#else
#define SEND_FLAGS 0 /* macOS: eddy__stream_new sets SO_NOSIGPIPE on the socket instead */
#endif

#if defined(IOV_MAX) && IOV_MAX < 1024
#define WRITEV_MAX IOV_MAX
#else
#define WRITEV_MAX 1024
#endif

/* A flush gathers at most this many segments and about this many bytes per system call: enough to
 * fill any socket buffer, small enough that one connection does not hold the loop. (POSIX only
 * promises an IOV_MAX of 16, hence the clamp.) */
#define FLUSH_IOV   (WRITEV_MAX < 64 ? WRITEV_MAX : 64)
#define FLUSH_BYTES (1u << 20)

/* Write what the kernel takes now: >= 0 bytes (0 when it would block), or a negated errno.
 * `wsock` is about the write descriptor alone (decided when the stream was made), so a socket is
 * sent to with MSG_NOSIGNAL even when the read side is a pipe or another socket; a pipe has no
 * such flag and is written with write(). */
static ssize_t out_one(eddy__stream *s, const void *data, size_t len)
{
    int fd = s->wdesc->fd;
    for (;;) {
        ssize_t n =
            s->wsock ? eddy__sys.send(fd, data, len, SEND_FLAGS) : eddy__sys.write(fd, data, len);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            return 0;
        return -errno;
    }
}

static ssize_t out_vec(eddy__stream *s, const struct iovec *iov, int cnt)
{
    if (cnt == 1)
        return out_one(s, iov[0].iov_base, iov[0].iov_len);
    int fd = s->wdesc->fd;
    for (;;) {
        ssize_t n;
        if (s->wsock) {
            struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)cnt};
            n = eddy__sys.sendmsg(fd, &msg, SEND_FLAGS);
        } else {
            n = eddy__sys.writev(fd, iov, cnt);
        }
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            return 0;
        return -errno;
    }
}

/* ---- reading -------------------------------------------------------------------------------- */

/* The peer will send no more. The protocol hears of it; then, unless it keeps the connection
 * half-open (and our side can still write), the connection closes cleanly once drained. */
static void on_eof(eddy__stream *s)
{
    s->read_closed = true;
    eddy__stream_update_watchers(s);
    eddy_protocol *p = s->protocol;
    bool keep_open = false;
    if (p->ops->eof_received) {
        s->busy = true;
        keep_open = p->ops->eof_received(p);
        s->busy = false;
        if (s->finishing)
            return;
    }
    if (s->write_closed)
        eddy__stream_finish(s, EDDY_ECONNDONE); /* both directions are done */
    else if (!keep_open)
        eddy__stream_lose(s);
}

int eddy__stream_do_read(eddy__stream *s)
{
    if (s->finishing) { /* the fallback of a finish that found no timer */
        eddy__stream_finish(s, s->finish_code);
        return 0;
    }
    char *buf = s->net->read_buf;
    int fd = s->desc.fd;
    for (int i = 0; i < EDDY__READS_PER_WAKEUP; i++) {
        ssize_t n = s->sock ? eddy__sys.recv(fd, buf, EDDY__READ_SIZE, 0)
                            : eddy__sys.read(fd, buf, EDDY__READ_SIZE);
        if (n > 0) {
            s->busy = true;
            s->protocol->ops->data_received(s->protocol, buf, (size_t)n);
            s->busy = false;
            /* Paused, closed or aborted from inside: deliver nothing more (`finishing` too, for
             * a close that found no memory for its timer and so left the reader in place). */
            if (!s->reading || s->finishing || (size_t)n < EDDY__READ_SIZE)
                break;
            continue;
        }
        if (n == 0) {
            on_eof(s);
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        eddy__stream_finish(s, -errno);
        break;
    }
    return 0;
}

/* ---- the queue drains ----------------------------------------------------------------------- */

/* Shut our writing side (lose_write_connection) now that everything queued is out. */
static void shut_write(eddy__stream *s)
{
    s->shut_pending = false;
    s->write_closed = true;
    /* A socket is shut, not only closed: closing one descriptor sends no EOF while another one
     * refers to the same socket (the process's fd 1 behind eddy_stdio_connect's duplicate, a
     * supervisor's copy), and SHUT_WR leaves the receiving direction to whoever reads it. */
    if (s->wsock && eddy__sys.shutdown(s->wdesc->fd, SHUT_WR) < 0 && errno != ENOTCONN) {
        eddy__stream_finish(s, -errno);
        return;
    }
    if (s->wdesc != &s->desc || !s->sock) {
        /* A descriptor of its own (or one no longer read): we are done with it. For a pipe the
         * close is the half-close. */
        if (s->writing)
            eddy_reactor_remove_writer(s->net->reactor, s->wdesc);
        s->writing = false;
        eddy__stream_close_fd(s, s->wdesc->fd);
        s->wdesc->fd = -1;
    }
    eddy__stream_update_watchers(s);
    eddy_protocol *p = s->protocol;
    if (p->ops->write_connection_lost) {
        s->busy = true;
        p->ops->write_connection_lost(p);
        s->busy = false;
        if (s->finishing)
            return;
    }
    if (s->read_closed)
        eddy__stream_finish(s, EDDY_ECONNDONE);
}

static void on_drained(eddy__stream *s)
{
    s->ask_producer = false;
    eddy_producer *producer = s->producer;
    if (producer && (!s->streaming || s->producer_paused)) {
        s->producer_paused = false;
        s->busy = true;
        producer->ops->resume_producing(producer);
        s->busy = false;
        if (s->finishing)
            return;
        if (s->queue.bytes) {
            eddy__stream_update_watchers(s);
            return;
        }
    }
    if (s->producer && !s->streaming) {
        eddy__stream_update_watchers(s); /* close waits until the pull producer unregisters */
        return;
    }
    if (s->disconnecting) {
        eddy__stream_finish(s, EDDY_ECONNDONE);
        return;
    }
    if (s->shut_pending) {
        shut_write(s);
        return;
    }
    eddy__stream_update_watchers(s);
}

int eddy__stream_do_write(eddy__stream *s)
{
    if (s->finishing) {
        eddy__stream_finish(s, s->finish_code);
        return 0;
    }
    if (s->queue.bytes) {
        struct iovec iov[FLUSH_IOV];
        int cnt = eddy__wqueue_iov(&s->queue, iov, FLUSH_IOV, FLUSH_BYTES);
        ssize_t n = out_vec(s, iov, cnt);
        if (n < 0) {
            eddy__stream_finish(s, (int)n);
            return 0;
        }
        eddy__wqueue_consume(s->net, &s->queue, (size_t)n);
        if (s->queue.bytes) {
            eddy__stream_check_low_water(s);
            return 0;
        }
    }
    on_drained(s);
    return 0;
}

/* ---- writing -------------------------------------------------------------------------------- */

/* After lose_connection or lose_write_connection only a registered producer may still write:
 * the close (or the half-close) waits for it to unregister. */
static bool can_write(const eddy__stream *s)
{
    return s->started && !s->finishing && (!(s->disconnecting || s->shut_pending) || s->producer) &&
           !s->write_closed && s->wdesc;
}

/* The kernel refused: the connection is over. The bytes are dropped; the caller learns why. */
static int write_failed(eddy__stream *s, int code)
{
    eddy__wqueue_clear(s->net, &s->queue);
    eddy__stream_finish_later(s, code);
    return code;
}

/* Everything went out at once. A pull producer is asked again once the socket is writable, as
 * Twisted does after each chunk (never from inside its own write). */
static void wrote_all(eddy__stream *s)
{
    if (s->producer && !s->streaming && !s->ask_producer) {
        s->ask_producer = true;
        eddy__stream_update_watchers(s);
    }
}

static void queued(eddy__stream *s)
{
    if (!s->writing)
        eddy__stream_update_watchers(s);
    eddy__stream_check_high_water(s);
}

int eddy__stream_write(eddy_transport *t, const void *data, size_t len)
{
    eddy__stream *s = eddy__stream_of(t);
    if (!can_write(s))
        return -ENOTCONN;
    if (len == 0)
        return 0;
    size_t done = 0;
    if (s->queue.bytes == 0) {
        ssize_t n = out_one(s, data, len);
        if (n < 0)
            return write_failed(s, (int)n);
        if ((size_t)n == len) {
            wrote_all(s);
            return 0;
        }
        done = (size_t)n;
    }
    int rc = eddy__wqueue_copy(s->net, &s->queue, (const char *)data + done, len - done);
    if (rc < 0)
        return write_failed(s, rc);
    queued(s);
    return 0;
}

int eddy__stream_write_sequence(eddy_transport *t, const struct iovec *iov, int iovcnt)
{
    eddy__stream *s = eddy__stream_of(t);
    if (!can_write(s))
        return -ENOTCONN;
    if (iovcnt < 0 || (iovcnt > 0 && !iov))
        return -EINVAL;
    int i = 0;      /* first buffer not (entirely) written */
    size_t off = 0; /* bytes of iov[i] already written */
    if (s->queue.bytes == 0) {
        while (i < iovcnt) {
            int batch = iovcnt - i < WRITEV_MAX ? iovcnt - i : WRITEV_MAX;
            size_t want = 0;
            for (int k = 0; k < batch; k++)
                want += iov[i + k].iov_len;
            ssize_t n = want ? out_vec(s, iov + i, batch) : 0;
            if (n < 0)
                return write_failed(s, (int)n);
            size_t left = (size_t)n;
            while (i < iovcnt && left >= iov[i].iov_len - off &&
                   (left > 0 || iov[i].iov_len == 0)) {
                left -= iov[i].iov_len - off;
                off = 0;
                i++;
            }
            off += left;
            if ((size_t)n < want)
                break;
        }
        if (i == iovcnt) {
            wrote_all(s);
            return 0;
        }
    }
    for (; i < iovcnt; i++, off = 0) {
        if (iov[i].iov_len == off)
            continue;
        int rc = eddy__wqueue_copy(s->net, &s->queue, (const char *)iov[i].iov_base + off,
                                   iov[i].iov_len - off);
        if (rc < 0)
            return write_failed(s, rc);
    }
    queued(s);
    return 0;
}

int eddy__stream_write_owned(eddy_transport *t, void *data, size_t len, eddy_free_fn free_fn)
{
    eddy__stream *s = eddy__stream_of(t);
    if (!can_write(s) || len == 0) {
        if (free_fn)
            free_fn(data);
        return len == 0 && can_write(s) ? 0 : -ENOTCONN;
    }
    size_t done = 0;
    if (s->queue.bytes == 0) {
        ssize_t n = out_one(s, data, len);
        if (n < 0 || (size_t)n == len) {
            if (free_fn)
                free_fn(data);
            if (n < 0)
                return write_failed(s, (int)n);
            wrote_all(s);
            return 0;
        }
        done = (size_t)n;
    }
    int rc =
        eddy__wqueue_own(s->net, &s->queue, data, (const char *)data + done, len - done, free_fn);
    if (rc < 0) {
        if (free_fn)
            free_fn(data);
        return write_failed(s, rc);
    }
    queued(s);
    return 0;
}
