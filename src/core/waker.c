/* waker.c - eddy_call_from_thread: a mutex-guarded queue plus one coalesced wakeup.
 *
 * Producers append under the lock and write to the wakeup fd only if no wakeup is pending (an
 * atomic flag), so a burst of N calls costs one write. The reactor clears the flag *before* taking
 * the queue, so a call queued after the queue was taken always sets the flag again and writes: no
 * call can be stranded. The same fd wakes the loop for signals (signals.c), because a write to an
 * eventfd or a pipe is async-signal-safe. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/syscalls.h"
#include "core/reactor_internal.h"
#include "eddy_config.h"
#ifdef EDDY_HAVE_EVENTFD
#include <sys/eventfd.h>
#endif

static int waker_do_read(eddy_descriptor *d)
{
    /* Drain: an eventfd in one read, a pipe until it is empty. */
    uint64_t buf[8];
    while (eddy__sys.read(d->fd, buf, sizeof buf) == (ssize_t)sizeof buf)
        ;
    return 0;
}

static void waker_connection_lost(eddy_descriptor *d, const eddy_failure *reason)
{
    (void)d, (void)reason;
}

static const char *waker_log_prefix(const eddy_descriptor *d)
{
    (void)d;
    return "waker";
}

static const eddy_descriptor_ops waker_ops = {
    .do_read = waker_do_read,
    .connection_lost = waker_connection_lost,
    .log_prefix = waker_log_prefix,
};

static int open_channel(eddy__waker *w)
{
#ifdef EDDY_HAVE_EVENTFD
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd >= 0) {
        w->desc.fd = w->write_fd = fd;
        return 0;
    }
#endif
    int fds[2];
    if (eddy__sys.pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
        return -errno;
    w->desc.fd = fds[0];
    w->write_fd = fds[1];
    return 0;
}

static void close_channel(eddy__waker *w)
{
    if (w->desc.fd >= 0)
        eddy__sys.close(w->desc.fd);
    if (w->write_fd >= 0 && w->write_fd != w->desc.fd)
        eddy__sys.close(w->write_fd);
    w->desc.fd = w->write_fd = -1;
}

int eddy__waker_init(eddy_reactor *r)
{
    eddy__waker *w = &r->waker;
    w->desc.ops = &waker_ops;
    w->desc.fd = w->write_fd = -1;
    atomic_init(&w->pending, false);
    pthread_mutex_init(&w->lock, NULL);
    int rc = open_channel(w);
    if (rc == 0)
        rc = eddy__reactor_add_internal_reader(r, &w->desc);
    return rc;
}

void eddy__waker_free(eddy_reactor *r)
{
    eddy__waker *w = &r->waker;
    close_channel(w);
    pthread_mutex_destroy(&w->lock);
    free(w->calls);
    w->calls = NULL;
}

int eddy__waker_reinit(eddy_reactor *r)
{
    eddy__waker *w = &r->waker;
    eddy__reactor_remove_internal_reader(r, &w->desc);
    close_channel(w);
    int rc = open_channel(w);
    if (rc == 0)
        rc = eddy__reactor_add_internal_reader(r, &w->desc);
    atomic_store(&w->pending, true); /* run whatever the parent had queued */
    return rc;
}

/* Async-signal-safe: one write, errno preserved. */
void eddy__waker_wake(eddy__waker *w)
{
    int saved = errno;
    if (w->write_fd == w->desc.fd) {
        uint64_t one = 1;
        (void)!write(w->write_fd, &one, sizeof one);
    } else {
        char one = 1;
        (void)!write(w->write_fd, &one, 1);
    }
    errno = saved;
}

int eddy_call_from_thread(eddy_reactor *r, eddy_callback fn, void *arg)
{
    eddy__waker *w = &r->waker;
    if (!fn)
        return -EINVAL;
    pthread_mutex_lock(&w->lock);
    if (w->ncalls == w->cap) {
        size_t want = w->cap ? w->cap * 2 : 16;
        eddy__thread_call *p = realloc(w->calls, want * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&w->lock);
            return -ENOMEM;
        }
        w->calls = p;
        w->cap = want;
    }
    w->calls[w->ncalls++] = (eddy__thread_call){fn, arg};
    pthread_mutex_unlock(&w->lock);
    if (!atomic_exchange(&w->pending, true))
        eddy__waker_wake(w);
    return 0;
}

bool eddy__waker_has_work(eddy_reactor *r)
{
    return atomic_load_explicit(&r->waker.pending, memory_order_relaxed);
}

void eddy__waker_run_calls(eddy_reactor *r)
{
    eddy__waker *w = &r->waker;
    if (!atomic_exchange(&w->pending, false))
        return;
    /* Take the whole batch; calls queued while it runs wait for the next iteration (Twisted
     * runs only the calls present when it started, too). */
    pthread_mutex_lock(&w->lock);
    eddy__thread_call *batch = w->calls;
    size_t n = w->ncalls, cap = w->cap;
    w->calls = NULL;
    w->ncalls = w->cap = 0;
    pthread_mutex_unlock(&w->lock);
    size_t i = 0;
    while (i < n && !r->exit_loop) {
        eddy__thread_call c = batch[i++];
        c.fn(c.arg);
    }
    pthread_mutex_lock(&w->lock);
    if (i < n) {
        /* crashed mid-batch: the rest goes back in front of anything queued since, in order */
        size_t rest = n - i, total = rest + w->ncalls;
        eddy__thread_call *merged = total <= cap ? batch : realloc(batch, total * sizeof *merged);
        if (merged) {
            memmove(merged, merged + i, rest * sizeof *merged);
            if (w->ncalls)
                memcpy(merged + rest, w->calls, w->ncalls * sizeof *merged);
            free(w->calls);
            w->calls = merged;
            w->ncalls = total;
            w->cap = total > cap ? total : cap;
            batch = NULL;
            atomic_store(&w->pending, true);
        }
    } else if (w->calls == NULL) { /* reuse the batch's buffer */
        w->calls = batch;
        w->cap = cap;
        batch = NULL;
    }
    pthread_mutex_unlock(&w->lock);
    free(batch);
}
