/* stdin_to_file.c - the classic Twisted reader/writer demo, in eddy.
 *
 * A reader watches standard input (non-blocking) and queues what it reads; a writer appends the
 * queue to a file whenever the file is writable; a delayed call prints the time every 4 seconds,
 * six times, then stops the reactor. The ticks keep coming while you type (or while a large file
 * is piped in), which shows the loop never blocks.
 *
 *   stdin_to_file OUTPUT_FILE          (EDDY_REACTOR=select|poll|epoll picks the backend)
 *
 * It also shows backpressure at its simplest: when more than 1 MiB waits to be written, the reader
 * is removed until the writer has caught up. */
#include <eddy.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAUSE_ABOVE (1u << 20)

typedef struct copier {
    eddy_reactor *reactor;
    eddy_descriptor in;  /* reads stdin */
    eddy_descriptor out; /* appends to the file */
    char *queue;         /* bytes read but not yet written */
    size_t queued, cap;
    bool reading; /* `in` is registered */
    bool input_done;
    int ticks;
    long long copied;
} copier;

#define CONTAINER(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static int in_do_read(eddy_descriptor *d)
{
    copier *c = CONTAINER(d, copier, in);
    char buf[16384];
    ssize_t n = read(d->fd, buf, sizeof buf);
    if (n == 0)
        return EDDY_ECONNDONE;
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    if (c->queued + (size_t)n > c->cap) {
        size_t want = c->cap ? c->cap * 2 : 65536;
        while (want < c->queued + (size_t)n)
            want *= 2;
        char *p = realloc(c->queue, want);
        if (!p)
            return -ENOMEM;
        c->queue = p;
        c->cap = want;
    }
    memcpy(c->queue + c->queued, buf, (size_t)n);
    c->queued += (size_t)n;
    eddy_reactor_add_writer(c->reactor, &c->out);
    if (c->queued > PAUSE_ABOVE) { /* let the writer catch up */
        eddy_reactor_remove_reader(c->reactor, &c->in);
        c->reading = false;
    }
    return 0;
}

static void in_connection_lost(eddy_descriptor *d, const eddy_failure *reason)
{
    copier *c = CONTAINER(d, copier, in);
    c->input_done = true;
    c->reading = false;
    if (eddy_failure_code(reason) == EDDY_ECONNDONE)
        printf("stdin_to_file: end of input after %lld bytes\n", c->copied + (long long)c->queued);
    else
        printf("stdin_to_file: input lost: %s\n", eddy_failure_message(reason));
}

static const char *in_log_prefix(const eddy_descriptor *d)
{
    return "stdin";
}

static int out_do_write(eddy_descriptor *d)
{
    copier *c = CONTAINER(d, copier, out);
    ssize_t n = write(d->fd, c->queue, c->queued);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    memmove(c->queue, c->queue + n, c->queued - (size_t)n);
    c->queued -= (size_t)n;
    c->copied += n;
    if (c->queued == 0)
        eddy_reactor_remove_writer(c->reactor, &c->out);
    if (!c->reading && !c->input_done && c->queued < PAUSE_ABOVE / 2) {
        eddy_reactor_add_reader(c->reactor, &c->in);
        c->reading = true;
    }
    return 0;
}

static void out_connection_lost(eddy_descriptor *d, const eddy_failure *reason)
{
    copier *c = CONTAINER(d, copier, out);
    /* The reactor is shutting down (or the file failed): write what is left, then report. */
    while (c->queued && eddy_failure_code(reason) == EDDY_ECONNLOST) {
        ssize_t n = write(d->fd, c->queue, c->queued);
        if (n <= 0)
            break;
        memmove(c->queue, c->queue + n, c->queued - (size_t)n);
        c->queued -= (size_t)n;
        c->copied += n;
    }
    if (c->queued)
        printf("stdin_to_file: could not write %zu bytes: %s\n", c->queued,
               eddy_failure_message(reason));
}

static const char *out_log_prefix(const eddy_descriptor *d)
{
    return "output file";
}

static const eddy_descriptor_ops in_ops = {
    .do_read = in_do_read,
    .connection_lost = in_connection_lost,
    .log_prefix = in_log_prefix,
};

static const eddy_descriptor_ops out_ops = {
    .do_write = out_do_write,
    .connection_lost = out_connection_lost,
    .log_prefix = out_log_prefix,
};

static void tick(void *arg)
{
    copier *c = arg;
    time_t now = time(NULL);
    char stamp[64];
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", localtime(&now));
    printf("stdin_to_file: tick %d at %s, %lld bytes written so far\n", ++c->ticks, stamp,
           c->copied);
    fflush(stdout);
    if (c->ticks < 6)
        eddy_call_later(c->reactor, 4.0, tick, c);
    else
        eddy_reactor_stop(c->reactor);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTPUT_FILE\n", argv[0]);
        return 2;
    }
    int out_fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0644);
    if (out_fd < 0) {
        perror(argv[1]);
        return 1;
    }
    int in_flags = fcntl(STDIN_FILENO, F_GETFL);
    fcntl(STDIN_FILENO, F_SETFL, in_flags | O_NONBLOCK);

    eddy_reactor_options opts = {.install_signal_handlers = true};
    copier c = {.in = {.ops = &in_ops, .fd = STDIN_FILENO},
                .out = {.ops = &out_ops, .fd = out_fd},
                .reading = true};
    int rc = eddy_reactor_new(&opts, &c.reactor);
    if (rc < 0) {
        fprintf(stderr, "stdin_to_file: %s\n", eddy_strerror(rc));
        return 1;
    }
    printf("stdin_to_file: copying standard input to %s on the %s backend\n", argv[1],
           eddy_reactor_backend_name(c.reactor));
    rc = eddy_reactor_add_reader(c.reactor, &c.in);
    if (rc < 0)
        fprintf(stderr, "stdin_to_file: cannot watch stdin: %s\n", eddy_strerror(rc));
    eddy_call_later(c.reactor, 0, tick, &c);
    eddy_reactor_run(c.reactor);

    eddy_reactor_free(c.reactor);
    fcntl(STDIN_FILENO, F_SETFL, in_flags); /* stdin's flags are shared with the shell */
    close(out_fd);
    free(c.queue);
    printf("stdin_to_file: done, %lld bytes copied\n", c.copied);
    return 0;
}
