/* test_unix.c - Unix stream sockets: listening (mode, pid lock), abstract names, connecting,
 * peer credentials. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net_helpers.h"

TestSuite(unix_socket, .timeout = 30);

/* A fresh directory for this test's sockets. */
static char dir[256];
static char *path_in_dir(const char *name)
{
    static char path[320];
    if (!dir[0]) {
        char stem[32];
        snprintf(stem, sizeof stem, "unix-%ld", (long)getpid());
        test_mkdtemp(dir, sizeof dir, stem); /* short: socket paths are limited to ~108 bytes */
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void remove_dir(void)
{
    if (dir[0])
        rmdir(dir);
}

static bool made(void *arg)
{
    rec_factory *f = arg;
    return f->nbuilt > 0 && f->built[0]->made;
}

/* Listen at `path`, connect with eddy, exchange a few bytes, close. */
static void round_trip(const char *path, const eddy_unix_listen_options *lo)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory server, client;
    rec_factory_init(&server);
    rec_factory_init(&client);
    eddy_port *port;
    int rc = eddy_listen_unix(r, path, &server.base, lo, &port);
    cr_assert_eq(rc, 0, "listen: %s", eddy_strerror(rc));
    eddy_address host;
    eddy_port_get_host(port, &host);
    cr_assert_eq(host.kind, EDDY_ADDRESS_UNIX);
    char text[256], expect[256];
    eddy_address_format(&host, text, sizeof text);
    snprintf(expect, sizeof expect, "unix:%s", path);
    cr_assert_str_eq(text, expect);
    eddy_connector *c;
    cr_assert_eq(eddy_connect_unix(r, path, &client.base, NULL, &c), 0);
    test_iterate_until_fn(r, made, &client, 200);
    test_iterate_until_fn(r, made, &server, 200);
    eddy_transport_write(client.built[0]->transport, "over unix", 9);
    server.built[0]->want = 9;
    test_iterate_until_fn(r, rec_has_bytes, server.built[0], 200);
    cr_assert(memcmp(server.built[0]->data, "over unix", 9) == 0);
    eddy_address peer;
    cr_assert_eq(eddy_transport_get_peer(client.built[0]->transport, &peer), 0);
    eddy_address_format(&peer, text, sizeof text);
    cr_assert_str_eq(text, expect);
    eddy_connector_disconnect(c);
    test_iterate_until(r, &client.client_lost_flag, 200);
    test_iterate_until_fn(r, rec_lost, server.built[0], 200);
    cr_assert_eq(server.built[0]->lost_code, EDDY_ECONNDONE);
    eddy_connector_free(c);
    eddy_port_free(port);
    eddy_reactor_free(r);
    rec_factory_cleanup(&server);
    rec_factory_cleanup(&client);
}

Test(unix_socket, listen_and_connect_exchange_data, .fini = remove_dir)
{
    char *path = strdup(path_in_dir("s"));
    round_trip(path, NULL);
    struct stat st;
    cr_assert_eq(stat(path, &st), -1, "stopping the port removes the socket file");
    free(path);
}

Test(unix_socket, abstract_names_need_no_file)
{
    char name[64];
    snprintf(name, sizeof name, "@eddy-test-%ld", (long)getpid());
    round_trip(name, NULL);
}

Test(unix_socket, listen_sets_the_socket_file_mode, .fini = remove_dir)
{
    char *path = strdup(path_in_dir("mode"));
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *port;
    eddy_unix_listen_options o = {.mode = 0600};
    cr_assert_eq(eddy_listen_unix(r, path, &f.base, &o, &port), 0);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISSOCK(st.st_mode));
    cr_assert_eq(st.st_mode & 0777, 0600);
    eddy_port_free(port);
    eddy_reactor_free(r);
    free(path);
}

Test(unix_socket, listening_on_an_existing_socket_file_is_eaddrinuse, .fini = remove_dir)
{
    char *path = strdup(path_in_dir("busy"));
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *a, *b;
    cr_assert_eq(eddy_listen_unix(r, path, &f.base, NULL, &a), 0);
    cr_assert_eq(eddy_listen_unix(r, path, &f.base, NULL, &b), -EADDRINUSE);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "the first port's file is left alone");
    eddy_port_free(a);
    eddy_reactor_free(r);
    free(path);
}

Test(unix_socket, a_live_pid_lock_refuses_a_second_listener, .fini = remove_dir)
{
    char *path = strdup(path_in_dir("locked"));
    char lock[400];
    snprintf(lock, sizeof lock, "%s.lock", path);
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_unix_listen_options o = {.want_pid = true};
    eddy_port *a, *b;
    cr_assert_eq(eddy_listen_unix(r, path, &f.base, &o, &a), 0);
    char target[32];
    ssize_t n = readlink(lock, target, sizeof target - 1);
    cr_assert_gt(n, 0, "the lock names our pid");
    target[n] = '\0';
    cr_assert_eq(atol(target), (long)getpid());
    cr_assert_eq(eddy_listen_unix(r, path, &f.base, &o, &b), -EADDRINUSE);
    eddy_port_free(a);
    struct stat st;
    cr_assert_eq(lstat(lock, &st), -1, "the lock goes with the port");
    eddy_reactor_free(r);
    free(path);
}

Test(unix_socket, a_stale_lock_and_its_socket_file_are_replaced, .fini = remove_dir)
{
    char *path = strdup(path_in_dir("stale"));
    char lock[400];
    snprintf(lock, sizeof lock, "%s.lock", path);
    /* A dead process's leftovers: a lock naming a pid that does not run, and its socket file. */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)child);
    cr_assert_eq(symlink(pid, lock), 0);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    strcpy(un.sun_path, path);
    cr_assert_eq(bind(fd, (struct sockaddr *)&un, sizeof un), 0);
    close(fd);
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_unix_listen_options o = {.want_pid = true};
    eddy_port *port;
    cr_assert_eq(eddy_listen_unix(r, path, &f.base, &o, &port), 0);
    eddy_port_free(port);
    eddy_reactor_free(r);
    free(path);
}

Test(unix_socket, a_lock_path_that_is_not_a_pid_lock_is_refused_and_kept, .fini = remove_dir)
{
    char *path = strdup(path_in_dir("foreign"));
    char lock[400];
    snprintf(lock, sizeof lock, "%s.lock", path);
    int lf = open(lock, O_CREAT | O_WRONLY | O_EXCL, 0600); /* someone's file, not our kind */
    cr_assert_geq(lf, 0);
    close(lf);
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_unix_listen_options o = {.want_pid = true};
    eddy_port *port = NULL;
    cr_assert_eq(eddy_listen_unix(r, path, &f.base, &o, &port), -EEXIST);
    struct stat st;
    cr_assert_eq(lstat(lock, &st), 0, "a file we did not make is not removed");
    unlink(lock);
    eddy_reactor_free(r);
    free(path);
}

Test(unix_socket, check_pid_refuses_a_server_without_a_live_lock, .fini = remove_dir)
{
    char *path = strdup(path_in_dir("nolock"));
    eddy_reactor *r = test_reactor_new();
    rec_factory server, client;
    rec_factory_init(&server);
    rec_factory_init(&client);
    eddy_port *port;
    cr_assert_eq(eddy_listen_unix(r, path, &server.base, NULL, &port), 0);
    eddy_connector *c;
    eddy_unix_connect_options co = {.check_pid = true};
    cr_assert_eq(eddy_connect_unix(r, path, &client.base, &co, &c), 0);
    test_iterate_until(r, &client.failed_flag, 200);
    cr_assert_eq(client.failed_code, -ECONNREFUSED);
    eddy_connector_free(c);
    eddy_port_free(port);
    /* With the lock, check_pid lets it through. */
    eddy_unix_listen_options lo = {.want_pid = true};
    cr_assert_eq(eddy_listen_unix(r, path, &server.base, &lo, &port), 0);
    rec_factory_init(&client);
    cr_assert_eq(eddy_connect_unix(r, path, &client.base, &co, &c), 0);
    test_iterate_until_fn(r, made, &client, 200);
    eddy_connector_free(c);
    test_iterate_until_fn(r, rec_lost, client.built[0], 200);
    test_iterate_until_fn(r, made, &server, 200);
    test_iterate_until_fn(r, rec_lost, server.built[0], 200);
    eddy_port_free(port);
    eddy_reactor_free(r);
    rec_factory_cleanup(&server);
    rec_factory_cleanup(&client);
    free(path);
}

Test(unix_socket, connecting_to_a_missing_path_fails_with_enoent, .fini = remove_dir)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory client;
    rec_factory_init(&client);
    eddy_connector *c;
    cr_assert_eq(eddy_connect_unix(r, path_in_dir("nobody"), &client.base, NULL, &c), 0);
    test_iterate_until(r, &client.failed_flag, 200);
    cr_assert_eq(client.failed_code, -ENOENT);
    eddy_connector_free(c);
    eddy_reactor_free(r);
}

Test(unix_socket, too_long_a_path_is_enametoolong)
{
    char path[200];
    memset(path, 'a', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *port;
    eddy_connector *c;
    cr_assert_eq(eddy_listen_unix(r, path, &f.base, NULL, &port), -ENAMETOOLONG);
    cr_assert_eq(eddy_connect_unix(r, path, &f.base, NULL, &c), -ENAMETOOLONG);
    eddy_reactor_free(r);
}

Test(unix_socket, an_abstract_name_may_fill_every_byte_of_sun_path)
{
    struct sockaddr_un un;
    char name[sizeof un.sun_path +
              2]; /* '@' + 107 bytes: the leading NUL + the 107 the kernel allows */
    snprintf(name, sizeof name, "@eddy-%ld-", (long)getpid());
    size_t used = strlen(name);
    memset(name + used, 'x', sizeof un.sun_path - used);
    name[sizeof un.sun_path] = '\0';
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *port = NULL;
    cr_assert_eq(eddy_listen_unix(r, name, &f.base, NULL, &port), 0);
    name[sizeof un.sun_path] = 'x';
    name[sizeof un.sun_path + 1] = '\0';
    eddy_port *more = NULL;
    cr_assert_eq(eddy_listen_unix(r, name, &f.base, NULL, &more), -ENAMETOOLONG,
                 "one more is too many");
    eddy_port_free(port);
    eddy_reactor_free(r);
}

/* socket() moved above FD_SETSIZE, where the select reactor refuses it: the listen then fails
 * after bind, in eddy__port_start. */
static int socket_above_select_limit(int domain, int type, int protocol)
{
    int fd = eddy_syscalls_default()->socket(domain, type, protocol);
    if (fd < 0)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, FD_SETSIZE);
    close(fd);
    return high;
}

Test(unix_socket, a_failed_listen_on_an_abstract_name_removes_no_file, .fini = remove_dir)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= FD_SETSIZE)
        cr_skip_test("needs descriptors above FD_SETSIZE");
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    /* A file in the working directory spelled like the abstract name. */
    char name[64];
    snprintf(name, sizeof name, "@eddy-nofile-%ld", (long)getpid());
    cr_assert_eq(chdir(path_in_dir("")), 0);
    int fd = open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0);
    close(fd);
    eddy_reactor *r;
    cr_assert_eq(eddy_reactor_new(&(eddy_reactor_options){.backend = "select"}, &r), 0);
    rec_factory f;
    rec_factory_init(&f);
    eddy_syscalls table = *eddy_syscalls_default();
    table.socket = socket_above_select_limit;
    eddy_syscalls_set(&table);
    eddy_port *port;
    int rc = eddy_listen_unix(r, name, &f.base, NULL, &port);
    eddy_syscalls_set(NULL);
    cr_assert_eq(rc, EDDY_EFDLIMIT, "listen: %s", eddy_strerror(rc));
    struct stat st;
    bool kept = stat(name, &st) == 0;
    unlink(name);
    cr_assert(kept, "the file './%s' was unlinked", name);
    eddy_reactor_free(r);
}

Test(unix_socket, peer_credentials_name_this_process)
{
    char name[64];
    snprintf(name, sizeof name, "@eddy-cred-%ld", (long)getpid());
    eddy_reactor *r = test_reactor_new();
    rec_factory server, client;
    rec_factory_init(&server);
    rec_factory_init(&client);
    eddy_port *port;
    cr_assert_eq(eddy_listen_unix(r, name, &server.base, NULL, &port), 0);
    eddy_connector *c;
    cr_assert_eq(eddy_connect_unix(r, name, &client.base, NULL, &c), 0);
    test_iterate_until_fn(r, made, &server, 200);
    pid_t pid;
    uid_t uid;
    gid_t gid;
    cr_assert_eq(eddy_transport_get_peer_credentials(server.built[0]->transport, &pid, &uid, &gid),
                 0);
    cr_assert_eq(pid, getpid());
    cr_assert_eq(uid, getuid());
    cr_assert_eq(gid, getgid());
    bool nodelay;
    cr_assert_eq(eddy_transport_get_tcp_nodelay(server.built[0]->transport, &nodelay), -EOPNOTSUPP,
                 "not TCP");
    eddy_connector_free(c);
    test_iterate_until_fn(r, rec_lost, server.built[0], 200);
    eddy_port_free(port);
    eddy_reactor_free(r);
    rec_factory_cleanup(&server);
    rec_factory_cleanup(&client);
}

Test(unix_socket, peer_credentials_of_a_tcp_transport_are_eopnotsupp)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    pid_t pid;
    cr_assert_eq(eddy_transport_get_peer_credentials(p.t, &pid, NULL, NULL), -EOPNOTSUPP);
    tcp_pair_close(&p);
}
