/* eddy/reconnect.h - a client factory that reconnects with exponential back-off (Twisted's
 * ReconnectingClientFactory).
 *
 * It wraps any client factory: pass eddy_reconnecting_factory_factory(rf) to eddy_connect_tcp,
 * eddy_connect_unix or eddy_network_connect_*. Whenever the connection fails or is lost, the
 * wrapped factory's client_connection_failed/lost runs first, then a new attempt is scheduled on
 * the reactor's clock:
 *
 *     delay = min(delay * factor, max_delay)            (the first retry waits initial * factor)
 *     delay = normal(mean delay, sigma delay * jitter)   (and never below 0)
 *
 * A successful connection resets the delay (when the factory builds the protocol; set
 * manual_reset to call eddy_reconnecting_factory_reset_delay yourself, as Twisted protocols do in
 * connectionMade). eddy_reconnecting_factory_stop_trying ends it all.
 *
 * The randomness comes from a small generator seeded by options.seed, so tests with a fake clock
 * (eddy/testing.h) see the same delays every run. */
#ifndef EDDY_RECONNECT_H
#define EDDY_RECONNECT_H

#include <stdbool.h>
#include <stdint.h>

#include "eddy/network.h"
#include "eddy/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Twisted's defaults. */
#define EDDY_RECONNECT_INITIAL_DELAY 1.0
#define EDDY_RECONNECT_FACTOR        2.7182818284590451
#define EDDY_RECONNECT_JITTER        0.119626565582
#define EDDY_RECONNECT_MAX_DELAY     3600.0

/** Options; zero-initialise for Twisted's defaults. */
typedef struct eddy_reconnecting_options {
    double initial_delay; /**< seconds; 0 means EDDY_RECONNECT_INITIAL_DELAY */
    double factor;        /**< growth per retry; 0 means EDDY_RECONNECT_FACTOR */
    double jitter;        /**< relative standard deviation; 0 means EDDY_RECONNECT_JITTER,
                               negative means no jitter */
    double max_delay;     /**< seconds; 0 means EDDY_RECONNECT_MAX_DELAY */
    long max_retries;     /**< give up after this many retries in a row; 0 means never */
    uint64_t seed;        /**< seeds the jitter; 0 means a seed from the system */
    bool manual_reset;    /**< do not reset the delay on connect: call reset_delay yourself */
} eddy_reconnecting_options;

typedef struct eddy_reconnecting_factory eddy_reconnecting_factory;

/** Wrap `inner` (borrowed; must outlive the result). Retries go through `net` (copied: the
 * reactor's real network, eddy_reactor_network(r), or a memory reactor's) and wait on its
 * reactor's clock. `options` may be NULL. The caller owns *out.
 * Errors: -EINVAL (negative delays or factor < 1), -ENOMEM. */
int eddy_reconnecting_factory_new(const eddy_network *net, eddy_factory *inner,
                                  const eddy_reconnecting_options *options,
                                  eddy_reconnecting_factory **out);
/** Cancel a pending retry and free. The connector stays the caller's. NULL is a no-op. */
void eddy_reconnecting_factory_free(eddy_reconnecting_factory *rf);

/** The factory to connect with (borrowed; lives as long as `rf`). */
eddy_factory *eddy_reconnecting_factory_factory(eddy_reconnecting_factory *rf);

/** Schedule the next attempt of connector `c` as after a failure (Twisted's retry). Does nothing
 * if stop_trying was called, max_retries is reached or a retry is already pending. */
void eddy_reconnecting_factory_retry(eddy_reconnecting_factory *rf, eddy_connector *c);
/** Stop for good: cancel a pending retry and stop the connector if it is connecting. It uses the
 * connector last seen failing or losing: call it before freeing that connector. */
void eddy_reconnecting_factory_stop_trying(eddy_reconnecting_factory *rf);
/** Back to the initial delay and zero retries, and trying again if it had stopped. */
void eddy_reconnecting_factory_reset_delay(eddy_reconnecting_factory *rf);

/** The current delay: the one the pending retry waits, or the base of the next. */
double eddy_reconnecting_factory_delay(const eddy_reconnecting_factory *rf);
/** Retries since the last reset. */
long eddy_reconnecting_factory_retries(const eddy_reconnecting_factory *rf);
/** False after stop_trying (until reset_delay). */
bool eddy_reconnecting_factory_trying(const eddy_reconnecting_factory *rf);
/** True while a retry is scheduled. */
bool eddy_reconnecting_factory_retry_pending(const eddy_reconnecting_factory *rf);

#ifdef __cplusplus
}
#endif
#endif
