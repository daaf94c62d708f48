/* address.c - eddy_address: making, formatting and asking the kernel for socket addresses. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "eddy/address.h"
#include "net/net.h"

size_t eddy_address_format(const eddy_address *a, char *buf, size_t size)
{
    char ip[INET6_ADDRSTRLEN];
    int n;
    const struct sockaddr *sa = (const struct sockaddr *)&a->sa;
    if (a->kind == EDDY_ADDRESS_PIPE) {
        n = snprintf(buf, size, "pipe");
    } else if ((a->kind == EDDY_ADDRESS_TCP || a->kind == EDDY_ADDRESS_UDP) &&
               sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        n = snprintf(buf, size, "%s:%d", ip, ntohs(in->sin_port));
    } else if ((a->kind == EDDY_ADDRESS_TCP || a->kind == EDDY_ADDRESS_UDP) &&
               sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        n = snprintf(buf, size, "[%s]:%d", ip, ntohs(in6->sin6_port));
    } else if (a->kind == EDDY_ADDRESS_UNIX && sa->sa_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
        size_t off = offsetof(struct sockaddr_un, sun_path);
        size_t len = a->len > off ? a->len - off : 0;
        if (len > 0 && un->sun_path[0] == '\0') /* abstract: the name may hold any byte */
            n = snprintf(buf, size, "unix:@%.*s", (int)(len - 1), un->sun_path + 1);
        else
            n = snprintf(buf, size, "unix:%.*s", (int)strnlen(un->sun_path, len), un->sun_path);
    } else {
        n = snprintf(buf, size, "?");
    }
    return n < 0 ? 0 : (size_t)n;
}

int eddy_address_from_ip(const char *ip, int port, eddy_address_kind kind, eddy_address *out)
{
    if (!ip || !out || port < 0 || port > 65535 ||
        (kind != EDDY_ADDRESS_TCP && kind != EDDY_ADDRESS_UDP))
        return -EINVAL;
    memset(out, 0, sizeof *out);
    out->kind = kind;
    struct sockaddr_in *in = (struct sockaddr_in *)&out->sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->sa;
    if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        out->len = sizeof *in;
        return 0;
    }
    if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        out->len = sizeof *in6;
        return 0;
    }
    memset(out, 0, sizeof *out);
    return -EINVAL;
}

int eddy_address_port(const eddy_address *a)
{
    if (a->kind != EDDY_ADDRESS_TCP && a->kind != EDDY_ADDRESS_UDP)
        return -1;
    if (a->sa.ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)&a->sa)->sin_port);
    if (a->sa.ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)&a->sa)->sin6_port);
    return -1;
}

void eddy__address_from_sockaddr(const struct sockaddr *sa, socklen_t len, eddy_address_kind kind,
                                 eddy_address *out)
{
    memset(out, 0, sizeof *out);
    if (len > sizeof out->sa)
        len = sizeof out->sa;
    memcpy(&out->sa, sa, len);
    out->len = len;
    if (len >= sizeof(sa_family_t) && sa->sa_family == AF_UNIX)
        out->kind = EDDY_ADDRESS_UNIX;
    else if (len >= sizeof(sa_family_t) && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
        out->kind = kind == EDDY_ADDRESS_UDP ? EDDY_ADDRESS_UDP : EDDY_ADDRESS_TCP;
    else
        out->kind = EDDY_ADDRESS_NONE;
}

int eddy__address_unix(const char *path, eddy_address *out)
{
    if (!path || !*path)
        return -EINVAL;
    struct sockaddr_un *un = (struct sockaddr_un *)&out->sa;
    size_t n = strlen(path);
    /* A path needs its terminating NUL in sun_path; an abstract name's '@' becomes its leading
     * NUL, so it may use every byte. */
    if (n > sizeof un->sun_path || (path[0] != '@' && n == sizeof un->sun_path))
        return -ENAMETOOLONG;
    memset(out, 0, sizeof *out);
    out->kind = EDDY_ADDRESS_UNIX;
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, n);
    if (path[0] == '@') {
        /* A Linux abstract name: a leading NUL, and the length says where the name ends. */
        un->sun_path[0] = '\0';
        out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    } else {
        out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    }
    return 0;
}

int eddy__address_of_socket(int fd, bool peer, eddy_address_kind kind, eddy_address *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (rc < 0)
        return -errno;
    eddy__address_from_sockaddr((const struct sockaddr *)&ss, len, kind, out);
    return 0;
}
