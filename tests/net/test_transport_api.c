/* test_transport_api.c - the public wrappers (a transport that implements little still behaves),
 * factories' start/stop counting, protocol attachment, socket options. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net_helpers.h"

TestSuite(transport_api, .timeout = 10);

/* A transport that only knows how to write, into a buffer. */
typedef struct bare {
    eddy_transport base;
    char out[64];
    size_t len;
} bare;

static int bare_write(eddy_transport *t, const void *data, size_t len)
{
    bare *b = (bare *)t;
    memcpy(b->out + b->len, data, len);
    b->len += len;
    return 0;
}

static const eddy_transport_ops bare_ops = {.write = bare_write};

Test(transport_api, missing_entries_are_eopnotsupp_or_harmless)
{
    bare b = {.base.ops = &bare_ops};
    eddy_transport *t = &b.base;
    eddy_address a;
    cr_assert_eq(eddy_transport_lose_connection(t), -EOPNOTSUPP);
    cr_assert_eq(eddy_transport_abort_connection(t), -EOPNOTSUPP);
    cr_assert_eq(eddy_transport_lose_write_connection(t), -EOPNOTSUPP);
    cr_assert_eq(eddy_transport_get_peer(t, &a), -EOPNOTSUPP);
    cr_assert_eq(eddy_transport_get_host(t, &a), -EOPNOTSUPP);
    cr_assert_eq(eddy_transport_fileno(t), -1);
    cr_assert_eq(eddy_transport_buffered(t), 0);
    cr_assert_str_eq(eddy_transport_log_prefix(t), "transport");
    cr_assert_eq(eddy_transport_set_tcp_nodelay(t, true), -EOPNOTSUPP);
    eddy_transport_pause_producing(t);
    eddy_transport_resume_producing(t);
    eddy_transport_set_water_marks(t, 1, 2);
    eddy_transport_unregister_producer(t);
}

static int freed;
static void count_free(void *p)
{
    freed++;
    free(p);
}

Test(transport_api, write_sequence_and_write_owned_fall_back_to_write)
{
    bare b = {.base.ops = &bare_ops};
    struct iovec iov[] = {{"ab", 2}, {"c", 1}};
    cr_assert_eq(eddy_transport_write_sequence(&b.base, iov, 2), 0);
    char *owned = malloc(2);
    memcpy(owned, "de", 2);
    cr_assert_eq(eddy_transport_write_owned(&b.base, owned, 2, count_free), 0);
    cr_assert_eq(freed, 1);
    cr_assert_eq(b.len, 5);
    cr_assert(memcmp(b.out, "abcde", 5) == 0);
}

static int made_calls;
static void note_made(eddy_protocol *p, eddy_transport *t)
{
    made_calls++;
    cr_assert_eq(p->transport, t);
}

static void ignore_data(eddy_protocol *p, const void *d, size_t n) {}

static void ignore_lost(eddy_protocol *p, const eddy_failure *f) {}

Test(transport_api, make_connection_sets_the_transport_then_calls_connection_made)
{
    static const eddy_protocol_ops ops = {note_made, ignore_data, NULL, ignore_lost, NULL};
    eddy_protocol p = {.ops = &ops};
    bare b = {.base.ops = &bare_ops};
    eddy_protocol_make_connection(&p, &b.base);
    cr_assert_eq(p.transport, &b.base);
    cr_assert_eq(made_calls, 1);
}

Test(transport_api, factory_start_and_stop_are_counted)
{
    rec_factory f;
    rec_factory_init(&f);
    eddy_factory_do_start(&f.base);
    eddy_factory_do_start(&f.base);
    cr_assert_eq(f.starts, 1);
    eddy_factory_do_stop(&f.base);
    cr_assert_eq(f.stops, 0);
    eddy_factory_do_stop(&f.base);
    cr_assert_eq(f.stops, 1);
    eddy_factory_do_stop(&f.base); /* one too many: ignored (and logged) */
    cr_assert_eq(f.stops, 1);
    cr_assert_eq(f.base.num_ports, 0);
}

Test(transport_api, tcp_nodelay_and_keepalive_can_be_set_and_read)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    bool on = true;
    cr_assert_eq(eddy_transport_set_tcp_nodelay(p.t, true), 0);
    cr_assert_eq(eddy_transport_get_tcp_nodelay(p.t, &on), 0);
    cr_assert(on);
    cr_assert_eq(eddy_transport_set_tcp_nodelay(p.t, false), 0);
    cr_assert_eq(eddy_transport_get_tcp_nodelay(p.t, &on), 0);
    cr_assert(!on);
    cr_assert_eq(eddy_transport_set_tcp_keepalive(p.t, true), 0);
    cr_assert_eq(eddy_transport_get_tcp_keepalive(p.t, &on), 0);
    cr_assert(on);
    int value = 0;
    socklen_t len = sizeof value;
    getsockopt(eddy_transport_fileno(p.t), SOL_SOCKET, SO_KEEPALIVE, &value, &len);
    cr_assert_eq(value, 1, "set on the real socket");
    tcp_pair_close(&p);
}

Test(transport_api, tcp_options_on_a_pipe_are_eopnotsupp)
{
    eddy_reactor *r = test_reactor_new();
    int fds[2];
    test_pipe(fds);
    rec_protocol *proto = rec_new();
    eddy_transport *t;
    cr_assert_eq(eddy_fdio_connect(r, fds[0], fds[1], &proto->base, &t), 0);
    bool on;
    cr_assert_eq(eddy_transport_set_tcp_nodelay(t, true), -EOPNOTSUPP);
    cr_assert_eq(eddy_transport_get_tcp_keepalive(t, &on), -EOPNOTSUPP);
    eddy_transport_abort_connection(t);
    test_iterate_until_fn(r, rec_lost, proto, 100);
    eddy_reactor_free(r);
    rec_free(proto);
}
