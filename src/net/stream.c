/* stream.c - a stream's life: creation, the watchers, the three ways to close, and the teardown
 * that ends every stream (see stream.h for the whole picture).
 *
 * What must stay true:
 *  - connection_lost is called once, after every other protocol callback: `finished` is set
 *    before teardown calls anything, and nothing is delivered once `finishing` is set.
 *  - The stream is never freed while one of its callbacks is on the stack: `busy` is set around
 *    every call into protocol or producer code, and a finish requested meanwhile goes through the
 *    loop (finish_later).
 *  - The reactor only holds the descriptors we registered; `reading` and `writing` mirror that
 *    exactly, because removing a descriptor the reactor does not hold costs it a table scan. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/syscalls.h"
#include "core/reactor_internal.h"
#include "eddy/log.h"
#include "eddy_config.h"
#include "net/stream.h"

const eddy__stream_kind eddy__kind_tcp = {.name = "tcp", .addr_kind = EDDY_ADDRESS_TCP};
const eddy__stream_kind eddy__kind_unix = {.name = "unix", .addr_kind = EDDY_ADDRESS_UNIX};

#define STREAM_OF_DESC(d) ((eddy__stream *)((char *)(d)-offsetof(eddy__stream, desc)))

static int desc_do_read(eddy_descriptor *d)
{
    return eddy__stream_do_read(STREAM_OF_DESC(d));
}

static int desc_do_write(eddy_descriptor *d)
{
    return eddy__stream_do_write(STREAM_OF_DESC(d));
}

static void desc_lost(eddy_descriptor *d, const eddy_failure *why)
{
    eddy__stream_descriptor_lost(STREAM_OF_DESC(d), d, why);
}

static const char *desc_prefix(const eddy_descriptor *d)
{
    return eddy__stream_log_prefix(&STREAM_OF_DESC(d)->base);
}

static const eddy_descriptor_ops stream_desc_ops = {
    .do_read = desc_do_read,
    .do_write = desc_do_write,
    .connection_lost = desc_lost,
    .log_prefix = desc_prefix,
};

static int lose_connection(eddy_transport *t)
{
    return eddy__stream_lose(eddy__stream_of(t));
}

static int abort_connection(eddy_transport *t)
{
    return eddy__stream_abort(eddy__stream_of(t));
}

static int lose_write_connection(eddy_transport *t)
{
    return eddy__stream_lose_write(eddy__stream_of(t));
}

/* `finishing` covers every way the connection ends on its own (a read or write error, the peer's
 * EOF once our side is done): connection_lost is coming. */
static bool disconnecting(const eddy_transport *t)
{
    const eddy__stream *s = eddy__stream_of(t);
    return s->disconnecting || s->aborted || s->finishing;
}

const eddy_transport_ops eddy__stream_ops = {
    .write = eddy__stream_write,
    .write_sequence = eddy__stream_write_sequence,
    .write_owned = eddy__stream_write_owned,
    .lose_connection = lose_connection,
    .abort_connection = abort_connection,
    .lose_write_connection = lose_write_connection,
    .get_peer = eddy__stream_get_peer,
    .get_host = eddy__stream_get_host,
    .fileno = eddy__stream_fileno,
    .pause_producing = eddy__stream_pause_producing,
    .resume_producing = eddy__stream_resume_producing,
    .stop_producing = eddy__stream_stop_producing,
    .register_producer = eddy__stream_register_producer,
    .unregister_producer = eddy__stream_unregister_producer,
    .buffered = eddy__stream_buffered,
    .set_water_marks = eddy__stream_set_water_marks,
    .log_prefix = eddy__stream_log_prefix,
    .disconnecting = disconnecting,
};

/* ---- creation ------------------------------------------------------------------------------- */

int eddy__stream_new(eddy_reactor *r, int fd, const eddy__stream_kind *kind, size_t size,
                     eddy__stream **out)
{
    eddy__net *net = eddy__net_get(r);
    eddy__stream *s = net ? calloc(1, size) : NULL;
    if (!s)
        return -ENOMEM;
    eddy__transport_init(&s->base, &eddy__stream_ops);
    s->desc = (eddy_descriptor){.ops = &stream_desc_ops, .fd = fd};
    s->wdesc = &s->desc;
    s->net = net;
    s->kind = kind;
    s->sock = s->wsock = true;
#if !defined(EDDY_HAVE_MSG_NOSIGNAL) && defined(EDDY_HAVE_SO_NOSIGPIPE)
    /* Without MSG_NOSIGNAL (macOS) the socket itself must refuse SIGPIPE. Only for the sockets
     * eddy accepts or connects: an fdio descriptor may be shared with other processes. */
    if (kind == &eddy__kind_tcp || kind == &eddy__kind_unix)
        (void)eddy__setsockopt_int(fd, SOL_SOCKET, SO_NOSIGPIPE, 1);
#endif
    s->low_water = EDDY_TRANSPORT_LOW_WATER;
    s->high_water = EDDY_TRANSPORT_HIGH_WATER;
    s->next = net->live;
    if (net->live)
        net->live->prev = s;
    net->live = s;
    net->nlive++;
    *out = s;
    return 0;
}

eddy_protocol *eddy__build_protocol(eddy_factory *f, const eddy_address *peer)
{
    eddy_protocol *p = f->ops->build_protocol(f, peer);
    if (p && !p->factory)
        p->factory = f;
    return p;
}

void eddy__stream_begin(eddy__stream *s, eddy_protocol *p)
{
    s->protocol = p;
    s->started = true;
    s->busy = true;
    eddy_protocol_make_connection(p, &s->base);
    s->busy = false;
    eddy__stream_update_watchers(s);
}

void eddy__stream_close_fd(eddy__stream *s, int fd)
{
    if (s->kind->closing)
        s->kind->closing(s, fd);
    eddy__close(fd);
}

/* Close the descriptors (once). */
static void close_fds(eddy__stream *s)
{
    if (s->closed)
        return;
    s->closed = true;
    if (s->wdesc && s->wdesc != &s->desc && s->wdesc->fd >= 0)
        eddy__stream_close_fd(s, s->wdesc->fd);
    if (s->desc.fd >= 0)
        eddy__stream_close_fd(s, s->desc.fd);
    s->desc.fd = -1;
    if (s->wdesc)
        s->wdesc->fd = -1;
}

/* Close the descriptors and free the memory; no callbacks, no reactor calls (the watchers must
 * already be gone). Used for streams that never began, at the end of teardown, and when the
 * reactor is freed with streams still open. */
static void forget(eddy__stream *s)
{
    close_fds(s);
    eddy__wqueue_clear(s->net, &s->queue);
    eddy__net *net = s->net;
    if (s->prev)
        s->prev->next = s->next;
    else
        net->live = s->next;
    if (s->next)
        s->next->prev = s->prev;
    net->nlive--;
    free(s->prefix);
    free(s);
}

void eddy__stream_discard(eddy__stream *s)
{
    forget(s);
}

void eddy__stream_forget_all(eddy__net *net)
{
    while (net->live)
        forget(net->live);
}

/* Each step ends one stream, and its connection_lost may end or open others, so the list is
 * walked from its head again each time. Only the streams open at the start are ended (as the
 * reactor's sweep leaves the descriptors added during it): a protocol that opens a new transport
 * from every connection_lost cannot loop for ever, and the new streams, which go to the head of
 * the list, cannot take the turn of one that was open. */
void eddy__stream_end_all(eddy__net *net, int code)
{
    for (eddy__stream *s = net->live; s; s = s->next)
        s->ending = s->started && !s->finished;
    for (;;) {
        eddy__stream *s = net->live;
        while (s && (!s->ending || s->finished || s->busy))
            s = s->next;
        if (!s)
            return;
        s->ending = false;
        eddy__stream_finish(s, s->finishing ? s->finish_code : code);
    }
}

/* ---- watchers ------------------------------------------------------------------------------- */

void eddy__stream_update_watchers(eddy__stream *s)
{
    eddy_reactor *r = s->net->reactor;
    bool want_read =
        s->started && !s->finishing && !s->paused && !s->read_closed && !s->disconnecting;
    /* A pending half-close waits for a registered pull producer to unregister; meanwhile that
     * producer is asked again only after it writes (ask_producer), as after every chunk. */
    bool pull = s->producer && !s->streaming;
    bool want_write = !s->finishing && s->wdesc && !s->write_closed &&
                      (s->queue.bytes || (s->shut_pending && !pull) || s->ask_producer);
    /* Under memory pressure a deferred finish may have had no timer: then a watcher does its job
     * (a socket is nearly always writable), and the handlers finish first thing. */
    if (s->finishing && !s->finished && !s->finish_call.id) {
        want_write = s->wdesc && s->wdesc->fd >= 0;
        want_read = !want_write && s->desc.fd >= 0;
    }
    if (want_read != s->reading) {
        int rc = want_read ? eddy_reactor_add_reader(r, &s->desc)
                           : eddy_reactor_remove_reader(r, &s->desc);
        if (rc < 0) {
            eddy__stream_finish_later(s, rc);
            return;
        }
        s->reading = want_read;
    }
    if (want_write != s->writing) {
        int rc = want_write ? eddy_reactor_add_writer(r, s->wdesc)
                            : eddy_reactor_remove_writer(r, s->wdesc);
        if (rc < 0) {
            eddy__stream_finish_later(s, rc);
            return;
        }
        s->writing = want_write;
    }
}

/* ---- the end -------------------------------------------------------------------------------- */

/* The one place a stream ends. `why` is borrowed. */
static void teardown(eddy__stream *s, const eddy_failure *why)
{
    s->finished = s->finishing = true;
    eddy_reactor *r = s->net->reactor;
    if (s->finish_call.id) {
        eddy_delayed_call_cancel(r, s->finish_call);
        s->finish_call.id = 0;
    }
    if (s->reading)
        eddy_reactor_remove_reader(r, &s->desc);
    if (s->writing)
        eddy_reactor_remove_writer(r, s->wdesc);
    s->reading = s->writing = false;
    if (s->aborted && s->sock && s->desc.fd >= 0) {
        /* An abort resets the connection (RST) instead of a FIN after the unsent data. */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        eddy__sys.setsockopt(s->desc.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    eddy_producer *producer = s->producer;
    s->producer = NULL;
    if (producer)
        producer->ops->stop_producing(producer);
    eddy__wqueue_clear(s->net, &s->queue);
    eddy_protocol *p = s->protocol;
    eddy_connector *c = s->connector;
    if (c)
        eddy__connector_stream_gone(c);
    /* Descriptors close before connection_lost: a protocol that reconnects from there may get
     * the same fd numbers back. */
    close_fds(s);
    if (p && s->started) {
        p->transport = NULL;
        p->ops->connection_lost(p, why);
    }
    if (c)
        eddy__connector_connection_lost(c, why);
    forget(s);
}

void eddy__stream_finish(eddy__stream *s, int code)
{
    if (s->finished)
        return;
    if (s->busy) {
        eddy__stream_finish_later(s, code);
        return;
    }
    eddy_failure *why = eddy_failure_from_code(code);
    teardown(s, why);
    eddy_failure_unref(why);
}

static void finish_call(void *arg)
{
    eddy__stream *s = arg;
    s->finish_call.id = 0;
    eddy__stream_finish(s, s->finish_code);
}

void eddy__stream_finish_later(eddy__stream *s, int code)
{
    if (s->finishing)
        return;
    s->finishing = true;
    s->finish_code = code;
    s->finish_call = eddy_call_later(s->net->reactor, 0, finish_call, s);
    if (!s->finish_call.id)
        eddy_log(EDDY_LOG_ERROR, "eddy.net", eddy__stream_log_prefix(&s->base),
                 "no memory to schedule the end of the connection; finishing from its watcher");
    eddy__stream_update_watchers(s);
}

/* Whether the reactor still watches `d` in the role (the reactor forgets it before telling it). */
static bool reactor_holds(const eddy_reactor *r, const eddy_descriptor *d, bool writer)
{
    if (d->fd < 0 || d->fd >= r->nfds)
        return false;
    return (writer ? r->fds[d->fd].writer : r->fds[d->fd].reader) == d;
}

void eddy__stream_descriptor_lost(eddy__stream *s, eddy_descriptor *d, const eddy_failure *why)
{
    /* The reactor has already removed `d` in every role it had. */
    if (d == &s->desc)
        s->reading = false;
    if (d == s->wdesc)
        s->writing = false;
    if (s->finished)
        return;
    /* A stream with two descriptors (fdio's pipes): if the reactor dropped the other one in the
     * same sweep (its shutdown), that one's call is coming too, and must find the stream. */
    if ((s->reading && !reactor_holds(s->net->reactor, &s->desc, false)) ||
        (s->writing && s->wdesc != &s->desc && !reactor_holds(s->net->reactor, s->wdesc, true)))
        return;
    if (s->busy) {
        eddy__stream_finish_later(s, eddy_failure_code(why));
        return;
    }
    teardown(s, why);
}

/* ---- closing -------------------------------------------------------------------------------- */

int eddy__stream_lose(eddy__stream *s)
{
    if (s->finishing || s->disconnecting)
        return 0;
    s->disconnecting = true;
    if (s->producer && !s->streaming && !s->write_closed) {
        s->ask_producer = true; /* a pull producer is asked for more until it unregisters */
    } else if (s->queue.bytes == 0 || s->write_closed) {
        eddy__stream_finish_later(s, EDDY_ECONNDONE);
        return 0;
    }
    eddy__stream_update_watchers(s);
    return 0;
}

int eddy__stream_abort(eddy__stream *s)
{
    if (s->finishing)
        return 0;
    s->aborted = true;
    eddy__wqueue_clear(s->net, &s->queue);
    eddy__stream_finish_later(s, EDDY_EABORTED);
    return 0;
}

int eddy__stream_lose_write(eddy__stream *s)
{
    /* Before the idempotence test: a transport without a write side counts as write_closed. */
    if (!s->wdesc)
        return -ENOTCONN;
    if (s->finishing || s->disconnecting || s->shut_pending || s->write_closed)
        return 0;
    if (s->wdesc == &s->desc && !s->sock && !s->read_closed)
        return -EOPNOTSUPP; /* one descriptor, not a socket, still read (a tty): no half-close */
    s->shut_pending = true;
    eddy__stream_update_watchers(s);
    return 0;
}
