/* runner.h - run a plugin: listen, serve, stop gracefully (runner.c). */
#ifndef EDDY_CLI_RUNNER_H
#define EDDY_CLI_RUNNER_H

#include "plugin.h"

#define EDDY_CLI_MAX_LISTEN 16

typedef struct eddy_cli_config {
    const char *listen[EDDY_CLI_MAX_LISTEN]; /**< server endpoint descriptions */
    int nlisten;
    const char *reactor;     /**< backend name, or NULL */
    const char *log_format;  /**< "text" (default) or "json" */
    const char *log_file;    /**< NULL: stderr */
    const char *log_level;   /**< default "info" */
    double shutdown_timeout; /**< seconds connections get to finish at shutdown */
} eddy_cli_config;

/** Run `plugin` with `state` (zeroed, options already set) until SIGINT/SIGTERM. Returns the
 * process exit status: 0 after a clean stop, 1 when serving failed (port in use...), 2 for a usage
 * error (bad endpoint, bad option value). Errors are one line on stderr. */
int eddy_cli_run(const eddy_cli_plugin *plugin, void *state, const eddy_cli_config *config);

#endif
