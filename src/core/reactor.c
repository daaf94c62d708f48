/* reactor.c - the reactor's life and its loop.
 *
 * One iteration, in order (docs/reactor.md draws it):
 *   1. refresh the cached time
 *   2. thread calls queued by eddy_call_from_thread, then signal handlers
 *   3. system events whose holds were all released
 *   4. delayed calls that are due (those scheduled during this step wait for the next iteration)
 *   5. if stop() was called: fire "shutdown" (its during phase ends the loop)
 *   6. hand queued watcher changes to the backend, poll (the wait ends at the next delayed call;
 *      it is 0 when steps 2-3 have work or a descriptor is always ready)
 *   7. refresh the time, call do_read/do_write for each ready descriptor */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/reactor_internal.h"
#include "eddy/delayed_call.h"
#include "eddy/log.h"
#include "eddy/version.h"
#include "eddy_config.h"

const char *eddy_version(void)
{
    return EDDY_VERSION;
}

/* ---- backends ------------------------------------------------------------------------------- */

static const char *available_names[8];

const char *const *eddy_reactor_backends(void)
{
    if (!available_names[0]) { /* racy but idempotent: every thread writes the same values */
        size_t n = 0;
        for (size_t i = 0; eddy__backends[i] && n < 7; i++)
            if (eddy__backends[i]->available())
                available_names[n++] = eddy__backends[i]->name;
    }
    return available_names;
}

static int pick_backend(const char *name, const eddy__backend_ops **out)
{
    if (!name || !*name)
        name = getenv("EDDY_REACTOR");
    for (size_t i = 0; eddy__backends[i]; i++) {
        const eddy__backend_ops *ops = eddy__backends[i];
        if (name && *name && strcmp(ops->name, name) != 0)
            continue;
        if (ops->available()) {
            *out = ops;
            return 0;
        }
        if (name && *name)
            break;
    }
    return EDDY_EBACKEND;
}

const char *eddy_reactor_backend_name(const eddy_reactor *r)
{
    return r->backend_ops->name;
}

/* ---- life ----------------------------------------------------------------------------------- */

static void during_startup(void *arg)
{
    eddy_reactor *r = arg;
    r->running = true;
    if (r->install_signal_handlers && eddy__signals_install_defaults(r) < 0)
        eddy_log(EDDY_LOG_WARN, "eddy.reactor", NULL, "could not install SIGINT/SIGTERM handlers");
}

/* The reactor's first "before shutdown" trigger. A startup that a before-startup trigger still
 * holds (waiting for a Deferred, say) never finishes once shutdown has begun: starting to serve
 * while stopping makes no sense, and finishing it after run() returned would leave the reactor
 * marked running (with SIGINT/SIGTERM handlers installed) with no loop. Twisted's startup phases
 * likewise do not run when shutdown ends the loop first. */
static void before_shutdown(void *arg)
{
    eddy__triggers_abandon(arg, "startup");
}

static void during_shutdown(void *arg)
{
    eddy_reactor *r = arg;
    r->running = false;
    r->exit_loop = 1;
    eddy__watchers_disconnect_all(r, EDDY_ECONNLOST);
}

int eddy_reactor_new(const eddy_reactor_options *options, eddy_reactor **out)
{
    eddy_reactor_options defaults = {0};
    if (!options)
        options = &defaults;
    const eddy__backend_ops *ops;
    int rc = pick_backend(options->backend, &ops);
    if (rc < 0)
        return rc;
    eddy_reactor *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->backend_ops = ops;
    r->clock = options->clock ? options->clock : eddy_clock_monotonic();
    r->install_signal_handlers = options->install_signal_handlers;
    r->now = r->clock->now_ns(r->clock);
    eddy__timers_init(&r->timers);
    eddy__triggers_init(r);
    r->waker.desc.fd = r->waker.write_fd = -1;
    if ((rc = ops->create(&r->backend)) < 0) {
        r->backend = NULL;
        goto fail;
    }
    if ((rc = eddy__watchers_init(r)) < 0 || (rc = eddy__waker_init(r)) < 0)
        goto fail;
    if ((rc = eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_DURING, "startup", during_startup,
                                                    r, NULL)) < 0 ||
        (rc = eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_BEFORE, "shutdown",
                                                    before_shutdown, r, NULL)) < 0 ||
        (rc = eddy_reactor_add_system_event_trigger(r, EDDY_PHASE_DURING, "shutdown",
                                                    during_shutdown, r, NULL)) < 0)
        goto fail;
    *out = r;
    return 0;
fail:
    eddy_reactor_free(r);
    return rc;
}

void *eddy__reactor_get_local(const eddy_reactor *r, const void *key)
{
    for (size_t i = 0; i < r->nlocals; i++)
        if (r->locals[i].key == key)
            return r->locals[i].value;
    return NULL;
}

int eddy__reactor_set_local(eddy_reactor *r, const void *key, void *value, void (*free_fn)(void *))
{
    for (size_t i = 0; i < r->nlocals; i++)
        if (r->locals[i].key == key) {
            if (r->locals[i].free_fn && r->locals[i].value != value)
                r->locals[i].free_fn(r->locals[i].value);
            r->locals[i].value = value;
            r->locals[i].free_fn = free_fn;
            return 0;
        }
    eddy__reactor_local *p = realloc(r->locals, (r->nlocals + 1) * sizeof *p);
    if (!p)
        return -ENOMEM;
    r->locals = p;
    r->locals[r->nlocals++] = (eddy__reactor_local){key, value, free_fn};
    return 0;
}

void eddy_reactor_free(eddy_reactor *r)
{
    if (!r)
        return;
    eddy__signals_free(r);
    if (r->waker.desc.ops)
        eddy__waker_free(r);
    if (r->backend)
        r->backend_ops->destroy(r->backend);
    eddy__watchers_free(r);
    eddy__timers_free(&r->timers);
    eddy__triggers_free(r);
    for (size_t i = 0; i < r->nlocals; i++)
        if (r->locals[i].free_fn)
            r->locals[i].free_fn(r->locals[i].value);
    free(r->locals);
    free(r);
}

/* ---- time ----------------------------------------------------------------------------------- */

void eddy__reactor_refresh_time(eddy_reactor *r)
{
    int64_t now = r->clock->now_ns(r->clock);
    if (now > r->now) /* a clock that steps back never makes calls run twice or early */
        r->now = now;
}

double eddy_reactor_seconds(const eddy_reactor *r)
{
    return (double)r->now / 1e9;
}

void eddy_reactor_update_time(eddy_reactor *r)
{
    eddy__reactor_refresh_time(r);
}

/* ---- the loop ------------------------------------------------------------------------------- */

/* Poll timeout in ms: -1 (forever), 0, or up to `max_wait_ns`, rounded up so the wake-up is
 * never before the next deadline. */
static int compute_timeout(eddy_reactor *r, int64_t max_wait_ns)
{
    if (r->exit_loop || (r->stopping && !r->shutdown_fired) || eddy__waker_has_work(r) ||
        eddy__signals_pending(r) || eddy__triggers_have_ready(r))
        return 0;
    int64_t wait = max_wait_ns;
    int64_t next = eddy__timers_next(&r->timers);
    if (next != INT64_MAX && next <= r->now)
        return 0; /* a call is due now: even a fake clock, which never waits for time, must not */
    if (next != INT64_MAX && !r->clock->fake) {
        int64_t until = next - r->now;
        if (wait < 0 || until < wait)
            wait = until;
    }
    if (wait < 0)
        return -1;
    int64_t ms = (wait + 999999) / 1000000;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int iterate_once(eddy_reactor *r, int64_t max_wait_ns)
{
    r->iterating = true;
    /* Delayed calls scheduled from here on, even with delay 0, wait for the next iteration. */
    eddy__timers_defer(&r->timers);
    eddy__reactor_refresh_time(r);
    eddy__waker_run_calls(r);
    eddy__signals_dispatch(r);
    eddy__triggers_run_ready(r);
    if (!r->exit_loop)
        eddy__timers_run(&r->timers, &r->now, &r->exit_loop);
    eddy__timers_flush(&r->timers);
    if (r->stopping && !r->shutdown_fired && !r->exit_loop) {
        r->shutdown_fired = true;
        r->stopping = false;
        eddy_reactor_fire_system_event(r, "shutdown");
    }
    int rc = 0;
    if (!r->exit_loop) {
        int timeout = compute_timeout(r, max_wait_ns);
        eddy__watchers_apply_changes(r);
        int n = eddy__watchers_poll(r, timeout);
        eddy__reactor_refresh_time(r);
        if (n > 0)
            eddy__watchers_dispatch(r, n);
        else if (n < 0)
            rc = n;
    }
    r->iterating = false;
    return rc;
}

int eddy_reactor_run(eddy_reactor *r)
{
    if (r->in_run)
        return EDDY_EALREADYRUNNING;
    if (r->has_run)
        return EDDY_ENOTRESTARTABLE;
    r->has_run = true;
    r->in_run = true;
    r->exit_loop = 0;
    eddy__reactor_refresh_time(r);
    eddy_reactor_fire_system_event(r, "startup");
    int failures = 0, gave_up = 0;
    while (!r->exit_loop) {
        int rc = iterate_once(r, -1);
        if (rc < 0 && ++failures > 100) {
            /* the backend keeps failing (e.g. EBADF on its own fd): don't spin */
            eddy_log(EDDY_LOG_CRITICAL, "eddy.reactor", NULL, "poll keeps failing: %s; crashing",
                     eddy_strerror(rc));
            gave_up = rc;
            break;
        } else if (rc == 0) {
            failures = 0;
        }
    }
    eddy__signals_remove_defaults(r);
    r->running = false;
    r->in_run = false;
    return gave_up;
}

int eddy_reactor_stop(eddy_reactor *r)
{
    /* Accepted as soon as run() has begun, as Twisted's stop() is once run() has started: a
     * before-startup trigger may hold startup (so `running` is not set yet), and the program must
     * still be able to give up. A crash (exit_loop set) ends that. */
    bool started = r->running || (r->in_run && !r->exit_loop);
    if (!started || r->stopping || r->shutdown_fired)
        return EDDY_ENOTRUNNING;
    r->stopping = true;
    return 0;
}

void eddy_reactor_crash(eddy_reactor *r)
{
    r->exit_loop = 1;
    r->running = false;
}

int eddy_reactor_iterate(eddy_reactor *r, double max_wait)
{
    if (r->iterating)
        return EDDY_EREENTRANT;
    if (isnan(max_wait) || max_wait < 0)
        max_wait = 0;
    int64_t ns = max_wait > 1e9 ? INT64_MAX / 4 : (int64_t)ceil(max_wait * 1e9);
    int saved_exit = r->exit_loop;
    r->exit_loop = 0;
    int rc = iterate_once(r, ns);
    if (r->in_run && saved_exit)
        r->exit_loop = saved_exit;
    return rc;
}

bool eddy_reactor_running(const eddy_reactor *r)
{
    return r->running;
}

int eddy_reactor_advance(eddy_reactor *r, double seconds)
{
    eddy_fake_clock *fc = eddy__fake_clock_from(r->clock);
    if (!fc)
        return -EINVAL;
    if (r->timers.running)
        return EDDY_EREENTRANT;
    eddy_fake_clock_advance(fc, seconds);
    eddy__reactor_refresh_time(r);
    /* The calls it runs are reactor callbacks: iterate() from inside them is refused too. Like
     * Twisted's Clock.advance, calls that become due during the advance (a call_later(0) made by
     * a call that ran) run too, in rounds; the round limit keeps a zero-interval loop finite. */
    bool was_iterating = r->iterating, was_deferring = r->timers.deferring;
    r->iterating = true;
    int stop = 0;
    for (int round = 0; round < 1000; round++) {
        eddy__timers_defer(&r->timers);
        size_t ran = eddy__timers_run(&r->timers, &r->now, &stop);
        eddy__timers_flush(&r->timers);
        if (ran == 0)
            break;
    }
    r->iterating = was_iterating;
    if (was_deferring)
        eddy__timers_defer(&r->timers);
    return 0;
}

int eddy_reactor_after_fork(eddy_reactor *r)
{
    int rc = r->backend_ops->reinit(r->backend);
    if (rc < 0)
        return rc;
    if ((rc = eddy__waker_reinit(r)) < 0)
        return rc;
    eddy__signals_rewire(r);
    return eddy__watchers_rearm_all(r);
}
