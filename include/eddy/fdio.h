/* eddy/fdio.h - stream transports over plain descriptors: pipes, ttys, character devices, and the
 * process's own standard input and output (Twisted's fdesc and stdio.StandardIO).
 *
 * Note that writing to a pipe whose reader has gone raises SIGPIPE in the process unless it is
 * ignored or blocked: MSG_NOSIGNAL exists only for sockets, and the library never changes signal
 * dispositions itself (the eddy runner ignores SIGPIPE for its process). The write then fails with
 * EPIPE, which ends the connection. A write descriptor that is a socket never raises SIGPIPE,
 * whatever the read descriptor is, where the platform has MSG_NOSIGNAL (Linux, the BSDs); on
 * macOS eddy does not set SO_NOSIGPIPE on a socket it was handed, so ignore SIGPIPE there. */
#ifndef EDDY_FDIO_H
#define EDDY_FDIO_H

#include "eddy/protocol.h"
#include "eddy/reactor.h"
#include "eddy/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Make a transport that reads `read_fd` and writes `write_fd` (either may be -1; they may be the
 * same fd, e.g. a tty or a socket) and connect `protocol` to it (connection_made is called before
 * this returns). On success both fds are owned (closed) by the transport; they are made
 * non-blocking, and a descriptor that was blocking is made blocking again before it is closed
 * (O_NONBLOCK is shared with every process holding the same open file, e.g. a terminal). On error
 * the caller still owns them. EOF on read_fd is eof_received; loss of write_fd (EPIPE) ends the
 * connection; lose_write_connection closes write_fd, and when write_fd is a socket first shuts
 * down its writing side (the peer sees EOF even while another descriptor, such as the process's
 * fd 1, still refers to it); one socket for both sides is only shut down, and read on.
 * Regular files work too: they are always ready. A write_fd that is a socket (checked once, here)
 * is written with MSG_NOSIGNAL, whatever read_fd is.
 * On success *out (may be NULL) is the transport, valid until connection_lost returns.
 * Errors: -EINVAL (both -1, or no protocol), -ENOMEM, fcntl's errno. */
int eddy_fdio_connect(eddy_reactor *r, int read_fd, int write_fd, eddy_protocol *protocol,
                      eddy_transport **out);

/** A transport over this process's standard input and output (fds 0 and 1, dup'ed so closing the
 * transport does not close the process's stdio). Same contract as eddy_fdio_connect. */
int eddy_stdio_connect(eddy_reactor *r, eddy_protocol *protocol, eddy_transport **out);

#ifdef __cplusplus
}
#endif
#endif
