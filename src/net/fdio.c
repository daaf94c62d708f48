/* fdio.c - stream transports over plain descriptors (pipes, ttys, character devices, files) and
 * over the process's own standard input and output.
 *
 * The read and the write side may be two descriptors (a pair of pipes): the write side then has
 * a descriptor of its own, watched for writability, and half-closing closes it. When they are one
 * descriptor (a tty, a socket) it works like a socket stream. Either side may be missing.
 * Whether the write descriptor is a socket is decided on its own: a pipe or a tty may be read
 * while a socket is written (a supervisor handing over two sockets as stdin and stdout), and that
 * socket gets MSG_NOSIGNAL and a shutdown(SHUT_WR) for a half-close all the same. Reads use
 * read() unless the stream is one socket: on a stream socket recv() with no flags is the same
 * call, so the read side needs no flag of its own.
 *
 * O_NONBLOCK belongs to the open file description, which a descriptor may share with other
 * processes (stdin inherited from a shell, say): the transport turns it on, and turns it off again
 * before closing a descriptor on which it had to turn it on, so the shell is not left with a
 * non-blocking terminal. */
#include <fcntl.h>
#include <sys/stat.h>

#include "base/syscalls.h"
#include "eddy/fdio.h"
#include "net/stream.h"

typedef struct fdio_stream {
    eddy__stream s;        /* first */
    eddy_descriptor wdesc; /* the write side, when it is not the read side's descriptor */
    int restore_fds[2];    /* descriptors on which we turned O_NONBLOCK on (-1: none) */
    int spare_fd; /* write_fd when it is the read side's socket under another number (stdin and
                     stdout of an inetd service): unused, closed with the read side */
} fdio_stream;

#define FDIO_OF_WDESC(d) ((fdio_stream *)((char *)(d)-offsetof(fdio_stream, wdesc)))

static void fdio_closing(eddy__stream *s, int fd)
{
    fdio_stream *f = (fdio_stream *)s;
    for (int i = 0; i < 2; i++)
        if (f->restore_fds[i] == fd) {
            eddy__set_nonblocking(fd, 0);
            f->restore_fds[i] = -1;
        }
    if (fd == s->desc.fd && f->spare_fd >= 0) {
        eddy__close(f->spare_fd);
        f->spare_fd = -1;
    }
}

static const eddy__stream_kind kind_pipe = {
    .name = "pipe",
    .addr_kind = EDDY_ADDRESS_PIPE,
    .closing = fdio_closing,
};

static int wdesc_do_write(eddy_descriptor *d)
{
    return eddy__stream_do_write(&FDIO_OF_WDESC(d)->s);
}

static void wdesc_lost(eddy_descriptor *d, const eddy_failure *why)
{
    eddy__stream_descriptor_lost(&FDIO_OF_WDESC(d)->s, d, why);
}

static const char *wdesc_prefix(const eddy_descriptor *d)
{
    return eddy__stream_log_prefix(&FDIO_OF_WDESC(d)->s.base);
}

static const eddy_descriptor_ops wdesc_ops = {
    .do_write = wdesc_do_write,
    .connection_lost = wdesc_lost,
    .log_prefix = wdesc_prefix,
};

/* Turn O_NONBLOCK on; *changed says whether it was off. */
static int make_nonblocking(int fd, bool *changed)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return -errno;
    *changed = !(flags & O_NONBLOCK);
    return *changed && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ? -errno : 0;
}

static bool is_socket(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Two numbers for one socket. A socket cannot be opened again, so they also share one open file
 * description (and its O_NONBLOCK). */
static bool same_socket(int a, int b)
{
    struct stat sa, sb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && S_ISSOCK(sa.st_mode) &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int eddy_fdio_connect(eddy_reactor *r, int read_fd, int write_fd, eddy_protocol *protocol,
                      eddy_transport **out)
{
    if ((read_fd < 0 && write_fd < 0) || !protocol)
        return -EINVAL;
    /* One socket under two numbers works as one descriptor: sent to with MSG_NOSIGNAL (no
     * SIGPIPE) and half-closed with shutdown, as closing one of its numbers sends no EOF. */
    bool one_socket =
        read_fd >= 0 && write_fd >= 0 && read_fd != write_fd && same_socket(read_fd, write_fd);
    int fds[2] = {read_fd, write_fd == read_fd || one_socket ? -1 : write_fd};
    bool changed[2] = {false, false};
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++)
        if (fds[i] >= 0)
            rc = make_nonblocking(fds[i], &changed[i]);
    int main_fd = read_fd >= 0 ? read_fd : write_fd;
    eddy__stream *s = NULL;
    if (rc == 0)
        rc = eddy__stream_new(r, main_fd, &kind_pipe, sizeof(fdio_stream), &s);
    if (rc < 0) {
        for (int i = 0; i < 2; i++)
            if (changed[i])
                eddy__set_nonblocking(fds[i], 0);
        return rc;
    }
    fdio_stream *f = (fdio_stream *)s;
    for (int i = 0; i < 2; i++)
        f->restore_fds[i] = changed[i] ? fds[i] : -1;
    f->spare_fd = one_socket ? write_fd : -1;
    /* One socket for both sides: recv, half-close with shutdown, reset on abort. */
    s->sock =
        (read_fd < 0 || write_fd < 0 || read_fd == write_fd || one_socket) && is_socket(main_fd);
    /* Whatever the read side is, a write socket is sent to with MSG_NOSIGNAL (a closed peer is
     * EPIPE, never SIGPIPE) and shut before it is closed. Decided once here, so writing costs
     * the same test of one bit as before. */
    s->wsock = write_fd >= 0 && is_socket(write_fd);
    /* A missing side counts as already closed: EOF on the other one then ends the connection. */
    if (read_fd < 0)
        s->read_closed = true;
    if (write_fd < 0) {
        s->wdesc = NULL;
        s->write_closed = true;
    } else if (read_fd >= 0 && write_fd != read_fd && !one_socket) {
        f->wdesc = (eddy_descriptor){.ops = &wdesc_ops, .fd = write_fd};
        s->wdesc = &f->wdesc;
    }
    if (out)
        *out = &s->base;
    eddy__stream_begin(s, protocol);
    return 0;
}

int eddy_stdio_connect(eddy_reactor *r, eddy_protocol *protocol, eddy_transport **out)
{
    int in = fcntl(0, F_DUPFD_CLOEXEC, 0);
    if (in < 0)
        return -errno;
    int outfd = fcntl(1, F_DUPFD_CLOEXEC, 0);
    if (outfd < 0) {
        int rc = -errno;
        eddy__close(in);
        return rc;
    }
    int rc = eddy_fdio_connect(r, in, outfd, protocol, out);
    if (rc < 0) {
        eddy__close(in);
        eddy__close(outfd);
    }
    return rc;
}
