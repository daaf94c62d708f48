/* eddy/syscalls.h - the syscall seam.
 *
 * Every system call the reactor and the transports make goes through one table of function
 * pointers (SQLite's os_unix.c does the same). A test can replace any entry to inject EINTR,
 * EAGAIN, EMFILE, ECONNRESET or a short write deterministically, then restore the defaults.
 *
 * The table is process-wide and not synchronised: change it only while no reactor is running in
 * another thread (tests do it at the start and end of a test). */
#ifndef EDDY_SYSCALLS_H
#define EDDY_SYSCALLS_H

#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** The table. Each entry has the signature and the errno contract of the libc call it names. */
typedef struct eddy_syscalls {
    ssize_t (*read)(int fd, void *buf, size_t len);
    ssize_t (*write)(int fd, const void *buf, size_t len);
    ssize_t (*readv)(int fd, const struct iovec *iov, int iovcnt);
    ssize_t (*writev)(int fd, const struct iovec *iov, int iovcnt);
    ssize_t (*recv)(int fd, void *buf, size_t len, int flags);
    ssize_t (*send)(int fd, const void *buf, size_t len, int flags);
    ssize_t (*recvfrom)(int fd, void *buf, size_t len, int flags, struct sockaddr *addr,
                        socklen_t *addrlen);
    ssize_t (*sendto)(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
                      socklen_t addrlen);
    ssize_t (*recvmsg)(int fd, struct msghdr *msg, int flags);
    ssize_t (*sendmsg)(int fd, const struct msghdr *msg, int flags);
    /** accept with flags (SOCK_NONBLOCK|SOCK_CLOEXEC); emulated where accept4 is missing. */
    int (*accept4)(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
    int (*connect)(int fd, const struct sockaddr *addr, socklen_t addrlen);
    int (*socket)(int domain, int type, int protocol);
    int (*socketpair)(int domain, int type, int protocol, int sv[2]);
    int (*bind)(int fd, const struct sockaddr *addr, socklen_t addrlen);
    int (*listen)(int fd, int backlog);
    int (*shutdown)(int fd, int how);
    int (*close)(int fd);
    /** pipe with flags (O_NONBLOCK|O_CLOEXEC); emulated where pipe2 is missing. */
    int (*pipe2)(int fds[2], int flags);
    int (*getsockopt)(int fd, int level, int name, void *value, socklen_t *len);
    int (*setsockopt)(int fd, int level, int name, const void *value, socklen_t len);
    int (*poll)(struct pollfd *fds, nfds_t nfds, int timeout_ms);
    int (*select)(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                  struct timeval *timeout);
#ifdef __linux__
    int (*epoll_wait)(int epfd, struct epoll_event *events, int maxevents, int timeout_ms);
    int (*epoll_ctl)(int epfd, int op, int fd, struct epoll_event *event);
#endif
} eddy_syscalls;

/** The table in force. Never NULL; read-only (copy it, change the copy, then set it). */
const eddy_syscalls *eddy_syscalls_get(void);
/** Install `table` (copied); NULL restores the libc defaults. */
void eddy_syscalls_set(const eddy_syscalls *table);
/** The libc defaults, for a replacement that wants to call through. */
const eddy_syscalls *eddy_syscalls_default(void);

#ifdef __cplusplus
}
#endif
#endif
