/* eddy/address.h - socket addresses as transports and ports report them (getPeer/getHost). */
#ifndef EDDY_ADDRESS_H
#define EDDY_ADDRESS_H

#include <stddef.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What kind of endpoint an address names. */
typedef enum eddy_address_kind {
    EDDY_ADDRESS_NONE = 0, /**< unknown or not a socket */
    EDDY_ADDRESS_TCP,      /**< IPv4 or IPv6 (sa.ss_family says which) */
    EDDY_ADDRESS_UDP,
    EDDY_ADDRESS_UNIX, /**< a path, or a Linux abstract name (sun_path[0] == '\0') */
    EDDY_ADDRESS_PIPE, /**< a pipe, a tty or another non-socket descriptor */
} eddy_address_kind;

/** A plain value: copy it freely. */
typedef struct eddy_address {
    eddy_address_kind kind;
    socklen_t len; /**< bytes of `sa` in use */
    struct sockaddr_storage sa;
} eddy_address;

/** Write a readable form into buf ("127.0.0.1:8080", "[::1]:80", "unix:/run/x.sock",
 * "unix:@abstract", "pipe"). Always NUL-terminates when size > 0; returns the length the text
 * needs, like snprintf. */
size_t eddy_address_format(const eddy_address *a, char *buf, size_t size);

/** Fill `out` from an IP literal and a port ("127.0.0.1", "::1"; no host names).
 * Errors: -EINVAL (not an IP literal or port out of range). */
int eddy_address_from_ip(const char *ip, int port, eddy_address_kind kind, eddy_address *out);

/** The port of a TCP/UDP address, or -1. */
int eddy_address_port(const eddy_address *a);

#ifdef __cplusplus
}
#endif
#endif
