/* eddy_test.c - see eddy_test.h. */
#include "eddy_test.h"

#include <errno.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

eddy_reactor *test_reactor_new(void)
{
    eddy_reactor *r = NULL;
    int rc = eddy_reactor_new(NULL, &r);
    cr_assert_eq(rc, 0, "eddy_reactor_new: %s", eddy_strerror(rc));
    return r;
}

eddy_reactor *test_reactor_new_fake(eddy_fake_clock **fc)
{
    *fc = eddy_fake_clock_new();
    cr_assert_not_null(*fc);
    eddy_reactor_options opts = {.clock = eddy_fake_clock_as_clock(*fc)};
    eddy_reactor *r = NULL;
    int rc = eddy_reactor_new(&opts, &r);
    cr_assert_eq(rc, 0, "eddy_reactor_new: %s", eddy_strerror(rc));
    return r;
}

void test_iterate_until(eddy_reactor *r, const bool *flag, int max_iterations)
{
    for (int i = 0; i < max_iterations && !*flag; i++) {
        int rc = eddy_reactor_iterate(r, 0.05);
        cr_assert_eq(rc, 0, "iterate: %s", eddy_strerror(rc));
    }
    cr_assert(*flag, "condition not reached after %d iterations", max_iterations);
}

void test_iterate_until_fn(eddy_reactor *r, bool (*predicate)(void *), void *arg,
                           int max_iterations)
{
    for (int i = 0; i < max_iterations && !predicate(arg); i++) {
        int rc = eddy_reactor_iterate(r, 0.05);
        cr_assert_eq(rc, 0, "iterate: %s", eddy_strerror(rc));
    }
    cr_assert(predicate(arg), "condition not reached after %d iterations", max_iterations);
}

void test_socketpair(int fds[2])
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
}

void test_pipe(int fds[2])
{
    cr_assert_eq(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
}

const char *test_backend(void)
{
    const char *b = getenv("EDDY_REACTOR");
    return b && *b ? b : "default";
}

void test_reactor_free_fake(eddy_reactor *r, eddy_fake_clock *fc)
{
    eddy_reactor_free(r);
    eddy_fake_clock_free(fc);
}

void test_iterate_n(eddy_reactor *r, int n)
{
    for (int i = 0; i < n; i++) {
        int rc = eddy_reactor_iterate(r, 0);
        cr_assert_eq(rc, 0, "iterate: %s", eddy_strerror(rc));
    }
}

void test_write_byte(int fd)
{
    cr_assert_eq(write(fd, "x", 1), 1, "write to fd %d failed", fd);
}

static int desc_do_read(eddy_descriptor *d)
{
    test_desc *t = (test_desc *)d;
    t->reads++;
    if (t->drain && d->fd >= 0) {
        char buf[4096];
        while (read(d->fd, buf, sizeof buf) > 0)
            ;
    }
    if (t->on_read)
        t->on_read(t);
    return t->read_result;
}

static int desc_do_write(eddy_descriptor *d)
{
    test_desc *t = (test_desc *)d;
    t->writes++;
    if (t->on_write)
        t->on_write(t);
    return t->write_result;
}

static void desc_connection_lost(eddy_descriptor *d, const eddy_failure *reason)
{
    test_desc *t = (test_desc *)d;
    t->lost++;
    t->lost_code = reason ? eddy_failure_code(reason) : 0;
}

static const char *desc_log_prefix(const eddy_descriptor *d)
{
    (void)d;
    return "test_desc";
}

static const eddy_descriptor_ops desc_ops = {
    .do_read = desc_do_read,
    .do_write = desc_do_write,
    .connection_lost = desc_connection_lost,
    .log_prefix = desc_log_prefix,
};

void test_desc_init(test_desc *t, eddy_reactor *r, int fd)
{
    memset(t, 0, sizeof *t);
    t->base = (eddy_descriptor){.ops = &desc_ops, .fd = fd};
    t->r = r;
    t->drain = true;
}

static size_t count_list(eddy_reactor *r, bool writers, const eddy_descriptor *find, bool *found)
{
    eddy_descriptor **list = NULL;
    size_t n = 0;
    int rc =
        writers ? eddy_reactor_get_writers(r, &list, &n) : eddy_reactor_get_readers(r, &list, &n);
    cr_assert_eq(rc, 0, "get_readers/get_writers: %s", eddy_strerror(rc));
    for (size_t i = 0; i < n && found; i++)
        if (list[i] == find)
            *found = true;
    free(list);
    return n;
}

size_t test_count_readers(eddy_reactor *r)
{
    return count_list(r, false, NULL, NULL);
}

size_t test_count_writers(eddy_reactor *r)
{
    return count_list(r, true, NULL, NULL);
}

bool test_is_reader(eddy_reactor *r, const eddy_descriptor *d)
{
    bool found = false;
    count_list(r, false, d, &found);
    return found;
}

bool test_is_writer(eddy_reactor *r, const eddy_descriptor *d)
{
    bool found = false;
    count_list(r, true, d, &found);
    return found;
}

void test_close_pair(int sv[2])
{
    close(sv[0]);
    close(sv[1]);
}

bool test_desc_has_read(void *arg)
{
    return ((test_desc *)arg)->reads > 0;
}

bool test_desc_has_written(void *arg)
{
    return ((test_desc *)arg)->writes > 0;
}

bool test_desc_is_lost(void *arg)
{
    return ((test_desc *)arg)->lost > 0;
}

/* A read hook that behaves like a transport: 0 at EOF means a clean close, errors disconnect. */
void test_desc_read_like_a_transport(test_desc *t)
{
    char buf[256];
    ssize_t n = read(t->base.fd, buf, sizeof buf);
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
        t->read_result = 0;
    else
        t->read_result = n == 0 ? EDDY_ECONNDONE : -errno;
}

/* mkstemp/mkdtemp want a name ending in six 'X': build it rather than spell it. */
static void temp_template(char *path, size_t size, const char *stem)
{
    const char *base = getenv("TMPDIR");
    int n = snprintf(path, size, "%s/%s-", base && *base ? base : "/tmp", stem);
    cr_assert(n > 0 && (size_t)n + 7 <= size, "temporary path too long");
    memset(path + n, 'X', 6);
    path[n + 6] = '\0';
}

int test_mkstemp(char *path, size_t size, const char *stem)
{
    temp_template(path, size, stem);
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0, "mkstemp %s", path);
    return fd;
}

char *test_mkdtemp(char *path, size_t size, const char *stem)
{
    temp_template(path, size, stem);
    cr_assert_not_null(mkdtemp(path), "mkdtemp %s", path);
    return path;
}
