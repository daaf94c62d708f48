/* eddy.h - everything: include this, or only the headers you use. */
#ifndef EDDY_H
#define EDDY_H

#include "eddy/address.h"
#include "eddy/clock.h"
#include "eddy/common.h"
#include "eddy/deferred.h"
#include "eddy/delayed_call.h"
#include "eddy/descriptor.h"
#include "eddy/endpoint.h"
#include "eddy/error.h"
#include "eddy/failure.h"
#include "eddy/fdio.h"
#include "eddy/log.h"
#include "eddy/network.h"
#include "eddy/protocol.h"
#include "eddy/protocols/basic.h"
#include "eddy/protocols/factory.h"
#include "eddy/protocols/policies.h"
#include "eddy/protocols/portforward.h"
#include "eddy/protocols/wire.h"
#include "eddy/reactor.h"
#include "eddy/reconnect.h"
#include "eddy/syscalls.h"
#include "eddy/task.h"
#include "eddy/tcp.h"
#include "eddy/testing.h"
#include "eddy/transport.h"
#include "eddy/unix.h"
#include "eddy/version.h"

#endif
