/* tcp.c - TCP's entry points: making the listening socket and the client's destination. The
 * work itself is done by the generic port (port.c), connector (connector.c) and stream. */
#include <netinet/in.h>
#include <string.h>

#include "base/syscalls.h"
#include "net/port.h"

#define DEFAULT_BACKLOG         50
#define DEFAULT_CONNECT_TIMEOUT 30.0

static bool is_ipv6_any(const eddy_address *a)
{
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a->sa;
    return a->sa.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
}

/* socket + options + bind + listen. Returns the fd or a negated errno. */
static int open_listener(const eddy_address *a, const eddy_tcp_listen_options *o)
{
    int fd = eddy__sys.socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = eddy__setsockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    /* "::" means both families, whatever the system's bindv6only default says. */
    if (rc == 0 && is_ipv6_any(a))
        rc = eddy__setsockopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
#ifdef SO_REUSEPORT
    if (rc == 0 && o->reuse_port)
        rc = eddy__setsockopt_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
#else
    if (rc == 0 && o->reuse_port)
        rc = -EOPNOTSUPP;
#endif
    if (rc == 0 && eddy__sys.bind(fd, (const struct sockaddr *)&a->sa, a->len) < 0)
        rc = -errno;
    if (rc == 0 && eddy__sys.listen(fd, o->backlog > 0 ? o->backlog : DEFAULT_BACKLOG) < 0)
        rc = -errno;
    if (rc < 0) {
        eddy__close(fd);
        return rc;
    }
    return fd;
}

int eddy_listen_tcp(eddy_reactor *r, int port, eddy_factory *factory,
                    const eddy_tcp_listen_options *options, eddy_port **out)
{
    eddy_tcp_listen_options defaults = {0};
    const eddy_tcp_listen_options *o = options ? options : &defaults;
    const char *interface = o->interface && *o->interface ? o->interface : "0.0.0.0";
    eddy_address a;
    if (!factory || !out || eddy_address_from_ip(interface, port, EDDY_ADDRESS_TCP, &a) < 0)
        return -EINVAL;
    int fd = open_listener(&a, o);
    if (fd < 0)
        return fd;
    int rc = eddy__port_start(r, fd, factory, &eddy__kind_tcp, out);
    if (rc < 0)
        eddy__close(fd);
    return rc;
}

int eddy_connect_tcp(eddy_reactor *r, const char *host, int port, eddy_factory *factory,
                     const eddy_tcp_connect_options *options, eddy_connector **out)
{
    eddy_address dest;
    if (!host || !factory || !out || port < 1 || port > 65535 ||
        eddy_address_from_ip(host, port, EDDY_ADDRESS_TCP, &dest) < 0)
        return -EINVAL;
    double timeout = DEFAULT_CONNECT_TIMEOUT;
    const eddy_address *bind = NULL;
    if (options) {
        if (options->timeout > 0)
            timeout = options->timeout;
        else if (options->timeout < 0)
            timeout = 0;
        bind = options->bind_address;
    }
    if (bind && bind->kind != EDDY_ADDRESS_TCP)
        return -EINVAL;
    return eddy__connector_start(r, &eddy__kind_tcp, factory, &dest, bind, timeout, false, out);
}
