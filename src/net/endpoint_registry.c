/* endpoint_registry.c - which parser handles which endpoint type, and the two parse entry points.
 *
 * Built-in types live in static tables; plugins (ssl:, tls:, systemd: in later issues) register
 * at run time without touching the parser. The registry is process-wide and guarded by a mutex:
 * registration normally happens at start-up, but parsing may happen on any thread. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/endpoint_internal.h"

typedef struct entry {
    char *prefix;
    eddy_server_parser_fn server; /* exactly one of server / client is set */
    eddy_client_parser_fn client;
    void *arg;
    struct entry *next;
} entry;

static const struct {
    const char *prefix;
    eddy_server_parser_fn fn;
} builtin_servers[] = {
    {"tcp", eddy__ep_parse_tcp_server},
    {"tcp6", eddy__ep_parse_tcp6_server},
    {"unix", eddy__ep_parse_unix_server},
};

static const struct {
    const char *prefix;
    eddy_client_parser_fn fn;
} builtin_clients[] = {
    {"tcp", eddy__ep_parse_tcp_client},
    {"unix", eddy__ep_parse_unix_client},
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *registered; /* guarded by lock */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool builtin(const char *prefix, bool server)
{
    size_t n = server ? COUNT(builtin_servers) : COUNT(builtin_clients);
    for (size_t i = 0; i < n; i++) {
        const char *p = server ? builtin_servers[i].prefix : builtin_clients[i].prefix;
        if (strcasecmp(p, prefix) == 0)
            return true;
    }
    return false;
}

static entry *find_locked(const char *prefix, bool server)
{
    for (entry *e = registered; e; e = e->next) {
        if ((e->server != NULL) == server && strcasecmp(e->prefix, prefix) == 0)
            return e;
    }
    return NULL;
}

static int add(const char *prefix, eddy_server_parser_fn sfn, eddy_client_parser_fn cfn, void *arg)
{
    bool server = sfn != NULL;
    if (!prefix || !*prefix || strchr(prefix, ':') || (!sfn && !cfn))
        return -EINVAL;
    if (builtin(prefix, server))
        return -EEXIST;
    entry *e = calloc(1, sizeof *e);
    if (!e || !(e->prefix = strdup(prefix))) {
        free(e);
        return -ENOMEM;
    }
    e->server = sfn;
    e->client = cfn;
    e->arg = arg;
    pthread_mutex_lock(&lock);
    int rc = find_locked(prefix, server) ? -EEXIST : 0;
    if (rc == 0) {
        e->next = registered;
        registered = e;
    }
    pthread_mutex_unlock(&lock);
    if (rc < 0) {
        free(e->prefix);
        free(e);
    }
    return rc;
}

static int remove_parser(const char *prefix, bool server)
{
    pthread_mutex_lock(&lock);
    entry *found = find_locked(prefix, server);
    for (entry **pp = &registered; found && *pp; pp = &(*pp)->next) {
        if (*pp == found) {
            *pp = found->next;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    if (!found)
        return EDDY_ENOTFOUND;
    free(found->prefix);
    free(found);
    return 0;
}

int eddy_endpoint_register_server_parser(const char *prefix, eddy_server_parser_fn fn, void *arg)
{
    return fn ? add(prefix, fn, NULL, arg) : -EINVAL;
}

int eddy_endpoint_register_client_parser(const char *prefix, eddy_client_parser_fn fn, void *arg)
{
    return fn ? add(prefix, NULL, fn, arg) : -EINVAL;
}

int eddy_endpoint_unregister_server_parser(const char *prefix)
{
    return remove_parser(prefix, true);
}

int eddy_endpoint_unregister_client_parser(const char *prefix)
{
    return remove_parser(prefix, false);
}

/* ---- parsing --------------------------------------------------------------------------------- */

/* Say what went wrong with an unknown type; "8080" alone is a common slip for "tcp:8080". */
static int unknown_type(const char *prefix, eddy_failure **error)
{
    if (strspn(prefix, "0123456789") == strlen(prefix))
        return eddy__ep_fail(error, "unknown endpoint type '%s' (did you mean 'tcp:%s'?)", prefix,
                             prefix);
    return eddy__ep_fail(error, "unknown endpoint type '%s'", prefix);
}

/* Find the parser for args->prefix: *sfn or *cfn (per `server`) and *arg. */
static bool lookup(const char *prefix, bool server, eddy_server_parser_fn *sfn,
                   eddy_client_parser_fn *cfn, void **arg)
{
    *arg = NULL;
    for (size_t i = 0; server && i < COUNT(builtin_servers); i++) {
        if (strcasecmp(builtin_servers[i].prefix, prefix) == 0) {
            *sfn = builtin_servers[i].fn;
            return true;
        }
    }
    for (size_t i = 0; !server && i < COUNT(builtin_clients); i++) {
        if (strcasecmp(builtin_clients[i].prefix, prefix) == 0) {
            *cfn = builtin_clients[i].fn;
            return true;
        }
    }
    pthread_mutex_lock(&lock);
    entry *e = find_locked(prefix, server);
    if (e) {
        *sfn = e->server;
        *cfn = e->client;
        *arg = e->arg;
    }
    pthread_mutex_unlock(&lock);
    return e != NULL;
}

static int parse(const eddy_network *net, const char *description, bool server, void **out,
                 eddy_failure **error)
{
    if (error)
        *error = NULL;
    eddy_endpoint_args *args = NULL;
    int rc = eddy_endpoint_args_split(description, &args, error);
    if (rc < 0)
        return rc;
    eddy_server_parser_fn sfn = NULL;
    eddy_client_parser_fn cfn = NULL;
    void *arg;
    if (!lookup(args->prefix, server, &sfn, &cfn, &arg))
        rc = unknown_type(args->prefix, error);
    else if (server)
        rc = sfn(net, args, arg, (eddy_server_endpoint **)out, error);
    else
        rc = cfn(net, args, arg, (eddy_client_endpoint **)out, error);
    eddy_endpoint_args_free(args);
    return rc;
}

int eddy_server_endpoint_parse(const eddy_network *net, const char *description,
                               eddy_server_endpoint **out, eddy_failure **error)
{
    return parse(net, description, true, (void **)out, error);
}

int eddy_client_endpoint_parse(const eddy_network *net, const char *description,
                               eddy_client_endpoint **out, eddy_failure **error)
{
    return parse(net, description, false, (void **)out, error);
}
