/* idle_conns.c - user-space memory an echo server spends per idle connection.
 *
 *   idle_conns [-n CONNECTIONS] SERVER [ARGS...]
 *
 * Starts `SERVER ARGS... PORT` on a free port (the port is appended, as echoserv expects), opens
 * CONNECTIONS connections to 127.0.0.1:PORT (default 10000), sends one byte on each and waits for
 * its echo (so the server has accepted the connection and built its protocol), then leaves them
 * idle and compares the server's resident memory with what it was before. Prints one line:
 *
 *   conns=10000 rss_before_kb=... rss_after_kb=... anon_before_kb=... anon_after_kb=...
 *   bytes_per_conn=... anon_bytes_per_conn=...
 *
 * Both the server and this program need CONNECTIONS descriptors: this program raises its own
 * soft RLIMIT_NOFILE to the hard limit (echoserv does the same for itself). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        perror("idle_conns: finding a free port");
        exit(1);
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* One figure (in kB) from /proc/PID/status, e.g. "VmRSS:" or "RssAnon:". */
static long status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            kb = strtol(line + strlen(key), NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static void pause_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A blocking connection that has had one byte echoed; -1 on failure. */
static int echoed_connection(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char c = 'x';
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0 || send(fd, &c, 1, 0) != 1 ||
        recv(fd, &c, 1, 0) != 1) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    int n = 10000, first = 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        n = atoi(argv[2]);
        first = 3;
    }
    if (first >= argc || n <= 0) {
        fprintf(stderr, "usage: %s [-n CONNECTIONS] SERVER [ARGS...]\n", argv[0]);
        return 64;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int port = free_port();
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    char **args = calloc((size_t)(argc - first + 2), sizeof *args);
    for (int i = first; i < argc; i++)
        args[i - first] = argv[i];
    args[argc - first] = port_text;
    pid_t server = fork();
    if (server == 0) {
        execv(args[0], args);
        perror("idle_conns: exec");
        _exit(127);
    }
    free(args);
    int warm = -1;
    for (int i = 0; i < 500 && warm < 0; i++) {
        warm = echoed_connection(port);
        if (warm < 0)
            pause_ms(10);
    }
    if (warm < 0) {
        fprintf(stderr, "idle_conns: the server did not answer on port %d\n", port);
        kill(server, SIGKILL);
        return 1;
    }
    close(warm); /* the first connection touched the server's shared buffers: not counted */
    pause_ms(100);
    long rss_before = status_kb(server, "VmRSS:"), anon_before = status_kb(server, "RssAnon:");
    int *fds = malloc((size_t)n * sizeof *fds);
    int opened = 0;
    for (; opened < n; opened++)
        if ((fds[opened] = echoed_connection(port)) < 0) {
            fprintf(stderr, "idle_conns: connection %d failed: %s\n", opened, strerror(errno));
            break;
        }
    pause_ms(200);
    long rss_after = status_kb(server, "VmRSS:"), anon_after = status_kb(server, "RssAnon:");
    printf("conns=%d rss_before_kb=%ld rss_after_kb=%ld anon_before_kb=%ld anon_after_kb=%ld "
           "bytes_per_conn=%.0f anon_bytes_per_conn=%.0f\n",
           opened, rss_before, rss_after, anon_before, anon_after,
           opened ? (rss_after - rss_before) * 1024.0 / opened : 0.0,
           opened ? (anon_after - anon_before) * 1024.0 / opened : 0.0);
    for (int i = 0; i < opened; i++)
        close(fds[i]);
    free(fds);
    kill(server, SIGTERM);
    int status;
    waitpid(server, &status, 0);
    return opened == n ? 0 : 1;
}
