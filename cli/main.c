/* main.c - the eddy command: `eddy [options] PLUGIN [options]`, Twisted's `twist` for eddy.
 *
 *   eddy --help | --version
 *   eddy PLUGIN --help
 *   eddy [runner options] PLUGIN [--listen ENDPOINT]... [runner options] [plugin options]
 *
 * The runner options (--reactor, --log-format, --log-file, --log-level, --shutdown-timeout) go
 * before the plugin name, as twist takes its own, or after it, as eddy always took them; --listen
 * and the plugin's own options go after it. Arguments are read left to right, so a runner option
 * given twice keeps the last value wherever each one stands. Usage errors give one line on stderr
 * and exit status 2. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

static const struct {
    const char *name, *metavar, *help;
} runner_options[] = {
    {"reactor", "NAME", "the reactor backend: select, poll, epoll, kqueue (default: the best)"},
    {"log-format", "FORMAT", "text (default) or json (Twisted's JSON lines)"},
    {"log-file", "PATH", "append the log to PATH (default: standard error)"},
    {"log-level", "LEVEL", "debug, info (default), warn, error or critical"},
    {"shutdown-timeout", "SECONDS", "how long open connections may finish at shutdown (5)"},
    {"help", NULL, "show this help (after PLUGIN: the plugin's help)"},
    {"version", NULL, "show the version"},
};

static const char listen_help[] =
    "where to listen, e.g. tcp:8000, tcp:port=8000:interface=\\:\\:1, "
    "unix:/run/x.sock (repeatable; default: the plugin's)";

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
            "usage: eddy [options] PLUGIN [plugin options]   (eddy PLUGIN --help for its "
            "options)\n\n"
            "eddy %s runs ready servers. Plugins:\n",
            eddy_version());
    for (const eddy_cli_plugin *const *p = eddy_cli_plugins; *p; p++)
        fprintf(out, "  %-12s %s\n", (*p)->name, (*p)->summary);
    fprintf(out, "\nOptions, before or after PLUGIN:\n");
    for (size_t i = 0; i < sizeof runner_options / sizeof runner_options[0]; i++)
        print_option(out, runner_options[i].name, runner_options[i].metavar,
                     runner_options[i].help);
    fprintf(out, "\nPlugin options, after PLUGIN; every plugin takes:\n");
    print_option(out, "listen", "ENDPOINT", listen_help);
    fprintf(out, "\nExample: eddy --log-level=debug echo --listen tcp:8000. See eddy(1).\n");
}

static void plugin_usage(const eddy_cli_plugin *p)
{
    printf("usage: eddy [options] %s [options]\n\n%s\n\nDefault: --listen %s\n", p->name,
           p->description, p->default_listen);
    if (p->options[0].name) {
        printf("\nOptions of %s (after its name):\n", p->name);
        for (const eddy_cli_option *o = p->options; o->name; o++)
            print_option(stdout, o->name, o->metavar, o->help);
    }
    printf("\nCommon options: --listen (after the plugin name); --reactor, --log-format, "
           "--log-file, --log-level, --shutdown-timeout (before or after it; see eddy --help).\n");
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

/* An argument "--name" or "--name=value", split at the first '='. */
typedef struct option_arg {
    char name[64];
    const char *inline_value; /* what follows the '=', or NULL */
} option_arg;

static option_arg split_option(const char *arg)
{
    option_arg o = {.inline_value = NULL};
    const char *eq = strchr(arg + 2, '=');
    size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    snprintf(o.name, sizeof o.name, "%.*s", (int)len, arg + 2);
    o.inline_value = eq ? eq + 1 : NULL;
    return o;
}

/* The options that set up the runner rather than the plugin, wherever they stand; `plugin` is
 * NULL before the plugin name (it only names the plugin in messages). Returns false when `o` is
 * none of them; otherwise takes its value (argv[*i + 1] unless given after '=') and sets *status
 * to 2 after printing the one-line error of a missing or bad value. */
static bool runner_option(const eddy_cli_plugin *plugin, const option_arg *o, int argc, char **argv,
                          int *i, eddy_cli_config *config, int *status)
{
    const char **slot = strcmp(o->name, "reactor") == 0      ? &config->reactor
                        : strcmp(o->name, "log-format") == 0 ? &config->log_format
                        : strcmp(o->name, "log-file") == 0   ? &config->log_file
                        : strcmp(o->name, "log-level") == 0  ? &config->log_level
                                                             : NULL;
    bool timeout = strcmp(o->name, "shutdown-timeout") == 0;
    if (!slot && !timeout)
        return false;
    bool missing = false;
    const char *v = take_value(argc, argv, i, o->inline_value, &missing);
    if (missing) {
        fprintf(stderr, "eddy: %s%soption '--%s' needs a value\n", plugin ? plugin->name : "",
                plugin ? ": " : "", o->name);
        *status = 2;
    } else if (slot) {
        *slot = v;
    } else {
        char *end = NULL;
        /* nan would never reach its deadline and inf waits forever: neither is a timeout */
        if ((config->shutdown_timeout = strtod(v, &end)) < 0 || *end || end == v ||
            !isfinite(config->shutdown_timeout)) {
            fprintf(stderr, "eddy: --shutdown-timeout: '%s' is not a number of seconds\n", v);
            *status = 2;
        }
    }
    return true;
}

/* Whether `name` belongs after a plugin name: --listen, or an option of some plugin. */
static bool is_plugin_option(const char *name)
{
    if (strcmp(name, "listen") == 0)
        return true;
    for (const eddy_cli_plugin *const *p = eddy_cli_plugins; *p; p++)
        for (const eddy_cli_option *o = (*p)->options; o->name; o++)
            if (strcmp(o->name, name) == 0)
                return true;
    return false;
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
    eddy_cli_config config = {.shutdown_timeout = 5.0};
    int status = 0;
    /* Before the plugin name: twist's place for the runner's own options. */
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--version") == 0) {
            printf("eddy %s\n", eddy_version());
            return 0;
        }
        option_arg o = {.name = ""};
        if (strncmp(arg, "--", 2) == 0)
            o = split_option(arg);
        if (o.name[0] && runner_option(NULL, &o, argc, argv, &i, &config, &status)) {
            if (status)
                return status;
        } else if (o.name[0] && is_plugin_option(o.name)) {
            /* its plugin is not known yet, and twist reads plugin options after the name too */
            fprintf(stderr,
                    "eddy: '--%s' goes after the plugin name (eddy [options] PLUGIN --%s ...; "
                    "eddy --help)\n",
                    o.name, o.name);
            return 2;
        } else {
            fprintf(stderr, "eddy: unknown option '%s' (eddy --help)\n", arg);
            return 2;
        }
    }
    if (i == argc) {
        fprintf(stderr, "eddy: no plugin given after the options (eddy [options] PLUGIN [options]; "
                        "eddy --help)\n");
        return 2;
    }
    const eddy_cli_plugin *plugin = find_plugin(argv[i]);
    if (!plugin) {
        fprintf(stderr, "eddy: unknown plugin '%s' (eddy --help lists them)\n", argv[i]);
        return 2;
    }
    void *state = calloc(1, plugin->state_size ? plugin->state_size : 1);
    if (!state) {
        fprintf(stderr, "eddy: out of memory\n");
        return 1;
    }
    for (i++; i < argc && status == 0; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "eddy: %s: unexpected argument '%s'\n", plugin->name, arg);
            status = 2;
            break;
        }
        option_arg o = split_option(arg);
        const char *name = o.name;
        bool missing = false;
        const char *v;
        if (strcmp(name, "help") == 0) {
            plugin_usage(plugin);
            free(state);
            return 0;
        } else if (strcmp(name, "version") == 0) {
            printf("eddy %s\n", eddy_version());
            free(state);
            return 0;
        } else if (runner_option(plugin, &o, argc, argv, &i, &config, &status)) {
            continue;
        } else if (strcmp(name, "listen") == 0) {
            v = take_value(argc, argv, &i, o.inline_value, &missing);
            if (v && config.nlisten == EDDY_CLI_MAX_LISTEN) {
                fprintf(stderr, "eddy: at most %d --listen options\n", EDDY_CLI_MAX_LISTEN);
                status = 2;
            } else if (v) {
                config.listen[config.nlisten++] = v;
            }
        } else {
            const eddy_cli_option *po = plugin->options;
            while (po->name && strcmp(po->name, name) != 0)
                po++;
            if (!po->name) {
                fprintf(stderr, "eddy: %s: unknown option '--%s' (eddy %s --help)\n", plugin->name,
                        name, plugin->name);
                status = 2;
                break;
            }
            v = po->metavar ? take_value(argc, argv, &i, o.inline_value, &missing) : NULL;
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
