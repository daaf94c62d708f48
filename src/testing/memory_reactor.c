/* memory_reactor.c - the memory reactor: its life cycle, its records, recorded listening ports,
 * accepting connections by hand, and its eddy_network. Connectors are in memory_connect.c. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "eddy/deferred.h"
#include "testing/memory_reactor_internal.h"
#include "testing/string_transport_internal.h"

/* A recorded port asked for port 0 reports this plus its record's index. */
#define FAKE_EPHEMERAL_PORT 30000

int eddy__mem_push(void ***items, size_t *n, size_t *cap, void *item)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        void **grown = realloc(*items, ncap * sizeof *grown);
        if (!grown)
            return -ENOMEM;
        *items = grown;
        *cap = ncap;
    }
    (*items)[(*n)++] = item;
    return 0;
}

void eddy__mem_ip_address(eddy_address *out, const char *ip, int port)
{
    memset(out, 0, sizeof *out);
    out->kind = EDDY_ADDRESS_TCP;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->sa;
    if (ip && inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        out->len = sizeof *sin6;
        return;
    }
    struct sockaddr_in *sin = (struct sockaddr_in *)&out->sa;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    if (!ip || inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
        sin->sin_addr.s_addr = htonl(INADDR_ANY);
    out->len = sizeof *sin;
}

void eddy__mem_unix_address(eddy_address *out, const char *path)
{
    memset(out, 0, sizeof *out);
    out->kind = EDDY_ADDRESS_UNIX;
    struct sockaddr_un *sun = (struct sockaddr_un *)&out->sa;
    sun->sun_family = AF_UNIX;
    size_t n = strlen(path);
    if (n >= sizeof sun->sun_path)
        n = sizeof sun->sun_path - 1;
    memcpy(sun->sun_path, path, n);
    if (path[0] == '@')
        sun->sun_path[0] = '\0'; /* Linux abstract name */
    out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] != '@'));
}

/* ---- life cycle ------------------------------------------------------------------------------ */

int eddy_memory_reactor_new(eddy_memory_reactor **out)
{
    eddy_memory_reactor *mr = calloc(1, sizeof *mr);
    if (!mr)
        return -ENOMEM;
    mr->clock = eddy_fake_clock_new();
    if (!mr->clock) {
        free(mr);
        return -ENOMEM;
    }
    eddy_reactor_options opts = {.clock = eddy_fake_clock_as_clock(mr->clock)};
    int rc = eddy_reactor_new(&opts, &mr->reactor);
    if (rc < 0) {
        eddy_fake_clock_free(mr->clock);
        free(mr);
        return rc;
    }
    *out = mr;
    return 0;
}

void eddy_memory_reactor_free(eddy_memory_reactor *mr)
{
    if (!mr)
        return;
    eddy__mem_free_connectors(mr);
    for (size_t i = 0; i < mr->nlistens; i++) {
        free(mr->listens[i]->path);
        free(mr->listens[i]->interface);
        free(mr->listens[i]);
    }
    for (size_t i = 0; i < mr->nconnects; i++) {
        free(mr->connects[i]->host);
        free(mr->connects[i]->path);
        free(mr->connects[i]);
    }
    free(mr->listens);
    free(mr->connects);
    eddy_reactor_free(mr->reactor);
    eddy_fake_clock_free(mr->clock);
    free(mr);
}

eddy_reactor *eddy_memory_reactor_reactor(eddy_memory_reactor *mr)
{
    return mr->reactor;
}

int eddy_memory_reactor_advance(eddy_memory_reactor *mr, double seconds)
{
    return eddy_reactor_advance(mr->reactor, seconds);
}

double eddy_memory_reactor_seconds(const eddy_memory_reactor *mr)
{
    return eddy_fake_clock_seconds(mr->clock);
}

void eddy_memory_reactor_set_errors(eddy_memory_reactor *mr, int listen_error, int connect_error)
{
    mr->listen_error = listen_error;
    mr->connect_error = connect_error;
}

size_t eddy_memory_reactor_listen_count(const eddy_memory_reactor *mr)
{
    return mr->nlistens;
}

const eddy_memory_listen *eddy_memory_reactor_listen_at(const eddy_memory_reactor *mr, size_t index)
{
    return index < mr->nlistens ? &mr->listens[index]->pub : NULL;
}

size_t eddy_memory_reactor_connect_count(const eddy_memory_reactor *mr)
{
    return mr->nconnects;
}

const eddy_memory_connect *eddy_memory_reactor_connect_at(const eddy_memory_reactor *mr,
                                                          size_t index)
{
    return index < mr->nconnects ? &mr->connects[index]->pub : NULL;
}

/* ---- recorded listening ports ---------------------------------------------------------------- */

static eddy__listen_rec *rec_of(const eddy_listening_port *p)
{
    return (eddy__listen_rec *)((char *)p - offsetof(eddy__listen_rec, port));
}

static void stop(eddy__listen_rec *rec)
{
    if (!rec->pub.listening)
        return;
    rec->pub.listening = false;
    eddy_factory_do_stop(rec->pub.factory);
}

static eddy_deferred *port_stop_listening(eddy_listening_port *p)
{
    stop(rec_of(p));
    eddy_deferred *d = NULL;
    eddy_deferred_succeed(NULL, NULL, &d);
    return d;
}

static int port_get_host(const eddy_listening_port *p, eddy_address *out)
{
    const eddy__listen_rec *rec = rec_of(p);
    if (rec->pub.kind == EDDY_ADDRESS_UNIX) {
        eddy__mem_unix_address(out, rec->pub.path);
        return 0;
    }
    int port = rec->pub.port ? rec->pub.port : FAKE_EPHEMERAL_PORT + (int)rec->index;
    eddy__mem_ip_address(out, rec->interface, port);
    return 0;
}

static void port_free(eddy_listening_port *p)
{
    stop(rec_of(p)); /* the record and its handle live until the memory reactor is freed */
}

static const eddy_listening_port_ops memory_port_ops = {
    .stop_listening = port_stop_listening,
    .get_host = port_get_host,
    .free = port_free,
};

static int record_listen(eddy_memory_reactor *mr, eddy__listen_rec *rec, eddy_listening_port **out)
{
    if (eddy__mem_push((void ***)&mr->listens, &mr->nlistens, &mr->caplistens, rec) < 0) {
        free(rec->path);
        free(rec->interface);
        free(rec);
        return -ENOMEM;
    }
    rec->index = mr->nlistens - 1;
    rec->port.ops = &memory_port_ops;
    rec->pub.port_handle = &rec->port;
    rec->pub.listening = true;
    eddy_factory_do_start(rec->pub.factory);
    if (out)
        *out = &rec->port;
    return 0;
}

int eddy_memory_reactor_listen_tcp(eddy_memory_reactor *mr, int port, eddy_factory *factory,
                                   const eddy_tcp_listen_options *options,
                                   eddy_listening_port **out)
{
    if (mr->listen_error)
        return mr->listen_error;
    eddy__listen_rec *rec = calloc(1, sizeof *rec);
    if (!rec)
        return -ENOMEM;
    if (options)
        rec->pub.tcp = *options;
    if (options && options->interface && !(rec->interface = strdup(options->interface))) {
        free(rec);
        return -ENOMEM;
    }
    rec->pub.tcp.interface = rec->interface;
    rec->pub.kind = EDDY_ADDRESS_TCP;
    rec->pub.port = port;
    rec->pub.factory = factory;
    return record_listen(mr, rec, out);
}

int eddy_memory_reactor_listen_unix(eddy_memory_reactor *mr, const char *path,
                                    eddy_factory *factory, const eddy_unix_listen_options *options,
                                    eddy_listening_port **out)
{
    if (mr->listen_error)
        return mr->listen_error;
    eddy__listen_rec *rec = calloc(1, sizeof *rec);
    if (!rec || !(rec->path = strdup(path))) {
        free(rec);
        return -ENOMEM;
    }
    if (options)
        rec->pub.unix_options = *options;
    rec->pub.kind = EDDY_ADDRESS_UNIX;
    rec->pub.path = rec->path;
    rec->pub.factory = factory;
    return record_listen(mr, rec, out);
}

int eddy_memory_reactor_accept(eddy_memory_reactor *mr, size_t index, eddy_string_transport *st,
                               eddy_protocol **out)
{
    if (out)
        *out = NULL;
    if (index >= mr->nlistens || !mr->listens[index]->pub.listening)
        return -EINVAL;
    if (st->connected)
        return -EBUSY;
    eddy_factory *f = mr->listens[index]->pub.factory;
    eddy_protocol *p = f->ops->build_protocol(f, &st->peer);
    if (!p) {
        eddy_transport_lose_connection(&st->base); /* refused: the connection is closed */
        return 0;
    }
    if (!p->factory)
        p->factory = f;
    if (out)
        *out = p;
    return eddy_string_transport_connect(st, p);
}

/* ---- the network ----------------------------------------------------------------------------- */

static eddy_reactor *net_reactor(void *self)
{
    return ((eddy_memory_reactor *)self)->reactor;
}

static int net_listen_tcp(void *self, int port, eddy_factory *factory,
                          const eddy_tcp_listen_options *options, eddy_listening_port **out)
{
    return eddy_memory_reactor_listen_tcp(self, port, factory, options, out);
}

static int net_listen_unix(void *self, const char *path, eddy_factory *factory,
                           const eddy_unix_listen_options *options, eddy_listening_port **out)
{
    return eddy_memory_reactor_listen_unix(self, path, factory, options, out);
}

static int net_connect_tcp(void *self, const char *host, int port, eddy_factory *factory,
                           const eddy_tcp_connect_options *options, eddy_connector **out)
{
    return eddy_memory_reactor_connect_tcp(self, host, port, factory, options, out);
}

static int net_connect_unix(void *self, const char *path, eddy_factory *factory,
                            const eddy_unix_connect_options *options, eddy_connector **out)
{
    return eddy_memory_reactor_connect_unix(self, path, factory, options, out);
}

static int net_connector_connect(void *self, eddy_connector *c)
{
    return eddy__mem_connector_connect(self, c);
}

static void net_connector_stop_connecting(void *self, eddy_connector *c)
{
    eddy__mem_connector_stop_connecting(self, c);
}

static void net_connector_disconnect(void *self, eddy_connector *c)
{
    eddy__mem_connector_disconnect(self, c);
}

static void net_connector_free(void *self, eddy_connector *c)
{
    eddy__mem_connector_free(self, c);
}

static const eddy_network_ops memory_network_ops = {
    .reactor = net_reactor,
    .listen_tcp = net_listen_tcp,
    .listen_unix = net_listen_unix,
    .connect_tcp = net_connect_tcp,
    .connect_unix = net_connect_unix,
    .connector_connect = net_connector_connect,
    .connector_stop_connecting = net_connector_stop_connecting,
    .connector_disconnect = net_connector_disconnect,
    .connector_free = net_connector_free,
};

eddy_network eddy_memory_reactor_network(eddy_memory_reactor *mr)
{
    return (eddy_network){.ops = &memory_network_ops, .self = mr};
}
