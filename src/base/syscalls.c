/* syscalls.c - the default syscall table and its fallbacks for platforms without
 * accept4/pipe2. */
#include "base/syscalls.h"
#include "eddy_config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int eddy__set_nonblocking(int fd, int on)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return -errno;
    int want = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
    if (want != flags && fcntl(fd, F_SETFL, want) < 0)
        return -errno;
    return 0;
}

int eddy__set_cloexec(int fd, int on)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0)
        return -errno;
    int want = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
    if (want != flags && fcntl(fd, F_SETFD, want) < 0)
        return -errno;
    return 0;
}

static int sys_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
#ifdef EDDY_HAVE_ACCEPT4
    return accept4(fd, addr, addrlen, flags);
#else
    /* Not atomic with respect to fork+exec in another thread; see docs/reactor.md. */
    int s = accept(fd, addr, addrlen);
    if (s >= 0 && ((flags & SOCK_NONBLOCK && eddy__set_nonblocking(s, 1) < 0) ||
                   (flags & SOCK_CLOEXEC && eddy__set_cloexec(s, 1) < 0))) {
        int saved = errno;
        close(s);
        errno = saved;
        return -1;
    }
    return s;
#endif
}

static int sys_pipe2(int fds[2], int flags)
{
#ifdef EDDY_HAVE_PIPE2
    return pipe2(fds, flags);
#else
    if (pipe(fds) < 0)
        return -1;
    for (int i = 0; i < 2; i++)
        if ((flags & O_NONBLOCK && eddy__set_nonblocking(fds[i], 1) < 0) ||
            (flags & O_CLOEXEC && eddy__set_cloexec(fds[i], 1) < 0)) {
            int saved = errno;
            close(fds[0]);
            close(fds[1]);
            errno = saved;
            return -1;
        }
    return 0;
#endif
}

#ifdef __linux__
#define LINUX_SYSCALLS .epoll_wait = epoll_wait, .epoll_ctl = epoll_ctl,
#else
#define LINUX_SYSCALLS
#endif

/* The libc defaults, spelled once: clang wants a constant expression for both tables. */
#define DEFAULT_SYSCALLS                                                                           \
    {                                                                                              \
        .read = read, .write = write, .readv = readv, .writev = writev, .recv = recv,              \
        .send = send, .recvfrom = recvfrom, .sendto = sendto, .recvmsg = recvmsg,                  \
        .sendmsg = sendmsg, .accept4 = sys_accept4, .connect = connect, .socket = socket,          \
        .socketpair = socketpair, .bind = bind, .listen = listen, .shutdown = shutdown,            \
        .close = close, .pipe2 = sys_pipe2, .getsockopt = getsockopt, .setsockopt = setsockopt,    \
        .poll = poll, .select = select, LINUX_SYSCALLS                                             \
    }

static const eddy_syscalls defaults = DEFAULT_SYSCALLS;

eddy_syscalls eddy__sys = DEFAULT_SYSCALLS;

const eddy_syscalls *eddy_syscalls_get(void)
{
    return &eddy__sys;
}

void eddy_syscalls_set(const eddy_syscalls *table)
{
    eddy__sys = table ? *table : defaults;
}

const eddy_syscalls *eddy_syscalls_default(void)
{
    return &defaults;
}
