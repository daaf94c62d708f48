/* sockopt.c - socket options on a transport's descriptor: TCP_NODELAY, SO_KEEPALIVE and the
 * peer credentials of a Unix socket. They work on any transport that exposes a descriptor of the
 * right family, whatever its kind, and give -EOPNOTSUPP otherwise (a pipe, a test transport). */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "base/syscalls.h"
#include "eddy/transport.h"
#include "eddy/unix.h"
#include "eddy_config.h"
#include "net/net.h"

/* The transport's descriptor if it is a socket of `family` (AF_INET also admits AF_INET6). */
static int socket_of(const eddy_transport *t, int family)
{
    int fd = eddy_transport_fileno(t);
    int domain = -1, type = -1;
    if (fd < 0 || eddy__getsockopt_int(fd, SOL_SOCKET, SO_DOMAIN, &domain) < 0 ||
        eddy__getsockopt_int(fd, SOL_SOCKET, SO_TYPE, &type) < 0 || type != SOCK_STREAM)
        return -EOPNOTSUPP;
    if (domain == family || (family == AF_INET && domain == AF_INET6))
        return fd;
    return -EOPNOTSUPP;
}

int eddy_transport_set_tcp_nodelay(eddy_transport *t, bool on)
{
    int fd = socket_of(t, AF_INET);
    return fd < 0 ? fd : eddy__setsockopt_int(fd, IPPROTO_TCP, TCP_NODELAY, on);
}

int eddy_transport_get_tcp_nodelay(const eddy_transport *t, bool *on)
{
    int fd = socket_of(t, AF_INET), value = 0;
    int rc = fd < 0 ? fd : eddy__getsockopt_int(fd, IPPROTO_TCP, TCP_NODELAY, &value);
    if (rc == 0)
        *on = value != 0;
    return rc;
}

int eddy_transport_set_tcp_keepalive(eddy_transport *t, bool on)
{
    int fd = socket_of(t, AF_INET);
    return fd < 0 ? fd : eddy__setsockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE, on);
}

int eddy_transport_get_tcp_keepalive(const eddy_transport *t, bool *on)
{
    int fd = socket_of(t, AF_INET), value = 0;
    int rc = fd < 0 ? fd : eddy__getsockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE, &value);
    if (rc == 0)
        *on = value != 0;
    return rc;
}

int eddy_transport_get_peer_credentials(const eddy_transport *t, pid_t *pid, uid_t *uid, gid_t *gid)
{
#ifdef EDDY_HAVE_SO_PEERCRED
    int fd = socket_of(t, AF_UNIX);
    if (fd < 0)
        return fd;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (eddy__sys.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -errno;
    if (pid)
        *pid = cred.pid;
    if (uid)
        *uid = cred.uid;
    if (gid)
        *gid = cred.gid;
    return 0;
#else
    (void)t, (void)pid, (void)uid, (void)gid;
    return -EOPNOTSUPP;
#endif
}
