/* adopt.c - sockets opened elsewhere (inherited, socket activation) become a port or a
 * connection (Twisted's IReactorSocket). */
#include <fcntl.h>

#include "base/syscalls.h"
#include "net/port.h"

/* Check that `fd` is a stream socket of a family we handle, listening or not as asked, and give
 * the kind of stream it carries. */
static int check_socket(int fd, bool listening, const eddy__stream_kind **kind)
{
    int type = 0, domain = 0, accepting = 0;
    if (fd < 0 || eddy__getsockopt_int(fd, SOL_SOCKET, SO_TYPE, &type) < 0 ||
        eddy__getsockopt_int(fd, SOL_SOCKET, SO_DOMAIN, &domain) < 0 ||
        eddy__getsockopt_int(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting) < 0)
        return -EINVAL;
    if (type != SOCK_STREAM || (accepting != 0) != listening)
        return -EINVAL;
    if (domain == AF_UNIX)
        *kind = &eddy__kind_unix;
    else if (domain == AF_INET || domain == AF_INET6)
        *kind = &eddy__kind_tcp;
    else
        return -EINVAL;
    return 0;
}

int eddy_adopt_stream_port(eddy_reactor *r, int fd, eddy_factory *factory, eddy_port **out)
{
    const eddy__stream_kind *kind;
    int rc = check_socket(fd, true, &kind);
    if (rc < 0 || !factory || !out)
        return rc < 0 ? rc : -EINVAL;
    int mine = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (mine < 0)
        return -errno;
    /* O_NONBLOCK belongs to the open file, so the caller's fd becomes non-blocking too (as in
     * Twisted); a blocking accept on a shared listener would hang the loop otherwise. */
    if ((rc = eddy__set_nonblocking(mine, 1)) < 0 ||
        (rc = eddy__port_start(r, mine, factory, kind, out)) < 0) {
        eddy__close(mine);
        return rc;
    }
    return 0;
}

int eddy_adopt_stream_connection(eddy_reactor *r, int fd, eddy_factory *factory)
{
    const eddy__stream_kind *kind;
    int rc = check_socket(fd, false, &kind);
    if (rc < 0 || !factory)
        return rc < 0 ? rc : -EINVAL;
    eddy_address peer;
    if (eddy__address_of_socket(fd, true, kind->addr_kind, &peer) < 0)
        return -EINVAL; /* not connected */
    /* The stream first: if there is no memory for it, the caller's fd is left as it was. */
    eddy__stream *s;
    if ((rc = eddy__stream_new(r, fd, kind, sizeof *s, &s)) < 0)
        return rc;
    if ((rc = eddy__set_nonblocking(fd, 1)) < 0 || (rc = eddy__set_cloexec(fd, 1)) < 0) {
        s->desc.fd = -1; /* still the caller's */
        eddy__stream_discard(s);
        return rc;
    }
    eddy_protocol *proto = eddy__build_protocol(factory, &peer);
    if (!proto) {
        eddy__stream_discard(s); /* closes fd */
        return EDDY_ECANCELLED;
    }
    eddy__stream_begin(s, proto);
    return 0;
}
