/* plugin_lines.c - `eddy lines`: a line-based chat server, like Twisted's chat example. Every line
 * a client sends goes to every other client, prefixed with the sender's number. A client that
 * reads too slowly to keep up (more than 1 MiB waiting for it) is disconnected, so one stuck
 * client cannot make the server's memory grow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eddy/protocols/basic.h"
#include "plugin.h"

#define SLOW_CLIENT_LIMIT (1u << 20)

typedef struct chat_client chat_client;
typedef struct lines_state lines_state;

struct chat_client {
    eddy_line_receiver lr; /* first: the protocol */
    lines_state *hub;
    unsigned long id;
    chat_client *prev, *next;
};

struct lines_state {
    eddy_factory factory;
    chat_client *clients;
    size_t live;
    unsigned long next_id;
};

static void broadcast(lines_state *hub, chat_client *from, const char *text, size_t len)
{
    char line[EDDY_LINE_MAX_LENGTH + 64];
    int prefix = snprintf(line, sizeof line, "<%lu> ", from->id);
    if (prefix < 0)
        return;
    /* Copied, not printed with %.*s: a line is bytes, and a NUL inside it must not cut it short. */
    size_t n = (size_t)prefix;
    if (len > sizeof line - n)
        len = sizeof line - n;
    memcpy(line + n, text, len);
    n += len;
    for (chat_client *c = hub->clients; c; c = c->next) {
        if (c == from)
            continue;
        eddy_transport *t = c->lr.base.protocol.transport;
        if (eddy_transport_buffered(t) > SLOW_CLIENT_LIMIT)
            eddy_transport_abort_connection(t);
        else
            eddy_line_receiver_send_line(&c->lr, line, n);
    }
}

static void chat_connection_made(eddy_line_receiver *lr)
{
    chat_client *c = (chat_client *)lr;
    char hello[96];
    int n = snprintf(hello, sizeof hello, "* welcome, you are <%lu>; %zu other(s) here", c->id,
                     c->hub->live - 1);
    eddy_line_receiver_send_line(lr, hello, (size_t)n);
    broadcast(c->hub, c, "* joined", 8);
}

static void chat_line_received(eddy_line_receiver *lr, const char *line, size_t len)
{
    chat_client *c = (chat_client *)lr;
    broadcast(c->hub, c, line, len);
}

static void chat_connection_lost(eddy_line_receiver *lr, const eddy_failure *reason)
{
    (void)reason;
    chat_client *c = (chat_client *)lr;
    lines_state *hub = c->hub;
    if (c->prev)
        c->prev->next = c->next;
    else
        hub->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    hub->live--;
    broadcast(hub, c, "* left", 6);
    free(c);
}

static const eddy_line_receiver_ops chat_ops = {
    .connection_made = chat_connection_made,
    .line_received = chat_line_received,
    .connection_lost = chat_connection_lost,
};

static eddy_protocol *build_chat(eddy_factory *f, const eddy_address *peer)
{
    (void)peer;
    lines_state *hub = (lines_state *)f;
    chat_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    eddy_line_receiver_init(&c->lr, &chat_ops);
    c->hub = hub;
    c->id = ++hub->next_id;
    c->next = hub->clients;
    if (hub->clients)
        hub->clients->prev = c;
    hub->clients = c;
    hub->live++;
    return &c->lr.base.protocol;
}

static const eddy_factory_ops lines_factory_ops = {.build_protocol = build_chat};

static int lines_option(void *state, const char *name, const char *value, eddy_cli_error *err)
{
    (void)state, (void)value;
    return eddy_cli_fail(err, "unknown option --%s", name);
}

static int lines_start(void *state, eddy_reactor *r, eddy_factory **factory, eddy_cli_error *err)
{
    (void)r, (void)err;
    lines_state *s = state;
    s->factory.ops = &lines_factory_ops;
    *factory = &s->factory;
    return 0;
}

static size_t lines_live(const void *state)
{
    return ((const lines_state *)state)->live;
}

static const eddy_cli_option lines_options[] = {{NULL, NULL, NULL}};

const eddy_cli_plugin eddy_cli_plugin_lines = {
    .name = "lines",
    .summary = "a line-based chat server: each line goes to every other client",
    .description = "Every line (ended by CRLF) a client sends is sent to all "
                   "other clients, prefixed with the sender's number. Try it with two "
                   "`socat - TCP:127.0.0.1:8023,crlf` sessions.",
    .default_listen = "tcp:8023",
    .options = lines_options,
    .state_size = sizeof(lines_state),
    .set_option = lines_option,
    .start = lines_start,
    .live = lines_live,
};
