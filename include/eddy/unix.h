/* eddy/unix.h - Unix stream sockets (Twisted's IReactorUNIX).
 *
 * Paths starting with '@' name a Linux abstract socket ("@name": no file, no lock file).
 * Ports and connectors are the same objects as TCP's (eddy/tcp.h) and are freed the same way. */
#ifndef EDDY_UNIX_H
#define EDDY_UNIX_H

#include <stdbool.h>
#include <sys/types.h>

#include "eddy/tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eddy_unix_listen_options {
    int backlog;   /**< 0 means 50 */
    int mode;      /**< permissions of the socket file; 0 means 0666 */
    bool want_pid; /**< keep a "PATH.lock" pid lock (a symlink whose target is our pid, as
                        Twisted's); refuse (-EADDRINUSE) if a live process holds it, replace a
                        stale one and remove the socket file its dead holder left (a lock
                        released meanwhile is simply taken); -EEXIST if
                        PATH.lock is something else (never removed). Ignored for abstract
                        names */
} eddy_unix_listen_options;

/** Listen on the Unix socket `path`. `options` may be NULL. Stopping the port removes the socket
 * file (and the lock) it made. Errors: -EADDRINUSE (also when the file exists: remove a stale
 * socket yourself or use want_pid), -EEXIST (want_pid, and PATH.lock is not a pid lock),
 * -ENAMETOOLONG, -EINVAL (empty path), -EACCES, -ENOMEM, other
 * socket/bind/listen errnos. */
int eddy_listen_unix(eddy_reactor *r, const char *path, eddy_factory *factory,
                     const eddy_unix_listen_options *options, eddy_port **out);

typedef struct eddy_unix_connect_options {
    double timeout; /**< seconds; 0 means 30; negative means none */
    bool check_pid; /**< fail unless "PATH.lock" names a live process: the factory's
                         client_connection_failed gets -ECONNREFUSED (from the loop) */
} eddy_unix_connect_options;

/** Connect to the Unix socket `path`; the factory is used as with eddy_connect_tcp (a missing
 * path reaches client_connection_failed as -ENOENT). Errors: -ENAMETOOLONG, -EINVAL, -ENOMEM,
 * socket()'s errno. */
int eddy_connect_unix(eddy_reactor *r, const char *path, eddy_factory *factory,
                      const eddy_unix_connect_options *options, eddy_connector **out);

/** The peer's credentials (SO_PEERCRED / getpeereid). Errors: -EOPNOTSUPP (not a Unix socket
 * or not supported here). Any output pointer may be NULL. */
int eddy_transport_get_peer_credentials(const eddy_transport *t, pid_t *pid, uid_t *uid,
                                        gid_t *gid);

#ifdef __cplusplus
}
#endif
#endif
