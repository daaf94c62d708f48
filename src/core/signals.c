/* signals.c - signal handlers that run in the loop, not in signal context.
 *
 * The process-wide handler only marks the signal as caught and writes to the owning reactor's
 * wakeup fd (both async-signal-safe); the reactor then calls the user's handler from its loop.
 * A signal belongs to at most one reactor at a time. The library installs nothing unless asked:
 * eddy_reactor_add_signal_handler, or options.install_signal_handlers for run(). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/reactor_internal.h"

#ifndef NSIG
#define NSIG 65
#endif

static volatile sig_atomic_t caught[NSIG];
static eddy__waker *_Atomic wakers[NSIG]; /* the owner's waker, read by the handler */
static eddy_reactor *owners[NSIG];        /* guarded by owners_lock */
static pthread_mutex_t owners_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_signal(int signo)
{
    if (signo <= 0 || signo >= NSIG)
        return;
    caught[signo] = 1;
    eddy__waker *w = atomic_load(&wakers[signo]);
    if (w)
        eddy__waker_wake(w);
}

static eddy__signal_handler *find(const eddy_reactor *r, int signo)
{
    for (size_t i = 0; i < r->nsignals; i++)
        if (r->signals[i].signo == signo)
            return &r->signals[i];
    return NULL;
}

static int add_handler(eddy_reactor *r, int signo, eddy_signal_fn fn, void *arg, bool by_run)
{
    if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP || !fn)
        return -EINVAL;
    eddy__signal_handler *existing = find(r, signo);
    if (existing) { /* replace the function, keep the saved disposition */
        existing->fn = fn;
        existing->arg = arg;
        existing->installed_by_run = by_run;
        return 0;
    }
    pthread_mutex_lock(&owners_lock);
    if (owners[signo]) {
        pthread_mutex_unlock(&owners_lock);
        return -EBUSY;
    }
    eddy__signal_handler *p = realloc(r->signals, (r->nsignals + 1) * sizeof *p);
    if (!p) {
        pthread_mutex_unlock(&owners_lock);
        return -ENOMEM;
    }
    r->signals = p;
    eddy__signal_handler *h = &r->signals[r->nsignals];
    *h = (eddy__signal_handler){.signo = signo, .fn = fn, .arg = arg, .installed_by_run = by_run};
    caught[signo] = 0;
    atomic_store(&wakers[signo], &r->waker);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, &h->previous) < 0) {
        int rc = -errno;
        atomic_store(&wakers[signo], NULL);
        pthread_mutex_unlock(&owners_lock);
        return rc;
    }
    owners[signo] = r;
    r->nsignals++;
    pthread_mutex_unlock(&owners_lock);
    return 0;
}

int eddy_reactor_add_signal_handler(eddy_reactor *r, int signo, eddy_signal_fn fn, void *arg)
{
    return add_handler(r, signo, fn, arg, false);
}

int eddy_reactor_remove_signal_handler(eddy_reactor *r, int signo)
{
    eddy__signal_handler *h = find(r, signo);
    if (!h)
        return EDDY_ENOTFOUND;
    pthread_mutex_lock(&owners_lock);
    sigaction(signo, &h->previous, NULL);
    atomic_store(&wakers[signo], NULL);
    owners[signo] = NULL;
    pthread_mutex_unlock(&owners_lock);
    *h = r->signals[--r->nsignals];
    return 0;
}

bool eddy__signals_pending(const eddy_reactor *r)
{
    for (size_t i = 0; i < r->nsignals; i++)
        if (caught[r->signals[i].signo])
            return true;
    return false;
}

void eddy__signals_dispatch(eddy_reactor *r)
{
    /* Only the signals caught before this pass run now. One caught while a handler runs (say, a
     * handler that raises its own signal or signals its process group) waits for the next
     * iteration, as a thread call does; rescanning for it here would loop without end. */
    bool due[NSIG] = {false};
    bool any = false;
    for (size_t i = 0; i < r->nsignals; i++) {
        int signo = r->signals[i].signo;
        if (caught[signo]) {
            caught[signo] = 0;
            due[signo] = any = true;
        }
    }
    for (int signo = 1; any && signo < NSIG; signo++) {
        if (!due[signo])
            continue;
        if (r->exit_loop) { /* crashed: the rest stay caught for a later iteration */
            caught[signo] = 1;
            continue;
        }
        /* A handler may add or remove handlers: look this one up now. */
        eddy__signal_handler *h = find(r, signo);
        if (h)
            h->fn(signo, h->arg);
    }
}

void eddy__signals_free(eddy_reactor *r)
{
    while (r->nsignals)
        eddy_reactor_remove_signal_handler(r, r->signals[0].signo);
    free(r->signals);
    r->signals = NULL;
}

static void stop_on_signal(int signo, void *arg)
{
    (void)signo;
    eddy_reactor *r = arg;
    if (eddy_reactor_stop(r) < 0)
        eddy_reactor_crash(r); /* not running yet, or already stopping: leave now */
}

int eddy__signals_install_defaults(eddy_reactor *r)
{
    static const int defaults[] = {SIGINT, SIGTERM};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        if (find(r, defaults[i]))
            continue; /* the user's own handler wins */
        /* An ignored SIGINT is a choice made for this process (nohup, or `cmd &` in a
         * non-interactive shell): keep it, as Twisted does. */
        struct sigaction now;
        if (defaults[i] == SIGINT && sigaction(SIGINT, NULL, &now) == 0 &&
            !(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_IGN)
            continue;
        int rc = add_handler(r, defaults[i], stop_on_signal, r, true);
        if (rc < 0 && rc != -EBUSY)
            return rc;
    }
    return 0;
}

void eddy__signals_remove_defaults(eddy_reactor *r)
{
    for (size_t i = 0; i < r->nsignals;) {
        if (r->signals[i].installed_by_run)
            eddy_reactor_remove_signal_handler(r, r->signals[i].signo);
        else
            i++;
    }
}

void eddy__signals_rewire(eddy_reactor *r)
{
    for (size_t i = 0; i < r->nsignals; i++)
        atomic_store(&wakers[r->signals[i].signo], &r->waker);
}
