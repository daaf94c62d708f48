/* The eddy command, run as a real process: plugins, options, errors, logging and graceful stop.
 * Runs once per backend (--reactor is set from EDDY_REACTOR). Waits are bounded reads with
 * timeouts on pipes and sockets, never sleeps. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eddy_test.h"

#ifndef EDDY_CLI_PATH
#error "EDDY_CLI_PATH must name the eddy binary"
#endif

TestSuite(runner, .timeout = 60);

typedef struct proc {
    pid_t pid;
    int err;         /* its stdout and stderr, read end */
    char log[16384]; /* everything read from them so far */
    size_t loglen;
} proc;

/* Start `eddy ARGS...`, adding `--reactor $EDDY_REACTOR` when `add_reactor` is set and ARGS
 * name no reactor, with stdout
 * and stderr to one pipe; `ignore_sigint` starts it as `cmd &` in a script does. */
static void spawn(proc *p, const char *const *args, bool add_reactor, bool ignore_sigint)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = EDDY_CLI_PATH;
    for (; *args; args++)
        argv[n++] = *args;
    const char *backend = getenv("EDDY_REACTOR");
    bool has_reactor = false;
    for (int i = 1; i < n; i++)
        has_reactor |= strncmp(argv[i], "--reactor", strlen("--reactor")) == 0;
    /* at the end, where the runner takes it whatever comes before */
    if (add_reactor && backend && *backend && n > 1 && !has_reactor) {
        argv[n++] = "--reactor";
        argv[n++] = backend;
    }
    argv[n] = NULL;
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    memset(p, 0, sizeof *p);
    p->pid = fork();
    cr_assert_geq(p->pid, 0);
    if (p->pid == 0) {
        dup2(fds[1], 2);
        dup2(fds[1], 1);
        close(fds[0]);
        if (ignore_sigint)
            signal(SIGINT, SIG_IGN);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    p->err = fds[0];
}

static void start(proc *p, const char *const *args)
{
    spawn(p, args, true, false);
}

/* Read stderr until `needle` appears (true) or EOF/10 s (false). */
static bool wait_for(proc *p, const char *needle)
{
    for (int i = 0; i < 100; i++) {
        p->log[p->loglen] = '\0';
        if (strstr(p->log, needle))
            return true;
        struct pollfd pfd = {.fd = p->err, .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t n = read(p->err, p->log + p->loglen, sizeof p->log - 1 - p->loglen);
        if (n <= 0)
            break;
        p->loglen += (size_t)n;
    }
    p->log[p->loglen] = '\0';
    return strstr(p->log, needle) != NULL;
}

/* Wait for exit (at most 10 s), collecting the rest of stderr. Returns the exit status or -1. */
static int finish(proc *p)
{
    while (wait_for(p, "\x01never\x01"))
        ;
    int status = -1;
    for (int i = 0; i < 100; i++) {
        if (waitpid(p->pid, &status, WNOHANG) == p->pid)
            break;
        poll(NULL, 0, 100);
        status = -1;
    }
    if (status == -1) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
        return -1;
    }
    close(p->err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The port from a "listening on 127.0.0.1:PORT" log line. */
static int listening_port(proc *p)
{
    cr_assert(wait_for(p, "listening on 127.0.0.1:"), "no listening line in: %s", p->log);
    const char *at = strstr(p->log, "listening on 127.0.0.1:");
    return atoi(at + strlen("listening on 127.0.0.1:"));
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static size_t read_n(int fd, char *buf, size_t want)
{
    size_t got = 0;
    while (got < want) {
        ssize_t n = recv(fd, buf + got, want - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

Test(runner, version_prints_the_version_and_exits_0)
{
    proc p;
    start(&p, (const char *[]){"--version", NULL});
    cr_assert_eq(finish(&p), 0);
    cr_assert_not_null(strstr(p.log, "eddy " EDDY_VERSION), "output: %s", p.log);
}

Test(runner, help_lists_every_plugin)
{
    proc p;
    start(&p, (const char *[]){"--help", NULL});
    cr_assert_eq(finish(&p), 0);
    const char *plugins[] = {"echo", "discard", "chargen",     "daytime",
                             "qotd", "time",    "portforward", "lines"};
    for (size_t i = 0; i < sizeof plugins / sizeof plugins[0]; i++)
        cr_assert_not_null(strstr(p.log, plugins[i]), "%s missing from: %s", plugins[i], p.log);
}

Test(runner, unknown_plugin_is_one_line_on_stderr_and_exit_2)
{
    proc p;
    start(&p, (const char *[]){"nosuchplugin", NULL});
    cr_assert_eq(finish(&p), 2);
    cr_assert_eq(count_lines(p.log), 1, "stderr: %s", p.log);
    cr_assert_not_null(strstr(p.log, "unknown plugin 'nosuchplugin'"));
}

Test(runner, unknown_option_is_one_line_on_stderr_and_exit_2)
{
    proc p;
    start(&p, (const char *[]){"echo", "--frobnicate", NULL});
    cr_assert_eq(finish(&p), 2);
    cr_assert_eq(count_lines(p.log), 1, "stderr: %s", p.log);
    cr_assert_not_null(strstr(p.log, "--frobnicate"));
}

Test(runner, bad_endpoint_is_one_line_on_stderr_and_exit_2)
{
    proc p;
    start(&p, (const char *[]){"echo", "--listen", "tcp:notaport", NULL});
    cr_assert_eq(finish(&p), 2);
    cr_assert_eq(count_lines(p.log), 1, "stderr: %s", p.log);
    cr_assert_not_null(strstr(p.log, "tcp:notaport"));
}

Test(runner, unknown_reactor_is_one_line_on_stderr_and_exit_2)
{
    proc p;
    start(&p, (const char *[]){"echo", "--reactor", "nosuchbackend", "--listen",
                               "tcp:0:interface=127.0.0.1", NULL});
    cr_assert_eq(finish(&p), 2);
    cr_assert_eq(count_lines(p.log), 1, "stderr: %s", p.log);
}

Test(runner, port_in_use_is_one_line_on_stderr_and_exit_1)
{
    int busy = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(busy, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(listen(busy, 1), 0);
    socklen_t len = sizeof sa;
    getsockname(busy, (struct sockaddr *)&sa, &len);
    char desc[64];
    snprintf(desc, sizeof desc, "tcp:%d:interface=127.0.0.1", ntohs(sa.sin_port));
    proc p;
    start(&p, (const char *[]){"echo", "--listen", desc, NULL});
    cr_assert_eq(finish(&p), 1);
    cr_assert_eq(count_lines(p.log), 1, "stderr: %s", p.log);
    cr_assert_not_null(strstr(p.log, "cannot listen"), "stderr: %s", p.log);
    close(busy);
}

Test(runner, echo_serves_then_stops_on_sigterm_with_status_0)
{
    proc p;
    start(&p, (const char *[]){"echo", "--listen", "tcp:0:interface=127.0.0.1", NULL});
    int fd = connect_to(listening_port(&p));
    char buf[6];
    cr_assert_eq(send(fd, "hello\n", 6, 0), 6);
    cr_assert_eq(read_n(fd, buf, 6), 6);
    cr_assert_eq(memcmp(buf, "hello\n", 6), 0);
    close(fd);
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p), 0, "stderr: %s", p.log);
}

Test(runner, sigint_closes_connections_still_open_after_the_shutdown_timeout)
{
    proc p;
    start(&p, (const char *[]){"echo", "--listen", "tcp:0:interface=127.0.0.1",
                               "--shutdown-timeout", "0.2", NULL});
    int fd = connect_to(listening_port(&p));
    char c;
    cr_assert_eq(send(fd, "x", 1, 0), 1);
    cr_assert_eq(recv(fd, &c, 1, 0), 1, "the echo proves the server holds the connection");
    kill(p.pid, SIGINT);
    cr_assert_eq(recv(fd, &c, 1, 0), 0, "the server closes the idle connection");
    cr_assert_eq(finish(&p), 0, "stderr: %s", p.log);
    cr_assert_not_null(strstr(p.log, "still open"), "it says it closed it: %s", p.log);
    close(fd);
}

Test(runner, json_log_format_writes_twisted_json_records)
{
    proc p;
    start(&p, (const char *[]){"echo", "--listen", "tcp:0:interface=127.0.0.1", "--log-format",
                               "json", NULL});
    cr_assert(wait_for(&p, "\x1e{"), "no record separator in: %s", p.log);
    cr_assert(wait_for(&p, "\"log_namespace\""), "stderr: %s", p.log);
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p), 0);
}

Test(runner, portforward_forwards_to_its_destination)
{
    proc echo, pf;
    start(&echo, (const char *[]){"echo", "--listen", "tcp:0:interface=127.0.0.1", NULL});
    char dest[64];
    snprintf(dest, sizeof dest, "tcp:127.0.0.1:%d", listening_port(&echo));
    start(&pf, (const char *[]){"portforward", "--dest", dest, "--listen",
                                "tcp:0:interface=127.0.0.1", NULL});
    int fd = connect_to(listening_port(&pf));
    char buf[5];
    cr_assert_eq(send(fd, "ping!", 5, 0), 5);
    cr_assert_eq(read_n(fd, buf, 5), 5);
    cr_assert_eq(memcmp(buf, "ping!", 5), 0);
    close(fd);
    kill(pf.pid, SIGTERM);
    kill(echo.pid, SIGTERM);
    cr_assert_eq(finish(&pf), 0, "stderr: %s", pf.log);
    cr_assert_eq(finish(&echo), 0, "stderr: %s", echo.log);
}

Test(runner, portforward_without_dest_is_a_usage_error)
{
    proc p;
    start(&p, (const char *[]){"portforward", "--listen", "tcp:0:interface=127.0.0.1", NULL});
    cr_assert_eq(finish(&p), 2);
    cr_assert_eq(count_lines(p.log), 1, "stderr: %s", p.log);
}

Test(runner, portforward_without_dest_names_the_plugin_once)
{
    proc p;
    start(&p, (const char *[]){"portforward", "--listen", "tcp:0:interface=127.0.0.1", NULL});
    cr_assert_eq(finish(&p), 2);
    const char *first = strstr(p.log, "portforward");
    cr_assert_not_null(first, "stderr: %s", p.log);
    cr_assert_null(strstr(first + 1, "portforward"), "stderr: %s", p.log);
    cr_assert_not_null(strstr(p.log, "--dest"), "stderr: %s", p.log);
}

Test(runner, lines_sends_each_line_to_the_other_clients)
{
    proc p;
    start(&p, (const char *[]){"lines", "--listen", "tcp:0:interface=127.0.0.1", NULL});
    int port = listening_port(&p);
    int a = connect_to(port), b = connect_to(port);
    char buf[256];
    /* each gets a welcome line; a also hears that b joined */
    cr_assert_gt(recv(b, buf, sizeof buf, 0), 0);
    cr_assert_eq(send(a, "hi there\r\n", 10, 0), 10);
    size_t got = 0;
    buf[0] = '\0';
    while (!strstr(buf, "hi there\r\n") && got < sizeof buf - 1) {
        ssize_t n = recv(b, buf + got, sizeof buf - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
    }
    cr_assert_not_null(strstr(buf, "> hi there\r\n"), "b got: %s", buf);
    close(a);
    close(b);
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p), 0, "stderr: %s", p.log);
}

/* One CRLF-ended line into buf (CRLF included); its length, 0 on EOF or timeout. */
static size_t read_line(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap && !(got >= 2 && buf[got - 2] == '\r' && buf[got - 1] == '\n')) {
        if (recv(fd, buf + got, 1, 0) != 1)
            return 0;
        got++;
    }
    return got;
}

Test(runner, lines_relays_a_line_with_a_nul_byte_whole)
{
    proc p;
    start(&p, (const char *[]){"lines", "--listen", "tcp:0:interface=127.0.0.1", NULL});
    int port = listening_port(&p);
    char buf[256];
    int a = connect_to(port);
    cr_assert_gt(read_line(a, buf, sizeof buf), 0, "no welcome for a");
    int b = connect_to(port);
    cr_assert_gt(read_line(b, buf, sizeof buf), 0, "no welcome for b");
    cr_assert_gt(read_line(a, buf, sizeof buf), 0, "a was not told that b joined");
    cr_assert_eq(send(a, "ab\0cd\r\n", 7, 0), 7);
    size_t n = read_line(b, buf, sizeof buf);
    cr_assert_eq(n, 11, "b got %zu bytes: '%.*s'", n, (int)n, buf);
    cr_assert_eq(memcmp(buf, "<1> ab\0cd\r\n", 11), 0);
    close(a);
    close(b);
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p), 0, "output: %s", p.log);
}

Test(runner, lines_drops_a_client_that_reads_too_slowly)
{
    proc p;
    start(&p, (const char *[]){"lines", "--listen", "tcp:0:interface=127.0.0.1", NULL});
    int port = listening_port(&p);
    int talker = connect_to(port), sleeper = connect_to(port);
    char line[1024];
    memset(line, 'z', sizeof line - 2);
    line[sizeof line - 2] = '\r';
    line[sizeof line - 1] = '\n';
    /* 32 MB of lines for a client that never reads: far more than the kernel's buffers plus the
     * server's 1 MiB allowance, so the server must drop it rather than queue the rest. The
     * talker's own socket is drained meanwhile so it can keep writing. */
    struct timeval tv = {.tv_sec = 0, .tv_usec = 1000};
    setsockopt(talker, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (int i = 0; i < 32 * 1024; i++) {
        cr_assert_eq(send(talker, line, sizeof line, MSG_NOSIGNAL), (ssize_t)sizeof line);
        char sink[4096];
        while (recv(talker, sink, sizeof sink, MSG_DONTWAIT) > 0)
            ;
    }
    char buf[65536];
    ssize_t n;
    size_t total = 0;
    while ((n = recv(sleeper, buf, sizeof buf, 0)) > 0)
        total += (size_t)n;
    int err = errno;
    /* dropped: the stream ends (EOF or reset) before everything was relayed; a timeout (EAGAIN)
     * would mean the server kept it */
    cr_assert(n == 0 || err == ECONNRESET, "recv ended with %zd (%s)", n, strerror(err));
    cr_assert_lt(total, (size_t)32 * 1024 * sizeof line, "the slow client got only part");
    close(talker);
    close(sleeper);
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p), 0, "stderr: %s", p.log);
}

Test(runner, log_level_off_is_a_usage_error_with_one_line)
{
    proc p;
    start(&p, (const char *[]){"echo", "--log-level", "off", "--listen",
                               "tcp:0:interface=127.0.0.1", NULL});
    int status = finish(&p);
    cr_assert_eq(status, 2, "exit status %d, output: '%s'", status, p.log);
    cr_assert_eq(count_lines(p.log), 1, "stderr: '%s'", p.log);
    cr_assert_not_null(strstr(p.log, "--log-level"), "stderr: %s", p.log);
}

Test(runner, shutdown_timeout_that_is_not_finite_is_a_usage_error)
{
    const char *values[] = {"nan", "inf", "1e999"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        proc p;
        start(&p, (const char *[]){"echo", "--shutdown-timeout", values[i], "--listen",
                                   "tcp:0:interface=127.0.0.1", NULL});
        /* without the check it serves; stop it so the status shows the difference at once */
        if (wait_for(&p, "listening on"))
            kill(p.pid, SIGTERM);
        int status = finish(&p);
        cr_assert_eq(status, 2, "%s: exit status %d, output: %s", values[i], status, p.log);
        cr_assert_eq(count_lines(p.log), 1, "%s: stderr: %s", values[i], p.log);
    }
}

Test(runner, runner_options_before_the_plugin_name_are_accepted_as_twist_does)
{
    const char *backend = getenv("EDDY_REACTOR");
    char reactor[64];
    snprintf(reactor, sizeof reactor, "--reactor=%s", backend && *backend ? backend : "poll");
    proc p;
    /* twist's order: `twist --reactor=poll --log-level=debug web --listen tcp:8080` */
    start(&p, (const char *[]){reactor, "--log-level=debug", "--log-format", "json",
                               "--shutdown-timeout=1", "echo", "--listen=tcp:0:interface=127.0.0.1",
                               NULL});
    int fd = connect_to(listening_port(&p));
    char c;
    cr_assert_eq(send(fd, "x", 1, 0), 1);
    cr_assert_eq(recv(fd, &c, 1, 0), 1, "stderr: %s", p.log);
    close(fd);
    char debug_line[64];
    snprintf(debug_line, sizeof debug_line, ", %s reactor", reactor + strlen("--reactor="));
    cr_assert(wait_for(&p, debug_line), "--reactor and --log-level=debug: %s", p.log);
    cr_assert_not_null(strstr(p.log, "\x1e{"), "--log-format json: %s", p.log);
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p), 0, "stderr: %s", p.log);
}

Test(runner, runner_option_given_before_and_after_the_plugin_name_keeps_the_later_value)
{
    /* read left to right, as repeats after the plugin name always were */
    const char *orders[][2] = {{"json", "text"}, {"text", "json"}};
    for (size_t i = 0; i < 2; i++) {
        proc p;
        start(&p, (const char *[]){"--log-format", orders[i][0], "echo", "--log-format",
                                   orders[i][1], "--listen", "tcp:0:interface=127.0.0.1", NULL});
        cr_assert(wait_for(&p, "listening on"), "%s then %s: %s", orders[i][0], orders[i][1],
                  p.log);
        bool json = strstr(p.log, "\x1e{") != NULL;
        cr_assert_eq(json, strcmp(orders[i][1], "json") == 0, "%s then %s: %s", orders[i][0],
                     orders[i][1], p.log);
        kill(p.pid, SIGTERM);
        cr_assert_eq(finish(&p), 0, "stderr: %s", p.log);
    }
}

Test(runner, help_after_runner_options_shows_the_runner_help)
{
    proc p;
    start(&p, (const char *[]){"--log-level=debug", "--help", NULL});
    cr_assert_eq(finish(&p), 0, "output: %s", p.log);
    cr_assert_not_null(strstr(p.log, "usage: eddy [options] PLUGIN"), "output: %s", p.log);
}

Test(runner, version_after_the_plugin_name_prints_the_version_and_exits_0)
{
    proc p;
    start(&p, (const char *[]){"echo", "--version", NULL});
    cr_assert_eq(finish(&p), 0, "output: %s", p.log);
    cr_assert_not_null(strstr(p.log, "eddy " EDDY_VERSION), "output: %s", p.log);
}

Test(runner, runner_options_without_a_plugin_name_are_one_line_on_stderr_and_exit_2)
{
    proc p;
    start(&p, (const char *[]){"--log-level", "debug", NULL});
    cr_assert_eq(finish(&p), 2);
    cr_assert_eq(count_lines(p.log), 1, "stderr: %s", p.log);
    cr_assert_not_null(strstr(p.log, "no plugin"), "stderr: %s", p.log);
}

Test(runner, plugin_option_before_the_plugin_name_says_it_goes_after_the_name)
{
    proc p;
    start(&p, (const char *[]){"--listen", "tcp:0:interface=127.0.0.1", "echo", NULL});
    cr_assert_eq(finish(&p), 2);
    cr_assert_eq(count_lines(p.log), 1, "stderr: %s", p.log);
    cr_assert_not_null(strstr(p.log, "'--listen' goes after the plugin name"), "stderr: %s", p.log);
}

Test(runner, unknown_option_before_the_plugin_name_is_one_line_on_stderr_and_exit_2)
{
    proc p;
    start(&p, (const char *[]){"--frobnicate", "echo", NULL});
    cr_assert_eq(finish(&p), 2);
    cr_assert_eq(count_lines(p.log), 1, "stderr: %s", p.log);
    cr_assert_not_null(strstr(p.log, "unknown option '--frobnicate'"), "stderr: %s", p.log);
}

Test(runner, help_lines_up_every_option_description)
{
    proc p;
    start(&p, (const char *[]){"--help", NULL});
    cr_assert_eq(finish(&p), 0);
    /* an option line is "  --name [METAVAR]   description": the descriptions share a column */
    int column = -1;
    for (const char *line = p.log; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, "  --", 4) != 0)
            continue;
        const char *gap = line + 4;
        while (*gap && *gap != '\n' && !(gap[0] == ' ' && gap[1] == ' '))
            gap++;
        while (*gap == ' ')
            gap++;
        int col = (int)(gap - line);
        if (column < 0)
            column = col;
        cr_assert_eq(col, column, "misaligned: %.40s", line);
    }
    cr_assert_gt(column, 0, "no option lines in: %s", p.log);
}

Test(runner, help_listen_examples_are_valid_endpoints)
{
    proc p;
    start(&p, (const char *[]){"--help", NULL});
    cr_assert_eq(finish(&p), 0);
    const char *at = strstr(p.log, "--listen ENDPOINT");
    cr_assert_not_null(at, "help: %s", p.log);
    at = strstr(at, "e.g. ");
    cr_assert_not_null(at, "help: %s", p.log);
    at += strlen("e.g. ");
    eddy_reactor *r = test_reactor_new();
    eddy_network net = eddy_reactor_network(r);
    int checked = 0;
    char bad[256] = "";
    /* "e.g. A, B, C (repeatable...)": each example, as a user would paste it */
    while (*at && *at != '(' && *at != '\n') {
        size_t len = strcspn(at, ",(\n");
        char example[128];
        snprintf(example, sizeof example, "%.*s", (int)len, at);
        for (size_t n = strlen(example); n && example[n - 1] == ' ';)
            example[--n] = '\0';
        eddy_server_endpoint *ep = NULL;
        eddy_failure *why = NULL;
        if (eddy_server_endpoint_parse(&net, example, &ep, &why) < 0) {
            snprintf(bad, sizeof bad, "'%s': %s", example, why ? eddy_failure_message(why) : "?");
            eddy_failure_unref(why);
            break;
        }
        eddy_server_endpoint_free(ep);
        checked++;
        at += len;
        if (*at == ',')
            at++;
        while (*at == ' ')
            at++;
    }
    eddy_reactor_free(r);
    cr_assert_eq(bad[0], '\0', "%s", bad);
    cr_assert_geq(checked, 2, "examples found: %d", checked);
}

Test(runner, unknown_backend_from_the_environment_is_named_as_such)
{
    setenv("EDDY_REACTOR", "nosuchbackend", 1);
    proc p;
    spawn(&p, (const char *[]){"echo", "--listen", "tcp:0:interface=127.0.0.1", NULL}, false,
          false);
    cr_assert_eq(finish(&p), 2);
    cr_assert_eq(count_lines(p.log), 1, "stderr: %s", p.log);
    cr_assert_not_null(strstr(p.log, "EDDY_REACTOR: 'nosuchbackend'"), "stderr: %s", p.log);
}

Test(runner, an_ignored_sigint_stays_ignored)
{
    proc p;
    spawn(&p, (const char *[]){"echo", "--listen", "tcp:0:interface=127.0.0.1", NULL}, true, true);
    int port = listening_port(&p);
    kill(p.pid, SIGINT);
    /* a connection made and echoed after the SIGINT shows it still listens and serves */
    int fd = connect_to(port);
    char c;
    cr_assert_eq(send(fd, "x", 1, 0), 1);
    cr_assert_eq(recv(fd, &c, 1, 0), 1, "stderr: %s", p.log);
    close(fd);
    kill(p.pid, SIGTERM);
    cr_assert_eq(finish(&p), 0, "stderr: %s", p.log);
    cr_assert_null(strstr(p.log, "SIGINT"), "stderr: %s", p.log);
}
