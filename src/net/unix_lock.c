/* unix_lock.c - pid lock files for Unix sockets, as Twisted's FilesystemLock makes them: the lock
 * is a symbolic link named PATH.lock whose target is the holder's pid. symlink() creates it with
 * its content in one atomic step, so two processes can never both believe they hold it. A lock
 * whose process has died is stale and may be replaced. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "net/port.h"

/* The pid a lock names, 0 if there is no lock, -1 if it cannot be read. */
static long lock_pid(const char *lock_path)
{
    char target[32];
    ssize_t n = readlink(lock_path, target, sizeof target - 1);
    if (n < 0)
        return errno == ENOENT ? 0 : -1;
    target[n] = '\0';
    char *end;
    long pid = strtol(target, &end, 10);
    return *end == '\0' && pid > 0 ? pid : -1;
}

static bool process_alive(long pid)
{
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int eddy__unix_lock_acquire(const char *lock_path)
{
    char me[32];
    snprintf(me, sizeof me, "%ld", (long)getpid());
    bool replaced = false;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (symlink(me, lock_path) == 0)
            return replaced ? 1 : 0;
        if (errno != EEXIST)
            return -errno;
        long pid = lock_pid(lock_path);
        if (pid == 0)
            continue; /* released since our symlink() failed: try again, nothing to remove */
        if (pid < 0)
            return -EEXIST; /* not a pid lock (a file, a foreign link): not ours to remove */
        if (process_alive(pid))
            return -EADDRINUSE;
        /* Stale: remove it and try again. Another process may do the same at the same moment;
         * symlink() decides which of us wins. */
        if (unlink(lock_path) < 0 && errno != ENOENT)
            return -errno;
        replaced = true;
    }
    return -EADDRINUSE;
}

bool eddy__unix_lock_alive(const char *lock_path)
{
    long pid = lock_pid(lock_path);
    return pid > 0 && process_alive(pid);
}
