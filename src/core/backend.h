/* backend.h - the narrow table every multiplexer implements.
 *
 * The reactor owns all watcher state (the fd table, generations, the change list); a backend only
 * mirrors interest into its kernel object and reports readiness. The contract:
 *  - modify(fd, gen, old, new) changes interest from `old` to `new` (EDDY__EV_READ|WRITE masks):
 *    old == 0 adds, new == 0 removes. The reactor calls it with removals immediately (so a removed
 *    fd is out of the kernel set before the user closes it) and batches additions and changes just
 *    before polling. `gen` is the fd's generation tag: the backend reports it back with every event
 *    so the reactor can drop events for an fd that was removed, closed or reused since the poll.
 *  - poll(timeout_ms, events, max) waits (-1: forever) and fills at most `max` events; it returns
 *    the count, 0 on timeout or EINTR, or a negated errno.
 *  - reinit() is for the child after fork: it replaces the kernel object and forgets all interest;
 *    the reactor then re-adds every watcher.
 *
 * Completion-based backends (io_uring, issue to come) fit beside this: they keep `modify`/`poll`
 * for plain readiness watchers (IORING_OP_POLL_ADD, multishot) so readers/writers work unchanged,
 * and add optional entries (left NULL here) that transports use when present: submit a receive
 * into a transport-owned buffer, submit a gathered send, accept multishot, and a `completions`
 * step in poll() that calls the owner's completion handler instead of producing readiness events.
 * Transports already own their read buffers and write queues, which is what completion I/O needs.
 */
#ifndef EDDY_CORE_BACKEND_H
#define EDDY_CORE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

enum {
    EDDY__EV_READ = 1,
    EDDY__EV_WRITE = 2,
    EDDY__EV_HUP = 4,
    EDDY__EV_ERR = 8,
};

/** One readiness event as a backend reports it. */
typedef struct eddy__event {
    int fd;
    uint32_t gen;  /* the generation the fd had when it was registered */
    uint32_t mask; /* EDDY__EV_* */
} eddy__event;

typedef struct eddy__backend eddy__backend;

typedef struct eddy__backend_ops {
    const char *name;
    int fd_limit; /* largest fd + 1 it can watch (select: FD_SETSIZE) */
    bool (*available)(void);
    int (*create)(eddy__backend **out);
    void (*destroy)(eddy__backend *b);
    int (*reinit)(eddy__backend *b);
    int (*modify)(eddy__backend *b, int fd, uint32_t gen, unsigned old_mask, unsigned new_mask);
    int (*poll)(eddy__backend *b, int timeout_ms, eddy__event *events, int max_events);
} eddy__backend_ops;

/** Every backend struct starts with this. */
struct eddy__backend {
    const eddy__backend_ops *ops;
};

extern const eddy__backend_ops eddy__backend_epoll;
extern const eddy__backend_ops eddy__backend_kqueue;
extern const eddy__backend_ops eddy__backend_poll;
extern const eddy__backend_ops eddy__backend_select;

/** The backends compiled in, best first, NULL-terminated. */
extern const eddy__backend_ops *const eddy__backends[];

#endif
