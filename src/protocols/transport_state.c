/* transport_state.c - "is this transport closing?", which the receivers ask after each message
 * (Twisted's transport.disconnecting).
 *
 * transport.h has no such query, and write's -ENOTCONN cannot stand in for one: a half-closed or
 * read-only stream refuses writes too while it still delivers data. Until the transport table
 * grows a `disconnecting` entry, this file asks the kinds of transport eddy has: its streams (TCP,
 * Unix, pipes), the testing kit's string transport, and protocol wrappers (which ask the transport
 * they wrap). Other kinds answer false: messages keep coming until the connection is lost, which
 * is safe, only less prompt. */
#include "eddy/protocols/policies.h"
#include "eddy/testing.h"
#include "net/stream.h"
#include "protocols/receiver.h"

bool eddy__transport_closing(eddy_transport *t)
{
    /* Wrappers nest; walk down to the real transport. */
    for (eddy_protocol_wrapper *w; t && (w = eddy_protocol_wrapper_from_transport(t));) {
        if (w->disconnecting)
            return true;
        t = w->protocol.transport;
    }
    if (!t)
        return false;
    if (t->ops == &eddy__stream_ops) {
        const eddy__stream *s = eddy__stream_of(t);
        return s->disconnecting || s->aborted || s->finishing;
    }
    eddy_string_transport *st = eddy_string_transport_from(t);
    if (st)
        return eddy_string_transport_disconnecting(st) || eddy_string_transport_aborted(st) ||
               eddy_string_transport_lost(st);
    return false;
}
