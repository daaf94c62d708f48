/* reactor_internal.h - the reactor's state, shared by the files of src/core. */
#ifndef EDDY_CORE_REACTOR_INTERNAL_H
#define EDDY_CORE_REACTOR_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/backend.h"
#include "core/timers.h"
#include "eddy/descriptor.h"
#include "eddy/reactor.h"

/** What the reactor knows about one fd number. Indexed by fd. */
typedef struct eddy__fd_slot {
    eddy_descriptor *reader; /* the object reading this fd, or NULL */
    eddy_descriptor *writer; /* the object writing this fd, or NULL */
    uint32_t gen;            /* generation: bumped when the fd leaves the reactor */
    uint8_t kernel_mask;     /* interest the backend currently has (EDDY__EV_READ|WRITE) */
    bool queued : 1;         /* in the change list */
    bool always_ready : 1;   /* the backend refused it (regular file): report it ready each poll */
    bool internal : 1;       /* the reactor's own (waker): hidden from get_readers/remove_all */
    bool counted : 1;        /* counted in nwatched (has some interest) */
} eddy__fd_slot;

/** A queued cross-thread call. */
typedef struct eddy__thread_call {
    eddy_callback fn;
    void *arg;
} eddy__thread_call;

/** The wakeup channel: an eventfd (or a pipe) watched by an internal reader. */
typedef struct eddy__waker {
    eddy_descriptor desc; /* reads fds[0] */
    int write_fd;         /* == desc.fd for an eventfd */
    atomic_bool pending;  /* a wakeup has been written and not yet consumed */
    pthread_mutex_t lock; /* guards calls */
    eddy__thread_call *calls;
    size_t ncalls, cap;
} eddy__waker;

/** A system event trigger. */
typedef struct eddy__trigger {
    eddy_trigger_id id;
    char *event;
    eddy_trigger_phase phase;
    eddy_callback fn;
    void *arg;
    bool removed;
} eddy__trigger;

/** A system event that is firing and waits for holds taken in its before phase. */
typedef struct eddy__firing eddy__firing;
struct eddy__firing {
    eddy_reactor *r;
    char *event;
    int holds;                  /* outstanding holds */
    eddy_event_hold *hold_list; /* the outstanding holds themselves */
    bool in_before;             /* before triggers still running: holds may be taken */
    bool ready;                 /* all holds released: run during+after from the loop */
    eddy__firing *next;
};

struct eddy_event_hold {
    eddy__firing *firing;  /* NULL once the reactor was freed: release then only frees the hold */
    eddy_event_hold *next; /* the firing's other holds */
};

/** One installed signal handler. */
typedef struct eddy__signal_handler {
    int signo;
    eddy_signal_fn fn;
    void *arg;
    struct sigaction previous;
    bool installed_by_run; /* SIGINT/SIGTERM installed by run(): removed when run returns */
} eddy__signal_handler;

/** Per-reactor storage for upper layers (e.g. the net layer's shared read buffer). */
typedef struct eddy__reactor_local {
    const void *key;
    void *value;
    void (*free_fn)(void *);
} eddy__reactor_local;

struct eddy_reactor {
    const eddy__backend_ops *backend_ops;
    eddy__backend *backend;
    eddy_clock *clock;
    int64_t now; /* cached clock, ns */

    eddy__fd_slot *fds; /* indexed by fd */
    int nfds;           /* allocated slots */
    int *changes;       /* fds whose interest changed since the last poll */
    int nchanges, cap_changes;
    int *always_ready; /* fds with always_ready set */
    int nalways, cap_always;
    int always_next;     /* where the next poll starts reporting them: all get their turn */
    eddy__event *events; /* filled by the backend's poll */
    int cap_events;
    int nwatched; /* fds with some interest */
    /* The role whose do_read/do_write is running (fd -1: none), and whether a handler took the
     * object out of that role meanwhile: then its error return is not acted on (watchers.c). */
    int handler_fd;
    bool handler_writer;
    bool handler_role_cleared;

    eddy__timers timers;
    eddy__waker waker;

    eddy__trigger *triggers;
    size_t ntriggers, cap_triggers;
    eddy_trigger_id next_trigger_id;
    int firing_depth;      /* > 0 while triggers run: removal only marks */
    eddy__firing *firings; /* events waiting on holds */

    eddy__signal_handler *signals;
    size_t nsignals;

    eddy__reactor_local *locals;
    size_t nlocals;

    bool install_signal_handlers;
    bool has_run;  /* run() was called once */
    bool in_run;   /* inside run() */
    bool running;  /* "during startup" .. "during shutdown" */
    bool stopping; /* stop() called, shutdown not fired yet */
    bool shutdown_fired;
    bool iterating;         /* inside an iteration: iterate() is refused */
    volatile int exit_loop; /* run() returns at the next check */
};

/* Per-reactor storage for upper layers, keyed by the address of something of theirs. get returns
 * NULL if unset; set replaces (freeing the old value) and returns 0 or -ENOMEM. Values are freed
 * with the reactor. */
void *eddy__reactor_get_local(const eddy_reactor *r, const void *key);
int eddy__reactor_set_local(eddy_reactor *r, const void *key, void *value, void (*free_fn)(void *));

/* time */
eddy_fake_clock *eddy__fake_clock_from(eddy_clock *c); /* NULL unless c is an eddy_fake_clock */
void eddy__reactor_refresh_time(eddy_reactor *r);

/* watchers.c */
int eddy__watchers_init(eddy_reactor *r);
void eddy__watchers_free(eddy_reactor *r);
int eddy__watchers_apply_changes(eddy_reactor *r);
void eddy__watchers_dispatch(eddy_reactor *r, int nevents);
int eddy__watchers_poll(eddy_reactor *r, int timeout_ms);
int eddy__watchers_rearm_all(eddy_reactor *r);
void eddy__watchers_disconnect_all(eddy_reactor *r, int code);
int eddy__reactor_add_internal_reader(eddy_reactor *r, eddy_descriptor *d);
void eddy__reactor_remove_internal_reader(eddy_reactor *r, eddy_descriptor *d);

/* waker.c */
int eddy__waker_init(eddy_reactor *r);
void eddy__waker_free(eddy_reactor *r);
int eddy__waker_reinit(eddy_reactor *r);
void eddy__waker_wake(eddy__waker *w);
bool eddy__waker_has_work(eddy_reactor *r);
void eddy__waker_run_calls(eddy_reactor *r);

/* signals.c */
void eddy__signals_dispatch(eddy_reactor *r);
bool eddy__signals_pending(const eddy_reactor *r);
void eddy__signals_free(eddy_reactor *r);
int eddy__signals_install_defaults(eddy_reactor *r);
void eddy__signals_remove_defaults(eddy_reactor *r);
void eddy__signals_rewire(eddy_reactor *r);

/* triggers.c */
int eddy__triggers_init(eddy_reactor *r);
void eddy__triggers_free(eddy_reactor *r);
void eddy__triggers_run_ready(eddy_reactor *r);
bool eddy__triggers_have_ready(const eddy_reactor *r);
/* Drop every firing of `event` that waits for holds (or is ready but has not run): its during and
 * after phases never run, and its holds, released later, only free themselves. */
void eddy__triggers_abandon(eddy_reactor *r, const char *event);

#endif
