/* reconnect.c - the reconnecting client factory (Twisted's ReconnectingClientFactory): wraps a
 * client factory and schedules connector retries with exponential back-off and Gaussian jitter.
 *
 * The algorithm is Twisted's, step for step, so delays match its documentation: the jittered
 * delay is kept and multiplied next time; reset_delay also re-enables trying. One difference: a
 * reset does not forget a scheduled retry (Twisted drops its handle), so freeing the factory can
 * always cancel it. */
#include <math.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "eddy/delayed_call.h"
#include "eddy/log.h"
#include "eddy/reconnect.h"

struct eddy_reconnecting_factory {
    eddy_factory base;     /* first: what connectors call */
    eddy_factory *inner;   /* the wrapped factory */
    eddy_network net;      /* retries go through it */
    eddy_reactor *reactor; /* its clock schedules them */
    double initial_delay, factor, jitter, max_delay;
    long max_retries;          /* 0: unlimited */
    double delay;              /* current delay */
    long retries;              /* since the last reset */
    uint64_t rng;              /* splitmix64 state */
    eddy_delayed_call call;    /* the pending retry, or id 0 */
    eddy_connector *connector; /* the connector last seen failing or losing */
    bool trying;               /* Twisted's continueTrying */
    bool manual_reset;
};

/* ---- randomness ------------------------------------------------------------------------------ */

static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1]. */
static double uniform(uint64_t *state)
{
    return (double)((next_u64(state) >> 11) + 1) * 0x1.0p-53;
}

/* Normal with the given mean and standard deviation (Box-Muller). */
static double normal(uint64_t *state, double mean, double sigma)
{
    double u1 = uniform(state), u2 = uniform(state);
    return mean + sigma * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static uint64_t system_seed(void)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed || seed == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec;
    }
    return seed;
}

/* ---- retrying -------------------------------------------------------------------------------- */

static void reconnect_now(void *arg)
{
    eddy_reconnecting_factory *rf = arg;
    rf->call.id = 0;
    int rc = eddy_network_connector_connect(&rf->net, rf->connector);
    if (rc < 0)
        eddy_log(EDDY_LOG_WARN, "eddy.reconnect", NULL, "reconnecting failed to start: %s",
                 eddy_strerror(rc));
}

void eddy_reconnecting_factory_retry(eddy_reconnecting_factory *rf, eddy_connector *c)
{
    if (!rf->trying || rf->call.id)
        return;
    if (c)
        rf->connector = c;
    if (!rf->connector)
        return;
    rf->retries++;
    if (rf->max_retries > 0 && rf->retries > rf->max_retries) {
        eddy_log(EDDY_LOG_INFO, "eddy.reconnect", NULL, "abandoning after %ld retries",
                 rf->retries - 1);
        return;
    }
    rf->delay = fmin(rf->delay * rf->factor, rf->max_delay);
    if (rf->jitter > 0)
        rf->delay = normal(&rf->rng, rf->delay, rf->delay * rf->jitter);
    if (rf->delay < 0)
        rf->delay = 0;
    rf->call = eddy_call_later(rf->reactor, rf->delay, reconnect_now, rf);
}

void eddy_reconnecting_factory_stop_trying(eddy_reconnecting_factory *rf)
{
    if (rf->call.id)
        eddy_delayed_call_cancel(rf->reactor, rf->call);
    rf->call.id = 0;
    rf->trying = false;
    if (rf->connector)
        eddy_network_connector_stop_connecting(&rf->net, rf->connector);
}

void eddy_reconnecting_factory_reset_delay(eddy_reconnecting_factory *rf)
{
    rf->delay = rf->initial_delay;
    rf->retries = 0;
    rf->trying = true;
}

/* ---- the wrapping factory -------------------------------------------------------------------- */

static eddy_protocol *rf_build(eddy_factory *f, const eddy_address *peer)
{
    eddy_reconnecting_factory *rf = (eddy_reconnecting_factory *)f;
    double delay = rf->delay;
    long retries = rf->retries;
    bool trying = rf->trying;
    /* Reset before building, so a stop_trying from inside the inner build_protocol stands. */
    if (!rf->manual_reset)
        eddy_reconnecting_factory_reset_delay(rf);
    eddy_protocol *p = rf->inner->ops->build_protocol(rf->inner, peer);
    if (!p && !rf->manual_reset) {
        /* Refused: no connection was made, so the back-off goes on as after any failure. */
        rf->delay = delay;
        rf->retries = retries;
        rf->trying = trying && rf->trying;
    }
    if (p && !p->factory)
        p->factory = rf->inner;
    return p;
}

static void rf_start(eddy_factory *f)
{
    eddy_factory_do_start(((eddy_reconnecting_factory *)f)->inner);
}

static void rf_stop(eddy_factory *f)
{
    eddy_factory_do_stop(((eddy_reconnecting_factory *)f)->inner);
}

static void rf_started(eddy_factory *f, eddy_connector *c)
{
    eddy_factory *inner = ((eddy_reconnecting_factory *)f)->inner;
    if (inner->ops->started_connecting)
        inner->ops->started_connecting(inner, c);
}

static void rf_failed(eddy_factory *f, eddy_connector *c, const eddy_failure *why)
{
    eddy_reconnecting_factory *rf = (eddy_reconnecting_factory *)f;
    if (rf->inner->ops->client_connection_failed)
        rf->inner->ops->client_connection_failed(rf->inner, c, why);
    if (rf->trying)
        eddy_reconnecting_factory_retry(rf, c);
}

static void rf_lost(eddy_factory *f, eddy_connector *c, const eddy_failure *why)
{
    eddy_reconnecting_factory *rf = (eddy_reconnecting_factory *)f;
    if (rf->inner->ops->client_connection_lost)
        rf->inner->ops->client_connection_lost(rf->inner, c, why);
    if (rf->trying)
        eddy_reconnecting_factory_retry(rf, c);
}

static const eddy_factory_ops rf_ops = {
    .build_protocol = rf_build,
    .start_factory = rf_start,
    .stop_factory = rf_stop,
    .started_connecting = rf_started,
    .client_connection_failed = rf_failed,
    .client_connection_lost = rf_lost,
};

/* ---- life cycle and state -------------------------------------------------------------------- */

static double or_default(double v, double def)
{
    return v == 0 ? def : v;
}

int eddy_reconnecting_factory_new(const eddy_network *net, eddy_factory *inner,
                                  const eddy_reconnecting_options *options,
                                  eddy_reconnecting_factory **out)
{
    eddy_reconnecting_options o = options ? *options : (eddy_reconnecting_options){0};
    o.initial_delay = or_default(o.initial_delay, EDDY_RECONNECT_INITIAL_DELAY);
    o.factor = or_default(o.factor, EDDY_RECONNECT_FACTOR);
    o.jitter = or_default(o.jitter, EDDY_RECONNECT_JITTER);
    o.max_delay = or_default(o.max_delay, EDDY_RECONNECT_MAX_DELAY);
    if (!net || !inner || !(o.initial_delay > 0) || !(o.factor >= 1) || !(o.max_delay > 0) ||
        isnan(o.jitter) || o.max_retries < 0)
        return -EINVAL;
    eddy_reconnecting_factory *rf = calloc(1, sizeof *rf);
    if (!rf)
        return -ENOMEM;
    rf->base.ops = &rf_ops;
    rf->inner = inner;
    rf->net = *net;
    rf->reactor = eddy_network_reactor(net);
    rf->initial_delay = o.initial_delay;
    rf->factor = o.factor;
    rf->jitter = o.jitter;
    rf->max_delay = o.max_delay;
    rf->max_retries = o.max_retries;
    rf->rng = o.seed ? o.seed : system_seed();
    rf->manual_reset = o.manual_reset;
    rf->delay = o.initial_delay;
    rf->trying = true;
    *out = rf;
    return 0;
}

void eddy_reconnecting_factory_free(eddy_reconnecting_factory *rf)
{
    if (!rf)
        return;
    if (rf->call.id)
        eddy_delayed_call_cancel(rf->reactor, rf->call);
    free(rf);
}

eddy_factory *eddy_reconnecting_factory_factory(eddy_reconnecting_factory *rf)
{
    return &rf->base;
}

double eddy_reconnecting_factory_delay(const eddy_reconnecting_factory *rf)
{
    return rf->delay;
}

long eddy_reconnecting_factory_retries(const eddy_reconnecting_factory *rf)
{
    return rf->retries;
}

bool eddy_reconnecting_factory_trying(const eddy_reconnecting_factory *rf)
{
    return rf->trying;
}

bool eddy_reconnecting_factory_retry_pending(const eddy_reconnecting_factory *rf)
{
    return rf->call.id != 0 && eddy_delayed_call_active(rf->reactor, rf->call);
}
