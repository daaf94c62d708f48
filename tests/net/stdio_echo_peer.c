/* stdio_echo_peer.c - an inetd-style echo service for test_real_peers.c.
 *
 * Usage: stdio_echo_peer NBYTES. Run under socat's EXEC address, whose child gets one socket as
 * both standard input and standard output (what inetd and systemd's Accept=yes give a service).
 * It echoes through eddy_stdio_connect and, at the client's EOF, half-closes with
 * eddy_transport_lose_write_connection. The client must have sent exactly NBYTES.
 *
 * The process keeps fds 0 and 1 open all along (eddy_stdio_connect works on duplicates), so the
 * client can only see our EOF if the half-close is a shutdown(SHUT_WR) of the socket: closing one
 * of its numbers sends nothing. To prove that the EOF came from the half-close and not from our
 * exit, the program stays alive afterwards until socat sends it SIGTERM, which socat does once
 * both directions have reached EOF, i.e. once it has read our EOF. SIGTERM is blocked and
 * waited for, so the program still ends with its own status.
 *
 * SIGPIPE is left at its default on purpose: on a socket the transport must not need it ignored.
 * The result is one line on stderr ending in "exit 0" or naming what went wrong; exit status 0 on
 * success. EDDY_REACTOR (inherited from the test) picks the backend under test. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "eddy.h"

#define RUN_LIMIT  15.0 /* seconds the echo may take before the program gives up */
#define TERM_LIMIT 10   /* seconds to wait for socat's SIGTERM after our EOF */

typedef struct echo {
    eddy_protocol base; /* first */
    eddy_reactor *r;
    size_t count;
    bool eof, write_lost, lost, timed_out;
    int lost_code;
} echo;

static void echo_made(eddy_protocol *p, eddy_transport *t)
{
    /* as eddy's own echo service: reading pauses while the client does not read */
    eddy_transport_register_producer(t, &t->as_producer, true);
}

static void echo_data(eddy_protocol *p, const void *data, size_t len)
{
    ((echo *)p)->count += len;
    eddy_transport_write(p->transport, data, len);
}

static bool echo_eof(eddy_protocol *p)
{
    ((echo *)p)->eof = true;
    eddy_transport_unregister_producer(p->transport);
    eddy_transport_lose_write_connection(p->transport);
    return true; /* stay half-open until our own half-close has gone out */
}

static void echo_write_lost(eddy_protocol *p)
{
    ((echo *)p)->write_lost = true;
}

static void echo_lost(eddy_protocol *p, const eddy_failure *reason)
{
    echo *e = (echo *)p;
    e->lost = true;
    e->lost_code = eddy_failure_code(reason);
    eddy_reactor_stop(e->r);
}

static const eddy_protocol_ops echo_ops = {
    .connection_made = echo_made,
    .data_received = echo_data,
    .eof_received = echo_eof,
    .write_connection_lost = echo_write_lost,
    .connection_lost = echo_lost,
};

static void give_up(void *arg)
{
    echo *e = arg;
    e->timed_out = true;
    eddy_reactor_stop(e->r);
}

static int report(const char *what)
{
    fprintf(stderr, "stdio_echo_peer: %s\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return report("usage: stdio_echo_peer NBYTES");
    size_t want = strtoull(argv[1], NULL, 10);

    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &term, NULL) != 0)
        return report("sigprocmask failed");

    echo e = {.base.ops = &echo_ops};
    int rc = eddy_reactor_new(NULL, &e.r);
    if (rc != 0)
        return report(eddy_strerror(rc));
    rc = eddy_stdio_connect(e.r, &e.base, NULL);
    if (rc == 0 && eddy_call_later(e.r, RUN_LIMIT, give_up, &e).id == 0)
        rc = -ENOMEM;
    if (rc == 0)
        rc = eddy_reactor_run(e.r);
    eddy_reactor_free(e.r);
    if (rc != 0)
        return report(eddy_strerror(rc));

    char line[160];
    if (e.timed_out)
        snprintf(line, sizeof line, "gave up after %.0f s: %zu bytes echoed, eof %d", RUN_LIMIT,
                 e.count, e.eof);
    else if (!e.eof || !e.write_lost || e.lost_code != EDDY_ECONNDONE)
        snprintf(line, sizeof line, "eof %d, write side lost %d, connection lost with %s", e.eof,
                 e.write_lost, eddy_strerror(e.lost_code));
    else if (e.count != want)
        snprintf(line, sizeof line, "echoed %zu bytes, expected %zu", e.count, want);
    else if (sigtimedwait(&term, NULL, &(struct timespec){.tv_sec = TERM_LIMIT}) != SIGTERM)
        snprintf(line, sizeof line, "no SIGTERM from socat within %d s: it never saw our EOF",
                 TERM_LIMIT);
    else {
        fprintf(stderr, "stdio_echo_peer: echoed %zu bytes, exit 0\n", e.count);
        return 0;
    }
    return report(line);
}
