/* plugin_wire.c - the small RFC services as plugins: echo, discard, chargen, daytime, qotd, time.
 */
#include "eddy/protocols/wire.h"
#include "plugin.h"

typedef struct wire_state {
    eddy_simple_factory factory;
    const char *quote; /* qotd only */
} wire_state;

static size_t wire_live(const void *state)
{
    return ((const wire_state *)state)->factory.live;
}

#define WIRE_START(kind)                                                                           \
    static int kind##_start(void *state, eddy_reactor *r, eddy_factory **factory,                  \
                            eddy_cli_error *err)                                                   \
    {                                                                                              \
        (void)r, (void)err;                                                                        \
        wire_state *s = state;                                                                     \
        eddy_##kind##_factory_init(&s->factory);                                                   \
        *factory = &s->factory.base;                                                               \
        return 0;                                                                                  \
    }

WIRE_START(echo)
WIRE_START(discard)
WIRE_START(chargen)
WIRE_START(daytime)
WIRE_START(time)

static int qotd_start(void *state, eddy_reactor *r, eddy_factory **factory, eddy_cli_error *err)
{
    (void)r, (void)err;
    wire_state *s = state;
    eddy_qotd_factory_init(&s->factory, s->quote);
    *factory = &s->factory.base;
    return 0;
}

static int no_options(void *state, const char *name, const char *value, eddy_cli_error *err)
{
    (void)state, (void)value;
    return eddy_cli_fail(err, "unknown option --%s", name);
}

static int qotd_option(void *state, const char *name, const char *value, eddy_cli_error *err)
{
    (void)err;
    ((wire_state *)state)->quote = value; /* argv outlives the run */
    (void)name;
    return 0;
}

static const eddy_cli_option no_plugin_options[] = {{NULL, NULL, NULL}};
static const eddy_cli_option qotd_options[] = {
    {"quote", "TEXT", "the quote to send (default: a proverb)"},
    {NULL, NULL, NULL},
};

#define WIRE_PLUGIN(kind, port, sum, desc)                                                         \
    const eddy_cli_plugin eddy_cli_plugin_##kind = {                                               \
        .name = #kind,                                                                             \
        .summary = sum,                                                                            \
        .description = desc,                                                                       \
        .default_listen = "tcp:" #port,                                                            \
        .options = no_plugin_options,                                                              \
        .state_size = sizeof(wire_state),                                                          \
        .set_option = no_options,                                                                  \
        .start = kind##_start,                                                                     \
        .live = wire_live,                                                                         \
    };

WIRE_PLUGIN(echo, 8000, "echo service (RFC 862): sends back what it receives",
            "Sends back every byte it receives. A client that sends without reading is paused, so "
            "memory stays bounded.")
WIRE_PLUGIN(discard, 8009, "discard service (RFC 863): drops what it receives",
            "Reads and drops everything.")
WIRE_PLUGIN(chargen, 8019, "character generator (RFC 864)",
            "Sends lines of printable characters as fast as the client reads them.")
WIRE_PLUGIN(daytime, 8013, "daytime service (RFC 867): the time as text, then close",
            "Sends the current UTC date and time as one line, then closes.")
WIRE_PLUGIN(time, 8037, "time service (RFC 868): the time as 32 bits, then close",
            "Sends the seconds since 1900-01-01 UTC as a 32-bit big-endian number, then closes.")

const eddy_cli_plugin eddy_cli_plugin_qotd = {
    .name = "qotd",
    .summary = "quote of the day (RFC 865): one quote, then close",
    .description = "Sends a quote and closes the connection.",
    .default_listen = "tcp:8017",
    .options = qotd_options,
    .state_size = sizeof(wire_state),
    .set_option = qotd_option,
    .start = qotd_start,
    .live = wire_live,
};
