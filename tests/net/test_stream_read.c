/* test_stream_read.c - reading: order, the per-wakeup budget that keeps one busy connection from
 * starving the others, the read saved after a short read, EINTR and read errors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_helpers.h"

TestSuite(stream_read, .timeout = 60);

#define BIG (4u * 1024u * 1024u)

Test(stream_read, bytes_arrive_complete_and_in_order)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *out = malloc(BIG);
    fill_pattern(out, BIG, 7);
    raw_write(p.r, p.client, out, BIG);
    p.server->want = BIG;
    test_iterate_until_fn(p.r, rec_has_bytes, p.server, 2000);
    cr_assert_eq(p.server->len, BIG);
    cr_assert(memcmp(p.server->data, out, BIG) == 0);
    free(out);
    tcp_pair_close(&p);
}

static int target_fd = -1;
static int recv_calls;

static ssize_t counting_recv(int fd, void *buf, size_t len, int flags)
{
    if (fd == target_fd)
        recv_calls++;
    return eddy_syscalls_default()->recv(fd, buf, len, flags);
}

Test(stream_read, a_short_read_is_not_followed_by_a_read_that_would_block)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    target_fd = eddy_transport_fileno(p.t);
    eddy_syscalls table = *eddy_syscalls_default();
    table.recv = counting_recv;
    eddy_syscalls_set(&table);
    raw_write(p.r, p.client, "ping", 4);
    p.server->want = 4;
    test_iterate_until_fn(p.r, rec_has_bytes, p.server, 100);
    cr_assert_eq(recv_calls, 1, "one read for one short message");
    eddy_syscalls_set(NULL);
    tcp_pair_close(&p);
}

static ssize_t endless_recv(int fd, void *buf, size_t len, int flags)
{
    if (fd != target_fd)
        return eddy_syscalls_default()->recv(fd, buf, len, flags);
    recv_calls++;
    memset(buf, 'z', len); /* a peer that is always ahead: every read fills the buffer */
    return (ssize_t)len;
}

static void count_only(rec_protocol *p, const void *data, size_t len)
{
    p->len = 0; /* do not keep megabytes of 'z' */
}

Test(stream_read, a_busy_connection_yields_after_its_read_budget)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    p.server->on_data = count_only;
    int other = raw_connect("127.0.0.1", port_number(p.port));
    for (int i = 0; i < 200 && p.factory.nbuilt < 2; i++)
        eddy_reactor_iterate(p.r, 0.01);
    rec_protocol *quiet = p.factory.built[1];
    cr_assert_not_null(quiet);
    cr_assert_eq(send(other, "ping", 4, 0), 4);
    cr_assert_eq(send(p.client, "!", 1, 0), 1);
    target_fd = eddy_transport_fileno(p.t);
    eddy_syscalls table = *eddy_syscalls_default();
    table.recv = endless_recv;
    eddy_syscalls_set(&table);
    /* Both are ready before this iteration: one iteration serves both, the endless one a few
     * reads' worth only (without a budget it would never return). */
    cr_assert_eq(eddy_reactor_iterate(p.r, 0.05), 0);
    cr_assert_eq(quiet->len, 4, "the other connection was served in the same iteration");
    cr_assert_gt(p.server->data_calls, 0);
    cr_assert_leq(p.server->data_calls, 8, "%d reads in one iteration", p.server->data_calls);
    eddy_syscalls_set(NULL);
    close(other);
    test_iterate_until_fn(p.r, rec_lost, quiet, 200);
    tcp_pair_close(&p);
}

static ssize_t eintr_then_recv(int fd, void *buf, size_t len, int flags)
{
    if (fd == target_fd && recv_calls++ == 0) {
        errno = EINTR;
        return -1;
    }
    return eddy_syscalls_default()->recv(fd, buf, len, flags);
}

Test(stream_read, eintr_is_retried)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    target_fd = eddy_transport_fileno(p.t);
    eddy_syscalls table = *eddy_syscalls_default();
    table.recv = eintr_then_recv;
    eddy_syscalls_set(&table);
    raw_write(p.r, p.client, "abc", 3);
    p.server->want = 3;
    test_iterate_until_fn(p.r, rec_has_bytes, p.server, 100);
    cr_assert(!p.server->lost);
    eddy_syscalls_set(NULL);
    tcp_pair_close(&p);
}

static ssize_t eio_recv(int fd, void *buf, size_t len, int flags)
{
    if (fd == target_fd) {
        errno = EIO;
        return -1;
    }
    return eddy_syscalls_default()->recv(fd, buf, len, flags);
}

Test(stream_read, a_read_error_loses_the_connection_with_that_error)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    target_fd = eddy_transport_fileno(p.t);
    eddy_syscalls table = *eddy_syscalls_default();
    table.recv = eio_recv;
    eddy_syscalls_set(&table);
    raw_write(p.r, p.client, "x", 1);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_code, -EIO);
    eddy_syscalls_set(NULL);
    tcp_pair_close(&p);
}

static void record_pointer(rec_protocol *p, const void *data, size_t len)
{
    if (!p->user)
        p->user = (void *)data;
}

Test(stream_read, connections_of_one_reactor_share_one_read_buffer)
{
    /* The memory promise behind "data is borrowed for the call": no per-connection buffer. */
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    p.server->on_data = record_pointer;
    int other = raw_connect("127.0.0.1", port_number(p.port));
    for (int i = 0; i < 200 && p.factory.nbuilt < 2; i++)
        eddy_reactor_iterate(p.r, 0.01);
    rec_protocol *second = p.factory.built[1];
    second->on_data = record_pointer;
    raw_write(p.r, p.client, "a", 1);
    raw_write(p.r, other, "b", 1);
    p.server->want = second->want = 1;
    test_iterate_until_fn(p.r, rec_has_bytes, p.server, 100);
    test_iterate_until_fn(p.r, rec_has_bytes, second, 100);
    cr_assert_eq(p.server->user, second->user);
    close(other);
    test_iterate_until_fn(p.r, rec_lost, second, 200);
    tcp_pair_close(&p);
}
