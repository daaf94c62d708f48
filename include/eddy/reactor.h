/* eddy/reactor.h - the reactor: one loop that waits on descriptors and timers and calls handlers.
 *
 * A reactor is an object passed explicitly; a program may run one reactor per thread. Only
 * eddy_call_from_thread() may be called from a thread other than the reactor's own.
 *
 * The multiplexer ("backend") is chosen at run time: by eddy_reactor_options.backend, else by the
 * EDDY_REACTOR environment variable (select, poll, epoll, kqueue), else the best available.
 * See docs/reactor.md for the order of the phases in one iteration and the lifetime rules.
 *
 * Related headers: eddy/delayed_call.h (call_later), eddy/descriptor.h (readers and writers),
 * eddy/clock.h (fake clock for tests). */
#ifndef EDDY_REACTOR_H
#define EDDY_REACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eddy/clock.h"
#include "eddy/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eddy_reactor eddy_reactor;

/** The callback type used throughout the reactor: called in the reactor's thread with `arg`. */
typedef void (*eddy_callback)(void *arg);

/** Options for eddy_reactor_new(). Zero-initialise, then set what you need. */
typedef struct eddy_reactor_options {
    /** Backend name ("select", "poll", "epoll", "kqueue"); NULL: $EDDY_REACTOR, else the best. */
    const char *backend;
    /** Clock (borrowed; must outlive the reactor); NULL: the monotonic clock. */
    eddy_clock *clock;
    /** If true, eddy_reactor_run() installs SIGINT and SIGTERM handlers that stop the reactor,
     * and restores the previous handlers when it returns. An ignored SIGINT (nohup, `cmd &` in a
     * script) stays ignored, as in Twisted. Off by default: the library never changes
     * process-wide signal state unless asked. */
    bool install_signal_handlers;
} eddy_reactor_options;

/** Create a reactor. `options` may be NULL (all defaults). On success *out owns the new reactor.
 * Errors: EDDY_EBACKEND (unknown or unavailable backend name), -ENOMEM, or the negated errno of
 * the backend's set-up call (e.g. -EMFILE). */
int eddy_reactor_new(const eddy_reactor_options *options, eddy_reactor **out);

/** Free a reactor that is not running. Registered descriptors are forgotten (their
 * connection_lost is not called: they belong to the caller); pending delayed calls, thread calls
 * and triggers are discarded without being called; signal handlers it installed are restored.
 * Other threads must have stopped calling eddy_call_from_thread on it before this starts (join
 * them, or have them stop when told through a thread call). NULL is a no-op. */
void eddy_reactor_free(eddy_reactor *r);

/** Names of the backends this build and this kernel can use, best first, NULL-terminated.
 * Static array. */
const char *const *eddy_reactor_backends(void);
/** The name of the backend `r` uses (static string). */
const char *eddy_reactor_backend_name(const eddy_reactor *r);

/** Run the reactor: fire the "startup" system event, then loop until eddy_reactor_stop() (which
 * fires "shutdown" at the end of the current iteration) or eddy_reactor_crash(). A reactor runs
 * once: errors EDDY_EALREADYRUNNING (called while running), EDDY_ENOTRESTARTABLE (it has
 * already run and stopped). Returns 0 after a normal stop or a crash; if the multiplexer keeps
 * failing (100 polls in a row), it gives up like a crash (no shutdown) and returns that error. */
int eddy_reactor_run(eddy_reactor *r);

/** Ask a running reactor to stop: at the end of the current iteration the "shutdown" system event
 * fires (before triggers may delay it, see eddy_reactor_hold_system_event), the reactor removes and
 * disconnects every descriptor (connection_lost with EDDY_ECONNLOST), then run() returns.
 * Accepted as soon as run() has begun, as Twisted's is: also while a before-startup trigger holds
 * "startup" (eddy_reactor_running() is still false then). A startup still held when shutdown
 * begins never finishes: its during and after triggers, and the calls of
 * eddy_reactor_call_when_running waiting for it, do not run, and its holds, released later, only
 * free themselves. Errors: EDDY_ENOTRUNNING if run() is not in progress (before it, after it
 * returned, or after a crash) or the reactor is already stopping. */
int eddy_reactor_stop(eddy_reactor *r);

/** Make run() return as soon as the current callback returns, without system events. */
void eddy_reactor_crash(eddy_reactor *r);

/** Run one iteration: the delayed calls and thread calls that are due, then one poll that waits
 * at most `max_wait` seconds (0: do not block; the wait is shortened by the next delayed call),
 * then the I/O handlers. Works whether or not run() is in progress, but not from inside a callback
 * of the same reactor (EDDY_EREENTRANT). Returns 0 or a negated errno from the backend. */
int eddy_reactor_iterate(eddy_reactor *r, double max_wait);

/** True from "during startup" until the shutdown event's "during" phase. */
bool eddy_reactor_running(const eddy_reactor *r);

/** The reactor's time in seconds: monotonic, cached once per iteration (so every callback of one
 * iteration sees the same value). Delayed calls are scheduled relative to it. */
double eddy_reactor_seconds(const eddy_reactor *r);
/** Refresh the cached time now (after a long computation inside a callback). */
void eddy_reactor_update_time(eddy_reactor *r);

/** With a fake clock: move time forward by `seconds` and run the delayed calls that became due,
 * as Twisted's Clock.advance does, including calls scheduled meanwhile that are already due (in
 * rounds, at most 1000, so a zero-interval loop cannot hang a test). Time never goes back: a
 * negative or NaN amount leaves it where it is and only runs calls already due. Errors: -EINVAL if
 * the reactor's clock is not fake, EDDY_EREENTRANT from inside a callback that is iterating. */
int eddy_reactor_advance(eddy_reactor *r, double seconds);

/* ---- system event triggers --------------------------------------------------------------- */

typedef enum eddy_trigger_phase {
    EDDY_PHASE_BEFORE,
    EDDY_PHASE_DURING,
    EDDY_PHASE_AFTER,
} eddy_trigger_phase;

/** Trigger id: non-zero. */
typedef uint64_t eddy_trigger_id;

/** Register `fn(arg)` to run in `phase` of the system event named `event` ("startup", "shutdown"
 * or any name of your own, fired with eddy_reactor_fire_system_event). Triggers of one phase run
 * in the order they were added. On success *id (if not NULL) gets the trigger's id.
 * Errors: -EINVAL (bad phase or NULL event/fn), -ENOMEM. */
int eddy_reactor_add_system_event_trigger(eddy_reactor *r, eddy_trigger_phase phase,
                                          const char *event, eddy_callback fn, void *arg,
                                          eddy_trigger_id *id);
/** Remove a trigger. A trigger removed while its event is firing does not run if it has not yet.
 * Errors: EDDY_ENOTFOUND. */
int eddy_reactor_remove_system_event_trigger(eddy_reactor *r, eddy_trigger_id id);

/** Fire a system event: its before triggers, then (once every hold is released) its during
 * triggers, then its after triggers. Firing "startup" or "shutdown" by hand is allowed but unusual.
 * Errors: -EINVAL (NULL name), -ENOMEM. */
int eddy_reactor_fire_system_event(eddy_reactor *r, const char *event);

/** A hold on a firing event, taken by a before trigger to make the event wait (for example until
 * a Deferred fires: the Deferred layer uses this so shutdown waits for cleanup). */
typedef struct eddy_event_hold eddy_event_hold;
/** Take a hold on `event` while its before triggers are running; NULL if that event is not in its
 * before phase (or out of memory). Release it exactly once. */
eddy_event_hold *eddy_reactor_hold_system_event(eddy_reactor *r, const char *event);
/** Release a hold: when the last hold of a firing event is released, its during and after
 * phases run (from the reactor loop, not inside this call). Releasing a hold after its reactor was
 * freed is allowed: it only frees the hold. */
void eddy_reactor_release_system_event(eddy_event_hold *hold);

/** Call `fn(arg)` when the reactor is running: at once if it is, else as an "after startup"
 * trigger. Errors: -ENOMEM. */
int eddy_reactor_call_when_running(eddy_reactor *r, eddy_callback fn, void *arg);

/* ---- threads, signals, fork -------------------------------------------------------------- */

/** The one thread-safe call: queue `fn(arg)` to run in the reactor's thread, in FIFO order, and
 * wake the reactor (one coalesced wakeup per batch: an eventfd where available, else a pipe).
 * May be called from any thread, including the reactor's own (then it runs in the next iteration).
 * Errors: -ENOMEM. */
int eddy_call_from_thread(eddy_reactor *r, eddy_callback fn, void *arg);

/** Handler for a signal, called in the reactor's thread (never in signal context). */
typedef void (*eddy_signal_fn)(int signo, void *arg);
/** Install a handler for `signo` that runs `fn(signo, arg)` from the loop. This changes the
 * process's disposition of `signo` (sigaction, SA_RESTART); the previous disposition is restored
 * by eddy_reactor_remove_signal_handler or eddy_reactor_free. One reactor per signal at a time.
 * Errors: -EINVAL (bad signal, or SIGKILL/SIGSTOP), -EBUSY (another reactor handles it),
 * -ENOMEM, or sigaction's negated errno. */
int eddy_reactor_add_signal_handler(eddy_reactor *r, int signo, eddy_signal_fn fn, void *arg);
/** Remove the handler and restore the previous disposition. Errors: EDDY_ENOTFOUND. */
int eddy_reactor_remove_signal_handler(eddy_reactor *r, int signo);

/** Call in a child process after fork() before using a reactor inherited from the parent (and
 * only there): it rebuilds the backend's kernel object (the child shares the parent's epoll set; a
 * kqueue is not inherited at all), a new wakeup channel, and re-arms every reader and writer.
 * As with any fork of a threaded program, no other thread may be inside eddy_call_from_thread
 * at the moment of the fork (its lock would stay held in the child). Errors: negated errno of
 * the set-up. */
int eddy_reactor_after_fork(eddy_reactor *r);

#ifdef __cplusplus
}
#endif
#endif
