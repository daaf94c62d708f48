/* backends.c - the backends this build has, best first. */
#include "core/backend.h"
#include "eddy_config.h"

#include <stddef.h>

const eddy__backend_ops *const eddy__backends[] = {
#ifdef EDDY_HAVE_EPOLL
    &eddy__backend_epoll,
#endif
#ifdef EDDY_HAVE_KQUEUE
    &eddy__backend_kqueue,
#endif
    &eddy__backend_poll,   &eddy__backend_select, NULL,
};
