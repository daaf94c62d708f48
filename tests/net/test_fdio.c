/* test_fdio.c - transports over pipes, files and standard I/O. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net_helpers.h"

TestSuite(fdio, .timeout = 30);

static bool has_eof(void *p)
{
    return ((rec_protocol *)p)->eof;
}

/* Two pipes: the transport reads `in` and writes `out`; the test holds the other ends. */
typedef struct pipes {
    int to_eddy[2], from_eddy[2];
} pipes;

static void pipes_open(pipes *p)
{
    test_pipe(p->to_eddy);
    test_pipe(p->from_eddy);
}

Test(fdio, a_pair_of_pipes_carries_both_directions)
{
    eddy_reactor *r = test_reactor_new();
    pipes p;
    pipes_open(&p);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, p.to_eddy[0], p.from_eddy[1], &proto->base, &t), 0);
    cr_assert(proto->made);
    cr_assert_eq(proto->transport, t);
    eddy_address peer;
    cr_assert_eq(eddy_transport_get_peer(t, &peer), 0);
    cr_assert_eq(peer.kind, EDDY_ADDRESS_PIPE);
    cr_assert_eq(write(p.to_eddy[1], "in", 2), 2);
    proto->want = 2;
    test_iterate_until_fn(r, rec_has_bytes, proto, 200);
    cr_assert_eq(eddy_transport_write(t, "out", 3), 0);
    char buf[3];
    cr_assert_eq(read(p.from_eddy[0], buf, 3), 3);
    cr_assert(memcmp(buf, "out", 3) == 0);
    eddy_transport_lose_connection(t);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_eq(proto->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(read(p.from_eddy[0], buf, 3), 0, "the write end was closed");
    close(p.to_eddy[1]);
    close(p.from_eddy[0]);
    eddy_reactor_free(r);
    rec_free(proto);
}

Test(fdio, eof_on_the_read_pipe_is_eof_received)
{
    eddy_reactor *r = test_reactor_new();
    pipes p;
    pipes_open(&p);
    rec_protocol *proto = rec_new();
    proto->keep_open_on_eof = true;
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, p.to_eddy[0], p.from_eddy[1], &proto->base, &t), 0);
    close(p.to_eddy[1]);
    test_iterate_until_fn(r, has_eof, proto, 200);
    cr_assert(!proto->lost, "half-open: writing still works");
    cr_assert_eq(eddy_transport_write(t, "x", 1), 0);
    char c;
    cr_assert_eq(read(p.from_eddy[0], &c, 1), 1);
    eddy_transport_lose_connection(t);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_str_eq(proto->events, "mel");
    close(p.from_eddy[0]);
    eddy_reactor_free(r);
    rec_free(proto);
}

Test(fdio, a_write_pipe_without_reader_loses_the_connection_with_epipe)
{
    signal(SIGPIPE, SIG_IGN); /* pipes raise SIGPIPE; the library leaves signals alone */
    eddy_reactor *r = test_reactor_new();
    pipes p;
    pipes_open(&p);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, p.to_eddy[0], p.from_eddy[1], &proto->base, &t), 0);
    close(p.from_eddy[0]);
    cr_assert_eq(eddy_transport_write(t, "x", 1), -EPIPE);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_eq(proto->lost_code, -EPIPE);
    close(p.to_eddy[1]);
    eddy_reactor_free(r);
    rec_free(proto);
}

static bool write_lost(void *p)
{
    return ((rec_protocol *)p)->write_lost;
}

Test(fdio, lose_write_connection_closes_the_write_pipe_and_keeps_reading)
{
    eddy_reactor *r = test_reactor_new();
    pipes p;
    pipes_open(&p);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, p.to_eddy[0], p.from_eddy[1], &proto->base, &t), 0);
    eddy_transport_write(t, "last", 4);
    cr_assert_eq(eddy_transport_lose_write_connection(t), 0);
    test_iterate_until_fn(r, write_lost, proto, 200);
    char buf[8];
    cr_assert_eq(read(p.from_eddy[0], buf, sizeof buf), 4);
    cr_assert_eq(read(p.from_eddy[0], buf, sizeof buf), 0, "EOF for the reader");
    cr_assert_eq(write(p.to_eddy[1], "more", 4), 4);
    proto->want = 4;
    test_iterate_until_fn(r, rec_has_bytes, proto, 200);
    close(p.to_eddy[1]);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_eq(proto->lost_code, EDDY_ECONNDONE);
    cr_assert_str_eq(proto->events, "mwdel");
    close(p.from_eddy[0]);
    eddy_reactor_free(r);
    rec_free(proto);
}

Test(fdio, read_only_and_write_only_transports)
{
    eddy_reactor *r = test_reactor_new();
    int a[2], b[2];
    test_pipe(a);
    test_pipe(b);
    rec_protocol *reader = rec_new(), *writer = rec_new();
    eddy_transport *rt, *wt;
    cr_assert_eq(eddy_fdio_connect(r, a[0], -1, &reader->base, &rt), 0);
    cr_assert_eq(eddy_fdio_connect(r, -1, b[1], &writer->base, &wt), 0);
    cr_assert_eq(eddy_transport_write(rt, "x", 1), -ENOTCONN, "no write side");
    cr_assert_eq(eddy_transport_write(wt, "y", 1), 0);
    char c;
    cr_assert_eq(read(b[0], &c, 1), 1);
    cr_assert_eq(write(a[1], "z", 1), 1);
    reader->want = 1;
    test_iterate_until_fn(r, rec_has_bytes, reader, 200);
    close(a[1]);
    test_iterate_until_fn(r, rec_lost, reader, 200);
    cr_assert_str_eq(reader->events, "mdel", "EOF with no write side ends it");
    cr_assert_eq(reader->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(eddy_transport_lose_write_connection(wt), 0, "closing the only side");
    test_iterate_until_fn(r, rec_lost, writer, 200);
    cr_assert_str_eq(writer->events, "mwl");
    cr_assert_eq(writer->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(read(b[0], &c, 1), 0, "the reader sees EOF");
    close(b[0]);
    eddy_reactor_free(r);
    rec_free(reader);
    rec_free(writer);
}

Test(fdio, both_descriptors_missing_is_einval)
{
    eddy_reactor *r = test_reactor_new();
    rec_protocol *proto = rec_new();
    cr_assert_eq(eddy_fdio_connect(r, -1, -1, &proto->base, NULL), -EINVAL);
    cr_assert(!proto->made);
    eddy_reactor_free(r);
    rec_free(proto);
}

Test(fdio, a_regular_file_is_read_to_its_end)
{
    char path[256];
    int fd = test_mkstemp(path, sizeof path, "eddy-fdio");
    unlink(path);
    char *content = malloc(300000);
    fill_pattern(content, 300000, 11);
    cr_assert_eq(write(fd, content, 300000), 300000);
    lseek(fd, 0, SEEK_SET);
    eddy_reactor *r = test_reactor_new();
    rec_protocol *proto = rec_new();
    cr_assert_eq(eddy_fdio_connect(r, fd, -1, &proto->base, NULL), 0);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_eq(proto->len, 300000);
    cr_assert(memcmp(proto->data, content, 300000) == 0);
    cr_assert_str_eq(proto->events, "mdel");
    eddy_reactor_free(r);
    rec_free(proto);
    free(content);
}

Test(fdio, the_blocking_mode_it_changed_is_restored_on_close)
{
    eddy_reactor *r = test_reactor_new();
    int a[2];
    cr_assert_eq(pipe(a), 0); /* blocking */
    int keep = dup(a[0]);     /* shares the open file, as stdin shares a terminal */
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, a[0], -1, &proto->base, &t), 0);
    cr_assert(fcntl(keep, F_GETFL) & O_NONBLOCK);
    eddy_transport_lose_connection(t);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert(!(fcntl(keep, F_GETFL) & O_NONBLOCK));
    close(keep);
    close(a[1]);
    eddy_reactor_free(r);
    rec_free(proto);
}

Test(fdio, stdio_uses_duplicates_of_stdin_and_stdout)
{
    int in[2], out[2];
    test_pipe(in);
    test_pipe(out);
    int saved_in = dup(0), saved_out = dup(1);
    dup2(in[0], 0);
    dup2(out[1], 1);
    eddy_reactor *r = test_reactor_new();
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_stdio_connect(r, &proto->base, &t), 0);
    cr_assert_neq(eddy_transport_fileno(t), 0);
    cr_assert_eq(write(in[1], "question", 8), 8);
    proto->want = 8;
    test_iterate_until_fn(r, rec_has_bytes, proto, 200);
    cr_assert_eq(eddy_transport_write(t, "answer", 6), 0);
    eddy_transport_lose_connection(t);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_eq(fcntl(0, F_GETFD), 0, "the process's stdin is still open");
    cr_assert_eq(fcntl(1, F_GETFD), 0, "and its stdout");
    dup2(saved_in, 0);
    dup2(saved_out, 1);
    close(saved_in);
    close(saved_out);
    char buf[6];
    cr_assert_eq(read(out[0], buf, 6), 6);
    cr_assert(memcmp(buf, "answer", 6) == 0);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    eddy_reactor_free(r);
    rec_free(proto);
}

static void stop_reactor(void *arg)
{
    eddy_reactor_stop(arg);
}

Test(fdio, reactor_stop_with_both_pipes_watched_loses_the_connection_once)
{
    /* Reading one pipe and waiting to write the other: the reactor's shutdown tells both of the
     * transport's descriptors; the transport ends once, and is not touched after it is freed. */
    eddy_reactor *r = test_reactor_new();
    pipes p;
    pipes_open(&p);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, p.to_eddy[0], p.from_eddy[1], &proto->base, &t), 0);
    static char big[1 << 20];
    cr_assert_eq(eddy_transport_write(t, big, sizeof big), 0);
    cr_assert_gt(eddy_transport_buffered(t), 0, "the pipe is full: the writer is watched");
    eddy_call_later(r, 0, stop_reactor, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert(proto->lost);
    cr_assert_eq(proto->lost_calls, 1);
    cr_assert_eq(proto->lost_code, EDDY_ECONNLOST);
    close(p.to_eddy[1]);
    close(p.from_eddy[0]);
    eddy_reactor_free(r);
    rec_free(proto);
}

/* The socket an inetd or systemd (Accept=yes) service gets as both stdin and stdout: one socket
 * under two numbers. */
static void one_socket_twice(int sv[2], int *in, int *out)
{
    test_socketpair(sv);
    *in = sv[0];
    *out = fcntl(sv[0], F_DUPFD_CLOEXEC, 0);
    cr_assert_geq(*out, 0);
}

Test(fdio, one_socket_as_both_sides_writes_to_a_closed_peer_without_sigpipe)
{
    signal(SIGPIPE, SIG_DFL); /* a SIGPIPE kills the test */
    eddy_reactor *r = test_reactor_new();
    int sv[2], in, out;
    one_socket_twice(sv, &in, &out);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, in, out, &proto->base, &t), 0);
    close(sv[1]);
    cr_assert_eq(eddy_transport_write(t, "x", 1), -EPIPE);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_eq(proto->lost_code, -EPIPE);
    eddy_reactor_free(r);
    rec_free(proto);
}

Test(fdio, one_socket_as_both_sides_half_closes_with_an_eof_for_the_peer)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2], in, out;
    one_socket_twice(sv, &in, &out);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, in, out, &proto->base, &t), 0);
    eddy_transport_write(t, "bye", 3);
    cr_assert_eq(eddy_transport_lose_write_connection(t), 0);
    test_iterate_until_fn(r, write_lost, proto, 200);
    char buf[8];
    cr_assert_eq(read(sv[1], buf, sizeof buf), 3);
    cr_assert_eq(read(sv[1], buf, sizeof buf), 0, "EOF for the peer");
    cr_assert_eq(write(sv[1], "more", 4), 4);
    proto->want = 4;
    test_iterate_until_fn(r, rec_has_bytes, proto, 200);
    close(sv[1]);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_eq(proto->lost_code, EDDY_ECONNDONE);
    cr_assert_eq(fcntl(out, F_GETFD), -1, "both numbers are closed with the transport");
    eddy_reactor_free(r);
    rec_free(proto);
}

Test(fdio, a_pipe_reading_and_a_socket_writing_writes_to_a_closed_peer_without_sigpipe)
{
    signal(SIGPIPE, SIG_DFL); /* a SIGPIPE kills the test */
    eddy_reactor *r = test_reactor_new();
    int in[2], sv[2];
    test_pipe(in);
    test_socketpair(sv);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, in[0], sv[0], &proto->base, &t), 0);
    close(sv[1]);
    cr_assert_eq(eddy_transport_write(t, "x", 1), -EPIPE);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_eq(proto->lost_code, -EPIPE);
    close(in[1]);
    eddy_reactor_free(r);
    rec_free(proto);
}

Test(fdio, two_sockets_write_a_sequence_to_a_closed_peer_without_sigpipe)
{
    /* stdin and stdout as two different sockets; a sequence of buffers is one sendmsg. */
    signal(SIGPIPE, SIG_DFL);
    eddy_reactor *r = test_reactor_new();
    int rs[2], ws[2];
    test_socketpair(rs);
    test_socketpair(ws);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, rs[0], ws[0], &proto->base, &t), 0);
    close(ws[1]);
    struct iovec iov[2] = {{.iov_base = "a", .iov_len = 1}, {.iov_base = "b", .iov_len = 1}};
    cr_assert_eq(eddy_transport_write_sequence(t, iov, 2), -EPIPE);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_eq(proto->lost_code, -EPIPE);
    close(rs[1]);
    eddy_reactor_free(r);
    rec_free(proto);
}

Test(fdio, a_separate_write_socket_half_closes_with_an_eof_while_another_descriptor_holds_it)
{
    /* As under eddy_stdio_connect, where the process's fd 1 still refers to the socket the
     * transport writes: closing the transport's descriptor alone would send no EOF. */
    eddy_reactor *r = test_reactor_new();
    int in[2], sv[2];
    test_pipe(in);
    test_socketpair(sv);
    int held = dup(sv[0]);
    cr_assert_geq(held, 0);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, in[0], sv[0], &proto->base, &t), 0);
    eddy_transport_write(t, "bye", 3);
    cr_assert_eq(eddy_transport_lose_write_connection(t), 0);
    test_iterate_until_fn(r, write_lost, proto, 200);
    cr_assert_eq(fcntl(sv[0], F_GETFD), -1, "the transport's descriptor is closed");
    char buf[8];
    cr_assert_eq(read(sv[1], buf, sizeof buf), 3);
    cr_assert_eq(read(sv[1], buf, sizeof buf), 0, "EOF for the peer");
    cr_assert_eq(write(sv[1], "back", 4), 4);
    cr_assert_eq(read(held, buf, sizeof buf), 4, "the other direction still works for its holder");
    cr_assert_eq(write(in[1], "more", 4), 4);
    proto->want = 4;
    test_iterate_until_fn(r, rec_has_bytes, proto, 200);
    close(in[1]);
    test_iterate_until_fn(r, rec_lost, proto, 200);
    cr_assert_eq(proto->lost_code, EDDY_ECONNDONE);
    cr_assert_str_eq(proto->events, "mwdel");
    close(held);
    close(sv[1]);
    eddy_reactor_free(r);
    rec_free(proto);
}
