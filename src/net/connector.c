/* connector.c - a client connection attempt and the connection it makes (Twisted's
 * BaseConnector), shared by TCP and Unix.
 *
 * States: disconnected -> connecting -> connected -> disconnected, and again with
 * eddy_connector_connect. The socket connects without blocking and is watched for writability;
 * SO_ERROR then says how it went. Failures found at once (a refused Unix connect, an unreachable
 * network) are still reported from the loop, so the factory hears of them after
 * eddy_connect_tcp has returned, never inside it (started_connecting excepted, which Twisted also
 * calls from inside connectTCP).
 *
 * The factory is started when an attempt begins and stopped when the connector becomes
 * disconnected and the factory's callback did not start a new attempt (a reconnecting factory
 * stays started across retries).
 *
 * Freeing from inside a factory callback is allowed: `depth` counts the callbacks in progress and
 * the free happens when the last returns. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/un.h>

#include "base/syscalls.h"
#include "eddy/log.h"
#include "net/port.h"

typedef enum { DISCONNECTED, CONNECTING, CONNECTED } connector_state;

struct eddy_connector {
    eddy_descriptor desc; /* the socket while connecting (fd -1 otherwise) */
    eddy_reactor *reactor;
    eddy_factory *factory;
    const eddy__stream_kind *kind;
    eddy_address dest;
    eddy_address bind;             /* kind EDDY_ADDRESS_NONE: do not bind */
    double timeout;                /* seconds; <= 0: no timeout */
    eddy_delayed_call timer;       /* the timeout, or the report of an early failure */
    eddy__stream *stream;          /* while connected */
    int early_error;               /* failure found while starting, reported from the loop */
    eddy_trigger_id early_trigger; /* reports early_error at shutdown if the loop does not */
    unsigned attempt;              /* counts begin(): tells whether an attempt was replaced */
    int depth;                     /* factory callbacks in progress */
    connector_state state;
    bool check_pid : 1; /* Unix: the server's PATH.lock must name a live process */
    bool writing : 1;   /* desc is registered as a writer */
    bool factory_started : 1;
    bool free_pending : 1;
};

static void destroy(eddy_connector *c);

static void hold(eddy_connector *c)
{
    c->depth++;
}

/* End a callback. Returns true if the connector was freed (do not touch it). */
static bool release(eddy_connector *c)
{
    if (--c->depth == 0 && c->free_pending) {
        destroy(c);
        return true;
    }
    return false;
}

static void stop_factory_if_idle(eddy_connector *c)
{
    if (c->state == DISCONNECTED && c->factory_started && !c->free_pending) {
        c->factory_started = false;
        eddy_factory_do_stop(c->factory);
    }
}

/* Forget the socket being connected, without callbacks. */
static void drop_attempt(eddy_connector *c)
{
    if (c->writing)
        eddy_reactor_remove_writer(c->reactor, &c->desc);
    c->writing = false;
    if (c->desc.fd >= 0)
        eddy__close(c->desc.fd);
    c->desc.fd = -1;
    if (c->timer.id)
        eddy_delayed_call_cancel(c->reactor, c->timer);
    c->timer.id = 0;
    if (c->early_trigger)
        eddy_reactor_remove_system_event_trigger(c->reactor, c->early_trigger);
    c->early_trigger = 0;
}

static void connect_failed(eddy_connector *c, int code)
{
    drop_attempt(c);
    c->state = DISCONNECTED;
    char where[128];
    eddy_address_format(&c->dest, where, sizeof where);
    eddy_failure *why = eddy_failure_new(code, "connecting to %s: %s", where, eddy_strerror(code));
    hold(c);
    if (!c->free_pending && c->factory->ops->client_connection_failed)
        c->factory->ops->client_connection_failed(c->factory, c, why);
    eddy_failure_unref(why);
    stop_factory_if_idle(c);
    release(c);
}

static void connected(eddy_connector *c)
{
    if (c->writing)
        eddy_reactor_remove_writer(c->reactor, &c->desc);
    c->writing = false;
    int fd = c->desc.fd;
    c->desc.fd = -1; /* the stream owns it now */
    drop_attempt(c);
    eddy__stream *s;
    int rc = eddy__stream_new(c->reactor, fd, c->kind, sizeof *s, &s);
    if (rc < 0) {
        eddy__close(fd);
        connect_failed(c, rc);
        return;
    }
    hold(c);
    unsigned attempt = c->attempt;
    eddy_protocol *proto = eddy__build_protocol(c->factory, &c->dest);
    /* build_protocol may have stopped this attempt (stop_connecting, disconnect: already reported
     * as failed) and the factory may have begun another: this connection is then abandoned. */
    bool stopped = c->state != CONNECTING || c->attempt != attempt;
    if (c->free_pending || !proto || stopped) {
        eddy__stream_discard(s);
        if (!release(c) && !proto && !stopped)
            connect_failed(c, EDDY_ECANCELLED); /* build_protocol refused the connection */
        return;
    }
    c->state = CONNECTED;
    c->stream = s;
    s->connector = c;
    eddy__stream_begin(s, proto);
    release(c);
}

static int connector_do_write(eddy_descriptor *d)
{
    eddy_connector *c = (eddy_connector *)d;
    int err = 0;
    int rc = eddy__getsockopt_int(c->desc.fd, SOL_SOCKET, SO_ERROR, &err);
    if (rc < 0)
        err = -rc;
    if (err)
        connect_failed(c, -err);
    else
        connected(c);
    return 0;
}

static void connector_lost(eddy_descriptor *d, const eddy_failure *why)
{
    eddy_connector *c = (eddy_connector *)d;
    c->writing = false; /* the reactor removed it (shutdown, or the backend refused it) */
    connect_failed(c, eddy_failure_code(why));
}

static const char *connector_prefix(const eddy_descriptor *d)
{
    return ((const eddy_connector *)d)->kind->name;
}

static const eddy_descriptor_ops connector_ops = {
    .do_read = NULL,
    .do_write = connector_do_write,
    .connection_lost = connector_lost,
    .log_prefix = connector_prefix,
};

static void timer_fired(void *arg)
{
    eddy_connector *c = arg;
    c->timer.id = 0;
    connect_failed(c, c->early_error ? c->early_error : EDDY_ETIMEOUT);
}

/* An early failure waits for the next iteration, which never comes if the reactor shuts down
 * first; the shutdown sweep does not know the attempt (it has no descriptor), so this trigger
 * reports it instead. */
static void early_failure_at_shutdown(void *arg)
{
    eddy_connector *c = arg;
    c->early_trigger = 0;
    connect_failed(c, c->early_error);
}

static int open_socket(const eddy_connector *c)
{
    int fd = eddy__sys.socket(c->dest.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

/* Bind and connect `fd`. Returns 0 (in progress: watch for writability) or a negated errno. */
static int start_connect(eddy_connector *c, int fd)
{
    if (c->bind.kind != EDDY_ADDRESS_NONE &&
        eddy__sys.bind(fd, (const struct sockaddr *)&c->bind.sa, c->bind.len) < 0)
        return -errno;
    if (eddy__sys.connect(fd, (const struct sockaddr *)&c->dest.sa, c->dest.len) < 0 &&
        errno != EINPROGRESS && errno != EINTR)
        return -errno;
    /* Done or in progress: either way the socket becomes writable and SO_ERROR says which. */
    return 0;
}

/* Begin an attempt with `fd` (-1: open one). */
static void begin(eddy_connector *c, int fd)
{
    c->state = CONNECTING;
    unsigned attempt = ++c->attempt;
    c->early_error = 0;
    if (!c->factory_started) {
        c->factory_started = true;
        /* start_factory is the factory's code: it may stop or free this connector. */
        hold(c);
        eddy_factory_do_start(c->factory);
        if (release(c) || c->free_pending || c->state != CONNECTING || c->attempt != attempt) {
            if (fd >= 0)
                eddy__close(fd);
            return;
        }
    }
    int rc = 0;
    if (c->check_pid) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)&c->dest.sa;
        char lock[sizeof un->sun_path + 8];
        snprintf(lock, sizeof lock, "%s.lock", un->sun_path);
        if (!eddy__unix_lock_alive(lock))
            rc = -ECONNREFUSED;
    }
    if (rc == 0 && fd < 0 && (fd = open_socket(c)) < 0)
        rc = fd;
    if (rc == 0 && (rc = start_connect(c, fd)) == 0) {
        c->desc.fd = fd;
        rc = eddy_reactor_add_writer(c->reactor, &c->desc);
        c->writing = rc == 0;
    }
    if (rc < 0) {
        if (fd >= 0)
            eddy__close(fd);
        c->desc.fd = -1;
        c->early_error = rc;
        c->timer = eddy_call_later(c->reactor, 0, timer_fired, c);
        (void)eddy_reactor_add_system_event_trigger(c->reactor, EDDY_PHASE_DURING, "shutdown",
                                                    early_failure_at_shutdown, c,
                                                    &c->early_trigger);
    } else if (c->timeout > 0) {
        c->timer = eddy_call_later(c->reactor, c->timeout, timer_fired, c);
    }
    hold(c);
    if (c->factory->ops->started_connecting)
        c->factory->ops->started_connecting(c->factory, c);
    release(c);
}

int eddy__connector_start(eddy_reactor *r, const eddy__stream_kind *kind, eddy_factory *factory,
                          const eddy_address *dest, const eddy_address *bind, double timeout,
                          bool check_pid, eddy_connector **out)
{
    eddy_connector *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    *c = (eddy_connector){
        .desc = {.ops = &connector_ops, .fd = -1},
        .reactor = r,
        .factory = factory,
        .kind = kind,
        .dest = *dest,
        .timeout = timeout,
        .check_pid = check_pid,
    };
    if (bind)
        c->bind = *bind;
    int fd = open_socket(c);
    if (fd < 0) {
        free(c);
        return fd;
    }
    *out = c;
    begin(c, fd);
    return 0;
}

/* ---- the connection's end (called by the stream's teardown) --------------------------------- */

void eddy__connector_stream_gone(eddy_connector *c)
{
    c->stream = NULL;
    c->state = DISCONNECTED;
    hold(c); /* until connection_lost has told the factory */
}

void eddy__connector_connection_lost(eddy_connector *c, const eddy_failure *why)
{
    if (!c->free_pending && c->factory->ops->client_connection_lost)
        c->factory->ops->client_connection_lost(c->factory, c, why);
    stop_factory_if_idle(c);
    release(c);
}

/* ---- the public calls ----------------------------------------------------------------------- */

void eddy_connector_stop_connecting(eddy_connector *c)
{
    if (c->state == CONNECTING)
        connect_failed(c, EDDY_ECANCELLED);
}

void eddy_connector_disconnect(eddy_connector *c)
{
    if (c->state == CONNECTED && c->stream)
        eddy__stream_lose(c->stream);
    else
        eddy_connector_stop_connecting(c);
}

int eddy_connector_connect(eddy_connector *c)
{
    if (c->state != DISCONNECTED || c->free_pending)
        return -EBUSY;
    begin(c, -1);
    return 0;
}

int eddy_connector_get_destination(const eddy_connector *c, eddy_address *out)
{
    *out = c->dest;
    return 0;
}

eddy_transport *eddy_connector_transport(const eddy_connector *c)
{
    return c->stream ? &c->stream->base : NULL;
}

static void destroy(eddy_connector *c)
{
    drop_attempt(c);
    if (c->stream) {
        c->stream->connector = NULL;
        eddy__stream_lose(c->stream);
        c->stream = NULL;
    }
    if (c->factory_started)
        eddy_factory_do_stop(c->factory);
    free(c);
}

void eddy_connector_free(eddy_connector *c)
{
    if (!c)
        return;
    if (c->depth > 0) {
        /* Inside one of its callbacks: stop everything now, free when the callback returns. */
        drop_attempt(c);
        c->free_pending = true;
        return;
    }
    destroy(c);
}
