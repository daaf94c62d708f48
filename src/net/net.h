/* net.h - the net layer's per-reactor state and the helpers its files share.
 *
 * Memory is the reason this exists. An idle connection must cost well under 1 KiB of user space,
 * so nothing that only matters while bytes move lives in the connection:
 *  - one read buffer per reactor, shared by all its connections: a reactor runs one handler at a
 *    time, and a protocol only borrows the bytes for the duration of data_received;
 *  - pools of write-queue chunks and owned-buffer records, so a connection whose queue drained
 *    holds nothing and a busy one allocates nothing in the steady state;
 *  - the list of open streams, so freeing the reactor also frees the library-owned transports
 *    (their protocols are not called: see eddy_reactor_free). */
#ifndef EDDY_NET_NET_H
#define EDDY_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "eddy/address.h"
#include "eddy/reactor.h"

/** Bytes asked for per read; also the size of the shared read buffer. Twisted reads 64 KiB; twice
 * that means a peer with exactly 64 KiB in flight (the bench's 4 x 16 KiB echo) is drained by one
 * read that comes back short, instead of a full read followed by one that only says EAGAIN. */
#define EDDY__READ_SIZE        (128u * 1024u)
/** Reads per readiness event (the per-iteration budget, 256 KiB): a connection that keeps the
 * buffer full yields after this many so the other ready descriptors get their turn; it is
 * level-triggered, so the rest is read in the next iteration. */
#define EDDY__READS_PER_WAKEUP 2
/** Size of a pooled write-queue chunk, and how many chunks / owned records a reactor keeps. */
#define EDDY__CHUNK_SIZE       (16u * 1024u)
#define EDDY__POOL_CHUNKS      32
#define EDDY__POOL_RECORDS     256

typedef struct eddy__stream eddy__stream;
typedef struct eddy__wseg eddy__wseg;

typedef struct eddy__net {
    eddy_reactor *reactor;
    char *read_buf;           /* EDDY__READ_SIZE bytes, lent to data_received */
    eddy__wseg *free_chunks;  /* pooled EDDY__CHUNK_SIZE copy segments */
    eddy__wseg *free_records; /* pooled owned-buffer segments */
    unsigned nfree_chunks, nfree_records;
    eddy__stream *live; /* open streams (doubly linked through prev/next) */
    size_t nlive;
} eddy__net;

/** The net state of `r`, made on first use. NULL when out of memory. */
eddy__net *eddy__net_get(eddy_reactor *r);

/* ---- addresses (address.c) ------------------------------------------------------------------ */

/** Fill `out` from a socket address of `len` bytes. TCP/UDP kinds are only given to AF_INET and
 * AF_INET6 addresses; AF_UNIX always becomes EDDY_ADDRESS_UNIX. */
void eddy__address_from_sockaddr(const struct sockaddr *sa, socklen_t len, eddy_address_kind kind,
                                 eddy_address *out);
/** A Unix address from a path; "@name" is a Linux abstract name. Errors: -ENAMETOOLONG, -EINVAL
 * (empty). */
int eddy__address_unix(const char *path, eddy_address *out);
/** The local or remote address of socket `fd` as `kind` (getsockname / getpeername).
 * Errors: -ENOTCONN and getsockname's other errnos. */
int eddy__address_of_socket(int fd, bool peer, eddy_address_kind kind, eddy_address *out);

/* ---- small descriptor helpers (sockets.c) ---------------------------------------------------- */

/** Close `fd` through the seam, keeping errno (close's EINTR is success on Linux). */
void eddy__close(int fd);
/** An int socket option, through the seam. Returns 0 or a negated errno. */
int eddy__setsockopt_int(int fd, int level, int name, int value);
int eddy__getsockopt_int(int fd, int level, int name, int *value);

#endif
