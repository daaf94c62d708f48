/* eddy.h - everything: include this, or only the headers you use. */
#ifndef EDDY_H
#define EDDY_H

#include "eddy/clock.h"
#include "eddy/delayed_call.h"
#include "eddy/descriptor.h"
#include "eddy/error.h"
#include "eddy/failure.h"
#include "eddy/log.h"
#include "eddy/reactor.h"
#include "eddy/syscalls.h"
#include "eddy/version.h"

#endif
