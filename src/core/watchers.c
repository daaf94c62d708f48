/* watchers.c - readers and writers: the fd table, the change list, and event dispatch.
 *
 * The reactor keeps one slot per fd number with the reading and writing objects, the interest the
 * backend has, and a generation tag. Additions and changes are queued and handed to the backend
 * just before it polls (a descriptor toggling write interest within one iteration costs nothing);
 * a removal that leaves the fd with no interest goes to the backend at once, so the fd is out of
 * the kernel set before the caller closes it (closing does not remove a dup'ed or inherited
 * descriptor from an epoll set).
 *
 * Every event carries the generation its fd had when it was registered. Removing the last interest
 * in an fd bumps the generation, so events of the current batch for an fd that was removed (and
 * maybe closed and reused) by an earlier handler in the same batch are dropped, never delivered. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/reactor_internal.h"
#include "eddy/log.h"

#define MAX_EVENTS_PER_POLL 1024

static inline unsigned wanted_mask(const eddy__fd_slot *s)
{
    return (s->reader ? EDDY__EV_READ : 0u) | (s->writer ? EDDY__EV_WRITE : 0u);
}

static int ensure_fd(eddy_reactor *r, int fd)
{
    if (fd < r->nfds)
        return 0;
    int want = r->nfds ? r->nfds : 64;
    while (want <= fd)
        want *= 2;
    eddy__fd_slot *p = realloc(r->fds, (size_t)want * sizeof *p);
    if (!p)
        return -ENOMEM;
    memset(p + r->nfds, 0, (size_t)(want - r->nfds) * sizeof *p);
    r->fds = p;
    r->nfds = want;
    return 0;
}

static int push_int(int **array, int *n, int *cap, int value)
{
    if (*n == *cap) {
        int want = *cap ? *cap * 2 : 64;
        int *p = realloc(*array, (size_t)want * sizeof *p);
        if (!p)
            return -ENOMEM;
        *array = p;
        *cap = want;
    }
    (*array)[(*n)++] = value;
    return 0;
}

static void drop_always_ready(eddy_reactor *r, int fd)
{
    for (int i = 0; i < r->nalways; i++)
        if (r->always_ready[i] == fd) {
            r->always_ready[i] = r->always_ready[--r->nalways];
            break;
        }
    r->fds[fd].always_ready = false;
}

/* Called when the object in a role of `fd` is taken out of it: if that role's handler is running,
 * the object it was called for may be gone (see call_handler). */
static inline void role_cleared(eddy_reactor *r, int fd, bool writer)
{
    if (r->handler_fd == fd && r->handler_writer == writer)
        r->handler_role_cleared = true;
}

/* Called after the reader or writer of `fd` changed. */
static int interest_changed(eddy_reactor *r, int fd)
{
    eddy__fd_slot *s = &r->fds[fd];
    unsigned want = wanted_mask(s);
    if ((want != 0) != s->counted) {
        r->nwatched += want ? 1 : -1;
        s->counted = want != 0;
    }
    if (want == 0) {
        /* The fd leaves the reactor: out of the kernel set now, and a new generation. */
        if (s->always_ready)
            drop_always_ready(r, fd);
        else if (s->kernel_mask)
            r->backend->ops->modify(r->backend, fd, s->gen, s->kernel_mask, 0);
        s->kernel_mask = 0;
        s->internal = false;
        s->gen++;
        return 0;
    }
    if (!s->queued) {
        if (push_int(&r->changes, &r->nchanges, &r->cap_changes, fd) < 0)
            return -ENOMEM;
        s->queued = true;
    }
    return 0;
}

static int add_watch(eddy_reactor *r, eddy_descriptor *d, bool writer, bool internal)
{
    if (!d || !d->ops || d->fd < 0 || (writer ? !d->ops->do_write : !d->ops->do_read))
        return -EINVAL;
    if (d->fd >= r->backend_ops->fd_limit)
        return EDDY_EFDLIMIT;
    int rc = ensure_fd(r, d->fd);
    if (rc < 0)
        return rc;
    eddy__fd_slot *s = &r->fds[d->fd];
    eddy_descriptor **role = writer ? &s->writer : &s->reader;
    if (*role == d)
        return 0;
    if (*role)
        return -EEXIST;
    *role = d;
    s->internal = internal;
    rc = interest_changed(r, d->fd);
    if (rc < 0)
        *role = NULL;
    return rc;
}

/* Find the slot holding `d` in a role: by its fd, or by a scan if the fd was already set to -1. */
static int find_fd(const eddy_reactor *r, const eddy_descriptor *d, bool writer)
{
    if (d->fd >= 0 && d->fd < r->nfds &&
        (writer ? r->fds[d->fd].writer : r->fds[d->fd].reader) == d)
        return d->fd;
    for (int fd = 0; fd < r->nfds; fd++)
        if ((writer ? r->fds[fd].writer : r->fds[fd].reader) == d)
            return fd;
    return -1;
}

static int remove_watch(eddy_reactor *r, eddy_descriptor *d, bool writer)
{
    if (!d)
        return 0;
    int fd = find_fd(r, d, writer);
    if (fd < 0)
        return 0;
    eddy__fd_slot *s = &r->fds[fd];
    *(writer ? &s->writer : &s->reader) = NULL;
    role_cleared(r, fd, writer);
    return interest_changed(r, fd);
}

int eddy_reactor_add_reader(eddy_reactor *r, eddy_descriptor *d)
{
    return add_watch(r, d, false, false);
}

int eddy_reactor_add_writer(eddy_reactor *r, eddy_descriptor *d)
{
    return add_watch(r, d, true, false);
}

int eddy_reactor_remove_reader(eddy_reactor *r, eddy_descriptor *d)
{
    return remove_watch(r, d, false);
}

int eddy_reactor_remove_writer(eddy_reactor *r, eddy_descriptor *d)
{
    return remove_watch(r, d, true);
}

int eddy__reactor_add_internal_reader(eddy_reactor *r, eddy_descriptor *d)
{
    return add_watch(r, d, false, true);
}

void eddy__reactor_remove_internal_reader(eddy_reactor *r, eddy_descriptor *d)
{
    remove_watch(r, d, false);
}

const char *eddy_descriptor_log_prefix(const eddy_descriptor *d)
{
    const char *p = d && d->ops && d->ops->log_prefix ? d->ops->log_prefix(d) : NULL;
    return p ? p : "?";
}

/* ---- listing -----------------------------------------------------------------------------------
 */

static bool contains(eddy_descriptor **list, size_t n, const eddy_descriptor *d)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == d)
            return true;
    return false;
}

/* Distinct non-internal objects in the given roles. */
static int collect(const eddy_reactor *r, bool readers, bool writers, eddy_descriptor ***out,
                   size_t *count)
{
    size_t n = 0, cap = 0;
    for (int fd = 0; fd < r->nfds; fd++)
        cap += (readers && r->fds[fd].reader) + (writers && r->fds[fd].writer);
    eddy_descriptor **list = malloc((cap ? cap : 1) * sizeof *list);
    if (!list)
        return -ENOMEM;
    for (int fd = 0; fd < r->nfds; fd++) {
        const eddy__fd_slot *s = &r->fds[fd];
        if (s->internal)
            continue;
        if (readers && s->reader && !contains(list, n, s->reader))
            list[n++] = s->reader;
        if (writers && s->writer && !contains(list, n, s->writer))
            list[n++] = s->writer;
    }
    *out = list;
    *count = n;
    return 0;
}

int eddy_reactor_get_readers(const eddy_reactor *r, eddy_descriptor ***out, size_t *count)
{
    return collect(r, true, false, out, count);
}

int eddy_reactor_get_writers(const eddy_reactor *r, eddy_descriptor ***out, size_t *count)
{
    return collect(r, false, true, out, count);
}

static void remove_everything(eddy_reactor *r)
{
    for (int fd = 0; fd < r->nfds; fd++) {
        eddy__fd_slot *s = &r->fds[fd];
        if (s->internal || (!s->reader && !s->writer))
            continue;
        if (s->reader)
            role_cleared(r, fd, false);
        if (s->writer)
            role_cleared(r, fd, true);
        s->reader = s->writer = NULL;
        interest_changed(r, fd);
    }
}

int eddy_reactor_remove_all(eddy_reactor *r, eddy_descriptor ***removed, size_t *count)
{
    eddy_descriptor **list = NULL;
    size_t n = 0;
    if (removed) {
        int rc = collect(r, true, true, &list, &n);
        if (rc < 0)
            return rc;
    }
    remove_everything(r);
    if (removed) {
        *removed = list;
        *count = n;
    }
    return 0;
}

static void disconnect(eddy_reactor *r, int fd, eddy_descriptor *d, eddy_failure *reason);

/* One descriptor the shutdown sweep will tell, and where it was registered. */
typedef struct sweep_entry {
    eddy_descriptor *d;
    int fd;
    uint32_t gen;
} sweep_entry;

/* At shutdown every descriptor registered now is removed and told, one at a time. Each is looked
 * up again just before its turn: a connection_lost earlier in the sweep may have removed (and
 * freed) it, say a transport freeing the port or connector it belongs to, and then it is skipped
 * instead of being called after free. Descriptors added during the sweep are not part of it. */
void eddy__watchers_disconnect_all(eddy_reactor *r, int code)
{
    size_t n = 0, cap = 0;
    for (int fd = 0; fd < r->nfds; fd++)
        cap += (r->fds[fd].reader != NULL) + (r->fds[fd].writer != NULL);
    sweep_entry *list = malloc((cap ? cap : 1) * sizeof *list);
    if (!list) {
        remove_everything(r); /* no memory to tell them: at least stop watching */
        return;
    }
    for (int fd = 0; fd < r->nfds; fd++) {
        const eddy__fd_slot *s = &r->fds[fd];
        if (s->internal)
            continue;
        if (s->reader)
            list[n++] = (sweep_entry){s->reader, fd, s->gen};
        if (s->writer && s->writer != s->reader)
            list[n++] = (sweep_entry){s->writer, fd, s->gen};
    }
    eddy_failure *reason = eddy_failure_new(code, "the reactor shut down");
    for (size_t i = 0; i < n; i++) {
        eddy__fd_slot *s = &r->fds[list[i].fd];
        if (s->gen != list[i].gen || (s->reader != list[i].d && s->writer != list[i].d))
            continue; /* removed by an earlier connection_lost of this sweep */
        disconnect(r, list[i].fd, list[i].d, reason);
    }
    eddy_failure_unref(reason);
    free(list);
}

/* ---- polling and dispatch -------------------------------------------------------------------- */

/* Remove `d` from `fd` in every role it has there and tell it why: its last callback. */
static void disconnect(eddy_reactor *r, int fd, eddy_descriptor *d, eddy_failure *reason)
{
    eddy__fd_slot *s = &r->fds[fd];
    bool internal = s->internal; /* read first: an fd that leaves the reactor loses the flag */
    if (s->reader == d) {
        s->reader = NULL;
        role_cleared(r, fd, false);
    }
    if (s->writer == d) {
        s->writer = NULL;
        role_cleared(r, fd, true);
    }
    interest_changed(r, fd);
    if (internal) {
        eddy_log(EDDY_LOG_ERROR, "eddy.reactor", eddy_descriptor_log_prefix(d),
                 "internal descriptor failed: %s", eddy_failure_message(reason));
        return;
    }
    d->ops->connection_lost(d, reason);
}

static void disconnect_code(eddy_reactor *r, int fd, eddy_descriptor *d, int code)
{
    eddy_failure *reason = eddy_failure_from_code(code);
    disconnect(r, fd, d, reason);
    eddy_failure_unref(reason);
}

int eddy__watchers_apply_changes(eddy_reactor *r)
{
    for (int i = 0; i < r->nchanges; i++) {
        int fd = r->changes[i];
        eddy__fd_slot *s = &r->fds[fd];
        s->queued = false;
        unsigned want = wanted_mask(s);
        if (want == s->kernel_mask || s->always_ready)
            continue;
        int rc = r->backend->ops->modify(r->backend, fd, s->gen, s->kernel_mask, want);
        if (rc == -EPERM && s->kernel_mask == 0) {
            /* epoll refuses regular files; they are always ready (Twisted polls them
             * continuously too). */
            if (push_int(&r->always_ready, &r->nalways, &r->cap_always, fd) == 0) {
                s->always_ready = true;
                continue;
            }
            rc = -ENOMEM;
        }
        if (rc < 0) {
            eddy_failure *reason = eddy_failure_new(rc, "the backend (%s) refused fd %d: %s",
                                                    r->backend_ops->name, fd, eddy_strerror(rc));
            eddy_descriptor *reader = s->reader, *writer = s->writer;
            if (reader)
                disconnect(r, fd, reader, reason);
            if (writer && writer != reader && r->fds[fd].writer == writer)
                disconnect(r, fd, writer, reason);
            eddy_failure_unref(reason);
            continue;
        }
        s->kernel_mask = (uint8_t)want;
    }
    r->nchanges = 0;
    return 0;
}

int eddy__watchers_poll(eddy_reactor *r, int timeout_ms)
{
    int want = r->nwatched + 1;
    if (want > MAX_EVENTS_PER_POLL)
        want = MAX_EVENTS_PER_POLL;
    if (want > r->cap_events || r->cap_events == 0) {
        int cap = r->cap_events ? r->cap_events : 64;
        while (cap < want)
            cap *= 2;
        eddy__event *p = realloc(r->events, (size_t)(cap + 0) * sizeof *p);
        if (!p)
            return -ENOMEM;
        r->events = p;
        r->cap_events = cap;
    }
    if (r->nalways)
        timeout_ms = 0;
    /* Leave room for the always-ready fds after what the backend reports. */
    int room = r->cap_events - r->nalways;
    if (room < 1)
        room = 1;
    int n = r->backend->ops->poll(r->backend, timeout_ms, r->events, room);
    if (n < 0)
        return n;
    /* More always-ready fds than room: start where the last poll stopped, so none starves. */
    int start = r->always_next < r->nalways ? r->always_next : 0, i = 0;
    for (; i < r->nalways && n < r->cap_events; i++) {
        int fd = r->always_ready[(start + i) % r->nalways];
        r->events[n++] =
            (eddy__event){.fd = fd, .gen = r->fds[fd].gen, .mask = wanted_mask(&r->fds[fd])};
    }
    r->always_next = r->nalways ? (start + i) % r->nalways : 0;
    return n;
}

/* Call the reader's (or writer's) handler of `fd` and return what should be done to it: 0, or a
 * negative code to disconnect it with. A handler that took its object out of the role it was
 * called for (removed it, disconnected it, removed everything) may have freed it: its return
 * value is then ignored and the object is not touched again. That holds even if the role was
 * filled again before the handler returned: the same pointer may be a new object that took the
 * freed one's memory and its fd number, so only "never left the role" makes the call safe. */
static int call_handler(eddy_reactor *r, int fd, eddy_descriptor *d, bool writer)
{
    if (d->fd < 0)
        return EDDY_ECONNLOST; /* already closed: no handler runs, it is still registered */
    r->handler_fd = fd;
    r->handler_writer = writer;
    r->handler_role_cleared = false;
    int rc = writer ? d->ops->do_write(d) : d->ops->do_read(d);
    r->handler_fd = -1;
    return r->handler_role_cleared ? 0 : rc;
}

void eddy__watchers_dispatch(eddy_reactor *r, int nevents)
{
    for (int i = 0; i < nevents && !r->exit_loop; i++) {
        eddy__event ev = r->events[i];
        if (ev.fd < 0 || ev.fd >= r->nfds || r->fds[ev.fd].gen != ev.gen)
            continue; /* stale: the fd left the reactor after this poll */
        eddy_descriptor *reader = r->fds[ev.fd].reader;
        if (reader && ev.mask & (EDDY__EV_READ | EDDY__EV_HUP | EDDY__EV_ERR)) {
            int rc = call_handler(r, ev.fd, reader, false);
            if (rc < 0)
                disconnect_code(r, ev.fd, reader, rc);
        }
        /* The read handler may have removed or replaced anything: look again. */
        if (r->fds[ev.fd].gen != ev.gen)
            continue;
        eddy_descriptor *writer = r->fds[ev.fd].writer;
        if (writer && ev.mask & (EDDY__EV_WRITE | EDDY__EV_HUP | EDDY__EV_ERR)) {
            int rc = call_handler(r, ev.fd, writer, true);
            if (rc < 0)
                disconnect_code(r, ev.fd, writer, rc);
        }
    }
}

int eddy__watchers_rearm_all(eddy_reactor *r)
{
    r->nchanges = 0;
    r->nalways = 0;
    r->nwatched = 0;
    for (int fd = 0; fd < r->nfds; fd++) {
        eddy__fd_slot *s = &r->fds[fd];
        s->kernel_mask = 0;
        s->queued = false;
        s->always_ready = false;
        s->counted = false;
        if (wanted_mask(s) && interest_changed(r, fd) < 0)
            return -ENOMEM;
    }
    return 0;
}

int eddy__watchers_init(eddy_reactor *r)
{
    r->handler_fd = -1;
    return ensure_fd(r, 63);
}

void eddy__watchers_free(eddy_reactor *r)
{
    free(r->fds);
    free(r->changes);
    free(r->always_ready);
    free(r->events);
}
