/* test_adopt.c - sockets opened elsewhere become eddy ports and connections. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_helpers.h"

TestSuite(adopt, .timeout = 30);

static int listening_socket(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 16), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static bool made(void *arg)
{
    rec_factory *f = arg;
    return f->nbuilt > 0 && f->built[0]->made;
}

Test(adopt, a_listening_socket_becomes_a_port_and_the_caller_keeps_its_fd)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    int number;
    int fd = listening_socket(&number);
    eddy_port *port;
    cr_assert_eq(eddy_adopt_stream_port(r, fd, &f.base, &port), 0);
    cr_assert_neq(eddy_port_fileno(port), fd, "eddy works on its own duplicate");
    cr_assert_eq(port_number(port), number);
    cr_assert_eq(f.starts, 1);
    int client = raw_connect("127.0.0.1", number);
    test_iterate_until_fn(r, made, &f, 200);
    eddy_port_free(port);
    cr_assert_eq(fcntl(fd, F_GETFD), FD_CLOEXEC, "the caller's fd is still open");
    close(fd);
    close(client);
    test_iterate_until_fn(r, rec_lost, f.built[0], 200);
    eddy_reactor_free(r);
    rec_factory_cleanup(&f);
}

Test(adopt, a_socket_that_is_not_listening_is_not_a_port)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *port;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(eddy_adopt_stream_port(r, fd, &f.base, &port), -EINVAL);
    int pipefd[2];
    test_pipe(pipefd);
    cr_assert_eq(eddy_adopt_stream_port(r, pipefd[0], &f.base, &port), -EINVAL);
    cr_assert_eq(f.starts, 0);
    close(fd);
    close(pipefd[0]);
    close(pipefd[1]);
    eddy_reactor_free(r);
}

Test(adopt, a_connected_socket_becomes_a_connection)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    int number;
    int l = listening_socket(&number);
    int client = raw_connect("127.0.0.1", number);
    int accepted = accept(l, NULL, NULL);
    cr_assert_geq(accepted, 0);
    cr_assert_eq(eddy_adopt_stream_connection(r, accepted, &f.base), 0);
    cr_assert_eq(f.nbuilt, 1);
    cr_assert(f.built[0]->made);
    eddy_address peer;
    cr_assert_eq(eddy_transport_get_peer(f.built[0]->transport, &peer), 0);
    cr_assert_eq(peer.kind, EDDY_ADDRESS_TCP);
    raw_write(r, client, "adopted", 7);
    f.built[0]->want = 7;
    test_iterate_until_fn(r, rec_has_bytes, f.built[0], 200);
    close(client);
    test_iterate_until_fn(r, rec_lost, f.built[0], 200);
    cr_assert_eq(fcntl(accepted, F_GETFD), -1, "eddy closed the fd it took over");
    close(l);
    eddy_reactor_free(r);
    rec_factory_cleanup(&f);
}

Test(adopt, a_refused_connection_is_closed_and_reported)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    f.refuse = true;
    int sv[2];
    test_socketpair(sv);
    cr_assert_eq(eddy_adopt_stream_connection(r, sv[0], &f.base), EDDY_ECANCELLED);
    cr_assert_eq(fcntl(sv[0], F_GETFD), -1, "closed");
    close(sv[1]);
    eddy_reactor_free(r);
}

Test(adopt, a_listening_socket_is_not_a_connection)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    int number;
    int l = listening_socket(&number);
    cr_assert_eq(eddy_adopt_stream_connection(r, l, &f.base), -EINVAL);
    cr_assert_eq(fcntl(l, F_GETFD), FD_CLOEXEC, "left open for the caller");
    close(l);
    eddy_reactor_free(r);
}

Test(adopt, a_unix_socketpair_end_is_a_unix_connection)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    int sv[2];
    test_socketpair(sv);
    cr_assert_eq(eddy_adopt_stream_connection(r, sv[0], &f.base), 0);
    eddy_address host;
    cr_assert_eq(eddy_transport_get_host(f.built[0]->transport, &host), 0);
    cr_assert_eq(host.kind, EDDY_ADDRESS_UNIX);
    pid_t pid;
    cr_assert_eq(eddy_transport_get_peer_credentials(f.built[0]->transport, &pid, NULL, NULL), 0);
    cr_assert_eq(pid, getpid());
    close(sv[1]);
    test_iterate_until_fn(r, rec_lost, f.built[0], 200);
    eddy_reactor_free(r);
    rec_factory_cleanup(&f);
}
