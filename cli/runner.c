/* runner.c - what every plugin gets from the eddy command: logging, listening on each --listen
 * endpoint, and a graceful stop on SIGINT/SIGTERM (stop listening, give open connections up to
 * --shutdown-timeout seconds to finish, then close them and exit 0; a second signal stops at
 * once). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

typedef struct listener {
    struct run *run;
    const char *description;
    eddy_server_endpoint *endpoint;
    eddy_listening_port *port; /* owned, once listening */
} listener;

typedef struct run {
    eddy_reactor *reactor;
    const eddy_cli_plugin *plugin;
    void *state;
    eddy_factory *factory;
    listener listeners[EDDY_CLI_MAX_LISTEN];
    int nlisteners;
    double shutdown_timeout;
    double drain_deadline;
    bool draining;
    int exit_code;
} run;

static void stop_listening(run *rn)
{
    for (int i = 0; i < rn->nlisteners; i++)
        if (rn->listeners[i].port) {
            eddy_deferred *d = eddy_listening_port_stop_listening(rn->listeners[i].port);
            if (d)
                eddy_deferred_unref(d);
        }
}

static void check_drained(void *arg)
{
    run *rn = arg;
    size_t live = rn->plugin->live ? rn->plugin->live(rn->state) : 0;
    if (live == 0 || eddy_reactor_seconds(rn->reactor) >= rn->drain_deadline) {
        if (live)
            eddy_log(EDDY_LOG_WARN, "eddy.runner", NULL,
                     "closing %zu connection(s) still open after %.1f s", live,
                     rn->shutdown_timeout);
        eddy_reactor_stop(rn->reactor);
        return;
    }
    eddy_call_later(rn->reactor, 0.05, check_drained, rn);
}

static void begin_shutdown(run *rn)
{
    if (rn->draining) {
        eddy_reactor_stop(rn->reactor);
        return;
    }
    rn->draining = true;
    stop_listening(rn);
    rn->drain_deadline = eddy_reactor_seconds(rn->reactor) + rn->shutdown_timeout;
    check_drained(rn);
}

static void on_signal(int signo, void *arg)
{
    run *rn = arg;
    eddy_log(EDDY_LOG_INFO, "eddy.runner", NULL, "received %s, stopping",
             signo == SIGINT ? "SIGINT" : "SIGTERM");
    begin_shutdown(rn);
}

static eddy_result listened(eddy_result in, void *arg)
{
    listener *l = arg;
    l->port = in.value; /* we keep the port: its value is ours to free */
    eddy_address host;
    char where[128] = "?";
    if (eddy_listening_port_get_host(l->port, &host) == 0)
        eddy_address_format(&host, where, sizeof where);
    eddy_log(EDDY_LOG_INFO, "eddy.runner", NULL, "%s listening on %s (%s)", l->run->plugin->name,
             where, l->description);
    return eddy_result_none();
}

static eddy_result listen_failed(eddy_result in, void *arg)
{
    listener *l = arg;
    fprintf(stderr, "eddy: cannot listen on %s: %s\n", l->description,
            eddy_strerror(eddy_failure_code(in.failure)));
    eddy_result_drop(in);
    l->run->exit_code = 1;
    begin_shutdown(l->run);
    return eddy_result_none();
}

static void start_listening(void *arg)
{
    run *rn = arg;
    for (int i = 0; i < rn->nlisteners && !rn->draining; i++) {
        listener *l = &rn->listeners[i];
        eddy_deferred *d;
        if (eddy_endpoint_listen(l->endpoint, rn->factory, &d) < 0) {
            fprintf(stderr, "eddy: cannot listen on %s: out of memory\n", l->description);
            rn->exit_code = 1;
            begin_shutdown(rn);
            return;
        }
        eddy_deferred_add_callbacks(d, listened, listen_failed, l);
        eddy_deferred_unref(d);
    }
}

static int setup_logging(const eddy_cli_config *c)
{
    eddy_log_level level = EDDY_LOG_INFO;
    /* "off" parses as a level but no observer takes it: refuse it as the names we list */
    if (c->log_level &&
        (eddy_log_level_parse(c->log_level, &level) < 0 || level > EDDY_LOG_CRITICAL)) {
        fprintf(stderr,
                "eddy: --log-level: unknown level '%s' (debug, info, warn, error, "
                "critical)\n",
                c->log_level);
        return 2;
    }
    bool json = false;
    if (c->log_format && strcmp(c->log_format, "json") == 0)
        json = true;
    else if (c->log_format && strcmp(c->log_format, "text") != 0) {
        fprintf(stderr, "eddy: --log-format: '%s' is neither text nor json\n", c->log_format);
        return 2;
    }
    FILE *fp = stderr;
    if (c->log_file && !(fp = fopen(c->log_file, "a"))) {
        fprintf(stderr, "eddy: --log-file: cannot open %s: %s\n", c->log_file,
                eddy_strerror(eddy_errno_code()));
        return 1;
    }
    eddy_log_set_level(NULL, level);
    int rc =
        json ? eddy_log_add_json_file(fp, level, NULL) : eddy_log_add_text_file(fp, level, NULL);
    if (rc < 0) {
        fprintf(stderr, "eddy: cannot start logging: %s\n", eddy_strerror(rc));
        return 1;
    }
    return 0;
}

static void cleanup(run *rn)
{
    for (int i = 0; i < rn->nlisteners; i++) {
        eddy_listening_port_free(rn->listeners[i].port);
        eddy_server_endpoint_free(rn->listeners[i].endpoint);
    }
    if (rn->plugin->stop)
        rn->plugin->stop(rn->state);
    eddy_reactor_free(rn->reactor);
}

static void list_backends(FILE *out)
{
    for (const char *const *b = eddy_reactor_backends(); *b; b++)
        fprintf(out, "%s%s", b == eddy_reactor_backends() ? "" : ", ", *b);
}

int eddy_cli_run(const eddy_cli_plugin *plugin, void *state, const eddy_cli_config *c)
{
    int rc = setup_logging(c);
    if (rc)
        return rc;
    run rn = {.plugin = plugin, .state = state, .shutdown_timeout = c->shutdown_timeout};
    eddy_reactor_options opts = {.backend = c->reactor};
    if ((rc = eddy_reactor_new(&opts, &rn.reactor)) < 0) {
        if (rc == EDDY_EBACKEND) {
            /* name what the user set: without --reactor the name came from the environment */
            const char *env = getenv("EDDY_REACTOR");
            fprintf(stderr, "eddy: %s: '%s' is not available here (available: ",
                    c->reactor && *c->reactor ? "--reactor" : "EDDY_REACTOR",
                    c->reactor && *c->reactor ? c->reactor
                    : env                     ? env
                                              : "");
            list_backends(stderr);
            fprintf(stderr, ")\n");
            return 2;
        }
        fprintf(stderr, "eddy: cannot make a reactor: %s\n", eddy_strerror(rc));
        return 1;
    }
    eddy_cli_error err = {{0}};
    if (plugin->start(state, rn.reactor, &rn.factory, &err) < 0) {
        fprintf(stderr, "eddy: %s: %s\n", plugin->name, err.text);
        rn.plugin = &(eddy_cli_plugin){.name = plugin->name}; /* nothing to stop */
        cleanup(&rn);
        return 2;
    }
    eddy_network net = eddy_reactor_network(rn.reactor);
    int n = c->nlisten ? c->nlisten : 1;
    for (int i = 0; i < n; i++) {
        listener *l = &rn.listeners[rn.nlisteners];
        l->run = &rn;
        l->description = c->nlisten ? c->listen[i] : plugin->default_listen;
        eddy_failure *why = NULL;
        if (eddy_server_endpoint_parse(&net, l->description, &l->endpoint, &why) < 0) {
            fprintf(stderr, "eddy: bad --listen '%s': %s\n", l->description,
                    why ? eddy_failure_message(why) : "out of memory");
            eddy_failure_unref(why);
            cleanup(&rn);
            return 2;
        }
        rn.nlisteners++;
    }
    /* An ignored SIGINT (nohup, `eddy ... &` in a script) stays ignored, as with Twisted: Ctrl-C
     * meant for the script must not stop the server it started in the background. */
    struct sigaction old_int;
    if (sigaction(SIGINT, NULL, &old_int) < 0 || old_int.sa_handler != SIG_IGN)
        eddy_reactor_add_signal_handler(rn.reactor, SIGINT, on_signal, &rn);
    eddy_reactor_add_signal_handler(rn.reactor, SIGTERM, on_signal, &rn);
    eddy_reactor_call_when_running(rn.reactor, start_listening, &rn);
    eddy_log(EDDY_LOG_DEBUG, "eddy.runner", NULL, "eddy %s, %s reactor", eddy_version(),
             eddy_reactor_backend_name(rn.reactor));
    rc = eddy_reactor_run(rn.reactor);
    if (rc < 0) { /* the loop gave up (logged): a supervisor should restart us */
        fprintf(stderr, "eddy: the reactor stopped working: %s\n", eddy_strerror(rc));
        rn.exit_code = 1;
    }
    cleanup(&rn);
    return rn.exit_code;
}
