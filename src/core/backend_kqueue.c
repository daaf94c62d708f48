/* backend_kqueue.c - BSD/macOS kqueue, level-triggered (no EV_CLEAR). The generation tag rides in
 * udata. A kqueue is not inherited across fork, so reinit simply makes a new one.
 *
 * Linux has no kqueue: there this file is only compiled by the test suite's compile check, against
 * a stand-in header (tests/support/kqueue_stub). */
#include "eddy_config.h"

#ifdef EDDY_HAVE_KQUEUE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/event.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/backend.h"
#include "eddy/error.h"

#define BATCH 1024

typedef struct kqueue_backend {
    eddy__backend base;
    int kq;
    struct kevent events[BATCH];
} kqueue_backend;

static bool kqueue_available(void)
{
    return true;
}

/* A new kqueue, closed on exec like every descriptor the library opens. */
static int new_kqueue(void)
{
    int kq = kqueue();
    if (kq < 0)
        return -errno;
    if (fcntl(kq, F_SETFD, FD_CLOEXEC) < 0) {
        int rc = -errno;
        close(kq);
        return rc;
    }
    return kq;
}

static int kqueue_create(eddy__backend **out)
{
    kqueue_backend *b = malloc(sizeof *b);
    if (!b)
        return -ENOMEM;
    b->base.ops = &eddy__backend_kqueue;
    b->kq = new_kqueue();
    if (b->kq < 0) {
        int rc = b->kq;
        free(b);
        return rc;
    }
    *out = &b->base;
    return 0;
}

static void kqueue_destroy(eddy__backend *base)
{
    kqueue_backend *b = (kqueue_backend *)base;
    close(b->kq);
    free(b);
}

/* In a fork's child the old number is not a kqueue: the kernel does not copy kqueues into the
 * child's table, so that number is free or already names a file the child opened since. Closing
 * it could close that file, or the new kqueue itself, which often gets the same number. */
static int kqueue_reinit(eddy__backend *base)
{
    kqueue_backend *b = (kqueue_backend *)base;
    int kq = new_kqueue();
    if (kq < 0)
        return kq;
    b->kq = kq;
    return 0;
}

static int kqueue_modify(eddy__backend *base, int fd, uint32_t gen, unsigned old_mask,
                         unsigned new_mask)
{
    kqueue_backend *b = (kqueue_backend *)base;
    struct kevent ch[2];
    int n = 0;
    void *udata = (void *)(uintptr_t)gen;
    if ((old_mask ^ new_mask) & EDDY__EV_READ || (new_mask & EDDY__EV_READ))
        EV_SET(&ch[n++], fd, EVFILT_READ, new_mask & EDDY__EV_READ ? EV_ADD : EV_DELETE, 0, 0,
               udata);
    if ((old_mask ^ new_mask) & EDDY__EV_WRITE || (new_mask & EDDY__EV_WRITE))
        EV_SET(&ch[n++], fd, EVFILT_WRITE, new_mask & EDDY__EV_WRITE ? EV_ADD : EV_DELETE, 0, 0,
               udata);
    for (int i = 0; i < n; i++)
        if (kevent(b->kq, &ch[i], 1, NULL, 0, NULL) < 0 &&
            !(ch[i].flags & EV_DELETE && (errno == ENOENT || errno == EBADF)))
            return -errno;
    return 0;
}

static int kqueue_poll(eddy__backend *base, int timeout_ms, eddy__event *out, int max)
{
    kqueue_backend *b = (kqueue_backend *)base;
    struct timespec ts, *tsp = NULL;
    if (timeout_ms >= 0) {
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
        tsp = &ts;
    }
    if (max > BATCH)
        max = BATCH;
    int n = kevent(b->kq, NULL, 0, b->events, max, tsp);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        const struct kevent *ke = &b->events[i];
        unsigned mask = ke->filter == EVFILT_READ ? EDDY__EV_READ : EDDY__EV_WRITE;
        if (ke->flags & EV_ERROR)
            mask = EDDY__EV_ERR;
        else if (ke->flags & EV_EOF)
            mask |= EDDY__EV_HUP;
        out[i] = (eddy__event){
            .fd = (int)ke->ident, .gen = (uint32_t)(uintptr_t)ke->udata, .mask = mask};
    }
    return n;
}

const eddy__backend_ops eddy__backend_kqueue = {
    .name = "kqueue",
    .fd_limit = 0x7fffffff,
    .available = kqueue_available,
    .create = kqueue_create,
    .destroy = kqueue_destroy,
    .reinit = kqueue_reinit,
    .modify = kqueue_modify,
    .poll = kqueue_poll,
};
#else
/* ISO C wants at least one declaration in every translation unit. */
typedef int eddy__backend_unavailable_here;
#endif
