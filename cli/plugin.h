/* plugin.h - what a plugin of the eddy command provides.
 *
 * A plugin turns its options into a factory; the runner (runner.c) does the rest: it listens on
 * every --listen endpoint with that factory, logs, and stops gracefully on SIGINT/SIGTERM. Adding
 * a plugin is one file with one `const eddy_cli_plugin` and one line in plugins.c. */
#ifndef EDDY_CLI_PLUGIN_H
#define EDDY_CLI_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "eddy.h"

/** One option of a plugin: --name VALUE (or --name alone when metavar is NULL). */
typedef struct eddy_cli_option {
    const char *name;
    const char *metavar; /**< NULL for a flag without a value */
    const char *help;
} eddy_cli_option;

/** Room for a plugin's own error message. */
typedef struct eddy_cli_error {
    char text[256];
} eddy_cli_error;

typedef struct eddy_cli_plugin {
    const char *name;
    const char *summary;            /**< one line for `eddy --help` */
    const char *description;        /**< a paragraph for `eddy NAME --help` */
    const char *default_listen;     /**< used when no --listen is given */
    const eddy_cli_option *options; /**< terminated by an entry with a NULL name */
    size_t state_size;              /**< bytes of zeroed state the runner allocates for it */
    /** Take one of its options (value is NULL for a flag). Return 0, or -1 with err filled. */
    int (*set_option)(void *state, const char *name, const char *value, eddy_cli_error *err);
    /** Options are all set: check them, make the factory. Return 0, or -1 with err filled. */
    int (*start)(void *state, eddy_reactor *r, eddy_factory **factory, eddy_cli_error *err);
    /** Connections it still serves (for the graceful drain at shutdown). */
    size_t (*live)(const void *state);
    /** Free what start made (called after the reactor stopped). May be NULL. */
    void (*stop)(void *state);
} eddy_cli_plugin;

/** All plugins, NULL-terminated (plugins.c). */
extern const eddy_cli_plugin *const eddy_cli_plugins[];

/** Fill err (printf-style) and return -1. */
int eddy_cli_fail(eddy_cli_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
