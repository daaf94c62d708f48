/* net_helpers.c - see net_helpers.h. */
#include "net_helpers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void log_event(rec_protocol *p, char c)
{
    if (p->nevents + 1 < sizeof p->events)
        p->events[p->nevents++] = c;
}

static void rec_made(eddy_protocol *base, eddy_transport *t)
{
    rec_protocol *p = (rec_protocol *)base;
    cr_assert(!p->made, "connection_made twice");
    cr_assert_eq(base->transport, t, "p->transport is set before connection_made");
    p->made = true;
    p->transport = t;
    log_event(p, 'm');
    if (p->on_made)
        p->on_made(p);
}

static void rec_data(eddy_protocol *base, const void *data, size_t len)
{
    rec_protocol *p = (rec_protocol *)base;
    cr_assert(p->made && !p->lost, "data_received outside the connection's life");
    cr_assert_gt(len, 0);
    if (p->len + len > p->cap) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap < p->len + len)
            cap *= 2;
        p->data = realloc(p->data, cap);
        cr_assert_not_null(p->data);
        p->cap = cap;
    }
    memcpy(p->data + p->len, data, len);
    p->len += len;
    if (p->data_calls++ == 0 || p->events[p->nevents - 1] != 'd')
        log_event(p, 'd');
    if (p->on_data)
        p->on_data(p, data, len);
}

static bool rec_eof(eddy_protocol *base)
{
    rec_protocol *p = (rec_protocol *)base;
    cr_assert(p->made && !p->lost && !p->eof, "eof_received out of order");
    p->eof = true;
    log_event(p, 'e');
    return p->keep_open_on_eof;
}

static void rec_write_lost(eddy_protocol *base)
{
    rec_protocol *p = (rec_protocol *)base;
    cr_assert(p->made && !p->lost);
    p->write_lost = true;
    log_event(p, 'w');
}

static void rec_lost_cb(eddy_protocol *base, const eddy_failure *reason)
{
    rec_protocol *p = (rec_protocol *)base;
    cr_assert_eq(p->lost_calls, 0, "connection_lost called twice");
    p->lost_calls++;
    p->lost = true;
    p->lost_code = eddy_failure_code(reason);
    log_event(p, 'l');
    if (p->lost_flag)
        *p->lost_flag = true;
    if (p->lost_code_out)
        *p->lost_code_out = p->lost_code;
    if (p->on_lost)
        p->on_lost(p);
    if (p->free_on_lost) {
        rec_protocol **slot = p->user;
        if (slot)
            *slot = NULL;
        rec_free(p);
    }
}

static const eddy_protocol_ops rec_ops = {
    .connection_made = rec_made,
    .data_received = rec_data,
    .eof_received = rec_eof,
    .connection_lost = rec_lost_cb,
    .write_connection_lost = rec_write_lost,
};

rec_protocol *rec_new(void)
{
    rec_protocol *p = calloc(1, sizeof *p);
    cr_assert_not_null(p);
    p->base.ops = &rec_ops;
    return p;
}

void rec_free(rec_protocol *p)
{
    if (p) {
        free(p->data);
        free(p);
    }
}

/* ---- factory -------------------------------------------------------------------------------- */

static eddy_protocol *rec_build(eddy_factory *base, const eddy_address *peer)
{
    rec_factory *f = (rec_factory *)base;
    cr_assert_not_null(peer);
    if (f->refuse)
        return NULL;
    cr_assert_lt(f->nbuilt, 64);
    rec_protocol *p = rec_new();
    p->keep_open_on_eof = f->keep_open_on_eof;
    f->built[f->nbuilt++] = p;
    if (f->configure)
        f->configure(p, f->configure_arg);
    if (p->free_on_lost)
        p->user = &f->built[f->nbuilt - 1];
    return &p->base;
}

static void rec_start(eddy_factory *base)
{
    ((rec_factory *)base)->starts++;
}

static void rec_stop(eddy_factory *base)
{
    ((rec_factory *)base)->stops++;
}

static void rec_started_connecting(eddy_factory *base, eddy_connector *c)
{
    rec_factory *f = (rec_factory *)base;
    f->started_connecting++;
    f->connector = c;
}

static void rec_failed(eddy_factory *base, eddy_connector *c, const eddy_failure *why)
{
    rec_factory *f = (rec_factory *)base;
    f->failed++;
    f->failed_code = eddy_failure_code(why);
    f->failed_flag = true;
    f->connector = c;
    if (f->on_failed)
        f->on_failed(f, c);
}

static void rec_client_lost(eddy_factory *base, eddy_connector *c, const eddy_failure *why)
{
    rec_factory *f = (rec_factory *)base;
    f->client_lost++;
    f->client_lost_code = eddy_failure_code(why);
    f->client_lost_flag = true;
    f->connector = c;
    if (f->on_client_lost)
        f->on_client_lost(f, c);
}

static const eddy_factory_ops rec_factory_ops = {
    .build_protocol = rec_build,
    .start_factory = rec_start,
    .stop_factory = rec_stop,
    .started_connecting = rec_started_connecting,
    .client_connection_failed = rec_failed,
    .client_connection_lost = rec_client_lost,
};

void rec_factory_init(rec_factory *f)
{
    memset(f, 0, sizeof *f);
    f->base.ops = &rec_factory_ops;
}

void rec_factory_cleanup(rec_factory *f)
{
    for (int i = 0; i < f->nbuilt; i++)
        rec_free(f->built[i]);
    f->nbuilt = 0;
}

/* ---- sockets -------------------------------------------------------------------------------- */

int port_number(const eddy_port *p)
{
    eddy_address a;
    cr_assert_eq(eddy_port_get_host(p, &a), 0);
    return eddy_address_port(&a);
}

int raw_connect(const char *ip, int port)
{
    eddy_address a;
    cr_assert_eq(eddy_address_from_ip(ip, port, EDDY_ADDRESS_TCP, &a), 0);
    int fd = socket(a.sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a.sa, a.len), 0, "connect: %s", strerror(errno));
    cr_assert_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
    return fd;
}

void tcp_pair_open(tcp_pair *p, const char *ip, void (*configure)(rec_protocol *, void *),
                   void *arg)
{
    memset(p, 0, sizeof *p);
    p->r = test_reactor_new();
    rec_factory_init(&p->factory);
    p->factory.configure = configure;
    p->factory.configure_arg = arg;
    eddy_tcp_listen_options o = {.interface = ip};
    int rc = eddy_listen_tcp(p->r, 0, &p->factory.base, &o, &p->port);
    cr_assert_eq(rc, 0, "listen: %s", eddy_strerror(rc));
    p->client = raw_connect(ip, port_number(p->port));
    for (int i = 0; i < 200 && p->factory.nbuilt == 0; i++)
        cr_assert_eq(eddy_reactor_iterate(p->r, 0.05), 0);
    cr_assert_eq(p->factory.nbuilt, 1, "the server accepted the connection");
    p->server = p->factory.built[0];
    cr_assert(p->server->made);
    p->t = p->server->transport;
}

void tcp_pair_close(tcp_pair *p)
{
    if (p->client >= 0)
        close(p->client);
    p->client = -1;
    if (p->server && !p->server->lost)
        test_iterate_until_fn(p->r, rec_lost, p->server, 200);
    eddy_port_free(p->port);
    eddy_reactor_free(p->r);
    rec_factory_cleanup(&p->factory);
}

size_t raw_read(eddy_reactor *r, int fd, char *buf, size_t want, bool *eof)
{
    size_t got = 0;
    if (eof)
        *eof = false;
    for (int i = 0; i < 2000 && got < want; i++) {
        ssize_t n = recv(fd, buf + got, want - got, 0);
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            if (eof)
                *eof = true;
            break;
        }
        cr_assert_eq(eddy_reactor_iterate(r, 0.01), 0);
    }
    return got;
}

void raw_write(eddy_reactor *r, int fd, const void *data, size_t len)
{
    size_t done = 0;
    for (int i = 0; i < 20000 && done < len; i++) {
        ssize_t n = send(fd, (const char *)data + done, len - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        cr_assert(n < 0 && (errno == EAGAIN || errno == EINTR), "send: %s", strerror(errno));
        cr_assert_eq(eddy_reactor_iterate(r, 0.01), 0);
    }
    cr_assert_eq(done, len, "raw_write gave up");
}

int raw_wait_closed(eddy_reactor *r, int fd)
{
    char buf[65536];
    for (int i = 0; i < 2000; i++) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0)
            return 0;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (n < 0)
            cr_assert_eq(eddy_reactor_iterate(r, 0.01), 0);
    }
    cr_assert_fail("the socket never closed");
    return 1;
}

void raw_reset(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

bool rec_lost(void *p)
{
    return ((rec_protocol *)p)->lost;
}

bool rec_has_bytes(void *arg)
{
    rec_protocol *p = arg;
    return p->len >= p->want;
}

void fill_pattern(char *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)((i * 31u + seed * 7u + (i >> 8)) & 0xff);
}

bool have_ipv6(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}
