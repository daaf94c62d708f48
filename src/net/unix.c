/* unix.c - Unix stream sockets' entry points: listening (file mode, pid lock file, abstract
 * names) and connecting. Ports, connectors and connections are the generic ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/syscalls.h"
#include "eddy/unix.h"
#include "net/port.h"

#define DEFAULT_BACKLOG         50
#define DEFAULT_CONNECT_TIMEOUT 30.0

static char *lock_name(const char *path)
{
    size_t n = strlen(path);
    char *lock = malloc(n + sizeof ".lock");
    if (lock)
        snprintf(lock, n + sizeof ".lock", "%s.lock", path);
    return lock;
}

static int open_listener(const eddy_address *a, const char *path, int mode, int backlog)
{
    int fd = eddy__sys.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = 0;
    bool bound = eddy__sys.bind(fd, (const struct sockaddr *)&a->sa, a->len) == 0;
    if (!bound)
        rc = -errno;
    if (rc == 0 && path[0] != '@' && chmod(path, (mode_t)(mode ? mode : 0666)) < 0)
        rc = -errno;
    if (rc == 0 && eddy__sys.listen(fd, backlog > 0 ? backlog : DEFAULT_BACKLOG) < 0)
        rc = -errno;
    if (rc < 0) {
        if (bound && path[0] != '@')
            unlink(path); /* the file bind made */
        eddy__close(fd);
        return rc;
    }
    return fd;
}

int eddy_listen_unix(eddy_reactor *r, const char *path, eddy_factory *factory,
                     const eddy_unix_listen_options *options, eddy_port **out)
{
    eddy_unix_listen_options defaults = {0};
    const eddy_unix_listen_options *o = options ? options : &defaults;
    eddy_address a;
    if (!factory || !out)
        return -EINVAL;
    int rc = eddy__address_unix(path, &a);
    if (rc < 0)
        return rc;
    bool in_filesystem = path[0] != '@';
    char *lock = NULL, *socket_path = NULL;
    if (in_filesystem && !(socket_path = strdup(path)))
        return -ENOMEM;
    if (in_filesystem && o->want_pid) {
        if (!(lock = lock_name(path))) {
            free(socket_path);
            return -ENOMEM;
        }
        rc = eddy__unix_lock_acquire(lock);
        struct stat st;
        if (rc == 1 && stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
            unlink(path); /* left behind by the dead holder of the stale lock */
        if (rc < 0) {
            free(lock);
            free(socket_path);
            return rc;
        }
    }
    int fd = open_listener(&a, path, o->mode, o->backlog);
    rc = fd < 0 ? fd : eddy__port_start(r, fd, factory, &eddy__kind_unix, out);
    if (rc < 0) {
        if (fd >= 0) {
            eddy__close(fd);
            if (in_filesystem) /* "@name" is no file: unlinking it would hit one in the cwd */
                unlink(path);
        }
        if (lock)
            unlink(lock);
        free(lock);
        free(socket_path);
        return rc;
    }
    (*out)->unix_path = socket_path;
    (*out)->lock_path = lock;
    return 0;
}

int eddy_connect_unix(eddy_reactor *r, const char *path, eddy_factory *factory,
                      const eddy_unix_connect_options *options, eddy_connector **out)
{
    eddy_address dest;
    if (!factory || !out)
        return -EINVAL;
    int rc = eddy__address_unix(path, &dest);
    if (rc < 0)
        return rc;
    double timeout = DEFAULT_CONNECT_TIMEOUT;
    bool check_pid = false;
    if (options) {
        if (options->timeout > 0)
            timeout = options->timeout;
        else if (options->timeout < 0)
            timeout = 0;
        check_pid = options->check_pid && path[0] != '@';
    }
    return eddy__connector_start(r, &eddy__kind_unix, factory, &dest, NULL, timeout, check_pid,
                                 out);
}
