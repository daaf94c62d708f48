/* backend_epoll.c - Linux epoll, level-triggered. The generation tag rides in the upper 32 bits
 * of epoll_data so events for an fd that was removed and reused are recognised as stale. */
#include "eddy_config.h"

#ifdef EDDY_HAVE_EPOLL
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/syscalls.h"
#include "core/backend.h"
#include "eddy/error.h"

#define BATCH 1024

typedef struct epoll_backend {
    eddy__backend base;
    int epfd;
    struct epoll_event events[BATCH];
} epoll_backend;

static bool epoll_available(void)
{
    return true;
}

static int epoll_create_backend(eddy__backend **out)
{
    epoll_backend *b = malloc(sizeof *b);
    if (!b)
        return -ENOMEM;
    b->base.ops = &eddy__backend_epoll;
    b->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (b->epfd < 0) {
        int rc = -errno;
        free(b);
        return rc;
    }
    *out = &b->base;
    return 0;
}

static void epoll_destroy(eddy__backend *base)
{
    epoll_backend *b = (epoll_backend *)base;
    close(b->epfd);
    free(b);
}

static int epoll_reinit(eddy__backend *base)
{
    epoll_backend *b = (epoll_backend *)base;
    int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0)
        return -errno;
    close(b->epfd);
    b->epfd = fd;
    return 0;
}

static int epoll_modify(eddy__backend *base, int fd, uint32_t gen, unsigned old_mask,
                        unsigned new_mask)
{
    epoll_backend *b = (epoll_backend *)base;
    struct epoll_event ev = {
        .events =
            (new_mask & EDDY__EV_READ ? EPOLLIN : 0u) | (new_mask & EDDY__EV_WRITE ? EPOLLOUT : 0u),
        .data.u64 = ((uint64_t)gen << 32) | (uint32_t)fd,
    };
    int op = old_mask == 0 ? EPOLL_CTL_ADD : new_mask == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (eddy__sys.epoll_ctl(b->epfd, op, fd, &ev) == 0)
        return 0;
    /* The kernel's view can differ from ours: a dup'ed fd that was closed without removal stays
     * in the set (EEXIST on add), or an fd that was closed left it (ENOENT on modify). */
    if (op == EPOLL_CTL_ADD && errno == EEXIST)
        op = EPOLL_CTL_MOD;
    else if (op == EPOLL_CTL_MOD && errno == ENOENT)
        op = EPOLL_CTL_ADD;
    else if (op == EPOLL_CTL_DEL && (errno == ENOENT || errno == EBADF))
        return 0;
    else
        return -errno;
    return eddy__sys.epoll_ctl(b->epfd, op, fd, &ev) == 0 ? 0 : -errno;
}

static int epoll_poll(eddy__backend *base, int timeout_ms, eddy__event *out, int max)
{
    epoll_backend *b = (epoll_backend *)base;
    if (max > BATCH)
        max = BATCH;
    int n = eddy__sys.epoll_wait(b->epfd, b->events, max, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        uint32_t e = b->events[i].events;
        out[i] = (eddy__event){
            .fd = (int)(uint32_t)b->events[i].data.u64,
            .gen = (uint32_t)(b->events[i].data.u64 >> 32),
            .mask = (e & EPOLLIN ? EDDY__EV_READ : 0u) | (e & EPOLLOUT ? EDDY__EV_WRITE : 0u) |
                    (e & EPOLLHUP ? EDDY__EV_HUP : 0u) | (e & EPOLLERR ? EDDY__EV_ERR : 0u),
        };
    }
    return n;
}

const eddy__backend_ops eddy__backend_epoll = {
    .name = "epoll",
    .fd_limit = 0x7fffffff,
    .available = epoll_available,
    .create = epoll_create_backend,
    .destroy = epoll_destroy,
    .reinit = epoll_reinit,
    .modify = epoll_modify,
    .poll = epoll_poll,
};
#else
/* ISO C wants at least one declaration in every translation unit. */
typedef int eddy__backend_unavailable_here;
#endif
