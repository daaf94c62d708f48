/* sys/event.h for a compile-only check of src/core/backend_kqueue.c on Linux, which has no kqueue.
 *
 * It declares the part of the BSD kqueue API the backend uses, as the FreeBSD and macOS manual
 * pages describe it (kqueue(2)), so that a Linux build catches typos and type errors in a file it
 * otherwise never compiles. It is never linked or run: the kqueue backend's behaviour is only
 * tested on a BSD or macOS machine. */
#ifndef EDDY_TEST_KQUEUE_STUB_SYS_EVENT_H
#define EDDY_TEST_KQUEUE_STUB_SYS_EVENT_H

#include <stdint.h>

struct timespec;

struct kevent {
    uintptr_t ident;      /* identifier for this event (a descriptor) */
    short filter;         /* filter for event */
    unsigned short flags; /* action flags for the kqueue */
    unsigned int fflags;  /* filter flag value */
    int64_t data;         /* filter data value */
    void *udata;          /* opaque user data identifier */
};

#define EVFILT_READ  (-1)
#define EVFILT_WRITE (-2)

#define EV_ADD     0x0001
#define EV_DELETE  0x0002
#define EV_ENABLE  0x0004
#define EV_DISABLE 0x0008
#define EV_CLEAR   0x0020
#define EV_ERROR   0x4000
#define EV_EOF     0x8000

#define EV_SET(kevp, a, b, c, d, e, f)                                                             \
    do {                                                                                           \
        struct kevent *ev_ = (kevp);                                                               \
        ev_->ident = (a);                                                                          \
        ev_->filter = (b);                                                                         \
        ev_->flags = (c);                                                                          \
        ev_->fflags = (d);                                                                         \
        ev_->data = (e);                                                                           \
        ev_->udata = (f);                                                                          \
    } while (0)

int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist,
           int nevents, const struct timespec *timeout);

#endif
