/* net.c - the net layer's per-reactor state (see net.h) and small socket helpers. */
#include <errno.h>
#include <stdlib.h>

#include "base/syscalls.h"
#include "core/reactor_internal.h"
#include "net/net.h"
#include "net/stream.h"

/* The key of the net state among the reactor's locals: the address of this object. */
static const char net_key;

/* The reactor's own "during shutdown" trigger (added when it was made, so it runs first) tells
 * every descriptor it watches; this one then ends the connections it does not watch. */
static void net_shutdown(void *arg)
{
    eddy__stream_end_all(arg, EDDY_ECONNLOST);
}

static void net_free(void *arg)
{
    eddy__net *net = arg;
    eddy__stream_forget_all(net);
    eddy__wqueue_pool_free(net);
    free(net->read_buf);
    free(net);
}

eddy__net *eddy__net_get(eddy_reactor *r)
{
    eddy__net *net = eddy__reactor_get_local(r, &net_key);
    if (net)
        return net;
    net = calloc(1, sizeof *net);
    if (!net)
        return NULL;
    net->reactor = r;
    net->read_buf = aligned_alloc(4096, EDDY__READ_SIZE);
    if (!net->read_buf || eddy__reactor_set_local(r, &net_key, net, net_free) < 0) {
        free(net->read_buf);
        free(net);
        return NULL;
    }
    /* Without the trigger (no memory) only paused connections miss their connection_lost at
     * shutdown; the state itself is sound, so it is not an error. */
    (void)eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_DURING, "shutdown", net_shutdown, net,
                                                NULL);
    return net;
}

void eddy__close(int fd)
{
    int saved = errno;
    eddy__sys.close(fd);
    errno = saved;
}

int eddy__setsockopt_int(int fd, int level, int name, int value)
{
    return eddy__sys.setsockopt(fd, level, name, &value, sizeof value) < 0 ? -errno : 0;
}

int eddy__getsockopt_int(int fd, int level, int name, int *value)
{
    socklen_t len = sizeof *value;
    return eddy__sys.getsockopt(fd, level, name, value, &len) < 0 ? -errno : 0;
}
