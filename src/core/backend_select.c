/* backend_select.c - select(2), for portability and as a reference. It cannot watch an fd at or
 * above FD_SETSIZE: the reactor refuses such fds with EDDY_EFDLIMIT (fd_limit below) before they
 * get here, because FD_SET on them would write past the end of the fd_set. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "base/syscalls.h"
#include "core/backend.h"
#include "eddy/error.h"

typedef struct select_backend {
    eddy__backend base;
    fd_set readers, writers; /* interest */
    fd_set ready_r, ready_w; /* scratch copies handed to select */
    uint32_t gens[FD_SETSIZE];
    int maxfd; /* highest fd with interest, -1 if none */
} select_backend;

static bool select_available(void)
{
    return true;
}

static int select_create(eddy__backend **out)
{
    select_backend *b = malloc(sizeof *b);
    if (!b)
        return -ENOMEM;
    b->base.ops = &eddy__backend_select;
    FD_ZERO(&b->readers);
    FD_ZERO(&b->writers);
    b->maxfd = -1;
    *out = &b->base;
    return 0;
}

static void select_destroy(eddy__backend *b)
{
    free(b);
}

static int select_reinit(eddy__backend *base)
{
    select_backend *b = (select_backend *)base;
    FD_ZERO(&b->readers);
    FD_ZERO(&b->writers);
    b->maxfd = -1;
    return 0;
}

static int select_modify(eddy__backend *base, int fd, uint32_t gen, unsigned old_mask,
                         unsigned new_mask)
{
    select_backend *b = (select_backend *)base;
    (void)old_mask;
    if (fd < 0 || fd >= FD_SETSIZE)
        return EDDY_EFDLIMIT;
    if (new_mask & EDDY__EV_READ)
        FD_SET(fd, &b->readers);
    else
        FD_CLR(fd, &b->readers);
    if (new_mask & EDDY__EV_WRITE)
        FD_SET(fd, &b->writers);
    else
        FD_CLR(fd, &b->writers);
    b->gens[fd] = gen;
    if (new_mask && fd > b->maxfd)
        b->maxfd = fd;
    while (b->maxfd >= 0 && !FD_ISSET(b->maxfd, &b->readers) && !FD_ISSET(b->maxfd, &b->writers))
        b->maxfd--;
    return 0;
}

/* A watched fd was closed without being removed: report each bad one as an error so its handler
 * runs, fails, and is disconnected (Twisted "preens" them the same way). */
static int report_bad_fds(select_backend *b, eddy__event *out, int max)
{
    int n = 0;
    for (int fd = 0; fd <= b->maxfd && n < max; fd++)
        if ((FD_ISSET(fd, &b->readers) || FD_ISSET(fd, &b->writers)) && fcntl(fd, F_GETFD) < 0)
            out[n++] = (eddy__event){.fd = fd, .gen = b->gens[fd], .mask = EDDY__EV_ERR};
    return n;
}

static int select_poll(eddy__backend *base, int timeout_ms, eddy__event *out, int max)
{
    select_backend *b = (select_backend *)base;
    struct timeval tv, *tvp = NULL;
    if (timeout_ms >= 0) {
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
        tvp = &tv;
    }
    b->ready_r = b->readers;
    b->ready_w = b->writers;
    int ready = eddy__sys.select(b->maxfd + 1, &b->ready_r, &b->ready_w, NULL, tvp);
    if (ready < 0 && errno == EBADF)
        return report_bad_fds(b, out, max);
    if (ready < 0)
        return errno == EINTR ? 0 : -errno;
    int n = 0;
    for (int fd = 0; fd <= b->maxfd && n < max && ready > 0; fd++) {
        unsigned mask = (FD_ISSET(fd, &b->ready_r) ? EDDY__EV_READ : 0u) |
                        (FD_ISSET(fd, &b->ready_w) ? EDDY__EV_WRITE : 0u);
        if (!mask)
            continue;
        out[n++] = (eddy__event){.fd = fd, .gen = b->gens[fd], .mask = mask};
    }
    return n;
}

const eddy__backend_ops eddy__backend_select = {
    .name = "select",
    .fd_limit = FD_SETSIZE,
    .available = select_available,
    .create = select_create,
    .destroy = select_destroy,
    .reinit = select_reinit,
    .modify = select_modify,
    .poll = select_poll,
};
