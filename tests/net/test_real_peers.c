/* test_real_peers.c - eddy's stream transports (TCP, Unix sockets, standard I/O on one socket)
 * against real implementations: socat (/usr/bin/socat) and Twisted (/usr/bin/python3 running
 * tests/net/twisted_stream_peer.py). The self-tests check eddy against itself; these check that
 * another implementation of the same half-close and close rules agrees with it.
 *
 * The peers are required, not optional: scripts/install-deps.sh installs them (CI too), so a
 * missing one fails the test with a message saying what to install.
 *
 * Each peer runs as a child process while the test iterates its reactor; every wait is bounded
 * by WAIT_SECONDS, after which the child is killed and reaped and the test fails. The children's
 * stderr goes to a pipe the test drains, so a failure shows what the peer said. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eddy.h"
#include "eddy/protocols/wire.h"
#include "eddy_test.h"
#include "net_helpers.h"

#define PYTHON       "/usr/bin/python3"
#define SOCAT        "/usr/bin/socat"
#define NBYTES       (1024 * 1024) /* more than the kernel takes at once: queues fill up */
#define WAIT_SECONDS 40.0          /* above stdio_echo_peer's own limits, so it reports first */
/* socat's -t: how long it waits for the reply after its own EOF. Longer than WAIT_SECONDS, so
 * socat exits in time only if the other side closes. */
#define SOCAT_LINGER "60"

static void kill_leftovers(void);

TestSuite(real_peers, .timeout = 90, .fini = kill_leftovers);

extern char **environ;

/* Byte i of the stream every test sends: fill_pattern(buf, len, 0) of net_helpers.c, which
 * twisted_stream_peer.py computes the same way. */
static unsigned char pattern_byte(size_t i)
{
    return (unsigned char)((i * 31u + (i >> 8)) & 0xff);
}

/* Count `len` received bytes and note the offset of the first one off the pattern. */
static void check_pattern(size_t *count, size_t *first_bad, const void *data, size_t len)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < len; i++)
        if (*first_bad == SIZE_MAX && b[i] != pattern_byte(*count + i))
            *first_bad = *count + i;
    *count += len;
}

/* ---- child processes ------------------------------------------------------------------------- */

typedef struct child {
    const char *name;
    pid_t pid;      /* also its process group, which what it starts inherits */
    int err_fd;     /* read end of the pipe that is its stderr; -1 once at EOF */
    char err[4096]; /* the first bytes it wrote there, NUL-terminated */
    size_t err_len;
    bool exited; /* reaped */
    int status;
    bool group_gone;  /* no process of its group is left for us to reap */
    int others;       /* processes of its group reaped after it (socat's EXEC program) */
    int other_status; /* the status of the last one */
} child;

/* The children of the running test, killed and reaped by the suite's fini if an assertion ended
 * the test early. */
static child *live[4];
static int nlive;

/* Kill every process of each child's group and reap what is ours: the child, and what it started
 * when the test is a subreaper. */
static void kill_leftovers(void)
{
    for (int i = 0; i < nlive; i++) {
        child *c = live[i];
        if (c->pid <= 0 || (c->exited && c->group_gone))
            continue;
        kill(-c->pid, SIGKILL);
        int status;
        pid_t got;
        while ((got = waitpid(-c->pid, &status, 0)) > 0 || (got < 0 && errno == EINTR))
            if (got == c->pid) {
                c->exited = true;
                c->status = status;
            }
        c->group_gone = true;
    }
    nlive = 0;
}

static void require(const char *path, const char *package)
{
    cr_assert_eq(access(path, X_OK), 0,
                 "%s is missing: install %s (scripts/install-deps.sh does); the real-peer tests "
                 "do not skip",
                 path, package);
}

static void require_twisted(void)
{
    require(PYTHON, "python3");
    cr_assert_eq(system(PYTHON " -c 'import twisted.internet.interfaces' >/dev/null 2>&1"), 0,
                 PYTHON " cannot import twisted: install python3-twisted "
                        "(scripts/install-deps.sh does); the real-peer tests do not skip");
}

/* The path of a file next to this source file. */
static void beside_this_file(char *out, size_t size, const char *name)
{
    char here[] = __FILE__;
    snprintf(out, size, "%s/%s", dirname(here), name);
    cr_assert_eq(access(out, R_OK), 0, "%s is missing", out);
}

/* Start argv[0] with `in_fd` as stdin and `out_fd` as stdout (-1: /dev/null and the stderr
 * pipe); its stderr is a pipe the test reads. The environment is passed on (EDDY_REACTOR
 * reaches stdio_echo_peer through socat). */
static void spawn(child *c, const char *name, char *const argv[], int in_fd, int out_fd)
{
    *c = (child){.name = name, .pid = -1, .err_fd = -1};
    int errp[2];
    cr_assert_eq(pipe2(errp, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd >= 0 ? out_fd : errp[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    /* its own process group, so a failing test can kill whatever it started too */
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    int rc = posix_spawn(&c->pid, argv[0], &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    close(errp[1]);
    if (rc != 0) {
        close(errp[0]);
        cr_assert_fail("cannot start %s: %s", argv[0], strerror(rc));
    }
    c->err_fd = errp[0];
    fcntl(c->err_fd, F_SETFL, O_NONBLOCK);
    cr_assert_lt(nlive, 4);
    live[nlive++] = c;
}

/* Collect what the child wrote to stderr, reap it if it has exited, then reap the processes of
 * its group that became ours; true once all is done (stderr at EOF: neither it nor any process
 * it started still holds the pipe). */
static bool child_poll(child *c)
{
    while (c->err_fd >= 0) {
        char buf[1024];
        ssize_t n = read(c->err_fd, buf, sizeof buf);
        if (n > 0) {
            size_t keep = sizeof c->err - 1 - c->err_len;
            keep = (size_t)n < keep ? (size_t)n : keep;
            memcpy(c->err + c->err_len, buf, keep);
            c->err_len += keep;
            c->err[c->err_len] = '\0';
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n == 0 || errno != EAGAIN) {
                close(c->err_fd);
                c->err_fd = -1;
            }
            break;
        }
    }
    if (!c->exited && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
        c->exited = true;
    /* once the child is reaped, the group's other processes are ours only if the test is a
     * subreaper; otherwise waitpid says at once that there is none (ECHILD) */
    while (c->exited && !c->group_gone) {
        int status;
        pid_t got = waitpid(-c->pid, &status, WNOHANG);
        if (got > 0) {
            c->others++;
            c->other_status = status;
        } else if (got == 0) {
            break; /* still running */
        } else if (errno != EINTR) {
            c->group_gone = true;
        }
    }
    return c->exited && c->err_fd < 0 && c->group_gone;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Iterate `r` until the child is done and `until(arg)` holds (NULL: nothing more), at most
 * WAIT_SECONDS. On failure the child is killed and reaped before the test fails. */
static void run_with(eddy_reactor *r, child *c, bool (*until)(void *), void *arg)
{
    double deadline = now() + WAIT_SECONDS;
    int rc = 0;
    bool done;
    while (!(done = child_poll(c) && (!until || until(arg))) && now() < deadline)
        if ((rc = eddy_reactor_iterate(r, 0.05)) != 0)
            break;
    if (done)
        return;
    const char *why = !c->exited                         ? "the peer had not exited"
                      : c->err_fd >= 0 || !c->group_gone ? "a process it started had not exited"
                                                         : "the eddy side had not finished";
    kill_leftovers();
    child_poll(c); /* what it wrote until it was killed */
    cr_assert_eq(rc, 0, "iterate: %s", eddy_strerror(rc));
    cr_assert_fail("gave up after %.0f s (%s: killed); %s's stderr:\n%s", WAIT_SECONDS, why,
                   c->name, c->err);
}

static void assert_exit_0(const child *c)
{
    cr_assert(WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0,
              "%s ended with %s %d; its stderr:\n%s", c->name,
              WIFEXITED(c->status) ? "status" : "signal",
              WIFEXITED(c->status) ? WEXITSTATUS(c->status) : WTERMSIG(c->status), c->err);
}

/* ---- in-memory files for socat's standard input and output ----------------------------------- */

static int memfd_with_pattern(size_t len)
{
    int fd = memfd_create("real-peers-in", MFD_CLOEXEC);
    cr_assert_geq(fd, 0);
    unsigned char *buf = malloc(len);
    cr_assert_not_null(buf);
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern_byte(i);
    cr_assert_eq(pwrite(fd, buf, len, 0), (ssize_t)len);
    free(buf);
    return fd;
}

/* The memfd holds exactly the pattern's first `len` bytes. */
static void assert_memfd_has_pattern(int fd, size_t len, const child *c)
{
    off_t size = lseek(fd, 0, SEEK_END);
    cr_assert_eq(size, (off_t)len, "%jd bytes came back, %zu were sent; %s's stderr:\n%s",
                 (intmax_t)size, len, c->name, c->err);
    unsigned char *buf = malloc(len);
    cr_assert_not_null(buf);
    cr_assert_eq(pread(fd, buf, len, 0), (ssize_t)len);
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pattern_byte(i)) {
            free(buf);
            cr_assert_fail("byte %zu differs: the echo is out of order or corrupt", i);
        }
    free(buf);
}

/* ---- 1, 2: socat as a client of eddy's echo service ------------------------------------------ */

typedef enum { VIA_TCP, VIA_UNIX_PATH, VIA_ABSTRACT } via;

static bool echo_closed(void *arg)
{
    return ((eddy_simple_factory *)arg)->live == 0;
}

/* socat sends NBYTES from its stdin to eddy's echo service, half-closes at the end of its input
 * (shutdown(SHUT_WR)) and writes what comes back to its stdout until eddy closes. */
static void socat_echo(via how)
{
    require(SOCAT, "socat");
    eddy_reactor *r = test_reactor_new();
    eddy_simple_factory echo;
    eddy_echo_factory_init(&echo);
    eddy_port *port = NULL;
    char dir[PATH_MAX] = "", path[PATH_MAX + 16], address[PATH_MAX + 64];
    int rc;
    switch (how) {
    case VIA_TCP:
        rc = eddy_listen_tcp(r, 0, &echo.base, &(eddy_tcp_listen_options){.interface = "127.0.0.1"},
                             &port);
        cr_assert_eq(rc, 0, "listen: %s", eddy_strerror(rc));
        snprintf(address, sizeof address, "TCP:127.0.0.1:%d", port_number(port));
        break;
    case VIA_UNIX_PATH:
        test_mkdtemp(dir, sizeof dir, "eddy-real-peers");
        snprintf(path, sizeof path, "%s/echo.sock", dir);
        rc = eddy_listen_unix(r, path, &echo.base, NULL, &port);
        cr_assert_eq(rc, 0, "listen: %s", eddy_strerror(rc));
        snprintf(address, sizeof address, "UNIX-CONNECT:%s", path);
        break;
    case VIA_ABSTRACT:
        /* unique per process: Criterion runs tests in parallel */
        snprintf(path, sizeof path, "@eddy-real-peers-%ld", (long)getpid());
        rc = eddy_listen_unix(r, path, &echo.base, NULL, &port);
        cr_assert_eq(rc, 0, "listen: %s", eddy_strerror(rc));
        snprintf(address, sizeof address, "ABSTRACT-CONNECT:%s", path + 1);
        break;
    }
    int in = memfd_with_pattern(NBYTES);
    int out = memfd_create("real-peers-out", MFD_CLOEXEC);
    cr_assert_geq(out, 0);

    child socat;
    char *argv[] = {SOCAT, "-t", SOCAT_LINGER, "-", address, NULL};
    spawn(&socat, "socat", argv, in, out);
    /* socat exits once eddy has closed; the echo's own close is what is waited for too */
    run_with(r, &socat, echo_closed, &echo);
    assert_exit_0(&socat);
    assert_memfd_has_pattern(out, NBYTES, &socat);

    close(in);
    close(out);
    eddy_port_free(port);
    eddy_reactor_free(r);
    if (dir[0]) {
        cr_assert_neq(access(path, F_OK), 0, "stopping the port removes the socket file");
        cr_assert_eq(rmdir(dir), 0);
    }
}

Test(real_peers, socat_tcp_client_gets_1mib_echoed_after_half_close)
{
    socat_echo(VIA_TCP);
}

Test(real_peers, socat_unix_path_client_gets_1mib_echoed_after_half_close)
{
    socat_echo(VIA_UNIX_PATH);
}

Test(real_peers, socat_abstract_unix_client_gets_1mib_echoed_after_half_close)
{
    socat_echo(VIA_ABSTRACT);
}

/* ---- 3: a Twisted client half-closes; eddy answers with a summary and closes ----------------- */

typedef struct summary_server {
    eddy_protocol base; /* first */
    eddy_factory factory;
    bool built;
    size_t count;
    size_t first_bad; /* index of the first byte off the pattern, SIZE_MAX if none */
    bool eof, lost;
    int lost_code;
} summary_server;

static summary_server *the_server; /* the factory's single connection */

static void summary_data(eddy_protocol *p, const void *data, size_t len)
{
    summary_server *s = (summary_server *)p;
    check_pattern(&s->count, &s->first_bad, data, len);
}

static bool summary_eof(eddy_protocol *p)
{
    summary_server *s = (summary_server *)p;
    s->eof = true;
    char line[64];
    int n = snprintf(line, sizeof line, "received %zu bytes\n", s->count);
    cr_assert_eq(eddy_transport_write(p->transport, line, (size_t)n), 0);
    cr_assert_eq(eddy_transport_lose_connection(p->transport), 0);
    return true; /* lose_connection is the close asked for; nothing else should close it */
}

static void summary_lost(eddy_protocol *p, const eddy_failure *reason)
{
    summary_server *s = (summary_server *)p;
    s->lost = true;
    s->lost_code = eddy_failure_code(reason);
}

static const eddy_protocol_ops summary_ops = {
    .data_received = summary_data,
    .eof_received = summary_eof,
    .connection_lost = summary_lost,
};

static eddy_protocol *summary_build(eddy_factory *f, const eddy_address *peer)
{
    if (the_server->built)
        return NULL; /* one client only: a second one is refused */
    the_server->built = true;
    return &the_server->base;
}

static bool server_lost(void *arg)
{
    return ((summary_server *)arg)->lost;
}

Test(real_peers, twisted_half_closing_client_gets_summary_and_clean_close)
{
    require_twisted();
    char script[PATH_MAX];
    beside_this_file(script, sizeof script, "twisted_stream_peer.py");
    summary_server *s = calloc(1, sizeof *s);
    cr_assert_not_null(s);
    s->base.ops = &summary_ops;
    s->factory.ops = &(const eddy_factory_ops){.build_protocol = summary_build};
    s->first_bad = SIZE_MAX;
    the_server = s;

    eddy_reactor *r = test_reactor_new();
    eddy_port *port;
    int rc = eddy_listen_tcp(r, 0, &s->factory,
                             &(eddy_tcp_listen_options){.interface = "127.0.0.1"}, &port);
    cr_assert_eq(rc, 0, "listen: %s", eddy_strerror(rc));
    char port_s[16], nbytes_s[24];
    snprintf(port_s, sizeof port_s, "%d", port_number(port));
    snprintf(nbytes_s, sizeof nbytes_s, "%d", NBYTES);

    child py;
    char *argv[] = {PYTHON, script, "client", port_s, nbytes_s, NULL};
    spawn(&py, "twisted client", argv, -1, -1);
    run_with(r, &py, server_lost, s);

    /* Twisted checked the summary, the FIN (readConnectionLost, not a reset) and
     * ConnectionDone; its status says so */
    assert_exit_0(&py);
    cr_assert(s->eof, "eddy never saw Twisted's half-close");
    cr_assert_eq(s->count, (size_t)NBYTES);
    cr_assert_eq(s->first_bad, SIZE_MAX, "byte %zu differs", s->first_bad);
    cr_assert_eq(s->lost_code, EDDY_ECONNDONE, "lost with %s", eddy_strerror(s->lost_code));

    eddy_port_free(port);
    eddy_reactor_free(r);
    free(s);
}

/* ---- 4: eddy's TCP client half-closes to a Twisted echo server ------------------------------- */

typedef struct echo_client {
    eddy_protocol base; /* first */
    eddy_factory factory;
    size_t count;
    size_t first_bad; /* SIZE_MAX if none */
    char events[8];   /* m(ade) w(rite side lost) e(of) l(ost), in order */
    size_t nevents;
    bool failed, lost;
    int failed_code, lost_code;
} echo_client;

static echo_client *the_client;

static void client_event(echo_client *c, char e)
{
    if (c->nevents < sizeof c->events - 1)
        c->events[c->nevents++] = e;
}

static void client_made(eddy_protocol *p, eddy_transport *t)
{
    echo_client *c = (echo_client *)p;
    client_event(c, 'm');
    unsigned char *buf = malloc(NBYTES);
    cr_assert_not_null(buf);
    for (size_t i = 0; i < NBYTES; i++)
        buf[i] = pattern_byte(i);
    /* more than the kernel takes at once: the rest waits in the transport's queue, and the
     * half-close must wait for it */
    cr_assert_eq(eddy_transport_write(t, buf, NBYTES), 0);
    free(buf);
    cr_assert_eq(eddy_transport_lose_write_connection(t), 0);
}

static void client_data(eddy_protocol *p, const void *data, size_t len)
{
    echo_client *c = (echo_client *)p;
    check_pattern(&c->count, &c->first_bad, data, len);
}

static bool client_eof(eddy_protocol *p)
{
    client_event((echo_client *)p, 'e');
    return false;
}

static void client_write_lost(eddy_protocol *p)
{
    client_event((echo_client *)p, 'w');
}

static void client_lost(eddy_protocol *p, const eddy_failure *reason)
{
    echo_client *c = (echo_client *)p;
    client_event(c, 'l');
    c->lost = true;
    c->lost_code = eddy_failure_code(reason);
}

static const eddy_protocol_ops client_ops = {
    .connection_made = client_made,
    .data_received = client_data,
    .eof_received = client_eof,
    .write_connection_lost = client_write_lost,
    .connection_lost = client_lost,
};

static eddy_protocol *client_build(eddy_factory *f, const eddy_address *peer)
{
    return &the_client->base;
}

static void client_failed(eddy_factory *f, eddy_connector *c, const eddy_failure *why)
{
    the_client->failed = true;
    the_client->failed_code = eddy_failure_code(why);
}

static bool client_done(void *arg)
{
    echo_client *c = arg;
    return c->lost || c->failed;
}

/* A listening socket on 127.0.0.1 and a free port, for the Twisted server to adopt: it is
 * listening before Python starts, so the connection waits in its backlog. Twisted's
 * adoptStreamPort wants it non-blocking already (else its accept blocks the whole reactor). */
static int listening_socket(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 8), 0);
    socklen_t alen = sizeof a;
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

Test(real_peers, eddy_client_half_close_to_twisted_echo_gets_all_back_and_clean_close)
{
    require_twisted();
    char script[PATH_MAX];
    beside_this_file(script, sizeof script, "twisted_stream_peer.py");
    echo_client *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    c->base.ops = &client_ops;
    c->factory.ops = &(const eddy_factory_ops){.build_protocol = client_build,
                                               .client_connection_failed = client_failed};
    c->first_bad = SIZE_MAX;
    the_client = c;

    int port;
    int lfd = listening_socket(&port);
    char nbytes_s[24];
    snprintf(nbytes_s, sizeof nbytes_s, "%d", NBYTES);
    child py;
    char *argv[] = {PYTHON, script, "server", nbytes_s, NULL};
    spawn(&py, "twisted server", argv, lfd, -1);
    close(lfd);

    eddy_reactor *r = test_reactor_new();
    eddy_connector *conn;
    int rc = eddy_connect_tcp(r, "127.0.0.1", port, &c->factory,
                              &(eddy_tcp_connect_options){.timeout = 10}, &conn);
    if (rc != 0) {
        kill_leftovers();
        cr_assert_fail("connect: %s", eddy_strerror(rc));
    }
    run_with(r, &py, client_done, c);

    cr_assert_not(c->failed, "connection failed: %s", eddy_strerror(c->failed_code));
    /* Twisted checked the byte count, our FIN and ConnectionDone */
    assert_exit_0(&py);
    cr_assert_eq(c->count, (size_t)NBYTES, "%zu of %d bytes came back", c->count, NBYTES);
    cr_assert_eq(c->first_bad, SIZE_MAX, "byte %zu differs", c->first_bad);
    /* our side was shut before the peer's EOF could come (it echoes until our FIN) */
    cr_assert_str_eq(c->events, "mwel");
    cr_assert_eq(c->lost_code, EDDY_ECONNDONE, "lost with %s", eddy_strerror(c->lost_code));

    eddy_connector_free(conn);
    eddy_reactor_free(r);
    free(c);
}

/* ---- 5: standard I/O on one socket, as inetd or systemd's Accept=yes gives it ---------------- */

Test(real_peers, stdio_on_one_socket_echoes_and_half_closes_under_socat_exec)
{
    require(SOCAT, "socat");
    require(EDDY_STDIO_ECHO_PEER_PATH, "the stdio_echo_peer target (build it)");
    char exec[PATH_MAX + 32];
    snprintf(exec, sizeof exec, "EXEC:%s %d", EDDY_STDIO_ECHO_PEER_PATH, NBYTES);
    int in = memfd_with_pattern(NBYTES);
    int out = memfd_create("real-peers-out", MFD_CLOEXEC);
    cr_assert_geq(out, 0);
    /* the reactor is only the test's clock here: socat talks to the program itself */
    eddy_reactor *r = test_reactor_new();
    /* socat does not wait for its EXEC child: as a subreaper the test inherits it when socat
     * exits first, and reaps it (instead of leaving a zombie to an init that may not reap) */
    cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);

    child socat;
    char *argv[] = {SOCAT, "-t", SOCAT_LINGER, "-", exec, NULL};
    spawn(&socat, "socat", argv, in, out);
    /* stderr reaches EOF once the program has exited too (it holds socat's stderr) */
    run_with(r, &socat, NULL, NULL);

    /* socat exits 1 if its EXEC child exited non-zero before socat was done with it */
    assert_exit_0(&socat);
    char success[64];
    snprintf(success, sizeof success, "stdio_echo_peer: echoed %d bytes, exit 0\n", NBYTES);
    cr_assert_not_null(strstr(socat.err, success),
                       "stdio_echo_peer did not report success; stderr:\n%s", socat.err);
    /* and when socat had not reaped the program itself, the test did: its status is 0 too */
    cr_assert(socat.others == 0 ||
                  (WIFEXITED(socat.other_status) && WEXITSTATUS(socat.other_status) == 0),
              "stdio_echo_peer ended with status %d", socat.other_status);
    assert_memfd_has_pattern(out, NBYTES, &socat);

    close(in);
    close(out);
    eddy_reactor_free(r);
}
