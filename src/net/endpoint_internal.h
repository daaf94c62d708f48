/* endpoint_internal.h - shared by the endpoint files: argument conversion with error messages, the
 * built-in parsers, and the connect machinery. */
#ifndef EDDY_NET_ENDPOINT_INTERNAL_H
#define EDDY_NET_ENDPOINT_INTERNAL_H

#include "eddy/endpoint.h"

/* Set *error (if error is not NULL) to an -EINVAL failure with this message; returns -EINVAL. */
int eddy__ep_fail(eddy_failure **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Conversions: each checks `s` completely and on error names the endpoint type and parameter,
 * e.g. "tcp: port: 'x' is not a port number (0-65535)". All return 0 or -EINVAL. */
int eddy__ep_port(const char *type, const char *name, const char *s, int min, int *out,
                  eddy_failure **error);
int eddy__ep_uint(const char *type, const char *name, const char *s, long max, long *out,
                  eddy_failure **error);
int eddy__ep_mode(const char *type, const char *name, const char *s, int *out,
                  eddy_failure **error);
int eddy__ep_seconds(const char *type, const char *name, const char *s, double *out,
                     eddy_failure **error);
int eddy__ep_flag(const char *type, const char *name, const char *s, bool *out,
                  eddy_failure **error);
/* family: AF_INET, AF_INET6 or AF_UNSPEC (either). */
int eddy__ep_ip(const char *type, const char *name, const char *s, int family,
                eddy_failure **error);

/* The built-in parsers (endpoint_tcp.c, endpoint_unix.c). */
int eddy__ep_parse_tcp_server(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                              eddy_server_endpoint **out, eddy_failure **error);
int eddy__ep_parse_tcp6_server(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                               eddy_server_endpoint **out, eddy_failure **error);
int eddy__ep_parse_tcp_client(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                              eddy_client_endpoint **out, eddy_failure **error);
int eddy__ep_parse_unix_server(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                               eddy_server_endpoint **out, eddy_failure **error);
int eddy__ep_parse_unix_client(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                               eddy_client_endpoint **out, eddy_failure **error);

/* Listening: `start` listens on `net` and sets *port; the result becomes *out, a Deferred fired
 * with the port or failed with the error (its message starts with `what`). Errors: -ENOMEM. */
typedef int (*eddy__listen_fn)(const void *target, const eddy_network *net, eddy_factory *factory,
                               eddy_listening_port **port);
int eddy__ep_listen(const eddy_network *net, eddy__listen_fn start, const void *target,
                    const char *what, eddy_factory *factory, eddy_deferred **out);

/* Connecting (endpoint_connect.c): `start` calls the network's connect with the factory it is
 * given (a wrapper around the user's). Errors: -ENOMEM. */
typedef int (*eddy__connect_fn)(const void *target, const eddy_network *net, eddy_factory *factory,
                                eddy_connector **connector);
int eddy__ep_connect(const eddy_network *net, eddy__connect_fn start, const void *target,
                     const char *what, eddy_factory *factory, eddy_deferred **out);

#endif
