/* port.h - listening ports and client connectors, shared by TCP, Unix and adopted sockets. */
#ifndef EDDY_NET_PORT_H
#define EDDY_NET_PORT_H

#include <stdbool.h>

#include "eddy/delayed_call.h"
#include "eddy/descriptor.h"
#include "eddy/tcp.h"
#include "net/stream.h"

struct eddy_port {
    eddy_descriptor desc; /* the listening socket, watched for readability */
    eddy_reactor *reactor;
    eddy_factory *factory;
    const eddy__stream_kind *kind; /* of the connections it accepts */
    eddy_address host;             /* where it listens */
    int accept_batch; /* accepts per readiness event (Twisted: 100, +20 if saturated) */
    double backoff;   /* current pause after EMFILE/ENFILE (s); 0 when accepting */
    eddy_delayed_call resume_call;    /* ends the pause */
    eddy_trigger_id shutdown_trigger; /* closes the port at shutdown if paused (0: none) */
    unsigned long exhausted;          /* times accepting paused for lack of descriptors */
    char *unix_path;                  /* socket file we created: removed when stopping */
    char *lock_path;                  /* pid lock file we hold: removed when stopping */
    char name[80];                    /* log prefix: "tcp port 127.0.0.1:8080" */
    bool listening : 1;
    bool reading : 1;      /* desc is registered as a reader */
    bool busy : 1;         /* inside the accept loop (factory code may run) */
    bool free_pending : 1; /* eddy_port_free was called from inside it */
};

/** Start a port on `fd` (bound, listening, non-blocking, close-on-exec): starts the factory and
 * watches the socket. On success the port owns `fd`; on failure the caller still does.
 * Errors: -ENOMEM, the reactor's add_reader errors. */
int eddy__port_start(eddy_reactor *r, int fd, eddy_factory *factory, const eddy__stream_kind *kind,
                     eddy_port **out);

/** Start connecting to `dest` (a TCP or Unix address) as eddy_connect_tcp describes. `bind` may
 * be NULL; `timeout` <= 0 means none. Errors: -ENOMEM, socket()'s errno. */
int eddy__connector_start(eddy_reactor *r, const eddy__stream_kind *kind, eddy_factory *factory,
                          const eddy_address *dest, const eddy_address *bind, double timeout,
                          bool check_pid, eddy_connector **out);

/* unix_lock.c: Twisted-style pid lock files ("PATH.lock", a symlink whose target is the pid). */
/** Take the lock for this process. Returns 0, 1 if a stale lock (of a dead process) was replaced,
 * -EADDRINUSE if a live process holds it, or another negated errno. */
int eddy__unix_lock_acquire(const char *lock_path);
/** True if the lock exists and names a live process. */
bool eddy__unix_lock_alive(const char *lock_path);

#endif
