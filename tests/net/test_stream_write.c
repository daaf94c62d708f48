/* test_stream_write.c - writing: straight to the kernel, through the queue, gathered, owned, and
 * what happens when the peer or the connection is gone. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "net_helpers.h"

TestSuite(stream_write, .timeout = 60);

#define BIG (4u * 1024u * 1024u) /* more than any loopback socket buffer takes at once */

Test(stream_write, small_write_reaches_the_peer)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    cr_assert_eq(eddy_transport_write(p.t, "hello", 5), 0);
    cr_assert_eq(eddy_transport_buffered(p.t), 0, "the kernel took it at once");
    char buf[5];
    cr_assert_eq(raw_read(p.r, p.client, buf, 5, NULL), 5);
    cr_assert(memcmp(buf, "hello", 5) == 0);
    tcp_pair_close(&p);
}

Test(stream_write, large_write_is_queued_and_arrives_in_order)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *out = malloc(BIG), *in = malloc(BIG);
    fill_pattern(out, BIG, 1);
    cr_assert_eq(eddy_transport_write(p.t, out, BIG), 0);
    cr_assert_gt(eddy_transport_buffered(p.t), 0, "the rest waits in the queue");
    memset(out, 0, BIG); /* the queue holds its own copy */
    cr_assert_eq(raw_read(p.r, p.client, in, BIG, NULL), BIG);
    fill_pattern(out, BIG, 1);
    cr_assert(memcmp(in, out, BIG) == 0);
    cr_assert_eq(eddy_transport_buffered(p.t), 0);
    free(out);
    free(in);
    tcp_pair_close(&p);
}

/* Fill the server side's socket buffer behind eddy's back: its next write is queued whole. */
static size_t fill_socket(eddy_transport *t)
{
    static char junk[65536];
    size_t filled = 0;
    for (ssize_t n;
         (n = send(eddy_transport_fileno(t), junk, sizeof junk, MSG_DONTWAIT | MSG_NOSIGNAL)) > 0;)
        filled += (size_t)n;
    return filled;
}

Test(stream_write, a_large_write_behind_a_full_socket_is_queued_in_pooled_chunks)
{
    /* A proxy behind a slow peer queues most of every read it forwards (up to 128 KiB): in the
     * steady state those copies must come from the reactor's pool, not from malloc. */
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    eddy__net *net = eddy__net_get(p.r);
    size_t len = 128u * 1024u, chunks = len / EDDY__CHUNK_SIZE;
    char *out = malloc(len);
    fill_pattern(out, len, 4);
    for (int round = 0; round < 2; round++) {
        size_t filled = fill_socket(p.t);
        cr_assert_eq(eddy_transport_write(p.t, out, len), 0);
        cr_assert_eq(eddy_transport_buffered(p.t), len, "queued whole");
        if (round == 1)
            cr_assert_eq(net->nfree_chunks, 0, "the second copy was taken from the pool");
        char *in = malloc(filled + len);
        cr_assert_eq(raw_read(p.r, p.client, in, filled + len, NULL), filled + len);
        cr_assert(memcmp(in + filled, out, len) == 0);
        free(in);
        cr_assert_eq(eddy_transport_buffered(p.t), 0);
        cr_assert_eq(net->nfree_chunks, chunks,
                     "round %d: the queue's memory went back to the pool (%u chunks there)", round,
                     net->nfree_chunks);
    }
    free(out);
    tcp_pair_close(&p);
}

Test(stream_write, many_small_writes_behind_a_full_socket_keep_their_order)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *big = malloc(BIG);
    fill_pattern(big, BIG, 2);
    cr_assert_eq(eddy_transport_write(p.t, big, BIG), 0);
    for (unsigned i = 0; i < 1000; i++) {
        char line[16];
        int n = snprintf(line, sizeof line, "%06u\n", i);
        cr_assert_eq(eddy_transport_write(p.t, line, (size_t)n), 0);
    }
    char *in = malloc(BIG + 7000);
    cr_assert_eq(raw_read(p.r, p.client, in, BIG + 7000, NULL), BIG + 7000);
    cr_assert(memcmp(in, big, BIG) == 0);
    for (unsigned i = 0; i < 1000; i++) {
        char line[16];
        snprintf(line, sizeof line, "%06u\n", i);
        cr_assert(memcmp(in + BIG + i * 7, line, 7) == 0, "line %u", i);
    }
    free(big);
    free(in);
    tcp_pair_close(&p);
}

Test(stream_write, write_sequence_sends_every_buffer_in_order)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    struct iovec iov[] = {{"ab", 2}, {"", 0}, {"cde", 3}, {"f", 1}};
    cr_assert_eq(eddy_transport_write_sequence(p.t, iov, 4), 0);
    char buf[6];
    cr_assert_eq(raw_read(p.r, p.client, buf, 6, NULL), 6);
    cr_assert(memcmp(buf, "abcdef", 6) == 0);
    tcp_pair_close(&p);
}

Test(stream_write, write_sequence_with_more_buffers_than_iov_max)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    int n = IOV_MAX * 3 + 7;
    struct iovec *iov = calloc((size_t)n, sizeof *iov);
    char *bytes = malloc((size_t)n);
    for (int i = 0; i < n; i++) {
        bytes[i] = (char)(i * 13);
        iov[i] = (struct iovec){bytes + i, 1};
    }
    cr_assert_eq(eddy_transport_write_sequence(p.t, iov, n), 0);
    char *in = malloc((size_t)n);
    cr_assert_eq(raw_read(p.r, p.client, in, (size_t)n, NULL), (size_t)n);
    cr_assert(memcmp(in, bytes, (size_t)n) == 0);
    free(iov);
    free(bytes);
    free(in);
    tcp_pair_close(&p);
}

Test(stream_write, write_sequence_behind_a_full_socket_is_queued)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *a = malloc(BIG), *in = malloc(BIG + 3);
    fill_pattern(a, BIG, 3);
    struct iovec iov[] = {{a, BIG}, {"xyz", 3}};
    cr_assert_eq(eddy_transport_write_sequence(p.t, iov, 2), 0);
    cr_assert_gt(eddy_transport_buffered(p.t), 0);
    cr_assert_eq(raw_read(p.r, p.client, in, BIG + 3, NULL), BIG + 3);
    cr_assert(memcmp(in, a, BIG) == 0 && memcmp(in + BIG, "xyz", 3) == 0);
    free(a);
    free(in);
    tcp_pair_close(&p);
}

static int frees;
static void *freed_ptr;
static void count_free(void *ptr)
{
    frees++;
    freed_ptr = ptr;
    free(ptr);
}

Test(stream_write, write_owned_written_at_once_is_freed_exactly_once)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *buf = malloc(4);
    memcpy(buf, "abcd", 4);
    cr_assert_eq(eddy_transport_write_owned(p.t, buf, 4, count_free), 0);
    cr_assert_eq(frees, 1);
    cr_assert_eq(freed_ptr, buf);
    char in[4];
    cr_assert_eq(raw_read(p.r, p.client, in, 4, NULL), 4);
    tcp_pair_close(&p);
    cr_assert_eq(frees, 1);
}

Test(stream_write, write_owned_queued_is_sent_without_copy_and_freed_once)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *buf = malloc(BIG), *in = malloc(BIG);
    fill_pattern(buf, BIG, 4);
    cr_assert_eq(eddy_transport_write_owned(p.t, buf, BIG, count_free), 0);
    cr_assert_eq(frees, 0, "the buffer is in use until written");
    size_t got = raw_read(p.r, p.client, in, BIG / 2, NULL);
    buf[BIG - 1] = 'Z'; /* not copied: a change to the unsent tail is what goes out */
    got += raw_read(p.r, p.client, in + got, BIG - got, NULL);
    cr_assert_eq(got, BIG);
    cr_assert_eq(in[BIG - 1], 'Z');
    for (int i = 0; i < 100 && frees == 0; i++)
        eddy_reactor_iterate(p.r, 0.01);
    cr_assert_eq(frees, 1);
    free(in);
    tcp_pair_close(&p);
    cr_assert_eq(frees, 1);
}

Test(stream_write, write_owned_still_queued_is_freed_once_when_the_connection_ends)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    char *buf = malloc(BIG);
    memset(buf, 'x', BIG);
    cr_assert_eq(eddy_transport_write_owned(p.t, buf, BIG, count_free), 0);
    cr_assert_eq(frees, 0);
    eddy_transport_abort_connection(p.t);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(frees, 1);
    tcp_pair_close(&p);
    cr_assert_eq(frees, 1);
}

Test(stream_write, write_owned_after_close_is_refused_and_freed)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    eddy_transport_lose_connection(p.t);
    char *buf = malloc(8);
    cr_assert_eq(eddy_transport_write_owned(p.t, buf, 8, count_free), -ENOTCONN);
    cr_assert_eq(frees, 1);
    tcp_pair_close(&p);
}

Test(stream_write, writes_after_lose_connection_are_enotconn)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    cr_assert_eq(eddy_transport_lose_connection(p.t), 0);
    cr_assert_eq(eddy_transport_write(p.t, "x", 1), -ENOTCONN);
    struct iovec iov = {"y", 1};
    cr_assert_eq(eddy_transport_write_sequence(p.t, &iov, 1), -ENOTCONN);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_code, EDDY_ECONNDONE);
    tcp_pair_close(&p);
}

static void write_in_lost(rec_protocol *p)
{
    p->user = (void *)(intptr_t)eddy_transport_write(p->transport, "x", 1);
}

Test(stream_write, writes_inside_connection_lost_are_enotconn)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    p.server->on_lost = write_in_lost;
    eddy_transport_abort_connection(p.t);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq((int)(intptr_t)p.server->user, -ENOTCONN);
    tcp_pair_close(&p);
}

static bool has_eof(void *p)
{
    return ((rec_protocol *)p)->eof;
}

Test(stream_write, writing_to_a_closed_peer_raises_no_sigpipe_and_loses_the_connection)
{
    /* SIGPIPE keeps its default action: the test process would die if the library raised it. */
    signal(SIGPIPE, SIG_DFL);
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    p.server->keep_open_on_eof = true;
    close(p.client); /* FIN: we are half-open; the peer's socket is gone */
    p.client = -1;
    test_iterate_until_fn(p.r, has_eof, p.server, 200);
    /* The first write reaches a closed socket, which answers with an RST; the next one is what
     * raises SIGPIPE without MSG_NOSIGNAL (EPIPE). */
    int rc = eddy_transport_write(p.t, "a", 1);
    for (int i = 0; i < 100 && rc == 0 && !p.server->lost; i++) {
        eddy_reactor_iterate(p.r, 0.01);
        if (!p.server->lost)
            rc = eddy_transport_write(p.t, "b", 1);
    }
    cr_assert_eq(rc, -EPIPE, "the write reports EPIPE (%s)", eddy_err_name(rc));
    test_iterate_until_fn(p.r, rec_lost, p.server, 200);
    cr_assert_eq(p.server->lost_code, -EPIPE);
    tcp_pair_close(&p);
}

Test(stream_write, writing_after_the_peer_reset_loses_the_connection)
{
    signal(SIGPIPE, SIG_DFL);
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    raw_reset(p.client);
    p.client = -1;
    char chunk[65536] = {0};
    for (int i = 0; i < 200 && !p.server->lost; i++) {
        eddy_transport_write(p.t, chunk, sizeof chunk);
        eddy_reactor_iterate(p.r, 0.01);
    }
    test_iterate_until_fn(p.r, rec_lost, p.server, 200);
    cr_assert(p.server->lost_code == -EPIPE || p.server->lost_code == -ECONNRESET, "lost with %s",
              eddy_err_name(p.server->lost_code));
    tcp_pair_close(&p);
}

/* ---- the syscall seam ----------------------------------------------------------------------- */

static int target_fd = -1;
static int send_calls;

static ssize_t send_one_byte_then_eagain(int fd, const void *buf, size_t len, int flags)
{
    if (fd != target_fd)
        return eddy_syscalls_default()->send(fd, buf, len, flags);
    if (send_calls++ % 2) {
        errno = EAGAIN;
        return -1;
    }
    return eddy_syscalls_default()->send(fd, buf, 1, flags);
}

static ssize_t sendmsg_one_byte(int fd, const struct msghdr *msg, int flags)
{
    if (fd != target_fd)
        return eddy_syscalls_default()->sendmsg(fd, msg, flags);
    return send_one_byte_then_eagain(fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len, flags);
}

Test(stream_write, short_writes_and_eagain_are_completed_later)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    target_fd = eddy_transport_fileno(p.t);
    eddy_syscalls table = *eddy_syscalls_default();
    table.send = send_one_byte_then_eagain;
    table.sendmsg = sendmsg_one_byte;
    eddy_syscalls_set(&table);
    cr_assert_eq(eddy_transport_write(p.t, "abc", 3), 0);
    cr_assert_eq(eddy_transport_buffered(p.t), 2);
    cr_assert_eq(eddy_transport_write(p.t, "def", 3), 0);
    char buf[6];
    cr_assert_eq(raw_read(p.r, p.client, buf, 6, NULL), 6);
    cr_assert(memcmp(buf, "abcdef", 6) == 0);
    eddy_syscalls_set(NULL);
    tcp_pair_close(&p);
}

static ssize_t send_eintr_once(int fd, const void *buf, size_t len, int flags)
{
    if (fd == target_fd && send_calls++ == 0) {
        errno = EINTR;
        return -1;
    }
    return eddy_syscalls_default()->send(fd, buf, len, flags);
}

Test(stream_write, eintr_is_retried)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    target_fd = eddy_transport_fileno(p.t);
    eddy_syscalls table = *eddy_syscalls_default();
    table.send = send_eintr_once;
    eddy_syscalls_set(&table);
    cr_assert_eq(eddy_transport_write(p.t, "abc", 3), 0);
    cr_assert_eq(send_calls, 2);
    cr_assert_eq(eddy_transport_buffered(p.t), 0);
    eddy_syscalls_set(NULL);
    tcp_pair_close(&p);
}

static ssize_t send_reset_after_first(int fd, const void *buf, size_t len, int flags)
{
    if (fd == target_fd && send_calls++ > 0) {
        errno = ECONNRESET;
        return -1;
    }
    return eddy_syscalls_default()->send(fd, buf, len < 10 ? len : 10, flags);
}

static ssize_t sendmsg_reset(int fd, const struct msghdr *msg, int flags)
{
    if (fd == target_fd) {
        errno = ECONNRESET;
        return -1;
    }
    return eddy_syscalls_default()->sendmsg(fd, msg, flags);
}

Test(stream_write, econnreset_mid_write_loses_the_connection_with_econnreset)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    target_fd = eddy_transport_fileno(p.t);
    eddy_syscalls table = *eddy_syscalls_default();
    table.send = send_reset_after_first;
    table.sendmsg = sendmsg_reset;
    eddy_syscalls_set(&table);
    char data[100] = {0};
    cr_assert_eq(eddy_transport_write(p.t, data, sizeof data), 0, "10 bytes out, 90 queued");
    cr_assert_eq(eddy_transport_buffered(p.t), 90);
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_code, -ECONNRESET);
    eddy_syscalls_set(NULL);
    tcp_pair_close(&p);
}

Test(stream_write, a_write_that_fails_at_once_reports_why_and_loses_the_connection_later)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    target_fd = eddy_transport_fileno(p.t);
    send_calls = 1; /* every send resets */
    eddy_syscalls table = *eddy_syscalls_default();
    table.send = send_reset_after_first;
    eddy_syscalls_set(&table);
    cr_assert_eq(eddy_transport_write(p.t, "x", 1), -ECONNRESET);
    cr_assert(!p.server->lost, "connection_lost comes from the loop, not inside write");
    test_iterate_until_fn(p.r, rec_lost, p.server, 100);
    cr_assert_eq(p.server->lost_code, -ECONNRESET);
    eddy_syscalls_set(NULL);
    tcp_pair_close(&p);
}
