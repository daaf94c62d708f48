/* memory_connect.c - the memory reactor's connectors: recorded connection attempts that the test
 * completes or fails by hand, with the factory calls a real connector makes (Twisted's
 * BaseConnector): the factory is started by the first attempt, started_connecting runs in every
 * attempt, and the factory is stopped after client_connection_failed/lost unless that callback
 * connected again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testing/memory_reactor_internal.h"
#include "testing/string_transport_internal.h"

typedef enum conn_state { C_DISCONNECTED, C_CONNECTING, C_CONNECTED } conn_state;

struct eddy__mem_connector {
    eddy__connect_rec *latest; /* its latest attempt */
    eddy_string_transport *st; /* the connection's transport while connected */
    conn_state state;
    bool factory_started; /* we called do_start and not yet do_stop */
    bool freed;           /* the owner freed it: no more factory calls */
};

/* `c` as one of mr's connectors, or NULL: only pointers handed out by mr are trusted. */
static eddy__mem_connector *conn_of(eddy_memory_reactor *mr, eddy_connector *c)
{
    for (size_t i = 0; i < mr->nconnectors; i++) {
        if ((eddy_connector *)mr->connectors[i] == c)
            return mr->connectors[i];
    }
    return NULL;
}

static eddy_factory *factory_of(const eddy__mem_connector *k)
{
    return k->latest->pub.factory;
}

/* Record a new attempt copied from `from` and start it. */
static int record_attempt(eddy_memory_reactor *mr, eddy__mem_connector *k,
                          const eddy_memory_connect *from)
{
    eddy__connect_rec *rec = calloc(1, sizeof *rec);
    if (!rec)
        return -ENOMEM;
    rec->pub = *from;
    if ((from->host && !(rec->host = strdup(from->host))) ||
        (from->path && !(rec->path = strdup(from->path))) ||
        eddy__mem_push((void ***)&mr->connects, &mr->nconnects, &mr->capconnects, rec) < 0) {
        free(rec->host);
        free(rec->path);
        free(rec);
        return -ENOMEM;
    }
    rec->pub.host = rec->host;
    rec->pub.path = rec->path;
    rec->pub.tcp.bind_address = from->tcp.bind_address ? &rec->pub.bind_address : NULL;
    rec->pub.connector = (eddy_connector *)k;
    rec->pub.state = EDDY_MEMORY_CONNECTING;
    rec->pub.time = eddy_fake_clock_seconds(mr->clock);
    k->latest = rec;
    k->state = C_CONNECTING;
    eddy_factory *f = rec->pub.factory;
    if (!k->factory_started) {
        k->factory_started = true;
        eddy_factory_do_start(f);
    }
    if (f->ops->started_connecting)
        f->ops->started_connecting(f, (eddy_connector *)k);
    return 0;
}

static int new_connector(eddy_memory_reactor *mr, const eddy_memory_connect *first,
                         eddy_connector **out)
{
    if (mr->connect_error)
        return mr->connect_error;
    eddy__mem_connector *k = calloc(1, sizeof *k);
    if (!k)
        return -ENOMEM;
    if (eddy__mem_push((void ***)&mr->connectors, &mr->nconnectors, &mr->capconnectors, k) < 0) {
        free(k);
        return -ENOMEM;
    }
    int rc = record_attempt(mr, k, first);
    if (rc < 0)
        return rc; /* k stays listed, unused, until the memory reactor is freed */
    if (out)
        *out = (eddy_connector *)k;
    return 0;
}

int eddy_memory_reactor_connect_tcp(eddy_memory_reactor *mr, const char *host, int port,
                                    eddy_factory *factory, const eddy_tcp_connect_options *options,
                                    eddy_connector **out)
{
    if (!host || !factory)
        return -EINVAL;
    eddy_memory_connect first = {
        .kind = EDDY_ADDRESS_TCP, .host = host, .port = port, .factory = factory};
    if (options) {
        first.tcp = *options;
        if (options->bind_address)
            first.bind_address = *options->bind_address;
    }
    return new_connector(mr, &first, out);
}

int eddy_memory_reactor_connect_unix(eddy_memory_reactor *mr, const char *path,
                                     eddy_factory *factory,
                                     const eddy_unix_connect_options *options, eddy_connector **out)
{
    if (!path || !factory)
        return -EINVAL;
    eddy_memory_connect first = {.kind = EDDY_ADDRESS_UNIX, .path = path, .factory = factory};
    if (options)
        first.unix_options = *options;
    return new_connector(mr, &first, out);
}

/* The attempt ended: tell the factory, then stop it unless it connected again meanwhile. */
static void ended(eddy__mem_connector *k, const eddy_failure *why, bool was_connected)
{
    eddy_factory *f = factory_of(k);
    eddy_connector *c = (eddy_connector *)k;
    k->state = C_DISCONNECTED;
    if (k->freed)
        return;
    if (was_connected && f->ops->client_connection_lost)
        f->ops->client_connection_lost(f, c, why);
    else if (!was_connected && f->ops->client_connection_failed)
        f->ops->client_connection_failed(f, c, why);
    if (k->state == C_DISCONNECTED && k->factory_started && !k->freed) {
        k->factory_started = false;
        eddy_factory_do_stop(f);
    }
}

static void fail_attempt(eddy__mem_connector *k, int code)
{
    k->latest->pub.state = EDDY_MEMORY_FAILED;
    eddy_failure *why = eddy_failure_from_code(code);
    ended(k, why, false);
    eddy_failure_unref(why);
}

static void on_lost(void *arg, eddy_string_transport *st, const eddy_failure *why)
{
    eddy__mem_connector *k = arg;
    eddy__string_transport_on_lost(st, NULL, NULL);
    k->st = NULL;
    k->latest->pub.state = EDDY_MEMORY_CLOSED;
    if (!why) { /* the test freed the transport: forget the connection quietly */
        k->state = C_DISCONNECTED;
        return;
    }
    ended(k, why, true);
}

/* The connector of attempt `index` if that attempt is the one in progress. */
static eddy__mem_connector *pending_attempt(eddy_memory_reactor *mr, size_t index)
{
    if (index >= mr->nconnects)
        return NULL;
    eddy__connect_rec *rec = mr->connects[index];
    eddy__mem_connector *k = (eddy__mem_connector *)rec->pub.connector;
    if (rec->pub.state != EDDY_MEMORY_CONNECTING || k->latest != rec || k->state != C_CONNECTING ||
        k->freed)
        return NULL;
    return k;
}

int eddy_memory_reactor_complete_connect(eddy_memory_reactor *mr, size_t index,
                                         eddy_string_transport *st, eddy_protocol **out)
{
    if (out)
        *out = NULL;
    eddy__mem_connector *k = pending_attempt(mr, index);
    if (!k)
        return -EINVAL;
    if (st->connected)
        return -EBUSY;
    eddy_memory_connect *rec = &k->latest->pub;
    eddy_address dest;
    if (rec->kind == EDDY_ADDRESS_UNIX)
        eddy__mem_unix_address(&dest, rec->path);
    else
        eddy__mem_ip_address(&dest, rec->host, rec->port);
    rec->state = EDDY_MEMORY_CONNECTED;
    k->state = C_CONNECTED;
    eddy_factory *f = rec->factory;
    eddy_protocol *p = f->ops->build_protocol(f, &dest);
    if (!p) { /* refused: the real connector reports a cancelled attempt */
        fail_attempt(k, EDDY_ECANCELLED);
        return 0;
    }
    if (!p->factory)
        p->factory = f;
    k->st = st;
    eddy__string_transport_on_lost(st, on_lost, k);
    if (out)
        *out = p;
    return eddy_string_transport_connect(st, p);
}

int eddy_memory_reactor_fail_connect(eddy_memory_reactor *mr, size_t index, int code)
{
    eddy__mem_connector *k = pending_attempt(mr, index);
    if (!k)
        return -EINVAL;
    fail_attempt(k, code);
    return 0;
}

/* ---- the network's connector calls ----------------------------------------------------------- */

int eddy__mem_connector_connect(eddy_memory_reactor *mr, eddy_connector *c)
{
    eddy__mem_connector *k = conn_of(mr, c);
    if (!k || k->freed)
        return -EINVAL;
    if (k->state != C_DISCONNECTED)
        return -EBUSY;
    return record_attempt(mr, k, &k->latest->pub);
}

void eddy__mem_connector_stop_connecting(eddy_memory_reactor *mr, eddy_connector *c)
{
    eddy__mem_connector *k = conn_of(mr, c);
    if (k && !k->freed && k->state == C_CONNECTING)
        fail_attempt(k, EDDY_ECANCELLED);
}

void eddy__mem_connector_disconnect(eddy_memory_reactor *mr, eddy_connector *c)
{
    eddy__mem_connector *k = conn_of(mr, c);
    if (!k || k->freed)
        return;
    if (k->state == C_CONNECTING) {
        fail_attempt(k, EDDY_ECANCELLED);
    } else if (k->state == C_CONNECTED && k->st) {
        eddy_string_transport *st = k->st;
        eddy_transport_lose_connection(&st->base);
        if (k->st == st && eddy__string_transport_live(st))
            eddy_string_transport_lose(st, EDDY_ECONNDONE); /* the close completes at once */
    }
}

void eddy__mem_connector_free(eddy_memory_reactor *mr, eddy_connector *c)
{
    eddy__mem_connector *k = conn_of(mr, c);
    if (!k || k->freed)
        return;
    k->freed = true;
    if (k->state == C_CONNECTING)
        k->latest->pub.state = EDDY_MEMORY_FAILED;
    if (k->st) {
        eddy_string_transport *st = k->st;
        eddy__string_transport_on_lost(st, NULL, NULL);
        k->st = NULL;
        k->latest->pub.state = EDDY_MEMORY_CLOSED;
        eddy_string_transport_lose(st, EDDY_ECONNDONE); /* the protocol is told, the factory not */
    }
    k->state = C_DISCONNECTED;
    if (k->factory_started) {
        k->factory_started = false;
        eddy_factory_do_stop(factory_of(k));
    }
}

void eddy__mem_free_connectors(eddy_memory_reactor *mr)
{
    for (size_t i = 0; i < mr->nconnectors; i++) {
        if (mr->connectors[i]->st)
            eddy__string_transport_on_lost(mr->connectors[i]->st, NULL, NULL);
        free(mr->connectors[i]);
    }
    free(mr->connectors);
}
