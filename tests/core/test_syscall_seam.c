/* The syscall seam: injected EINTR, EAGAIN, short reads and backend failures. */
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <unistd.h>

#include "eddy_test.h"

TestSuite(syscall_seam, .timeout = 10);

/* Failures to inject: the next `count` calls of the wrapped function fail with `error`. */
static int poll_failures, poll_errno;

static bool inject_poll_failure(void)
{
    if (poll_failures <= 0)
        return false;
    poll_failures--;
    errno = poll_errno;
    return true;
}

static int failing_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    return inject_poll_failure() ? -1 : eddy_syscalls_default()->poll(fds, n, timeout_ms);
}

static int failing_select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    return inject_poll_failure() ? -1 : eddy_syscalls_default()->select(n, rd, wr, ex, tv);
}

#ifdef __linux__
static int failing_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
    return inject_poll_failure() ? -1
                                 : eddy_syscalls_default()->epoll_wait(epfd, ev, max, timeout_ms);
}
#endif

static void fail_polls(int count, int error)
{
    poll_failures = count;
    poll_errno = error;
    eddy_syscalls table = *eddy_syscalls_default();
    table.poll = failing_poll;
    table.select = failing_select;
#ifdef __linux__
    table.epoll_wait = failing_epoll_wait;
#endif
    eddy_syscalls_set(&table);
}

static bool has_read(void *arg)
{
    return ((test_desc *)arg)->reads > 0;
}

static void set_flag(void *arg)
{
    *(bool *)arg = true;
}

static void stop_reactor(void *arg)
{
    cr_assert_eq(eddy_reactor_stop(arg), 0);
}

/* ---- the poll call -------------------------------------------------------------------------- */

Test(syscall_seam, eintr_from_the_poll_call_is_not_an_error)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    eddy_reactor_add_reader(r, &d.base);
    test_write_byte(sv[1]);
    fail_polls(1, EINTR);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    cr_assert_eq(poll_failures, 0, "the poll call did not go through the seam");
    test_iterate_until_fn(r, has_read, &d, 20);
    eddy_syscalls_set(NULL);
    eddy_reactor_free(r);
    close(sv[0]);
    close(sv[1]);
}

Test(syscall_seam, run_carries_on_after_eintr)
{
    eddy_reactor *r = test_reactor_new();
    bool fired = false;
    fail_polls(3, EINTR);
    eddy_call_later(r, 0.01, set_flag, &fired);
    eddy_call_later(r, 0.02, stop_reactor, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert(fired);
    cr_assert_eq(poll_failures, 0);
    eddy_syscalls_set(NULL);
    eddy_reactor_free(r);
}

Test(syscall_seam, other_poll_errors_are_returned_by_iterate)
{
    eddy_reactor *r = test_reactor_new();
    fail_polls(1, ENOMEM);
    cr_assert_eq(eddy_reactor_iterate(r, 0), -ENOMEM);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0, "the next iteration works again");
    eddy_syscalls_set(NULL);
    eddy_reactor_free(r);
}

Test(syscall_seam, run_gives_up_on_a_poll_that_keeps_failing_and_returns_its_error)
{
    eddy_reactor *r = test_reactor_new();
    fail_polls(1000, ENOMEM); /* not EBADF: select looks for the bad descriptor itself */
    cr_assert_eq(eddy_reactor_run(r), -ENOMEM, "a program must learn that its loop died");
    cr_assert_gt(poll_failures, 0, "it gave up instead of spinning through them all");
    eddy_syscalls_set(NULL);
    eddy_reactor_free(r);
}

/* ---- reads in handlers ---------------------------------------------------------------------- */

/* read() that returns EAGAIN `eagain_first` times, then at most `max_chunk` bytes per call. */
static int eagain_first;
static size_t max_chunk = (size_t)-1;

static ssize_t stingy_read(int fd, void *buf, size_t len)
{
    if (eagain_first > 0) {
        eagain_first--;
        errno = EAGAIN;
        return -1;
    }
    return eddy_syscalls_default()->read(fd, buf, len < max_chunk ? len : max_chunk);
}

/* A reader that reads through the seam, like eddy's transports, and keeps what it got. */
struct collector {
    test_desc d;
    char got[64];
    size_t n;
    int eagains;
};

static void collect(test_desc *t)
{
    struct collector *c = (struct collector *)t;
    ssize_t n = eddy_syscalls_get()->read(t->base.fd, c->got + c->n, sizeof c->got - c->n);
    if (n > 0)
        c->n += (size_t)n;
    else if (n < 0 && errno == EAGAIN)
        c->eagains++;
    else
        t->read_result = n == 0 ? EDDY_ECONNDONE : -errno;
}

static bool collected_all(void *arg)
{
    return ((struct collector *)arg)->n >= 5;
}

static struct collector *new_collector(eddy_reactor *r, int fd)
{
    static struct collector c;
    memset(&c, 0, sizeof c);
    test_desc_init(&c.d, r, fd);
    c.d.drain = false;
    c.d.on_read = collect;
    return &c;
}

static void use_stingy_read(int eagains, size_t chunk)
{
    eagain_first = eagains;
    max_chunk = chunk;
    eddy_syscalls table = *eddy_syscalls_default();
    table.read = stingy_read;
    eddy_syscalls_set(&table);
}

Test(syscall_seam, short_reads_are_completed_by_later_read_events)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    struct collector *c = new_collector(r, sv[0]);
    eddy_reactor_add_reader(r, &c->d.base);
    use_stingy_read(0, 1);
    cr_assert_eq(write(sv[1], "hello", 5), 5);
    test_iterate_until_fn(r, collected_all, c, 50);
    cr_assert_eq(c->n, 5);
    cr_assert_eq(memcmp(c->got, "hello", 5), 0);
    cr_assert_geq(c->d.reads, 5, "one byte per call needs five calls");
    cr_assert_eq(c->d.lost, 0);
    eddy_syscalls_set(NULL);
    eddy_reactor_free(r);
    close(sv[0]);
    close(sv[1]);
}

Test(syscall_seam, spurious_eagain_in_a_reader_loses_nothing)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    struct collector *c = new_collector(r, sv[0]);
    eddy_reactor_add_reader(r, &c->d.base);
    test_iterate_n(r, 1); /* the waker's first read happens before the injection */
    cr_assert_eq(write(sv[1], "hello", 5), 5);
    use_stingy_read(2, (size_t)-1);
    test_iterate_until_fn(r, collected_all, c, 50);
    cr_assert_geq(c->eagains, 1, "the injected EAGAIN never reached the reader");
    cr_assert_eq(memcmp(c->got, "hello", 5), 0);
    cr_assert_eq(c->d.lost, 0);
    eddy_syscalls_set(NULL);
    eddy_reactor_free(r);
    close(sv[0]);
    close(sv[1]);
}

/* ---- the waker's own read ------------------------------------------------------------------- */

static int read_eintrs;

static ssize_t interrupted_read(int fd, void *buf, size_t len)
{
    if (read_eintrs > 0) {
        read_eintrs--;
        errno = EINTR;
        return -1;
    }
    return eddy_syscalls_default()->read(fd, buf, len);
}

static sem_t polling;

static int announcing_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    sem_post(&polling);
    return eddy_syscalls_default()->poll(fds, n, timeout_ms);
}

static int announcing_select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    sem_post(&polling);
    return eddy_syscalls_default()->select(n, rd, wr, ex, tv);
}

#ifdef __linux__
static int announcing_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
    sem_post(&polling);
    return eddy_syscalls_default()->epoll_wait(epfd, ev, max, timeout_ms);
}
#endif

struct poster {
    eddy_reactor *r;
    bool *flag;
};

static void *post_when_polling(void *arg)
{
    struct poster *p = arg;
    while (sem_wait(&polling) != 0)
        ;
    eddy_call_from_thread(p->r, set_flag, p->flag);
    return NULL;
}

Test(syscall_seam, interrupted_reads_of_the_waker_do_not_break_cross_thread_wakeups)
{
    cr_assert_eq(sem_init(&polling, 0, 0), 0);
    eddy_syscalls table = *eddy_syscalls_default();
    table.read = interrupted_read;
    eddy_syscalls_set(&table);
    eddy_reactor *r = test_reactor_new();
    bool first = false, second = false;
    read_eintrs = 3;
    cr_assert_eq(eddy_call_from_thread(r, set_flag, &first), 0);
    test_iterate_until(r, &first, 20);
    for (int i = 0; i < 5 && read_eintrs > 0; i++)
        test_iterate_n(r, 1);
    cr_assert_eq(read_eintrs, 0, "the waker's reads did not go through the seam");
    test_iterate_n(r, 2); /* let the waker drain */
    /* Now a wakeup from another thread while the reactor blocks. */
    table.poll = announcing_poll;
    table.select = announcing_select;
#ifdef __linux__
    table.epoll_wait = announcing_epoll_wait;
#endif
    eddy_syscalls_set(&table);
    struct poster p = {.r = r, .flag = &second};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, post_when_polling, &p), 0);
    cr_assert_eq(eddy_reactor_iterate(r, 60), 0); /* a broken waker blocks past the timeout */
    pthread_join(t, NULL);
    test_iterate_until(r, &second, 5);
    eddy_reactor_free(r);
    eddy_syscalls_set(NULL);
    sem_destroy(&polling);
}

/* ---- the backend refusing a descriptor ------------------------------------------------------ */

#ifdef __linux__
static int refused_fd = -1;

static int refusing_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    if (fd == refused_fd && op == EPOLL_CTL_ADD) {
        errno = ENOMEM;
        return -1;
    }
    return eddy_syscalls_default()->epoll_ctl(epfd, op, fd, ev);
}

static bool is_lost(void *arg)
{
    return ((test_desc *)arg)->lost > 0;
}

Test(syscall_seam, epoll_refusing_a_descriptor_ends_in_connection_lost_with_its_error)
{
    eddy_reactor *r = test_reactor_new();
    if (strcmp(eddy_reactor_backend_name(r), "epoll") != 0) {
        eddy_reactor_free(r);
        cr_skip_test("epoll only");
    }
    int sv[2];
    test_socketpair(sv);
    refused_fd = sv[0];
    eddy_syscalls table = *eddy_syscalls_default();
    table.epoll_ctl = refusing_epoll_ctl;
    eddy_syscalls_set(&table);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    test_iterate_until_fn(r, is_lost, &d, 5);
    cr_assert_eq(d.lost, 1);
    cr_assert_eq(d.lost_code, -ENOMEM);
    cr_assert_not(test_is_reader(r, &d.base));
    test_write_byte(sv[1]);
    test_iterate_n(r, 2);
    cr_assert_eq(d.reads, 0);
    eddy_syscalls_set(NULL);
    eddy_reactor_free(r);
    close(sv[0]);
    close(sv[1]);
}

static int refusing_every_epoll_add(int epfd, int op, int fd, struct epoll_event *ev)
{
    if (op == EPOLL_CTL_ADD) {
        errno = ENOSPC;
        return -1;
    }
    return eddy_syscalls_default()->epoll_ctl(epfd, op, fd, ev);
}

static void count_reactor_errors(const eddy_log_event *event, void *arg)
{
    if (event->level >= EDDY_LOG_ERROR && strcmp(event->ns, "eddy.reactor") == 0)
        ++*(int *)arg;
}

Test(syscall_seam, epoll_refusing_the_wakeup_descriptor_is_logged_as_an_error)
{
    /* Without its wakeup descriptor the reactor no longer wakes for thread calls or signals; the
     * only sign of it is this log line, which used to be skipped. */
    eddy_reactor *r = test_reactor_new();
    if (strcmp(eddy_reactor_backend_name(r), "epoll") != 0) {
        eddy_reactor_free(r);
        cr_skip_test("epoll only");
    }
    int errors = 0;
    eddy_log_observer_id id;
    cr_assert_eq(eddy_log_add_observer(count_reactor_errors, &errors, EDDY_LOG_ERROR, &id), 0);
    eddy_syscalls table = *eddy_syscalls_default();
    table.epoll_ctl = refusing_every_epoll_add;
    eddy_syscalls_set(&table);
    cr_assert_eq(eddy_reactor_iterate(r, 0), 0); /* hands the queued wakeup reader to epoll */
    eddy_syscalls_set(NULL);
    eddy_log_remove_observer(id);
    cr_assert_eq(errors, 1, "%d errors logged", errors);
    eddy_reactor_free(r);
}
#endif

/* ---- the table itself ----------------------------------------------------------------------- */

static ssize_t never_called_read(int fd, void *buf, size_t len)
{
    (void)fd, (void)buf, (void)len;
    errno = EIO;
    return -1;
}

Test(syscall_seam, table_is_copied_on_set_and_null_restores_the_defaults)
{
    eddy_syscalls table = *eddy_syscalls_default();
    table.read = stingy_read;
    eddy_syscalls_set(&table);
    table.read = never_called_read; /* changing our copy afterwards changes nothing */
    cr_assert(eddy_syscalls_get()->read == stingy_read);
    eddy_syscalls_set(NULL);
    cr_assert(eddy_syscalls_get()->read == eddy_syscalls_default()->read);
    cr_assert(eddy_syscalls_get()->poll == eddy_syscalls_default()->poll);
}
