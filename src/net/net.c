/* net.c - the net layer's per-reactor state (see net.h) and small socket helpers. */
#include <errno.h>
#include <stdlib.h>

#include "base/syscalls.h"
#include "core/reactor_internal.h"
#include "net/net.h"
#include "net/stream.h"

/* The key of the net state among the reactor's locals: the address of this object. */
static const char net_key;

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
    net->read_buf = malloc(EDDY__READ_SIZE);
    if (!net->read_buf || eddy__reactor_set_local(r, &net_key, net, net_free) < 0) {
        free(net->read_buf);
        free(net);
        return NULL;
    }
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
