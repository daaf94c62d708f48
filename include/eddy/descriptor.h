/* eddy/descriptor.h - readers and writers (Twisted's IReadDescriptor / IWriteDescriptor).
 *
 * Any object with a file descriptor and the four handlers below can be watched by the reactor.
 * Embed an eddy_descriptor in your own struct and recover the struct in the handlers
 * (offsetof/container_of). The reactor stores only a pointer: it never allocates or frees your
 * object.
 *
 * Handlers run in the reactor's thread:
 *  - do_read is called while the descriptor is readable (level-triggered), do_write while it is
 *    writable. Return 0 to carry on, or a negative code to disconnect: the reactor then removes the
 *    descriptor (as reader and writer) and calls connection_lost once with a failure of that code
 *    (EDDY_ECONNDONE means a clean close, anything else a lost connection). The reactor acts on
 *    that code only if the object stayed in the role it was called for (reader for do_read,
 *    writer for do_write) for the whole call. If the handler took it out of that role (removed
 *    it, directly or through eddy_reactor_remove_all, even if it then added it back), the
 *    reactor cannot know whether the object still exists: it ignores the code and never touches
 *    the object for this event, so connection_lost is not called and the handler's own teardown
 *    is all there is. A handler may therefore remove and free its object and still return an
 *    error. Unlike Twisted, which calls connectionLost in that case too.
 *  - connection_lost(reason) is the last call the reactor makes on the object; the object may free
 *    itself inside it. `reason` is borrowed for the call.
 *  - log_prefix (may be NULL) names the object in log messages.
 * Any handler may add or remove any descriptor, or close any fd, including ones that have events
 * pending in the same batch: no event is ever delivered for a descriptor after it was removed.
 * Remove a descriptor before closing its fd. */
#ifndef EDDY_DESCRIPTOR_H
#define EDDY_DESCRIPTOR_H

#include <stddef.h>

#include "eddy/failure.h"
#include "eddy/reactor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eddy_descriptor eddy_descriptor;

/** The handlers of a descriptor (usually one static const table per kind of object). */
typedef struct eddy_descriptor_ops {
    int (*do_read)(eddy_descriptor *d);
    int (*do_write)(eddy_descriptor *d);
    void (*connection_lost)(eddy_descriptor *d, const eddy_failure *reason);
    const char *(*log_prefix)(const eddy_descriptor *d);
} eddy_descriptor_ops;

/** A watchable object: its handlers and its descriptor. `fd` must not change while the object is
 * registered; -1 means "already closed" (an event then disconnects it). */
struct eddy_descriptor {
    const eddy_descriptor_ops *ops;
    int fd;
};

/** Watch `d` for readability (its do_read). Adding the same object twice is a no-op.
 * Errors: -EINVAL (NULL, fd < 0, missing do_read), -EEXIST (another object reads that fd),
 * EDDY_EFDLIMIT (fd above what the backend can watch: select's FD_SETSIZE), -ENOMEM. The backend's
 * own refusal (e.g. -EBADF) is reported through connection_lost before the next poll; regular
 * files, which epoll refuses, are treated as always ready. */
int eddy_reactor_add_reader(eddy_reactor *r, eddy_descriptor *d);
/** Watch `d` for writability (its do_write). Same rules and errors as add_reader. */
int eddy_reactor_add_writer(eddy_reactor *r, eddy_descriptor *d);
/** Stop watching `d` for reading. Not watching it is not an error. Returns 0. */
int eddy_reactor_remove_reader(eddy_reactor *r, eddy_descriptor *d);
/** Stop watching `d` for writing. Not watching it is not an error. Returns 0. */
int eddy_reactor_remove_writer(eddy_reactor *r, eddy_descriptor *d);

/** Remove every reader and writer (not the reactor's internal ones). If `removed` is not NULL,
 * *removed gets a malloc'd array of the distinct objects removed (the caller frees the array, not
 * the objects) and *count their number. Errors: -ENOMEM (nothing is removed then). */
int eddy_reactor_remove_all(eddy_reactor *r, eddy_descriptor ***removed, size_t *count);

/** The current readers / writers as a malloc'd array (caller frees the array) and a count.
 * Errors: -ENOMEM. */
int eddy_reactor_get_readers(const eddy_reactor *r, eddy_descriptor ***out, size_t *count);
int eddy_reactor_get_writers(const eddy_reactor *r, eddy_descriptor ***out, size_t *count);

/** The log prefix of `d` ("?" when it has none). */
const char *eddy_descriptor_log_prefix(const eddy_descriptor *d);

#ifdef __cplusplus
}
#endif
#endif
