/* main.c - the eddy command: `eddy PLUGIN [options]`, Twisted's `twist` for eddy.
 *
 *   eddy --help | --version
 *   eddy PLUGIN --help
 *   eddy PLUGIN [--listen ENDPOINT]... [--reactor NAME] [--log-format text|json]
 *               [--log-file PATH] [--log-level LEVEL] [--shutdown-timeout S] [plugin options]
 *
 * Usage errors give one line on stderr and exit status 2. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

static const struct {
    const char *name, *metavar, *help;
} common_options[] = {
    {"listen", "ENDPOINT",
     "where to listen, e.g. tcp:8000, tcp:port=8000:interface=\\:\\:1, "
     "unix:/run/x.sock (repeatable; default: the plugin's)"},
    {"reactor", "NAME", "the reactor backend: select, poll, epoll, kqueue (default: the best)"},
    {"log-format", "FORMAT", "text (default) or json (Twisted's JSON lines)"},
    {"log-file", "PATH", "append the log to PATH (default: standard error)"},
    {"log-level", "LEVEL", "debug, info (default), warn, error or critical"},
    {"shutdown-timeout", "SECONDS", "how long open connections may finish at shutdown (5)"},
    {"help", NULL, "show this help"},
};

/* One help line; the help texts line up whether or not the option takes a value. */
static void print_option(FILE *out, const char *name, const char *metavar, const char *help)
{
    char left[64];
    snprintf(left, sizeof left, "--%s%s%s", name, metavar ? " " : "", metavar ? metavar : "");
    fprintf(out, "  %-29s %s\n", left, help);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: eddy PLUGIN [options]   (eddy PLUGIN --help for its options)\n\n"
            "eddy %s runs ready servers. Plugins:\n",
            eddy_version());
    for (const eddy_cli_plugin *const *p = eddy_cli_plugins; *p; p++)
        fprintf(out, "  %-12s %s\n", (*p)->name, (*p)->summary);
    fprintf(out, "\nOptions every plugin takes:\n");
    for (size_t i = 0; i < sizeof common_options / sizeof common_options[0]; i++)
        print_option(out, common_options[i].name, common_options[i].metavar,
                     common_options[i].help);
    fprintf(out, "\nOther options: --help, --version. See eddy(1).\n");
}

static void plugin_usage(const eddy_cli_plugin *p)
{
    printf("usage: eddy %s [options]\n\n%s\n\nDefault: --listen %s\n", p->name, p->description,
           p->default_listen);
    if (p->options[0].name) {
        printf("\nOptions of %s:\n", p->name);
        for (const eddy_cli_option *o = p->options; o->name; o++)
            print_option(stdout, o->name, o->metavar, o->help);
    }
    printf("\nCommon options: --listen, --reactor, --log-format, --log-file, --log-level, "
           "--shutdown-timeout (see eddy --help).\n");
}

static const eddy_cli_plugin *find_plugin(const char *name)
{
    for (const eddy_cli_plugin *const *p = eddy_cli_plugins; *p; p++)
        if (strcmp((*p)->name, name) == 0)
            return *p;
    return NULL;
}

/* Split "--name=value" or "--name value"; returns the value or NULL (and sets *missing). */
static const char *take_value(int argc, char **argv, int *i, const char *inline_value,
                              bool *missing)
{
    if (inline_value)
        return inline_value;
    if (*i + 1 < argc)
        return argv[++*i];
    *missing = true;
    return NULL;
}

int main(int argc, char **argv)
{
    /* A peer that goes away must not kill the server: writes then fail with EPIPE instead.
     * (The library itself never touches signal dispositions; the runner owns its process.) */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("eddy %s\n", eddy_version());
        return 0;
    }
    const eddy_cli_plugin *plugin = find_plugin(argv[1]);
    if (!plugin && argv[1][0] == '-') {
        /* `twist --log-level debug web` habits: say where options go, not "unknown plugin" */
        fprintf(stderr,
                "eddy: unknown option '%s' (options go after the plugin: eddy PLUGIN "
                "[options]; eddy --help)\n",
                argv[1]);
        return 2;
    }
    if (!plugin) {
        fprintf(stderr, "eddy: unknown plugin '%s' (eddy --help lists them)\n", argv[1]);
        return 2;
    }
    void *state = calloc(1, plugin->state_size ? plugin->state_size : 1);
    if (!state) {
        fprintf(stderr, "eddy: out of memory\n");
        return 1;
    }
    eddy_cli_config config = {.shutdown_timeout = 5.0};
    int status = 0;
    for (int i = 2; i < argc && status == 0; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "eddy: %s: unexpected argument '%s'\n", plugin->name, arg);
            status = 2;
            break;
        }
        char name[64];
        const char *eq = strchr(arg + 2, '=');
        size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        snprintf(name, sizeof name, "%.*s", (int)len, arg + 2);
        const char *inline_value = eq ? eq + 1 : NULL;
        bool missing = false;
        const char *v;
        if (strcmp(name, "help") == 0) {
            plugin_usage(plugin);
            free(state);
            return 0;
        } else if (strcmp(name, "listen") == 0) {
            v = take_value(argc, argv, &i, inline_value, &missing);
            if (v && config.nlisten == EDDY_CLI_MAX_LISTEN) {
                fprintf(stderr, "eddy: at most %d --listen options\n", EDDY_CLI_MAX_LISTEN);
                status = 2;
            } else if (v) {
                config.listen[config.nlisten++] = v;
            }
        } else if (strcmp(name, "reactor") == 0) {
            config.reactor = take_value(argc, argv, &i, inline_value, &missing);
        } else if (strcmp(name, "log-format") == 0) {
            config.log_format = take_value(argc, argv, &i, inline_value, &missing);
        } else if (strcmp(name, "log-file") == 0) {
            config.log_file = take_value(argc, argv, &i, inline_value, &missing);
        } else if (strcmp(name, "log-level") == 0) {
            config.log_level = take_value(argc, argv, &i, inline_value, &missing);
        } else if (strcmp(name, "shutdown-timeout") == 0) {
            v = take_value(argc, argv, &i, inline_value, &missing);
            char *end = NULL;
            /* nan would never reach its deadline and inf waits forever: neither is a timeout */
            if (v && ((config.shutdown_timeout = strtod(v, &end)) < 0 || *end || end == v ||
                      !isfinite(config.shutdown_timeout))) {
                fprintf(stderr, "eddy: --shutdown-timeout: '%s' is not a number of seconds\n", v);
                status = 2;
            }
        } else {
            const eddy_cli_option *o = plugin->options;
            while (o->name && strcmp(o->name, name) != 0)
                o++;
            if (!o->name) {
                fprintf(stderr, "eddy: %s: unknown option '--%s' (eddy %s --help)\n", plugin->name,
                        name, plugin->name);
                status = 2;
                break;
            }
            v = o->metavar ? take_value(argc, argv, &i, inline_value, &missing) : NULL;
            eddy_cli_error err = {{0}};
            if (!missing && plugin->set_option(state, name, v, &err) < 0) {
                fprintf(stderr, "eddy: %s: %s\n", plugin->name, err.text);
                status = 2;
            }
        }
        if (missing) {
            fprintf(stderr, "eddy: %s: option '--%s' needs a value\n", plugin->name, name);
            status = 2;
        }
    }
    if (status == 0)
        status = eddy_cli_run(plugin, state, &config);
    free(state);
    return status;
}
