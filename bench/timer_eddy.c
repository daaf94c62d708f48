/* timer_eddy.c - the timer benchmark of ../shared/bench/timers on eddy.
 *
 * The same workload as timer_libuv/libevent/libev: N timeouts (argv[1], default 1,000,000) drawn
 * in [0, 1000] ms from splitmix64 with seed 42, every odd one cancelled, the loop run until the
 * rest have fired, then one line:
 *   lib=eddy n=... total_s=... add_s=... cancel_s=... run_s=... cpu_s=... peak_rss_mb=... fired=...
 * Exit status 1 if the number fired is wrong. Run it through `make bench`. */
#include <eddy.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static long fired;
static long remaining;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void on_timer(void *arg)
{
    eddy_reactor *r = arg;
    fired++;
    if (--remaining == 0)
        eddy_reactor_crash(r);
}

static void stop_now(void *arg)
{
    eddy_reactor_crash(arg);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    unsigned *ms = malloc(sizeof *ms * (size_t)n);
    eddy_delayed_call *calls = malloc(sizeof *calls * (size_t)n);
    if (!ms || !calls)
        return 2;
    uint64_t x = 42;
    for (long i = 0; i < n; i++)
        ms[i] = (unsigned)(splitmix64(&x) % 1001);

    eddy_reactor *r;
    int rc = eddy_reactor_new(NULL, &r);
    if (rc < 0) {
        fprintf(stderr, "timer_eddy: %s\n", eddy_strerror(rc));
        return 2;
    }
    eddy_reactor_update_time(r); /* timeouts count from now */
    double t_start = now_s();
    for (long i = 0; i < n; i++)
        calls[i] = eddy_call_later(r, ms[i] / 1000.0, on_timer, r);
    double t_added = now_s();
    for (long i = 1; i < n; i += 2)
        eddy_delayed_call_cancel(r, calls[i]);
    double t_cancelled = now_s();
    remaining = (n + 1) / 2;
    if (remaining == 0)
        eddy_call_later(r, 0, stop_now, r);
    eddy_reactor_run(r);
    double t_end = now_s();

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    printf("lib=eddy n=%ld total_s=%.3f add_s=%.3f cancel_s=%.3f run_s=%.3f cpu_s=%.3f "
           "peak_rss_mb=%.1f fired=%ld\n",
           n, t_end - t_start, t_added - t_start, t_cancelled - t_added, t_end - t_cancelled, cpu,
           (double)ru.ru_maxrss / 1024.0, fired);
    eddy_reactor_free(r);
    free(calls);
    free(ms);
    long want = (n + 1) / 2;
    if (fired != want) {
        fprintf(stderr, "eddy: %ld timers fired, expected %ld\n", fired, want);
        return 1;
    }
    return 0;
}
