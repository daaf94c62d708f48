/* eddy/endpoint.h - endpoints: where to listen or connect, from a string (Twisted's
 * serverFromString / clientFromString and the endpoint classes).
 *
 * String syntax: `type:arg:arg:key=value:key=value`. Arguments without `=` are positional and
 * fill the type's parameters in order; a backslash makes the next character literal, so `\:`
 * is a colon inside an argument and `\\` a backslash (eddy_endpoint_quote writes these escapes).
 * Types are case-insensitive. Built in:
 *
 *   servers  tcp:PORT[:interface=IP][:backlog=N]          tcp:8080, tcp:0:interface=127.0.0.1
 *            tcp6:PORT[:interface=IP6][:backlog=N]        interface defaults to "::"
 *            unix:ADDRESS[:mode=OCTAL][:backlog=N][:lockfile=0|1]
 *                                                         unix:/run/x.sock:mode=660, unix:@name
 *   clients  tcp:HOST:PORT[:timeout=S][:bindAddress=IP]   tcp:host=127.0.0.1:port=80:timeout=10
 *            unix:PATH[:timeout=S][:lockfile=0|1]         unix:path=/run/x.sock
 *
 * Defaults are Twisted's: backlog 50, timeout 30 s, unix mode 666, server lockfile 1, client
 * lockfile 0. Other types (ssl:, tls:, systemd:) are added by registering parsers.
 *
 * Parsing is separate from acting: parsing makes an endpoint object and opens nothing; listen and
 * connect act and report through a Deferred. Endpoints act on an eddy_network (eddy/network.h):
 * the reactor's real one, or a memory reactor's in tests.
 *
 * Ownership: the caller owns endpoints (free them with eddy_*_endpoint_free; outstanding listens
 * and connects do not need the endpoint any more). Failures returned through `error` are owned
 * by the caller. */
#ifndef EDDY_ENDPOINT_H
#define EDDY_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "eddy/deferred.h"
#include "eddy/failure.h"
#include "eddy/network.h"
#include "eddy/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eddy_server_endpoint eddy_server_endpoint;
typedef struct eddy_client_endpoint eddy_client_endpoint;

/** What a kind of server endpoint implements (for parser plugins). */
typedef struct eddy_server_endpoint_ops {
    /** Start listening, as eddy_endpoint_listen describes. */
    int (*listen)(eddy_server_endpoint *ep, eddy_factory *factory, eddy_deferred **out);
    /** Free the endpoint (not what it started). */
    void (*free)(eddy_server_endpoint *ep);
} eddy_server_endpoint_ops;

/** Server endpoints start with this. */
struct eddy_server_endpoint {
    const eddy_server_endpoint_ops *ops; /**< the implementation */
    eddy_network network;                /**< where it listens */
};

/** What a kind of client endpoint implements (for parser plugins). */
typedef struct eddy_client_endpoint_ops {
    /** Start connecting, as eddy_endpoint_connect describes. */
    int (*connect)(eddy_client_endpoint *ep, eddy_factory *factory, eddy_deferred **out);
    /** Free the endpoint (not what it started). */
    void (*free)(eddy_client_endpoint *ep);
} eddy_client_endpoint_ops;

/** Client endpoints start with this. */
struct eddy_client_endpoint {
    const eddy_client_endpoint_ops *ops; /**< the implementation */
    eddy_network network;                /**< where it connects */
};

/* ---- using endpoints ------------------------------------------------------------------------ */

/** Parse a server description ("tcp:8080") into an endpoint on `net` (copied). Opens nothing.
 * Errors: -EINVAL with *error (if `error` is not NULL) a failure whose message says which part is
 * wrong, e.g. "tcp: port: 'http' is not a port number (0-65535)"; -ENOMEM. */
int eddy_server_endpoint_parse(const eddy_network *net, const char *description,
                               eddy_server_endpoint **out, eddy_failure **error);
/** Parse a client description ("tcp:host=127.0.0.1:port=80"). Errors as the server parse. */
int eddy_client_endpoint_parse(const eddy_network *net, const char *description,
                               eddy_client_endpoint **out, eddy_failure **error);

/** Start listening with `factory` (borrowed; it must outlive the port). *out (the caller's
 * reference) fires with the listening port: an eddy_listening_port * owned by the result (its
 * destructor is eddy_listening_port_free, so a callback that keeps it takes the value and frees it
 * later; if nobody takes it the port is closed when the Deferred is freed). If listening fails
 * it errbacks with the reason (-EADDRINUSE, -EACCES, ...) and a message naming the endpoint.
 * Errors (returned): -ENOMEM. */
int eddy_endpoint_listen(eddy_server_endpoint *ep, eddy_factory *factory, eddy_deferred **out);

/** Connect with `factory` (borrowed; it must outlive the connection). *out (the caller's
 * reference) fires with the protocol the factory built (eddy_protocol *, borrowed: it belongs to
 * the factory and lives until its connection_lost) once connection_made has run, or errbacks
 * with the reason (-ECONNREFUSED, EDDY_ETIMEOUT, ...). Cancelling *out while connecting stops the
 * attempt (EDDY_ECANCELLED). The factory's client_* handlers are not called: endpoints report
 * through the Deferred. The transport calls a small forwarding protocol that passes every event
 * on to the factory's protocol. An attempt holds memory until it ends: cancel one still pending
 * before freeing the reactor. Errors (returned): -ENOMEM. */
int eddy_endpoint_connect(eddy_client_endpoint *ep, eddy_factory *factory, eddy_deferred **out);

/** Free an endpoint. NULL is a no-op. */
void eddy_server_endpoint_free(eddy_server_endpoint *ep);
void eddy_client_endpoint_free(eddy_client_endpoint *ep);

/* ---- endpoints without strings -------------------------------------------------------------- */

/** A TCP server endpoint (Twisted's TCP4ServerEndpoint/TCP6ServerEndpoint). `options` may be
 * NULL; it is copied. Errors: -EINVAL (port out of 0-65535), -ENOMEM. */
int eddy_tcp_server_endpoint_new(const eddy_network *net, int port,
                                 const eddy_tcp_listen_options *options,
                                 eddy_server_endpoint **out);
/** A Unix server endpoint. Errors: -EINVAL (empty path), -ENOMEM. */
int eddy_unix_server_endpoint_new(const eddy_network *net, const char *path,
                                  const eddy_unix_listen_options *options,
                                  eddy_server_endpoint **out);
/** A TCP client endpoint (host is an IP literal until the resolver exists). Errors: -EINVAL
 * (empty host, port out of 1-65535), -ENOMEM. */
int eddy_tcp_client_endpoint_new(const eddy_network *net, const char *host, int port,
                                 const eddy_tcp_connect_options *options,
                                 eddy_client_endpoint **out);
/** A Unix client endpoint. Errors: -EINVAL (empty path), -ENOMEM. */
int eddy_unix_client_endpoint_new(const eddy_network *net, const char *path,
                                  const eddy_unix_connect_options *options,
                                  eddy_client_endpoint **out);

/* ---- the string syntax, for parser plugins -------------------------------------------------- */

/** One argument of a description, unescaped. */
typedef struct eddy_endpoint_arg {
    const char *key;   /**< NULL for a positional argument */
    const char *value; /**< never NULL */
} eddy_endpoint_arg;

/** A description split into its type and arguments. */
typedef struct eddy_endpoint_args {
    const char *prefix;            /**< the type as written ("tcp", "TCP") */
    size_t count;                  /**< number of arguments */
    const eddy_endpoint_arg *args; /**< the arguments, in order */
} eddy_endpoint_args;

/** Split `description` (see the syntax above). The caller frees *out with
 * eddy_endpoint_args_free. Errors: -EINVAL (empty description, empty type, empty key, trailing
 * backslash) with *error explaining; -ENOMEM. */
int eddy_endpoint_args_split(const char *description, eddy_endpoint_args **out,
                             eddy_failure **error);
/** Free split arguments. NULL is a no-op. */
void eddy_endpoint_args_free(eddy_endpoint_args *args);

/** Match arguments to a parser's parameters: positional arguments fill names[0], names[1], ... in
 * order, keywords go to the parameter of that name. values[i] is set to the value for names[i]
 * (borrowed from `args`) or NULL. Errors: -EINVAL with *error naming the unknown parameter, the
 * parameter given twice, or the extra positional argument. */
int eddy_endpoint_args_bind(const eddy_endpoint_args *args, const char *const *names, size_t n,
                            const char **values, eddy_failure **error);

/** Escape `s` for use as one argument (backslash before ':', '=' and '\'), Twisted's
 * quoteStringArgument. Writes into buf (always NUL-terminated when size > 0); returns the length
 * the escaped text needs, like snprintf. */
size_t eddy_endpoint_quote(const char *s, char *buf, size_t size);

/** Make a server endpoint from split arguments. `arg` is what was given at registration.
 * On error return a negative code and set *error (when `error` is not NULL) to say why. */
typedef int (*eddy_server_parser_fn)(const eddy_network *net, const eddy_endpoint_args *args,
                                     void *arg, eddy_server_endpoint **out, eddy_failure **error);
/** Make a client endpoint from split arguments. */
typedef int (*eddy_client_parser_fn)(const eddy_network *net, const eddy_endpoint_args *args,
                                     void *arg, eddy_client_endpoint **out, eddy_failure **error);

/** Add a parser for descriptions starting with `prefix` (case-insensitive, copied). `arg` is
 * borrowed and handed to every call. Thread-safe. Errors: -EEXIST (the prefix is taken, built-in
 * types included), -EINVAL (empty prefix or one containing ':'), -ENOMEM. */
int eddy_endpoint_register_server_parser(const char *prefix, eddy_server_parser_fn fn, void *arg);
int eddy_endpoint_register_client_parser(const char *prefix, eddy_client_parser_fn fn, void *arg);
/** Remove a registered parser (built-in ones cannot be removed). Errors: EDDY_ENOTFOUND. */
int eddy_endpoint_unregister_server_parser(const char *prefix);
int eddy_endpoint_unregister_client_parser(const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
