/* test_twisted_wire.c - wire compatibility with real Twisted: each eddy receiver talks over a Unix
 * socket to Twisted's own receiver of the same kind (tests/protocols/twisted_peer.py), which
 * answers every message with its bytes reversed. Messages go both ways, up to each format's
 * maximum size. Skipped when /usr/bin/python3 cannot import twisted. */
#include <criterion/criterion.h>
#include <libgen.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eddy.h"
#include "eddy_test.h"

TestSuite(twisted_wire, .timeout = 60);

#define PYTHON "/usr/bin/python3"
#define MAXMSG 16

extern char **environ;

typedef struct message {
    char *data;
    size_t len;
} message;

typedef struct peer {
    union {
        eddy_line_receiver line;
        eddy_netstring_receiver netstring;
        eddy_intn_receiver intn;
    } u; /* first */
    const char *kind;
    eddy_factory factory;
    message sent[MAXMSG];
    int nsent;
    message got[MAXMSG + 1];
    int ngot;
    bool lost;
    int lost_code;
} peer;

static peer *the_peer; /* the factory builds this one */

static void got(peer *p, const void *data, size_t len)
{
    cr_assert_lt(p->ngot, MAXMSG + 1, "more answers than messages");
    message *m = &p->got[p->ngot++];
    m->data = malloc(len + 1);
    cr_assert_not_null(m->data);
    memcpy(m->data, data, len);
    m->len = len;
}

static int send_one(peer *p, const void *data, size_t len)
{
    if (strcmp(p->kind, "line") == 0)
        return eddy_line_receiver_send_line(&p->u.line, data, len);
    if (strcmp(p->kind, "netstring") == 0)
        return eddy_netstring_receiver_send_string(&p->u.netstring, data, len);
    return eddy_intn_receiver_send_string(&p->u.intn, data, len);
}

static void send_all(peer *p)
{
    for (int i = 0; i < p->nsent; i++)
        cr_assert_eq(send_one(p, p->sent[i].data, p->sent[i].len), 0);
    cr_assert_eq(send_one(p, "QUIT", 4), 0);
}

static void lost(peer *p, const eddy_failure *reason)
{
    p->lost = true;
    p->lost_code = eddy_failure_code(reason);
}

static void line_made(eddy_line_receiver *lr)
{
    send_all((peer *)lr);
}
static void line_got(eddy_line_receiver *lr, const char *line, size_t len)
{
    got((peer *)lr, line, len);
}
static void line_lost(eddy_line_receiver *lr, const eddy_failure *reason)
{
    lost((peer *)lr, reason);
}
static const eddy_line_receiver_ops line_ops = {
    .connection_made = line_made, .line_received = line_got, .connection_lost = line_lost};

static void ns_made(eddy_netstring_receiver *nr)
{
    send_all((peer *)nr);
}
static void ns_got(eddy_netstring_receiver *nr, const void *data, size_t len)
{
    got((peer *)nr, data, len);
}
static void ns_lost(eddy_netstring_receiver *nr, const eddy_failure *reason)
{
    lost((peer *)nr, reason);
}
static const eddy_netstring_receiver_ops ns_ops = {
    .connection_made = ns_made, .string_received = ns_got, .connection_lost = ns_lost};

static void in_made(eddy_intn_receiver *ir)
{
    send_all((peer *)ir);
}
static void in_got(eddy_intn_receiver *ir, const void *data, size_t len)
{
    got((peer *)ir, data, len);
}
static void in_lost(eddy_intn_receiver *ir, const eddy_failure *reason)
{
    lost((peer *)ir, reason);
}
static const eddy_intn_receiver_ops in_ops = {
    .connection_made = in_made, .string_received = in_got, .connection_lost = in_lost};

static eddy_protocol *build(eddy_factory *f, const eddy_address *addr)
{
    peer *p = the_peer;
    if (strcmp(p->kind, "line") == 0) {
        eddy_line_receiver_init(&p->u.line, &line_ops);
        return &p->u.line.base.protocol;
    }
    if (strcmp(p->kind, "netstring") == 0) {
        eddy_netstring_receiver_init(&p->u.netstring, &ns_ops);
        return &p->u.netstring.base.protocol;
    }
    unsigned prefix = strcmp(p->kind, "int8") == 0 ? 1 : strcmp(p->kind, "int16") == 0 ? 2 : 4;
    cr_assert_eq(eddy_intn_receiver_init(&p->u.intn, prefix, &in_ops), 0);
    return &p->u.intn.base.protocol;
}

static const eddy_factory_ops factory_ops = {.build_protocol = build};

static void add(peer *p, const void *data, size_t len)
{
    message *m = &p->sent[p->nsent++];
    m->data = malloc(len ? len : 1);
    cr_assert_not_null(m->data);
    memcpy(m->data, data, len);
    m->len = len;
}

/* Messages every format can carry, then one of `max` bytes (the largest both sides accept). */
static void add_messages(peer *p, size_t max, bool lines)
{
    add(p, "", sizeof("") - 1);
    add(p, "a", sizeof("a") - 1);
    add(p, "hello, world", sizeof("hello, world") - 1);
    add(p, "12:not,a:netstring,", sizeof("12:not,a:netstring,") - 1);
    if (lines) {
        add(p, "lone\rcr", sizeof("lone\rcr") - 1);
        add(p, "lf\nalone", sizeof("lf\nalone") - 1);
        add(p, "trailing cr\r", sizeof("trailing cr\r") - 1);
    } else {
        add(p, "\r\n\0\xff\x01 binary\r\n", sizeof("\r\n\0\xff\x01 binary\r\n") - 1);
    }
    char *big = malloc(max);
    cr_assert_not_null(big);
    for (size_t i = 0; i < max; i++)
        big[i] = (char)('A' + i % 26);
    add(p, big, max);
    free(big);
}

static bool have_twisted(void)
{
    return access(PYTHON, X_OK) == 0 &&
           system(PYTHON " -c 'import twisted.protocols.basic' >/dev/null 2>&1") == 0;
}

static void talk(const char *kind, size_t max)
{
    /* A missing peer is a broken set-up, not a pass: scripts/install-deps.sh installs it. */
    cr_assert(have_twisted(), PYTHON " cannot import twisted: run scripts/install-deps.sh");
    char here[] = __FILE__;
    char script[4096];
    snprintf(script, sizeof script, "%s/twisted_peer.py", dirname(here));
    cr_assert_eq(access(script, R_OK), 0, "%s is missing", script);

    peer *p = calloc(1, sizeof *p);
    cr_assert_not_null(p);
    p->kind = kind;
    p->factory.ops = &factory_ops;
    the_peer = p;
    add_messages(p, max, strcmp(kind, "line") == 0);

    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
    char *argv[] = {PYTHON, script, (char *)kind, NULL};
    pid_t pid;
    cr_assert_eq(posix_spawn(&pid, PYTHON, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);

    eddy_reactor *r = test_reactor_new();
    cr_assert_eq(eddy_adopt_stream_connection(r, sv[0], &p->factory), 0);
    test_iterate_until(r, &p->lost, 2000);

    cr_assert_eq(p->ngot, p->nsent + 1, "%d answers to %d messages", p->ngot, p->nsent);
    for (int i = 0; i < p->nsent; i++) {
        cr_assert_eq(p->got[i].len, p->sent[i].len, "message %d", i);
        for (size_t k = 0; k < p->sent[i].len; k++)
            cr_assert_eq(p->got[i].data[k], p->sent[i].data[p->sent[i].len - 1 - k],
                         "message %d byte %zu", i, k);
    }
    cr_assert_eq(p->got[p->nsent].len, 3);
    cr_assert_eq(memcmp(p->got[p->nsent].data, "BYE", 3), 0);
    cr_assert_eq(p->lost_code, EDDY_ECONNDONE);

    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "twisted peer status %d", status);
    for (int i = 0; i < p->nsent; i++)
        free(p->sent[i].data);
    for (int i = 0; i < p->ngot; i++)
        free(p->got[i].data);
    free(p);
    eddy_reactor_free(r);
}

Test(twisted_wire, line_receiver_talks_to_twisted_line_receiver)
{
    talk("line", 16384);
}

Test(twisted_wire, netstring_receiver_talks_to_twisted_netstring_receiver)
{
    talk("netstring", 99999);
}

Test(twisted_wire, int8_receiver_talks_to_twisted_int8_string_receiver)
{
    talk("int8", 255);
}

Test(twisted_wire, int16_receiver_talks_to_twisted_int16_string_receiver)
{
    talk("int16", 65535);
}

Test(twisted_wire, int32_receiver_talks_to_twisted_int32_string_receiver)
{
    talk("int32", 99999);
}
