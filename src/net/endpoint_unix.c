/* endpoint_unix.c - Unix stream socket endpoints and their string parsers: unix:/path, unix:@name
 * (a Linux abstract name), unix:path=/path for clients. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "net/endpoint_internal.h"

#define DEFAULT_BACKLOG 50
#define DEFAULT_MODE    0666
#define DEFAULT_TIMEOUT 30.0

/* The longest path a sockaddr_un holds (with its NUL). */
#define MAX_PATH (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

static int check_path(const char *type, const char *name, const char *path, eddy_failure **error)
{
    if (!path || !*path)
        return eddy__ep_fail(error, "%s: %s is required (%s:PATH)", type, name, type);
    /* An abstract name's '@' becomes its leading NUL, so it may use one byte more than a path,
     * which needs its terminating NUL (as eddy__address_unix counts). */
    size_t max = path[0] == '@' ? MAX_PATH + 1 : MAX_PATH;
    if (strlen(path) > max)
        return eddy__ep_fail(error, "%s: %s: '%s' is longer than %zu bytes", type, name, path, max);
    return 0;
}

/* ---- server ---------------------------------------------------------------------------------- */

typedef struct unix_server {
    eddy_server_endpoint base;
    char *path; /* owned */
    eddy_unix_listen_options options;
} unix_server;

static int start_listen(const void *target, const eddy_network *net, eddy_factory *factory,
                        eddy_listening_port **port)
{
    const unix_server *ep = target;
    return eddy_network_listen_unix(net, ep->path, factory, &ep->options, port);
}

static int server_listen(eddy_server_endpoint *base, eddy_factory *factory, eddy_deferred **out)
{
    unix_server *ep = (unix_server *)base;
    char what[160];
    snprintf(what, sizeof what, "listen on unix socket %s", ep->path);
    return eddy__ep_listen(&base->network, start_listen, ep, what, factory, out);
}

static void server_free(eddy_server_endpoint *base)
{
    unix_server *ep = (unix_server *)base;
    free(ep->path);
    free(ep);
}

static const eddy_server_endpoint_ops unix_server_ops = {.listen = server_listen,
                                                         .free = server_free};

int eddy_unix_server_endpoint_new(const eddy_network *net, const char *path,
                                  const eddy_unix_listen_options *options,
                                  eddy_server_endpoint **out)
{
    if (!path || !*path)
        return -EINVAL;
    unix_server *ep = calloc(1, sizeof *ep);
    if (!ep || !(ep->path = strdup(path))) {
        free(ep);
        return -ENOMEM;
    }
    if (options)
        ep->options = *options;
    ep->base.ops = &unix_server_ops;
    ep->base.network = *net;
    *out = &ep->base;
    return 0;
}

int eddy__ep_parse_unix_server(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                               eddy_server_endpoint **out, eddy_failure **error)
{
    (void)arg;
    static const char *const names[] = {"address", "mode", "backlog", "lockfile"};
    const char *v[4];
    int rc = eddy_endpoint_args_bind(args, names, 4, v, error);
    if (rc < 0 || (rc = check_path("unix", "address", v[0], error)) < 0)
        return rc;
    long backlog = DEFAULT_BACKLOG;
    bool lockfile = true;
    eddy_unix_listen_options o = {.mode = DEFAULT_MODE};
    if (v[1] && (rc = eddy__ep_mode("unix", "mode", v[1], &o.mode, error)) < 0)
        return rc;
    /* eddy_listen_unix reads a zero mode as "the default", 666: passing it on would open the
     * socket to everyone when the user asked for nobody. */
    if (o.mode == 0)
        return eddy__ep_fail(error,
                             "unix: mode: '%s' (no permissions) is not supported; use 600 "
                             "for the owner only",
                             v[1]);
    if (v[2] && (rc = eddy__ep_uint("unix", "backlog", v[2], 65535, &backlog, error)) < 0)
        return rc;
    if (v[3] && (rc = eddy__ep_flag("unix", "lockfile", v[3], &lockfile, error)) < 0)
        return rc;
    o.backlog = (int)backlog;
    o.want_pid = lockfile && v[0][0] != '@'; /* an abstract name has no file to lock */
    return eddy_unix_server_endpoint_new(net, v[0], &o, out);
}

/* ---- client ---------------------------------------------------------------------------------- */

typedef struct unix_client {
    eddy_client_endpoint base;
    char *path; /* owned */
    eddy_unix_connect_options options;
} unix_client;

static int start_connect(const void *target, const eddy_network *net, eddy_factory *factory,
                         eddy_connector **connector)
{
    const unix_client *ep = target;
    return eddy_network_connect_unix(net, ep->path, factory, &ep->options, connector);
}

static int client_connect(eddy_client_endpoint *base, eddy_factory *factory, eddy_deferred **out)
{
    unix_client *ep = (unix_client *)base;
    char what[160];
    snprintf(what, sizeof what, "connect to unix socket %s", ep->path);
    return eddy__ep_connect(&base->network, start_connect, ep, what, factory, out);
}

static void client_free(eddy_client_endpoint *base)
{
    unix_client *ep = (unix_client *)base;
    free(ep->path);
    free(ep);
}

static const eddy_client_endpoint_ops unix_client_ops = {.connect = client_connect,
                                                         .free = client_free};

int eddy_unix_client_endpoint_new(const eddy_network *net, const char *path,
                                  const eddy_unix_connect_options *options,
                                  eddy_client_endpoint **out)
{
    if (!path || !*path)
        return -EINVAL;
    unix_client *ep = calloc(1, sizeof *ep);
    if (!ep || !(ep->path = strdup(path))) {
        free(ep);
        return -ENOMEM;
    }
    if (options)
        ep->options = *options;
    ep->base.ops = &unix_client_ops;
    ep->base.network = *net;
    *out = &ep->base;
    return 0;
}

int eddy__ep_parse_unix_client(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                               eddy_client_endpoint **out, eddy_failure **error)
{
    (void)arg;
    static const char *const names[] = {"path", "timeout", "lockfile"};
    const char *v[3];
    int rc = eddy_endpoint_args_bind(args, names, 3, v, error);
    if (rc < 0 || (rc = check_path("unix", "path", v[0], error)) < 0)
        return rc;
    eddy_unix_connect_options o = {.timeout = DEFAULT_TIMEOUT};
    if (v[1] && (rc = eddy__ep_seconds("unix", "timeout", v[1], &o.timeout, error)) < 0)
        return rc;
    if (v[2] && (rc = eddy__ep_flag("unix", "lockfile", v[2], &o.check_pid, error)) < 0)
        return rc;
    return eddy_unix_client_endpoint_new(net, v[0], &o, out);
}
