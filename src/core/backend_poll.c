/* backend_poll.c - poll(2). Interest lives in a dense pollfd array plus an fd -> position map, so
 * adding and removing are O(1) and a poll hands the kernel exactly the watched fds. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "base/syscalls.h"
#include "core/backend.h"
#include "eddy/error.h"

typedef struct poll_backend {
    eddy__backend base;
    struct pollfd *pfds; /* dense */
    uint32_t *gens;      /* parallel to pfds */
    int n, cap;
    int *pos; /* fd -> index in pfds, -1 if absent */
    int npos;
    int scan_from; /* where the next scan of pfds starts (see poll_poll) */
} poll_backend;

static bool poll_available(void)
{
    return true;
}

static int poll_create(eddy__backend **out)
{
    poll_backend *b = calloc(1, sizeof *b);
    if (!b)
        return -ENOMEM;
    b->base.ops = &eddy__backend_poll;
    *out = &b->base;
    return 0;
}

static void poll_destroy(eddy__backend *base)
{
    poll_backend *b = (poll_backend *)base;
    free(b->pfds);
    free(b->gens);
    free(b->pos);
    free(b);
}

static int poll_reinit(eddy__backend *base)
{
    poll_backend *b = (poll_backend *)base;
    b->n = 0;
    for (int i = 0; i < b->npos; i++)
        b->pos[i] = -1;
    return 0;
}

static short to_events(unsigned mask)
{
    return (short)((mask & EDDY__EV_READ ? POLLIN : 0) | (mask & EDDY__EV_WRITE ? POLLOUT : 0));
}

static int poll_modify(eddy__backend *base, int fd, uint32_t gen, unsigned old_mask,
                       unsigned new_mask)
{
    poll_backend *b = (poll_backend *)base;
    (void)old_mask;
    if (fd >= b->npos) {
        int want = b->npos ? b->npos : 64;
        while (want <= fd)
            want *= 2;
        int *p = realloc(b->pos, (size_t)want * sizeof *p);
        if (!p)
            return -ENOMEM;
        for (int i = b->npos; i < want; i++)
            p[i] = -1;
        b->pos = p;
        b->npos = want;
    }
    int i = b->pos[fd];
    if (new_mask == 0) {
        if (i >= 0) { /* move the last entry into the hole */
            b->n--;
            if (i != b->n) {
                b->pfds[i] = b->pfds[b->n];
                b->gens[i] = b->gens[b->n];
                b->pos[b->pfds[i].fd] = i;
            }
            b->pos[fd] = -1;
        }
        return 0;
    }
    if (i < 0) {
        if (b->n == b->cap) {
            int want = b->cap ? b->cap * 2 : 64;
            struct pollfd *p = realloc(b->pfds, (size_t)want * sizeof *p);
            if (!p)
                return -ENOMEM;
            b->pfds = p;
            uint32_t *g = realloc(b->gens, (size_t)want * sizeof *g);
            if (!g)
                return -ENOMEM;
            b->gens = g;
            b->cap = want;
        }
        i = b->n++;
        b->pos[fd] = i;
        b->pfds[i].fd = fd;
    }
    b->pfds[i].events = to_events(new_mask);
    b->pfds[i].revents = 0;
    b->gens[i] = gen;
    return 0;
}

static int poll_poll(eddy__backend *base, int timeout_ms, eddy__event *out, int max)
{
    poll_backend *b = (poll_backend *)base;
    int ready = eddy__sys.poll(b->pfds, (nfds_t)b->n, timeout_ms);
    if (ready < 0)
        return errno == EINTR ? 0 : -errno;
    /* When more fds are ready than fit in `max`, the next scan starts after the last one
     * reported: always starting at 0 would starve every fd past the first `max` busy ones. */
    int n = 0, start = b->scan_from < b->n ? b->scan_from : 0;
    for (int k = 0; k < b->n && n < max && n < ready; k++) {
        int i = (start + k) % b->n;
        short re = b->pfds[i].revents;
        if (!re)
            continue;
        if (n + 1 == max)
            b->scan_from = i + 1;
        out[n++] = (eddy__event){
            .fd = b->pfds[i].fd,
            .gen = b->gens[i],
            .mask = (re & POLLIN ? EDDY__EV_READ : 0u) | (re & POLLOUT ? EDDY__EV_WRITE : 0u) |
                    (re & POLLHUP ? EDDY__EV_HUP : 0u) |
                    (re & (POLLERR | POLLNVAL) ? EDDY__EV_ERR : 0u),
        };
    }
    return n;
}

const eddy__backend_ops eddy__backend_poll = {
    .name = "poll",
    .fd_limit = 0x7fffffff,
    .available = poll_available,
    .create = poll_create,
    .destroy = poll_destroy,
    .reinit = poll_reinit,
    .modify = poll_modify,
    .poll = poll_poll,
};
