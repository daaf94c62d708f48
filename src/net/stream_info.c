/* stream_info.c - what a stream can say about itself: addresses, its descriptor, a log prefix.
 * Addresses are asked of the kernel when wanted rather than stored, to keep idle connections
 * small; the log prefix is made on first use and kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/stream.h"

static int address_of(const eddy__stream *s, bool peer, eddy_address *out)
{
    if (s->finished || s->desc.fd < 0)
        return -ENOTCONN;
    if (s->kind->addr_kind == EDDY_ADDRESS_PIPE) {
        *out = (eddy_address){.kind = EDDY_ADDRESS_PIPE};
        return 0;
    }
    return eddy__address_of_socket(s->desc.fd, peer, s->kind->addr_kind, out);
}

int eddy__stream_get_peer(const eddy_transport *t, eddy_address *out)
{
    return address_of(eddy__stream_of(t), true, out);
}

int eddy__stream_get_host(const eddy_transport *t, eddy_address *out)
{
    return address_of(eddy__stream_of(t), false, out);
}

int eddy__stream_fileno(const eddy_transport *t)
{
    const eddy__stream *s = eddy__stream_of(t);
    return s->desc.fd;
}

/* "tcp 127.0.0.1:5000<-127.0.0.1:41234", "unix unix:/run/x.sock<-unix:", "pipe 3/4". */
static char *make_prefix(const eddy__stream *s)
{
    char text[300];
    if (s->kind->addr_kind == EDDY_ADDRESS_PIPE) {
        snprintf(text, sizeof text, "%s %d/%d", s->kind->name, s->desc.fd,
                 s->wdesc ? s->wdesc->fd : -1);
    } else {
        char host[128] = "?", peer[128] = "?";
        eddy_address a;
        if (address_of(s, false, &a) == 0)
            eddy_address_format(&a, host, sizeof host);
        if (address_of(s, true, &a) == 0)
            eddy_address_format(&a, peer, sizeof peer);
        snprintf(text, sizeof text, "%s %s<-%s", s->kind->name, host, peer);
    }
    size_t n = strlen(text) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, text, n);
    return copy;
}

const char *eddy__stream_log_prefix(const eddy_transport *t)
{
    eddy__stream *s = eddy__stream_of(t);
    if (!s->prefix)
        s->prefix = make_prefix(s);
    return s->prefix ? s->prefix : s->kind->name;
}
