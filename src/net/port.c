/* port.c - a listening port: the accept loop, the pause when descriptors run out, stopping.
 *
 * Accepting. Each readiness event accepts up to accept_batch connections with accept4
 * (non-blocking and close-on-exec in one call). As in Twisted the batch starts at 100 and grows by
 * 20 while the backlog keeps it saturated; otherwise it shrinks back (never below 100).
 *
 * Running out of descriptors. EMFILE/ENFILE leave the pending connection in the backlog, so a
 * level-triggered listener would be reported ready again at once and spin the CPU. Instead the
 * port stops watching the socket and retries after a back-off: 10 ms, doubling up to 500 ms,
 * reset by the first successful accept. The listening socket stays open throughout, so clients
 * wait in the backlog rather than being refused. The first pause of a streak is logged. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/syscalls.h"
#include "eddy/deferred.h"
#include "eddy/log.h"
#include "net/port.h"

#define BATCH_START   100
#define BATCH_STEP    20
#define BATCH_MAX     1000
#define BACKOFF_FIRST 0.010
#define BACKOFF_MAX   0.500

static void port_close(eddy_port *p)
{
    if (!p->listening)
        return;
    p->listening = false;
    if (p->reading)
        eddy_reactor_remove_reader(p->reactor, &p->desc);
    p->reading = false;
    if (p->resume_call.id)
        eddy_delayed_call_cancel(p->reactor, p->resume_call);
    p->resume_call.id = 0;
    if (p->shutdown_trigger)
        eddy_reactor_remove_system_event_trigger(p->reactor, p->shutdown_trigger);
    p->shutdown_trigger = 0;
    eddy__close(p->desc.fd);
    p->desc.fd = -1;
    if (p->unix_path)
        unlink(p->unix_path);
    if (p->lock_path)
        unlink(p->lock_path);
    eddy_factory_do_stop(p->factory);
}

static void port_destroy(eddy_port *p)
{
    port_close(p);
    free(p->unix_path);
    free(p->lock_path);
    free(p);
}

static void resume_accepting(void *arg)
{
    eddy_port *p = arg;
    p->resume_call.id = 0;
    if (p->listening && !p->reading && eddy_reactor_add_reader(p->reactor, &p->desc) == 0)
        p->reading = true;
}

/* The reactor's shutdown only reaches the descriptors it watches, and a paused port is not one
 * of them: this trigger closes it as the sweep would have. */
static void shutdown_paused(void *arg)
{
    eddy_port *p = arg;
    p->shutdown_trigger = 0;
    port_close(p);
}

static void pause_accepting(eddy_port *p, int code)
{
    eddy_reactor_remove_reader(p->reactor, &p->desc);
    p->reading = false;
    /* Kept until the port closes: while it is watched again, the sweep closes it first, and a
     * trigger removed during the firing does not run. Without memory for it, a port paused at
     * shutdown stays open until it is freed. */
    if (!p->shutdown_trigger)
        (void)eddy_reactor_add_system_event_trigger(p->reactor, EDDY_PHASE_DURING, "shutdown",
                                                    shutdown_paused, p, &p->shutdown_trigger);
    p->exhausted++;
    if (p->backoff == 0) {
        eddy_log(EDDY_LOG_WARN, "eddy.net", p->name,
                 "cannot accept: %s; pausing with back-off (%lu pauses so far)",
                 eddy_strerror(code), p->exhausted);
        p->backoff = BACKOFF_FIRST;
    } else {
        p->backoff = p->backoff * 2 < BACKOFF_MAX ? p->backoff * 2 : BACKOFF_MAX;
    }
    p->resume_call = eddy_call_later(p->reactor, p->backoff, resume_accepting, p);
    if (!p->resume_call.id)
        resume_accepting(p); /* no memory for a timer: better to retry than to stop for good */
}

static void accepted(eddy_port *p, int fd, const struct sockaddr_storage *ss, socklen_t len)
{
    eddy_address peer;
    eddy__address_from_sockaddr((const struct sockaddr *)ss, len, p->kind->addr_kind, &peer);
    eddy__stream *s;
    int rc = eddy__stream_new(p->reactor, fd, p->kind, sizeof *s, &s);
    if (rc < 0) {
        eddy__close(fd);
        eddy_log(EDDY_LOG_ERROR, "eddy.net", eddy_descriptor_log_prefix(&p->desc),
                 "dropping an accepted connection: %s", eddy_strerror(rc));
        return;
    }
    eddy_protocol *proto = eddy__build_protocol(p->factory, &peer);
    if (!proto) {
        eddy__stream_discard(s); /* the factory refused it: close at once */
        return;
    }
    eddy__stream_begin(s, proto);
}

/* Errors of accept that concern one connection (it went away, a firewall said no), not the
 * listener: skip it and go on. */
static bool transient(int e)
{
    return e == ECONNABORTED || e == EPROTO || e == EPERM || e == ENETDOWN || e == ENOPROTOOPT ||
           e == EHOSTDOWN || e == ENONET || e == EHOSTUNREACH || e == EOPNOTSUPP ||
           e == ENETUNREACH || e == ETIMEDOUT;
}

static int port_do_read(eddy_descriptor *d)
{
    eddy_port *p = (eddy_port *)d;
    int accepts = 0, i;
    p->busy = true;
    for (i = 0; i < p->accept_batch && p->reading; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = eddy__sys.accept4(p->desc.fd, (struct sockaddr *)&ss, &len,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            if (e == EINTR || transient(e))
                continue;
            if (e == EAGAIN || e == EWOULDBLOCK)
                break;
            if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
                pause_accepting(p, -e);
                break;
            }
            eddy_log(EDDY_LOG_ERROR, "eddy.net", eddy_descriptor_log_prefix(d),
                     "accept failed: %s; closing the port", eddy_strerror(-e));
            port_close(p);
            break;
        }
        p->backoff = 0;
        accepts++;
        accepted(p, fd, &ss, len);
    }
    if (i == p->accept_batch)
        p->accept_batch =
            p->accept_batch + BATCH_STEP < BATCH_MAX ? p->accept_batch + BATCH_STEP : BATCH_MAX;
    else
        p->accept_batch = accepts > BATCH_START ? accepts : BATCH_START;
    p->busy = false;
    if (p->free_pending)
        port_destroy(p);
    return 0;
}

static void port_lost(eddy_descriptor *d, const eddy_failure *why)
{
    /* The reactor dropped the socket (it is shutting down, or the backend refused it). */
    eddy_port *p = (eddy_port *)d;
    p->reading = false;
    port_close(p);
}

static const char *port_prefix(const eddy_descriptor *d)
{
    return ((const eddy_port *)d)->name;
}

static const eddy_descriptor_ops port_ops = {
    .do_read = port_do_read,
    .connection_lost = port_lost,
    .log_prefix = port_prefix,
};

int eddy__port_start(eddy_reactor *r, int fd, eddy_factory *factory, const eddy__stream_kind *kind,
                     eddy_port **out)
{
    eddy_port *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    p->desc = (eddy_descriptor){.ops = &port_ops, .fd = fd};
    p->reactor = r;
    p->factory = factory;
    p->kind = kind;
    p->accept_batch = BATCH_START;
    eddy__address_of_socket(fd, false, kind->addr_kind, &p->host);
    char where[64];
    eddy_address_format(&p->host, where, sizeof where);
    snprintf(p->name, sizeof p->name, "%s port %s", kind->name, where);
    int rc = eddy_reactor_add_reader(r, &p->desc);
    if (rc < 0) {
        free(p);
        return rc;
    }
    p->reading = p->listening = true;
    eddy_factory_do_start(factory);
    *out = p;
    return 0;
}

eddy_deferred *eddy_port_stop_listening(eddy_port *p)
{
    port_close(p);
    eddy_deferred *d = NULL;
    return eddy_deferred_succeed(NULL, NULL, &d) == 0 ? d : NULL;
}

int eddy_port_get_host(const eddy_port *p, eddy_address *out)
{
    *out = p->host;
    return 0;
}

int eddy_port_fileno(const eddy_port *p)
{
    return p->listening ? p->desc.fd : -1;
}

bool eddy_port_listening(const eddy_port *p)
{
    return p->listening;
}

void eddy_port_free(eddy_port *p)
{
    if (!p)
        return;
    if (p->busy) {
        port_close(p);
        p->free_pending = true;
        return;
    }
    port_destroy(p);
}
